import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicant, createHarness, newIdNumber, type Harness } from './harness.js';
import type { PortalSimulator } from '../src/simulators/portal.simulator.js';
import { startTestPortal } from './portal-fixtures.js';

// Indicator 1.4 (dossiers synced to the national portal) from the portal sync's outbox: the dossiers received in the
// period that the portal has never acknowledged count against it, the others for it; without a portal, no data.

let h: Harness;
let sim: PortalSimulator;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

beforeAll(async () => {
  const started = await startTestPortal('kpi-portal-secret');
  sim = started.sim;
  const portal = started.portal;
  h = await createHarness('2025-09-08T09:00:00+07:00', { portal });
});

afterAll(async () => {
  await sim.close();
});

async function receive(clerk: string, communeCode = '14002') {
  const token = await h.token(clerk);
  const file = await h.upload(token);
  const r = await h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: auth(token),
    payload: {
      procedureCode: '1.001193',
      applicant: applicant(communeCode, { idNumber: newIdNumber() }),
      components: [
        { code: 'TK', source: 'upload', fileSha256: file },
        { code: 'GCS', source: 'upload', fileSha256: file },
        { code: 'CCCD', source: 'population_db' },
      ],
    },
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json() as { code: string };
}

const indicator = async (query: string) => {
  await h.services.kpi.catchUp();
  const r = await h.app.inject({ method: 'GET', url: `/kpi/scorecard?${query}`, headers: auth(await h.token('admin')) });
  expect(r.statusCode, r.body).toBe(200);
  return (r.json().indicators as { id: string }[]).find((i) => i.id === '1.4')!;
};

describe('indicator 1.4, dossiers synced to the national portal', () => {
  it('counts a received dossier once the portal has acknowledged it, and those it has not against the unit', async () => {
    await receive('clerk.center');
    await receive('clerk.center');
    const day = 'from=2025-09-08&to=2025-09-08';
    expect(await indicator(day)).toMatchObject({ status: 'scored', numerator: 0, denominator: 2, earned: 0 });
    // Delivered: the portal holds both.
    expect(await h.services.portal.deliverDue()).toMatchObject({ acknowledged: 2, rejected: 0 });
    expect(await indicator(day)).toMatchObject({ status: 'scored', numerator: 2, denominator: 2, ratio: 1, earned: 6 });
    // A third, not yet delivered, received at a branch: it counts against the province and the branch.
    await receive('clerk.branch');
    expect(await indicator(day)).toMatchObject({ numerator: 2, denominator: 3, earned: 4 });
    expect(await indicator(`${day}&unitId=${h.unit('CN-A')}`)).toMatchObject({ numerator: 0, denominator: 1, earned: 0 });
    // A day when nothing was received has nothing to score.
    expect(await indicator('from=2025-09-09&to=2025-09-09')).toMatchObject({ status: 'no_dossiers', numerator: 0, denominator: 0 });
  });

  it('ranks the points with the same measure', async () => {
    await h.services.kpi.catchUp();
    const r = await h.app.inject({
      method: 'GET',
      url: `/kpi/rankings?from=2025-09-08&to=2025-09-08&unitId=${h.unit('PROVINCE')}`,
      headers: auth(await h.token('admin')),
    });
    expect(r.statusCode, r.body).toBe(200);
    const units = r.json().units as { unitId: number; earned: number; measurable: number }[];
    const center = units.find((u) => u.unitId === h.unit('TTPVHCC'))!;
    const branch = units.find((u) => u.unitId === h.unit('CN-A'))!;
    // The same dossiers otherwise (one procedure, received the same day, nothing decided): 1.4's 6 points apart, the
    // center's two synced, the branch's one not.
    expect(center.measurable).toBe(branch.measurable);
    expect(Math.round((center.earned - branch.earned) * 100) / 100).toBe(6);
  });
});
