// Exports: GET /kpi/export/costly-dossiers.xlsx of BENCH_EXPORT_ROWS (default 100,000) dossiers decided late, over
// real HTTP from the app in a child process (bench/lib/export-server.ts, so its memory is the server's alone): time,
// bytes and the server's peak resident memory; next to the same rows as CSV, and the raw SQL query of the same rows
// (the repository's statement, once without a limit, and page by page as the export reads it), in the same run.
// Run: npx tsx bench/export.bench.ts — prints figures only (see bench/README.md for the knobs).

import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import ExcelJS from 'exceljs';
import { hashPassword } from '../src/auth/auth.service.js';
import { AuditKey } from '../src/platform/audit-chain.model.js';
import { MemoryBlobStore } from '../src/platform/blob-store.js';
import { createServices } from '../src/services.js';
import { costlyDossierPages, costlyDossiers } from '../src/kpi/kpi.repository.js';
import { insertLateDossiers } from '../test/costly-rows.js';
import { TEST_CATALOG } from '../test/fixtures.js';
import { kindsToRun, openBenchDatabase, type BenchDbKind } from './lib/databases.js';
import { BENCH_ORG, PASSWORD } from './lib/province.js';
import { f1, f2, int, machineLine, serverVersion } from './lib/report.js';

const ROWS = Number(process.env.BENCH_EXPORT_ROWS ?? 100_000);
/** The node flags in package.json's start script (`tsx --max-old-space-size=256 src/cli.ts serve`). */
const START_FLAGS = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }
).scripts.start
  .split(/\s+/)
  .filter((a) => /^--max-[a-z-]+=\d+$/.test(a))
  .join(' ');
const SERVER = fileURLToPath(new URL('./lib/export-server.ts', import.meta.url));
const FROM = '2025-01-01';
const TO = '2025-12-31';
const MB = (n: number) => `${f1(n / 2 ** 20)} MB`;

/** A child's next message of a kind. */
const reply = <T>(child: ChildProcess, kind: string) =>
  new Promise<T>((resolve, reject) => {
    const on = (m: { kind: string }) => {
      if (m.kind !== kind) return;
      child.off('message', on);
      child.off('exit', exit);
      resolve(m as T);
    };
    const exit = (code: number | null) => reject(new Error(`export server exited with ${code}`));
    child.on('message', on);
    child.once('exit', exit);
  });

/** One download over HTTP, read to its end: seconds to the first byte and to the last, bytes, the server's peak memory. */
async function download(child: ChildProcess, url: string, token: string) {
  child.send({ kind: 'reset' });
  await reply(child, 'reset');
  const t0 = performance.now();
  const r = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (r.status !== 200) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  let first = 0;
  let bytes = 0;
  let lines = 0;
  const chunks: Buffer[] = [];
  const keep = url.includes('.xlsx');
  for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
    if (!first) first = performance.now();
    bytes += chunk.length;
    if (keep) chunks.push(Buffer.from(chunk));
    else for (const b of chunk) if (b === 10) lines++;
  }
  const seconds = (performance.now() - t0) / 1000;
  child.send({ kind: 'peak' });
  const mem = await reply<{ rss: number; peak: number; hwm: number | null }>(child, 'peak');
  return { seconds, firstByte: (first - t0) / 1000, bytes, lines, body: keep ? Buffer.concat(chunks) : null, mem };
}

/** The rows of an XLSX sheet, read back with exceljs's streaming reader (a check that the file is whole). */
async function xlsxRows(body: Buffer): Promise<number> {
  const { Readable } = await import('node:stream');
  let rows = 0;
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([body]), { worksheets: 'emit', sharedStrings: 'ignore' });
  for await (const sheet of reader) for await (const _row of sheet) rows++;
  return rows;
}

async function benchOne(kind: BenchDbKind): Promise<void> {
  const b = await openBenchDatabase(kind, { poolSize: 10 });
  let child: ChildProcess | undefined;
  try {
    const db = b.database.db;
    const services = createServices({
      db,
      blobs: new MemoryBlobStore(),
      clock: () => new Date(),
      auditKey: AuditKey.generate(),
      sessionTtlMinutes: 60,
      maxUploadBytes: 1 << 20,
    });
    await services.org.importOrg(BENCH_ORG);
    await services.catalog.importCatalog(null, TEST_CATALOG);
    const units = await services.org.listUnits();
    const unit = (key: string) => units.find((u) => u.key === key)!.id;
    await db
      .insertInto('staff')
      .values({
        username: 'bench.admin',
        password_hash: await hashPassword(PASSWORD),
        full_name: 'Quản trị',
        role: 'admin',
        unit_id: unit('PROVINCE'),
      })
      .execute();
    const t0 = performance.now();
    await insertLateDossiers(db, {
      n: ROWS,
      pointId: unit('TTPVHCC'),
      agencyId: unit('STP'),
      procedureCode: '2.000815',
      firstDay: FROM,
      days: 365,
      tie: 1,
      prefix: 'H40.98',
    });
    await sql`analyze dossiers`.execute(db);
    console.log(
      `\nexports on ${b.label} ${await serverVersion(db)}: ${int(ROWS)} dossiers decided late over ${FROM} – ${TO} (inserted in one statement in ${f1((performance.now() - t0) / 1000)} s), indicator 2.1 of the center`,
    );

    // The references, straight through the repository (no HTTP, no writer): the same statement, once without a
    // limit (every row in memory at once), then in the export's pages of 10,000.
    const filter = { from: FROM, to: TO, pointIds: [unit('TTPVHCC')], agencyIds: null };
    let q0 = performance.now();
    const all = await costlyDossiers(db, '2.1', filter, { endOf: filter.to }, ROWS + 1);
    const rawSeconds = (performance.now() - q0) / 1000;
    q0 = performance.now();
    let paged = 0;
    let pages = 0;
    for await (const page of costlyDossierPages(db, '2.1', filter, { endOf: filter.to }, 10_000)) {
      paged += page.length;
      pages++;
    }
    const pagedSeconds = (performance.now() - q0) / 1000;
    if (all.length !== ROWS || paged !== ROWS) throw new Error(`raw query: ${all.length} rows, paged ${paged}, expected ${ROWS}`);
    console.log(`  raw SQL, one query without a limit: ${f2(rawSeconds)} s for ${int(all.length)} rows`);
    console.log(`  raw SQL, keyset pages of 10,000 (as the export reads): ${f2(pagedSeconds)} s for ${int(paged)} rows in ${pages} pages`);

    // The server alone in a child process. PGlite is one process's: the parent lets go of it first.
    if (kind === 'pglite') await b.database.close();
    // The server's V8 flags: those `npm start` gives it (package.json's start script), or BENCH_SERVER_NODE_ARGS
    // ('' for none, --max-old-space-size=192 for another cap).
    const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? START_FLAGS).split(/\s+/).filter(Boolean);
    child = fork(SERVER, [], {
      execArgv: [...process.execArgv, ...nodeArgs],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, BENCH_SERVER_DATA_DIR: b.tmpDir, ...(b.url ? { BENCH_SERVER_DATABASE_URL: b.url } : {}) },
    });
    const { url } = await reply<{ url: string }>(child, 'ready');
    const login = await fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench.admin', password: PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const query = `indicator=2.1&unitId=${unit('TTPVHCC')}&from=${FROM}&to=${TO}`;
    child.send({ kind: 'peak' });
    const idle = await reply<{ rss: number }>(child, 'peak');
    console.log(
      `  server (a child process: the app and, on PGlite, the database${nodeArgs.length ? `; node ${nodeArgs.join(' ')}` : ''}) before the exports: ${MB(idle.rss)} resident`,
    );
    // One small export first, so that neither measured one pays for loading exceljs and csv-stringify.
    await download(child, `${url}/kpi/export/costly-dossiers.xlsx?${query.replace(FROM, TO)}`, token);

    const csv = await download(child, `${url}/kpi/export/costly-dossiers.csv?${query}`, token);
    if (csv.lines !== ROWS + 1) throw new Error(`CSV: ${csv.lines} lines, expected ${ROWS + 1}`);
    const xlsx = await download(child, `${url}/kpi/export/costly-dossiers.xlsx?${query}`, token);
    const sheetRows = await xlsxRows(xlsx.body!);
    if (sheetRows !== ROWS + 1) throw new Error(`XLSX: ${sheetRows} rows, expected ${ROWS + 1}`);
    const line = (label: string, d: Awaited<ReturnType<typeof download>>, rows: number) =>
      `  ${label}: ${f2(d.seconds)} s (first byte after ${f2(d.firstByte)} s), ${MB(d.bytes)} for ${int(rows)} rows and the header; server peak resident memory ${MB(d.mem.hwm ?? d.mem.peak)} (kernel's high-water mark; sampled every 10 ms: ${MB(d.mem.peak)}), ${MB(d.mem.rss)} after`;
    console.log(line('CSV  GET /kpi/export/costly-dossiers.csv ', csv, csv.lines - 1));
    console.log(line('XLSX GET /kpi/export/costly-dossiers.xlsx', xlsx, sheetRows - 1));
    console.log(
      `  XLSX / CSV: ${f2(xlsx.seconds / csv.seconds)}× the time; XLSX / raw query without a limit: ${f2(xlsx.seconds / rawSeconds)}×; XLSX / keyset pages: ${f2(xlsx.seconds / pagedSeconds)}×`,
    );
    child.send({ kind: 'stop' });
    await new Promise((r) => child!.once('exit', r));
    child = undefined;
  } finally {
    child?.kill();
    await b.dispose();
  }
}

console.log(machineLine());
for (const kind of kindsToRun()) await benchOne(kind);
