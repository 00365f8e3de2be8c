// Portal sync, outward (DVCQG): does delivery keep up with intake at the intake benchmark's full rate, how far
// behind is the portal (lag p50/p99 from a change's commit to the portal's acknowledgement), and what is left after
// a portal outage under load (everything delivered, in order per dossier, nothing lost or doubled: counted).
// The portal is the simulator, run as its own process (`motcua simulate portal`), as `npm start` runs it.
// Run: npx tsx bench/portal-sync.bench.ts — BENCH_DB=postgres|pglite, BENCH_SECONDS (intake runs, default 20),
// BENCH_OUTAGE_SECONDS (default 300: the issue's five minutes), BENCH_CONNECTIONS (default 32).

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { hashPassword } from '../src/auth/auth.service.js';
import { loadConfig } from '../src/platform/config.js';
import { startPeriodic } from '../src/platform/jobs.js';
import { PortalClient } from '../src/portal/portal.client.js';
import { benchPoolSize, kindsToRun, openBenchDatabase, type BenchDatabase } from './lib/databases.js';
import { runLoad } from './lib/load.js';
import { settle, waitUntilQuiet } from './lib/quiesce.js';
import { login, PASSWORD, startProvince, uploadPdfAs, type Province } from './lib/province.js';
import { benchSeconds, f1, f2, int, machineLine, pct, serverVersion, sleep } from './lib/report.js';

const SECONDS = benchSeconds(20);
const OUTAGE_SECONDS = Math.max(5, Number(process.env.BENCH_OUTAGE_SECONDS ?? 300));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SAMPLE = Number(process.env.BENCH_PORTAL_SAMPLE ?? 200);
// BENCH_PORTAL_UP=1: phase C with the portal up all along, the reference for the intake rate over the same long run.
const PORTAL_UP = process.env.BENCH_PORTAL_UP === '1';
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

interface Simulator {
  url: string;
  child: ChildProcess;
  get<T>(path: string): Promise<T>;
  post(path: string, body: unknown): Promise<void>;
}

/** `motcua simulate portal` on a free port, a process of its own; its address from the line it prints. */
async function startSimulator(): Promise<Simulator> {
  const child = spawn(process.execPath, [...process.execArgv, CLI, 'simulate', 'portal', '--port', '0', '--exit-with-parent'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`portal simulator exited (${code}) before listening`)));
  });
  return {
    url,
    child,
    get: async <T>(path: string) => (await (await fetch(`${url}${path}`)).json()) as T,
    post: async (path, body) => {
      const r = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!r.ok) throw new Error(`simulator ${path}: ${r.status}`);
    },
  };
}

interface SimStats {
  dossiers: number;
  requests: number;
  messages: number;
  duplicates: number;
  stale: number;
  historyConflicts: number;
  rejected: number;
}

const pendingCount = async (b: BenchDatabase) =>
  Number((await sql<{ n: string }>`select count(*) as n from portal_sync where pending_seq > acked_seq`.execute(b.database.db)).rows[0]!.n);
const maxDossierId = async (b: BenchDatabase) =>
  Number((await sql<{ n: string | null }>`select max(id) as n from dossiers`.execute(b.database.db)).rows[0]!.n ?? 0);

/** Waits until the portal has acknowledged everything; seconds it took, or null past the limit. */
async function drained(b: BenchDatabase, maxSeconds: number): Promise<number | null> {
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < maxSeconds) {
    if ((await pendingCount(b)) === 0) return (performance.now() - t0) / 1000;
    await sleep(100);
  }
  return null;
}

/** Lag of the dossiers with ids in (from, to]: their only change (receipt) from its commit to the acknowledgement. */
async function lagOf(b: BenchDatabase, from: number, to: number) {
  const r = await sql<{ n: string; p50: number | null; p99: number | null; max: number | null }>`
    select count(*) as n,
      percentile_cont(0.5) within group (order by extract(epoch from p.acked_at - p.pending_since)) as p50,
      percentile_cont(0.99) within group (order by extract(epoch from p.acked_at - p.pending_since)) as p99,
      max(extract(epoch from p.acked_at - p.pending_since)) as max
    from portal_sync p where p.dossier_id > ${from} and p.dossier_id <= ${to} and p.acked_seq = p.pending_seq and p.pending_seq = 1`.execute(
    b.database.db,
  );
  const x = r.rows[0]!;
  return { n: Number(x.n), p50: Number(x.p50 ?? NaN), p99: Number(x.p99 ?? NaN), max: Number(x.max ?? NaN) };
}

/** A specialist at every unit that processes dossiers (the bench province has clerks only), logged in. */
async function specialists(b: BenchDatabase, province: Province): Promise<Map<number, string>> {
  const units = await b.database.db
    .selectFrom('units')
    .select(['id', 'key'])
    .where('kind', 'in', ['department', 'commune_committee'])
    .execute();
  const hash = await hashPassword(PASSWORD);
  const tokens = new Map<number, string>();
  for (const u of units) {
    const username = `spec.${u.key.toLowerCase()}`;
    await b.database.db
      .insertInto('staff')
      .values({ username, password_hash: hash, full_name: `Chuyên viên ${u.key}`, role: 'specialist', unit_id: u.id })
      .execute();
    tokens.set(u.id, await login(province.url, username));
  }
  return tokens;
}

async function act(url: string, token: string, code: string, action: string, body: Record<string, unknown>) {
  const r = await fetch(`${url}/dossiers/${code}/${action}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.status !== 200) throw new Error(`${action} ${code}: ${r.status} ${await r.text()}`);
  return (await r.json()) as { version: number; currentUnit: { id: number } | null };
}

async function benchOne(kind: 'postgres' | 'pglite'): Promise<void> {
  const poolSize = benchPoolSize(loadConfig({}).poolSize);
  const b = await openBenchDatabase(kind, { poolSize });
  const sim = await startSimulator();
  try {
    const portal = new PortalClient({
      baseUrl: sim.url,
      authPath: '/api/auth',
      integrationPath: '/api/integration',
      username: 'motcua',
      password: 'motcua-sim',
      unitCode: '000.00.00.H40',
      timeoutMs: 10_000,
    });
    const province = await startProvince(b, { trackingPerMinute: 10_000_000 }, { portal });
    const { clerks, url, services } = province;
    console.log(
      `\nportal sync on ${b.label} ${await serverVersion(b.database.db)}: ${clerks.length} service points, intake by HTTP with ${CONNECTIONS} connections, the portal simulator a process of its own (${sim.url}), batches of 100 dossiers a request`,
    );
    const tokens: string[] = [];
    for (const c of clerks) tokens.push(await login(url, c.username));
    const clerkOf = new Map(clerks.map((c, i) => [c.unitId, tokens[i]!]));
    const files = { tk: await uploadPdfAs(url, tokens, 'To khai bench'), gcs: await uploadPdfAs(url, tokens, 'Giay chung sinh bench') };
    const specialistOf = await specialists(b, province);
    let round = 0;
    const intake = async (seconds: number) => {
      const r = await runLoad({
        url,
        connections: CONNECTIONS,
        seconds,
        warmupSeconds: 0,
        scenario: { kind: 'intake', tokens, files, firstIndex: ++round * 1_000_000 },
      });
      await waitUntilQuiet(b.database.db);
      const others = Object.entries(r.status)
        .filter(([k]) => k !== '201')
        .map(([k, n]) => `${k}×${n}`)
        .join(' ');
      return {
        created: r.status['201'] ?? 0,
        perSecond: (r.status['201'] ?? 0) / r.seconds,
        p99: r.latencyMs.p99,
        non2xx: r.non2xx,
        others: others || 'none',
      };
    };

    // A: the reference, intake with the worker off (the outbox fills), then the delivery ceiling: the backlog drained alone.
    await intake(2); // warm-up
    await services.portal.deliverDue();
    if (kind === 'postgres') await settle(b.database.db);
    const a = await intake(SECONDS);
    const backlogA = await pendingCount(b);
    const t0 = performance.now();
    let delivered = 0;
    for (;;) {
      const r = await services.portal.deliverDue();
      delivered += r.acknowledged;
      if (!r.rounds) break;
    }
    const ceilingSeconds = (performance.now() - t0) / 1000;
    console.log(
      `  A reference: intake with the sync worker off ${f1(a.perSecond)} dossiers/s (${int(a.created)} in ${SECONDS} s, non-2xx ${a.non2xx}, p99 ${f2(a.p99)} ms); the ${int(backlogA)} queued then delivered alone in ${f2(ceilingSeconds)} s: delivery ceiling ${f1(delivered / ceilingSeconds)} dossiers/s (${f1(delivered / ceilingSeconds / a.perSecond)}× the intake rate)`,
    );

    // B: intake at full rate with the worker every 500 ms, as `motcua serve` runs it.
    const worker = startPeriodic({
      name: 'portal-sync',
      everyMs: 500,
      log: { warn: (o, m) => console.error(m, o), error: (o, m) => console.error(m, o) },
      run: async () => void (await services.portal.deliverDue()),
    });
    if (kind === 'postgres') await settle(b.database.db);
    const idB = await maxDossierId(b);
    const bRun = await intake(SECONDS);
    const backlogB = await pendingCount(b);
    const tailB = await drained(b, 120);
    const lagB = await lagOf(b, idB, await maxDossierId(b));
    console.log(
      `  B with the worker: intake ${f1(bRun.perSecond)} dossiers/s (${pct(bRun.perSecond / a.perSecond, 1)} of A; p99 ${f2(bRun.p99)} ms), ${int(backlogB)} waiting when the load stopped, all acknowledged ${tailB === null ? 'NOT within 120 s' : `${f2(tailB)} s later`}; lag commit → acknowledged over ${int(lagB.n)} dossiers: p50 ${f2(lagB.p50)} s, p99 ${f2(lagB.p99)} s, max ${f2(lagB.max)} s (target p99 ≤ 5 s)`,
    );

    // C: the portal away for OUTAGE_SECONDS under full intake, while sample dossiers of B move three steps each.
    const sample = await b.database.db
      .selectFrom('dossiers')
      .select(['code', 'receiving_unit_id', 'version'])
      .where('id', '>', idB)
      .orderBy('id')
      .limit(SAMPLE)
      .execute();
    const before = await sim.get<SimStats>('/_sim/stats');
    if (!PORTAL_UP) await sim.post('/_sim/faults', { downForMs: OUTAGE_SECONDS * 1000 });
    const outageEnds = performance.now() + OUTAGE_SECONDS * 1000;
    let steps = 0;
    const moves = (async () => {
      // forward (clerk) → request-supplement (specialist) → supplement-received (clerk), spread over the outage.
      const gap = (OUTAGE_SECONDS * 1000 * 0.8) / Math.max(1, sample.length);
      for (const d of sample) {
        const clerk = clerkOf.get(d.receiving_unit_id)!;
        const f = await act(url, clerk, d.code, 'forward', { version: d.version });
        const spec = specialistOf.get(f.currentUnit!.id);
        if (!spec) throw new Error(`no specialist at unit ${f.currentUnit!.id}`);
        const s = await act(url, spec, d.code, 'request-supplement', { version: f.version, note: 'Bản chụp giấy chứng sinh bị mờ' });
        await act(url, clerk, d.code, 'supplement-received', { version: s.version });
        steps += 3;
        await sleep(gap);
      }
    })();
    const cRun = await intake(OUTAGE_SECONDS);
    await moves;
    const during = await sim.get<SimStats>('/_sim/stats');
    const backlogC = await pendingCount(b);
    const wait = outageEnds - performance.now();
    if (wait > 0) await sleep(wait);
    const caughtUp = await drained(b, 600);
    worker.stop();
    const after = await sim.get<SimStats>('/_sim/stats');
    console.log(
      `  C ${PORTAL_UP ? 'portal up (BENCH_PORTAL_UP=1)' : 'portal away'} ${OUTAGE_SECONDS} s under load: intake went on at ${f1(cRun.perSecond)} dossiers/s (${pct(cRun.perSecond / a.perSecond, 1)} of A; ${int(cRun.created)} received, other answers ${cRun.others} (409: a point's 9,999 codes of the day are spent), ${steps} status changes on ${sample.length} earlier dossiers); the portal took ${during.messages - before.messages} messages ${PORTAL_UP ? 'meanwhile' : 'while away'}; ${int(backlogC)} dossiers waiting at the end of the load; all acknowledged ${caughtUp === null ? 'NOT within 600 s' : `${f1(caughtUp)} s after the portal came back`}`,
    );

    // The count: every dossier of ours at the portal at its last version, each sample's history complete and in order.
    const ours = await b.database.db.selectFrom('dossiers').select(['code', 'event_seq']).execute();
    const theirs = await sim.get<Record<string, number>>('/_sim/versions');
    let missing = 0;
    let behind = 0;
    let ahead = 0;
    for (const d of ours) {
      const v = theirs[d.code];
      if (v === undefined) missing++;
      else if (v < d.event_seq) behind++;
      else if (v > d.event_seq) ahead++;
    }
    const unknown = Object.keys(theirs).length - ours.length + missing;
    let badHistories = 0;
    for (const d of sample) {
      const held = await sim.get<{ dossier: { PhienBan: number; QuaTrinhXuLy: { TrangThai: string }[] } }>(
        `/_sim/dossiers/${encodeURIComponent(d.code)}`,
      );
      const statuses = held.dossier.QuaTrinhXuLy.map((e) => e.TrangThai).join(',');
      if (held.dossier.PhienBan !== 4 || statuses !== '2,4,5,4') badHistories++;
    }
    console.log(
      `  count: ours ${int(ours.length)} dossiers, the portal's ${int(Object.keys(theirs).length)}; missing ${missing}, behind ${behind}, ahead ${ahead}, unknown to us ${unknown}; samples with a history other than 2,4,5,4 at version 4: ${badHistories} of ${sample.length}`,
    );
    console.log(
      `  the portal saw ${int(after.requests)} requests, ${int(after.messages)} dossier messages for ${int(after.dossiers)} dossiers (${f2(after.messages / Math.max(1, after.dossiers))} a dossier): ${after.duplicates} repeats of a version it had (changed nothing), ${after.stale} older than it had, ${after.historyConflicts} history conflicts (a change lost or reordered), ${after.rejected} refused`,
    );
    await province.close();
  } finally {
    sim.child.kill('SIGTERM');
    await b.dispose();
  }
}

console.log(machineLine());
for (const kind of kindsToRun()) await benchOne(kind);
