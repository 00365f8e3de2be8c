// Staffing plans across service points: pure functions over arrivals by hour, no clock, no I/O.
//
// Each clock hour of a point is read as its own steady-state M/M/n queue (the stationary independent
// period approximation): good when service times are short against the hour, optimistic at the edges
// of a peak, which the simulation (simulation.model.ts) checks.

import { DomainError } from '../platform/errors.js';
import {
  checkNumber,
  queueFigures,
  recommendClerks,
  resolveTargets,
  type ClerkRecommendation,
  type QueueFigures,
  type ResolvedTargets,
  type StaffingTargets,
} from './erlang.model.js';

/** Demand of one clock hour at a point: the arrival rate while open and the mean service time. */
export interface HourDemand {
  /** Clock hour, 0–23 (local time). */
  hour: number;
  /** Tickets per hour while the point is open in this hour. */
  arrivalsPerHour: number;
  serviceSeconds: number;
  /** Minutes of the hour the point is open (default 60; 30 for 07:30–08:00): weighs the hour in day figures. */
  openMinutes?: number;
}

export interface PointDemand {
  /** The service point's code. */
  point: string;
  hours: readonly HourDemand[];
}

/** One row of the requirement table: the clerks a point needs in an hour and the figures at that count. */
export interface PointHourRequirement extends ClerkRecommendation {
  point: string;
  hour: number;
}

function checkHours(hours: readonly HourDemand[], field: string): void {
  const seen = new Set<number>();
  hours.forEach((h, i) => {
    checkNumber(`${field}[${i}].hour`, h.hour, { integer: true, min: 0, max: 23 });
    if (seen.has(h.hour))
      throw new DomainError('VALIDATION', `${field}[${i}].hour ${h.hour} is given twice`, { field: `${field}[${i}].hour` });
    seen.add(h.hour);
    checkNumber(`${field}[${i}].arrivalsPerHour`, h.arrivalsPerHour, { min: 0 });
    checkNumber(`${field}[${i}].serviceSeconds`, h.serviceSeconds, { above: 0 });
    if (h.openMinutes !== undefined) checkNumber(`${field}[${i}].openMinutes`, h.openMinutes, { above: 0, max: 60 });
  });
}

/** The clerks each point needs in each of its hours to meet the targets (defaults as in `resolveTargets`). */
export function hourlyRequirements(points: readonly PointDemand[], targets: StaffingTargets = {}): PointHourRequirement[] {
  resolveTargets(targets);
  const rows: PointHourRequirement[] = [];
  points.forEach((p, i) => {
    checkHours(p.hours, `points[${i}].hours`);
    for (const h of p.hours) {
      const r = recommendClerks({ ...targets, arrivalsPerHour: h.arrivalsPerHour, serviceSeconds: h.serviceSeconds });
      // Written out rather than spread: this runs for every point-hour of a month.
      rows.push({
        point: p.point,
        hour: h.hour,
        clerks: r.clerks,
        scheduled: r.scheduled,
        arrivalsPerHour: r.arrivalsPerHour,
        serviceSeconds: r.serviceSeconds,
        offeredLoad: r.offeredLoad,
        stable: r.stable,
        pWait: r.pWait,
        meanWaitSeconds: r.meanWaitSeconds,
        targetSeconds: r.targetSeconds,
        shareWithinTarget: r.shareWithinTarget,
        occupancy: r.occupancy,
        targets: r.targets,
        limitedBy: r.limitedBy,
      });
    }
  });
  return rows;
}

// ---------------------------------------------------------------------------------------------------------
// Reallocation of a day's clerks between points.

/** A point's demand for the day and the clerks it has (present all day). */
export interface PointDay extends PointDemand {
  clerks: number;
}

/**
 * `day`: a clerk moves for the whole day. `half-day`: the morning (hours before 12) and the afternoon are
 * planned apart, so a clerk may help one point in the morning and another after lunch; each point starts both
 * halves with its own clerks.
 */
export type ReallocationBlocks = 'day' | 'half-day';
export type Block = 'day' | 'morning' | 'afternoon';

export interface ReallocationOptions extends StaffingTargets {
  blocks?: ReallocationBlocks;
  /** Clerks a point keeps whatever its demand (default 1: a point stays open). */
  minClerks?: number;
}

export interface ClerkMove {
  from: string;
  to: string;
  count: number;
  block: Block;
}

/** Predicted figures of a point over a stretch of hours, each hour weighted by its expected tickets. */
export interface PointOutlook {
  /** Tickets expected: Σ arrivalsPerHour × openMinutes/60. */
  arrivals: number;
  /** Arrival-weighted mean wait; null when some hour with arrivals is unstable. */
  meanWaitSeconds: number | null;
  /** Arrival-weighted share called within the target time (unstable hours count as 0). */
  shareWithinTarget: number;
  /** Offered load over clerk time: Σ a_h·w_h / (clerks × Σ w_h), w_h the open share of hour h. */
  occupancy: number;
  /** Hours whose load reaches the clerks: the queue grows through them. */
  overloadedHours: number[];
  meetsTarget: boolean;
}

export interface PointReallocation {
  point: string;
  clerks: { block: Block; before: number; after: number }[];
  before: PointOutlook;
  after: PointOutlook;
}

export interface ReallocationProposal {
  blocks: ReallocationBlocks;
  targets: ResolvedTargets;
  moves: ClerkMove[];
  points: PointReallocation[];
}

// What a point costs at n clerks over a stretch of hours. `short` counts the clerks missing to make each
// overloaded hour stable (a lexicographic first cost, since an unstable hour has no finite wait); `waiting`
// is the citizen-seconds waited in the stable hours.
interface Stretch {
  short: number;
  waiting: number;
  /** Σ a_h·w_h and Σ w_h: clerk-hours of work and open hours. */
  work: number;
  openHours: number;
  figures: QueueFigures[];
  outlook: PointOutlook;
}

const weight = (h: HourDemand) => (h.openMinutes ?? 60) / 60;

function evaluateStretch(hours: readonly HourDemand[], n: number, targets: ResolvedTargets): Stretch {
  let arrivals = 0;
  let work = 0;
  let openHours = 0;
  let waiting = 0;
  let within = 0;
  let short = 0;
  let unstableWithArrivals = false;
  const overloadedHours: number[] = [];
  const figures: QueueFigures[] = [];
  for (const h of hours) {
    const f = queueFigures({ arrivalsPerHour: h.arrivalsPerHour, serviceSeconds: h.serviceSeconds, clerks: n }, targets.targetSeconds);
    const w = weight(h);
    const tickets = h.arrivalsPerHour * w;
    figures.push(f);
    arrivals += tickets;
    work += f.offeredLoad * w;
    openHours += w;
    within += tickets * f.shareWithinTarget;
    if (f.stable) {
      waiting += tickets * f.meanWaitSeconds!;
    } else {
      overloadedHours.push(h.hour);
      short += Math.floor(f.offeredLoad) + 1 - n;
      unstableWithArrivals = true;
    }
  }
  const meanWaitSeconds = unstableWithArrivals ? null : arrivals > 0 ? waiting / arrivals : 0;
  const shareWithinTarget = arrivals > 0 ? within / arrivals : 1;
  const occupancy = work === 0 ? 0 : n === 0 ? Infinity : work / (n * openHours);
  const meetsTarget =
    overloadedHours.length === 0 &&
    (targets.targetMeanWaitSeconds === null || (meanWaitSeconds !== null && meanWaitSeconds <= targets.targetMeanWaitSeconds)) &&
    (targets.targetShare === null || shareWithinTarget >= targets.targetShare) &&
    occupancy <= targets.maxOccupancy;
  return {
    short,
    waiting,
    work,
    openHours,
    figures,
    outlook: { arrivals, meanWaitSeconds, shareWithinTarget, occupancy, overloadedHours, meetsTarget },
  };
}

// Citizen-seconds of waiting saved by going from `from` to `to`, over the hours stable at both counts (hours
// that become stable are counted in `short` instead).
function waitingSaved(hours: readonly HourDemand[], from: Stretch, to: Stretch): number {
  let saved = 0;
  from.figures.forEach((f, i) => {
    const g = to.figures[i]!;
    if (f.stable && g.stable) saved += f.arrivalsPerHour * weight(hours[i]!) * (f.meanWaitSeconds! - g.meanWaitSeconds!);
  });
  return saved;
}

function blockHours(hours: readonly HourDemand[], block: Block): HourDemand[] {
  const sorted = [...hours].sort((x, y) => x.hour - y.hour);
  if (block === 'morning') return sorted.filter((h) => h.hour < 12);
  if (block === 'afternoon') return sorted.filter((h) => h.hour >= 12);
  return sorted;
}

// Greedy: while a point misses the target and another has a clerk to spare (it still meets the target without
// it), move one clerk: to the point where it closes the most overload, then saves the most waiting; from the
// point where it costs the least waiting. Donors keep meeting the target, so no point is pushed past it and
// nothing moves back; each move is final, so the loop ends within the number of clerks.
function reallocateBlock(points: readonly PointDay[], block: Block, targets: ResolvedTargets, minClerks: number) {
  const hours = points.map((p) => blockHours(p.hours, block));
  const n = points.map((p) => p.clerks);
  const cache = points.map(() => new Map<number, Stretch>());
  const at = (i: number, clerks: number): Stretch => {
    let s = cache[i]!.get(clerks);
    if (!s) cache[i]!.set(clerks, (s = evaluateStretch(hours[i]!, clerks, targets)));
    return s;
  };
  const moves = new Map<string, ClerkMove>();
  for (;;) {
    let best: { i: number; closes: number; saves: number } | null = null;
    for (let i = 0; i < points.length; i++) {
      const now = at(i, n[i]!);
      if (now.outlook.meetsTarget) continue;
      const next = at(i, n[i]! + 1);
      const closes = now.short - next.short;
      const saves = waitingSaved(hours[i]!, now, next);
      if (!best || closes > best.closes || (closes === best.closes && saves > best.saves)) best = { i, closes, saves };
    }
    if (!best) break;
    let donor: { j: number; costs: number } | null = null;
    for (let j = 0; j < points.length; j++) {
      if (j === best.i || n[j]! - 1 < minClerks) continue;
      const fewer = at(j, n[j]! - 1);
      if (!fewer.outlook.meetsTarget) continue;
      const costs = waitingSaved(hours[j]!, fewer, at(j, n[j]!));
      if (!donor || costs < donor.costs) donor = { j, costs };
    }
    if (!donor) break;
    n[best.i]!++;
    n[donor.j]!--;
    const from = points[donor.j]!.point;
    const to = points[best.i]!.point;
    const key = `${from}\u0000${to}`;
    const m = moves.get(key);
    if (m) m.count++;
    else moves.set(key, { from, to, count: 1, block });
  }
  return {
    after: n,
    moves: [...moves.values()],
    before: (i: number) => at(i, points[i]!.clerks),
    afterStretch: (i: number) => at(i, n[i]!),
  };
}

// Day figures from per-block stretches: the blocks' hours are disjoint, so arrival-weighted sums add up.
function combine(parts: { stretch: Stretch; clerks: number }[]): PointOutlook {
  if (parts.length === 1) return parts[0]!.stretch.outlook;
  let arrivals = 0;
  let waiting = 0;
  let within = 0;
  let work = 0;
  let clerkHours = 0;
  let unstableWithArrivals = false;
  const overloadedHours: number[] = [];
  for (const { stretch, clerks } of parts) {
    const o = stretch.outlook;
    arrivals += o.arrivals;
    waiting += stretch.waiting;
    within += o.arrivals * o.shareWithinTarget;
    work += stretch.work;
    clerkHours += clerks * stretch.openHours;
    overloadedHours.push(...o.overloadedHours);
    if (o.meanWaitSeconds === null) unstableWithArrivals = true;
  }
  const meanWaitSeconds = unstableWithArrivals ? null : arrivals > 0 ? waiting / arrivals : 0;
  const shareWithinTarget = arrivals > 0 ? within / arrivals : 1;
  const occupancy = work === 0 ? 0 : clerkHours === 0 ? Infinity : work / clerkHours;
  const meetsTarget = parts.every((p) => p.stretch.outlook.meetsTarget);
  return { arrivals, meanWaitSeconds, shareWithinTarget, occupancy, overloadedHours: overloadedHours.sort((x, y) => x - y), meetsTarget };
}

/**
 * A proposal for one day: which clerks to move between points (from points with clerks to spare to points that
 * miss the target), and each point's predicted mean wait and share within target before and after.
 */
export function proposeReallocation(points: readonly PointDay[], options: ReallocationOptions = {}): ReallocationProposal {
  const targets = resolveTargets(options);
  const blocks = options.blocks ?? 'day';
  if (blocks !== 'day' && blocks !== 'half-day')
    throw new DomainError('VALIDATION', `blocks must be "day" or "half-day" (got ${String(blocks)})`, { field: 'blocks' });
  const minClerks = checkNumber('minClerks', options.minClerks ?? 1, { integer: true, min: 0 });
  const codes = new Set<string>();
  points.forEach((p, i) => {
    if (typeof p.point !== 'string' || p.point === '')
      throw new DomainError('VALIDATION', `points[${i}].point must be a non-empty code`, { field: `points[${i}].point` });
    if (codes.has(p.point))
      throw new DomainError('VALIDATION', `points[${i}].point ${p.point} is given twice`, { field: `points[${i}].point` });
    codes.add(p.point);
    checkNumber(`points[${i}].clerks`, p.clerks, { integer: true, min: 0 });
    checkHours(p.hours, `points[${i}].hours`);
  });
  const names: Block[] = blocks === 'day' ? ['day'] : ['morning', 'afternoon'];
  const runs = names.map((block) => ({ block, run: reallocateBlock(points, block, targets, minClerks) }));
  return {
    blocks,
    targets,
    moves: runs.flatMap((r) => r.run.moves),
    points: points.map((p, i) => {
      const partsBefore = runs.map(({ run }) => ({ stretch: run.before(i), clerks: p.clerks }));
      const partsAfter = runs.map(({ run }) => ({ stretch: run.afterStretch(i), clerks: run.after[i]! }));
      return {
        point: p.point,
        clerks: runs.map(({ block, run }) => ({ block, before: p.clerks, after: run.after[i]! })),
        before: combine(partsBefore),
        after: combine(partsAfter),
      };
    }),
  };
}
