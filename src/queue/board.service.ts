import { EventEmitter } from 'node:events';
import type { QueueCounter, QueueTicket } from '../platform/db.types.js';
import { requireRole, type Actor } from '../auth/auth.model.js';
import { parseLocalDate } from '../calendar/local-date.js';
import { checkDay, dayFigures, localDay, type DayFigures } from './ticket.model.js';
import { presentGroup } from './queue.presenter.js';
import type { QueueContext } from './queue.context.js';
import * as repo from './queue.repository.js';

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
  | ({ type: 'board' } & Awaited<ReturnType<BoardService['board']>>);

/**
 * What the hall sees and the figures of the day: the kiosk's queue lengths and estimates, the display board and
 * its live events (an in-process bus: every call made through this process reaches every board connected to it),
 * and a point's figures for a day.
 */
export class BoardService {
  private readonly bus = new EventEmitter();

  constructor(private readonly ctx: QueueContext) {
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

  /** Tells the point's boards that a ticket was called (or recalled) to a counter. */
  publishCall(t: QueueTicket, c: QueueCounter): void {
    this.publish(t.unit_id, {
      type: 'call',
      ticketId: t.id,
      label: t.label,
      counterNumber: c.number,
      counterNameVi: c.name_vi,
      counterNameEn: c.name_en,
      callCount: t.call_count,
      priority: t.priority !== null,
      at: (t.called_at ?? this.ctx.now()).toISOString(),
    });
  }

  /** Tells the point's boards the queue lengths changed (only when a board listens). */
  async publishWaiting(unitId: number): Promise<void> {
    if (this.bus.listenerCount(`unit:${unitId}`) === 0) return;
    this.publish(unitId, { type: 'waiting', groups: await this.waitingByGroup(unitId) });
  }

  /** Sends the point's boards the whole board again: a call left it (no-show, transfer, cancel). */
  async publishBoard(unitId: number): Promise<void> {
    if (this.bus.listenerCount(`unit:${unitId}`) === 0) return;
    this.publish(unitId, { type: 'board', ...(await this.board(unitId)) });
  }

  private async waitingByGroup(unitId: number) {
    const groups = (await repo.groupsOfUnit(this.ctx.db, unitId)).filter((g) => g.active);
    const waiting = await repo.waitingTickets(
      this.ctx.db,
      groups.map((g) => g.id),
    );
    return groups.map((g) => ({ id: g.id, code: g.code, waiting: waiting.filter((t) => t.group_id === g.id).length }));
  }

  /** What the kiosk shows: the point's open groups with the queue length and the estimated wait of a new ticket. */
  async kiosk(unitId: number) {
    const unit = await this.ctx.point(unitId);
    const groups = (await repo.groupsOfUnit(this.ctx.db, unit.id)).filter((g) => g.active);
    const waiting = await repo.waitingTickets(
      this.ctx.db,
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
        estimatedWaitSeconds: await this.ctx.estimate(unit.id, g.id, n),
        bookable: g.slot_capacity > 0,
      });
    }
    return { unitId: unit.id, nameVi: unit.name_vi, nameEn: unit.name_en, address: unit.address, groups: out };
  }

  /** The board: the latest calls (newest first) and the waiting count per group. */
  async board(unitId: number) {
    const unit = await this.ctx.point(unitId);
    const day = localDay(this.ctx.now());
    const calls = await repo.latestCalls(this.ctx.db, unit.id, day, 8);
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
    const unit = await this.ctx.pointInScope(actor, unitId);
    const now = this.ctx.now();
    const d = day === undefined ? localDay(now) : checkDay(day, 'querystring.day');
    const asOf = d === localDay(now) ? now.getTime() : Math.min(now.getTime(), (parseLocalDate(d) + 1) * 86_400_000 - 7 * 3_600_000);
    const groups = await repo.groupsOfUnit(this.ctx.db, unit.id);
    const tickets = await repo.ticketsOfDay(this.ctx.db, unit.id, d);
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
      byGroup.push({ ...presentGroup(g), figures: f, estimatedWaitSeconds: await this.ctx.estimate(unit.id, g.id, f.waiting) });
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

  /** Hourly arrivals, service and wait of points between two local days (inclusive). */
  async hourlyHistory(unitIds: number[], fromDay: string, toDay: string) {
    return repo.hourlyHistory(this.ctx.db, unitIds, fromDay, toDay);
  }

  /** Tickets served, waits and service times per point and per calling clerk between two local days (inclusive). */
  async serviceSummary(unitIds: number[] | null, fromDay: string, toDay: string) {
    return repo.serviceSummary(this.ctx.db, unitIds, fromDay, toDay);
  }
}
