import { describe, it, expect } from 'vitest';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from './errors.js';
import { perClientLimit } from './rate-limit.js';

/** Calls the hook as Fastify would for a request from `ip`; returns the headers set and the error passed on, if any. */
function call(hook: ReturnType<typeof perClientLimit>, ip: string) {
  const headers: Record<string, string> = {};
  const reply = { header: (k: string, v: string) => ((headers[k] = v), reply) } as unknown as FastifyReply;
  let passed: unknown = 'not called';
  hook({ ip } as FastifyRequest, reply, (e?: unknown) => (passed = e));
  return { headers, error: passed as DomainError | undefined };
}

describe('per-client rate limit', () => {
  it('lets max requests a window through from one address, then answers RATE_LIMITED with when to retry', () => {
    let now = 1_000_000;
    const hook = perClientLimit({ max: 3, windowMs: 60_000 }, { clock: () => now });
    const first = call(hook, '203.0.113.7');
    expect(first.error).toBeUndefined();
    // Less than half of the budget spent: no headers.
    expect(first.headers).toEqual({});
    now += 20_000;
    expect(call(hook, '203.0.113.7').headers).toEqual({
      'x-ratelimit-limit': '3',
      'x-ratelimit-remaining': '1',
      'x-ratelimit-reset': '40',
    });
    expect(call(hook, '203.0.113.7').headers['x-ratelimit-remaining']).toBe('0');
    const fourth = call(hook, '203.0.113.7');
    expect(fourth.error).toBeInstanceOf(DomainError);
    expect(fourth.error!.code).toBe('RATE_LIMITED');
    expect(fourth.error!.status).toBe(429);
    expect(fourth.error!.message).toContain('at most 3 a minute');
    expect(fourth.headers['retry-after']).toBe('40');
    expect(fourth.headers['x-ratelimit-reset']).toBe('40');
    // Other addresses have their own count.
    expect(call(hook, '203.0.113.8').error).toBeUndefined();
    // A new window starts when the last one ends.
    now += 40_000;
    const later = call(hook, '203.0.113.7');
    expect(later.error).toBeUndefined();
    expect(later.headers).toEqual({});
    expect(call(hook, '203.0.113.7').headers['x-ratelimit-remaining']).toBe('1');
  });

  it('keeps counts per hook, so each route has its own', () => {
    const a = perClientLimit({ max: 1, windowMs: 60_000 });
    const b = perClientLimit({ max: 1, windowMs: 60_000 });
    expect(call(a, '198.51.100.1').error).toBeUndefined();
    expect(call(a, '198.51.100.1').error?.code).toBe('RATE_LIMITED');
    expect(call(b, '198.51.100.1').error).toBeUndefined();
  });

  it('tracks at most `capacity` addresses, dropping ended windows first', () => {
    let now = 0;
    const hook = perClientLimit({ max: 1, windowMs: 1_000 }, { clock: () => now, capacity: 2 });
    call(hook, 'a');
    now = 500;
    call(hook, 'b');
    now = 1_200; // a's window has ended, b's has not
    call(hook, 'c'); // full: a is dropped, b kept
    expect(call(hook, 'b').error?.code).toBe('RATE_LIMITED');
    call(hook, 'd'); // full with live windows only: the oldest (b) goes
    expect(call(hook, 'c').error?.code).toBe('RATE_LIMITED');
    expect(call(hook, 'b').error).toBeUndefined();
  });
});
