import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openAppDatabase, scramVerifier, withCredentials } from './database-roles.js';
import { loadAppPassword } from './secrets.js';

const adminUrl = process.env.DATABASE_URL;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function admin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/** A fresh database (dropped at the end), optionally owned by another role. */
async function freshDatabase(owner?: string): Promise<string> {
  const name = `motcua_roles_${process.pid}_${randomBytes(3).toString('hex')}`;
  await admin(`create database ${name}${owner ? ` owner ${owner}` : ''}`);
  cleanups.push(() => admin(`drop database if exists ${name} with (force)`));
  const url = new URL(adminUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

describe('the SCRAM-SHA-256 verifier sent instead of the password', () => {
  it('is what a client proving that password is checked against (node-postgres’s own SCRAM client)', async () => {
    const require = createRequire(import.meta.url);
    const sasl = require('pg/lib/crypto/sasl.js') as {
      startSession(m: string[]): { clientNonce: string; response: string };
      continueSession(s: unknown, password: string, serverData: string): Promise<void>;
    };
    const password = randomBytes(24).toString('base64url');
    const m = /^SCRAM-SHA-256\$4096:([^$]+)\$([^:]+):(.+)$/.exec(scramVerifier(password));
    expect(m).not.toBeNull();
    const [salt, storedKey] = [m![1]!, Buffer.from(m![2]!, 'base64')];
    // The server's side of RFC 5802: ClientKey = ClientProof ⊕ HMAC(StoredKey, AuthMessage); SHA-256(ClientKey) = StoredKey.
    const accepts = async (tried: string) => {
      const session = sasl.startSession(['SCRAM-SHA-256']);
      const clientFirstBare = session.response.slice('n,,'.length);
      const serverFirst = `r=${session.clientNonce}${randomBytes(9).toString('base64')},s=${salt},i=4096`;
      await sasl.continueSession(session, tried, serverFirst);
      const final = session.response;
      const proof = Buffer.from(/,p=(.+)$/.exec(final)![1]!, 'base64');
      const authMessage = `${clientFirstBare},${serverFirst},${final.slice(0, final.indexOf(',p='))}`;
      const signature = createHmac('sha256', storedKey).update(authMessage).digest();
      const clientKey = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
      return createHash('sha256').update(clientKey).digest().equals(storedKey);
    };
    expect(await accepts(password)).toBe(true);
    expect(await accepts(`${password}x`)).toBe(false);
  });

  it('puts user and password into a connection string, escaped', () => {
    expect(withCredentials('postgres://owner:secret@db.example:5432/motcua?sslmode=require', 'motcua_app', 'a/b:c@d')).toBe(
      'postgres://motcua_app:a%2Fb%3Ac%40d@db.example:5432/motcua?sslmode=require',
    );
  });
});

describe.runIf(!adminUrl)('on PGlite', () => {
  it('migrates as postgres, then runs as the app role, the same on the next start of the same data directory', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-roles-'));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const first = await openAppDatabase({ dataDir: dir, appRole: 'motcua_app' });
    expect(first.migrated.length).toBeGreaterThan(0);
    expect((await sql<{ u: string }>`select current_user as u`.execute(first.db)).rows[0]!.u).toBe('motcua_app');
    expect(await first.asOwner(async (db) => (await sql<{ u: string }>`select current_user as u`.execute(db)).rows[0]!.u)).toBe('postgres');
    // Back to the app role once fn is done.
    expect((await sql<{ u: string }>`select current_user as u`.execute(first.db)).rows[0]!.u).toBe('motcua_app');
    await first.close();
    const again = await openAppDatabase({ dataDir: dir, appRole: 'motcua_app' });
    expect(again.migrated).toEqual([]);
    await expect(sql`delete from audit_heads`.execute(again.db)).rejects.toMatchObject({ code: '42501' });
    await again.close();
  });
});

describe.runIf(adminUrl)('on PostgreSQL', () => {
  const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;

  it('refuses to run the app as a superuser given in MOTCUA_APP_DATABASE_URL', async () => {
    const url = await freshDatabase();
    await expect(openAppDatabase({ databaseUrl: url, appDatabaseUrl: url, appRole: 'unused' })).rejects.toThrow(
      'The app\'s database role "postgres" is a superuser: it must be a role that owns nothing.',
    );
  });

  it('refuses to run the app as the owner of the tables', async () => {
    const owner = `motcua_t_owner_${suffix}`;
    await admin(`create role ${owner} login password 'x'`);
    cleanups.push(() => admin(`drop role if exists ${owner}`));
    const url = new URL(await freshDatabase(owner));
    url.username = owner;
    url.password = 'x';
    await expect(openAppDatabase({ databaseUrl: url.toString(), appDatabaseUrl: url.toString(), appRole: 'unused' })).rejects.toThrow(
      `The app's database role "${owner}" owns (or may act as the owner of) the schema or its tables: it must own nothing.`,
    );
  });

  it('says to set MOTCUA_APP_DATABASE_URL when the owner cannot create the app role', async () => {
    const owner = `motcua_t_nocreate_${suffix}`;
    await admin(`create role ${owner} login password 'x' nocreaterole`);
    cleanups.push(() => admin(`drop role if exists ${owner}`));
    const url = new URL(await freshDatabase(owner));
    url.username = owner;
    url.password = 'x';
    const role = `motcua_t_never_${suffix}`;
    await expect(openAppDatabase({ databaseUrl: url.toString(), appRole: role, appPassword: async () => 'pw' })).rejects.toThrow(
      `The database owner cannot create the app role "${role}". Create a role that owns nothing and set MOTCUA_APP_DATABASE_URL`,
    );
  });

  it('grants a role given in MOTCUA_APP_DATABASE_URL what the app needs, on every table, and nothing that changes the trail', async () => {
    const app = `motcua_t_given_${suffix}`;
    await admin(`create role ${app} login password 'given-pw'`);
    // Cleaned up in reverse: the pool closed, the database dropped, then the role (its grants went with the database).
    cleanups.push(() => admin(`drop role if exists ${app}`));
    const url = await freshDatabase();
    const appUrl = withCredentials(url, app, 'given-pw');
    const database = await openAppDatabase({ databaseUrl: url, appDatabaseUrl: appUrl, appRole: 'unused' });
    cleanups.push(() => database.close());
    expect(database.role).toBe(app);
    const r = await sql<{ t: string; p: string }>`
      select table_name as t, string_agg(privilege_type, ',' order by privilege_type) as p
      from information_schema.role_table_grants where grantee = ${app} group by table_name order by table_name`.execute(database.db);
    const grants = Object.fromEntries(r.rows.map((x) => [x.t, x.p]));
    expect(grants.audit_log).toBe('INSERT,SELECT');
    expect(grants.dossier_events).toBe('INSERT,SELECT');
    expect(grants.audit_heads).toBe('INSERT,SELECT');
    expect(grants.kysely_migration).toBe('SELECT');
    expect(grants.dossiers).toBe('DELETE,INSERT,SELECT,UPDATE');
    expect(Object.values(grants).some((p) => /TRUNCATE|TRIGGER|REFERENCES/.test(p))).toBe(false);
    const cols = await sql<{ c: string }>`
      select column_name as c from information_schema.column_privileges
      where grantee = ${app} and table_name = 'audit_heads' and privilege_type = 'UPDATE' order by column_name`.execute(database.db);
    expect(cols.rows.map((x) => x.c)).toEqual(['hash', 'prev_hash', 'seq', 'updated_at']);
  });

  it('creates the app role with the password of the data directory, which then logs in', async () => {
    const role = `motcua_t_made_${suffix}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-roles-'));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    cleanups.push(() => admin(`drop role if exists ${role}`));
    const url = await freshDatabase();
    const database = await openAppDatabase({ databaseUrl: url, appRole: role, appPassword: () => loadAppPassword(dir) });
    cleanups.push(() => database.close());
    const r = await sql<{ u: string; login: boolean; su: boolean }>`
      select current_user as u, rolcanlogin as login, rolsuper as su from pg_roles where rolname = current_user`.execute(database.db);
    expect(r.rows[0]).toEqual({ u: role, login: true, su: false });
    expect(fs.statSync(path.join(dir, 'secrets', 'db-app-password')).mode & 0o777).toBe(0o600);
  });
});
