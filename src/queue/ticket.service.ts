import type { Kysely } from 'kysely';
import type { DB, QueueGroup, QueueTicket, TicketChannel, TicketPriority, Unit } from '../platform/db.types.js';
import { DomainError, notFound } from '../platform/errors.js';
import { randomToken } from '../platform/ids.js';
import { checkIdempotencyKey, idempotent } from '../platform/idempotency.js';
import { requireRole, type Actor } from '../auth/auth.model.js';
import { localDay, ticketLabel } from './ticket.model.js';
import { iso, presentTicket } from './queue.presenter.js';
import type { QueueContext } from './queue.context.js';
import type { BoardService } from './board.service.js';
import * as repo from './queue.repository.js';

/** Tickets: issued at the kiosk or by a clerk, and followed on the holder's phone. */
export class TicketService {
  constructor(
    private readonly ctx: QueueContext,
    private readonly board: BoardService,
    private readonly publicUrl: string,
  ) {}

  /**
   * Issues a ticket: from the kiosk (no actor) or by a clerk of the point. Returns it with the tickets
   * ahead and the estimated wait.
   */
  async takeTicket(
    actor: Actor | null,
    unitId: number,
    input: { groupId: number; priority?: TicketPriority | null },
    idempotencyKey?: string,
  ) {
    if (actor) requireRole(actor, 'clerk', 'manager');
    if (idempotencyKey) checkIdempotencyKey(idempotencyKey, actor ? 8 : 16);
    const unit = actor ? await this.ctx.pointInScope(actor, unitId) : await this.ctx.point(unitId);
    const g = await this.ctx.group(input.groupId);
    if (g.unit_id !== unit.id || !g.active)
      throw new DomainError('VALIDATION', `Service group ${g.id} is not open at ${unit.name_vi}`, { field: 'body.groupId' });
    const channel: TicketChannel = actor ? 'clerk' : 'kiosk';
    const now = this.ctx.now();
    // A retried request (the same Idempotency-Key) gets the ticket issued the first time, as it stands now.
    const scope = actor ? `staff:${actor.staffId}:ticket` : `public:ticket`;
    const { value: ticket, replayed } = await idempotent(
      this.ctx.db,
      idempotencyKey,
      scope,
      { unitId, ...input },
      async (trx) => {
        const t = await this.insertTicketIn(trx, unit, g, { channel, priority: input.priority ?? null, rankAt: now, now, bookingId: null });
        await this.ctx.audit(trx, actor, unit.id, 'queue.ticket.issue', 'queue_ticket', t.id, {
          label: t.label,
          channel,
          priority: t.priority,
        });
        return t;
      },
      {
        store: (t) => ({ ticketId: t.id }),
        replay: async ({ ticketId }) => (await repo.ticketById(this.ctx.db, ticketId))!,
        minKeyLength: actor ? 8 : 16,
      },
    );
    if (!replayed) await this.board.publishWaiting(unit.id);
    return this.issued(ticket, g, unit);
  }

  /** A ticket as handed to its holder: with its place, the estimated wait and the token of its phone page. */
  async issued(ticket: QueueTicket, g: QueueGroup, unit: Unit) {
    return {
      ...presentTicket(ticket, { groupCode: g.code, groupNameVi: g.name_vi, groupNameEn: g.name_en }),
      pointNameVi: unit.name_vi,
      pointNameEn: unit.name_en,
      token: ticket.token!,
      ...(await this.ctx.estimateFor(ticket)),
    };
  }

  /**
   * What the holder's phone shows (/so/<token>, from the QR code on the ticket): the status, the place and
   * the estimated wait while waiting, the counter once called. The same 404 for any unknown token, which counts
   * against the client address in the public look-ups' budget (a 96-bit token needs no budget of its own); a
   * locked address gets 429. A known token never waits for the budget's database.
   */
  async follow(token: string, client: string) {
    const { budget } = this.ctx.deps;
    const keys = budget.keys(null, client);
    await budget.check(keys);
    const t = await repo.ticketByToken(this.ctx.db, token);
    if (!t) {
      await budget.fail(keys);
      throw notFound('Ticket');
    }
    const g = await this.ctx.group(t.group_id);
    const unit = await this.ctx.point(t.unit_id);
    const counter =
      t.counter_id && (t.status === 'called' || t.status === 'serving') ? await repo.counterById(this.ctx.db, t.counter_id) : undefined;
    const place = t.status === 'waiting' ? await this.ctx.estimateFor(t) : null;
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
    return `${this.publicUrl}/so/${token}`;
  }

  /** Writes a new waiting ticket with the next number of its group's day (in the caller's transaction). */
  async insertTicketIn(
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
}
