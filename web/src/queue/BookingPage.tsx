import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api, loadServicePoints, settle, type Problem, type Unit } from '../api/client';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { byVietnamese, formatDate } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { useApi } from '../lib/useApi';
import { useQueueT } from './i18n';
import { queueProblemMessage } from './problems';
import type { Booking, Kiosk, Slots } from './queue.api';
import { addDays, BOOKING_CODE, isVietnamesePhone, vietnamTime, vietnamToday } from './queue.model';
import { BookingCard } from './BookingView';
import './queue.css';
import { useRetryKey } from '../lib/useRetryKey';

/** Bookings open this many days ahead (the server's BOOKING_HORIZON_DAYS). */
const HORIZON_DAYS = 30;
/** Days looked through for the first one with a free slot when a group is chosen. */
const SEARCH_DAYS = 14;

type Errors = Partial<Record<'point' | 'group' | 'slot' | 'name' | 'phone', string>>;

/**
 * /dat-lich — book a time at a service point: point, service group, day, a slot with its places left,
 * name and phone; the answer is a confirmation code (also sent by SMS) to check in with at the kiosk.
 */
export default function BookingPage() {
  const { t, lang } = useQueueT();
  usePageTitle(t('booking.title'));
  const id = useId();
  const [points, retryPoints] = useApi(() => loadServicePoints(), []);
  const [unitId, setUnitId] = useState<number | null>(null);
  const [kiosk, setKiosk] = useState<Kiosk | null>(null);
  const [groupId, setGroupId] = useState<number | null>(null);
  const [day, setDay] = useState(vietnamToday());
  const [slots, setSlots] = useState<Slots | 'loading' | null>(null);
  const [slot, setSlot] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Booking | null>(null);
  const doneRef = useRef<HTMLHeadingElement>(null);
  const today = vietnamToday();

  const sortedPoints = useMemo(() => {
    if (points.status !== 'ok') return [];
    const name = (u: Unit) => (lang === 'en' ? u.nameEn : u.nameVi);
    return [...points.data].sort((a, b) =>
      a.kind === 'center'
        ? -1
        : b.kind === 'center'
          ? 1
          : a.kind !== b.kind
            ? a.kind === 'branch'
              ? -1
              : 1
            : byVietnamese(name(a), name(b)),
    );
  }, [points, lang]);

  // The point's groups that take bookings.
  useEffect(() => {
    setKiosk(null);
    setGroupId(null);
    setSlots(null);
    setSlot(null);
    if (unitId === null) return;
    const ac = new AbortController();
    void settle(api.GET('/public/queue/points/{unitId}', { params: { path: { unitId } }, signal: ac.signal }))
      .then((r) => {
        if (ac.signal.aborted) return;
        if (r.ok) {
          setKiosk(r.data);
          const bookable = r.data.groups.filter((g) => g.bookable);
          if (bookable.length === 1) setGroupId(bookable[0]!.id);
        } else setProblem(r.problem);
      })
      .catch(() => undefined);
    return () => ac.abort();
  }, [unitId]);

  // A group chosen: go to the first day with a free slot (most days off and full days need no click).
  useEffect(() => {
    if (groupId === null) return;
    const ac = new AbortController();
    setSlots('loading');
    setSlot(null);
    void (async () => {
      for (let i = 0; i < SEARCH_DAYS; i++) {
        const d = addDays(today, i);
        const r = await settle(
          api.GET('/public/queue/groups/{id}/slots', { params: { path: { id: groupId }, query: { day: d } }, signal: ac.signal }),
        );
        if (ac.signal.aborted) return;
        if (!r.ok) return setProblem(r.problem);
        if (r.data.slots.some((s) => s.left > 0) || i === SEARCH_DAYS - 1) {
          setDay(d);
          setSlots(r.data);
          return;
        }
      }
    })().catch(() => undefined);
    return () => ac.abort();
  }, [groupId, today]);

  const loadDay = async (d: string) => {
    setDay(d);
    setSlot(null);
    if (groupId === null || !/^\d{4}-\d{2}-\d{2}$/.test(d)) return;
    setSlots('loading');
    const r = await settle(api.GET('/public/queue/groups/{id}/slots', { params: { path: { id: groupId }, query: { day: d } } }));
    if (r.ok) setSlots(r.data);
    else {
      setSlots(null);
      setProblem(r.problem);
    }
  };

  const retry = useRetryKey();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const errs: Errors = {};
    if (unitId === null) errs.point = t('booking.pointMissing');
    else if (groupId === null) errs.group = t('booking.groupMissing');
    else if (!slot) errs.slot = t('booking.slotMissing');
    if (name.trim().length < 2) errs.name = t('booking.nameMissing');
    if (!isVietnamesePhone(phone)) errs.phone = t('booking.phoneInvalid');
    setErrors(errs);
    setProblem(null);
    if (Object.keys(errs).length) {
      document.getElementById(`${id}-${Object.keys(errs)[0]}`)?.focus();
      return;
    }
    setBusy(true);
    const body = { groupId: groupId!, slotStart: slot!, name: name.trim(), phone: phone.trim() };
    const r = await settle(api.POST('/public/queue/bookings', { body, headers: { 'idempotency-key': retry.keyFor(body) } }));
    retry.settled(r.ok ? null : r.problem);
    setBusy(false);
    if (r.ok) {
      setDone(r.data);
      return;
    }
    setProblem(r.problem);
    if (r.problem.code === 'SLOT_FULL') void loadDay(day);
    if (r.problem.field === 'body.phone') setErrors({ phone: t('booking.phoneInvalid') });
  };

  useEffect(() => {
    if (done) doneRef.current?.focus();
  }, [done]);

  if (done) {
    return (
      <div className="container page narrow">
        <div className="success booking-done">
          <h1 ref={doneRef} tabIndex={-1}>
            {t('booking.doneTitle')}
          </h1>
          <p className="success-code-label">{t('booking.code')}</p>
          <p className="success-code booking-code" data-testid="booking-code">
            {done.code}
          </p>
          <p>{t('booking.doneText')}</p>
          <BookingCard booking={done} />
          <p className="form-actions no-print">
            <button type="button" className="button button-secondary" onClick={() => window.print()}>
              {t('booking.print')}
            </button>
            <Link className="button button-secondary" to={`/dat-lich/${done.code}`}>
              {t('booking.viewLink')}
            </Link>
          </p>
        </div>
      </div>
    );
  }

  const bookable = kiosk?.groups.filter((g) => g.bookable) ?? [];
  const slotList = slots && slots !== 'loading' ? slots.slots : [];
  const describe = (k: keyof Errors, extra?: string) => [errors[k] ? `${id}-${k}-err` : null, extra].filter(Boolean).join(' ') || undefined;
  return (
    <div className="container page narrow">
      <PageHeading>{t('booking.title')}</PageHeading>
      <p className="lead">{t('booking.lead')}</p>
      <FindBooking />
      {points.status === 'loading' && <Loading label={t('common.loading')} />}
      {points.status === 'error' && <ProblemAlert problem={points.problem} onRetry={retryPoints} />}
      {points.status === 'ok' && (
        <form className="card booking-form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${id}-form-title`}>
          <h2 id={`${id}-form-title`}>{t('booking.formTitle')}</h2>
          <div className="field">
            <label htmlFor={`${id}-point`}>{t('booking.point')}</label>
            <select
              id={`${id}-point`}
              value={unitId ?? ''}
              onChange={(e) => setUnitId(e.target.value ? Number(e.target.value) : null)}
              aria-invalid={errors.point ? true : undefined}
              aria-describedby={describe('point')}
            >
              <option value="">{t('booking.pointChoose')}</option>
              {sortedPoints.map((u) => (
                <option key={u.id} value={u.id}>
                  {lang === 'en' ? u.nameEn : u.nameVi}
                </option>
              ))}
            </select>
            <p id={`${id}-point-err`} className="field-error">
              {errors.point}
            </p>
          </div>
          {kiosk && bookable.length === 0 && <p className="notice notice-amber">{t('booking.noBookable')}</p>}
          {bookable.length > 0 && (
            <fieldset className="form-section booking-groups" aria-describedby={describe('group')}>
              <legend>{t('booking.group')}</legend>
              {bookable.map((g, i) => (
                <div className="check" key={g.id}>
                  <input
                    type="radio"
                    id={i === 0 ? `${id}-group` : `${id}-group-${g.id}`}
                    name={`${id}-group`}
                    checked={groupId === g.id}
                    onChange={() => setGroupId(g.id)}
                  />
                  <label htmlFor={i === 0 ? `${id}-group` : `${id}-group-${g.id}`}>
                    {g.code} – {lang === 'en' ? g.nameEn : g.nameVi}
                  </label>
                </div>
              ))}
              <p id={`${id}-group-err`} className="field-error">
                {errors.group}
              </p>
            </fieldset>
          )}
          {groupId !== null && (
            <>
              <div className="field">
                <label htmlFor={`${id}-day`}>{t('booking.day')}</label>
                <input
                  id={`${id}-day`}
                  type="date"
                  className="input-medium"
                  value={day}
                  min={today}
                  max={addDays(today, HORIZON_DAYS)}
                  onChange={(e) => void loadDay(e.target.value)}
                />
              </div>
              <fieldset className="form-section booking-slots" aria-describedby={describe('slot', `${id}-slots-status`)}>
                <legend>{t('booking.slot', { day: formatDate(day, lang) })}</legend>
                <div id={`${id}-slots-status`} aria-live="polite">
                  {slots === 'loading' && <Loading label={t('common.loading')} />}
                  {slots !== 'loading' && slots !== null && slotList.length === 0 && <p>{t('booking.noSlots')}</p>}
                  {slots !== 'loading' && slotList.length > 0 && slotList.every((s) => s.left === 0) && <p>{t('booking.allFull')}</p>}
                </div>
                {slots !== 'loading' && slotList.length > 0 && (
                  <ul className="slot-grid">
                    {slotList.map((s, i) => (
                      <li key={s.start}>
                        <label className={`slot-option${s.left === 0 ? ' slot-full' : ''}`}>
                          <input
                            type="radio"
                            id={i === 0 ? `${id}-slot` : undefined}
                            name={`${id}-slot`}
                            value={s.start}
                            checked={slot === s.start}
                            disabled={s.left === 0}
                            onChange={() => setSlot(s.start)}
                          />
                          <span className="slot-time">{vietnamTime(s.start)}</span>
                          <span className="slot-left">{s.left === 0 ? t('booking.full') : t('booking.left', { count: s.left })}</span>
                        </label>
                      </li>
                    ))}
                  </ul>
                )}
                <p id={`${id}-slot-err`} className="field-error">
                  {errors.slot}
                </p>
              </fieldset>
            </>
          )}
          <div className="field">
            <label htmlFor={`${id}-name`}>{t('booking.name')}</label>
            <input
              id={`${id}-name`}
              type="text"
              value={name}
              onChange={(e) => setName(e.target.value)}
              autoComplete="name"
              maxLength={200}
              aria-invalid={errors.name ? true : undefined}
              aria-describedby={describe('name')}
            />
            <p id={`${id}-name-err`} className="field-error">
              {errors.name}
            </p>
          </div>
          <div className="field">
            <label htmlFor={`${id}-phone`}>{t('booking.phone')}</label>
            <p className="hint" id={`${id}-phone-hint`}>
              {t('booking.phoneHint')}
            </p>
            <input
              id={`${id}-phone`}
              type="tel"
              className="input-medium"
              value={phone}
              onChange={(e) => setPhone(e.target.value)}
              autoComplete="tel"
              inputMode="tel"
              maxLength={16}
              aria-invalid={errors.phone ? true : undefined}
              aria-describedby={describe('phone', `${id}-phone-hint`)}
            />
            <p id={`${id}-phone-err`} className="field-error">
              {errors.phone}
            </p>
          </div>
          {problem && <ProblemAlert problem={problem} message={queueProblemMessage(t, problem)} />}
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
              {busy ? t('booking.sending') : t('booking.submit')}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

/** "Booked already?": the code and the phone's last 4 digits open the booking's page. */
function FindBooking() {
  const { t } = useQueueT();
  const id = useId();
  const navigate = useNavigate();
  const [code, setCode] = useState('');
  const [phone, setPhone] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const c = code.trim().toUpperCase();
    if (!BOOKING_CODE.test(c)) return setError(t('kiosk.codeInvalid'));
    if (!/^\d{4}$/.test(phone.trim())) return setError(t('booking.phone4Invalid'));
    setError(null);
    navigate(`/dat-lich/${c}?phone=${phone.trim()}`);
  };
  return (
    <details className="card booking-find">
      <summary>{t('booking.findTitle')}</summary>
      <form onSubmit={submit} noValidate className="booking-find-form">
        <div className="field">
          <label htmlFor={`${id}-c`}>{t('booking.code')}</label>
          <input
            id={`${id}-c`}
            type="text"
            className="input-medium code-input"
            value={code}
            onChange={(e) => setCode(e.target.value.toUpperCase())}
            maxLength={8}
            autoComplete="off"
            spellCheck={false}
            aria-describedby={`${id}-e`}
          />
        </div>
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
            aria-describedby={`${id}-e`}
          />
        </div>
        <p id={`${id}-e`} className="field-error" aria-live="polite">
          {error}
        </p>
        <button type="submit" className="button button-secondary">
          {t('booking.find')}
        </button>
      </form>
    </details>
  );
}
