import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, applicant, newIdNumber, type Harness } from './harness.js';
import { verifyAudit } from '../src/audit/audit.service.js';

let h: Harness;
let file = '';
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

const count = (table: 'dossiers' | 'dossier_events' | 'idempotency_keys' | 'dossier_code_counters') => h.count(table);

function intake(token: string, over: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: { ...auth(token), ...headers },
    payload: {
      procedureCode: '1.001193',
      applicant: applicant('14002', { idNumber: newIdNumber() }),
      components: [{ code: 'TK', source: 'upload', fileSha256: file }],
      ...over,
    },
  });
}

async function eventsOf(code: string) {
  return h.database.db
    .selectFrom('dossier_events as e')
    .innerJoin('dossiers as d', 'd.id', 'e.dossier_id')
    .select(['e.seq', 'e.action', 'e.from_status', 'e.to_status'])
    .where('d.code', '=', code)
    .orderBy('e.seq')
    .execute();
}

beforeAll(async () => {
  h = await createHarness('2025-03-14T10:00:00+07:00');
  file = await h.upload(await h.token('clerk.branch'), 'to khai');
  // The same bytes uploaded at every point whose clerk files below: each attaches its own upload.
  for (const clerk of ['clerk.center', 'clerk.hai']) expect(await h.upload(await h.token(clerk), 'to khai')).toBe(file);
});

describe('concurrent requests', () => {
  it('numbers 40 simultaneous intakes at one service point 0001 to 0040, without a gap or a duplicate', async () => {
    const clerk = await h.token('clerk.branch');
    const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => intake(clerk, { note: `counter ${i}` })));
    expect(rs.map((r) => r.statusCode)).toEqual(Array(40).fill(201));
    const codes = rs.map((r) => r.json().code as string).sort();
    expect(codes).toEqual(Array.from({ length: 40 }, (_, i) => `000.01.01.H40-250314-${String(i + 1).padStart(4, '0')}`));
    expect(await count('dossiers')).toBe(40);
    // One receive event per dossier, each the first of its dossier.
    const events = await h.database.db.selectFrom('dossier_events').select(['action', 'seq']).orderBy('id').execute();
    expect(events).toEqual(Array(40).fill({ action: 'receive', seq: 1 }));
    const counter = await h.database.db.selectFrom('dossier_code_counters').selectAll().execute();
    expect(counter).toEqual([{ prefix: '000.01.01.H40', day: '2025-03-14', last: 40 }]);
  });

  it('continues the sequence of a service point while another point starts its own', async () => {
    const [branch, center] = await Promise.all([intake(await h.token('clerk.branch')), intake(await h.token('clerk.center'))]);
    expect(branch.json().code).toBe('000.01.01.H40-250314-0041');
    expect(center.json().code).toBe('000.00.01.H40-250314-0001');
  });

  it('lets exactly one of two simultaneous forwards of the same version through; the other gets 409 STALE_VERSION', async () => {
    const clerk = await h.token('clerk.branch');
    const d = (await intake(clerk)).json();
    const eventsBefore = await count('dossier_events');
    const send = () =>
      h.app.inject({ method: 'POST', url: `/dossiers/${d.code}/forward`, headers: auth(clerk), payload: { version: d.version } });
    const rs = await Promise.all([send(), send()]);
    expect(rs.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const lost = rs.find((r) => r.statusCode === 409)!.json();
    expect(lost).toMatchObject({ code: 'STALE_VERSION', field: 'body.version' });
    const won = rs.find((r) => r.statusCode === 200)!.json();
    expect(won).toMatchObject({ status: 'processing', version: d.version + 1, currentUnit: { id: h.unit('X-HAI-UB') } });
    expect(await eventsOf(d.code)).toEqual([
      { seq: 1, action: 'receive', from_status: null, to_status: 'received' },
      { seq: 2, action: 'forward', from_status: 'received', to_status: 'processing' },
    ]);
    expect(await count('dossier_events')).toBe(eventsBefore + 1);
    // One hand-over to the commune, not two.
    const steps = (await h.app.inject({ method: 'GET', url: `/dossiers/${d.code}/process-control`, headers: auth(clerk) })).json();
    expect(steps.map((s: { role: string; toUnitId: number }) => [s.role, s.toUnitId])).toEqual([
      ['receive', h.unit('CN-A')],
      ['process', h.unit('X-HAI-UB')],
    ]);
  });

  it('lets exactly one of a simultaneous refusal and forward win, and the dossier shows the winner', async () => {
    const clerk = await h.token('clerk.branch');
    const d = (await intake(clerk)).json();
    const [refuse, forward] = await Promise.all([
      h.app.inject({
        method: 'POST',
        url: `/dossiers/${d.code}/refuse`,
        headers: auth(clerk),
        payload: { version: d.version, note: 'Thiếu giấy tờ' },
      }),
      h.app.inject({ method: 'POST', url: `/dossiers/${d.code}/forward`, headers: auth(clerk), payload: { version: d.version } }),
    ]);
    expect([refuse.statusCode, forward.statusCode].sort()).toEqual([200, 409]);
    const winner = refuse.statusCode === 200 ? refuse.json() : forward.json();
    const loser = refuse.statusCode === 200 ? forward.json() : refuse.json();
    expect(loser.code).toBe('STALE_VERSION');
    const now = (await h.app.inject({ method: 'GET', url: `/dossiers/${d.code}`, headers: auth(clerk) })).json();
    expect(now).toMatchObject({ status: winner.status, version: d.version + 1 });
    expect((await eventsOf(d.code)).map((e) => e.action)).toEqual(['receive', refuse.statusCode === 200 ? 'refuse' : 'forward']);
  });

  it('answers a request made on an old version with 409 STALE_VERSION, even after the dossier has moved on', async () => {
    // What the loser of a race sees when the winner has committed before it reads the dossier.
    const clerk = await h.token('clerk.branch');
    const d = (await intake(clerk)).json();
    const f = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${d.code}/forward`,
      headers: auth(clerk),
      payload: { version: d.version },
    });
    expect(f.statusCode).toBe(200);
    for (const [path, payload] of [
      ['forward', { version: d.version }],
      ['refuse', { version: d.version, note: 'Thiếu giấy tờ' }],
    ] as const) {
      const r = await h.app.inject({ method: 'POST', url: `/dossiers/${d.code}/${path}`, headers: auth(clerk), payload });
      expect(r.statusCode, `${path}: ${r.body}`).toBe(409);
      expect(r.json(), path).toMatchObject({ code: 'STALE_VERSION', field: 'body.version', details: { currentVersion: d.version + 1 } });
    }
    expect((await eventsOf(d.code)).map((e) => e.action)).toEqual(['receive', 'forward']);
  });

  it('creates one dossier for ten simultaneous requests with the same Idempotency-Key, and answers all ten with it', async () => {
    const clerk = await h.token('clerk.hai');
    const before = await count('dossiers');
    const key = { 'idempotency-key': 'counter-retry-000001' };
    const same = { applicant: applicant('14002', { idNumber: newIdNumber() }) };
    const rs = await Promise.all(Array.from({ length: 10 }, () => intake(clerk, same, key)));
    expect(rs.map((r) => r.statusCode)).toEqual(Array(10).fill(201));
    const codes = new Set(rs.map((r) => r.json().code));
    expect([...codes]).toEqual(['000.20.02.H40-250314-0001']);
    expect(rs.every((r) => r.json().version === 1 && r.json().status === 'received')).toBe(true);
    expect(await count('dossiers')).toBe(before + 1);
    expect((await eventsOf('000.20.02.H40-250314-0001')).map((e) => e.action)).toEqual(['receive']);
    const staff = await h.database.db.selectFrom('staff').select('id').where('username', '=', 'clerk.hai').executeTakeFirstOrThrow();
    const keys = await h.database.db.selectFrom('idempotency_keys').select(['scope', 'key']).execute();
    expect(keys).toEqual([{ scope: `staff:${staff.id}`, key: 'counter-retry-000001' }]);
    // The losers' sequence numbers were rolled back with them: the next dossier is 0002.
    expect((await intake(clerk)).json().code).toBe('000.20.02.H40-250314-0002');
  });

  it('still verifies every audit hash chain after the concurrent writes', async () => {
    const r = await verifyAudit(h.database.db, h.auditKey);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    // One audit entry per dossier event: no loser left an entry behind.
    const events = await count('dossier_events');
    const audit = await h.database.db.selectFrom('audit_log').select(['action']).where('action', 'like', 'dossier.%').execute();
    expect(audit.length).toBe(events);
  });
});
