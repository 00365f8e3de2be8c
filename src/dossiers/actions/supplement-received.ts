import { DomainError } from '../../platform/errors.js';
import * as repo from '../dossier.repository.js';
import type { ActionHandler } from './action.js';

/** Record the supplement (→ 4): the due date, and the open step's, move by the working time spent waiting. */
export const supplementReceived: ActionHandler = ({ dossier: d, now, calendar }) => {
  if (!d.paused_at || !d.due_at) throw new DomainError('INTERNAL', 'A paused dossier lacks its pause time');
  const pausedAt = d.paused_at;
  const waited = calendar.workingMsBetween(pausedAt, now);
  const due = calendar.resume(d.due_at, pausedAt, now);
  return {
    patch: { paused_at: null, paused_ms: d.paused_ms + waited, due_at: due },
    eventData: { pausedWorkingMs: waited, due: due.toISOString() },
    effects: [(trx) => repo.shiftOpenStepDue(trx, d.id, (stepDue) => calendar.resume(stepDue, pausedAt, now))],
  };
};
