import { DomainError } from '../../platform/errors.js';
import type { LimitUnit } from '../../calendar/calendar.model.js';
import * as repo from '../dossier.repository.js';
import type { ActionHandler } from './action.js';

/**
 * Record the supplement (→ 4): the waiting time is not counted. The due date moves by the working time waited for an
 * hour limit, by the working days waited for a day limit (staying at a close of office hours: WorkingCalendar.resume);
 * the open step's due date moves by the same office time as the dossier's, so the steps keep their order and shares.
 */
export const supplementReceived: ActionHandler = ({ dossier: d, now, calendar }) => {
  if (!d.paused_at || !d.due_at) throw new DomainError('INTERNAL', 'A paused dossier lacks its pause time');
  const pausedAt = d.paused_at;
  const waited = calendar.workingMsBetween(pausedAt, now);
  const due = calendar.resume(d.due_at, pausedAt, now, d.limit_unit as LimitUnit);
  const moved = calendar.workingMsBetween(d.due_at, due);
  return {
    patch: { paused_at: null, paused_ms: d.paused_ms + waited, due_at: due },
    eventData: { pausedWorkingMs: waited, workingDaysWaited: calendar.workingDaysWaited(pausedAt, now), due: due.toISOString() },
    effects: moved > 0 ? [(trx) => repo.shiftOpenStepDue(trx, d.id, (stepDue) => calendar.addWorkingMs(stepDue, moved))] : [],
  };
};
