import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import {
  api,
  loadCommunes,
  loadServicePoints,
  newIdempotencyKey,
  settle,
  openSubmission,
  uploadPublicFile,
  type Dossier,
  type Intake,
  type MyStoreDocument,
  type Problem,
  type ProcedureComponent,
  type TimeLimit,
} from '../api/client';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { byVietnamese, formatBytes, formatLimit } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { problemDetail, problemMessage } from '../lib/problem';
import { useApi } from '../lib/useApi';
import { useCitizen, vneidLoginHref } from '../lib/citizen';
import {
  checkApplicant,
  componentsPayload,
  targetsOf,
  type Applicant,
  type ApplicantKey,
  type CheckKey,
  type UploadState,
} from './submit.model';
import { trackingHref, trackingPath } from './TrackPage.model';

const ACCEPT = '.pdf,.jpg,.jpeg,.png,.tif,.tiff,application/pdf,image/jpeg,image/png,image/tiff';
const APPLICANT_KEYS: ApplicantKey[] = ['idNumber', 'name', 'phone', 'email', 'address', 'communeCode'];
const EMPTY: Applicant = { idNumber: '', name: '', phone: '', email: '', address: '', communeCode: '' };

/** A message on a field: the form's own check, or what the server said about it. */
type FieldError = { check: CheckKey } | { server: string; detail: string | null };

/** /nop-ho-so/:code — the online submission form (POST /public/files per component, then POST /public/dossiers). */
export default function SubmitPage() {
  const { code = '' } = useParams();
  const { t, i18n } = useTranslation();
  const en = i18n.language === 'en';
  const [procedure, retry] = useApi((signal) => settle(api.GET('/procedures/{code}', { params: { path: { code } }, signal })), [code]);
  const [communes] = useApi(() => loadCommunes(), []);
  const [points] = useApi(() => loadServicePoints(), []);
  const [done, setDone] = useState<{ dossier: Dossier } | null>(null);
  const name = procedure.status === 'ok' ? (en ? procedure.data.version.nameEn : procedure.data.version.nameVi) : undefined;
  usePageTitle(done ? t('submit.successTitle') : name ? t('submit.titleFor', { name }) : t('submit.title'));

  if (procedure.status === 'loading')
    return (
      <div className="container page">
        <Loading />
      </div>
    );
  if (procedure.status === 'error') {
    return (
      <div className="container page">
        <PageHeading>{t('submit.title')}</PageHeading>
        <ProblemAlert
          problem={procedure.problem}
          message={procedure.problem.status === 404 ? t('procedure.notFound', { code }) : undefined}
          onRetry={procedure.problem.status === 404 ? undefined : retry}
          showDetail={procedure.problem.status !== 404}
        />
        <p>
          <Link to="/thu-tuc">{t('procedure.backToSearch')}</Link>
        </p>
      </div>
    );
  }
  const v = procedure.data.version;
  return (
    <div className="container page narrow">
      <nav aria-label={t('nav.breadcrumb')} className="breadcrumb">
        <ol>
          <li>
            <Link to="/">{t('nav.home')}</Link>
          </li>
          <li>
            <Link to={`/thu-tuc/${encodeURIComponent(procedure.data.code)}`}>{procedure.data.code}</Link>
          </li>
          <li aria-current="page">{t('submit.crumb')}</li>
        </ol>
      </nav>
      {done ? (
        <Success dossier={done.dossier} />
      ) : (
        <>
          <PageHeading>{t('submit.title')}</PageHeading>
          <p className="subtitle">{en ? v.nameEn : v.nameVi}</p>
          {v.online === 'partial' && <p className="notice">{t('submit.partialNotice')}</p>}
          {communes.status === 'error' && <ProblemAlert problem={communes.problem} />}
          {points.status === 'error' && <ProblemAlert problem={points.problem} />}
          {communes.status === 'ok' && points.status === 'ok' ? (
            <SubmitForm
              procedureCode={procedure.data.code}
              components={v.components}
              fastTrack={v.fastTrack}
              communes={communes.data}
              points={points.data}
              onDone={(dossier) => setDone({ dossier })}
            />
          ) : (
            communes.status !== 'error' && points.status !== 'error' && <Loading />
          )}
        </>
      )}
    </div>
  );
}

function SubmitForm(props: {
  procedureCode: string;
  components: ProcedureComponent[];
  fastTrack: TimeLimit | null;
  communes: { code: string; nameVi: string; nameEn: string }[];
  points: { id: number; kind: string; nameVi: string; nameEn: string }[];
  onDone: (d: Dossier) => void;
}) {
  const { t, i18n } = useTranslation();
  const en = i18n.language === 'en';
  const [applicant, setApplicant] = useState<Applicant>(EMPTY);
  const [errors, setErrors] = useState<Partial<Record<ApplicantKey, FieldError>>>({});
  const [uploads, setUploads] = useState<Record<string, UploadState>>({});
  const [componentErrors, setComponentErrors] = useState<Record<string, string>>({});
  const [returnPointId, setReturnPointId] = useState('');
  const [returnPointError, setReturnPointError] = useState<string | null>(null);
  const [fastTrack, setFastTrack] = useState(false);
  const [note, setNote] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const [confirmError, setConfirmError] = useState(false);
  const [summary, setSummary] = useState<{ id: string; text: string }[]>([]);
  const [formProblem, setFormProblem] = useState<Problem | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const summaryRef = useRef<HTMLDivElement>(null);
  const lastAttempt = useRef<{ body: string; key: string } | null>(null);
  const uploadControllers = useRef(new Map<string, AbortController>());
  // The submission the files are uploaded under, opened with the first upload (its token owns them).
  const submission = useRef<Promise<Awaited<ReturnType<typeof openSubmission>>> | null>(null);
  const submissionToken = async () => {
    submission.current ??= openSubmission();
    const r = await submission.current;
    if (!r.ok) submission.current = null; // try again with the next upload
    return r;
  };
  const [inputKeys, setInputKeys] = useState<Record<string, number>>({});
  // A citizen logged in with VNeID at level 2 files for themself: the form is filled from the population data, the
  // ID number is theirs, and documents of their store may stand in for uploads (POST /citizen/dossiers).
  const citizen = useCitizen();
  const me = citizen.status === 'ready' ? citizen.me : null;
  const identified = me?.level === 2 && me.prefill !== null;
  const [storeDocs, setStoreDocs] = useState<MyStoreDocument[]>([]);
  const [fromStore, setFromStore] = useState<Record<string, number>>({});
  useEffect(() => {
    if (!identified || !me?.prefill) return;
    const p = me.prefill;
    setApplicant((a) => ({ ...a, idNumber: p.idNumber, name: a.name || p.name, address: a.address || p.permanentAddress }));
    const ac = new AbortController();
    void settle(api.GET('/citizen/store-documents', { signal: ac.signal })).then((r) => {
      if (r.ok) setStoreDocs(r.data);
    });
    return () => ac.abort();
  }, [identified, me]);

  useEffect(() => () => uploadControllers.current.forEach((c) => c.abort()), []);

  const communes = useMemo(
    () => [...props.communes].sort((a, b) => byVietnamese(en ? a.nameEn : a.nameVi, en ? b.nameEn : b.nameVi)),
    [props.communes, en],
  );
  const mainPoints = props.points.filter((p) => p.kind === 'center' || p.kind === 'branch');
  const communePoints = [...props.points.filter((p) => p.kind === 'commune_center')].sort((a, b) => byVietnamese(a.nameVi, b.nameVi));

  const errorText = (e: FieldError | undefined): string | null => (!e ? null : 'check' in e ? t(`submit.errors.${e.check}`) : e.server);

  const set = (key: ApplicantKey, value: string) => {
    setApplicant((a) => ({ ...a, [key]: value }));
    // An error already shown is re-checked as the citizen corrects it; a new one waits for leaving the field.
    if (errors[key]) {
      const check = checkApplicant(key, value);
      setErrors((e) => ({ ...e, [key]: check ? { check } : undefined }));
    }
  };
  const blur = (key: ApplicantKey) => {
    const check = checkApplicant(key, applicant[key]);
    if (key === 'email' || key === 'communeCode' || applicant[key] !== '' || errors[key])
      setErrors((e) => ({ ...e, [key]: check ? { check } : undefined }));
  };

  const upload = async (c: ProcedureComponent, file: File | undefined) => {
    uploadControllers.current.get(c.code)?.abort();
    setComponentErrors(({ [c.code]: _, ...rest }) => rest);
    if (!file) {
      setUploads((u) => ({ ...u, [c.code]: { status: 'idle' } }));
      return;
    }
    const ac = new AbortController();
    uploadControllers.current.set(c.code, ac);
    setUploads((u) => ({ ...u, [c.code]: { status: 'uploading', name: file.name, size: file.size } }));
    try {
      const opened = await submissionToken();
      const r = opened.ok ? await uploadPublicFile(file, opened.data.submissionToken, ac.signal) : opened;
      setUploads((u) => ({
        ...u,
        [c.code]: r.ok
          ? { status: 'done', name: file.name, size: r.data.size, sha256: r.data.sha256, mime: r.data.mime }
          : { status: 'error', name: file.name, size: file.size, problem: r.problem },
      }));
    } catch {
      // Aborted: a newer file replaced this one, or the page closed.
    }
  };
  const clearUpload = (c: ProcedureComponent) => {
    void upload(c, undefined);
    setInputKeys((k) => ({ ...k, [c.code]: (k[c.code] ?? 0) + 1 }));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFormProblem(null);
    const found: { id: string; text: string }[] = [];
    const nextErrors: Partial<Record<ApplicantKey, FieldError>> = {};
    for (const key of APPLICANT_KEYS) {
      const check = checkApplicant(key, applicant[key]);
      if (check) {
        nextErrors[key] = { check };
        found.push({ id: `f-${key}`, text: t(`submit.errors.${check}`) });
      }
    }
    const nextComponentErrors: Record<string, string> = {};
    for (const c of props.components) {
      if (c.supply === 'population_db' || fromStore[c.code] !== undefined) continue;
      const u = uploads[c.code];
      const text =
        u?.status === 'uploading'
          ? t('submit.errors.stillUploading')
          : c.required && u?.status !== 'done'
            ? t('submit.errors.componentRequired')
            : null;
      if (text) {
        nextComponentErrors[c.code] = text;
        found.push({ id: `file-${c.code}`, text: `${en ? c.nameEn : c.nameVi}: ${text}` });
      }
    }
    setErrors(nextErrors);
    setComponentErrors(nextComponentErrors);
    setReturnPointError(null);
    setConfirmError(!confirmed);
    if (!confirmed) found.push({ id: 'f-confirm', text: t('submit.errors.confirm') });
    setSummary(found);
    if (found.length) {
      requestAnimationFrame(() => summaryRef.current?.focus());
      return;
    }

    const components = componentsPayload(props.components, uploads, identified ? fromStore : {});
    const body: Intake = {
      procedureCode: props.procedureCode,
      applicant: {
        idNumber: applicant.idNumber.trim(),
        name: applicant.name.trim(),
        phone: applicant.phone.replace(/[\s.-]/g, ''),
        ...(applicant.email.trim() ? { email: applicant.email.trim() } : {}),
        address: applicant.address.trim(),
        communeCode: applicant.communeCode,
      },
      components,
      ...(returnPointId ? { returnPointId: Number(returnPointId) } : {}),
      ...(fastTrack ? { fastTrack: true } : {}),
      ...(note.trim() ? { note: note.trim() } : {}),
    };
    // The same request sent again (a lost answer, a double click) keeps its key, so the server files it once.
    const serialized = JSON.stringify(body);
    const key = lastAttempt.current?.body === serialized ? lastAttempt.current.key : newIdempotencyKey();
    lastAttempt.current = { body: serialized, key };

    setSubmitting(true);
    const opened = submission.current ? await submission.current : null;
    const token = opened?.ok ? { 'x-submission-token': opened.data.submissionToken } : {};
    const headers = { 'idempotency-key': key, ...token };
    const r = await settle(identified ? api.POST('/citizen/dossiers', { body, headers }) : api.POST('/public/dossiers', { body, headers }));
    setSubmitting(false);
    if (r.ok) {
      props.onDone(r.data);
      return;
    }
    // Problems go next to the field the API names; anything else above the button.
    const p = r.problem;
    const serverErrors: Partial<Record<ApplicantKey, FieldError>> = {};
    const serverComponents: Record<string, string> = {};
    const listed: { id: string; text: string }[] = [];
    let general = false;
    const message = problemMessage(t, p);
    for (const { target, message: specific } of targetsOf(p, components)) {
      const text = specific && p.code === 'VALIDATION' ? `${message} (${specific})` : message;
      if (target.kind === 'applicant') {
        serverErrors[target.key] = { server: text, detail: problemDetail(p) };
        listed.push({ id: `f-${target.key}`, text });
      } else if (target.kind === 'component') {
        const c = props.components.find((x) => x.code === target.code);
        serverComponents[target.code] = specific ? text : t('submit.errors.componentRequired');
        listed.push({
          id: `file-${target.code}`,
          text: `${c ? (en ? c.nameEn : c.nameVi) : target.code}: ${serverComponents[target.code]}`,
        });
      } else if (target.kind === 'returnPoint') {
        setReturnPointError(text);
        listed.push({ id: 'f-returnPoint', text });
      } else general = true;
    }
    setErrors((e) => ({ ...e, ...serverErrors }));
    setComponentErrors((e) => ({ ...e, ...serverComponents }));
    setFormProblem(general || listed.length === 0 ? p : null);
    setSummary(listed);
    requestAnimationFrame(() => (listed.length ? summaryRef.current : document.getElementById('submit-problem'))?.focus());
  };

  const field = (
    key: ApplicantKey,
    label: string,
    input: (a: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode,
    hint?: string,
    optional?: boolean,
  ) => {
    const id = `f-${key}`;
    const err = errors[key];
    const describedBy = [hint ? `${id}-hint` : null, err ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
    return (
      <div className={err ? 'field field-invalid' : 'field'}>
        <label htmlFor={id}>
          {label}
          {optional ? <span className="optional"> ({t('submit.optional')})</span> : <span className="required-mark"> *</span>}
        </label>
        {hint && (
          <p id={`${id}-hint`} className="hint">
            {hint}
          </p>
        )}
        {input({ id, describedBy, invalid: Boolean(err) })}
        <p id={`${id}-error`} className="field-error" aria-live="polite">
          {errorText(err)}
          {err && 'server' in err && err.detail && (
            <span className="server-detail" lang="en">
              {err.detail}
            </span>
          )}
        </p>
      </div>
    );
  };

  return (
    <form className="submit-form" onSubmit={(e) => void submit(e)} noValidate aria-describedby="required-note">
      <p id="required-note" className="muted small">
        {t('submit.requiredNote')}
      </p>
      {identified ? (
        <p className="notice">{t('citizen.prefilled')}</p>
      ) : (
        citizen.status === 'ready' &&
        !me && (
          <p className="notice">
            {t('citizen.submitHint')} <a href={vneidLoginHref(window.location.pathname)}>{t('citizen.login')}</a>
          </p>
        )
      )}
      {summary.length > 0 && (
        <div className="error-summary" role="alert" tabIndex={-1} ref={summaryRef} aria-labelledby="error-summary-title">
          <h2 id="error-summary-title">{t('submit.summaryTitle', { count: summary.length })}</h2>
          <ul>
            {summary.map((s, i) => (
              <li key={i}>
                <a
                  href={`#${s.id}`}
                  onClick={(e) => {
                    e.preventDefault();
                    document.getElementById(s.id)?.focus();
                  }}
                >
                  {s.text}
                </a>
              </li>
            ))}
          </ul>
        </div>
      )}

      <fieldset className="form-section">
        <legend>{t('submit.applicant')}</legend>
        {field(
          'idNumber',
          t('submit.idNumber'),
          (a) => (
            <input
              id={a.id}
              className="input-medium"
              value={applicant.idNumber}
              onChange={(e) => set('idNumber', e.target.value)}
              onBlur={() => blur('idNumber')}
              readOnly={identified}
              inputMode="numeric"
              autoComplete="off"
              maxLength={12}
              aria-invalid={a.invalid}
              aria-describedby={a.describedBy}
              required
            />
          ),
          identified ? t('citizen.idNumberFromVneid') : t('submit.idNumberHint'),
        )}
        {field('name', t('submit.name'), (a) => (
          <input
            id={a.id}
            value={applicant.name}
            onChange={(e) => set('name', e.target.value)}
            onBlur={() => blur('name')}
            autoComplete="name"
            maxLength={200}
            aria-invalid={a.invalid}
            aria-describedby={a.describedBy}
            required
          />
        ))}
        <div className="field-row">
          {field(
            'phone',
            t('submit.phone'),
            (a) => (
              <input
                id={a.id}
                type="tel"
                value={applicant.phone}
                onChange={(e) => set('phone', e.target.value)}
                onBlur={() => blur('phone')}
                autoComplete="tel"
                inputMode="tel"
                maxLength={16}
                aria-invalid={a.invalid}
                aria-describedby={a.describedBy}
                required
              />
            ),
            t('submit.phoneHint'),
          )}
          {field(
            'email',
            t('submit.email'),
            (a) => (
              <input
                id={a.id}
                type="email"
                value={applicant.email}
                onChange={(e) => set('email', e.target.value)}
                onBlur={() => blur('email')}
                autoComplete="email"
                maxLength={200}
                aria-invalid={a.invalid}
                aria-describedby={a.describedBy}
              />
            ),
            undefined,
            true,
          )}
        </div>
        {field('address', t('submit.address'), (a) => (
          <input
            id={a.id}
            value={applicant.address}
            onChange={(e) => set('address', e.target.value)}
            onBlur={() => blur('address')}
            autoComplete="street-address"
            maxLength={500}
            aria-invalid={a.invalid}
            aria-describedby={a.describedBy}
            required
          />
        ))}
        {field(
          'communeCode',
          t('submit.commune'),
          (a) => (
            <select
              id={a.id}
              value={applicant.communeCode}
              onChange={(e) => set('communeCode', e.target.value)}
              onBlur={() => blur('communeCode')}
              aria-invalid={a.invalid}
              aria-describedby={a.describedBy}
              required
            >
              <option value="">{t('submit.communeChoose')}</option>
              {communes.map((c) => (
                <option key={c.code} value={c.code}>
                  {en ? c.nameEn : c.nameVi}
                </option>
              ))}
            </select>
          ),
          t('submit.communeHint'),
        )}
      </fieldset>

      <fieldset className="form-section">
        <legend>{t('submit.components')}</legend>
        <p className="hint">{t('submit.componentsHint')}</p>
        <ul className="upload-list">
          {props.components.map((c) => (
            <ComponentUpload
              key={c.code}
              component={c}
              state={uploads[c.code] ?? { status: 'idle' }}
              error={componentErrors[c.code] ?? null}
              inputKey={inputKeys[c.code] ?? 0}
              onFile={(f) => void upload(c, f)}
              onClear={() => clearUpload(c)}
              storeDocs={identified && c.documentType ? storeDocs.filter((d) => d.documentType?.code === c.documentType) : []}
              storeChoice={fromStore[c.code]}
              onStore={(id) => {
                setComponentErrors(({ [c.code]: _, ...rest }) => rest);
                setFromStore(({ [c.code]: _, ...rest }) => (id === undefined ? rest : { ...rest, [c.code]: id }));
              }}
            />
          ))}
        </ul>
      </fieldset>

      <fieldset className="form-section">
        <legend>{t('submit.options')}</legend>
        <div className={returnPointError ? 'field field-invalid' : 'field'}>
          <label htmlFor="f-returnPoint">{t('submit.returnPoint')}</label>
          <p id="f-returnPoint-hint" className="hint">
            {t('submit.returnPointHint')}
          </p>
          <select
            id="f-returnPoint"
            value={returnPointId}
            onChange={(e) => setReturnPointId(e.target.value)}
            aria-describedby="f-returnPoint-hint f-returnPoint-error"
            aria-invalid={Boolean(returnPointError)}
          >
            <option value="">{t('submit.returnPointDefault')}</option>
            <optgroup label={t('submit.returnPointCenters')}>
              {mainPoints.map((p) => (
                <option key={p.id} value={p.id}>
                  {en ? p.nameEn : p.nameVi}
                </option>
              ))}
            </optgroup>
            <optgroup label={t('submit.returnPointCommunes')}>
              {communePoints.map((p) => (
                <option key={p.id} value={p.id}>
                  {en ? p.nameEn : p.nameVi}
                </option>
              ))}
            </optgroup>
          </select>
          <p id="f-returnPoint-error" className="field-error" aria-live="polite">
            {returnPointError}
          </p>
        </div>
        {props.fastTrack && (
          <div className="check">
            <input id="f-fastTrack" type="checkbox" checked={fastTrack} onChange={(e) => setFastTrack(e.target.checked)} />
            <label htmlFor="f-fastTrack">{t('submit.fastTrack', { limit: formatLimit(t, props.fastTrack) })}</label>
          </div>
        )}
        <div className="field">
          <label htmlFor="f-note">
            {t('submit.note')}
            <span className="optional"> ({t('submit.optional')})</span>
          </label>
          <textarea id="f-note" value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} rows={3} />
        </div>
      </fieldset>

      <div className={confirmError ? 'check check-invalid' : 'check'}>
        <input
          id="f-confirm"
          type="checkbox"
          checked={confirmed}
          onChange={(e) => {
            setConfirmed(e.target.checked);
            if (e.target.checked) setConfirmError(false);
          }}
          aria-invalid={confirmError}
          aria-describedby="f-confirm-error"
        />
        <label htmlFor="f-confirm">{t('submit.confirm')}</label>
      </div>
      <p id="f-confirm-error" className="field-error" aria-live="polite">
        {confirmError ? t('submit.errors.confirm') : null}
      </p>

      {formProblem && (
        <div id="submit-problem" tabIndex={-1}>
          <ProblemAlert problem={formProblem} />
        </div>
      )}
      <p className="form-actions">
        <button type="submit" className="button button-primary" disabled={submitting} aria-describedby="submit-status">
          {submitting ? t('submit.sending') : t('submit.submit')}
        </button>
        <span id="submit-status" className="visually-hidden" role="status">
          {submitting ? t('submit.sending') : ''}
        </span>
      </p>
    </form>
  );
}

function ComponentUpload({
  component: c,
  state,
  error,
  inputKey,
  onFile,
  onClear,
  storeDocs,
  storeChoice,
  onStore,
}: {
  component: ProcedureComponent;
  state: UploadState;
  error: string | null;
  inputKey: number;
  onFile: (f: File | undefined) => void;
  onClear: () => void;
  /** The logged-in citizen's documents of this component's type (none unless identified). */
  storeDocs: MyStoreDocument[];
  storeChoice: number | undefined;
  onStore: (id: number | undefined) => void;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const en = lang === 'en';
  const id = `file-${c.code}`;
  const name = en ? c.nameEn : c.nameVi;
  const meta = `${t(`form.${c.form}`)} · ${t('submit.copies', { count: c.count })}`;
  if (c.supply === 'population_db') {
    return (
      <li className="upload-item upload-item-db">
        <p className="upload-name">{name}</p>
        <p className="muted small">{meta}</p>
        <p className="from-db">
          <span aria-hidden="true">✓ </span>
          {t('submit.fromPopulationDb')}
        </p>
      </li>
    );
  }
  const invalid = Boolean(error) || state.status === 'error';
  return (
    <li className={invalid ? 'upload-item upload-item-invalid' : 'upload-item'}>
      <label htmlFor={id} className="upload-name">
        {name}
        {c.required ? <span className="required-mark"> *</span> : <span className="optional"> ({t('submit.optional')})</span>}
      </label>
      <p className="muted small" id={`${id}-meta`}>
        {meta}
        {c.supply === 'store' ? ` · ${t('submit.storeHint')}` : ''}
      </p>
      {storeDocs.length > 0 && (
        <div className="field">
          <label htmlFor={`${id}-store`}>{t('citizen.fromStore')}</label>
          <select
            id={`${id}-store`}
            value={storeChoice ?? ''}
            onChange={(e) => onStore(e.target.value ? Number(e.target.value) : undefined)}
          >
            <option value="">{t('citizen.fromStoreNone')}</option>
            {storeDocs.map((d) => (
              <option key={d.id} value={d.id}>
                {d.title}
              </option>
            ))}
          </select>
        </div>
      )}
      {storeChoice !== undefined ? (
        <p className="upload-done">
          <span aria-hidden="true">✓ </span>
          {t('citizen.storeChosen')}
        </p>
      ) : (
        <input
          key={inputKey}
          id={id}
          type="file"
          accept={ACCEPT}
          onChange={(e) => onFile(e.target.files?.[0])}
          aria-describedby={`${id}-meta ${id}-status`}
          aria-invalid={invalid}
        />
      )}
      <div id={`${id}-status`} className="upload-status" aria-live="polite">
        {state.status === 'uploading' && (
          <p>
            <span className="spinner" aria-hidden="true" />
            {t('submit.uploading', { name: state.name, size: formatBytes(state.size, lang) })}
          </p>
        )}
        {state.status === 'done' && (
          <p className="upload-done">
            <span aria-hidden="true">✓ </span>
            {t('submit.uploaded', { name: state.name, size: formatBytes(state.size, lang), type: state.mime })}{' '}
            <button type="button" className="link-button" onClick={onClear}>
              {t('submit.removeFile')}
            </button>
          </p>
        )}
        {state.status === 'error' && (
          <div className="upload-error" role="alert">
            <p>
              <strong>{t('submit.uploadFailed', { name: state.name, size: formatBytes(state.size, lang) })}</strong>{' '}
              {problemMessage(t, state.problem)}
            </p>
            {problemDetail(state.problem) && (
              <p className="server-detail">
                {t('errors.serverSaid')} <span lang="en">{problemDetail(state.problem)}</span>
              </p>
            )}
            <p>
              <button type="button" className="link-button" onClick={onClear}>
                {t('submit.removeFile')}
              </button>
            </p>
          </div>
        )}
        {error && state.status !== 'error' && <p className="field-error">{error}</p>}
      </div>
    </li>
  );
}

function Success({ dossier: d }: { dossier: Dossier }) {
  const { t, i18n } = useTranslation();
  const en = i18n.language === 'en';
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
    window.scrollTo(0, 0);
  }, []);
  const limit = d.timeLimit as TimeLimit;
  return (
    <section className="success" aria-labelledby="success-title">
      <h1 id="success-title" ref={ref} tabIndex={-1}>
        {t('submit.successTitle')}
      </h1>
      <p className="success-code-label">{t('submit.yourCode')}</p>
      <p className="success-code code">{d.code}</p>
      <p className="muted">{t('submit.keepCode')}</p>
      <p className="success-link">
        {t('submit.trackUrl')}{' '}
        <span className="code" data-testid="tracking-url">
          {`${window.location.origin}${trackingPath(d.code)}#${d.trackingToken}`}
        </span>
      </p>
      <dl className="facts-grid">
        <div>
          <dt>{t('track.status')}</dt>
          <dd>{en ? d.statusEn : d.statusVi}</dd>
        </div>
        <div>
          <dt>{t('track.procedure')}</dt>
          <dd>{en ? d.procedure.nameEn : d.procedure.nameVi}</dd>
        </div>
        <div>
          <dt>{t('submit.receivingUnit')}</dt>
          <dd lang="vi">{d.receivingUnit.nameVi}</dd>
        </div>
        <div>
          <dt>{t('submit.competentAgency')}</dt>
          <dd lang="vi">{d.competentAgency.nameVi}</dd>
        </div>
        <div>
          <dt>{t('track.returnPoint')}</dt>
          <dd lang="vi">{d.returnPoint.nameVi}</dd>
        </div>
        <div>
          <dt>{t('procedure.timeLimit')}</dt>
          <dd>{formatLimit(t, limit)}</dd>
        </div>
      </dl>
      <h2>{t('submit.nextTitle')}</h2>
      <ol className="next-steps">
        <li>{t('submit.next1', { unit: d.receivingUnit.nameVi })}</li>
        <li>{t('submit.next2', { limit: formatLimit(t, limit) })}</li>
        <li>{t('submit.next3')}</li>
        <li>{t('submit.next4', { unit: d.returnPoint.nameVi })}</li>
      </ol>
      <p className="form-actions">
        <Link className="button button-primary" to={trackingHref(d.code, d.trackingToken)}>
          {t('submit.trackLink')}
        </Link>
        <Link className="button button-secondary" to="/">
          {t('nav.home')}
        </Link>
      </p>
    </section>
  );
}
