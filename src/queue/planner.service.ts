import type { Kysely } from 'kysely';
import type { DB, Unit } from '../platform/db.types.js';
import { DomainError } from '../platform/errors.js';
import { inScope, requireRole, type Actor } from '../auth/auth.model.js';
import type { OrgService } from '../org/org.service.js';
import { SERVICE_POINT_KINDS } from '../org/org.service.js';
import { formatLocalDate, isoWeekday, parseLocalDate } from '../calendar/local-date.js';
import type { StaffingTargets } from './erlang.model.js';
import { hourlyRequirements, proposeReallocation, type HourDemand, type PointDay, type ReallocationBlocks } from './staffing.model.js';
import { simulateQueue, type Session, type SimulationResult } from './simulation.model.js';
import { DEFAULT_SERVICE_SECONDS } from './queue.context.js';
import { checkDay, localDay, MAX_PRIORITY_STREAK } from './ticket.model.js';
import * as repo from './queue.repository.js';

/** History window used when none is given: the 20 working days before the planned day. */
export const DEFAULT_HISTORY_WORKING_DAYS = 20;
/** Same-weekday days needed before a forecast uses only them (else every day of the window). */
const MIN_SAME_WEEKDAY_DAYS = 2;
/** Days simulated per plan to check it: enough for a stable mean, cheap for a province. */
const CHECK_DAYS = 20;

export interface PointHistory {
  unit: Unit;
  /** Working days of the window the forecast averages over. */
  days: number;
  /** Demand per open hour: mean arrivals per hour while open, mean service seconds. */
  hours: HourDemand[];
  /** Clerks seen at the point's counters: the most distinct counters used on one day. */
  clerksSeen: number;
  priorityShare: number;
  noShowShare: number;
}

/**
 * The staffing planner over ticket history: the clerks each point needs each hour (Erlang C), and a day's
 * reallocation of clerks between points, each plan checked by the seeded simulation of the same arrivals.
 */
export class PlannerService {
  constructor(private readonly deps: { db: Kysely<DB>; clock: () => Date; org: OrgService }) {}

  private async points(actor: Actor, unitIds?: number[]): Promise<Unit[]> {
    requireRole(actor, 'manager', 'admin');
    const all = (await this.deps.org.listUnits([...SERVICE_POINT_KINDS])).filter((u) => inScope(actor, u.id));
    if (!unitIds?.length) return all;
    return unitIds.map((id, i) => {
      const u = all.find((x) => x.id === id);
      if (!u) throw new DomainError('NOT_FOUND', `Service point ${id} not found`, { field: `querystring.unitIds.${i}` });
      return u;
    });
  }

  /** The window of working days before `day` (exclusive), `n` long, as local dates. */
  private async window(unitId: number, day: string, n: number): Promise<string[]> {
    const calendar = await this.deps.org.calendarOf(unitId);
    const out: string[] = [];
    for (let d = parseLocalDate(day) - 1; out.length < n && d > parseLocalDate(day) - 3 * n - 30; d--)
      if (calendar.isWorkingDay(formatLocalDate(d))) out.unshift(formatLocalDate(d));
    return out;
  }

  /** Each point's demand by hour from its tickets on the window's days (the same weekday as `weekdayOf` when history allows). */
  async history(points: Unit[], window: string[], weekdayOf?: string): Promise<PointHistory[]> {
    if (!window.length) return [];
    // Only days the queues were in use anywhere count: before the first ticket there is no history, not zero demand.
    const inUse = await repo.daysWithTickets(this.deps.db, window[0]!, window[window.length - 1]!);
    const days = window.filter((d) => inUse.has(d));
    if (!days.length) return points.map((unit) => ({ unit, days: 0, hours: [], clerksSeen: 0, priorityShare: 0, noShowShare: 0 }));
    let chosen = days;
    if (weekdayOf) {
      const wd = isoWeekday(parseLocalDate(weekdayOf));
      const same = days.filter((d) => isoWeekday(parseLocalDate(d)) === wd);
      if (same.length >= MIN_SAME_WEEKDAY_DAYS) chosen = same;
    }
    const chosenSet = new Set(chosen);
    const rows = (
      await repo.hourlyHistory(
        this.deps.db,
        points.map((p) => p.id),
        chosen[0]!,
        chosen[chosen.length - 1]!,
      )
    ).filter((r) => chosenSet.has(r.day));
    const seen = await repo.countersSeen(
      this.deps.db,
      points.map((p) => p.id),
      chosen[0]!,
      chosen[chosen.length - 1]!,
    );
    const out: PointHistory[] = [];
    for (const unit of points) {
      const open = openMinutesByHour((await this.deps.org.calendarOf(unit.id)).sessionsOn(chosen[chosen.length - 1]!));
      const mine = rows.filter((r) => r.unit_id === unit.id);
      const served = mine.reduce((s, r) => s + r.served, 0);
      const overallService = served
        ? mine.reduce((s, r) => s + (r.mean_service_seconds ?? 0) * r.served, 0) / served
        : DEFAULT_SERVICE_SECONDS;
      const arrivals = mine.reduce((s, r) => s + r.arrivals, 0);
      const hours: HourDemand[] = [];
      for (const [hour, minutes] of open) {
        const at = mine.filter((r) => r.hour === hour);
        const n = at.reduce((s, r) => s + r.arrivals, 0);
        const sv = at.reduce((s, r) => s + r.served, 0);
        const service = sv ? at.reduce((s, r) => s + (r.mean_service_seconds ?? 0) * r.served, 0) / sv : overallService;
        hours.push({
          hour,
          arrivalsPerHour: round2(n / chosen.length / (minutes / 60)),
          serviceSeconds: Math.round(service),
          openMinutes: minutes,
        });
      }
      out.push({
        unit,
        days: chosen.length,
        hours,
        clerksSeen: seen.get(unit.id) ?? 0,
        priorityShare: arrivals ? round3(mine.reduce((s, r) => s + r.priority, 0) / arrivals) : 0,
        noShowShare: arrivals ? round3(mine.reduce((s, r) => s + r.no_shows, 0) / arrivals) : 0,
      });
    }
    return out;
  }

  /** Clerks each point needs each open hour to meet the targets, from the demand of the history window. */
  async staffing(actor: Actor, q: { unitIds?: number[]; day?: string; historyDays?: number } & StaffingTargets) {
    const points = await this.points(actor, q.unitIds);
    const day = q.day === undefined ? localDay(this.deps.clock()) : checkDay(q.day, 'querystring.day');
    const days = points.length ? await this.window(points[0]!.id, day, q.historyDays ?? DEFAULT_HISTORY_WORKING_DAYS) : [];
    const hist = await this.history(points, days, day);
    const targets = pickTargets(q);
    const rows = hourlyRequirements(
      hist.map((h) => ({ point: String(h.unit.id), hours: h.hours })),
      targets,
    );
    return {
      day,
      history: { from: days[0] ?? null, to: days[days.length - 1] ?? null, days: hist[0]?.days ?? 0 },
      targets: rows[0]?.targets ?? null,
      points: hist.map((h) => {
        const mine = rows.filter((r) => r.point === String(h.unit.id));
        return {
          unitId: h.unit.id,
          nameVi: h.unit.name_vi,
          nameEn: h.unit.name_en,
          clerksSeen: h.clerksSeen,
          peakClerks: Math.max(0, ...mine.map((r) => r.clerks)),
          peakScheduled: Math.max(0, ...mine.map((r) => r.scheduled)),
          hours: mine.map((r) => ({
            hour: r.hour,
            arrivalsPerHour: r.arrivalsPerHour,
            serviceSeconds: r.serviceSeconds,
            clerks: r.clerks,
            scheduled: r.scheduled,
            pWait: round3(r.pWait),
            meanWaitSeconds: r.meanWaitSeconds === null ? null : Math.round(r.meanWaitSeconds),
            shareWithinTarget: round3(r.shareWithinTarget),
            occupancy: round3(r.occupancy),
            limitedBy: r.limitedBy,
          })),
        };
      }),
    };
  }

  /**
   * A day's reallocation: each point keeps the clerks seen at it (or those given), and clerks move from
   * points with slack to points that miss the target; the waits before and after come from Erlang C and
   * from the simulation of the same arrivals (priority tickets and no-shows as in the history).
   */
  async reallocation(
    actor: Actor,
    q: {
      unitIds?: number[];
      day?: string;
      historyDays?: number;
      blocks?: ReallocationBlocks;
      clerks?: Record<number, number>;
      seed?: number;
    } & StaffingTargets,
  ) {
    const points = await this.points(actor, q.unitIds);
    const day = q.day === undefined ? localDay(this.deps.clock()) : checkDay(q.day, 'querystring.day');
    const days = points.length ? await this.window(points[0]!.id, day, q.historyDays ?? DEFAULT_HISTORY_WORKING_DAYS) : [];
    const hist = (await this.history(points, days, day)).filter((h) => h.hours.some((x) => x.arrivalsPerHour > 0));
    const targets = pickTargets(q);
    const input: PointDay[] = hist.map((h) => ({
      point: String(h.unit.id),
      hours: h.hours,
      clerks: q.clerks?.[h.unit.id] ?? Math.max(1, h.clerksSeen),
    }));
    const proposal = proposeReallocation(input, { ...targets, ...(q.blocks ? { blocks: q.blocks } : {}) });
    const name = (id: string) => hist.find((h) => String(h.unit.id) === id)!.unit;
    const seed = q.seed ?? 1;
    return {
      day,
      history: { from: days[0] ?? null, to: days[days.length - 1] ?? null, days: hist[0]?.days ?? 0 },
      blocks: proposal.blocks,
      targets: proposal.targets,
      moves: proposal.moves.map((m) => ({
        fromUnitId: Number(m.from),
        fromNameVi: name(m.from).name_vi,
        toUnitId: Number(m.to),
        toNameVi: name(m.to).name_vi,
        count: m.count,
        block: m.block,
      })),
      points: proposal.points.map((p) => {
        const h = hist.find((x) => String(x.unit.id) === p.point)!;
        const clerksAt = (block: 'before' | 'after') => (hour: number) => {
          const c = p.clerks.find((b) => b.block === 'day' || (b.block === 'morning') === hour < 12);
          return c ? c[block] : 0;
        };
        return {
          unitId: h.unit.id,
          nameVi: h.unit.name_vi,
          nameEn: h.unit.name_en,
          clerks: p.clerks,
          before: { ...p.before, simulated: summary(this.simulate(h, clerksAt('before'), proposal.targets.targetSeconds, seed)) },
          after: { ...p.after, simulated: summary(this.simulate(h, clerksAt('after'), proposal.targets.targetSeconds, seed)) },
        };
      }),
    };
  }

  /** Simulates a point's demand with the clerks per hour given, over CHECK_DAYS days. */
  simulate(h: PointHistory, clerksAt: (hour: number) => number, targetSeconds: number, seed: number, days = CHECK_DAYS): SimulationResult {
    const arrivalsPerHour = new Array<number>(24).fill(0);
    const clerks = new Array<number>(24).fill(0);
    let service = 0;
    let weight = 0;
    for (const x of h.hours) {
      arrivalsPerHour[x.hour] = x.arrivalsPerHour;
      clerks[x.hour] = clerksAt(x.hour);
      service += x.serviceSeconds * x.arrivalsPerHour;
      weight += x.arrivalsPerHour;
    }
    return simulateQueue({
      sessions: sessionsOf(h.hours),
      arrivalsPerHour,
      clerks,
      serviceSeconds: weight ? service / weight : DEFAULT_SERVICE_SECONDS,
      priorityShare: h.priorityShare,
      noShowShare: Math.min(h.noShowShare, 0.5),
      maxPriorityInARow: MAX_PRIORITY_STREAK,
      targetSeconds,
      days,
      seed,
    });
  }

  /** A point's demand for a day from its history: the simulation input of `motcua simulate-queue --point`. */
  async pointDemand(unitId: number, day: string, historyDays = DEFAULT_HISTORY_WORKING_DAYS): Promise<PointHistory> {
    checkDay(day, 'date');
    const u = await this.deps.org.unit(unitId);
    const days = await this.window(u.id, day, historyDays);
    const [h] = await this.history([u], days, day);
    if (!h) throw new DomainError('NOT_FOUND', `No working day before ${day} to take history from`);
    return h;
  }
}

function pickTargets(q: StaffingTargets): StaffingTargets {
  const t: StaffingTargets = {};
  if (q.targetMeanWaitSeconds !== undefined) t.targetMeanWaitSeconds = q.targetMeanWaitSeconds;
  if (q.targetSeconds !== undefined) t.targetSeconds = q.targetSeconds;
  if (q.targetShare !== undefined) t.targetShare = q.targetShare;
  if (q.maxOccupancy !== undefined) t.maxOccupancy = q.maxOccupancy;
  if (q.absence !== undefined) t.absence = q.absence;
  return t;
}

/** Minutes open in each clock hour of a day's sessions. */
export function openMinutesByHour(sessions: { start: Date; end: Date }[]): [number, number][] {
  const minutes = new Map<number, number>();
  for (const s of sessions) {
    for (let t = s.start.getTime(); t < s.end.getTime(); t += 60_000) {
      const hour = new Date(t + 7 * 3_600_000).getUTCHours();
      minutes.set(hour, (minutes.get(hour) ?? 0) + 1);
    }
  }
  return [...minutes.entries()].sort((a, b) => a[0] - b[0]);
}

/** The simulation's sessions from open minutes per hour (contiguous open minutes at the hour's start or end). */
function sessionsOf(hours: readonly HourDemand[]): Session[] {
  const out: Session[] = [];
  for (const h of hours) {
    const m = h.openMinutes ?? 60;
    // A partly open hour is open at its end before a session (07:30–08:00) and at its start after one (11:00–11:30).
    const prevOpen = hours.some((x) => x.hour === h.hour - 1);
    const start = h.hour * 60 + (m < 60 && !prevOpen ? 60 - m : 0);
    const end = start + m;
    const last = out[out.length - 1];
    if (last && last.end === start) last.end = end;
    else out.push({ start, end });
  }
  return out;
}

function summary(r: SimulationResult) {
  return {
    days: r.days,
    arrivalsPerDay: round2(r.arrivals / r.days),
    meanWaitSeconds: r.meanWaitSeconds === null ? null : Math.round(r.meanWaitSeconds),
    p90WaitSeconds: r.p90WaitSeconds === null ? null : Math.round(r.p90WaitSeconds),
    shareWithinTarget: r.shareWithinTarget === null ? null : round3(r.shareWithinTarget),
    utilization: r.utilization === null ? null : round3(r.utilization),
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
