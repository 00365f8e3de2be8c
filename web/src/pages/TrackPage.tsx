import { useCallback, useEffect, useRef, useState, type FormEvent, type RefObject } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { api, settle, type Problem, type Rating, type Tracking } from '../api/client';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatDateTime } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { problemMessage } from '../lib/problem';
import { TRACKING_CODE, tokenFromHash, trackingHref, trackingPath } from './TrackPage.model';
import { useRetryKey } from '../lib/useRetryKey';
import { PaymentPanel } from './PaymentPanel';

/** What the look-up sent: the receipt's token (from its QR code) or the last 4 phone digits. */
type Secret = { token: string } | { phone: string };

type Lookup =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'ok'; data: Tracking; secret: Secret }
  | { status: 'error'; problem: Problem; secret: Secret };

/** Portal status codes 1–10 grouped for the status colour. */
function tone(portalStatus: number): string {
  if ([3, 7, 8].includes(portalStatus)) return 'status-grey';
  if ([5, 6].includes(portalStatus)) return 'status-amber';
  if ([9, 10].includes(portalStatus)) return 'status-green';
  return 'status-blue';
}

/**
 * /tra-cuu, /tra-cuu/:code and /tra-cuu/:code#<token>. The receipt's QR code opens the last one: the token is in
 * the fragment, which the browser never sends to a server, and the page sends it to the API, so nothing is asked.
 * Without a token the citizen gives the last 4 digits of their phone; once they are right the address becomes
 * the token's, so a reload or a bookmark needs no digits. The digits never go in the address bar.
 */
export default function TrackPage() {
  const { code: codeParam = '' } = useParams();
  const location = useLocation();
  const navigate = useNavigate();
  const { t } = useTranslation();
  const statePhone = (location.state as { phone?: string } | null)?.phone;
  const hashToken = tokenFromHash(location.hash);
  const [code, setCode] = useState(codeParam);
  const [phone, setPhone] = useState(statePhone ?? '');
  const [errors, setErrors] = useState<{ code?: string; phone?: string }>({});
  const [lookup, setLookup] = useState<Lookup>({ status: 'idle' });
  const phoneRef = useRef<HTMLInputElement>(null);
  const resultRef = useRef<HTMLHeadingElement>(null);
  const ac = useRef<AbortController | null>(null);
  // The dossier and token of the answer on screen: switching the address to the token URL needs no new look-up.
  const shown = useRef<{ code: string; token: string } | null>(null);
  usePageTitle(codeParam ? t('track.titleFor', { code: codeParam }) : t('track.title'));

  const run = useCallback(
    async (c: string, secret: Secret, focusResult: boolean) => {
      ac.current?.abort();
      const controller = new AbortController();
      ac.current = controller;
      setLookup({ status: 'loading' });
      try {
        const r = await settle(
          api.GET('/public/dossiers/{code}', { params: { path: { code: c }, query: secret }, signal: controller.signal }),
        );
        if (controller.signal.aborted) return;
        if (r.ok) {
          shown.current = { code: r.data.code, token: r.data.trackingToken };
          setLookup({ status: 'ok', data: r.data, secret: { token: r.data.trackingToken } });
          // Found by the digits: the address becomes the token's (as on the receipt), without the digits.
          if ('phone' in secret) navigate(trackingHref(r.data.code, r.data.trackingToken), { replace: true });
        } else setLookup({ status: 'error', problem: r.problem, secret });
        if (focusResult) requestAnimationFrame(() => resultRef.current?.focus());
      } catch {
        // Replaced by a newer look-up.
      }
    },
    [navigate],
  );

  // Opened from the receipt's QR code (a token), or after a submission or the form (the digits in the state).
  useEffect(() => {
    setCode(codeParam);
    const valid = Boolean(codeParam) && TRACKING_CODE.test(codeParam);
    if (valid && hashToken) {
      if (shown.current?.code === codeParam && shown.current.token === hashToken) return;
      void run(codeParam, { token: hashToken }, false);
    } else if (valid && statePhone) void run(codeParam, { phone: statePhone }, false);
    else {
      shown.current = null;
      setLookup({ status: 'idle' });
      if (codeParam) phoneRef.current?.focus();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [codeParam, hashToken]);
  useEffect(() => () => ac.current?.abort(), []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const c = code.trim().toUpperCase();
    const p = phone.trim();
    const next = {
      code: TRACKING_CODE.test(c) ? undefined : t('track.codeInvalid'),
      phone: /^\d{4}$/.test(p) ? undefined : t('track.phoneInvalid'),
    };
    setErrors(next);
    if (next.code || next.phone) {
      document.getElementById(next.code ? 'tr-code' : 'tr-phone')?.focus();
      return;
    }
    setCode(c);
    if (c !== codeParam || hashToken) navigate(trackingPath(c), { replace: Boolean(codeParam), state: { phone: p } });
    else void run(c, { phone: p }, true);
  };

  const byToken = lookup.status !== 'idle' && lookup.status !== 'loading' && 'token' in lookup.secret;
  const notFound =
    lookup.status === 'error' && lookup.problem.status === 404 ? t(byToken ? 'track.tokenNotFound' : 'track.notFound') : undefined;
  // Opened by a token: the form (the fallback) only appears if the token does not work.
  const showForm = !(hashToken && codeParam) || lookup.status === 'error';

  return (
    <div className="container page narrow">
      <PageHeading>{t('track.title')}</PageHeading>
      {showForm && <p className="lead">{t('track.lead')}</p>}
      {showForm && (
        <form className="track-form card" onSubmit={submit} noValidate aria-label={t('track.formLabel')}>
          <div className={errors.code ? 'field field-invalid' : 'field'}>
            <label htmlFor="tr-code">{t('track.code')}</label>
            <p id="tr-code-hint" className="hint">
              {t('track.codeHint')}
            </p>
            <input
              id="tr-code"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              autoCapitalize="characters"
              maxLength={40}
              aria-invalid={Boolean(errors.code)}
              aria-describedby="tr-code-hint tr-code-error"
              className="code-input"
            />
            <p id="tr-code-error" className="field-error" aria-live="polite">
              {errors.code}
            </p>
          </div>
          <div className={errors.phone ? 'field field-invalid' : 'field'}>
            <label htmlFor="tr-phone">{t('track.phone4')}</label>
            <p id="tr-phone-hint" className="hint">
              {t('track.phoneHint')}
            </p>
            <input
              id="tr-phone"
              ref={phoneRef}
              value={phone}
              onChange={(e) => setPhone(e.target.value)}
              inputMode="numeric"
              maxLength={4}
              autoComplete="off"
              className="input-short"
              aria-invalid={Boolean(errors.phone)}
              aria-describedby="tr-phone-hint tr-phone-error"
            />
            <p id="tr-phone-error" className="field-error" aria-live="polite">
              {errors.phone}
            </p>
          </div>
          <button type="submit" className="button button-primary" disabled={lookup.status === 'loading'}>
            {t('track.submit')}
          </button>
        </form>
      )}

      <div className="track-result" aria-live="polite">
        {lookup.status === 'loading' && <Loading label={t('track.looking')} />}
        {lookup.status === 'error' && (
          <ProblemAlert
            problem={lookup.problem}
            message={notFound}
            showDetail={lookup.problem.status !== 404 && lookup.problem.status !== 429}
          />
        )}
      </div>
      {lookup.status === 'ok' && <TrackingResult data={lookup.data} secret={lookup.secret} headingRef={resultRef} />}
    </div>
  );
}

function TrackingResult({
  data: d,
  secret,
  headingRef,
}: {
  data: Tracking;
  secret: Secret;
  headingRef: RefObject<HTMLHeadingElement | null>;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const en = lang === 'en';
  const when = (iso: string | null) => (iso ? formatDateTime(iso, lang) : '—');
  return (
    <section className="tracking card" aria-labelledby="tracking-title">
      <h2 id="tracking-title" ref={headingRef} tabIndex={-1}>
        <span className="visually-hidden">{t('track.status')}: </span>
        <span className={`status ${tone(d.portalStatus)}`} data-testid="tracking-status">
          {en ? d.statusEn : d.statusVi}
        </span>
      </h2>
      {d.supplement && (
        <div className="notice notice-amber supplement-notice" data-testid="supplement">
          <h3>{t('track.supplementTitle')}</h3>
          <p className="supplement-reason-label">{t('track.supplementReason')}:</p>
          <blockquote className="supplement-reason" lang="vi">
            {d.supplement.reason}
          </blockquote>
          <p className="small">
            {t('track.supplementAsked', { unit: d.supplement.unitNameVi ?? '—', at: when(d.supplement.requestedAt) })}
          </p>
          <p>{t('track.supplementHow', { unit: d.receivingPointNameVi })}</p>
        </div>
      )}
      <PaymentPanel code={d.code} payment={d.payment} secret={secret} />
      {d.status === 'result_ready' && (
        <p className="notice notice-green" data-testid="result-ready">
          {t('track.resultReady', { unit: d.returnPointNameVi })}
        </p>
      )}
      <dl className="facts-grid">
        <div>
          <dt>{t('track.code')}</dt>
          <dd className="code">{d.code}</dd>
        </div>
        <div className="span-2">
          <dt>{t('track.procedure')}</dt>
          <dd>
            <Link to={`/thu-tuc/${encodeURIComponent(d.procedure.code)}`}>{en ? d.procedure.nameEn : d.procedure.nameVi}</Link>
          </dd>
        </div>
        <div>
          <dt>{t('track.applicant')}</dt>
          <dd>
            {d.applicantName}
            <span className="muted small block">
              {t('track.idNumber')}: {d.applicantIdNumber}
            </span>
          </dd>
        </div>
        {d.submittedAt && (
          <div>
            <dt>{t('track.submittedAt')}</dt>
            <dd>{when(d.submittedAt)}</dd>
          </div>
        )}
        <div>
          <dt>{t('track.receivedAt')}</dt>
          <dd>{d.receivedAt ? when(d.receivedAt) : t('track.notYetReceived')}</dd>
        </div>
        <div>
          <dt>{t('track.dueAt')}</dt>
          <dd className={d.newDueAt ? 'struck' : undefined} data-testid="tracking-due">
            {d.dueAt ? when(d.dueAt) : t('track.dueAfterReceipt')}
            {d.supplement && <span className="muted small block">{t('track.duePaused')}</span>}
          </dd>
        </div>
        {d.newDueAt && (
          <div className="highlight">
            <dt>{t('track.newDueAt')}</dt>
            <dd>
              <strong>{when(d.newDueAt)}</strong>
            </dd>
          </div>
        )}
        {d.returnedAt && (
          <div>
            <dt>{t('track.returnedAt')}</dt>
            <dd>{when(d.returnedAt)}</dd>
          </div>
        )}
        <div>
          <dt>{t('track.receivingPoint')}</dt>
          <dd lang="vi">{d.receivingPointNameVi}</dd>
        </div>
        <div>
          <dt>{t('track.returnPoint')}</dt>
          <dd lang="vi">{d.returnPointNameVi}</dd>
        </div>
      </dl>
      <p className="muted small">{t('track.timeZoneNote')}</p>

      <h3>{t('track.timeline')}</h3>
      <ol className="timeline">
        {d.timeline.map((e, i) => (
          <li key={i} className={i === d.timeline.length - 1 ? 'timeline-item timeline-current' : 'timeline-item'}>
            <p className="timeline-label">{en ? e.labelEn : e.labelVi}</p>
            <p className="muted small">
              <time dateTime={e.at}>{when(e.at)}</time>
              {e.unitNameVi && (
                <>
                  <span aria-hidden="true"> · </span>
                  <span lang="vi">{e.unitNameVi}</span>
                </>
              )}
            </p>
            {e.note && (
              <p className="small timeline-note">
                {t('track.reason')}: <span lang="vi">{e.note}</span>
              </p>
            )}
          </li>
        ))}
      </ol>

      <p className="feedback-link">
        <Link to="/phan-anh" state={{ feedbackAbout: { dossierCode: d.code, secret } }} className="button button-secondary">
          {t('track.feedbackLink')}
        </Link>
      </p>

      {d.canRate ? (
        <RatingForm code={d.code} secret={secret} />
      ) : (
        d.rating && <p className="rated">{t('rating.already', { rating: t(`rating.${d.rating as Rating}`) })}</p>
      )}
    </section>
  );
}

function RatingForm({ code, secret }: { code: string; secret: Secret }) {
  const { t } = useTranslation();
  const [rating, setRating] = useState<Rating | ''>('');
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [sending, setSending] = useState(false);
  const [done, setDone] = useState<Rating | null>(null);
  const options: Rating[] = ['satisfied', 'acceptable', 'not_satisfied'];

  const retry = useRetryKey();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!rating) {
      setError(t('rating.choose'));
      document.getElementById('rating-satisfied')?.focus();
      return;
    }
    setError(null);
    setProblem(null);
    setSending(true);
    const body = { ...secret, rating, ...(comment.trim() ? { comment: comment.trim() } : {}) };
    const r = await settle(
      api.POST('/public/dossiers/{code}/rating', {
        params: { path: { code } },
        body,
        headers: { 'idempotency-key': retry.keyFor({ code, ...body }) },
      }),
    );
    retry.settled(r.ok ? null : r.problem);
    setSending(false);
    if (r.ok) setDone(rating);
    else setProblem(r.problem);
  };

  if (done) {
    return (
      <div className="rating-done" role="status">
        <h3>{t('rating.thanks')}</h3>
        <p>{t('rating.already', { rating: t(`rating.${done}`) })}</p>
        {done === 'not_satisfied' && (
          <p>
            <Link to="/phan-anh" state={{ feedbackAbout: { dossierCode: code, secret } }}>
              {t('rating.feedbackInvite')}
            </Link>
          </p>
        )}
      </div>
    );
  }
  return (
    <form className="rating-form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="rating-title">
      <h3 id="rating-title">{t('rating.title')}</h3>
      <fieldset aria-describedby="rating-error">
        <legend>{t('rating.question')}</legend>
        <div className="rating-options">
          {options.map((o) => (
            <label key={o} className={`rating-option rating-${o}`}>
              <input id={`rating-${o}`} type="radio" name="rating" value={o} checked={rating === o} onChange={() => setRating(o)} />
              <span>{t(`rating.${o}`)}</span>
            </label>
          ))}
        </div>
        <p id="rating-error" className="field-error" aria-live="polite">
          {error}
        </p>
      </fieldset>
      <div className="field">
        <label htmlFor="rating-comment">
          {t('rating.comment')} <span className="optional">({t('submit.optional')})</span>
        </label>
        <textarea id="rating-comment" value={comment} onChange={(e) => setComment(e.target.value)} maxLength={2000} rows={3} />
      </div>
      {problem && (
        <ProblemAlert
          problem={problem}
          message={problem.code === 'ALREADY_RATED' ? t('errors.alreadyRated') : problemMessage(t, problem)}
        />
      )}
      <button type="submit" className="button button-primary" disabled={sending}>
        {sending ? t('common.sending') : t('rating.submit')}
      </button>
    </form>
  );
}
