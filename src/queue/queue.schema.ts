import { Type } from 'typebox';
import { IntId } from '../platform/http.schema.js';
import { PRIORITY_REASONS } from './ticket.model.js';

const Iso = Type.String({ format: 'date-time' });
const IsoOrNull = Type.Union([Iso, Type.Null()]);
const IntOrNull = Type.Union([Type.Integer(), Type.Null()]);
const NumOrNull = Type.Union([Type.Number(), Type.Null()]);
const Id = IntId();
/** A local date as requests send it (YYYY-MM-DD). */
export const DAY = { minLength: 10, maxLength: 10, pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
/** A booking's confirmation code. */
const BOOKING_CODE = { minLength: 8, maxLength: 8, pattern: '^[A-Za-z0-9]{8}$' } as const;

export const PrioritySchema = Type.Unsafe<(typeof PRIORITY_REASONS)[number]>({
  type: 'string',
  enum: [...PRIORITY_REASONS],
  description: 'Priority lane (law: the elderly, people with disabilities, pregnant women, young children)',
});
const TICKET_STATUSES = ['waiting', 'called', 'serving', 'done', 'no_show', 'cancelled'] as const;

export const UnitIdParam = Type.Object({ unitId: Id });
export const IdParam = Type.Object({ id: Id });
export const DayQuery = Type.Object(
  { day: Type.Optional(Type.String({ ...DAY, description: 'Local date (UTC+7), default today' })) },
  { additionalProperties: false },
);

export const TicketSchema = Type.Object({
  id: Type.Integer(),
  label: Type.String({ description: 'Printed number, e.g. A007' }),
  unitId: Type.Integer(),
  groupId: Type.Integer(),
  groupCode: Type.Optional(Type.String()),
  groupNameVi: Type.Optional(Type.String()),
  groupNameEn: Type.Optional(Type.String()),
  day: Type.String(),
  number: Type.Integer(),
  channel: Type.Unsafe<'kiosk' | 'clerk' | 'booking'>({ type: 'string', enum: ['kiosk', 'clerk', 'booking'] }),
  priority: Type.Union([PrioritySchema, Type.Null()]),
  status: Type.Unsafe<(typeof TICKET_STATUSES)[number]>({ type: 'string', enum: [...TICKET_STATUSES] }),
  arrivedAt: Iso,
  queuedAt: Iso,
  calledAt: IsoOrNull,
  callCount: Type.Integer(),
  startedAt: IsoOrNull,
  endedAt: IsoOrNull,
  counterId: IntOrNull,
  targetCounterId: IntOrNull,
  waitSeconds: IntOrNull,
  serviceSeconds: IntOrNull,
  dossierCodes: Type.Optional(Type.Array(Type.String())),
});

export const IssuedTicketSchema = Type.Intersect([
  TicketSchema,
  Type.Object({
    pointNameVi: Type.String(),
    pointNameEn: Type.String(),
    token: Type.String({ description: "Secret of the ticket's phone page /so/{token} (the QR code on the printed ticket)" }),
    ahead: Type.Integer({ description: 'Tickets ahead in the same lane' }),
    estimatedWaitSeconds: Type.Integer(),
  }),
]);

export const TakeTicketSchema = Type.Object(
  { groupId: Id, priority: Type.Optional(Type.Union([PrioritySchema, Type.Null()])) },
  { additionalProperties: false },
);

export const GroupSchema = Type.Object({
  id: Type.Integer(),
  unitId: Type.Integer(),
  code: Type.String(),
  nameVi: Type.String(),
  nameEn: Type.String(),
  targetWaitSeconds: Type.Integer(),
  slotMinutes: Type.Integer(),
  slotCapacity: Type.Integer({ description: 'Bookable tickets per slot; 0 = no booking' }),
  active: Type.Boolean(),
  procedureCodes: Type.Array(Type.String()),
});

const GroupFields = {
  nameVi: Type.String({ minLength: 2, maxLength: 200 }),
  nameEn: Type.String({ minLength: 2, maxLength: 200 }),
  targetWaitSeconds: Type.Integer({ minimum: 60, maximum: 4 * 3600 }),
  slotMinutes: Type.Integer({ minimum: 5, maximum: 240 }),
  slotCapacity: Type.Integer({ minimum: 0, maximum: 1000 }),
  procedureCodes: Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { maxItems: 500 }),
};

export const NewGroupSchema = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 2, pattern: '^[A-Z]{1,2}$', description: 'Ticket prefix, one or two capital letters' }),
    nameVi: GroupFields.nameVi,
    nameEn: GroupFields.nameEn,
    targetWaitSeconds: Type.Optional(GroupFields.targetWaitSeconds),
    slotMinutes: Type.Optional(GroupFields.slotMinutes),
    slotCapacity: Type.Optional(GroupFields.slotCapacity),
    procedureCodes: Type.Optional(GroupFields.procedureCodes),
  },
  { additionalProperties: false },
);

export const GroupPatchSchema = Type.Object(
  {
    nameVi: Type.Optional(GroupFields.nameVi),
    nameEn: Type.Optional(GroupFields.nameEn),
    targetWaitSeconds: Type.Optional(GroupFields.targetWaitSeconds),
    slotMinutes: Type.Optional(GroupFields.slotMinutes),
    slotCapacity: Type.Optional(GroupFields.slotCapacity),
    active: Type.Optional(Type.Boolean()),
    procedureCodes: Type.Optional(GroupFields.procedureCodes),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const CounterSchema = Type.Object({
  id: Type.Integer(),
  unitId: Type.Integer(),
  number: Type.Integer(),
  nameVi: Type.String(),
  nameEn: Type.String(),
  active: Type.Boolean(),
  staffId: IntOrNull,
  staffName: Type.Union([Type.String(), Type.Null()]),
  openedAt: IsoOrNull,
});

export const NewCounterSchema = Type.Object(
  {
    number: Type.Integer({ minimum: 1, maximum: 999 }),
    nameVi: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    nameEn: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const ClerkGroupsSchema = Type.Object(
  {
    groups: Type.Array(Type.Object({ groupId: Id, weight: Type.Integer({ minimum: 1, maximum: 10 }) }, { additionalProperties: false }), {
      maxItems: 50,
    }),
  },
  { additionalProperties: false },
);

export const SetupSchema = Type.Object({
  unitId: Type.Integer(),
  nameVi: Type.String(),
  nameEn: Type.String(),
  groups: Type.Array(GroupSchema),
  counters: Type.Array(CounterSchema),
  clerks: Type.Array(
    Type.Object({
      staffId: Type.Integer(),
      username: Type.String(),
      fullName: Type.String(),
      role: Type.String(),
      groups: Type.Array(Type.Object({ groupId: Type.Integer(), weight: Type.Integer() }), {
        description: 'The groups the clerk serves with their weights; empty: every open group at weight 1',
      }),
    }),
  ),
});

export const MyCounterSchema = Type.Object({
  counter: Type.Union([CounterSchema, Type.Null()]),
  ticket: Type.Union([TicketSchema, Type.Null()]),
  groups: Type.Array(
    Type.Object({
      id: Type.Integer(),
      code: Type.String(),
      nameVi: Type.String(),
      nameEn: Type.String(),
      weight: Type.Integer(),
      waiting: Type.Integer(),
      priorityWaiting: Type.Integer(),
    }),
  ),
});

export const FinishSchema = Type.Object(
  {
    dossierCodes: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 40 }), {
        maxItems: 20,
        description: 'Dossiers received during this service (linked to the ticket)',
      }),
    ),
  },
  { additionalProperties: false },
);
export const EmptySchema = Type.Object({}, { additionalProperties: false });
export const TransferSchema = Type.Object(
  { groupId: Type.Optional(Id), counterId: Type.Optional(Id) },
  { additionalProperties: false, minProperties: 1 },
);

const CallSchema = Type.Object({
  ticketId: Type.Integer(),
  label: Type.String(),
  counterNumber: Type.Integer(),
  counterNameVi: Type.String(),
  counterNameEn: Type.String(),
  callCount: Type.Integer(),
  priority: Type.Boolean(),
  status: Type.String(),
  at: Iso,
});
const WaitingGroupSchema = Type.Object({ id: Type.Integer(), code: Type.String(), waiting: Type.Integer() });

export const BoardSchema = Type.Object({
  unitId: Type.Integer(),
  nameVi: Type.String(),
  nameEn: Type.String(),
  calls: Type.Array(CallSchema),
  groups: Type.Array(WaitingGroupSchema),
});

export const KioskSchema = Type.Object({
  unitId: Type.Integer(),
  nameVi: Type.String(),
  nameEn: Type.String(),
  address: Type.Union([Type.String(), Type.Null()]),
  groups: Type.Array(
    Type.Object({
      id: Type.Integer(),
      code: Type.String(),
      nameVi: Type.String(),
      nameEn: Type.String(),
      waiting: Type.Integer(),
      estimatedWaitSeconds: Type.Integer(),
      bookable: Type.Boolean(),
    }),
  ),
});

const FiguresSchema = Type.Object({
  arrived: Type.Integer(),
  waiting: Type.Integer(),
  called: Type.Integer(),
  serving: Type.Integer(),
  served: Type.Integer(),
  noShows: Type.Integer(),
  cancelled: Type.Integer(),
  meanWaitSeconds: NumOrNull,
  p90WaitSeconds: NumOrNull,
  meanServiceSeconds: NumOrNull,
  p90ServiceSeconds: NumOrNull,
  shareWithinTarget: NumOrNull,
  longestWaitingSeconds: NumOrNull,
});

export const LiveSchema = Type.Object({
  unitId: Type.Integer(),
  nameVi: Type.String(),
  nameEn: Type.String(),
  day: Type.String(),
  asOf: Iso,
  targetWaitSeconds: Type.Integer(),
  figures: FiguresSchema,
  groups: Type.Array(Type.Intersect([GroupSchema, Type.Object({ figures: FiguresSchema, estimatedWaitSeconds: Type.Integer() })])),
  arrivalsByHour: Type.Array(Type.Object({ hour: Type.Integer(), arrivals: Type.Integer() })),
});

export const SlotsSchema = Type.Object({
  groupId: Type.Integer(),
  day: Type.String(),
  slotMinutes: Type.Integer(),
  slots: Type.Array(Type.Object({ start: Iso, capacity: Type.Integer(), left: Type.Integer() })),
});

export const NewBookingSchema = Type.Object(
  {
    groupId: Id,
    slotStart: Type.String({ minLength: 10, maxLength: 40, description: 'Start of a slot from GET /public/queue/groups/{id}/slots' }),
    name: Type.String({ minLength: 2, maxLength: 200 }),
    phone: Type.String({ minLength: 9, maxLength: 16, description: 'Vietnamese phone number; the confirmation and the reminder go to it' }),
  },
  { additionalProperties: false },
);

export const BookingSchema = Type.Object({
  code: Type.String({ description: 'Confirmation code, scanned or typed at the kiosk' }),
  status: Type.Unsafe<'booked' | 'checked_in' | 'cancelled'>({ type: 'string', enum: ['booked', 'checked_in', 'cancelled'] }),
  slotStart: Iso,
  slotMinutes: Type.Integer(),
  groupId: Type.Integer(),
  groupNameVi: Type.String(),
  groupNameEn: Type.String(),
  unitId: Type.Integer(),
  pointNameVi: Type.String(),
  pointAddress: Type.Union([Type.String(), Type.Null()]),
  name: Type.String({ description: 'Masked' }),
  phone: Type.String({ description: 'Masked' }),
});

export const BookingCodeParam = Type.Object({ code: Type.String(BOOKING_CODE) });
export const Phone4Query = Type.Object(
  {
    phone: Type.String({
      minLength: 4,
      maxLength: 4,
      pattern: '^[0-9]{4}$',
      description: 'Last 4 digits of the phone the booking was made with',
    }),
  },
  { additionalProperties: false },
);
export const CheckInSchema = Type.Object({ code: Type.String(BOOKING_CODE) }, { additionalProperties: false });

export const PlanningQuery = Type.Object(
  {
    unitIds: Type.Optional(
      Type.String({
        maxLength: 2000,
        pattern: '^[0-9]{1,9}(,[0-9]{1,9}){0,199}$',
        description: 'Service points (comma list); default every point in scope',
      }),
    ),
    day: Type.Optional(
      Type.String({
        ...DAY,
        description:
          'The day planned (default today): history is taken from the working days before it, the same weekday when there are enough',
      }),
    ),
    historyDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 250, description: 'Working days of history (default 20)' })),
    targetMeanWaitSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86_400 })),
    targetSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400 })),
    targetShare: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
    maxOccupancy: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    absence: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
    blocks: Type.Optional(
      Type.Unsafe<'day' | 'half-day'>({
        type: 'string',
        enum: ['day', 'half-day'],
        description: 'Reallocation: whole-day moves, or mornings and afternoons apart',
      }),
    ),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4_294_967_295 })),
  },
  { additionalProperties: false },
);

const Targets = Type.Object({
  targetMeanWaitSeconds: NumOrNull,
  targetSeconds: Type.Number(),
  targetShare: NumOrNull,
  maxOccupancy: Type.Number(),
  absence: Type.Number(),
});
const History = Type.Object({
  from: Type.Union([Type.String(), Type.Null()]),
  to: Type.Union([Type.String(), Type.Null()]),
  days: Type.Integer(),
});

export const StaffingSchema = Type.Object({
  day: Type.String(),
  history: History,
  targets: Type.Union([Targets, Type.Null()]),
  points: Type.Array(
    Type.Object({
      unitId: Type.Integer(),
      nameVi: Type.String(),
      nameEn: Type.String(),
      clerksSeen: Type.Integer({ description: 'Most distinct counters that called tickets on one day of the history' }),
      peakClerks: Type.Integer(),
      peakScheduled: Type.Integer(),
      hours: Type.Array(
        Type.Object({
          hour: Type.Integer(),
          arrivalsPerHour: Type.Number(),
          serviceSeconds: Type.Number(),
          clerks: Type.Integer(),
          scheduled: Type.Integer(),
          pWait: Type.Number(),
          meanWaitSeconds: NumOrNull,
          shareWithinTarget: Type.Number(),
          occupancy: NumOrNull,
          limitedBy: Type.Array(Type.String()),
        }),
      ),
    }),
  ),
});

const Simulated = Type.Object({
  days: Type.Integer(),
  arrivalsPerDay: Type.Number(),
  meanWaitSeconds: NumOrNull,
  p90WaitSeconds: NumOrNull,
  shareWithinTarget: NumOrNull,
  utilization: NumOrNull,
});
const Outlook = Type.Object({
  arrivals: Type.Number(),
  meanWaitSeconds: NumOrNull,
  shareWithinTarget: Type.Number(),
  occupancy: NumOrNull,
  overloadedHours: Type.Array(Type.Integer()),
  meetsTarget: Type.Boolean(),
  simulated: Simulated,
});

export const ReallocationSchema = Type.Object({
  day: Type.String(),
  history: History,
  blocks: Type.String(),
  targets: Targets,
  moves: Type.Array(
    Type.Object({
      fromUnitId: Type.Integer(),
      fromNameVi: Type.String(),
      toUnitId: Type.Integer(),
      toNameVi: Type.String(),
      count: Type.Integer(),
      block: Type.String(),
    }),
  ),
  points: Type.Array(
    Type.Object({
      unitId: Type.Integer(),
      nameVi: Type.String(),
      nameEn: Type.String(),
      clerks: Type.Array(Type.Object({ block: Type.String(), before: Type.Integer(), after: Type.Integer() })),
      before: Outlook,
      after: Outlook,
    }),
  ),
});

export const TokenParam = Type.Object({ token: Type.String({ minLength: 16, maxLength: 16, pattern: '^[A-Za-z0-9_-]{16}$' }) });

export const FollowSchema = Type.Object({
  label: Type.String(),
  status: TicketSchema.properties.status,
  day: Type.String(),
  groupCode: Type.String(),
  groupNameVi: Type.String(),
  groupNameEn: Type.String(),
  unitId: Type.Integer(),
  pointNameVi: Type.String(),
  pointNameEn: Type.String(),
  arrivedAt: Iso,
  calledAt: IsoOrNull,
  callCount: Type.Integer(),
  counterNumber: IntOrNull,
  counterNameVi: Type.Union([Type.String(), Type.Null()]),
  counterNameEn: Type.Union([Type.String(), Type.Null()]),
  ahead: Type.Union([Type.Integer(), Type.Null()], { description: 'While waiting: tickets ahead in the same lane' }),
  estimatedWaitSeconds: Type.Union([Type.Integer(), Type.Null()]),
});
