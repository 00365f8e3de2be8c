import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { DomainError } from './errors.js';

/** At most `max` requests per client address in each window of `windowMs`. */
export interface RateLimit {
  max: number;
  windowMs: number;
}

/**
 * A fixed-window limit per client address (`req.ip`, so the trusted-proxy setting applies) as a synchronous
 * onRequest hook, for a hot public route: it answers as @fastify/rate-limit does (x-ratelimit-limit, -remaining
 * and -reset on every answer; retry-after and a 429 RATE_LIMITED problem past the limit) without the plugin's
 * promise chain on every request. Counts are per hook, so each route given its own hook has its own counts.
 * At most `capacity` addresses are tracked: when full, expired windows are dropped first, then the oldest.
 */
export function perClientLimit(limit: RateLimit, opts: { clock?: () => number; capacity?: number } = {}) {
  const clock = opts.clock ?? Date.now;
  const capacity = opts.capacity ?? 10_000;
  const windows = new Map<string, { count: number; resetAt: number }>();
  const limitHeader = String(limit.max);
  const per = limit.windowMs === 60_000 ? 'a minute' : `in ${Math.round(limit.windowMs / 1000)} seconds`;

  const makeRoom = (now: number) => {
    for (const [key, w] of windows) if (w.resetAt <= now) windows.delete(key);
    if (windows.size >= capacity) windows.delete(windows.keys().next().value as string);
  };

  return function rateLimited(req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const now = clock();
    const key = req.ip;
    let w = windows.get(key);
    if (w === undefined) {
      if (windows.size >= capacity) makeRoom(now);
      w = { count: 0, resetAt: now + limit.windowMs };
      windows.set(key, w);
    } else if (w.resetAt <= now) {
      w.count = 0;
      w.resetAt = now + limit.windowMs;
    }
    w.count++;
    const resetSeconds = Math.ceil((w.resetAt - now) / 1000);
    reply.header('x-ratelimit-limit', limitHeader);
    reply.header('x-ratelimit-remaining', String(Math.max(0, limit.max - w.count)));
    reply.header('x-ratelimit-reset', String(resetSeconds));
    if (w.count <= limit.max) return done();
    reply.header('retry-after', String(resetSeconds));
    done(
      new DomainError(
        'RATE_LIMITED',
        `Quá nhiều yêu cầu, vui lòng thử lại sau ${resetSeconds} giây / Too many requests: at most ${limit.max} ${per}; try again in ${resetSeconds} seconds`,
      ),
    );
  };
}
