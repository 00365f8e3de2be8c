import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/platform/config.js';
import { MemoryBlobStore } from '../src/platform/blob-store.js';
import type { Database } from '../src/platform/database.js';
import type { HttpApp } from '../src/platform/http.js';
import { createTestDatabase } from '../src/platform/testing.js';
import { createServices } from '../src/services.js';
import { AuditKey } from '../src/platform/audit-chain.model.js';
import { WEB_PAGE_PATHS } from '../src/web/web.routes.js';

const INDEX =
  '<!doctype html><html lang="vi"><head><title>Motcua test</title></head><body><div id="root"></div><script type="module" src="/assets/app-abc123.js"></script></body></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;

let database: Database;
let dist: string;
let app: HttpApp;
let unbuilt: HttpApp;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({}, { logLevel: 'silent' });
  const services = createServices({
    db: database.db,
    blobs: new MemoryBlobStore(),
    clock: () => new Date('2025-03-14T03:00:00Z'),
    auditKey: AuditKey.generate(),
    sessionTtlMinutes: 60,
    maxUploadBytes: 64 * 1024,
  });
  dist = await mkdtemp(path.join(os.tmpdir(), 'motcua-web-'));
  await mkdir(path.join(dist, 'assets'));
  await writeFile(path.join(dist, 'index.html'), INDEX);
  await writeFile(path.join(dist, 'assets', 'app-abc123.js'), SCRIPT);
  await writeFile(path.join(dist, 'assets', 'app-abc123.js.gz'), gzipSync(SCRIPT));
  app = await buildApp({ config, database, services, logger: false, webDistDir: dist });
  unbuilt = await buildApp({ config, database, services, logger: false, webDistDir: path.join(dist, 'not-built-yet') });
});

afterAll(async () => {
  await app?.close();
  await unbuilt?.close();
  await database?.close();
  if (dist) await rm(dist, { recursive: true, force: true });
});

describe('the web app’s pages', () => {
  it.each([
    '/',
    '/thu-tuc',
    '/thu-tuc/1.001193',
    '/nop-ho-so/1.001193',
    '/tra-cuu',
    '/can-bo',
    '/can-bo/dang-nhap',
    '/xep-hang',
    '/xep-hang/2',
    '/man-hinh/2',
    '/dat-lich',
    '/dat-lich/ABCD2345',
  ])('serves index.html at %s', async (url) => {
    const r = await app.inject({ method: 'GET', url });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body).toBe(INDEX);
    // The shell is never cached (it names the current hashed assets) and forbids inline scripts.
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves index.html at /tra-cuu/<dossier code>, the address the receipt’s QR code opens', async () => {
    const r = await app.inject({ method: 'GET', url: '/tra-cuu/000.00.12.H56-250314-0001' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe(INDEX);
  });

  it('serves built assets for a year, pre-compressed when the client accepts it', async () => {
    const plain = await app.inject({ method: 'GET', url: '/assets/app-abc123.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toMatch(/^(application|text)\/javascript/);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.body).toBe(SCRIPT);
    const gz = await app.inject({ method: 'GET', url: '/assets/app-abc123.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.rawPayload).toEqual(gzipSync(SCRIPT));
  });

  it('answers an unknown address with the app’s “page not found” (404) to a browser, and with a 404 problem to API clients', async () => {
    const browser = await app.inject({
      method: 'GET',
      url: '/khong-co-trang-nay',
      headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
    });
    expect(browser.statusCode).toBe(404);
    expect(browser.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(browser.body).toBe(INDEX);
    expect(browser.headers['content-security-policy']).toContain("script-src 'self'");
    const program = await app.inject({ method: 'GET', url: '/khong-co-trang-nay', headers: { accept: '*/*' } });
    expect(program.statusCode).toBe(404);
    expect(program.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(program.json()).toMatchObject({ code: 'NOT_FOUND', detail: 'No route GET /khong-co-trang-nay' });
    const post = await app.inject({ method: 'POST', url: '/khong-co-trang-nay', headers: { accept: 'text/html' } });
    expect(post.statusCode).toBe(404);
    expect(post.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  });

  it('answers a missing asset with the API’s 404 problem', async () => {
    const r = await app.inject({ method: 'GET', url: '/assets/gone-000000.js' });
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  });
});

describe('the API beside the pages', () => {
  it('still answers API paths with JSON', async () => {
    const procedures = await app.inject({ method: 'GET', url: '/procedures?q=khai%20sinh' });
    expect(procedures.statusCode).toBe(200);
    expect(procedures.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(procedures.json()).toEqual([]);
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.json()).toEqual({ status: 'ok', version: expect.any(String) });
    const dossiers = await app.inject({ method: 'GET', url: '/dossiers' });
    expect(dossiers.statusCode).toBe(401);
    expect(dossiers.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    const tracking = await app.inject({ method: 'GET', url: '/public/dossiers/000.00.12.H56-250314-0001?phone=1234' });
    expect(tracking.statusCode).toBe(404);
    expect(tracking.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('keeps the page paths out of the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
    const documented = Object.keys(doc.paths);
    expect(documented).toContain('/procedures');
    const pageRoots = new Set(WEB_PAGE_PATHS.map((p) => p.split('/')[1]));
    expect(pageRoots).toEqual(
      new Set([
        '',
        'thu-tuc',
        'nop-ho-so',
        'tra-cuu',
        'can-bo',
        'xep-hang',
        'man-hinh',
        'dat-lich',
        'so',
        'ho-so-cua-toi',
        'thanh-toan',
        'phan-anh',
        'don-vi',
      ]),
    );
    expect(documented.filter((p) => pageRoots.has(p.split('/')[1]!))).toEqual([]);
  });

  it('answers a path that is neither a page nor an API route with the API’s 404 problem', async () => {
    const r = await app.inject({ method: 'GET', url: '/thu-tuc/1.001193/extra' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });
});

describe('before the web app is built', () => {
  it.each(['/', '/thu-tuc', '/tra-cuu/000.00.12.H56-250314-0001', '/can-bo'])(
    'answers %s with 503 problem+json telling to run npm run build',
    async (url) => {
      const r = await unbuilt.inject({ method: 'GET', url });
      expect(r.statusCode).toBe(503);
      expect(r.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(r.json()).toMatchObject({
        status: 503,
        code: 'WEB_NOT_BUILT',
        title: 'Web app not built',
        detail: expect.stringContaining('npm run build'),
      });
    },
  );

  it('still serves the API', async () => {
    const r = await unbuilt.inject({ method: 'GET', url: '/health' });
    expect(r.statusCode).toBe(200);
  });
});

describe('the interface strings', () => {
  // Plural forms differ by language (Vietnamese has one, English two): compare keys without their suffix.
  const keys = (o: Record<string, unknown>, prefix = ''): string[] =>
    Object.entries(o).flatMap(([k, v]) =>
      typeof v === 'object' && v !== null
        ? keys(v as Record<string, unknown>, `${prefix}${k}.`)
        : [`${prefix}${k}`.replace(/_(zero|one|two|few|many|other)$/, '')],
    );
  const load = async (lang: string) =>
    JSON.parse(await readFile(new URL(`../web/src/i18n/${lang}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;

  it('has the same keys in Vietnamese and English', async () => {
    const vi = [...new Set(keys(await load('vi')))].sort();
    const en = [...new Set(keys(await load('en')))].sort();
    expect(en).toEqual(vi);
  });

  it('gives every English plural both its one and other forms', async () => {
    const flat = (o: Record<string, unknown>, prefix = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) =>
        typeof v === 'object' && v !== null ? flat(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`],
      );
    const en = flat(await load('en'));
    for (const k of en.filter((x) => x.endsWith('_other'))) expect(en).toContain(k.replace(/_other$/, '_one'));
  });
});
