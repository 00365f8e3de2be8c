import { closeOpenStep, type ActionHandler } from './action.js';

/** Return the result at the chosen service point (→ 10). */
export const returnResult: ActionHandler = (ctx) => ({
  patch: { returned_at: ctx.now, current_unit_id: null },
  effects: [closeOpenStep(ctx)],
});
