import { DomainError } from '../../platform/errors.js';
import { rescheduledDueAt } from '../dossier.model.js';
import type { ActionHandler } from './action.js';

/**
 * Apologize for a delay and propose a new return date (form 04), once. The new date follows the rescheduling rule
 * (rescheduledDueAt: a working day at its close of office hours, after now and the legal due date). It is the date
 * the applicant is now promised (inboxes, the dossier view, tracking and forms show it); the legal due date, and with
 * it every statistic and the process-control outcomes, is unchanged: the dossier still counts as late against it.
 */
export const apologize: ActionHandler = ({ dossier: d, input, now, calendar }) => {
  if (d.apology_due_at) throw new DomainError('INVALID_TRANSITION', 'An apology with a new date was already issued for this dossier');
  const proposed = new Date(input.newDueAt!);
  if (Number.isNaN(proposed.getTime())) throw new DomainError('VALIDATION', 'newDueAt (ISO 8601) is required', { field: 'body.newDueAt' });
  if (!d.due_at) throw new DomainError('INTERNAL', 'A dossier in processing lacks its due date');
  const newDue = rescheduledDueAt(calendar, proposed, d.due_at, now);
  return { patch: { apology_due_at: newDue }, eventData: { newDueAt: newDue.toISOString(), legalDueAt: d.due_at.toISOString() } };
};
