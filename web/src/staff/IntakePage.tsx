import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import {
  loadCommunes,
  loadServicePoints,
  newIdempotencyKey,
  settle,
  type Commune,
  type Problem,
  type ProcedureDetail,
  type ProcedureSummary,
  type Unit,
} from '../api/client';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { byVietnamese, formatBytes, formatDateTime, formatLimit } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { useTranslation } from 'react-i18next';
import { useStaffT } from './i18n';
import { staffApi, type DossierView, type StaffIntake, type StoreDocument } from './session';
import { BlobButton, fetchForm, uploadStaffFile, useSession } from './shared';

type How = 'upload' | 'paper' | 'population_db' | 'store' | 'none';
interface ComponentChoice {
  how: How;
  file?: { name: string; size: number; sha256: string };
  storeDocumentId?: number;
  uploading?: boolean;
  problem?: Problem;
}
interface Applicant {
  idNumber: string;
  name: string;
  phone: string;
  email: string;
  address: string;
  communeCode: string;
}
type Errors = Partial<Record<keyof Applicant | `comp-${string}` | 'duplicateReason' | 'consent', string>>;

const EMPTY: Applicant = { idNumber: '', name: '', phone: '', email: '', address: '', communeCode: '' };

type StoreLookup =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'ok'; idNumber: string; docs: StoreDocument[] }
  | { status: 'error'; problem: Problem };

/** The open dossier a 409 DUPLICATE_DOSSIER names. */
interface Duplicate {
  existingCode: string;
  receivedAt: string | null;
  submittedAt: string | null;
  receivingPoint: { id: number; nameVi: string; nameEn: string };
}

function duplicateOf(problem: Problem | null): Duplicate | null {
  if (problem?.code !== 'DUPLICATE_DOSSIER') return null;
  const d = (problem as Problem & { details?: Partial<Duplicate> }).details;
  return d?.existingCode && d.receivingPoint ? (d as Duplicate) : null;
}

/** /can-bo/tiep-nhan — counter intake by a clerk: procedure, applicant, components, receipt. */
export default function IntakePage() {
  const { t } = useStaffT();
  const { me } = useSession();
  usePageTitle(t('intake.title'));
  if (me.role !== 'clerk')
    return (
      <div className="container page narrow">
        <PageHeading>{t('intake.title')}</PageHeading>
        <div className="notice">
          <p>{t('intake.onlyClerks')}</p>
        </div>
      </div>
    );
  return <Intake />;
}

function Intake() {
  const { t, lang } = useStaffT();
  const { me, unit } = useSession();
  const { t: tc } = useTranslation();
  const id = useId();
  const [procedure, setProcedure] = useState<ProcedureDetail | null>(null);
  const [applicant, setApplicant] = useState<Applicant>(EMPTY);
  const [choices, setChoices] = useState<Record<string, ComponentChoice>>({});
  const [fastTrack, setFastTrack] = useState(false);
  const [note, setNote] = useState('');
  const [communes, setCommunes] = useState<Commune[]>([]);
  const [points, setPoints] = useState<Unit[]>([]);
  const [returnPointId, setReturnPointId] = useState('');
  const [store, setStore] = useState<StoreLookup>({ status: 'idle' });
  const [errors, setErrors] = useState<Errors>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<DossierView | null>(null);
  const [overrideReason, setOverrideReason] = useState('');
  const key = useRef(newIdempotencyKey());
  const summaryRef = useRef<HTMLDivElement>(null);
  const doneRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    void loadCommunes().then((r) => r.ok && setCommunes([...r.data].sort((a, b) => byVietnamese(a.nameVi, b.nameVi))));
    void loadServicePoints().then((r) => r.ok && setPoints(r.data));
  }, []);
  useEffect(() => {
    if (done) doneRef.current?.focus();
  }, [done]);

  const pick = (p: ProcedureDetail) => {
    setProcedure(p);
    setProblem(null);
    const initial: Record<string, ComponentChoice> = {};
    for (const c of p.version.components)
      initial[c.code] = { how: c.supply === 'population_db' ? 'population_db' : c.required ? 'upload' : 'none' };
    setChoices(initial);
    setFastTrack(false);
  };

  const upload = async (code: string, file: File) => {
    setChoices((cs) => ({ ...cs, [code]: { how: 'upload', uploading: true } }));
    const r = await uploadStaffFile(file);
    setChoices((cs) => ({
      ...cs,
      [code]: r.ok
        ? { how: 'upload', file: { name: file.name, size: r.data.size, sha256: r.data.sha256 } }
        : { how: 'upload', problem: r.problem },
    }));
  };

  /**
   * The applicant's document store: earlier results to reuse instead of asking for paper. It is private, so the clerk
   * who has checked the ID card starts an intake for that citizen (POST /intakes, audited) and lists it with its id.
   */
  const lookUpStore = async () => {
    const idNumber = applicant.idNumber.trim();
    if (!/^\d{12}$/.test(idNumber)) {
      setErrors((e) => ({ ...e, idNumber: t('intake.storeNeedId') }));
      return;
    }
    setErrors(({ idNumber: _, ...rest }) => rest);
    setStore({ status: 'loading' });
    const started = await settle(
      staffApi.POST('/intakes', {
        body: { idNumber, ...(procedure ? { procedureCode: procedure.code } : {}), reason: t('intake.storeReason') },
      }),
    );
    if (!started.ok) return setStore({ status: 'error', problem: started.problem });
    const r = await settle(staffApi.GET('/store-documents', { params: { query: { intakeId: started.data.id } } }));
    setStore(r.ok ? { status: 'ok', idNumber, docs: r.data } : { status: 'error', problem: r.problem });
  };
  const storeDocs = store.status === 'ok' && store.idNumber === applicant.idNumber.trim() ? store.docs : [];

  /**
   * The person from the national population database (POST /population/lookup): the name and permanent residence
   * filled in instead of typed. Only with the citizen's consent, which the clerk confirms; the look-up is audited.
   */
  const [consent, setConsent] = useState(false);
  const [person, setPerson] = useState<
    | { status: 'idle' }
    | { status: 'loading' }
    | { status: 'ok'; idNumber: string; birthDate: string }
    | { status: 'error'; problem: Problem }
  >({ status: 'idle' });
  const lookUpPerson = async () => {
    const idNumber = applicant.idNumber.trim();
    if (!/^\d{12}$/.test(idNumber)) {
      setErrors((e) => ({ ...e, idNumber: t('intake.storeNeedId') }));
      return;
    }
    if (!consent) {
      setErrors((e) => ({ ...e, consent: t('intake.populationConsentNeeded') }));
      return;
    }
    setErrors(({ idNumber: _i, consent: _c, ...rest }) => rest);
    setPerson({ status: 'loading' });
    const r = await settle(staffApi.POST('/population/lookup', { body: { idNumber, consent: true } }));
    if (!r.ok) return setPerson({ status: 'error', problem: r.problem });
    setApplicant((a) => ({ ...a, name: r.data.name, address: r.data.permanentAddress }));
    setPerson({ status: 'ok', idNumber, birthDate: r.data.birthDate });
  };

  const validate = (): Errors => {
    const e: Errors = {};
    if (!/^\d{12}$/.test(applicant.idNumber.trim())) e.idNumber = t('intake.errId');
    if (applicant.name.trim().length < 2) e.name = t('intake.errRequired');
    if (!/^(0\d{9}|\+84\d{9})$/.test(applicant.phone.replace(/[\s.-]/g, ''))) e.phone = t('intake.errPhone');
    if (applicant.address.trim().length < 3) e.address = t('intake.errRequired');
    if (!applicant.communeCode) e.communeCode = t('intake.errCommune');
    for (const c of procedure?.version.components ?? []) {
      const ch = choices[c.code];
      if (ch?.how === 'upload' && !ch.file) e[`comp-${c.code}`] = t('intake.errFile');
      if (ch?.how === 'store' && !storeDocs.some((d) => d.id === ch.storeDocumentId && d.documentType?.code === c.documentType))
        e[`comp-${c.code}`] = t('intake.errStore');
      if (c.required && (!ch || ch.how === 'none')) e[`comp-${c.code}`] = t('intake.errRequired');
    }
    return e;
  };

  const submit = async (ev: FormEvent, override = false) => {
    ev.preventDefault();
    if (!procedure) return;
    const e = validate();
    if (override && overrideReason.trim().length < 3) e.duplicateReason = t('intake.errDuplicateReason');
    setErrors(e);
    // Overriding, the duplicate's notice (and its reason field) stays while the reason is fixed.
    if (!override) setProblem(null);
    if (Object.keys(e).length) {
      setTimeout(() => summaryRef.current?.focus());
      return;
    }
    const body: StaffIntake = {
      procedureCode: procedure.code,
      applicant: {
        idNumber: applicant.idNumber.trim(),
        name: applicant.name.trim(),
        phone: applicant.phone.replace(/[\s.-]/g, ''),
        address: applicant.address.trim(),
        communeCode: applicant.communeCode,
        ...(applicant.email.trim() ? { email: applicant.email.trim() } : {}),
      },
      components: procedure.version.components.flatMap((c): StaffIntake['components'] => {
        const ch = choices[c.code];
        if (!ch || ch.how === 'none') return [];
        if (ch.how === 'upload') return [{ code: c.code, source: 'upload' as const, fileSha256: ch.file!.sha256 }];
        if (ch.how === 'store') return [{ code: c.code, source: 'store' as const, storeDocumentId: ch.storeDocumentId! }];
        return [{ code: c.code, source: ch.how }];
      }),
      ...(returnPointId ? { returnPointId: Number(returnPointId) } : {}),
      ...(fastTrack ? { fastTrack: true } : {}),
      ...(note.trim() ? { note: note.trim() } : {}),
      ...(override ? { duplicateOverride: { reason: overrideReason.trim() } } : {}),
    };
    setBusy(true);
    const r = await settle(staffApi.POST('/dossiers', { body, params: { header: { 'idempotency-key': key.current } } }));
    setBusy(false);
    if (!r.ok) {
      const field = r.problem.field?.replace(/^body\.applicant\./, '');
      if (field && field in EMPTY) setErrors({ [field]: r.problem.detail });
      setProblem(r.problem);
      setTimeout(() => summaryRef.current?.focus());
      return;
    }
    key.current = newIdempotencyKey();
    setOverrideReason('');
    setDone(r.data);
  };

  const reset = () => {
    setDone(null);
    setProcedure(null);
    setApplicant(EMPTY);
    setChoices({});
    setNote('');
    setReturnPointId('');
    setStore({ status: 'idle' });
    setErrors({});
    setProblem(null);
    setOverrideReason('');
  };

  if (done)
    return (
      <div className="container page narrow">
        <PageHeading>{t('intake.title')}</PageHeading>
        <section className="card success intake-done" aria-labelledby={`${id}-done`}>
          <h2 id={`${id}-done`} ref={doneRef} tabIndex={-1}>
            ✓ {t('intake.success')}
          </h2>
          <dl className="facts">
            <div className="span-2">
              <dt>{t('intake.code')}</dt>
              <dd className="success-code code" data-testid="dossier-code">
                {done.code}
              </dd>
            </div>
            {done.duplicateOf && (
              <div className="span-2">
                <dt>{t('intake.duplicateOf')}</dt>
                <dd className="code">{done.duplicateOf}</dd>
              </div>
            )}
            <div>
              <dt>{t('intake.due')}</dt>
              <dd data-testid="due-at">{done.dueAt ? formatDateTime(done.dueAt, lang) : t('common.none')}</dd>
            </div>
            <div>
              <dt>{t('intake.agency')}</dt>
              <dd>{done.competentAgency.nameVi}</dd>
            </div>
            <div>
              <dt>{t('intake.returnPoint')}</dt>
              <dd data-testid="return-point">{done.returnPoint.nameVi}</dd>
            </div>
          </dl>
          <div className="form-actions">
            <BlobButton
              className="button button-primary"
              label={t('intake.printReceipt')}
              fileName={`${done.code}-giay-tiep-nhan.pdf`}
              load={() => fetchForm(done.code, '01')}
            />
            <Link className="button button-secondary" to={`/can-bo/ho-so/${encodeURIComponent(done.code)}`}>
              {t('intake.open')}
            </Link>
            <button type="button" className="button button-secondary" onClick={reset}>
              {t('intake.another')}
            </button>
          </div>
        </section>
      </div>
    );

  const errorList = Object.entries(errors).filter(([, v]) => v);
  // Every other service point, centers and branches first, then the commune centers by name.
  const others = points.filter((p) => p.id !== me.unitId);
  const mainPoints = others.filter((p) => p.kind === 'center' || p.kind === 'branch');
  const communePoints = others.filter((p) => p.kind === 'commune_center').sort((a, b) => byVietnamese(a.nameVi, b.nameVi));
  const unitName = (uid: number) => {
    const u = points.find((p) => p.id === uid);
    return u ? (lang === 'en' ? u.nameEn : u.nameVi) : unit ? (lang === 'en' ? unit.nameEn : unit.nameVi) : `#${uid}`;
  };
  const wrongPoint = problem?.code === 'WRONG_SERVICE_POINT';
  const duplicate = duplicateOf(problem);
  const field = (name: keyof Applicant, label: string, type: string, extra: Record<string, unknown> = {}) => (
    <div className={`field${errors[name] ? ' field-invalid' : ''}`}>
      <label htmlFor={`${id}-${name}`}>{label}</label>
      <input
        id={`${id}-${name}`}
        type={type}
        value={applicant[name]}
        onChange={(e) => setApplicant({ ...applicant, [name]: e.target.value })}
        aria-invalid={errors[name] ? true : undefined}
        aria-describedby={errors[name] ? `${id}-${name}-err` : undefined}
        {...extra}
      />
      <p id={`${id}-${name}-err`} className="field-error">
        {errors[name]}
      </p>
    </div>
  );

  return (
    <div className="container page staff-mid">
      <PageHeading>{t('intake.title')}</PageHeading>
      <ProcedurePicker picked={procedure} onPick={pick} onClear={() => setProcedure(null)} />
      {procedure && (
        <form onSubmit={(e) => void submit(e)} noValidate className="intake-form">
          <div ref={summaryRef} tabIndex={-1} className="intake-problems">
            {wrongPoint && problem && (
              <div className="alert alert-error wrong-point" role="alert">
                <p className="alert-title">{t('intake.wrongPoint')}</p>
                <p className="wrong-point-detail">
                  {lang === 'en' ? (problem.detail.split(' / ')[1] ?? problem.detail) : problem.detail.split(' / ')[0]}
                </p>
              </div>
            )}
            {duplicate && (
              <div className="alert alert-error duplicate" role="alert" data-testid="duplicate">
                <p className="alert-title">{t('intake.duplicateTitle')}</p>
                <p>
                  {t('intake.duplicateDetail', {
                    code: duplicate.existingCode,
                    at: formatDateTime((duplicate.receivedAt ?? duplicate.submittedAt)!, lang),
                    point: lang === 'en' ? duplicate.receivingPoint.nameEn : duplicate.receivingPoint.nameVi,
                  })}{' '}
                  <Link to={`/can-bo/ho-so/${encodeURIComponent(duplicate.existingCode)}`}>
                    {t('intake.duplicateOpen', { code: duplicate.existingCode })}
                  </Link>
                </p>
                <div className={`field${errors.duplicateReason ? ' field-invalid' : ''}`}>
                  <label htmlFor={`${id}-duplicateReason`}>{t('intake.duplicateReason')}</label>
                  <textarea
                    id={`${id}-duplicateReason`}
                    rows={2}
                    maxLength={1000}
                    value={overrideReason}
                    onChange={(e) => setOverrideReason(e.target.value)}
                    aria-invalid={errors.duplicateReason ? true : undefined}
                    aria-describedby={errors.duplicateReason ? `${id}-duplicateReason-err` : undefined}
                  />
                  <p id={`${id}-duplicateReason-err`} className="field-error">
                    {errors.duplicateReason}
                  </p>
                </div>
                <button type="button" className="button button-secondary" disabled={busy} onClick={(e) => void submit(e, true)}>
                  {t('intake.duplicateOverride')}
                </button>
              </div>
            )}
            {problem && !wrongPoint && !duplicate && (
              <ProblemAlert
                problem={problem}
                message={problem.status === 422 || problem.status === 409 || problem.status === 400 ? problem.detail : undefined}
              />
            )}
            {errorList.length > 0 && !problem && (
              <div className="error-summary" role="alert">
                <h2>{t('intake.errors')}</h2>
                <ul>
                  {errorList.map(([k, v]) => (
                    <li key={k}>
                      <a href={`#${k.startsWith('comp-') ? `${id}-${k}` : `${id}-${k}`}`}>{v}</a>
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </div>

          <fieldset className="form-section">
            <legend>{t('intake.applicant')}</legend>
            <div className="field-row">
              {field('idNumber', t('intake.idNumber'), 'text', {
                inputMode: 'numeric',
                maxLength: 12,
                autoComplete: 'off',
                spellCheck: false,
              })}
              {field('name', t('intake.name'), 'text', { autoComplete: 'off', maxLength: 200 })}
              {field('phone', t('intake.phone'), 'tel', { autoComplete: 'off', maxLength: 16 })}
              {field('email', t('intake.email'), 'email', { autoComplete: 'off', maxLength: 200 })}
            </div>
            <div className="population-lookup">
              <label className="checkbox">
                <input type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} data-testid="population-consent" />{' '}
                {t('intake.populationConsent')}
              </label>
              <button type="button" className="button button-secondary" onClick={() => void lookUpPerson()} data-testid="population-lookup">
                {t('intake.populationLookup')}
              </button>
              {errors.consent && (
                <p className="field-error" role="alert">
                  {errors.consent}
                </p>
              )}
              <div aria-live="polite">
                {person.status === 'loading' && <Loading label={t('common.loading')} />}
                {person.status === 'error' && <ProblemAlert problem={person.problem} />}
                {person.status === 'ok' && person.idNumber === applicant.idNumber.trim() && (
                  <p className="upload-done" data-testid="population-result">
                    {t('intake.populationFound', { birthDate: person.birthDate.split('-').reverse().join('/') })}
                  </p>
                )}
              </div>
            </div>
            {field('address', t('intake.address'), 'text', { autoComplete: 'off', maxLength: 500 })}
            <div className={`field${errors.communeCode ? ' field-invalid' : ''}`}>
              <label htmlFor={`${id}-communeCode`}>{t('intake.commune')}</label>
              <select
                id={`${id}-communeCode`}
                value={applicant.communeCode}
                onChange={(e) => setApplicant({ ...applicant, communeCode: e.target.value })}
                aria-invalid={errors.communeCode ? true : undefined}
                aria-describedby={errors.communeCode ? `${id}-communeCode-err` : undefined}
              >
                <option value="">{t('intake.communePick')}</option>
                {communes.map((c) => (
                  <option key={c.code} value={c.code}>
                    {lang === 'en' ? c.nameEn : c.nameVi}
                  </option>
                ))}
              </select>
              <p id={`${id}-communeCode-err`} className="field-error">
                {errors.communeCode}
              </p>
            </div>
            <div className="store-lookup">
              <button
                type="button"
                className="button button-secondary button-small"
                onClick={() => void lookUpStore()}
                disabled={store.status === 'loading'}
                aria-describedby={`${id}-store-hint`}
              >
                {t('intake.storeLookup')}
              </button>
              <p id={`${id}-store-hint`} className="hint">
                {t('intake.storeHint')}
              </p>
              <div aria-live="polite" className="store-status">
                {store.status === 'loading' && <Loading label={t('common.loading')} />}
                {store.status === 'error' && <ProblemAlert problem={store.problem} />}
                {store.status === 'ok' && store.idNumber === applicant.idNumber.trim() && (
                  <p className={storeDocs.length ? 'upload-done' : 'muted'} data-testid="store-result">
                    {storeDocs.length ? t('intake.storeFound', { count: storeDocs.length }) : t('intake.storeEmpty')}
                  </p>
                )}
              </div>
            </div>
          </fieldset>

          <fieldset className="form-section">
            <legend>{t('intake.components')}</legend>
            <p className="hint">{t('intake.componentsHint')}</p>
            <ol className="intake-components">
              {procedure.version.components.map((c) => {
                const ch = choices[c.code] ?? { how: 'upload' };
                const err = errors[`comp-${c.code}`];
                // Only a document of the component's own type stands in for it (the catalog names the type).
                const sameType = c.documentType ? storeDocs.filter((d) => d.documentType?.code === c.documentType) : [];
                const hows: How[] = [
                  ...(c.supply === 'population_db' ? (['population_db'] as const) : []),
                  ...(sameType.length || ch.how === 'store' ? (['store'] as const) : []),
                  'upload',
                  'paper',
                  ...(c.required ? [] : (['none'] as const)),
                ];
                return (
                  <li key={c.code} className={`intake-component${err ? ' field-invalid' : ''}`}>
                    <fieldset id={`${id}-comp-${c.code}`} tabIndex={-1} aria-describedby={err ? `${id}-comp-${c.code}-err` : undefined}>
                      <legend>
                        <span className="comp-name">{lang === 'en' ? c.nameEn : c.nameVi}</span>{' '}
                        <span className={c.required ? 'required-mark' : 'optional'}>
                          ({c.required ? t('intake.required') : t('intake.optional')})
                        </span>
                        <span className="muted small block">
                          {c.code} · {t(`dossier.form.${c.form}`)} · {t('intake.count', { count: c.count })}
                        </span>
                      </legend>
                      <div className="how-options">
                        {hows.map((h) => (
                          <label key={h} className="how-option">
                            <input
                              type="radio"
                              name={`${id}-how-${c.code}`}
                              value={h}
                              checked={ch.how === h}
                              onChange={() => setChoices({ ...choices, [c.code]: { how: h } })}
                            />
                            <span>
                              {t(
                                h === 'upload'
                                  ? 'intake.howUpload'
                                  : h === 'paper'
                                    ? 'intake.howPaper'
                                    : h === 'population_db'
                                      ? 'intake.howDb'
                                      : h === 'store'
                                        ? 'intake.howStore'
                                        : 'intake.howNone',
                              )}
                            </span>
                          </label>
                        ))}
                      </div>
                      {c.documentType && store.status === 'ok' && storeDocs.length > 0 && sameType.length === 0 && (
                        <p className="hint small">{t('intake.storeNoMatch')}</p>
                      )}
                      {ch.how === 'store' && (
                        <div className="field comp-file">
                          <label htmlFor={`${id}-store-${c.code}`} className="small">
                            {t('intake.storePick')}: {lang === 'en' ? c.nameEn : c.nameVi}
                          </label>
                          <select
                            id={`${id}-store-${c.code}`}
                            value={ch.storeDocumentId ?? ''}
                            onChange={(e) =>
                              setChoices({
                                ...choices,
                                [c.code]: { how: 'store', ...(e.target.value ? { storeDocumentId: Number(e.target.value) } : {}) },
                              })
                            }
                          >
                            <option value="">{t('intake.storePickNone')}</option>
                            {sameType.map((d) => (
                              <option key={d.id} value={d.id}>
                                {d.title} — {formatDateTime(d.issuedAt, lang)}
                              </option>
                            ))}
                          </select>
                        </div>
                      )}
                      {ch.how === 'upload' && (
                        <div className="field comp-file">
                          <label htmlFor={`${id}-file-${c.code}`} className="small">
                            {t('intake.file')}: {lang === 'en' ? c.nameEn : c.nameVi}
                          </label>
                          <input
                            id={`${id}-file-${c.code}`}
                            type="file"
                            accept="application/pdf,image/jpeg,image/png,image/tiff"
                            onChange={(e) => e.target.files?.[0] && void upload(c.code, e.target.files[0])}
                          />
                          <div aria-live="polite" className="upload-status">
                            {ch.uploading && <Loading label={t('dossier.uploading')} />}
                            {ch.file && <p className="upload-done">✓ {t('intake.uploaded', { size: formatBytes(ch.file.size, lang) })}</p>}
                            {ch.problem && <ProblemAlert problem={ch.problem} />}
                          </div>
                        </div>
                      )}
                      <p id={`${id}-comp-${c.code}-err`} className="field-error">
                        {err}
                      </p>
                    </fieldset>
                  </li>
                );
              })}
            </ol>
          </fieldset>

          <fieldset className="form-section">
            <legend>{t('intake.options')}</legend>
            <div className="field">
              <label htmlFor={`${id}-rp`}>{t('intake.returnPoint')}</label>
              <p id={`${id}-rp-hint`} className="hint">
                {t('intake.returnPointHint')}
              </p>
              <select
                id={`${id}-rp`}
                value={returnPointId}
                onChange={(e) => setReturnPointId(e.target.value)}
                aria-describedby={`${id}-rp-hint`}
              >
                <option value="">{t('intake.returnPointHere', { name: unitName(me.unitId) })}</option>
                <optgroup label={t('intake.returnPointCenters')}>
                  {mainPoints.map((p) => (
                    <option key={p.id} value={p.id}>
                      {lang === 'en' ? p.nameEn : p.nameVi}
                    </option>
                  ))}
                </optgroup>
                <optgroup label={t('intake.returnPointCommunes')}>
                  {communePoints.map((p) => (
                    <option key={p.id} value={p.id}>
                      {lang === 'en' ? p.nameEn : p.nameVi}
                    </option>
                  ))}
                </optgroup>
              </select>
            </div>
            {procedure.version.fastTrack && (
              <div className="check">
                <input id={`${id}-ft`} type="checkbox" checked={fastTrack} onChange={(e) => setFastTrack(e.target.checked)} />
                <label htmlFor={`${id}-ft`}>
                  {t('intake.fastTrack')}: {formatLimit(tc, procedure.version.fastTrack)}
                </label>
              </div>
            )}
            <div className="field">
              <label htmlFor={`${id}-note`}>{t('intake.note')}</label>
              <textarea id={`${id}-note`} rows={2} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
            </div>
          </fieldset>
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
              {busy ? t('intake.submitting') : t('intake.submit')}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

/** Step 1: find the procedure (GET /procedures?q=) and read its components and whether any point may receive it. */
function ProcedurePicker({
  picked,
  onPick,
  onClear,
}: {
  picked: ProcedureDetail | null;
  onPick: (p: ProcedureDetail) => void;
  onClear: () => void;
}) {
  const { t, lang } = useStaffT();
  const { t: tc } = useTranslation();
  const id = useId();
  const [q, setQ] = useState('');
  const [results, setResults] = useState<ProcedureSummary[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const search = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    const r = await settle(staffApi.GET('/procedures', { params: { query: { ...(q.trim() ? { q: q.trim() } : {}), limit: 10 } } }));
    setBusy(false);
    if (r.ok) setResults(r.data);
    else setProblem(r.problem);
  };
  const choose = async (code: string) => {
    setBusy(true);
    const r = await settle(staffApi.GET('/procedures/{code}', { params: { path: { code } } }));
    setBusy(false);
    if (r.ok) onPick(r.data);
    else setProblem(r.problem);
  };
  if (picked)
    return (
      <section className="form-section picked-procedure" aria-labelledby={`${id}-h`}>
        <h2 id={`${id}-h`} className="legend-like">
          {t('intake.procedure')}
        </h2>
        <p>
          <strong>{lang === 'en' ? picked.version.nameEn : picked.version.nameVi}</strong> <span className="code muted">{picked.code}</span>
        </p>
        <p className="small">{formatLimit(tc, picked.version.timeLimit)}</p>
        <div className={picked.version.nonTerritorial ? 'notice point-ok' : 'notice point-warn'} role="status">
          <p>{picked.version.nonTerritorial ? `✓ ${t('intake.anywhere')}` : `⚠ ${t('intake.territorial')}`}</p>
        </div>
        <button type="button" className="button button-secondary button-small" onClick={onClear}>
          {t('intake.change')}
        </button>
      </section>
    );
  return (
    <section className="form-section" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`} className="legend-like">
        {t('intake.procedure')}
      </h2>
      <form role="search" onSubmit={(e) => void search(e)} className="picker-form">
        <label htmlFor={`${id}-q`}>{t('intake.procedureSearch')}</label>
        <div className="search-row">
          <input
            id={`${id}-q`}
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            aria-describedby={`${id}-hint`}
            autoComplete="off"
            maxLength={200}
          />
          <button type="submit" className="button button-primary" disabled={busy}>
            {t('intake.search')}
          </button>
        </div>
        <p id={`${id}-hint`} className="hint">
          {t('intake.procedureHint')}
        </p>
      </form>
      <div aria-live="polite">
        {problem && <ProblemAlert problem={problem} />}
        {results && (
          <p className="small muted">{results.length === 0 ? t('intake.noResults') : t('intake.results', { count: results.length })}</p>
        )}
      </div>
      {results && results.length > 0 && (
        <ul className="picker-list">
          {results.map((p) => (
            <li key={p.code}>
              <span>
                <strong>{lang === 'en' ? p.nameEn : p.nameVi}</strong>
                <span className="muted small block">
                  {p.code} · {formatLimit(tc, p.timeLimit)}{' '}
                  {p.nonTerritorial && <span className="badge badge-amber">{tc('procedure.anywhere')}</span>}
                </span>
              </span>
              <button
                type="button"
                className="button button-secondary button-small"
                onClick={() => void choose(p.code)}
                disabled={busy}
                aria-label={`${t('intake.pick')}: ${lang === 'en' ? p.nameEn : p.nameVi}`}
              >
                {t('intake.pick')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
