import type { Updateable } from 'kysely';
import type { QueueTicket, QueueTicketTable } from '../../platform/db.types.js';
import type { Actor } from '../../auth/auth.model.js';
import type { QueueContext } from '../queue.context.js';
import type { BoardService } from '../board.service.js';

/** What a ticket action may be given: the dossiers a finished service received, where a transfer goes. */
export interface TicketActionInput {
  dossierCodes?: string[];
  groupId?: number;
  counterId?: number;
}

/** What a ticket action is given: the ticket as read (its status already allowed by TICKET_TRANSITIONS), who acts, when. */
export interface TicketActionContext {
  ticket: QueueTicket;
  actor: Actor;
  now: Date;
  input: TicketActionInput;
  queue: QueueContext;
}

/** The ticket's change, what the audit entry adds, the dossiers to link, and what the boards are told once it is committed. */
export interface TicketActionPlan {
  patch: Updateable<QueueTicketTable>;
  audit?: Record<string, unknown>;
  /** Dossier ids linked to the ticket (a finished service). */
  links?: number[];
  /** After the commit: tell the point's boards. */
  announce?: (updated: QueueTicket, board: BoardService, queue: QueueContext) => Promise<void>;
}

/** One action of the ticket state machine (call-next is the counter's own use case: it chooses the ticket first). */
export interface TicketActionHandler {
  /** Whether a clerk other than the one holding the ticket may take it (managers always may). */
  byAnyClerk?: (t: QueueTicket) => boolean;
  plan(ctx: TicketActionContext): Promise<TicketActionPlan> | TicketActionPlan;
}
