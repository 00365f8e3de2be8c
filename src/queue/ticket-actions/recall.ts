import * as repo from '../queue.repository.js';
import type { TicketActionHandler } from './action.js';

/** Call the ticket again: the last call counts for its wait, and the board shows it again. */
export const recall: TicketActionHandler = {
  plan: ({ ticket: t, now }) => ({
    patch: { called_at: now, call_count: t.call_count + 1 },
    announce: async (updated, board, queue) => {
      const c = updated.counter_id ? await repo.counterById(queue.db, updated.counter_id) : undefined;
      if (c) board.publishCall(updated, c);
    },
  }),
};
