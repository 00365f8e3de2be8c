// Not a benchmark: drives POST /dossiers for a while so the server process can be profiled (--cpu-prof).
import { openBenchDatabase } from './lib/databases.js';
import { runLoad } from './lib/load.js';
import { login, startProvince, uploadPdf } from './lib/province.js';
import { countQueries } from './lib/report.js';

const kind = (process.env.BENCH_DB ?? 'postgres') as 'postgres' | 'pglite';
const b = await openBenchDatabase(kind, { poolSize: Number(process.env.MOTCUA_DB_POOL ?? 10) });
const q = countQueries();
try {
  const p = await startProvince(b);
  const tokens = [];
  for (const c of p.clerks) tokens.push(await login(p.url, c.username));
  const files = { tk: await uploadPdf(p.url, tokens[0]!, 'a'), gcs: await uploadPdf(p.url, tokens[0]!, 'b') };
  const q0 = q();
  const r = await runLoad({ url: p.url, connections: 32, seconds: Number(process.env.BENCH_SECONDS ?? 8), warmupSeconds: 1, scenario: { kind: 'intake', tokens, files, firstIndex: 0 } });
  console.log(JSON.stringify({ perSecond: r.perSecond, status: r.status, latency: r.latencyMs, queries: q() - q0 }));
  await p.close();
} finally {
  await b.dispose();
}
