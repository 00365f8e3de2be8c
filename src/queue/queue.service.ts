import type { Kysely } from 'kysely';
import type { AuditKey } from '../platform/audit-chain.model.js';
import type { DB } from '../platform/db.types.js';
import type { OrgService } from '../org/org.service.js';
import type { NotificationService } from '../notifications/notification.service.js';
import type { LookupBudget } from '../lookups/lookup.service.js';
import { QueueContext } from './queue.context.js';
import { QueueSetupService } from './setup.service.js';
import { BoardService } from './board.service.js';
import { TicketService } from './ticket.service.js';
import { CounterService } from './counter.service.js';
import { BookingService } from './booking.service.js';

/** The counter-queue use cases, by concern. */
export interface QueueServices {
  /** Service groups, counters, the groups each clerk serves. */
  setup: QueueSetupService;
  /** The kiosk's and the board's views, the board's live events, a day's figures. */
  board: BoardService;
  /** Tickets from the kiosk or a clerk, followed on a phone. */
  tickets: TicketService;
  /** The clerk's counter: call, serve, transfer, finish. */
  counters: CounterService;
  /** Bookings ahead and their check-in. */
  bookings: BookingService;
}

/** Wires the queue use cases over one shared context (look-ups, scope, audit, estimates). */
export function createQueueServices(deps: {
  db: Kysely<DB>;
  clock: () => Date;
  auditKey: AuditKey;
  org: OrgService;
  notifications: NotificationService;
  publicUrl: string;
  budget: LookupBudget;
}): QueueServices {
  const ctx = new QueueContext({ db: deps.db, clock: deps.clock, auditKey: deps.auditKey, org: deps.org, budget: deps.budget });
  const board = new BoardService(ctx);
  const tickets = new TicketService(ctx, board, deps.publicUrl);
  return {
    setup: new QueueSetupService(ctx),
    board,
    tickets,
    counters: new CounterService(ctx, board),
    bookings: new BookingService(ctx, board, tickets, deps.notifications, deps.publicUrl),
  };
}
