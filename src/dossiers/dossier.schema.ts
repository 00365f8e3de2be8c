import { Type, type Static } from 'typebox';
import { BIGINT_ID_MAX, INT4_MAX, IntId } from '../platform/http.schema.js';
import { DOSSIER_ACTIONS, TRANSITIONS, type ActionOptions, type ActionRequirements, type DossierAction } from './dossier.model.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const IsoOrNull = Nullable(Type.String({ format: 'date-time' }));
const UnitRef = Type.Object({ id: Type.Integer(), nameVi: Type.String() });

/** A stored file's SHA-256, as POST /files answered it. */
const SHA256 = { minLength: 64, maxLength: 64, pattern: '^[0-9a-f]{64}$' } as const;
const Sha256Field = Type.String(SHA256);
/** An id of the applicant's document store (a bigint column). */
const StoreDocumentIdField = Type.Integer({ minimum: 1, maximum: BIGINT_ID_MAX });

export const ApplicantSchema = Type.Object(
  {
    idNumber: Type.String({ minLength: 1, maxLength: 20, description: '12-digit citizen ID number (CCCD)' }),
    name: Type.String({ minLength: 2, maxLength: 200 }),
    phone: Type.String({ minLength: 9, maxLength: 16, description: 'Vietnamese phone number, e.g. 0912345678' }),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 200 })),
    address: Type.String({ minLength: 3, maxLength: 500 }),
    communeCode: Type.String({
      minLength: 5,
      maxLength: 5,
      pattern: '^[0-9]{5}$',
      description: "Administrative code of the applicant's commune or ward (routing)",
    }),
  },
  { additionalProperties: false },
);

export const ComponentInputSchema = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 32, description: "Component code from the procedure's list" }),
    source: Type.Union([Type.Literal('upload'), Type.Literal('store'), Type.Literal('population_db'), Type.Literal('paper')], {
      description:
        'upload: a file uploaded with POST /files; store: from the applicant’s document store; population_db: from the National Population Database; paper: received on paper, to be scanned',
    }),
    fileSha256: Type.Optional(Sha256Field),
    storeDocumentId: Type.Optional(StoreDocumentIdField),
  },
  { additionalProperties: false },
);

export const DuplicateOverrideSchema = Type.Object(
  {
    reason: Type.String({
      minLength: 3,
      maxLength: 1000,
      description: 'Why another dossier of the same procedure is received while the applicant has an open one (audited)',
    }),
  },
  {
    additionalProperties: false,
    description: 'Receive although the applicant has an open dossier of this procedure (409 DUPLICATE_DOSSIER)',
  },
);

export const IntakeSchema = Type.Object(
  {
    procedureCode: Type.String({ minLength: 1, maxLength: 40, description: 'National procedure code, e.g. 1.001193' }),
    applicant: ApplicantSchema,
    components: Type.Array(ComponentInputSchema, { maxItems: 60 }),
    returnPointId: Type.Optional(IntId({ description: 'Service point where the result is returned (default: where it was filed)' })),
    fastTrack: Type.Optional(Type.Boolean({ description: 'Use the fast-track limit, if the procedure has one' })),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    duplicateOverride: Type.Optional(DuplicateOverrideSchema),
    lang: Type.Optional(
      Type.Union([Type.Literal('vi'), Type.Literal('en')], {
        description: "The language of the citizen's notices by SMS and e-mail (default vi: Vietnamese)",
      }),
    ),
  },
  { additionalProperties: false },
);

export type ApplicantInput = Static<typeof ApplicantSchema>;
export type ComponentInput = Static<typeof ComponentInputSchema>;
export type IntakeInput = Static<typeof IntakeSchema>;

export const DossierSchema = Type.Object({
  code: Type.String({ description: '<receiving agency code>-<yymmdd>-<daily sequence>' }),
  status: Type.String(),
  statusVi: Type.String(),
  statusEn: Type.String(),
  portalStatus: Type.Integer({ minimum: 1, maximum: 10, description: 'National Public Service Portal status code 1–10' }),
  channel: Type.Integer({ description: '1 in person, 2 online, 3 postal' }),
  procedure: Type.Object({ code: Type.String(), nameVi: Type.String(), nameEn: Type.String(), versionEffectiveFrom: Type.String() }),
  applicant: Type.Object({
    idNumber: Type.String(),
    name: Type.String(),
    phone: Type.String(),
    email: Nullable(Type.String()),
    address: Type.String(),
    communeCode: Type.String(),
  }),
  receivingUnit: UnitRef,
  competentAgency: UnitRef,
  currentUnit: Type.Union([UnitRef, Type.Null()]),
  currentStep: Type.Integer(),
  returnPoint: UnitRef,
  fastTrack: Type.Boolean(),
  timeLimit: Type.Object({ value: Type.Number(), unit: Type.String() }),
  feeTotalVnd: Type.Integer(),
  submittedAt: IsoOrNull,
  receivedAt: IsoOrNull,
  dueAt: IsoOrNull,
  originalDueAt: IsoOrNull,
  pausedAt: IsoOrNull,
  pausedWorkingMs: Type.Integer(),
  supplementCount: Type.Integer(),
  paidAt: IsoOrNull,
  decidedAt: IsoOrNull,
  returnedAt: IsoOrNull,
  lateFlaggedAt: IsoOrNull,
  apologyDueAt: IsoOrNull,
  duplicateOf: Type.Union([Type.String(), Type.Null()], {
    description:
      'The open dossier of the same procedure and applicant this one was received (or submitted online) beside; null on public answers',
  }),
  promisedDueAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'The date the applicant is now promised: the apology’s new date once issued, else dueAt (the legal due date)',
  }),
  resultDocumentId: Type.Union([Type.Integer(), Type.Null()]),
  trackingToken: Type.String({
    description:
      "Secret of the public tracking URL /tra-cuu/{code}#{token} (the receipt's QR code); shown to staff in scope, so a receipt can be reprinted, and to the citizen who submitted online",
  }),
  components: Type.Array(
    Type.Object({
      code: Type.String(),
      nameVi: Type.String(),
      form: Type.String(),
      count: Type.Integer(),
      required: Type.Boolean(),
      source: Type.String(),
      fileSha256: Nullable(Type.String()),
      storeDocumentId: Type.Union([Type.Integer(), Type.Null()]),
      digitized: Type.Boolean(),
    }),
  ),
  version: Type.Integer({ description: 'Send it back with every action: a stale version gets 409 STALE_VERSION' }),
  allowedActions: Type.Array(Type.Unsafe<DossierAction>({ type: 'string', enum: [...DOSSIER_ACTIONS] }), {
    description: 'Actions the caller may take now (POST /dossiers/{code}/<action>, with _ written as -); empty on public answers',
  }),
});

export const TransitionBase = {
  version: Type.Integer({ minimum: 1, maximum: INT4_MAX, description: 'The dossier version you read (optimistic concurrency)' }),
  note: Type.Optional(Type.String({ maxLength: 4000, description: 'A note; where the action requires a reason, the reason' })),
};

/** Amounts assessed while processing, owed besides the procedure's own fees (request_payment). */
export const AssessedFeesField = Type.Array(
  Type.Object(
    {
      nameVi: Type.String({ minLength: 1, maxLength: 300, description: 'What is charged, in Vietnamese' }),
      nameEn: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'What is charged, in English' })),
      amountVnd: Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'Whole VND' }),
    },
    { additionalProperties: false },
  ),
  { maxItems: 20, description: 'Amounts assessed while processing (a tax, a fee set by the file), added to what the dossier owes' },
);

const ResultFileField = Type.String({ ...SHA256, description: 'The result file, uploaded with POST /files' });
const NewDueAtField = Type.String({ format: 'date-time', maxLength: 40, description: 'Proposed new return date' });

/** The body of POST /dossiers/{code}/<action>, built from what the action requires (and accepts) in TRANSITIONS. */
export function actionBodySchema(action: DossierAction) {
  const rule: { requires: ActionRequirements; accepts?: ActionOptions } = TRANSITIONS[action];
  const requires = rule.requires;
  return Type.Object(
    {
      version: TransitionBase.version,
      note: requires.reason
        ? Type.String({ minLength: 1, maxLength: 4000, description: `Required: ${requires.reason.toLowerCase()}` })
        : TransitionBase.note,
      ...(requires.resultFile ? { resultFileSha256: ResultFileField } : {}),
      ...(requires.newDueAt ? { newDueAt: NewDueAtField } : {}),
      ...(rule.accepts?.duplicateOverride ? { duplicateOverride: Type.Optional(DuplicateOverrideSchema) } : {}),
      ...(rule.accepts?.fees ? { fees: Type.Optional(AssessedFeesField) } : {}),
    },
    { additionalProperties: false },
  );
}

/** Every field an action request may carry (each action's own schema says which it requires). */
export const TransitionInputSchema = Type.Object(
  {
    ...TransitionBase,
    resultFileSha256: Type.Optional(ResultFileField),
    newDueAt: Type.Optional(NewDueAtField),
    duplicateOverride: Type.Optional(DuplicateOverrideSchema),
    fees: Type.Optional(AssessedFeesField),
  },
  { additionalProperties: false },
);
export type TransitionInput = Static<typeof TransitionInputSchema>;
export const AttachSchema = Type.Object(
  {
    version: TransitionBase.version,
    fileSha256: Type.Optional(Sha256Field),
    storeDocumentId: Type.Optional(StoreDocumentIdField),
  },
  { additionalProperties: false },
);

export type AttachInput = Static<typeof AttachSchema>;

export const CodeParam = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 40, pattern: '^[0-9A-Z.]+-[0-9]{6}-[0-9]{4}$', description: 'Dossier code' }),
});

export const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.String({ maxLength: 400, pattern: '^[a-z_]+(,[a-z_]+)*$', description: 'Comma-separated statuses' })),
    risk: Type.Optional(Type.Union([Type.Literal('due_soon'), Type.Literal('late'), Type.Literal('paused')])),
    q: Type.Optional(Type.String({ maxLength: 40, description: 'Dossier code or applicant ID number' })),
    procedureCode: Type.Optional(Type.String({ maxLength: 40 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
  },
  { additionalProperties: false },
);

export const DossierListItemSchema = Type.Object({
  code: Type.String(),
  procedureCode: Type.String(),
  status: Type.String(),
  portalStatus: Type.Integer(),
  applicantName: Type.String(),
  receivingUnitId: Type.Integer(),
  currentUnitId: Type.Union([Type.Integer(), Type.Null()]),
  currentUnitNameVi: Nullable(Type.String()),
  receivedAt: IsoOrNull,
  dueAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'The legal due date (moved by a supplement wait); statistics count lateness against it',
  }),
  apologyDueAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'The new date of an apology (form 04)' }),
  promisedDueAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'The date the applicant is now promised: apologyDueAt once issued, else dueAt; risk is judged against it',
  }),
  risk: Type.Union([Type.Literal('on_track'), Type.Literal('due_soon'), Type.Literal('late'), Type.Literal('paused'), Type.Null()]),
  version: Type.Integer(),
});

export const EventSchema = Type.Object({
  seq: Type.Integer(),
  action: Type.String(),
  fromStatus: Nullable(Type.String()),
  toStatus: Type.String(),
  actorKind: Type.String(),
  actorId: Type.Union([Type.Integer(), Type.Null()]),
  unitId: Type.Union([Type.Integer(), Type.Null()]),
  unitNameVi: Nullable(Type.String()),
  at: Type.String(),
  note: Nullable(Type.String()),
});

export const StepRowSchema = Type.Object({
  seq: Type.Integer(),
  role: Type.String(),
  fromUnitId: Type.Union([Type.Integer(), Type.Null()]),
  fromUnitNameVi: Nullable(Type.String()),
  toUnitId: Type.Integer(),
  toUnitNameVi: Type.String(),
  handedBy: Type.Union([Type.Integer(), Type.Null()]),
  handedAt: Type.String(),
  dueAt: Nullable(Type.String()),
  completedBy: Type.Union([Type.Integer(), Type.Null()]),
  completedAt: Nullable(Type.String()),
  outcome: Type.Union([Type.Literal('early'), Type.Literal('on_time'), Type.Literal('late'), Type.Null()]),
});

export const IntakeStartSchema = Type.Object(
  {
    idNumber: Type.String({ minLength: 1, maxLength: 20, description: 'The 12-digit ID number on the card the clerk has checked' }),
    procedureCode: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'The procedure the citizen came for, if known' })),
    reason: Type.Optional(Type.String({ maxLength: 500, description: 'Why the store is read (audited)' })),
  },
  { additionalProperties: false },
);
export type IntakeStartInput = Static<typeof IntakeStartSchema>;

export const IntakeViewSchema = Type.Object({
  id: Type.Integer({ description: 'Give it as ?intakeId= to list the citizen’s store' }),
  idNumber: Type.String(),
  procedureCode: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  openedAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time', description: 'After it, the intake no longer lets the store be listed' }),
});

export const StoreQuery = Type.Object(
  {
    dossierCode: Type.Optional(
      Type.String({ ...CodeParam.properties.code, description: 'A dossier of the citizen you handle (open, in scope)' }),
    ),
    intakeId: Type.Optional(
      Type.Integer({ minimum: 1, maximum: BIGINT_ID_MAX, description: 'Your intake in progress for the citizen (POST /intakes)' }),
    ),
  },
  { additionalProperties: false },
);

export const StoreDocumentSchema = Type.Object({
  id: Type.Integer({ description: 'Give it as storeDocumentId to reuse the document for a component of its type' }),
  kind: Type.String({ description: 'result: an earlier result; verified: a verified document' }),
  title: Type.String(),
  documentType: Type.Union([Type.Object({ code: Type.String(), nameVi: Type.String(), nameEn: Type.String() }), Type.Null()], {
    description: 'The catalog’s document type; a component takes only a document of its own type (null: never reused)',
  }),
  issuedAt: Type.String({ format: 'date-time' }),
  issuerNameVi: Nullable(Type.String()),
});
