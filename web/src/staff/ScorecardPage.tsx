import { useId, useMemo, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { settle } from '../api/client';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { byVietnamese, formatDate, formatDateTime } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { useApi } from '../lib/useApi';
import { useStaffT, type StaffKey } from './i18n';
import { staffApi, type Scorecard } from './session';
import { useSession } from './shared';
import { ExportButtons, MonthlyReportButton } from './ExportButtons';
import { COSTLY, scorecardQuery } from './scorecard.model';
import { formatDuration, vietnamToday } from '../queue/queue.model';
import { RankingSection } from './RankingSection';
import { TrendSection } from './TrendSection';

const percent = (x: number | null, lang: string) =>
  x === null ? '—' : (x * 100).toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: 1 }) + ' %';
/** The dossiers listed under an indicator at once, latest first. */
const COSTLY_SHOWN = 20;
const number = (x: number, lang: string) => x.toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: 2 });

/**
 * /can-bo/chi-so — the Decision 766 scorecard of a unit over a period (managers: their points; an agency's approver:
 * their agency; the administrator: any unit), with the month-by-month shares and, for each indicator computed from
 * dossiers, the dossiers that cost it points. The filters live in the address, so a view can be shared or bookmarked.
 */
export default function ScorecardPage() {
  const { t, lang } = useStaffT();
  const { me } = useSession();
  const id = useId();
  usePageTitle(t('scorecard.title'));
  const [params, setParams] = useSearchParams();
  const query = scorecardQuery(params, Date.now());
  const [form, setForm] = useState({ unitId: query.unitId ?? '', from: query.from, to: query.to });
  const [formError, setFormError] = useState<string | null>(null);

  const [units] = useApi((signal) => settle(staffApi.GET('/units', { signal })), []);
  // The units the caller may see: the administrator every unit; a manager their points; an approver their agency.
  const mine = useMemo(() => {
    if (units.status !== 'ok') return [];
    const allowed = (u: { id: number }) =>
      me.role === 'admin' ? true : me.role === 'manager' ? (me.scopeUnitIds ?? []).includes(u.id) : u.id === me.unitId;
    return units.data.filter(allowed).sort((a, b) => (a.id === me.unitId ? -1 : b.id === me.unitId ? 1 : byVietnamese(a.nameVi, b.nameVi)));
  }, [units, me]);

  const q: Q = { from: query.from, to: query.to, ...(query.unitId ? { unitId: Number(query.unitId) } : {}) };
  const [card, retry] = useApi(
    (signal) => settle(staffApi.GET('/kpi/scorecard', { params: { query: q }, signal })),
    [query.unitId, query.from, query.to],
  );
  const [productivity] = useApi(
    (signal) => settle(staffApi.GET('/kpi/productivity', { params: { query: q }, signal })),
    [query.unitId, query.from, query.to],
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!form.from || !form.to) return setFormError(t('scorecard.errDates'));
    if (form.from > form.to) return setFormError(t('scorecard.errOrder'));
    setFormError(null);
    setParams({ ...(form.unitId ? { unit: form.unitId } : {}), from: form.from, to: form.to });
  };

  return (
    <div className="container page staff-wide">
      <PageHeading>{t('scorecard.title')}</PageHeading>
      <p className="lead">{t('scorecard.lead')}</p>
      <form className="card overview-filters" onSubmit={submit} aria-label={t('scorecard.title')} noValidate>
        <div className="field">
          <label htmlFor={`${id}-u`}>{t('scorecard.unit')}</label>
          <select id={`${id}-u`} value={form.unitId} onChange={(e) => setForm({ ...form, unitId: e.target.value })}>
            {me.role === 'admin' && <option value="">{lang === 'en' ? 'The province' : 'Toàn tỉnh'}</option>}
            {mine.map((u) => (
              <option key={u.id} value={String(u.id)}>
                {lang === 'en' ? u.nameEn : u.nameVi}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-f`}>{t('scorecard.from')}</label>
          <input id={`${id}-f`} type="date" value={form.from} onChange={(e) => setForm({ ...form, from: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-t`}>{t('scorecard.to')}</label>
          <input id={`${id}-t`} type="date" value={form.to} onChange={(e) => setForm({ ...form, to: e.target.value })} />
        </div>
        <button type="submit" className="button button-primary">
          {t('scorecard.show')}
        </button>
        {formError && (
          <p className="field-error" role="alert">
            {formError}
          </p>
        )}
      </form>

      <div aria-live="polite" aria-busy={card.status === 'loading'}>
        {card.status === 'loading' && <Loading label={t('common.loading')} />}
        {card.status === 'error' && <ProblemAlert problem={card.problem} onRetry={retry} />}
      </div>
      {card.status === 'ok' && <ScorecardView card={card.data} q={q} id={id} />}

      {card.status === 'ok' && (
        <RankingSection q={q} id={id} canOpen={(unitId) => me.role === 'admin' || mine.some((u) => u.id === unitId)} />
      )}
      {card.status === 'ok' && <TrendSection q={q} id={id} />}

      {productivity.status === 'ok' && productivity.data.clerks.length > 0 && (
        <section className="card section" aria-labelledby={`${id}-pr`}>
          <h2 id={`${id}-pr`}>{t('scorecard.productivity')}</h2>
          <ExportButtons table="productivity" q={q} label={t('scorecard.productivity')} />
          <p className="small muted">
            {t('scorecard.productivityLead', {
              urban: productivity.data.norms.urban,
              rural: productivity.data.norms.rural,
              remote: productivity.data.norms.remote,
            })}{' '}
            {t('scorecard.queueLead', { minutes: Math.round(productivity.data.waitAimSeconds / 60) })}
          </p>
          <div className="table-scroll">
            <table className="st-table productivity-table">
              <thead>
                <tr>
                  <th scope="col">{t('scorecard.clerk')}</th>
                  <th scope="col">{t('scorecard.point')}</th>
                  <th scope="col" className="num">
                    {t('scorecard.received')}
                  </th>
                  <th scope="col" className="num">
                    {t('scorecard.perYear')}
                  </th>
                  <th scope="col" className="num">
                    {t('scorecard.norm')}
                  </th>
                  <th scope="col" className="num">
                    {t('scorecard.ofNorm')}
                  </th>
                  <th scope="col" className="num">
                    {t('scorecard.served')}
                  </th>
                  <th scope="col" className="num">
                    {t('scorecard.meanWait')}
                  </th>
                  <th scope="col" className="num">
                    {t('scorecard.withinTarget')}
                  </th>
                  <th scope="col" className="num">
                    {t('scorecard.meanService')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {productivity.data.clerks.map((c) => (
                  <tr key={`${c.staffId}-${c.unitId}`}>
                    <th scope="row" data-label={t('scorecard.clerk')}>
                      {c.fullName}
                    </th>
                    <td data-label={t('scorecard.point')}>{c.unitNameVi}</td>
                    <td className="num" data-label={t('scorecard.received')}>
                      {number(c.received, lang)}
                    </td>
                    <td className="num" data-label={t('scorecard.perYear')}>
                      {number(c.annualized, lang)}
                    </td>
                    <td className="num" data-label={t('scorecard.norm')}>
                      {c.norm === null ? '—' : number(c.norm, lang)}
                    </td>
                    <td className="num" data-label={t('scorecard.ofNorm')}>
                      {percent(c.shareOfNorm, lang)}
                    </td>
                    <td className="num" data-label={t('scorecard.served')}>
                      {c.queue ? number(c.queue.served, lang) : '—'}
                    </td>
                    <td
                      className={
                        c.queue?.meanWaitSeconds != null && c.queue.meanWaitSeconds > productivity.data.waitAimSeconds
                          ? 'num below-target'
                          : 'num'
                      }
                      data-label={t('scorecard.meanWait')}
                    >
                      {formatDuration(c.queue?.meanWaitSeconds ?? null, lang)}
                    </td>
                    <td className="num" data-label={t('scorecard.withinTarget')}>
                      {percent(c.queue?.withinTargetShare ?? null, lang)}
                    </td>
                    <td className="num" data-label={t('scorecard.meanService')}>
                      {formatDuration(c.queue?.meanServiceSeconds ?? null, lang)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </div>
  );
}

/** The month of the monthly report: the range's last month, or this month when the range reaches past it. */
const reportMonth = (to: string) => {
  const now = vietnamToday().slice(0, 7);
  return to.slice(0, 7) > now ? now : to.slice(0, 7);
};

/**
 * The dossiers in progress at the range's end (on time, overdue, paused): as the range's last day ended, or now for a
 * range that reaches today. Indicator 2.1 counts the overdue ones as late.
 */
function OpenAtEnd({ open, to }: { open: Scorecard['open']; to: string }) {
  const { t, lang } = useStaffT();
  const endOfTo = new Date(Date.parse(`${to}T00:00:00+07:00`) + 86_400_000).toISOString();
  const when =
    open.at === endOfTo
      ? t('scorecard.openAtDayEnd', { day: formatDate(to, lang) })
      : t('scorecard.openNow', { at: formatDateTime(open.at, lang) });
  return (
    <p className="result-count open-at-end">
      {t('scorecard.openAtEnd', {
        when,
        inProgress: number(open.inProgress, lang),
        onTime: number(open.inProgressOnTime, lang),
        overdue: number(open.inProgressOverdue, lang),
        paused: number(open.paused, lang),
      })}
    </p>
  );
}

/** Query of the scorecard's requests. */
type Q = { from: string; to: string; unitId?: number };

function ScorecardView({ card, q, id }: { card: Scorecard; q: Q; id: string }) {
  const { t, lang } = useStaffT();
  return (
    <>
      <p className="result-count">
        {lang === 'en' ? card.unit.nameEn : card.unit.nameVi} · {formatDate(card.from, lang)} – {formatDate(card.to, lang)} ·{' '}
        {card.asOf ? t('scorecard.asOf', { at: formatDateTime(card.asOf, lang) }) : t('scorecard.asOfNever')}
      </p>
      <ExportButtons table="figures" q={q} label={t('scorecard.figuresByMonth')} />
      <MonthlyReportButton unitId={card.unit.id} month={reportMonth(q.to)} />
      <ul className="overview-totals">
        <li className="card total">
          <span className="total-value">{number(card.total.earned, lang)}</span>
          <span className="total-label">
            {t('scorecard.total')}:{' '}
            {t('scorecard.earnedOf', {
              earned: number(card.total.earned, lang),
              measurable: number(card.total.measurable, lang),
              points: card.total.points,
            })}
          </span>
        </li>
        {card.groups.map((g) => (
          <li key={g.group} className="card total">
            <span className="total-value">
              {number(g.earned, lang)} / {g.points}
            </span>
            <span className="total-label">{lang === 'en' ? g.nameEn : g.nameVi}</span>
          </li>
        ))}
      </ul>
      <OpenAtEnd open={card.open} to={card.to} />
      <section className="card section" aria-labelledby={`${id}-in`}>
        <h2 id={`${id}-in`}>{t('scorecard.indicators')}</h2>
        <ExportButtons table="scorecard" q={q} label={t('scorecard.indicators')} />
        <div className="table-scroll">
          <table className="st-table scorecard-table">
            <thead>
              <tr>
                <th scope="col">{t('scorecard.id')}</th>
                <th scope="col">{t('scorecard.name')}</th>
                <th scope="col" className="num">
                  {t('scorecard.numDen')}
                </th>
                <th scope="col" className="num">
                  {t('scorecard.ratio')}
                </th>
                <th scope="col" className="num">
                  {t('scorecard.fullAt')}
                </th>
                <th scope="col" className="num">
                  {t('scorecard.points')}
                </th>
              </tr>
            </thead>
            <tbody>
              {card.indicators.map((i) => (
                <IndicatorRow key={i.id} indicator={i} q={q} />
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

function IndicatorRow({ indicator: i, q }: { indicator: Scorecard['indicators'][number]; q: Q }) {
  const { t, lang } = useStaffT();
  const [open, setOpen] = useState(false);
  const costly = COSTLY.has(i.id) && i.status === 'scored' && i.numerator !== i.denominator;
  return (
    <>
      <tr>
        <th scope="row" data-label={t('scorecard.id')}>
          {i.id}
        </th>
        <td data-label={t('scorecard.name')}>
          <div>
            {lang === 'en' ? i.nameEn : i.nameVi}
            {i.status === 'no_data' && <div className="small muted">{lang === 'en' ? i.awaitingEn : i.awaitingVi}</div>}
            {i.status === 'no_dossiers' && <div className="small muted">{t('scorecard.noDossiers')}</div>}
            {costly && (
              <div>
                <button type="button" className="button button-secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
                  {open ? t('scorecard.hideCostly') : t('scorecard.costly')}
                </button>
              </div>
            )}
          </div>
        </td>
        <td className="num" data-label={t('scorecard.numDen')}>
          {i.numerator === null ? '—' : `${number(i.numerator, lang)} / ${number(i.denominator ?? 0, lang)}`}
        </td>
        <td className="num" data-label={t('scorecard.ratio')}>
          {percent(i.ratio, lang)}
        </td>
        <td className="num" data-label={t('scorecard.fullAt')}>
          {percent(i.fullAt, lang)}
        </td>
        <td className="num" data-label={t('scorecard.points')}>
          {i.earned === null ? t('scorecard.noData') : `${number(i.earned, lang)} / ${i.points}`}
        </td>
      </tr>
      {open && (
        <tr>
          <td colSpan={6} className="costly-cell">
            <CostlyList indicator={i.id} q={q} />
          </td>
        </tr>
      )}
    </>
  );
}

function CostlyList({ indicator, q }: { indicator: string; q: Q }) {
  const { t, lang } = useStaffT();
  const [list, again] = useApi(
    (signal) =>
      settle(
        staffApi.GET('/kpi/scorecard/{indicator}/dossiers', {
          params: { path: { indicator }, query: { ...q, limit: COSTLY_SHOWN } },
          signal,
        }),
      ),
    [indicator, q.unitId, q.from, q.to],
  );
  if (list.status === 'loading') return <Loading label={t('common.loading')} />;
  if (list.status === 'error') return <ProblemAlert problem={list.problem} onRetry={again} />;
  if (list.data.dossiers.length === 0) return <p>{t('scorecard.noCostly')}</p>;
  return (
    <>
      <ExportButtons table="costly-dossiers" q={q} indicator={indicator} label={t('scorecard.costlyOf', { id: indicator })} />
      <table className="st-table costly-table">
        <caption className="small muted">{t('scorecard.latest', { count: list.data.dossiers.length })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('scorecard.code')}</th>
            <th scope="col">{t('scorecard.procedure')}</th>
            <th scope="col">{t('scorecard.point')}</th>
            <th scope="col">{t('scorecard.due')}</th>
            <th scope="col">{t('scorecard.decided')}</th>
            <th scope="col">{t('scorecard.reason')}</th>
          </tr>
        </thead>
        <tbody>
          {list.data.dossiers.map((d) => (
            <tr key={d.code}>
              <th scope="row" data-label={t('scorecard.code')}>
                <Link to={`/can-bo/ho-so/${encodeURIComponent(d.code)}`}>{d.code}</Link>
              </th>
              <td data-label={t('scorecard.procedure')}>
                {d.procedureCode} {d.procedureNameVi}
              </td>
              <td data-label={t('scorecard.point')}>{d.receivingPointNameVi}</td>
              <td data-label={t('scorecard.due')}>{d.dueAt ? formatDateTime(d.dueAt, lang) : '—'}</td>
              <td data-label={t('scorecard.decided')}>{d.decidedAt ? formatDateTime(d.decidedAt, lang) : '—'}</td>
              <td data-label={t('scorecard.reason')}>{t(`scorecard.reasons.${d.reason}` as StaffKey)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
