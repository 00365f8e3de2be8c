import { useEffect, useId, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { settle } from '../api/client';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { usePageTitle } from '../lib/page';
import { useApi } from '../lib/useApi';
import { useStaffT } from './i18n';
import { staffApi } from './session';
import { DueCell, RiskBadge, StatusBadge, type Risk } from './shared';

const PAGE_SIZE = 25;
const STATUSES = [
  'submitted',
  'received',
  'processing',
  'supplement_requested',
  'awaiting_payment',
  'result_ready',
  'returned',
  'refused',
  'withdrawn',
  'stopped',
] as const;
// Everything not yet handed back to the applicant: results waiting at the counter are work too.
const OPEN = 'submitted,received,processing,supplement_requested,awaiting_payment,result_ready';
const RISKS = ['due_soon', 'late', 'paused'] as const;
type RiskFilter = (typeof RISKS)[number];

/** /can-bo/ho-so — dossiers in the caller's scope, most urgent first (the server orders them), with filters and pages. */
export default function InboxPage() {
  const { t } = useStaffT();
  usePageTitle(t('inbox.title'));
  const id = useId();
  const [params, setParams] = useSearchParams();
  // Open dossiers by default: closed ones are a filter away ("all").
  const statusParam = params.get('trang-thai');
  const status = statusParam === null ? OPEN : statusParam === 'all' ? '' : statusParam;
  const riskParam = params.get('tien-do') ?? '';
  const risk = (RISKS as readonly string[]).includes(riskParam) ? (riskParam as RiskFilter) : '';
  const q = params.get('q') ?? '';
  const page = Math.max(1, Number(params.get('trang')) || 1);

  const [form, setForm] = useState({ status, risk: risk as string, q });
  useEffect(() => setForm({ status, risk, q }), [status, risk, q]);

  // One more than a page: whether a next page exists, without a count query.
  const [state, retry] = useApi(
    (signal) =>
      settle(
        staffApi.GET('/dossiers', {
          params: {
            query: {
              ...(status ? { status } : {}),
              ...(risk ? { risk } : {}),
              ...(q ? { q } : {}),
              limit: PAGE_SIZE + 1,
              offset: (page - 1) * PAGE_SIZE,
            },
          },
          signal,
        }),
      ),
    [status, risk, q, page],
  );

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const next = new URLSearchParams();
    if (form.status !== OPEN) next.set('trang-thai', form.status || 'all');
    if (form.risk) next.set('tien-do', form.risk);
    if (form.q.trim()) next.set('q', form.q.trim());
    setParams(next);
  };
  const goto = (p: number) => {
    const next = new URLSearchParams(params);
    if (p > 1) next.set('trang', String(p));
    else next.delete('trang');
    setParams(next);
  };

  const rows = state.status === 'ok' ? state.data.slice(0, PAGE_SIZE) : [];
  const hasNext = state.status === 'ok' && state.data.length > PAGE_SIZE;
  return (
    <div className="container page staff-wide">
      <PageHeading>{t('inbox.title')}</PageHeading>
      <form className="card inbox-filters" role="search" aria-label={t('inbox.filters')} onSubmit={apply}>
        <div className="field">
          <label htmlFor={`${id}-s`}>{t('inbox.status')}</label>
          <select id={`${id}-s`} value={form.status} onChange={(e) => setForm({ ...form, status: e.target.value })}>
            <option value="">{t('inbox.statusAll')}</option>
            <option value={OPEN}>{t('inbox.statusOpen')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-r`}>{t('inbox.risk')}</label>
          <select id={`${id}-r`} value={form.risk} onChange={(e) => setForm({ ...form, risk: e.target.value })}>
            <option value="">{t('inbox.riskAll')}</option>
            {RISKS.map((r) => (
              <option key={r} value={r}>
                {t(`risk.${r}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field inbox-q">
          <label htmlFor={`${id}-q`}>{t('inbox.q')}</label>
          <input
            id={`${id}-q`}
            type="search"
            value={form.q}
            maxLength={40}
            onChange={(e) => setForm({ ...form, q: e.target.value })}
            aria-describedby={`${id}-qh`}
            autoComplete="off"
            spellCheck={false}
          />
          <p id={`${id}-qh`} className="hint">
            {t('inbox.qHint')}
          </p>
        </div>
        <div className="inbox-buttons">
          <button type="submit" className="button button-primary">
            {t('inbox.apply')}
          </button>
          {(status !== OPEN || risk || q) && (
            <button type="button" className="button button-secondary" onClick={() => setParams(new URLSearchParams())}>
              {t('inbox.reset')}
            </button>
          )}
        </div>
      </form>

      <div aria-live="polite" aria-busy={state.status === 'loading'}>
        {state.status === 'loading' && <Loading label={t('common.loading')} />}
        {state.status === 'error' && <ProblemAlert problem={state.problem} onRetry={retry} />}
        {state.status === 'ok' && (
          <p className="result-count" role="status">
            {rows.length === 0
              ? t('inbox.empty')
              : t('inbox.count', { page, from: (page - 1) * PAGE_SIZE + 1, to: (page - 1) * PAGE_SIZE + rows.length })}
          </p>
        )}
      </div>
      {rows.length > 0 && (
        <div className="table-scroll">
          <table className="st-table inbox-table">
            <caption className="visually-hidden">{t('inbox.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('inbox.colCode')}</th>
                <th scope="col">{t('inbox.colApplicant')}</th>
                <th scope="col">{t('inbox.colStatus')}</th>
                <th scope="col">{t('inbox.colDue')}</th>
                <th scope="col">{t('inbox.colRisk')}</th>
                <th scope="col">{t('inbox.colUnit')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.code} className={d.risk ? `row-${d.risk}` : undefined}>
                  <th scope="row" data-label={t('inbox.colCode')}>
                    <Link to={`/can-bo/ho-so/${encodeURIComponent(d.code)}`} className="code">
                      {d.code}
                    </Link>
                    <span className="muted small block">{d.procedureCode}</span>
                  </th>
                  <td data-label={t('inbox.colApplicant')}>{d.applicantName}</td>
                  <td data-label={t('inbox.colStatus')}>
                    <StatusBadge status={d.status} />
                  </td>
                  <td data-label={t('inbox.colDue')}>
                    {/* Against the date now promised: an apology's new date, marked as such. */}
                    <DueCell dueAt={d.promisedDueAt} paused={d.risk === 'paused' || !d.risk} />
                    {d.apologyDueAt && <span className="badge badge-amber small block">{t('countdown.rescheduled')}</span>}
                  </td>
                  <td data-label={t('inbox.colRisk')}>
                    <RiskBadge risk={d.risk as Risk | null} />
                  </td>
                  <td data-label={t('inbox.colUnit')}>{d.currentUnitNameVi ?? t('common.none')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(page > 1 || hasNext) && (
        <nav className="pager" aria-label={t('inbox.paging')}>
          <button type="button" className="button button-secondary" disabled={page <= 1} onClick={() => goto(page - 1)}>
            ← {t('inbox.prev')}
          </button>
          <span aria-current="page">{page}</span>
          <button type="button" className="button button-secondary" disabled={!hasNext} onClick={() => goto(page + 1)}>
            {t('inbox.next')} →
          </button>
        </nav>
      )}
    </div>
  );
}
