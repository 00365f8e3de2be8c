import { Type } from 'typebox';
import type { HttpApp } from '../platform/http.js';
import { problems } from '../platform/http.schema.js';
import { IntId } from '../platform/http.schema.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import type { Services } from '../services.js';
import { ProcedureVersionSchema } from './catalog.schema.js';
import { NATIONAL_FIELDS } from './national.model.js';

const TAG = ['catalog'];

const Summary = Type.Object({
  listed: Type.Integer({ description: 'Procedures the national database lists for the province' }),
  changed: Type.Integer({ description: 'Ours, with a governed field that differs' }),
  new: Type.Integer({ description: 'Not in our catalog' }),
  abolished: Type.Integer({ description: 'Abolished nationally, still in our catalog' }),
  invalid: Type.Integer({ description: 'National records that cannot be read' }),
  unchanged: Type.Integer(),
  localOnly: Type.Array(Type.String(), { description: 'Our procedures the national database does not list' }),
});

const Change = Type.Object({
  field: Type.String({ description: `The governed field: ${NATIONAL_FIELDS.join(', ')}` }),
  ours: Type.Unknown(),
  national: Type.Unknown(),
});

const Item = Type.Union([
  Type.Object({
    kind: Type.Literal('changed'),
    code: Type.String(),
    nameVi: Type.String(),
    basedOn: Type.String({ description: 'Our latest version compared with (its effectiveFrom)' }),
    effectiveFrom: Type.String({ description: 'The new version’s date if applied' }),
    changes: Type.Array(Change),
    version: ProcedureVersionSchema,
  }),
  Type.Object({
    kind: Type.Literal('new'),
    code: Type.String(),
    nameVi: Type.String(),
    level: Type.Union([Type.Literal('province'), Type.Literal('commune')]),
    needsAgency: Type.Boolean({ description: 'A province-level procedure: apply it with its competent department in `agencies`' }),
    effectiveFrom: Type.String(),
    version: ProcedureVersionSchema,
    field: Type.Object({ code: Type.String(), nameVi: Type.String() }),
  }),
  Type.Object({ kind: Type.Literal('abolished'), code: Type.String(), nameVi: Type.String() }),
  Type.Object({ kind: Type.Literal('invalid'), code: Type.String(), nameVi: Type.String(), problem: Type.String() }),
]);

const Status = Type.Union([Type.Literal('pending'), Type.Literal('applied'), Type.Literal('discarded')]);

const Comparison = Type.Object({
  id: Type.Integer(),
  fetchedAt: Type.String({ format: 'date-time' }),
  status: Status,
  summary: Summary,
  items: Type.Array(Item),
  decidedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  applied: Type.Union([Type.Object({ codes: Type.Array(Type.String()), added: Type.Integer() }), Type.Null()]),
});

const IdParam = Type.Object({ id: IntId() }, { additionalProperties: false });

export async function nationalCatalogRoutes(app: HttpApp, s: Services): Promise<void> {
  const onRequest = requireStaff(s.auth);
  app.post(
    '/catalog/national/comparisons',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary:
          'Read the national procedure database through the portal and compare it with our catalog (administrator); the comparison is kept, pending a decision',
        response: { 201: Comparison, ...problems(401, 403, 409, 503) },
      },
    },
    async (req, reply) => reply.code(201).send(await s.nationalCatalog.fetch(actorOf(req))),
  );
  app.get(
    '/catalog/national/comparisons',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'The latest comparisons with the national procedure database, without their items (administrator)',
        response: {
          200: Type.Array(
            Type.Object({
              id: Type.Integer(),
              fetchedAt: Type.String({ format: 'date-time' }),
              fetchedBy: Type.Union([Type.String(), Type.Null()]),
              status: Status,
              summary: Summary,
              decidedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
              decidedBy: Type.Union([Type.String(), Type.Null()]),
            }),
          ),
          ...problems(401, 403),
        },
      },
    },
    async (req) => s.nationalCatalog.list(actorOf(req)),
  );
  app.get(
    '/catalog/national/comparisons/:id',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'One comparison: each procedure changed (field by field, ours and national), new, abolished or unreadable',
        params: IdParam,
        response: { 200: Comparison, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => s.nationalCatalog.get(actorOf(req), req.params.id),
  );
  app.post(
    '/catalog/national/comparisons/:id/apply',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary:
          'Apply a pending comparison as new catalog versions (administrator; audited): the procedures named, or all that can be applied',
        params: IdParam,
        body: Type.Object(
          {
            codes: Type.Optional(
              Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { minItems: 1, maxItems: 10_000, uniqueItems: true }),
            ),
            agencies: Type.Optional(
              Type.Record(Type.String({ maxLength: 40 }), Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Z0-9-]{1,32}$' }), {
                description: 'The competent department (its key) of each province-level procedure new to us',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            id: Type.Integer(),
            codes: Type.Array(Type.String()),
            added: Type.Integer({ description: 'Versions added' }),
            replaced: Type.Integer(),
            unchanged: Type.Integer(),
          }),
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (req) => s.nationalCatalog.apply(actorOf(req), req.params.id, req.body ?? {}),
  );
  app.post(
    '/catalog/national/comparisons/:id/discard',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Close a pending comparison without applying it (administrator; audited)',
        params: IdParam,
        response: { 204: Type.Null(), ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      await s.nationalCatalog.discard(actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );
}
