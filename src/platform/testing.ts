import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from './database.js';
import { migrateToLatest } from './migrate.js';

/**
 * A fresh, migrated database for one test file: a new PostgreSQL database when
 * DATABASE_URL is set (so files run in parallel without sharing rows), else in-memory PGlite.
 */
export async function createTestDatabase(): Promise<Database> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const database = await openDatabase({ dataDir: null });
    await migrateToLatest(database.db);
    return database;
  }
  const name = `motcua_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 5 });
  await migrateToLatest(database.db);
  return {
    ...database,
    close: async () => {
      await database.close();
      const drop = new pg.Client({ connectionString: adminUrl });
      await drop.connect();
      await drop.query(`drop database if exists ${name} with (force)`);
      await drop.end();
    },
  };
}
