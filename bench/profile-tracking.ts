// Profiling helper, not one of the benchmarks: drives GET /public/dossiers/:code for a while and prints CPU per request.
// Profile the server during the load with: BENCH_PROFILE=/tmp/tracking.cpuprofile npx tsx bench/profile-tracking.ts
// (BENCH_DB, BENCH_SECONDS, MOTCUA_DB_POOL apply; BENCH_TARGET=bare drives the bare endpoint instead).
import { openBenchDatabase } from './lib/databases.js';
import { runLoad } from './lib/load.js';
import { login, startProvince, uploadPdf } from './lib/province.js';
import { intakeBody } from './lib/requests.js';
import { benchPostgresPids, countQueries, cpuBetween, cpuSnapshot } from './lib/report.js';
import { profiled } from './lib/cpu-profile.js';
import { startBare } from './lib/bare.js';

const q = countQueries(); // before any connection opens, so every client is counted
const kind = (process.env.BENCH_DB ?? 'postgres') as 'postgres' | 'pglite';
const b = await openBenchDatabase(kind, { poolSize: Number(process.env.MOTCUA_DB_POOL ?? 10) });
try {
  const p = await startProvince(b, { trackingPerMinute: 10_000_000 });
  const token = await login(p.url, p.clerks[0]!.username);
  const actor = await p.services.auth.authenticate(token);
  const files = { tk: await uploadPdf(p.url, token, 'a'), gcs: await uploadPdf(p.url, token, 'b') };
  const targets: { code: string; query: string }[] = [];
  for (let i = 0; i < 500; i++) {
    const body = intakeBody(i, files);
    const d = await p.services.dossiers.receiveAtCounter(actor, body);
    targets.push({ code: d.code, query: `token=${d.trackingToken}` });
  }
  // BENCH_TARGET=bare drives the bare Fastify endpoint of tracking.bench.ts instead, to compare profiles.
  const bare = process.env.BENCH_TARGET === 'bare' ? await startBare() : undefined;
  const q0 = q();
  const c0 = cpuSnapshot();
  const r = await profiled(process.env.BENCH_PROFILE, () =>
    runLoad({
      url: bare?.url ?? p.url,
      connections: 32,
      seconds: Number(process.env.BENCH_SECONDS ?? 8),
      warmupSeconds: 0,
      scenario: bare ? { kind: 'get', path: '/bare' } : { kind: 'tracking', targets },
    }),
  );
  await bare?.app.close();
  const c1 = cpuSnapshot();
  const used = cpuBetween(c0, c1, kind === 'postgres' ? await benchPostgresPids(b.database.db) : undefined);
  const n = r.responses;
  console.log(
    JSON.stringify({
      perSecond: r.perSecond.toFixed(1),
      status: r.status,
      p50: r.latencyMs.p50.toFixed(2),
      p99: r.latencyMs.p99.toFixed(2),
      queriesPer: ((q() - q0) / n).toFixed(2),
      msCpuPerRequest: {
        server: ((used.self * 1000) / n).toFixed(3),
        postgres: ((used.postgres * 1000) / n).toFixed(3),
        loadgen: ((r.cpuSeconds * 1000) / n).toFixed(3),
      },
    }),
  );
  await p.close();
} finally {
  await b.dispose();
}
