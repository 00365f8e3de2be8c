import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
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

/**
 * A fresh, migrated database for one test file: a new PostgreSQL database when DATABASE_URL is set (so files run in
 * parallel without sharing rows), else in-memory PGlite. Either way the app's pool runs as the unprivileged app role,
 * as it does in production, so the whole suite proves the grants suffice; `asOwner` acts as the tables' owner.
 */
export async function createTestDatabase(): Promise<AppDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) return openAppDatabase({ dataDir: null, appRole: 'motcua_app' });
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
