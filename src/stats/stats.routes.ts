import { Type } from 'typebox';
import type { HttpApp } from '../platform/http.js';
import { problems } from '../platform/http.schema.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import type { Services } from '../services.js';

const Counts = {
  receivedToday: Type.Integer({ description: 'Received on the day' }),
  inProgress: Type.Integer({ description: 'Open now: received, processing, paused or awaiting payment' }),
  dueSoon: Type.Integer({ description: 'Running and due within 24 hours' }),
  late: Type.Integer({ description: 'Running and past the due date' }),
  paused: Type.Integer({ description: 'Waiting for the applicant’s supplement' }),
};

export async function statsRoutes(app: HttpApp, s: Services): Promise<void> {
  app.get(
    '/stats/overview',
    {
      onRequest: requireStaff(s.auth),
      schema: {
        tags: ['stats'],
        security: SECURED,
        summary: "Manager overview: today's received / in progress / due soon / late per unit",
        querystring: Type.Object(
          {
            date: Type.Optional(Type.String({ format: 'date', maxLength: 10, description: 'Local day (default today, UTC+7)' })),
            by: Type.Optional(
              Type.Union([Type.Literal('point'), Type.Literal('agency')], {
                description: 'Group by receiving service point (default) or competent agency',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            date: Type.String(),
            at: Type.String(),
            by: Type.String(),
            total: Type.Object(Counts),
            units: Type.Array(Type.Object({ unitId: Type.Integer(), unitNameVi: Type.String(), unitNameEn: Type.String(), ...Counts })),
          }),
          ...problems(400, 401, 403),
        },
      },
    },
    async (req) => s.stats.overview(actorOf(req), req.query),
  );
}
