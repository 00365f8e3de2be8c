import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tar from 'tar';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { blobNames, countRows, dumpPgliteDataDir, exportSnapshot, listTables, serverVersion } from './backup.repository.js';
import { lockDataDir } from './data-dir-lock.js';
import { openDatabase, type Database, type DatabaseKind } from './database.js';

/**
 * One archive (tar) holding a deployment: its database, the blob store, and the data directory's secrets/ and
 * audit/ (the audit key and chain checkpoints `audit verify` needs), with a manifest naming the SHA-256 of each member.
 *
 * Consistency without stopping the server (PostgreSQL):
 *   1. secrets/ and audit/ are copied first: a checkpoint older than the database snapshot names a chain position
 *      the snapshot still holds (a newer one could name entries the snapshot lacks);
 *   2. the database is dumped from one snapshot (pg_dump --snapshot of a repeatable-read transaction, which also
 *      counts every table's rows for the manifest, so the counts are exactly the dump's);
 *   3. the blob store is read last: files are content-addressed, immutable, and written before their rows, so every
 *      file the snapshot names is already there (files added since are harmless extras).
 * On PGlite the data directory is locked (data-dir-lock.ts): the server must be stopped, nothing else writes.
 */

export const BACKUP_FORMAT = 'motcua.backup/1';
const MANIFEST = 'manifest.json';
const DUMP_FILE: Record<DatabaseKind, string> = { postgres: 'database.pgdump', pglite: 'database.pglite.tar.gz' };
/** Directories of the data directory carried along when they exist (beside the blob store). */
const SIDE_DIRS = ['secrets', 'audit'] as const;
const BLOB_NAME = /^[0-9a-f]{64}$/;

export interface Manifest {
  format: typeof BACKUP_FORMAT;
  createdAt: string;
  appVersion: string;
  database: { kind: DatabaseKind; file: string; serverVersion: string };
  /** Rows per table (schema.table) in the snapshot, and the blob store's files. */
  counts: { tables: Record<string, number>; blobs: number; blobBytes: number };
  /** Every file of the archive but the manifest, by its path in the archive. */
  members: Record<string, { size: number; sha256: string }>;
}

export interface BackupSummary {
  file: string;
  bytes: number;
  database: DatabaseKind;
  tables: number;
  rows: number;
  blobs: number;
  /** Files the database names that the blob store lacks, or whose content does not match their name. */
  problems: string[];
}

export interface RestoreSummary {
  file: string;
  database: DatabaseKind;
  createdAt: string;
  appVersion: string;
  tables: number;
  rows: number;
  blobs: number;
}

/** A refusal or failure with a message for the operator (the CLI prints it and exits 1). */
export class BackupError extends Error {
  override name = 'BackupError';
}

async function sha256File(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Every file under `dir`, as paths relative to it with '/' separators, in name order; [] when it does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** Runs a PostgreSQL client tool; the password goes through the environment, never the command line (ps shows it). */
function runPgTool(tool: string, args: string[], databaseUrl: string, pgBinDir: string | undefined): Promise<void> {
  const url = new URL(databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  const env = { ...process.env, ...(password ? { PGPASSWORD: password } : {}) };
  const command = pgBinDir ? path.join(pgBinDir, tool) : tool;
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args, `--dbname=${url.toString()}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) =>
      reject(
        new BackupError(
          `${command} could not be run (${(e as NodeJS.ErrnoException).code ?? e.message}): install PostgreSQL's client tools ` +
            `(Debian: postgresql-client), at least as new as the server, or name their directory with --pg-bin`,
        ),
      ),
    );
    child.on('close', (code) => (code === 0 ? resolve() : reject(new BackupError(`${tool} failed (exit ${code}): ${stderr.trim()}`))));
  });
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

async function copyDir(from: string, to: string): Promise<void> {
  await fs.cp(from, to, { recursive: true, preserveTimestamps: true, errorOnExist: true, force: false });
}

/** Writes the archive of the deployment to `file` (atomically: a partial file never has the final name). */
export async function createBackup(opts: {
  database: Database;
  databaseUrl: string | undefined;
  dataDir: string;
  file: string;
  appVersion: string;
  pgBinDir?: string | undefined;
}): Promise<BackupSummary> {
  const { database, dataDir } = opts;
  const file = path.resolve(opts.file);
  // Never over an earlier archive: a failed night must not replace a good copy.
  if (await exists(file)) throw new BackupError(`${file} already exists: name the backup anew (e.g. with the date) or remove the old file`);
  if (!(await exists(path.dirname(file)))) throw new BackupError(`The directory ${path.dirname(file)} does not exist`);
  const staging = await fs.mkdtemp(path.join(path.dirname(file), '.motcua-backup-'));
  const partial = `${file}.${randomBytes(4).toString('hex')}.partial`;
  try {
    // 1. secrets/ and audit/, before the snapshot.
    const sides: string[] = [];
    for (const dir of SIDE_DIRS) {
      if ((await filesUnder(path.join(dataDir, dir))).length === 0) continue;
      await copyDir(path.join(dataDir, dir), path.join(staging, dir));
      sides.push(dir);
    }

    // 2. The database, and in the same snapshot its row counts and the files it names.
    const dumpFile = DUMP_FILE[database.kind];
    let tables: Record<string, number>;
    let named: string[];
    const version = await serverVersion(database.db);
    if (database.kind === 'postgres') {
      if (!opts.databaseUrl) throw new BackupError('A PostgreSQL backup needs DATABASE_URL');
      const databaseUrl = opts.databaseUrl;
      ({ tables, named } = await database.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .setAccessMode('read only')
        .execute(async (trx) => {
          const snapshot = await exportSnapshot(trx);
          const counts = await countRows(trx);
          const names = await blobNames(trx);
          // pg_dump's own format: compressed, restorable table by table, readable by any newer pg_restore.
          await runPgTool(
            'pg_dump',
            ['--format=custom', `--snapshot=${snapshot}`, `--file=${path.join(staging, dumpFile)}`],
            databaseUrl,
            opts.pgBinDir,
          );
          return { tables: counts, named: names };
        }));
    } else {
      if (!database.pglite) throw new BackupError('An in-memory database has nothing to back up: set MOTCUA_DATA_DIR');
      tables = await countRows(database.db);
      named = await blobNames(database.db);
      await fs.writeFile(path.join(staging, dumpFile), await dumpPgliteDataDir(database.pglite));
    }

    // 3. The blob store, after the snapshot.
    const members: Manifest['members'] = {};
    members[dumpFile] = await sha256File(path.join(staging, dumpFile));
    for (const dir of sides) {
      for (const f of await filesUnder(path.join(staging, dir))) members[`${dir}/${f}`] = await sha256File(path.join(staging, dir, f));
    }
    const problems: string[] = [];
    const blobsDir = path.join(dataDir, 'blobs');
    const present = new Set<string>();
    let blobBytes = 0;
    for (const f of await filesUnder(blobsDir)) {
      const name = path.posix.basename(f);
      // Only <ab>/<cd>/<sha256>: an upload's temporary file (written, fsynced, then renamed) is not a blob yet.
      if (!BLOB_NAME.test(name) || f !== `${name.slice(0, 2)}/${name.slice(2, 4)}/${name}`) continue;
      const m = await sha256File(path.join(blobsDir, f));
      if (m.sha256 !== name) problems.push(`blobs/${f}: its content does not match its name (sha256 ${m.sha256})`);
      members[`blobs/${f}`] = m;
      present.add(name);
      blobBytes += m.size;
    }
    for (const sha of named) if (!present.has(sha)) problems.push(`blobs: the database names ${sha} but the blob store lacks it`);
    if (present.size > 0) await fs.symlink(blobsDir, path.join(staging, 'blobs'));

    const manifest: Manifest = {
      format: BACKUP_FORMAT,
      createdAt: new Date().toISOString(),
      appVersion: opts.appVersion,
      database: { kind: database.kind, file: dumpFile, serverVersion: version },
      counts: { tables, blobs: present.size, blobBytes },
      members,
    };
    await fs.writeFile(path.join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);

    // The archive: the manifest first, then exactly the members it lists (blobs/ is a link to the store, followed).
    await tar.create(
      {
        file: partial,
        cwd: staging,
        portable: true,
        follow: true,
        filter: (p, stat) =>
          p === MANIFEST || ('isDirectory' in stat && stat.isDirectory()) || Object.hasOwn(members, p.replace(/^\.\//, '')),
      },
      [MANIFEST, dumpFile, ...sides, ...(present.size > 0 ? ['blobs'] : [])],
    );
    const handle = await fs.open(partial, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(partial, file);
    const rows = Object.values(tables).reduce((a, b) => a + b, 0);
    return {
      file,
      bytes: (await fs.stat(file)).size,
      database: database.kind,
      tables: Object.keys(tables).length,
      rows,
      blobs: present.size,
      problems,
    };
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
    await fs.rm(partial, { force: true });
  }
}

/** Reads and checks the manifest of an archive without extracting the rest. */
async function readManifest(file: string, staging: string): Promise<Manifest> {
  try {
    await tar.extract({ file, cwd: staging, strict: true }, [MANIFEST]);
  } catch (e) {
    throw new BackupError(`${file} is not a Motcua backup (no readable ${MANIFEST}: ${(e as Error).message})`);
  }
  let m: Manifest;
  try {
    m = JSON.parse(await fs.readFile(path.join(staging, MANIFEST), 'utf8')) as Manifest;
  } catch {
    throw new BackupError(`${file} is not a Motcua backup (no readable ${MANIFEST})`);
  }
  if (m.format !== BACKUP_FORMAT) throw new BackupError(`${file} has format "${String(m.format)}"; this version restores ${BACKUP_FORMAT}`);
  if (!m.database || !(m.database.kind in DUMP_FILE) || !m.members || !m.counts)
    throw new BackupError(`${file}: its manifest is incomplete`);
  return m;
}

/** Refuses a target that already holds something a restore would mix with or overwrite. */
async function assertEmptyTarget(m: Manifest, dataDir: string, databaseUrl: string | undefined): Promise<void> {
  if (m.database.kind === 'postgres' && !databaseUrl) {
    throw new BackupError('This backup holds a PostgreSQL database: set DATABASE_URL to a new, empty database to restore it into');
  }
  if (m.database.kind === 'pglite' && databaseUrl) {
    throw new BackupError(
      'This backup holds an embedded (PGlite) database: unset DATABASE_URL to restore it into MOTCUA_DATA_DIR (restoring it into PostgreSQL is not supported)',
    );
  }
  const inUse = [...(m.database.kind === 'pglite' ? ['pgdata'] : []), 'blobs', ...SIDE_DIRS];
  for (const dir of inUse) {
    if ((await filesUnder(path.join(dataDir, dir))).length > 0) {
      throw new BackupError(`The data directory ${dataDir} is not empty (${dir}/ holds files): restore only into an empty data directory`);
    }
  }
  if (databaseUrl) {
    const target = await openDatabase({ databaseUrl, poolSize: 1 });
    try {
      const tables = await listTables(target.db);
      if (tables.length > 0) {
        throw new BackupError(
          `The database of DATABASE_URL is not empty (${tables.length} tables, such as ${tables[0]}): restore only into a new, empty database (createdb)`,
        );
      }
    } finally {
      await target.close();
    }
  }
}

/** Checks every extracted file against the manifest: none missing, none extra, each with its size and SHA-256. */
async function verifyMembers(m: Manifest, staging: string): Promise<void> {
  const found = new Set((await filesUnder(staging)).filter((f) => f !== MANIFEST));
  const listed = Object.keys(m.members);
  const extra = [...found].filter((f) => !Object.hasOwn(m.members, f));
  const missing = listed.filter((f) => !found.has(f));
  if (extra.length || missing.length) {
    throw new BackupError(
      `The archive does not match its manifest: ${[...missing.map((f) => `missing ${f}`), ...extra.map((f) => `unlisted ${f}`)].slice(0, 5).join(', ')}`,
    );
  }
  for (const f of listed) {
    const actual = await sha256File(path.join(staging, f));
    const expected = m.members[f]!;
    if (actual.sha256 !== expected.sha256 || actual.size !== expected.size) {
      throw new BackupError(
        `The archive is damaged: ${f} has sha256 ${actual.sha256} (${actual.size} bytes), its manifest says ${expected.sha256}`,
      );
    }
  }
}

/** Moves a directory's files into another (created if missing), keeping their relative paths. */
async function moveInto(from: string, to: string): Promise<void> {
  for (const f of await filesUnder(from)) {
    await fs.mkdir(path.dirname(path.join(to, f)), { recursive: true });
    await fs.rename(path.join(from, f), path.join(to, f));
  }
}

function sameCounts(a: Record<string, number>, b: Record<string, number>): string[] {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return names.filter((t) => a[t] !== b[t]).map((t) => `${t}: ${b[t] ?? 'absent'} rows, the backup had ${a[t] ?? 'none'}`);
}

/** Restores an archive into an empty data directory (and, for a PostgreSQL backup, an empty database). */
export async function restoreBackup(opts: {
  file: string;
  dataDir: string;
  databaseUrl: string | undefined;
  pgBinDir?: string | undefined;
}): Promise<RestoreSummary> {
  const file = path.resolve(opts.file);
  const dataDir = path.resolve(opts.dataDir);
  await fs.access(file).catch(() => {
    throw new BackupError(`No such file: ${file}`);
  });
  await fs.mkdir(dataDir, { recursive: true });
  // In the data directory, so that its files move into place by rename (one file system).
  const staging = await fs.mkdtemp(path.join(dataDir, '.restore-'));
  let unlock: (() => void) | null = null;
  try {
    const m = await readManifest(file, staging);
    // No server may open the embedded database while it is being written (released before it is opened to count).
    if (m.database.kind === 'pglite') unlock = lockDataDir(dataDir);
    await assertEmptyTarget(m, dataDir, opts.databaseUrl);
    await fs.rm(path.join(staging, MANIFEST));
    // Regular files and directories only: a link or device in an archive is refused, not followed.
    await tar.extract({
      file,
      cwd: staging,
      strict: true,
      filter: (p, entry) => p !== MANIFEST && 'type' in entry && (entry.type === 'File' || entry.type === 'Directory'),
    });
    await verifyMembers(m, staging);

    const dump = path.join(staging, m.database.file);
    if (m.database.kind === 'postgres') {
      // One transaction: a failure leaves the database empty. Owners and grants are the restoring role's.
      await runPgTool(
        'pg_restore',
        ['--exit-on-error', '--single-transaction', '--no-owner', '--no-privileges', dump],
        opts.databaseUrl!,
        opts.pgBinDir,
      );
    } else {
      const pgdata = path.join(dataDir, 'pgdata');
      try {
        const pglite = await PGlite.create(pgdata, { loadDataDir: new Blob([await fs.readFile(dump)]), extensions: { pg_trgm } });
        await pglite.close();
      } catch (e) {
        // It was empty before (assertEmptyTarget): leave it so, and a next attempt is not refused.
        await fs.rm(pgdata, { recursive: true, force: true });
        throw new BackupError(`The embedded database could not be restored: ${(e as Error).message}`);
      }
      unlock?.();
      unlock = null;
    }
    await fs.rm(dump);

    const restored = await openDatabase({ databaseUrl: opts.databaseUrl, dataDir, poolSize: 1 });
    try {
      const differ = sameCounts(m.counts.tables, await countRows(restored.db));
      if (differ.length) {
        throw new BackupError(
          `The restored database differs from the backup: ${differ.slice(0, 5).join('; ')}. The target now holds it: ` +
            'empty it (a new database, an empty data directory) before trying again',
        );
      }
    } finally {
      await restored.close();
    }

    for (const dir of ['blobs', ...SIDE_DIRS]) await moveInto(path.join(staging, dir), path.join(dataDir, dir));
    const rows = Object.values(m.counts.tables).reduce((a, b) => a + b, 0);
    return {
      file,
      database: m.database.kind,
      createdAt: m.createdAt,
      appVersion: m.appVersion,
      tables: Object.keys(m.counts.tables).length,
      rows,
      blobs: m.counts.blobs,
    };
  } finally {
    unlock?.();
    await fs.rm(staging, { recursive: true, force: true });
  }
}
