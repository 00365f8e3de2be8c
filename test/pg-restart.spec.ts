import { spawn, type ChildProcess } from 'node:child_process';
import { AuditKey } from '../src/platform/audit-chain.model.js';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/platform/database.js';
import { migrateToLatest } from '../src/platform/migrate.js';
import { MemoryBlobStore } from '../src/platform/blob-store.js';
import { createServices } from '../src/services.js';
import { TEST_ORG } from './fixtures.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * The real server (`motcua serve`, a child process) on PostgreSQL reached through a proxy the test controls: the
 * proxy breaks every connection and refuses new ones, as a fast or immediate restart does, then comes back.
 * The machine's PostgreSQL is never touched (bench/pg-restart.ts restarts a private cluster for real).
 */

const adminUrl = process.env.DATABASE_URL;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

interface Answer {
  path: string;
  /** performance.now() when the request was sent and when its answer (or failure) came. */
  sent: number;
  done: number;
  status?: number;
  contentType?: string | null;
  retryAfter?: string | null;
  body?: Record<string, unknown>;
  error?: string;
}

let dbName = '';
let proxy: TcpProxy;
let child: ChildProcess;
let base = '';
let output = '';
let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
let centerId = 0;

async function ask(p: string, timeoutMs = 4_000): Promise<Answer> {
  const sent = performance.now();
  try {
    const r = await fetch(`${base}${p}`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await r.text();
    return {
      path: p,
      sent,
      done: performance.now(),
      status: r.status,
      contentType: r.headers.get('content-type'),
      retryAfter: r.headers.get('retry-after'),
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  } catch (e) {
    return { path: p, sent, done: performance.now(), error: (e as Error).name + ': ' + (e as Error).message };
  }
}

/** Concurrent clients asking, each one request after another, until `until()` says stop. */
async function load(until: () => boolean, clients = 8): Promise<Answer[]> {
  const answers: Answer[] = [];
  const paths = ['/procedures', '/ready', '/procedures?q=khai%20sinh'];
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      for (let n = i; !until(); n++) {
        answers.push(await ask(paths[n % paths.length]!));
        await new Promise((r) => setTimeout(r, 5));
      }
    }),
  );
  return answers;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = () => child.exitCode === null && child.signalCode === null;

describe.skipIf(!adminUrl)('the server through a PostgreSQL restart (PostgreSQL only: runs when DATABASE_URL is set)', () => {
  beforeAll(async () => {
    const admin = new URL(adminUrl!);
    dbName = `motcua_t_restart_${process.pid}_${randomBytes(4).toString('hex')}`;
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`create database ${dbName}`);
    await c.end();
    // The test province's units, so that a display board can stream; the server itself migrates (a no-op then).
    const direct = new URL(admin);
    direct.pathname = `/${dbName}`;
    const database = await openDatabase({ databaseUrl: direct.toString(), poolSize: 2 });
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
    centerId = (await services.org.listUnits()).find((u) => u.key === 'TTPVHCC')!.id;
    await database.close();

    proxy = new TcpProxy(admin.hostname, Number(admin.port || 5432));
    await proxy.start();
    const through = new URL(direct);
    through.host = `127.0.0.1:${proxy.port}`;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-restart-'));
    child = spawn(tsx, ['src/cli.ts', 'serve', '--no-seed'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: through.toString(),
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
        MOTCUA_DATA_DIR: dataDir,
        MOTCUA_DB_POOL: '4',
        // A role of this test's own: a developer's server on the same cluster keeps its motcua_app and password.
        MOTCUA_APP_ROLE: 'motcua_test_restart',
        TZ: 'UTC',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const collect = (chunk: Buffer) => {
      // A warning line per refused request (~210 bytes) soon fills a small window on a fast machine: keep 8 MB, so the
      // lines logged at the cut ("database connection lost") are still there when the test reads them.
      output = (output + chunk.toString()).slice(-8_000_000);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const started = Date.now();
    while (!base) {
      const m = /Portal:\s+(http:\/\/[\d.]+:\d+)\//.exec(output);
      if (m) base = m[1]!;
      else if (!alive() || Date.now() - started > 60_000) throw new Error(`serve did not start:\n${output}`);
      else await sleep(100);
    }
  }, 120_000);

  afterAll(async () => {
    if (child && alive()) child.kill('SIGKILL');
    await proxy?.cut();
    if (dbName) {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${dbName} with (force)`);
      await c.end();
    }
  });

  it('answers 200 under concurrent requests while the database is up', async () => {
    const end = performance.now() + 1_000;
    const answers = await load(() => performance.now() > end);
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.filter((a) => a.status !== 200).map((a) => a.error ?? `${a.path} ${a.status}`)).toEqual([]);
    expect(proxy.open).toBeGreaterThan(0); // the server's pool really goes through the proxy
  });

  it('stays up when every connection breaks and the port refuses: 503 problem+json with Retry-After, never a hang or a 500', async () => {
    let cutAt = Infinity;
    const end = performance.now() + 2_500;
    const running = load(() => performance.now() > end);
    await sleep(500);
    cutAt = performance.now();
    await proxy.cut();
    const answers = await running;
    expect(alive()).toBe(true);

    // A request in flight at the cut fails like the rest; none is a 500, none times out.
    expect(answers.filter((a) => a.error || (a.status !== 200 && a.status !== 503)).map((a) => a.error ?? `${a.path} ${a.status}`)).toEqual(
      [],
    );
    const during = answers.filter((a) => a.sent > cutAt + 50);
    expect(during.length).toBeGreaterThan(20);
    expect(during.filter((a) => a.status !== 503).map((a) => `${a.path} ${a.status}`)).toEqual([]);
    // Refused connections fail at once: no answer waits for the pool's connection timeout.
    expect(Math.max(...during.map((a) => a.done - a.sent))).toBeLessThan(1_000);
    for (const a of during.filter((x) => x.path.startsWith('/procedures'))) {
      expect(a.contentType).toBe('application/problem+json; charset=utf-8');
      expect(a.retryAfter).toBe('5');
      expect(a.body).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE', type: 'https://motcua.dev/problems/database-unavailable' });
    }
    const ready = during.filter((a) => a.path === '/ready');
    expect(ready.length).toBeGreaterThan(0);
    for (const a of ready) {
      expect(a.retryAfter).toBe('5');
      expect(a.body).toEqual({ status: 'unavailable', database: 'postgres' });
    }
    expect((await ask('/health')).status).toBe(200); // liveness does not depend on the database
    expect(output).toContain('database connection lost');
    expect(output).not.toMatch(/"level":50/); // a database away is a warning per request, not an error with a stack
  });

  it('serves again within a second of the database coming back, by itself', async () => {
    let back = Infinity;
    let firstOk = Infinity;
    const running = load(() => performance.now() > back + 1_500);
    await sleep(300);
    await proxy.start();
    back = performance.now();
    const answers = await running;
    for (const a of answers) if (a.status === 200 && a.sent >= back && a.done < firstOk) firstOk = a.done;
    expect(firstOk - back).toBeLessThan(1_000);
    // Once one request is served, the rest are too.
    const after = answers.filter((a) => a.sent > firstOk);
    expect(after.length).toBeGreaterThan(20);
    expect(after.filter((a) => a.status !== 200).map((a) => a.error ?? `${a.path} ${a.status}`)).toEqual([]);
    expect(alive()).toBe(true);
  });

  it('on SIGTERM stops accepting, finishes the requests in flight, ends the board streams, and exits 0', async () => {
    // A display board keeps its event stream open: shutdown must end it rather than wait for it.
    const board = await fetch(`${base}/public/queue/points/${centerId}/events`);
    expect(board.status).toBe(200);
    const reader = board.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('retry: 3000');
    const streamEnded = (async () => {
      for (;;) if ((await reader.read()).done) return performance.now();
    })();

    // Every answer of the database now takes 1.5 s: these requests are in flight when the signal comes.
    proxy.delayMs = 1_500;
    const inFlight = Promise.all(Array.from({ length: 6 }, (_, i) => ask(i % 2 ? '/procedures' : '/ready', 8_000)));
    await sleep(400);
    const signalled = performance.now();
    child.kill('SIGTERM');
    // The listening socket closes: new connections are refused, while the requests in flight go on.
    const connect = () =>
      new Promise<string>((resolve) => {
        const s = net.connect(Number(new URL(base).port), '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve('connected');
        });
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
    let refused = await connect();
    while (refused === 'connected' && performance.now() - signalled < 2_000) {
      await sleep(20);
      refused = await connect();
    }
    const refusedAt = performance.now();
    expect(refused).toBe('ECONNREFUSED');

    const answers = await inFlight;
    expect(answers.map((a) => a.error ?? a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    // They were in flight: answered after the server stopped accepting.
    expect(Math.min(...answers.map((a) => a.done))).toBeGreaterThan(refusedAt);
    expect(await streamEnded).toBeLessThan(refusedAt + 1_000);
    const { code, signal } = await exit;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    // Well before the 10 s grace period: nothing was left holding the server open.
    expect(performance.now() - signalled).toBeLessThan(6_000);
  }, 30_000);
});
