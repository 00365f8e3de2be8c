import { useEffect, useId, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { settle } from '../../api/client';
import { Loading } from '../../components/Loading';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatDate, formatDateTime } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { useQueueT } from '../../queue/i18n';
import type { Figures, Live } from '../../queue/queue.api';
import { formatDuration, formatShare, vietnamToday } from '../../queue/queue.model';
import { staffApi } from '../session';

/** Today's figures are refreshed this often. */
const REFRESH_MS = 30_000;

/** The figures of a point for a day: the whole point, each group, and the arrivals by hour. */
export default function LiveSection({ unitId }: { unitId: number }) {
  const { t, lang } = useQueueT();
  const id = useId();
  const [params, setParams] = useSearchParams();
  const today = vietnamToday();
  const day = /^\d{4}-\d{2}-\d{2}$/.test(params.get('ngay') ?? '') ? params.get('ngay')! : today;
  const [form, setForm] = useState(day);
  useEffect(() => setForm(day), [day]);
  const [state, retry] = useApi(
    (signal) => settle(staffApi.GET('/queue/points/{unitId}/live', { params: { path: { unitId }, query: { day } }, signal })),
    [unitId, day],
  );
  useEffect(() => {
    if (day !== today) return;
    const timer = setInterval(retry, REFRESH_MS);
    return () => clearInterval(timer);
  }, [day, today, retry]);
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const p = new URLSearchParams(params);
    if (form && form !== today) p.set('ngay', form);
    else p.delete('ngay');
    setParams(p);
  };
  // A refresh keeps the figures on screen until the new ones come.
  const [last, setLast] = useState<Live | null>(null);
  useEffect(() => {
    if (state.status === 'ok') setLast(state.data);
  }, [state]);
  const data = state.status === 'ok' ? state.data : last && last.unitId === unitId && last.day === day ? last : null;
  const dur = (s: number | null) => formatDuration(s, lang);
  const maxArrivals = data ? Math.max(1, ...data.arrivalsByHour.map((h) => h.arrivals)) : 1;
  const tiles = (f: Figures, target: number) => [
    { key: 'waiting', label: t('live.waiting'), value: String(f.waiting) },
    { key: 'arrived', label: t('live.arrived'), value: String(f.arrived) },
    { key: 'served', label: t('live.served'), value: String(f.served) },
    { key: 'noShows', label: t('live.noShows'), value: String(f.noShows) },
    { key: 'wait', label: t('live.meanWait'), value: dur(f.meanWaitSeconds), sub: t('live.p90', { value: dur(f.p90WaitSeconds) }) },
    {
      key: 'service',
      label: t('live.meanService'),
      value: dur(f.meanServiceSeconds),
      sub: t('live.p90', { value: dur(f.p90ServiceSeconds) }),
    },
    { key: 'share', label: t('live.withinTarget', { target: Math.round(target / 60) }), value: formatShare(f.shareWithinTarget, lang) },
  ];
  return (
    <section aria-labelledby={`${id}-h`} className="queue-section">
      <h2 id={`${id}-h`} className="visually-hidden">
        {t('manage.tabLive')}
      </h2>
      <form className="card queue-day-form" onSubmit={apply} aria-label={t('live.dayForm')}>
        <div className="field">
          <label htmlFor={`${id}-d`}>{t('live.day')}</label>
          <input id={`${id}-d`} type="date" value={form} max={today} onChange={(e) => setForm(e.target.value)} />
        </div>
        <button type="submit" className="button button-primary">
          {t('live.show')}
        </button>
      </form>
      <div aria-live="polite" aria-busy={state.status === 'loading'}>
        {state.status === 'loading' && !data && <Loading label={t('common.loading')} />}
        {state.status === 'error' && <ProblemAlert problem={state.problem} onRetry={retry} />}
        {data && (
          <p className="result-count">
            {lang === 'en' ? data.nameEn : data.nameVi} · {formatDate(data.day, lang)} ·{' '}
            {t('live.asOf', { at: formatDateTime(data.asOf, lang) })}
          </p>
        )}
      </div>
      {data && (
        <>
          <ul className="overview-totals live-totals" data-testid="live-totals">
            {tiles(data.figures, data.targetWaitSeconds).map((x) => (
              <li key={x.key} className={`card total live-${x.key}`}>
                <span className="total-value">{x.value}</span>
                <span className="total-label">{x.label}</span>
                {x.sub && <span className="small muted">{x.sub}</span>}
              </li>
            ))}
          </ul>
          <section className="card section" aria-labelledby={`${id}-g`}>
            <h3 id={`${id}-g`}>{t('live.byGroup')}</h3>
            <div className="table-scroll" tabIndex={0} role="region" aria-labelledby={`${id}-g`}>
              <table className="st-table live-table">
                <thead>
                  <tr>
                    <th scope="col">{t('live.group')}</th>
                    <th scope="col" className="num">
                      {t('live.waiting')}
                    </th>
                    <th scope="col" className="num">
                      {t('live.estimateNew')}
                    </th>
                    <th scope="col" className="num">
                      {t('live.arrived')}
                    </th>
                    <th scope="col" className="num">
                      {t('live.served')}
                    </th>
                    <th scope="col" className="num">
                      {t('live.noShows')}
                    </th>
                    <th scope="col" className="num">
                      {t('live.meanWait')}
                    </th>
                    <th scope="col" className="num">
                      {t('live.p90Wait')}
                    </th>
                    <th scope="col" className="num">
                      {t('live.meanService')}
                    </th>
                    <th scope="col" className="num">
                      {t('live.p90Service')}
                    </th>
                    <th scope="col" className="num">
                      {t('live.withinOwnTarget')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.groups.map((g) => {
                    const f = g.figures;
                    const missed = f.shareWithinTarget !== null && f.shareWithinTarget < 0.8;
                    return (
                      <tr key={g.id}>
                        <th scope="row" data-label={t('live.group')}>
                          <span className="group-code">{g.code}</span> {lang === 'en' ? g.nameEn : g.nameVi}
                          {!g.active && <span className="badge badge-grey">{t('setup.closed')}</span>}
                        </th>
                        <td className="num" data-label={t('live.waiting')}>
                          {f.waiting}
                        </td>
                        <td className="num" data-label={t('live.estimateNew')}>
                          {dur(g.estimatedWaitSeconds)}
                        </td>
                        <td className="num" data-label={t('live.arrived')}>
                          {f.arrived}
                        </td>
                        <td className="num" data-label={t('live.served')}>
                          {f.served}
                        </td>
                        <td className="num" data-label={t('live.noShows')}>
                          {f.noShows}
                        </td>
                        <td className="num" data-label={t('live.meanWait')}>
                          {dur(f.meanWaitSeconds)}
                        </td>
                        <td className="num" data-label={t('live.p90Wait')}>
                          {dur(f.p90WaitSeconds)}
                        </td>
                        <td className="num" data-label={t('live.meanService')}>
                          {dur(f.meanServiceSeconds)}
                        </td>
                        <td className="num" data-label={t('live.p90Service')}>
                          {dur(f.p90ServiceSeconds)}
                        </td>
                        <td className={`num${missed ? ' num-late' : ''}`} data-label={t('live.withinOwnTarget')}>
                          {formatShare(f.shareWithinTarget, lang)}
                          <span className="small muted"> / {Math.round(g.targetWaitSeconds / 60)}′</span>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </section>
          <section className="card section" aria-labelledby={`${id}-a`}>
            <h3 id={`${id}-a`}>{t('live.arrivalsByHour')}</h3>
            {data.arrivalsByHour.length === 0 ? (
              <p>{t('live.noArrivals')}</p>
            ) : (
              <table className="hour-bars">
                <thead>
                  <tr>
                    <th scope="col">{t('live.hour')}</th>
                    <th scope="col">{t('live.arrivals')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.arrivalsByHour.map((h) => (
                    <tr key={h.hour}>
                      <th scope="row">
                        {t('live.hourRange', { from: String(h.hour).padStart(2, '0'), to: String(h.hour + 1).padStart(2, '0') })}
                      </th>
                      <td>
                        <span className="hour-bar" style={{ width: `${(h.arrivals / maxArrivals) * 100}%` }} aria-hidden="true" />
                        <span className="hour-value">{h.arrivals}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
    </section>
  );
}
