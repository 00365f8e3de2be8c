import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppDatabase, withCredentials, type AppDatabase } from '../src/platform/database-roles.js';
import { loadAppPassword, loadAuditKey } from '../src/platform/secrets.js';
import { chainMessage } from '../src/platform/audit-chain.model.js';
import { MemoryBlobStore } from '../src/platform/blob-store.js';
import { createServices } from '../src/services.js';
import { hashPassword } from '../src/auth/auth.service.js';
import { TEST_APP_ROLE } from '../src/platform/testing.js';
import { TEST_CATALOG, TEST_ORG } from './fixtures.js';

// `motcua audit checkpoint` and `motcua audit verify` on a fresh data directory, as an operator runs them: the trail
// verifies; then the database owner rewrites an entry and rehashes its chain with plain SHA-256, and verify exits 1
// naming it; then the owner truncates audit_log, audit_heads and dossier_events, and verify names every stream the
// checkpoints outside the database remember.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const adminUrl = process.env.DATABASE_URL;
let dataDir = '';
let env: NodeJS.ProcessEnv = {};
let dropDatabase: (() => Promise<void>) | undefined;
let options: Parameters<typeof openAppDatabase>[0];

function motcua(args: string[]): Promise<{ code: number; lines: Record<string, unknown>[]; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx, ['src/cli.ts', ...args], { cwd: root, env, timeout: 120_000 }, (error, stdout, stderr) => {
      const lines = stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code: error ? Number(error.code ?? 1) : 0, lines, stderr });
    });
  });
}

/** Does fn as the owner of the tables, with the app closed (PGlite's data directory is one process's at a time). */
async function asOwner(fn: (db: AppDatabase['db']) => Promise<void>): Promise<void> {
  const database = await openAppDatabase(options);
  try {
    await database.asOwner(fn);
  } finally {
    await database.close();
  }
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-audit-cli-'));
  env = { ...process.env, TZ: 'UTC', MOTCUA_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  delete env.DATABASE_URL;
  delete env.MOTCUA_AUDIT_KEY;
  options = { dataDir, appRole: 'motcua_app' };
  if (adminUrl) {
    const name = `motcua_cli_${process.pid}_${randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    // The tests' shared role and password (platform/testing.ts), given explicitly so that no password is ever reset.
    const password = await loadAppPassword(path.join(os.tmpdir(), 'motcua-test'));
    const appUrl = withCredentials(url.toString(), TEST_APP_ROLE, password);
    env.DATABASE_URL = url.toString();
    env.MOTCUA_APP_DATABASE_URL = appUrl;
    // The role is created on first use (the first test file on a fresh cluster may be this one); the CLI then logs in
    // with the explicit URL.
    options = { databaseUrl: url.toString(), appRole: TEST_APP_ROLE, appPassword: async () => password, dataDir };
  }
  // A little history written by the app itself, with the key the data directory gets on first start.
  const database = await openAppDatabase(options);
  try {
    const services = createServices({
      db: database.db,
      blobs: new MemoryBlobStore(),
      clock: () => new Date('2025-03-14T03:00:00Z'),
      auditKey: await loadAuditKey({ auditKey: undefined, dataDir }),
      sessionTtlMinutes: 60,
      maxUploadBytes: 1024 * 1024,
    });
    await services.org.importOrg(TEST_ORG);
    await services.catalog.importCatalog(null, TEST_CATALOG);
    const unit = (await services.org.listUnits()).find((u) => u.key === 'CN-A')!;
    await database.db
      .insertInto('staff')
      .values({ username: 'clerk', password_hash: await hashPassword('pw-1234567'), full_name: 'Clerk', role: 'clerk', unit_id: unit.id })
      .execute();
    const { actor } = await services.auth.login('clerk', 'pw-1234567');
    for (let i = 0; i < 3; i++) {
      await services.dossiers.receiveAtCounter(actor, {
        procedureCode: '1.001193',
        applicant: { idNumber: `03709500123${i}`, name: 'Nguyễn Văn An', phone: '0912345678', address: 'Thôn Hai', communeCode: '14002' },
        components: [{ code: 'TK', source: 'paper' }],
      });
    }
  } finally {
    await database.close();
  }
}, 240_000);

afterAll(async () => {
  await dropDatabase?.();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('motcua audit', () => {
  it('checkpoints the heads outside the database, then verifies the trail: exit 0', async () => {
    const cp = await motcua(['audit', 'checkpoint']);
    expect(cp.stderr).toBe('');
    expect(cp.lines).toEqual([{ written: true, streams: 2, file: path.join(dataDir, 'audit', 'checkpoints.jsonl') }]);
    const r = await motcua(['audit', 'verify']);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([{ ok: true, streams: 2, entries: expect.any(Number), events: 3, checkpoints: 1, problems: 0 }]);
  });

  it('exits 1 naming the entry the owner rewrote and every one rehashed after it with plain SHA-256', async () => {
    let stream = '';
    let last = 0;
    await asOwner(async (db) => {
      await sql`alter table audit_log disable trigger audit_log_append_only`.execute(db);
      const row = await db.selectFrom('audit_log').select(['stream']).where('action', '=', 'dossier.receive').executeTakeFirstOrThrow();
      stream = row.stream;
      const rows = await db.selectFrom('audit_log').selectAll().where('stream', '=', stream).orderBy('seq').execute();
      let prev = rows[0]!.hash;
      for (const r of rows.slice(1)) {
        const payload = r.seq === 2 ? r.payload.replace('"status":"received"', '"status":"refused"') : r.payload;
        const hash = createHash('sha256')
          .update(chainMessage(prev, r.stream, r.seq, payload))
          .digest('hex');
        await sql`update audit_log set payload = ${payload}, prev_hash = ${prev}, hash = ${hash} where stream = ${stream} and seq = ${r.seq}`.execute(
          db,
        );
        prev = hash;
        last = r.seq;
      }
      await sql`alter table audit_log enable trigger audit_log_append_only`.execute(db);
      await sql`alter table audit_heads disable trigger audit_heads_advance_only`.execute(db);
      await sql`update audit_heads set hash = ${prev} where stream = ${stream}`.execute(db);
      await sql`alter table audit_heads enable trigger audit_heads_advance_only`.execute(db);
    });
    const r = await motcua(['audit', 'verify']);
    expect(r.code).toBe(1);
    const mismatches = r.lines.filter((l) => l.reason === 'hash mismatch: the entry was altered or rehashed without the audit key');
    expect(mismatches.map((l) => l.seq)).toEqual(Array.from({ length: last - 1 }, (_, i) => i + 2));
    expect(mismatches.every((l) => l.stream === stream)).toBe(true);
    expect(r.lines.some((l) => l.stream === stream && String(l.reason).startsWith('differs from the checkpoint of'))).toBe(true);
    expect(r.lines.at(-1)).toMatchObject({ ok: false });
  });

  it('exits 1 naming every checkpointed stream after the owner truncates audit_log, audit_heads and dossier_events', async () => {
    const heads: { stream: string; seq: number }[] = [];
    await asOwner(async (db) => {
      heads.push(...(await db.selectFrom('audit_heads').select(['stream', 'seq']).execute()));
      for (const t of ['audit_log', 'audit_heads', 'dossier_events'])
        await sql`alter table ${sql.table(t)} disable trigger user`.execute(db);
      await sql`truncate audit_log, audit_heads, dossier_events`.execute(db);
      for (const t of ['audit_log', 'audit_heads', 'dossier_events'])
        await sql`alter table ${sql.table(t)} enable trigger user`.execute(db);
    });
    const r = await motcua(['audit', 'verify']);
    expect(r.code).toBe(1);
    expect(r.lines.slice(0, -1).map((l) => [l.stream, l.seq, String(l.reason).replace(/ of \S+ /, ' of <at> ')])).toEqual(
      [...heads]
        .sort((a, b) => (a.stream < b.stream ? -1 : 1))
        .map((h) => [h.stream, h.seq, `stream missing: the checkpoint of <at> recorded ${h.seq} entries`]),
    );
    expect(r.lines.at(-1)).toEqual({ ok: false, streams: 0, entries: 0, events: 0, checkpoints: 1, problems: heads.length });
  });
});
