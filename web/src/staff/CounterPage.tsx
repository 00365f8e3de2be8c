import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { settle, type Problem, type Result } from '../api/client';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatDateTime } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { useQueueT, type QueueKey } from '../queue/i18n';
import { queueProblemMessage } from '../queue/problems';
import type { Counter, MyCounter, Setup, Ticket } from '../queue/queue.api';
import { parseDossierCodes, PRIORITIES } from '../queue/queue.model';
import { staffApi, type DossierListItem } from './session';
import { useSession } from './shared';
import '../queue/queue.css';

type Action = 'call-next' | 'recall' | 'start' | 'no-show' | 'finish' | 'close';

/** Keyboard shortcuts of the counter (a single key, no modifier, outside text fields). */
const KEYS: Partial<Record<Action | 'transfer', string>> = {
  'call-next': 'N',
  recall: 'R',
  start: 'S',
  'no-show': 'V',
  finish: 'K',
  transfer: 'C',
};

/** What a ticket's status allows at the counter (the server's TICKET_TRANSITIONS for the clerk's actions). */
const ALLOWED: Record<'called' | 'serving', (Action | 'transfer')[]> = {
  called: ['recall', 'start', 'no-show', 'transfer', 'finish'],
  serving: ['transfer', 'finish'],
};

/** How often the queues are refreshed besides the point's live events. */
const REFRESH_MS = 30_000;

/**
 * /can-bo/quay — a clerk's counter: open one of the point's counters, see the queues served, call the
 * next ticket, recall, start, mark a no-show, transfer to a group or counter, finish (linking the dossiers
 * received, e.g. after the counter intake page), close. Keys N R S V C K do the same as the buttons.
 */
export default function CounterPage() {
  const { t, lang } = useQueueT();
  usePageTitle(t('counter.title'));
  const { me } = useSession();
  const [mine, setMine] = useState<MyCounter | null>(null);
  const [setup, setSetup] = useState<Setup | null>(null);
  const [loadProblem, setLoadProblem] = useState<Problem | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    const [m, s] = await Promise.all([
      settle(staffApi.GET('/queue/counters/mine')),
      settle(staffApi.GET('/queue/points/{unitId}/setup', { params: { path: { unitId: me.unitId } } })),
    ]);
    if (!m.ok) return setLoadProblem(m.problem);
    setLoadProblem(null);
    setMine(m.data);
    if (s.ok) setSetup(s.data);
  }, [me.unitId]);

  useEffect(() => {
    void refresh();
    const id = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(id);
  }, [refresh]);

  // The point's board stream says when a queue changes: refresh then (a little later, once per burst).
  const pointId = mine?.counter?.unitId ?? null;
  useEffect(() => {
    if (pointId === null) return;
    const es = new EventSource(`/public/queue/points/${pointId}/events`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void refresh(), 400);
    };
    es.addEventListener('waiting', later);
    return () => {
      clearTimeout(timer);
      es.close();
    };
  }, [pointId, refresh]);

  /** Runs one counter action; the answer's problem is shown, the state reloaded either way. */
  const run = useCallback(
    async <T,>(key: string, call: () => Promise<Result<T>>, done: (data: T) => string) => {
      setBusy(key);
      setProblem(null);
      setMessage('');
      const r = await call();
      // The screen changes first, then the message says what happened (announced with it).
      await refresh();
      setBusy(null);
      if (r.ok) setMessage(done(r.data));
      else setProblem(r.problem);
      return r.ok;
    },
    [refresh],
  );

  if (loadProblem)
    return (
      <div className="container page">
        <ProblemAlert problem={loadProblem} message={queueProblemMessage(t, loadProblem)} onRetry={() => void refresh()} />
      </div>
    );
  if (!mine)
    return (
      <div className="container page">
        <Loading label={t('common.loading')} />
      </div>
    );
  return (
    <div className="container page staff-wide counter-page">
      <PageHeading>
        {mine.counter ? t('counter.titleAt', { counter: lang === 'en' ? mine.counter.nameEn : mine.counter.nameVi }) : t('counter.title')}
      </PageHeading>
      <p className="counter-message" role="status">
        {message}
      </p>
      {problem && <ProblemAlert problem={problem} message={queueProblemMessage(t, problem)} />}
      {!mine.counter ? (
        <ChooseCounter
          setup={setup}
          busy={busy}
          onOpen={(c) =>
            void run(
              `open-${c.id}`,
              () => settle(staffApi.POST('/queue/counters/{id}/open', { params: { path: { id: c.id } }, body: {} })),
              (d) => t('counter.opened', { counter: d.nameVi }),
            )
          }
        />
      ) : (
        <OpenCounter mine={mine as MyCounter & { counter: Counter }} setup={setup} busy={busy} run={run} />
      )}
    </div>
  );
}

function ChooseCounter({ setup, busy, onOpen }: { setup: Setup | null; busy: string | null; onOpen: (c: Counter) => void }) {
  const { t, lang } = useQueueT();
  const { me } = useSession();
  const id = useId();
  if (!setup) return <Loading label={t('common.loading')} />;
  return (
    <section className="card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t('counter.choose')}</h2>
      <p className="muted">{t('counter.chooseText', { point: lang === 'en' ? setup.nameEn : setup.nameVi })}</p>
      {setup.counters.length === 0 ? (
        <p>{t('counter.noCounters')}</p>
      ) : (
        <ul className="counter-choices">
          {setup.counters.map((c) => {
            const taken = c.staffId !== null && c.staffId !== me.staffId;
            return (
              <li key={c.id} className={`counter-choice${taken ? ' counter-taken' : ''}`}>
                <span className="counter-choice-name">{lang === 'en' ? c.nameEn : c.nameVi}</span>
                <span className="small muted">
                  {!c.active ? t('counter.outOfService') : taken ? t('counter.takenBy', { name: c.staffName ?? '' }) : t('counter.free')}
                </span>
                <button
                  type="button"
                  className="button button-primary button-small"
                  disabled={taken || !c.active || busy !== null}
                  aria-busy={busy === `open-${c.id}`}
                  onClick={() => onOpen(c)}
                >
                  {t('counter.open', { counter: lang === 'en' ? c.nameEn : c.nameVi })}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

type Run = <T>(key: string, call: () => Promise<Result<T>>, done: (data: T) => string) => Promise<boolean>;

function OpenCounter({
  mine,
  setup,
  busy,
  run,
}: {
  mine: MyCounter & { counter: Counter };
  setup: Setup | null;
  busy: string | null;
  run: Run;
}) {
  const { t, lang } = useQueueT();
  const id = useId();
  const counter = mine.counter;
  const ticket = mine.ticket;
  const [codes, setCodes] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  const [transferOpen, setTransferOpen] = useState(false);
  const ticketHeading = useRef<HTMLHeadingElement>(null);
  const lastTicket = useRef<number | null | undefined>(undefined);

  // Another ticket in hand (or none): the finishing fields start empty, and the heading takes focus so a
  // screen reader says what changed and the keyboard starts from there (the button pressed is gone).
  useEffect(() => {
    if ((ticket?.id ?? null) !== lastTicket.current) {
      const first = lastTicket.current === undefined;
      lastTicket.current = ticket?.id ?? null;
      setCodes('');
      setPicked([]);
      setTransferOpen(false);
      if (!first) ticketHeading.current?.focus();
    }
  }, [ticket]);

  const allowed = new Set<Action | 'transfer'>(ticket ? (ALLOWED[ticket.status as 'called' | 'serving'] ?? []) : ['call-next']);
  const name = (x: { nameVi: string; nameEn: string }) => (lang === 'en' ? x.nameEn : x.nameVi);

  const act = useCallback(
    (a: Action) => {
      const tk = mine.ticket;
      switch (a) {
        case 'call-next':
          return run(
            'call-next',
            () => settle(staffApi.POST('/queue/counters/{id}/call-next', { params: { path: { id: counter.id } }, body: {} })),
            (d) => (d.ticket ? t('counter.called', { label: d.ticket.label }) : t('counter.nobodyWaiting')),
          );
        case 'close':
          return run(
            'close',
            () => settle(staffApi.POST('/queue/counters/{id}/close', { params: { path: { id: counter.id } }, body: {} })),
            (d) => t('counter.closed', { counter: d.nameVi }),
          );
        case 'finish': {
          if (!tk) return;
          const dossierCodes = [...new Set([...picked, ...parseDossierCodes(codes)])];
          return run(
            'finish',
            () =>
              settle(
                staffApi.POST('/queue/tickets/{id}/finish', {
                  params: { path: { id: tk.id } },
                  body: dossierCodes.length ? { dossierCodes } : {},
                }),
              ),
            (d) => t('counter.finished', { label: d.label, count: d.dossierCodes?.length ?? 0 }),
          );
        }
        default: {
          if (!tk) return;
          const path = a;
          return run(
            a,
            () => settle(staffApi.POST(`/queue/tickets/{id}/${path}`, { params: { path: { id: tk.id } }, body: {} })),
            (d) => t(`counter.done.${a}` as QueueKey, { label: d.label }),
          );
        }
      }
    },
    [mine.ticket, counter.id, run, t, picked, codes],
  );

  // Shortcuts: one letter, no modifier, not while typing in a field, not while an action runs.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.repeat || busy) return;
      const el = e.target as HTMLElement | null;
      if (el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName))) return;
      const key = e.key.toUpperCase();
      const hit = (Object.entries(KEYS) as [Action | 'transfer', string][]).find(([, k]) => k === key);
      if (!hit || !allowed.has(hit[0])) return;
      e.preventDefault();
      if (hit[0] === 'transfer') setTransferOpen(true);
      else void act(hit[0]);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const button = (a: Action, label: QueueKey, cls = 'button-secondary') => (
    <button
      type="button"
      className={`button ${cls} counter-action`}
      onClick={() => void act(a)}
      disabled={busy !== null}
      aria-busy={busy === a}
      aria-keyshortcuts={KEYS[a]}
    >
      {t(label)}
      {KEYS[a] && <kbd aria-hidden="true">{KEYS[a]}</kbd>}
    </button>
  );

  const totalWaiting = mine.groups.reduce((s, g) => s + g.waiting, 0);
  return (
    <div className="counter-layout">
      <section className="card counter-ticket" aria-labelledby={`${id}-tk`}>
        <div className="counter-head">
          <p className="small muted">{t('counter.openSince', { time: counter.openedAt ? formatDateTime(counter.openedAt, lang) : '—' })}</p>
        </div>
        {ticket ? (
          <>
            <h2 id={`${id}-tk`} ref={ticketHeading} tabIndex={-1} className="counter-ticket-heading">
              <span className="counter-ticket-caption">{t(ticket.status === 'serving' ? 'counter.serving' : 'counter.calledTicket')}</span>
              <span className="counter-ticket-label" data-testid="counter-ticket">
                {ticket.label}
              </span>
            </h2>
            <TicketFacts ticket={ticket} />
            <div className="counter-actions">
              {allowed.has('recall') && button('recall', 'counter.recall')}
              {allowed.has('start') && button('start', 'counter.start', 'button-primary')}
              {allowed.has('no-show') && button('no-show', 'counter.noShow')}
              <button
                type="button"
                className="button button-secondary counter-action"
                aria-expanded={transferOpen}
                aria-controls={`${id}-tr`}
                aria-keyshortcuts={KEYS.transfer}
                onClick={() => setTransferOpen((o) => !o)}
                disabled={busy !== null}
              >
                {t('counter.transfer')}
                <kbd aria-hidden="true">{KEYS.transfer}</kbd>
              </button>
            </div>
            {transferOpen && setup && (
              <TransferForm
                formId={`${id}-tr`}
                ticket={ticket}
                counter={counter}
                setup={setup}
                busy={busy}
                run={run}
                onCancel={() => setTransferOpen(false)}
              />
            )}
            <FinishPanel
              ticket={ticket}
              codes={codes}
              onCodes={setCodes}
              picked={picked}
              onPicked={setPicked}
              finishButton={button('finish', 'counter.finish', 'button-primary')}
            />
          </>
        ) : (
          <>
            <h2 id={`${id}-tk`} ref={ticketHeading} tabIndex={-1}>
              {t('counter.noTicket')}
            </h2>
            <p className="muted">{totalWaiting ? t('counter.waitingNow', { count: totalWaiting }) : t('counter.nobodyWaiting')}</p>
            <div className="counter-actions">{button('call-next', 'counter.callNext', 'button-primary counter-call')}</div>
          </>
        )}
        <p className="small muted counter-keys">{t('counter.keysHint')}</p>
      </section>
      <aside className="counter-side">
        <section className="card" aria-labelledby={`${id}-q`}>
          <h2 id={`${id}-q`}>{t('counter.queues')}</h2>
          {mine.groups.length === 0 ? (
            <p>{t('counter.noGroups')}</p>
          ) : (
            <table className="st-table counter-queues">
              <thead>
                <tr>
                  <th scope="col">{t('counter.group')}</th>
                  <th scope="col" className="num">
                    {t('counter.waiting')}
                  </th>
                  <th scope="col" className="num">
                    {t('counter.priorityWaiting')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {mine.groups.map((g) => (
                  <tr key={g.id}>
                    <th scope="row" data-label={t('counter.group')}>
                      <span className="group-code">{g.code}</span> {name(g)}
                    </th>
                    <td className="num" data-label={t('counter.waiting')} data-testid={`queue-${g.code}`}>
                      {g.waiting}
                    </td>
                    <td className="num" data-label={t('counter.priorityWaiting')}>
                      {g.priorityWaiting}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        {setup && <IssueTicket setup={setup} run={run} busy={busy} />}
        <section className="card" aria-labelledby={`${id}-cl`}>
          <h2 id={`${id}-cl`}>{t('counter.closeTitle')}</h2>
          <p className="small muted">{t('counter.closeText')}</p>
          {button('close', 'counter.close', 'button-danger')}
        </section>
      </aside>
    </div>
  );
}

function TicketFacts({ ticket }: { ticket: Ticket }) {
  const { t, lang } = useQueueT();
  return (
    <dl className="facts counter-facts">
      <div>
        <dt>{t('counter.group')}</dt>
        <dd>
          {ticket.groupCode} – {lang === 'en' ? ticket.groupNameEn : ticket.groupNameVi}
        </dd>
      </div>
      {ticket.priority && (
        <div>
          <dt>{t('counter.priority')}</dt>
          <dd>
            <span className="badge badge-amber">{t(`priority.${ticket.priority}`)}</span>
          </dd>
        </div>
      )}
      <div>
        <dt>{t('counter.arrived')}</dt>
        <dd>{formatDateTime(ticket.arrivedAt, lang)}</dd>
      </div>
      <div>
        <dt>{t('counter.waited')}</dt>
        <dd>{ticket.waitSeconds !== null ? t('wait.minutesExact', { count: Math.round(ticket.waitSeconds / 60) }) : '—'}</dd>
      </div>
      <div>
        <dt>{t('counter.calls')}</dt>
        <dd>{ticket.callCount}</dd>
      </div>
      <div>
        <dt>{t('counter.channel')}</dt>
        <dd>{t(`channel.${ticket.channel}`)}</dd>
      </div>
    </dl>
  );
}

/** Dossier codes to link when finishing: the ones received at this point since the call, or typed. */
function FinishPanel({
  ticket,
  codes,
  onCodes,
  picked,
  onPicked,
  finishButton,
}: {
  ticket: Ticket;
  codes: string;
  onCodes: (s: string) => void;
  picked: string[];
  onPicked: (c: string[]) => void;
  finishButton: React.ReactNode;
}) {
  const { t } = useQueueT();
  const id = useId();
  const [recent, setRecent] = useState<DossierListItem[]>([]);
  const since = ticket.calledAt;
  useEffect(() => {
    if (!since) return;
    const ac = new AbortController();
    // The clerk's inbox is their point's; the dossiers received since the call are this citizen's, most likely.
    void settle(staffApi.GET('/dossiers', { params: { query: { status: 'received', limit: 200 } }, signal: ac.signal }))
      .then((r) => {
        if (r.ok)
          setRecent(
            r.data
              .filter((d) => d.receivedAt && d.receivedAt >= since)
              .sort((a, b) => (b.receivedAt ?? '').localeCompare(a.receivedAt ?? '')),
          );
      })
      .catch(() => undefined);
    return () => ac.abort();
  }, [since]);
  const linked = useMemo(() => new Set(ticket.dossierCodes ?? []), [ticket.dossierCodes]);
  return (
    <div className="counter-finish">
      <h3>{t('counter.finishTitle')}</h3>
      <p className="small">
        {t('counter.intakeHint')} <Link to="/can-bo/tiep-nhan">{t('counter.intakeLink')}</Link>
      </p>
      {recent.length > 0 && (
        <fieldset className="counter-recent">
          <legend>{t('counter.recent')}</legend>
          {recent.map((d) => (
            <div className="check" key={d.code}>
              <input
                type="checkbox"
                id={`${id}-${d.code}`}
                checked={picked.includes(d.code) || linked.has(d.code)}
                disabled={linked.has(d.code)}
                onChange={(e) => onPicked(e.target.checked ? [...picked, d.code] : picked.filter((c) => c !== d.code))}
              />
              <label htmlFor={`${id}-${d.code}`}>
                <span className="code">{d.code}</span> · {d.applicantName}
              </label>
            </div>
          ))}
        </fieldset>
      )}
      <div className="field">
        <label htmlFor={`${id}-codes`}>{t('counter.codes')}</label>
        <p className="hint" id={`${id}-codes-hint`}>
          {t('counter.codesHint')}
        </p>
        <input
          id={`${id}-codes`}
          type="text"
          className="code-input"
          value={codes}
          onChange={(e) => onCodes(e.target.value)}
          autoComplete="off"
          spellCheck={false}
          aria-describedby={`${id}-codes-hint`}
        />
      </div>
      {finishButton}
    </div>
  );
}

function TransferForm({
  formId,
  ticket,
  counter,
  setup,
  busy,
  run,
  onCancel,
}: {
  formId: string;
  ticket: Ticket;
  counter: Counter;
  setup: Setup;
  busy: string | null;
  run: Run;
  onCancel: () => void;
}) {
  const { t, lang } = useQueueT();
  const id = useId();
  const groups = setup.groups.filter((g) => g.active);
  const counters = setup.counters.filter((c) => c.active && c.id !== counter.id);
  const [to, setTo] = useState<'group' | 'counter'>('group');
  const [groupId, setGroupId] = useState(groups.find((g) => g.id !== ticket.groupId)?.id ?? groups[0]?.id ?? 0);
  const [counterId, setCounterId] = useState(counters[0]?.id ?? 0);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = to === 'group' ? { groupId } : { counterId };
    void run(
      'transfer',
      () => settle(staffApi.POST('/queue/tickets/{id}/transfer', { params: { path: { id: ticket.id } }, body })),
      (d) =>
        to === 'group'
          ? t('counter.transferredGroup', { label: d.label, group: d.groupCode ?? '' })
          : t('counter.transferredCounter', { label: d.label, counter: counters.find((c) => c.id === counterId)?.nameVi ?? '' }),
    );
  };
  return (
    <form id={formId} className="counter-transfer" onSubmit={submit}>
      <fieldset>
        <legend>{t('counter.transferTo')}</legend>
        <div className="check">
          <input ref={first} type="radio" id={`${id}-g`} name={`${id}-to`} checked={to === 'group'} onChange={() => setTo('group')} />
          <label htmlFor={`${id}-g`}>{t('counter.toGroup')}</label>
        </div>
        <div className="check">
          <input
            type="radio"
            id={`${id}-c`}
            name={`${id}-to`}
            checked={to === 'counter'}
            onChange={() => setTo('counter')}
            disabled={counters.length === 0}
          />
          <label htmlFor={`${id}-c`}>{t('counter.toCounter')}</label>
        </div>
      </fieldset>
      {to === 'group' ? (
        <div className="field">
          <label htmlFor={`${id}-gs`}>{t('counter.group')}</label>
          <select id={`${id}-gs`} value={groupId} onChange={(e) => setGroupId(Number(e.target.value))}>
            {groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.code} – {lang === 'en' ? g.nameEn : g.nameVi}
              </option>
            ))}
          </select>
        </div>
      ) : (
        <div className="field">
          <label htmlFor={`${id}-cs`}>{t('counter.counter')}</label>
          <select id={`${id}-cs`} value={counterId} onChange={(e) => setCounterId(Number(e.target.value))}>
            {counters.map((c) => (
              <option key={c.id} value={c.id}>
                {lang === 'en' ? c.nameEn : c.nameVi}
                {c.staffName ? ` (${c.staffName})` : ''}
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="button button-primary button-small" disabled={busy !== null} aria-busy={busy === 'transfer'}>
          {t('counter.transferSubmit')}
        </button>
        <button type="button" className="button button-secondary button-small" onClick={onCancel}>
          {t('counter.cancel')}
        </button>
      </div>
    </form>
  );
}

/** A ticket issued at the counter for a citizen who has none (phone call, no kiosk, assisted). */
function IssueTicket({ setup, run, busy }: { setup: Setup; run: Run; busy: string | null }) {
  const { t, lang } = useQueueT();
  const id = useId();
  const groups = setup.groups.filter((g) => g.active);
  const [groupId, setGroupId] = useState(groups[0]?.id ?? 0);
  const [priority, setPriority] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = { groupId, ...(priority ? { priority: priority as (typeof PRIORITIES)[number] } : {}) };
    void run(
      'issue',
      () => settle(staffApi.POST('/queue/points/{unitId}/tickets', { params: { path: { unitId: setup.unitId } }, body })),
      (d) => t('counter.issued', { label: d.label, ahead: d.ahead }),
    );
  };
  if (!groups.length) return null;
  return (
    <details className="card counter-issue">
      <summary>{t('counter.issueTitle')}</summary>
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor={`${id}-g`}>{t('counter.group')}</label>
          <select id={`${id}-g`} value={groupId} onChange={(e) => setGroupId(Number(e.target.value))}>
            {groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.code} – {lang === 'en' ? g.nameEn : g.nameVi}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-p`}>{t('counter.priority')}</label>
          <select id={`${id}-p`} value={priority} onChange={(e) => setPriority(e.target.value)}>
            <option value="">{t('kiosk.priorityNone')}</option>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {t(`priority.${p}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button button-secondary button-small" disabled={busy !== null} aria-busy={busy === 'issue'}>
          {t('counter.issue')}
        </button>
      </form>
    </details>
  );
}
