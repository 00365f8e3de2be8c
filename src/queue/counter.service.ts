import type { QueueCounter, QueueTicket } from '../platform/db.types.js';
import { DomainError, notFound } from '../platform/errors.js';
import { inScope, requireRole, type Actor } from '../auth/auth.model.js';
import {
  localDay,
  MAX_PRIORITY_STREAK,
  nextTicketStatus,
  pickNext,
  priorityStreak,
  TICKET_TRANSITIONS,
  type TicketAction,
} from './ticket.model.js';
import { presentCounter, type TicketView } from './queue.presenter.js';
import type { QueueContext } from './queue.context.js';
import type { BoardService } from './board.service.js';
import * as repo from './queue.repository.js';
import { TICKET_ACTION_HANDLERS } from './ticket-actions/index.js';
import type { TicketActionInput } from './ticket-actions/action.js';

/** The clerk's counter: sitting at it, calling the next ticket, serving, transferring, finishing. */
export class CounterService {
  constructor(
    private readonly ctx: QueueContext,
    private readonly board: BoardService,
  ) {}

  /** A clerk sits at a counter of their point (one counter per clerk, one clerk per counter). */
  async openCounter(actor: Actor, counterId: number) {
    requireRole(actor, 'clerk', 'manager');
    const c0 = await repo.counterById(this.ctx.db, counterId);
    if (!c0 || !inScope(actor, c0.unit_id)) throw notFound(`Counter ${counterId}`);
    if (!c0.active) throw new DomainError('CONFLICT', `Counter ${c0.number} is out of service`);
    return this.ctx.db.transaction().execute(async (trx) => {
      const c = (await repo.counterById(trx, counterId, true))!;
      if (c.staff_id === actor.staffId) return presentCounter(c);
      if (c.staff_id !== null)
        throw new DomainError('COUNTER_BUSY', `Counter ${c.number} is open by another clerk; they must close it first`);
      const mine = await repo.counterOfStaff(trx, actor.staffId);
      if (mine) throw new DomainError('COUNTER_BUSY', `You are at counter ${mine.number}; close it first`);
      const opened = await repo.setCounterStaff(trx, c.id, actor.staffId, this.ctx.now());
      await this.ctx.audit(trx, actor, c.unit_id, 'queue.counter.open', 'queue_counter', c.id);
      return presentCounter({ ...opened, staff_name: actor.fullName });
    });
  }

  /** The clerk leaves the counter; a ticket still in hand must be finished, transferred or marked no-show first. */
  async closeCounter(actor: Actor, counterId: number) {
    requireRole(actor, 'clerk', 'manager');
    const c0 = await repo.counterById(this.ctx.db, counterId);
    if (!c0 || !inScope(actor, c0.unit_id)) throw notFound(`Counter ${counterId}`);
    // A manager may close a counter a clerk left open; a clerk only their own.
    if (c0.staff_id !== actor.staffId && actor.role !== 'manager')
      throw new DomainError('COUNTER_NOT_OPEN', `Counter ${c0.number} is not open by you`);
    return this.ctx.db.transaction().execute(async (trx) => {
      const inHand = await repo.currentTicketAt(trx, counterId);
      if (inHand)
        throw new DomainError(
          'TICKET_IN_HAND',
          `Ticket ${inHand.label} is still ${inHand.status} at this counter: finish it, transfer it or mark it no-show first`,
        );
      const closed = await repo.setCounterStaff(trx, counterId, null, null);
      await this.ctx.audit(trx, actor, c0.unit_id, 'queue.counter.close', 'queue_counter', counterId);
      return presentCounter(closed);
    });
  }

  /** The counter the clerk sits at, its ticket in hand, and the waiting count of each group the clerk serves. */
  async myCounter(actor: Actor) {
    requireRole(actor, 'clerk', 'manager');
    const c = await repo.counterOfStaff(this.ctx.db, actor.staffId);
    if (!c) return { counter: null, ticket: null, groups: [] };
    const ticket = await repo.currentTicketAt(this.ctx.db, c.id);
    const weights = await this.ctx.weightsOf(this.ctx.db, actor.staffId, c.unit_id);
    const groups = (await repo.groupsOfUnit(this.ctx.db, c.unit_id)).filter((g) => weights.has(g.id));
    const waiting = await repo.waitingTickets(
      this.ctx.db,
      groups.map((g) => g.id),
    );
    return {
      counter: presentCounter({ ...c, staff_name: actor.fullName }),
      ticket: ticket ? await this.ctx.view(ticket) : null,
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

  /** The counter calls its next ticket (see pickNext); two clerks calling at once never get the same ticket. */
  async callNext(actor: Actor, counterId: number): Promise<{ ticket: TicketView | null }> {
    requireRole(actor, 'clerk', 'manager');
    const c = await this.ownCounter(actor, counterId);
    const inHand = await repo.currentTicketAt(this.ctx.db, c.id);
    if (inHand)
      throw new DomainError(
        'TICKET_IN_HAND',
        `Ticket ${inHand.label} is still ${inHand.status}: finish it, transfer it or mark it no-show before calling the next`,
      );
    const weights = await this.ctx.weightsOf(this.ctx.db, actor.staffId, c.unit_id);
    const now = this.ctx.now();
    const day = localDay(now);
    const streak = priorityStreak(await repo.recentCallsPriority(this.ctx.db, c.id, day, MAX_PRIORITY_STREAK));
    const tried = new Set<number>();
    // Another counter may take the chosen ticket between the read and the write: then choose again.
    for (let attempt = 0; attempt < 20; attempt++) {
      const rows = (await repo.waitingTickets(this.ctx.db, [...weights.keys()])).filter((r) => !tried.has(r.id));
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
      const claimed = await this.ctx.db.transaction().execute(async (trx) => {
        const t = await repo.updateTicketIf(trx, next.id, ['waiting'], {
          status: 'called',
          counter_id: c.id,
          staff_id: actor.staffId,
          called_at: now,
          call_count: 1,
          target_counter_id: null,
        });
        if (t)
          await this.ctx.audit(trx, actor, c.unit_id, 'queue.ticket.call', 'queue_ticket', t.id, { label: t.label, counter: c.number });
        return t;
      });
      if (claimed) {
        this.board.publishCall(claimed, c);
        await this.board.publishWaiting(c.unit_id);
        return { ticket: await this.ctx.view(claimed) };
      }
      tried.add(next.id);
    }
    throw new DomainError('CONFLICT', 'Other counters kept taking the next ticket; call again');
  }

  private async ownCounter(actor: Actor, counterId: number): Promise<QueueCounter> {
    const c = await repo.counterById(this.ctx.db, counterId);
    if (!c || !inScope(actor, c.unit_id)) throw notFound(`Counter ${counterId}`);
    if (c.staff_id !== actor.staffId)
      throw new DomainError('COUNTER_NOT_OPEN', `Open counter ${c.number} first: calls are made from the counter the clerk sits at`);
    return c;
  }

  /**
   * Takes an action on a ticket in hand (ticket-actions/, one file each): recall, start, finish, no-show, cancel,
   * transfer. The ticket must be held at the actor's counter (a manager may act on any ticket of a point in scope);
   * the change is guarded by the ticket's status, in one transaction with its audit entry; the boards are told after.
   */
  async act(actor: Actor, ticketId: number, action: Exclude<TicketAction, 'call'>, input: TicketActionInput = {}): Promise<TicketView> {
    requireRole(actor, 'clerk', 'manager');
    const handler = TICKET_ACTION_HANDLERS[action];
    const t0 = await repo.ticketById(this.ctx.db, ticketId);
    if (!t0 || !inScope(actor, t0.unit_id)) throw notFound(`Ticket ${ticketId}`);
    if (actor.role !== 'manager' && t0.staff_id !== actor.staffId && !handler.byAnyClerk?.(t0)) {
      throw new DomainError('FORBIDDEN', `Ticket ${t0.label} is handled at another counter`);
    }
    nextTicketStatus(t0.status, action);
    const now = this.ctx.now();
    const plan = await handler.plan({ ticket: t0, actor, now, input, queue: this.ctx });
    const t = await this.ctx.db.transaction().execute(async (trx) => {
      const updated = await repo.updateTicketIf(trx, t0.id, TICKET_TRANSITIONS[action].from, plan.patch);
      if (!updated) throw new DomainError('STALE_VERSION', `Ticket ${t0.label} changed meanwhile; reload it`);
      if (plan.links?.length) await repo.linkDossiers(trx, updated.id, plan.links);
      await this.ctx.audit(trx, actor, updated.unit_id, `queue.ticket.${action}`, 'queue_ticket', updated.id, {
        label: updated.label,
        ...plan.audit,
      });
      return updated;
    });
    await plan.announce?.(t, this.board, this.ctx);
    return this.ctx.view(t);
  }

  /** Sends a ticket in hand to another group of the point (or to a given counter); it keeps its place by arrival. */
  transfer(actor: Actor, ticketId: number, input: { groupId?: number; counterId?: number }): Promise<TicketView> {
    return this.act(actor, ticketId, 'transfer', input);
  }
}
