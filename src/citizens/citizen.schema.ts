import { Type } from 'typebox';
import { RETURN_TO_PATTERN } from './citizen.model.js';

const Level = Type.Union([Type.Literal(1), Type.Literal(2)], {
  description: 'VNeID identification level: 1 = registered by phone, nothing verified; 2 = verified against the population database',
});

export const LoginQuery = Type.Object(
  {
    returnTo: Type.Optional(
      Type.String({
        maxLength: 301,
        pattern: RETURN_TO_PATTERN,
        description: 'A path of this site to come back to after logging in (default /ho-so-cua-toi)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** What VNeID sends back to the callback (RFC 6749 §4.1.2, RFC 9207's iss); other parameters are passed on to the check. */
export const CallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 2048 })),
  state: Type.Optional(Type.String({ maxLength: 512 })),
  iss: Type.Optional(Type.String({ maxLength: 2048 })),
  error: Type.Optional(Type.String({ maxLength: 256 })),
  error_description: Type.Optional(Type.String({ maxLength: 2048 })),
});

export const PrefillSchema = Type.Object(
  {
    name: Type.String(),
    birthDate: Type.String({ format: 'date', description: 'yyyy-mm-dd' }),
    idNumber: Type.String({ description: 'The 12-digit personal ID number' }),
    permanentAddress: Type.String({ description: 'Nơi thường trú' }),
  },
  { description: 'The population data VNeID vouched for at log-in (level 2 only)' },
);

export const MeSchema = Type.Object({
  name: Type.String(),
  level: Level,
  idNumberMasked: Type.Union([Type.String(), Type.Null()], { description: 'The last 3 digits only; null for a level-1 account' }),
  sessionExpiresAt: Type.String({ format: 'date-time' }),
  prefill: Type.Union([PrefillSchema, Type.Null()], { description: 'Null for a level-1 account (nothing verified)' }),
});

export const MyDossierSchema = Type.Object({
  code: Type.String(),
  procedure: Type.Object({ code: Type.String(), nameVi: Type.String(), nameEn: Type.String() }),
  status: Type.String(),
  statusVi: Type.String(),
  statusEn: Type.String(),
  channel: Type.Integer({ description: '1 in person, 2 online, 3 postal' }),
  submittedAt: Type.Union([Type.String(), Type.Null()]),
  receivedAt: Type.Union([Type.String(), Type.Null()]),
  dueAt: Type.Union([Type.String(), Type.Null()], { description: 'The date promised (an apology’s new date, else the due date)' }),
  returnedAt: Type.Union([Type.String(), Type.Null()]),
  returnPointNameVi: Type.String(),
  trackingToken: Type.String({ description: 'Opens the tracking page: /tra-cuu/{code}#{trackingToken}' }),
  vneidAuthenticated: Type.Boolean({ description: 'Filed online by a citizen logged in with VNeID' }),
  rating: Type.Union([Type.String(), Type.Null()]),
  canRate: Type.Boolean(),
});

export const MyStoreDocumentSchema = Type.Object({
  id: Type.Integer({ description: 'Give it as storeDocumentId of a component of its document type' }),
  kind: Type.String(),
  title: Type.String(),
  documentType: Type.Union([Type.Object({ code: Type.String(), nameVi: Type.String(), nameEn: Type.String() }), Type.Null()]),
  issuedAt: Type.String(),
  issuerNameVi: Type.Union([Type.String(), Type.Null()]),
});

export const RatingBody = Type.Object(
  {
    rating: Type.Union([Type.Literal('satisfied'), Type.Literal('acceptable'), Type.Literal('not_satisfied')]),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
