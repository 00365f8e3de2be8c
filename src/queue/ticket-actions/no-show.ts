import type { TicketActionHandler } from './action.js';

/** The citizen did not come: the ticket leaves the board's latest calls. */
export const noShow: TicketActionHandler = {
  plan: ({ ticket: t0, now }) => ({
    patch: { status: 'no_show', ended_at: now },
    announce: async (t, board) => {
      if (t0.called_at) await board.publishBoard(t.unit_id);
    },
  }),
};
