// Profiling helper, not one of the benchmarks: drives POST /dossiers for a while and prints CPU per dossier.
// Profile the server during the load with: BENCH_PROFILE=/tmp/intake.cpuprofile npx tsx bench/profile-intake.ts
// (BENCH_DB, BENCH_SECONDS, MOTCUA_DB_POOL apply).
import { openBenchDatabase } from './lib/databases.js';
import { runLoad } from './lib/load.js';
import { login, startProvince, uploadPdfAs } from './lib/province.js';
import { benchPostgresPids, countQueries, cpuBetween, cpuSnapshot } from './lib/report.js';
import { profiled } from './lib/cpu-profile.js';

const q = countQueries(); // before any connection opens, so every client is counted
const kind = (process.env.BENCH_DB ?? 'postgres') as 'postgres' | 'pglite';
const b = await openBenchDatabase(kind, { poolSize: Number(process.env.MOTCUA_DB_POOL ?? 10) });
try {
  const p = await startProvince(b);
  const tokens: string[] = [];
  for (const c of p.clerks) tokens.push(await login(p.url, c.username));
  const files = { tk: await uploadPdfAs(p.url, tokens, 'a'), gcs: await uploadPdfAs(p.url, tokens, 'b') };
  const q0 = q();
  const c0 = cpuSnapshot();
  const r = await profiled(process.env.BENCH_PROFILE, () =>
    runLoad({
      url: p.url,
      connections: 32,
      seconds: Number(process.env.BENCH_SECONDS ?? 8),
      warmupSeconds: 0,
      scenario: { kind: 'intake', tokens, files, firstIndex: 0 },
    }),
  );
  const c1 = cpuSnapshot();
  const used = cpuBetween(c0, c1, kind === 'postgres' ? await benchPostgresPids(b.database.db) : undefined);
  const n = r.status['201'] ?? 0;
  console.log(
    JSON.stringify({
      perSecond: r.perSecond.toFixed(1),
      status: r.status,
      p50: r.latencyMs.p50.toFixed(1),
      p99: r.latencyMs.p99.toFixed(1),
      queriesPer: ((q() - q0) / n).toFixed(2),
      msCpuPerDossier: {
        server: ((used.self * 1000) / n).toFixed(2),
        postgres: ((used.postgres * 1000) / n).toFixed(2),
        loadgen: ((r.cpuSeconds * 1000) / n).toFixed(2),
      },
    }),
  );
  await p.close();
} finally {
  await b.dispose();
}
