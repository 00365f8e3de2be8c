import { duplicateDossierError, stepDueAt } from '../dossier.model.js';
import * as repo from '../dossier.repository.js';
import { openStep, type ActionHandler } from './action.js';

/**
 * Receive an online submission (1 → 2): the legal clock starts now, at the receiving point. If the applicant has
 * another open dossier of the procedure (online submissions are never refused for it: the submitter is anonymous),
 * the clerk is told here (409 DUPLICATE_DOSSIER naming it) and receives it only with duplicateOverride.reason.
 */
export const receive: ActionHandler = async (ctx) => {
  const { dossier: d, now, calendar, version, input } = ctx;
  const other = await repo.openDuplicate(ctx.db, d.applicant_id_number, d.procedure_id, d.id);
  if (other && !input.duplicateOverride) {
    const p = await ctx.org.unit(other.receivingUnitId);
    throw duplicateDossierError({ ...other, receivingPoint: { id: p.id, nameVi: p.name_vi, nameEn: p.name_en } }, 'body.duplicateOverride');
  }
  const due = calendar.dueDate(now, d.limit_value, d.limit_unit as never);
  return {
    patch: {
      received_at: now,
      due_at: due,
      original_due_at: due,
      current_unit_id: d.receiving_unit_id,
      ...(other ? { duplicate_of: other.code } : {}),
    },
    eventData: {
      due: due.toISOString(),
      ...(other ? { duplicateOverride: { existingCode: other.code, reason: input.duplicateOverride!.reason } } : {}),
    },
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
