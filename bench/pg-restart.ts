// The operator's check of issue 8 item 1: the real server (`motcua serve`, a child process) under load while its
// PostgreSQL restarts, first `pg_ctl restart -m fast`, then `-m immediate`. PostgreSQL is a PRIVATE cluster made for
// the run (initdb in a temp directory, a free port, run as the `postgres` OS user when started as root), so the
// machine's shared server is never touched. Not in CI and not in run-all: it needs PostgreSQL's server binaries.
// Run: npx tsx bench/pg-restart.ts — prints what happened and exits 1 if the server did not come through.
// Knobs: PG_BIN (default /usr/lib/postgresql/15/bin), BENCH_CONNECTIONS (default 16), BENCH_SETTLE_SECONDS (5).

import autocannon from 'autocannon';
import { AuditKey } from '../src/platform/audit-chain.model.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase } from '../src/platform/database.js';
import { migrateToLatest } from '../src/platform/migrate.js';
import { MemoryBlobStore } from '../src/platform/blob-store.js';
import { createServices } from '../src/services.js';
import { TEST_CATALOG, TEST_ORG } from '../test/fixtures.js';
import { f1, int, machineLine, sleep } from './lib/report.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SETTLE_MS = Number(process.env.BENCH_SETTLE_SECONDS ?? 5) * 1000;
const asRoot = process.getuid?.() === 0;

/**
 * Runs a PostgreSQL binary as the cluster's owner (the `postgres` OS user when this runs as root). Asynchronously:
 * the load generator runs in this process and must go on sending while pg_ctl restarts the cluster.
 */
function pgCommand(bin: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  const file = path.join(PG_BIN, bin);
  const quoted = [file, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const child = asRoot ? spawn('su', ['postgres', '-s', '/bin/sh', '-c', quoted]) : spawn(file, args);
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ ok: code === 0, out: out.trim() })));
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** One answer the load generator saw, stamped when it arrived. */
interface Seen {
  at: number;
  status: number;
}

async function main(): Promise<void> {
  console.log(machineLine());
  if (!fs.existsSync(path.join(PG_BIN, 'initdb'))) throw new Error(`no initdb in ${PG_BIN} (set PG_BIN to PostgreSQL's bin directory)`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-pg-restart-'));
  const pgdata = path.join(tmp, 'pgdata');
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    if (!Number.isInteger(uid)) throw new Error('running as root, but there is no `postgres` OS user to own the private cluster');
    fs.chownSync(tmp, uid, gid);
  }
  const port = await freePort();
  let server: ChildProcess | null = null;
  const cleanup = async () => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    await pgCommand('pg_ctl', ['-D', pgdata, '-m', 'immediate', 'stop']);
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    void cleanup().then(() => process.exit(130));
  });

  try {
    const init = await pgCommand('initdb', ['-D', pgdata, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    if (!init.ok) throw new Error(`initdb failed:\n${init.out}`);
    const opts = `-p ${port} -k ${tmp} -c listen_addresses=127.0.0.1 -c fsync=off`;
    const start = await pgCommand('pg_ctl', ['-D', pgdata, '-o', opts, '-l', path.join(tmp, 'postgres.log'), '-w', 'start']);
    if (!start.ok) throw new Error(`pg_ctl start failed:\n${start.out}`);
    const version = (await pgCommand('postgres', ['--version'])).out;
    const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query('create database motcua');
    await admin.end();
    const url = `postgres://postgres@127.0.0.1:${port}/motcua`;

    // The test province and its catalog, so that the searched procedures exist (each search is a query).
    const database = await openDatabase({ databaseUrl: url, poolSize: 2 });
    await migrateToLatest(database.db);
    const services = createServices({
      auditKey: AuditKey.generate(),
      db: database.db,
      blobs: new MemoryBlobStore(),
      clock: () => new Date(),
      sessionTtlMinutes: 60,
      maxUploadBytes: 1024 * 1024,
      feed: database.feed,
    });
    await services.org.importOrg(TEST_ORG);
    await services.catalog.importCatalog(null, TEST_CATALOG);
    await database.close();

    let output = '';
    const dataDir = path.join(tmp, 'motcua');
    server = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['src/cli.ts', 'serve', '--no-seed'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', MOTCUA_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
      server!.once('exit', (code, signal) => r({ code, signal })),
    );
    const keep = (b: Buffer) => {
      output = (output + b.toString()).slice(-1_000_000);
    };
    server.stdout!.on('data', keep);
    server.stderr!.on('data', keep);
    let base = '';
    for (const t0 = Date.now(); !base; await sleep(100)) {
      base = /Portal:\s+(http:\/\/[\d.]+:\d+)\//.exec(output)?.[1] ?? '';
      if (server.exitCode !== null || Date.now() - t0 > 60_000) throw new Error(`serve did not start:\n${output}`);
    }
    console.log(
      `\n${version} (private cluster, port ${port}), motcua serve as a child process, ${CONNECTIONS} connections (autocannon): GET /procedures?q=… and GET /ready, each a query`,
    );

    /** A fresh connection and `select 1`: does the database answer now? */
    const answers = async (): Promise<boolean> => {
      const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 500 });
      c.on('error', () => undefined);
      try {
        await c.connect();
        await c.query('select 1');
        return true;
      } catch {
        return false;
      } finally {
        await c.end().catch(() => undefined);
      }
    };
    /** When the database answers again: tried every 20 ms from the restart on, until it has been away and is back. */
    const returnOf = async (restart: Promise<unknown>): Promise<{ down: number | null; back: number }> => {
      let done = false;
      void restart.then(() => (done = true));
      let down: number | null = null;
      for (;;) {
        const ok = await answers();
        const now = performance.now();
        if (!ok) down ??= now;
        else if (down !== null || done) return { down, back: now };
        await sleep(20);
      }
    };

    const seen: Seen[] = [];
    const errors: string[] = [];
    const total = (2 * SETTLE_MS + 2_000) * 2 + 4_000;
    const load = autocannon({
      url: base,
      connections: CONNECTIONS,
      duration: total / 1000,
      timeout: 10,
      requests: [
        { method: 'GET', path: '/procedures?q=khai%20sinh' },
        { method: 'GET', path: '/ready' },
      ],
    });
    load.on('response', (_c: unknown, status: number) => seen.push({ at: performance.now(), status }));
    load.on('reqError', (e: Error) => errors.push(e.message));
    await sleep(SETTLE_MS);

    let failed = false;
    for (const mode of ['fast', 'immediate'] as const) {
      const before = seen.length;
      const t0 = performance.now();
      const restarting = pgCommand('pg_ctl', ['-D', pgdata, '-o', opts, '-l', path.join(tmp, 'postgres.log'), '-m', mode, '-w', 'restart']);
      const { back } = await returnOf(restarting);
      const r = await restarting;
      if (!r.ok) throw new Error(`pg_ctl restart -m ${mode} failed:\n${r.out}`);
      await sleep(SETTLE_MS);
      const during = seen.slice(before).filter((s) => s.at >= t0);
      // The outage as the clients saw it: from the restart to the last answer that was not a 200; service resumed
      // with the first 200 after that one.
      const lastFail = during.findLast((s) => s.status !== 200);
      const firstOk = lastFail ? during.find((s) => s.at > lastFail.at && s.status === 200) : during.find((s) => s.status === 200);
      const outage = lastFail ? during.filter((s) => s.at <= lastFail.at) : [];
      const byStatus: Record<string, number> = {};
      for (const s of outage) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
      const alive = server.exitCode === null;
      const resumeMs = firstOk ? firstOk.at - back : Infinity;
      console.log(
        `  pg_ctl restart -m ${mode}: process ${alive ? 'survived' : 'DIED'}; responses from the restart to the last non-200: ${
          Object.entries(byStatus)
            .map(([s, n]) => `${s}: ${int(n)}`)
            .join(', ') || 'none'
        }; database back ${f1((back - t0) / 1000)} s after the restart began; first 200 after it ${
          firstOk ? (resumeMs <= 0 ? 'at once (before the probe saw it back)' : `${f1(resumeMs)} ms after its return`) : 'NEVER'
        }`,
      );
      if (!alive || !firstOk || resumeMs > 1_000) failed = true;
    }
    const result = await load;
    const others: Record<string, number> = {};
    for (const s of seen) if (s.status !== 200 && s.status !== 503) others[s.status] = (others[s.status] ?? 0) + 1;
    const byMessage: Record<string, number> = {};
    for (const e of errors) byMessage[e] = (byMessage[e] ?? 0) + 1;
    console.log(
      `  whole run: ${int(seen.length)} responses in ${f1(result.duration)} s (200: ${int(seen.filter((s) => s.status === 200).length)}, 503: ${int(
        seen.filter((s) => s.status === 503).length,
      )}); errors other than 503: ${
        Object.entries(others)
          .map(([s, n]) => `status ${s}: ${n}`)
          .join(', ') || 'none'
      }; socket errors: ${
        Object.entries(byMessage)
          .map(([m, n]) => `${m}: ${n}`)
          .join(', ') || 'none'
      }; timeouts: ${result.timeouts}`,
    );
    if (Object.keys(others).length || errors.length || result.timeouts) failed = true;

    const t = performance.now();
    server.kill('SIGTERM');
    const { code, signal } = await exited;
    console.log(`  SIGTERM: exited ${signal ? `on signal ${signal}` : `with code ${code}`} after ${f1(performance.now() - t)} ms`);
    if (code !== 0) failed = true;
    if (/"level":(50|60)/.test(output)) {
      console.log('  the server logged errors:');
      for (const line of output
        .split('\n')
        .filter((l) => /"level":(50|60)/.test(l))
        .slice(0, 5))
        console.log(`    ${line.slice(0, 300)}`);
    }
    console.log(failed ? '\nFAILED: the server did not come through both restarts cleanly' : '\nOK');
    process.exitCode = failed ? 1 : 0;
  } finally {
    await cleanup();
  }
}

await main();
