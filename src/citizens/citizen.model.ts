// Citizens logged in with VNeID: the rules of their sessions, pending log-ins and cookies. Pure: no clock, no database.
import { createHash } from 'node:crypto';

/** How long a citizen's session lasts from its log-in (a sitting at the portal, not a remembered device). */
export const CITIZEN_SESSION_TTL_MS = 2 * 3_600_000;

/** How long a log-in begun at VNeID may take to come back (the simulator's interaction lasts 15 minutes, ours less). */
export const PENDING_LOGIN_TTL_MS = 10 * 60_000;

/** The session cookie (the whole portal) and the cookie tying a log-in in progress to the browser that began it. */
export const SESSION_COOKIE = 'motcua_citizen';
export const LOGIN_COOKIE = 'motcua_vneid';
/** The log-in cookie is sent back only to the log-in's own routes. */
export const LOGIN_COOKIE_PATH = '/auth/vneid';

/** Where a citizen lands after logging in when no return path was asked for: their dossiers. */
export const DEFAULT_RETURN_TO = '/ho-so-cua-toi';

/** The web page told of a refused log-in (`?vneid=<code>`) when the callback was opened by a browser. */
export const LOGIN_ERROR_PAGE = '/ho-so-cua-toi';

/** A session token or a browser binding: 32 random bytes, base64url (43 characters). */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A return path: one of ours (a single leading slash, then the characters a page path and its query use). */
export const RETURN_TO_PATTERN = '^/(?![/\\\\])[A-Za-z0-9._~%/?=&+-]{0,300}$';
const RETURN_TO = new RegExp(RETURN_TO_PATTERN);

/** The return path to use: the one asked for when it is one of our own paths, else null (refused). */
export function safeReturnTo(asked: string | undefined): string | null {
  if (asked === undefined || asked === '') return DEFAULT_RETURN_TO;
  // Only a path of this origin: never "//host", "/\host" or a scheme, which a browser would follow elsewhere.
  if (!RETURN_TO.test(asked) || asked.includes('//') || asked.includes('\\')) return null;
  return asked;
}

/** The SHA-256 (hex) under which a token is kept: the database never holds a usable session or binding. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The value of one cookie of a Cookie header, or undefined (our cookies' values are base64url: no quoting, no decoding). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      const v = part.slice(i + 1).trim();
      return TOKEN_PATTERN.test(v) ? v : undefined;
    }
  }
  return undefined;
}

/**
 * A Set-Cookie value: HttpOnly (no script reads it), SameSite=Lax (not sent with another site's POST, so a form
 * elsewhere cannot act as the citizen; sent on the top-level return from VNeID), Secure when the request came over TLS.
 * `maxAgeSeconds` 0 clears it.
 */
export function setCookie(name: string, value: string, o: { path: string; maxAgeSeconds: number; secure: boolean }): string {
  const parts = [`${name}=${value}`, `Path=${o.path}`, `Max-Age=${Math.max(0, Math.floor(o.maxAgeSeconds))}`, 'HttpOnly', 'SameSite=Lax'];
  if (o.maxAgeSeconds <= 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (o.secure) parts.push('Secure');
  return parts.join('; ');
}

/** A pending log-in's fate when its callback comes: usable, or why not. */
export function pendingLoginProblem(
  row: { expires_at: Date; browser_hash: string } | undefined,
  browserToken: string | undefined,
  now: Date,
): 'invalid' | 'expired' | null {
  if (!row) return 'invalid';
  if (row.expires_at.getTime() <= now.getTime()) return 'expired';
  // Begun in another browser (a log-in CSRF: an attacker's own log-in finished in the victim's browser).
  if (!browserToken || tokenHash(browserToken) !== row.browser_hash) return 'invalid';
  return null;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Where to begin the log-in instead, when the browser opened this machine under another loopback name than the
 * callback's (localhost against 127.0.0.1, the demo's case): the binding cookie must be set on the host the callback
 * comes back to. Null when the request is on the callback's host already, or on any host that is not this machine
 * (a public address behind a proxy is never second-guessed, so no redirect can loop).
 */
export function loginHostHop(requestHost: string, redirectUri: string): string | null {
  let here: URL;
  try {
    here = new URL(`http://${requestHost}`);
  } catch {
    return null;
  }
  const there = new URL(redirectUri);
  if (here.host === there.host || !LOOPBACK.has(here.hostname) || !LOOPBACK.has(there.hostname)) return null;
  const portOf = (u: URL) => u.port || (u.protocol === 'https:' ? '443' : '80');
  return portOf(here) === portOf(there) ? there.origin : null;
}
