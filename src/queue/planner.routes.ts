import type { HttpApp } from '../platform/http.js';
import { problems } from '../platform/http.schema.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import type { Services } from '../services.js';
import { PlanningQuery, ReallocationSchema, StaffingSchema } from './queue.schema.js';

const TAG = ['queue'];

/** Staffing plans: clerks needed per point and hour, and a day's reallocation between points. */
export async function plannerRoutes(app: HttpApp, s: Services): Promise<void> {
  const onRequest = requireStaff(s.auth);

  const planning = (q: { unitIds?: string } & Record<string, unknown>) => ({ ...q, unitIds: q.unitIds?.split(',').map(Number) });

  app.get(
    '/queue/planning/staffing',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Clerks each point needs each hour for the targets (Erlang C over the demand of the ticket history; manager, admin)',
        querystring: PlanningQuery,
        response: { 200: StaffingSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => s.planner.staffing(actorOf(req), planning(req.query)),
  );

  app.get(
    '/queue/planning/reallocation',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary:
          "A day's reallocation of clerks between points, with waits before and after by Erlang C and by simulation (manager, admin)",
        querystring: PlanningQuery,
        response: { 200: ReallocationSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => s.planner.reallocation(actorOf(req), planning(req.query)),
  );
}
