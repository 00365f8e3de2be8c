import { Type } from 'typebox';
import type { HttpApp } from '../platform/http.js';
import { IntId, problems } from '../platform/http.schema.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import type { Services } from '../services.js';
import { GROUPINGS, GROUPS } from './kpi.model.js';

const Day = (description: string) => Type.String({ format: 'date', maxLength: 10, description });
const Share = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

/** The query of every leaders' table: unit, period, procedure or field (the exports take the same). */
export const Query = {
  unitId: Type.Optional(IntId({ description: 'Unit (default: your own; the province for the administrator)' })),
  from: Day('First local day (UTC+7), included'),
  to: Day('Last local day, included (a range covers at most 3,660 days)'),
  procedureId: Type.Optional(IntId({ description: 'Only this procedure' })),
  field: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'Only procedures of this field (code)' })),
};

const count = (description: string) => Type.Integer({ description });
const Figures = {
  submittedOnline: count('Submitted online (before a clerk receives them)'),
  received: count('Received: the legal clock started'),
  receivedInPerson: count('Received at a counter'),
  receivedOnline: count('Received from an online submission'),
  receivedPost: count('Received through the public postal service'),
  refused: count('Refused at receipt'),
  withdrawn: count("Withdrawn at the applicant's request"),
  stopped: count('Processing stopped'),
  decided: count('Decided: result ready or processing stopped'),
  decidedEarly: count("Decided before the due date's day"),
  decidedOnTime: count('Decided on the due date, by its time'),
  decidedLate: count('Decided after the due date, or after more than one supplement request'),
  results: count('Results ready'),
  electronicResults: count("Results issued electronically (into the citizen's store)"),
  digitized: count('Results with every component digitized and the result file attached'),
  reused: count('Decided dossiers with a component taken from the store or the population database'),
  fromStore: count("Decided dossiers linked to the citizen's store (a component from it or the result into it)"),
  populationData: count('Decided dossiers using population data'),
  returned: count('Results returned'),
  supplementRequests: count('Supplement requests'),
  apologies: count('Apology letters with a new date'),
  ratedSatisfied: count('Ratings "satisfied"'),
  ratedAcceptable: count('Ratings "acceptable"'),
  ratedNotSatisfied: count('Ratings "not satisfied"'),
  onTimeRate: Share('Early or on time ÷ decided'),
  onlineRate: Share('Received online ÷ received'),
  digitizedRate: Share('Digitized ÷ results'),
  reuseRate: Share('Reused ÷ decided'),
  electronicResultRate: Share('Electronic results ÷ results'),
  satisfactionRate: Share('Satisfied or acceptable ÷ ratings'),
  averageProcessingHours: Share('Average from receipt to decision, less time waiting for a supplement, in hours'),
};

const UnitRef = Type.Object({ id: Type.Integer(), kind: Type.String(), nameVi: Type.String(), nameEn: Type.String() });
const AsOf = Type.Union([Type.String(), Type.Null()], { description: 'When the rollups last caught up with the events' });

export async function kpiRoutes(app: HttpApp, s: Services): Promise<void> {
  app.get(
    '/kpi/figures',
    {
      onRequest: requireStaff(s.auth),
      schema: {
        tags: ['kpi'],
        security: SECURED,
        summary:
          "A unit's figures over a period, in total and grouped by period, procedure, point or agency (managers, approvers, administrator)",
        querystring: Type.Object(
          { ...Query, by: Type.Optional(Type.Union(GROUPINGS.map((g) => Type.Literal(g)))) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            unit: UnitRef,
            from: Type.String(),
            to: Type.String(),
            by: Type.Union([Type.String(), Type.Null()]),
            asOf: AsOf,
            total: Type.Object(Figures),
            open: Type.Union(
              [
                Type.Object({
                  inProgress: Type.Integer(),
                  inProgressOnTime: Type.Integer(),
                  inProgressOverdue: Type.Integer(),
                  paused: Type.Integer(),
                }),
                Type.Null(),
              ],
              { description: 'Open now (for a range that reaches today)' },
            ),
            groups: Type.Array(Type.Object({ key: Type.String(), labelVi: Type.String(), labelEn: Type.String(), ...Figures })),
          }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (req) => s.kpi.figures(actorOf(req), { ...req.query, fieldCode: req.query.field }),
  );

  const Indicator = Type.Object({
    id: Type.String(),
    group: Type.String({ description: `One of ${GROUPS.join(', ')}` }),
    nameVi: Type.String(),
    nameEn: Type.String(),
    points: Type.Number({ description: 'Points in the 100-point index' }),
    fullAt: Type.Number({ description: 'The share earning full points; below it points scale linearly' }),
    status: Type.Union([Type.Literal('scored'), Type.Literal('no_dossiers'), Type.Literal('no_data')]),
    numerator: Type.Union([Type.Integer(), Type.Null()]),
    denominator: Type.Union([Type.Integer(), Type.Null()]),
    ratio: Type.Union([Type.Number(), Type.Null()]),
    earned: Type.Union([Type.Number(), Type.Null()]),
    awaitingVi: Type.Union([Type.String(), Type.Null()]),
    awaitingEn: Type.Union([Type.String(), Type.Null()]),
  });
  const Points = { points: Type.Number(), measurable: Type.Number(), earned: Type.Number() };
  app.get(
    '/kpi/scorecard',
    {
      onRequest: requireStaff(s.auth),
      schema: {
        tags: ['kpi'],
        security: SECURED,
        summary:
          "A unit's Decision 766 scorecard over a period: every indicator's numerator, denominator, threshold and points; indicators without data yet say so",
        querystring: Type.Object(Query, { additionalProperties: false }),
        response: {
          200: Type.Object({
            unit: UnitRef,
            from: Type.String(),
            to: Type.String(),
            asOf: AsOf,
            total: Type.Object(Points),
            groups: Type.Array(Type.Object({ group: Type.String(), nameVi: Type.String(), nameEn: Type.String(), ...Points })),
            indicators: Type.Array(Indicator),
          }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (req) => s.kpi.scorecard(actorOf(req), { ...req.query, fieldCode: req.query.field }),
  );

  app.get(
    '/kpi/scorecard/:indicator/dossiers',
    {
      onRequest: requireStaff(s.auth),
      schema: {
        tags: ['kpi'],
        security: SECURED,
        summary: 'The dossiers that cost a scorecard indicator its points over a period, and why (at most `limit`, latest first)',
        params: Type.Object({
          indicator: Type.String({ maxLength: 8, description: 'Indicator id: 2.1, 3.1, 4.1, 4.2, 4.3, 4.4, 4.5b or 5.4' }),
        }),
        querystring: Type.Object(
          { ...Query, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            unit: UnitRef,
            indicator: Type.String(),
            from: Type.String(),
            to: Type.String(),
            dossiers: Type.Array(
              Type.Object({
                code: Type.String(),
                procedureCode: Type.String(),
                procedureNameVi: Type.String(),
                receivingPointNameVi: Type.String(),
                agencyNameVi: Type.String(),
                receivedAt: Type.Union([Type.String(), Type.Null()]),
                dueAt: Type.Union([Type.String(), Type.Null()]),
                decidedAt: Type.Union([Type.String(), Type.Null()]),
                reason: Type.String({
                  description:
                    'late, more_than_one_supplement, overdue_open, not_online, no_electronic_result, not_digitized, not_reused, not_linked_to_store, no_population_data or rated_not_satisfied',
                }),
              }),
            ),
          }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (req) => s.kpi.costlyDossiers(actorOf(req), req.params.indicator, { ...req.query, fieldCode: req.query.field }),
  );

  const Norm = { areaType: Type.Union([Type.String(), Type.Null()]), norm: Type.Union([Type.Integer(), Type.Null()]) };
  app.get(
    '/kpi/productivity',
    {
      onRequest: requireStaff(s.auth),
      schema: {
        tags: ['kpi'],
        security: SECURED,
        summary:
          'Clerk productivity: dossiers received per receiving clerk and per point over a period, annualized, against the yearly norm of the area (urban 1,600, rural 1,200, remote 800)',
        querystring: Type.Object({ unitId: Query.unitId, from: Query.from, to: Query.to }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            unit: UnitRef,
            from: Type.String(),
            to: Type.String(),
            days: Type.Integer({ description: 'Days annualized over: the range up to today' }),
            asOf: AsOf,
            norms: Type.Object({ urban: Type.Integer(), rural: Type.Integer(), remote: Type.Integer() }),
            points: Type.Array(
              Type.Object({
                unitId: Type.Integer(),
                unitNameVi: Type.String(),
                clerks: Type.Integer({ description: 'Clerks who received at least one dossier in the period' }),
                received: Type.Integer(),
                annualizedPerClerk: Type.Integer(),
                shareOfNorm: Type.Union([Type.Number(), Type.Null()]),
                ...Norm,
              }),
            ),
            clerks: Type.Array(
              Type.Object({
                staffId: Type.Integer(),
                username: Type.String(),
                fullName: Type.String(),
                unitId: Type.Integer(),
                unitNameVi: Type.String(),
                received: Type.Integer(),
                annualized: Type.Integer({ description: 'Received × 365 ÷ days in the period' }),
                shareOfNorm: Type.Union([Type.Number(), Type.Null()]),
                ...Norm,
              }),
            ),
          }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (req) => s.kpi.productivity(actorOf(req), req.query),
  );
}
