import canonicalize from 'canonicalize';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import type { Commune, Unit } from '../platform/db.types.js';
import { DomainError } from '../platform/errors.js';
import { sha256Hex } from '../platform/ids.js';
import type { LimitUnit, WorkingCalendar } from '../calendar/calendar.model.js';
import type { ProcedureVersionInput } from '../catalog/catalog.schema.js';
import { versionInForce } from '../catalog/catalog.model.js';
import { SERVICE_POINT_KINDS } from '../org/org.service.js';
import {
  CHANNEL,
  DOSSIER_ACTIONS,
  DUPLICATE_STATUSES,
  feeDue,
  idNumberProblem,
  normalizePhone,
  PORTAL_STATUS,
  processingSteps,
  rescheduledDueAt,
  stepDueAt,
  timeliness,
  TRANSITIONS,
  type ActionRequirements,
  type DossierAction,
  type DossierStatus,
  type ProcessingStep,
} from '../dossiers/dossier.model.js';

// The format motcua.history/1 (docs/HISTORY-FORMAT.md): a header line, then one dossier per line with its whole life.
// Everything here is pure: a line and what the province holds (units, procedures, staff, calendars) in, the rows the
// live use cases would have written out, or the first problem found, naming its field.

export const HISTORY_FORMAT = 'motcua.history/1';
/** The longest line read (bytes, without its newline): a result file travels inside its line, base64-encoded. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;
/** The largest result file a line may carry (bytes, decoded). */
export const MAX_RESULT_BYTES = 2 * 1024 * 1024;

export const HISTORY_CHANNELS = { in_person: CHANNEL.counter, online: CHANNEL.online, post: CHANNEL.postal } as const;
/** The first event of a dossier: filed online (status 1), or received at a counter or by post (status 2, the clock starts). */
const FIRST_EVENT = { online: 'submit_online', in_person: 'receive', post: 'receive' } as const;

const Iso = Type.String({ maxLength: 40, description: 'ISO 8601 date-time with its UTC offset' });
const Key = Type.String({ minLength: 1, maxLength: 64 });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

export const HistoryHeaderSchema = Type.Object({ format: Type.Literal(HISTORY_FORMAT) }, { additionalProperties: true });

const EventSchema = Type.Object(
  {
    action: Type.Enum(['submit_online', ...DOSSIER_ACTIONS] as const),
    at: Iso,
    actor: Type.Optional(
      Type.Union([Type.Literal('system'), Type.Literal('citizen'), Type.Object({ staff: Key }, { additionalProperties: false })]),
    ),
    note: Type.Optional(Text(2000)),
    newDueAt: Type.Optional(Iso),
    /** payment_received only: the fees were paid online (through a payment gateway), not at the counter. */
    paidOnline: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** One dossier of a motcua.history/1 file. */
export const HistoryLineSchema = Type.Object(
  {
    code: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$' }),
    procedureCode: Key,
    procedureVersion: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
    receivingPoint: Key,
    competentAgency: Type.Optional(Key),
    returnPoint: Type.Optional(Key),
    channel: Type.Enum(['in_person', 'online', 'post'] as const),
    fastTrack: Type.Optional(Type.Boolean()),
    limit: Type.Optional(
      Type.Object(
        {
          value: Type.Number({ exclusiveMinimum: 0, maximum: 10_000 }),
          unit: Type.Enum(['working-hours', 'working-days', 'days', 'months'] as const),
        },
        { additionalProperties: false },
      ),
    ),
    applicant: Type.Object(
      {
        idNumber: Type.String({ maxLength: 20 }),
        name: Text(200),
        phone: Type.String({ maxLength: 20 }),
        email: Type.Optional(Type.String({ maxLength: 200 })),
        address: Text(500),
        communeCode: Key,
      },
      { additionalProperties: false },
    ),
    components: Type.Array(
      Type.Object(
        {
          code: Key,
          source: Type.Enum(['counter', 'online', 'store', 'population_db'] as const),
          digitized: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
      { maxItems: 100 },
    ),
    events: Type.Array(EventSchema, { minItems: 1, maxItems: 200 }),
    result: Type.Optional(Type.Object({ fileBase64: Type.String({ minLength: 1 }) }, { additionalProperties: false })),
    rating: Type.Optional(
      Type.Object(
        { value: Type.Enum(['satisfied', 'acceptable', 'not_satisfied'] as const), at: Iso, comment: Type.Optional(Text(2000)) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type HistoryLine = Static<typeof HistoryLineSchema>;

const lineValidator = Compile(HistoryLineSchema);
const headerValidator = Compile(HistoryHeaderSchema);

/** A bad line: its number, the field (a path into the line, '' for the line itself) and what is wrong. Never personal data. */
export interface LineProblem {
  line: number;
  field: string;
  message: string;
}

/** A version of a procedure as the importer sees it. */
export interface HistoryVersion {
  procedureId: number;
  versionId: number;
  code: string;
  effectiveFrom: string;
  body: ProcedureVersionInput;
}

/** What the province holds, looked up without I/O (the service loads it first). */
export interface HistoryContext {
  versions(procedureCode: string): HistoryVersion[];
  unitByKey(key: string): Unit | undefined;
  unit(id: number): Unit | undefined;
  commune(code: string): Commune | undefined;
  staff(username: string): { id: number; unitId: number } | undefined;
  /** The working calendar of a service point (the legal clock of what it receives). */
  calendarOf(unitId: number): WorkingCalendar;
  /** Now: an ID number's birth year is never after it, nor is any event. */
  now: Date;
}

/** The rows of one imported dossier, as the live use cases would have written them (ids are filled in by the writer). */
export interface ImportedDossier {
  code: string;
  /** SHA-256 of the line's canonical JSON (RFC 8785): the same dossier, whatever the order of its keys. */
  contentSha256: string;
  dossier: DossierRow;
  components: ComponentRow[];
  events: EventRow[];
  steps: StepRow[];
  /** The electronic result: its file (to be checked and stored) and the document of the applicant's store it becomes. */
  result: { file: Buffer; title: string; documentType: string | null; issuerUnitId: number; issuedAt: Date } | null;
  rating: { rating: 'satisfied' | 'acceptable' | 'not_satisfied'; comment: string | null; created_at: Date } | null;
  /** The receiving point's daily code counter this code uses, when it is in the live format: live codes skip past it. */
  codeCounter: { prefix: string; day: string; seq: number } | null;
  /** Still open (its applicant may have only one open dossier of the procedure unless it is marked a duplicate). */
  open: boolean;
}

export interface DossierRow {
  code: string;
  province_code: string;
  procedure_id: number;
  procedure_version_id: number;
  channel: number;
  status: DossierStatus;
  portal_status: number;
  receiving_unit_id: number;
  competent_agency_id: number;
  current_unit_id: number | null;
  current_step: number;
  return_point_id: number;
  applicant_id_number: string;
  applicant_name: string;
  applicant_phone: string;
  applicant_email: string | null;
  applicant_address: string;
  applicant_commune_code: string;
  fast_track: boolean;
  limit_value: number;
  limit_unit: string;
  fee_total_vnd: number;
  submitted_at: Date | null;
  received_at: Date | null;
  due_at: Date | null;
  original_due_at: Date | null;
  paused_at: Date | null;
  paused_ms: number;
  supplement_count: number;
  paid_at: Date | null;
  paid_online: boolean;
  decided_at: Date | null;
  returned_at: Date | null;
  apology_due_at: Date | null;
  version: number;
  event_seq: number;
  created_by: number | null;
  created_at: Date;
  updated_at: Date;
}

export interface ComponentRow {
  component_code: string;
  name_vi: string;
  form: string;
  count: number;
  required: boolean;
  source: 'upload' | 'store' | 'population_db' | 'paper';
  digitized: boolean;
  added_at: Date;
}

export interface EventRow {
  seq: number;
  province_code: string;
  action: string;
  from_status: DossierStatus | null;
  to_status: DossierStatus;
  actor_kind: 'staff' | 'citizen' | 'system';
  actor_id: number | null;
  unit_id: number;
  at: Date;
  note: string | null;
  data: string | null;
}

export interface StepRow {
  seq: number;
  role: string;
  from_unit_id: number | null;
  to_unit_id: number;
  handed_by: number | null;
  handed_at: Date;
  due_at: Date | null;
  completed_by: number | null;
  completed_at: Date | null;
  outcome: 'early' | 'on_time' | 'late' | null;
}

/** A problem of a line, as thrown by the derivation and caught by parseHistoryLine. */
class Bad extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

function instant(value: string, field: string): Date {
  const d = new Date(value);
  if (!ISO_WITH_OFFSET.test(value) || Number.isNaN(d.getTime()))
    throw new Bad(field, `must be an ISO 8601 date-time with its UTC offset, such as 2025-03-14T10:00:00+07:00`);
  return d;
}

/** The path of a validation error as a field name: /applicant/phone → applicant.phone. */
const fieldOf = (path: string) => path.replace(/^\//, '').replaceAll('/', '.');

/** The first schema error of a value, as a field and a message (the allowed values of a choice listed). */
function schemaProblem(errors: { keyword: string; instancePath: string; params: Record<string, unknown>; message: string }[]) {
  const first = errors[0]!;
  const at = fieldOf(first.instancePath);
  if (first.keyword === 'required') {
    const prop = (first.params.requiredProperties as string[])[0]!;
    return { field: at ? `${at}.${prop}` : prop, message: 'is required' };
  }
  if (first.keyword === 'boolean') return { field: at, message: `is not a field of ${HISTORY_FORMAT}` };
  if (first.keyword === 'enum') return { field: at, message: `must be one of ${(first.params.allowedValues as string[]).join(', ')}` };
  if (first.keyword === 'const') return { field: at, message: `must be ${JSON.stringify(first.params.allowedValue)}` };
  if (first.keyword === 'pattern' && at === 'code')
    return { field: at, message: 'must be 1 to 64 letters, digits and . _ / - (starting with a letter or digit)' };
  return { field: at, message: first.message };
}

/** Reads the header line (line 1): the format, or the problem. */
export function parseHistoryHeader(text: string): LineProblem | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { line: 1, field: '', message: `the first line must be the header {"format": "${HISTORY_FORMAT}"}: it is not JSON` };
  }
  if (!headerValidator.Check(doc))
    return { line: 1, field: 'format', message: `the first line must be the header {"format": "${HISTORY_FORMAT}"}` };
  return null;
}

/** Parses, validates and derives one dossier line; the first problem found, naming its field, otherwise the rows. */
export function parseHistoryLine(text: string, line: number, ctx: HistoryContext): { dossier: ImportedDossier } | { problem: LineProblem } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { problem: { line, field: '', message: `malformed JSON (${(e as Error).message.replace(/ in JSON at .*$/, '')})` } };
  }
  if (!lineValidator.Check(doc)) {
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
      return { problem: { line, field: '', message: 'must be a JSON object (one dossier)' } };
    return { problem: { line, ...schemaProblem([...lineValidator.Errors(doc)] as never) } };
  }
  try {
    return { dossier: derive(doc, ctx) };
  } catch (e) {
    if (e instanceof Bad) return { problem: { line, field: e.field, message: e.message } };
    throw e;
  }
}

/** The version a line names, or the one in force on the local day of its first event. */
function versionOf(l: HistoryLine, ctx: HistoryContext, firstAt: Date): HistoryVersion {
  const versions = ctx.versions(l.procedureCode);
  if (!versions.length) throw new Bad('procedureCode', `procedure ${l.procedureCode} is not in the catalog`);
  if (l.procedureVersion) {
    const v = versions.find((x) => x.effectiveFrom === l.procedureVersion);
    if (!v)
      throw new Bad(
        'procedureVersion',
        `procedure ${l.procedureCode} has no version effective from ${l.procedureVersion} (its versions: ${versions.map((x) => x.effectiveFrom).join(', ')})`,
      );
    return v;
  }
  const day = new Date(firstAt.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
  const v = versionInForce(versions, day);
  if (!v) throw new Bad('procedureCode', `procedure ${l.procedureCode} has no version in force on ${day}, the day of its first event`);
  return v;
}

function servicePoint(ctx: HistoryContext, key: string, field: string): Unit {
  const u = ctx.unitByKey(key);
  if (!u) throw new Bad(field, `no unit with key ${key}`);
  if (!(SERVICE_POINT_KINDS as readonly string[]).includes(u.kind)) throw new Bad(field, `unit ${key} is a ${u.kind}, not a service point`);
  return u;
}

/** The competent agency: the one named, else routed as intake routes (the procedure's level and the applicant's commune). */
function competentAgency(l: HistoryLine, v: HistoryVersion, commune: Commune, ctx: HistoryContext): Unit {
  if (l.competentAgency !== undefined) {
    const u = ctx.unitByKey(l.competentAgency);
    if (!u) throw new Bad('competentAgency', `no unit with key ${l.competentAgency}`);
    if (u.kind !== 'department' && u.kind !== 'commune_committee')
      throw new Bad('competentAgency', `unit ${l.competentAgency} is a ${u.kind}, not an agency`);
    return u;
  }
  const u = v.body.level === 'commune' ? ctx.unit(commune.committee_unit_id) : ctx.unitByKey(v.body.agencyKey ?? '');
  if (!u) throw new Bad('procedureCode', `procedure ${v.code} names agency ${v.body.agencyKey}, which this province does not have`);
  return u;
}

function components(l: HistoryLine, v: HistoryVersion, at: Date): ComponentRow[] {
  const spec = new Map(v.body.components.map((c) => [c.code, c]));
  const seen = new Set<string>();
  const rows = l.components.map((c, i): ComponentRow => {
    const s = spec.get(c.code);
    if (!s) throw new Bad(`components.${i}.code`, `procedure ${v.code} (version of ${v.effectiveFrom}) has no component ${c.code}`);
    if (seen.has(c.code)) throw new Bad(`components.${i}.code`, `component ${c.code} is given twice`);
    seen.add(c.code);
    if (c.source === 'population_db' && s.supply !== 'population_db')
      throw new Bad(`components.${i}.source`, `component ${c.code} cannot be taken from the National Population Database`);
    if (c.digitized === false && c.source !== 'counter')
      throw new Bad(
        `components.${i}.digitized`,
        `a component from ${c.source} is electronic: only one brought to the counter may be undigitized`,
      );
    // Brought to the counter: scanned (as an upload) or left on paper; online: uploaded; the others are electronic.
    const source = c.source === 'counter' ? (c.digitized === false ? 'paper' : 'upload') : c.source === 'online' ? 'upload' : c.source;
    return {
      component_code: c.code,
      name_vi: s.nameVi,
      form: s.form,
      count: s.count,
      required: s.required,
      source,
      digitized: source !== 'paper',
      added_at: at,
    };
  });
  const missing = v.body.components.filter((c) => c.required && !seen.has(c.code)).map((c) => c.code);
  if (missing.length) throw new Bad('components', `required components missing: ${missing.join(', ')}`);
  return rows;
}

/** The live format of a dossier code at a point: <agency identifier>-<yymmdd>-<4-digit sequence>. */
function codeCounter(code: string, point: Unit): ImportedDossier['codeCounter'] {
  const m = /^(.+)-(\d{2})(\d{2})(\d{2})-(\d{4})$/.exec(code);
  if (!m || m[1] !== point.agency_code) return null;
  return { prefix: point.agency_code, day: `20${m[2]}-${m[3]}-${m[4]}`, seq: Number(m[5]) };
}

function derive(l: HistoryLine, ctx: HistoryContext): ImportedDossier {
  const times = l.events.map((e, i) => instant(e.at, `events.${i}.at`));
  times.forEach((t, i) => {
    if (t > ctx.now) throw new Bad(`events.${i}.at`, 'is in the future');
    if (i > 0 && t < times[i - 1]!)
      throw new Bad(`events.${i}.at`, `is before the previous event (events.${i - 1}.at): times out of order`);
  });
  const first = l.events[0]!;
  if (first.action !== FIRST_EVENT[l.channel])
    throw new Bad(
      'events.0.action',
      `a dossier filed ${String(l.channel).replace('_', ' ')} starts with ${FIRST_EVENT[l.channel]}, not ${first.action}`,
    );
  const point = servicePoint(ctx, l.receivingPoint, 'receivingPoint');
  const returnPoint = l.returnPoint === undefined ? point : servicePoint(ctx, l.returnPoint, 'returnPoint');
  const a = l.applicant;
  const idProblem = idNumberProblem(a.idNumber, ctx.now);
  if (idProblem) throw new Bad('applicant.idNumber', `citizen ID number ${idProblem}`);
  const phone = normalizePhone(a.phone);
  if (!phone) throw new Bad('applicant.phone', 'must be 10 digits starting with 0 (or +84 and 9 digits)');
  if (a.email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a.email)) throw new Bad('applicant.email', 'is not an e-mail address');
  const commune = ctx.commune(a.communeCode);
  if (!commune) throw new Bad('applicant.communeCode', `commune ${a.communeCode} is not in this province`);
  const v = versionOf(l, ctx, times[0]!);
  const body = v.body;
  const competent = competentAgency(l, v, commune, ctx);
  if (!body.nonTerritorial && competent.receiving_unit_id !== point.id) {
    const where = competent.receiving_unit_id === null ? undefined : ctx.unit(competent.receiving_unit_id);
    throw new Bad(
      'receivingPoint',
      `procedure ${v.code} is not received anywhere in the province: only at ${where?.key ?? 'its agency'}, where ${competent.key} receives`,
    );
  }
  if (l.fastTrack && !body.fastTrack) throw new Bad('fastTrack', `procedure ${v.code} has no fast-track option`);
  const limit = l.limit ?? (l.fastTrack && body.fastTrack ? body.fastTrack : body.timeLimit);
  if (limit.unit !== 'working-hours' && !Number.isInteger(limit.value))
    throw new Bad('limit.value', `a limit in ${limit.unit} is a whole number`);
  const comps = components(l, v, times[0]!);
  const calendar = ctx.calendarOf(point.id);
  const steps = processingSteps(body.steps);
  const online = l.channel === 'online';

  const who = (e: HistoryLine['events'][number], i: number) => {
    const actor = e.actor ?? (e.action === 'submit_online' ? 'citizen' : 'system');
    if (typeof actor === 'object') {
      const s = ctx.staff(actor.staff);
      if (!s) throw new Bad(`events.${i}.actor.staff`, `no staff member with username ${actor.staff}`);
      return { kind: 'staff' as const, id: s.id, unitId: s.unitId };
    }
    return { kind: actor, id: null, unitId: point.id };
  };

  const d: DossierRow = {
    code: l.code,
    province_code: point.province_code,
    procedure_id: v.procedureId,
    procedure_version_id: v.versionId,
    channel: HISTORY_CHANNELS[l.channel],
    status: 'submitted',
    portal_status: PORTAL_STATUS.submitted,
    receiving_unit_id: point.id,
    competent_agency_id: competent.id,
    current_unit_id: point.id,
    current_step: 0,
    return_point_id: returnPoint.id,
    applicant_id_number: a.idNumber,
    applicant_name: a.name,
    applicant_phone: phone,
    applicant_email: a.email ?? null,
    applicant_address: a.address,
    applicant_commune_code: a.communeCode,
    fast_track: Boolean(l.fastTrack),
    limit_value: limit.value,
    limit_unit: limit.unit,
    fee_total_vnd: feeDue(body.fees, online ? 'online' : 'counter'),
    submitted_at: online ? times[0]! : null,
    received_at: null,
    due_at: null,
    original_due_at: null,
    paused_at: null,
    paused_ms: 0,
    supplement_count: 0,
    paid_at: null,
    paid_online: false,
    decided_at: null,
    returned_at: null,
    apology_due_at: null,
    version: l.events.length,
    event_seq: l.events.length,
    created_by: null,
    created_at: times[0]!,
    updated_at: times[times.length - 1]!,
  };
  const events: EventRow[] = [];
  const stepRows: StepRow[] = [];
  const openStep = (row: Omit<StepRow, 'seq' | 'completed_by' | 'completed_at' | 'outcome'>) =>
    stepRows.push({ ...row, seq: stepRows.length + 1, completed_by: null, completed_at: null, outcome: null });
  const closeStep = (at: Date, by: number | null) => {
    const s = stepRows.findLast((x) => x.completed_at === null);
    if (!s) return;
    s.completed_at = at;
    s.completed_by = by;
    s.outcome = s.due_at ? timeliness(at, s.due_at) : null;
  };
  let resultAt: Date | null = null;

  l.events.forEach((e, i) => {
    const at = times[i]!;
    const actor = who(e, i);
    const field = `events.${i}`;
    const from: DossierStatus | null = i === 0 ? null : d.status;
    let data: Record<string, unknown> | null = null;
    const action = e.action as DossierAction | 'submit_online';
    if (i > 0) {
      if (action === 'submit_online') throw new Bad(`${field}.action`, 'submit_online is only the first event of an online dossier');
      // The state machine's own table: which statuses each action leaves, and where it goes.
      const rule = TRANSITIONS[action];
      if (!(rule.from as readonly DossierStatus[]).includes(d.status))
        throw new Bad(
          `${field}.action`,
          `illegal transition: cannot ${action.replaceAll('_', ' ')} a dossier that is ${d.status.replaceAll('_', ' ')} (allowed from: ${rule.from.join(', ')})`,
        );
      const requires: ActionRequirements = rule.requires;
      if (requires.reason && !e.note?.trim()) throw new Bad(`${field}.note`, `${requires.reason} is required`);
      if (requires.newDueAt && !e.newDueAt) throw new Bad(`${field}.newDueAt`, 'the new date of the apology is required');
      d.status = rule.to === 'same' ? d.status : rule.to;
    } else d.status = action === 'submit_online' ? 'submitted' : 'received';
    if (e.newDueAt !== undefined && action !== 'apologize') throw new Bad(`${field}.newDueAt`, 'only an apology proposes a new date');
    if (e.paidOnline !== undefined && action !== 'payment_received')
      throw new Bad(`${field}.paidOnline`, 'only a payment_received event says how the fees were paid');

    switch (action) {
      case 'submit_online':
        break;
      case 'receive': {
        const due = calendar.dueDate(at, d.limit_value, d.limit_unit as LimitUnit);
        d.received_at = at;
        d.due_at = due;
        d.original_due_at = due;
        d.current_unit_id = point.id;
        if (i === 0 && actor.kind === 'staff') d.created_by = actor.id;
        data = { due: due.toISOString() };
        openStep({
          role: 'receive',
          from_unit_id: null,
          to_unit_id: point.id,
          handed_by: actor.id,
          handed_at: at,
          due_at: stepDueAt(calendar, at, due, body.steps, 0),
        });
        break;
      }
      case 'forward': {
        let target: ProcessingStep | undefined;
        if (from === 'received') {
          const notDigitized = body.components.filter((c) => c.required && !comps.some((x) => x.component_code === c.code && x.digitized));
          if (notDigitized.length)
            throw new Bad(
              `${field}.action`,
              `forwarded before every required component was digitized; not digitized: ${notDigitized.map((c) => c.code).join(', ')}`,
            );
          target = steps[0];
        } else target = steps.find((s) => s.index > d.current_step);
        if (!target)
          throw new Bad(
            `${field}.action`,
            `illegal transition: the dossier is at the last processing step of ${v.code}: issue the result or stop`,
          );
        const toUnit = target.agency === 'competent' ? competent : ctx.unitByKey(target.agency);
        if (!toUnit)
          throw new Bad('procedureCode', `procedure ${v.code} has a step at agency ${target.agency}, which this province does not have`);
        const dueAt = stepDueAt(calendar, d.received_at!, d.due_at!, body.steps, target.index);
        closeStep(at, actor.id);
        openStep({
          role: target.role,
          from_unit_id: d.current_unit_id,
          to_unit_id: toUnit.id,
          handed_by: actor.id,
          handed_at: at,
          due_at: dueAt,
        });
        d.current_unit_id = toUnit.id;
        d.current_step = target.index;
        data = { toUnitId: toUnit.id, step: target.role };
        break;
      }
      case 'request_supplement':
        d.paused_at = at;
        d.supplement_count += 1;
        break;
      case 'supplement_received': {
        const pausedAt = d.paused_at!;
        const waited = calendar.workingMsBetween(pausedAt, at);
        const due = calendar.resume(d.due_at!, pausedAt, at, d.limit_unit as LimitUnit);
        const moved = calendar.workingMsBetween(d.due_at!, due);
        const open = stepRows.findLast((x) => x.completed_at === null);
        if (moved > 0 && open?.due_at) open.due_at = calendar.addWorkingMs(open.due_at, moved);
        data = { pausedWorkingMs: waited, workingDaysWaited: calendar.workingDaysWaited(pausedAt, at), due: due.toISOString() };
        d.paused_at = null;
        d.paused_ms += waited;
        d.due_at = due;
        break;
      }
      case 'request_payment':
        data = { amountVnd: d.fee_total_vnd };
        break;
      case 'payment_received':
        d.paid_at = at;
        if (e.paidOnline) {
          d.paid_online = true;
          data = { method: 'online' };
        }
        break;
      case 'refuse':
      case 'withdraw':
      case 'stop':
        closeStep(at, actor.id);
        d.decided_at = at;
        d.current_unit_id = null;
        d.paused_at = null;
        break;
      case 'result': {
        const last = steps[steps.length - 1];
        if (last && d.current_step !== last.index)
          throw new Bad(
            `${field}.action`,
            `illegal transition: the result is issued at the last processing step of ${v.code} (step ${last.index}); the dossier is at step ${d.current_step}: forward it first`,
          );
        closeStep(at, actor.id);
        openStep({
          role: 'return',
          from_unit_id: d.current_unit_id,
          to_unit_id: returnPoint.id,
          handed_by: actor.id,
          handed_at: at,
          due_at: d.due_at,
        });
        d.decided_at = at;
        d.current_unit_id = returnPoint.id;
        resultAt = at;
        break;
      }
      case 'return':
        closeStep(at, actor.id);
        d.returned_at = at;
        d.current_unit_id = null;
        break;
      case 'apologize': {
        if (d.apology_due_at) throw new Bad(`${field}.action`, 'an apology with a new date was already issued for this dossier');
        try {
          d.apology_due_at = rescheduledDueAt(calendar, instant(e.newDueAt!, `${field}.newDueAt`), d.due_at!, at);
        } catch (err) {
          if (err instanceof DomainError) throw new Bad(`${field}.newDueAt`, err.message.split(' / ').pop()!);
          throw err;
        }
        data = { newDueAt: d.apology_due_at.toISOString(), legalDueAt: d.due_at!.toISOString() };
        break;
      }
    }
    d.portal_status = PORTAL_STATUS[d.status];
    events.push({
      seq: i + 1,
      province_code: point.province_code,
      action,
      from_status: from,
      to_status: d.status,
      actor_kind: actor.kind,
      actor_id: actor.id,
      unit_id: actor.unitId,
      at,
      note: e.note ?? null,
      data: data ? JSON.stringify(data) : null,
    });
  });

  let result: ImportedDossier['result'] = null;
  if (l.result) {
    if (!resultAt) throw new Bad('result', 'an electronic result needs a result event');
    const b64 = l.result.fileBase64;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) throw new Bad('result.fileBase64', 'is not base64');
    const file = Buffer.from(b64, 'base64');
    if (file.length > MAX_RESULT_BYTES)
      throw new Bad('result.fileBase64', `the file is ${file.length} bytes; the limit is ${MAX_RESULT_BYTES}`);
    result = {
      file,
      title: body.resultNameVi,
      documentType: body.resultDocumentType ?? null,
      issuerUnitId: competent.id,
      issuedAt: resultAt,
    };
  }
  let rating: ImportedDossier['rating'] = null;
  if (l.rating) {
    if (d.status !== 'returned')
      throw new Bad('rating', `a dossier is rated once its result is returned; this one ends ${d.status.replaceAll('_', ' ')}`);
    const at = instant(l.rating.at, 'rating.at');
    if (at < d.returned_at!) throw new Bad('rating.at', 'is before the result was returned: times out of order');
    if (at > ctx.now) throw new Bad('rating.at', 'is in the future');
    rating = { rating: l.rating.value, comment: l.rating.comment?.trim() || null, created_at: at };
  }
  return {
    code: l.code,
    contentSha256: sha256Hex(canonicalize(l) ?? ''),
    dossier: d,
    components: comps,
    events,
    steps: stepRows,
    result,
    rating,
    codeCounter: codeCounter(l.code, point),
    open: DUPLICATE_STATUSES.includes(d.status),
  };
}
