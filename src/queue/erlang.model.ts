// Erlang B and C for planning counters: pure functions, no clock, no I/O.
//
// A service point in one hour is read as an M/M/n queue: tickets arrive as a Poisson stream of λ per hour,
// service times are exponential with mean s seconds, n clerks call from one queue in order. The offered
// load is a = λ·s/3600 erlangs. Erlang B comes from the recursion B(0) = 1, B(k) = a·B(k−1)/(k + a·B(k−1)),
// which never forms a^n or n! and so stays finite for loads of many thousands of erlangs; Erlang C, the
// probability of waiting, follows as C = n·B/(n − a·(1 − B)) when a < n.

import { DomainError } from '../platform/errors.js';

/** The published goal for a service point: an average wait of 15 minutes. */
export const DEFAULT_TARGET_MEAN_WAIT_SECONDS = 900;
/** Wait against which the share served in time is reported when no other time is given (the same 15 minutes). */
export const DEFAULT_TARGET_SECONDS = 900;
/** Share of their time clerks may be busy before a plan is judged too tight (the usual call-centre cap). */
export const DEFAULT_MAX_OCCUPANCY = 0.85;

/** One service point in one period: arrivals per hour, mean service time and clerks on duty. */
export interface QueueInput {
  arrivalsPerHour: number;
  serviceSeconds: number;
  clerks: number;
}

/**
 * Steady-state figures of an M/M/n queue. When the load reaches the clerks (a ≥ n, with a > 0) the queue
 * grows without bound: `stable` is false, `pWait` 1, `meanWaitSeconds` null and `shareWithinTarget` 0.
 */
export interface QueueFigures {
  arrivalsPerHour: number;
  serviceSeconds: number;
  clerks: number;
  /** a = λ·s/3600, in erlangs: the clerks that would be busy on average if none were ever idle by force. */
  offeredLoad: number;
  stable: boolean;
  /** Erlang C: probability that a citizen waits at all. */
  pWait: number;
  /** Mean wait before being called, C·s/(n − a); null when the queue is unstable. */
  meanWaitSeconds: number | null;
  /** The wait `shareWithinTarget` is measured against. */
  targetSeconds: number;
  /** Share called within targetSeconds, 1 − C·e^{−(n−a)·t/s}; 0 when unstable. */
  shareWithinTarget: number;
  /** a/n: the share of their time clerks are busy (above 1 when unstable; Infinity, null in JSON, with no clerk). */
  occupancy: number;
}

/** Targets a recommendation must meet; absent ones do not constrain (see `resolveTargets` for defaults). */
export interface StaffingTargets {
  /** Mean wait at most this many seconds. */
  targetMeanWaitSeconds?: number;
  /** With targetShare: the wait within which that share must be called. Alone: only the time `shareWithinTarget` is reported against. */
  targetSeconds?: number;
  /** Share of citizens to be called within targetSeconds, 0 < p < 1. */
  targetShare?: number;
  /** Clerks busy at most this share of their time, 0 < x ≤ 1. */
  maxOccupancy?: number;
  /** Share of rostered clerks expected absent (leave, sickness, training), 0 ≤ x < 1. */
  absence?: number;
}

/** Targets after defaults: exactly what a recommendation was computed against. */
export interface ResolvedTargets {
  targetMeanWaitSeconds: number | null;
  targetSeconds: number;
  targetShare: number | null;
  maxOccupancy: number;
  absence: number;
}

export type StaffingConstraint = 'stability' | 'meanWait' | 'share' | 'occupancy';

/** Figures at a given clerk count, judged against the targets. */
export interface ClerkEvaluation extends QueueFigures {
  /** ceil(clerks / (1 − absence)): clerks to roster so that `clerks` are present. */
  scheduled: number;
  targets: ResolvedTargets;
  /** Constraints these clerks break (empty: every target is met). */
  broken: StaffingConstraint[];
}

/** Clerks needed on duty (`clerks`) and to roster (`scheduled`), with the figures at `clerks`. */
export interface ClerkRecommendation extends QueueFigures {
  /** ceil(clerks / (1 − absence)): clerks to roster so that `clerks` are present. */
  scheduled: number;
  targets: ResolvedTargets;
  /** Constraints that one clerk fewer would break (empty when no clerk is needed). */
  limitedBy: StaffingConstraint[];
}

function invalid(field: string, expected: string, value: unknown): DomainError {
  return new DomainError('VALIDATION', `${field} must be ${expected} (got ${String(value)})`, { field });
}

/** Throws a VALIDATION error naming `field` unless `value` is a finite number in the given range. */
export function checkNumber(
  field: string,
  value: unknown,
  range: { min?: number; max?: number; above?: number; below?: number; integer?: boolean } = {},
): number {
  if (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    !(range.integer && !Number.isInteger(value)) &&
    !(range.min !== undefined && value < range.min) &&
    !(range.above !== undefined && value <= range.above) &&
    !(range.max !== undefined && value > range.max) &&
    !(range.below !== undefined && value >= range.below)
  ) {
    return value;
  }
  // The message is built only on failure: this check runs on every hour of every plan.
  const parts = [range.integer ? 'a whole number' : 'a finite number'];
  if (range.min !== undefined) parts.push(`≥ ${range.min}`);
  if (range.above !== undefined) parts.push(`> ${range.above}`);
  if (range.max !== undefined) parts.push(`≤ ${range.max}`);
  if (range.below !== undefined) parts.push(`< ${range.below}`);
  throw invalid(field, parts.join(' '), value);
}

function checkLoad(servers: number, load: number): void {
  checkNumber('servers', servers, { integer: true, min: 0 });
  checkNumber('load', load, { min: 0 });
}

// Unchecked kernels, shared by the checked functions and the search loops.
function erlangBUnchecked(servers: number, load: number): number {
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (load * b) / (k + load * b);
  return b;
}

function erlangCFromB(servers: number, load: number, b: number): number {
  if (load <= 0) return 0;
  if (load >= servers) return 1;
  return (servers * b) / (servers - load * (1 - b));
}

/** Erlang B: blocking probability of `servers` lines offered `load` erlangs, by the stable recursion. */
export function erlangB(servers: number, load: number): number {
  checkLoad(servers, load);
  return erlangBUnchecked(servers, load);
}

/** Erlang C: probability of waiting with `servers` servers and `load` erlangs (1 when load ≥ servers > 0). */
export function erlangC(servers: number, load: number): number {
  checkLoad(servers, load);
  return erlangCFromB(servers, load, erlangBUnchecked(servers, load));
}

/** Offered load in erlangs: arrivals per hour × mean service seconds / 3600. */
export function offeredLoad(arrivalsPerHour: number, serviceSeconds: number): number {
  return (arrivalsPerHour * serviceSeconds) / 3600;
}

function checkDemand(arrivalsPerHour: unknown, serviceSeconds: unknown): void {
  checkNumber('arrivalsPerHour', arrivalsPerHour, { min: 0 });
  checkNumber('serviceSeconds', serviceSeconds, { above: 0 });
}

function checkQueue(q: QueueInput): void {
  checkDemand(q.arrivalsPerHour, q.serviceSeconds);
  checkNumber('clerks', q.clerks, { integer: true, min: 0 });
}

// Figures at n clerks given B(n): the one place the formulas are written. (Plain object literals, no spread:
// this runs for every hour of every plan.)
function figuresFromB(arrivalsPerHour: number, serviceSeconds: number, n: number, b: number, targetSeconds: number): QueueFigures {
  const a = offeredLoad(arrivalsPerHour, serviceSeconds);
  let stable = true;
  let pWait = 0;
  let meanWaitSeconds: number | null = 0;
  let shareWithinTarget = 1;
  let occupancy = 0;
  if (a > 0) {
    occupancy = n === 0 ? Infinity : a / n;
    if (a >= n) {
      stable = false;
      pWait = 1;
      meanWaitSeconds = null;
      shareWithinTarget = 0;
    } else {
      pWait = erlangCFromB(n, a, b);
      meanWaitSeconds = (pWait * serviceSeconds) / (n - a);
      shareWithinTarget = 1 - pWait * Math.exp((-(n - a) * targetSeconds) / serviceSeconds);
    }
  }
  return {
    arrivalsPerHour,
    serviceSeconds,
    clerks: n,
    offeredLoad: a,
    stable,
    pWait,
    meanWaitSeconds,
    targetSeconds,
    shareWithinTarget,
    occupancy,
  };
}

/** Every steady-state figure of the queue; the share within target is measured against `targetSeconds`. */
export function queueFigures(q: QueueInput, targetSeconds: number = DEFAULT_TARGET_SECONDS): QueueFigures {
  checkQueue(q);
  checkNumber('targetSeconds', targetSeconds, { min: 0 });
  return figuresFromB(
    q.arrivalsPerHour,
    q.serviceSeconds,
    q.clerks,
    erlangBUnchecked(q.clerks, offeredLoad(q.arrivalsPerHour, q.serviceSeconds)),
    targetSeconds,
  );
}

/** Probability that a citizen waits at all (Erlang C); 1 when the queue is unstable. */
export function pWait(q: QueueInput): number {
  return queueFigures(q).pWait;
}

/** Mean wait in seconds, C·s/(n − a); null when the queue is unstable (it grows without bound). */
export function meanWaitSeconds(q: QueueInput): number | null {
  return queueFigures(q).meanWaitSeconds;
}

/** Share of citizens called within `targetSeconds`, 1 − C·e^{−(n−a)·t/s}; 0 when the queue is unstable. */
export function shareWithinTarget(q: QueueInput, targetSeconds: number): number {
  return queueFigures(q, targetSeconds).shareWithinTarget;
}

/** a/n: share of their time the clerks are busy. */
export function occupancy(q: QueueInput): number {
  return queueFigures(q).occupancy;
}

/**
 * Fills in defaults: with neither a mean-wait nor a share target, the mean wait must be at most 900 s;
 * occupancy is capped at 0.85 unless said otherwise; the share is measured within 900 s unless a time is given.
 */
export function resolveTargets(t: StaffingTargets = {}): ResolvedTargets {
  if (t.targetMeanWaitSeconds !== undefined) checkNumber('targetMeanWaitSeconds', t.targetMeanWaitSeconds, { above: 0 });
  if (t.targetSeconds !== undefined) checkNumber('targetSeconds', t.targetSeconds, { min: 0 });
  // A share of 1 is never reached while anyone waits at all, so the search would not end.
  if (t.targetShare !== undefined) checkNumber('targetShare', t.targetShare, { above: 0, below: 1 });
  if (t.maxOccupancy !== undefined) checkNumber('maxOccupancy', t.maxOccupancy, { above: 0, max: 1 });
  if (t.absence !== undefined) checkNumber('absence', t.absence, { min: 0, below: 1 });
  const noWaitTarget = t.targetMeanWaitSeconds === undefined && t.targetShare === undefined;
  return {
    targetMeanWaitSeconds: t.targetMeanWaitSeconds ?? (noWaitTarget ? DEFAULT_TARGET_MEAN_WAIT_SECONDS : null),
    targetSeconds: t.targetSeconds ?? DEFAULT_TARGET_SECONDS,
    targetShare: t.targetShare ?? null,
    maxOccupancy: t.maxOccupancy ?? DEFAULT_MAX_OCCUPANCY,
    absence: t.absence ?? 0,
  };
}

/** Constraints of `targets` that the figures break (empty: all met). */
export function brokenConstraints(f: QueueFigures, targets: ResolvedTargets): StaffingConstraint[] {
  const broken: StaffingConstraint[] = [];
  if (!f.stable) broken.push('stability');
  if (targets.targetMeanWaitSeconds !== null && (f.meanWaitSeconds === null || f.meanWaitSeconds > targets.targetMeanWaitSeconds))
    broken.push('meanWait');
  if (targets.targetShare !== null && f.shareWithinTarget < targets.targetShare) broken.push('share');
  if (f.offeredLoad > 0 && f.occupancy > targets.maxOccupancy) broken.push('occupancy');
  return broken;
}

/** Clerks to roster so that `clerks` are present when a share `absence` of the roster is away. */
export function scheduledClerks(clerks: number, absence: number): number {
  // The tolerance keeps a quotient such as 14 / 0.7 = 20.000000000000004 from rounding up to 21.
  return clerks === 0 ? 0 : Math.ceil(clerks / (1 - absence) - 1e-9);
}

/** Figures at a given clerk count, the targets they break and the roster for the absence allowance. */
export function evaluateClerks(input: QueueInput & StaffingTargets): ClerkEvaluation {
  checkQueue(input);
  const targets = resolveTargets(input);
  const a = offeredLoad(input.arrivalsPerHour, input.serviceSeconds);
  const f = figuresFromB(
    input.arrivalsPerHour,
    input.serviceSeconds,
    input.clerks,
    erlangBUnchecked(input.clerks, a),
    targets.targetSeconds,
  );
  return { ...f, scheduled: scheduledClerks(input.clerks, targets.absence), targets, broken: brokenConstraints(f, targets) };
}

/**
 * The fewest clerks that meet every target and the occupancy cap (defaults in `resolveTargets`), the
 * roster that covers the absence allowance, and the figures at that count. `limitedBy` names what one
 * clerk fewer would break.
 */
export function recommendClerks(input: { arrivalsPerHour: number; serviceSeconds: number } & StaffingTargets): ClerkRecommendation {
  checkDemand(input.arrivalsPerHour, input.serviceSeconds);
  const targets = resolveTargets(input);
  const { arrivalsPerHour: lambda, serviceSeconds: s } = input;
  const a = offeredLoad(lambda, s);
  const recommend = (n: number, b: number, bPrev: number): ClerkRecommendation => {
    const f = figuresFromB(lambda, s, n, b, targets.targetSeconds) as ClerkRecommendation;
    f.scheduled = scheduledClerks(n, targets.absence);
    f.targets = targets;
    f.limitedBy = n === 0 ? [] : brokenConstraints(figuresFromB(lambda, s, n - 1, bPrev, targets.targetSeconds), targets);
    return f;
  };
  if (a === 0) return recommend(0, 1, 1);
  // Below floor(a) + 1 clerks the queue is unstable and below a/maxOccupancy the cap is broken, so the search
  // starts at the larger bound (floored: a clerk too few is caught by the loop); every figure improves with n.
  // The loop tests the same inequalities as brokenConstraints, without building the figures each time.
  const { targetMeanWaitSeconds: w, targetShare: p, targetSeconds: t, maxOccupancy } = targets;
  let n = Math.max(Math.floor(a) + 1, Math.floor(a / maxOccupancy));
  let bPrev = erlangBUnchecked(n - 1, a);
  let b = (a * bPrev) / (n + a * bPrev);
  for (;;) {
    const c = erlangCFromB(n, a, b);
    const meets =
      a / n <= maxOccupancy && (w === null || (c * s) / (n - a) <= w) && (p === null || 1 - c * Math.exp((-(n - a) * t) / s) >= p);
    if (meets) return recommend(n, b, bPrev);
    bPrev = b;
    n++;
    b = (a * b) / (n + a * b);
  }
}
