// Intake throughput: dossiers received per second through HTTP (POST /dossiers with 3 components),
// next to the raw database ceiling for the same rows measured in the same run.
// Run: npx tsx bench/intake.bench.ts — prints figures only (see bench/README.md for the knobs).

import pg from 'pg';
import { CompiledQuery, sql } from 'kysely';
import { verifyAudit } from '../src/audit/audit.service.js';
import { loadConfig } from '../src/platform/config.js';
import { benchPoolSize, kindsToRun, openBenchDatabase, type BenchDatabase } from './lib/databases.js';
import { runLoad } from './lib/load.js';
import { settle, waitUntilQuiet } from './lib/quiesce.js';
import { login, startProvince, uploadPdfAs } from './lib/province.js';
import { runRawIntake, type Exec, type RawFixture, type RawResult } from './lib/raw-intake.js';
import { PROCEDURE } from './lib/requests.js';
import {
  benchPostgresPids,
  benchSeconds,
  countQueries,
  cpuBetween,
  cpuSnapshot,
  f1,
  f2,
  int,
  machineLine,
  medianRatio,
  pct,
  serverVersion,
  type CpuSnapshot,
} from './lib/report.js';

const SECONDS = benchSeconds();
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
// The raw ceiling is the best of several client counts: on a small machine fewer clients contend less for the same
// counter and audit-head rows and for the cores, and more of them wait on the disk together; no one count is best everywhere.
const RAW_CLIENTS = (process.env.BENCH_RAW_CLIENTS ?? '4,8,16')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const WARMUP_SECONDS = 2;
const ROUNDS = Math.max(1, Number(process.env.BENCH_INTAKE_ROUNDS ?? 3));
const RAW_DAY = '2000-01-01'; // raw rows take their codes on another day than the HTTP run's, so codes never meet
const queryCount = countQueries();

function rawLine(label: string, r: RawResult, cpu: Cpu): string {
  const pgCpu =
    cpu.kind === 'postgres'
      ? `; CPU per dossier: PostgreSQL ${f2(cpu.db)} ms, client ${f2(cpu.self)} ms`
      : `; CPU per dossier (PGlite runs in this process) ${f2(cpu.self)} ms`;
  return `  ${label}: ${f1(r.perSecond)} dossiers/s (${int(r.committed)} committed in ${f1(r.seconds)} s, ${r.failed} failed), p50 ${f2(r.latencyMs.p50)} ms, p99 ${f2(r.latencyMs.p99)} ms${pgCpu}${r.firstError ? ` — first error: ${r.firstError}` : ''}`;
}

interface Cpu {
  kind: 'postgres' | 'pglite';
  self: number;
  db: number;
}

/** Milliseconds of CPU per unit of work between two snapshots: this process, and the benchmark's PostgreSQL processes. */
async function cpuPer(b: BenchDatabase, c0: CpuSnapshot, c1: CpuSnapshot, n: number): Promise<Cpu> {
  const used = cpuBetween(c0, c1, b.kind === 'postgres' ? await benchPostgresPids(b.database.db) : undefined);
  return { kind: b.kind, self: (used.self * 1000) / Math.max(1, n), db: (used.postgres * 1000) / Math.max(1, n) };
}

async function rawExecs(b: BenchDatabase, clients: number): Promise<{ execs: Exec[]; close: () => Promise<void> }> {
  if (b.kind === 'postgres') {
    const conns = await Promise.all(
      Array.from({ length: clients }, async () => {
        const c = new pg.Client({ connectionString: b.url });
        await c.connect();
        return c;
      }),
    );
    // Named (prepared) statements, parsed and planned once per connection, as the app's pool does (database.ts).
    const names = new Map<string, string>();
    const nameOf = (text: string) => names.get(text) ?? (names.set(text, `raw_${names.size + 1}`), names.get(text)!);
    const execs: Exec[] = conns.map(
      (c) => (text, params) => (params.length ? c.query({ name: nameOf(text), text, values: params }) : c.query(text)),
    );
    return { execs, close: async () => void (await Promise.all(conns.map((c) => c.end()))) };
  }
  // PGlite is one connection: hold it for the whole raw run, concurrency 1 (its statements are prepared by database.ts).
  let release!: () => void;
  let ready!: (exec: Exec) => void;
  const gotExec = new Promise<Exec>((r) => (ready = r));
  const held = b.database.db.connection().execute(async (conn) => {
    ready(async (text, params) => conn.executeQuery(CompiledQuery.raw(text, params)));
    await new Promise<void>((r) => (release = r));
  });
  return {
    execs: [await gotExec],
    close: async () => {
      release();
      await held;
    },
  };
}

/** Dossiers written through HTTP so far (raw rows take their codes on RAW_DAY, 2000-01-01: yymmdd 000101). */
async function countHttpDossiers(b: BenchDatabase): Promise<number> {
  const r = await b.database.db
    .selectFrom('dossiers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('created_by', 'is not', null)
    .where('code', 'not like', '%-000101-%')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function benchOne(kind: 'postgres' | 'pglite'): Promise<void> {
  const poolSize = benchPoolSize(loadConfig({}).poolSize);
  const b = await openBenchDatabase(kind, { poolSize });
  try {
    const province = await startProvince(b, { trackingPerMinute: 10_000_000 });
    const { clerks, url } = province;
    const version = await serverVersion(b.database.db);
    const clientCounts = kind === 'pglite' ? [1] : RAW_CLIENTS;
    console.log(
      `\nintake on ${b.label} ${version}: app pool ${b.kind === 'pglite' ? '1 (PGlite is one connection)' : poolSize}, ${clerks.length} service points (one clerk each), procedure ${PROCEDURE} with 3 components (2 uploads + population database)`,
    );

    const tokens: string[] = [];
    for (const c of clerks) tokens.push(await login(url, c.username));
    // A file is its uploader's: every point uploads the same two scans (the same hashes), as each clerk scans their own.
    const files = { tk: await uploadPdfAs(url, tokens, 'To khai bench'), gcs: await uploadPdfAs(url, tokens, 'Giay chung sinh bench') };

    // --- raw ceiling ---
    const version_ = await b.database.db
      .selectFrom('procedure_versions as v')
      .innerJoin('procedures as p', 'p.id', 'v.procedure_id')
      .select(['v.id', 'v.procedure_id'])
      .where('p.code', '=', PROCEDURE)
      .orderBy('v.effective_from', 'desc')
      .executeTakeFirstOrThrow();
    const communes = await province.services.org.listCommunes();
    const fixture: RawFixture = {
      provinceCode: communes[0]!.province_code,
      procedureId: version_.procedure_id,
      versionId: version_.id,
      committees: Object.fromEntries(communes.map((c) => [c.code, c.committee_unit_id])),
      points: clerks,
      files,
      day: RAW_DAY,
      auditKey: b.auditKey,
    };
    let raw = await rawExecs(b, Math.max(...clientCounts));
    const who = (n: number) => (kind === 'pglite' ? '1 client (PGlite is a single connection)' : `${n} concurrent pg clients`);
    let rawIndex = 1_000_000;
    await runRawIntake(raw.execs, fixture, { seconds: 1, mode: 'one-statement', firstIndex: rawIndex }); // warm-up
    rawIndex += 100_000;
    const rawRun = async (mode: 'one-statement' | 'separate', clients: number) => {
      if (kind === 'postgres') await settle(b.database.db); // (PGlite: the raw run holds its only connection)
      const c0 = cpuSnapshot();
      const r = await runRawIntake(raw.execs.slice(0, clients), fixture, { seconds: SECONDS, mode, firstIndex: rawIndex });
      const c1 = cpuSnapshot();
      rawIndex += 1_000_000;
      const label =
        mode === 'one-statement'
          ? `raw, one statement per dossier (its own transaction), ${who(clients)}`
          : `raw, BEGIN + 8 statements + COMMIT per dossier, ${who(clients)}`;
      console.log(rawLine(label, r, await cpuPer(b, c0, c1, r.committed)));
      return r;
    };
    // --- HTTP ---
    const httpRun = async (round: number): Promise<number> => {
      await settle(b.database.db);
      const before = await countHttpDossiers(b);
      const q0 = queryCount();
      const c0 = cpuSnapshot();
      const http = await runLoad({
        url,
        connections: CONNECTIONS,
        seconds: SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        scenario: { kind: 'intake', tokens, files, firstIndex: round * 100_000 },
      });
      await waitUntilQuiet(b.database.db); // requests abandoned by the load generator at its deadline still finish
      const c1 = cpuSnapshot();
      const queries = queryCount() - q0;
      const created = http.status['201'] ?? 0;
      const others =
        Object.entries(http.status)
          .filter(([s]) => s !== '201')
          .map(([s, n]) => `${s}: ${n}`)
          .join(', ') || 'none';
      console.log(
        `  HTTP POST /dossiers, ${CONNECTIONS} connections, autocannon in a child process: ${f1(created / http.seconds)} dossiers/s (201: ${int(created)} in ${f1(http.seconds)} s; non-2xx: ${int(http.non2xx)} [${others}]; socket errors: ${http.errors}, timeouts: ${http.timeouts}), latency p50 ${f2(http.latencyMs.p50)} ms, p90 ${f2(http.latencyMs.p90)} ms, p99 ${f2(http.latencyMs.p99)} ms, max ${f2(http.latencyMs.max)} ms`,
      );
      const rows = (await countHttpDossiers(b)) - before;
      // Counted over the warm-up and the measured run together, so divided by every dossier they wrote.
      const cpu = await cpuPer(b, c0, c1, rows);
      const where =
        kind === 'postgres'
          ? `server process ${f2(cpu.self)} ms, PostgreSQL ${f2(cpu.db)} ms`
          : `server process with PGlite in it ${f2(cpu.self)} ms`;
      console.log(
        `  per HTTP dossier (warm-up included): ${f2(queries / Math.max(1, rows))} database queries (BEGIN/COMMIT included); CPU: ${where}, load generator ${f2((http.cpuSeconds * 1000) / Math.max(1, created))} ms`,
      );
      return created / http.seconds;
    };

    // Rounds of raw then HTTP, back to back: the machine's speed drifts over a minute (a shared host), so each HTTP
    // run is set against the raw run just before it, and the median of the rounds' ratios is the figure.
    const ratios: number[] = [];
    let best = { clients: clientCounts[0]!, perSecond: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      console.log(`  round ${round + 1} of ${ROUNDS}`);
      let ceiling = 0;
      if (round === 0) {
        for (const n of clientCounts) {
          const r = await rawRun('one-statement', n);
          if (r.perSecond > best.perSecond) best = { clients: n, perSecond: r.perSecond };
        }
        await rawRun('separate', best.clients); // how the app wrote them before, at the best client count
        ceiling = best.perSecond;
      } else ceiling = (await rawRun('one-statement', best.clients)).perSecond;
      if (kind === 'pglite') {
        // PGlite: the raw runs hold its only connection; let it go for the HTTP run and take it again after.
        await raw.close();
      }
      const perSecond = await httpRun(round);
      if (kind === 'pglite' && round + 1 < ROUNDS) raw = await rawExecs(b, 1);
      ratios.push(perSecond / ceiling);
      console.log(
        `  round ${round + 1}: HTTP / raw ceiling (${f1(ceiling)} dossiers/s, the best raw line of the round) = ${pct(perSecond, ceiling)}`,
      );
    }
    if (kind === 'postgres') await raw.close();
    const m = medianRatio(ratios);
    console.log(`  HTTP / raw ceiling, median of ${ROUNDS} rounds: ${m.median} (rounds: ${m.rounds})`);

    // The rollup worker ran during the load; one last catch-up, then its count must be every receipt's.
    await province.close();
    await province.services.kpi.catchUp();
    const kpi = await sql<{ rolled: number; events: number }>`
      select (select coalesce(sum(received), 0)::int from kpi_daily) as rolled,
             (select count(*)::int from dossier_events where action = 'receive') as events`.execute(b.database.db);
    const audit = await verifyAudit(b.database.db, b.auditKey);
    const dups = await sql<{
      n: number;
    }>`select count(*)::int as n from (select code from dossiers group by code having count(*) > 1) x`.execute(b.database.db);
    console.log(
      `  integrity after the run: audit chains ${audit.ok ? 'verify' : `BROKEN (${audit.problems.length} problems)`} (${int(audit.entries)} entries in ${audit.streams} streams); duplicate dossier codes: ${dups.rows[0]?.n ?? '?'}; KPI rollups count ${int(kpi.rows[0]!.rolled)} receipts of ${int(kpi.rows[0]!.events)} receive events`,
    );
    for (const p of audit.problems.slice(0, 3)) console.log(`    audit problem: ${p.stream} #${p.seq}: ${p.reason}`);
  } finally {
    await b.dispose();
  }
}

console.log(machineLine());
for (const kind of kindsToRun()) await benchOne(kind);
