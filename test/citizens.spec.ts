import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, applicant, type Harness } from './harness.js';
import { createVneidClient } from '../src/vneid/vneid.client.js';
import { startVneidSimulator, TEST_PASSWORD, type VneidSimulator } from '../src/simulators/vneid.simulator.js';
import { loginHostHop, safeReturnTo } from '../src/citizens/citizen.model.js';
import { loadSources } from '../src/portal/portal.repository.js';
import { toPortalDossier } from '../src/portal/portal.model.js';

// Citizens log in with VNeID (the simulator, a real OpenID provider) through our routes, without a browser: the
// log-in begun server-side, the provider's page and form driven by fetch, the callback redeemed with PKCE, an
// HttpOnly session cookie; then what a level-2 citizen gets (pre-fill, their dossiers, their store, online filing
// with a stored document, ratings tied to the account) and what a level-1 citizen, a tampered or replayed callback,
// an expired log-in, another citizen, a log-out and bad input get.

const CLIENT_ID = 'motcua-citizens';
const CLIENT_SECRET = 'citizens-secret';
/** Our callback on the address Fastify's inject uses (host localhost): where the simulator sends the browser back. */
const REDIRECT_URI = 'http://localhost/auth/vneid/callback';
const AN = { idNumber: '037085012345', name: 'Nguyễn Văn An', subject: 'vneid-7f3a1c02' };
const NGOC = { idNumber: '001192004567' };
const HOA_PHONE = '0905111204';

let sim: VneidSimulator;
let h: Harness;
let scan = '';
const docs: Record<string, number> = {};

/** Cookies of one browser at the simulator (paths ignored). */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0]!;
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

async function step(jar: CookieJar, url: URL, form?: Record<string, string>): Promise<Response> {
  const res = await fetch(url, {
    method: form ? 'POST' : 'GET',
    headers: { cookie: jar.header(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    body: form ? new URLSearchParams(form) : undefined,
    redirect: 'manual',
  });
  jar.take(res);
  return res;
}

const locationOf = (res: Response, base: URL) => new URL(res.headers.get('location') ?? '', base);

/** The citizen at VNeID: from the authorization URL through the log-in form to the redirect to our callback. */
async function atVneid(authorizationUrl: URL, username: string, action: 'login' | 'abort' = 'login'): Promise<URL> {
  const jar = new CookieJar();
  const r1 = await step(jar, authorizationUrl);
  expect(r1.status).toBe(303);
  const interaction = locationOf(r1, authorizationUrl);
  expect((await step(jar, interaction)).status).toBe(200);
  const post = await step(
    jar,
    new URL(`${interaction.pathname}/${action}`, interaction),
    action === 'login' ? { username, password: TEST_PASSWORD } : {},
  );
  expect(post.status).toBe(303);
  let next = locationOf(post, interaction);
  for (let hops = 0; !next.href.startsWith(REDIRECT_URI); hops++) {
    if (hops > 5) throw new Error(`no redirect to the callback (at ${next.pathname})`);
    next = locationOf(await step(jar, next), next);
  }
  return next;
}

/** The Set-Cookie lines of an inject answer. */
const setCookies = (r: { headers: Record<string, unknown> }): string[] => {
  const v = r.headers['set-cookie'];
  return v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
};
const cookieOf = (lines: string[], name: string) => lines.find((l) => l.startsWith(`${name}=`));
const valueOf = (line: string | undefined) => line?.split(';', 1)[0]!.split('=')[1] ?? '';

/** Begins a log-in through our route: the authorization URL and the browser's binding cookie. */
async function begin(returnTo?: string) {
  const r = await h.app.inject({ method: 'GET', url: `/auth/vneid/login${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}` });
  expect(r.statusCode, r.body).toBe(302);
  return { url: new URL(String(r.headers.location)), binding: valueOf(cookieOf(setCookies(r), 'motcua_vneid')), response: r };
}

const callback = (url: URL, binding: string | null, headers: Record<string, string> = {}) =>
  h.app.inject({
    method: 'GET',
    url: `/auth/vneid/callback${url.search}`,
    headers: { ...(binding ? { cookie: `motcua_vneid=${binding}` } : {}), ...headers },
  });

/** A whole log-in: our session cookie's token. */
async function logIn(username: string): Promise<string> {
  const b = await begin();
  const back = await atVneid(b.url, username);
  const r = await callback(back, b.binding);
  expect(r.statusCode, r.body).toBe(303);
  return valueOf(cookieOf(setCookies(r), 'motcua_citizen'));
}

const as = (session: string) => ({ cookie: `motcua_citizen=${session}` });
const get = (url: string, session: string) => h.app.inject({ method: 'GET', url, headers: as(session) });

async function addDocument(owner: string, title: string, documentType: string | null): Promise<number> {
  const row = await h.database.db
    .insertInto('store_documents')
    .values({
      owner_id_number: owner,
      kind: 'verified',
      title,
      blob_sha256: scan,
      issuer_unit_id: h.unit('X-HAI-UB'),
      source_dossier_id: null,
      document_type: documentType,
      issued_at: new Date('2025-01-10T03:00:00Z'),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A birth registration filed online: two uploads, the population database's ID card, and maybe a stored document. */
async function submission(idNumber: string, storeDocumentId?: number) {
  const token = await h.submission();
  const file = await h.publicUpload(token);
  return {
    token,
    body: {
      procedureCode: '1.001193',
      applicant: applicant('14002', { idNumber, name: 'Nguyễn Văn An' }),
      components: [
        { code: 'TK', source: 'upload', fileSha256: file },
        { code: 'GCS', source: 'upload', fileSha256: file },
        { code: 'CCCD', source: 'population_db' },
        ...(storeDocumentId ? [{ code: 'GKH', source: 'store', storeDocumentId }] : []),
      ],
    },
  };
}

const submitAs = (session: string, s: { token: string; body: unknown }, headers: Record<string, string> = {}) =>
  h.app.inject({
    method: 'POST',
    url: '/citizen/dossiers',
    headers: { ...as(session), 'x-submission-token': s.token, ...headers },
    payload: s.body as object,
  });

/** Rows of the tables a citizen's requests write. */
async function rows() {
  return {
    logins: await h.count('citizen_logins'),
    sessions: await h.count('citizen_sessions'),
    accounts: await h.count('citizen_accounts'),
    dossiers: await h.count('dossiers'),
    ratings: await h.count('ratings'),
  };
}

async function lastAudit(action: string) {
  const row = await h.database.db
    .selectFrom('audit_log')
    .select(['actor_kind', 'actor_id', 'stream', 'entity_type', 'entity_id', 'payload'])
    .where('action', '=', action)
    .orderBy('at', 'desc')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  return { ...row, data: (JSON.parse(row.payload) as { data: Record<string, unknown> }).data };
}

const accountOf = async (subject: string) =>
  h.database.db.selectFrom('citizen_accounts').selectAll().where('subject', '=', subject).executeTakeFirstOrThrow();

beforeAll(async () => {
  sim = await startVneidSimulator({
    port: 0,
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT_URI] }],
  });
  const vneid = createVneidClient({
    issuer: sim.url,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUri: REDIRECT_URI,
    timeoutMs: 5_000,
  });
  // A Friday of 2025: 1.001193's 2025 version, whose GKH (marriage certificate) may come from the store.
  h = await createHarness('2025-09-12T10:00:00+07:00', { vneid });
  scan = await h.upload(await h.token('clerk.hai'), 'stored scan');
  docs.marriageAn = await addDocument(AN.idNumber, 'Giấy chứng nhận kết hôn', 'GIAY_CHUNG_NHAN_KET_HON');
  docs.birthAn = await addDocument(AN.idNumber, 'Giấy khai sinh', 'GIAY_KHAI_SINH');
  docs.marriageNgoc = await addDocument(NGOC.idNumber, 'Giấy chứng nhận kết hôn', 'GIAY_CHUNG_NHAN_KET_HON');
});

afterAll(async () => {
  await sim?.close();
});

describe('VNeID log-in of a level-2 citizen, end to end', () => {
  let session = '';
  let code = '';

  it('begins at VNeID with PKCE, the log-in kept server-side and tied to the browser by an HttpOnly cookie', async () => {
    const before = await rows();
    const b = await begin('/nop-ho-so/1.001193');
    expect(b.url.origin).toBe(sim.url);
    expect(b.url.pathname).toBe('/auth');
    expect(b.url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(b.url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(b.url.searchParams.get('scope')).toBe('openid profile citizen');
    expect(b.response.headers['cache-control']).toBe('no-store');
    const cookie = cookieOf(setCookies(b.response), 'motcua_vneid')!;
    expect(cookie).toMatch(/^motcua_vneid=[A-Za-z0-9_-]{43}; Path=\/auth\/vneid; Max-Age=600; HttpOnly; SameSite=Lax$/);
    const pending = await h.database.db
      .selectFrom('citizen_logins')
      .selectAll()
      .where('state', '=', b.url.searchParams.get('state')!)
      .executeTakeFirstOrThrow();
    expect(pending.return_to).toBe('/nop-ho-so/1.001193');
    expect(pending.browser_hash).toBe(createHash('sha256').update(b.binding).digest('hex'));
    expect(pending.expires_at.getTime() - pending.created_at.getTime()).toBe(600_000);
    expect(b.url.href).not.toContain(pending.code_verifier);
    expect(await rows()).toEqual({ ...before, logins: before.logins + 1 });

    const back = await atVneid(b.url, AN.idNumber);
    const r = await callback(back, b.binding);
    expect(r.statusCode, r.body).toBe(303);
    expect(r.headers.location).toBe('/nop-ho-so/1.001193');
    const lines = setCookies(r);
    expect(cookieOf(lines, 'motcua_citizen')).toMatch(/^motcua_citizen=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=7200; HttpOnly; SameSite=Lax$/);
    expect(cookieOf(lines, 'motcua_vneid')).toBe(
      'motcua_vneid=; Path=/auth/vneid; Max-Age=0; HttpOnly; SameSite=Lax; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
    );
    session = valueOf(cookieOf(lines, 'motcua_citizen'));
    expect(await rows()).toEqual({ ...before, sessions: before.sessions + 1, accounts: before.accounts + 1 });

    const account = await accountOf(AN.subject);
    expect(account).toMatchObject({
      level: 2,
      id_number: AN.idNumber,
      name: AN.name,
      birth_date: '1985-03-12',
      gender: 'male',
      permanent_address: 'Số 25 đường Trần Hưng Đạo, phường Hoa Lư, tỉnh Ninh Bình',
    });
    // Only the token's hash is kept.
    const s = await h.database.db.selectFrom('citizen_sessions').selectAll().where('account_id', '=', account.id).executeTakeFirstOrThrow();
    expect(s.token_hash).toBe(createHash('sha256').update(session).digest('hex'));
    expect(s.expires_at.getTime() - h.clock.now.getTime()).toBe(7_200_000);
    const audit = await lastAudit('citizen.login');
    expect(audit).toMatchObject({
      actor_kind: 'citizen',
      actor_id: null,
      stream: 'citizens',
      entity_type: 'citizen_account',
      entity_id: String(account.id),
    });
    expect(audit.data).toEqual({
      level: 2,
      idNumber: '*********345',
      created: true,
      citizenAccountId: account.id,
      sessionId: Number(s.id),
    });
    expect(audit.payload).not.toContain(AN.idNumber);
  });

  it('tells who is logged in, with the pre-fill from the population data', async () => {
    const me = await get('/citizen/me', session);
    expect(me.statusCode, me.body).toBe(200);
    const prefill = {
      name: AN.name,
      birthDate: '1985-03-12',
      idNumber: AN.idNumber,
      permanentAddress: 'Số 25 đường Trần Hưng Đạo, phường Hoa Lư, tỉnh Ninh Bình',
    };
    expect(me.json()).toEqual({
      name: AN.name,
      level: 2,
      idNumberMasked: '*********345',
      sessionExpiresAt: new Date(h.clock.now.getTime() + 7_200_000).toISOString(),
      prefill,
    });
    expect((await get('/citizen/prefill', session)).json()).toEqual(prefill);
  });

  it('lists the citizen’s own document store, without file hashes', async () => {
    const r = await get('/citizen/store-documents', session);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual([
      {
        id: docs.marriageAn,
        kind: 'verified',
        title: 'Giấy chứng nhận kết hôn',
        documentType: { code: 'GIAY_CHUNG_NHAN_KET_HON', nameVi: 'Giấy chứng nhận kết hôn', nameEn: 'Marriage certificate' },
        issuedAt: '2025-01-10T03:00:00.000Z',
        issuerNameVi: expect.any(String),
      },
      {
        id: docs.birthAn,
        kind: 'verified',
        title: 'Giấy khai sinh',
        documentType: { code: 'GIAY_KHAI_SINH', nameVi: 'Giấy khai sinh', nameEn: 'Birth certificate' },
        issuedAt: '2025-01-10T03:00:00.000Z',
        issuerNameVi: expect.any(String),
      },
    ]);
    expect(r.body).not.toContain(scan);
  });

  it('files online with a document from the store, and records that a VNeID-authenticated citizen filed it', async () => {
    const before = await rows();
    const s = await submission(AN.idNumber, docs.marriageAn);
    const r = await submitAs(session, s, { 'idempotency-key': 'citizen-an-submission-1' });
    expect(r.statusCode, r.body).toBe(201);
    code = r.json().code;
    expect(r.json()).toMatchObject({ status: 'submitted', channel: 2, applicant: { idNumber: AN.idNumber } });
    expect(r.json().components.find((c: { code: string }) => c.code === 'GKH')).toMatchObject({
      source: 'store',
      storeDocumentId: docs.marriageAn,
      digitized: true,
    });
    expect(await rows()).toEqual({ ...before, dossiers: before.dossiers + 1 });
    const d = await h.database.db
      .selectFrom('dossiers')
      .select(['id', 'vneid_authenticated'])
      .where('code', '=', code)
      .executeTakeFirstOrThrow();
    expect(d.vneid_authenticated).toBe(true);
    const event = await h.database.db
      .selectFrom('dossier_events')
      .select(['action', 'actor_kind', 'data'])
      .where('dossier_id', '=', d.id)
      .executeTakeFirstOrThrow();
    const account = await accountOf(AN.subject);
    expect(event.action).toBe('submit_online');
    expect(event.actor_kind).toBe('citizen');
    expect(typeof event.data === 'string' ? JSON.parse(event.data) : event.data).toEqual({
      vneidAuthenticated: true,
      citizenAccountId: account.id,
    });
    // The portal is told the dossier came from a VNeID-authenticated account.
    const [source] = await loadSources(h.database.db, [Number(d.id)]);
    expect(source!.vneidAuthenticated).toBe(true);
    expect(toPortalDossier(source!, { label: (a) => a, showsNote: () => false }, (sha) => sha).TaiKhoanDuocXacThucVoiVNeID).toBe(1);
    // A retry with the same key is the same answer, not a second dossier.
    const again = await submitAs(session, s, { 'idempotency-key': 'citizen-an-submission-1' });
    expect([again.statusCode, again.json().code]).toEqual([201, code]);
    expect(await h.count('dossiers')).toBe(before.dossiers + 1);
  });

  it('lists it among my dossiers, with the flag, the tracking token and the status', async () => {
    const r = await get('/citizen/dossiers', session);
    expect(r.statusCode).toBe(200);
    const token = (await h.database.db.selectFrom('dossiers').select('tracking_token').where('code', '=', code).executeTakeFirstOrThrow())
      .tracking_token;
    expect(r.json()).toEqual([
      {
        code,
        procedure: { code: '1.001193', nameVi: 'Thủ tục đăng ký khai sinh', nameEn: 'Birth registration' },
        status: 'submitted',
        statusVi: 'Mới đăng ký trực tuyến',
        statusEn: 'Submitted online',
        channel: 2,
        submittedAt: h.clock.now.toISOString(),
        receivedAt: null,
        dueAt: null,
        returnedAt: null,
        returnPointNameVi: expect.any(String),
        trackingToken: token,
        vneidAuthenticated: true,
        rating: null,
        canRate: false,
      },
    ]);
  });

  it('refuses to file for someone else’s ID number', async () => {
    const before = await rows();
    const r = await submitAs(session, await submission('037095001234'));
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ code: 'APPLICANT_NOT_CITIZEN', field: 'body.applicant.idNumber' });
    expect(await rows()).toEqual(before);
  });

  it('rates the citizen’s own returned dossier once, the rating naming the account', async () => {
    // Its result returned (the workflow itself is tested elsewhere).
    await h.database.db.updateTable('dossiers').set({ status: 'returned', returned_at: h.clock.now }).where('code', '=', code).execute();
    const account = await accountOf(AN.subject);
    const rate = () =>
      h.app.inject({
        method: 'POST',
        url: `/citizen/dossiers/${code}/rating`,
        headers: as(session),
        payload: { rating: 'satisfied', comment: ' Nhanh gọn ' },
      });
    const r = await rate();
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toEqual({ code, rating: 'satisfied', ratedAt: h.clock.now.toISOString() });
    const row = await h.database.db
      .selectFrom('ratings as r')
      .innerJoin('dossiers as d', 'd.id', 'r.dossier_id')
      .select(['r.rating', 'r.comment', 'r.citizen_account_id'])
      .where('d.code', '=', code)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ rating: 'satisfied', comment: 'Nhanh gọn', citizen_account_id: account.id });
    expect(await lastAudit('dossier.rate')).toMatchObject({
      actor_kind: 'citizen',
      actor_id: null,
      entity_id: code,
      data: { rating: 'satisfied', citizenAccountId: account.id },
    });
    const twice = await rate();
    expect([twice.statusCode, twice.json().code]).toEqual([409, 'ALREADY_RATED']);
    expect((await get('/citizen/dossiers', session)).json()[0]).toMatchObject({ status: 'returned', rating: 'satisfied', canRate: false });
  });

  it('keeps another citizen out of An’s dossiers and store', async () => {
    const ngoc = await logIn(NGOC.idNumber);
    expect((await get('/citizen/dossiers', ngoc)).json()).toEqual([]);
    expect((await get('/citizen/store-documents', ngoc)).json().map((d: { id: number }) => d.id)).toEqual([docs.marriageNgoc]);
    const before = await rows();
    const stolen = await submitAs(ngoc, await submission(NGOC.idNumber, docs.marriageAn));
    expect(stolen.statusCode).toBe(400);
    expect(stolen.json()).toMatchObject({
      code: 'VALIDATION',
      field: 'body.components.3.storeDocumentId',
      detail: `Tài liệu ${docs.marriageAn} không có trong kho dữ liệu của người nộp / Document ${docs.marriageAn} is not in this applicant's document store`,
    });
    const asAn = await submitAs(ngoc, await submission(AN.idNumber, docs.marriageAn));
    expect([asAn.statusCode, asAn.json().code]).toEqual([403, 'APPLICANT_NOT_CITIZEN']);
    const rating = await h.app.inject({
      method: 'POST',
      url: `/citizen/dossiers/${code}/rating`,
      headers: as(ngoc),
      payload: { rating: 'not_satisfied' },
    });
    expect([rating.statusCode, rating.json().code]).toEqual([404, 'NOT_FOUND']);
    expect(await rows()).toEqual(before);
  });

  it('still refuses store documents to an anonymous online submission', async () => {
    const s = await submission(AN.idNumber, docs.marriageAn);
    const r = await h.app.inject({ method: 'POST', url: '/public/dossiers', headers: { 'x-submission-token': s.token }, payload: s.body });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'VALIDATION', field: 'body.components.3.source' });
  });

  it('refuses a request from another site’s page', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/citizen/logout', headers: { ...as(session), origin: 'https://evil.example' } });
    expect([r.statusCode, r.json().code, r.json().field]).toEqual([403, 'FORBIDDEN', 'headers.origin']);
    expect((await get('/citizen/me', session)).statusCode).toBe(200);
  });

  it('ends the session at once on log-out', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/citizen/logout', headers: { ...as(session), origin: 'http://localhost' } });
    expect(r.statusCode).toBe(204);
    expect(cookieOf(setCookies(r), 'motcua_citizen')).toBe(
      'motcua_citizen=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
    );
    const s = await h.database.db
      .selectFrom('citizen_sessions')
      .select(['id', 'revoked_at'])
      .where('token_hash', '=', createHash('sha256').update(session).digest('hex'))
      .executeTakeFirstOrThrow();
    expect(s.revoked_at).toEqual(h.clock.now);
    expect(await lastAudit('citizen.logout')).toMatchObject({
      actor_kind: 'citizen',
      actor_id: null,
      entity_type: 'citizen_session',
      entity_id: String(s.id),
      data: { citizenAccountId: (await accountOf(AN.subject)).id },
    });
    for (const url of ['/citizen/me', '/citizen/dossiers', '/citizen/store-documents']) {
      const after = await get(url, session);
      expect([url, after.statusCode, after.json().code]).toEqual([url, 401, 'UNAUTHENTICATED']);
    }
    const again = await h.app.inject({ method: 'POST', url: '/citizen/logout', headers: as(session) });
    expect(again.statusCode).toBe(401);
  });
});

describe('a level-1 citizen (nothing verified)', () => {
  it('logs in with the name only, and is refused what needs level 2 with CITIZEN_LEVEL_2_REQUIRED', async () => {
    const session = await logIn(HOA_PHONE);
    const account = await accountOf('vneid-90e6b3f8');
    expect(account).toMatchObject({ level: 1, id_number: null, name: 'Lê Thị Hoa', birth_date: null, permanent_address: null });
    const me = await get('/citizen/me', session);
    expect(me.json()).toEqual({ name: 'Lê Thị Hoa', level: 1, idNumberMasked: null, sessionExpiresAt: expect.any(String), prefill: null });
    const before = await rows();
    for (const url of ['/citizen/prefill', '/citizen/dossiers', '/citizen/store-documents']) {
      const r = await get(url, session);
      expect([url, r.statusCode, r.json().code]).toEqual([url, 403, 'CITIZEN_LEVEL_2_REQUIRED']);
    }
    const filed = await submitAs(session, await submission(AN.idNumber));
    expect([filed.statusCode, filed.json().code]).toEqual([403, 'CITIZEN_LEVEL_2_REQUIRED']);
    expect(await rows()).toEqual(before);
  });
});

describe('callbacks that must not log anyone in', () => {
  it('refuses a tampered state without redeeming the code; the genuine callback then works once, and not twice', async () => {
    const b = await begin();
    const back = await atVneid(b.url, '0376543203');
    const tampered = new URL(back);
    tampered.searchParams.set('state', 'attacker-chosen-state');
    const before = await rows();
    const tokens = sim.stats().tokensIssued;
    const r = await callback(tampered, b.binding);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'VNEID_LOGIN_INVALID', field: 'querystring.state' });
    expect(await rows()).toEqual(before);
    expect(sim.stats().tokensIssued).toBe(tokens);
    const ok = await callback(back, b.binding);
    expect(ok.statusCode, ok.body).toBe(303);
    const afterLogin = await rows();
    const replay = await callback(back, b.binding);
    expect([replay.statusCode, replay.json().code]).toEqual([400, 'VNEID_LOGIN_INVALID']);
    expect(await rows()).toEqual(afterLogin);
    expect(sim.stats().tokensIssued).toBe(tokens + 1);
  });

  it('sends a browser to the portal’s page with the refusal’s code instead of a problem document', async () => {
    const r = await callback(new URL(`${REDIRECT_URI}?code=x&state=unknown-state`), null, { accept: 'text/html,application/xhtml+xml' });
    expect(r.statusCode).toBe(303);
    expect(r.headers.location).toBe('/ho-so-cua-toi?vneid=VNEID_LOGIN_INVALID');
    expect(cookieOf(setCookies(r), 'motcua_citizen')).toBeUndefined();
  });

  it('refuses a log-in that took more than 10 minutes, and forgets it', async () => {
    const b = await begin();
    const back = await atVneid(b.url, AN.idNumber);
    const before = await rows();
    const tokens = sim.stats().tokensIssued;
    h.clock.set(new Date(h.clock.now.getTime() + 10 * 60_000).toISOString());
    const r = await callback(back, b.binding);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'VNEID_LOGIN_EXPIRED', field: 'querystring.state' });
    expect(await rows()).toEqual({ ...before, logins: before.logins - 1 });
    expect(sim.stats().tokensIssued).toBe(tokens);
    expect((await lastAudit('citizen.login_refused')).data).toEqual({ reason: 'expired' });
  });

  it('refuses a callback that comes to another browser than the one that began the log-in', async () => {
    const b = await begin();
    const back = await atVneid(b.url, AN.idNumber);
    const before = await rows();
    const r = await callback(back, null);
    expect([r.statusCode, r.json().code]).toEqual([400, 'VNEID_LOGIN_INVALID']);
    // Taken out all the same: the victim's browser cannot be logged in with it later either.
    expect(await rows()).toEqual({ ...before, logins: before.logins - 1 });
    expect((await callback(back, b.binding)).json().code).toBe('VNEID_LOGIN_INVALID');
  });

  it('says VNEID_LOGIN_REFUSED when the citizen cancels at VNeID', async () => {
    const b = await begin();
    const back = await atVneid(b.url, '', 'abort');
    const before = await rows();
    const r = await callback(back, b.binding);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'VNEID_LOGIN_REFUSED', details: { reason: 'vneid_refused', oauthError: 'access_denied' } });
    expect(await rows()).toEqual({ ...before, logins: before.logins - 1 });
  });
});

describe('bad input', () => {
  it('refuses a return path that leaves the site, or is oversized, storing nothing', async () => {
    const before = await rows();
    for (const returnTo of ['//evil.example/x', 'https://evil.example', '/\\evil.example', `/${'a'.repeat(400)}`, '/a b']) {
      const r = await h.app.inject({ method: 'GET', url: `/auth/vneid/login?returnTo=${encodeURIComponent(returnTo)}` });
      expect([returnTo, r.statusCode, r.json().code]).toEqual([returnTo, 400, 'VALIDATION']);
      expect(r.json().field).toMatch(/^querystring/);
    }
    expect(await rows()).toEqual(before);
  });

  it('refuses an oversized callback, a malformed or oversized submission and a bad rating with a clear 400, storing nothing', async () => {
    const session = await logIn(AN.idNumber);
    const before = await rows();
    const big = await callback(new URL(`${REDIRECT_URI}?code=x&state=${'s'.repeat(600)}`), null);
    expect([big.statusCode, big.json().code, big.json().field]).toEqual([400, 'VALIDATION', 'querystring.state']);
    const malformed = await h.app.inject({
      method: 'POST',
      url: '/citizen/dossiers',
      headers: { ...as(session), 'content-type': 'application/json' },
      payload: '{"procedureCode": "1.001193",',
    });
    expect([malformed.statusCode, malformed.headers['content-type']]).toEqual([400, 'application/problem+json; charset=utf-8']);
    const s = await submission(AN.idNumber);
    const oversized = await submitAs(session, { ...s, body: { ...s.body, applicant: { ...s.body.applicant, name: 'A'.repeat(100_000) } } });
    expect([oversized.statusCode, oversized.json().code, oversized.json().field]).toEqual([400, 'VALIDATION', 'body.applicant.name']);
    const rating = await h.app.inject({
      method: 'POST',
      url: '/citizen/dossiers/X/rating',
      headers: as(session),
      payload: { rating: 'great' },
    });
    expect([rating.statusCode, rating.json().code]).toEqual([400, 'VALIDATION']);
    const garbage = await get('/citizen/me', 'not-a-token');
    expect([garbage.statusCode, garbage.json().code]).toEqual([401, 'UNAUTHENTICATED']);
    expect(await rows()).toEqual(before);
  });
});

describe('return paths and hosts (pure rules)', () => {
  it('keeps a return path on this site', () => {
    expect(safeReturnTo(undefined)).toBe('/ho-so-cua-toi');
    expect(safeReturnTo('/nop-ho-so/1.001193?x=1')).toBe('/nop-ho-so/1.001193?x=1');
    expect(safeReturnTo('//evil.example')).toBeNull();
    expect(safeReturnTo('/a//b')).toBeNull();
    expect(safeReturnTo('javascript:alert(1)')).toBeNull();
  });

  it('begins again on the callback’s loopback name only (localhost against 127.0.0.1), never elsewhere', () => {
    const cb = 'http://127.0.0.1:3000/auth/vneid/callback';
    expect(loginHostHop('localhost:3000', cb)).toBe('http://127.0.0.1:3000');
    expect(loginHostHop('127.0.0.1:3000', cb)).toBeNull();
    expect(loginHostHop('localhost:3001', cb)).toBeNull();
    expect(loginHostHop('motcua.example.vn', cb)).toBeNull();
    expect(loginHostHop('localhost:80', 'http://localhost/auth/vneid/callback')).toBeNull();
  });
});

describe('the audit trail', () => {
  it('holds every citizen write in unbroken chains, with no ID number in clear', async () => {
    const { verifyAudit } = await import('../src/audit/audit.service.js');
    const r = await verifyAudit(h.database.db, h.auditKey);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    const entries = await h.database.db
      .selectFrom('audit_log')
      .select(['action', 'payload'])
      .where('action', 'like', 'citizen.%')
      .execute();
    expect(new Set(entries.map((e) => e.action))).toEqual(
      new Set(['citizen.login_begin', 'citizen.login', 'citizen.login_refused', 'citizen.logout']),
    );
    for (const e of entries) for (const id of [AN.idNumber, NGOC.idNumber]) expect(e.payload).not.toContain(id);
  });
});
