import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../platform/errors.js';
import { cookieValue, SESSION_COOKIE, setCookie } from './citizen.model.js';
import type { CitizenService, CitizenSession } from './citizen.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    citizen?: CitizenSession;
  }
}

/**
 * An onRequest hook resolving the session cookie to the logged-in citizen (401 otherwise). A request that changes
 * something must come from our own pages: SameSite=Lax already keeps the cookie off another site's POST, and an
 * Origin naming another host is refused as well.
 */
export function requireCitizen(citizens: CitizenService) {
  return async (req: FastifyRequest): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const origin = req.headers.origin;
      if (origin !== undefined && !sameHost(origin, req.host))
        throw new DomainError('FORBIDDEN', 'A citizen’s request must come from this site’s own pages (Origin)', {
          field: 'headers.origin',
        });
    }
    req.citizen = await citizens.authenticate(cookieValue(req.headers.cookie, SESSION_COOKIE));
  };
}

function sameHost(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}

/** The citizen of a request that passed requireCitizen. */
export function citizenOf(req: FastifyRequest): CitizenSession {
  if (!req.citizen) throw new DomainError('UNAUTHENTICATED', 'Log in with VNeID first');
  return req.citizen;
}

/** Sets (or, with a null token, clears) the session cookie for maxAgeSeconds; Secure when the request came over TLS. */
export function sessionCookie(reply: FastifyReply, req: FastifyRequest, token: string | null, maxAgeSeconds = 0): void {
  appendCookie(
    reply,
    setCookie(SESSION_COOKIE, token ?? '', { path: '/', maxAgeSeconds: token ? maxAgeSeconds : 0, secure: req.protocol === 'https' }),
  );
}

/** Adds a Set-Cookie line to those already on the reply. */
export function appendCookie(reply: FastifyReply, line: string): void {
  const current = reply.getHeader('set-cookie');
  const lines = current === undefined ? [] : Array.isArray(current) ? current.map(String) : [String(current)];
  void reply.header('set-cookie', [...lines, line]);
}
