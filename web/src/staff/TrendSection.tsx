import { lazy, Suspense, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { settle } from '../api/client';
import { Loading } from '../components/Loading';
import { ProblemAlert } from '../components/ProblemAlert';
import { useApi } from '../lib/useApi';
import { useStaffT, type StaffKey } from './i18n';
import { staffApi } from './session';
import { ExportButtons } from './ExportButtons';
import { RATES, signed, trendPeriod, type Rate } from './scorecard.model';

// ECharts is loaded only here, in its own chunk.
const TrendChart = lazy(() => import('./TrendChart'));

const percent = (x: number | null, lang: string) =>
  x === null ? '—' : (x * 100).toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: 1 }) + ' %';

/**
 * The unit's weeks or months (?period=week|month in the address): the score and the four rates as lines against the
 * province's target lines, and a table with each period's change from the one before (week over week, month over
 * month) and whether it met the targets.
 */
const rateLabel = (r: Rate): StaffKey => `scorecard.${r}`;

export function TrendSection({ q, id }: { q: { from: string; to: string; unitId?: number }; id: string }) {
  const { t, lang } = useStaffT();
  const [params, setParams] = useSearchParams();
  const period = trendPeriod(params, q.from, q.to);
  const [trend, retry] = useApi(
    (signal) => settle(staffApi.GET('/kpi/trends', { params: { query: { ...q, period } }, signal })),
    [q.unitId, q.from, q.to, period],
  );
  const choose = (p: 'week' | 'month') => {
    const next = new URLSearchParams(params);
    next.set('period', p);
    setParams(next);
  };
  const targets = trend.status === 'ok' ? trend.data.targets : null;
  // Stable inputs, so the chart is drawn again only when its data changes.
  const points = useMemo(
    () =>
      trend.status === 'ok'
        ? trend.data.periods.map((p) => ({ ...p, label: period === 'week' ? p.start.slice(5) : p.start.slice(0, 7) }))
        : [],
    [trend, period],
  );
  const lines = useMemo(
    () =>
      targets ? { onTimeRate: targets.onTimeRate, digitizedRate: targets.digitizedRate, satisfactionRate: targets.satisfactionRate } : {},
    [targets],
  );
  const labels = useMemo(() => Object.fromEntries(RATES.map((r) => [r, t(rateLabel(r))])) as Record<Rate, string>, [t]);
  const target = (r: Rate) => (targets && r !== 'onlineRate' ? targets[r] : null);
  return (
    <section className="card section" aria-labelledby={`${id}-tr`}>
      <h2 id={`${id}-tr`}>{period === 'week' ? t('scorecard.trendWeek') : t('scorecard.trendMonth')}</h2>
      <ExportButtons
        table="trends"
        q={q}
        period={period}
        label={period === 'week' ? t('scorecard.trendWeek') : t('scorecard.trendMonth')}
      />
      <div className="segmented" role="group" aria-label={t('scorecard.period')}>
        {(['week', 'month'] as const).map((p) => (
          <button key={p} type="button" className="button button-secondary" aria-pressed={period === p} onClick={() => choose(p)}>
            {p === 'week' ? t('scorecard.byWeek') : t('scorecard.byMonth')}
          </button>
        ))}
      </div>
      {trend.status === 'loading' && <Loading label={t('common.loading')} />}
      {trend.status === 'error' && <ProblemAlert problem={trend.problem} onRetry={retry} />}
      {trend.status === 'ok' && (
        <>
          <p className="small muted" id={`${id}-alt`}>
            {t('scorecard.trendAlt', {
              onTime: percent(trend.data.targets.onTimeRate, lang),
              digitized: percent(trend.data.targets.digitizedRate, lang),
              satisfaction: percent(trend.data.targets.satisfactionRate, lang),
            })}
          </p>
          <Suspense fallback={<Loading label={t('common.loading')} />}>
            <TrendChart points={points} targets={lines} labels={labels} lang={lang} describedBy={`${id}-alt`} />
          </Suspense>
          <div className="table-scroll">
            <table className="st-table trend-table">
              <thead>
                <tr>
                  <th scope="col">{period === 'week' ? t('scorecard.week') : t('scorecard.month')}</th>
                  <th scope="col" className="num">
                    {t('scorecard.received')}
                  </th>
                  <th scope="col" className="num">
                    {t('scorecard.score')}
                  </th>
                  {RATES.map((r) => (
                    <th key={r} scope="col" className="num">
                      {t(rateLabel(r))}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {trend.data.periods.map((p) => (
                  <tr key={p.start}>
                    <th scope="row" data-label={period === 'week' ? t('scorecard.week') : t('scorecard.month')}>
                      {period === 'week' ? `${p.from} – ${p.to}` : p.start.slice(0, 7)}
                    </th>
                    <td className="num" data-label={t('scorecard.received')}>
                      {p.received.toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN')}
                    </td>
                    <td className="num" data-label={t('scorecard.score')}>
                      {p.score === null ? '—' : p.score.toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: 1 })}
                      <Change value={p.change.score} unit={t('scorecard.pointsShort')} />
                    </td>
                    {RATES.map((r) => {
                      const miss = target(r) !== null && p[r] !== null && p[r]! < target(r)!;
                      return (
                        <td key={r} className={miss ? 'num below-target' : 'num'} data-label={t(rateLabel(r))}>
                          {percent(p[r], lang)}
                          {miss && <span className="visually-hidden"> ({t('scorecard.belowTarget')})</span>}
                          <Change value={p.change[r] === null ? null : p.change[r]! * 100} unit={t('scorecard.pp')} />
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

/** A period's change from the one before, small under its figure. */
export function Change({ value, unit }: { value: number | null; unit: string }) {
  const { lang } = useStaffT();
  if (value === null) return null;
  return (
    <span className={`change ${value > 0 ? 'up' : value < 0 ? 'down' : ''}`}>
      {signed(value, lang)} {unit}
    </span>
  );
}
