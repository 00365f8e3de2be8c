// The leaders' dashboards over a province's ten years (issue 9's targets), on PostgreSQL (BENCH_DB=pglite: over the
// demo province as `npm start` seeds it, its live months and the imported year before them):
// - loads BENCH_KPI_DOSSIERS dossiers (default 1,000,000; the target is 10,000,000) of the demo province with their
//   events, components and ratings by COPY (bench/lib/ten-years.ts), and prints the load rate;
// - rebuilds the rollups from the events (`motcua kpi rebuild`'s statement) and prints its time and rows;
// - asks every dashboard over HTTP (figures, scorecard, rankings, trends, productivity, a costly list) for the province,
//   a center, a commune's point and an agency, over ten years, a year, a quarter and this month so far, and prints
//   each one's p50 and p95 next to a bare endpoint's (GET /health) measured in the same run;
// - computes the province's ten-year figure by aggregating the raw dossier and event tables, next to the same figure
//   from the rollups, and prints the ratio.
// Run: npx tsx bench/kpi.bench.ts — figures only, never pass/fail (see bench/README.md).

import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { buildApp } from '../src/app.js';
import { hashPassword } from '../src/auth/auth.service.js';
import { DEMO_PASSWORD, demoFiles, seedDemo } from '../src/demo/seed.js';
import { MemoryBlobStore } from '../src/platform/blob-store.js';
import { loadConfig } from '../src/platform/config.js';
import { createServices, type Services } from '../src/services.js';
import { openBenchDatabase, type BenchDatabase, type BenchDbKind } from './lib/databases.js';
import { generateTenYears } from './lib/ten-years.js';
import { f1, int, machineLine, serverVersion } from './lib/report.js';

const DOSSIERS = Number(process.env.BENCH_KPI_DOSSIERS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_KPI_ROUNDS ?? 30);
const PASSWORD = 'bench-password-1';

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

/** PostgreSQL: the demo province's organization and catalog, and ten generated years by COPY. */
async function tenYears(b: BenchDatabase, services: Services) {
  const { province, catalog } = demoFiles();
  await services.org.importOrg(province);
  await services.catalog.importCatalog(null, catalog);
  const units = await services.org.listUnits();
  const hash = await hashPassword(PASSWORD);
  const center = units.find((u) => u.kind === 'center')!;
  const staff = [
    ...units
      .filter((u) => ['center', 'branch', 'commune_center'].includes(u.kind))
      .map((u) => ({ username: `clerk.${u.id}`, role: 'clerk' as const, unit_id: u.id })),
    { username: 'admin', role: 'admin' as const, unit_id: units.find((u) => u.kind === 'province')!.id },
    { username: 'manager', role: 'manager' as const, unit_id: center.id },
  ];
  for (const s of staff)
    await b.database.db
      .insertInto('staff')
      .values({ ...s, password_hash: hash, full_name: s.username })
      .execute();
  const load = await generateTenYears({ url: b.url!, dossiers: DOSSIERS, lastDay: yesterday, log: (m) => console.log(m) });
  const rows = load.dossiers + load.events + load.components + load.ratings;
  console.log(
    `load by COPY: ${int(load.dossiers)} dossiers, ${int(load.events)} events, ${int(load.components)} components, ${int(load.ratings)} ratings ` +
      `(${load.from} – ${load.to}) in ${f1(load.seconds)} s = ${int(rows / load.seconds)} rows/s`,
  );
  const t = performance.now();
  // As after a restore: vacuumed (the visibility map, for index-only scans) and analyzed, so that no autovacuum of
  // the fresh tables runs under the measurements.
  await sql`vacuum (analyze)`.execute(b.database.db);
  console.log(`vacuum (analyze): ${f1((performance.now() - t) / 1000)} s`);
  return { from: load.from, password: PASSWORD, admin: 'admin', manager: 'manager' };
}

/** PGlite: the demo province as `npm start` seeds it (its live months and the imported year before them). */
async function demoYear(b: BenchDatabase) {
  const t = performance.now();
  const r = await seedDemo(b.database.db, new MemoryBlobStore(), b.auditKey, { queueDays: 0 });
  console.log(`demo province seeded (${int(r.dossiers)} live dossiers and the imported year) in ${f1((performance.now() - t) / 1000)} s`);
  const first = await sql<{
    d: string;
  }>`select to_char(min(received_at) at time zone 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD') as d from dossiers`.execute(b.database.db);
  return { from: first.rows[0]!.d, password: DEMO_PASSWORD, admin: 'admin', manager: 'ql.tinh' };
}

const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

async function main() {
  const kind: BenchDbKind = process.env.BENCH_DB === 'pglite' ? 'pglite' : 'postgres';
  console.log(`# KPI dashboards over ${kind === 'postgres' ? 'ten years' : "the demo province's year"} — ${machineLine()}`);
  const b = await openBenchDatabase(kind, { poolSize: 10, suffix: 'kpi' });
  try {
    console.log(`database: ${kind === 'postgres' ? await serverVersion(b.database.db) : 'PGlite (embedded)'}`);
    const config = loadConfig({}, { logLevel: 'silent', dataDir: b.tmpDir, poolSize: 10 });
    const services = createServices({
      db: b.database.db,
      blobs: new MemoryBlobStore(),
      clock: () => new Date(),
      auditKey: b.auditKey,
      sessionTtlMinutes: 600,
      maxUploadBytes: 1 << 20,
      feed: b.database.feed,
    });
    const who = kind === 'postgres' ? await tenYears(b, services) : await demoYear(b);
    const units = await services.org.listUnits();
    const t = performance.now();
    const rebuilt = await services.kpi.rebuild();
    const monthly = Number((await sql<{ n: string }>`select count(*) as n from kpi_grains`.execute(b.database.db)).rows[0]!.n);
    console.log(
      `rollups rebuilt from the events: ${f1((performance.now() - t) / 1000)} s; kpi_daily ${int(rebuilt.rows)} rows, kpi_grains ${int(monthly)} rows`,
    );
    await sql`vacuum (analyze) kpi_daily, kpi_grains, kpi_clerk_daily`.execute(b.database.db);

    const app = await buildApp({ config, database: b.database, services, logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const token = async (username: string) => {
      const r = await fetch(`${url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: who.password }),
      });
      return ((await r.json()) as { token: string }).token;
    };
    const admin = await token(who.admin);
    const manager = await token(who.manager);
    const year = `${Number(today.slice(0, 4)) - 1}`;
    const decade = `from=${who.from}&to=${yesterday}`;
    const lastYear = `from=${year}-01-01&to=${year}-12-31`;
    const quarter = `from=${year}-07-01&to=${year}-09-30`;
    const thisMonth = `from=${today.slice(0, 8)}01&to=${today}`;
    const commune = units.find((u) => u.kind === 'commune_center')!;
    const agency = units.find((u) => u.kind === 'department')!;
    const asks: [string, string, string][] = [
      ['province · whole history · figures by year', admin, `/kpi/figures?${decade}&by=year`],
      ['province · whole history · figures by procedure', admin, `/kpi/figures?${decade}&by=procedure`],
      ['province · whole history · scorecard', admin, `/kpi/scorecard?${decade}`],
      ['province · whole history · monthly trend', admin, `/kpi/trends?${decade}&period=month`],
      ['province · a year · points ranked', admin, `/kpi/rankings?${lastYear}`],
      ['province · a year · agencies ranked', admin, `/kpi/rankings?${lastYear}&level=agency`],
      ['province · a year · weekly trend', admin, `/kpi/trends?${lastYear}&period=week`],
      ['province · this month · scorecard', admin, `/kpi/scorecard?${thisMonth}`],
      ['province · a year · productivity', admin, `/kpi/productivity?${lastYear}`],
      ['center (manager) · a quarter · scorecard', manager, `/kpi/scorecard?${quarter}`],
      ['center (manager) · whole history · figures by month', manager, `/kpi/figures?${decade}&by=month`],
      ['commune point · whole history · figures by procedure', admin, `/kpi/figures?unitId=${commune.id}&${decade}&by=procedure`],
      ['agency · a year · scorecard', admin, `/kpi/scorecard?unitId=${agency.id}&${lastYear}`],
      ['province · a quarter · late dossiers (2.1, 100)', admin, `/kpi/scorecard/2.1/dossiers?${quarter}&limit=100`],
    ];
    const time = async (who: string, path: string) => {
      const t0 = performance.now();
      const r = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${who}` } });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
      return performance.now() - t0;
    };
    // The bare endpoint: the same server, the same client, no database.
    for (let i = 0; i < 20; i++) await time(admin, '/health');
    const bare: number[] = [];
    for (let i = 0; i < ROUNDS; i++) bare.push(await time(admin, '/health'));
    console.log(`\nHTTP, ${ROUNDS} requests each after one warm-up (ms)      p50     p95`);
    console.log(
      `${'bare endpoint GET /health'.padEnd(52)} ${f1(quantile(bare, 0.5)).padStart(6)}  ${f1(quantile(bare, 0.95)).padStart(6)}`,
    );
    let worst = 0;
    let figureP50 = 0;
    for (const [name, who, path] of asks) {
      await time(who, path);
      const xs: number[] = [];
      for (let i = 0; i < ROUNDS; i++) xs.push(await time(who, path));
      const p95 = quantile(xs, 0.95);
      worst = Math.max(worst, p95);
      if (name.startsWith('province · whole history · figures by year')) figureP50 = quantile(xs, 0.5);
      console.log(`${name.padEnd(52)} ${f1(quantile(xs, 0.5)).padStart(6)}  ${f1(p95).padStart(6)}`);
    }
    console.log(
      `worst p95 of the dashboards: ${f1(worst)} ms (target ${kind === 'postgres' ? '≤ 100 ms over ten years' : '≤ 300 ms on PGlite'})`,
    );

    // The same figure from the raw tables: the province's ten years by year, aggregated from the events and dossiers.
    const raw = async () => {
      const t0 = performance.now();
      await sql`
        select date_trunc('year', (e.at at time zone 'UTC') + interval '7 hours') as y,
          count(*) filter (where e.action = 'receive') as received,
          count(*) filter (where e.action = 'receive' and d.channel = 2) as received_online,
          count(*) filter (where e.action in ('result', 'stop')) as decided,
          count(*) filter (where e.action in ('result', 'stop') and (d.supplement_count > 1 or e.at > d.due_at)) as late,
          count(*) filter (where e.action = 'result' and coalesce(c.digitized, true)) as digitized
        from dossier_events e
        join dossiers d on d.id = e.dossier_id
        left join lateral (select bool_and(x.digitized) as digitized from dossier_components x where x.dossier_id = d.id and e.action = 'result') c on true
        group by 1`.execute(b.database.db);
      return performance.now() - t0;
    };
    const rawRuns = [await raw(), await raw()];
    const rawMs = Math.min(...rawRuns);
    console.log(
      `\nraw aggregation of the events and dossiers (the same ten-year figure by year): ${int(rawMs)} ms (best of 2); ` +
        `from the rollups over HTTP: ${f1(figureP50)} ms p50 → ${int(rawMs / figureP50)}× faster (target ≥ 100× over ten years of dossiers)`,
    );
    await app.close();
  } finally {
    await b.dispose();
  }
}

await main();
