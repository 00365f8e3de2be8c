// Public tracking: GET /public/dossiers/:code?token=… (the receipt's QR code) requests per second and latency,
// next to a bare Fastify endpoint returning a small JSON, measured in the same run and the same process model;
// then the fallback, ?phone=NNNN, whose every guess is counted in the database before it is checked.
// Run: npx tsx bench/tracking.bench.ts — prints figures only (see bench/README.md for the knobs).

import { loadConfig } from '../src/platform/config.js';
import { recordAnswer, startBare } from './lib/bare.js';
import { benchPoolSize, kindsToRun, openBenchDatabase } from './lib/databases.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { login, startProvince, uploadPdfAs } from './lib/province.js';
import { intakeBody } from './lib/requests.js';
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
} from './lib/report.js';

const SECONDS = benchSeconds();
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DOSSIERS = Number(process.env.BENCH_TRACKING_DOSSIERS ?? 3000);
const WARMUP_SECONDS = 2;
// Bare and token runs alternate this many times: on a shared 2-core VM one run's ratio swings by ±15 points,
// so the figure to quote is the median of the rounds' ratios (each round's pair ran back to back).
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const queryCount = countQueries();

function line(label: string, r: LoadResult, extra = ''): string {
  const others =
    Object.entries(r.status)
      .filter(([s]) => s !== '200')
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ') || 'none';
  return `  ${label}: ${f1(r.perSecond)} requests/s (200: ${int(r.status['200'] ?? 0)} in ${f1(r.seconds)} s; non-2xx: ${int(r.non2xx)} [${others}]; socket errors: ${r.errors}, timeouts: ${r.timeouts}), latency p50 ${f2(r.latencyMs.p50)} ms, p90 ${f2(r.latencyMs.p90)} ms, p99 ${f2(r.latencyMs.p99)} ms, max ${f2(r.latencyMs.max)} ms${extra}`;
}

async function benchOne(kind: 'postgres' | 'pglite'): Promise<void> {
  const poolSize = benchPoolSize(loadConfig({}).poolSize);
  const b = await openBenchDatabase(kind, { poolSize });
  try {
    const province = await startProvince(b, { trackingPerMinute: 10_000_000 });
    const version = await serverVersion(b.database.db);
    console.log(
      `\ntracking on ${b.label} ${version}: app pool ${kind === 'pglite' ? '1 (PGlite is one connection)' : poolSize}, ${int(DOSSIERS)} distinct dossiers, every third forwarded (2-event timelines), ${CONNECTIONS} connections, autocannon in a child process`,
    );

    // Seed through the use cases (no HTTP): received at rotating service points, a third forwarded.
    const actors = [];
    const tokens: string[] = [];
    for (const c of province.clerks) tokens.push(await login(province.url, c.username));
    for (const t of tokens) actors.push(await province.services.auth.authenticate(t));
    // Each point attaches its own upload of the same scans.
    const files = {
      tk: await uploadPdfAs(province.url, tokens, 'To khai tracking'),
      gcs: await uploadPdfAs(province.url, tokens, 'Giay chung sinh tracking'),
    };
    const byToken: { code: string; query: string }[] = [];
    const byPhone: { code: string; query: string }[] = [];
    const t0 = performance.now();
    for (let i = 0; i < DOSSIERS; i++) {
      const actor = actors[i % actors.length]!;
      const body = intakeBody(500_000 + i, files);
      const d = await province.services.dossiers.receiveAtCounter(actor, body);
      if (i % 3 === 0) await province.services.dossiers.transition(actor, d.code, 'forward', { version: d.version });
      byToken.push({ code: d.code, query: `token=${d.trackingToken}` });
      byPhone.push({ code: d.code, query: `phone=${body.applicant.phone.slice(-4)}` });
    }
    console.log(`  seeded ${int(DOSSIERS)} dossiers in ${f1((performance.now() - t0) / 1000)} s`);

    // Bare endpoint, same process model: server in this process, load generator in a child process.
    // And the same server replaying one tracking answer byte for byte (headers and body): how much of the gap to the
    // bare endpoint is the answer's size alone, whatever the route does to make it.
    const sample = await recordAnswer(`${province.url}/public/dossiers/${byToken[0]!.code}?${byToken[0]!.query}`);
    const bare = await startBare(sample);
    const bareRun = (path: string) =>
      runLoad({
        url: bare.url,
        connections: CONNECTIONS,
        seconds: SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        scenario: { kind: 'get', path },
      });
    const runBare = () => bareRun('/bare');

    // Tracking. Warm-up inside the worker runs first; queries and CPU are counted over warm-up + measured run.
    const measure = async (label: string, short: string, targets: { code: string; query: string }[], reference: LoadResult) => {
      const q0 = queryCount();
      const c0 = cpuSnapshot();
      const tracking = await runLoad({
        url: province.url,
        connections: CONNECTIONS,
        seconds: SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        scenario: { kind: 'tracking', targets },
      });
      const c1 = cpuSnapshot();
      const queries = queryCount() - q0;
      console.log(line(label, tracking));
      const served = tracking.responses + tracking.warmupResponses;
      const used = cpuBetween(c0, c1, kind === 'postgres' ? await benchPostgresPids(b.database.db) : undefined);
      const pgCpu = kind === 'postgres' ? `, PostgreSQL ${f2((used.postgres * 1000) / served)} ms` : ' (PGlite included)';
      console.log(
        `    per request (warm-up included): ${f2(queries / served)} database queries; CPU: server process ${f2((used.self * 1000) / served)} ms${pgCpu}, load generator ${f2((tracking.cpuSeconds * 1000) / tracking.responses)} ms`,
      );
      console.log(
        `    ${short} / bare: ${pct(tracking.perSecond, reference.perSecond)} of the requests per second; p99 ${f2(tracking.latencyMs.p99)} ms`,
      );
      return tracking.perSecond / reference.perSecond;
    };
    const ratios: number[] = [];
    const sameRatios: number[] = [];
    let lastBare: LoadResult | undefined;
    for (let round = 1; round <= ROUNDS; round++) {
      lastBare = await runBare();
      console.log(`  round ${round} of ${ROUNDS}`);
      console.log(line('bare Fastify GET /bare (small JSON)', lastBare));
      ratios.push(await measure('GET /public/dossiers/:code?token=… (the QR code)', 'tracking by token', byToken, lastBare));
      const same = await bareRun('/same-bytes');
      console.log(
        line(
          `bare Fastify replaying a tracking answer (${int(Buffer.byteLength(sample.body))} bytes of JSON, ${sample.headers.length} headers)`,
          same,
        ),
      );
      sameRatios.push(same.perSecond / lastBare.perSecond);
      console.log(`    same bytes / bare: ${pct(same.perSecond, lastBare.perSecond)} of the requests per second`);
    }
    await bare.app.close();
    const token = medianRatio(ratios);
    console.log(`  tracking by token / bare over ${ROUNDS} alternating rounds: median ${token.median} (rounds: ${token.rounds})`);
    const same = medianRatio(sameRatios);
    console.log(
      `  the tracking answer's bytes alone, replayed by the bare server / bare: median ${same.median} (rounds: ${same.rounds}; the ceiling of any route sending them)`,
    );
    // Every request from one address: the fallback's counts all land on the same address row, the worst case.
    await measure('GET /public/dossiers/:code?phone=NNNN (the fallback)', 'tracking by phone digits', byPhone, lastBare!);
    await province.close();
  } finally {
    await b.dispose();
  }
}

console.log(machineLine());
for (const kind of kindsToRun()) await benchOne(kind);
