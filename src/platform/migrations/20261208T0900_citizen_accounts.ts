import { sql, type Kysely } from 'kysely';

/**
 * Citizens who log in with VNeID (src/citizens/):
 * - `citizen_accounts`: one row per VNeID account, keyed by VNeID's `sub`, with its identification level and, for
 *   level 2 only, the ID number and the population data VNeID vouched for at the last log-in (the pre-fill);
 * - `citizen_sessions`: a log-in's session, known to the browser by a random cookie of which only the SHA-256 is kept;
 * - `citizen_logins`: log-ins begun and not yet finished (state, PKCE verifier, nonce, the hash of the browser's
 *   binding cookie, where to go back), kept server-side so that any process can finish them; each is deleted as it is
 *   redeemed (single use) and is worth nothing after `expires_at`.
 * A dossier filed online by a logged-in (VNeID-authenticated) citizen says so, as the portal's sync reports it; a
 * rating given by a logged-in citizen names their account.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table citizen_accounts (
      id serial primary key,
      subject text not null unique,
      level smallint not null check (level in (1, 2)),
      id_number text check (id_number ~ '^[0-9]{12}$'),
      name text not null,
      birth_date date,
      gender text check (gender in ('male', 'female')),
      permanent_address text,
      created_at timestamptz not null,
      last_login_at timestamptz not null,
      -- A level-2 account is verified: its ID number is known. A level-1 account carries nothing verified.
      check ((level = 2) = (id_number is not null)),
      check (level = 2 or (birth_date is null and permanent_address is null))
    )`.execute(db);
  await sql`create index citizen_accounts_id_number_idx on citizen_accounts (id_number) where id_number is not null`.execute(db);
  await sql`
    create table citizen_sessions (
      id bigserial primary key,
      token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
      account_id integer not null references citizen_accounts(id) on delete cascade,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      revoked_at timestamptz,
      check (expires_at > created_at)
    )`.execute(db);
  await sql`create index citizen_sessions_account_idx on citizen_sessions (account_id)`.execute(db);
  await sql`create index citizen_sessions_expiry_idx on citizen_sessions (expires_at)`.execute(db);
  await sql`
    create table citizen_logins (
      state text primary key,
      code_verifier text not null,
      nonce text not null,
      browser_hash text not null check (browser_hash ~ '^[0-9a-f]{64}$'),
      return_to text not null check (return_to like '/%' and return_to not like '//%'),
      created_at timestamptz not null,
      expires_at timestamptz not null,
      check (expires_at > created_at)
    )`.execute(db);
  await sql`create index citizen_logins_expiry_idx on citizen_logins (expires_at)`.execute(db);
  await sql`alter table dossiers add column vneid_authenticated boolean not null default false`.execute(db);
  await sql`alter table ratings add column citizen_account_id integer references citizen_accounts(id)`.execute(db);
  await sql`create index ratings_citizen_account_idx on ratings (citizen_account_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table ratings drop column citizen_account_id`.execute(db);
  await sql`alter table dossiers drop column vneid_authenticated`.execute(db);
  await sql`drop table citizen_logins`.execute(db);
  await sql`drop table citizen_sessions`.execute(db);
  await sql`drop table citizen_accounts`.execute(db);
}
