import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { settle } from '../api/client';
import { Loading } from '../components/Loading';
import { ProblemAlert } from '../components/ProblemAlert';
import { useApi } from '../lib/useApi';
import { useStaffT } from './i18n';
import { staffApi } from './session';
import { rankingLevel, signed } from './scorecard.model';
import { Change } from './TrendSection';
import { ExportButtons } from './ExportButtons';

/** Units listed before "show all": a province has dozens of points. */
const SHOWN = 15;

const score = (x: number | null, lang: string) =>
  x === null ? '—' : x.toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: 1 });

/**
 * The service points (or agencies) under the unit ranked by their Decision 766 score over the period, overall and in
 * each group, with the change from the period of the same length before; a unit's name opens its own scorecard
 * (drill-down), keeping the range.
 */
export function RankingSection({
  q,
  id,
  canOpen,
}: {
  q: { from: string; to: string; unitId?: number };
  id: string;
  /** Whether the caller may open that unit's scorecard. */
  canOpen: (unitId: number) => boolean;
}) {
  const { t, lang } = useStaffT();
  const [params, setParams] = useSearchParams();
  const level = rankingLevel(params);
  const [all, setAll] = useState(false);
  const [ranking, retry] = useApi(
    (signal) => settle(staffApi.GET('/kpi/rankings', { params: { query: { ...q, ...(level ? { level } : {}) } }, signal })),
    [q.unitId, q.from, q.to, level],
  );
  const choose = (l: 'point' | 'agency') => {
    const next = new URLSearchParams(params);
    next.set('level', l);
    setParams(next);
  };
  const open = (unitId: number) => {
    const next = new URLSearchParams(params);
    next.set('unit', String(unitId));
    next.delete('level');
    return `?${next.toString()}`;
  };
  const shown = ranking.status === 'ok' ? ranking.data.level : (level ?? 'point');
  return (
    <section className="card section" aria-labelledby={`${id}-rk`}>
      <h2 id={`${id}-rk`}>{t('scorecard.ranking')}</h2>
      <ExportButtons table="rankings" q={q} level={shown === 'agency' ? 'agency' : 'point'} label={t('scorecard.ranking')} />
      <div className="segmented" role="group" aria-label={t('scorecard.rankLevel')}>
        {(['point', 'agency'] as const).map((l) => (
          <button key={l} type="button" className="button button-secondary" aria-pressed={shown === l} onClick={() => choose(l)}>
            {l === 'point' ? t('scorecard.rankPoints') : t('scorecard.rankAgencies')}
          </button>
        ))}
      </div>
      {ranking.status === 'loading' && <Loading label={t('common.loading')} />}
      {ranking.status === 'error' && <ProblemAlert problem={ranking.problem} onRetry={retry} />}
      {ranking.status === 'ok' && (
        <>
          <p className="small muted">{t('scorecard.rankingLead', { from: ranking.data.previous.from, to: ranking.data.previous.to })}</p>
          <div className="table-scroll">
            <table className="st-table ranking-table">
              <thead>
                <tr>
                  <th scope="col" className="num">
                    {t('scorecard.rank')}
                  </th>
                  <th scope="col">{t('scorecard.unit')}</th>
                  <th scope="col" className="num">
                    {t('scorecard.score')}
                  </th>
                  <th scope="col" className="num">
                    {t('scorecard.previousRank')}
                  </th>
                  {ranking.data.groups.map((g) => (
                    <th key={g.group} scope="col" className="num">
                      {lang === 'en' ? g.nameEn : g.nameVi}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {(all ? ranking.data.units : ranking.data.units.slice(0, SHOWN)).map((u) => (
                  <tr key={u.unitId}>
                    <td className="num" data-label={t('scorecard.rank')}>
                      {u.rank ?? '—'}
                    </td>
                    <th scope="row" data-label={t('scorecard.unit')}>
                      {canOpen(u.unitId) ? (
                        <Link to={open(u.unitId)}>{lang === 'en' ? u.nameEn : u.nameVi}</Link>
                      ) : lang === 'en' ? (
                        u.nameEn
                      ) : (
                        u.nameVi
                      )}
                    </th>
                    <td className="num" data-label={t('scorecard.score')}>
                      {score(u.score, lang)}
                      <Change value={u.change} unit={t('scorecard.pointsShort')} />
                    </td>
                    <td className="num" data-label={t('scorecard.previousRank')}>
                      {u.previousRank ?? '—'}
                      {u.rankChange !== null && u.rankChange !== 0 && (
                        <span className={`change ${u.rankChange > 0 ? 'up' : 'down'}`}>
                          {t(u.rankChange > 0 ? 'scorecard.placesUp' : 'scorecard.placesDown', {
                            n: signed(Math.abs(u.rankChange), lang, 0),
                          })}
                        </span>
                      )}
                    </td>
                    {u.groups.map((g, k) => (
                      <td
                        key={g.group}
                        className="num"
                        data-label={lang === 'en' ? ranking.data.groups[k]!.nameEn : ranking.data.groups[k]!.nameVi}
                      >
                        {score(g.score, lang)}
                        {g.rank !== null && <span className="small muted"> #{g.rank}</span>}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {ranking.data.units.length > SHOWN && (
            <button type="button" className="button button-secondary" aria-expanded={all} onClick={() => setAll(!all)}>
              {all ? t('scorecard.rankTop', { count: SHOWN }) : t('scorecard.rankAll', { count: ranking.data.units.length })}
            </button>
          )}
        </>
      )}
    </section>
  );
}
