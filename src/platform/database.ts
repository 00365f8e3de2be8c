import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import type { DB } from './db.types.js';
import { lockDataDir } from './data-dir-lock.js';
import { PgliteChangeFeed, PostgresChangeFeed, type ChangeFeed } from './change-feed.js';

// Identifiers fit in a JS number; dates stay 'YYYY-MM-DD' strings (no TZ shifting); numeric → number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export type DatabaseKind = 'postgres' | 'pglite';

/** A Kysely handle and how to close what is behind it. */
export interface Database {
  db: Kysely<DB>;
  kind: DatabaseKind;
  /** The embedded database itself (PGlite only), for what only it can do: a data-directory snapshot for backups. */
  pglite?: PGlite;
  /** Committed changes announced by the database's triggers (LISTEN/NOTIFY), for the caches of this process. */
  feed: ChangeFeed;
  close(): Promise<void>;
}

/** Distinct statements each connection keeps prepared; statements past this many are sent unprepared. */
const PREPARED_PER_CONNECTION = 500;
/** SQLSTATE of "cached plan must not change result type" (a prepared `select *` after its table changed). */
const FEATURE_NOT_SUPPORTED = '0A000';

type QueryFn = (...args: unknown[]) => unknown;

/** Connections opened by this process, so that prepared statement names are unique per connection object. */
let connections = 0;

/**
 * Makes every parameterized statement of a connection a named prepared statement, one name per distinct
 * text: the server parses and plans it once per connection instead of on every execution (Kysely sends the
 * same text for the same query shape). Statements without parameters (BEGIN, COMMIT, DDL) stay unnamed.
 */
function prepareStatements(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    // Names are unique per connection object: a replacement connection to the same session (PGlite's adapter
    // shares one backend) never re-prepares a name the session already holds.
    const connection = ++connections;
    const names = new Map<string, string>();
    const unprepared = new Set<string>();
    const query = client.query.bind(client) as QueryFn;
    (client as unknown as { query: QueryFn }).query = (config: unknown, values?: unknown, callback?: unknown) => {
      if (typeof config !== 'string' || !Array.isArray(values) || values.length === 0 || callback !== undefined || unprepared.has(config)) {
        return query(config, values, callback);
      }
      let name = names.get(config);
      if (name === undefined) {
        if (names.size >= PREPARED_PER_CONNECTION) return query(config, values);
        name = `motcua_${connection}_${names.size + 1}`;
        names.set(config, name);
      }
      return (query({ name, text: config, values }) as Promise<unknown>).catch((e: unknown) => {
        // A table changed under a prepared statement (a migration while running): send this text unprepared from now on.
        if ((e as { code?: string }).code === FEATURE_NOT_SUPPORTED) unprepared.add(config);
        throw e;
      });
    };
  });
}

/** Resolves when the database answers a query (readiness), rejects with the connection's error otherwise. */
export async function pingDatabase(db: Kysely<DB>): Promise<void> {
  await sql`select 1`.execute(db);
}

/**
 * How long a query waits for a connection (a new one, or a free one of a busy pool) before it fails: while the
 * server is unreachable, requests answer 503 at once instead of hanging (a refused connection fails sooner still).
 */
export const CONNECT_TIMEOUT_MS = 3_000;

/** Opens PostgreSQL when a URL is given, otherwise embedded PGlite (in memory when dataDir is null). */
export async function openDatabase(opts: {
  databaseUrl?: string | undefined;
  dataDir?: string | null;
  /** PGlite only: start from this data-directory snapshot (PGlite's dumpDataDir) instead of an empty cluster. */
  loadDataDir?: Blob;
  poolSize?: number;
  /** Told of each connection the server broke (restart, failover, terminated backend), for the log. */
  onConnectionError?: (error: Error) => void;
}): Promise<Database> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // TCP keep-alive finds a connection whose server vanished without closing it (a host down, a dropped route).
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    const onError = opts.onConnectionError ?? (() => undefined);
    // A connection the server closes is dropped from the pool and the next query opens a new one. node-postgres
    // emits 'error' on the connection object: the pool listens only while the connection is idle, so a connection
    // checked out by a query in flight (a restart under load) needs its own listener, or the process would crash.
    // The query itself fails with the same error and the request answers 503 (src/platform/http.ts).
    pool.on('connect', (client) => client.on('error', (e) => onError(e)));
    // The pool re-emits an idle connection's error; the connection's own listener above has already reported it.
    pool.on('error', () => undefined);
    prepareStatements(pool);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    const feed = new PostgresChangeFeed(
      opts.databaseUrl,
      (channel, payload) => pool.query('select pg_notify($1, $2)', [channel, payload]),
      onError,
    );
    return {
      db,
      kind: 'postgres',
      feed,
      close: async () => {
        await feed.close();
        await db.destroy();
      },
    };
  }
  let dir: string | undefined;
  // Two processes on one PGlite directory corrupt it (PGlite takes no lock of its own): data-dir-lock.ts.
  let unlock: () => void = () => {};
  if (opts.dataDir) {
    unlock = lockDataDir(opts.dataDir);
    dir = path.join(opts.dataDir, 'pgdata');
    fs.mkdirSync(dir, { recursive: true });
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dir, { extensions: { pg_trgm }, ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}) });
  } catch (e) {
    unlock();
    throw e;
  }
  // PGlite is a single connection: a pool of one serializes transactions, as a real server would isolate them.
  // Its node-postgres adapter shares one backend session across "connections", so the connection is never
  // recycled (idle timeout off), and prepared statement names are unique per connection object: a replacement
  // connection never re-prepares a name the session still holds ("prepared statement already exists").
  // Prepared statements matter even more here than on a server: PGlite plans on the same thread as the app.
  const pool = new pg.Pool({ ...createPgConfig(pglite), max: 1, idleTimeoutMillis: 0 } as pg.PoolConfig);
  prepareStatements(pool);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const feed = new PgliteChangeFeed(pglite);
  return {
    db,
    kind: 'pglite',
    pglite,
    feed,
    close: async () => {
      try {
        await feed.close();
        await db.destroy();
        await pglite.close();
      } finally {
        unlock();
      }
    },
  };
}
