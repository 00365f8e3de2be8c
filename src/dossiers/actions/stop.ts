import { closeOpenStep, type ActionHandler } from './action.js';

/** Stop processing, with the reason written to the applicant (→ 8; form 05). */
export const stop: ActionHandler = (ctx) => ({
  patch: { decided_at: ctx.now, current_unit_id: null, paused_at: null },
  effects: [closeOpenStep(ctx)],
});
