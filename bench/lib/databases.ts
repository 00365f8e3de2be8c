// Fresh databases for a benchmark run: a new PostgreSQL database (dropped at the end) or PGlite in a temp dir.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/platform/database.js';
import { migrateToLatest } from '../../src/platform/migrate.js';
import { AuditKey } from '../../src/platform/audit-chain.model.js';

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export type BenchDbKind = 'postgres' | 'pglite';

export interface BenchDatabase {
  kind: BenchDbKind;
  label: string;
  database: Database;
  /** Connection string of the bench database (PostgreSQL only). */
  url: string | undefined;
  /** A temp directory for this run (PGlite data, blobs); removed by dispose. */
  tmpDir: string;
  poolSize: number;
  /** The audit chain's key of this run (the app's and the raw ceiling's). */
  auditKey: AuditKey;
  dispose(): Promise<void>;
}

const disposers = new Set<() => Promise<void>>();
let hooked = false;

/** Drops what a run created even when it is interrupted (Ctrl-C) or fails. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const cleanup = async (code: number) => {
    for (const d of [...disposers]) await d().catch(() => undefined);
    process.exit(code);
  };
  process.once('SIGINT', () => void cleanup(130));
  process.once('SIGTERM', () => void cleanup(143));
}

/** The pool size the app would use: MOTCUA_DB_POOL when set, else the config default. */
export function benchPoolSize(fallback: number): number {
  const raw = process.env.MOTCUA_DB_POOL;
  return raw ? Number(raw) : fallback;
}

/** Opens a fresh, migrated database of the given kind. */
export async function openBenchDatabase(kind: BenchDbKind, opts: { poolSize: number; suffix?: string }): Promise<BenchDatabase> {
  hookExit();
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), `motcua-bench-${kind}-`));
  const removeTmp = () => fs.rmSync(tmpDir, { recursive: true, force: true });
  if (kind === 'pglite') {
    const database = await openDatabase({ dataDir: tmpDir });
    const dispose = async () => {
      disposers.delete(dispose);
      await database.close().catch(() => undefined);
      removeTmp();
    };
    disposers.add(dispose);
    await migrateToLatest(database.db);
    return { kind, label: 'PGlite', database, url: undefined, tmpDir, poolSize: 1, auditKey: AuditKey.generate(), dispose };
  }
  const adminUrl = process.env.DATABASE_URL?.trim() || DEFAULT_PG_URL;
  const name = `motcua_bench_${process.pid}${opts.suffix ? `_${opts.suffix}` : ''}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: opts.poolSize });
  const dispose = async () => {
    disposers.delete(dispose);
    await database.close().catch(() => undefined);
    // BENCH_KEEP_DB=1 leaves the database for a look afterwards (EXPLAIN, psql); the next run of the same name drops it.
    if (process.env.BENCH_KEEP_DB === '1') console.log(`kept database ${name}`);
    else {
      const drop = new pg.Client({ connectionString: adminUrl });
      await drop.connect();
      await drop.query(`drop database if exists ${name} with (force)`);
      await drop.end();
    }
    removeTmp();
  };
  disposers.add(dispose);
  await migrateToLatest(database.db);
  return {
    kind,
    label: 'PostgreSQL',
    database,
    url: url.toString(),
    tmpDir,
    poolSize: opts.poolSize,
    auditKey: AuditKey.generate(),
    dispose,
  };
}

/** The database kinds to run: BENCH_DB=postgres|pglite|both (default both, PostgreSQL first). */
export function kindsToRun(): BenchDbKind[] {
  const v = (process.env.BENCH_DB ?? 'both').toLowerCase();
  if (v === 'postgres' || v === 'pg') return ['postgres'];
  if (v === 'pglite') return ['pglite'];
  return ['postgres', 'pglite'];
}
