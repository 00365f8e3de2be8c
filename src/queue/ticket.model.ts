import type { TicketPriority, TicketStatus } from '../platform/db.types.js';
import { DAY_MS, formatLocalDate, parseLocalDate } from '../calendar/local-date.js';
import { DomainError } from '../platform/errors.js';

// The rules of a counter queue: which action each ticket status allows, who is called next,
// how long a new ticket will wait, and a point's figures for the day. Pure: no clock, no I/O.

export const TICKET_ACTIONS = ['call', 'recall', 'start', 'finish', 'no_show', 'transfer', 'cancel'] as const;
export type TicketAction = (typeof TICKET_ACTIONS)[number];

/** From which statuses each action may be taken, and the status it leads to. */
export const TICKET_TRANSITIONS: Record<TicketAction, { from: TicketStatus[]; to: TicketStatus }> = {
  call: { from: ['waiting'], to: 'called' },
  // The citizen did not come yet: call again (the last call counts for the wait).
  recall: { from: ['called'], to: 'called' },
  start: { from: ['called'], to: 'serving' },
  // A clerk may finish straight from "called" (service started at the call).
  finish: { from: ['called', 'serving'], to: 'done' },
  no_show: { from: ['called'], to: 'no_show' },
  // To another group or counter: the ticket waits again, keeping its place by arrival.
  transfer: { from: ['called', 'serving'], to: 'waiting' },
  cancel: { from: ['waiting', 'called'], to: 'cancelled' },
};

export const PRIORITY_REASONS = ['elderly', 'disabled', 'pregnant', 'child', 'other'] as const satisfies readonly TicketPriority[];

/** The status an action leads to; INVALID_TRANSITION naming both when the ticket's status does not allow it. */
export function nextTicketStatus(status: TicketStatus, action: TicketAction): TicketStatus {
  const t = TICKET_TRANSITIONS[action];
  if (!t.from.includes(status)) {
    throw new DomainError(
      'INVALID_TRANSITION',
      `A ${status} ticket cannot be ${action === 'no_show' ? 'marked no-show' : `given "${action}"`}; it must be ${t.from.join(' or ')}`,
    );
  }
  return t.to;
}

/** Ticket label as printed and shown on the board: group code and a 3-digit number (A007; A1234 past 999). */
export function ticketLabel(groupCode: string, number: number): string {
  return `${groupCode}${String(number).padStart(3, '0')}`;
}

/** The local service day (UTC+7 by default) of an instant, 'YYYY-MM-DD'. */
export function localDay(at: Date, utcOffsetMinutes = 420): string {
  return formatLocalDate(Math.floor((at.getTime() + utcOffsetMinutes * 60_000) / DAY_MS));
}

/** The day itself when it is a real 'YYYY-MM-DD' date; VALIDATION naming the field otherwise (2026-02-30 included). */
export function checkDay(day: string, field: string): string {
  try {
    parseLocalDate(day);
  } catch {
    throw new DomainError('VALIDATION', `${field} must be a real date YYYY-MM-DD (got ${day.slice(0, 20)})`, { field });
  }
  return day;
}

/** A waiting ticket as the caller sees it. */
export interface Candidate {
  id: number;
  groupId: number;
  priority: boolean;
  /** Booked ahead: from its slot start on, called before walk-ins. */
  booked: boolean;
  /** Epoch ms the ticket is ordered by (arrival, or the booked slot). */
  rankAt: number;
  targetCounterId: number | null;
}

/**
 * Priority tickets (elderly, disabled, pregnant: the law's priority lane) are called before normal
 * ones, but never more than this many in a row at one counter while normal tickets wait, so a steady
 * stream of priority tickets cannot starve the normal queue.
 */
export const MAX_PRIORITY_STREAK = 2;

/**
 * Who a counter calls next, or null. Tickets transferred to this counter come first; then booked tickets
 * whose slot has started (earliest slot first: an appointment is kept ahead of walk-ins). Then, the lane:
 * priority while the counter's priority streak is below MAX_PRIORITY_STREAK (or when no normal ticket
 * waits). Within the lane, the largest weighted wait (now − rankAt) × the clerk's weight for the group
 * (weights 1–10, as Novo SGA's per-clerk service weights), ties to the lower id (earlier ticket).
 */
export function pickNext(
  candidates: readonly Candidate[],
  ctx: { counterId: number; weights: ReadonlyMap<number, number>; now: number; priorityStreak: number },
): Candidate | null {
  let best: Candidate | null = null;
  let bestKey = -Infinity;
  let bestTier = -1;
  const normalWaits = candidates.some((c) => !c.priority && eligible(c, ctx));
  const priorityTurn = ctx.priorityStreak < MAX_PRIORITY_STREAK || !normalWaits;
  for (const c of candidates) {
    if (!eligible(c, ctx)) continue;
    // Tier: 3 = sent to this counter, 2 = a booking whose slot has started, 1 = the lane whose turn it is, 0 = the other lane.
    const due = c.booked && c.rankAt <= ctx.now;
    const tier = c.targetCounterId === ctx.counterId ? 3 : due ? 2 : c.priority === priorityTurn ? 1 : 0;
    const key = tier === 2 ? -c.rankAt : (ctx.now - c.rankAt) * (ctx.weights.get(c.groupId) ?? 1);
    if (tier > bestTier || (tier === bestTier && (key > bestKey || (key === bestKey && best !== null && c.id < best.id)))) {
      best = c;
      bestKey = key;
      bestTier = tier;
    }
  }
  return best;
}

function eligible(c: Candidate, ctx: { counterId: number; weights: ReadonlyMap<number, number> }): boolean {
  return ctx.weights.has(c.groupId) && (c.targetCounterId === null || c.targetCounterId === ctx.counterId);
}

/** Consecutive priority calls at the end of a counter's call history (most recent last). */
export function priorityStreak(recentCallsPriority: readonly boolean[]): number {
  let n = 0;
  for (let i = recentCallsPriority.length - 1; i >= 0 && recentCallsPriority[i]; i--) n++;
  return n;
}

/**
 * Estimated wait of a new ticket: the tickets ahead of it served by the counters open for its group,
 * each taking the group's mean service time. With no counter open, one is assumed (the point opens one).
 */
export function estimateWaitSeconds(input: { ahead: number; meanServiceSeconds: number; openCounters: number }): number {
  const servers = Math.max(1, input.openCounters);
  return Math.round((input.ahead * input.meanServiceSeconds) / servers);
}

/** A ticket of the day as the figures need it (epoch ms; null when not reached). */
export interface TicketTimes {
  groupId: number;
  status: TicketStatus;
  priority: boolean;
  queuedAt: number;
  calledAt: number | null;
  startedAt: number | null;
  endedAt: number | null;
}

export interface DayFigures {
  arrived: number;
  waiting: number;
  called: number;
  serving: number;
  served: number;
  noShows: number;
  cancelled: number;
  /** Wait = last call − entering the queue, over tickets called. */
  meanWaitSeconds: number | null;
  p90WaitSeconds: number | null;
  /** Service = end − call, over tickets served. */
  meanServiceSeconds: number | null;
  p90ServiceSeconds: number | null;
  /** Called within the target wait, over tickets called (tickets still waiting past the target count as missed). */
  shareWithinTarget: number | null;
  /** Longest current wait of a ticket still waiting. */
  longestWaitingSeconds: number | null;
}

/** Nearest-rank percentile (p in 0..1) of ascending values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1]!;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** A point's (or a group's) figures for the day so far, as Qmatic's and Novo SGA's reports define them. */
export function dayFigures(tickets: readonly TicketTimes[], now: number, targetSeconds: number): DayFigures {
  const waits: number[] = [];
  const services: number[] = [];
  let waiting = 0,
    called = 0,
    serving = 0,
    served = 0,
    noShows = 0,
    cancelled = 0,
    longest = -1,
    missedWaiting = 0;
  for (const t of tickets) {
    if (t.status === 'waiting') {
      waiting++;
      const w = (now - t.queuedAt) / 1000;
      if (w > longest) longest = w;
      if (w > targetSeconds) missedWaiting++;
      continue;
    }
    if (t.status === 'called') called++;
    else if (t.status === 'serving') serving++;
    else if (t.status === 'done') served++;
    else if (t.status === 'no_show') noShows++;
    else if (t.status === 'cancelled') cancelled++;
    if (t.calledAt !== null) waits.push((t.calledAt - t.queuedAt) / 1000);
    if (t.status === 'done' && t.calledAt !== null && t.endedAt !== null) services.push((t.endedAt - t.calledAt) / 1000);
  }
  waits.sort((a, b) => a - b);
  services.sort((a, b) => a - b);
  const mean = (xs: number[]) => (xs.length ? round1(xs.reduce((s, x) => s + x, 0) / xs.length) : null);
  const within = waits.filter((w) => w <= targetSeconds).length;
  const judged = waits.length + missedWaiting;
  const p90w = percentile(waits, 0.9);
  const p90s = percentile(services, 0.9);
  return {
    arrived: tickets.length,
    waiting,
    called,
    serving,
    served,
    noShows,
    cancelled,
    meanWaitSeconds: mean(waits),
    p90WaitSeconds: p90w === null ? null : round1(p90w),
    meanServiceSeconds: mean(services),
    p90ServiceSeconds: p90s === null ? null : round1(p90s),
    shareWithinTarget: judged ? Math.round((within / judged) * 1000) / 1000 : null,
    longestWaitingSeconds: longest < 0 ? null : Math.round(longest),
  };
}

/** Booking slots of a day: each office session cut into slot-length pieces (the last piece only if whole). */
export function daySlots(sessions: readonly { start: Date; end: Date }[], slotMinutes: number): Date[] {
  const out: Date[] = [];
  const len = slotMinutes * 60_000;
  for (const s of sessions) {
    for (let t = s.start.getTime(); t + len <= s.end.getTime(); t += len) out.push(new Date(t));
  }
  return out;
}

const BOOKING_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I: read out over the phone

/** A booking confirmation code from random bytes: 8 characters without look-alikes. */
export function bookingCode(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += BOOKING_ALPHABET[bytes[i]! % BOOKING_ALPHABET.length];
  return s;
}
