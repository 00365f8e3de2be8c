import type { TFunction } from 'i18next';
import type { Problem } from '../api/client';

/** A sentence for the citizen in the current language; the API's own detail (English) is shown beside it where useful. */
export function problemMessage(t: TFunction, p: Problem): string {
  switch (p.code) {
    case 'NETWORK':
      return t('errors.network');
    case 'RATE_LIMITED':
      return p.retryAfterSeconds ? t('errors.rateLimitedFor', { seconds: p.retryAfterSeconds }) : t('errors.rateLimited');
    case 'UNSUPPORTED_FILE_TYPE':
      return t('errors.unsupportedFileType');
    case 'FILE_TOO_LARGE':
      return t('errors.fileTooLarge');
    case 'INVALID_FILE':
      return t('errors.invalidFile');
    case 'INVALID_SUBMISSION':
      return t('errors.invalidSubmission');
    case 'INVALID_ID_NUMBER':
      return t('errors.invalidIdNumber');
    case 'UNKNOWN_COMMUNE':
      return t('errors.unknownCommune');
    case 'UNKNOWN_PROCEDURE':
      return t('errors.unknownProcedure');
    case 'IDEMPOTENCY_CONFLICT':
      return t('errors.idempotencyConflict');
    case 'ALREADY_RATED':
      return t('errors.alreadyRated');
    case 'NOT_FOUND':
      return t('errors.notFound');
    case 'VALIDATION':
      return t('errors.validation');
    case 'DATABASE_UNAVAILABLE':
      return t('errors.unavailableFor', { seconds: p.retryAfterSeconds ?? 5 });
    case 'WEB_NOT_BUILT':
    case 'INTERNAL':
      return t('errors.internal');
    default:
      return p.status >= 500 ? t('errors.internal') : t('errors.generic', { status: p.status });
  }
}

/** "415 UNSUPPORTED_FILE_TYPE: The file's content is …" — what the server said, for the record and for support. */
export function problemDetail(p: Problem): string | null {
  if (p.code === 'NETWORK') return null;
  return `${p.status} ${p.code}: ${p.detail}`;
}
