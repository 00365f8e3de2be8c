import { Type } from 'typebox';
import type { HttpApp } from '../platform/http.js';
import { problems } from '../platform/http.schema.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import type { Services } from '../services.js';
import {
  ClerkGroupsSchema,
  CounterSchema,
  GroupPatchSchema,
  GroupSchema,
  IdParam,
  NewCounterSchema,
  NewGroupSchema,
  SetupSchema,
  UnitIdParam,
} from './queue.schema.js';

const TAG = ['queue'];

/** A point's queue set-up: groups, counters, the groups each clerk serves. */
export async function setupRoutes(app: HttpApp, s: Services): Promise<void> {
  const onRequest = requireStaff(s.auth);

  app.get(
    '/queue/points/:unitId/setup',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Service groups and counters of a point',
        params: UnitIdParam,
        response: { 200: SetupSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => s.queue.setup.setup(actorOf(req), req.params.unitId),
  );

  app.post(
    '/queue/points/:unitId/groups',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Create a service group (manager)',
        params: UnitIdParam,
        body: NewGroupSchema,
        response: { 201: GroupSchema, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await s.queue.setup.createGroup(actorOf(req), req.params.unitId, req.body)),
  );

  app.patch(
    '/queue/groups/:id',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Change a service group: names, target, booking slots, procedures, open or closed (manager)',
        params: IdParam,
        body: GroupPatchSchema,
        response: { 200: GroupSchema, ...problems(400, 401, 403, 404, 422) },
      },
    },
    async (req) => s.queue.setup.updateGroup(actorOf(req), req.params.id, req.body),
  );

  app.post(
    '/queue/points/:unitId/counters',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Add a counter (manager)',
        params: UnitIdParam,
        body: NewCounterSchema,
        response: { 201: CounterSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await s.queue.setup.createCounter(actorOf(req), req.params.unitId, req.body)),
  );

  app.put(
    '/queue/staff/:id/groups',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'The groups a clerk serves, with weights 1–10 (manager); none = every group at weight 1',
        params: IdParam,
        body: ClerkGroupsSchema,
        response: {
          200: Type.Object({
            staffId: Type.Integer(),
            groups: Type.Array(Type.Object({ groupId: Type.Integer(), weight: Type.Integer() })),
          }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (req) => s.queue.setup.setClerkGroups(actorOf(req), req.params.id, req.body.groups),
  );
}
