import { execFile } from 'node:child_process';
import { loadAuditKey } from '../src/platform/secrets.js';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { hashPassword } from '../src/auth/auth.service.js';
import { samplePdf } from '../src/demo/demo.model.js';
import { countRows } from '../src/platform/backup.repository.js';
import { BackupError, createBackup, restoreBackup, type Manifest } from '../src/platform/backup.js';
import { LocalBlobStore } from '../src/platform/blob-store.js';
import { loadConfig } from '../src/platform/config.js';
import { openDatabase } from '../src/platform/database.js';
import { migrateToLatest } from '../src/platform/migrate.js';
import { createServices } from '../src/services.js';
import { sql } from 'kysely';
import { AuditKey } from '../src/platform/audit-chain.model.js';
import { KpiService } from '../src/kpi/kpi.service.js';
import { OrgService } from '../src/org/org.service.js';
import { TEST_CATALOG, TEST_ORG } from './fixtures.js';
import { applicant } from './harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const adminUrl = process.env.DATABASE_URL;
const KIND = adminUrl ? 'postgres' : 'pglite';

interface Site {
  dataDir: string;
  databaseUrl: string | undefined;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real `motcua` command, against a site's data directory and database. */
function motcua(site: Site, args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC', MOTCUA_DATA_DIR: site.dataDir, LOG_LEVEL: 'silent' };
  if (site.databaseUrl) env.DATABASE_URL = site.databaseUrl;
  else delete env.DATABASE_URL;
  return new Promise((resolve) => {
    execFile(tsx, ['src/cli.ts', ...args], { cwd: root, env, timeout: 180_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const databases: string[] = [];
const dirs: string[] = [];

/** A new empty site: a data directory and, on PostgreSQL runs, a new empty database. */
async function emptySite(label: string): Promise<Site> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), `motcua-backup-${label}-`));
  dirs.push(dataDir);
  if (!adminUrl) return { dataDir, databaseUrl: undefined };
  const name = `motcua_bk_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  databases.push(name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { dataDir, databaseUrl: url.toString() };
}

async function rowsOf(site: Site): Promise<Record<string, number>> {
  const d = await openDatabase({ databaseUrl: site.databaseUrl, dataDir: site.dataDir, poolSize: 1 });
  try {
    return await countRows(d.db);
  } finally {
    await d.close();
  }
}

/** Every file under a directory with its bytes, by relative path. */
async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return out;
  }
  for (const e of entries.filter((x) => x.isFile()).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(e.parentPath, e.name);
    out.set(path.relative(dir, p), await fs.readFile(p));
  }
  return out;
}

let source: Site;
let work: string;
let archive: string;
const codes: string[] = [];

/** The source site: the test province, a clerk, three dossiers received (two scans uploaded for each), one forwarded. */
beforeAll(async () => {
  source = await emptySite('source');
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'motcua-backup-work-'));
  dirs.push(work);
  archive = path.join(work, 'province.tar');
  const database = await openDatabase({ databaseUrl: source.databaseUrl, dataDir: source.dataDir, poolSize: 2 });
  try {
    await migrateToLatest(database.db);
    const config = loadConfig({}, { logLevel: 'silent', dataDir: source.dataDir });
    const services = createServices({
      auditKey: await loadAuditKey({ auditKey: undefined, dataDir: source.dataDir }),
      db: database.db,
      blobs: new LocalBlobStore(path.join(source.dataDir, 'blobs')),
      clock: () => new Date('2025-03-14T03:00:00Z'),
      sessionTtlMinutes: 60,
      maxUploadBytes: config.maxUploadBytes,
    });
    await services.org.importOrg(TEST_ORG);
    await services.catalog.importCatalog(null, TEST_CATALOG);
    const center = (await services.org.listUnits(['center']))[0]!;
    await database.db
      .insertInto('staff')
      .values({
        username: 'clerk',
        password_hash: await hashPassword('backup-password-1'),
        full_name: 'Clerk',
        role: 'clerk',
        unit_id: center.id,
      })
      .execute();
    const app = await buildApp({ config, database, services, logger: false });
    try {
      const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'clerk', password: 'backup-password-1' } });
      const auth = { authorization: `Bearer ${(login.json() as { token: string }).token}` };
      for (let i = 0; i < 3; i++) {
        const sha: string[] = [];
        for (const title of [`To khai ${i}`, `Giay chung sinh ${i}`]) {
          const r = await app.inject({
            method: 'POST',
            url: '/files',
            headers: { ...auth, 'content-type': 'application/octet-stream' },
            payload: samplePdf(title),
          });
          expect(r.statusCode, r.body).toBe(201);
          sha.push((r.json() as { sha256: string }).sha256);
        }
        const r = await app.inject({
          method: 'POST',
          url: '/dossiers',
          headers: auth,
          payload: {
            procedureCode: '1.001193',
            applicant: applicant('14002', { idNumber: `03709500123${i}` }),
            // The second scan stays a stored file of the clerk's unit, not a component.
            components: [{ code: 'TK', source: 'upload', fileSha256: sha[0] }],
          },
        });
        expect(r.statusCode, r.body).toBe(201);
        const d = r.json() as { code: string; version: number };
        codes.push(d.code);
        if (i === 0) {
          const f = await app.inject({
            method: 'POST',
            url: `/dossiers/${d.code}/forward`,
            headers: auth,
            payload: { version: d.version },
          });
          expect(f.statusCode, f.body).toBe(200);
        }
        // The KPI rollups have applied the first two receipts when the backup is taken; the third is pending.
        if (i === 1) await services.kpi.catchUp();
      }
    } finally {
      await app.close();
    }
  } finally {
    await database.close();
  }
}, 180_000);

afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  if (adminUrl && databases.length) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    for (const name of databases) await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
});

describe(`motcua backup and restore (${KIND})`, () => {
  let target: Site;

  it('backs up the database and every uploaded file into one archive with a manifest', async () => {
    const r = await motcua(source, ['backup', archive]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { file: string; database: string; blobs: number; rows: number; problems: string[] };
    expect(summary).toMatchObject({ file: archive, database: KIND, blobs: 6, problems: [] });

    const listed: string[] = [];
    await tar.list({ file: archive, onReadEntry: (e) => void listed.push(e.path) });
    expect(listed[0]).toBe('manifest.json');
    const dumpFile = KIND === 'postgres' ? 'database.pgdump' : 'database.pglite.tar.gz';
    expect(listed).toContain(dumpFile);
    const staging = await fs.mkdtemp(path.join(work, 'read-'));
    await tar.extract({ file: archive, cwd: staging }, ['manifest.json']);
    const m = JSON.parse(await fs.readFile(path.join(staging, 'manifest.json'), 'utf8')) as Manifest;
    expect(m.format).toBe('motcua.backup/1');
    expect(m.appVersion).toBe('0.1.0');
    expect(m.database.kind).toBe(KIND);
    expect(Date.parse(m.createdAt)).toBeGreaterThan(Date.now() - 10 * 60_000);
    expect(m.counts.tables).toEqual(await rowsOf(source));
    expect(m.counts.tables['public.dossiers']).toBe(3);
    expect(m.counts.blobs).toBe(6);
    // Every member is listed with its digest; blobs are named by theirs.
    const blobs = Object.keys(m.members).filter((k) => k.startsWith('blobs/'));
    expect(blobs).toHaveLength(6);
    for (const b of blobs) expect(m.members[b]!.sha256).toBe(path.basename(b));
    expect(Object.keys(m.members).sort()).toEqual(listed.filter((p) => !p.endsWith('/') && p !== 'manifest.json').sort());
  }, 240_000);

  it('restores into an empty data directory: the same rows, the same file bytes, and audit verify passes', async () => {
    target = await emptySite('target');
    const r = await motcua(target, ['restore', archive]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ database: KIND, blobs: 6, appVersion: '0.1.0' });

    const before = await rowsOf(source);
    // A PostgreSQL restore applies the receipt the backup's rollups had not (rebaseRestored): its overdue stretch is a
    // new kpi_overdue row; its counts land on rows that exist already. PGlite's restore is physical.
    const pending = KIND === 'postgres' ? { 'public.kpi_overdue': before['public.kpi_overdue']! + 1 } : {};
    expect(await rowsOf(target)).toEqual({ ...before, ...pending });
    expect(before['public.audit_log']).toBeGreaterThan(0);
    const files = await filesOf(path.join(source.dataDir, 'blobs'));
    expect(files.size).toBe(6);
    expect(await filesOf(path.join(target.dataDir, 'blobs'))).toEqual(files);
    // Whatever secrets/ and audit/ the source holds (the audit key, chain checkpoints) come back byte for byte.
    for (const dir of ['secrets', 'audit']) {
      expect(await filesOf(path.join(target.dataDir, dir))).toEqual(await filesOf(path.join(source.dataDir, dir)));
    }

    const verify = await motcua(target, ['audit', 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    // One JSON line per problem, then the summary line: only the summary here.
    const lines = verify.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const v = JSON.parse(lines[0]!) as { ok: boolean; entries: number; problems: number };
    expect(v.ok).toBe(true);
    expect(v.problems).toBe(0);
    expect(v.entries).toBe(before['public.audit_log']);

    // The restored site serves the dossiers with their files.
    const database = await openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir, poolSize: 1 });
    try {
      const rows = await database.db.selectFrom('dossiers').select('code').orderBy('code').execute();
      expect(rows.map((x) => x.code)).toEqual([...codes].sort());

      // The KPI rollups go on from where they were: the pending receipt is counted once, a rebuild agrees, and a
      // write of the restored site is counted (after pg_restore, its transaction ids are this cluster's, not the source's).
      const kpi = new KpiService({
        db: database.db,
        clock: () => new Date('2025-03-14T04:00:00Z'),
        org: new OrgService({ db: database.db, clock: () => new Date(), auditKey: AuditKey.generate() }),
      });
      // The pending receipt touched one row of each rollup: the day's, the clerk's, and kpi_grains' month at its 7
      // grains and day at its 4; its overdue stretch's +1 on its due date's day touched that day's row and its 4 day
      // grains (the month's are the same 7), and the stretch is a kpi_overdue row: 13 + 5 + 1.
      if (KIND === 'postgres') expect(JSON.parse(r.stdout).kpi).toEqual({ applied: 19, renumbered: expect.any(Number) });
      await kpi.catchUp();
      const received = async () =>
        Number((await sql<{ n: string }>`select coalesce(sum(received), 0) as n from kpi_daily`.execute(database.db)).rows[0]!.n);
      expect(await received()).toBe(3);
      const all = async () => (await sql`select * from kpi_daily order by 1, 2, 3, 4`.execute(database.db)).rows;
      const applied = await all();
      await kpi.rebuild();
      expect(await all()).toEqual(applied);
      const d = await database.db.selectFrom('dossiers').select('id').where('code', '=', codes[1]!).executeTakeFirstOrThrow();
      await database.db
        .insertInto('ratings')
        .values({ dossier_id: d.id, rating: 'acceptable', comment: null, created_at: new Date('2025-03-14T04:00:00Z') })
        .execute();
      await kpi.catchUp();
      expect(Number((await sql<{ n: string }>`select sum(rated_acceptable) as n from kpi_daily`.execute(database.db)).rows[0]!.n)).toBe(1);
    } finally {
      await database.close();
    }
  }, 240_000);

  it('refuses to restore over a site that is not empty, naming what is there, and changes nothing', async () => {
    // The restored site has been written to since (a rating above): the refusal must leave it as it is now.
    const now = await rowsOf(target);
    await expect(restoreBackup({ file: archive, dataDir: target.dataDir, databaseUrl: target.databaseUrl })).rejects.toThrow(
      KIND === 'pglite'
        ? /is not empty \(pgdata\/ holds files\): restore only into an empty data directory/
        : /is not empty \(blobs\/ holds files\)/,
    );
    expect(await rowsOf(target)).toEqual(now);
    if (KIND === 'postgres') {
      // An empty data directory but a database with tables.
      const fresh = await fs.mkdtemp(path.join(work, 'fresh-'));
      await expect(restoreBackup({ file: archive, dataDir: fresh, databaseUrl: target.databaseUrl })).rejects.toThrow(
        /The database of DATABASE_URL is not empty \(\d+ tables, such as public\.\w+\): restore only into a new, empty database/,
      );
    }
  });

  it('refuses an archive of the other database kind before touching the target', async () => {
    const empty = await emptySite('kind');
    if (KIND === 'postgres') {
      await expect(restoreBackup({ file: archive, dataDir: empty.dataDir, databaseUrl: undefined })).rejects.toThrow(
        /holds a PostgreSQL database: set DATABASE_URL to a new, empty database/,
      );
    } else {
      await expect(
        restoreBackup({ file: archive, dataDir: empty.dataDir, databaseUrl: 'postgres://nobody@127.0.0.1:1/none' }),
      ).rejects.toThrow(/holds an embedded \(PGlite\) database: unset DATABASE_URL/);
    }
    expect(await filesOf(empty.dataDir)).toEqual(new Map());
  });

  it('refuses a damaged archive (a file whose bytes differ from its manifest), leaving the target empty', async () => {
    const unpacked = await fs.mkdtemp(path.join(work, 'unpacked-'));
    await tar.extract({ file: archive, cwd: unpacked });
    const m = JSON.parse(await fs.readFile(path.join(unpacked, 'manifest.json'), 'utf8')) as Manifest;
    const victim = Object.keys(m.members).find((k) => k.startsWith('blobs/'))!;
    const bytes = await fs.readFile(path.join(unpacked, victim));
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 0xff;
    await fs.writeFile(path.join(unpacked, victim), bytes);
    const damaged = path.join(work, 'damaged.tar');
    await tar.create({ file: damaged, cwd: unpacked, portable: true }, ['manifest.json', ...Object.keys(m.members)]);

    const empty = await emptySite('damaged');
    await expect(restoreBackup({ file: damaged, dataDir: empty.dataDir, databaseUrl: empty.databaseUrl })).rejects.toThrow(
      new RegExp(
        `The archive is damaged: ${victim} has sha256 [0-9a-f]{64} \\(${bytes.length} bytes\\), its manifest says ${path.basename(victim)}`,
      ),
    );
    await expect(
      restoreBackup({ file: path.join(work, 'no-such.tar'), dataDir: empty.dataDir, databaseUrl: empty.databaseUrl }),
    ).rejects.toThrow(BackupError);
    expect(await filesOf(empty.dataDir)).toEqual(new Map());
    if (empty.databaseUrl) expect(await rowsOf(empty)).toEqual({});
  });

  it('carries secrets/ and audit/ of the data directory and reports blobs the database names but the store lacks', async () => {
    // The source, once the tests above are done with it: files in secrets/ and audit/, one blob gone.
    const file = path.join(work, 'second.tar');
    await fs.mkdir(path.join(source.dataDir, 'secrets'), { recursive: true, mode: 0o700 });
    await fs.writeFile(path.join(source.dataDir, 'secrets', 'sample.key'), randomBytes(32), { mode: 0o600 });
    await fs.mkdir(path.join(source.dataDir, 'audit', 'deep'), { recursive: true });
    await fs.writeFile(path.join(source.dataDir, 'audit', 'deep', 'sample.json'), '{"seq":1}\n');
    const blobs = [...(await filesOf(path.join(source.dataDir, 'blobs'))).keys()];
    await fs.rm(path.join(source.dataDir, 'blobs', blobs[0]!));
    // An upload caught between its write and its rename is not a blob.
    await fs.writeFile(path.join(source.dataDir, 'blobs', `${blobs[1]!}.abc123.tmp`), 'partial');

    const database = await openDatabase({ databaseUrl: source.databaseUrl, dataDir: source.dataDir, poolSize: 2 });
    let summary;
    try {
      // Never over an earlier archive.
      await expect(
        createBackup({ database, databaseUrl: source.databaseUrl, dataDir: source.dataDir, file: archive, appVersion: 'test' }),
      ).rejects.toThrow(`${archive} already exists: name the backup anew`);
      summary = await createBackup({ database, databaseUrl: source.databaseUrl, dataDir: source.dataDir, file, appVersion: 'test' });
    } finally {
      await database.close();
    }
    expect(summary.blobs).toBe(5);
    expect(summary.problems).toEqual([`blobs: the database names ${path.basename(blobs[0]!)} but the blob store lacks it`]);

    const back = await emptySite('back');
    await restoreBackup({ file, dataDir: back.dataDir, databaseUrl: back.databaseUrl });
    for (const dir of ['secrets', 'audit', 'blobs']) {
      const expected = await filesOf(path.join(source.dataDir, dir));
      for (const k of [...expected.keys()]) if (k.endsWith('.tmp')) expected.delete(k);
      expect(expected.size).toBeGreaterThan(0);
      expect(await filesOf(path.join(back.dataDir, dir))).toEqual(expected);
    }
    expect((await fs.stat(path.join(back.dataDir, 'secrets', 'sample.key'))).mode & 0o777).toBe(0o600);
  }, 240_000);

  it.runIf(KIND === 'pglite')('never lets a second opener at an embedded database in use (a backup beside a running server)', async () => {
    const open = await openDatabase({ dataDir: source.dataDir });
    try {
      await expect(openDatabase({ dataDir: source.dataDir })).rejects.toThrow(
        new RegExp(`The data directory ${source.dataDir} is in use by process ${process.pid} on .*: stop it first`),
      );
    } finally {
      await open.close();
    }
    // Released on close: the next opener gets it.
    const next = await openDatabase({ dataDir: source.dataDir });
    await next.close();
  });
});
