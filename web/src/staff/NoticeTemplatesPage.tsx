import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { settle, type Problem } from '../api/client';
import type { paths } from '../api/schema';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatDateTime } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { useApi } from '../lib/useApi';
import { tOr, useStaffT, type StaffT } from './i18n';
import { staffApi } from './session';
import './templates.css';

type Template = paths['/notices/templates']['get']['responses'][200]['content']['application/json'][number];
type Preview = paths['/notices/templates/preview']['post']['responses'][200]['content']['application/json'];
type Kind = Template['kind'];
type Channel = Template['channel'];
type Lang = Template['lang'];

const COLUMNS: { channel: Channel; lang: Lang }[] = [
  { channel: 'sms', lang: 'vi' },
  { channel: 'sms', lang: 'en' },
  { channel: 'email', lang: 'vi' },
  { channel: 'email', lang: 'en' },
];
/** An SMS goes in at most 5 segments of 67 Unicode characters (the server's limit, with long sample values). */
const SMS_MAX = 335;
const keyOf = (t: { kind: Kind; channel: Channel; lang: Lang }) => `${t.kind}/${t.channel}/${t.lang}`;

/** A template refusal in the official's words: the server's details.reason (unknown_variable, too_long, …). */
function refusal(t: StaffT, p: Problem): string | undefined {
  if (p.code !== 'VALIDATION') return undefined;
  const d = p.details ?? {};
  const reason = typeof d.reason === 'string' ? d.reason : '';
  if (!reason) return undefined;
  // A reason this console has no words for yet: the server's own sentence.
  return (t as (k: string, o?: Record<string, unknown>) => string)(`templates.reasons.${reason}`, {
    defaultValue: p.detail,
    variable: `{{${String(d.variable ?? '')}}}`,
    length: String(d.length ?? ''),
    max: String(d.max ?? ''),
  });
}

/**
 * /can-bo/mau-thong-bao — the SMS and e-mail texts sent to citizens (administrator): each kind of notice by channel and
 * language, edited with its allowed {{variables}}, tried on sample values as one types, saved, or put back to the default.
 */
export default function NoticeTemplatesPage() {
  const { t } = useStaffT();
  usePageTitle(t('templates.title'));
  const [list, reload] = useApi((signal) => settle(staffApi.GET('/notices/templates', { signal })), []);
  const [fresh, setFresh] = useState<Record<string, Template>>({});
  const [open, setOpen] = useState<string | null>(null);
  const editor = useRef<HTMLDivElement>(null);
  const rows = list.status === 'ok' ? list.data.map((x) => fresh[keyOf(x)] ?? x) : [];
  const kinds = [...new Set(rows.map((r) => r.kind))];
  const current = rows.find((r) => keyOf(r) === open) ?? null;
  const choose = (k: string) => {
    setOpen(k);
    // The editor sits below the list: bring it into view (the list is long on a phone).
    requestAnimationFrame(() => editor.current?.scrollIntoView({ block: 'start' }));
  };

  return (
    <div className="container page staff-wide">
      <PageHeading>{t('templates.title')}</PageHeading>
      <p className="lead">{t('templates.lead')}</p>
      <div aria-live="polite" aria-busy={list.status === 'loading'}>
        {list.status === 'loading' && <Loading label={t('common.loading')} />}
        {list.status === 'error' && <ProblemAlert problem={list.problem} onRetry={reload} />}
      </div>
      {rows.length > 0 && (
        <div className="table-scroll">
          <table className="st-table templates-table" data-testid="templates-table">
            <caption className="visually-hidden">{t('templates.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('templates.kind')}</th>
                {COLUMNS.map((c) => (
                  <th scope="col" key={`${c.channel}/${c.lang}`}>
                    {t(`templates.channels.${c.channel}`)} · {c.lang.toUpperCase()}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {kinds.map((kind) => (
                <tr key={kind}>
                  <th scope="row" data-label={t('templates.kind')}>
                    {tOr(t, `templates.kinds.${kind}`, kind)}
                  </th>
                  {COLUMNS.map((c) => {
                    const x = rows.find((r) => r.kind === kind && r.channel === c.channel && r.lang === c.lang);
                    if (!x) return <td key={`${c.channel}/${c.lang}`} />;
                    const k = keyOf(x);
                    const label = `${t(`templates.channels.${c.channel}`)} · ${c.lang.toUpperCase()}`;
                    return (
                      <td key={k} data-label={label} className={open === k ? 'templates-current' : undefined}>
                        <button
                          type="button"
                          className="link-button"
                          aria-label={t('templates.editOne', { kind: tOr(t, `templates.kinds.${kind}`, kind), what: label })}
                          aria-pressed={open === k}
                          onClick={() => choose(k)}
                        >
                          {t('templates.edit')}
                        </button>{' '}
                        <span className={`badge small ${x.custom ? 'badge-blue' : 'badge-grey'}`}>
                          {x.custom ? t('templates.custom') : t('templates.default')}
                        </span>
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div ref={editor} className="templates-editor-slot">
        {current ? (
          <Editor
            key={keyOf(current)}
            template={current}
            onSaved={(x) => setFresh((f) => ({ ...f, [keyOf(x)]: x }))}
            onClose={() => setOpen(null)}
          />
        ) : (
          rows.length > 0 && <p className="muted">{t('templates.pick')}</p>
        )}
      </div>
    </div>
  );
}

function Editor({ template: x, onSaved, onClose }: { template: Template; onSaved: (x: Template) => void; onClose: () => void }) {
  const { t, lang } = useStaffT();
  const id = useId();
  const email = x.channel === 'email';
  const [subject, setSubject] = useState(x.subject ?? '');
  const [body, setBody] = useState(x.body);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewProblem, setPreviewProblem] = useState<Problem | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmReset, setConfirmReset] = useState(false);
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const subjectRef = useRef<HTMLInputElement>(null);
  const lastField = useRef<'subject' | 'body'>('body');
  const kindName = tOr(t, `templates.kinds.${x.kind}`, x.kind);
  const where = `${t(`templates.channels.${x.channel}`)} · ${x.lang.toUpperCase()}`;
  const params = { path: { kind: x.kind, channel: x.channel, lang: x.lang } };
  const text = { ...(email ? { subject } : {}), body };
  const changed = body !== x.body || (email && subject !== (x.subject ?? ''));

  useEffect(() => bodyRef.current?.focus(), []);
  // The preview follows the text as it is typed (after a short pause), with the server's own rendering and checks.
  useEffect(() => {
    if (!body.trim()) {
      setPreview(null);
      return;
    }
    const ac = new AbortController();
    const timer = setTimeout(() => {
      void settle(
        staffApi.POST('/notices/templates/preview', {
          body: { kind: x.kind, channel: x.channel, lang: x.lang, ...text },
          signal: ac.signal,
        }),
      ).then((r) => {
        if (ac.signal.aborted) return;
        if (r.ok) {
          setPreview(r.data);
          setPreviewProblem(null);
        } else setPreviewProblem(r.problem);
      });
    }, 300);
    return () => {
      clearTimeout(timer);
      ac.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [subject, body]);

  const insert = (name: string) => {
    const token = `{{${name}}}`;
    const field = email && lastField.current === 'subject' ? subjectRef.current : bodyRef.current;
    const value = field === subjectRef.current ? subject : body;
    const start = field?.selectionStart ?? value.length;
    const end = field?.selectionEnd ?? value.length;
    const next = value.slice(0, start) + token + value.slice(end);
    if (field === subjectRef.current) setSubject(next);
    else setBody(next);
    requestAnimationFrame(() => {
      field?.focus();
      field?.setSelectionRange(start + token.length, start + token.length);
    });
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    setSaved(null);
    const r = await settle(staffApi.PUT('/notices/templates/{kind}/{channel}/{lang}', { params, body: text }));
    setBusy(false);
    if (!r.ok) return setProblem(r.problem);
    setSaved(t('templates.saved'));
    onSaved(r.data);
  };
  const reset = async () => {
    setBusy(true);
    setProblem(null);
    setSaved(null);
    const r = await settle(staffApi.DELETE('/notices/templates/{kind}/{channel}/{lang}', { params }));
    setBusy(false);
    setConfirmReset(false);
    if (!r.ok) return setProblem(r.problem);
    setSubject(r.data.subject ?? '');
    setBody(r.data.body);
    setSaved(t('templates.resetDone'));
    onSaved(r.data);
  };
  const field = problem?.field ?? previewProblem?.field;

  return (
    <form
      className="card templates-editor"
      onSubmit={(e) => void save(e)}
      noValidate
      aria-labelledby={`${id}-h`}
      data-testid="template-editor"
    >
      <div className="templates-editor-head">
        <h2 id={`${id}-h`}>
          {kindName} — {where}
        </h2>
        <button type="button" className="button button-secondary button-small" onClick={onClose}>
          {t('templates.close')}
        </button>
      </div>
      <p className="muted small">
        {x.custom && x.updatedAt ? t('templates.customSince', { at: formatDateTime(x.updatedAt, lang) }) : t('templates.usingDefault')}
      </p>
      <div className="templates-grid">
        <div>
          {email && (
            <div className="field">
              <label htmlFor={`${id}-s`}>{t('templates.subject')}</label>
              <input
                ref={subjectRef}
                id={`${id}-s`}
                value={subject}
                maxLength={1000}
                onChange={(e) => setSubject(e.target.value)}
                onFocus={() => (lastField.current = 'subject')}
                aria-invalid={field === 'body.subject' ? true : undefined}
                spellCheck={false}
              />
            </div>
          )}
          <div className="field">
            <label htmlFor={`${id}-b`}>{email ? t('templates.bodyEmail') : t('templates.bodySms')}</label>
            <textarea
              ref={bodyRef}
              id={`${id}-b`}
              value={body}
              rows={email ? 10 : 5}
              maxLength={10000}
              onChange={(e) => setBody(e.target.value)}
              onFocus={() => (lastField.current = 'body')}
              aria-invalid={field === 'body.body' ? true : undefined}
              aria-describedby={`${id}-vh`}
              spellCheck={false}
            />
          </div>
          <div className="templates-vars">
            <h3 id={`${id}-vh`} className="small">
              {t('templates.variables')}
            </h3>
            <ul aria-labelledby={`${id}-vh`}>
              {x.variables.map((v) => (
                <li key={v}>
                  <button
                    type="button"
                    className="chip templates-var"
                    onClick={() => insert(v)}
                    aria-label={t('templates.insert', { name: `{{${v}}}` })}
                  >
                    <code>{`{{${v}}}`}</code>
                  </button>{' '}
                  <span className="small muted">{tOr(t, `templates.vars.${v}`, v)}</span>
                </li>
              ))}
            </ul>
          </div>
          <details className="templates-default">
            <summary>{t('templates.showDefault')}</summary>
            {x.defaultSubject !== null && <p className="templates-pre small">{x.defaultSubject}</p>}
            <p className="templates-pre small">{x.defaultBody}</p>
          </details>
        </div>
        <div className="templates-preview" aria-labelledby={`${id}-ph`}>
          <h3 id={`${id}-ph`}>{t('templates.preview')}</h3>
          <p className="muted small">{t('templates.previewHint')}</p>
          {previewProblem ? (
            <ProblemAlert problem={previewProblem} message={refusal(t, previewProblem)} />
          ) : preview ? (
            <div data-testid="template-preview">
              {preview.subject !== null && (
                <p className="templates-preview-subject">
                  <span className="muted">{t('templates.subject')}:</span> <strong>{preview.subject}</strong>
                </p>
              )}
              <p className="templates-pre templates-preview-text" data-testid="template-preview-text">
                {preview.text}
              </p>
              <p className={`small ${!email && preview.length > SMS_MAX ? 'field-error' : 'muted'}`}>
                {email ? t('templates.lengthEmail', { n: preview.length }) : t('templates.lengthSms', { n: preview.length, max: SMS_MAX })}
              </p>
            </div>
          ) : (
            <Loading label={t('common.loading')} />
          )}
        </div>
      </div>
      <div aria-live="polite">
        {problem && <ProblemAlert problem={problem} message={refusal(t, problem)} />}
        {saved && (
          <p className="alert alert-success" role="status">
            {saved}
          </p>
        )}
      </div>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy || !changed} aria-busy={busy}>
          {t('templates.save')}
        </button>
        {x.custom &&
          (confirmReset ? (
            <span className="templates-confirm" role="group" aria-label={t('templates.resetAsk')}>
              <span>{t('templates.resetAsk')}</span>{' '}
              <button type="button" className="button button-danger" disabled={busy} onClick={() => void reset()}>
                {t('templates.resetConfirm')}
              </button>{' '}
              <button type="button" className="button button-secondary" onClick={() => setConfirmReset(false)}>
                {t('dossier.cancel')}
              </button>
            </span>
          ) : (
            <button type="button" className="button button-secondary" disabled={busy} onClick={() => setConfirmReset(true)}>
              {t('templates.reset')}
            </button>
          ))}
      </div>
    </form>
  );
}
