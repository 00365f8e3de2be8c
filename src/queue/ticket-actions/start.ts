import type { TicketActionHandler } from './action.js';

/** The citizen came to the counter: the service starts. */
export const start: TicketActionHandler = {
  plan: ({ now }) => ({ patch: { status: 'serving', started_at: now } }),
};
