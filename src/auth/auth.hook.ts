import type { FastifyRequest } from 'fastify';
import { DomainError } from '../platform/errors.js';
import type { Actor } from './auth.model.js';
import type { AuthService } from './auth.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

/** The bearer token of a request, if any. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+([\w-]{16,128})$/i.exec(h);
  return m?.[1];
}

/** An onRequest hook that resolves the bearer token to the acting staff member (401 otherwise), before the body is read or validated. */
export function requireStaff(auth: AuthService) {
  return async (req: FastifyRequest): Promise<void> => {
    req.actor = await auth.authenticate(bearerToken(req));
  };
}

/** The authenticated actor of a request that passed requireStaff. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new DomainError('UNAUTHENTICATED', 'Log in first');
  return req.actor;
}

export const SECURED = [{ bearer: [] as string[] }];
