import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { createHarness, applicant, type Harness, newIdNumber } from './harness.js';
import { createServices, type Services } from '../src/services.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/platform/config.js';
import { MemoryBlobStore } from '../src/platform/blob-store.js';
import type { HttpApp } from '../src/platform/http.js';
import { addressKey, budgetKeys, DEFAULT_LOOKUP_BUDGET } from '../src/lookups/lookup.model.js';

let h: Harness;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
let ipSeq = 0;
/** A fresh client address: each test's addresses start with a clean budget. */
const ip = () => `198.18.${Math.floor(++ipSeq / 250)}.${(ipSeq % 250) + 1}`;

/** Receives a dossier at the center for an applicant whose phone ends in `phone4`; its code and token. */
async function receive(phone4 = '5678'): Promise<{ code: string; token: string }> {
  const clerk = await h.token('clerk.center');
  const file = await h.upload(clerk);
  const r = await h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: auth(clerk),
    payload: {
      procedureCode: '1.001193',
      applicant: applicant('14002', { phone: `091234${phone4}`, idNumber: newIdNumber() }),
      components: [
        { code: 'TK', source: 'upload', fileSha256: file },
        { code: 'GCS', source: 'upload', fileSha256: file },
        { code: 'CCCD', source: 'population_db' },
      ],
    },
  });
  expect(r.statusCode, r.body).toBe(201);
  return { code: r.json().code, token: r.json().trackingToken };
}

const track = (code: string, query: string, remoteAddress: string, app: HttpApp = h.app) =>
  app.inject({ method: 'GET', url: `/public/dossiers/${code}?${query}`, remoteAddress });
const rate = (code: string, secret: Record<string, string>, remoteAddress: string) =>
  h.app.inject({ method: 'POST', url: `/public/dossiers/${code}/rating`, remoteAddress, payload: { ...secret, rating: 'satisfied' } });

const WINDOW_S = DEFAULT_LOOKUP_BUDGET.windowMs / 1000;

function expectLimited(r: LightMyRequestResponse, retryAfter: number): void {
  expect(r.statusCode, r.body).toBe(429);
  expect(r.headers['content-type']).toContain('application/problem+json');
  expect(r.headers['retry-after']).toBe(String(retryAfter));
  expect(r.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
  expect(r.json().detail).toContain(`${retryAfter} giây`);
}

async function budgetRow(key: string) {
  return h.database.db.selectFrom('lookup_budgets').selectAll().where('key', '=', key).executeTakeFirst();
}

beforeAll(async () => {
  h = await createHarness('2025-09-08T09:00:00+07:00');
});

describe('the per-code budget of wrong guesses', () => {
  it('locks a code after 5 wrong tries from 5 addresses: then even the right digits get 429 until the window ends', async () => {
    const { code, token } = await receive('5678');
    const start = h.clock.now.getTime();
    for (let i = 0; i < 5; i++) {
      h.clock.now = new Date(start + i * 60_000); // one a minute: the window starts at the first
      const r = await track(code, `phone=${1000 + i}`, ip());
      expect(r.statusCode).toBe(404);
      expect(r.json().code).toBe('NOT_FOUND');
    }
    expect(await budgetRow(`code:${code}`)).toMatchObject({ failures: 5, max_failures: 5 });
    expect((await budgetRow(`code:${code}`))!.window_ends_at.getTime()).toBe(start + WINDOW_S * 1000);
    // Four minutes in: 11 minutes of the window left, whoever asks and whatever they send.
    expectLimited(await track(code, 'phone=5678', ip()), 11 * 60);
    expectLimited(await track(code, 'phone=0000', ip()), 11 * 60);
    expectLimited(await rate(code, { phone: '5678' }, ip()), 11 * 60);
    // Refused attempts are not guesses: the count stays at the limit.
    expect((await budgetRow(`code:${code}`))!.failures).toBe(5);
    // The receipt's token is not guessable, so a locked code does not stop it.
    const byToken = await track(code, `token=${token}`, ip());
    expect(byToken.statusCode).toBe(200);
    expect(byToken.json()).toMatchObject({ code, status: 'received', trackingToken: token });
    // The window ends 15 minutes after the first wrong try; one second before, still locked.
    h.clock.now = new Date(start + WINDOW_S * 1000 - 1000);
    expectLimited(await track(code, 'phone=5678', ip()), 1);
    h.clock.now = new Date(start + WINDOW_S * 1000);
    const after = await track(code, 'phone=5678', ip());
    expect(after.statusCode).toBe(200);
    expect(after.json().code).toBe(code);
  });

  it('locks a code that does not exist in the same way, so a lock reveals nothing', async () => {
    const missing = '000.00.01.H40-250908-0999';
    const start = h.clock.now.getTime();
    for (let i = 0; i < 5; i++) expect((await track(missing, `phone=${2000 + i}`, ip())).statusCode).toBe(404);
    expectLimited(await track(missing, 'phone=5678', ip()), WINDOW_S);
    expectLimited(await track(missing, 'token=ABCDEFGHJKLM', ip()), WINDOW_S);
    expect(h.clock.now.getTime()).toBe(start);
  });

  it('checks no more than 5 wrong guesses of 20 sent at once from 20 addresses, the right one among them', async () => {
    const { code } = await receive('4321');
    const guesses = Array.from({ length: 20 }, (_, i) => (i === 13 ? '4321' : String(3000 + i)));
    const answers = await Promise.all(guesses.map((g) => track(code, `phone=${g}`, ip())));
    const wrong = answers.filter((r) => r.statusCode === 404).length;
    const right = answers[13]!.statusCode;
    expect(answers.every((r) => [200, 404, 429].includes(r.statusCode))).toBe(true);
    expect((await budgetRow(`code:${code}`))!.failures).toBe(wrong);
    // Each guess is counted before it is checked, so however they interleave, 5 wrong ones are checked at most; the
    // right one, if it was among the first 5, took its count back, and one more wrong guess may have had its place.
    if (right === 200) expect([4, 5]).toContain(wrong);
    else {
      expect(right).toBe(429);
      expect(wrong).toBe(5);
    }
    expect(answers.filter((r) => r.statusCode === 429)).toHaveLength(20 - wrong - (right === 200 ? 1 : 0));
  });

  it('never locks a citizen out for looking their dossier up often: a right answer takes its count back', async () => {
    const { code } = await receive('2468');
    const me = ip();
    for (let i = 0; i < 12; i++) expect((await track(code, 'phone=2468', me)).statusCode).toBe(200);
    expect(await budgetRow(`code:${code}`)).toMatchObject({ failures: 0 });
    expect(await budgetRow(addressKey(me))).toMatchObject({ failures: 0 });
    // A typo is counted, and stays counted: a right answer does not wipe the wrong guesses of others.
    expect((await track(code, 'phone=2469', me)).statusCode).toBe(404);
    expect((await track(code, 'phone=2468', me)).statusCode).toBe(200);
    expect(await budgetRow(`code:${code}`)).toMatchObject({ failures: 1 });
  });
});

describe('a missing code and wrong digits', () => {
  it('get the same status, headers and body', async () => {
    const { code } = await receive('1357');
    // Both from fresh addresses, so the per-address limiter's headers count alike; the answer to the dossier is cached.
    expect((await track(code, 'phone=1357', ip())).statusCode).toBe(200);
    const wrong = await track(code, 'phone=0000', ip());
    const missing = await track('000.00.01.H40-250908-0998', 'phone=1357', ip());
    expect(wrong.statusCode).toBe(404);
    expect(missing.statusCode).toBe(wrong.statusCode);
    // Request ids differ (they have the same length, so the content length does not).
    const comparable = (r: LightMyRequestResponse) => {
      const { 'x-request-id': _id, date: _date, ...headers } = r.headers;
      const { instance: _instance, ...body } = r.json();
      return { headers, body };
    };
    expect(comparable(missing)).toEqual(comparable(wrong));
    expect(wrong.json()).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    // Both were counted as wrong guesses, each against its own code.
    expect((await budgetRow(`code:${code}`))!.failures).toBe(1);
    expect((await budgetRow('code:000.00.01.H40-250908-0998'))!.failures).toBe(1);
  });
});

describe('the tracking token', () => {
  it('opens the tracking answer without the phone digits, in either case', async () => {
    const { code, token } = await receive('8642');
    expect(token).toMatch(/^[A-HJ-NP-Z2-9]{12}$/);
    const r = await track(code, `token=${token}`, ip());
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ code, status: 'received', applicantName: 'N***** V** A*', trackingToken: token });
    expect((await track(code, `token=${token.toLowerCase()}`, ip())).statusCode).toBe(200);
    // The phone digits answer with the token too, so the page can switch to the token URL.
    expect((await track(code, 'phone=8642', ip())).json().trackingToken).toBe(token);
  });

  it('counts a wrong token as a wrong guess, against the code and the address', async () => {
    const { code, token } = await receive('9753');
    const me = ip();
    const wrongToken = token.startsWith('A') ? `B${token.slice(1)}` : `A${token.slice(1)}`;
    const r = await track(code, `token=${wrongToken}`, me);
    expect(r.statusCode).toBe(404);
    expect(r.json().detail).toBe((await track('000.00.01.H40-250908-0997', 'phone=9753', ip())).json().detail);
    expect(await budgetRow(`code:${code}`)).toMatchObject({ failures: 1 });
    expect(await budgetRow(addressKey(me))).toMatchObject({ failures: 1 });
  });

  it('refuses a malformed token, both secrets at once, or none, naming the field (and counts nothing)', async () => {
    const { code, token } = await receive('1111');
    const me = ip();
    for (const [query, field] of [
      ['token=ABCDEFGHIJKL', 'querystring.token'], // I is not in the alphabet
      ['token=SHORT', 'querystring.token'],
      [`token=${token}&phone=1111`, 'querystring.phone'],
      ['', 'querystring.token'],
    ] as const) {
      const r = await track(code, query, me);
      expect(r.statusCode, query).toBe(400);
      expect(r.json()).toMatchObject({ code: 'VALIDATION', field });
    }
    expect(await budgetRow(addressKey(me))).toBeUndefined();
  });

  it('rates a returned dossier by its token', async () => {
    const { code, token } = await receive('2222');
    await h.database.db.updateTable('dossiers').set({ status: 'returned', portal_status: 10 }).where('code', '=', code).execute();
    const r = await rate(code, { token }, ip());
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ code, rating: 'satisfied' });
    const wrong = await rate(code, { token: token.startsWith('A') ? `B${token.slice(1)}` : `A${token.slice(1)}` }, ip());
    expect(wrong.statusCode).toBe(404);
  });
});

describe('the per-address budget', () => {
  it('locks an address after 30 wrong guesses over every kind of look-up, even for a right answer elsewhere', async () => {
    const { code, token } = await receive('3333');
    const other = await receive('4444');
    const me = ip();
    const start = h.clock.now.getTime();
    // Cached by its token: the lock below must also stop the answer served from memory.
    expect((await track(other.code, `token=${other.token}`, me)).statusCode).toBe(200);
    // 30 wrong guesses, each at a different code (so no code locks): tracking by digits and by token, and rating.
    for (let i = 0; i < 30; i++) {
      const c = `000.00.01.H40-250908-${String(5000 + i)}`;
      const r =
        i % 3 === 0
          ? await track(c, 'phone=0000', me)
          : i % 3 === 1
            ? await track(c, 'token=ABCDEFGHJKLM', me)
            : await rate(c, { phone: '0000' }, me);
      expect(r.statusCode, `guess ${i}`).toBe(404);
    }
    expect(await budgetRow(addressKey(me))).toMatchObject({ failures: 30, max_failures: 30 });
    expectLimited(await track(code, 'phone=3333', me), WINDOW_S);
    expectLimited(await track(other.code, `token=${other.token}`, me), WINDOW_S);
    expectLimited(await rate(code, { token }, me), WINDOW_S);
    // Other addresses are not affected, nor the codes this address named.
    expect((await track(code, 'phone=3333', ip())).statusCode).toBe(200);
    h.clock.now = new Date(start + WINDOW_S * 1000);
    expect((await track(code, 'phone=3333', me)).statusCode).toBe(200);
  });

  it('counts an IPv6 client by its /64 network and an IPv4-mapped address as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('addr:2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:1:2:3')).toBe('addr:2001:db8:1:2::/64');
    expect(addressKey('2001:db8::')).toBe('addr:2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('addr:0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('addr:fe80:0:0:0::/64');
    expect(addressKey('::ffff:203.0.113.9')).toBe('addr:203.0.113.9');
    expect(addressKey('203.0.113.9')).toBe('addr:203.0.113.9');
    expect(budgetKeys(DEFAULT_LOOKUP_BUDGET, 'code:X', '203.0.113.9')).toEqual([
      { key: 'addr:203.0.113.9', max: 30 },
      { key: 'code:X', max: 5 },
    ]);
  });
});

describe('two server processes over one database', () => {
  let second: { services: Services; app: HttpApp };
  beforeAll(async () => {
    // Another process: its own services and caches, the same database; its view of the locks refreshed on every look-up.
    const services = createServices({
      auditKey: h.auditKey,
      db: h.database.db,
      blobs: new MemoryBlobStore(),
      clock: () => h.clock.now,
      sessionTtlMinutes: 60,
      maxUploadBytes: 64 * 1024,
      lockViewRefreshMs: 0,
    });
    const config = loadConfig({}, { trackingPerMinute: 1000, maxUploadBytes: 64 * 1024, logLevel: 'silent' });
    second = { services, app: await buildApp({ config, database: h.database, services, logger: false }) };
  });
  afterAll(async () => {
    await second.app.close();
  });

  it('share the count: guesses split between them lock the code for both', async () => {
    const { code } = await receive('5555');
    for (let i = 0; i < 5; i++) {
      const app = i % 2 === 0 ? h.app : second.app;
      expect((await track(code, `phone=${6000 + i}`, ip(), app)).statusCode).toBe(404);
    }
    expectLimited(await track(code, 'phone=5555', ip(), h.app), WINDOW_S);
    expectLimited(await track(code, 'phone=5555', ip(), second.app), WINDOW_S);
  });

  it('share address locks: an address locked through one is refused by the other, even with a right token', async () => {
    const { code, token } = await receive('6666');
    const me = ip();
    expect((await track(code, `token=${token}`, me, second.app)).statusCode).toBe(200); // cached there
    for (let i = 0; i < 30; i++) expect((await track(`000.00.01.H40-250908-${6000 + i}`, 'phone=0000', me, h.app)).statusCode).toBe(404);
    expectLimited(await track(code, `token=${token}`, me, second.app), WINDOW_S);
  });
});

describe('housekeeping', () => {
  it('deletes the budgets whose window has ended', async () => {
    const before = await h.database.db.selectFrom('lookup_budgets').select('key').execute();
    expect(before.length).toBeGreaterThan(0);
    h.clock.now = new Date(h.clock.now.getTime() + WINDOW_S * 1000 + 1);
    const me = ip();
    expect((await track('000.00.01.H40-250908-7777', 'phone=0000', me)).statusCode).toBe(404);
    expect(await h.services.lookups.purge()).toBe(before.length);
    const left = await h.database.db.selectFrom('lookup_budgets').select('key').orderBy('key').execute();
    expect(left.map((r) => r.key)).toEqual([addressKey(me), 'code:000.00.01.H40-250908-7777']);
  });
});
