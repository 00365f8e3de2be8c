import { Type } from 'typebox';

/** RFC 9457 problem document, as every error response is shaped. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'URI naming the problem type' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: 'Human-readable explanation, safe to show' }),
    code: Type.String({ description: 'Stable machine-readable error code, e.g. WRONG_SERVICE_POINT' }),
    field: Type.Optional(Type.String({ description: 'The offending input, e.g. body.applicant.idNumber' })),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    instance: Type.Optional(Type.String({ description: 'Request id' })),
  },
  { $id: undefined, description: 'RFC 9457 problem details' },
);

/** Standard error responses for a route, by status. */
export function problems(...statuses: number[]): Record<number, typeof ProblemSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ProblemSchema]));
}

export const IdParam = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });
