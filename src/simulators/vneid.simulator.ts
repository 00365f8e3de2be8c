import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, {
  type Adapter,
  type AdapterFactory,
  type AdapterPayload,
  type Configuration,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import {
  ID_NUMBER_PATTERN,
  POPULATION_ERRORS,
  POPULATION_LOOKUP_PATH,
  VNEID_CLAIMS,
  type PopulationErrorAnswer,
  type PopulationLookupAnswer,
  type PopulationPerson,
  type VneidClaims,
} from '../vneid/vneid.contract.js';

/**
 * A local stand-in for VNeID (the national electronic identity) and the National Population Database
 * (src/vneid/vneid.contract.ts), run as its own process by `motcua simulate vneid`. The identity provider is
 * oidc-provider, a certified OpenID provider, so what our adapter gets right here it gets right against any conformant
 * one: authorization code flow only, PKCE (S256) required of every client, the client authenticated by HTTP Basic.
 *
 * The log-in page (`/interaction/:uid`) takes a personal ID number (level 2) or a phone number (level 1) and the
 * password, or offers the test citizens as one-click buttons. It is a plain form posted to `/interaction/:uid/login`,
 * so a test drives the whole flow with `fetch`, following redirects by hand and keeping the cookies. Consent is granted
 * without asking: every client is registered here by the province, as VNeID registers the systems it serves.
 *
 * Test accounts (every password is `Vneid@2025`):
 *   level 2  Nguyễn Văn An        037085012345 / 0912345601
 *   level 2  Trần Thị Bích Ngọc   001192004567 / 0987654302
 *   level 2  Phạm Minh Đức        037201003210 / 0376543203
 *   level 1  Lê Thị Hoa           phone 0905111204 (no ID number: a level-1 account shows its name only)
 *   level 1  Hoàng Văn Hải        phone 0368222305
 * The population database also holds Vũ Thị Mai 037168009876, who has no VNeID account.
 *
 * `POST /population/lookup` is the server-to-server look-up the clerk's counter uses (HTTP Basic with a registered
 * client's id and secret); each answer records the consent it was given. `/_sim/*` is the simulator's own window:
 * counts, the consents recorded (ID numbers masked), and the fault switches at run time.
 */

/** A VNeID account. A level-2 account is verified: its data is the person's population record. */
export type TestCitizen =
  | { level: 2; accountId: string; phone: string; password: string; person: PopulationPerson }
  | { level: 1; accountId: string; phone: string; password: string; name: string };

export const TEST_PASSWORD = 'Vneid@2025';

export const TEST_CITIZENS: readonly TestCitizen[] = [
  {
    level: 2,
    accountId: 'vneid-7f3a1c02',
    phone: '0912345601',
    password: TEST_PASSWORD,
    person: {
      idNumber: '037085012345',
      name: 'Nguyễn Văn An',
      birthDate: '1985-03-12',
      gender: 'male',
      permanentAddress: 'Số 25 đường Trần Hưng Đạo, phường Hoa Lư, tỉnh Ninh Bình',
    },
  },
  {
    level: 2,
    accountId: 'vneid-2b9e4d17',
    phone: '0987654302',
    password: TEST_PASSWORD,
    person: {
      idNumber: '001192004567',
      name: 'Trần Thị Bích Ngọc',
      birthDate: '1992-07-25',
      gender: 'female',
      permanentAddress: 'Số 8 phố Lê Hồng Phong, phường Nam Định, tỉnh Ninh Bình',
    },
  },
  {
    level: 2,
    accountId: 'vneid-c41d8a55',
    phone: '0376543203',
    password: TEST_PASSWORD,
    person: {
      idNumber: '037201003210',
      name: 'Phạm Minh Đức',
      birthDate: '2001-11-02',
      gender: 'male',
      permanentAddress: 'Xóm 3, xã Yên Mô, tỉnh Ninh Bình',
    },
  },
  { level: 1, accountId: 'vneid-90e6b3f8', phone: '0905111204', password: TEST_PASSWORD, name: 'Lê Thị Hoa' },
  { level: 1, accountId: 'vneid-5a7c2e91', phone: '0368222305', password: TEST_PASSWORD, name: 'Hoàng Văn Hải' },
];

/** People in the population database without a VNeID account (the clerk can still look them up). */
export const TEST_POPULATION: readonly PopulationPerson[] = [
  {
    idNumber: '037168009876',
    name: 'Vũ Thị Mai',
    birthDate: '1968-04-30',
    gender: 'female',
    permanentAddress: 'Thôn Đông, xã Yên Mô, tỉnh Ninh Bình',
  },
];

export interface VneidClientRegistration {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

/** The demo's registration: what `motcua simulate vneid` registers unless told otherwise (the server's defaults match it). */
export const DEFAULT_VNEID_CLIENT: VneidClientRegistration = {
  clientId: 'motcua',
  clientSecret: 'motcua-vneid-sim',
  redirectUris: ['http://127.0.0.1:3000/auth/vneid/callback', 'http://localhost:3000/auth/vneid/callback'],
};

export interface VneidFaults {
  /** Epoch ms until which every endpoint but `/_sim/*` answers 503. */
  downUntil: number;
  /** Delay of every answer. */
  slowMs: number;
  /** Level-2 userinfo without its id_number (a provider-side defect the adapter must refuse, not pass on). */
  dropIdNumber: boolean;
}

export const DEFAULT_VNEID_FAULTS: VneidFaults = { downUntil: 0, slowMs: 0, dropIdNumber: false };

export interface VneidSimulatorOptions {
  port?: number;
  host?: string;
  /** The issuer as clients must see it (behind a proxy); default the address actually served. */
  issuerUrl?: string;
  /** Registered clients; default DEFAULT_VNEID_CLIENT. */
  clients?: VneidClientRegistration[];
  /** VNeID accounts; default TEST_CITIZENS. */
  citizens?: readonly TestCitizen[];
  /** Population records besides the level-2 accounts'; default TEST_POPULATION. */
  population?: readonly PopulationPerson[];
  faults?: Partial<VneidFaults>;
}

export interface VneidSimulatorStats {
  requests: number;
  unavailable: number;
  logins: number;
  failedLogins: number;
  abortedLogins: number;
  codesIssued: number;
  tokensIssued: number;
  tokenErrors: number;
  lookups: number;
  lookupsFound: number;
  lookupsNotFound: number;
  lookupsRefused: number;
}

/** What the look-up endpoint recorded of one call: who read whose data, why, on which consent. */
export interface ConsentRecord {
  at: string;
  clientId: string;
  idNumber: string;
  purpose: string;
  consentRef: string;
  found: boolean;
}

export interface VneidSimulator {
  /** The issuer URL (discovery at `${url}/.well-known/openid-configuration`). */
  url: string;
  port: number;
  faults: VneidFaults;
  stats(): VneidSimulatorStats;
  consents(): ConsentRecord[];
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

/**
 * oidc-provider's storage, in this process's memory and per simulator (its own in-memory adapter prints a warning
 * meant for production on every start, and a demo log should not carry it).
 */
function memoryAdapter(): AdapterFactory {
  const store = new Map<string, { value: AdapterPayload; until: number }>();
  const sessionByUid = new Map<string, string>();
  const byUserCode = new Map<string, string>();
  const grantMembers = new Map<string, Set<string>>();
  let writes = 0;
  const read = (key: string) => {
    const e = store.get(key);
    if (!e) return undefined;
    if (e.until <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return e.value;
  };
  const sweep = () => {
    const now = Date.now();
    for (const [k, e] of store) if (e.until <= now) store.delete(k);
  };
  return (model: string): Adapter => ({
    async upsert(id, payload, expiresIn) {
      const key = `${model}:${id}`;
      store.set(key, { value: payload, until: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
      if (model === 'Session' && payload.uid) sessionByUid.set(payload.uid, id);
      if (payload.userCode) byUserCode.set(payload.userCode, id);
      if (payload.grantId) {
        const members = grantMembers.get(payload.grantId) ?? new Set<string>();
        members.add(key);
        grantMembers.set(payload.grantId, members);
      }
      if (++writes % 1000 === 0) sweep();
    },
    async find(id) {
      return read(`${model}:${id}`);
    },
    async findByUid(uid) {
      const id = sessionByUid.get(uid);
      return id ? read(`${model}:${id}`) : undefined;
    },
    async findByUserCode(userCode) {
      const id = byUserCode.get(userCode);
      return id ? read(`${model}:${id}`) : undefined;
    },
    async consume(id) {
      const v = read(`${model}:${id}`);
      if (v) v.consumed = Math.floor(Date.now() / 1000);
    },
    async destroy(id) {
      store.delete(`${model}:${id}`);
    },
    async revokeByGrantId(grantId) {
      for (const key of grantMembers.get(grantId) ?? []) store.delete(key);
      grantMembers.delete(grantId);
    },
  });
}

/** The claims an account shows: a level-1 account has nothing verified to show but the name it was registered with. */
function claimsOf(c: TestCitizen, faults: VneidFaults): VneidClaims {
  if (c.level === 1) return { sub: c.accountId, name: c.name, identification_level: 1 };
  const p = c.person;
  return {
    sub: c.accountId,
    name: p.name,
    birthdate: p.birthDate,
    gender: p.gender,
    ...(faults.dropIdNumber ? {} : { id_number: p.idNumber }),
    permanent_address: p.permanentAddress,
    identification_level: 2,
  };
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch);

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0;padding:24px;color:#1b1f24}
main{max-width:440px;margin:0 auto;background:#fff;border-radius:8px;padding:24px;box-shadow:0 1px 3px #0002}
h1{font-size:1.25rem;color:#b71c1c;margin-top:0}.en{color:#57606a;font-size:.85em}
label{display:block;margin:12px 0 4px}input{width:100%;box-sizing:border-box;padding:8px;font-size:1rem}
button{margin-top:12px;padding:8px 14px;font-size:1rem;cursor:pointer}.error{color:#b71c1c;font-weight:600}
.pick button{width:100%;text-align:left;margin-top:6px}.sim{border-top:1px solid #d0d7de;margin-top:20px;padding-top:8px}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

function loginPage(uid: string, clientId: string, citizens: readonly TestCitizen[], error: string | null, username = ''): string {
  const action = `/interaction/${encodeURIComponent(uid)}`;
  const picks = citizens
    .map((c) => {
      const name = c.level === 2 ? c.person.name : c.name;
      const login = c.level === 2 ? c.person.idNumber : c.phone;
      return `<form method="post" action="${action}/login" class="pick"><input type="hidden" name="username" value="${esc(login)}">
<input type="hidden" name="password" value="${esc(c.password)}"><button type="submit">${esc(name)} — mức ${c.level} (level ${c.level}) · ${esc(login)}</button></form>`;
    })
    .join('\n');
  return page(
    'Đăng nhập VNeID',
    `<h1>Đăng nhập bằng tài khoản định danh điện tử VNeID</h1>
<p class="en">Log in with your VNeID electronic identity account</p>
<p>Ứng dụng <strong>${esc(clientId)}</strong> yêu cầu thông tin định danh của bạn. <span class="en">The application asks for your identity data.</span></p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="${action}/login" autocomplete="off">
<label for="username">Số định danh cá nhân hoặc số điện thoại <span class="en">ID number or phone number</span></label>
<input id="username" name="username" value="${esc(username)}" required autofocus inputmode="numeric">
<label for="password">Mật khẩu <span class="en">Password</span></label>
<input id="password" name="password" type="password" required>
<button type="submit">Đăng nhập <span class="en">/ Log in</span></button>
</form>
<form method="post" action="${action}/abort"><button type="submit">Hủy <span class="en">/ Cancel</span></button></form>
<section class="sim"><p><strong>Tài khoản thử nghiệm</strong> <span class="en">Test accounts (simulator)</span></p>
${picks}</section>`,
  );
}

/** Reads a request body up to MAX_BODY; null when it is larger. */
async function readBody(req: http.IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) return null;
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Client id and secret from an HTTP Basic header, decoded as OAuth encodes them (RFC 6749 §2.3.1). */
function basicAuth(header: string | undefined): { id: string; secret: string } | null {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!m) return null;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i < 0) return null;
  const dec = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return null;
    }
  };
  const id = dec(text.slice(0, i));
  const secret = dec(text.slice(i + 1));
  return id === null || secret === null ? null : { id, secret };
}

function sameSecret(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

const maskId = (id: string) => '*'.repeat(Math.max(0, id.length - 3)) + id.slice(-3);

/** Starts the simulator; the issuer is the address actually served (port 0 → the port the system gave) unless issuerUrl says otherwise. */
export async function startVneidSimulator(opts: VneidSimulatorOptions = {}): Promise<VneidSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const clients = opts.clients ?? [DEFAULT_VNEID_CLIENT];
  const citizens = opts.citizens ?? TEST_CITIZENS;
  const faults: VneidFaults = { ...DEFAULT_VNEID_FAULTS, ...opts.faults };
  const byAccount = new Map(citizens.map((c) => [c.accountId, c]));
  const byLogin = new Map<string, TestCitizen>();
  for (const c of citizens) {
    byLogin.set(c.phone, c);
    if (c.level === 2) byLogin.set(c.person.idNumber, c);
  }
  const population = new Map<string, PopulationPerson>();
  for (const p of opts.population ?? TEST_POPULATION) population.set(p.idNumber, p);
  for (const c of citizens) if (c.level === 2) population.set(c.person.idNumber, c.person);
  const consentLog: ConsentRecord[] = [];
  const counts: VneidSimulatorStats = {
    requests: 0,
    unavailable: 0,
    logins: 0,
    failedLogins: 0,
    abortedLogins: 0,
    codesIssued: 0,
    tokensIssued: 0,
    tokenErrors: 0,
    lookups: 0,
    lookupsFound: 0,
    lookupsNotFound: 0,
    lookupsRefused: 0,
  };

  let provider: Provider | null = null;
  let providerHandler: ReturnType<Provider['callback']> | null = null;

  const send = (res: http.ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}) => {
    res
      .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers })
      .end(JSON.stringify(json));
  };
  const sendHtml = (res: http.ServerResponse, status: number, html: string) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
  };

  const simWindow = async (req: http.IncomingMessage, res: http.ServerResponse, pathname: string) => {
    if (req.method === 'GET' && pathname === '/_sim/stats') return send(res, 200, { ...counts, faults });
    if (req.method === 'GET' && pathname === '/_sim/consents')
      return send(
        res,
        200,
        consentLog.map((r) => ({ ...r, idNumber: maskId(r.idNumber) })),
      );
    if (req.method === 'POST' && pathname === '/_sim/faults') {
      let b: Partial<VneidFaults> & { downForMs?: unknown };
      try {
        b = JSON.parse((await readBody(req)) || '{}') as typeof b;
      } catch {
        return send(res, 400, { error: 'body is not JSON' });
      }
      if (typeof b.downForMs === 'number') faults.downUntil = Date.now() + b.downForMs;
      if (typeof b.downUntil === 'number') faults.downUntil = b.downUntil;
      if (typeof b.slowMs === 'number') faults.slowMs = b.slowMs;
      if (typeof b.dropIdNumber === 'boolean') faults.dropIdNumber = b.dropIdNumber;
      return send(res, 200, faults);
    }
    if (req.method === 'POST' && pathname === '/_sim/reset') {
      for (const k of Object.keys(counts) as (keyof VneidSimulatorStats)[]) counts[k] = 0;
      consentLog.length = 0;
      Object.assign(faults, DEFAULT_VNEID_FAULTS);
      return send(res, 200, { ok: true });
    }
    return send(res, 404, { error: 'unknown simulator path' });
  };

  const lookup = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.method !== 'POST') return send(res, 405, { error: POPULATION_ERRORS.invalidRequest, message: 'POST only' }, { allow: 'POST' });
    const cred = basicAuth(req.headers.authorization);
    const client = cred && clients.find((c) => c.clientId === cred.id);
    if (!cred || !client || !sameSecret(client.clientSecret, cred.secret)) {
      counts.lookupsRefused++;
      const a: PopulationErrorAnswer = {
        error: POPULATION_ERRORS.invalidClient,
        message: 'Xác thực hệ thống không thành công / client authentication failed',
      };
      return send(res, 401, a, { 'www-authenticate': 'Basic realm="VNeID population database"' });
    }
    const text = await readBody(req);
    let b: Record<string, unknown>;
    try {
      b = JSON.parse(text ?? '') as Record<string, unknown>;
      if (!b || typeof b !== 'object') throw new Error('not an object');
    } catch {
      const a: PopulationErrorAnswer = { error: POPULATION_ERRORS.invalidRequest, message: 'body must be a JSON object' };
      return send(res, 400, a);
    }
    if (typeof b.idNumber !== 'string' || !ID_NUMBER_PATTERN.test(b.idNumber)) {
      const a: PopulationErrorAnswer = {
        error: POPULATION_ERRORS.invalidIdNumber,
        message: 'Số định danh cá nhân phải gồm đúng 12 chữ số / idNumber must be exactly 12 digits',
      };
      return send(res, 400, a);
    }
    const purpose = typeof b.purpose === 'string' ? b.purpose.trim() : '';
    const consentRef = typeof b.consentRef === 'string' ? b.consentRef.trim() : '';
    if (!purpose || !consentRef || purpose.length > 500 || consentRef.length > 200) {
      const a: PopulationErrorAnswer = {
        error: POPULATION_ERRORS.consentRequired,
        message: 'Cần nêu mục đích và căn cứ đồng ý của công dân / purpose (≤ 500) and consentRef (≤ 200) are required',
      };
      return send(res, 400, a);
    }
    counts.lookups++;
    const person = population.get(b.idNumber);
    consentLog.push({
      at: new Date().toISOString(),
      clientId: client.clientId,
      idNumber: b.idNumber,
      purpose,
      consentRef,
      found: !!person,
    });
    if (!person) {
      counts.lookupsNotFound++;
      const a: PopulationLookupAnswer = { found: false };
      return send(res, 404, a);
    }
    counts.lookupsFound++;
    const a: PopulationLookupAnswer = { found: true, person: { ...person } };
    return send(res, 200, a);
  };

  /** The log-in page and its two posts; the interaction cookie oidc-provider set ties them to the authorization request. */
  const interaction = async (req: http.IncomingMessage, res: http.ServerResponse, p: Provider, uid: string, action: string | undefined) => {
    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await p.interactionDetails(req, res);
    } catch {
      return sendHtml(
        res,
        400,
        page(
          'Phiên đăng nhập hết hạn',
          '<h1>Phiên đăng nhập đã hết hạn</h1><p>Vui lòng quay lại ứng dụng và đăng nhập lại. <span class="en">The log-in session expired or is unknown: start again from the application.</span></p>',
        ),
      );
    }
    if (details.uid !== uid) return sendHtml(res, 400, page('Lỗi', '<h1>Yêu cầu không hợp lệ</h1><p class="en">Interaction mismatch.</p>'));
    const clientId = String(details.params.client_id ?? '');
    if (details.prompt.name === 'consent') {
      // Registered clients are trusted by the province: consent is granted for what was asked (loadExistingGrant does it too).
      const accountId = details.session?.accountId;
      if (!accountId) return sendHtml(res, 400, page('Lỗi', '<h1>Yêu cầu không hợp lệ</h1>'));
      const grant = (details.grantId && (await p.Grant.find(details.grantId))) || new p.Grant({ clientId, accountId });
      grant.addOIDCScope(String(details.params.scope ?? 'openid'));
      const grantId = await grant.save();
      return p.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    if (req.method === 'GET' && action === undefined) return sendHtml(res, 200, loginPage(uid, clientId, citizens, null));
    if (req.method !== 'POST') return sendHtml(res, 405, page('Lỗi', '<h1>Phương thức không được hỗ trợ</h1>'));
    if (action === 'abort') {
      counts.abortedLogins++;
      return p.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'End-User aborted the log-in' },
        { mergeWithLastSubmission: false },
      );
    }
    if (action !== 'login') return sendHtml(res, 404, page('Lỗi', '<h1>Không tìm thấy trang</h1>'));
    const form = new URLSearchParams((await readBody(req)) ?? '');
    const username = (form.get('username') ?? '').trim();
    const password = form.get('password') ?? '';
    const c = byLogin.get(username);
    if (!c || !sameSecret(c.password, password)) {
      counts.failedLogins++;
      return sendHtml(
        res,
        401,
        loginPage(
          uid,
          clientId,
          citizens,
          'Số định danh cá nhân (hoặc số điện thoại) hoặc mật khẩu không đúng. / Wrong ID number, phone number or password.',
          username,
        ),
      );
    }
    counts.logins++;
    return p.interactionFinished(req, res, { login: { accountId: c.accountId, amr: ['pwd'] } }, { mergeWithLastSubmission: false });
  };

  const route = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const pathname = new URL(req.url ?? '/', 'http://sim').pathname;
    if (pathname.startsWith('/_sim/')) return simWindow(req, res, pathname);
    counts.requests++;
    if (Date.now() < faults.downUntil) {
      counts.unavailable++;
      return send(
        res,
        503,
        { error: 'temporarily_unavailable', message: 'Hệ thống đang bảo trì / service unavailable' },
        { 'retry-after': '1' },
      );
    }
    if (faults.slowMs) await new Promise((r) => setTimeout(r, faults.slowMs));
    const p = provider;
    if (!p || !providerHandler) return send(res, 503, { error: 'temporarily_unavailable', message: 'starting' });
    if (pathname === POPULATION_LOOKUP_PATH) return lookup(req, res);
    const m = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?$/.exec(pathname);
    if (m) return interaction(req, res, p, m[1]!, m[2]);
    return providerHandler(req, res);
  };

  const server = http.createServer((req, res) => {
    route(req, res).catch(() => {
      // No detail out: an internal error of the simulator is not part of the contract.
      if (!res.headersSent) send(res, 500, { error: 'server_error', message: 'internal error' });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const servedHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const issuer = (opts.issuerUrl ?? `http://${servedHost}:${port}`).replace(/\/$/, '');

  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };

  const configuration: Configuration = {
    adapter: memoryAdapter(),
    clients: clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    clientAuthMethods: ['client_secret_basic'],
    responseTypes: ['code'],
    scopes: ['openid'],
    claims: { openid: ['sub'], profile: [...VNEID_CLAIMS.profile], citizen: [...VNEID_CLAIMS.citizen] },
    pkce: { required: () => true },
    jwks: { keys: [jwk] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 900, Session: 8 * 3600, Grant: 8 * 3600 },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
    },
    clientBasedCORS: () => false,
    findAccount: (_ctx, sub) => {
      const c = byAccount.get(sub);
      if (!c) return undefined;
      return { accountId: sub, claims: () => ({ ...claimsOf(c, faults) }) };
    },
    interactions: { url: (_ctx, i) => `/interaction/${i.uid}` },
    /** Consent without asking: each registered client gets what it asked of the scopes served. */
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session } = ctx.oidc;
      const accountId = session?.accountId;
      if (!client || !session || !accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const found = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      const grant = found && found.accountId === accountId ? found : new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId });
      grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes]);
      await grant.save();
      return grant;
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page(
        'Lỗi đăng nhập VNeID',
        `<h1>Không thể đăng nhập bằng VNeID</h1><p class="en">The log-in could not go on.</p><p><code>${esc(out.error)}</code>${
          out.error_description ? ` — ${esc(out.error_description)}` : ''
        }</p>`,
      );
    },
  };
  provider = new Provider(issuer, configuration);
  providerHandler = provider.callback();
  provider.on('authorization_code.saved', () => void counts.codesIssued++);
  provider.on('grant.success', () => void counts.tokensIssued++);
  provider.on('grant.error', () => void counts.tokenErrors++);

  return {
    url: issuer,
    port,
    faults,
    stats: () => ({ ...counts }),
    consents: () => consentLog.map((r) => ({ ...r })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
