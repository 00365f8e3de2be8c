// The raw database ceiling of intake: the rows one counter intake writes, inserted directly
// (no HTTP, no validation, no Kysely), one transaction per dossier, from N concurrent clients.
//
// Rows per dossier, as the app writes them: the dossier code counter upsert, the dossier row,
// its 3 components, its 'receive' event (with its portal outbox and notice queue rows), its process-control step, and its HMAC-chained audit
// entry covering the event (head upsert + log row, the event's digest and the HMAC computed in SQL
// exactly as platform/audit-chain.repository.ts does, the key's pads passed as parameters); and the
// reads and writes the app's statement does besides: the look-up of an open duplicate, and the close
// of the clerk's intakes in progress for the applicant.

import { randomBytes } from 'node:crypto';
import { auditPayload, GENESIS_HASH, type AuditKey } from '../../src/platform/audit-chain.model.js';
import { eventDigestSql } from '../../src/platform/audit-chain.repository.js';
import { TOKEN_LENGTH, trackingToken } from '../../src/tracking/tracking.model.js';
import { applicantOf } from './requests.js';

/** Runs one SQL text with parameters on one connection. */
export type Exec = (text: string, params: unknown[]) => Promise<unknown>;

export interface RawFixture {
  provinceCode: string;
  procedureId: number;
  versionId: number;
  /** commune code → commune committee unit id (the competent agency of 1.001193). */
  committees: Record<string, number>;
  points: { unitId: number; agencyCode: string; staffId: number }[];
  files: { tk: string; gcs: string };
  /** 'YYYY-MM-DD' used for the counters and codes of raw rows (apart from the HTTP run's day). */
  day: string;
  /** The audit key the app uses in the same run. */
  auditKey: AuditKey;
}

const COMPONENTS = (files: RawFixture['files']) => [
  {
    component_code: 'TK',
    name_vi: 'Tờ khai đăng ký khai sinh',
    form: 'original',
    count: 1,
    required: true,
    source: 'upload',
    blob_sha256: files.tk,
    store_document_id: null,
    digitized: true,
  },
  {
    component_code: 'GCS',
    name_vi: 'Giấy chứng sinh',
    form: 'original',
    count: 1,
    required: true,
    source: 'upload',
    blob_sha256: files.gcs,
    store_document_id: null,
    digitized: true,
  },
  {
    component_code: 'CCCD',
    name_vi: 'Căn cước của người đi đăng ký',
    form: 'copy',
    count: 1,
    required: true,
    source: 'population_db',
    blob_sha256: null,
    store_document_id: null,
    digitized: true,
  },
];

// A code longer than 4 digits of sequence only happens here (the app refuses a 10,000th dossier a day).
const CODE_SQL = `$1::text || lpad(c.last::text, greatest(4, length(c.last::text)), '0')`;

const DOSSIER_COLUMNS = `code, province_code, procedure_id, procedure_version_id, channel, status, portal_status,
  receiving_unit_id, competent_agency_id, current_unit_id, return_point_id,
  applicant_id_number, applicant_name, applicant_phone, applicant_email, applicant_address, applicant_commune_code,
  fast_track, limit_value, limit_unit, fee_total_vnd, submitted_at, received_at, due_at, original_due_at,
  created_by, created_at, updated_at, event_seq, tracking_token`;

const DOSSIER_VALUES = `$4::text, $5::int, $6::int, 1, 'received', 2,
  $7::int, $8::int, $7::int, $7::int,
  $9::text, $10::text, $11::text, null, $12::text, $13::text,
  false, 1, 'working-days', 0, null, $14::timestamptz, $15::timestamptz, $15::timestamptz,
  $16::int, $14::timestamptz, $14::timestamptz, 1, $31::text`;

// An uploaded component's file is the receiving point's own upload ('unit:<id>'), checked by the same foreign key as the app's.
const COMPONENT_INSERT = `insert into dossier_components (dossier_id, component_code, name_vi, form, count, required, source, blob_sha256, store_document_id, digitized, uploaded_by)
  select d.id, x.component_code, x.name_vi, x.form, x.count, x.required, x.source, x.blob_sha256, x.store_document_id, x.digitized,
    case when x.source = 'upload' then 'unit:' || $7::int end
  from d, jsonb_to_recordset($17::jsonb) as x(component_code text, name_vi text, form text, count smallint, required boolean, source text, blob_sha256 text, store_document_id bigint, digitized boolean)`;

const EVENT_INSERT = `insert into dossier_events as e (dossier_id, province_code, seq, action, from_status, to_status, actor_kind, actor_id, unit_id, at, note, data)
  select d.id, d.province_code, d.event_seq, 'receive', null, d.status, 'staff', $16::int, $7::int, $14::timestamptz, null, $18::jsonb from d
  returning e.dossier_id, e.seq, ${eventDigestSql('e')} as digest`;

const STEP_INSERT = `insert into dossier_steps (dossier_id, seq, role, from_unit_id, to_unit_id, handed_by, handed_at, due_at)
  select d.id, 1, 'receive', null, $7::int, $16::int, $14::timestamptz, $19::timestamptz from d`;

// The portal sync's outbox row (src/dossiers/dossier.repository.ts PORTAL_OUTBOX_CTE), written with the dossier.
const OUTBOX_UPSERT = `insert into portal_sync as ps (dossier_id, pending_seq, pending_since, next_attempt_at)
    select dossier_id, seq, $14::timestamptz, $14::timestamptz from ev
    on conflict (dossier_id) do update set pending_seq = greatest(ps.pending_seq, excluded.pending_seq),
      pending_since = case when ps.acked_seq >= ps.pending_seq then excluded.pending_since else ps.pending_since end,
      next_attempt_at = case when ps.acked_seq >= ps.pending_seq then excluded.next_attempt_at else ps.next_attempt_at end`;
const OUTBOX_CTE = `po as (${OUTBOX_UPSERT})`;
// The notice queue's row of the 'receive' event (dossier.repository.ts NOTICE_QUEUE_CTE), written with it too.
const NOTICE_CTE = `nq as (insert into notice_queue (dossier_id, seq) select dossier_id, seq from ev)`;

/** HMAC-SHA256 of a SQL text under the key whose inner and outer pads are the parameters $i and $o (bytea). */
const hmac = (message: string, i: number, o: number) =>
  `encode(sha256($${o}::bytea || sha256($${i}::bytea || convert_to(${message}, 'UTF8'))), 'hex')`;

// $20 stream, $21/$22/$23/$24/$25 the payload around the dossier code, event dossier id, event seq and event digest,
// $26 actor kind, $27 action, $28 entity type, $29/$30 the audit key's inner/outer pads, $31 the tracking token
// (drawn by the client, as the app draws it).
const AUDIT_CTE = `h as (
    insert into audit_heads as ah (stream, seq, prev_hash, hash, updated_at)
    select $20::text, 1, '${GENESIS_HASH}', ${hmac(`'${GENESIS_HASH}' || E'\\n' || $20::text || E'\\n1\\n' || p.payload`, 29, 30)}, $14::timestamptz
    from p
    on conflict (stream) do update set
      seq = ah.seq + 1,
      prev_hash = ah.hash,
      hash = ${hmac(`ah.hash || E'\\n' || ah.stream || E'\\n' || (ah.seq + 1)::text || E'\\n' || (select payload from p)`, 29, 30)},
      updated_at = $14::timestamptz
    returning seq, prev_hash, hash
  )`;

/**
 * One statement: every row of the intake, a single round trip (a single statement is its own transaction). As the app's
 * (dossier.repository.ts newDossierStatement), it first looks for an open dossier of the same procedure for the same
 * applicant and writes nothing when there is one (the counter is conditional on its absence, everything else reads
 * from c or d), closes the clerk's intakes in progress for the applicant, and reports the duplicate it found, if any.
 */
const ONE_STATEMENT = `
  with dup as (
    select id, code, status, received_at, submitted_at, receiving_unit_id from dossiers
    where applicant_id_number = $9::text and procedure_id = $5::int
      and status in ('submitted', 'received', 'processing', 'supplement_requested', 'awaiting_payment')
    order by id limit 1
  ), c as (
    insert into dossier_code_counters as cc (prefix, day, last) select $2::text, $3::text, 1 where not exists (select 1 from dup)
    on conflict (prefix, day) do update set last = cc.last + 1
    returning last
  ), d as (
    insert into dossiers (${DOSSIER_COLUMNS})
    select ${CODE_SQL}, ${DOSSIER_VALUES} from c
    returning id, code, province_code, event_seq, status
  ), comp as (${COMPONENT_INSERT}
  ), ev as (${EVENT_INSERT}
  ), st as (${STEP_INSERT}
  ), ${OUTBOX_CTE}, ${NOTICE_CTE}, p as (
    select d.code, $21::text || d.code || $22::text || ev.dossier_id::text || $23::text || ev.seq::text || $24::text || ev.digest || $25::text
      as payload from d, ev
  ), ci as (
    update intakes i set closed_at = $14::timestamptz, dossier_id = d.id from d
    where i.staff_id = $16::int and i.id_number = $9::text and i.closed_at is null
  ), ${AUDIT_CTE}, al as (
    insert into audit_log (stream, seq, at, actor_kind, actor_id, action, entity_type, entity_id, payload, prev_hash, hash)
    select $20::text, h.seq, $14::timestamptz, $26::text, $16::int, $27::text, $28::text, p.code, p.payload, h.prev_hash, h.hash
    from h, p
  )
  select d.code, dup.code as dup_code, dup.status as dup_status, dup.received_at as dup_received_at, dup.receiving_unit_id as dup_unit
  from (select 1) one left join d on true left join dup on true`;

/** The same rows as the app wrote them before any merging (with the portal outbox and notice queue rows since): BEGIN, 8 statements, COMMIT. */
const SEPARATE = {
  counter: `insert into dossier_code_counters as cc (prefix, day, last) values ($1::text, $2::text, 1)
    on conflict (prefix, day) do update set last = cc.last + 1 returning last`,
  dossier: `insert into dossiers (${DOSSIER_COLUMNS}) select $1::text, ${DOSSIER_VALUES.replace(/\$(\d+)/g, (_m, n: string) => (n === '31' ? '$15' : `$${Number(n) - 2}`))} returning *`,
};

export interface RawResult {
  clients: number;
  seconds: number;
  committed: number;
  failed: number;
  perSecond: number;
  latencyMs: { p50: number; p99: number };
  firstError?: string;
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;
}

/** Parameters of the i-th raw dossier (the same applicants and service-point rotation as the HTTP run). */
function paramsOf(f: RawFixture, i: number, at: Date) {
  const point = f.points[i % f.points.length]!;
  const a = applicantOf(i);
  const due = new Date(at.getTime() + 24 * 3_600_000);
  const yymmdd = `${f.day.slice(2, 4)}${f.day.slice(5, 7)}${f.day.slice(8, 10)}`;
  // The payload as the app writes it, cut around what the statement assigns: the code (inside its JSON string) and
  // the event's dossier id, seq (JSON numbers) and digest (inside its JSON string).
  const marks = ['\u0001CODE\u0001', '\u0001ID\u0001', '\u0001SEQ\u0001', '\u0001DIGEST\u0001'] as const;
  const payload = auditPayload(
    {
      actorKind: 'staff',
      actorId: point.staffId,
      stream: `unit:${point.unitId}`,
      action: 'dossier.receive',
      entityType: 'dossier',
      entityId: marks[0],
      data: { version: 1, status: 'received' },
      event: { dossierId: marks[1] as unknown as number, seq: marks[2] as unknown as number, digest: marks[3] },
    },
    at,
  );
  const cuts = [
    JSON.stringify(marks[0]).slice(1, -1),
    JSON.stringify(marks[1]),
    JSON.stringify(marks[2]),
    JSON.stringify(marks[3]).slice(1, -1),
  ];
  const pieces: string[] = [];
  let rest = payload;
  for (const cut of cuts) {
    const i = rest.indexOf(cut);
    pieces.push(rest.slice(0, i));
    rest = rest.slice(i + cut.length);
  }
  pieces.push(rest);
  return { point, a, due, codePrefix: `${point.agencyCode}-${yymmdd}-`, pieces };
}

/** Writes raw dossiers from each exec (one connection each) until `seconds` have passed. */
export async function runRawIntake(
  execs: Exec[],
  f: RawFixture,
  opts: { seconds: number; mode: 'one-statement' | 'separate'; firstIndex: number },
): Promise<RawResult> {
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let next = opts.firstIndex;
  const components = JSON.stringify(COMPONENTS(f.files));
  const [inner, outer] = f.auditKey.pads();
  const start = performance.now();
  const deadline = start + opts.seconds * 1000;
  const one = async (exec: Exec) => {
    const i = next++;
    const at = new Date();
    const { point, a, due, codePrefix, pieces } = paramsOf(f, i, at);
    const committee = f.committees[a.communeCode]!;
    const stream = `unit:${point.unitId}`;
    if (opts.mode === 'one-statement') {
      await exec(ONE_STATEMENT, [
        codePrefix,
        point.agencyCode,
        f.day,
        f.provinceCode,
        f.procedureId,
        f.versionId,
        point.unitId,
        committee,
        a.idNumber,
        a.name,
        a.phone,
        a.address,
        a.communeCode,
        at,
        due,
        point.staffId,
        components,
        JSON.stringify({ due: due.toISOString() }),
        due,
        stream,
        ...pieces,
        'staff',
        'dossier.receive',
        'dossier',
        inner,
        outer,
        trackingToken(randomBytes(TOKEN_LENGTH)),
      ]);
      return;
    }
    await exec('begin', []);
    try {
      const c = (await exec(SEPARATE.counter, [point.agencyCode, f.day])) as { rows: { last: number }[] };
      const seq = c.rows[0]!.last;
      const code = `${codePrefix}${String(seq).padStart(4, '0')}`;
      const d = (await exec(SEPARATE.dossier, [
        code,
        f.provinceCode,
        f.procedureId,
        f.versionId,
        point.unitId,
        committee,
        a.idNumber,
        a.name,
        a.phone,
        a.address,
        a.communeCode,
        at,
        due,
        point.staffId,
        trackingToken(randomBytes(TOKEN_LENGTH)),
      ])) as { rows: { id: number }[] };
      const id = d.rows[0]!.id;
      const rows = COMPONENTS(f.files);
      const values = rows
        .map(
          (_r, k) =>
            `($1, $${k * 10 + 2}, $${k * 10 + 3}, $${k * 10 + 4}, $${k * 10 + 5}, $${k * 10 + 6}, $${k * 10 + 7}, $${k * 10 + 8}, $${k * 10 + 9}, $${k * 10 + 10}, $${k * 10 + 11})`,
        )
        .join(', ');
      await exec(
        `insert into dossier_components (dossier_id, component_code, name_vi, form, count, required, source, blob_sha256, store_document_id, digitized, uploaded_by) values ${values}`,
        [
          id,
          ...rows.flatMap((r) => [
            r.component_code,
            r.name_vi,
            r.form,
            r.count,
            r.required,
            r.source,
            r.blob_sha256,
            r.store_document_id,
            r.digitized,
            r.source === 'upload' ? `unit:${point.unitId}` : null,
          ]),
        ],
      );
      const ev = (await exec(
        `insert into dossier_events as e (dossier_id, province_code, seq, action, from_status, to_status, actor_kind, actor_id, unit_id, at, note, data) values ($1, $2, 1, 'receive', null, 'received', 'staff', $3, $4, $5, null, $6)
        returning ${eventDigestSql('e')} as digest`,
        [id, f.provinceCode, point.staffId, point.unitId, at, JSON.stringify({ due: due.toISOString() })],
      )) as { rows: { digest: string }[] };
      const payload = `${pieces[0]}${code}${pieces[1]}${id}${pieces[2]}1${pieces[3]}${ev.rows[0]!.digest}${pieces[4]}`;
      await exec(
        `with h as (
          insert into audit_heads as ah (stream, seq, prev_hash, hash, updated_at)
          values ($1::text, 1, '${GENESIS_HASH}', ${hmac(`'${GENESIS_HASH}' || E'\\n' || $1::text || E'\\n1\\n' || $2::text`, 6, 7)}, $3::timestamptz)
          on conflict (stream) do update set seq = ah.seq + 1, prev_hash = ah.hash,
            hash = ${hmac(`ah.hash || E'\\n' || ah.stream || E'\\n' || (ah.seq + 1)::text || E'\\n' || $2::text`, 6, 7)}, updated_at = $3::timestamptz
          returning seq, prev_hash, hash)
        insert into audit_log (stream, seq, at, actor_kind, actor_id, action, entity_type, entity_id, payload, prev_hash, hash)
        select $1::text, h.seq, $3::timestamptz, 'staff', $4::int, 'dossier.receive', 'dossier', $5::text, $2::text, h.prev_hash, h.hash from h`,
        [stream, payload, at, point.staffId, code, inner, outer],
      );
      await exec(
        `insert into dossier_steps (dossier_id, seq, role, from_unit_id, to_unit_id, handed_by, handed_at, due_at) values ($1, 1, 'receive', null, $2, $3, $4, $5)`,
        [id, point.unitId, point.staffId, at, due],
      );
      await exec(
        `insert into portal_sync (dossier_id, pending_seq, pending_since, next_attempt_at) values ($1, 1, $2, $2)
        on conflict (dossier_id) do update set pending_seq = greatest(portal_sync.pending_seq, excluded.pending_seq)`,
        [id, at],
      );
      await exec(`insert into notice_queue (dossier_id, seq) values ($1, 1)`, [id]);
      await exec('commit', []);
    } catch (e) {
      await exec('rollback', []).catch(() => undefined);
      throw e;
    }
  };
  await Promise.all(
    execs.map(async (exec) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await one(exec);
          latencies.push(performance.now() - t0);
        } catch (e) {
          failed++;
          firstError ??= String((e as Error).message ?? e);
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((x, y) => x - y);
  return {
    clients: execs.length,
    seconds,
    committed: latencies.length,
    failed,
    perSecond: latencies.length / seconds,
    latencyMs: { p50: pct(latencies, 50), p99: pct(latencies, 99) },
    ...(firstError ? { firstError } : {}),
  };
}
