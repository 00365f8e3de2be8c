// A seeded discrete-event simulation of one service point's days: pure (no clock, no I/O), deterministic for a
// seed, and cheap enough for a province-year (typed arrays, a binary heap of clerks, no allocation per event).
//
// The day: office sessions (07:30–11:30 and 13:00–17:00 by default); tickets are issued only inside them, as
// a Poisson stream whose rate is constant within each clock hour. Clerks on duty follow a schedule by clock
// hour: when it rises, clerks join at the hour; when it falls, idle clerks leave at once and busy ones when
// their ticket is done. At a session's end no ticket is issued any more, but the clerks on duty serve everyone
// still waiting (the time past the end is overtime), so each session starts with an empty hall.
//
// Calling order: priority tickets (the elderly, people with disabilities, pregnant women) are called before
// normal ones, but never more than `maxPriorityInARow` (default: the counters' own MAX_PRIORITY_STREAK) in a row while a normal ticket waits: a
// normal ticket is then called, so a steady stream of priority tickets cannot starve the normal queue. Within
// each class, first come first served. A called ticket does not come with probability `noShowShare`: the
// clerk waits `recallSeconds` (default 60) and calls the next.

import { mulberry32 } from '../platform/random.js';
import { MAX_PRIORITY_STREAK } from './ticket.model.js';
import { DomainError } from '../platform/errors.js';
import { checkNumber, DEFAULT_TARGET_SECONDS, recommendClerks, type StaffingTargets } from './erlang.model.js';

/** An office session, in minutes after local midnight: tickets are issued from `start` until `end`. */
export interface Session {
  start: number;
  end: number;
}

/** The demo province's office hours (DEMO_OFFICE_HOURS in calendar/calendar.model.ts). */
export const DEFAULT_SESSIONS_TEXT = '07:30-11:30,13:00-17:00';
/** The rule the counters apply (ticket.model.ts), so a simulated day queues as a real one does. */
export const DEFAULT_MAX_PRIORITY_IN_A_ROW = MAX_PRIORITY_STREAK;
export const DEFAULT_RECALL_SECONDS = 60;
// Guards memory: a run keeps every served wait to give exact percentiles.
const MAX_EXPECTED_TICKETS = 20_000_000;

export interface SimulationInput {
  sessions: readonly Session[];
  /** Tickets per hour for each clock hour 0–23 (hours outside the sessions are ignored). */
  arrivalsPerHour: readonly number[];
  /** Clerks on duty for each clock hour 0–23. */
  clerks: readonly number[];
  /** Mean service time. */
  serviceSeconds: number;
  /** Coefficient of variation of service times: given, they are lognormal; absent, exponential (CV 1). */
  serviceCv?: number;
  /** Share of tickets that are priority tickets, 0–1 (default 0). */
  priorityShare?: number;
  /** Priority tickets called in a row at most while a normal ticket waits (default MAX_PRIORITY_STREAK, as at the counters; Infinity: strict priority). */
  maxPriorityInARow?: number;
  /** Share of called tickets whose holder does not come, 0 ≤ x < 1 (default 0). */
  noShowShare?: number;
  /** Seconds a clerk waits for a no-show before calling the next (default 60). */
  recallSeconds?: number;
  /** Wait within which a ticket counts as served in time (default 900 s). */
  targetSeconds?: number;
  /** Days simulated one after another from the same seed (default 1). */
  days?: number;
  /** Seed of the pseudo-random generator, an unsigned 32-bit integer (default 1). */
  seed?: number;
  /** Also return every ticket (typed arrays); off by default. */
  keepTickets?: boolean;
}

/** Figures of one class of tickets (or all) over every simulated day. */
export interface WaitFigures {
  arrivals: number;
  served: number;
  noShows: number;
  /** Mean wait of served tickets from arrival to call; null when none was served. */
  meanWaitSeconds: number | null;
  /** 90th percentile of those waits (nearest rank); null when none was served. */
  p90WaitSeconds: number | null;
  /** Share of served tickets called within the target; null when none was served. */
  shareWithinTarget: number | null;
}

export interface HourFigures {
  hour: number;
  clerks: number;
  /** Tickets issued in this hour, summed over the days. */
  arrivals: number;
  /** Of those, served (the others were no-shows). */
  served: number;
  meanWaitSeconds: number | null;
  shareWithinTarget: number | null;
  /** Busy clerk time (serving or waiting for a no-show) in this hour over scheduled clerk time; null when none scheduled. */
  utilization: number | null;
}

/** Every ticket of the run, by index in order of issue (day by day). */
export interface SimulatedTickets {
  day: Int32Array;
  /** Seconds after midnight of its day. */
  arrivalSeconds: Float64Array;
  priority: Uint8Array;
  /** 1 when the holder did not come when called. */
  noShow: Uint8Array;
  waitSeconds: Float64Array;
  /** Service time; 0 for a no-show. */
  serviceSeconds: Float64Array;
}

export interface SimulationResult extends WaitFigures {
  days: number;
  seed: number;
  targetSeconds: number;
  maxWaitSeconds: number | null;
  /** Mean service time of served tickets. */
  meanServiceSeconds: number | null;
  /** Busy clerk time over scheduled clerk time, for the whole run (overtime counts as busy, not as scheduled). */
  utilization: number | null;
  /** Mean time per day the clerks worked past the sessions' ends to empty the hall. */
  overtimeSecondsPerDay: number;
  priority: WaitFigures;
  normal: WaitFigures;
  /** The clock hours the sessions touch. */
  hours: HourFigures[];
  tickets?: SimulatedTickets;
}

function fail(field: string, message: string): DomainError {
  return new DomainError('VALIDATION', `${field} ${message}`, { field });
}

function minuteOf(text: string, field: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) throw fail(field, `must be a list of HH:MM-HH:MM sessions such as ${DEFAULT_SESSIONS_TEXT} (got "${text}")`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min > 0)) throw fail(field, `has an impossible time "${text}"`);
  return h * 60 + min;
}

/** Parses office sessions written as "07:30-11:30,13:00-17:00". */
export function parseSessions(text: string, field = 'sessions'): Session[] {
  const sessions = text.split(',').map((part) => {
    const [a, b, ...rest] = part.split('-');
    if (a === undefined || b === undefined || rest.length)
      throw fail(field, `must be a list of HH:MM-HH:MM sessions such as ${DEFAULT_SESSIONS_TEXT} (got "${part}")`);
    return { start: minuteOf(a, field), end: minuteOf(b, field) };
  });
  checkSessions(sessions, field);
  return sessions;
}

function checkSessions(sessions: readonly Session[], field: string): void {
  if (!Array.isArray(sessions) || sessions.length === 0) throw fail(field, 'must hold at least one session');
  let previousEnd = 0;
  sessions.forEach((s, i) => {
    checkNumber(`${field}[${i}].start`, s.start, { integer: true, min: 0, max: 1440 });
    checkNumber(`${field}[${i}].end`, s.end, { integer: true, min: 0, max: 1440 });
    if (s.end <= s.start) throw fail(field, `must end each session after it starts (session ${i + 1} does not)`);
    if (s.start < previousEnd) throw fail(field, `must be in order without overlaps (session ${i + 1} is not)`);
    previousEnd = s.end;
  });
}

/** The clock hours (0–23) that the sessions touch, in order. */
export function sessionHours(sessions: readonly Session[]): number[] {
  const hours = new Set<number>();
  for (const s of sessions) for (let h = Math.floor(s.start / 60); h * 60 < s.end; h++) hours.add(h);
  return [...hours].sort((a, b) => a - b);
}

/**
 * A value per clock hour from one value (every hour), one value per hour the sessions touch (07:30–17:00 with a
 * lunch break touches 7, 8, 9, 10, 11, 13, 14, 15, 16), or 24 values (hours 0–23).
 */
export function expandHourly(
  values: number | readonly number[],
  sessions: readonly Session[],
  field: string,
  range: { integer?: boolean } = {},
): number[] {
  const list = typeof values === 'number' ? [values] : [...values];
  const open = sessionHours(sessions);
  let out: number[];
  if (list.length === 1) out = new Array<number>(24).fill(list[0]!);
  else if (list.length === 24) out = list;
  else if (list.length === open.length) {
    out = new Array<number>(24).fill(0);
    open.forEach((h, k) => (out[h] = list[k]!));
  } else {
    throw fail(
      field,
      `must be one value, ${open.length} values (one per hour the office is open: ${open.map((h) => `${h}h`).join(', ')}) or 24 values (got ${list.length})`,
    );
  }
  out.forEach((v) => checkNumber(field, v, { min: 0, integer: range.integer }));
  return out;
}

/** What a planner states about a day; `simulationInput` turns it into a SimulationInput. */
export interface SimulationParameters extends Omit<SimulationInput, 'sessions' | 'arrivalsPerHour' | 'clerks'> {
  /** Sessions, or their text form (default 07:30-11:30,13:00-17:00). */
  sessions?: string | readonly Session[];
  arrivalsPerHour: number | readonly number[];
  /** Clerks per hour; absent: the fewest that meet `plan` in each hour (recommendClerks). */
  clerks?: number | readonly number[];
  /** Targets for the clerks planned when none are given (defaults of recommendClerks). */
  plan?: StaffingTargets;
}

/** Expands one value or a list per hour, and plans the clerks by Erlang C when none are given. */
export function simulationInput(p: SimulationParameters): SimulationInput {
  const sessions = typeof p.sessions === 'string' ? parseSessions(p.sessions) : (p.sessions ?? parseSessions(DEFAULT_SESSIONS_TEXT));
  checkSessions(sessions, 'sessions');
  const arrivalsPerHour = expandHourly(p.arrivalsPerHour, sessions, 'arrivalsPerHour');
  checkNumber('serviceSeconds', p.serviceSeconds, { above: 0 });
  const open = new Set(sessionHours(sessions));
  const clerks =
    p.clerks === undefined
      ? arrivalsPerHour.map((lambda, h) =>
          open.has(h) ? recommendClerks({ arrivalsPerHour: lambda, serviceSeconds: p.serviceSeconds, ...p.plan }).clerks : 0,
        )
      : expandHourly(p.clerks, sessions, 'clerks', { integer: true });
  const { plan: _plan, ...rest } = p;
  return { ...rest, sessions, arrivalsPerHour, clerks };
}

// ---------------------------------------------------------------------------------------------------------

class Floats {
  data: Float64Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Float64Array(Math.max(16, capacity));
  }
  push(x: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = x;
  }
  sorted(): Float64Array {
    return this.data.subarray(0, this.length).sort();
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  next.set(a);
  return next;
}

function nearestRank(sorted: Float64Array, q: number): number | null {
  return sorted.length === 0 ? null : sorted[Math.ceil(q * sorted.length) - 1]!;
}

function checkInput(input: SimulationInput) {
  checkSessions(input.sessions, 'sessions');
  if (!Array.isArray(input.arrivalsPerHour) || input.arrivalsPerHour.length !== 24)
    throw fail('arrivalsPerHour', 'must hold 24 values, one per clock hour');
  if (!Array.isArray(input.clerks) || input.clerks.length !== 24) throw fail('clerks', 'must hold 24 values, one per clock hour');
  input.arrivalsPerHour.forEach((v) => checkNumber('arrivalsPerHour', v, { min: 0 }));
  input.clerks.forEach((v) => checkNumber('clerks', v, { integer: true, min: 0, max: 100_000 }));
  const serviceSeconds = checkNumber('serviceSeconds', input.serviceSeconds, { above: 0 });
  const serviceCv = input.serviceCv === undefined ? null : checkNumber('serviceCv', input.serviceCv, { above: 0, max: 10 });
  const priorityShare = checkNumber('priorityShare', input.priorityShare ?? 0, { min: 0, max: 1 });
  const k = input.maxPriorityInARow ?? DEFAULT_MAX_PRIORITY_IN_A_ROW;
  if (k !== Infinity) checkNumber('maxPriorityInARow', k, { integer: true, min: 1 });
  const noShowShare = checkNumber('noShowShare', input.noShowShare ?? 0, { min: 0, below: 1 });
  const recallSeconds = checkNumber('recallSeconds', input.recallSeconds ?? DEFAULT_RECALL_SECONDS, { min: 0 });
  const targetSeconds = checkNumber('targetSeconds', input.targetSeconds ?? DEFAULT_TARGET_SECONDS, { min: 0 });
  const days = checkNumber('days', input.days ?? 1, { integer: true, min: 1, max: 1_000_000 });
  const seed = checkNumber('seed', input.seed ?? 1, { integer: true, min: 0, max: 0xffffffff });
  let perDay = 0;
  for (const s of input.sessions) {
    for (let h = Math.floor(s.start / 60); h * 60 < s.end; h++) {
      perDay += (input.arrivalsPerHour[h]! * (Math.min(s.end, h * 60 + 60) - Math.max(s.start, h * 60))) / 60;
    }
  }
  if (perDay * days > MAX_EXPECTED_TICKETS)
    throw fail('days', `would issue about ${Math.round(perDay * days)} tickets; at most ${MAX_EXPECTED_TICKETS} are simulated in one run`);
  return { serviceSeconds, serviceCv, priorityShare, k, noShowShare, recallSeconds, targetSeconds, days, seed, perDay };
}

/** Runs the simulation and returns the figures of every simulated day together (and each ticket if asked). */
export function simulateQueue(input: SimulationInput): SimulationResult {
  const { serviceSeconds, serviceCv, priorityShare, k, noShowShare, recallSeconds, targetSeconds, days, seed, perDay } = checkInput(input);
  const rng = mulberry32(seed);
  const rates = Float64Array.from(input.arrivalsPerHour, (x) => x / 3600);
  const clerks = Int32Array.from(input.clerks);
  const keep = input.keepTickets === true;

  // Lognormal with mean s and CV c: σ² = ln(1 + c²), μ = ln s − σ²/2. Normal draws by Box–Muller, two per pair of uniforms.
  const sigma = serviceCv === null ? 0 : Math.sqrt(Math.log(1 + serviceCv * serviceCv));
  const mu = serviceCv === null ? 0 : Math.log(serviceSeconds) - (sigma * sigma) / 2;
  let spareNormal = NaN;
  const drawService = (): number => {
    if (serviceCv === null) return -serviceSeconds * Math.log(1 - rng());
    let z: number;
    if (Number.isNaN(spareNormal)) {
      const r = Math.sqrt(-2 * Math.log(1 - rng()));
      const theta = 2 * Math.PI * rng();
      z = r * Math.cos(theta);
      spareNormal = r * Math.sin(theta);
    } else {
      z = spareNormal;
      spareNormal = NaN;
    }
    return Math.exp(mu + sigma * z);
  };

  // Scratch of one session, reused: arrival times, and the tickets of each class in order of arrival.
  let arrT = new Float64Array(64);
  let isPri = new Uint8Array(64);
  let priList = new Int32Array(64);
  let norList = new Int32Array(64);
  let maxClerks = 1;
  for (let h = 0; h < 24; h++) maxClerks = Math.max(maxClerks, clerks[h]!);
  const heap = new Float64Array(maxClerks + 1);
  let heapSize = 0;
  const heapPush = (x: number) => {
    let i = heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= x) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = x;
  };
  const heapPop = () => {
    const last = heap[--heapSize]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= heapSize) break;
      if (child + 1 < heapSize && heap[child + 1]! < heap[child]!) child++;
      if (heap[child]! >= last) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  };

  // Totals: index 0 normal, 1 priority.
  const arrivals = [0, 0];
  const served = [0, 0];
  const noShows = [0, 0];
  const waitSum = [0, 0];
  const within = [0, 0];
  const waits = [new Floats(perDay * days * (1 - priorityShare) + 16), new Floats(perDay * days * priorityShare + 16)];
  let serviceSum = 0;
  let maxWait = -Infinity;
  let overtime = 0;
  const hourArrivals = new Float64Array(24);
  const hourServed = new Float64Array(24);
  const hourWaitSum = new Float64Array(24);
  const hourWithin = new Float64Array(24);
  const hourBusy = new Float64Array(24);
  const hourScheduled = new Float64Array(24);
  for (const s of input.sessions) {
    for (let h = Math.floor(s.start / 60); h * 60 < s.end; h++) {
      hourScheduled[h]! += clerks[h]! * 60 * (Math.min(s.end, h * 60 + 60) - Math.max(s.start, h * 60)) * days;
    }
  }

  let capacity = keep ? Math.ceil(perDay * days * 1.1) + 64 : 0;
  let tDay = new Int32Array(capacity);
  let tArrival = new Float64Array(capacity);
  let tPri = new Uint8Array(capacity);
  let tNoShow = new Uint8Array(capacity);
  let tWait = new Float64Array(capacity);
  let tService = new Float64Array(capacity);
  let ticketBase = 0;

  const addBusy = (from: number, to: number) => {
    while (from < to) {
      const h = Math.floor(from / 3600);
      const end = Math.min(to, (h + 1) * 3600);
      hourBusy[h < 24 ? h : 23]! += end - from;
      from = end;
    }
  };

  for (let day = 0; day < days; day++) {
    for (const session of input.sessions) {
      const s0 = session.start * 60;
      const s1 = session.end * 60;
      // Arrivals: a homogeneous Poisson stream within each clock hour, restarted at the hour (memoryless, so exact).
      let m = 0;
      let nPri = 0;
      let nNor = 0;
      for (let h = Math.floor(s0 / 3600); h * 3600 < s1; h++) {
        const rate = rates[h]!;
        if (rate <= 0) continue;
        const segEnd = Math.min(s1, (h + 1) * 3600);
        let t = Math.max(s0, h * 3600);
        for (;;) {
          t -= Math.log(1 - rng()) / rate;
          if (t >= segEnd) break;
          if (m === arrT.length) {
            arrT = grow(arrT, m * 2);
            isPri = grow(isPri, m * 2);
            priList = grow(priList, m * 2);
            norList = grow(norList, m * 2);
          }
          arrT[m] = t;
          const p = priorityShare > 0 && rng() < priorityShare ? 1 : 0;
          isPri[m] = p;
          if (p) priList[nPri++] = m;
          else norList[nNor++] = m;
          hourArrivals[h]!++;
          m++;
        }
      }
      arrivals[0]! += nNor;
      arrivals[1]! += nPri;
      if (keep && ticketBase + m > capacity) {
        capacity = Math.max(ticketBase + m, capacity * 2);
        tDay = grow(tDay, capacity);
        tArrival = grow(tArrival, capacity);
        tPri = grow(tPri, capacity);
        tNoShow = grow(tNoShow, capacity);
        tWait = grow(tWait, capacity);
        tService = grow(tService, capacity);
      }

      let hour = Math.floor(s0 / 3600);
      let target = clerks[hour]!;
      let present = target;
      let idle = target;
      let nextBoundary = (hour + 1) * 3600 < s1 ? (hour + 1) * 3600 : Infinity;
      let ia = 0;
      let priArrived = 0;
      let priHead = 0;
      let norArrived = 0;
      let norHead = 0;
      let run = 0;
      let now = s0;
      let lastFree = s0;
      heapSize = 0;

      const call = (t: number) => {
        const pw = priArrived - priHead;
        const nw = norArrived - norHead;
        let idx: number;
        let cls: number;
        if (pw > 0 && (nw === 0 || run < k)) {
          idx = priList[priHead++]!;
          cls = 1;
          run = nw > 0 ? run + 1 : 0;
        } else {
          idx = norList[norHead++]!;
          cls = 0;
          run = 0;
        }
        const wait = t - arrT[idx]!;
        let end: number;
        let service = 0;
        const noShow = noShowShare > 0 && rng() < noShowShare;
        if (noShow) {
          noShows[cls]!++;
          end = t + recallSeconds;
        } else {
          service = drawService();
          end = t + service;
          served[cls]!++;
          waitSum[cls]! += wait;
          serviceSum += service;
          if (wait > maxWait) maxWait = wait;
          waits[cls]!.push(wait);
          const ah = Math.floor(arrT[idx]! / 3600);
          hourServed[ah]!++;
          hourWaitSum[ah]! += wait;
          if (wait <= targetSeconds) {
            within[cls]!++;
            hourWithin[ah]!++;
          }
        }
        if (keep) {
          const j = ticketBase + idx;
          tDay[j] = day;
          tArrival[j] = arrT[idx]!;
          tPri[j] = cls;
          tNoShow[j] = noShow ? 1 : 0;
          tWait[j] = wait;
          tService[j] = service;
        }
        addBusy(t, end);
        if (end > lastFree) lastFree = end;
        heapPush(end);
      };

      for (;;) {
        const tA = ia < m ? arrT[ia]! : Infinity;
        const tC = heapSize > 0 ? heap[0]! : Infinity;
        if (nextBoundary <= tA && nextBoundary <= tC && nextBoundary !== Infinity) {
          now = nextBoundary;
          hour++;
          target = clerks[hour]!;
          nextBoundary = now + 3600 < s1 ? now + 3600 : Infinity;
          while (present < target) {
            present++;
            idle++;
          }
          while (present > target && idle > 0) {
            present--;
            idle--;
          }
          while (idle > 0 && priArrived - priHead + norArrived - norHead > 0) {
            idle--;
            call(now);
          }
        } else if (tC <= tA && tC !== Infinity) {
          now = tC;
          heapPop();
          if (present > target) present--;
          else if (priArrived - priHead + norArrived - norHead > 0) call(now);
          else idle++;
        } else if (tA !== Infinity) {
          now = tA;
          if (isPri[ia]) priArrived++;
          else norArrived++;
          ia++;
          if (idle > 0) {
            idle--;
            call(now);
          }
        } else if (priArrived - priHead + norArrived - norHead > 0) {
          // Tickets left with no clerk on duty for the rest of the session: one clerk serves them from its end.
          now = Math.max(now, s1);
          target = Math.max(target, 1);
          present = Math.max(present, 1);
          call(now);
        } else {
          break;
        }
      }
      if (lastFree > s1) overtime += lastFree - s1;
      ticketBase += m;
    }
  }

  const figures = (cls: 0 | 1 | null, sorted: Float64Array): WaitFigures => {
    const pick = (a: number[]) => (cls === null ? a[0]! + a[1]! : a[cls]!);
    const n = pick(served);
    return {
      arrivals: pick(arrivals),
      served: n,
      noShows: pick(noShows),
      meanWaitSeconds: n > 0 ? pick(waitSum) / n : null,
      p90WaitSeconds: nearestRank(sorted, 0.9),
      shareWithinTarget: n > 0 ? pick(within) / n : null,
    };
  };
  const sortedNormal = waits[0]!.sorted();
  const sortedPriority = waits[1]!.sorted();
  const all = new Float64Array(sortedNormal.length + sortedPriority.length);
  all.set(sortedNormal);
  all.set(sortedPriority, sortedNormal.length);
  all.sort();
  let busy = 0;
  let scheduled = 0;
  for (let h = 0; h < 24; h++) {
    busy += hourBusy[h]!;
    scheduled += hourScheduled[h]!;
  }
  const totalServed = served[0]! + served[1]!;
  const result: SimulationResult = {
    days,
    seed,
    targetSeconds,
    ...figures(null, all),
    maxWaitSeconds: totalServed > 0 ? maxWait : null,
    meanServiceSeconds: totalServed > 0 ? serviceSum / totalServed : null,
    utilization: scheduled > 0 ? busy / scheduled : null,
    overtimeSecondsPerDay: overtime / days,
    priority: figures(1, sortedPriority),
    normal: figures(0, sortedNormal),
    hours: sessionHours(input.sessions).map((h) => ({
      hour: h,
      clerks: clerks[h]!,
      arrivals: hourArrivals[h]!,
      served: hourServed[h]!,
      meanWaitSeconds: hourServed[h]! > 0 ? hourWaitSum[h]! / hourServed[h]! : null,
      shareWithinTarget: hourServed[h]! > 0 ? hourWithin[h]! / hourServed[h]! : null,
      utilization: hourScheduled[h]! > 0 ? hourBusy[h]! / hourScheduled[h]! : null,
    })),
  };
  if (keep) {
    result.tickets = {
      day: tDay.slice(0, ticketBase),
      arrivalSeconds: tArrival.slice(0, ticketBase),
      priority: tPri.slice(0, ticketBase),
      noShow: tNoShow.slice(0, ticketBase),
      waitSeconds: tWait.slice(0, ticketBase),
      serviceSeconds: tService.slice(0, ticketBase),
    };
  }
  return result;
}
