import { randomBytes } from 'node:crypto';
import type { QueueBooking } from '../platform/db.types.js';
import { DomainError, notFound } from '../platform/errors.js';
import { checkIdempotencyKey, idempotent } from '../platform/idempotency.js';
import { normalizePhone } from '../dossiers/dossier.model.js';
import { sameSecret } from '../lookups/lookup.model.js';
import { stripDiacritics as ascii } from '../catalog/catalog.model.js';
import type { NotificationService } from '../notifications/notification.service.js';
import { bookingCode, checkDay, daySlots, localDay } from './ticket.model.js';
import { presentBooking } from './queue.presenter.js';
import type { QueueContext } from './queue.context.js';
import type { BoardService } from './board.service.js';
import type { TicketService } from './ticket.service.js';
import * as repo from './queue.repository.js';

/** How long before the slot the booking reminder is sent. */
export const REMINDER_BEFORE_MS = 60 * 60_000;
/** A booking may be made this many days ahead at most. */
export const BOOKING_HORIZON_DAYS = 30;
/** A booked citizen arriving this late after the slot start is queued as a walk-in. */
export const BOOKING_GRACE_MS = 15 * 60_000;

/** Bookings ahead: slots from the office sessions, the confirmation and reminder by SMS, check-in at the kiosk. */
export class BookingService {
  constructor(
    private readonly ctx: QueueContext,
    private readonly board: BoardService,
    private readonly tickets: TicketService,
    private readonly notifications: NotificationService,
    private readonly publicUrl: string,
  ) {}

  /** Bookable slots of a group on a day, with the places left (past slots and days off have none). */
  async slots(groupId: number, day: string) {
    checkDay(day, 'querystring.day');
    const g = await this.ctx.group(groupId);
    if (!g.active || g.slot_capacity === 0) return { groupId: g.id, day, slotMinutes: g.slot_minutes, slots: [] };
    const sessions = (await this.ctx.deps.org.calendarOf(g.unit_id)).sessionsOn(day);
    const starts = daySlots(sessions, g.slot_minutes);
    const now = this.ctx.now().getTime();
    if (!starts.length) return { groupId: g.id, day, slotMinutes: g.slot_minutes, slots: [] };
    const booked = await repo.bookingsPerSlot(this.ctx.db, g.id, starts[0]!, new Date(starts[starts.length - 1]!.getTime() + 1));
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
  async book(input: { groupId: number; slotStart: string; name: string; phone: string }, idempotencyKey?: string) {
    if (idempotencyKey) checkIdempotencyKey(idempotencyKey, 16);
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
    const g = await this.ctx.group(input.groupId);
    const unit = await this.ctx.point(g.unit_id);
    const now = this.ctx.now();
    if (!g.active || g.slot_capacity === 0)
      throw new DomainError('VALIDATION', `Group ${g.name_vi} does not take bookings`, { field: 'body.groupId' });
    if (slot.getTime() <= now.getTime()) throw new DomainError('VALIDATION', 'The slot has already started', { field: 'body.slotStart' });
    if (slot.getTime() > now.getTime() + BOOKING_HORIZON_DAYS * 86_400_000)
      throw new DomainError('VALIDATION', `Bookings open at most ${BOOKING_HORIZON_DAYS} days ahead`, { field: 'body.slotStart' });
    const day = localDay(slot);
    const valid = daySlots((await this.ctx.deps.org.calendarOf(g.unit_id)).sessionsOn(day), g.slot_minutes).some(
      (s) => s.getTime() === slot.getTime(),
    );
    if (!valid)
      throw new DomainError(
        'VALIDATION',
        `${input.slotStart} is not a slot of ${g.name_vi}: take one from the slots list (office hours, ${g.slot_minutes}-minute slots)`,
        { field: 'body.slotStart' },
      );
    // A retried request (the same Idempotency-Key) gets the booking made the first time, even if it took the last place.
    const { value: booking } = await idempotent(
      this.ctx.db,
      idempotencyKey,
      'public:booking',
      input,
      async (trx) => {
        // The group row lock serializes bookings of the group, so a slot is never overbooked.
        await this.ctx.group(g.id, trx, true);
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
            body: `Motcua: Da dat lich ${when} tai ${ascii(unit.name_vi)}, ${ascii(g.name_vi)}. Ma: ${b.code}. Xem/huy: ${this.publicUrl}/dat-lich/${b.code}`,
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
        await this.notifications.enqueue(trx, messages);
        await this.ctx.audit(trx, null, unit.id, 'queue.booking.create', 'queue_booking', b.id, { group: g.id, slot: slot.toISOString() });
        return b;
      },
      { minKeyLength: 16, store: (b) => ({ code: b.code }), replay: async ({ code }) => (await repo.bookingByCode(this.ctx.db, code))! },
    );
    return presentBooking(booking, g, unit);
  }

  /**
   * The booking behind a code and the phone's last 4 digits; the same 404 for an unknown code and wrong digits.
   * Each guess counts against the code (`booking:<CODE>`) and the client address before it is checked, in the
   * budget the public tracking look-ups share (LookupBudget); a right one takes its count back.
   */
  private async verified(code: string, phone4: string, client: string) {
    const { budget } = this.ctx.deps;
    const key = code.toUpperCase();
    const attempt = await budget.reserve(budget.keys(`booking:${key}`, client));
    const b = await repo.bookingByCode(this.ctx.db, key);
    if (!b || !sameSecret(b.phone.slice(-4), phone4)) throw notFound(`Booking ${code}`);
    await budget.release(attempt);
    return b;
  }

  /** A booking, shown to whoever knows its code and the phone's last 4 digits (the same 404 otherwise). */
  async bookingFor(code: string, phone4: string, client: string) {
    const b = await this.verified(code, phone4, client);
    const g = await this.ctx.group(b.group_id);
    return presentBooking(b, g, await this.ctx.point(g.unit_id));
  }

  /** Cancels a booking (code and phone digits) and its pending reminder. */
  async cancelBooking(code: string, phone4: string, client: string) {
    const b = await this.verified(code, phone4, client);
    if (b.status !== 'booked')
      throw new DomainError(
        'INVALID_TRANSITION',
        `The booking is ${b.status === 'cancelled' ? 'already cancelled' : 'already checked in'}`,
      );
    const g = await this.ctx.group(b.group_id);
    const updated = await this.ctx.db.transaction().execute(async (trx) => {
      const u = await repo.updateBookingIf(trx, b.id, 'booked', { status: 'cancelled', cancelled_at: this.ctx.now() });
      if (!u) throw new DomainError('STALE_VERSION', 'The booking changed meanwhile; reload it');
      await this.notifications.cancel(trx, `booking:${b.code}`);
      await this.ctx.audit(trx, null, g.unit_id, 'queue.booking.cancel', 'queue_booking', b.id);
      return u;
    });
    return presentBooking(updated, g, await this.ctx.point(g.unit_id));
  }

  /**
   * Checks a booking in at the kiosk of its point on its day: a ticket ranked at the slot start, so a
   * citizen on time goes ahead of walk-ins; arriving past the grace period, they queue as a walk-in.
   */
  async checkIn(unitId: number, code: string) {
    const b = await repo.bookingByCode(this.ctx.db, code.toUpperCase());
    if (!b) throw notFound(`Booking ${code}`, 'code');
    const g = await this.ctx.group(b.group_id);
    const unit = await this.ctx.point(unitId);
    if (g.unit_id !== unit.id)
      throw new DomainError('WRONG_SERVICE_POINT', `Booking ${b.code} is for ${(await this.ctx.point(g.unit_id)).name_vi}`, {
        field: 'code',
      });
    if (b.status !== 'booked')
      throw new DomainError('INVALID_TRANSITION', `Booking ${b.code} is ${b.status === 'cancelled' ? 'cancelled' : 'already checked in'}`);
    const now = this.ctx.now();
    if (localDay(b.slot_start) !== localDay(now))
      throw new DomainError('VALIDATION', `Booking ${b.code} is for ${localDay(b.slot_start)}`, { field: 'code' });
    const late = now.getTime() > b.slot_start.getTime() + BOOKING_GRACE_MS;
    const ticket = await this.ctx.db.transaction().execute(async (trx) => {
      const u = await repo.updateBookingIf(trx, b.id, 'booked', { status: 'checked_in' });
      if (!u) throw new DomainError('STALE_VERSION', 'The booking changed meanwhile');
      const t = await this.tickets.insertTicketIn(trx, unit, g, {
        channel: 'booking',
        priority: null,
        rankAt: late ? now : b.slot_start,
        now,
        bookingId: b.id,
      });
      await this.notifications.cancel(trx, `booking:${b.code}`);
      await this.ctx.audit(trx, null, unit.id, 'queue.booking.check_in', 'queue_ticket', t.id, { label: t.label, booking: b.id, late });
      return t;
    });
    await this.board.publishWaiting(unit.id);
    return this.tickets.issued(ticket, g, unit);
  }
}

/** "08:30 25/11/2026" in local time (UTC+7). */
function hhmmDay(d: Date): string {
  const l = new Date(d.getTime() + 7 * 3_600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(l.getUTCHours())}:${p(l.getUTCMinutes())} ${p(l.getUTCDate())}/${p(l.getUTCMonth() + 1)}/${l.getUTCFullYear()}`;
}
