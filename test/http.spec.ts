import { Writable } from 'node:stream';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import pino from 'pino';
import { createHarness, applicant, newIdNumber, PASSWORD, type Harness } from './harness.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/platform/config.js';
import { loggerOptions } from '../src/platform/logger.js';
import type { HttpApp } from '../src/platform/http.js';
import { WEB_PAGE_PATHS } from '../src/web/web.routes.js';

let h: Harness;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

/** Routes as Fastify holds them (from printRoutes' tree), without HEAD and the documentation's own routes. */
function registeredRoutes(app: HttpApp): string[] {
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^(.*?)(?:├── |└── )(.+?)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = [...m[1]!].length / 4;
    stack[depth] = m[2]!;
    stack.length = depth + 1;
    const path = stack.join('');
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD')) out.push(`${method} ${path}`);
  }
  // The web app's pages and built files are not API routes (src/web/web.routes.ts). printRoutes shows a
  // wildcard route without its static part ('/assets/*' as '/*'), so they are compared without the '*'.
  const bare = (r: string) => r.replace(/\*$/, '').replace(/(.)\/$/, '$1');
  const web = new Set([...WEB_PAGE_PATHS, '/assets/*'].map((p) => bare(`GET ${p}`)));
  return out.filter((r) => !/ \/(docs|openapi\.json)/.test(r) && !web.has(bare(r))).sort();
}

async function intake(token: string) {
  const file = await h.upload(token);
  const r = await h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: auth(token),
    payload: {
      procedureCode: '1.001193',
      applicant: applicant('14002', { idNumber: newIdNumber() }),
      components: [{ code: 'TK', source: 'upload', fileSha256: file }],
    },
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json() as { code: string };
}

beforeAll(async () => {
  h = await createHarness('2025-03-14T10:00:00+07:00');
});

describe('the API description', () => {
  it('serves an OpenAPI 3.1.0 document listing every route with its methods', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(r.statusCode).toBe(200);
    const doc = r.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Motcua API', version: '0.1.0' });
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/dossiers', '/dossiers/{code}/forward', '/public/dossiers/{code}', '/procedures', '/auth/login']),
    );
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) =>
        Object.keys(ops)
          .filter((m) => m !== 'head')
          .map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      )
      .sort();
    const routes = registeredRoutes(h.app);
    expect(routes.length).toBeGreaterThan(35);
    expect(documented).toEqual(routes);
  });

  it('documents the bearer scheme and the problem responses of staff routes', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    const forward = doc.paths['/dossiers/{code}/forward'].post;
    expect(forward.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(forward.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404', '409']));
    expect(doc.paths['/public/dossiers/{code}'].get.security).toBeUndefined();
  });

  it('serves the interactive documentation as HTML', async () => {
    let r = await h.app.inject({ method: 'GET', url: '/docs' });
    for (let hops = 0; r.statusCode >= 300 && r.statusCode < 400 && hops < 3; hops++) {
      r = await h.app.inject({ method: 'GET', url: new URL(String(r.headers.location), 'http://localhost/docs/').pathname });
    }
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/html');
    expect(r.body).toMatch(/swagger/i);
  });
});

describe('operations endpoints and errors', () => {
  it('answers liveness and readiness', async () => {
    const health = await h.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok', version: '0.1.0' });
    const ready = await h.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', database: process.env.DATABASE_URL ? 'postgres' : 'pglite' });
  });

  it('answers an unknown route with a 404 problem document', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/no/such/route?phone=0912345678' });
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json()).toEqual({
      type: 'https://motcua.dev/problems/not-found',
      title: 'Not Found',
      status: 404,
      detail: 'No route GET /no/such/route',
      code: 'NOT_FOUND',
      instance: r.headers['x-request-id'],
    });
    const wrongMethod = await h.app.inject({ method: 'DELETE', url: '/dossiers' });
    expect(wrongMethod.statusCode).toBe(404);
    expect(wrongMethod.json().code).toBe('NOT_FOUND');
  });

  it('echoes a well-formed request id and replaces a malformed one', async () => {
    const given = await h.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'trace-42.a' } });
    expect(given.headers['x-request-id']).toBe('trace-42.a');
    const bad = await h.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'x'.repeat(65) } });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers malformed JSON with a 400 problem document', async () => {
    const r = await h.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":',
    });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json()).toMatchObject({ status: 400, code: 'VALIDATION' });
  });

  it('refuses an anonymous upload before reading its body', async () => {
    const before = await h.database.db
      .selectFrom('blobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    // Larger than the upload limit: a 413 would mean the body was read before the caller was known.
    const r = await h.app.inject({
      method: 'POST',
      url: '/files',
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(65 * 1024, 7),
    });
    expect(r.statusCode).toBe(401);
    expect(r.json().code).toBe('UNAUTHENTICATED');
    const after = await h.database.db
      .selectFrom('blobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });
});

describe('rate limits', () => {
  let limited: HttpApp;
  beforeAll(async () => {
    const config = loadConfig({}, { trackingPerMinute: 3, maxUploadBytes: 64 * 1024, logLevel: 'silent' });
    limited = await buildApp({ config, database: h.database, services: h.services, logger: false });
  });
  afterAll(async () => {
    await limited.close();
  });

  it('answers the 4th tracking look-up in a minute from one address with 429 RATE_LIMITED', async () => {
    const { code } = await intake(await h.token('clerk.branch'));
    const track = (remoteAddress = '203.0.113.7') =>
      limited.inject({ method: 'GET', url: `/public/dossiers/${code}?phone=5678`, remoteAddress });
    const first = await track();
    expect(first.statusCode).toBe(200);
    // The budget's headers once half of it is spent.
    expect(first.headers['x-ratelimit-remaining']).toBeUndefined();
    const second = await track();
    expect(second.statusCode).toBe(200);
    expect(second.headers['x-ratelimit-limit']).toBe('3');
    expect(second.headers['x-ratelimit-remaining']).toBe('1');
    expect((await track()).statusCode).toBe(200);
    const fourth = await track();
    expect(fourth.statusCode).toBe(429);
    expect(fourth.headers['content-type']).toContain('application/problem+json');
    expect(fourth.headers['retry-after']).toBeDefined();
    expect(fourth.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(fourth.body).not.toContain('Nguyễn');
    // Counted per client address.
    expect((await track('203.0.113.8')).statusCode).toBe(200);
  });

  it('behind one trusted proxy, counts the address the proxy saw, not one the client claims', async () => {
    const config = loadConfig({ MOTCUA_TRUST_PROXY: '1' }, { trackingPerMinute: 3, maxUploadBytes: 64 * 1024, logLevel: 'silent' });
    expect(config.trustProxy).toBe(1);
    const proxied = await buildApp({ config, database: h.database, services: h.services, logger: false });
    try {
      // The client prepends made-up addresses; the proxy appends the one it saw.
      const track = (claimed: string, seen: string) =>
        proxied.inject({
          method: 'GET',
          url: '/public/dossiers/000.01.01.H40-250314-0999?phone=0000',
          remoteAddress: '10.0.0.1',
          headers: { 'x-forwarded-for': `${claimed}, ${seen}` },
        });
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await track(`192.0.2.${i}`, '203.0.113.50')).statusCode);
      expect(codes).toEqual([404, 404, 404, 429]);
      expect((await track('192.0.2.9', '203.0.113.51')).statusCode).toBe(404);
    } finally {
      await proxied.close();
    }
  });

  it('counts wrong guesses too, so codes cannot be probed faster than the limit', async () => {
    const probe = (n: number) =>
      limited.inject({
        method: 'GET',
        url: `/public/dossiers/000.01.01.H40-250314-${String(n).padStart(4, '0')}?phone=0000`,
        remoteAddress: '198.51.100.1',
      });
    expect([(await probe(1)).statusCode, (await probe(2)).statusCode, (await probe(3)).statusCode, (await probe(4)).statusCode]).toEqual([
      404, 404, 404, 429,
    ]);
  });
});

describe('logs', () => {
  it('never contain the ID number, phone number, address or bearer token', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const config = loadConfig({}, { trackingPerMinute: 1000, maxUploadBytes: 64 * 1024, logLevel: 'info' });
    const logged = await buildApp({
      config,
      database: h.database,
      services: h.services,
      loggerInstance: pino(loggerOptions('info', false), stream),
    });
    let token = '';
    try {
      const login = await logged.inject({
        method: 'POST',
        url: '/auth/login',
        remoteAddress: '192.0.2.10',
        payload: { username: 'clerk.hai', password: PASSWORD },
      });
      token = login.json().token as string;
      const file = await h.upload(token);
      const person = applicant('14002', {
        idNumber: '001203004005',
        phone: '0987123456',
        address: 'Số 9 ngõ Vắng, Xã Hai',
        email: 'an.nguyen@example.vn',
      });
      const body = { procedureCode: '2.000815', applicant: person, components: [{ code: 'BC', source: 'upload', fileSha256: file }] };
      const r = await logged.inject({
        method: 'POST',
        url: '/dossiers',
        headers: { ...auth(token), 'idempotency-key': 'log-test-intake-1' },
        payload: body,
      });
      expect(r.statusCode, r.body).toBe(201);
      const code = r.json().code as string;
      // Refused requests are logged too: a bad phone, and a bad ID number.
      expect(
        (
          await logged.inject({
            method: 'POST',
            url: '/dossiers',
            headers: auth(token),
            payload: { ...body, applicant: { ...person, phone: '0987-12345' } },
          })
        ).statusCode,
      ).toBe(400);
      expect(
        (
          await logged.inject({
            method: 'POST',
            url: '/dossiers',
            headers: auth(token),
            payload: { ...body, applicant: { ...person, idNumber: '999203004005' } },
          })
        ).statusCode,
      ).toBe(400);
      expect((await logged.inject({ method: 'GET', url: `/public/dossiers/${code}?phone=3456` })).statusCode).toBe(200);
      expect((await logged.inject({ method: 'GET', url: `/dossiers?q=${person.idNumber}`, headers: auth(token) })).statusCode).toBe(200);
      const started = await logged.inject({
        method: 'POST',
        url: '/intakes',
        headers: auth(token),
        payload: { idNumber: person.idNumber },
      });
      expect(started.statusCode).toBe(201);
      expect(
        (await logged.inject({ method: 'GET', url: `/store-documents?intakeId=${started.json().id}`, headers: auth(token) })).statusCode,
      ).toBe(200);
      expect((await logged.inject({ method: 'POST', url: '/auth/logout', headers: auth(token) })).statusCode).toBe(204);
    } finally {
      await logged.close();
    }
    const text = lines.join('');
    // The capture works: requests were logged, with their URLs' values redacted.
    expect(lines.length).toBeGreaterThan(10);
    expect(text).toContain('?phone=[redacted]');
    expect(text).toContain('"statusCode":201');
    for (const secret of [
      token,
      '001203004005',
      '0987123456',
      '0987-12345',
      '999203004005',
      'Số 9 ngõ Vắng',
      'ngõ Vắng',
      'an.nguyen@example.vn',
      PASSWORD,
    ]) {
      expect(text, secret).not.toContain(secret);
    }
    expect(text).not.toMatch(/phone=\d/);
    expect(text).not.toMatch(/Bearer\s+[\w-]{16,}/);
  });
});
