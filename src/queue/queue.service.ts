import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { randomToken } from '../platform/ids.js';
import type { Kysely } from 'kysely';
import type { DB, QueueBooking, QueueCounter, QueueGroup, QueueTicket, TicketChannel, TicketPriority, Unit } from '../platform/db.types.js';
import { DomainError, notFound } from '../platform/errors.js';
import { inScope, requireRole, type Actor } from '../auth/auth.model.js';
import { recordAudit } from '../audit/audit.service.js';
import type { AuditEntry } from '../audit/audit.model.js';
import type { OrgService } from '../org/org.service.js';
import { SERVICE_POINT_KINDS } from '../org/org.service.js';
import { maskName, maskPhone, normalizePhone } from '../dossiers/dossier.model.js';
import { formatLocalDate, parseLocalDate } from '../calendar/local-date.js';
import type { NotificationService } from '../notifications/notification.service.js';
import { stripDiacritics as ascii } from '../catalog/catalog.model.js';
import {
  bookingCode,
  dayFigures,
  daySlots,
  estimateWaitSeconds,
  checkDay,
  localDay,
  MAX_PRIORITY_STREAK,
  nextTicketStatus,
  pickNext,
  priorityStreak,
  TICKET_TRANSITIONS,
  ticketLabel,
  type DayFigures,
  type TicketAction,
} from './ticket.model.js';
import * as repo from './queue.repository.js';

/** Mean service time assumed for a group with no served ticket in the last 30 days. */
export const DEFAULT_SERVICE_SECONDS = 600;
/** How long before the slot the booking reminder is sent. */
export const REMINDER_BEFORE_MS = 60 * 60_000;
/** A booking may be made this many days ahead at most. */
export const BOOKING_HORIZON_DAYS = 30;
/** A booked citizen arriving this late after the slot start is queued as a walk-in. */
export const BOOKING_GRACE_MS = 15 * 60_000;

/** What the board shows and streams. */
export type BoardEvent =
  | {
      type: 'call';
      ticketId: number;
      label: string;
      counterNumber: number;
      counterNameVi: string;
      counterNameEn: string;
      callCount: number;
      priority: boolean;
      at: string;
    }
  | { type: 'waiting'; groups: { id: number; code: string; waiting: number }[] }
  /** The whole board again: a call left it (no-show, transfer, cancel), so its list of latest calls changed. */
  | ({ type: 'board' } & Awaited<ReturnType<QueueService['board']>>);

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Public shape of a ticket. */
export function presentTicket(
  t: QueueTicket,
  extra: { groupCode?: string; groupNameVi?: string; groupNameEn?: string; dossierCodes?: string[] } = {},
) {
  return {
    id: t.id,
    label: t.label,
    unitId: t.unit_id,
    groupId: t.group_id,
    day: t.day,
    number: t.number,
    channel: t.channel,
    priority: t.priority,
    status: t.status,
    arrivedAt: t.arrived_at.toISOString(),
    queuedAt: t.queued_at.toISOString(),
    calledAt: iso(t.called_at),
    callCount: t.call_count,
    startedAt: iso(t.started_at),
    endedAt: iso(t.ended_at),
    counterId: t.counter_id,
    targetCounterId: t.target_counter_id,
    waitSeconds: t.called_at ? Math.round((t.called_at.getTime() - t.queued_at.getTime()) / 1000) : null,
    serviceSeconds:
      t.called_at && t.ended_at && t.status === 'done' ? Math.round((t.ended_at.getTime() - t.called_at.getTime()) / 1000) : null,
    ...extra,
  };
}
export type TicketView = ReturnType<typeof presentTicket>;

export function presentGroup(g: QueueGroup, procedureCodes: string[] = []) {
  return {
    id: g.id,
    unitId: g.unit_id,
    code: g.code,
    nameVi: g.name_vi,
    nameEn: g.name_en,
    targetWaitSeconds: g.target_wait_seconds,
    slotMinutes: g.slot_minutes,
    slotCapacity: g.slot_capacity,
    active: g.active,
    procedureCodes,
  };
}

export function presentCounter(c: QueueCounter & { staff_name?: string | null }) {
  return {
    id: c.id,
    unitId: c.unit_id,
    number: c.number,
    nameVi: c.name_vi,
    nameEn: c.name_en,
    active: c.active,
    staffId: c.staff_id,
    staffName: c.staff_name ?? null,
    openedAt: iso(c.opened_at),
  };
}

function presentBooking(b: QueueBooking, g: QueueGroup, unit: Unit) {
  return {
    code: b.code,
    status: b.status,
    slotStart: b.slot_start.toISOString(),
    slotMinutes: g.slot_minutes,
    groupId: g.id,
    groupNameVi: g.name_vi,
    groupNameEn: g.name_en,
    unitId: unit.id,
    pointNameVi: unit.name_vi,
    pointAddress: unit.address,
    name: maskName(b.name),
    phone: maskPhone(b.phone),
  };
}

/**
 * Counter queues of the service points: service groups and counters, tickets from the kiosk, the clerk
 * or a booking, calling and serving, the board's live events, and the day's figures.
 */
export class QueueService {
  private readonly bus = new EventEmitter();

  constructor(
    private readonly deps: { db: Kysely<DB>; clock: () => Date; org: OrgService; notifications: NotificationService; publicUrl: string },
  ) {
    this.bus.setMaxListeners(0);
  }

  /** Listens to a point's board events; returns the function that stops listening. */
  subscribe(unitId: number, listener: (e: BoardEvent) => void): () => void {
    const name = `unit:${unitId}`;
    this.bus.on(name, listener);
    return () => this.bus.off(name, listener);
  }

  private publish(unitId: number, e: BoardEvent): void {
    this.bus.emit(`unit:${unitId}`, e);
  }

  // ---- access ------------------------------------------------------------------------------

  /** A service point (center, branch, commune center); NOT_FOUND for anything else. */
  async point(unitId: number): Promise<Unit> {
    const u = await this.deps.org.unit(unitId).catch(() => undefined);
    if (!u || !(SERVICE_POINT_KINDS as readonly string[]).includes(u.kind)) throw notFound(`Service point ${unitId}`);
    return u;
  }

  private async pointInScope(actor: Actor, unitId: number): Promise<Unit> {
    const u = await this.point(unitId);
    if (!inScope(actor, u.id)) throw notFound(`Service point ${unitId}`);
    return u;
  }

  private async group(groupId: number, db: Kysely<DB> = this.deps.db, forUpdate = false): Promise<QueueGroup> {
    const g = await repo.groupById(db, groupId, forUpdate);
    if (!g) throw notFound(`Service group ${groupId}`, 'groupId');
    return g;
  }

  private audit(
    trx: Kysely<DB>,
    actor: Actor | null,
    unitId: number,
    action: string,
    entityType: string,
    entityId: string | number,
    data?: Record<string, unknown>,
  ): Promise<void> {
    const entry: AuditEntry = {
      actorKind: actor ? 'staff' : 'citizen',
      actorId: actor?.staffId ?? null,
      stream: `unit:${unitId}`,
      action,
      entityType,
      entityId: String(entityId),
      ...(data ? { data } : {}),
    };
    return recordAudit(trx, entry, this.deps.clock());
  }

  // ---- set-up: groups, counters, clerks ------------------------------------------------------

  /** Groups, counters and clerks' groups of a point, for its manager and clerks. */
  async setup(actor: Actor, unitId: number) {
    requireRole(actor, 'clerk', 'manager', 'admin');
    const unit = await this.pointInScope(actor, unitId);
    const groups = await repo.groupsOfUnit(this.deps.db, unit.id);
    const codes = await repo.groupProcedureCodes(
      this.deps.db,
      groups.map((g) => g.id),
    );
    const counters = await repo.countersOfUnit(this.deps.db, unit.id);
    const clerks = await repo.clerksOfUnit(this.deps.db, unit.id);
    return {
      unitId: unit.id,
      nameVi: unit.name_vi,
      nameEn: unit.name_en,
      groups: groups.map((g) =>
        presentGroup(
          g,
          codes.filter((c) => c.group_id === g.id).map((c) => c.code),
        ),
      ),
      counters: counters.map(presentCounter),
      // No groups listed: the clerk serves every open group at weight 1.
      clerks: clerks.map((c) => ({ staffId: c.id, username: c.username, fullName: c.full_name, role: c.role, groups: c.groups })),
    };
  }

  /** Creates a service group at a point (manager or admin). */
  async createGroup(
    actor: Actor,
    unitId: number,
    input: {
      code: string;
      nameVi: string;
      nameEn: string;
      targetWaitSeconds?: number;
      slotMinutes?: number;
      slotCapacity?: number;
      procedureCodes?: string[];
    },
  ) {
    requireRole(actor, 'manager', 'admin');
    const unit = await this.pointInScope(actor, unitId);
    return this.deps.db.transaction().execute(async (trx) => {
      const g = await repo.insertGroup(trx, {
        unit_id: unit.id,
        code: input.code,
        name_vi: input.nameVi,
        name_en: input.nameEn,
        ...(input.targetWaitSeconds !== undefined ? { target_wait_seconds: input.targetWaitSeconds } : {}),
        ...(input.slotMinutes !== undefined ? { slot_minutes: input.slotMinutes } : {}),
        ...(input.slotCapacity !== undefined ? { slot_capacity: input.slotCapacity } : {}),
      });
      if (!g)
        throw new DomainError('CONFLICT', `Service point ${unit.id} already has a group with code ${input.code}`, { field: 'body.code' });
      const codes = await this.setProceduresIn(trx, g.id, input.procedureCodes ?? []);
      await this.audit(trx, actor, unit.id, 'queue.group.create', 'queue_group', g.id, { code: g.code, procedures: codes });
      return presentGroup(g, codes);
    });
  }

  /** Changes a group's names, target, booking slots, procedures or active flag (manager or admin). */
  async updateGroup(
    actor: Actor,
    groupId: number,
    input: {
      nameVi?: string;
      nameEn?: string;
      targetWaitSeconds?: number;
      slotMinutes?: number;
      slotCapacity?: number;
      active?: boolean;
      procedureCodes?: string[];
    },
  ) {
    requireRole(actor, 'manager', 'admin');
    const g0 = await this.group(groupId);
    await this.pointInScope(actor, g0.unit_id);
    return this.deps.db.transaction().execute(async (trx) => {
      const patch = {
        ...(input.nameVi !== undefined ? { name_vi: input.nameVi } : {}),
        ...(input.nameEn !== undefined ? { name_en: input.nameEn } : {}),
        ...(input.targetWaitSeconds !== undefined ? { target_wait_seconds: input.targetWaitSeconds } : {}),
        ...(input.slotMinutes !== undefined ? { slot_minutes: input.slotMinutes } : {}),
        ...(input.slotCapacity !== undefined ? { slot_capacity: input.slotCapacity } : {}),
        ...(input.active !== undefined ? { active: input.active } : {}),
      };
      const g = Object.keys(patch).length ? await repo.updateGroup(trx, groupId, patch) : g0;
      const codes = input.procedureCodes
        ? await this.setProceduresIn(trx, groupId, input.procedureCodes)
        : (await repo.groupProcedureCodes(trx, [groupId])).map((r) => r.code);
      await this.audit(trx, actor, g.unit_id, 'queue.group.update', 'queue_group', g.id, { ...input });
      return presentGroup(g, codes);
    });
  }

  private async setProceduresIn(trx: Kysely<DB>, groupId: number, codes: string[]): Promise<string[]> {
    const unique = [...new Set(codes)].sort();
    const found = await repo.procedureIdsByCode(trx, unique);
    const missing = unique.filter((c) => !found.some((f) => f.code === c));
    if (missing.length)
      throw new DomainError('UNKNOWN_PROCEDURE', `No procedure with code ${missing.join(', ')}`, { field: 'body.procedureCodes' });
    await repo.replaceGroupProcedures(
      trx,
      groupId,
      found.map((f) => f.id),
    );
    return unique;
  }

  /** Adds a counter to a point (manager or admin). */
  async createCounter(actor: Actor, unitId: number, input: { number: number; nameVi?: string; nameEn?: string }) {
    requireRole(actor, 'manager', 'admin');
    const unit = await this.pointInScope(actor, unitId);
    return this.deps.db.transaction().execute(async (trx) => {
      const c = await repo.insertCounter(trx, {
        unit_id: unit.id,
        number: input.number,
        name_vi: input.nameVi ?? `Quầy ${input.number}`,
        name_en: input.nameEn ?? `Counter ${input.number}`,
      });
      if (!c) throw new DomainError('CONFLICT', `Service point ${unit.id} already has counter ${input.number}`, { field: 'body.number' });
      await this.audit(trx, actor, unit.id, 'queue.counter.create', 'queue_counter', c.id, { number: c.number });
      return presentCounter(c);
    });
  }

  /** Which groups a clerk serves, with weights 1–10 (manager or admin, for clerks of a point in scope). */
  async setClerkGroups(actor: Actor, staffId: number, groups: { groupId: number; weight: number }[]) {
    requireRole(actor, 'manager', 'admin');
    const staff = await repo.staffById(this.deps.db, staffId);
    if (!staff || !inScope(actor, staff.unit_id) || !['clerk', 'manager'].includes(staff.role)) throw notFound(`Clerk ${staffId}`);
    const seen = new Set<number>();
    for (const [i, r] of groups.entries()) {
      if (seen.has(r.groupId))
        throw new DomainError('VALIDATION', `Group ${r.groupId} is listed twice`, { field: `body.groups.${i}.groupId` });
      seen.add(r.groupId);
      const g = await repo.groupById(this.deps.db, r.groupId);
      if (!g || g.unit_id !== staff.unit_id)
        throw new DomainError('VALIDATION', `Group ${r.groupId} is not a group of the clerk's service point`, {
          field: `body.groups.${i}.groupId`,
        });
    }
    await this.deps.db.transaction().execute(async (trx) => {
      await repo.replaceClerkGroups(trx, staffId, groups);
      await this.audit(trx, actor, staff.unit_id, 'queue.clerk_groups.set', 'staff', staffId, { groups });
    });
    return { staffId, groups };
  }

  /** The groups a clerk serves with their weights: explicit ones, else every active group of the point at weight 1. */
  private async weightsOf(db: Kysely<DB>, staffId: number, unitId: number): Promise<Map<number, number>> {
    const explicit = await repo.clerkGroups(db, staffId);
    const groups = await repo.groupsOfUnit(db, unitId);
    const active = new Set(groups.filter((g) => g.active).map((g) => g.id));
    if (explicit.length) return new Map(explicit.filter((r) => active.has(r.group_id)).map((r) => [r.group_id, r.weight]));
    return new Map([...active].map((id) => [id, 1]));
  }

  // ---- counters: open, close, mine ---------------------------------------------------------

  /** A clerk sits at a counter of their point (one counter per clerk, one clerk per counter). */
  async openCounter(actor: Actor, counterId: number) {
    requireRole(actor, 'clerk', 'manager');
    const c0 = await repo.counterById(this.deps.db, counterId);
    if (!c0 || !inScope(actor, c0.unit_id)) throw notFound(`Counter ${counterId}`);
    if (!c0.active) throw new DomainError('CONFLICT', `Counter ${c0.number} is out of service`);
    return this.deps.db.transaction().execute(async (trx) => {
      const c = (await repo.counterById(trx, counterId, true))!;
      if (c.staff_id === actor.staffId) return presentCounter(c);
      if (c.staff_id !== null)
        throw new DomainError('COUNTER_BUSY', `Counter ${c.number} is open by another clerk; they must close it first`);
      const mine = await repo.counterOfStaff(trx, actor.staffId);
      if (mine) throw new DomainError('COUNTER_BUSY', `You are at counter ${mine.number}; close it first`);
      const opened = await repo.setCounterStaff(trx, c.id, actor.staffId, this.deps.clock());
      await this.audit(trx, actor, c.unit_id, 'queue.counter.open', 'queue_counter', c.id);
      return presentCounter({ ...opened, staff_name: actor.fullName });
    });
  }

  /** The clerk leaves the counter; a ticket still in hand must be finished, transferred or marked no-show first. */
  async closeCounter(actor: Actor, counterId: number) {
    requireRole(actor, 'clerk', 'manager');
    const c0 = await repo.counterById(this.deps.db, counterId);
    if (!c0 || !inScope(actor, c0.unit_id)) throw notFound(`Counter ${counterId}`);
    // A manager may close a counter a clerk left open; a clerk only their own.
    if (c0.staff_id !== actor.staffId && actor.role !== 'manager')
      throw new DomainError('COUNTER_NOT_OPEN', `Counter ${c0.number} is not open by you`);
    return this.deps.db.transaction().execute(async (trx) => {
      const inHand = await repo.currentTicketAt(trx, counterId);
      if (inHand)
        throw new DomainError(
          'TICKET_IN_HAND',
          `Ticket ${inHand.label} is still ${inHand.status} at this counter: finish it, transfer it or mark it no-show first`,
        );
      const closed = await repo.setCounterStaff(trx, counterId, null, null);
      await this.audit(trx, actor, c0.unit_id, 'queue.counter.close', 'queue_counter', counterId);
      return presentCounter(closed);
    });
  }

  /** The counter the clerk sits at, its ticket in hand, and the waiting count of each group the clerk serves. */
  async myCounter(actor: Actor) {
    requireRole(actor, 'clerk', 'manager');
    const c = await repo.counterOfStaff(this.deps.db, actor.staffId);
    if (!c) return { counter: null, ticket: null, groups: [] };
    const ticket = await repo.currentTicketAt(this.deps.db, c.id);
    const weights = await this.weightsOf(this.deps.db, actor.staffId, c.unit_id);
    const groups = (await repo.groupsOfUnit(this.deps.db, c.unit_id)).filter((g) => weights.has(g.id));
    const waiting = await repo.waitingTickets(
      this.deps.db,
      groups.map((g) => g.id),
    );
    return {
      counter: presentCounter({ ...c, staff_name: actor.fullName }),
      ticket: ticket ? await this.view(ticket) : null,
      groups: groups.map((g) => ({
        id: g.id,
        code: g.code,
        nameVi: g.name_vi,
        nameEn: g.name_en,
        weight: weights.get(g.id)!,
        waiting: waiting.filter((t) => t.group_id === g.id).length,
        priorityWaiting: waiting.filter((t) => t.group_id === g.id && t.priority !== null).length,
      })),
    };
  }

  private async view(t: QueueTicket): Promise<TicketView> {
    const g = await this.group(t.group_id);
    return presentTicket(t, {
      groupCode: g.code,
      groupNameVi: g.name_vi,
      groupNameEn: g.name_en,
      dossierCodes: await repo.dossierCodesOfTicket(this.deps.db, t.id),
    });
  }

  // ---- tickets -------------------------------------------------------------------------------

  /**
   * Issues a ticket: from the kiosk (no actor) or by a clerk of the point. Returns it with the tickets
   * ahead and the estimated wait.
   */
  async takeTicket(actor: Actor | null, unitId: number, input: { groupId: number; priority?: TicketPriority | null }) {
    if (actor) requireRole(actor, 'clerk', 'manager');
    const unit = actor ? await this.pointInScope(actor, unitId) : await this.point(unitId);
    const g = await this.group(input.groupId);
    if (g.unit_id !== unit.id || !g.active)
      throw new DomainError('VALIDATION', `Service group ${g.id} is not open at ${unit.name_vi}`, { field: 'body.groupId' });
    const channel: TicketChannel = actor ? 'clerk' : 'kiosk';
    const now = this.deps.clock();
    const ticket = await this.deps.db.transaction().execute(async (trx) => {
      const t = await this.insertTicketIn(trx, unit, g, { channel, priority: input.priority ?? null, rankAt: now, now, bookingId: null });
      await this.audit(trx, actor, unit.id, 'queue.ticket.issue', 'queue_ticket', t.id, { label: t.label, channel, priority: t.priority });
      return t;
    });
    await this.publishWaiting(unit.id);
    return this.issued(ticket, g, unit);
  }

  /** A ticket as handed to its holder: with its place, the estimated wait and the token of its phone page. */
  private async issued(ticket: QueueTicket, g: QueueGroup, unit: Unit) {
    return {
      ...presentTicket(ticket, { groupCode: g.code, groupNameVi: g.name_vi, groupNameEn: g.name_en }),
      pointNameVi: unit.name_vi,
      pointNameEn: unit.name_en,
      token: ticket.token!,
      ...(await this.estimateFor(ticket)),
    };
  }

  /**
   * What the holder's phone shows (/so/<token>, from the QR code on the ticket): the status, the place and
   * the estimated wait while waiting, the counter once called. The same 404 for any unknown token.
   */
  async follow(token: string) {
    const t = await repo.ticketByToken(this.deps.db, token);
    if (!t) throw notFound('Ticket');
    const g = await this.group(t.group_id);
    const unit = await this.point(t.unit_id);
    const counter =
      t.counter_id && (t.status === 'called' || t.status === 'serving') ? await repo.counterById(this.deps.db, t.counter_id) : undefined;
    const place = t.status === 'waiting' ? await this.estimateFor(t) : null;
    return {
      label: t.label,
      status: t.status,
      day: t.day,
      groupCode: g.code,
      groupNameVi: g.name_vi,
      groupNameEn: g.name_en,
      unitId: unit.id,
      pointNameVi: unit.name_vi,
      pointNameEn: unit.name_en,
      arrivedAt: t.arrived_at.toISOString(),
      calledAt: iso(t.called_at),
      callCount: t.call_count,
      counterNumber: counter?.number ?? null,
      counterNameVi: counter?.name_vi ?? null,
      counterNameEn: counter?.name_en ?? null,
      ahead: place?.ahead ?? null,
      estimatedWaitSeconds: place?.estimatedWaitSeconds ?? null,
    };
  }

  /** The address of a ticket's phone page. */
  followUrl(token: string): string {
    return `${this.deps.publicUrl}/so/${token}`;
  }

  private async insertTicketIn(
    trx: Kysely<DB>,
    unit: Unit,
    g: QueueGroup,
    o: { channel: TicketChannel; priority: TicketPriority | null; rankAt: Date; now: Date; bookingId: number | null },
  ): Promise<QueueTicket> {
    const day = localDay(o.now);
    const number = await repo.nextTicketNumber(trx, g.id, day);
    return repo.insertTicket(trx, {
      unit_id: unit.id,
      group_id: g.id,
      day,
      number,
      label: ticketLabel(g.code, number),
      channel: o.channel,
      priority: o.priority,
      status: 'waiting',
      rank_at: o.rankAt,
      arrived_at: o.now,
      queued_at: o.now,
      target_counter_id: null,
      counter_id: null,
      staff_id: null,
      booking_id: o.bookingId,
      token: randomToken(12),
      transferred_from_group_id: null,
      called_at: null,
      started_at: null,
      ended_at: null,
    });
  }

  /** Tickets ahead of a waiting ticket in its group and its estimated wait. */
  private async estimateFor(t: QueueTicket): Promise<{ ahead: number; estimatedWaitSeconds: number }> {
    const waiting = await repo.waitingTickets(this.deps.db, [t.group_id]);
    // A booked ticket is behind earlier bookings only; a priority ticket behind bookings and priority
    // tickets; a normal one behind everyone who waits.
    const rank = t.rank_at.getTime();
    const ahead = waiting.filter((w) => {
      if (w.id === t.id) return false;
      if (t.booking_id !== null) return w.booking_id !== null && w.rank_at.getTime() < rank;
      if (w.booking_id !== null) return w.rank_at.getTime() <= rank || w.rank_at.getTime() <= this.deps.clock().getTime();
      return t.priority === null ? w.priority !== null || w.rank_at.getTime() <= rank : w.priority !== null;
    }).length;
    return { ahead, estimatedWaitSeconds: await this.estimate(t.unit_id, t.group_id, ahead) };
  }

  private async estimate(unitId: number, groupId: number, ahead: number): Promise<number> {
    const since = formatLocalDate(parseLocalDate(localDay(this.deps.clock())) - 30);
    const mean = (await repo.meanServiceSince(this.deps.db, groupId, since)) ?? DEFAULT_SERVICE_SECONDS;
    const open = await repo.openCountersWithGroups(this.deps.db, unitId);
    // A counter serves the group when its clerk has no explicit groups or lists this one.
    const explicit = new Set(open.filter((r) => r.group_id !== null).map((r) => r.id));
    const serving = new Set(open.filter((r) => r.group_id === groupId || (r.group_id === null && !explicit.has(r.id))).map((r) => r.id));
    return estimateWaitSeconds({ ahead, meanServiceSeconds: mean, openCounters: serving.size });
  }

  /** The counter calls its next ticket (see pickNext); two clerks calling at once never get the same ticket. */
  async callNext(actor: Actor, counterId: number): Promise<{ ticket: TicketView | null }> {
    requireRole(actor, 'clerk', 'manager');
    const c = await this.ownCounter(actor, counterId);
    const inHand = await repo.currentTicketAt(this.deps.db, c.id);
    if (inHand)
      throw new DomainError(
        'TICKET_IN_HAND',
        `Ticket ${inHand.label} is still ${inHand.status}: finish it, transfer it or mark it no-show before calling the next`,
      );
    const weights = await this.weightsOf(this.deps.db, actor.staffId, c.unit_id);
    const now = this.deps.clock();
    const day = localDay(now);
    const streak = priorityStreak(await repo.recentCallsPriority(this.deps.db, c.id, day, MAX_PRIORITY_STREAK));
    const tried = new Set<number>();
    // Another counter may take the chosen ticket between the read and the write: then choose again.
    for (let attempt = 0; attempt < 20; attempt++) {
      const rows = (await repo.waitingTickets(this.deps.db, [...weights.keys()])).filter((r) => !tried.has(r.id));
      const next = pickNext(
        rows.map((r) => ({
          id: r.id,
          groupId: r.group_id,
          priority: r.priority !== null,
          booked: r.booking_id !== null,
          rankAt: r.rank_at.getTime(),
          targetCounterId: r.target_counter_id,
        })),
        { counterId: c.id, weights, now: now.getTime(), priorityStreak: streak },
      );
      if (!next) return { ticket: null };
      const claimed = await this.deps.db.transaction().execute(async (trx) => {
        const t = await repo.updateTicketIf(trx, next.id, ['waiting'], {
          status: 'called',
          counter_id: c.id,
          staff_id: actor.staffId,
          called_at: now,
          call_count: 1,
          target_counter_id: null,
        });
        if (t) await this.audit(trx, actor, c.unit_id, 'queue.ticket.call', 'queue_ticket', t.id, { label: t.label, counter: c.number });
        return t;
      });
      if (claimed) {
        this.publishCall(claimed, c);
        await this.publishWaiting(c.unit_id);
        return { ticket: await this.view(claimed) };
      }
      tried.add(next.id);
    }
    throw new DomainError('CONFLICT', 'Other counters kept taking the next ticket; call again');
  }

  private async ownCounter(actor: Actor, counterId: number): Promise<QueueCounter> {
    const c = await repo.counterById(this.deps.db, counterId);
    if (!c || !inScope(actor, c.unit_id)) throw notFound(`Counter ${counterId}`);
    if (c.staff_id !== actor.staffId)
      throw new DomainError('COUNTER_NOT_OPEN', `Open counter ${c.number} first: calls are made from the counter the clerk sits at`);
    return c;
  }

  /** recall, start, no-show, cancel or finish a ticket held at the actor's counter (a manager may act on any ticket of a point in scope). */
  async act(
    actor: Actor,
    ticketId: number,
    action: Exclude<TicketAction, 'call' | 'transfer'>,
    input: { dossierCodes?: string[] } = {},
  ): Promise<TicketView> {
    requireRole(actor, 'clerk', 'manager');
    const t0 = await repo.ticketById(this.deps.db, ticketId);
    if (!t0 || !inScope(actor, t0.unit_id)) throw notFound(`Ticket ${ticketId}`);
    if (actor.role !== 'manager' && t0.staff_id !== actor.staffId && !(action === 'cancel' && t0.status === 'waiting')) {
      throw new DomainError('FORBIDDEN', `Ticket ${t0.label} is handled at another counter`);
    }
    nextTicketStatus(t0.status, action);
    const now = this.deps.clock();
    const links = action === 'finish' ? await this.dossiersToLink(actor, t0, input.dossierCodes ?? []) : [];
    const patch =
      action === 'recall'
        ? { called_at: now, call_count: t0.call_count + 1 }
        : action === 'start'
          ? { status: 'serving' as const, started_at: now }
          : action === 'finish'
            ? { status: 'done' as const, ended_at: now, started_at: t0.started_at ?? t0.called_at }
            : action === 'no_show'
              ? { status: 'no_show' as const, ended_at: now }
              : { status: 'cancelled' as const, ended_at: now };
    const t = await this.deps.db.transaction().execute(async (trx) => {
      const updated = await repo.updateTicketIf(trx, t0.id, TICKET_TRANSITIONS[action].from, patch);
      if (!updated) throw new DomainError('STALE_VERSION', `Ticket ${t0.label} changed meanwhile; reload it`);
      await repo.linkDossiers(trx, updated.id, links);
      await this.audit(trx, actor, updated.unit_id, `queue.ticket.${action}`, 'queue_ticket', updated.id, {
        label: updated.label,
        ...(links.length ? { dossiers: input.dossierCodes } : {}),
      });
      return updated;
    });
    if (action === 'recall' && t.counter_id) {
      const c = await repo.counterById(this.deps.db, t.counter_id);
      if (c) this.publishCall(t, c);
    }
    if (action === 'cancel') await this.publishWaiting(t.unit_id);
    if ((action === 'no_show' || action === 'cancel') && t0.called_at) await this.publishBoard(t.unit_id);
    return this.view(t);
  }

  /** Dossiers a finished service received: each must exist and have been received at the ticket's point. */
  private async dossiersToLink(actor: Actor, t: QueueTicket, codes: string[]): Promise<number[]> {
    const unique = [...new Set(codes)];
    const rows = await repo.dossiersByCode(this.deps.db, unique);
    for (const [i, code] of unique.entries()) {
      const d = rows.find((r) => r.code === code);
      if (!d || !inScope(actor, d.receiving_unit_id))
        throw new DomainError('NOT_FOUND', `Dossier ${code} not found`, { field: `body.dossierCodes.${i}` });
      if (d.receiving_unit_id !== t.unit_id)
        throw new DomainError('VALIDATION', `Dossier ${code} was not received at this service point`, { field: `body.dossierCodes.${i}` });
    }
    return rows.map((r) => r.id);
  }

  /** Sends a ticket in hand to another group of the point (or to a given counter); it keeps its place by arrival. */
  async transfer(actor: Actor, ticketId: number, input: { groupId?: number; counterId?: number }): Promise<TicketView> {
    requireRole(actor, 'clerk', 'manager');
    const t0 = await repo.ticketById(this.deps.db, ticketId);
    if (!t0 || !inScope(actor, t0.unit_id)) throw notFound(`Ticket ${ticketId}`);
    if (actor.role !== 'manager' && t0.staff_id !== actor.staffId)
      throw new DomainError('FORBIDDEN', `Ticket ${t0.label} is handled at another counter`);
    nextTicketStatus(t0.status, 'transfer');
    if (input.groupId === undefined && input.counterId === undefined)
      throw new DomainError('VALIDATION', 'Name the group or the counter to transfer to', { field: 'body.groupId' });
    let groupId = t0.group_id;
    if (input.groupId !== undefined) {
      const g = await repo.groupById(this.deps.db, input.groupId);
      if (!g || g.unit_id !== t0.unit_id || !g.active)
        throw new DomainError('VALIDATION', `Group ${input.groupId} is not an open group of this service point`, { field: 'body.groupId' });
      groupId = g.id;
    }
    if (input.counterId !== undefined) {
      const c = await repo.counterById(this.deps.db, input.counterId);
      if (!c || c.unit_id !== t0.unit_id || !c.active)
        throw new DomainError('VALIDATION', `Counter ${input.counterId} is not a counter of this service point`, {
          field: 'body.counterId',
        });
      if (c.id === t0.counter_id) throw new DomainError('VALIDATION', 'The ticket is already at that counter', { field: 'body.counterId' });
    }
    const now = this.deps.clock();
    const t = await this.deps.db.transaction().execute(async (trx) => {
      const updated = await repo.updateTicketIf(trx, t0.id, TICKET_TRANSITIONS.transfer.from, {
        status: 'waiting',
        group_id: groupId,
        transferred_from_group_id: groupId !== t0.group_id ? t0.group_id : t0.transferred_from_group_id,
        target_counter_id: input.counterId ?? null,
        queued_at: now,
        counter_id: null,
        staff_id: null,
        called_at: null,
        started_at: null,
        call_count: 0,
      });
      if (!updated) throw new DomainError('STALE_VERSION', `Ticket ${t0.label} changed meanwhile; reload it`);
      await this.audit(trx, actor, updated.unit_id, 'queue.ticket.transfer', 'queue_ticket', updated.id, {
        label: updated.label,
        fromGroup: t0.group_id,
        toGroup: groupId,
        toCounter: input.counterId ?? null,
      });
      return updated;
    });
    await this.publishWaiting(t.unit_id);
    await this.publishBoard(t.unit_id);
    return this.view(t);
  }

  // ---- board and figures ---------------------------------------------------------------------

  private publishCall(t: QueueTicket, c: QueueCounter): void {
    this.publish(t.unit_id, {
      type: 'call',
      ticketId: t.id,
      label: t.label,
      counterNumber: c.number,
      counterNameVi: c.name_vi,
      counterNameEn: c.name_en,
      callCount: t.call_count,
      priority: t.priority !== null,
      at: (t.called_at ?? this.deps.clock()).toISOString(),
    });
  }

  private async publishWaiting(unitId: number): Promise<void> {
    if (this.bus.listenerCount(`unit:${unitId}`) === 0) return;
    this.publish(unitId, { type: 'waiting', groups: await this.waitingByGroup(unitId) });
  }

  private async publishBoard(unitId: number): Promise<void> {
    if (this.bus.listenerCount(`unit:${unitId}`) === 0) return;
    this.publish(unitId, { type: 'board', ...(await this.board(unitId)) });
  }

  private async waitingByGroup(unitId: number) {
    const groups = (await repo.groupsOfUnit(this.deps.db, unitId)).filter((g) => g.active);
    const waiting = await repo.waitingTickets(
      this.deps.db,
      groups.map((g) => g.id),
    );
    return groups.map((g) => ({ id: g.id, code: g.code, waiting: waiting.filter((t) => t.group_id === g.id).length }));
  }

  /** What the kiosk shows: the point's open groups with the queue length and the estimated wait of a new ticket. */
  async kiosk(unitId: number) {
    const unit = await this.point(unitId);
    const groups = (await repo.groupsOfUnit(this.deps.db, unit.id)).filter((g) => g.active);
    const waiting = await repo.waitingTickets(
      this.deps.db,
      groups.map((g) => g.id),
    );
    const out = [];
    for (const g of groups) {
      const n = waiting.filter((t) => t.group_id === g.id).length;
      out.push({
        id: g.id,
        code: g.code,
        nameVi: g.name_vi,
        nameEn: g.name_en,
        waiting: n,
        estimatedWaitSeconds: await this.estimate(unit.id, g.id, n),
        bookable: g.slot_capacity > 0,
      });
    }
    return { unitId: unit.id, nameVi: unit.name_vi, nameEn: unit.name_en, address: unit.address, groups: out };
  }

  /** The board: the latest calls (newest first) and the waiting count per group. */
  async board(unitId: number) {
    const unit = await this.point(unitId);
    const day = localDay(this.deps.clock());
    const calls = await repo.latestCalls(this.deps.db, unit.id, day, 8);
    return {
      unitId: unit.id,
      nameVi: unit.name_vi,
      nameEn: unit.name_en,
      calls: calls.map((c) => ({
        ticketId: c.id,
        label: c.label,
        counterNumber: c.counter_number,
        counterNameVi: c.counter_name_vi,
        counterNameEn: c.counter_name_en,
        callCount: c.call_count,
        priority: c.priority !== null,
        status: c.status,
        at: c.called_at!.toISOString(),
      })),
      groups: await this.waitingByGroup(unit.id),
    };
  }

  /** A point's figures for a day (today by default): the whole point and each group, against each group's target. */
  async live(actor: Actor, unitId: number, day?: string) {
    requireRole(actor, 'clerk', 'manager', 'admin');
    const unit = await this.pointInScope(actor, unitId);
    const now = this.deps.clock();
    const d = day === undefined ? localDay(now) : checkDay(day, 'querystring.day');
    const asOf = d === localDay(now) ? now.getTime() : Math.min(now.getTime(), (parseLocalDate(d) + 1) * 86_400_000 - 7 * 3_600_000);
    const groups = await repo.groupsOfUnit(this.deps.db, unit.id);
    const tickets = await repo.ticketsOfDay(this.deps.db, unit.id, d);
    const times = tickets.map((t) => ({
      groupId: t.group_id,
      status: t.status,
      priority: t.priority !== null,
      queuedAt: t.queued_at.getTime(),
      calledAt: t.called_at?.getTime() ?? null,
      startedAt: t.started_at?.getTime() ?? null,
      endedAt: t.ended_at?.getTime() ?? null,
    }));
    const pointTarget = Math.min(...groups.map((g) => g.target_wait_seconds), 900);
    const byGroup: (ReturnType<typeof presentGroup> & { figures: DayFigures; estimatedWaitSeconds: number })[] = [];
    for (const g of groups) {
      const f = dayFigures(
        times.filter((t) => t.groupId === g.id),
        asOf,
        g.target_wait_seconds,
      );
      byGroup.push({ ...presentGroup(g), figures: f, estimatedWaitSeconds: await this.estimate(unit.id, g.id, f.waiting) });
    }
    const hours = new Map<number, number>();
    for (const t of tickets) {
      const h = new Date(t.arrived_at.getTime() + 7 * 3_600_000).getUTCHours();
      hours.set(h, (hours.get(h) ?? 0) + 1);
    }
    return {
      unitId: unit.id,
      nameVi: unit.name_vi,
      nameEn: unit.name_en,
      day: d,
      asOf: new Date(asOf).toISOString(),
      targetWaitSeconds: pointTarget,
      figures: dayFigures(times, asOf, pointTarget),
      groups: byGroup,
      arrivalsByHour: [...hours.entries()].sort((a, b) => a[0] - b[0]).map(([hour, arrivals]) => ({ hour, arrivals })),
    };
  }

  // ---- bookings ------------------------------------------------------------------------------

  /** Bookable slots of a group on a day, with the places left (past slots and days off have none). */
  async slots(groupId: number, day: string) {
    checkDay(day, 'querystring.day');
    const g = await this.group(groupId);
    if (!g.active || g.slot_capacity === 0) return { groupId: g.id, day, slotMinutes: g.slot_minutes, slots: [] };
    const sessions = (await this.deps.org.calendarOf(g.unit_id)).sessionsOn(day);
    const starts = daySlots(sessions, g.slot_minutes);
    const now = this.deps.clock().getTime();
    if (!starts.length) return { groupId: g.id, day, slotMinutes: g.slot_minutes, slots: [] };
    const booked = await repo.bookingsPerSlot(this.deps.db, g.id, starts[0]!, new Date(starts[starts.length - 1]!.getTime() + 1));
    return {
      groupId: g.id,
      day,
      slotMinutes: g.slot_minutes,
      slots: starts
        .filter((s) => s.getTime() > now)
        .map((s) => ({
          start: s.toISOString(),
          capacity: g.slot_capacity,
          left: Math.max(0, g.slot_capacity - (booked.get(s.getTime()) ?? 0)),
        })),
    };
  }

  /** Books a slot ahead: a confirmation code, an SMS confirmation now and a reminder an hour before. */
  async book(input: { groupId: number; slotStart: string; name: string; phone: string }) {
    const phone = normalizePhone(input.phone);
    if (!phone)
      throw new DomainError('VALIDATION', 'Phone must be a Vietnamese number: 10 digits starting with 0, or +84 and 9 digits', {
        field: 'body.phone',
      });
    const name = input.name.trim();
    if (name.length < 2) throw new DomainError('VALIDATION', 'Give the name the booking is for', { field: 'body.name' });
    const slot = new Date(input.slotStart);
    if (Number.isNaN(slot.getTime()))
      throw new DomainError('VALIDATION', 'slotStart must be an ISO 8601 instant', { field: 'body.slotStart' });
    const g = await this.group(input.groupId);
    const unit = await this.point(g.unit_id);
    const now = this.deps.clock();
    if (!g.active || g.slot_capacity === 0)
      throw new DomainError('VALIDATION', `Group ${g.name_vi} does not take bookings`, { field: 'body.groupId' });
    if (slot.getTime() <= now.getTime()) throw new DomainError('VALIDATION', 'The slot has already started', { field: 'body.slotStart' });
    if (slot.getTime() > now.getTime() + BOOKING_HORIZON_DAYS * 86_400_000)
      throw new DomainError('VALIDATION', `Bookings open at most ${BOOKING_HORIZON_DAYS} days ahead`, { field: 'body.slotStart' });
    const day = localDay(slot);
    const valid = daySlots((await this.deps.org.calendarOf(g.unit_id)).sessionsOn(day), g.slot_minutes).some(
      (s) => s.getTime() === slot.getTime(),
    );
    if (!valid)
      throw new DomainError(
        'VALIDATION',
        `${input.slotStart} is not a slot of ${g.name_vi}: take one from the slots list (office hours, ${g.slot_minutes}-minute slots)`,
        { field: 'body.slotStart' },
      );
    const booking = await this.deps.db.transaction().execute(async (trx) => {
      // The group row lock serializes bookings of the group, so a slot is never overbooked.
      await this.group(g.id, trx, true);
      if ((await repo.bookedInSlot(trx, g.id, slot)) >= g.slot_capacity)
        throw new DomainError('SLOT_FULL', `The ${slot.toISOString()} slot of ${g.name_vi} is full; choose another`, {
          field: 'body.slotStart',
        });
      let b: QueueBooking | undefined;
      for (let i = 0; i < 5 && !b; i++)
        b = await repo.insertBooking(trx, {
          group_id: g.id,
          slot_start: slot,
          code: bookingCode(randomBytes(8)),
          name,
          phone,
          status: 'booked',
          created_at: now,
          cancelled_at: null,
        });
      if (!b) throw new DomainError('CONFLICT', 'Could not allocate a booking code; try again');
      const when = hhmmDay(slot);
      const messages = [
        {
          to: phone,
          kind: 'booking.confirmed',
          ref: `booking:${b.code}`,
          dueAt: now,
          body: `Motcua: Da dat lich ${when} tai ${ascii(unit.name_vi)}, ${ascii(g.name_vi)}. Ma: ${b.code}. Xem/huy: ${this.deps.publicUrl}/dat-lich/${b.code}`,
        },
      ];
      const remindAt = new Date(slot.getTime() - REMINDER_BEFORE_MS);
      if (remindAt.getTime() > now.getTime())
        messages.push({
          to: phone,
          kind: 'booking.reminder',
          ref: `booking:${b.code}`,
          dueAt: remindAt,
          body: `Motcua: Nhac lich ${when} tai ${ascii(unit.name_vi)}. Ma: ${b.code}. Quet ma tai kiosk de lay so.`,
        });
      await this.deps.notifications.enqueue(trx, messages);
      await this.audit(trx, null, unit.id, 'queue.booking.create', 'queue_booking', b.id, { group: g.id, slot: slot.toISOString() });
      return b;
    });
    return presentBooking(booking, g, unit);
  }

  /** A booking, shown to whoever knows its code and the phone's last 4 digits (the same 404 otherwise). */
  async bookingFor(code: string, phone4: string) {
    const b = await repo.bookingByCode(this.deps.db, code.toUpperCase());
    if (!b || !b.phone.endsWith(phone4)) throw notFound(`Booking ${code}`);
    const g = await this.group(b.group_id);
    return presentBooking(b, g, await this.point(g.unit_id));
  }

  /** Cancels a booking (code and phone digits) and its pending reminder. */
  async cancelBooking(code: string, phone4: string) {
    const b = await repo.bookingByCode(this.deps.db, code.toUpperCase());
    if (!b || !b.phone.endsWith(phone4)) throw notFound(`Booking ${code}`);
    if (b.status !== 'booked')
      throw new DomainError(
        'INVALID_TRANSITION',
        `The booking is ${b.status === 'cancelled' ? 'already cancelled' : 'already checked in'}`,
      );
    const g = await this.group(b.group_id);
    const updated = await this.deps.db.transaction().execute(async (trx) => {
      const u = await repo.updateBookingIf(trx, b.id, 'booked', { status: 'cancelled', cancelled_at: this.deps.clock() });
      if (!u) throw new DomainError('STALE_VERSION', 'The booking changed meanwhile; reload it');
      await this.deps.notifications.cancel(trx, `booking:${b.code}`);
      await this.audit(trx, null, g.unit_id, 'queue.booking.cancel', 'queue_booking', b.id);
      return u;
    });
    return presentBooking(updated, g, await this.point(g.unit_id));
  }

  /**
   * Checks a booking in at the kiosk of its point on its day: a ticket ranked at the slot start, so a
   * citizen on time goes ahead of walk-ins; arriving past the grace period, they queue as a walk-in.
   */
  async checkIn(unitId: number, code: string) {
    const b = await repo.bookingByCode(this.deps.db, code.toUpperCase());
    if (!b) throw notFound(`Booking ${code}`, 'code');
    const g = await this.group(b.group_id);
    const unit = await this.point(unitId);
    if (g.unit_id !== unit.id)
      throw new DomainError('WRONG_SERVICE_POINT', `Booking ${b.code} is for ${(await this.point(g.unit_id)).name_vi}`, { field: 'code' });
    if (b.status !== 'booked')
      throw new DomainError('INVALID_TRANSITION', `Booking ${b.code} is ${b.status === 'cancelled' ? 'cancelled' : 'already checked in'}`);
    const now = this.deps.clock();
    if (localDay(b.slot_start) !== localDay(now))
      throw new DomainError('VALIDATION', `Booking ${b.code} is for ${localDay(b.slot_start)}`, { field: 'code' });
    const late = now.getTime() > b.slot_start.getTime() + BOOKING_GRACE_MS;
    const ticket = await this.deps.db.transaction().execute(async (trx) => {
      const u = await repo.updateBookingIf(trx, b.id, 'booked', { status: 'checked_in' });
      if (!u) throw new DomainError('STALE_VERSION', 'The booking changed meanwhile');
      const t = await this.insertTicketIn(trx, unit, g, {
        channel: 'booking',
        priority: null,
        rankAt: late ? now : b.slot_start,
        now,
        bookingId: b.id,
      });
      await this.deps.notifications.cancel(trx, `booking:${b.code}`);
      await this.audit(trx, null, unit.id, 'queue.booking.check_in', 'queue_ticket', t.id, { label: t.label, booking: b.id, late });
      return t;
    });
    await this.publishWaiting(unit.id);
    return this.issued(ticket, g, unit);
  }

  // ---- history for the planner ---------------------------------------------------------------

  /** Hourly arrivals, service and wait of points between two local days (inclusive). */
  async hourlyHistory(unitIds: number[], fromDay: string, toDay: string) {
    return repo.hourlyHistory(this.deps.db, unitIds, fromDay, toDay);
  }
}

/** "08:30 25/11/2026" in local time (UTC+7). */
function hhmmDay(d: Date): string {
  const l = new Date(d.getTime() + 7 * 3_600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(l.getUTCHours())}:${p(l.getUTCMinutes())} ${p(l.getUTCDate())}/${p(l.getUTCMonth() + 1)}/${l.getUTCFullYear()}`;
}
