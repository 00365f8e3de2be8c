import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';
import { createVneidClient } from '../src/vneid/vneid.client.js';
import { startVneidSimulator, type VneidSimulator } from '../src/simulators/vneid.simulator.js';
import { COUNTER_PURPOSE } from '../src/population/population.service.js';

// Population database look-ups at the counter (POST /population/lookup), through the VNeID adapter against its
// simulator: the exact person, the consent sent and audited with the ID number masked, every refusal and every role.

let h: Harness;
let sim: VneidSimulator;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

beforeAll(async () => {
  sim = await startVneidSimulator({
    clients: [{ clientId: 'motcua', clientSecret: 'counter-secret', redirectUris: ['http://127.0.0.1/cb'] }],
  });
  const population = createVneidClient({
    issuer: sim.url,
    clientId: 'motcua',
    clientSecret: 'counter-secret',
    redirectUri: 'http://127.0.0.1/cb',
    timeoutMs: 2_000,
  });
  h = await createHarness('2025-09-08T09:00:00+07:00', { population });
});

afterAll(async () => {
  await sim.close();
});

const lookup = async (payload: unknown, user: string | null = 'clerk.center') =>
  h.app.inject({ method: 'POST', url: '/population/lookup', headers: user ? auth(await h.token(user)) : {}, payload: payload as object });

const auditOf = () =>
  h.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'population.lookup').orderBy('at').orderBy('seq').execute();

describe('population database look-ups at the counter', () => {
  it('gives the clerk the person of an ID number, with the consent sent to the database and kept in the audit trail', async () => {
    const r = await lookup({ idNumber: '037168009876', consent: true });
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body).toEqual({
      idNumber: '037168009876',
      name: 'Vũ Thị Mai',
      birthDate: '1968-04-30',
      gender: 'female',
      permanentAddress: 'Thôn Đông, xã Yên Mô, tỉnh Ninh Bình',
      consentRef: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    // The database saw the purpose and the same consent reference.
    const seen = sim.consents().at(-1)!;
    expect(seen).toMatchObject({ purpose: COUNTER_PURPOSE, consentRef: body.consentRef });
    const [entry] = await auditOf();
    expect(entry).toMatchObject({ actor_kind: 'staff', entity_type: 'person', entity_id: '*********876' });
    expect(JSON.parse(entry!.payload)).toMatchObject({ data: { consentRef: body.consentRef, purpose: COUNTER_PURPOSE, found: true } });
    expect(entry!.payload).not.toContain('037168009876');
    expect(entry!.payload).not.toContain('Vũ Thị Mai');
  });

  it('answers 404 for a person the database does not know, and audits that look-up too', async () => {
    const before = (await auditOf()).length;
    const r = await lookup({ idNumber: '037999000111', consent: true });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ code: 'NOT_FOUND' });
    const entries = await auditOf();
    expect(entries).toHaveLength(before + 1);
    expect(JSON.parse(entries.at(-1)!.payload)).toMatchObject({ data: { found: false } });
  });

  it('refuses without consent, a malformed ID number and bad bodies, asking nothing of the database', async () => {
    const asked = sim.stats().lookups;
    const before = (await auditOf()).length;
    const cases: [unknown, number, string][] = [
      [{ idNumber: '037168009876', consent: false }, 400, 'VALIDATION'],
      [{ idNumber: '037168009876' }, 400, 'VALIDATION'],
      [{ idNumber: '123', consent: true }, 400, 'INVALID_ID_NUMBER'],
      [{ idNumber: '03716800987x', consent: true }, 400, 'INVALID_ID_NUMBER'],
      [{ idNumber: 37168009876, consent: true }, 400, 'VALIDATION'],
      [{ idNumber: '037168009876', consent: true, extra: 1 }, 400, 'VALIDATION'],
      [{ idNumber: '0'.repeat(5000), consent: true }, 400, 'VALIDATION'],
    ];
    for (const [payload, status, code] of cases) {
      const r = await lookup(payload);
      expect([r.statusCode, r.json().code], JSON.stringify(payload).slice(0, 80)).toEqual([status, code]);
    }
    expect(sim.stats().lookups).toBe(asked);
    expect(await auditOf()).toHaveLength(before);
  });

  it('is for clerks only: every other role is refused, and nobody unauthenticated', async () => {
    for (const user of ['admin', 'manager.center', 'spec.hai', 'appr.hai']) {
      const r = await lookup({ idNumber: '037168009876', consent: true }, user);
      expect([user, r.statusCode, r.json().code]).toEqual([user, 403, 'FORBIDDEN']);
    }
    const anonymous = await lookup({ idNumber: '037168009876', consent: true }, null);
    expect(anonymous.statusCode).toBe(401);
  });

  it('answers 503 with Retry-After while the database is away, and audits nothing it never read', async () => {
    const before = (await auditOf()).length;
    sim.faults.downUntil = Date.now() + 60_000;
    try {
      const r = await lookup({ idNumber: '037168009876', consent: true });
      expect(r.statusCode).toBe(503);
      expect(r.json()).toMatchObject({ code: 'NATIONAL_SERVICE_UNAVAILABLE' });
      expect(r.headers['retry-after']).toBe('30');
    } finally {
      sim.faults.downUntil = 0;
    }
    expect(await auditOf()).toHaveLength(before);
    expect((await lookup({ idNumber: '037168009876', consent: true })).statusCode).toBe(200);
  });
});

describe('an installation not connected to the population database', () => {
  it('says so (409) instead of pretending', async () => {
    const alone = await createHarness('2025-09-08T09:00:00+07:00');
    const r = await alone.app.inject({
      method: 'POST',
      url: '/population/lookup',
      headers: auth(await alone.token('clerk.center')),
      payload: { idNumber: '037168009876', consent: true },
    });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'CONFLICT' });
  });
});
