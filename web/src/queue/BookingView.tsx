import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { api, settle, type Problem } from '../api/client';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatDate } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { useQueueT } from './i18n';
import { queueProblemMessage } from './problems';
import type { Booking } from './queue.api';
import { vietnamTime } from './queue.model';
import './queue.css';

const STATUS_BADGE: Record<Booking['status'], string> = { booked: 'badge-blue', checked_in: 'badge-green', cancelled: 'badge-grey' };

/** A booking's facts: when, where, which service, for whom. */
export function BookingCard({ booking }: { booking: Booking }) {
  const { t, lang } = useQueueT();
  const end = new Date(Date.parse(booking.slotStart) + booking.slotMinutes * 60_000).toISOString();
  return (
    <dl className="facts-grid booking-facts">
      <div className="highlight">
        <dt>{t('booking.when')}</dt>
        <dd>
          {vietnamTime(booking.slotStart)}–{vietnamTime(end)}, {formatDate(booking.slotStart, lang)}
        </dd>
      </div>
      <div>
        <dt>{t('booking.point')}</dt>
        <dd>
          {booking.pointNameVi}
          {booking.pointAddress && <span className="block small muted">{booking.pointAddress}</span>}
        </dd>
      </div>
      <div>
        <dt>{t('booking.group')}</dt>
        <dd>{lang === 'en' ? booking.groupNameEn : booking.groupNameVi}</dd>
      </div>
      <div>
        <dt>{t('booking.name')}</dt>
        <dd>
          {booking.name} · {booking.phone}
        </dd>
      </div>
    </dl>
  );
}

/**
 * /dat-lich/:code — a booking (the SMS sent at booking links here): the last 4 digits of the phone show
 * it (?phone= fills them in); a booking not yet used can be cancelled.
 */
export default function BookingViewPage() {
  const { t } = useQueueT();
  const id = useId();
  const code = (useParams().code ?? '').toUpperCase();
  const [params] = useSearchParams();
  const initial = params.get('phone') ?? '';
  usePageTitle(t('booking.viewTitle', { code }));
  const [phone, setPhone] = useState(/^\d{4}$/.test(initial) ? initial : '');
  const [error, setError] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [booking, setBooking] = useState<Booking | null>(null);
  const [shownFor, setShownFor] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [cancelled, setCancelled] = useState(false);
  const status = useRef<HTMLParagraphElement>(null);

  const load = async (p: string) => {
    setProblem(null);
    setBusy(true);
    const r = await settle(api.GET('/public/queue/bookings/{code}', { params: { path: { code }, query: { phone: p } } }));
    setBusy(false);
    if (r.ok) {
      setBooking(r.data);
      setShownFor(p);
    } else {
      setBooking(null);
      setProblem(r.problem);
    }
  };
  useEffect(() => {
    if (/^\d{4}$/.test(initial)) void load(initial);
    // Only the address's own digits are looked up by themselves.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [code]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!/^\d{4}$/.test(phone.trim())) return setError(t('booking.phone4Invalid'));
    setError(null);
    void load(phone.trim());
  };

  const cancel = async () => {
    if (!shownFor) return;
    setBusy(true);
    setProblem(null);
    const r = await settle(api.POST('/public/queue/bookings/{code}/cancel', { params: { path: { code } }, body: { phone: shownFor } }));
    setBusy(false);
    setConfirming(false);
    if (!r.ok) return setProblem(r.problem);
    setBooking(r.data);
    setCancelled(true);
    status.current?.focus();
  };

  return (
    <div className="container page narrow">
      <PageHeading>{t('booking.viewTitle', { code })}</PageHeading>
      {!/^[A-Z0-9]{8}$/.test(code) ? (
        <p>{t('kiosk.codeInvalid')}</p>
      ) : (
        <>
          {!booking && (
            <form className="card booking-find-form" onSubmit={submit} noValidate>
              <div className="field">
                <label htmlFor={`${id}-p`}>{t('booking.phone4')}</label>
                <input
                  id={`${id}-p`}
                  type="text"
                  className="input-short"
                  value={phone}
                  onChange={(e) => setPhone(e.target.value)}
                  inputMode="numeric"
                  maxLength={4}
                  autoComplete="off"
                  aria-invalid={error ? true : undefined}
                  aria-describedby={`${id}-e`}
                />
                <p id={`${id}-e`} className="field-error" aria-live="polite">
                  {error}
                </p>
              </div>
              <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
                {t('booking.find')}
              </button>
            </form>
          )}
          {problem && (
            <ProblemAlert
              problem={problem}
              message={problem.code === 'NOT_FOUND' ? t('booking.notFound') : queueProblemMessage(t, problem)}
            />
          )}
          {booking && (
            <section className="card booking-view" aria-labelledby={`${id}-h`}>
              <h2 id={`${id}-h`} className="booking-view-title">
                <span className="code">{booking.code}</span>
                <span className={`badge ${STATUS_BADGE[booking.status]}`} data-testid="booking-status">
                  {t(`booking.status.${booking.status}`)}
                </span>
              </h2>
              <p
                ref={status}
                tabIndex={-1}
                className={cancelled ? 'notice notice-green' : 'visually-hidden'}
                role={cancelled ? 'status' : undefined}
              >
                {cancelled ? t('booking.cancelledText') : ''}
              </p>
              <BookingCard booking={booking} />
              {booking.status === 'booked' && <p>{t('booking.checkInHint')}</p>}
              {booking.status === 'booked' &&
                (confirming ? (
                  <div className="notice notice-amber booking-confirm" role="group" aria-labelledby={`${id}-cq`}>
                    <p id={`${id}-cq`}>{t('booking.cancelQuestion')}</p>
                    <div className="form-actions">
                      <button
                        type="button"
                        className="button button-primary"
                        onClick={() => void cancel()}
                        disabled={busy}
                        aria-busy={busy}
                      >
                        {t('booking.cancelYes')}
                      </button>
                      <button type="button" className="button button-secondary" onClick={() => setConfirming(false)}>
                        {t('booking.cancelNo')}
                      </button>
                    </div>
                  </div>
                ) : (
                  <p>
                    <button type="button" className="button button-secondary" onClick={() => setConfirming(true)}>
                      {t('booking.cancel')}
                    </button>
                  </p>
                ))}
            </section>
          )}
          <p>
            <Link to="/dat-lich">{t('booking.another')}</Link>
          </p>
        </>
      )}
    </div>
  );
}
