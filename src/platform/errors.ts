/** Stable error codes of the domain; one table maps them to HTTP statuses. */
export const ERROR_STATUS = {
  VALIDATION: 400,
  INVALID_ID_NUMBER: 400,
  INVALID_FILE: 400,
  /** An online submission's token (X-Submission-Token) is missing, unknown or expired. */
  INVALID_SUBMISSION: 400,
  FILE_TOO_LARGE: 413,
  UNSUPPORTED_FILE_TYPE: 415,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  OUT_OF_SCOPE: 403,
  NOT_FOUND: 404,
  WRONG_SERVICE_POINT: 422,
  NOT_DIGITIZED: 422,
  INVALID_TRANSITION: 409,
  FORM_NOT_APPLICABLE: 409,
  SUPPLEMENT_ALREADY_REQUESTED: 409,
  STALE_VERSION: 409,
  /** The applicant already has an open dossier of the procedure (staff may override with a reason). */
  DUPLICATE_DOSSIER: 409,
  IDEMPOTENCY_CONFLICT: 409,
  ALREADY_RATED: 409,
  /** A VNeID log-in's callback names no log-in in progress here (unknown or tampered state, already redeemed, or begun in another browser). */
  VNEID_LOGIN_INVALID: 400,
  /** The VNeID log-in in progress was begun too long ago; begin again. */
  VNEID_LOGIN_EXPIRED: 400,
  /** VNeID did not complete the log-in (the citizen cancelled, the code was refused, or its identity was not acceptable). */
  VNEID_LOGIN_REFUSED: 400,
  /** What was asked needs a VNeID account of identification level 2 (verified against the population database). */
  CITIZEN_LEVEL_2_REQUIRED: 403,
  /** A logged-in citizen files for themself: the applicant's ID number must be their own. */
  APPLICANT_NOT_CITIZEN: 403,
  UNKNOWN_COMMUNE: 422,
  UNKNOWN_PROCEDURE: 422,
  NOT_IN_SCOPE_OF_PROVINCE: 422,
  /** A path part longer than the router accepts. */
  URI_TOO_LONG: 414,
  RATE_LIMITED: 429,
  CONFLICT: 409,
  SLOT_FULL: 409,
  COUNTER_BUSY: 409,
  COUNTER_NOT_OPEN: 409,
  TICKET_IN_HAND: 409,
  INTERNAL: 500,
  /** The browser app has not been built yet (npm run build). */
  WEB_NOT_BUILT: 503,
  /** The database cannot be reached now (restarting, down, or every connection busy); the answer carries Retry-After. */
  DATABASE_UNAVAILABLE: 503,
  /** A national service (the population database, VNeID) is not answering now; the answer carries Retry-After. */
  NATIONAL_SERVICE_UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Every code a problem answer may carry, in the table's order. */
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** A rule of the domain was broken; the message is safe to show to the caller. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** retryAfterSeconds: sent as the Retry-After header (a 429 names when to try again). */
    readonly extra: { field?: string; details?: Record<string, unknown>; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** Shorthand for a 404 naming what was looked for. */
export function notFound(what: string, field?: string): DomainError {
  return new DomainError('NOT_FOUND', `${what} not found`, field ? { field } : {});
}
