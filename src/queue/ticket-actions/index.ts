import type { TicketAction } from '../ticket.model.js';
import type { TicketActionHandler } from './action.js';
import { recall } from './recall.js';
import { start } from './start.js';
import { finish } from './finish.js';
import { noShow } from './no-show.js';
import { cancel } from './cancel.js';
import { transfer } from './transfer.js';

/** The ticket actions taken on a ticket in hand, one file each (the call is CounterService.callNext: it chooses the ticket). */
export const TICKET_ACTION_HANDLERS = {
  recall,
  start,
  finish,
  no_show: noShow,
  cancel,
  transfer,
} as const satisfies Record<Exclude<TicketAction, 'call'>, TicketActionHandler>;
