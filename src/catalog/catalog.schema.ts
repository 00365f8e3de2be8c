import { Type, type Static } from 'typebox';

export const LimitUnitSchema = Type.Union(
  [Type.Literal('working-hours'), Type.Literal('working-days'), Type.Literal('days'), Type.Literal('months')],
  { description: 'Unit of a time limit: working hours, working days, calendar days or months' },
);

const Text = (max: number, description?: string) => Type.String({ minLength: 1, maxLength: max, ...(description ? { description } : {}) });

export const TimeLimitSchema = Type.Object(
  { value: Type.Number({ exclusiveMinimum: 0, maximum: 10_000 }), unit: LimitUnitSchema },
  { additionalProperties: false },
);

const DocumentTypeCode = (description: string) =>
  Type.String({ maxLength: 40, pattern: '^[A-Z0-9_]{1,40}$', description: `${description} (a code of the catalog's documentTypes)` });

/** A kind of document a citizen holds (birth certificate, marriage certificate, ...): what the store's reuse matches on. */
export const DocumentTypeSchema = Type.Object(
  { code: DocumentTypeCode('Document type code, e.g. GIAY_KHAI_SINH'), nameVi: Text(300), nameEn: Text(300) },
  { additionalProperties: false },
);

export const ComponentSchema = Type.Object(
  {
    code: Type.String({
      minLength: 1,
      maxLength: 32,
      pattern: '^[A-Za-z0-9_.-]{1,32}$',
      description: 'Component code, unique within the procedure version',
    }),
    nameVi: Text(500),
    nameEn: Text(500),
    form: Type.Union([Type.Literal('original'), Type.Literal('copy'), Type.Literal('certified_copy'), Type.Literal('original_or_copy')], {
      description: 'Bản chính / bản sao / bản sao chứng thực',
    }),
    count: Type.Integer({ minimum: 1, maximum: 99 }),
    required: Type.Boolean(),
    supply: Type.Union([Type.Literal('upload'), Type.Literal('store'), Type.Literal('population_db')], {
      description:
        'upload: scanned or uploaded; store: the citizen document store may hold it; population_db: the National Population Database supplies it',
    }),
    documentType: Type.Optional(
      DocumentTypeCode('The document type this component accepts from the citizen’s document store; without one, it takes none'),
    ),
  },
  { additionalProperties: false },
);

export const FeeSchema = Type.Object(
  {
    nameVi: Text(300),
    nameEn: Text(300),
    amountVnd: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
    note: Type.Optional(Type.String({ maxLength: 500 })),
    when: Type.Optional(
      Type.Union([Type.Literal('counter'), Type.Literal('online'), Type.Literal('on_request'), Type.Literal('reduced')], {
        description:
          'Absent: always charged. counter / online: only for that channel. on_request: extras the applicant asks for (copies, pages). reduced: a lower rate for some applicants, instead of the standard one',
      }),
    ),
    stage: Type.Optional(
      Type.Union([Type.Literal('receipt'), Type.Literal('return')], {
        description: 'When it is collected: at receipt (absent) or with the result (return)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const StepSchema = Type.Object(
  {
    role: Type.Union([Type.Literal('receive'), Type.Literal('process'), Type.Literal('approve'), Type.Literal('return')]),
    agency: Type.String({
      minLength: 1,
      maxLength: 32,
      pattern: '^(competent|[A-Z0-9-]{1,32})$',
      description: '"competent" or the key of another agency (inter-agency step)',
    }),
    share: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'Share of the time limit allotted to the step' }),
  },
  { additionalProperties: false },
);

export const ProcedureVersionSchema = Type.Object(
  {
    effectiveFrom: Type.String({ format: 'date', maxLength: 10, description: 'Date from which this version applies (YYYY-MM-DD)' }),
    nameVi: Text(500),
    nameEn: Text(500),
    fieldCode: Type.String({ minLength: 1, maxLength: 32 }),
    level: Type.Union([Type.Literal('province'), Type.Literal('commune')], { description: 'Competent level' }),
    agencyKey: Type.Union([Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Z0-9-]{1,32}$' }), Type.Null()], {
      description: 'Competent department for province-level procedures',
    }),
    components: Type.Array(ComponentSchema, { maxItems: 60 }),
    fees: Type.Array(FeeSchema, { maxItems: 20 }),
    onlinePayment: Type.Optional(
      Type.Boolean({
        description:
          'Its fees are integrated for online payment (Decision 766 indicator 3.5, as the national portal records it per procedure); absent: false',
      }),
    ),
    timeLimit: TimeLimitSchema,
    fastTrack: Type.Union([TimeLimitSchema, Type.Null()], { description: 'Fast-track ("green lane") limit, if offered' }),
    online: Type.Union([Type.Literal('full'), Type.Literal('partial')], {
      description: 'Online level: toàn trình (full) or một phần (partial)',
    }),
    nonTerritorial: Type.Boolean({ description: 'Received at any service point of the province' }),
    resultNameVi: Text(500),
    resultNameEn: Text(500),
    resultDocumentType: Type.Optional(DocumentTypeCode('The document type of the result, as it is archived in the citizen’s store')),
    steps: Type.Array(StepSchema, { minItems: 1, maxItems: 20 }),
  },
  { additionalProperties: false },
);

export const FieldSchema = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 32 }), nameVi: Text(300), nameEn: Text(300) },
  { additionalProperties: false },
);

export const CatalogSchema = Type.Object(
  {
    format: Type.Literal('motcua.catalog/1'),
    fields: Type.Array(FieldSchema, { maxItems: 2000 }),
    documentTypes: Type.Optional(Type.Array(DocumentTypeSchema, { maxItems: 2000, description: 'Types of the documents citizens hold' })),
    procedures: Type.Array(
      Type.Object(
        {
          code: Type.String({
            maxLength: 40,
            pattern: '^[0-9]\\.[0-9]{6}(\\.[0-9A-Za-z.]+)?$',
            description: 'National procedure code, e.g. 1.001193',
          }),
          versions: Type.Array(ProcedureVersionSchema, { minItems: 1, maxItems: 50 }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 10_000 },
    ),
  },
  { additionalProperties: false },
);

export type CatalogDocument = Static<typeof CatalogSchema>;
export type DocumentType = Static<typeof DocumentTypeSchema>;
export type ProcedureVersionInput = Static<typeof ProcedureVersionSchema>;
export type TimeLimit = Static<typeof TimeLimitSchema>;

export const ProcedureSummarySchema = Type.Object({
  code: Type.String({ description: 'National procedure code' }),
  nameVi: Type.String(),
  nameEn: Type.String(),
  fieldCode: Type.String(),
  level: Type.String(),
  timeLimit: TimeLimitSchema,
  fastTrack: Type.Union([TimeLimitSchema, Type.Null()]),
  online: Type.String(),
  nonTerritorial: Type.Boolean(),
  effectiveFrom: Type.String(),
  score: Type.Optional(Type.Number({ description: 'Search relevance, 0..1' })),
});

export const ProcedureDetailSchema = Type.Object({
  code: Type.String(),
  version: ProcedureVersionSchema,
  versionId: Type.Integer(),
  versions: Type.Array(Type.Object({ effectiveFrom: Type.String(), versionId: Type.Integer() })),
  filing: Type.String({ description: 'Where the procedure can be filed (vi)' }),
  filingEn: Type.String({ description: 'Where the procedure can be filed (en)' }),
});

export const ProcedureSearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Search text; diacritics and small typos are tolerated' })),
    field: Type.Optional(Type.String({ maxLength: 32 })),
    level: Type.Optional(Type.Union([Type.Literal('province'), Type.Literal('commune')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 0 })),
  },
  { additionalProperties: false },
);
