import http from 'node:http';
import { AuditKey } from '../src/platform/audit-chain.model.js';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/platform/config.js';
import { MemoryBlobStore } from '../src/platform/blob-store.js';
import type { Database } from '../src/platform/database.js';
import type { HttpApp } from '../src/platform/http.js';
import { API_CSP, DOCS_CSP, PAGE_CSP } from '../src/platform/security-headers.js';
import { createTestDatabase } from '../src/platform/testing.js';
import { createServices } from '../src/services.js';
import { TEST_ORG } from './fixtures.js';

type Headers = Record<string, string | string[] | number | undefined>;

let database: Database;
let dist: string;
/** Trusts X-Forwarded-* from 127.0.0.1 only (a reverse proxy on the same host). */
let app: HttpApp;
/** Trusts no proxy (the default). */
let direct: HttpApp;
let centerId: number;

beforeAll(async () => {
  database = await createTestDatabase();
  const services = createServices({
    auditKey: AuditKey.generate(),
    db: database.db,
    blobs: new MemoryBlobStore(),
    clock: () => new Date('2025-03-14T03:00:00Z'),
    sessionTtlMinutes: 60,
    maxUploadBytes: 64 * 1024,
  });
  await services.org.importOrg(TEST_ORG);
  centerId = (await services.org.listUnits(['center']))[0]!.id;
  dist = await mkdtemp(path.join(os.tmpdir(), 'motcua-headers-'));
  await mkdir(path.join(dist, 'assets'));
  await writeFile(path.join(dist, 'index.html'), '<!doctype html><html><body><div id="root"></div></body></html>');
  await writeFile(path.join(dist, 'assets', 'app-1.js'), 'console.log(1)');
  const config = (trustProxy: string[] | false) => loadConfig({}, { logLevel: 'silent', trustProxy });
  app = await buildApp({ config: config(['127.0.0.1']), database, services, logger: false, webDistDir: dist });
  direct = await buildApp({ config: config(false), database, services, logger: false, webDistDir: dist });
});

afterAll(async () => {
  await app?.close();
  await direct?.close();
  await database?.close();
  if (dist) await rm(dist, { recursive: true, force: true });
});

/** The headers every answer carries, whatever its kind. */
function expectCommon(h: Headers) {
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['referrer-policy']).toBe('no-referrer');
  expect(h['x-frame-options']).toBe('DENY');
  expect(h['cross-origin-resource-policy']).toBe('same-origin');
  expect(h['x-powered-by']).toBeUndefined();
}

/** What a document (a page of the app, /docs) carries besides; an API answer goes without (its CSP lets nothing run). */
function expectDocument(h: Headers, document: boolean) {
  expect(h['cross-origin-opener-policy']).toBe(document ? 'same-origin' : undefined);
  expect(h['origin-agent-cluster']).toBe(document ? '?1' : undefined);
}

describe('security headers', () => {
  it('gives an API JSON answer nosniff, a referrer policy and a CSP that lets nothing run or frame it', async () => {
    const r = await app.inject({ method: 'GET', url: '/units' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expectCommon(r.headers);
    expectDocument(r.headers, false);
    expect(r.headers['content-security-policy']).toBe("default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'");
    expect(r.headers['content-security-policy']).toBe(API_CSP);
    expect(r.headers['strict-transport-security']).toBeUndefined();
  });

  it('gives problem answers the same headers: not found, validation, an error thrown by a use case', async () => {
    const notFound = await app.inject({ method: 'GET', url: '/no-such-route' });
    const invalid = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'x' } });
    const domain = await app.inject({ method: 'GET', url: '/public/queue/points/999999' });
    for (const [r, status] of [
      [notFound, 404],
      [invalid, 400],
      [domain, 404],
    ] as const) {
      expect(r.statusCode, r.body).toBe(status);
      expect(r.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expectCommon(r.headers);
      expect(r.headers['content-security-policy']).toBe(API_CSP);
    }
  });

  it('gives /openapi.json the API policy, and /docs with its scripts the policy Swagger UI works under', async () => {
    const doc = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(doc.statusCode).toBe(200);
    expectCommon(doc.headers);
    expectDocument(doc.headers, false);
    expect(doc.headers['content-security-policy']).toBe(API_CSP);

    const page = await app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expectCommon(page.headers);
    expectDocument(page.headers, true);
    expect(page.headers['content-security-policy']).toBe(DOCS_CSP);
    expect(DOCS_CSP).toContain("script-src 'self';");
    expect(DOCS_CSP).not.toContain('validator.swagger.io');
    // The page's scripts are files (no inline script for the policy to forbid).
    const scripts = [...page.body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src="/);
      expect(body!.trim()).toBe('');
    }
    const init = await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(init.statusCode).toBe(200);
    expect(init.headers['content-security-policy']).toBe(DOCS_CSP);
    expect(init.body).toContain('validatorUrl');
  });

  it("keeps a page's own policy (the route's header replaces the global one) and a built file's", async () => {
    const page = await app.inject({ method: 'GET', url: '/tra-cuu/000.00.01.H40-250314-0001' });
    expect(page.statusCode).toBe(200);
    expectCommon(page.headers);
    expectDocument(page.headers, true);
    expect(page.headers['content-security-policy']).toBe(PAGE_CSP);
    expect(PAGE_CSP).toContain("script-src 'self';");
    expect(PAGE_CSP).toContain("frame-ancestors 'none'");
    const asset = await app.inject({ method: 'GET', url: '/assets/app-1.js' });
    expect(asset.statusCode).toBe(200);
    expectCommon(asset.headers);
  });

  it('sends HSTS only when the request came over TLS through a trusted proxy, never on plain http', async () => {
    const viaTrusted = await app.inject({ method: 'GET', url: '/health', headers: { 'x-forwarded-proto': 'https' } });
    expect(viaTrusted.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expectCommon(viaTrusted.headers);

    const plain = await app.inject({ method: 'GET', url: '/health', headers: { 'x-forwarded-proto': 'http' } });
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    // A client that is not the trusted proxy cannot claim TLS.
    const untrusted = await app.inject({
      method: 'GET',
      url: '/health',
      remoteAddress: '203.0.113.7',
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(untrusted.headers['strict-transport-security']).toBeUndefined();
    // Trusting no proxy (the default), the header is never believed.
    const noProxy = await direct.inject({ method: 'GET', url: '/health', headers: { 'x-forwarded-proto': 'https' } });
    expect(noProxy.headers['strict-transport-security']).toBeUndefined();
    // A page over TLS gets it too.
    const page = await app.inject({ method: 'GET', url: '/', headers: { 'x-forwarded-proto': 'https' } });
    expect(page.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(page.headers['content-security-policy']).toBe(PAGE_CSP);
  });

  it("gives the board's event stream, which bypasses Fastify's reply, the same headers", async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
      const req = http.get(`http://127.0.0.1:${port}/public/queue/points/${centerId}/events`, (res) => {
        resolve(res.headers);
        req.destroy();
      });
      req.on('error', reject);
    });
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expectCommon(headers);
    expect(headers['content-security-policy']).toBe(API_CSP);
  });
});
