import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, type Harness } from './harness.js';

// Monday 23 November 2026; the history is the two working weeks before it (9–20 November).
let h: Harness;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
let center = 0;
let branch = 0;
const DAYS = [
  '2026-11-09',
  '2026-11-10',
  '2026-11-11',
  '2026-11-12',
  '2026-11-13',
  '2026-11-16',
  '2026-11-17',
  '2026-11-18',
  '2026-11-19',
  '2026-11-20',
];

/** One point's history: each day, `n` tickets from 09:00 three minutes apart, each served `service` s, over `counters` counters. */
async function history(unitId: number, n: number, service: number, counters: number) {
  const g = await h.database.db
    .insertInto('queue_groups')
    .values({ unit_id: unitId, code: 'A', name_vi: 'Chung', name_en: 'General' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const ids = [];
  for (let c = 1; c <= 4; c++)
    ids.push(
      (
        await h.database.db
          .insertInto('queue_counters')
          .values({ unit_id: unitId, number: c, name_vi: `Quầy ${c}`, name_en: `Counter ${c}` })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    );
  const rows = [];
  for (const day of DAYS) {
    for (let i = 0; i < n; i++) {
      const arrived = new Date(`${day}T09:00:00+07:00`).getTime() + i * 180_000;
      rows.push({
        unit_id: unitId,
        group_id: g.id,
        day,
        number: i + 1,
        label: `A${String(i + 1).padStart(3, '0')}`,
        channel: 'kiosk' as const,
        priority: null,
        status: 'done' as const,
        rank_at: new Date(arrived),
        arrived_at: new Date(arrived),
        queued_at: new Date(arrived),
        target_counter_id: null,
        counter_id: ids[i % counters]!,
        staff_id: null,
        booking_id: null,
        transferred_from_group_id: null,
        called_at: new Date(arrived),
        call_count: 1,
        started_at: new Date(arrived),
        ended_at: new Date(arrived + service * 1000),
      });
    }
  }
  await h.database.db.insertInto('queue_tickets').values(rows).execute();
}

beforeAll(async () => {
  h = await createHarness('2026-11-23T07:00:00+07:00');
  center = h.unit('TTPVHCC');
  branch = h.unit('CN-A');
  // The center: 20 tickets an hour at 600 s (3.33 erlangs) with 3 clerks seen; the branch: 5 an hour with 3.
  await history(center, 20, 600, 3);
  await history(branch, 5, 600, 3);
});

describe('the staffing planner', () => {
  it('gives the clerks each point needs in each open hour from the history', async () => {
    const r = await h.app.inject({
      method: 'GET',
      url: `/queue/planning/staffing?unitIds=${center},${branch}`,
      headers: auth(await h.token('manager.center')),
    });
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    // The window is the 20 working days before Monday 23 Nov; the queues were in use from 9 Nov, so the
    // Mondays with history are 9 and 16 Nov (days before the first ticket are no history, not zero demand).
    expect(body.history).toEqual({ from: '2026-10-26', to: '2026-11-20', days: 2 });
    const c = body.points.find((p: { unitId: number }) => p.unitId === center);
    // 20 tickets at 09:00 on each: 20 an hour at 600 s = 3.33 erlangs. 3 clerks cannot keep up; 4 wait 592 s on
    // average (Erlang C 0.658, computed apart from the code with the Erlang B recursion), occupancy 0.833.
    const nine = c.hours.find((x: { hour: number }) => x.hour === 9);
    expect([nine.arrivalsPerHour, nine.serviceSeconds, nine.clerks, nine.meanWaitSeconds]).toEqual([20, 600, 4, 592]);
    expect([c.clerksSeen, c.peakClerks]).toEqual([3, 4]);
    expect(c.hours.map((x: { hour: number }) => x.hour)).toEqual([7, 8, 9, 10, 11, 13, 14, 15, 16]);
    expect(c.hours.find((x: { hour: number }) => x.hour === 14).clerks).toBe(0);
  });

  it('averages the whole window for a weekday without enough history of its own, and meets the targets asked', async () => {
    const token = await h.token('manager.center');
    // Saturday 21 November has no Saturdays in its history: every day of the 10 working days before it counts.
    const r = await h.app.inject({
      method: 'GET',
      url: `/queue/planning/staffing?unitIds=${center}&day=2026-11-21&historyDays=10`,
      headers: auth(token),
    });
    expect(r.statusCode, r.body).toBe(200);
    const nine = r.json().points[0].hours.find((x: { hour: number }) => x.hour === 9);
    // λ = 20/h, s = 600 s: a = 3.33 erlangs. 4 clerks: occupancy 0.833 ≤ 0.85, Erlang C 0.658, mean wait C·s/(n−a) = 592 s ≤ 900 s
    // (computed apart from the code with the Erlang B recursion).
    expect([nine.arrivalsPerHour, nine.clerks, nine.meanWaitSeconds, nine.occupancy]).toEqual([20, 4, 592, 0.833]);
    const strict = await h.app.inject({
      method: 'GET',
      url: `/queue/planning/staffing?unitIds=${center}&day=2026-11-21&historyDays=10&targetSeconds=60&targetShare=0.9&absence=0.2`,
      headers: auth(token),
    });
    const s9 = strict.json().points[0].hours.find((x: { hour: number }) => x.hour === 9);
    // 90% called within 60 s: 6 clerks reach 0.8865, 7 reach 0.9575 (1 − C·e^(−(n−a)·t/s), same recursion); with 20% absent, 9 rostered.
    expect([s9.clerks, s9.shareWithinTarget, s9.scheduled]).toEqual([7, 0.958, 9]);
  });

  it('moves a clerk from a point with slack to one that misses the target, and shows the waits before and after', async () => {
    const r = await h.app.inject({
      method: 'GET',
      url: `/queue/planning/reallocation?unitIds=${center},${branch}&day=2026-11-21&historyDays=10`,
      headers: auth(await h.token('admin')),
    });
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body.moves).toEqual([
      { fromUnitId: branch, fromNameVi: 'Chi nhánh A', toUnitId: center, toNameVi: 'Trung tâm PVHCC tỉnh', count: 1, block: 'day' },
    ]);
    const c = body.points.find((p: { unitId: number }) => p.unitId === center);
    expect(c.clerks).toEqual([{ block: 'day', before: 3, after: 4 }]);
    expect([c.before.meetsTarget, c.after.meetsTarget]).toEqual([false, true]);
    // 3 clerks for 3.33 erlangs at 09:00 cannot keep up: no steady-state wait; the simulation still measures one.
    expect(c.before.meanWaitSeconds).toBeNull();
    expect(c.before.overloadedHours).toEqual([9]);
    expect(c.before.simulated.meanWaitSeconds).toBeGreaterThan(c.after.simulated.meanWaitSeconds);
    expect(c.after.simulated.days).toBe(20);
  });

  it('is for managers and the admin only, within their scope, and names bad parameters', async () => {
    for (const who of ['clerk.center', 'spec.stp', 'appr.stp']) {
      const r = await h.app.inject({ method: 'GET', url: '/queue/planning/staffing', headers: auth(await h.token(who)) });
      expect([who, r.statusCode, r.json().code]).toEqual([who, 403, 'FORBIDDEN']);
    }
    const manager = await h.token('manager.center');
    const outside = await h.app.inject({
      method: 'GET',
      url: `/queue/planning/staffing?unitIds=${h.unit('X-HAI-TT')}`,
      headers: auth(manager),
    });
    expect([outside.statusCode, outside.json().field]).toEqual([404, 'querystring.unitIds.0']);
    const all = await h.app.inject({ method: 'GET', url: '/queue/planning/staffing', headers: auth(manager) });
    expect(
      all
        .json()
        .points.map((p: { unitId: number }) => p.unitId)
        .sort(),
    ).toEqual([center, branch].sort());
    for (const [q, field] of [
      ['targetShare=1.5', 'querystring.targetShare'],
      ['absence=1', 'querystring.absence'],
      ['day=2026-02-30', 'querystring.day'],
      ['day=2026-13-01', 'querystring.day'],
      ['blocks=week', 'querystring.blocks'],
      ['unitIds=a', 'querystring.unitIds'],
    ] as const) {
      const r = await h.app.inject({ method: 'GET', url: `/queue/planning/reallocation?${q}`, headers: auth(manager) });
      expect([q, r.statusCode, r.json().field]).toEqual([q, 400, field]);
    }
  });
});
