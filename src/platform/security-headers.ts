import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { contentSecurityPolicy } from 'helmet';

/**
 * The security headers of every response, chosen with helmet's policies but computed once at start-up:
 * @fastify/helmet rebuilds helmet's middleware on every request (about 40 µs of CPU a request on a 2-core
 * machine, half of what a bare endpoint costs), while setting the precomputed headers costs a few µs.
 */

type Directives = Record<string, string[]>;
export type HeaderList = readonly (readonly [name: string, value: string])[];

/** Runs a helmet middleware against a response that only records what it sets, and returns those headers. */
function recorded(middleware: (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void): HeaderList {
  const headers = new Map<string, string>();
  const res = {
    setHeader: (name: string, value: unknown) => headers.set(name.toLowerCase(), String(value)),
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
  };
  middleware({} as IncomingMessage, res as unknown as ServerResponse, (err) => {
    if (err) throw err;
  });
  return [...headers];
}

/** A Content-Security-Policy value from its directives, validated by helmet (a misspelt directive throws at start-up). */
function csp(directives: Directives): string {
  const [header] = recorded(contentSecurityPolicy({ useDefaults: false, directives }));
  if (!header) throw new Error('helmet set no Content-Security-Policy');
  return header[1];
}

/**
 * API answers (JSON, problem+json, PDF forms, QR codes, files): nothing in them may run or load anything if a
 * browser renders one as a document, and no other site may frame it (OWASP's REST guidance).
 */
const API_DIRECTIVES: Directives = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};
export const API_CSP = csp(API_DIRECTIVES);

/**
 * The browser app's pages (src/web/web.routes.ts): the built app has no inline scripts or styles (React sets
 * style properties through the DOM, which style-src does not govern), so both are forbidden; the API is
 * same-origin; QR codes and icons may be data: URLs.
 */
export const PAGE_CSP = csp({
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
});

/**
 * Swagger UI at /docs: its scripts and styles are files of @fastify/swagger-ui, but it sets style attributes in
 * its markup (hence 'unsafe-inline' for styles only) and draws icons from data: URLs; "Try it out" calls the
 * same origin. No validator badge (it would call validator.swagger.io).
 */
export const DOCS_CSP = csp({
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
});

/**
 * Stored files (GET /files/{sha}): sent as attachments, but should a browser render one anyway, it is a sandboxed
 * document (a unique origin, no scripts, no forms, no plugins) that loads nothing.
 */
export const FILE_CSP = csp({ ...API_DIRECTIVES, sandbox: [] });

/** HSTS: a year, subdomains included (helmet's default); sent only on answers that came over TLS. */
const HSTS = { maxAge: 365 * 24 * 60 * 60, includeSubDomains: true };

/**
 * Headers that act only on a document a browser renders with its scripts (a page of the app, /docs): the
 * cross-origin opener policy (a popup or opener from another site gets no handle on it) and Origin-Agent-Cluster.
 * An API answer is not such a document (its CSP lets nothing run), so it goes without them.
 */
const DOCUMENT_ONLY = new Set(['cross-origin-opener-policy', 'origin-agent-cluster']);

function headersFor(tls: boolean): HeaderList {
  return recorded(
    helmet({
      // Routes with a document of their own (pages, /docs, file downloads) set their own policy, which replaces this one.
      contentSecurityPolicy: { useDefaults: false, directives: API_DIRECTIVES },
      crossOriginOpenerPolicy: { policy: 'same-origin' },
      crossOriginResourcePolicy: { policy: 'same-origin' },
      referrerPolicy: { policy: 'no-referrer' },
      xFrameOptions: { action: 'deny' },
      // On plain http a browser ignores HSTS, and a deployment reached over both would pin clients to https
      // through a proxy that may not serve it: only an answer that came over TLS carries it.
      strictTransportSecurity: tls ? HSTS : false,
      // Headers for browsers nobody runs any more (IE8's download prompt, Flash's cross-domain policy, the removed
      // XSS auditor) or unrelated to security (DNS prefetching): each would cost every response a header.
      xDownloadOptions: false,
      xPermittedCrossDomainPolicies: false,
      xXssProtection: false,
      xDnsPrefetchControl: false,
      xPoweredBy: false,
    }),
  );
}

/** The headers every response carries, over plain http and over TLS (the latter with HSTS). */
const PLAIN = headersFor(false);

export const SECURITY_HEADERS: { readonly plain: HeaderList; readonly tls: HeaderList } = {
  plain: PLAIN.filter(([name]) => !DOCUMENT_ONLY.has(name)),
  tls: headersFor(true).filter(([name]) => !DOCUMENT_ONLY.has(name)),
};

/** What a document (a page, /docs) carries besides SECURITY_HEADERS, as helmet sets it. */
export const DOCUMENT_HEADERS: Readonly<Record<string, string>> = Object.fromEntries(PLAIN.filter(([name]) => DOCUMENT_ONLY.has(name)));
