import type { Problem } from '../api/client';
import type { QueueT } from './i18n';

/**
 * A sentence for the queue's own problem codes (ProblemAlert shows the server's words beside it); undefined
 * for the others, which ProblemAlert words itself (network, rate limit, validation, …).
 */
export function queueProblemMessage(t: QueueT, p: Problem): string | undefined {
  switch (p.code) {
    case 'TICKET_IN_HAND':
      return t('problems.ticketInHand');
    case 'COUNTER_BUSY':
      return t('problems.counterBusy');
    case 'COUNTER_NOT_OPEN':
      return t('problems.counterNotOpen');
    case 'SLOT_FULL':
      return t('problems.slotFull');
    case 'WRONG_SERVICE_POINT':
      return t('problems.wrongPoint');
    case 'INVALID_TRANSITION':
      return t('problems.invalidTransition');
    case 'STALE_VERSION':
      return t('problems.stale');
    case 'FORBIDDEN':
      return t('problems.forbidden');
    case 'CONFLICT':
      return t('problems.conflict');
    case 'UNKNOWN_PROCEDURE':
      return t('problems.unknownProcedure');
    case 'NOT_FOUND':
      return p.field?.startsWith('body.dossierCodes') ? t('problems.dossierNotFound') : undefined;
    case 'VALIDATION':
      return p.field?.startsWith('body.dossierCodes') ? t('problems.dossierElsewhere') : undefined;
    default:
      return undefined;
  }
}
