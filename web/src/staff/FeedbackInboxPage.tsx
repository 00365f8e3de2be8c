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
import { DueCell, useSession } from './shared';
import { FeedbackRecordForm } from './FeedbackRecordForm';
import { FEEDBACK_STATUSES, FeedbackStatusBadge, type FeedbackStatus } from './feedback.shared';
import './feedback.css';

const PAGE_SIZE = 25;
const OPEN: FeedbackStatus[] = ['received', 'info_requested', 'processing', 'answered'];

/** /can-bo/phan-anh — feedback of the caller's units, most at risk first (overdue, then the nearest deadline; the server orders them). */
export default function FeedbackInboxPage() {
  const { t } = useStaffT();
  usePageTitle(t('feedback.inboxTitle'));
  const id = useId();
  const { me } = useSession();
  // The administrator oversees feedback; staff of a unit record it (POST /feedback refuses the administrator).
  const mayRecord = me.role !== 'admin';
  const [recording, setRecording] = useState(false);
  const [params, setParams] = useSearchParams();
  const statusParam = params.get('trang-thai');
  const status: FeedbackStatus[] =
    statusParam === null
      ? OPEN
      : statusParam === 'all'
        ? []
        : (statusParam.split(',').filter((s) => (FEEDBACK_STATUSES as readonly string[]).includes(s)) as FeedbackStatus[]);
  const overdue = params.get('qua-han') === '1';
  const escalated = params.get('chuyen-lanh-dao') === '1';
  const q = params.get('q') ?? '';
  const page = Math.max(1, Number(params.get('trang')) || 1);
  const [form, setForm] = useState({ status: statusParam ?? '', overdue, escalated, q });
  useEffect(() => setForm({ status: statusParam ?? '', overdue, escalated, q }), [statusParam, overdue, escalated, q]);

  const [state, retry] = useApi(
    (signal) =>
      settle(
        staffApi.GET('/feedback', {
          params: {
            query: {
              ...(status.length ? { status } : {}),
              ...(overdue ? { overdue: true } : {}),
              ...(escalated ? { escalated: true } : {}),
              ...(q ? { q } : {}),
              limit: PAGE_SIZE + 1,
              offset: (page - 1) * PAGE_SIZE,
            },
          },
          signal,
        }),
      ),
    [status.join(','), overdue, escalated, q, page],
  );
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const next = new URLSearchParams();
    if (form.status) next.set('trang-thai', form.status);
    if (form.overdue) next.set('qua-han', '1');
    if (form.escalated) next.set('chuyen-lanh-dao', '1');
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
      <div className="feedback-heading">
        <PageHeading>{t('feedback.inboxTitle')}</PageHeading>
        {mayRecord && !recording && (
          <button type="button" className="button button-primary" onClick={() => setRecording(true)}>
            + {t('feedback.record.open')}
          </button>
        )}
      </div>
      {recording && <FeedbackRecordForm onCancel={() => setRecording(false)} />}
      <form className="card inbox-filters" role="search" aria-label={t('inbox.filters')} onSubmit={apply}>
        <div className="field">
          <label htmlFor={`${id}-s`}>{t('inbox.status')}</label>
          <select id={`${id}-s`} value={form.status} onChange={(e) => setForm({ ...form, status: e.target.value })}>
            <option value="">{t('inbox.statusOpen')}</option>
            <option value="all">{t('inbox.statusAll')}</option>
            {FEEDBACK_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`feedback.status.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <label className="checkbox feedback-check">
          <input type="checkbox" checked={form.overdue} onChange={(e) => setForm({ ...form, overdue: e.target.checked })} />{' '}
          {t('feedback.onlyOverdue')}
        </label>
        <label className="checkbox feedback-check">
          <input type="checkbox" checked={form.escalated} onChange={(e) => setForm({ ...form, escalated: e.target.checked })} />{' '}
          {t('feedback.onlyEscalated')}
        </label>
        <div className="field inbox-q">
          <label htmlFor={`${id}-q`}>{t('feedback.q')}</label>
          <input
            id={`${id}-q`}
            type="search"
            value={form.q}
            maxLength={100}
            onChange={(e) => setForm({ ...form, q: e.target.value })}
            autoComplete="off"
          />
        </div>
        <div className="inbox-buttons">
          <button type="submit" className="button button-primary">
            {t('inbox.apply')}
          </button>
        </div>
      </form>
      <div aria-live="polite" aria-busy={state.status === 'loading'}>
        {state.status === 'loading' && <Loading label={t('common.loading')} />}
        {state.status === 'error' && <ProblemAlert problem={state.problem} onRetry={retry} />}
        {state.status === 'ok' && rows.length === 0 && <p className="result-count">{t('feedback.empty')}</p>}
      </div>
      {rows.length > 0 && (
        <div className="table-scroll">
          <table className="st-table inbox-table">
            <caption className="visually-hidden">{t('feedback.inboxTitle')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('feedback.colCode')}</th>
                <th scope="col">{t('feedback.colTitle')}</th>
                <th scope="col">{t('inbox.colStatus')}</th>
                <th scope="col">{t('feedback.colDue')}</th>
                <th scope="col">{t('feedback.unit')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((f) => (
                <tr key={f.code} className={f.overdue ? 'row-late' : f.escalated ? 'row-due_soon' : undefined}>
                  <th scope="row" data-label={t('feedback.colCode')}>
                    <Link to={`/can-bo/phan-anh/${f.code}`} className="code">
                      {f.code}
                    </Link>
                    <span className="muted small block">{t(`feedback.channel.${f.channel}`)}</span>
                  </th>
                  <td data-label={t('feedback.colTitle')} lang="vi">
                    {f.title}
                    {f.isRepeat && <span className="badge badge-amber small feedback-flag">{t('feedback.repeatBadge')}</span>}
                  </td>
                  <td data-label={t('inbox.colStatus')}>
                    <FeedbackStatusBadge status={f.status} />
                    {f.escalated && <span className="badge badge-amber small feedback-flag">▲ {t('feedback.escalated')}</span>}
                  </td>
                  <td data-label={t('feedback.colDue')}>
                    <DueCell dueAt={f.currentDueAt} />
                    {f.stage && <span className="muted small block">{t(`feedback.stage.${f.stage}`)}</span>}
                  </td>
                  <td data-label={t('feedback.unit')} lang="vi">
                    {f.unitNameVi}
                  </td>
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
