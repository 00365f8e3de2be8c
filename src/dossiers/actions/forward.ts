import { DomainError } from '../../platform/errors.js';
import { roleForStep, stepDueAt, type ProcessingStep } from '../dossier.model.js';
import * as repo from '../dossier.repository.js';
import { agencyOf, closeOpenStep, openStep, type ActionHandler } from './action.js';

/**
 * Forward (→ 4): from the receiving point to the competent agency's first step, once every required component is
 * digitized; or from a step to the next, by the staff member whose role works the current step.
 */
export const forward: ActionHandler = async (ctx) => {
  const { dossier: d, version, steps, actor, calendar } = ctx;
  let target: ProcessingStep | undefined;
  if (d.status === 'received') {
    const components = await repo.componentsOf(ctx.db, d.id);
    const notDigitized = version.body.components
      .filter((c) => c.required && !components.some((x) => x.component_code === c.code && x.digitized))
      .map((c) => c.code);
    if (notDigitized.length) {
      throw new DomainError(
        'NOT_DIGITIZED',
        `Every required component must be digitized before processing; not yet: ${notDigitized.join(', ')}`,
        {
          details: { components: notDigitized },
        },
      );
    }
    target = steps[0];
  } else {
    const current = steps.find((s) => s.index === d.current_step);
    if (current && roleForStep(current) !== actor.role)
      throw new DomainError('FORBIDDEN', `The current step (${current.role}) is worked by a ${roleForStep(current)}`);
    target = steps.find((s) => s.index > d.current_step);
    if (!target) throw new DomainError('INVALID_TRANSITION', 'This is the last step: issue the result or stop processing');
  }
  if (!target) throw new DomainError('INTERNAL', `Procedure ${version.code} has no processing step`);
  const toUnit = await agencyOf(ctx.org, target.agency, d.competent_agency_id);
  const dueAt = d.received_at && d.due_at ? stepDueAt(calendar, d.received_at, d.due_at, version.body.steps, target.index) : null;
  return {
    patch: { current_unit_id: toUnit.id, current_step: target.index },
    eventData: { toUnitId: toUnit.id, step: target.role },
    effects: [closeOpenStep(ctx), openStep(ctx, { role: target.role, fromUnitId: d.current_unit_id, toUnitId: toUnit.id, dueAt })],
  };
};
