import { stepDueAt } from '../dossier.model.js';
import { openStep, type ActionHandler } from './action.js';

/** Receive an online submission (1 → 2): the legal clock starts now, at the receiving point. */
export const receive: ActionHandler = (ctx) => {
  const { dossier: d, now, calendar, version } = ctx;
  const due = calendar.dueDate(now, d.limit_value, d.limit_unit as never);
  return {
    patch: { received_at: now, due_at: due, original_due_at: due, current_unit_id: d.receiving_unit_id },
    eventData: { due: due.toISOString() },
    effects: [
      openStep(ctx, {
        role: 'receive',
        fromUnitId: null,
        toUnitId: d.receiving_unit_id,
        dueAt: stepDueAt(calendar, now, due, version.body.steps, 0),
      }),
    ],
  };
};
