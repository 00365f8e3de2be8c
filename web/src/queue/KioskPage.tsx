import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { api, settle, type Problem } from '../api/client';
import { Loading } from '../components/Loading';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatDateTime } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { useApi } from '../lib/useApi';
import { useQueueT, waitText } from './i18n';
import { queueProblemMessage } from './problems';
import type { IssuedTicket, Kiosk, KioskGroup, Priority } from './queue.api';
import { BOOKING_CODE, BOOKING_KEYS, PRIORITIES, waitWords } from './queue.model';
import { ScreenHeader } from './ScreenHeader';
import './queue.css';
import { useRetryKey } from '../lib/useRetryKey';

/** Seconds a printed ticket stays on screen before the kiosk returns to its start. */
export const RETURN_SECONDS = 20;
/** Seconds without a touch before the check-in form gives up and returns to the start. */
const IDLE_SECONDS = 60;
/** How often the queue lengths and waits are refreshed. */
const REFRESH_MS = 15_000;

type View = { kind: 'choose' } | { kind: 'check-in' } | { kind: 'ticket'; ticket: IssuedTicket };

/**
 * /xep-hang/:unitId — the kiosk of a service point: a big button per service group with its queue and
 * estimated wait, the priority lane, check-in of a booking; then the ticket to print (80 mm receipt),
 * and back to the start after RETURN_SECONDS. With ?in=1 the ticket is printed at once (a kiosk browser
 * started with --kiosk-printing prints without a dialog).
 */
export default function KioskPage() {
  const { t, lang } = useQueueT();
  const unitId = Number(useParams().unitId);
  const [params] = useSearchParams();
  const autoPrint = params.get('in') === '1';
  const [kiosk, reload] = useApi(
    (signal) => settle(api.GET('/public/queue/points/{unitId}', { params: { path: { unitId } }, signal })),
    [unitId],
  );
  const [data, setData] = useState<Kiosk | null>(null);
  const [view, setView] = useState<View>({ kind: 'choose' });
  const [priority, setPriority] = useState<Priority | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const point = data ? (lang === 'en' ? data.nameEn : data.nameVi) : null;
  usePageTitle(point ? `${t('kiosk.title')} – ${point}` : t('kiosk.title'));

  useEffect(() => {
    if (kiosk.status === 'ok') setData(kiosk.data);
  }, [kiosk]);

  // Queue lengths change all the time: refresh quietly (the last good figures stay on a failure).
  useEffect(() => {
    if (view.kind !== 'choose') return;
    const id = setInterval(async () => {
      const r = await settle(api.GET('/public/queue/points/{unitId}', { params: { path: { unitId } } }));
      if (r.ok) setData(r.data);
    }, REFRESH_MS);
    return () => clearInterval(id);
  }, [unitId, view.kind]);

  const backToStart = useCallback(() => {
    setView({ kind: 'choose' });
    setPriority(null);
    setProblem(null);
    reload();
  }, [reload]);

  const retry = useRetryKey();
  const take = async (g: KioskGroup) => {
    setBusy(g.id);
    setProblem(null);
    const body = { groupId: g.id, ...(priority ? { priority } : {}) };
    const r = await settle(
      api.POST('/public/queue/points/{unitId}/tickets', {
        params: { path: { unitId } },
        body,
        headers: { 'idempotency-key': retry.keyFor({ unitId, ...body }) },
      }),
    );
    retry.settled(r.ok ? null : r.problem);
    setBusy(null);
    if (!r.ok) return setProblem(r.problem);
    setView({ kind: 'ticket', ticket: r.data });
  };

  if (!Number.isInteger(unitId) || unitId < 1 || (kiosk.status === 'error' && kiosk.problem.status === 404)) {
    return (
      <div className="screen kiosk">
        <ScreenHeader point={null} kind={t('kiosk.title')} />
        <main id="main" className="kiosk-main" tabIndex={-1}>
          <h1>{t('kiosk.pointNotFound')}</h1>
          <p>
            <Link to="/xep-hang">{t('points.title')}</Link>
          </p>
        </main>
      </div>
    );
  }

  return (
    <div className="screen kiosk">
      <ScreenHeader point={point} kind={t('kiosk.title')} />
      <main id="main" className="kiosk-main" tabIndex={-1}>
        {!data && kiosk.status === 'loading' && <Loading label={t('common.loading')} />}
        {!data && kiosk.status === 'error' && <ProblemAlert problem={kiosk.problem} onRetry={reload} />}
        {data && view.kind === 'choose' && (
          <Choose
            data={data}
            priority={priority}
            onPriority={setPriority}
            busy={busy}
            problem={problem}
            onTake={(g) => void take(g)}
            onCheckIn={() => {
              setProblem(null);
              setView({ kind: 'check-in' });
            }}
          />
        )}
        {data && view.kind === 'check-in' && (
          <CheckIn unitId={unitId} onTicket={(ticket) => setView({ kind: 'ticket', ticket })} onBack={backToStart} />
        )}
        {data && view.kind === 'ticket' && <TicketView ticket={view.ticket} lang={lang} autoPrint={autoPrint} onDone={backToStart} />}
      </main>
    </div>
  );
}

function Choose({
  data,
  priority,
  onPriority,
  busy,
  problem,
  onTake,
  onCheckIn,
}: {
  data: Kiosk;
  priority: Priority | null;
  onPriority: (p: Priority | null) => void;
  busy: number | null;
  problem: Problem | null;
  onTake: (g: KioskGroup) => void;
  onCheckIn: () => void;
}) {
  const { t, lang } = useQueueT();
  const id = useId();
  return (
    <>
      <h1 className="kiosk-title">{t('kiosk.choose')}</h1>
      <fieldset className="kiosk-priority">
        <legend>{t('kiosk.priorityLegend')}</legend>
        <p className="kiosk-hint" id={`${id}-ph`}>
          {t('kiosk.priorityHint')}
        </p>
        <div className="kiosk-priority-options">
          {[null, ...PRIORITIES].map((p) => (
            <label key={p ?? 'none'} className="kiosk-priority-option">
              <input
                type="radio"
                name={`${id}-priority`}
                checked={priority === p}
                onChange={() => onPriority(p)}
                aria-describedby={`${id}-ph`}
              />
              <span>{p ? t(`priority.${p}`) : t('kiosk.priorityNone')}</span>
            </label>
          ))}
        </div>
      </fieldset>
      {problem && <ProblemAlert problem={problem} message={queueProblemMessage(t, problem)} />}
      {data.groups.length === 0 ? (
        <p className="kiosk-empty">{t('kiosk.empty')}</p>
      ) : (
        <ul className="kiosk-groups" aria-label={t('kiosk.groups')}>
          {data.groups.map((g) => (
            <li key={g.id}>
              <button type="button" className="kiosk-group" onClick={() => onTake(g)} disabled={busy !== null} aria-busy={busy === g.id}>
                <span className="kiosk-code" aria-hidden="true">
                  {g.code}
                </span>
                <span className="kiosk-group-text">
                  <span className="kiosk-group-name">{lang === 'en' ? g.nameEn : g.nameVi}</span>
                  <span className="kiosk-group-meta">
                    {busy === g.id
                      ? t('kiosk.taking')
                      : `${t('kiosk.waiting', { count: g.waiting })} · ${g.estimatedWaitSeconds > 0 ? t('kiosk.estimate', { time: waitText(t, waitWords(g.estimatedWaitSeconds)) }) : t('wait.none')}`}
                  </span>
                  {priority && busy !== g.id && (
                    <span className="kiosk-group-priority">{t('kiosk.priorityTicket', { reason: t(`priority.${priority}`) })}</span>
                  )}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="kiosk-more">
        <button type="button" className="button button-secondary kiosk-checkin-button" onClick={onCheckIn}>
          {t('kiosk.checkInOpen')}
        </button>
      </div>
    </>
  );
}

function CheckIn({ unitId, onTicket, onBack }: { unitId: number; onTicket: (t: IssuedTicket) => void; onBack: () => void }) {
  const { t } = useQueueT();
  const id = useId();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  // A citizen who walks away leaves the kiosk ready for the next one.
  useEffect(() => {
    const timer = setTimeout(onBack, IDLE_SECONDS * 1000);
    return () => clearTimeout(timer);
  }, [code, problem, onBack]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const c = code.trim().toUpperCase();
    if (!BOOKING_CODE.test(c)) return setError(t('kiosk.codeInvalid'));
    setError(null);
    setProblem(null);
    setBusy(true);
    const r = await settle(api.POST('/public/queue/points/{unitId}/check-in', { params: { path: { unitId } }, body: { code: c } }));
    setBusy(false);
    if (r.ok) return onTicket(r.data);
    setProblem(r.problem);
  };
  const message = (p: Problem) =>
    p.code === 'NOT_FOUND'
      ? t('kiosk.bookingNotFound')
      : p.code === 'VALIDATION' && p.field === 'code'
        ? t('kiosk.bookingOtherDay')
        : queueProblemMessage(t, p);
  return (
    <section className="kiosk-checkin" aria-labelledby={`${id}-h`}>
      <h1 id={`${id}-h`} className="kiosk-title">
        {t('kiosk.checkInTitle')}
      </h1>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor={`${id}-code`}>{t('kiosk.checkInCode')}</label>
          <input
            ref={input}
            id={`${id}-code`}
            className="kiosk-code-input code-input"
            value={code}
            onChange={(e) => setCode(e.target.value.toUpperCase())}
            maxLength={8}
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            aria-invalid={error ? true : undefined}
            aria-describedby={`${id}-err`}
          />
          <p id={`${id}-err`} className="field-error" aria-live="polite">
            {error}
          </p>
        </div>
        {/* A touch screen has no keyboard: the code's characters as keys. */}
        <div className="kiosk-keypad" role="group" aria-label={t('kiosk.keypad')}>
          {[...BOOKING_KEYS].map((k) => (
            <button key={k} type="button" className="kiosk-key" onClick={() => setCode((c) => (c.length < 8 ? c + k : c))}>
              {k}
            </button>
          ))}
          <button type="button" className="kiosk-key kiosk-key-wide" onClick={() => setCode((c) => c.slice(0, -1))}>
            {t('kiosk.backspace')}
          </button>
        </div>
        {problem && <ProblemAlert problem={problem} message={message(problem)} />}
        <div className="kiosk-actions">
          <button type="submit" className="button button-primary kiosk-big-button" disabled={busy} aria-busy={busy}>
            {busy ? t('kiosk.taking') : t('kiosk.checkInSubmit')}
          </button>
          <button type="button" className="button button-secondary kiosk-big-button" onClick={onBack}>
            {t('kiosk.back')}
          </button>
        </div>
      </form>
    </section>
  );
}

function TicketView({
  ticket,
  lang,
  autoPrint,
  onDone,
}: {
  ticket: IssuedTicket;
  lang: 'vi' | 'en';
  autoPrint: boolean;
  onDone: () => void;
}) {
  const { t } = useQueueT();
  const id = useId();
  const [left, setLeft] = useState(RETURN_SECONDS);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
    if (autoPrint) window.print();
  }, [autoPrint]);
  useEffect(() => {
    if (left <= 0) {
      onDone();
      return;
    }
    const timer = setTimeout(() => setLeft((n) => n - 1), 1000);
    return () => clearTimeout(timer);
  }, [left, onDone]);
  const group = lang === 'en' ? ticket.groupNameEn : ticket.groupNameVi;
  return (
    <section className="kiosk-ticket" aria-labelledby={`${id}-h`}>
      <div className="ticket-paper">
        <p className="ticket-point">{lang === 'en' ? ticket.pointNameEn : ticket.pointNameVi}</p>
        <h1 id={`${id}-h`} ref={heading} tabIndex={-1} className="ticket-heading">
          <span className="ticket-caption">{t('kiosk.yourNumber')}</span>
          <span className="ticket-label" data-testid="ticket-label">
            {ticket.label}
          </span>
        </h1>
        <p className="ticket-group">{group}</p>
        {ticket.priority && <p className="ticket-priority">{t('kiosk.priorityTicket', { reason: t(`priority.${ticket.priority}`) })}</p>}
        {ticket.channel === 'booking' && <p className="ticket-priority">{t('kiosk.bookedTicket')}</p>}
        <dl className="ticket-facts">
          <div>
            <dt>{t('kiosk.issuedAt')}</dt>
            <dd>{formatDateTime(ticket.arrivedAt, lang)}</dd>
          </div>
          <div>
            <dt>{t('kiosk.ahead')}</dt>
            <dd data-testid="ticket-ahead">{ticket.ahead}</dd>
          </div>
          <div>
            <dt>{t('kiosk.estimatedWait')}</dt>
            <dd>{waitText(t, waitWords(ticket.estimatedWaitSeconds))}</dd>
          </div>
        </dl>
        <p className="ticket-note">{t('kiosk.watchBoard')}</p>
        <figure className="ticket-qr">
          <img src={`/public/queue/tickets/${ticket.token}/qr.svg`} alt="" width={112} height={112} />
          <figcaption>{t('follow.scan')}</figcaption>
        </figure>
      </div>
      <div className="kiosk-actions no-print">
        <button type="button" className="button button-primary kiosk-big-button" onClick={() => window.print()}>
          {t('kiosk.print')}
        </button>
        <button type="button" className="button button-secondary kiosk-big-button" onClick={onDone}>
          {t('kiosk.done')}
        </button>
      </div>
      <p className="kiosk-returning no-print">{t('kiosk.returning', { seconds: left })}</p>
    </section>
  );
}
