// Notices under intake at full rate: an SMS and an e-mail for each receipt, expanded from the notice queue and sent
// by the two workers every second as `motcua serve` runs them, through the SMS gateway's simulator and the mail sink,
// each a process of its own (`motcua simulate sms`, `motcua simulate mail`). Prints:
//  A. the reference: intake with the notice workers off, then the queued notices sent alone (the sending ceiling);
//  B. intake with the workers on: its rate beside A's, and the lag from each receipt's commit to the gateway's
//     acceptance of its notice (p50/p99/max), counted at the sinks;
//  C. (PostgreSQL) `motcua serve` as a process of its own, killed with SIGKILL while it sends, then started again:
//     every notice counted at the SMS simulator and the mail sink, each exactly once.
// Run: npx tsx bench/notices.bench.ts — BENCH_DB=postgres|pglite|both, BENCH_SECONDS (intake runs, default 20),
// BENCH_CONNECTIONS (default 32), BENCH_KILL_DOSSIERS (phase C, default 1500), BENCH_PHASES (default ABC; AB: no kill).

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { loadConfig } from '../src/platform/config.js';
import { startPeriodic } from '../src/platform/jobs.js';
import { EsmsSmsSender } from '../src/notifications/sms.client.js';
import { SmtpMailSender } from '../src/notifications/mail.client.js';
import { benchPoolSize, kindsToRun, openBenchDatabase, type BenchDatabase } from './lib/databases.js';
import { runLoad } from './lib/load.js';
import { waitUntilQuiet } from './lib/quiesce.js';
import { login, startProvince, uploadPdfAs } from './lib/province.js';
import { intakeBody } from './lib/requests.js';
import { benchSeconds, f1, f2, int, machineLine, serverVersion, sleep } from './lib/report.js';

const SECONDS = benchSeconds(20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const KILL_DOSSIERS = Number(process.env.BENCH_KILL_DOSSIERS ?? 1500);
/** BENCH_PHASES=AB leaves out the kill -9 (phase C). */
const PHASES = process.env.BENCH_PHASES ?? 'ABC';
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const SECRET = 'BENCH-NOTICE-SECRET-0123456789abcdef';
const API_KEY = 'MOTCUA-SIM-KEY';
const SECRET_KEY = 'MOTCUA-SIM-SECRET';

interface Sim {
  url: string;
  smtpUrl: string | null;
  child: ChildProcess;
  get<T>(path: string): Promise<T>;
}

/** `motcua simulate sms|mail` on free ports, a process of its own; its addresses from the line it prints. */
async function startSim(name: 'sms' | 'mail'): Promise<Sim> {
  const args = name === 'mail' ? ['--port', '0', '--smtp-port', '0'] : ['--port', '0'];
  const child = spawn(process.execPath, [...process.execArgv, CLI, 'simulate', name, ...args, '--exit-with-parent'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const { url, smtpUrl } = await new Promise<{ url: string; smtpUrl: string | null }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      const s = /SMTP (smtp:\/\/[^\s;]+)/.exec(out);
      if (m && (name === 'sms' || s)) resolve({ url: m[1]!, smtpUrl: s?.[1] ?? null });
    });
    child.once('exit', (code) => reject(new Error(`${name} simulator exited (${code}) before listening`)));
  });
  return { url, smtpUrl, child, get: async <T>(path: string) => (await (await fetch(`${url}${path}`)).json()) as T };
}

interface SmsStats {
  requests: number;
  accepted: number;
  duplicates: number;
  refused: number;
  reportsSent: number;
}
interface MailStats {
  deliveries: number;
  messages: number;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const count = async (b: BenchDatabase, q: ReturnType<typeof sql<{ n: string }>>) => Number((await q.execute(b.database.db)).rows[0]!.n);
const unsent = (b: BenchDatabase) =>
  count(
    b,
    sql<{ n: string }>`select count(*) as n from notifications where sent_at is null and cancelled_at is null and skipped_reason is null`,
  );
const queued = (b: BenchDatabase) => count(b, sql<{ n: string }>`select count(*) as n from notice_queue`);

/** Waits until every notice is expanded and sent; seconds it took, or null past the limit. */
async function drained(b: BenchDatabase, maxSeconds: number): Promise<number | null> {
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < maxSeconds) {
    if ((await queued(b)) === 0 && (await unsent(b)) === 0) return (performance.now() - t0) / 1000;
    await sleep(100);
  }
  return null;
}

/** The lag of the notices of dossiers with ids in (from, to]: from the event's commit to the gateway's acceptance. */
async function lagOf(b: BenchDatabase, from: number, to: number) {
  const r = await sql<{ n: string; p50: number | null; p99: number | null; max: number | null }>`
    select count(*) as n,
      percentile_cont(0.5) within group (order by extract(epoch from n.sent_at - e.at)) as p50,
      percentile_cont(0.99) within group (order by extract(epoch from n.sent_at - e.at)) as p99,
      max(extract(epoch from n.sent_at - e.at)) as max
    from notifications n
    join dossier_events e on e.dossier_id = n.dossier_id and e.seq = split_part(n.source_key, ':', 3)::int
    where n.dossier_id > ${from} and n.dossier_id <= ${to} and n.sent_at is not null`.execute(b.database.db);
  const x = r.rows[0]!;
  return { n: Number(x.n), p50: Number(x.p50 ?? NaN), p99: Number(x.p99 ?? NaN), max: Number(x.max ?? NaN) };
}

const maxDossierId = async (b: BenchDatabase) =>
  Number((await sql<{ n: string | null }>`select max(id) as n from dossiers`.execute(b.database.db)).rows[0]!.n ?? 0);

async function benchOne(kind: 'postgres' | 'pglite'): Promise<void> {
  const poolSize = benchPoolSize(loadConfig({}).poolSize);
  const b = await openBenchDatabase(kind, { poolSize });
  const [smsSim, mailSim] = await Promise.all([startSim('sms'), startSim('mail')]);
  const mail = new SmtpMailSender(mailSim.smtpUrl!, 'Motcua <thongbao@motcua.bench>');
  let appUrl: string | undefined;
  try {
    const province = await startProvince(
      b,
      {},
      {
        sms: new EsmsSmsSender({ baseUrl: smsSim.url, apiKey: API_KEY, secretKey: SECRET_KEY, brandname: 'MOTCUA', timeoutMs: 10_000 }),
        mail,
        noticeSecret: SECRET,
        smsReportUrl: () => (appUrl ? `${appUrl}/notices/sms/reports` : undefined),
        mailHost: 'motcua.bench',
      },
    );
    const { clerks, url, services } = province;
    appUrl = url;
    console.log(
      `\nnotices on ${b.label} ${await serverVersion(b.database.db)}: ${clerks.length} service points, intake by HTTP with ${CONNECTIONS} connections, every applicant with a phone and an e-mail; SMS simulator ${smsSim.url}, mail sink ${mailSim.smtpUrl}, each a process of its own`,
    );
    const tokens: string[] = [];
    for (const c of clerks) tokens.push(await login(url, c.username));
    const files = { tk: await uploadPdfAs(url, tokens, 'To khai bench'), gcs: await uploadPdfAs(url, tokens, 'Giay chung sinh bench') };
    let round = 0;
    const intake = async (seconds: number) => {
      const r = await runLoad({
        url,
        connections: CONNECTIONS,
        seconds,
        warmupSeconds: 0,
        scenario: { kind: 'intake', tokens, files, firstIndex: ++round * 1_000_000, withEmail: true },
      });
      await waitUntilQuiet(b.database.db);
      return { created: r.status['201'] ?? 0, perSecond: (r.status['201'] ?? 0) / r.seconds, p99: r.latencyMs.p99, non2xx: r.non2xx };
    };
    const sendAll = async () => {
      let n = 0;
      for (;;) {
        const e = await services.notices.expand(500);
        const d = await services.notifications.dispatch(500);
        n += d.sent;
        if (e.events === 0 && d.sent === 0 && d.failed === 0) return n;
      }
    };

    // A: the reference. Intake with the notice workers off (the queue fills), then its notices sent alone.
    await intake(2); // warm-up
    await sendAll();
    const a = await intake(SECONDS);
    // The two stages apart: the queue expanded into notifications, then those sent.
    const t0 = performance.now();
    let expanded = 0;
    for (;;) {
      const e = await services.notices.expand(500);
      expanded += e.notifications;
      if (e.events === 0) break;
    }
    const t1 = performance.now();
    const sentA = await sendAll();
    const t2 = performance.now();
    const ceiling = sentA / ((t2 - t0) / 1000);
    console.log(
      `  A reference: intake with the notice workers off ${f1(a.perSecond)} dossiers/s (${int(a.created)} in ${SECONDS} s, non-2xx ${a.non2xx}, p99 ${f2(a.p99)} ms); their ${int(sentA)} notices then expanded (${f1(expanded / ((t1 - t0) / 1000))}/s) and sent (${f1(sentA / ((t2 - t1) / 1000))}/s) alone: ${f1(ceiling)}/s both stages, ${f2(ceiling / (2 * a.perSecond))}× the two notices per receipt of that intake rate`,
    );

    // B: intake with both workers every second, as serve runs them.
    const log = { warn: (o: object, m: string) => console.error(m, o), error: (o: object, m: string) => console.error(m, o) };
    const workers = [
      startPeriodic({ name: 'notices', everyMs: 1_000, log, run: async () => void (await services.notices.expandDue()) }),
      startPeriodic({ name: 'notifications', everyMs: 1_000, log, run: async () => void (await services.notifications.dispatchDue()) }),
    ];
    const before = await maxDossierId(b);
    const smsBefore = await smsSim.get<SmsStats>('/_sim/stats');
    const mailBefore = await mailSim.get<MailStats>('/_sim/stats');
    const bRun = await intake(SECONDS);
    const after = await maxDossierId(b);
    const drainSeconds = await drained(b, 600);
    await Promise.all(workers.map((w) => w.stop()));
    const lag = await lagOf(b, before, after);
    const smsAfter = await smsSim.get<SmsStats>('/_sim/stats');
    const mailAfter = await mailSim.get<MailStats>('/_sim/stats');
    console.log(
      `  B workers every 1 s: intake ${f1(bRun.perSecond)} dossiers/s (${f1((bRun.perSecond / a.perSecond) * 100)}% of A; non-2xx ${bRun.non2xx}, p99 ${f2(bRun.p99)} ms); ${int(lag.n)} notices, event → accepted by the gateway p50 ${f2(lag.p50)} s, p99 ${f2(lag.p99)} s, max ${f2(lag.max)} s (target p99 ≤ 30 s); the last sent ${drainSeconds === null ? 'not within 600 s' : `${f1(drainSeconds)} s after intake stopped`}`,
    );
    const retries = await sql<{ error: string; n: string }>`
      select coalesce(a.payload::jsonb->'data'->>'error', '?') as error, count(*) as n from audit_log a
      join notifications n on n.id = a.entity_id::int
      where a.action = 'notification.failed' and a.entity_type = 'notification' and n.dossier_id > ${before} and n.dossier_id <= ${after}
      group by 1 order by 2 desc limit 3`.execute(b.database.db);
    const resent = await count(
      b,
      sql<{ n: string }>`select count(*) as n from notifications where dossier_id > ${before} and dossier_id <= ${after} and attempts > 1`,
    );
    console.log(
      `    sent at a second attempt or later: ${int(resent)} (a lease run out, or a failure: ${retries.rows.length ? retries.rows.map((r) => `${int(Number(r.n))}× ${r.error}`).join('; ') : 'no failure recorded'})`,
    );
    console.log(
      `    at the sinks: ${int(smsAfter.accepted - smsBefore.accepted)} SMS (${int(smsAfter.duplicates - smsBefore.duplicates)} repeated requests), ${int(mailAfter.messages - mailBefore.messages)} e-mails (${int(mailAfter.deliveries - mailBefore.deliveries)} SMTP deliveries) for ${int(after - before)} dossiers received (the 201s counted in the run, plus the requests still in flight when it ended)`,
    );
    await province.close();

    // C: a server process killed while it sends.
    if (!PHASES.includes('C')) return;
    if (kind !== 'postgres' || !b.url) {
      console.log('  C kill -9: PostgreSQL only (a second process cannot open the embedded database while this one holds it)');
      return;
    }
    await killAndCount(b, smsSim, mailSim, tokens.length, files);
  } finally {
    mail.close();
    smsSim.child.kill('SIGTERM');
    mailSim.child.kill('SIGTERM');
    await b.dispose();
  }
}

/** `motcua serve --no-seed` on the bench database, as a process of its own, answering on `port`. */
function serve(b: BenchDatabase, port: number, smsUrl: string, smtpUrl: string): ChildProcess {
  const child = spawn(process.execPath, ['--max-old-space-size=256', ...process.execArgv, CLI, 'serve', '--no-seed'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATABASE_URL: b.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      MOTCUA_DATA_DIR: b.tmpDir,
      MOTCUA_AUDIT_KEY: b.auditKey.toHex(),
      MOTCUA_PORTAL_URL: 'off',
      MOTCUA_VNEID_URL: 'off',
      MOTCUA_PAYMENTS_URL: 'off',
      MOTCUA_SMS_URL: smsUrl,
      MOTCUA_SMTP_URL: smtpUrl,
      MOTCUA_NOTICE_SECRET: SECRET,
      MOTCUA_MAIL_FROM: 'Motcua <thongbao@motcua.bench>',
    },
  });
  child.stdout!.resume();
  child.stderr!.on('data', (c: Buffer) => {
    const line = c.toString();
    if (/error|fatal/i.test(line)) process.stderr.write(`  [serve] ${line}`);
  });
  return child;
}

async function waitHealthy(url: string, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`server at ${url} not healthy within ${seconds} s`);
}

async function killAndCount(b: BenchDatabase, smsSim: Sim, mailSim: Sim, clerkCount: number, files: { tk: string; gcs: string }) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const smsBefore = await smsSim.get<SmsStats>('/_sim/stats');
  const mailBefore = await mailSim.get<MailStats>('/_sim/stats');
  const rowsBefore = await count(b, sql<{ n: string }>`select count(*) as n from notifications`);
  let server = serve(b, port, smsSim.url, mailSim.smtpUrl!);
  await waitHealthy(url, 60);
  const clerks = await b.database.db.selectFrom('staff').select('username').where('role', '=', 'clerk').orderBy('id').execute();
  const tokens: string[] = [];
  for (const c of clerks.slice(0, clerkCount)) tokens.push(await login(url, c.username));
  // Receive the dossiers, 16 at a time, while the server's workers send their notices.
  let next = 0;
  const created: string[] = [];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < KILL_DOSSIERS; i = next++) {
        const r = await fetch(`${url}/dossiers`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}` },
          body: JSON.stringify(intakeBody(9_000_000 + i, files, true)),
        });
        if (r.status !== 201) throw new Error(`intake: ${r.status} ${await r.text()}`);
        created.push(((await r.json()) as { code: string }).code);
      }
    }),
  );
  // Kill it in the middle of sending: once some, and not all, of this phase's notices have reached the sinks.
  const expected = 2 * KILL_DOSSIERS;
  let atKill = 0;
  for (;;) {
    const s = await smsSim.get<SmsStats>('/_sim/stats');
    const m = await mailSim.get<MailStats>('/_sim/stats');
    atKill = s.accepted - smsBefore.accepted + (m.messages - mailBefore.messages);
    if (atKill >= expected / 4) break;
    await sleep(20);
  }
  server.kill('SIGKILL');
  await new Promise((r) => server.once('exit', r));
  const leased = await count(
    b,
    sql<{
      n: string;
    }>`select count(*) as n from notifications where sent_at is null and claimed_until is not null and claimed_until > now()`,
  );
  console.log(
    `  C kill -9: ${int(created.length)} dossiers received by \`motcua serve\` (its own process), killed with SIGKILL after ${int(atKill)} of their ${int(expected)} notices had reached the sinks; ${int(leased)} claimed and unconfirmed at the kill (their lease runs out, then they are sent again with the same RequestId / Message-ID)`,
  );
  const t0 = performance.now();
  server = serve(b, port, smsSim.url, mailSim.smtpUrl!);
  try {
    await waitHealthy(url, 60);
    const drainSeconds = await drained(b, 300);
    const rows = (await count(b, sql<{ n: string }>`select count(*) as n from notifications`)) - rowsBefore;
    const smsRows = await count(
      b,
      sql<{
        n: string;
      }>`select count(*) as n from notifications n join dossiers d on d.id = n.dossier_id where n.channel = 'sms' and d.code = any(${created}::text[])`,
    );
    const emailRows = await count(
      b,
      sql<{
        n: string;
      }>`select count(*) as n from notifications n join dossiers d on d.id = n.dossier_id where n.channel = 'email' and d.code = any(${created}::text[])`,
    );
    const s = await smsSim.get<SmsStats>('/_sim/stats');
    const m = await mailSim.get<MailStats>('/_sim/stats');
    const sms = s.accepted - smsBefore.accepted;
    const emails = m.messages - mailBefore.messages;
    const ok = sms === KILL_DOSSIERS && emails === KILL_DOSSIERS && smsRows === KILL_DOSSIERS && emailRows === KILL_DOSSIERS;
    console.log(
      `    restarted; everything sent ${drainSeconds === null ? 'not within 300 s' : `${f1((performance.now() - t0) / 1000)} s after the restart`}: ${int(rows)} notification rows (SMS ${int(smsRows)}, e-mail ${int(emailRows)}) for ${int(created.length)} receipts`,
    );
    console.log(
      `    at the SMS simulator: ${int(sms)} messages (distinct RequestIds), ${int(s.duplicates - smsBefore.duplicates)} repeated requests answered with their first SMSID and not sent again`,
    );
    console.log(
      `    at the mail sink: ${int(emails)} messages (distinct Message-IDs) from ${int(m.deliveries - mailBefore.deliveries)} SMTP deliveries`,
    );
    console.log(`    every notice exactly once: ${ok ? 'yes' : 'NO'}`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
}

console.log(await machineLine());
for (const kind of kindsToRun()) await benchOne(kind);
