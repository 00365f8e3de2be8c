import type { TicketActionHandler } from './action.js';

/** Cancel a waiting or called ticket; any clerk of the point may cancel one still waiting. */
export const cancel: TicketActionHandler = {
  byAnyClerk: (t) => t.status === 'waiting',
  plan: ({ ticket: t0, now }) => ({
    patch: { status: 'cancelled', ended_at: now },
    announce: async (t, board) => {
      await board.publishWaiting(t.unit_id);
      if (t0.called_at) await board.publishBoard(t.unit_id);
    },
  }),
};
