import { DomainError } from '../../platform/errors.js';
import type { ActionHandler } from './action.js';

/** Apologize for a delay and propose a new return date (form 04), once. */
export const apologize: ActionHandler = ({ dossier: d, input, now }) => {
  if (d.apology_due_at) throw new DomainError('INVALID_TRANSITION', 'An apology with a new date was already issued for this dossier');
  const newDue = new Date(input.newDueAt!);
  if (Number.isNaN(newDue.getTime())) throw new DomainError('VALIDATION', 'newDueAt (ISO 8601) is required', { field: 'body.newDueAt' });
  if (!d.due_at || newDue <= d.due_at || newDue <= now)
    throw new DomainError('VALIDATION', 'The new date must be later than the current due date and than now', { field: 'body.newDueAt' });
  return { patch: { apology_due_at: newDue }, eventData: { newDueAt: newDue.toISOString() } };
};
