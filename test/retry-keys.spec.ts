import { describe, expect, it } from 'vitest';
import { retryKeys } from '../web/src/lib/retry-keys.js';

// The web app's Idempotency-Keys for tickets, bookings and ratings (web/src/lib/retry-keys.ts).
describe('retryKeys', () => {
  const counter = () => {
    let n = 0;
    return () => `key-${++n}`;
  };

  it('keeps the key of a send that got no answer (network, 5xx) for the same request, and only for it', () => {
    const k = retryKeys(counter());
    expect(k.keyFor({ groupId: 1 })).toBe('key-1');
    k.settled({ code: 'NETWORK', status: 0 });
    expect(k.keyFor({ groupId: 1 })).toBe('key-1');
    k.settled({ code: 'DATABASE_UNAVAILABLE', status: 503 });
    expect(k.keyFor({ groupId: 1 })).toBe('key-1');
    k.settled({ code: 'NETWORK', status: 0 });
    expect(k.keyFor({ groupId: 2 })).toBe('key-2');
  });

  it('takes a new key after an answer: the next ticket of the same group at a kiosk is another ticket', () => {
    const k = retryKeys(counter());
    expect(k.keyFor({ groupId: 1 })).toBe('key-1');
    k.settled(null);
    expect(k.keyFor({ groupId: 1 })).toBe('key-2');
    k.settled({ code: 'SLOT_FULL', status: 409 });
    expect(k.keyFor({ groupId: 1 })).toBe('key-3');
  });

  it('keeps the key of a double send while the first is in flight', () => {
    const k = retryKeys(counter());
    expect([k.keyFor({ rating: 'satisfied' }), k.keyFor({ rating: 'satisfied' })]).toEqual(['key-1', 'key-1']);
  });
});
