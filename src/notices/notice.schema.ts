import { Type, type Static } from 'typebox';

export const KindSchema = Type.Union(
  [
    Type.Literal('received'),
    Type.Literal('submitted'),
    Type.Literal('supplement'),
    Type.Literal('payment'),
    Type.Literal('apology'),
    Type.Literal('result'),
    Type.Literal('returned'),
    Type.Literal('refused'),
    Type.Literal('stopped'),
    Type.Literal('feedback_answered'),
    Type.Literal('feedback_refused'),
    Type.Literal('feedback_info'),
  ],
  {
    description:
      'received, submitted (online), supplement, payment, apology, result, returned, refused, stopped; feedback_answered, feedback_refused, feedback_info (feedback)',
  },
);
export const ChannelSchema = Type.Union([Type.Literal('sms'), Type.Literal('email')]);
export const LangSchema = Type.Union([Type.Literal('vi'), Type.Literal('en')]);

export const TemplateParams = Type.Object({ kind: KindSchema, channel: ChannelSchema, lang: LangSchema }, { additionalProperties: false });

export const TemplateBody = Type.Object(
  {
    subject: Type.Optional(
      Type.Union([Type.String({ maxLength: 1000 }), Type.Null()], { description: "An e-mail's subject (mustache); an SMS has none" }),
    ),
    body: Type.String({
      minLength: 1,
      maxLength: 10000,
      description: 'The text (mustache {{variables}} only: see each kind’s list in GET /notices/templates)',
    }),
  },
  { additionalProperties: false },
);
export type TemplateBodyInput = Static<typeof TemplateBody>;

export const TemplateSchema = Type.Object({
  kind: KindSchema,
  channel: ChannelSchema,
  lang: LangSchema,
  subject: Type.Union([Type.String(), Type.Null()]),
  body: Type.String(),
  custom: Type.Boolean({ description: "Whether this is an administrator's text (false: the default in force)" }),
  variables: Type.Array(Type.String(), { description: 'The variables this kind of notice may use' }),
  defaultSubject: Type.Union([Type.String(), Type.Null()]),
  defaultBody: Type.String(),
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const PreviewBody = Type.Object(
  {
    kind: KindSchema,
    channel: ChannelSchema,
    lang: LangSchema,
    subject: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
    body: Type.Optional(Type.String({ minLength: 1, maxLength: 10000, description: 'A text to try (absent: the one in force)' })),
  },
  { additionalProperties: false },
);

export const PreviewSchema = Type.Object({
  subject: Type.Union([Type.String(), Type.Null()]),
  text: Type.String({ description: 'The SMS, or the e-mail’s text part (with its opt-out line), rendered with sample values' }),
  html: Type.Union([Type.String(), Type.Null()], { description: 'The e-mail’s HTML part' }),
  length: Type.Integer({ description: 'Characters of the text' }),
});

export const DossierNoticeSchema = Type.Object({
  id: Type.Integer(),
  kind: Type.String({ description: 'dossier.<kind> of a dossier notice, feedback.<kind> of a feedback notice, booking.* of a booking' }),
  channel: ChannelSchema,
  recipient: Type.String({ description: 'Masked phone number or e-mail address' }),
  status: Type.Union(
    [
      Type.Literal('queued'),
      Type.Literal('sent'),
      Type.Literal('delivered'),
      Type.Literal('failed'),
      Type.Literal('skipped_opted_out'),
      Type.Literal('cancelled'),
    ],
    { description: 'queued, sent, delivered (report), failed (report, or every attempt failed), skipped_opted_out, cancelled' },
  ),
  createdAt: Type.String({ format: 'date-time' }),
  sentAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When the delivery report came' }),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
});

/** The eSMS-style delivery report (sms.contract.ts SmsDeliveryReport), as JSON (POST) or query parameters (GET). */
export const SmsReportSchema = Type.Object(
  {
    SMSID: Type.String({ minLength: 1, maxLength: 100 }),
    RequestId: Type.String({ minLength: 1, maxLength: 100 }),
    SendStatus: Type.String({ minLength: 1, maxLength: 4 }),
    phonenumber: Type.Optional(Type.String({ maxLength: 20 })),
    telcoid: Type.Optional(Type.String({ maxLength: 4 })),
    TypeId: Type.Optional(Type.String({ maxLength: 4 })),
  },
  { additionalProperties: true },
);

export const SigQuery = Type.Object({
  sig: Type.String({ maxLength: 128, description: 'HMAC-SHA256 of the RequestId (in the CallbackUrl we gave)' }),
});

export const TokenQuery = Type.Object({ token: Type.String({ minLength: 1, maxLength: 400 }) }, { additionalProperties: false });

export const OptOutResult = Type.Object({
  channel: ChannelSchema,
  optedOut: Type.Boolean(),
  already: Type.Optional(Type.Boolean({ description: 'The channel was stopped already' })),
});

export const StaffOptOutBody = Type.Object({ channel: ChannelSchema }, { additionalProperties: false });
export const CitizenOptOutBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 40 }), channel: ChannelSchema },
  { additionalProperties: false },
);
