import { Fragment, useId, useState, type FormEvent } from 'react';
import { settle, type Problem, type Unit } from '../../api/client';
import { Loading } from '../../components/Loading';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatDate } from '../../lib/format';
import { useQueueT, type QueueKey } from '../../queue/i18n';
import type { PlanningQuery, Reallocation, Staffing } from '../../queue/queue.api';
import { formatDuration, formatShare, vietnamToday } from '../../queue/queue.model';
import { staffApi } from '../session';

interface Form {
  day: string;
  scope: 'all' | 'one';
  meanWait: string;
  withinMinutes: string;
  share: string;
  occupancy: string;
  absence: string;
  blocks: 'day' | 'half-day';
}

const CONSTRAINT: Record<string, QueueKey> = {
  stability: 'plan.limit.stability',
  meanWait: 'plan.limit.meanWait',
  share: 'plan.limit.share',
  occupancy: 'plan.limit.occupancy',
};
const BLOCK: Record<string, QueueKey> = { day: 'plan.block.day', morning: 'plan.block.morning', afternoon: 'plan.block.afternoon' };

/** The form's targets as the planner's query (minutes and percents to seconds and shares). */
function queryOf(f: Form, unitId: number): PlanningQuery {
  const num = (s: string) => (s.trim() === '' ? undefined : Number(s.replace(',', '.')));
  const q: PlanningQuery = { blocks: f.blocks };
  if (f.day) q.day = f.day;
  // Without unitIds the planner takes every point in the caller's scope.
  if (f.scope === 'one') q.unitIds = String(unitId);
  const meanWait = num(f.meanWait);
  if (meanWait !== undefined) q.targetMeanWaitSeconds = meanWait * 60;
  const within = num(f.withinMinutes);
  const share = num(f.share);
  if (within !== undefined) q.targetSeconds = within * 60;
  if (share !== undefined) q.targetShare = share / 100;
  const occupancy = num(f.occupancy);
  if (occupancy !== undefined) q.maxOccupancy = occupancy / 100;
  const absence = num(f.absence);
  if (absence !== undefined) q.absence = absence / 100;
  return q;
}

/**
 * The staffing planner over the points in scope: the clerks each point needs each hour for the targets
 * (Erlang C over the ticket history) against the clerks seen, then the day's reallocation proposal with
 * each point's mean wait before and after, by Erlang C and by the simulation.
 */
export default function PlanningSection({ points, unitId }: { points: Unit[]; unitId: number }) {
  const { t, lang } = useQueueT();
  const id = useId();
  const [form, setForm] = useState<Form>({
    day: vietnamToday(),
    scope: 'all',
    meanWait: '15',
    withinMinutes: '',
    share: '',
    occupancy: '85',
    absence: '0',
    blocks: 'day',
  });
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [result, setResult] = useState<{ staffing: Staffing; reallocation: Reallocation | null } | null>(null);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    const query = queryOf(form, unitId);
    const several = form.scope === 'all' && points.length > 1;
    const [s, r] = await Promise.all([
      settle(staffApi.GET('/queue/planning/staffing', { params: { query } })),
      several ? settle(staffApi.GET('/queue/planning/reallocation', { params: { query } })) : Promise.resolve(null),
    ]);
    setBusy(false);
    if (!s.ok) return setProblem(s.problem);
    if (r && !r.ok) setProblem(r.problem);
    setResult({ staffing: s.data, reallocation: r?.ok ? r.data : null });
  };

  const dur = (s: number | null) => (s === null ? t('plan.unstable') : formatDuration(s, lang));
  const name = (p: { nameVi: string; nameEn: string }) => (lang === 'en' ? p.nameEn : p.nameVi);
  const hours = result ? [...new Set(result.staffing.points.flatMap((p) => p.hours.map((h) => h.hour)))].sort((a, b) => a - b) : [];

  return (
    <section aria-labelledby={`${id}-h`} className="queue-section">
      <h2 id={`${id}-h`} className="visually-hidden">
        {t('manage.tabPlanning')}
      </h2>
      <form className="card plan-form" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-fh`}>
        <h3 id={`${id}-fh`}>{t('plan.targets')}</h3>
        <p className="small muted">{t('plan.targetsText')}</p>
        <div className="plan-fields">
          <div className="field">
            <label htmlFor={`${id}-day`}>{t('plan.day')}</label>
            <input id={`${id}-day`} type="date" value={form.day} onChange={(e) => set('day', e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-scope`}>{t('plan.scope')}</label>
            <select id={`${id}-scope`} value={form.scope} onChange={(e) => set('scope', e.target.value === 'one' ? 'one' : 'all')}>
              <option value="all">{t('plan.scopeAll', { count: points.length })}</option>
              <option value="one">{name(points.find((p) => p.id === unitId) ?? { nameVi: '', nameEn: '' })}</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-mw`}>{t('plan.meanWait')}</label>
            <input
              id={`${id}-mw`}
              type="number"
              min={1}
              max={240}
              step="any"
              value={form.meanWait}
              onChange={(e) => set('meanWait', e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-sh`}>{t('plan.share')}</label>
            <input
              id={`${id}-sh`}
              type="number"
              min={1}
              max={99}
              step="any"
              value={form.share}
              onChange={(e) => set('share', e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-wm`}>{t('plan.within')}</label>
            <input
              id={`${id}-wm`}
              type="number"
              min={0}
              max={240}
              step="any"
              value={form.withinMinutes}
              onChange={(e) => set('withinMinutes', e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-oc`}>{t('plan.occupancy')}</label>
            <input
              id={`${id}-oc`}
              type="number"
              min={1}
              max={100}
              step="any"
              value={form.occupancy}
              onChange={(e) => set('occupancy', e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-ab`}>{t('plan.absence')}</label>
            <input
              id={`${id}-ab`}
              type="number"
              min={0}
              max={90}
              step="any"
              value={form.absence}
              onChange={(e) => set('absence', e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-bl`}>{t('plan.blocks')}</label>
            <select id={`${id}-bl`} value={form.blocks} onChange={(e) => set('blocks', e.target.value === 'half-day' ? 'half-day' : 'day')}>
              <option value="day">{t('plan.blocksDay')}</option>
              <option value="half-day">{t('plan.blocksHalf')}</option>
            </select>
          </div>
        </div>
        <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
          {t('plan.run')}
        </button>
      </form>
      <div aria-live="polite" aria-busy={busy}>
        {busy && <Loading label={t('plan.running')} />}
        {problem && <ProblemAlert problem={problem} />}
        {result && !busy && (
          <p className="result-count">
            {t('plan.for', { day: formatDate(result.staffing.day, lang) })} ·{' '}
            {result.staffing.history.from && result.staffing.history.to
              ? t('plan.history', {
                  days: result.staffing.history.days,
                  from: formatDate(result.staffing.history.from, lang),
                  to: formatDate(result.staffing.history.to, lang),
                })
              : t('plan.noHistory')}
          </p>
        )}
      </div>
      {result && (
        <>
          <section className="card section" aria-labelledby={`${id}-st`}>
            <h3 id={`${id}-st`}>{t('plan.staffingTitle')}</h3>
            <p className="small muted" id={`${id}-st-d`}>
              {t('plan.staffingText')}
            </p>
            <div className="table-scroll" tabIndex={0} role="region" aria-labelledby={`${id}-st`}>
              <table className="plan-table" aria-describedby={`${id}-st-d`} data-testid="staffing-table">
                <thead>
                  <tr>
                    <th scope="col">{t('plan.point')}</th>
                    <th scope="col" className="num">
                      {t('plan.seen')}
                    </th>
                    {hours.map((h) => (
                      <th scope="col" key={h} className="num">
                        {t('plan.hourShort', { hour: h })}
                      </th>
                    ))}
                    <th scope="col" className="num">
                      {t('plan.peak')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {result.staffing.points.map((p) => (
                    <tr key={p.unitId}>
                      <th scope="row">{name(p)}</th>
                      <td className="num">{p.clerksSeen}</td>
                      {hours.map((h) => {
                        const x = p.hours.find((y) => y.hour === h);
                        if (!x)
                          return (
                            <td key={h} className="num muted">
                              –
                            </td>
                          );
                        const short = x.scheduled > p.clerksSeen;
                        return (
                          <td key={h} className={`num${short ? ' plan-short' : ''}`}>
                            {x.scheduled}
                            {short && (
                              <>
                                <span aria-hidden="true"> ▲</span>
                                <span className="visually-hidden"> ({t('plan.short')})</span>
                              </>
                            )}
                          </td>
                        );
                      })}
                      <td className={`num${p.peakScheduled > p.clerksSeen ? ' plan-short' : ''}`}>{p.peakScheduled}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <p className="small muted">{t('plan.legend')}</p>
            {result.staffing.points.map((p) => (
              <details key={p.unitId} className="plan-details">
                <summary>{t('plan.hoursOf', { point: name(p) })}</summary>
                <div className="table-scroll" tabIndex={0} role="region" aria-label={t('plan.hoursOf', { point: name(p) })}>
                  <table className="plan-table">
                    <thead>
                      <tr>
                        <th scope="col">{t('plan.hour')}</th>
                        <th scope="col" className="num">
                          {t('plan.arrivals')}
                        </th>
                        <th scope="col" className="num">
                          {t('plan.service')}
                        </th>
                        <th scope="col" className="num">
                          {t('plan.clerks')}
                        </th>
                        <th scope="col" className="num">
                          {t('plan.scheduled')}
                        </th>
                        <th scope="col" className="num">
                          {t('plan.pWait')}
                        </th>
                        <th scope="col" className="num">
                          {t('plan.meanWaitCol')}
                        </th>
                        <th scope="col" className="num">
                          {t('plan.shareCol')}
                        </th>
                        <th scope="col" className="num">
                          {t('plan.occupancyCol')}
                        </th>
                        <th scope="col">{t('plan.limitedBy')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {p.hours.map((h) => (
                        <tr key={h.hour}>
                          <th scope="row">{t('plan.hourShort', { hour: h.hour })}</th>
                          <td className="num">
                            {h.arrivalsPerHour.toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: 1 })}
                          </td>
                          <td className="num">{formatDuration(h.serviceSeconds, lang)}</td>
                          <td className="num">{h.clerks}</td>
                          <td className="num">{h.scheduled}</td>
                          <td className="num">{formatShare(h.pWait, lang)}</td>
                          <td className="num">{dur(h.meanWaitSeconds)}</td>
                          <td className="num">{formatShare(h.shareWithinTarget, lang)}</td>
                          <td className="num">{formatShare(h.occupancy, lang)}</td>
                          <td>{h.limitedBy.map((c) => (CONSTRAINT[c] ? t(CONSTRAINT[c]) : c)).join(', ') || '—'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </details>
            ))}
          </section>
          {result.reallocation && <ReallocationView data={result.reallocation} />}
        </>
      )}
    </section>
  );
}

function ReallocationView({ data }: { data: Reallocation }) {
  const { t, lang } = useQueueT();
  const id = useId();
  const name = (p: { nameVi: string; nameEn: string }) => (lang === 'en' ? p.nameEn : p.nameVi);
  const dur = (s: number | null) => (s === null ? t('plan.unstable') : formatDuration(s, lang));
  const changed = (p: Reallocation['points'][number]) => p.clerks.some((c) => c.before !== c.after);
  const rows = [...data.points].sort(
    (a, b) => Number(changed(b)) - Number(changed(a)) || Number(a.before.meetsTarget) - Number(b.before.meetsTarget),
  );
  const block = (b: string) => (BLOCK[b] ? t(BLOCK[b]) : b);
  return (
    <section className="card section" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{t('plan.reallocationTitle')}</h3>
      <p className="small muted">{t('plan.reallocationText')}</p>
      {data.moves.length === 0 ? (
        <p className="notice notice-green">{t('plan.noMoves')}</p>
      ) : (
        <ol className="plan-moves" data-testid="plan-moves">
          {data.moves.map((m, i) => (
            <li key={i}>
              {t('plan.move', {
                count: m.count,
                from: data.points.find((p) => p.unitId === m.fromUnitId)
                  ? name(data.points.find((p) => p.unitId === m.fromUnitId)!)
                  : m.fromNameVi,
                to: data.points.find((p) => p.unitId === m.toUnitId) ? name(data.points.find((p) => p.unitId === m.toUnitId)!) : m.toNameVi,
                block: block(m.block),
              })}
            </li>
          ))}
        </ol>
      )}
      <div className="table-scroll" tabIndex={0} role="region" aria-labelledby={`${id}-h`}>
        <table className="plan-table plan-compare">
          <thead>
            <tr>
              <th scope="col" rowSpan={2}>
                {t('plan.point')}
              </th>
              <th scope="col" rowSpan={2} className="num">
                {t('plan.clerksBeforeAfter')}
              </th>
              <th scope="colgroup" colSpan={2} className="num">
                {t('plan.erlang')}
              </th>
              <th scope="colgroup" colSpan={2} className="num">
                {t('plan.simulated')}
              </th>
              <th scope="colgroup" colSpan={2} className="num">
                {t('plan.withinTarget')}
              </th>
            </tr>
            <tr>
              <th scope="col" className="num">
                {t('plan.before')}
              </th>
              <th scope="col" className="num">
                {t('plan.after')}
              </th>
              <th scope="col" className="num">
                {t('plan.before')}
              </th>
              <th scope="col" className="num">
                {t('plan.after')}
              </th>
              <th scope="col" className="num">
                {t('plan.before')}
              </th>
              <th scope="col" className="num">
                {t('plan.after')}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={p.unitId} className={changed(p) ? 'plan-changed' : undefined}>
                <th scope="row">
                  {name(p)}
                  {p.before.overloadedHours.length > 0 && (
                    <span className="block small plan-over">
                      {t('plan.overloaded', { hours: p.before.overloadedHours.map((h) => `${h}h`).join(', ') })}
                    </span>
                  )}
                </th>
                <td className="num">
                  {p.clerks.map((c) => (
                    <Fragment key={c.block}>
                      <span className="block">
                        {data.blocks === 'half-day' && <span className="small muted">{block(c.block)}: </span>}
                        {c.before === c.after ? c.before : `${c.before} → ${c.after}`}
                      </span>
                    </Fragment>
                  ))}
                </td>
                <td className={`num${p.before.meetsTarget ? '' : ' plan-short'}`}>{dur(p.before.meanWaitSeconds)}</td>
                <td className={`num${p.after.meetsTarget ? '' : ' plan-short'}`}>{dur(p.after.meanWaitSeconds)}</td>
                <td className="num">{formatDuration(p.before.simulated.meanWaitSeconds, lang)}</td>
                <td className="num">{formatDuration(p.after.simulated.meanWaitSeconds, lang)}</td>
                <td className="num">{formatShare(p.before.shareWithinTarget, lang)}</td>
                <td className="num">{formatShare(p.after.shareWithinTarget, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
