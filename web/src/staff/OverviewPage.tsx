import { lazy, Suspense, useId, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { settle } from '../api/client';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatDate, formatDateTime } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { useApi } from '../lib/useApi';
import { useStaffT, type StaffKey } from './i18n';
import { staffApi } from './session';
import { vietnamToday } from './scorecard.model';

// ECharts is loaded only here, in its own chunk.
const OverviewChart = lazy(() => import('./OverviewChart'));

export const METRICS = ['receivedToday', 'inProgress', 'dueSoon', 'late', 'paused'] as const;
export type Metric = (typeof METRICS)[number];

/** /can-bo/tong-quan — today's figures per unit for managers: a bar chart and, as its text alternative, the table. */
export default function OverviewPage() {
  const { t, lang } = useStaffT();
  usePageTitle(t('overview.title'));
  const id = useId();
  const [query, setQuery] = useState<{ date: string; by: 'point' | 'agency' }>({ date: '', by: 'point' });
  const [form, setForm] = useState(query);
  const [state, retry] = useApi(
    (signal) =>
      settle(staffApi.GET('/stats/overview', { params: { query: { ...(query.date ? { date: query.date } : {}), by: query.by } }, signal })),
    [query.date, query.by],
  );
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setQuery(form);
  };
  const label = (m: Metric): StaffKey => `overview.${m}`;
  return (
    <div className="container page staff-wide">
      <PageHeading>{t('overview.title')}</PageHeading>
      <form className="card overview-filters" onSubmit={apply} aria-label={t('overview.title')}>
        <div className="field">
          <label htmlFor={`${id}-d`}>{t('overview.date')}</label>
          <input id={`${id}-d`} type="date" value={form.date} onChange={(e) => setForm({ ...form, date: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-b`}>{t('overview.by')}</label>
          <select
            id={`${id}-b`}
            value={form.by}
            onChange={(e) => setForm({ ...form, by: e.target.value === 'agency' ? 'agency' : 'point' })}
          >
            <option value="point">{t('overview.byPoint')}</option>
            <option value="agency">{t('overview.byAgency')}</option>
          </select>
        </div>
        <button type="submit" className="button button-primary">
          {t('overview.show')}
        </button>
      </form>
      <div aria-live="polite" aria-busy={state.status === 'loading'}>
        {state.status === 'loading' && <Loading label={t('common.loading')} />}
        {state.status === 'error' && <ProblemAlert problem={state.problem} onRetry={retry} />}
        {state.status === 'ok' && (
          <p className="result-count">
            {formatDate(state.data.date, lang)} · {t('overview.at', { at: formatDateTime(state.data.at, lang) })}
          </p>
        )}
      </div>
      {state.status === 'ok' && (
        <>
          <ul className="overview-totals">
            {METRICS.map((m) => (
              <li key={m} className={`card total total-${m}`}>
                <span className="total-value">{state.data.total[m].toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN')}</span>
                <span className="total-label">{t(label(m))}</span>
              </li>
            ))}
          </ul>
          {state.data.units.length === 0 ? (
            <p>{t('overview.empty')}</p>
          ) : (
            <>
              <section className="card section" aria-labelledby={`${id}-ch`}>
                <h2 id={`${id}-ch`}>{t('overview.chart')}</h2>
                <p className="small muted" id={`${id}-alt`}>
                  {t('overview.chartAlt')}
                </p>
                <Suspense fallback={<Loading label={t('common.loading')} />}>
                  <OverviewChart
                    units={state.data.units}
                    lang={lang}
                    labels={Object.fromEntries(METRICS.map((m) => [m, t(label(m))])) as Record<Metric, string>}
                    describedBy={`${id}-alt`}
                  />
                </Suspense>
              </section>
              <section className="card section" aria-labelledby={`${id}-tb`}>
                <h2 id={`${id}-tb`}>{t('overview.table')}</h2>
                <div className="table-scroll">
                  <table className="st-table overview-table">
                    <thead>
                      <tr>
                        <th scope="col">{t('overview.unit')}</th>
                        {METRICS.map((m) => (
                          <th key={m} scope="col" className="num">
                            {t(label(m))}
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {state.data.units.map((u) => (
                        <tr key={u.unitId}>
                          <th scope="row" data-label={t('overview.unit')}>
                            {lang === 'en' ? u.unitNameEn : u.unitNameVi}
                          </th>
                          {METRICS.map((m) => (
                            <td key={m} data-label={t(label(m))} className={`num${m === 'late' && u.late > 0 ? ' num-late' : ''}`}>
                              {u[m]}
                            </td>
                          ))}
                        </tr>
                      ))}
                    </tbody>
                    <tfoot>
                      <tr>
                        <th scope="row" data-label={t('overview.unit')}>
                          {t('overview.total')}
                        </th>
                        {METRICS.map((m) => (
                          <td key={m} data-label={t(label(m))} className="num">
                            {state.data.total[m]}
                          </td>
                        ))}
                      </tr>
                    </tfoot>
                  </table>
                </div>
              </section>
            </>
          )}
        </>
      )}
      <FeedbackFigures />
    </div>
  );
}

/** The inbox's page size at most: a count that reaches it is shown as "200+" (the API lists, it does not count). */
const FEEDBACK_LIMIT = 200;

/**
 * Feedback (phản ánh, kiến nghị) of the manager's units: those waiting for the agency and those overdue (counted from
 * GET /feedback), and indicator 5.2, feedback handled on time, since the start of the year (GET /kpi/scorecard).
 */
function FeedbackFigures() {
  const { t, lang } = useStaffT();
  const id = useId();
  const [state, retry] = useApi(async (signal) => {
    const today = vietnamToday(Date.now());
    const [open, overdue, card] = await Promise.all([
      settle(
        staffApi.GET('/feedback', {
          params: { query: { status: ['received', 'info_requested', 'processing'], limit: FEEDBACK_LIMIT } },
          signal,
        }),
      ),
      settle(staffApi.GET('/feedback', { params: { query: { overdue: true, limit: FEEDBACK_LIMIT } }, signal })),
      settle(staffApi.GET('/kpi/scorecard', { params: { query: { from: `${today.slice(0, 4)}-01-01`, to: today } }, signal })),
    ]);
    if (!open.ok) return open;
    if (!overdue.ok) return overdue;
    if (!card.ok) return card;
    return {
      ok: true as const,
      data: { open: open.data.length, overdue: overdue.data.length, onTime: card.data.indicators.find((i) => i.id === '5.2') },
    };
  }, []);
  const n = (x: number) =>
    x >= FEEDBACK_LIMIT ? t('overview.feedback.atLeast', { n: FEEDBACK_LIMIT }) : x.toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN');
  const onTime = state.status === 'ok' ? state.data.onTime : undefined;
  return (
    <section className="card section overview-feedback" aria-labelledby={`${id}-h`} data-testid="overview-feedback">
      <h2 id={`${id}-h`}>{t('overview.feedback.title')}</h2>
      {state.status === 'loading' && <Loading label={t('common.loading')} />}
      {state.status === 'error' && <ProblemAlert problem={state.problem} onRetry={retry} />}
      {state.status === 'ok' && (
        <ul className="feedback-totals">
          <li className="card total total-inProgress">
            <span className="total-value">{n(state.data.open)}</span>
            <Link className="total-label" to="/can-bo/phan-anh?trang-thai=received,info_requested,processing">
              {t('overview.feedback.open')}
            </Link>
          </li>
          <li className="card total total-late">
            <span className="total-value">{n(state.data.overdue)}</span>
            <Link className="total-label" to="/can-bo/phan-anh?trang-thai=all&qua-han=1">
              {t('overview.feedback.overdue')}
            </Link>
          </li>
          <li className="card total total-receivedToday">
            <span className="total-value">
              {onTime?.ratio != null
                ? (onTime.ratio * 100).toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: 1 }) + ' %'
                : '—'}
            </span>
            <span className="total-label">{t('overview.feedback.onTime')}</span>
            <span className="small muted">
              {onTime?.ratio != null && onTime.numerator != null && onTime.denominator != null
                ? t('overview.feedback.onTimeOf', { n: onTime.numerator, d: onTime.denominator })
                : t('overview.feedback.noData')}
            </span>
          </li>
        </ul>
      )}
    </section>
  );
}
