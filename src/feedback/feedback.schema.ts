import { Type, type Static } from 'typebox';
import { IntId } from '../platform/http.schema.js';
import { TOKEN_PATTERN } from '../tracking/tracking.model.js';
import { ACTIONS, CATEGORIES, CHANNELS, CODE_PATTERN, LIMITS, STATUSES, SUBJECT_KINDS } from './feedback.model.js';

const lit = <const T extends readonly string[]>(values: T, description?: string) =>
  Type.Enum([...values] as T[number][], { type: 'string', ...(description ? { description } : {}) });

const Token = Type.String({ minLength: 12, maxLength: 12, pattern: TOKEN_PATTERN, description: "The dossier receipt's tracking token" });
const Phone4 = Type.String({ minLength: 4, maxLength: 4, pattern: '^[0-9]{4}$', description: "Last 4 digits of the applicant's phone" });
const Sha256 = Type.String({ minLength: 64, maxLength: 64, pattern: '^[0-9a-f]{64}$' });
export const FeedbackCode = Type.String({ pattern: CODE_PATTERN, maxLength: 16, description: 'Public code, e.g. PAKN-261206-0001' });
export const CodeParam = Type.Object({ code: FeedbackCode });
const Secret = Type.String({ minLength: 12, maxLength: 12, pattern: TOKEN_PATTERN, description: 'The secret given at filing' });

export const FeedbackBody = Type.Object(
  {
    channel: lit(CHANNELS, 'portal or tracking (a dossier’s tracking page) from the public side; counter or hotline when staff record it'),
    subject: Type.Object(
      {
        kind: lit(SUBJECT_KINDS, 'What the feedback is about'),
        procedureCode: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'kind procedure: its national code' })),
        dossierCode: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'kind dossier: its code' })),
        unitId: Type.Optional(IntId({ description: 'kind unit or staff_conduct: the unit' })),
        staffName: Type.Optional(
          Type.String({ maxLength: LIMITS.nameMax, description: 'kind staff_conduct: who, as the sender knows them' }),
        ),
      },
      { additionalProperties: false },
    ),
    category: Type.Optional(lit(CATEGORIES, 'Default from the subject; staff may reclassify')),
    title: Type.String({ minLength: LIMITS.titleMin, maxLength: LIMITS.titleMax }),
    content: Type.String({ minLength: LIMITS.contentMin, maxLength: LIMITS.contentMax }),
    sender: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.String({ maxLength: LIMITS.nameMax })),
          phone: Type.Optional(Type.String({ maxLength: 20 })),
          email: Type.Optional(Type.String({ maxLength: 254, format: 'email' })),
        },
        { additionalProperties: false, description: 'Optional: a feedback may be anonymous' },
      ),
    ),
    publishConsent: Type.Optional(Type.Boolean({ description: 'Publish the answer (default true)' })),
    lang: Type.Optional(
      Type.Union([Type.Literal('vi'), Type.Literal('en')], { description: 'Language of the notices sent to the sender (default vi)' }),
    ),
    attachments: Type.Optional(
      Type.Array(Sha256, {
        maxItems: LIMITS.attachmentsMax,
        uniqueItems: true,
        description: 'Files uploaded first (POST /public/files with X-Submission-Token, or POST /files by staff)',
      }),
    ),
    repeatOf: Type.Optional(FeedbackCode),
    tracking: Type.Optional(
      Type.Object(
        { token: Type.Optional(Token), phone: Type.Optional(Phone4) },
        { additionalProperties: false, description: 'Channel tracking: the dossier’s tracking token or the last 4 phone digits' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type FeedbackBodyInput = Static<typeof FeedbackBody>;

export const FiledSchema = Type.Object({
  code: Type.String(),
  secret: Type.String({ description: 'Shown once: with the code it follows the feedback (GET /feedback/track/{code})' }),
  status: Type.Literal('received'),
  receivedAt: Type.String(),
  refuseDueAt: Type.String(),
  infoDueAt: Type.String(),
  answerDueAt: Type.String(),
  unitId: Type.Integer(),
  unitNameVi: Type.String({ description: 'The competent unit it was routed to' }),
});

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const NString = Nullable(Type.String());
const StageEnum = Type.Union([Type.Literal('triage'), Type.Literal('answer'), Type.Literal('publish')]);
const Verdict = Type.Union([Type.Literal('on_time'), Type.Literal('late'), Type.Literal('pending'), Type.Literal('not_applicable')]);

export const InboxQuery = Type.Object(
  {
    status: Type.Optional(Type.Array(lit(STATUSES), { maxItems: 7 })),
    category: Type.Optional(lit(CATEGORIES)),
    escalated: Type.Optional(Type.Boolean()),
    overdue: Type.Optional(Type.Boolean({ description: 'Only those past their current deadline' })),
    mine: Type.Optional(Type.Boolean({ description: 'Only those assigned to me' })),
    q: Type.Optional(Type.String({ maxLength: 100, description: 'Code or title contains' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  },
  { additionalProperties: false },
);

export const InboxItemSchema = Type.Object({
  code: Type.String(),
  title: Type.String(),
  status: lit(STATUSES),
  statusVi: Type.String(),
  category: lit(CATEGORIES),
  channel: lit(CHANNELS),
  subjectKind: lit(SUBJECT_KINDS),
  unitId: Type.Integer(),
  unitNameVi: Type.String(),
  receivedAt: Type.String(),
  currentDueAt: NString,
  stage: Type.Union([StageEnum, Type.Null()]),
  overdue: Type.Boolean(),
  escalated: Type.Boolean({ description: 'Escalated to the unit’s leader at its current stage' }),
  assigneeName: NString,
  isRepeat: Type.Boolean(),
});

export const DetailSchema = Type.Object({
  code: Type.String(),
  title: Type.String(),
  content: Type.String(),
  status: lit(STATUSES),
  statusVi: Type.String(),
  statusEn: Type.String(),
  channel: lit(CHANNELS),
  category: lit(CATEGORIES),
  subject: Type.Object({
    kind: lit(SUBJECT_KINDS),
    dossierCode: NString,
    procedureCode: NString,
    unitId: Type.Union([Type.Integer(), Type.Null()]),
    unitNameVi: NString,
    staffName: NString,
  }),
  sender: Type.Object({ name: NString, phone: NString, email: NString, loggedIn: Type.Boolean() }),
  publishConsent: Type.Boolean(),
  unitId: Type.Integer(),
  unitNameVi: Type.String(),
  assignee: Type.Union([Type.Object({ id: Type.Integer(), fullName: Type.String() }), Type.Null()]),
  receivedAt: Type.String(),
  deadlines: Type.Object({ refuseDueAt: Type.String(), infoDueAt: Type.String(), answerDueAt: Type.String(), publishDueAt: NString }),
  stages: Type.Object({ refuse: Verdict, info: Verdict, answer: Verdict, publish: Verdict }, { description: 'Each stage judged now' }),
  current: Type.Union([Type.Object({ stage: StageEnum, dueAt: Type.String(), overdue: Type.Boolean() }), Type.Null()]),
  escalated: Type.Boolean(),
  refusalReason: NString,
  draftAnswer: NString,
  answer: NString,
  answeredAt: NString,
  publishedAt: NString,
  likes: Type.Integer(),
  dislikes: Type.Integer(),
  repeatOf: NString,
  repeats: Type.Array(Type.String(), { description: 'Later feedback that repeat this one' }),
  attachments: Type.Array(Type.Object({ sha256: Type.String(), mime: Type.String(), size: Type.Integer() })),
  timeline: Type.Array(
    Type.Object({
      seq: Type.Integer(),
      at: Type.String(),
      action: Type.String(),
      toStatus: Type.String(),
      staffName: NString,
      note: NString,
      internal: Type.Boolean({ description: 'Internal notes and steps are never shown to the sender' }),
    }),
  ),
  assignable: Type.Array(Type.Object({ id: Type.Integer(), fullName: Type.String(), role: Type.String() })),
  actions: Type.Array(lit(ACTIONS), { description: 'What the caller may do now' }),
});

export const ActionParams = Type.Object({ code: FeedbackCode, action: lit(ACTIONS) });
export const ActionBody = Type.Object(
  {
    staffId: Type.Optional(IntId({ description: 'assign: whom (default: the caller)' })),
    category: Type.Optional(lit(CATEGORIES, 'classify')),
    note: Type.Optional(Type.String({ maxLength: LIMITS.noteMax, description: 'note, request_info (the question), info_received' })),
    reason: Type.Optional(Type.String({ maxLength: LIMITS.noteMax, description: 'refuse' })),
    answer: Type.Optional(Type.String({ maxLength: LIMITS.contentMax, description: 'draft, answer (default: the draft)' })),
    repeatOf: Type.Optional(FeedbackCode),
  },
  { additionalProperties: false },
);

export const PublicQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    unitId: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Only the answers of this competent unit' })),
  },
  { additionalProperties: false },
);

export const PublicItemSchema = Type.Object({
  code: Type.String(),
  title: Type.String({ description: 'Personal data masked' }),
  content: Type.String({ description: 'Personal data masked (ID and phone numbers, e-mail, addresses, names)' }),
  category: lit(CATEGORIES),
  senderName: Type.Union([Type.String({ description: 'Masked' }), Type.Null()]),
  unitId: Type.Integer({ description: 'The competent unit that answered (its page: /don-vi/<id>)' }),
  unitNameVi: Type.String(),
  receivedAt: Type.String(),
  answeredAt: NString,
  publishedAt: NString,
  answer: Type.String(),
  likes: Type.Integer(),
  dislikes: Type.Integer(),
  repeats: Type.Array(Type.String()),
});

export const ReactionBody = Type.Object(
  { reaction: Type.Union([Type.Literal('like'), Type.Literal('dislike')]) },
  { additionalProperties: false },
);
export const ReactionSchema = Type.Object({
  code: Type.String(),
  reaction: Type.String(),
  likes: Type.Integer(),
  dislikes: Type.Integer(),
});

export const TrackQuery = Type.Object({ secret: Secret }, { additionalProperties: false });
export const InfoBody = Type.Object(
  { secret: Secret, content: Type.String({ minLength: 1, maxLength: LIMITS.contentMax }) },
  { additionalProperties: false },
);

export const TrackSchema = Type.Object({
  code: Type.String(),
  title: Type.String(),
  content: Type.String(),
  status: lit(STATUSES),
  statusVi: Type.String(),
  statusEn: Type.String(),
  unitNameVi: Type.String(),
  receivedAt: Type.String(),
  answerDueAt: Type.String(),
  publishConsent: Type.Boolean(),
  infoRequest: Type.Union([Type.Object({ at: Type.String(), question: Type.String() }), Type.Null()]),
  refusalReason: NString,
  answer: NString,
  answeredAt: NString,
  publishedAt: NString,
  repeatOf: NString,
  repeats: Type.Array(Type.String()),
  timeline: Type.Array(Type.Object({ at: Type.String(), action: Type.String(), status: Type.String(), note: NString })),
});

export const AttachmentParams = Type.Object({ code: FeedbackCode, sha256: Sha256 });

export const UnitVoiceSchema = Type.Object({
  unit: Type.Object({ id: Type.Integer(), kind: Type.String(), nameVi: Type.String(), nameEn: Type.String() }),
  from: Type.String({ description: 'Start of the twelve months shown' }),
  to: Type.String(),
  ratings: Type.Object(
    { satisfied: Type.Integer(), acceptable: Type.Integer(), notSatisfied: Type.Integer() },
    { description: 'Ratings of the dossiers the unit received or handled, by the rating’s time' },
  ),
  feedback: Type.Object(
    {
      received: Type.Integer({ description: 'Feedback routed to the unit' }),
      handled: Type.Integer({ description: 'Of those, refused or answered' }),
      handledOnTime: Type.Integer({ description: 'Of those, refused within 2 or answered within 15 working days' }),
      open: Type.Integer({ description: 'Still waiting for an answer' }),
    },
    { description: 'Feedback routed to the unit, by its time of receipt' },
  ),
  published: Type.Array(PublicItemSchema, { description: 'Its latest published answers' }),
});
