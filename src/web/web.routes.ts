import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpApp, Problem } from '../platform/http.js';
import { DOCUMENT_HEADERS, PAGE_CSP } from '../platform/security-headers.js';

/** Where `npm run build` writes the browser app (web/vite.config.ts). */
export const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

/**
 * The browser app's page paths. They are Vietnamese so they never collide with the API, which lives at
 * the root (/procedures, /dossiers, /public/…, /auth/…, /units, /communes, /files, /docs, …).
 * The receipt's QR code opens /tra-cuu/<dossier code>; the booking SMS /dat-lich/<code>; a ticket's QR code /so/<token>.
 */
export const WEB_PAGE_PATHS = [
  '/',
  '/thu-tuc',
  '/thu-tuc/:code',
  '/nop-ho-so/:code',
  '/tra-cuu',
  '/tra-cuu/:code',
  // A citizen logged in with VNeID: their dossiers and document store (and where a refused log-in is explained).
  '/ho-so-cua-toi',
  // Where the payment gateway sends the citizen's browser back.
  '/thanh-toan/ket-qua',
  // Feedback and petitions (phản ánh, kiến nghị): sending, following, the published answers.
  '/phan-anh',
  // A unit's page for citizens: its ratings and its feedback together.
  '/don-vi/:unitId',
  '/can-bo',
  '/can-bo/*',
  // Counter queues: choosing a point, its kiosk and display board, bookings (the booking SMS links to /dat-lich/<code>).
  '/xep-hang',
  '/xep-hang/:unitId',
  '/man-hinh/:unitId',
  '/dat-lich',
  '/dat-lich/:code',
  '/so/:token',
] as const;

// The pages' own policy (security-headers.ts) replaces the API's, with the headers only documents need; the other
// security headers are every response's.
const PAGE_HEADERS = {
  'cache-control': 'no-cache',
  'content-security-policy': PAGE_CSP,
  ...DOCUMENT_HEADERS,
} as const;

function notBuilt(reply: FastifyReply, instance: string): FastifyReply {
  const problem: Problem = {
    type: 'https://motcua.dev/problems/web-not-built',
    title: 'Web app not built',
    status: 503,
    detail: 'The web app has not been built: run `npm run build` (or `npm start`, which builds it when missing), then reload.',
    code: 'WEB_NOT_BUILT',
    instance,
  };
  return reply.code(503).type('application/problem+json').send(problem);
}

/**
 * Serves the built browser app: hashed files under /assets (cached for a year, pre-compressed copies when
 * present) and index.html for every page path, read at each request so a rebuild needs no restart.
 */
export async function webRoutes(app: HttpApp, opts: { distDir?: string | undefined } = {}): Promise<void> {
  const distDir = path.resolve(opts.distDir ?? DEFAULT_WEB_DIST);
  await app.register(fastifyStatic, {
    root: path.join(distDir, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    // Built files are named by their content hash: they never change under the same name.
    maxAge: '365d',
    immutable: true,
    preCompressed: true,
  });

  const indexFile = path.join(distDir, 'index.html');
  const page = async (req: FastifyRequest, reply: FastifyReply, status: 200 | 404) => {
    let html: string;
    try {
      html = await readFile(indexFile, 'utf8');
    } catch {
      return notBuilt(reply, req.id);
    }
    return reply.code(status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(html);
  };
  for (const url of WEB_PAGE_PATHS) app.get(url, { schema: { hide: true } }, (req, reply) => page(req, reply, 200));

  // Any other address typed or followed in a browser gets the app's own "page not found" (status 404);
  // API clients keep the problem+json 404. More specific routes always win over this wildcard.
  app.get('/*', { schema: { hide: true } }, (req, reply) => (wantsHtml(req) ? page(req, reply, 404) : reply.callNotFound()));
}

/** A browser navigating (its Accept header names HTML), not a program calling the API. */
function wantsHtml(req: FastifyRequest): boolean {
  return /\btext\/html\b/.test(req.headers.accept ?? '');
}
