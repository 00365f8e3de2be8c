import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, applicant, newIdNumber, type Harness } from './harness.js';

let h: Harness;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

async function intake(user: string, procedureCode: string, communeCode: string): Promise<{ code: string; version: number }> {
  const t = await h.token(user);
  const file = await h.upload(t);
  const components =
    procedureCode === '2.000815'
      ? [{ code: 'BC', source: 'upload', fileSha256: file }]
      : [
          { code: 'TK', source: 'upload', fileSha256: file },
          { code: 'GCS', source: 'upload', fileSha256: file },
          { code: 'CCCD', source: 'population_db' },
        ];
  const r = await h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: auth(t),
    payload: { procedureCode, applicant: applicant(communeCode, { idNumber: newIdNumber() }), components },
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json();
}

beforeAll(async () => {
  h = await createHarness('2025-09-08T09:00:00+07:00'); // Monday
  // Last week (Mon 1 Sep is a holiday; Wed 3 Sep): one birth registration at the branch, due Thu 4 Sep — late by now.
  h.clock.set('2025-09-03T09:00:00+07:00');
  await intake('clerk.branch', '1.001193', '14002');
  // Today: two at the provincial center, one at the branch, one at a commune point (outside the center's scope).
  h.clock.set('2025-09-08T09:00:00+07:00');
  await intake('clerk.center', '1.001193', '14001');
  const paused = await intake('clerk.center', '1.001193', '14002');
  await intake('clerk.branch', '1.001193', '14003');
  await intake('clerk.hai', '2.000815', '14002');
  // Forward one of today's and pause it for a supplement.
  const f = await h.app.inject({
    method: 'POST',
    url: `/dossiers/${paused.code}/forward`,
    headers: auth(await h.token('clerk.center')),
    payload: { version: paused.version },
  });
  await h.app.inject({
    method: 'POST',
    url: `/dossiers/${paused.code}/request-supplement`,
    headers: auth(await h.token('spec.hai')),
    payload: { version: f.json().version, note: 'Bổ sung' },
  });
  h.clock.set('2025-09-08T10:00:00+07:00');
});

describe('the manager overview', () => {
  it("counts today's received, in progress, due soon, late and paused per service point of the manager's center", async () => {
    const r = await h.app.inject({ method: 'GET', url: '/stats/overview', headers: auth(await h.token('manager.center')) });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.date).toBe('2025-09-08');
    // Received today with a 1-working-day limit: due Tue 9 Sep 17:00, more than 24 h away at Mon 10:00.
    expect(body.units).toEqual([
      {
        unitId: h.unit('TTPVHCC'),
        unitNameVi: 'Trung tâm PVHCC tỉnh',
        unitNameEn: 'Provincial Center',
        receivedToday: 2,
        inProgress: 2,
        dueSoon: 0,
        late: 0,
        paused: 1,
      },
      {
        unitId: h.unit('CN-A'),
        unitNameVi: 'Chi nhánh A',
        unitNameEn: 'Branch A',
        receivedToday: 1,
        inProgress: 2,
        dueSoon: 0,
        late: 1,
        paused: 0,
      },
    ]);
    expect(body.total).toEqual({ receivedToday: 3, inProgress: 4, dueSoon: 0, late: 1, paused: 1 });
  });

  it('counts due-soon dossiers within 24 hours', async () => {
    h.clock.set('2025-09-08T17:30:00+07:00');
    const r = await h.app.inject({ method: 'GET', url: '/stats/overview', headers: auth(await h.token('manager.center')) });
    expect(r.json().total).toEqual({ receivedToday: 3, inProgress: 4, dueSoon: 2, late: 1, paused: 1 });
    h.clock.set('2025-09-08T10:00:00+07:00');
  });

  it('groups the same dossiers by the agency handling them', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/stats/overview?by=agency', headers: auth(await h.token('manager.center')) });
    expect(
      r.json().units.map((u: { unitId: number; receivedToday: number; inProgress: number }) => [u.unitId, u.receivedToday, u.inProgress]),
    ).toEqual([
      [h.unit('P-MOT-UB'), 1, 1],
      [h.unit('X-HAI-UB'), 1, 2],
      [h.unit('X-BA-UB'), 1, 1],
    ]);
  });

  it('shows the administrator every point, including commune centers', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/stats/overview?date=2025-09-08', headers: auth(await h.token('admin')) });
    expect(r.json().total).toEqual({ receivedToday: 4, inProgress: 5, dueSoon: 0, late: 1, paused: 1 });
  });

  it('is closed to clerks, specialists and approvers, and checks the date', async () => {
    for (const u of ['clerk.center', 'spec.hai', 'appr.stp']) {
      const r = await h.app.inject({ method: 'GET', url: '/stats/overview', headers: auth(await h.token(u)) });
      expect(r.statusCode).toBe(403);
    }
    const bad = await h.app.inject({ method: 'GET', url: '/stats/overview?date=2025-13-40', headers: auth(await h.token('admin')) });
    expect(bad.json()).toMatchObject({ code: 'VALIDATION', field: 'querystring.date' });
  });
});
