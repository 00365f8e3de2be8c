import { Type } from 'typebox';
import type { HttpApp } from '../platform/http.js';
import { IntId, problems } from '../platform/http.schema.js';
import type { Services } from '../services.js';
import { actorOf, bearerToken, requireStaff, SECURED } from './auth.hook.js';
import { ROLES } from './auth.model.js';

const ActorSchema = Type.Object({
  staffId: Type.Integer(),
  username: Type.String(),
  fullName: Type.String(),
  role: Type.String(),
  unitId: Type.Integer(),
  unitKind: Type.String(),
  scopeUnitIds: Type.Union([Type.Array(Type.Integer()), Type.Null()], { description: 'Units in scope; null = the whole province' }),
});
const StaffSchema = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  full_name: Type.String(),
  role: Type.String(),
  unit_id: Type.Integer(),
  active: Type.Boolean(),
});

export async function authRoutes(app: HttpApp, s: Services): Promise<void> {
  const onRequest = requireStaff(s.auth);

  app.post(
    '/auth/login',
    {
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary:
          'Staff log-in: returns a bearer token (argon2id passwords, expiring sessions); failures lock the account name and the address for growing times (429 with Retry-After)',
        body: Type.Object(
          { username: Type.String({ minLength: 1, maxLength: 100 }), password: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ token: Type.String(), expiresAt: Type.String(), actor: ActorSchema }), ...problems(400, 401, 429) },
      },
    },
    async (req) => {
      const r = await s.auth.login(req.body.username, req.body.password, req.ip);
      return { token: r.token, expiresAt: r.expiresAt.toISOString(), actor: r.actor };
    },
  );

  app.post(
    '/auth/logout',
    {
      onRequest,
      schema: {
        tags: ['auth'],
        security: SECURED,
        summary: 'Revoke the current session',
        response: { 204: Type.Null(), ...problems(401) },
      },
    },
    async (req, reply) => {
      await s.auth.logout(bearerToken(req)!);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      onRequest,
      schema: {
        tags: ['auth'],
        security: SECURED,
        summary: 'Who is logged in, and their scope',
        response: { 200: ActorSchema, ...problems(401) },
      },
    },
    async (req) => actorOf(req),
  );

  app.get(
    '/staff',
    {
      onRequest,
      schema: {
        tags: ['auth'],
        security: SECURED,
        summary: 'Staff accounts (administrator: all; manager: their center)',
        response: { 200: Type.Array(StaffSchema), ...problems(401, 403) },
      },
    },
    async (req) => s.auth.listStaff(actorOf(req)),
  );

  app.post(
    '/staff',
    {
      onRequest,
      schema: {
        tags: ['auth'],
        security: SECURED,
        summary: 'Create a staff account (administrator)',
        body: Type.Object(
          {
            username: Type.String({ minLength: 3, maxLength: 50, pattern: '^[a-z0-9._-]{3,50}$' }),
            password: Type.String({ minLength: 10, maxLength: 200 }),
            fullName: Type.String({ minLength: 2, maxLength: 200 }),
            role: Type.Union(ROLES.map((r) => Type.Literal(r))),
            unitId: IntId(),
          },
          { additionalProperties: false },
        ),
        response: { 201: StaffSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await s.auth.createStaff(actorOf(req), req.body)),
  );
}
