import { Type } from 'typebox';
import { ERROR_CODES } from './errors.js';

/** RFC 9457 problem document, as every error response is shaped. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'URI naming the problem type' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: 'Human-readable explanation, safe to show' }),
    code: Type.Union(
      ERROR_CODES.map((c) => Type.Literal(c)),
      { description: 'Stable machine-readable error code, e.g. WRONG_SERVICE_POINT (one of the error table of src/platform/errors.ts)' },
    ),
    field: Type.Optional(Type.String({ description: 'The offending input, e.g. body.applicant.idNumber' })),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    instance: Type.Optional(Type.String({ description: 'Request id' })),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

/** Standard error responses for a route, by status. */
/** The problem schema by reference: registered once (createHttpApp), so the API document lists it once. */
export const ProblemRef = Type.Ref('Problem');

/** Standard error responses for a route, by status. */
export function problems(...statuses: number[]): Record<number, typeof ProblemRef> {
  return Object.fromEntries(statuses.map((s) => [s, ProblemRef]));
}

/** The largest value of a PostgreSQL integer column (int4): request integers stored in one are bounded by it. */
export const INT4_MAX = 2_147_483_647;
/** Requests name a bigint row (dossiers, documents, tickets) by an id below this bound (JavaScript numbers stay exact). */
export const BIGINT_ID_MAX = Number.MAX_SAFE_INTEGER;

/** An id of a row in an integer-keyed table (units, staff, groups, counters), as requests send it. */
export const IntId = (opts: { description?: string } = {}) => Type.Integer({ minimum: 1, maximum: INT4_MAX, ...opts });

export const IdParam = Type.Object({ id: IntId() });

/** The optional Idempotency-Key header of a creating request: a retry with the same key gets the first answer. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      maxLength: 128,
      description:
        'Makes retries safe: the same key and body get the first answer; another body with the same key is 409 IDEMPOTENCY_CONFLICT',
    }),
  ),
});

/** The token of an online submission (POST /public/submissions): 32 random bytes, base64url. */
const SubmissionToken = {
  'x-submission-token': Type.Optional(
    Type.String({
      minLength: 43,
      maxLength: 43,
      pattern: '^[A-Za-z0-9_-]{43}$',
      description: 'The token of the online submission (POST /public/submissions) the files belong to',
    }),
  ),
};

/** The headers of an online submission's requests: its token, and an Idempotency-Key. */
export const SubmissionHeaders = Type.Object({ ...IdempotencyHeaders.properties, ...SubmissionToken });
