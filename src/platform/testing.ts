import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createHash, randomBytes } from 'node:crypto';
import { openAppDatabase, type AppDatabase } from './database-roles.js';
import { openDatabase, type Database } from './database.js';
import { loadAppPassword } from './secrets.js';

/**
 * The role tests run the app as on PostgreSQL. Roles are cluster-wide and test files run in parallel, each in its own
 * database: they share this one role (each database grants it its own privileges) and one password, kept in a file
 * that the first file creates and every other reads, so none ever resets it under another.
 */
export const TEST_APP_ROLE = 'motcua_test_app';

/** A new, empty PostgreSQL database on the server of `adminUrl`: its URL, and how to drop it. */
async function newPostgresDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `motcua_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  };
  return { url: url.toString(), drop };
}

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const PGLITE_PACKAGE = fileURLToPath(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url));

/**
 * Where the migrated PGlite of this source tree is kept: one data-directory snapshot per content of the migration
 * files and PGlite version, so a changed or added migration (or a PGlite upgrade) makes a new one.
 */
function pgliteTemplatePath(): string {
  const h = createHash('sha256');
  for (const f of fs.readdirSync(MIGRATIONS_DIR).sort()) h.update(f).update(fs.readFileSync(path.join(MIGRATIONS_DIR, f)));
  if (fs.existsSync(PGLITE_PACKAGE)) h.update(fs.readFileSync(PGLITE_PACKAGE));
  return path.join(os.tmpdir(), 'motcua-test', `pglite-migrated-${h.digest('hex').slice(0, 16)}.tar`);
}

/**
 * An in-memory PGlite, migrated, as the app role. Test files run in their own processes and each wants a fresh
 * database: the first migrates from scratch and leaves a snapshot of the result (written whole, then renamed, so
 * a parallel reader never sees half of one); the others start from it, about a second and a half sooner, and
 * still run the migrator (it finds nothing to do) and re-apply the grants, as a start over existing data would.
 */
async function migratedPglite(): Promise<AppDatabase> {
  const file = pgliteTemplatePath();
  if (fs.existsSync(file)) {
    return openAppDatabase({ dataDir: null, appRole: 'motcua_app', loadDataDir: new Blob([fs.readFileSync(file)]) });
  }
  const database = await openAppDatabase({ dataDir: null, appRole: 'motcua_app' });
  const dump = await database.pglite!.dumpDataDir('none');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
  fs.renameSync(partial, file);
  return database;
}

/**
 * A fresh, migrated database for one test file: a new PostgreSQL database when DATABASE_URL is set (so files run in
 * parallel without sharing rows), else in-memory PGlite. Either way the app's pool runs as the unprivileged app role,
 * as it does in production, so the whole suite proves the grants suffice; `asOwner` acts as the tables' owner.
 */
export async function createTestDatabase(): Promise<AppDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) return migratedPglite();
  const { url, drop } = await newPostgresDatabase(adminUrl);
  let database: AppDatabase;
  try {
    database = await openAppDatabase({
      databaseUrl: url,
      appRole: TEST_APP_ROLE,
      appPassword: () => loadAppPassword(path.join(os.tmpdir(), 'motcua-test')),
      poolSize: 5,
    });
  } catch (e) {
    await drop();
    throw e;
  }
  return {
    ...database,
    close: async () => {
      await database.close();
      await drop();
    },
  };
}

/**
 * An empty database (no migration run), as its owner, for a test of the migrations themselves: a new PostgreSQL
 * database when DATABASE_URL is set, else in-memory PGlite.
 */
export async function createEmptyTestDatabase(): Promise<Database> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) return openDatabase({ dataDir: null });
  const { url, drop } = await newPostgresDatabase(adminUrl);
  const database = await openDatabase({ databaseUrl: url, poolSize: 5 });
  return {
    ...database,
    close: async () => {
      await database.close();
      await drop();
    },
  };
}
