import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, applicant, type Harness } from './harness.js';
import { requestHash } from '../src/platform/idempotency.js';

// Monday 23 November 2026, 08:00 in Vietnam: a working day.
let h: Harness;
let center = 0;
let groupA = 0;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

const count = (table: 'queue_tickets' | 'queue_bookings' | 'notifications' | 'dossiers' | 'audit_log' | 'idempotency_keys') =>
  h.count(table);

beforeAll(async () => {
  h = await createHarness('2026-11-23T08:00:00+07:00');
  center = h.unit('TTPVHCC');
  const manager = await h.token('manager.center');
  const g = await h.app.inject({
    method: 'POST',
    url: `/queue/points/${center}/groups`,
    headers: auth(manager),
    payload: { code: 'A', nameVi: 'Hộ tịch', nameEn: 'Civil status', procedureCodes: ['1.001193'], slotCapacity: 1 },
  });
  expect(g.statusCode, g.body).toBe(201);
  groupA = g.json().id;
});

describe('canonical request fingerprints', () => {
  it('are the same whatever the order of keys, at every depth, and differ when a value differs', () => {
    const a = requestHash({ b: 1, a: { y: [1, { q: 2, p: 1 }], x: 'é' } });
    expect(requestHash({ a: { x: 'é', y: [1, { p: 1, q: 2 }] }, b: 1 })).toBe(a);
    expect(requestHash({ a: { x: 'é', y: [{ p: 1, q: 2 }, 1] }, b: 1 })).not.toBe(a); // array order matters
    expect(requestHash({ b: 2, a: { y: [1, { q: 2, p: 1 }], x: 'é' } })).not.toBe(a);
  });

  it('replays an intake sent again with its keys in another order, and creates one dossier', async () => {
    const clerk = await h.token('clerk.hai');
    const file = await h.upload(clerk);
    const body = {
      procedureCode: '2.000815',
      applicant: applicant('14002'),
      components: [{ code: 'BC', source: 'upload', fileSha256: file }],
    };
    const headers = { ...auth(clerk), 'idempotency-key': 'reordered-intake-1' };
    const first = await h.app.inject({ method: 'POST', url: '/dossiers', headers, payload: body });
    expect(first.statusCode, first.body).toBe(201);
    const before = await count('dossiers');
    const reordered = {
      components: [{ fileSha256: file, source: 'upload', code: 'BC' }],
      applicant: Object.fromEntries(Object.entries(applicant('14002')).reverse()),
      procedureCode: '2.000815',
    };
    const again = await h.app.inject({ method: 'POST', url: '/dossiers', headers, payload: reordered });
    expect(again.statusCode).toBe(201);
    expect(again.json().code).toBe(first.json().code);
    expect(await count('dossiers')).toBe(before);
  });
});

describe('tickets', () => {
  const take = (key: string | undefined, payload: object = { groupId: groupA }) =>
    h.app.inject({
      method: 'POST',
      url: `/public/queue/points/${center}/tickets`,
      ...(key ? { headers: { 'idempotency-key': key } } : {}),
      payload,
    });

  it('gives a kiosk that retries the same ticket, with nothing written twice', async () => {
    const first = await take('kiosk-7f3a9c2e11d04b');
    expect(first.statusCode, first.body).toBe(201);
    const tickets = await count('queue_tickets');
    const audit = await count('audit_log');
    const again = await take('kiosk-7f3a9c2e11d04b');
    expect(again.statusCode).toBe(201);
    expect(again.json()).toMatchObject({ id: first.json().id, label: first.json().label, token: first.json().token });
    expect([await count('queue_tickets'), await count('audit_log')]).toEqual([tickets, audit]);
    // Without a key every request is a new ticket.
    const other = await take(undefined);
    expect(other.json().label).not.toBe(first.json().label);
  });

  it('refuses the same key with another request, and a short key from the kiosk', async () => {
    const conflict = await take('kiosk-7f3a9c2e11d04b', { groupId: groupA, priority: 'elderly' });
    expect([conflict.statusCode, conflict.json().code, conflict.json().field]).toEqual([
      409,
      'IDEMPOTENCY_CONFLICT',
      'headers.idempotency-key',
    ]);
    const tickets = await count('queue_tickets');
    const short = await take('short-key-1');
    expect([short.statusCode, short.json().code, short.json().field]).toEqual([400, 'VALIDATION', 'headers.idempotency-key']);
    expect(short.json().detail).toBe('Idempotency-Key must be 16–128 characters of letters, digits, . : _ -');
    expect(await count('queue_tickets')).toBe(tickets);
  });

  it('keeps a clerk’s keys apart from the kiosk’s: the same key is another ticket for another caller', async () => {
    const clerk = await h.token('clerk.center');
    const r = await h.app.inject({
      method: 'POST',
      url: `/queue/points/${center}/tickets`,
      headers: { ...auth(clerk), 'idempotency-key': 'kiosk-7f3a9c2e11d04b' },
      payload: { groupId: groupA },
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().channel).toBe('clerk');
  });

  it('answers ten simultaneous retries with one ticket', async () => {
    const before = await count('queue_tickets');
    const answers = await Promise.all(Array.from({ length: 10 }, () => take('kiosk-simultaneous-0001')));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(10).fill(201));
    expect(new Set(answers.map((a) => a.json().id)).size).toBe(1);
    expect(await count('queue_tickets')).toBe(before + 1);
  });
});

describe('bookings', () => {
  const book = (key: string, over: Record<string, unknown> = {}) =>
    h.app.inject({
      method: 'POST',
      url: '/public/queue/bookings',
      headers: { 'idempotency-key': key },
      payload: { groupId: groupA, slotStart: '2026-11-24T01:00:00.000Z', name: 'Lê Thị Cúc', phone: '0987654321', ...over },
    });

  it('gives the retried booking its first answer even when it took the last place, with no second SMS', async () => {
    const first = await book('booking-retry-0000000001');
    expect(first.statusCode, first.body).toBe(201);
    const [bookings, messages] = [await count('queue_bookings'), await count('notifications')];
    // The slot holds one: a new request is refused, the retry is answered with the booking it made.
    expect((await book('booking-other-00000000001', { phone: '0911111111' })).json().code).toBe('SLOT_FULL');
    const again = await book('booking-retry-0000000001');
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect([await count('queue_bookings'), await count('notifications')]).toEqual([bookings, messages]);
    const conflict = await book('booking-retry-0000000001', { name: 'Lê Thị Cúc Hoa' });
    expect([conflict.statusCode, conflict.json().code]).toEqual([409, 'IDEMPOTENCY_CONFLICT']);
  });
});

describe('online submissions', () => {
  it('need a key of at least 16 characters: an anonymous caller’s key alone finds its answer again', async () => {
    const before = await count('dossiers');
    const r = await h.app.inject({
      method: 'POST',
      url: '/public/dossiers',
      headers: { 'idempotency-key': 'too-short-1' },
      payload: { procedureCode: '1.001193', applicant: applicant('14002'), components: [] },
    });
    expect([r.statusCode, r.json().code, r.json().field]).toEqual([400, 'VALIDATION', 'headers.idempotency-key']);
    expect(await count('dossiers')).toBe(before);
  });
});
