import { useId, useState, type FormEvent } from 'react';
import { Link, useLocation, useParams } from 'react-router-dom';
import { settle, type Problem, type Result } from '../api/client';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatDateTime } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { useApi } from '../lib/useApi';
import { useStaffT } from './i18n';
import { staffApi } from './session';
import { BlobButton, DueCell } from './shared';
import { FeedbackStatusBadge } from './feedback.shared';
import type { FeedbackFiledByStaff } from './FeedbackRecordForm';
import './feedback.css';

type Detail = NonNullable<Awaited<ReturnType<typeof loadDetail>> extends Result<infer T> ? T : never>;
type Action = Detail['actions'][number];
const CATEGORIES = ['procedure_rules', 'dossier_delay', 'staff_conduct', 'facilities', 'other'] as const;

function loadDetail(code: string, signal?: AbortSignal) {
  return settle(staffApi.GET('/feedback/{code}', { params: { path: { code } }, ...(signal ? { signal } : {}) }));
}

/** /can-bo/phan-anh/:code — a feedback with its deadlines, stages, timeline (internal notes too) and the caller's actions. */
export default function FeedbackDetailPage() {
  const { code = '' } = useParams();
  const { t, lang } = useStaffT();
  usePageTitle(t('feedback.detailTitle', { code }));
  const [state, retry] = useApi((signal) => loadDetail(code, signal), [code]);
  const [fresh, setFresh] = useState<Detail | null>(null);
  const d = fresh?.code === code ? fresh : state.status === 'ok' ? state.data : null;
  // Just recorded at the counter or by the hotline (FeedbackRecordForm): its secret, shown this once.
  const filed = (useLocation().state as { filed?: FeedbackFiledByStaff } | null)?.filed;
  return (
    <div className="container page staff-wide">
      <p>
        <Link to="/can-bo/phan-anh">← {t('feedback.back')}</Link>
      </p>
      <PageHeading>{t('feedback.detailTitle', { code })}</PageHeading>
      {filed?.code === code && (
        <div className="card notice notice-green feedback-filed" role="status" data-testid="feedback-filed">
          <h2>{t('feedback.record.filedTitle', { code: filed.code })}</h2>
          <p>{t('feedback.record.filedLead', { unit: filed.unitNameVi })}</p>
          <dl className="facts">
            <div>
              <dt>{t('feedback.record.code')}</dt>
              <dd className="code">{filed.code}</dd>
            </div>
            <div>
              <dt>{t('feedback.record.secret')}</dt>
              <dd className="code" data-testid="feedback-secret">
                {filed.secret}
              </dd>
            </div>
            <div>
              <dt>{t('feedback.record.answerDue')}</dt>
              <dd>{formatDateTime(filed.answerDueAt, lang)}</dd>
            </div>
          </dl>
        </div>
      )}
      {state.status === 'loading' && !d && <Loading label={t('common.loading')} />}
      {state.status === 'error' &&
        (filed?.code === code && state.problem.code === 'OUT_OF_SCOPE' ? (
          // Routed to a unit outside the recorder's scope: theirs to handle; the code and secret above are what matters here.
          <p className="notice">{t('feedback.record.elsewhere', { unit: filed.unitNameVi })}</p>
        ) : (
          <ProblemAlert problem={state.problem} onRetry={retry} />
        ))}
      {d && (
        <div className="feedback-detail">
          <section className="card">
            <h2 lang="vi">{d.title}</h2>
            <p>
              <FeedbackStatusBadge status={d.status} />{' '}
              {d.escalated && <span className="badge badge-amber">▲ {t('feedback.escalated')}</span>}{' '}
              {d.current?.overdue && <span className="badge badge-red">■ {t('feedback.overdue')}</span>}
            </p>
            <p className="feedback-content" lang="vi">
              {d.content}
            </p>
            <dl className="facts">
              <div>
                <dt>{t('feedback.subject')}</dt>
                <dd>
                  {t(`feedback.kind.${d.subject.kind}`)}
                  {d.subject.dossierCode && (
                    <>
                      {' '}
                      <Link to={`/can-bo/ho-so/${encodeURIComponent(d.subject.dossierCode)}`} className="code">
                        {d.subject.dossierCode}
                      </Link>
                    </>
                  )}
                  {d.subject.procedureCode && !d.subject.dossierCode && <span className="code"> {d.subject.procedureCode}</span>}
                  {d.subject.unitNameVi && <span lang="vi"> · {d.subject.unitNameVi}</span>}
                  {d.subject.staffName && <span lang="vi"> · {d.subject.staffName}</span>}
                </dd>
              </div>
              <div>
                <dt>{t('feedback.category')}</dt>
                <dd>{t(`feedback.categories.${d.category}`)}</dd>
              </div>
              <div>
                <dt>{t('feedback.channelLabel')}</dt>
                <dd>{t(`feedback.channel.${d.channel}`)}</dd>
              </div>
              <div>
                <dt>{t('feedback.sender')}</dt>
                <dd>
                  {[d.sender.name, d.sender.phone, d.sender.email].filter(Boolean).join(' · ') || t('feedback.anonymous')}
                  {d.sender.loggedIn && <span className="badge small"> VNeID</span>}
                </dd>
              </div>
              <div>
                <dt>{t('feedback.unit')}</dt>
                <dd lang="vi">{d.unitNameVi}</dd>
              </div>
              <div>
                <dt>{t('feedback.assignee')}</dt>
                <dd>{d.assignee?.fullName ?? t('common.none')}</dd>
              </div>
              <div>
                <dt>{t('feedback.receivedAt')}</dt>
                <dd>{formatDateTime(d.receivedAt, lang)}</dd>
              </div>
              <div>
                <dt>{t('feedback.current')}</dt>
                <dd>{d.current ? <DueCell dueAt={d.current.dueAt} /> : t('common.none')}</dd>
              </div>
              <div>
                <dt>{t('feedback.consent')}</dt>
                <dd>{d.publishConsent ? t('feedback.yes') : t('feedback.no')}</dd>
              </div>
              {d.repeatOf && (
                <div>
                  <dt>{t('feedback.repeatOf')}</dt>
                  <dd>
                    <Link to={`/can-bo/phan-anh/${d.repeatOf}`} className="code">
                      {d.repeatOf}
                    </Link>
                  </dd>
                </div>
              )}
              {d.repeats.length > 0 && (
                <div>
                  <dt>{t('feedback.repeatedBy')}</dt>
                  <dd>
                    {d.repeats.map((r) => (
                      <Link key={r} to={`/can-bo/phan-anh/${r}`} className="code feedback-repeat">
                        {r}
                      </Link>
                    ))}
                  </dd>
                </div>
              )}
              {d.status === 'published' && (
                <div>
                  <dt>{t('feedback.reactions')}</dt>
                  <dd>
                    {t('feedback.likes', { count: d.likes })} · {t('feedback.dislikes', { count: d.dislikes })}
                  </dd>
                </div>
              )}
            </dl>
            {d.attachments.length > 0 && (
              <div className="feedback-files">
                <h3>{t('feedback.files')}</h3>
                {d.attachments.map((a, i) => (
                  <BlobButton
                    key={a.sha256}
                    label={`${t('feedback.file')} ${i + 1}`}
                    fileName={`${d.code}-${i + 1}.${a.mime === 'application/pdf' ? 'pdf' : (a.mime.split('/')[1] ?? 'bin')}`}
                    load={() =>
                      settle(
                        staffApi.GET('/feedback/{code}/attachments/{sha256}', {
                          params: { path: { code: d.code, sha256: a.sha256 } },
                          parseAs: 'blob',
                        }) as Promise<{ data?: Blob; error?: unknown; response: Response }>,
                      )
                    }
                  />
                ))}
              </div>
            )}
          </section>

          <section className="card">
            <h3>{t('feedback.deadlines')}</h3>
            <table className="st-table">
              <thead>
                <tr>
                  <th scope="col">{t('feedback.stageCol')}</th>
                  <th scope="col">{t('feedback.dueCol')}</th>
                  <th scope="col">{t('feedback.verdictCol')}</th>
                </tr>
              </thead>
              <tbody>
                {(
                  [
                    ['refuse', d.deadlines.refuseDueAt],
                    ['info', d.deadlines.infoDueAt],
                    ['answer', d.deadlines.answerDueAt],
                    ['publish', d.deadlines.publishDueAt],
                  ] as const
                ).map(([stage, due]) => (
                  <tr key={stage}>
                    <th scope="row">{t(`feedback.stages.${stage}`)}</th>
                    <td data-label={t('feedback.dueCol')}>{due ? formatDateTime(due, lang) : t('common.none')}</td>
                    <td data-label={t('feedback.verdictCol')}>{t(`feedback.verdict.${d.stages[stage]}`)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>

          {(d.answer || d.refusalReason) && (
            <section className="card">
              <h3>{d.answer ? t('feedback.answer') : t('feedback.refusal')}</h3>
              <p lang="vi">{d.answer ?? d.refusalReason}</p>
            </section>
          )}

          {d.actions.length > 0 && <Actions d={d} onDone={setFresh} />}

          <section className="card">
            <h3>{t('feedback.timeline')}</h3>
            <ol className="timeline">
              {d.timeline.map((e) => (
                <li key={e.seq} className="timeline-item">
                  <p className="timeline-label">
                    {t(`feedback.actions.${e.action as Action}`, { defaultValue: e.action })}
                    {e.internal && <span className="badge small"> {t('feedback.internal')}</span>}
                  </p>
                  <p className="muted small">
                    <time dateTime={e.at}>{formatDateTime(e.at, lang)}</time>
                    {e.staffName && <> · {e.staffName}</>}
                  </p>
                  {e.note && (
                    <p className="small timeline-note" lang="vi">
                      {e.note}
                    </p>
                  )}
                </li>
              ))}
            </ol>
          </section>
        </div>
      )}
    </div>
  );
}

/** The actions the caller may take now (the server lists them), each with the input it needs. */
function Actions({ d, onDone }: { d: Detail; onDone: (d: Detail) => void }) {
  const { t } = useStaffT();
  const id = useId();
  const [action, setAction] = useState<Action>(d.actions[0]!);
  const [text, setText] = useState('');
  const [staffId, setStaffId] = useState('');
  const [category, setCategory] = useState<(typeof CATEGORIES)[number]>(d.category);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const current = d.actions.includes(action) ? action : d.actions[0]!;
  const needsText = ['note', 'request_info', 'info_received', 'refuse', 'draft', 'answer', 'link_repeat'].includes(current);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    const v = text.trim();
    const body =
      current === 'assign'
        ? staffId
          ? { staffId: Number(staffId) }
          : {}
        : current === 'classify'
          ? { category }
          : current === 'refuse'
            ? { reason: v }
            : current === 'draft' || current === 'answer'
              ? v
                ? { answer: v }
                : {}
              : current === 'link_repeat'
                ? { repeatOf: v.toUpperCase() }
                : current === 'publish' || current === 'close'
                  ? {}
                  : { note: v };
    const r = await settle(staffApi.POST('/feedback/{code}/{action}', { params: { path: { code: d.code, action: current } }, body }));
    setBusy(false);
    if (r.ok) {
      setText('');
      onDone(r.data);
    } else setProblem(r.problem);
  };
  return (
    <form className="card feedback-actions" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{t('feedback.act')}</h3>
      <div className="field">
        <label htmlFor={`${id}-a`}>{t('feedback.action')}</label>
        <select
          id={`${id}-a`}
          value={current}
          onChange={(e) => {
            const a = e.target.value as Action;
            setAction(a);
            setText(a === 'draft' || a === 'answer' ? (d.draftAnswer ?? '') : '');
          }}
        >
          {d.actions.map((a) => (
            <option key={a} value={a}>
              {t(`feedback.actions.${a}`)}
            </option>
          ))}
        </select>
      </div>
      {current === 'assign' && (
        <div className="field">
          <label htmlFor={`${id}-s`}>{t('feedback.assignTo')}</label>
          <select id={`${id}-s`} value={staffId} onChange={(e) => setStaffId(e.target.value)}>
            <option value="">{t('feedback.me')}</option>
            {d.assignable.map((s) => (
              <option key={s.id} value={s.id}>
                {s.fullName} · {t(`roles.${s.role as 'clerk'}`)}
              </option>
            ))}
          </select>
        </div>
      )}
      {current === 'classify' && (
        <div className="field">
          <label htmlFor={`${id}-c`}>{t('feedback.category')}</label>
          <select id={`${id}-c`} value={category} onChange={(e) => setCategory(e.target.value as (typeof CATEGORIES)[number])}>
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {t(`feedback.categories.${c}`)}
              </option>
            ))}
          </select>
        </div>
      )}
      {needsText && (
        <div className="field">
          <label htmlFor={`${id}-t`}>{t(`feedback.inputs.${current as 'note'}`)}</label>
          {current === 'link_repeat' ? (
            <input id={`${id}-t`} value={text} onChange={(e) => setText(e.target.value)} maxLength={16} placeholder="PAKN-261206-0001" />
          ) : (
            <textarea id={`${id}-t`} value={text} onChange={(e) => setText(e.target.value)} rows={4} maxLength={5000} />
          )}
        </div>
      )}
      {problem && <ProblemAlert problem={problem} />}
      <button type="submit" className="button button-primary" disabled={busy}>
        {busy ? t('common.loading') : t(`feedback.actions.${current}`)}
      </button>
    </form>
  );
}
