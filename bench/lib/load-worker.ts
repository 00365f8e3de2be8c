// The load generator, run in its own process (forked by load.ts) so it never shares the server's event loop.
// Receives a LoadJob, runs autocannon (warm-up, then the measured run) and sends back a LoadResult.

import autocannon from 'autocannon';
import { intakeBody } from './requests.js';
import type { LoadJob, LoadResult } from './load.js';

/** The warm-up's intake applicants start here (the measured run's at the job's firstIndex). */
const WARMUP_OFFSET = 20_000_000;

/**
 * What each connection sends: its requests, and for some scenarios a per-connection setup. `offset` moves the intake
 * applicants on, so that the warm-up's are not the measured run's (each would be a duplicate of the other).
 */
function requestsOf(job: LoadJob, offset = 0): Pick<autocannon.Options, 'requests' | 'setupClient'> {
  const s = job.scenario;
  if (s.kind === 'get') return { requests: [{ method: 'GET', path: s.path }] };
  if (s.kind === 'tracking') {
    // Each connection cycles through its own share of the dossiers, every request built once, as the bare
    // endpoint's request is (a setupRequest callback makes autocannon rebuild each request, which cost the load
    // generator, on the same 2 cores, twice what a bare request costs it). Shares, rather than one list for all
    // connections, so that the connections never ask for the same dossier at the same moment in lockstep.
    const paths = s.targets.map((t) => `/public/dossiers/${t.code}?${t.query}`);
    let created = 0;
    return {
      requests: [{ method: 'GET', path: paths[0]! }],
      setupClient: (client) => {
        const k = created++ % job.connections;
        client.setRequests(paths.filter((_p, i) => i % job.connections === k).map((path) => ({ method: 'GET', path })));
      },
    };
  }
  // intake: each request a different applicant, clerks (and so service points) in rotation
  let i = s.firstIndex + offset;
  return {
    requests: [
      {
        method: 'POST',
        path: '/dossiers',
        setupRequest: (req) => {
          const n = i++;
          return {
            ...req,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${s.tokens[n % s.tokens.length]}` },
            body: JSON.stringify(intakeBody(n, s.files, s.withEmail ?? false)),
          };
        },
      },
    ],
  };
}

async function run(job: LoadJob, seconds: number, record: boolean): Promise<Omit<LoadResult, 'warmupResponses'>> {
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const instance = autocannon({
    url: job.url,
    connections: job.connections,
    duration: seconds,
    ...requestsOf(job, record ? 0 : WARMUP_OFFSET),
    timeout: 30,
  });
  if (record) instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.push(ms));
  const r = await instance;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]! : NaN;
  const codes: Record<string, number> = {};
  for (const [code, v] of Object.entries(r.statusCodeStats ?? {})) codes[code] = Number((v as { count: number | string }).count);
  return {
    seconds: r.duration,
    responses: r.requests.total,
    perSecond: r.requests.total / r.duration,
    status: codes,
    ok2xx: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    latencyMs: {
      p50: pct(50),
      p90: pct(90),
      p99: pct(99),
      max: latencies.at(-1) ?? NaN,
      mean: latencies.reduce((s, x) => s + x, 0) / (latencies.length || 1),
    },
  };
}

process.once('message', async (job: LoadJob) => {
  try {
    const warm = job.warmupSeconds > 0 ? await run(job, job.warmupSeconds, false) : undefined;
    const result = { ...(await run(job, job.seconds, true)), warmupResponses: warm?.responses ?? 0 };
    process.send!({ ok: true, result }, () => process.exit(0));
  } catch (e) {
    process.send!({ ok: false, error: String((e as Error)?.stack ?? e) }, () => process.exit(1));
  }
});
