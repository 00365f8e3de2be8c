import { Type, type TSchema } from 'typebox';
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

/** Which units a ranking ranks (GET /kpi/rankings and its export). */
export const RankingLevel = Type.Optional(
  Type.Union([Type.Literal('point'), Type.Literal('agency')], {
    description: 'Rank service points (by receipt) or agencies (by handling); default: agencies under an agency, points otherwise',
  }),
);
/** A trend's period (GET /kpi/trends and its export). */
export const TrendPeriodParam = Type.Optional(Type.Union([Type.Literal('week'), Type.Literal('month')], { description: 'default month' }));

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
  decidedWithFees: count('Decided dossiers that owed fees'),
  decidedPaidOnline: count('Decided dossiers whose fees were paid online'),
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
const OpenAtEnd = Type.Object(
  {
    inProgress: Type.Integer(),
    inProgressOnTime: Type.Integer(),
    inProgressOverdue: Type.Integer(),
    paused: Type.Integer(),
    at: Type.String({
      description: 'The instant these describe: now for a range that reaches today, else the end of its last day (UTC+7)',
    }),
  },
  {
    description: "The dossiers in progress (on time, overdue) and paused at the range's end; 2.1 counts the overdue ones as late",
  },
);
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
            open: OpenAtEnd,
            groups: Type.Array(
              Type.Object({
                key: Type.String(),
                labelVi: Type.String(),
                labelEn: Type.String(),
                ...Figures,
                open: Type.Object(OpenAtEnd.properties, {
                  description:
                    "A period's open dossiers at its end (now for the one holding today); a unit's or procedure's at the range's end",
                }),
              }),
            ),
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
            open: OpenAtEnd,
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
                    'late, more_than_one_supplement, overdue_open, not_online, not_paid_online, no_electronic_result, not_digitized, not_reused, not_linked_to_store, no_population_data or rated_not_satisfied',
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
  const nullable = <T extends TSchema>(t: T, description?: string) => Type.Union([t, Type.Null()], description ? { description } : {});
  const Counter = nullable(
    Type.Object({
      served: Type.Integer({ description: 'Tickets served to the end' }),
      called: Type.Integer({ description: 'Tickets called (served, no-shows, transfers)' }),
      meanWaitSeconds: nullable(Type.Integer(), 'Mean wait from queueing to the call, of the tickets called'),
      meanServiceSeconds: nullable(Type.Integer(), 'Mean time from the call to the end, of the tickets served'),
      withinTargetShare: nullable(Type.Number(), "Share of the called tickets that waited no longer than their group's target"),
    }),
    "The counter queue's figures over the period (null: no ticket called)",
  );
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
            waitAimSeconds: Type.Integer({ description: "The national aim for a citizen's mean wait (15 minutes)" }),
            points: Type.Array(
              Type.Object({
                unitId: Type.Integer(),
                unitNameVi: Type.String(),
                clerks: Type.Integer({ description: 'Clerks who received at least one dossier in the period' }),
                received: Type.Integer(),
                annualizedPerClerk: nullable(Type.Integer(), 'Received per clerk × 365 ÷ days (null: no clerk received)'),
                shareOfNorm: Type.Union([Type.Number(), Type.Null()]),
                ...Norm,
                queue: Counter,
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
                queue: Counter,
              }),
            ),
          }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (req) => s.kpi.productivity(actorOf(req), req.query),
  );

  const Score = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });
  app.get(
    '/kpi/rankings',
    {
      onRequest: requireStaff(s.auth),
      schema: {
        tags: ['kpi'],
        security: SECURED,
        summary:
          'The service points (or agencies) under a unit ranked by their Decision 766 score over a period, overall and by group, with the change from the period of the same length before',
        querystring: Type.Object({ ...Query, level: RankingLevel }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            unit: UnitRef,
            level: Type.String(),
            from: Type.String(),
            to: Type.String(),
            previous: Type.Object({ from: Type.String(), to: Type.String() }, { description: 'The range the change is measured against' }),
            asOf: AsOf,
            groups: Type.Array(Type.Object({ group: Type.String(), nameVi: Type.String(), nameEn: Type.String() })),
            units: Type.Array(
              Type.Object({
                unitId: Type.Integer(),
                kind: Type.String(),
                nameVi: Type.String(),
                nameEn: Type.String(),
                earned: Type.Number(),
                measurable: Type.Number(),
                score: Score('Points earned ÷ points measurable × 100 (null: nothing to measure)'),
                rank: Type.Union([Type.Integer(), Type.Null()], { description: 'Competition rank by score (1, 2, 2, 4)' }),
                previousScore: Score('The score over the previous range'),
                previousRank: Type.Union([Type.Integer(), Type.Null()]),
                change: Score('Score − previous score'),
                rankChange: Type.Union([Type.Integer(), Type.Null()], { description: 'Places gained (positive) or lost' }),
                groups: Type.Array(
                  Type.Object({
                    group: Type.String(),
                    earned: Type.Number(),
                    measurable: Type.Number(),
                    score: Score("The group's points earned ÷ measurable × 100"),
                    rank: Type.Union([Type.Integer(), Type.Null()]),
                    change: Score('Group score − its previous score'),
                  }),
                ),
              }),
            ),
          }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (req) => s.kpi.rankings(actorOf(req), { ...req.query, fieldCode: req.query.field }),
  );

  const Change = Type.Union([Type.Number(), Type.Null()]);
  const Meets = Type.Union([Type.Boolean(), Type.Null()]);
  app.get(
    '/kpi/trends',
    {
      onRequest: requireStaff(s.auth),
      schema: {
        tags: ['kpi'],
        security: SECURED,
        summary:
          "A unit's weeks or months: the score and the on-time, online, digitized and satisfaction rates, each with its change from the period before, against the province's target lines",
        querystring: Type.Object({ ...Query, period: TrendPeriodParam }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            unit: UnitRef,
            period: Type.String(),
            from: Type.String(),
            to: Type.String(),
            asOf: AsOf,
            targets: Type.Object({ onTimeRate: Type.Number(), digitizedRate: Type.Number(), satisfactionRate: Type.Number() }),
            periods: Type.Array(
              Type.Object({
                start: Type.String({ description: "The week's Monday or the month's first day" }),
                from: Type.String({ description: 'First day counted (the range may clip the period)' }),
                to: Type.String(),
                score: Score('Points earned ÷ measurable × 100'),
                onTimeRate: Share('Early or on time ÷ decided'),
                onlineRate: Share('Received online ÷ received'),
                digitizedRate: Share('Digitized ÷ results'),
                satisfactionRate: Share('Satisfied or acceptable ÷ ratings'),
                received: Type.Integer(),
                decided: Type.Integer(),
                change: Type.Object(
                  { score: Change, onTimeRate: Change, onlineRate: Change, digitizedRate: Change, satisfactionRate: Change },
                  { description: 'From the period before (week over week, month over month)' },
                ),
                meetsTargets: Type.Object({ onTimeRate: Meets, digitizedRate: Meets, satisfactionRate: Meets }),
              }),
            ),
          }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (req) => s.kpi.trends(actorOf(req), { ...req.query, fieldCode: req.query.field }),
  );
}
