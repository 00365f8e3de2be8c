import { closeOpenStep, type ActionHandler } from './action.js';

/** Withdraw at the applicant's written request (→ 7). */
export const withdraw: ActionHandler = (ctx) => ({
  patch: { decided_at: ctx.now, current_unit_id: null, paused_at: null },
  effects: [closeOpenStep(ctx)],
});
