// Does a wrong guess tell a missing dossier code from an existing one by its time? Sequential requests over one
// keep-alive connection to the real app, alternating the two kinds, and their time to the full answer printed side
// by side (mean, p50, p99): a missing code vs wrong phone digits of an existing dossier whose answer is cached,
// and the same with a wrong tracking token. Figures only, no verdict (a shared machine is noisy).
// Run: npx tsx bench/tracking-timing.ts (BENCH_DB, BENCH_TIMING_PAIRS apply).

import http from 'node:http';
import { loadConfig } from '../src/platform/config.js';
import { benchPoolSize, kindsToRun, openBenchDatabase } from './lib/databases.js';
import { login, startProvince, uploadPdf } from './lib/province.js';
import { intakeBody } from './lib/requests.js';
import { f2, int, machineLine, serverVersion } from './lib/report.js';

const PAIRS = Number(process.env.BENCH_TIMING_PAIRS ?? 2000);
const DOSSIERS = 200;

/** One GET on the agent's connection; the milliseconds to the end of the answer, and its status. */
function timedGet(agent: http.Agent, url: string): Promise<{ ms: number; status: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, status: res.statusCode ?? 0 }));
      })
      .on('error', reject);
  });
}

function stats(ms: number[]): { mean: number; p50: number; p99: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { mean: s.reduce((a, b) => a + b, 0) / s.length, p50: at(0.5), p99: at(0.99) };
}

async function timeOne(kind: 'postgres' | 'pglite'): Promise<void> {
  const b = await openBenchDatabase(kind, { poolSize: benchPoolSize(loadConfig({}).poolSize) });
  try {
    // Budgets too large to lock: every guess below does the work of a wrong guess (the dossier look-up and the
    // count written), never the cheaper answer to a locked key.
    const province = await startProvince(
      b,
      { trackingPerMinute: 10_000_000 },
      { lookupBudget: { perKeyFailures: 1e9, perAddressFailures: 1e9, windowMs: 15 * 60_000 } },
    );
    console.log(`\ntracking timing on ${b.label} ${await serverVersion(b.database.db)}: ${int(PAIRS)} pairs of wrong guesses, alternating`);
    const token = await login(province.url, province.clerks[0]!.username);
    const actor = await province.services.auth.authenticate(token);
    const files = { tk: await uploadPdf(province.url, token, 'a'), gcs: await uploadPdf(province.url, token, 'b') };
    const existing: { code: string; token: string; phone4: string }[] = [];
    for (let i = 0; i < DOSSIERS; i++) {
      const body = intakeBody(700_000 + i, files);
      const d = await province.services.dossiers.receiveAtCounter(actor, body);
      existing.push({ code: d.code, token: d.trackingToken, phone4: body.applicant.phone.slice(-4) });
    }
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const base = `${province.url}/public/dossiers/`;
    // Cache every existing dossier's answer first: a wrong guess must not be faster for a cached dossier.
    for (const e of existing) await timedGet(agent, `${base}${e.code}?token=${e.token}`);
    const wrongDigits = (p: string) => String((Number(p) + 1) % 10_000).padStart(4, '0');
    const wrongToken = (t: string) => (t.startsWith('A') ? 'B' : 'A') + t.slice(1);
    const kinds = {
      missingByPhone: [] as number[],
      wrongDigits: [] as number[],
      missingByToken: [] as number[],
      wrongToken: [] as number[],
    };
    const statuses = new Set<number>();
    const run = async (k: keyof typeof kinds, url: string) => {
      const r = await timedGet(agent, url);
      statuses.add(r.status);
      kinds[k].push(r.ms);
    };
    for (let i = 0; i < PAIRS + 200; i++) {
      const e = existing[i % existing.length]!;
      // Codes of the same shape that no dossier has (sequence numbers past the seeded ones, on another day).
      const missing = `${e.code.slice(0, -11)}991231-${String(1000 + (i % 9000)).padStart(4, '0')}`;
      const order = i % 2 === 0;
      const pairs: [keyof typeof kinds, string][] = [
        ['missingByPhone', `${base}${missing}?phone=${e.phone4}`],
        ['wrongDigits', `${base}${e.code}?phone=${wrongDigits(e.phone4)}`],
        ['missingByToken', `${base}${missing}?token=${e.token}`],
        ['wrongToken', `${base}${e.code}?token=${wrongToken(e.token)}`],
      ];
      for (const [k, url] of order ? pairs : [...pairs].reverse()) await run(k, url);
      // The first 200 rounds warm up (JIT, prepared statements) and are not kept.
      if (i === 199) for (const list of Object.values(kinds)) list.length = 0;
    }
    agent.destroy();
    const show = (label: string, ms: number[]) => {
      const s = stats(ms);
      return `${label}: mean ${f2(s.mean)} ms, p50 ${f2(s.p50)} ms, p99 ${f2(s.p99)} ms`;
    };
    console.log(`  answers: ${[...statuses].sort().join(', ')} (all must be 404)`);
    console.log(`  by phone digits — ${show('missing code', kinds.missingByPhone)} | ${show('wrong digits', kinds.wrongDigits)}`);
    console.log(`  by token        — ${show('missing code', kinds.missingByToken)} | ${show('wrong token', kinds.wrongToken)}`);
    const diff = (a: number[], c: number[]) => f2(stats(c).mean - stats(a).mean);
    console.log(
      `  mean difference (wrong − missing): digits ${diff(kinds.missingByPhone, kinds.wrongDigits)} ms, token ${diff(kinds.missingByToken, kinds.wrongToken)} ms`,
    );
    await province.close();
  } finally {
    await b.dispose();
  }
}

console.log(machineLine());
for (const kind of kindsToRun()) await timeOne(kind);
