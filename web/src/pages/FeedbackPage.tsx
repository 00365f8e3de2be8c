import { useEffect, useId, useState, type FormEvent } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import {
  api,
  cached,
  newIdempotencyKey,
  openSubmission,
  settle,
  uploadPublicFile,
  type FeedbackFiled,
  type FeedbackPublished,
  type FeedbackTracked,
  type Problem,
  type Unit,
} from '../api/client';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatDateTime } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { useApi } from '../lib/useApi';
import './FeedbackPage.css';

/** What the tracking page hands over when a citizen complains about its dossier. */
export interface FeedbackAboutDossier {
  dossierCode: string;
  secret: { token: string } | { phone: string };
}

type Kind = 'procedure' | 'unit' | 'staff_conduct';
const MAX_FILES = 3;

/** /phan-anh — send feedback (anonymous or logged in), follow it by code and secret, and read the published answers. */
export default function FeedbackPage() {
  const { t } = useTranslation();
  usePageTitle(t('feedback.title'));
  const about = (useLocation().state as { feedbackAbout?: FeedbackAboutDossier } | null)?.feedbackAbout;
  const [filed, setFiled] = useState<FeedbackFiled | null>(null);
  return (
    <div className="container page feedback-page">
      <PageHeading>{t('feedback.title')}</PageHeading>
      <p className="lead">{t('feedback.lead')}</p>
      {filed ? <Filed filed={filed} onAnother={() => setFiled(null)} /> : <SendForm about={about} onFiled={setFiled} />}
      <FollowForm />
      <PublishedList />
    </div>
  );
}

function SendForm({ about, onFiled }: { about: FeedbackAboutDossier | undefined; onFiled: (f: FeedbackFiled) => void }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const [kind, setKind] = useState<Kind>('unit');
  const [units, setUnits] = useState<Unit[]>([]);
  const [form, setForm] = useState({
    procedureCode: '',
    unitId: '',
    staffName: '',
    title: '',
    content: '',
    name: '',
    phone: '',
    email: '',
  });
  const [consent, setConsent] = useState(true);
  const [files, setFiles] = useState<File[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [sending, setSending] = useState(false);
  useEffect(() => {
    void cached('feedback-units', () => settle(api.GET('/units', {}))).then((r) => {
      if (r.ok) setUnits(r.data.filter((u) => u.kind !== 'province'));
    });
  }, []);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    if (form.title.trim().length < 5 || form.content.trim().length < 10) return setError(t('feedback.tooShort'));
    if (files.length > MAX_FILES) return setError(t('feedback.tooManyFiles'));
    if (!about && kind === 'procedure' && !form.procedureCode.trim()) return setError(t('feedback.needProcedure'));
    if (!about && kind !== 'procedure' && !form.unitId) return setError(t('feedback.needUnit'));
    setError(null);
    setSending(true);
    let submissionToken: string | undefined;
    const attachments: string[] = [];
    if (files.length) {
      const s = await openSubmission();
      if (!s.ok) {
        setSending(false);
        return setProblem(s.problem);
      }
      submissionToken = s.data.submissionToken;
      for (const f of files) {
        const u = await uploadPublicFile(f, submissionToken);
        if (!u.ok) {
          setSending(false);
          return setProblem(u.problem);
        }
        attachments.push(u.data.sha256);
      }
    }
    const sender = {
      ...(form.name.trim() ? { name: form.name.trim() } : {}),
      ...(form.phone.trim() ? { phone: form.phone.trim() } : {}),
      ...(form.email.trim() ? { email: form.email.trim() } : {}),
    };
    const subject = about
      ? { kind: 'dossier' as const, dossierCode: about.dossierCode }
      : kind === 'procedure'
        ? { kind, procedureCode: form.procedureCode.trim() }
        : {
            kind,
            unitId: Number(form.unitId),
            ...(kind === 'staff_conduct' && form.staffName.trim() ? { staffName: form.staffName.trim() } : {}),
          };
    const r = await settle(
      api.POST('/feedback/public', {
        params: {
          header: { 'idempotency-key': newIdempotencyKey(), ...(submissionToken ? { 'x-submission-token': submissionToken } : {}) },
        },
        body: {
          channel: about ? 'tracking' : 'portal',
          subject,
          title: form.title.trim(),
          content: form.content.trim(),
          publishConsent: consent,
          // The notices of the answer come in the language the page was read in.
          lang: i18n.language === 'en' ? 'en' : 'vi',
          ...(Object.keys(sender).length ? { sender } : {}),
          ...(attachments.length ? { attachments } : {}),
          ...(about ? { tracking: about.secret } : {}),
        },
      }),
    );
    setSending(false);
    if (r.ok) onFiled(r.data);
    else setProblem(r.problem);
  };

  return (
    <form className="card feedback-form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t('feedback.send')}</h2>
      {about ? (
        <p className="feedback-note">{t('feedback.aboutDossier', { code: about.dossierCode })}</p>
      ) : (
        <>
          <div className="field">
            <label htmlFor={`${id}-k`}>{t('feedback.kind')}</label>
            <select id={`${id}-k`} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
              <option value="unit">{t('feedback.kinds.unit')}</option>
              <option value="procedure">{t('feedback.kinds.procedure')}</option>
              <option value="staff_conduct">{t('feedback.kinds.staff_conduct')}</option>
            </select>
          </div>
          {kind === 'procedure' ? (
            <div className="field">
              <label htmlFor={`${id}-p`}>{t('feedback.procedureCode')}</label>
              <input id={`${id}-p`} value={form.procedureCode} onChange={set('procedureCode')} maxLength={32} placeholder="1.001193" />
            </div>
          ) : (
            <div className="field">
              <label htmlFor={`${id}-u`}>{t('feedback.unit')}</label>
              <select id={`${id}-u`} value={form.unitId} onChange={set('unitId')}>
                <option value="">{t('feedback.chooseUnit')}</option>
                {units.map((u) => (
                  <option key={u.id} value={u.id} lang="vi">
                    {u.nameVi}
                  </option>
                ))}
              </select>
            </div>
          )}
          {kind === 'staff_conduct' && (
            <div className="field">
              <label htmlFor={`${id}-sn`}>
                {t('feedback.staffName')} <span className="optional">({t('submit.optional')})</span>
              </label>
              <input id={`${id}-sn`} value={form.staffName} onChange={set('staffName')} maxLength={120} />
            </div>
          )}
        </>
      )}
      <div className="field">
        <label htmlFor={`${id}-t`}>{t('feedback.titleField')}</label>
        <input id={`${id}-t`} value={form.title} onChange={set('title')} maxLength={200} required />
      </div>
      <div className="field">
        <label htmlFor={`${id}-c`}>{t('feedback.content')}</label>
        <textarea id={`${id}-c`} value={form.content} onChange={set('content')} maxLength={5000} rows={6} required />
        <p className="hint">{t('feedback.contentHint')}</p>
      </div>
      <fieldset className="feedback-sender">
        <legend>{t('feedback.sender')}</legend>
        <p className="hint">{t('feedback.anonymousHint')}</p>
        <div className="field">
          <label htmlFor={`${id}-n`}>{t('feedback.name')}</label>
          <input id={`${id}-n`} value={form.name} onChange={set('name')} maxLength={120} autoComplete="name" />
        </div>
        <div className="field">
          <label htmlFor={`${id}-ph`}>{t('feedback.phone')}</label>
          <input id={`${id}-ph`} value={form.phone} onChange={set('phone')} maxLength={20} inputMode="tel" autoComplete="tel" />
        </div>
        <div className="field">
          <label htmlFor={`${id}-e`}>{t('feedback.email')}</label>
          <input id={`${id}-e`} type="email" value={form.email} onChange={set('email')} maxLength={254} autoComplete="email" />
        </div>
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-f`}>{t('feedback.files')}</label>
        <input
          id={`${id}-f`}
          type="file"
          multiple
          accept="application/pdf,image/jpeg,image/png,image/tiff"
          onChange={(e) => setFiles([...(e.target.files ?? [])])}
        />
        <p className="hint">{t('feedback.filesHint')}</p>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} /> {t('feedback.consent')}
      </label>
      <p className="field-error" aria-live="polite">
        {error}
      </p>
      {problem && <ProblemAlert problem={problem} />}
      <button type="submit" className="button button-primary" disabled={sending}>
        {sending ? t('common.sending') : t('feedback.submit')}
      </button>
    </form>
  );
}

function Filed({ filed, onAnother }: { filed: FeedbackFiled; onAnother: () => void }) {
  const { t, i18n } = useTranslation();
  return (
    <div className="card feedback-filed" role="status">
      <h2>{t('feedback.filedTitle')}</h2>
      <p>{t('feedback.filedLead', { unit: filed.unitNameVi })}</p>
      <dl className="facts-list">
        <div>
          <dt>{t('feedback.code')}</dt>
          <dd className="code">{filed.code}</dd>
        </div>
        <div>
          <dt>{t('feedback.secret')}</dt>
          <dd className="code">{filed.secret}</dd>
        </div>
        <div>
          <dt>{t('feedback.answerDue')}</dt>
          <dd>{formatDateTime(filed.answerDueAt, i18n.language)}</dd>
        </div>
      </dl>
      <p className="hint">{t('feedback.keepSecret')}</p>
      <button type="button" className="button button-secondary" onClick={onAnother}>
        {t('feedback.another')}
      </button>
    </div>
  );
}

function FollowForm() {
  const { t, i18n } = useTranslation();
  const id = useId();
  // A notice's link names the feedback (/phan-anh?ma=PAKN-…): the sender then types only the secret.
  const [code, setCode] = useState(() => new URLSearchParams(window.location.search).get('ma') ?? '');
  const [secret, setSecret] = useState('');
  const [data, setData] = useState<FeedbackTracked | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [info, setInfo] = useState('');
  const look = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    const r = await settle(
      api.GET('/feedback/track/{code}', { params: { path: { code: code.trim().toUpperCase() }, query: { secret: secret.trim() } } }),
    );
    if (r.ok) setData(r.data);
    else {
      setData(null);
      setProblem(r.problem);
    }
  };
  const reply = async () => {
    if (!data || !info.trim()) return;
    const r = await settle(
      api.POST('/feedback/track/{code}/info', {
        params: { path: { code: data.code } },
        body: { secret: secret.trim(), content: info.trim() },
      }),
    );
    if (r.ok) {
      setData(r.data);
      setInfo('');
    } else setProblem(r.problem);
  };
  return (
    <section className="card feedback-follow" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t('feedback.follow')}</h2>
      <form onSubmit={(e) => void look(e)}>
        <div className="field">
          <label htmlFor={`${id}-c`}>{t('feedback.code')}</label>
          <input
            id={`${id}-c`}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            maxLength={16}
            placeholder="PAKN-261206-0001"
            spellCheck={false}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-s`}>{t('feedback.secret')}</label>
          <input
            id={`${id}-s`}
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            maxLength={12}
            spellCheck={false}
            autoComplete="off"
          />
        </div>
        <button type="submit" className="button button-primary">
          {t('feedback.look')}
        </button>
      </form>
      {problem && <ProblemAlert problem={problem} />}
      {data && (
        <div className="feedback-tracked" aria-live="polite">
          <h3 lang="vi">{data.title}</h3>
          <p>
            <span className="status-chip status-blue">{i18n.language === 'en' ? data.statusEn : data.statusVi}</span>{' '}
            <span className="muted small">
              {t('feedback.unitLabel')}: <span lang="vi">{data.unitNameVi}</span> · {t('feedback.answerDue')}:{' '}
              {formatDateTime(data.answerDueAt, i18n.language)}
            </span>
          </p>
          {data.infoRequest && (
            <div className="feedback-note">
              <p>
                {t('feedback.infoAsked')}: <span lang="vi">{data.infoRequest.question}</span>
              </p>
              <label htmlFor={`${id}-i`}>{t('feedback.infoReply')}</label>
              <textarea id={`${id}-i`} value={info} onChange={(e) => setInfo(e.target.value)} rows={3} maxLength={5000} />
              <button type="button" className="button button-primary" onClick={() => void reply()}>
                {t('feedback.sendInfo')}
              </button>
            </div>
          )}
          {data.refusalReason && (
            <p>
              {t('feedback.refused')}: <span lang="vi">{data.refusalReason}</span>
            </p>
          )}
          {data.answer && (
            <div className="feedback-answer">
              <h4>{t('feedback.answer')}</h4>
              <p lang="vi">{data.answer}</p>
            </div>
          )}
        </div>
      )}
    </section>
  );
}

/** The published answers, newest first (of one unit when `unitId` is given), to like or dislike. */
export function PublishedList({ unitId }: { unitId?: number }) {
  const { t, i18n } = useTranslation();
  const [state, retry] = useApi(
    (signal) => settle(api.GET('/feedback/public', { params: { query: { limit: 20, ...(unitId ? { unitId } : {}) } }, signal })),
    [unitId],
  );
  const [counts, setCounts] = useState<Record<string, { likes: number; dislikes: number; mine?: 'like' | 'dislike' }>>({});
  const react = async (code: string, reaction: 'like' | 'dislike') => {
    const r = await settle(api.POST('/feedback/public/{code}/reaction', { params: { path: { code } }, body: { reaction } }));
    if (r.ok) setCounts((c) => ({ ...c, [code]: { likes: r.data.likes, dislikes: r.data.dislikes, mine: reaction } }));
  };
  return (
    <section className="feedback-published" aria-labelledby="published-h">
      <h2 id="published-h">{t('feedback.published')}</h2>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ProblemAlert problem={state.problem} onRetry={retry} />}
      {state.status === 'ok' && state.data.length === 0 && <p className="muted">{t('feedback.noneYet')}</p>}
      {state.status === 'ok' && (
        <ul className="feedback-list">
          {state.data.map((f: FeedbackPublished) => {
            const c = counts[f.code] ?? { likes: f.likes, dislikes: f.dislikes };
            return (
              <li key={f.code} className="card">
                <h3 lang="vi">{f.title}</h3>
                <p className="muted small">
                  <span className="code">{f.code}</span> · {f.senderName ?? t('feedback.anonymous')} ·{' '}
                  {f.publishedAt && formatDateTime(f.publishedAt, i18n.language)}
                </p>
                <p lang="vi">{f.content}</p>
                <div className="feedback-answer">
                  <h4>
                    {t('feedback.answerOf')}{' '}
                    {unitId ? (
                      <span lang="vi">{f.unitNameVi}</span>
                    ) : (
                      <Link to={`/don-vi/${f.unitId}`} lang="vi">
                        {f.unitNameVi}
                      </Link>
                    )}
                  </h4>
                  <p lang="vi">{f.answer}</p>
                </div>
                {f.repeats.length > 0 && <p className="muted small">{t('feedback.repeats', { count: f.repeats.length })}</p>}
                <div className="reactions" role="group" aria-label={t('feedback.reactLabel')}>
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    aria-pressed={c.mine === 'like'}
                    onClick={() => void react(f.code, 'like')}
                  >
                    {t('feedback.like')} ({c.likes})
                  </button>
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    aria-pressed={c.mine === 'dislike'}
                    onClick={() => void react(f.code, 'dislike')}
                  >
                    {t('feedback.dislike')} ({c.dislikes})
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
