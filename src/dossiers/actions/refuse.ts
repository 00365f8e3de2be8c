import { closeOpenStep, type ActionHandler } from './action.js';

/** Refuse at receipt, with the reason written to the applicant (→ 3; form 03). */
export const refuse: ActionHandler = (ctx) => ({
  patch: { decided_at: ctx.now, current_unit_id: null },
  effects: [closeOpenStep(ctx)],
});
