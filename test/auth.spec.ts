import { sql } from 'kysely';
import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, PASSWORD, type Harness } from './harness.js';
import { AuthService } from '../src/auth/auth.service.js';
import { DEFAULT_LOGIN_THROTTLE } from '../src/auth/login-throttle.model.js';
import { createServices } from '../src/services.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/platform/config.js';
import { MemoryBlobStore } from '../src/platform/blob-store.js';
import { SESSIONS_CHANNEL } from '../src/auth/session-cache.js';

let h: Harness;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
// Log-in is rate limited per client address (20 a minute): each test logs in from its own.
let ip = 0;
const login = (username: string, password: string, remoteAddress = `10.0.0.${++ip}`) =>
  h.app.inject({ method: 'POST', url: '/auth/login', remoteAddress, payload: { username, password } });

async function auditRows(action: string) {
  return h.database.db
    .selectFrom('audit_log')
    .select(['stream', 'actor_kind', 'actor_id', 'entity_type', 'entity_id', 'payload'])
    .where('action', '=', action)
    .orderBy('stream')
    .orderBy('seq')
    .execute();
}

async function staffId(username: string): Promise<number> {
  return (await h.database.db.selectFrom('staff').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;
}

beforeAll(async () => {
  h = await createHarness('2025-03-14T10:00:00+07:00');
});

describe('logging in and out', () => {
  it('returns a bearer token and the actor with their scope', async () => {
    const r = await login('clerk.branch', PASSWORD);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.token).toMatch(/^[\w-]{16,128}$/);
    // The harness opens sessions for a year.
    expect(body.expiresAt).toBe('2026-03-14T03:00:00.000Z');
    expect(body.actor).toEqual({
      staffId: await staffId('clerk.branch'),
      username: 'clerk.branch',
      fullName: 'clerk.branch',
      role: 'clerk',
      unitId: h.unit('CN-A'),
      unitKind: 'branch',
      scopeUnitIds: [h.unit('CN-A')],
    });
    const me = await h.app.inject({ method: 'GET', url: '/auth/me', headers: auth(body.token) });
    expect(me.json()).toEqual(body.actor);
    const manager = (await login('manager.center', PASSWORD)).json();
    expect(manager.actor).toMatchObject({ role: 'manager', scopeUnitIds: [h.unit('TTPVHCC'), h.unit('CN-A')] });
    expect((await login('admin', PASSWORD)).json().actor).toMatchObject({ role: 'admin', unitKind: 'province', scopeUnitIds: null });
  });

  it('stores only the token’s hash, and the password as argon2id', async () => {
    const { token } = (await login('spec.hai', PASSWORD)).json();
    const sessions = await h.database.db.selectFrom('sessions').select(['token_hash']).execute();
    expect(sessions.some((s) => s.token_hash === token)).toBe(false);
    const { createHash } = await import('node:crypto');
    expect(sessions.map((s) => s.token_hash)).toContain(createHash('sha256').update(token).digest('hex'));
    const hashes = await h.database.db.selectFrom('staff').select(['password_hash']).execute();
    expect(hashes.length).toBe(14);
    for (const { password_hash } of hashes) expect(password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('answers a wrong password and an unknown user alike: 401 INVALID_CREDENTIALS with the same detail', async () => {
    const before = (await auditRows('auth.login_failed')).length;
    const wrong = await login('clerk.hai', 'not-the-password');
    const unknown = await login('nobody.here', PASSWORD);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(unknown.json().code).toBe('INVALID_CREDENTIALS');
    expect(unknown.json().detail).toBe(wrong.json().detail);
    expect(wrong.body).not.toContain('token');
    const failed = await auditRows('auth.login_failed');
    expect(failed.length).toBe(before + 2);
    expect(failed.slice(-2)).toMatchObject([
      { stream: 'auth', actor_kind: 'system', actor_id: null, entity_type: 'staff', entity_id: String(await staffId('clerk.hai')) },
      { stream: 'auth', actor_kind: 'system', actor_id: null, entity_type: 'staff', entity_id: null },
    ]);
  });

  it('refuses a disabled account with the same answer as a wrong password', async () => {
    await h.database.db.updateTable('staff').set({ active: false }).where('username', '=', 'clerk.ba').execute();
    const r = await login('clerk.ba', PASSWORD);
    expect(r.statusCode).toBe(401);
    expect(r.json().detail).toBe((await login('clerk.ba', 'wrong-password')).json().detail);
    await h.database.db.updateTable('staff').set({ active: true }).where('username', '=', 'clerk.ba').execute();
  });

  it('limits attempts from one address in this process: the 21st in a minute gets 429', async () => {
    // Each attempt names another account (none reaches its own lock): the flood guard in front of the throttle.
    const from = '10.9.9.9';
    const rs = [];
    for (let i = 0; i < 21; i++) rs.push((await login(`guess.${i}`, 'not-the-password', from)).statusCode);
    expect(rs).toEqual([...Array(20).fill(401), 429]);
    const last = await login('clerk.mot', PASSWORD, from);
    expect(last.statusCode).toBe(429);
    expect(last.headers['content-type']).toContain('application/problem+json');
    expect(last.json().code).toBe('RATE_LIMITED');
    expect((await login('clerk.mot', PASSWORD)).statusCode).toBe(200);
  });

  it('does not let a client escape the limit by claiming other addresses in X-Forwarded-For', async () => {
    const rs = [];
    for (let i = 0; i < 21; i++) {
      const r = await h.app.inject({
        method: 'POST',
        url: '/auth/login',
        remoteAddress: '10.8.8.8',
        headers: { 'x-forwarded-for': `198.18.0.${i}` },
        payload: { username: `claimed.${i}`, password: `guess-${i}` },
      });
      rs.push(r.statusCode);
    }
    expect(rs).toEqual([...Array(20).fill(401), 429]);
  });

  it('logs out: the token stops working at once and the logout is audited', async () => {
    const { token } = (await login('appr.hai', PASSWORD)).json();
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: auth(token) })).statusCode).toBe(200);
    const out = await h.app.inject({ method: 'POST', url: '/auth/logout', headers: auth(token) });
    expect(out.statusCode).toBe(204);
    const after = await h.app.inject({ method: 'GET', url: '/auth/me', headers: auth(token) });
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe('UNAUTHENTICATED');
    expect((await h.app.inject({ method: 'POST', url: '/auth/logout', headers: auth(token) })).statusCode).toBe(401);
    const session = await h.database.db.selectFrom('sessions').select(['id', 'revoked_at']).where('revoked_at', 'is not', null).execute();
    expect(session).toEqual([{ id: expect.anything(), revoked_at: h.clock.now }]);
    const rows = await auditRows('auth.logout');
    expect(rows).toMatchObject([
      {
        stream: 'auth',
        actor_kind: 'staff',
        actor_id: await staffId('appr.hai'),
        entity_type: 'session',
        entity_id: String(session[0]!.id),
      },
    ]);
  });

  it('audits every successful log-in in the stream of the staff member’s unit', async () => {
    const before = await auditRows('auth.login');
    await login('spec.ca', PASSWORD);
    const rows = await auditRows('auth.login');
    expect(rows.length).toBe(before.length + 1);
    const id = await staffId('spec.ca');
    expect(rows.filter((r) => r.actor_id === id)).toMatchObject([
      { stream: `unit:${h.unit('CA')}`, actor_kind: 'staff', entity_type: 'staff', entity_id: String(id) },
    ]);
  });

  it('rejects malformed and missing tokens with 401', async () => {
    for (const authorization of [undefined, 'Bearer', 'Bearer short', 'Basic YWRtaW46YWRtaW4=', `Bearer ${'x'.repeat(40)}`]) {
      const r = await h.app.inject({ method: 'GET', url: '/auth/me', headers: authorization ? { authorization } : {} });
      expect(r.statusCode, authorization).toBe(401);
      expect(r.json().code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('sessions expire', () => {
  it('stops accepting a token once its time-to-live has passed', async () => {
    const short = new AuthService({ db: h.database.db, clock: () => h.clock.now, auditKey: h.auditKey, sessionTtlMinutes: 1 });
    h.clock.set('2025-03-14T10:00:00+07:00');
    const s = await short.login('clerk.center', PASSWORD);
    expect(s.expiresAt.toISOString()).toBe('2025-03-14T03:01:00.000Z');
    expect((await short.authenticate(s.token)).username).toBe('clerk.center');
    // Checked 55 s in, then at the session's end: refused at once (no cache outlives it).
    h.clock.set('2025-03-14T10:00:55+07:00');
    expect((await short.authenticate(s.token)).username).toBe('clerk.center');
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: auth(s.token) })).statusCode).toBe(200);
    h.clock.set('2025-03-14T10:01:00+07:00');
    await expect(short.authenticate(s.token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const r = await h.app.inject({ method: 'GET', url: '/auth/me', headers: auth(s.token) });
    expect(r.statusCode).toBe(401);
    expect(r.json().code).toBe('UNAUTHENTICATED');
    h.clock.set('2025-03-14T10:00:00+07:00');
  });
});

describe('creating staff accounts', () => {
  const create = async (body: Record<string, unknown>, user = 'admin') =>
    h.app.inject({
      method: 'POST',
      url: '/staff',
      headers: auth(await h.token(user)),
      payload: {
        username: 'clerk.new',
        password: 'a-long-password',
        fullName: 'Nguyễn Thị Mới',
        role: 'clerk',
        unitId: h.unit('CN-A'),
        ...body,
      },
    });
  const count = async () =>
    Number(
      (
        await h.database.db
          .selectFrom('staff')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it.each([
    ['a clerk at a department', { role: 'clerk', unitId: 'STP' }, 400, 'VALIDATION', 'body.unitId'],
    ['a specialist at a service point', { role: 'specialist', unitId: 'TTPVHCC' }, 400, 'VALIDATION', 'body.unitId'],
    ['an approver at a branch', { role: 'approver', unitId: 'CN-A' }, 400, 'VALIDATION', 'body.unitId'],
    ['a manager at a branch', { role: 'manager', unitId: 'CN-A' }, 400, 'VALIDATION', 'body.unitId'],
    ['an administrator at a center', { role: 'admin', unitId: 'TTPVHCC' }, 400, 'VALIDATION', 'body.unitId'],
    ['an unknown unit', { unitId: 99999 }, 404, 'NOT_FOUND', 'body.unitId'],
    ['an unknown role', { role: 'director' }, 400, 'VALIDATION', 'body.role'],
    ['a taken username', { username: 'clerk.hai' }, 409, 'CONFLICT', 'body.username'],
    ['a username with capitals', { username: 'Clerk.New' }, 400, 'VALIDATION', 'body.username'],
    ['a short password', { password: 'short-pw' }, 400, 'VALIDATION', 'body.password'],
    ['no full name', { fullName: undefined }, 400, 'VALIDATION', 'body.fullName'],
    ['an extra property', { isAdmin: true }, 400, 'VALIDATION', 'body.isAdmin'],
  ])('rejects %s, naming the field, and creates nothing', async (_label, over, status, errorCode, field) => {
    const before = await count();
    const body = { ...over } as Record<string, unknown>;
    if (typeof body.unitId === 'string') body.unitId = h.unit(body.unitId);
    const r = await create(body);
    expect(r.statusCode, r.body).toBe(status);
    expect(r.json()).toMatchObject({ code: errorCode, field });
    expect(await count()).toBe(before);
  });

  it('creates an account whose role fits its unit; it logs in, and its creation is audited', async () => {
    const r = await create({ username: 'spec.stp2', role: 'specialist', unitId: h.unit('STP'), password: 'another-long-password' });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toEqual({
      id: expect.any(Number),
      username: 'spec.stp2',
      full_name: 'Nguyễn Thị Mới',
      role: 'specialist',
      unit_id: h.unit('STP'),
      active: true,
    });
    const row = await h.database.db
      .selectFrom('staff')
      .select(['password_hash'])
      .where('username', '=', 'spec.stp2')
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain('another-long-password');
    expect(r.body).not.toContain('argon2');
    const audit = await auditRows('staff.create');
    expect(audit).toMatchObject([
      {
        stream: `unit:${h.unit('PROVINCE')}`,
        actor_kind: 'staff',
        actor_id: await staffId('admin'),
        entity_type: 'staff',
        entity_id: String(r.json().id),
      },
    ]);
    expect(JSON.parse(audit[0]!.payload).data).toEqual({ role: 'specialist', unitId: h.unit('STP') });
    const l = await login('spec.stp2', 'another-long-password');
    expect(l.statusCode).toBe(200);
    expect(l.json().actor).toMatchObject({ role: 'specialist', unitId: h.unit('STP') });
  });

  it('creates one account when the same username is sent twice at once; the other request gets 409 CONFLICT', async () => {
    const before = await count();
    const rs = await Promise.all([create({ username: 'clerk.twin' }), create({ username: 'clerk.twin' })]);
    expect(rs.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(rs.find((r) => r.statusCode === 409)!.json()).toMatchObject({ code: 'CONFLICT', field: 'body.username' });
    expect(await count()).toBe(before + 1);
  });
});

describe('log-in throttling', () => {
  const retryAfter = (r: { statusCode: number; headers: Record<string, unknown>; json: () => { code: string } }) => {
    expect(r.statusCode).toBe(429);
    expect(r.json().code).toBe('RATE_LIMITED');
    return Number(r.headers['retry-after']);
  };
  const row = async (key: string) => h.database.db.selectFrom('login_throttle').selectAll().where('key', '=', key).executeTakeFirst();
  const at = (base: number, seconds: number) => (h.clock.now = new Date(base + seconds * 1000));

  it('locks an account for a minute after 5 wrong passwords; the right one then waits its turn, unchecked', async () => {
    const base = h.clock.now.getTime();
    for (let i = 0; i < 5; i++) expect((await login('spec.stp', `wrong-${i}`)).statusCode).toBe(401);
    expect(await row('account:spec.stp')).toMatchObject({ failures: 5, locked_until: new Date(base + 60_000) });
    // The right password is not even checked while locked: a broken hash would fail the request if it were.
    const realHash = (
      await h.database.db.selectFrom('staff').select('password_hash').where('username', '=', 'spec.stp').executeTakeFirstOrThrow()
    ).password_hash;
    await h.database.db.updateTable('staff').set({ password_hash: 'not-a-hash' }).where('username', '=', 'spec.stp').execute();
    at(base, 20);
    const locked = await login('spec.stp', PASSWORD);
    expect(retryAfter(locked)).toBe(40);
    expect(locked.json()).toMatchObject({ status: 429, detail: expect.stringContaining('40 giây') });
    await h.database.db.updateTable('staff').set({ password_hash: realHash }).where('username', '=', 'spec.stp').execute();
    at(base, 59.5);
    expect(retryAfter(await login('spec.stp', PASSWORD))).toBe(1);
    at(base, 60);
    const ok = await login('spec.stp', PASSWORD);
    expect(ok.statusCode).toBe(200);
    // A success starts the account afresh.
    expect(await row('account:spec.stp')).toMatchObject({ failures: 0, locked_until: null });
    expect((await login('spec.stp', 'wrong-again')).statusCode).toBe(401);
    expect(await row('account:spec.stp')).toMatchObject({ failures: 1, locked_until: null });
    expect((await login('spec.stp', PASSWORD)).statusCode).toBe(200);
  });

  it('doubles the lock with each further failure, up to an hour', async () => {
    const base = h.clock.now.getTime();
    let t = 0;
    for (let i = 0; i < 5; i++) expect((await login('appr.stp', `wrong-${i}`)).statusCode).toBe(401);
    const locks = [];
    for (let k = 0; k < 8; k++) {
      at(base, t + 1);
      const lock = retryAfter(await login('appr.stp', PASSWORD));
      locks.push(lock + 1); // asked one second into the lock
      t += lock + 1;
      at(base, t);
      expect((await login('appr.stp', `wrong-again-${k}`)).statusCode).toBe(401);
    }
    expect(locks).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600]);
    at(base, t + 3600);
    expect((await login('appr.stp', PASSWORD)).statusCode).toBe(200);
  });

  it('locks an account name that does not exist the same way, so the answers never tell', async () => {
    const base = h.clock.now.getTime();
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 6; i++) {
      known.push((await login('spec.ca', `wrong-${i}`)).statusCode);
      unknown.push((await login('no.such.user', `wrong-${i}`)).statusCode);
    }
    expect(known).toEqual([401, 401, 401, 401, 401, 429]);
    expect(unknown).toEqual(known);
    at(base, 10);
    const a = await login('spec.ca', PASSWORD);
    const b = await login('no.such.user', PASSWORD);
    const { instance: _a, ...bodyA } = a.json();
    const { instance: _b, ...bodyB } = b.json();
    expect(bodyB).toEqual(bodyA);
    expect(b.headers['retry-after']).toBe(a.headers['retry-after']);
    at(base, 60);
    expect((await login('spec.ca', PASSWORD)).statusCode).toBe(200);
  });

  it('checks at most 5 of 10 wrong passwords sent at once', async () => {
    const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => login('spec.mot', `parallel-${i}`)));
    expect(rs.filter((r) => r.statusCode === 401)).toHaveLength(5);
    expect(rs.filter((r) => r.statusCode === 429)).toHaveLength(5);
    expect(await row('account:spec.mot')).toMatchObject({ failures: 5 });
    h.clock.now = new Date(h.clock.now.getTime() + 60_000);
    expect((await login('spec.mot', PASSWORD)).statusCode).toBe(200);
  });

  it('audits every failure, lockout and refusal, naming the address and never the password', async () => {
    const since = await h.database.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('stream', '=', 'auth')
      .executeTakeFirstOrThrow();
    const from = '10.77.0.1';
    for (let i = 0; i < 5; i++) await login('spec.hai', `secret-guess-${i}`, from);
    await login('spec.hai', PASSWORD, from);
    const rows = await h.database.db
      .selectFrom('audit_log')
      .select(['action', 'entity_id', 'payload'])
      .where('stream', '=', 'auth')
      .where('seq', '>', Number(since.seq ?? 0))
      .orderBy('seq')
      .execute();
    expect(rows.map((r) => r.action)).toEqual([
      'auth.login_failed',
      'auth.login_failed',
      'auth.login_failed',
      'auth.login_failed',
      'auth.login_failed',
      'auth.login_lockout',
      'auth.login_refused',
    ]);
    const id = String(await staffId('spec.hai'));
    expect(rows.map((r) => r.entity_id)).toEqual([id, id, id, id, id, id, null]);
    const data = rows.map((r) => JSON.parse(r.payload).data);
    expect(data[4]).toEqual({ address: 'addr:10.77.0.1', failures: { account: 5, address: 5 } });
    expect(data[5]).toEqual({
      address: 'addr:10.77.0.1',
      key: 'account',
      failures: 5,
      lockedUntil: new Date(h.clock.now.getTime() + 60_000).toISOString(),
    });
    expect(data[6]).toEqual({ address: 'addr:10.77.0.1', retryAfterSeconds: 60 });
    for (const r of rows) expect(r.payload).not.toMatch(/secret-guess|test-password/);
    h.clock.now = new Date(h.clock.now.getTime() + 60_000);
  });

  it('locks an address after its own budget of failures over many accounts, and not the accounts', async () => {
    // Another process with a small address budget (the plugin's 20 a minute would stop the default 30 first).
    const services = createServices({
      auditKey: h.auditKey,
      db: h.database.db,
      blobs: new MemoryBlobStore(),
      clock: () => h.clock.now,
      sessionTtlMinutes: 60,
      maxUploadBytes: 64 * 1024,
      loginThrottle: { ...DEFAULT_LOGIN_THROTTLE, addressFailures: 3 },
    });
    const config = loadConfig({}, { trackingPerMinute: 1000, maxUploadBytes: 64 * 1024, logLevel: 'silent' });
    const app = await buildApp({ config, database: h.database, services, logger: false });
    try {
      const from = '10.66.0.1';
      const attempt = (username: string, password: string, remoteAddress = from) =>
        app.inject({ method: 'POST', url: '/auth/login', remoteAddress, payload: { username, password } });
      expect((await attempt('clerk.center', 'wrong')).statusCode).toBe(401);
      expect((await attempt('clerk.branch', 'wrong')).statusCode).toBe(401);
      expect((await attempt('clerk.hai', 'wrong')).statusCode).toBe(401);
      expect(retryAfter(await attempt('admin', PASSWORD))).toBe(60);
      // The accounts are not locked: from elsewhere they log in.
      expect((await attempt('admin', PASSWORD, '10.66.0.2')).statusCode).toBe(200);
      expect(await row('addr:10.66.0.1')).toMatchObject({ failures: 3 });
      // A right password from the address does not give its failures back to it.
      h.clock.now = new Date(h.clock.now.getTime() + 60_000);
      expect((await attempt('admin', PASSWORD)).statusCode).toBe(200);
      expect(await row('addr:10.66.0.1')).toMatchObject({ failures: 3 });
      expect((await attempt('clerk.center', 'wrong')).statusCode).toBe(401);
      expect(retryAfter(await attempt('admin', PASSWORD))).toBe(120);
    } finally {
      await app.close();
    }
  });

  it('forgets failures a day after the last one, and purges rows with nothing left to remember', async () => {
    expect((await login('clerk.hai', 'wrong-1')).statusCode).toBe(401);
    const before = await row('account:clerk.hai');
    expect(before!.failures).toBeGreaterThan(0);
    h.clock.now = new Date(h.clock.now.getTime() + DEFAULT_LOGIN_THROTTLE.forgetMs);
    expect((await login('clerk.hai', 'wrong-2')).statusCode).toBe(401);
    expect(await row('account:clerk.hai')).toMatchObject({ failures: 1 });
    h.clock.now = new Date(h.clock.now.getTime() + DEFAULT_LOGIN_THROTTLE.forgetMs + 1);
    const purged = await h.services.auth.purgeLoginThrottle();
    expect(purged).toBeGreaterThan(0);
    expect(await row('account:clerk.hai')).toBeUndefined();
  });
});

describe('sessions are read from the database, or held until a change is announced', () => {
  const me = (token: string) => h.app.inject({ method: 'GET', url: '/auth/me', headers: auth(token) });

  it('refuses a token logged out through another process once the change reaches this one', async () => {
    const other = createServices({
      auditKey: h.auditKey,
      db: h.database.db,
      blobs: new MemoryBlobStore(),
      clock: () => h.clock.now,
      sessionTtlMinutes: 60,
      maxUploadBytes: 64 * 1024,
      feed: h.database.feed,
    });
    const { token } = (await login('spec.stp', PASSWORD)).json();
    // Both processes accept it (and hold it), then it is logged out through the other one.
    expect((await me(token)).statusCode).toBe(200);
    expect((await me(token)).statusCode).toBe(200);
    expect((await other.auth.authenticate(token)).username).toBe('spec.stp');
    await other.auth.logout(token);
    // Refused at once by the process that logged it out, without waiting for the notification.
    await expect(other.auth.authenticate(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await h.services.auth.sessionsInSync();
    const r = await me(token);
    expect(r.statusCode).toBe(401);
    expect(r.json().code).toBe('UNAUTHENTICATED');
  });

  it('refuses the held sessions of an account disabled at psql once the change is announced', async () => {
    const { token } = (await login('clerk.ba', PASSWORD)).json();
    expect((await me(token)).statusCode).toBe(200);
    await h.database.db.updateTable('staff').set({ active: false }).where('username', '=', 'clerk.ba').execute();
    await h.services.auth.sessionsInSync();
    expect((await me(token)).statusCode).toBe(401);
    await h.database.db.updateTable('staff').set({ active: true }).where('username', '=', 'clerk.ba').execute();
    await h.services.auth.sessionsInSync();
    expect((await me(token)).statusCode).toBe(200);
  });

  it('refuses a held session at its expiry', async () => {
    const { token, expiresAt } = (await login('clerk.ba', PASSWORD)).json();
    expect((await me(token)).statusCode).toBe(200);
    const back = h.clock.now;
    h.clock.now = new Date(expiresAt);
    try {
      expect((await me(token)).json().code).toBe('UNAUTHENTICATED');
    } finally {
      h.clock.now = back;
    }
  });

  it("sees a manager's scope grow with a unit added to their center", async () => {
    const token = (await login('manager.center', PASSWORD)).json().token;
    const scope = async () => (await me(token)).json().scopeUnitIds as number[];
    const before = await scope();
    const added = await h.database.asOwner(async (db) =>
      sql<{ id: number }>`insert into units (key, province_code, kind, parent_id, agency_code, name_vi, name_en, valid_from)
        select 'CN-SCOPE', province_code, 'branch', id, 'CN-SCOPE', 'Chi nhánh thử', 'Test branch', '2025-01-01' from units where key = 'TTPVHCC'
        returning id`.execute(db),
    );
    await h.services.auth.sessionsInSync();
    expect(await scope()).toEqual([...before, added.rows[0]!.id].sort((a, b) => a - b));
    await h.database.asOwner((db) => sql`delete from units where key = 'CN-SCOPE'`.execute(db));
    await h.services.auth.sessionsInSync();
    expect(await scope()).toEqual(before);
  });

  it('announces every change to sessions, staff and units on the channel the sessions are held by', async () => {
    const got: string[] = [];
    const off = h.database.feed.subscribe(SESSIONS_CHANNEL, { changed: (p) => got.push(p), reset: () => undefined });
    try {
      await h.database.feed.sync(SESSIONS_CHANNEL);
      await h.database.asOwner(async (db) => {
        await sql`update sessions set revoked_at = revoked_at where false`.execute(db);
        await sql`update staff set active = active where username = 'admin'`.execute(db);
        await sql`update units set name_en = name_en where key = 'TTPVHCC'`.execute(db);
        // A new session changes nothing held: no notification.
        await sql`insert into sessions (staff_id, token_hash, expires_at) select id, 'x-no-notice', now() from staff where username = 'admin'`.execute(
          db,
        );
      });
      await h.database.feed.sync(SESSIONS_CHANNEL);
      expect(got).toEqual(['sessions', 'staff', 'units']);
    } finally {
      off();
    }
  });
});
