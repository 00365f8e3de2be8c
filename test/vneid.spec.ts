import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVneidClient, VneidError, type PendingVneidLogin, type VneidClient } from '../src/vneid/vneid.client.js';
import { basicCredentials } from '../src/vneid/vneid.contract.js';
import { startVneidSimulator, TEST_PASSWORD, type VneidSimulator } from '../src/simulators/vneid.simulator.js';
import { startSimulatorProcess } from './sim-process.js';

// VNeID log-in and the population look-up, against the simulator (oidc-provider): the whole authorization code flow
// with PKCE driven by fetch (no browser), what each identification level yields, the checks that refuse a tampered
// callback or a wrong verifier, the log-in form's refusal, and the look-up's answers, credential and outage.

const CLIENT_ID = 'motcua-test';
const CLIENT_SECRET = 'secret-at-vneid';
const REDIRECT_URI = 'http://127.0.0.1:3000/auth/vneid/callback';

let sim: VneidSimulator;
let vneid: VneidClient;

/** Cookies by name, as a browser would keep them for this one host (paths ignored: every cookie goes everywhere). */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0]!;
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** One browser step: no redirect followed, cookies sent and kept. */
async function step(jar: CookieJar, url: URL, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
  const headers: Record<string, string> = { cookie: jar.header() };
  if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body: init.form ? new URLSearchParams(init.form) : undefined,
    redirect: 'manual',
  });
  jar.take(res);
  return res;
}

const locationOf = (res: Response, base: URL) => new URL(res.headers.get('location') ?? '', base);

/** From the authorization URL to the log-in page: the interaction's URL, its cookies, the page. */
async function openLoginPage(authorizationUrl: URL) {
  const jar = new CookieJar();
  const r1 = await step(jar, authorizationUrl);
  expect(r1.status).toBe(303);
  const interaction = locationOf(r1, authorizationUrl);
  expect(interaction.pathname).toMatch(/^\/interaction\/[\w-]+$/);
  const r2 = await step(jar, interaction);
  expect(r2.status).toBe(200);
  return { jar, interaction, html: await r2.text() };
}

/** Posts the log-in form, then follows the provider's redirects until the one to our callback. */
async function submitLogin(jar: CookieJar, interaction: URL, username: string, password: string) {
  const post = await step(jar, new URL(`${interaction.pathname}/login`, interaction), { method: 'POST', form: { username, password } });
  if (post.status !== 303) return { callback: null, status: post.status, html: await post.text() };
  let next = locationOf(post, interaction);
  for (let hops = 0; !next.href.startsWith(REDIRECT_URI); hops++) {
    if (hops > 5) throw new Error(`no redirect to the callback (at ${next.pathname})`);
    const r = await step(jar, next);
    expect([302, 303]).toContain(r.status);
    next = locationOf(r, next);
  }
  return { callback: next, status: post.status, html: '' };
}

/** A whole log-in as the citizen would do it: begin(), the page, the form; the callback URL VNeID sends back. */
async function logIn(username: string, password = TEST_PASSWORD): Promise<{ pending: PendingVneidLogin; callback: URL }> {
  const { url, ...pending } = await vneid.begin();
  const { jar, interaction } = await openLoginPage(url);
  const r = await submitLogin(jar, interaction, username, password);
  if (!r.callback) throw new Error(`log-in refused (HTTP ${r.status})`);
  return { pending, callback: r.callback };
}

async function failure(p: Promise<unknown>): Promise<VneidError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(VneidError);
    return e as VneidError;
  }
  throw new Error('expected a VneidError');
}

const lookupRaw = (body: unknown, secret = CLIENT_SECRET) =>
  fetch(`${sim.url}/population/lookup`, {
    method: 'POST',
    headers: { authorization: basicCredentials(CLIENT_ID, secret), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const setFaults = (faults: Record<string, unknown>) =>
  fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });

beforeAll(async () => {
  sim = await startVneidSimulator({
    port: 0,
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT_URI] }],
  });
  vneid = createVneidClient({
    issuer: sim.url,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUri: REDIRECT_URI,
    timeoutMs: 3_000,
  });
});

afterAll(async () => {
  await sim?.close();
});

describe('VNeID log-in (OpenID Connect, authorization code with PKCE)', () => {
  it('publishes discovery at the port actually served, PKCE S256 only and the citizen scope', async () => {
    expect(sim.port).toBeGreaterThan(0);
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
    const d = (await (await fetch(`${sim.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(d.issuer).toBe(sim.url);
    expect(d.code_challenge_methods_supported).toEqual(['S256']);
    expect(d.response_types_supported).toEqual(['code']);
    expect(d.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic']);
    expect(d.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'citizen']));
  });

  it('asks for the citizen scope with an S256 challenge, a state and a nonce, and no secret in the URL', async () => {
    const { url, state, nonce, codeVerifier } = await vneid.begin();
    expect(url.origin).toBe(sim.url);
    expect(url.pathname).toBe('/auth');
    expect(url.searchParams.get('scope')).toBe('openid profile citizen');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('state')).toBe(state);
    expect(url.searchParams.get('nonce')).toBe(nonce);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(url.href).not.toContain(CLIENT_SECRET);
    expect(url.href).not.toContain(codeVerifier);
  });

  it('shows the log-in page in Vietnamese first, with the test citizens to pick', async () => {
    const { url } = await vneid.begin();
    const { html } = await openLoginPage(url);
    expect(html).toContain('<html lang="vi">');
    expect(html).toContain('Đăng nhập bằng tài khoản định danh điện tử VNeID');
    expect(html).toContain('Số định danh cá nhân hoặc số điện thoại');
    expect(html).toContain('Nguyễn Văn An — mức 2');
    expect(html).toContain('Lê Thị Hoa — mức 1');
  });

  it('gives the exact identity of a level-2 citizen: name, ID number, birth date, permanent address', async () => {
    const before = sim.stats();
    const { pending, callback } = await logIn('037085012345');
    expect(callback.searchParams.get('state')).toBe(pending.state);
    expect(callback.searchParams.get('iss')).toBe(sim.url);
    expect(await vneid.finish(callback, pending)).toEqual({
      subject: 'vneid-7f3a1c02',
      name: 'Nguyễn Văn An',
      idNumber: '037085012345',
      birthDate: '1985-03-12',
      gender: 'male',
      permanentAddress: 'Số 25 đường Trần Hưng Đạo, phường Hoa Lư, tỉnh Ninh Bình',
      level: 2,
    });
    expect(sim.stats()).toMatchObject({
      logins: before.logins + 1,
      codesIssued: before.codesIssued + 1,
      tokensIssued: before.tokensIssued + 1,
      tokenErrors: before.tokenErrors,
    });
  });

  it('logs a level-2 citizen in by phone number as well', async () => {
    const { pending, callback } = await logIn('0987654302');
    const who = await vneid.finish(callback, pending);
    expect(who).toMatchObject({ name: 'Trần Thị Bích Ngọc', idNumber: '001192004567', birthDate: '1992-07-25', level: 2 });
  });

  it('gives a level-1 citizen level 1, the name only, and no ID number', async () => {
    const { pending, callback } = await logIn('0905111204');
    expect(await vneid.finish(callback, pending)).toEqual({
      subject: 'vneid-90e6b3f8',
      name: 'Lê Thị Hoa',
      idNumber: null,
      birthDate: null,
      gender: null,
      permanentAddress: null,
      level: 1,
    });
  });

  it('refuses a callback whose state was tampered with, before redeeming its code', async () => {
    const { pending, callback } = await logIn('037201003210');
    const tampered = new URL(callback);
    tampered.searchParams.set('state', 'attacker-chosen-state');
    const before = sim.stats().tokensIssued;
    const e = await failure(vneid.finish(tampered, pending));
    expect(e.code).toBe('vneid_refused');
    expect(e.message).toMatch(/state/);
    expect(sim.stats().tokensIssued).toBe(before);
    // The code was never sent: the genuine callback still redeems it.
    expect((await vneid.finish(callback, pending)).idNumber).toBe('037201003210');
  });

  it('has the provider refuse the code with a wrong PKCE verifier (invalid_grant at the token endpoint)', async () => {
    const { pending, callback } = await logIn('037085012345');
    const errorsBefore = sim.stats().tokenErrors;
    const e = await failure(vneid.finish(callback, { ...pending, codeVerifier: 'x'.repeat(43) }));
    expect(e.code).toBe('vneid_refused');
    expect(e.oauthError).toBe('invalid_grant');
    expect(sim.stats().tokenErrors).toBe(errorsBefore + 1);
  });

  it('has the provider refuse the code without a PKCE verifier', async () => {
    const { callback } = await logIn('037085012345');
    const res = await fetch(`${sim.url}/token`, {
      method: 'POST',
      headers: { authorization: basicCredentials(CLIENT_ID, CLIENT_SECRET), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code') ?? '',
        redirect_uri: REDIRECT_URI,
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('refuses an authorization request without a PKCE challenge: an error to the callback, no code', async () => {
    const url = new URL('/auth', sim.url);
    url.search = new URLSearchParams({
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid profile citizen',
      state: 'st',
      nonce: 'nn',
    }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(303);
    const back = locationOf(res, url);
    expect(back.href.startsWith(REDIRECT_URI)).toBe(true);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toMatch(/PKCE/);
    expect(back.searchParams.has('code')).toBe(false);
  });

  it('shows the form again with a Vietnamese error after a wrong password, issuing no code; the right one then works', async () => {
    const { url, ...pending } = await vneid.begin();
    const { jar, interaction } = await openLoginPage(url);
    const before = sim.stats();
    const wrong = await submitLogin(jar, interaction, '037085012345', 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(wrong.callback).toBeNull();
    expect(wrong.html).toContain('Đăng nhập bằng tài khoản định danh điện tử VNeID');
    expect(wrong.html).toContain('Số định danh cá nhân (hoặc số điện thoại) hoặc mật khẩu không đúng.');
    expect(wrong.html).toContain('value="037085012345"');
    expect(sim.stats()).toMatchObject({ failedLogins: before.failedLogins + 1, codesIssued: before.codesIssued, logins: before.logins });
    const right = await submitLogin(jar, interaction, '037085012345', TEST_PASSWORD);
    expect(right.callback).not.toBeNull();
    expect((await vneid.finish(right.callback!, pending)).name).toBe('Nguyễn Văn An');
  });

  it('reports a cancelled log-in as refused with access_denied', async () => {
    const { url, ...pending } = await vneid.begin();
    const { jar, interaction } = await openLoginPage(url);
    const res = await step(jar, new URL(`${interaction.pathname}/abort`, interaction), { method: 'POST', form: {} });
    expect(res.status).toBe(303);
    let next = locationOf(res, interaction);
    while (!next.href.startsWith(REDIRECT_URI)) {
      const r = await step(jar, next);
      next = locationOf(r, next);
    }
    expect(next.searchParams.has('code')).toBe(false);
    const e = await failure(vneid.finish(next, pending));
    expect(e.code).toBe('vneid_refused');
    expect(e.oauthError).toBe('access_denied');
  });

  it('refuses a level-2 identity that comes without its ID number', async () => {
    await setFaults({ dropIdNumber: true });
    try {
      const { pending, callback } = await logIn('037085012345');
      const e = await failure(vneid.finish(callback, pending));
      expect(e.code).toBe('vneid_invalid_identity');
      expect(e.message).toContain('12-digit id_number');
    } finally {
      await setFaults({ dropIdNumber: false });
    }
  });

  it('will not talk plain http to anything but this machine', () => {
    expect(() =>
      createVneidClient({ issuer: 'http://vneid.example.vn', clientId: 'a', clientSecret: 'b', redirectUri: REDIRECT_URI }),
    ).toThrow(/must be https/);
  });
});

describe('population database look-up at the counter', () => {
  const consent = { purpose: 'Tiếp nhận hồ sơ 000.00.12.H56-250908-0001', consentRef: 'DY-2025-000123' };

  it('returns the exact person for a known ID number, and records the consent', async () => {
    expect(await vneid.lookupPopulation('001192004567', consent)).toEqual({
      idNumber: '001192004567',
      name: 'Trần Thị Bích Ngọc',
      birthDate: '1992-07-25',
      gender: 'female',
      permanentAddress: 'Số 8 phố Lê Hồng Phong, phường Nam Định, tỉnh Ninh Bình',
    });
    expect(sim.consents().at(-1)).toMatchObject({ clientId: CLIENT_ID, idNumber: '001192004567', ...consent, found: true });
  });

  it('finds a person who has no VNeID account', async () => {
    expect(await vneid.lookupPopulation('037168009876', consent)).toMatchObject({ name: 'Vũ Thị Mai', birthDate: '1968-04-30' });
  });

  it('says not_found for an unknown ID number, the consent recorded all the same', async () => {
    const e = await failure(vneid.lookupPopulation('037099999999', consent));
    expect(e.code).toBe('not_found');
    expect(sim.consents().at(-1)).toMatchObject({ idNumber: '037099999999', found: false });
    const raw = await lookupRaw({ idNumber: '037099999999', ...consent });
    expect(raw.status).toBe(404);
    expect(await raw.json()).toEqual({ found: false });
  });

  it('says invalid_id_number for "123", and so does the database when asked', async () => {
    const e = await failure(vneid.lookupPopulation('123', consent));
    expect(e.code).toBe('invalid_id_number');
    const raw = await lookupRaw({ idNumber: '123', ...consent });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({
      error: 'invalid_id_number',
      message: 'Số định danh cá nhân phải gồm đúng 12 chữ số / idNumber must be exactly 12 digits',
    });
  });

  it('is never read without a purpose and a consent reference', async () => {
    const e = await failure(vneid.lookupPopulation('001192004567', { purpose: ' ', consentRef: 'DY-1' }));
    expect(e.code).toBe('consent_required');
    const raw = await lookupRaw({ idNumber: '001192004567', purpose: 'x' });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: string }).error).toBe('consent_required');
  });

  it('refuses a wrong client secret with 401', async () => {
    const raw = await lookupRaw({ idNumber: '001192004567', ...consent }, 'wrong-secret');
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toMatch(/^Basic /);
    const intruder = createVneidClient({ issuer: sim.url, clientId: CLIENT_ID, clientSecret: 'wrong-secret', redirectUri: REDIRECT_URI });
    const e = await failure(intruder.lookupPopulation('001192004567', consent));
    expect(e.code).toBe('vneid_refused');
    expect(e.message).toContain('HTTP 401');
  });

  it('raises vneid_unavailable while VNeID is away, and works again after', async () => {
    expect((await setFaults({ downForMs: 60_000 })).status).toBe(200);
    try {
      expect((await failure(vneid.lookupPopulation('001192004567', consent))).code).toBe('vneid_unavailable');
      // A client that has not discovered the provider yet cannot begin a log-in either.
      const fresh = createVneidClient({ issuer: sim.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT_URI });
      expect((await failure(fresh.begin())).code).toBe('vneid_unavailable');
    } finally {
      await setFaults({ downForMs: 0 });
    }
    expect((await vneid.lookupPopulation('001192004567', consent)).name).toBe('Trần Thị Bích Ngọc');
    expect(sim.stats().unavailable).toBeGreaterThanOrEqual(2);
  });

  it('raises vneid_unavailable when nothing listens at the address', async () => {
    const gone = await startVneidSimulator({ port: 0 });
    const url = gone.url;
    await gone.close();
    const client = createVneidClient({
      issuer: url,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: REDIRECT_URI,
      timeoutMs: 1_000,
    });
    expect((await failure(client.lookupPopulation('001192004567', consent))).code).toBe('vneid_unavailable');
    expect((await failure(client.begin())).code).toBe('vneid_unavailable');
  });
});

describe('the VNeID simulator as a process of its own', () => {
  it('starts with `motcua simulate vneid`, publishes its discovery at the address served, and answers a look-up', async () => {
    const { url, child } = await startSimulatorProcess('vneid', ['--client-secret', 'process-secret']);
    try {
      const discovery = (await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      expect(discovery.issuer).toBe(url);
      expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
      const client = createVneidClient({ issuer: url, clientId: 'motcua', clientSecret: 'process-secret', redirectUri: `${url}/cb` });
      const person = await client.lookupPopulation('001192004567', { purpose: 'Tiếp nhận hồ sơ', consentRef: 'consent-process-1' });
      expect(person.name).toBe('Trần Thị Bích Ngọc');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('refuses a bad option with a message naming it', async () => {
    await expect(startSimulatorProcess('vneid', ['--down-for', 'soon'])).rejects.toThrow(/down-for.*a number ≥ 0|a number ≥ 0/);
  });
});
