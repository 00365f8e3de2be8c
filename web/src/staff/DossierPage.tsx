import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { settle, type Problem, type Result } from '../api/client';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatBytes, formatDateTime, formatVnd } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { ACTION_INPUT, ACTION_PATH, availableActions, printableForms, type StaffAction } from './actions.model';
import { tOr, useStaffT } from './i18n';
import { staffApi, type DossierEvent, type DossierView, type StepRow } from './session';
import { BlobButton, DueCell, fetchFile, fetchForm, fetchReceipt, StatusBadge, uploadStaffFile, useSession } from './shared';

interface Loaded {
  dossier: DossierView;
  events: DossierEvent[];
  steps: StepRow[];
}

async function loadAll(code: string): Promise<Result<Loaded>> {
  const path = { params: { path: { code } } };
  const [d, e, s] = await Promise.all([
    settle(staffApi.GET('/dossiers/{code}', path)),
    settle(staffApi.GET('/dossiers/{code}/events', path)),
    settle(staffApi.GET('/dossiers/{code}/process-control', path)),
  ]);
  if (!d.ok) return d;
  if (!e.ok) return e;
  if (!s.ok) return s;
  return { ok: true, data: { dossier: d.data, events: e.data, steps: s.data } };
}

/** /can-bo/ho-so/:code — everything about one dossier, and the actions the caller may take on it now. */
export default function DossierPage() {
  const { t, lang } = useStaffT();
  const { code = '' } = useParams();
  const { me } = useSession();
  usePageTitle(t('dossier.title', { code }));
  const [state, setState] = useState<{ status: 'loading' } | { status: 'ok'; data: Loaded } | { status: 'error'; problem: Problem }>({
    status: 'loading',
  });
  const [message, setMessage] = useState<string | null>(null);

  const reload = useCallback(async () => {
    const r = await loadAll(code);
    setState(r.ok ? { status: 'ok', data: r.data } : { status: 'error', problem: r.problem });
  }, [code]);
  useEffect(() => {
    setState({ status: 'loading' });
    setMessage(null);
    void reload();
  }, [reload]);

  if (state.status === 'loading')
    return (
      <div className="container page">
        <Loading label={t('common.loading')} />
      </div>
    );
  if (state.status === 'error') {
    const notFound = state.problem.status === 404;
    return (
      <div className="container page">
        <PageHeading>{notFound ? t('dossier.notFound', { code }) : t('dossier.title', { code })}</PageHeading>
        {notFound ? (
          <div className="alert alert-error" role="alert" data-testid="dossier-not-found">
            <p className="alert-title">{t('dossier.notFound', { code })}</p>
          </div>
        ) : (
          <ProblemAlert problem={state.problem} onRetry={() => void reload()} />
        )}
        <p>
          <Link to="/can-bo/ho-so">← {t('dossier.back')}</Link>
        </p>
      </div>
    );
  }

  const { dossier: d, events, steps } = state.data;
  const actions = availableActions(d);
  const forms = printableForms(d, events);
  const unitName = (u: { nameVi: string } | null) => u?.nameVi ?? t('common.none');
  const done = async (action: StaffAction, next: DossierView) => {
    setMessage(t('dossier.done', { action: t(`action.${action}`), status: tOr(t, `status.${next.status}`, next.status) }));
    await reload();
  };
  const running = ['received', 'processing', 'awaiting_payment'].includes(d.status);

  return (
    <div className="container page staff-wide dossier-page">
      <p className="breadcrumb-back">
        <Link to="/can-bo/ho-so">← {t('dossier.back')}</Link>
      </p>
      <PageHeading className="dossier-title">
        {t('dossier.title', { code: '' })}
        <span className="code">{d.code}</span>
      </PageHeading>
      <p className="dossier-headline">
        <StatusBadge status={d.status} /> <span className="muted">{lang === 'en' ? d.procedure.nameEn : d.procedure.nameVi}</span>
      </p>
      <div aria-live="polite" role="status" className="dossier-message">
        {message && <p className="alert alert-success">{message}</p>}
      </div>

      <div className="dossier-layout">
        <div className="dossier-main">
          {/* The task of the moment comes first: what the applicant was asked to supplement. */}
          {d.status === 'supplement_requested' && (
            <SupplementPanel dossier={d} events={events} onChanged={reload} setMessage={setMessage} />
          )}

          <section className="card section" aria-labelledby="sum-h">
            <h2 id="sum-h">{t('dossier.summary')}</h2>
            <dl className="facts">
              <div>
                <dt>{t('dossier.applicant')}</dt>
                <dd>
                  <strong>{d.applicant.name}</strong>
                </dd>
              </div>
              <div>
                <dt>{t('dossier.idNumber')}</dt>
                <dd className="code">{d.applicant.idNumber}</dd>
              </div>
              <div>
                <dt>{t('dossier.phone')}</dt>
                <dd>{d.applicant.phone}</dd>
              </div>
              {d.applicant.email && (
                <div>
                  <dt>{t('dossier.email')}</dt>
                  <dd>{d.applicant.email}</dd>
                </div>
              )}
              <div className="span-2">
                <dt>{t('dossier.address')}</dt>
                <dd>{d.applicant.address}</dd>
              </div>
              <div className="span-2">
                <dt>{t('dossier.procedure')}</dt>
                <dd>
                  <span className="code">{d.procedure.code}</span> — {lang === 'en' ? d.procedure.nameEn : d.procedure.nameVi}
                </dd>
              </div>
              <div>
                <dt>{t('dossier.channel')}</dt>
                <dd>{t(d.channel === 2 ? 'dossier.channel2' : d.channel === 3 ? 'dossier.channel3' : 'dossier.channel1')}</dd>
              </div>
              <div>
                <dt>{t('dossier.fee')}</dt>
                <dd>{formatVnd(d.feeTotalVnd)}</dd>
              </div>
              <div>
                <dt>{t('dossier.receivingUnit')}</dt>
                <dd>{unitName(d.receivingUnit)}</dd>
              </div>
              <div>
                <dt>{t('dossier.competentAgency')}</dt>
                <dd>{unitName(d.competentAgency)}</dd>
              </div>
              <div>
                <dt>{t('dossier.currentUnit')}</dt>
                <dd>{unitName(d.currentUnit)}</dd>
              </div>
              <div>
                <dt>{t('dossier.returnPoint')}</dt>
                <dd>{unitName(d.returnPoint)}</dd>
              </div>
              {d.submittedAt && (
                <div>
                  <dt>{t('dossier.submittedAt')}</dt>
                  <dd>{formatDateTime(d.submittedAt, lang)}</dd>
                </div>
              )}
              <div>
                <dt>{t('dossier.receivedAt')}</dt>
                <dd>{d.receivedAt ? formatDateTime(d.receivedAt, lang) : t('common.none')}</dd>
              </div>
              {/* After an apology the dossier is worked against its new date; lateness is still counted against the legal one. */}
              <div className="highlight">
                <dt>{d.apologyDueAt ? t('dossier.promisedDueAt') : t('dossier.dueAt')}</dt>
                <dd data-testid="promised-due">
                  <DueCell dueAt={d.promisedDueAt} paused={!running} />
                </dd>
              </div>
              {d.apologyDueAt && (
                <div>
                  <dt>{t('dossier.legalDueAt')}</dt>
                  <dd>{d.dueAt ? formatDateTime(d.dueAt, lang) : t('common.none')}</dd>
                </div>
              )}
              {d.duplicateOf && (
                <div>
                  <dt>{t('dossier.duplicateOf')}</dt>
                  <dd>
                    <Link className="code" to={`/can-bo/ho-so/${encodeURIComponent(d.duplicateOf)}`}>
                      {d.duplicateOf}
                    </Link>
                  </dd>
                </div>
              )}
              {d.originalDueAt && d.originalDueAt !== d.dueAt && (
                <div>
                  <dt>{t('dossier.originalDueAt')}</dt>
                  <dd>{formatDateTime(d.originalDueAt, lang)}</dd>
                </div>
              )}
              {d.fastTrack && (
                <div>
                  <dt>{t('dossier.fastTrack')}</dt>
                  <dd>✓</dd>
                </div>
              )}
              <div>
                <dt>{t('dossier.trackingToken')}</dt>
                <dd className="code" data-testid="tracking-token">
                  {d.trackingToken}
                </dd>
              </div>
            </dl>
          </section>

          <Components dossier={d} onChanged={reload} setMessage={setMessage} />

          <Payments code={d.code} version={d.version} />

          <section className="card section" aria-labelledby="tl-h">
            <h2 id="tl-h">{t('dossier.timeline')}</h2>
            <ol className="timeline">
              {events.map((e) => (
                <li key={e.seq} className="timeline-item">
                  <p className="timeline-label">
                    <strong>{tOr(t, `action.${e.action}`, e.action)}</strong>
                    {e.fromStatus !== e.toStatus && <> → {tOr(t, `status.${e.toStatus}`, e.toStatus)}</>}
                  </p>
                  <p className="small muted">
                    {formatDateTime(e.at, lang)} · {e.unitNameVi ?? t('dossier.unitSystem')} ·{' '}
                    {t(
                      e.actorKind === 'citizen'
                        ? 'dossier.actorCitizen'
                        : e.actorKind === 'system'
                          ? 'dossier.actorSystem'
                          : 'dossier.actorStaff',
                    )}
                  </p>
                  {e.note && <p className="small event-note">{e.note}</p>}
                </li>
              ))}
            </ol>
          </section>

          <section className="card section" aria-labelledby="pc-h">
            <h2 id="pc-h">{t('dossier.processControl')}</h2>
            <table className="st-table">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">{t('dossier.pcFrom')}</th>
                  <th scope="col">{t('dossier.pcTo')}</th>
                  <th scope="col">{t('dossier.pcHanded')}</th>
                  <th scope="col">{t('dossier.pcDue')}</th>
                  <th scope="col">{t('dossier.pcDone')}</th>
                  <th scope="col">{t('dossier.pcOutcome')}</th>
                </tr>
              </thead>
              <tbody>
                {steps.map((s) => (
                  <tr key={s.seq}>
                    <th scope="row" data-label="#">
                      {s.seq}
                    </th>
                    <td data-label={t('dossier.pcFrom')}>{s.fromUnitNameVi ?? t('common.none')}</td>
                    <td data-label={t('dossier.pcTo')}>{s.toUnitNameVi}</td>
                    <td data-label={t('dossier.pcHanded')}>{formatDateTime(s.handedAt, lang)}</td>
                    <td data-label={t('dossier.pcDue')}>{s.dueAt ? formatDateTime(s.dueAt, lang) : t('common.none')}</td>
                    <td data-label={t('dossier.pcDone')}>{s.completedAt ? formatDateTime(s.completedAt, lang) : t('common.none')}</td>
                    <td data-label={t('dossier.pcOutcome')}>
                      <span className={`outcome outcome-${s.outcome ?? 'open'}`}>{t(`dossier.outcome.${s.outcome ?? 'open'}`)}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>

          <DossierNotices code={d.code} phone={d.applicant.phone} email={d.applicant.email ?? null} />
        </div>

        <aside className="dossier-side" aria-label={t('dossier.actions')}>
          <section className="card section" aria-labelledby="act-h">
            <h2 id="act-h">{t('dossier.actions')}</h2>
            {actions.length === 0 ? (
              <p className="muted">{t('dossier.noActions')}</p>
            ) : (
              <Actions dossier={d} actions={actions} onDone={done} />
            )}
          </section>
          {forms.length > 0 && (
            <section className="card section" aria-labelledby="pr-h">
              <h2 id="pr-h">{t('dossier.prints')}</h2>
              <ul className="print-list">
                {forms.map((f) => (
                  <li key={f}>
                    <BlobButton label={t(`forms.${f}`)} fileName={`${d.code}-mau-${f}.pdf`} load={() => fetchForm(d.code, f)} />
                  </li>
                ))}
              </ul>
            </section>
          )}
        </aside>
      </div>
    </div>
  );
}

/** The action buttons; each opens a small form asking for what the law needs (a reason, a date, a file). */
function Actions({
  dossier,
  actions,
  onDone,
}: {
  dossier: DossierView;
  actions: StaffAction[];
  onDone: (a: StaffAction, d: DossierView) => Promise<void>;
}) {
  const { t } = useStaffT();
  const [open, setOpen] = useState<StaffAction | null>(null);
  return (
    <div className="actions">
      <ul className="action-list">
        {actions.map((a) => (
          <li key={a}>
            <button
              type="button"
              className={`button ${a === 'refuse' || a === 'stop' || a === 'withdraw' ? 'button-danger' : 'button-primary'} button-block`}
              aria-expanded={open === a}
              aria-controls={open === a ? `action-form-${a}` : undefined}
              onClick={() => setOpen(open === a ? null : a)}
            >
              {t(`action.${a}`)}
            </button>
            {open === a && (
              <ActionForm
                key={`${a}-${dossier.version}`}
                dossier={dossier}
                action={a}
                onCancel={() => setOpen(null)}
                onDone={async (next) => {
                  setOpen(null);
                  await onDone(a, next);
                }}
              />
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function ActionForm({
  dossier,
  action,
  onCancel,
  onDone,
}: {
  dossier: DossierView;
  action: StaffAction;
  onCancel: () => void;
  onDone: (d: DossierView) => Promise<void>;
}) {
  const { t } = useStaffT();
  const id = useId();
  const input = ACTION_INPUT[action];
  const [note, setNote] = useState('');
  const [date, setDate] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [feeName, setFeeName] = useState('');
  const [feeAmount, setFeeAmount] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [dupReason, setDupReason] = useState('');
  const first = useRef<HTMLTextAreaElement & HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  // Receiving an online submission of an applicant with another open dossier of the procedure: the clerk decides.
  const duplicate = action === 'receive' && problem?.code === 'DUPLICATE_DOSSIER';

  const submit = async (e: FormEvent, override = false) => {
    e.preventDefault();
    if (override && dupReason.trim().length < 3) return setInvalid(t('intake.errDuplicateReason'));
    setProblem(null);
    if ((input === 'reason' || input === 'date') && !note.trim()) return setInvalid(t('dossier.reasonRequired'));
    if (input === 'date' && !date) return setInvalid(t('dossier.dateRequired'));
    if (input === 'file' && !file) return setInvalid(t('dossier.fileRequired'));
    const amount = Number(feeAmount.replace(/[.\s]/g, ''));
    if (input === 'fee' && (feeName.trim() || feeAmount.trim()) && !(feeName.trim() && Number.isSafeInteger(amount) && amount > 0))
      return setInvalid(t('dossier.feeInvalid'));
    setInvalid(null);
    const base = { version: dossier.version, ...(note.trim() ? { note: note.trim() } : {}) };
    const path = { params: { path: { code: dossier.code } } };
    let r: Result<DossierView>;
    if (action === 'result') {
      setBusy(t('dossier.uploading'));
      const up = await uploadStaffFile(file!);
      if (!up.ok) {
        setBusy(null);
        return setProblem(up.problem);
      }
      setBusy(t('dossier.working'));
      r = await settle(staffApi.POST('/dossiers/{code}/result', { ...path, body: { ...base, resultFileSha256: up.data.sha256 } }));
    } else if (action === 'apologize') {
      setBusy(t('dossier.working'));
      // The new date is a day: the due time is the close of office hours, Vietnam time.
      r = await settle(
        staffApi.POST('/dossiers/{code}/apologize', {
          ...path,
          body: { version: dossier.version, note: note.trim(), newDueAt: new Date(`${date}T17:00:00+07:00`).toISOString() },
        }),
      );
    } else if (action === 'request_payment' && feeName.trim()) {
      setBusy(t('dossier.working'));
      r = await settle(
        staffApi.POST('/dossiers/{code}/request-payment', {
          ...path,
          body: { ...base, fees: [{ nameVi: feeName.trim(), amountVnd: amount }] },
        }),
      );
    } else if (override) {
      setBusy(t('dossier.working'));
      r = await settle(
        staffApi.POST('/dossiers/{code}/receive', { ...path, body: { ...base, duplicateOverride: { reason: dupReason.trim() } } }),
      );
    } else {
      setBusy(t('dossier.working'));
      // Every simple action has the same body (version and note): one typed call serves them all.
      r = await settle(staffApi.POST(ACTION_PATH[action] as '/dossiers/{code}/forward', { ...path, body: base }));
    }
    setBusy(null);
    if (!r.ok) return setProblem(r.problem);
    await onDone(r.data);
  };

  const errId = `${id}-err`;
  return (
    <form id={`action-form-${action}`} className="action-form" onSubmit={(e) => void submit(e)} noValidate>
      {input === 'date' && (
        <div className="field">
          <label htmlFor={`${id}-d`}>{t('dossier.newDue')}</label>
          <input
            ref={first}
            id={`${id}-d`}
            type="date"
            value={date}
            onChange={(e) => setDate(e.target.value)}
            required
            aria-invalid={invalid && !date ? true : undefined}
            aria-describedby={invalid ? errId : undefined}
          />
        </div>
      )}
      {input === 'file' && (
        <div className="field">
          <label htmlFor={`${id}-f`}>{t('dossier.resultFile')}</label>
          <input
            ref={first}
            id={`${id}-f`}
            type="file"
            accept="application/pdf,image/jpeg,image/png,image/tiff"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            required
            aria-invalid={invalid && !file ? true : undefined}
            aria-describedby={invalid ? errId : undefined}
          />
        </div>
      )}
      {input === 'fee' && (
        <fieldset className="fee-assessed">
          <legend>{t('dossier.feeAssessed')}</legend>
          <p className="muted small">{t('dossier.feeAssessedHint', { amount: formatVnd(dossier.feeTotalVnd) })}</p>
          <div className="field">
            <label htmlFor={`${id}-fn`}>{t('dossier.feeName')}</label>
            <input id={`${id}-fn`} value={feeName} maxLength={300} onChange={(e) => setFeeName(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-fa`}>{t('dossier.feeAmount')}</label>
            <input id={`${id}-fa`} inputMode="numeric" value={feeAmount} maxLength={15} onChange={(e) => setFeeAmount(e.target.value)} />
          </div>
        </fieldset>
      )}
      <div className="field">
        <label htmlFor={`${id}-n`}>{input === 'reason' || input === 'date' ? t('dossier.reason') : t('dossier.note')}</label>
        <textarea
          ref={input === 'reason' || input === 'note' || input === 'fee' ? first : undefined}
          id={`${id}-n`}
          rows={3}
          maxLength={4000}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          required={input === 'reason' || input === 'date'}
          aria-invalid={invalid && (input === 'reason' || input === 'date') && !note.trim() ? true : undefined}
          aria-describedby={invalid ? errId : undefined}
        />
      </div>
      <p id={errId} className="field-error" role={invalid ? 'alert' : undefined}>
        {invalid}
      </p>
      {problem && (
        <ProblemAlert
          problem={problem}
          message={
            problem.status === 400 || problem.status === 409 || problem.status === 422 || problem.status === 403
              ? problem.detail
              : undefined
          }
        />
      )}
      {duplicate && (
        <div className="field">
          <label htmlFor={`${id}-dup`}>{t('intake.duplicateReason')}</label>
          <textarea id={`${id}-dup`} rows={2} maxLength={1000} value={dupReason} onChange={(e) => setDupReason(e.target.value)} />
          <button type="button" className="button button-secondary" disabled={busy !== null} onClick={(e) => void submit(e, true)}>
            {t('intake.duplicateOverride')}
          </button>
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy !== null} aria-busy={busy !== null}>
          {busy ?? t('dossier.confirm')}
        </button>
        <button type="button" className="button button-secondary" onClick={onCancel}>
          {t('dossier.cancel')}
        </button>
      </div>
    </form>
  );
}

/** The components, with their files (fetched with the token) and an attach form for paper ones not yet scanned. */
function Components({
  dossier: d,
  onChanged,
  setMessage,
}: {
  dossier: DossierView;
  onChanged: () => Promise<void>;
  setMessage: (m: string) => void;
}) {
  const { t } = useStaffT();
  const { me } = useSession();
  // Only the receiving point digitizes components (the API says OUT_OF_SCOPE to anyone else).
  const canAttach = me.role === 'clerk' && me.unitId === d.receivingUnit.id;
  return (
    <section className="card section" aria-labelledby="comp-h">
      <h2 id="comp-h">{t('dossier.components')}</h2>
      <table className="st-table">
        <thead>
          <tr>
            <th scope="col">{t('dossier.compName')}</th>
            <th scope="col">{t('dossier.compSource')}</th>
            <th scope="col">{t('dossier.compDigitized')}</th>
            <th scope="col">{t('dossier.compFile')}</th>
          </tr>
        </thead>
        <tbody>
          {d.components.map((c) => (
            <tr key={c.code}>
              <th scope="row" data-label={t('dossier.compName')}>
                {c.nameVi}
                <span className="muted small block">
                  {c.code} · {tOr(t, `dossier.form.${c.form}`, c.form)} × {c.count}
                </span>
              </th>
              <td data-label={t('dossier.compSource')}>{tOr(t, `dossier.source.${c.source}`, c.source)}</td>
              <td data-label={t('dossier.compDigitized')}>
                <span className={c.digitized ? 'digitized yes' : 'digitized no'}>
                  <span aria-hidden="true">{c.digitized ? '✓ ' : '✗ '}</span>
                  {c.digitized ? t('dossier.digitized') : t('dossier.notDigitized')}
                </span>
              </td>
              <td data-label={t('dossier.compFile')}>
                {c.fileSha256 ? (
                  <BlobButton
                    className="link-button"
                    label={t('dossier.openFile')}
                    fileName={`${d.code}-${c.code}`}
                    load={() => fetchFile(c.fileSha256!)}
                  />
                ) : !c.digitized && canAttach ? (
                  <AttachForm
                    dossier={d}
                    component={c}
                    onDone={async () => {
                      setMessage(t('dossier.attached', { name: c.nameVi }));
                      await onChanged();
                    }}
                  />
                ) : (
                  <span className="muted">{t('common.none')}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/**
 * While the dossier waits for a supplement: what was asked, and for the clerk of the receiving point, a form
 * to attach each supplementary document to its component (PUT /dossiers/{code}/components/{component}) before
 * recording "supplement received" with the actions.
 */
function SupplementPanel({
  dossier: d,
  events,
  onChanged,
  setMessage,
}: {
  dossier: DossierView;
  events: DossierEvent[];
  onChanged: () => Promise<void>;
  setMessage: (m: string) => void;
}) {
  const { t, lang } = useStaffT();
  const { me } = useSession();
  const id = useId();
  const request = events.findLast((e) => e.action === 'request_supplement');
  const canAttach = me.role === 'clerk' && me.unitId === d.receivingUnit.id;
  const [procedure, setProcedure] = useState<{ code: string; nameVi: string; nameEn: string }[]>([]);
  const [component, setComponent] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [inputKey, setInputKey] = useState(0);
  const [busy, setBusy] = useState(false);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    if (!canAttach) return;
    // The procedure's other components too: a supplement may be a document that was not filed at first.
    void settle(staffApi.GET('/procedures/{code}', { params: { path: { code: d.procedure.code } } })).then(
      (r) => r.ok && setProcedure(r.data.version.components),
    );
  }, [canAttach, d.procedure.code]);
  const options = [
    ...d.components.map((c) => ({ code: c.code, name: c.nameVi })),
    ...procedure
      .filter((p) => !d.components.some((c) => c.code === p.code))
      .map((p) => ({ code: p.code, name: lang === 'en' ? p.nameEn : p.nameVi })),
  ];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    if (!component || !file) return setInvalid(t('dossier.supPickRequired'));
    setInvalid(null);
    setBusy(true);
    const up = await uploadStaffFile(file);
    const r = up.ok
      ? await settle(
          staffApi.PUT('/dossiers/{code}/components/{componentCode}', {
            params: { path: { code: d.code, componentCode: component } },
            body: { version: d.version, fileSha256: up.data.sha256 },
          }),
        )
      : up;
    setBusy(false);
    if (!r.ok) return setProblem(r.problem);
    const name = options.find((o) => o.code === component)?.name ?? component;
    setComponent('');
    setFile(null);
    setInputKey((k) => k + 1);
    setMessage(t('dossier.supAttached', { name }));
    await onChanged();
  };

  return (
    <section className="card section supplement-panel" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{canAttach ? t('dossier.supTitle') : t('status.supplement_requested')}</h2>
      {request?.note && (
        <>
          <p className="supplement-asked">{t('dossier.supAsked')}:</p>
          <blockquote className="supplement-reason" data-testid="supplement-reason">
            {request.note}
          </blockquote>
          <p className="small muted">
            {formatDateTime(request.at, lang)} · {request.unitNameVi ?? t('dossier.unitSystem')}
          </p>
        </>
      )}
      {!canAttach ? (
        <p>{t('dossier.supWaiting')}</p>
      ) : (
        <>
          <p>{t('dossier.supSteps')}</p>
          <form className="supplement-form" onSubmit={(e) => void submit(e)} noValidate>
            <div className="field-row">
              <div className="field">
                <label htmlFor={`${id}-c`}>{t('dossier.supComponent')}</label>
                <select
                  id={`${id}-c`}
                  value={component}
                  onChange={(e) => setComponent(e.target.value)}
                  aria-invalid={invalid && !component ? true : undefined}
                  aria-describedby={invalid ? `${id}-err` : undefined}
                >
                  <option value="">{t('dossier.supPick')}</option>
                  {options.map((o) => (
                    <option key={o.code} value={o.code}>
                      {o.name} ({o.code})
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor={`${id}-f`}>{t('dossier.supFile')}</label>
                <input
                  key={inputKey}
                  id={`${id}-f`}
                  type="file"
                  accept="application/pdf,image/jpeg,image/png,image/tiff"
                  onChange={(e) => setFile(e.target.files?.[0] ?? null)}
                  aria-invalid={invalid && !file ? true : undefined}
                  aria-describedby={invalid ? `${id}-err` : undefined}
                />
              </div>
            </div>
            <p id={`${id}-err`} className="field-error" role={invalid ? 'alert' : undefined}>
              {invalid}
            </p>
            {problem && (
              <ProblemAlert
                problem={problem}
                message={problem.status === 409 || problem.status === 403 || problem.status === 400 ? problem.detail : undefined}
              />
            )}
            <button type="submit" className="button button-secondary" disabled={busy} aria-busy={busy}>
              {busy ? t('dossier.uploading') : t('dossier.supAttach')}
            </button>
          </form>
        </>
      )}
    </section>
  );
}

function AttachForm({
  dossier,
  component,
  onDone,
}: {
  dossier: DossierView;
  component: DossierView['components'][number];
  onDone: () => Promise<void>;
}) {
  const { t, lang } = useStaffT();
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setProblem(null);
    const up = await uploadStaffFile(file);
    const r = up.ok
      ? await settle(
          staffApi.PUT('/dossiers/{code}/components/{componentCode}', {
            params: { path: { code: dossier.code, componentCode: component.code } },
            body: { version: dossier.version, fileSha256: up.data.sha256 },
          }),
        )
      : up;
    setBusy(false);
    if (!r.ok) return setProblem(r.problem);
    await onDone();
  };
  return (
    <form className="attach-form" onSubmit={(e) => void submit(e)}>
      <label htmlFor={`${id}-f`} className="small">
        {t('dossier.attachFor', { name: component.nameVi })}
      </label>
      <input
        id={`${id}-f`}
        type="file"
        accept="application/pdf,image/jpeg,image/png,image/tiff"
        onChange={(e) => setFile(e.target.files?.[0] ?? null)}
      />
      {file && <span className="small muted">{formatBytes(file.size, lang)}</span>}
      <button type="submit" className="button button-secondary button-small" disabled={!file || busy} aria-busy={busy}>
        {busy ? t('dossier.uploading') : t('dossier.attach')}
      </button>
      {problem && <ProblemAlert problem={problem} />}
    </form>
  );
}

type PaymentsView = { code: string; payment: Awaited<ReturnType<typeof loadPayments>> };

async function loadPayments(code: string) {
  return settle(staffApi.GET('/dossiers/{code}/payments', { params: { path: { code } } }));
}

/** The dossier's fee lines and payments: receipts to print, and the cash a clerk hands back after a stop. */
function Payments({ code, version }: { code: string; version: number }) {
  const { t, lang } = useStaffT();
  const [view, setView] = useState<PaymentsView | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const load = useCallback(async () => setView({ code, payment: await loadPayments(code) }), [code]);
  useEffect(() => {
    void load();
  }, [load, version]);
  const r = view?.payment;
  if (!r) return null;
  if (!r.ok) return <ProblemAlert problem={r.problem} />;
  const p = r.data;
  if (p.totalVnd === 0 && p.payments.length === 0) return null;
  const refunded = async (txnRef: string) => {
    setProblem(null);
    const x = await settle(staffApi.POST('/payments/{txnRef}/refunded', { params: { path: { txnRef } } }));
    if (!x.ok) return setProblem(x.problem);
    await load();
  };
  return (
    <section className="card section" aria-labelledby="pay-h" data-testid="staff-payments">
      <h2 id="pay-h">{t('payments.title')}</h2>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t('payments.line')}</th>
            <th scope="col">{t('payments.stage')}</th>
            <th scope="col" className="num">
              {t('payments.amount')}
            </th>
          </tr>
        </thead>
        <tbody>
          {p.fees.map((f, i) => (
            <tr key={i}>
              <td>{lang === 'en' ? f.nameEn : f.nameVi}</td>
              <td>{tOr(t, `payments.stage_${f.stage}`, f.stage)}</td>
              <td className="num">{formatVnd(f.amountVnd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>{t('payments.summary', { total: formatVnd(p.totalVnd), paid: formatVnd(p.paidVnd), due: formatVnd(p.dueVnd) })}</p>
      {p.payments.length > 0 && (
        <ul className="payment-list">
          {p.payments.map((x) => (
            <li key={x.txnRef}>
              <span>
                <span className="code">{x.txnRef}</span> · {tOr(t, `payments.method_${x.method}`, x.method)} · {formatVnd(x.amountVnd)} ·{' '}
                {tOr(t, `payments.status_${x.status}`, x.status)}
                {x.paidAt && <span className="muted"> · {formatDateTime(x.paidAt, lang)}</span>}
              </span>
              <span className="actions-inline">
                {x.receiptNo && (
                  <BlobButton
                    label={t('payments.receipt', { no: x.receiptNo })}
                    fileName={`bien-lai-${x.receiptNo}.pdf`}
                    load={() => fetchReceipt(code, x.txnRef)}
                  />
                )}
                {x.method === 'counter' && x.status === 'refund_pending' && (
                  <button type="button" className="button button-secondary" onClick={() => void refunded(x.txnRef)}>
                    {t('payments.markRefunded')}
                  </button>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
      {problem && <ProblemAlert problem={problem} />}
    </section>
  );
}

type DossierNotice = NonNullable<Awaited<ReturnType<typeof loadNotices>>['data']>[number];

function loadNotices(code: string) {
  return staffApi.GET('/dossiers/{code}/notices', { params: { path: { code } } });
}

/**
 * The SMS and e-mail notices of the dossier (kind, channel, masked recipient, status, times), loaded on its own, and
 * the applicant's request at the counter to stop a channel (any staff member who may see the dossier records it).
 */
function DossierNotices({ code, phone, email }: { code: string; phone: string | null; email: string | null }) {
  const { t, lang } = useStaffT();
  const [rows, setRows] = useState<DossierNotice[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    void settle(loadNotices(code)).then((r) => {
      if (!live) return;
      if (r.ok) setRows(r.data);
      else setProblem(r.problem);
    });
    return () => {
      live = false;
    };
  }, [code, attempt]);
  const time = (iso: string | null) => (iso ? formatDateTime(iso, lang) : t('common.none'));
  return (
    <section className="card section" aria-labelledby="nt-h" data-testid="dossier-notices">
      <h2 id="nt-h">{t('dossier.notices.title')}</h2>
      {problem ? (
        <ProblemAlert problem={problem} />
      ) : rows === null ? (
        <Loading label={t('common.loading')} />
      ) : rows.length === 0 ? (
        <p className="muted">{t('dossier.notices.none')}</p>
      ) : (
        <table className="st-table">
          <thead>
            <tr>
              <th scope="col">{t('dossier.notices.kind')}</th>
              <th scope="col">{t('dossier.notices.channel')}</th>
              <th scope="col">{t('dossier.notices.recipient')}</th>
              <th scope="col">{t('dossier.notices.status')}</th>
              <th scope="col">{t('dossier.notices.created')}</th>
              <th scope="col">{t('dossier.notices.sent')}</th>
              <th scope="col">{t('dossier.notices.delivered')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((n) => (
              <tr key={n.id}>
                <th scope="row" data-label={t('dossier.notices.kind')}>
                  {tOr(t, `dossier.notices.kinds.${n.kind}`, n.kind)}
                </th>
                <td data-label={t('dossier.notices.channel')}>{t(`dossier.notices.channels.${n.channel}`)}</td>
                <td data-label={t('dossier.notices.recipient')}>{n.recipient}</td>
                <td data-label={t('dossier.notices.status')}>{t(`dossier.notices.statuses.${n.status}`)}</td>
                <td data-label={t('dossier.notices.created')}>{time(n.createdAt)}</td>
                <td data-label={t('dossier.notices.sent')}>{time(n.sentAt)}</td>
                <td data-label={t('dossier.notices.delivered')}>{time(n.deliveredAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(phone || email) && <StopNotices code={code} phone={phone} email={email} onDone={() => setAttempt((n) => n + 1)} />}
    </section>
  );
}

type NoticeChannel = DossierNotice['channel'];

/** "Dừng gửi SMS" / "Dừng gửi thư điện tử": a confirm step naming the address, then the server's answer. */
function StopNotices({ code, phone, email, onDone }: { code: string; phone: string | null; email: string | null; onDone: () => void }) {
  const { t } = useStaffT();
  const id = useId();
  const [asking, setAsking] = useState<NoticeChannel | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const what = (c: NoticeChannel) => t(`dossier.notices.optOut.what.${c}`);
  const stop = async (channel: NoticeChannel) => {
    setBusy(true);
    setProblem(null);
    setResult(null);
    const r = await settle(staffApi.POST('/dossiers/{code}/notices/opt-out', { params: { path: { code } }, body: { channel } }));
    setBusy(false);
    setAsking(null);
    if (!r.ok) return setProblem(r.problem);
    setResult(r.data.already ? t(`dossier.notices.optOut.already.${channel}`) : t(`dossier.notices.optOut.done.${channel}`));
    onDone();
  };
  const channels: [NoticeChannel, string | null][] = [
    ['sms', phone],
    ['email', email],
  ];
  return (
    <div className="notices-opt-out" data-testid="notices-opt-out">
      <p className="muted small">{t('dossier.notices.optOut.optOutLead')}</p>
      {asking ? (
        <div className="notice notice-amber" role="group" aria-labelledby={`${id}-ask`}>
          <p id={`${id}-ask`}>{t('dossier.notices.optOut.ask', { what: what(asking), to: (asking === 'sms' ? phone : email) ?? '' })}</p>
          <div className="form-actions">
            <button type="button" className="button button-danger" disabled={busy} aria-busy={busy} onClick={() => void stop(asking)}>
              {t('dossier.notices.optOut.confirm')}
            </button>
            <button type="button" className="button button-secondary" disabled={busy} onClick={() => setAsking(null)}>
              {t('dossier.notices.optOut.cancel')}
            </button>
          </div>
        </div>
      ) : (
        <div className="form-actions">
          {channels.map(
            ([c, address]) =>
              address && (
                <button
                  key={c}
                  type="button"
                  className="button button-secondary"
                  onClick={() => {
                    setResult(null);
                    setProblem(null);
                    setAsking(c);
                  }}
                >
                  {c === 'sms' ? t('dossier.notices.optOut.stopSms') : t('dossier.notices.optOut.stopEmail')}
                </button>
              ),
          )}
        </div>
      )}
      <div aria-live="polite">
        {result && (
          <p className="alert alert-success" data-testid="opt-out-result">
            {result}
          </p>
        )}
        {problem && <ProblemAlert problem={problem} />}
      </div>
    </div>
  );
}
