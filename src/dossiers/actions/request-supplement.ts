import { DomainError } from '../../platform/errors.js';
import type { ActionHandler } from './action.js';

/** Request a supplement, once (→ 5; form 02): the legal clock pauses until it is received. */
export const requestSupplement: ActionHandler = ({ dossier: d, now }) => {
  if (d.supplement_count >= 1) {
    throw new DomainError(
      'SUPPLEMENT_ALREADY_REQUESTED',
      'A supplement may be requested only once during processing (Decree 118/2025); a second request would make the dossier count as late',
    );
  }
  return { patch: { paused_at: now, supplement_count: d.supplement_count + 1 } };
};
