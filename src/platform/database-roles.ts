import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from './db.types.js';
import { openDatabase, type Database } from './database.js';
import { migrateToLatest } from './migrate.js';

// The app runs as a database role that owns nothing: the tables belong to the role that migrates them (DATABASE_URL),
// and the app's role gets only what its queries need. The audit trail (audit_log, dossier_events) is INSERT and SELECT
// only; its head rows (audit_heads) may be inserted and advanced, never deleted. The migration's triggers refuse the
// same changes to the owner too, so rewriting history takes an owner who disables them — and the HMAC key, which is
// not in the database, is what makes a rewrite show (audit verify).

/** A database the app uses as its unprivileged role, and how to act as the tables' owner (migrations, tests). */
export interface AppDatabase extends Database {
  /** The role the app's queries run as. */
  role: string;
  /** Migrations applied when it was opened. */
  migrated: string[];
  /**
   * Runs fn as the owner of the tables. PostgreSQL: over a separate owner connection, opened on first use. PGlite: on
   * its one session, RESET ROLE for fn, then SET ROLE back — nothing else runs meanwhile (its pool has one connection).
   */
  asOwner<T>(fn: (db: Kysely<DB>) => Promise<T>): Promise<T>;
}

export interface OpenAppDatabaseOptions {
  /** The owner's connection string (migrations); absent = embedded PGlite. */
  databaseUrl?: string | undefined;
  /** The app role's own connection string; absent = the owner creates `appRole` with `appPassword`. */
  appDatabaseUrl?: string | undefined;
  appRole: string;
  /** The app role's password (read or created by the caller, e.g. <dataDir>/secrets/db-app-password). */
  appPassword?: () => Promise<string>;
  /** PGlite's directory (null: in memory). */
  dataDir?: string | null;
  /** PGlite only: a data-directory snapshot to start from (the tests' migrated template, platform/testing.ts). */
  loadDataDir?: Blob;
  poolSize?: number;
  /** Told of each connection a restarting server breaks (see openDatabase). */
  onConnectionError?: (error: Error) => void;
}

/** The advisory lock key under which grants are (re)applied (any constant of this app's own). */
const GRANTS_LOCK = 0x6d6f7463; // 'motc'
const DUPLICATE_OBJECT = '42710';
const UNIQUE_VIOLATION = '23505';
const INSUFFICIENT_PRIVILEGE = '42501';
const INVALID_PASSWORD = '28P01';
const code = (e: unknown) => (e as { code?: string }).code;

/** Migrates as the owner, (re)applies the app role's grants, then opens the app's pool as that role. */
export async function openAppDatabase(o: OpenAppDatabaseOptions): Promise<AppDatabase> {
  if (!o.databaseUrl) return openPgliteAsApp(o);
  const owner = await openDatabase({ databaseUrl: o.databaseUrl, poolSize: 2 });
  let app: Database | undefined;
  try {
    const migrated = await migrateToLatest(owner.db);
    let role: string;
    let appUrl: string;
    let password: string | undefined;
    if (o.appDatabaseUrl) {
      appUrl = o.appDatabaseUrl;
      role = decodeURIComponent(new URL(appUrl).username);
      if (!role) throw new Error('MOTCUA_APP_DATABASE_URL must name its user (postgres://user:password@host/db)');
    } else {
      role = o.appRole;
      if (!o.appPassword) throw new Error('openAppDatabase: appPassword is required without appDatabaseUrl');
      password = await o.appPassword();
      await ensureAppRole(owner.db, role, password);
      appUrl = withCredentials(o.databaseUrl, role, password);
    }
    await applyGrants(owner.db, role);
    app = await openDatabase({ databaseUrl: appUrl, poolSize: o.poolSize ?? 10, onConnectionError: o.onConnectionError });
    try {
      await checkRuntimeRole(app.db);
    } catch (e) {
      // The role existed with another password (a data directory made anew): this deployment's file is the truth.
      if (code(e) !== INVALID_PASSWORD || password === undefined) throw loginError(e, Boolean(o.appDatabaseUrl), role);
      await app.close();
      await sql`alter role ${sql.id(role)} password ${sql.lit(scramVerifier(password))}`.execute(owner.db);
      app = await openDatabase({ databaseUrl: appUrl, poolSize: o.poolSize ?? 10, onConnectionError: o.onConnectionError });
      await checkRuntimeRole(app.db);
    }
    await owner.close();
    const opened = app;
    let ownerAgain: Promise<Database> | undefined;
    return {
      ...opened,
      role,
      migrated,
      asOwner: async (fn) => {
        ownerAgain ??= openDatabase({ databaseUrl: o.databaseUrl, poolSize: 2 });
        return fn((await ownerAgain).db);
      },
      close: async () => {
        await opened.close();
        if (ownerAgain) await (await ownerAgain).close();
      },
    };
  } catch (e) {
    await app?.close().catch(() => undefined);
    await owner.close().catch(() => undefined);
    throw e;
  }
}

/**
 * PGlite is one embedded session of the superuser `postgres`: the migrations run as it, then the session SETs ROLE to
 * the app role, under which every privilege check of PostgreSQL applies. But the session may RESET ROLE, and anything
 * in the process may: there the role guards against the app's own mistakes, not against code running beside it.
 */
async function openPgliteAsApp(o: OpenAppDatabaseOptions): Promise<AppDatabase> {
  const database = await openDatabase({ dataDir: o.dataDir ?? null, ...(o.loadDataDir ? { loadDataDir: o.loadDataDir } : {}) });
  try {
    const migrated = await migrateToLatest(database.db);
    const role = o.appRole;
    const exists = await sql<{ n: number }>`select count(*)::int as n from pg_roles where rolname = ${role}`.execute(database.db);
    // Nobody logs in to PGlite: the role exists to be SET.
    if (exists.rows[0]!.n === 0) await sql`create role ${sql.id(role)} nologin`.execute(database.db);
    await applyGrants(database.db, role);
    await sql`set role ${sql.id(role)}`.execute(database.db);
    await checkRuntimeRole(database.db);
    return {
      ...database,
      role,
      migrated,
      asOwner: (fn) =>
        database.db.connection().execute(async (conn) => {
          await sql`reset role`.execute(conn);
          try {
            return await fn(conn);
          } finally {
            await sql`set role ${sql.id(role)}`.execute(conn);
          }
        }),
    };
  } catch (e) {
    await database.close().catch(() => undefined);
    throw e;
  }
}

/** Creates the app role with LOGIN and the password (or checks the one that exists); fails clearly when it cannot. */
export async function ensureAppRole(owner: Kysely<any>, role: string, password: string): Promise<'created' | 'existed'> {
  const cannot = (what: string) =>
    new Error(
      `The database owner cannot ${what} the app role "${role}". Create a role that owns nothing and set MOTCUA_APP_DATABASE_URL ` +
        `to its connection string (or give the owner CREATEROLE).`,
    );
  const read = async () =>
    (
      await sql<{ rolsuper: boolean; rolcanlogin: boolean }>`select rolsuper, rolcanlogin from pg_roles where rolname = ${role}`.execute(
        owner,
      )
    ).rows[0];
  let found = await read();
  if (!found) {
    try {
      await sql`create role ${sql.id(role)} login password ${sql.lit(scramVerifier(password))}`.execute(owner);
      return 'created';
    } catch (e) {
      if (code(e) === INSUFFICIENT_PRIVILEGE) throw cannot('create');
      // Created meanwhile by another process starting on the same cluster (parallel test files do).
      if (code(e) !== DUPLICATE_OBJECT && code(e) !== UNIQUE_VIOLATION) throw e;
      found = await read();
      if (!found) throw e;
    }
  }
  if (found.rolsuper) throw new Error(`The app role "${role}" is a superuser: choose another MOTCUA_APP_ROLE (it must own nothing).`);
  if (!found.rolcanlogin) {
    try {
      await sql`alter role ${sql.id(role)} login`.execute(owner);
    } catch (e) {
      throw code(e) === INSUFFICIENT_PRIVILEGE ? cannot('alter') : e;
    }
  }
  return 'existed';
}

/**
 * Grants the app role what the app does, on every table and sequence the migrations made so far (run after every
 * migration run, so later tables are covered), in one transaction so that a running server never sees a gap.
 */
export async function applyGrants(owner: Kysely<any>, role: string): Promise<void> {
  const r = sql.id(role);
  await owner.transaction().execute(async (trx) => {
    // Two servers starting together would otherwise update the same ACLs at once ("tuple concurrently updated").
    await sql`select pg_advisory_xact_lock(${GRANTS_LOCK})`.execute(trx);
    const schema = sql.id((await sql<{ s: string }>`select current_schema() as s`.execute(trx)).rows[0]!.s);
    // From nothing, so that a privilege granted by hand (TRUNCATE, say) does not survive.
    await sql`revoke all on all tables in schema ${schema} from ${r}`.execute(trx);
    await sql`revoke all on all sequences in schema ${schema} from ${r}`.execute(trx);
    await sql`grant usage on schema ${schema} to ${r}`.execute(trx);
    await sql`grant select, insert, update, delete on all tables in schema ${schema} to ${r}`.execute(trx);
    await sql`grant usage, select on all sequences in schema ${schema} to ${r}`.execute(trx);
    // The audit trail and the dossiers' history: added to, read, never changed.
    await sql`revoke update, delete on audit_log, dossier_events from ${r}`.execute(trx);
    // A head is inserted with its stream's first entry and advanced by each next one (its trigger checks by one).
    await sql`revoke update, delete on audit_heads from ${r}`.execute(trx);
    await sql`grant update (seq, prev_hash, hash, updated_at) on audit_heads to ${r}`.execute(trx);
    // Migrations are the owner's; the app may read which ran.
    await sql`revoke insert, update, delete on kysely_migration, kysely_migration_lock from ${r}`.execute(trx);
  });
}

/** Refuses to run the app as a role that could rewrite what it cannot change: a superuser, or an owner of a table. */
export async function checkRuntimeRole(db: Kysely<DB>): Promise<void> {
  const r = await sql<{ who: string; superuser: boolean; owns: number }>`
    select current_user as who,
      (select rolsuper from pg_roles where rolname = current_user) as superuser,
      (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = current_schema() and c.relkind in ('r', 'p') and pg_has_role(current_user, c.relowner, 'MEMBER'))
      + (select count(*)::int from pg_namespace n where n.nspname = current_schema() and pg_has_role(current_user, n.nspowner, 'MEMBER'))
        as owns`.execute(db);
  const row = r.rows[0]!;
  if (row.superuser) throw new Error(`The app's database role "${row.who}" is a superuser: it must be a role that owns nothing.`);
  if (row.owns > 0)
    throw new Error(
      `The app's database role "${row.who}" owns (or may act as the owner of) the schema or its tables: it must own nothing.`,
    );
}

/** The owner's connection string with the app role's user and password in it. */
export function withCredentials(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString();
}

/**
 * The SCRAM-SHA-256 verifier of a password (RFC 5802/7677), as psql's \password sends it: the server stores it as it
 * is, and a statement log of CREATE/ALTER ROLE never shows the password itself.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  // The server SASLpreps the password it is given, which leaves printable ASCII (all this app generates) as it is.
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

function loginError(e: unknown, given: boolean, role: string): unknown {
  if (code(e) !== INVALID_PASSWORD && code(e) !== '28000') return e;
  return new Error(
    given
      ? `MOTCUA_APP_DATABASE_URL does not log in (${(e as Error).message})`
      : `The app role "${role}" cannot log in (${(e as Error).message}); check pg_hba.conf, or set MOTCUA_APP_DATABASE_URL`,
  );
}
