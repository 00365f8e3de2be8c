// Payment callbacks (IPN): do duplicated and replayed callbacks change nothing, is a forged one refused, and how
// fast are they answered next to a bare HTTP endpoint? The gateway is the simulator, run as its own process
// (`motcua simulate payments`), as `npm start` runs it.
//
// For each database: BENCH_PAYMENTS dossiers (default 100) wait for payment; each is paid at the gateway, whose own
// IPN is held back (the merchant is registered without an IPN address), so the signed callbacks are sent by this
// script: each BENCH_DUPLICATES times at once (default 10: 1,000 duplicated callbacks), then all of them again
// (1,000 replays), then a forged one per payment (amount changed, signature zeroed, signed with another secret).
// Counted afterwards: one settlement and one payment_received event per dossier, nothing else changed.
// Run: npx tsx bench/payment-callbacks.bench.ts — BENCH_DB=postgres|pglite, BENCH_PAYMENTS, BENCH_DUPLICATES.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { hashPassword } from '../src/auth/auth.service.js';
import { createGateway, signParams } from '../src/payments/gateway.client.js';
import { startBare } from './lib/bare.js';
import { benchPoolSize, kindsToRun, openBenchDatabase, type BenchDatabase } from './lib/databases.js';
import { login, PASSWORD, startProvince, uploadPdf } from './lib/province.js';
import { f1, int, machineLine, pct, serverVersion } from './lib/report.js';
import { applicantOf } from './lib/requests.js';

const PAYMENTS = Number(process.env.BENCH_PAYMENTS ?? 100);
const DUPLICATES = Number(process.env.BENCH_DUPLICATES ?? 10);
const CONCURRENCY = 16;
const TMN = 'MOTCUA01';
const SECRET = 'BENCH-PAYMENTS-SECRET-0123456789';
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

async function startSimulator(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, CLI, 'simulate', 'payments', '--port', '0', '--tmn-code', TMN, '--hash-secret', SECRET, '--exit-with-parent'],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`payments simulator exited (${code}) before listening`)));
  });
  return { url, child };
}

async function json<T>(url: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<T> {
  const r = await fetch(url, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: {
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${init.method ?? 'GET'} ${url}: ${r.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** Runs `jobs` with `n` in flight; the wall time in ms. */
async function inParallel(jobs: (() => Promise<void>)[], n: number): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, jobs.length) }, async () => {
      while (next < jobs.length) await jobs[next++]!();
    }),
  );
  return performance.now() - t0;
}

async function state(b: BenchDatabase) {
  const one = async (q: ReturnType<typeof sql<{ n: string }>>) => Number((await q.execute(b.database.db)).rows[0]!.n);
  return {
    paid: await one(sql`select count(*) as n from payments where status = 'paid'`),
    paidVnd: await one(sql`select coalesce(sum(amount_vnd), 0) as n from payments where status = 'paid'`),
    pending: await one(sql`select count(*) as n from payments where status = 'pending'`),
    refunds: await one(sql`select count(*) as n from payments where status in ('refund_pending', 'refunded')`),
    paymentEvents: await one(sql`select count(*) as n from dossier_events where action = 'payment_received'`),
    events: await one(sql`select count(*) as n from dossier_events`),
    audit: await one(sql`select count(*) as n from audit_log`),
    paidOnline: await one(sql`select count(*) as n from dossiers where paid_online`),
    waiting: await one(sql`select count(*) as n from dossiers where status = 'awaiting_payment'`),
  };
}

async function benchOne(kind: 'postgres' | 'pglite') {
  const b = await openBenchDatabase(kind, { poolSize: benchPoolSize(10), suffix: 'pay' });
  const sim = await startSimulator();
  const gateway = createGateway({
    baseUrl: sim.url,
    tmnCode: TMN,
    hashSecret: SECRET,
    returnUrl: 'http://127.0.0.1/thanh-toan/ket-qua',
    timeoutMs: 5_000,
  });
  const p = await startProvince(b, { trackingPerMinute: 1_000_000 }, { payments: gateway });
  const bare = await startBare();
  try {
    console.log(`\n## ${b.label} (${await serverVersion(b.database.db)})`);
    const committee = (await p.services.org.listUnits()).find((u) => u.key === 'X-HAI-UB')!;
    await b.database.db
      .insertInto('staff')
      .values({
        username: 'spec.bench',
        password_hash: await hashPassword(PASSWORD),
        full_name: 'Chuyên viên',
        role: 'specialist',
        unit_id: committee.id,
      })
      .execute();
    const clerkName = p.clerks.find((c) => c.username === 'clerk.x-hai-tt')!.username;
    const clerk = await login(p.url, clerkName);
    const spec = await login(p.url, 'spec.bench');
    const sha = await uploadPdf(p.url, clerk, 'scan');
    // The dossiers, each waiting for its 2,000 VND, and paid at the gateway (its IPN held back: no address yet).
    const signed: Record<string, string>[] = [];
    for (let i = 0; i < PAYMENTS; i++) {
      const d = await json<{ code: string; version: number }>(`${p.url}/dossiers`, {
        token: clerk,
        body: {
          procedureCode: '2.000815',
          applicant: { ...applicantOf(i), communeCode: '14002' },
          components: [{ code: 'BC', source: 'upload', fileSha256: sha }],
        },
      });
      const f = await json<{ version: number }>(`${p.url}/dossiers/${d.code}/forward`, { token: clerk, body: { version: d.version } });
      await json(`${p.url}/dossiers/${d.code}/request-payment`, { token: spec, body: { version: f.version } });
      const { tracking_token } = await b.database.db
        .selectFrom('dossiers')
        .select('tracking_token')
        .where('code', '=', d.code)
        .executeTakeFirstOrThrow();
      const start = await json<{ payUrl: string }>(`${p.url}/public/dossiers/${d.code}/payments`, { body: { token: tracking_token } });
      const paid = await json<{ redirectUrl: string }>(`${sim.url}/_sim/pay`, { body: { paymentUrl: start.payUrl } });
      signed.push(Object.fromEntries(new URL(paid.redirectUrl).searchParams));
    }
    const before = await state(b);
    console.log(
      `${int(PAYMENTS)} dossiers awaiting payment, each paid at the gateway: ${before.pending} pending here, ${before.paid} paid`,
    );
    const ipn = async (q: Record<string, string>) =>
      (await json<{ RspCode: string }>(`${p.url}/payments/gateway/ipn?${new URLSearchParams(q)}`)).RspCode;
    const answers = new Map<string, number>();
    const count = (code: string) => answers.set(code, (answers.get(code) ?? 0) + 1);

    // 1. Duplicated: each callback DUPLICATES times at once.
    const dupJobs = signed.flatMap((q) => Array.from({ length: DUPLICATES }, () => async () => void count(await ipn(q))));
    const dupMs = await inParallel(dupJobs, CONCURRENCY);
    const afterDup = await state(b);
    console.log(
      `duplicated: ${int(dupJobs.length)} callbacks (${DUPLICATES} at once per payment) in ${f1(dupMs / 1000)} s (${int(dupJobs.length / (dupMs / 1000))}/s): ` +
        `answers ${[...answers].map(([k, v]) => `${k}×${v}`).join(' ')}; ` +
        `settled ${afterDup.paid} (of ${PAYMENTS}), ${afterDup.paymentEvents - before.paymentEvents} payment_received events, ${afterDup.paidOnline} dossiers paid online, ${afterDup.waiting} still waiting, ${afterDup.refunds} refunds`,
    );

    // 2. Replayed: all of them again, nothing may change.
    answers.clear();
    const replayJobs = signed.flatMap((q) => Array.from({ length: DUPLICATES }, () => async () => void count(await ipn(q))));
    const replayMs = await inParallel(replayJobs, CONCURRENCY);
    const afterReplay = await state(b);
    const rowsChanged = (Object.keys(afterReplay) as (keyof typeof afterReplay)[]).filter(
      (k) => k !== 'audit' && afterReplay[k] !== afterDup[k],
    );
    console.log(
      `replayed: ${int(replayJobs.length)} callbacks in ${f1(replayMs / 1000)} s (${int(replayJobs.length / (replayMs / 1000))}/s): ` +
        `answers ${[...answers].map(([k, v]) => `${k}×${v}`).join(' ')}; changed: ${rowsChanged.length ? rowsChanged.join(', ') : 'nothing'} ` +
        `(audit entries ${afterReplay.audit - afterDup.audit})`,
    );

    // 3. Forged: the amount changed under the gateway's signature, a zeroed signature, another secret's signature.
    answers.clear();
    const forged = signed.flatMap((q) => {
      const { vnp_SecureHash: _h, vnp_SecureHashType: _t, ...rest } = q;
      return [
        { ...q, vnp_Amount: '100' },
        { ...q, vnp_SecureHash: '0'.repeat(128) },
        { ...rest, vnp_SecureHash: signParams(rest, 'NOT-THE-SECRET') },
      ];
    });
    await inParallel(
      forged.map((q) => async () => void count(await ipn(q))),
      CONCURRENCY,
    );
    const afterForged = await state(b);
    const forgedChanged = (Object.keys(afterForged) as (keyof typeof afterForged)[]).filter((k) => afterForged[k] !== afterReplay[k]);
    console.log(
      `forged: ${int(forged.length)} callbacks: answers ${[...answers].map(([k, v]) => `${k}×${v}`).join(' ')}; changed: ${forgedChanged.length ? forgedChanged.join(', ') : 'nothing'}`,
    );

    // Reference: the same number of requests, same concurrency, to a bare Fastify endpoint, and to our /health.
    // Both warmed up first (the first requests of a fresh server pay for its JIT), as the IPN route was by the duplicates.
    for (const target of [`${bare.url}/bare`, `${p.url}/health`])
      await inParallel(
        replayJobs.map(() => async () => void (await fetch(target).then((r) => r.text()))),
        CONCURRENCY,
      );
    const bareMs = await inParallel(
      replayJobs.map(() => async () => void (await fetch(`${bare.url}/bare`).then((r) => r.text()))),
      CONCURRENCY,
    );
    const healthMs = await inParallel(
      replayJobs.map(() => async () => void (await fetch(`${p.url}/health`).then((r) => r.text()))),
      CONCURRENCY,
    );
    const rate = (ms: number) => replayJobs.length / (ms / 1000);
    console.log(
      `reference (${int(replayJobs.length)} requests, ${CONCURRENCY} in flight, same client): bare Fastify ${int(rate(bareMs))}/s, our /health ${int(rate(healthMs))}/s; ` +
        `replayed IPN ${int(rate(replayMs))}/s = ${pct(rate(replayMs), rate(bareMs))} of bare, duplicated ${int(rate(dupMs))}/s = ${pct(rate(dupMs), rate(bareMs))}`,
    );
    const ok =
      afterDup.paid === PAYMENTS &&
      afterDup.paymentEvents - before.paymentEvents === PAYMENTS &&
      !rowsChanged.length &&
      !forgedChanged.length;
    console.log(
      ok ? 'RESULT: every payment settled once; replays and forgeries changed nothing' : 'RESULT: MISMATCH (see the lines above)',
    );
  } finally {
    await bare.app.close();
    await p.close();
    sim.child.kill('SIGTERM');
    await b.dispose();
  }
}

console.log(`# payment callbacks — ${machineLine()}`);
for (const kind of kindsToRun()) await benchOne(kind);
