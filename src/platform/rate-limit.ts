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
 * and -reset; retry-after and a 429 RATE_LIMITED problem past the limit) without the plugin's promise chain on
 * every request, but sends the x-ratelimit headers only once half of the window's budget is spent (remaining at
 * most max / 2) and on the 429. Counts are per hook, so each route given its own hook has its own counts.
 * At most `capacity` addresses are tracked: when full, expired windows are dropped first, then the oldest.
 */
export function perClientLimit(limit: RateLimit, opts: { clock?: () => number; capacity?: number } = {}) {
  const clock = opts.clock ?? Date.now;
  const capacity = opts.capacity ?? 10_000;
  const windows = new Map<string, { count: number; resetAt: number }>();
  const limitHeader = String(limit.max);
  const warnAbove = Math.floor(limit.max / 2);
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
    const remaining = limit.max - w.count;
    // The budget's headers only once half of it is spent: the answers of an ordinary look-up carry three headers
    // fewer (at the default of 30 a minute a citizen never sees them; on a 2-core machine they cost the hot look-up
    // about 7% of its throughput, bench/README.md), and a client nearing the limit is still told how near it is.
    if (remaining > warnAbove) return done();
    reply.header('x-ratelimit-limit', limitHeader);
    reply.header('x-ratelimit-remaining', String(Math.max(0, remaining)));
    reply.header('x-ratelimit-reset', String(resetSeconds));
    if (remaining >= 0) return done();
    reply.header('retry-after', String(resetSeconds));
    done(
      new DomainError(
        'RATE_LIMITED',
        `Quá nhiều yêu cầu, vui lòng thử lại sau ${resetSeconds} giây / Too many requests: at most ${limit.max} ${per}; try again in ${resetSeconds} seconds`,
      ),
    );
  };
}
