// The province's ten years, generated for the leaders' benchmark: N dossiers of the demo province with their events,
// components and ratings, written into PostgreSQL by COPY (pg-copy-streams) in one pass, the way pg_restore loads a
// dump (indexes and constraints after the rows). Deterministic for a seed.
//
// Each dossier's life: received at a counter (70 %), online (25 %: submitted by the citizen, then received) or by
// post (5 %); refused (2 %) or withdrawn (1 %); otherwise forwarded to the competent agency, a supplement asked for
// (8 %, twice in 1 in 10 of those), then decided — early (60 %), on the due date (30 %), late (10 %) — as a result
// (99 %) or a stop, and the result returned (95 %); rated by 30 % of those who got it back. The last ten days' are
// still in progress. Due dates are receipt + the procedure's limit in calendar days (the generator does not need the
// legal calendar: the rollups compare the decision with the due date stored on the dossier, whatever it is).

import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { mulberry32 } from '../../src/demo/demo.model.js';

export interface TenYearsOptions {
  url: string;
  dossiers: number;
  /** The last day of the history (local), YYYY-MM-DD; it starts 3,652 days before. */
  lastDay: string;
  seed?: number;
  log?: (m: string) => void;
}

interface Refs {
  points: number[];
  /** Commune code → its committee and its center. */
  communes: { code: string; committee: number; center: number }[];
  versions: {
    procedure_id: number;
    id: number;
    level: 'province' | 'commune';
    agency_id: number | null;
    limit_days: number;
    limit_value: number;
    limit_unit: string;
  }[];
  clerks: Map<number, number>;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

async function refs(client: pg.Client): Promise<Refs> {
  const points = (await client.query(`select id from units where kind in ('center', 'branch') order by id`)).rows.map((r) => Number(r.id));
  const communes = (await client.query(`select code, committee_unit_id, center_unit_id from communes order by code`)).rows.map((r) => ({
    code: r.code as string,
    committee: Number(r.committee_unit_id),
    center: Number(r.center_unit_id),
  }));
  const versions = (
    await client.query(`
      select distinct on (v.procedure_id) v.procedure_id, v.id, v.level, u.id as agency_id, v.limit_value, v.limit_unit
      from procedure_versions v left join units u on u.key = v.agency_key
      order by v.procedure_id, v.effective_from desc`)
  ).rows.map((r) => ({
    procedure_id: Number(r.procedure_id),
    id: Number(r.id),
    level: r.level as 'province' | 'commune',
    agency_id: r.agency_id === null ? null : Number(r.agency_id),
    // Working hours count as a day; working days as calendar days and a weekend in seven.
    limit_days: r.limit_unit === 'working-hours' ? 1 : Math.max(1, Math.round((Number(r.limit_value) * 7) / 5)),
    limit_value: Number(r.limit_value),
    limit_unit: r.limit_unit as string,
  }));
  const clerks = new Map(
    (await client.query(`select distinct on (unit_id) unit_id, id from staff where role = 'clerk' order by unit_id, id`)).rows.map((r) => [
      Number(r.unit_id),
      Number(r.id),
    ]),
  );
  return { points, communes, versions, clerks };
}

const ts = (t: number) => new Date(t).toISOString();
/** COPY's text format: tab-separated, \N for null, backslash escapes (none of the generated values need them). */
const line = (xs: (string | number | boolean | null)[]) => `${xs.map((x) => (x === null ? '\\N' : String(x))).join('\t')}\n`;

interface Structure {
  table: string;
  name: string;
  kind: 'index' | 'unique' | 'foreign';
  /** What recreates it. */
  ddl: string;
}

/**
 * Drops the secondary indexes, unique and foreign-key constraints of `tables` (and the foreign keys that point at
 * them), keeping the primary keys; returns what recreates them.
 */
async function dropStructures(client: pg.Client, tables: string[]): Promise<Structure[]> {
  // Foreign keys first (ordered by contype: 'f' before 'u'), as they are dropped; a unique constraint may back one.
  const constraints = (
    await client.query(
      `select conrelid::regclass::text as table, conname as name, contype, pg_get_constraintdef(oid) as def from pg_constraint
       where (contype = 'u' and conrelid = any($1::regclass[]))
          or (contype = 'f' and (conrelid = any($1::regclass[]) or confrelid = any($1::regclass[])))
       order by contype, 1, 2`,
      [tables],
    )
  ).rows.map((r): Structure => ({
    table: r.table,
    name: r.name,
    kind: r.contype === 'f' ? 'foreign' : 'unique',
    ddl: `alter table ${r.table} add constraint ${r.name} ${r.def}`,
  }));
  const indexes = (
    await client.query(
      `select i.indrelid::regclass::text as table, i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def
       from pg_index i where i.indrelid = any($1::regclass[]) and not i.indisprimary
         and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid) order by 1, 2`,
      [tables],
    )
  ).rows.map((r): Structure => ({ table: r.table, name: r.name, kind: 'index', ddl: r.def }));
  for (const c of constraints) await client.query(`alter table ${c.table} drop constraint ${c.name}`);
  for (const i of indexes) await client.query(`drop index ${i.name}`);
  return [...indexes, ...constraints];
}

/** Recreates what dropStructures dropped: the indexes and unique constraints on two connections, then each foreign key. */
async function restoreStructures(url: string, structures: Structure[]) {
  const builds = structures.filter((s) => s.kind !== 'foreign');
  const workers = await Promise.all(
    [0, 1].map(async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`set maintenance_work_mem = '512MB'`);
      return c;
    }),
  );
  try {
    let next = 0;
    await Promise.all(
      workers.map(async (c) => {
        while (next < builds.length) await c.query(builds[next++]!.ddl);
      }),
    );
    // Adding a foreign key locks both tables against another such addition: one at a time.
    for (const f of structures.filter((s) => s.kind === 'foreign')) await workers[0]!.query(f.ddl);
  } finally {
    await Promise.all(workers.map((c) => c.end()));
  }
}

/** A COPY into `table` on its own connection, written to as rows come; `write` waits while the server is behind. */
async function copyIn(url: string, table: string, columns: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const stream = client.query(copyStreams.from(`copy ${table} (${columns}) from stdin`));
  let failure: Error | null = null;
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', (e: Error) => {
      failure = e;
      reject(e);
    });
  });
  finished.catch(() => {});
  return {
    async write(chunk: string) {
      if (failure) throw failure;
      if (chunk && !stream.write(chunk))
        await new Promise<void>((resolve, reject) => {
          stream.once('drain', resolve);
          finished.catch(reject);
        });
    },
    async end() {
      stream.end();
      try {
        await finished;
      } finally {
        await client.end();
      }
    },
  };
}

/** Writes the ten years; returns the rows written per table and the seconds taken. */
export async function generateTenYears(o: TenYearsOptions) {
  const log = o.log ?? (() => {});
  const rng = mulberry32(o.seed ?? 766);
  const client = new pg.Client({ connectionString: o.url });
  await client.connect();
  const t0 = performance.now();
  try {
    const r = await refs(client);
    if (!r.versions.length || !r.communes.length) throw new Error('ten years: import the province and its catalog first');
    const first = (await client.query(`select coalesce(max(id), 0)::bigint as id from dossiers`)).rows[0].id as string;
    const firstId = Number(first) + 1;
    const end = Date.parse(`${o.lastDay}T17:00:00+07:00`);
    const start = end - 3652 * DAY;
    const firstOpening = Date.parse(`${o.lastDay}T08:00:00+07:00`) - 3651 * DAY;
    const counts = { dossiers: 0, events: 0, components: 0, ratings: 0 };
    const dossierRows: string[] = [];
    const eventRows: string[] = [];
    const componentRows: string[] = [];
    const ratingRows: string[] = [];

    // The identity of a COPY'd row is the sequence's next value: the bench database is private, so the n-th dossier
    // written is id firstId + n (checked after the load).
    const dossierColumns =
      'code, province_code, procedure_id, procedure_version_id, channel, status, portal_status, receiving_unit_id, competent_agency_id, current_unit_id, return_point_id, applicant_id_number, applicant_name, applicant_phone, applicant_address, applicant_commune_code, limit_value, limit_unit, submitted_at, received_at, due_at, original_due_at, paused_ms, supplement_count, decided_at, returned_at, event_seq, created_at, updated_at, tracking_token';
    const portal: Record<string, number> = { processing: 4, refused: 3, withdrawn: 7, stopped: 8, result_ready: 9, returned: 10 };

    // The tracking token the database would draw (motcua_tracking_token), drawn here from the seeded generator.
    const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
    const token = () => {
      let t = '';
      for (let i = 0; i < 12; i++) t += ALPHABET[Math.floor(rng() * 32)];
      return t;
    };

    function dossier(n: number) {
      const id = firstId + n;
      // Receipts spread evenly over the ten years, in office hours (08:00–16:00 local).
      const received = firstOpening + Math.floor((n / o.dossiers) * 3652) * DAY + Math.floor(rng() * 8 * HOUR);
      const v = r.versions[Math.floor(rng() * r.versions.length)]!;
      const commune = r.communes[Math.floor(rng() * r.communes.length)]!;
      const agency = v.level === 'commune' || v.agency_id === null ? commune.committee : v.agency_id;
      const point = v.level === 'commune' ? commune.center : r.points[Math.floor(rng() * r.points.length)]!;
      const x = rng();
      const channel = x < 0.7 ? 1 : x < 0.95 ? 2 : 3;
      const clerk = r.clerks.get(point) ?? null;
      // The due date a receipt or a supplement sets, in the event's data as the app writes it ({"due": …}).
      const events: [string, string | null, string, 'staff' | 'citizen', number | null, number, number, number?][] = [];
      const submitted = channel === 2 ? received - Math.floor(rng() * 20 * HOUR) - HOUR : null;
      if (submitted !== null) events.push(['submit_online', null, 'submitted', 'citizen', null, point, submitted]);
      const due = received + v.limit_days * DAY;
      events.push(['receive', channel === 2 ? 'submitted' : null, 'received', 'staff', clerk, point, received, due]);
      let status = 'processing';
      let decided: number | null = null;
      let returned: number | null = null;
      let paused = 0;
      let supplements = 0;
      let current: number | null = agency;
      const open = received > end - 10 * DAY;
      const fate = rng();
      if (fate < 0.02) {
        events.push(['refuse', 'received', 'refused', 'staff', clerk, point, received + HOUR]);
        status = 'refused';
        current = null;
      } else if (fate < 0.03) {
        events.push(['withdraw', 'received', 'withdrawn', 'staff', clerk, point, received + 2 * HOUR]);
        status = 'withdrawn';
        current = null;
      } else {
        events.push(['forward', 'received', 'processing', 'staff', clerk, point, received + HOUR]);
        let t = received + 2 * HOUR;
        if (rng() < 0.08) {
          const times = rng() < 0.1 ? 2 : 1;
          for (let i = 0; i < times; i++) {
            const wait = (1 + Math.floor(rng() * 3)) * DAY;
            events.push(['request_supplement', 'processing', 'supplement_requested', 'staff', null, agency, t]);
            paused += wait;
            events.push(['supplement_received', 'supplement_requested', 'processing', 'staff', clerk, point, t + wait, due + paused]);
            t += wait + HOUR;
            supplements++;
          }
        }
        const dueNow = due + paused;
        if (!open) {
          const y = rng();
          // Early: a day or more before the due date; on time: its last hours; late: a day or two after.
          decided =
            y < 0.6
              ? Math.max(t, dueNow - (1 + Math.floor(rng() * 2)) * DAY)
              : y < 0.9
                ? Math.max(t, dueNow - 2 * HOUR)
                : dueNow + (1 + Math.floor(rng() * 2)) * DAY;
          const stop = rng() < 0.01;
          events.push([stop ? 'stop' : 'result', 'processing', stop ? 'stopped' : 'result_ready', 'staff', null, agency, decided]);
          status = stop ? 'stopped' : 'result_ready';
          current = stop ? null : point;
          if (!stop && rng() < 0.95) {
            returned = decided + (1 + Math.floor(rng() * 48)) * HOUR;
            events.push(['return', 'result_ready', 'returned', 'staff', clerk, point, returned]);
            status = 'returned';
            current = null;
            if (rng() < 0.3) {
              const z = rng();
              ratingRows.push(line([id, z < 0.85 ? 'satisfied' : z < 0.95 ? 'acceptable' : 'not_satisfied', null, ts(returned + HOUR)]));
            }
          }
        }
      }
      const idNumber = `0${String(37_000_000_000 + n).padStart(11, '0')}`;
      dossierRows.push(
        line([
          `BENCH-${String(n).padStart(9, '0')}`,
          '37',
          v.procedure_id,
          v.id,
          channel,
          status,
          portal[status] ?? 4,
          point,
          agency,
          current,
          point,
          idNumber,
          'Công dân mẫu',
          '0900000000',
          'Số 1 đường Mẫu',
          commune.code,
          v.limit_value,
          v.limit_unit,
          submitted === null ? null : ts(submitted),
          ts(received),
          ts(due + paused),
          ts(due),
          paused,
          supplements,
          decided === null ? null : ts(decided),
          returned === null ? null : ts(returned),
          events.length,
          ts(submitted ?? received),
          ts(returned ?? decided ?? received),
          token(),
        ]),
      );
      events.forEach(([action, from, to, kind, actor, unit, at, dueAt], i) =>
        eventRows.push(
          line([id, '37', i + 1, action, from, to, kind, actor, unit, ts(at), dueAt === undefined ? null : `{"due":"${ts(dueAt)}"}`]),
        ),
      );
      // One component a dossier: from the population database (40 %), else paper, scanned at receipt (97 %).
      const source = rng() < 0.4 ? 'population_db' : 'paper';
      componentRows.push(
        line([id, 'TP1', 'Thành phần hồ sơ', 'original', 1, true, source, source === 'population_db' || rng() < 0.97, ts(received)]),
      );
    }

    // Like pg_restore: the four tables lose their secondary indexes, unique and foreign-key constraints for the
    // load and get them back after it (built by sorting, not row by row; each foreign key checked by one join), and
    // each table is written by one COPY on its own connection for the whole load, fed as rows are generated, so the
    // generator and the server work at once. Dossiers go in generation order on one stream: the n-th is id firstId + n.
    const total = o.dossiers;
    const tables = ['dossiers', 'dossier_events', 'dossier_components', 'ratings'];
    const structures = await dropStructures(client, tables);
    log(`dropped ${structures.length} indexes and constraints for the load`);
    try {
      const streams = await Promise.all(
        [
          ['dossiers', dossierColumns],
          ['dossier_events', 'dossier_id, province_code, seq, action, from_status, to_status, actor_kind, actor_id, unit_id, at, data'],
          ['dossier_components', 'dossier_id, component_code, name_vi, form, count, required, source, digitized, added_at'],
          ['ratings', 'dossier_id, rating, comment, created_at'],
        ].map(([table, columns]) => copyIn(o.url, table!, columns!)),
      );
      const buffers = [dossierRows, eventRows, componentRows, ratingRows];
      const CHUNK = 2_000;
      for (let b = 0; b < total; b += CHUNK) {
        const n = Math.min(CHUNK, total - b);
        for (let i = 0; i < n; i++) dossier(b + i);
        counts.dossiers += dossierRows.length;
        counts.events += eventRows.length;
        counts.components += componentRows.length;
        counts.ratings += ratingRows.length;
        await Promise.all(buffers.map((rows, k) => streams[k]!.write(rows.join(''))));
        for (const rows of buffers) rows.length = 0;
        if (b % 500_000 === 0 && b > 0)
          log(
            `… ${counts.dossiers.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} dossiers (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
          );
      }
      await Promise.all(streams.map((x) => x.end()));
      log(`rows copied in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    } finally {
      const t = performance.now();
      await restoreStructures(o.url, structures);
      log(`indexes and constraints rebuilt in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    }
    const check = (
      await client.query(
        `select min(id)::bigint as lo, max(id)::bigint as hi, count(*)::bigint as n from dossiers where code like 'BENCH-%'`,
      )
    ).rows[0];
    if (Number(check.lo) !== firstId || Number(check.hi) !== firstId + total - 1 || Number(check.n) !== total)
      throw new Error(`ten years: dossier ids ${check.lo}..${check.hi} (${check.n}) are not ${firstId}..${firstId + total - 1}`);
    return { ...counts, seconds: (performance.now() - t0) / 1000, from: ts(start).slice(0, 10), to: o.lastDay };
  } finally {
    await client.end();
  }
}
