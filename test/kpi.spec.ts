import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createHarness, type Harness } from './harness.js';
import { kpiDossiers } from './kpi-dossiers.js';
import { plan, sums } from '../src/kpi/kpi.repository.js';
import { COUNTERS, GROUPINGS } from '../src/kpi/kpi.model.js';

// The leaders' figures: derived from the dossiers' events by the rollup worker, the same after a rebuild, summed
// over units and periods, scored by Decision 766's rules, and shown only to the roles that may see them.

const auth = (t: string) => ({ authorization: `Bearer ${t}` });

describe('KPI rollups and the Decision 766 scorecard', () => {
  let h: Harness;
  const codes: Record<string, string> = {};

  const { act, counter, online, result, rate } = kpiDossiers(() => h);
  const get = async (user: string, url: string) => h.app.inject({ method: 'GET', url, headers: auth(await h.token(user)) });
  const rollupRows = async () =>
    (
      await sql<Record<string, unknown>>`select * from kpi_daily order by day, receiving_unit_id, agency_id, procedure_id`.execute(
        h.database.db,
      )
    ).rows;

  beforeAll(async () => {
    h = await createHarness('2025-09-15T09:00:00+07:00'); // a Monday
    codes.A = await counter('1.001193'); // 1 working day: due Tue 16 Sep 17:00
    codes.B = await counter('2.000815', true); // fast track, 4 working hours: due Mon 14:30
    codes.C = await counter('2.000815'); // 1 working day: due Tue 17:00, left open
    for (const c of [codes.A, codes.B, codes.C]) await act('clerk.hai', c, 'forward');
    // The first catch-up sees only these receipts; the rest is applied by the next one.
    await h.services.kpi.catchUp();
    h.clock.set('2025-09-15T10:00:00+07:00');
    await result(codes.A);
    await act('clerk.hai', codes.A, 'return');
    await rate(codes.A, 'satisfied');
    codes.D = await online();
    await act('clerk.hai', codes.D, 'receive');
    await act('clerk.hai', codes.D, 'withdraw', { note: 'Công dân xin rút' });
    codes.E = await online();
    await act('clerk.hai', codes.E, 'refuse', { note: 'Không thuộc thẩm quyền' });
    h.clock.set('2025-09-15T16:00:00+07:00');
    await result(codes.B);
    await act('clerk.hai', codes.B, 'return');
    await rate(codes.B, 'not_satisfied');
    h.clock.set('2025-09-17T10:00:00+07:00'); // Wednesday: C is past its due date
    await h.services.kpi.catchUp();
  });

  it('counts what the events say, at the point, for the province and at the agency', async () => {
    const expected = {
      submittedOnline: 2,
      received: 4,
      receivedInPerson: 3,
      receivedOnline: 1,
      receivedPost: 0,
      refused: 1,
      withdrawn: 1,
      stopped: 0,
      decided: 2,
      decidedEarly: 1,
      decidedOnTime: 0,
      decidedLate: 1,
      results: 2,
      electronicResults: 2,
      digitized: 2,
      reused: 1,
      fromStore: 2,
      populationData: 1,
      // One of the two decided owed a fee, paid at the counter.
      decidedWithFees: 1,
      decidedPaidOnline: 0,
      returned: 2,
      supplementRequests: 0,
      apologies: 0,
      ratedSatisfied: 1,
      ratedAcceptable: 0,
      ratedNotSatisfied: 1,
      onTimeRate: 0.5,
      onlineRate: 0.25,
      digitizedRate: 1,
      reuseRate: 0.5,
      electronicResultRate: 1,
      satisfactionRate: 0.5,
      // A: 1 hour from receipt to result; B: 7 hours.
      averageProcessingHours: 4,
    };
    for (const [user, unit] of [
      ['admin', h.unit('X-HAI-TT')],
      ['admin', h.unit('PROVINCE')],
      ['appr.hai', h.unit('X-HAI-UB')],
    ] as const) {
      const r = await get(user, `/kpi/figures?unitId=${unit}&from=2025-09-15&to=2025-09-17`);
      expect(r.statusCode, r.body).toBe(200);
      const f = r.json();
      expect(f.unit.id).toBe(unit);
      expect(f.total).toEqual(expected);
      // The range reaches today: what is open now.
      expect(f.open).toEqual({ inProgress: 1, inProgressOnTime: 0, inProgressOverdue: 1, paused: 0, at: '2025-09-17T03:00:00.000Z' });
      expect(f.asOf).toBe('2025-09-17T03:00:00.000Z');
    }
    // Another point's figures hold none of them.
    const other = (await get('admin', `/kpi/figures?unitId=${h.unit('CN-A')}&from=2025-09-15&to=2025-09-17`)).json();
    expect(other.total.received).toBe(0);
    expect(other.total.onTimeRate).toBeNull();
    expect(other.open).toEqual({ inProgress: 0, inProgressOnTime: 0, inProgressOverdue: 0, paused: 0, at: '2025-09-17T03:00:00.000Z' });
  });

  it('groups by day, procedure and point, and leaves out what falls outside the range', async () => {
    const byDay = (await get('admin', '/kpi/figures?from=2025-09-14&to=2025-09-17&by=day')).json();
    expect(byDay.groups.map((g: { key: string; received: number }) => [g.key, g.received])).toEqual([['2025-09-15', 4]]);
    const byProcedure = (await get('admin', '/kpi/figures?from=2025-09-15&to=2025-09-15&by=procedure')).json();
    expect(
      byProcedure.groups.map((g: { labelVi: string; received: number; decidedLate: number }) => [g.labelVi, g.received, g.decidedLate]),
    ).toEqual([
      ['1.001193 Thủ tục đăng ký khai sinh', 2, 0],
      ['2.000815 Chứng thực bản sao từ bản chính', 2, 1],
    ]);
    const byPoint = (await get('admin', '/kpi/figures?from=2025-09-15&to=2025-09-15&by=point')).json();
    expect(byPoint.groups.map((g: { key: string; received: number }) => [Number(g.key), g.received])).toEqual([[h.unit('X-HAI-TT'), 4]]);
    const month = (await get('admin', '/kpi/figures?from=2025-09-01&to=2025-09-30&by=month')).json();
    expect(month.groups.map((g: { key: string; received: number }) => [g.key, g.received])).toEqual([['2025-09-01', 4]]);
    // A past range: nothing was received or decided on the 16th, but C was open at its end, past its 17:00 due date.
    const tuesday = (await get('admin', '/kpi/figures?from=2025-09-16&to=2025-09-16')).json();
    expect(tuesday.total.received).toBe(0);
    expect(tuesday.open).toEqual({ inProgress: 1, inProgressOnTime: 0, inProgressOverdue: 1, paused: 0, at: '2025-09-16T17:00:00.000Z' });
    // At the end of Monday it was still within its time, and every other dossier was decided, withdrawn or refused.
    const monday = (await get('admin', '/kpi/figures?from=2025-09-15&to=2025-09-15')).json();
    expect(monday.open).toEqual({ inProgress: 1, inProgressOnTime: 1, inProgressOverdue: 0, paused: 0, at: '2025-09-15T17:00:00.000Z' });
    const field = (await get('admin', '/kpi/figures?from=2025-09-15&to=2025-09-15&field=CT')).json();
    expect(field.total.received).toBe(2);
  });

  it('scores Decision 766 from the same sums; indicators without data yet say so and score nothing', async () => {
    const r = await get('admin', `/kpi/scorecard?unitId=${h.unit('X-HAI-TT')}&from=2025-09-15&to=2025-09-17`);
    expect(r.statusCode, r.body).toBe(200);
    const s = r.json();
    const by = (id: string) => s.indicators.find((i: { id: string }) => i.id === id);
    // 2.1: A early; B late; C open past its due date counts as late: 1 of 3.
    expect(by('2.1')).toMatchObject({ status: 'scored', numerator: 1, denominator: 3, points: 20, earned: 6.67 });
    // 3.1: of the dossiers of fully-online procedures (A, D), D came online: 50%, full points at 50%.
    expect(by('3.1')).toMatchObject({ numerator: 1, denominator: 2, earned: 12 });
    expect(by('4.1')).toMatchObject({ numerator: 2, denominator: 2, earned: 6 });
    expect(by('4.2')).toMatchObject({ numerator: 2, denominator: 2, earned: 4 });
    // 4.3: 1 of 2 reused, full at 80%: 2 × 0.5 / 0.8.
    expect(by('4.3')).toMatchObject({ numerator: 1, denominator: 2, earned: 1.25 });
    expect(by('4.4')).toMatchObject({ numerator: 2, denominator: 2, earned: 4 });
    expect(by('4.5b')).toMatchObject({ numerator: 1, denominator: 2, earned: 1 });
    // 5.4: 100% − (late 50% + not satisfied 50%).
    expect(by('5.4')).toMatchObject({ numerator: 0, denominator: 2, earned: 0 });
    // 3.6: the one decided dossier that owed a fee was not paid online.
    expect(by('3.6')).toMatchObject({ status: 'scored', numerator: 0, denominator: 1, earned: 0 });
    // 3.5: of the procedures handled (1.001193, 2.000815), the one with fees (2.000815) does not accept online payment
    // in the test catalog; so 3.5b has no procedure to measure. 4.5a: 1.001193's version in force takes the ID card
    // from the population database, 2.000815's has no such component.
    expect(by('3.5')).toMatchObject({ status: 'scored', numerator: 0, denominator: 1, earned: 0 });
    expect(by('3.5b')).toMatchObject({ status: 'no_dossiers', numerator: 0, denominator: 0, earned: null });
    expect(by('4.5a')).toMatchObject({ status: 'scored', numerator: 1, denominator: 2, earned: 1 });
    for (const id of ['1.1', '1.2', '1.3', '1.4', '4.2b'])
      expect(by(id)).toMatchObject({ status: 'no_data', numerator: null, earned: null });
    // No feedback was sent: 5.2 and 5.3 have nothing to measure (test/kpi-feedback.spec.ts has feedback).
    for (const id of ['5.2', '5.3']) expect(by(id)).toMatchObject({ status: 'no_dossiers', numerator: 0, denominator: 0, earned: null });
    expect(by('1.4').awaitingEn).toBe('Not connected to the national portal');
    expect(s.total).toEqual({ points: 100, measurable: 66, earned: 35.92 });
    expect(s.groups.map((g: { group: string; points: number; earned: number }) => [g.group, g.points, g.earned])).toEqual([
      ['transparency', 18, 0],
      ['progress', 20, 6.67],
      ['online', 22, 12],
      ['digitization', 22, 17.25],
      ['satisfaction', 18, 0],
    ]);
    // A unit with no dossiers in the range has nothing to score, rather than full marks.
    const empty = (await get('admin', `/kpi/scorecard?unitId=${h.unit('CN-A')}&from=2025-09-15&to=2025-09-17`)).json();
    expect(empty.total).toEqual({ points: 100, measurable: 0, earned: 0 });
    expect(empty.indicators.find((i: { id: string }) => i.id === '2.1')).toMatchObject({
      status: 'no_dossiers',
      ratio: null,
      earned: null,
    });
  });

  it('lists, one click from each indicator, the dossiers that cost it points and why', async () => {
    const list = async (id: string) => {
      const r = await get('admin', `/kpi/scorecard/${id}/dossiers?unitId=${h.unit('X-HAI-TT')}&from=2025-09-15&to=2025-09-17`);
      expect(r.statusCode, r.body).toBe(200);
      return r.json().dossiers.map((d: { code: string; reason: string }) => [d.code, d.reason]);
    };
    // 2.1: B decided late; C open past its due date. Its denominator's other dossier, A, was early.
    expect(await list('2.1')).toEqual([
      [codes.B, 'late'],
      [codes.C, 'overdue_open'],
    ]);
    // 3.1: A, of a fully online procedure, came to the counter; D came online.
    expect(await list('3.1')).toEqual([[codes.A, 'not_online']]);
    expect(await list('4.1')).toEqual([]);
    expect(await list('4.2')).toEqual([]);
    // B had no component from the store or the population database.
    expect(await list('4.3')).toEqual([[codes.B, 'not_reused']]);
    expect(await list('4.5b')).toEqual([[codes.B, 'no_population_data']]);
    expect(await list('5.4')).toEqual([[codes.B, 'late']]);
    const detail = (await get('admin', `/kpi/scorecard/2.1/dossiers?from=2025-09-15&to=2025-09-17`)).json().dossiers[0];
    expect(detail).toMatchObject({
      code: codes.B,
      procedureCode: '2.000815',
      receivingPointNameVi: expect.any(String),
      dueAt: '2025-09-15T07:30:00.000Z',
      decidedAt: '2025-09-15T09:00:00.000Z',
    });
    expect(JSON.stringify(detail)).not.toMatch(/0912345678|0370960/);
    const unknown = await get('admin', '/kpi/scorecard/1.4/dossiers?from=2025-09-15&to=2025-09-17');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ code: 'VALIDATION', field: 'params.indicator' });
    expect((await get('clerk.hai', '/kpi/scorecard/2.1/dossiers?from=2025-09-15&to=2025-09-17')).statusCode).toBe(403);
    expect(
      (await get('manager.center', `/kpi/scorecard/2.1/dossiers?unitId=${h.unit('X-HAI-TT')}&from=2025-09-15&to=2025-09-17`)).statusCode,
    ).toBe(403);
  });

  it("counts each receiving clerk's receipts, annualized against the yearly norm of the point's area", async () => {
    const r = await get('admin', `/kpi/productivity?unitId=${h.unit('X-HAI-TT')}&from=2025-09-15&to=2025-09-17`);
    expect(r.statusCode, r.body).toBe(200);
    const p = r.json();
    expect(p.days).toBe(3);
    expect(p.norms).toEqual({ urban: 1600, rural: 1200, remote: 800 });
    // A, B and C at the counter, D received from online: four receipts by clerk.hai in 3 days; E was refused.
    expect(p.clerks).toEqual([
      {
        staffId: expect.any(Number),
        username: 'clerk.hai',
        fullName: 'clerk.hai',
        unitId: h.unit('X-HAI-TT'),
        unitNameVi: expect.any(String),
        areaType: 'rural',
        received: 4,
        annualized: 487,
        norm: 1200,
        shareOfNorm: 0.406,
        queue: null,
      },
    ]);
    expect(p.points).toEqual([
      expect.objectContaining({
        unitId: h.unit('X-HAI-TT'),
        clerks: 1,
        received: 4,
        annualizedPerClerk: 487,
        norm: 1200,
        shareOfNorm: 0.406,
        queue: null,
      }),
    ]);
    expect(p.waitAimSeconds).toBe(900);
    // A range reaching past today is annualized over its days so far (15–17 September), not the days to come.
    const ahead = (await get('admin', `/kpi/productivity?unitId=${h.unit('X-HAI-TT')}&from=2025-09-15&to=2025-12-31`)).json();
    expect([ahead.days, ahead.clerks[0].annualized]).toEqual([3, 487]);
    // The agency has no receiving clerks; another point had none in the period.
    expect((await get('admin', `/kpi/productivity?unitId=${h.unit('X-HAI-UB')}&from=2025-09-15&to=2025-09-17`)).json().clerks).toEqual([]);
    expect((await get('admin', `/kpi/productivity?unitId=${h.unit('CN-A')}&from=2025-09-15&to=2025-09-17`)).json().points).toEqual([]);
    expect((await get('clerk.hai', '/kpi/productivity?from=2025-09-15&to=2025-09-17')).statusCode).toBe(403);
    expect((await get('manager.center', `/kpi/productivity?unitId=${h.unit('X-HAI-TT')}&from=2025-09-15&to=2025-09-17`)).statusCode).toBe(
      403,
    );
  });

  it("shows each point's and clerk's counter figures beside productivity: tickets served, waits against the target, service", async () => {
    const unitId = h.unit('X-HAI-TT');
    const clerk = await h.database.db.selectFrom('staff').select('id').where('username', '=', 'clerk.hai').executeTakeFirstOrThrow();
    const group = await h.database.db
      .insertInto('queue_groups')
      .values({ unit_id: unitId, code: 'KP', name_vi: 'Nhóm KPI', name_en: 'KPI group', target_wait_seconds: 900 })
      .returning('id')
      .executeTakeFirstOrThrow();
    // Monday 16 September: three tickets called by clerk.hai, waiting 5, 20 and 10 minutes; two served (10 and 20 min),
    // one a no-show. A ticket of the 18th falls outside the range; one still waiting was never called.
    const t = (hhmm: string, day = '2025-09-16') => new Date(`${day}T${hhmm}:00+07:00`);
    const ticket = (
      n: number,
      status: 'done' | 'no_show' | 'waiting',
      queued: Date,
      called: Date | null,
      ended: Date | null,
      day = '2025-09-16',
    ) => ({
      unit_id: unitId,
      group_id: group.id,
      day,
      number: n,
      label: `KPI${n}`,
      channel: 'kiosk' as const,
      priority: null,
      status,
      rank_at: queued,
      arrived_at: queued,
      queued_at: queued,
      staff_id: called ? clerk.id : null,
      called_at: called,
      started_at: called,
      ended_at: ended,
    });
    await h.database.db
      .insertInto('queue_tickets')
      .values([
        ticket(1, 'done', t('08:00'), t('08:05'), t('08:15')),
        ticket(2, 'done', t('08:10'), t('08:30'), t('08:50')),
        ticket(3, 'no_show', t('08:20'), t('08:30'), t('08:32')),
        ticket(4, 'waiting', t('08:40'), null, null),
        ticket(5, 'done', t('08:00', '2025-09-18'), t('09:00', '2025-09-18'), t('09:10', '2025-09-18'), '2025-09-18'),
      ])
      .execute();
    const p = (await get('admin', `/kpi/productivity?unitId=${unitId}&from=2025-09-15&to=2025-09-17`)).json();
    const queue = { served: 2, called: 3, meanWaitSeconds: 700, meanServiceSeconds: 900, withinTargetShare: 0.667 };
    expect(p.clerks.map((c: { username: string; queue: unknown }) => [c.username, c.queue])).toEqual([['clerk.hai', queue]]);
    expect(p.points.map((x: { unitId: number; queue: unknown }) => [x.unitId, x.queue])).toEqual([[unitId, queue]]);
    // A point whose counters served but whose clerks received nothing is listed with no per-clerk rate.
    const later = (await get('admin', `/kpi/productivity?unitId=${unitId}&from=2025-09-18&to=2025-09-18`)).json();
    expect(later.points).toEqual([
      expect.objectContaining({
        unitId,
        clerks: 0,
        received: 0,
        annualizedPerClerk: null,
        shareOfNorm: null,
        queue: { served: 1, called: 1, meanWaitSeconds: 3600, meanServiceSeconds: 600, withinTargetShare: 0 },
      }),
    ]);
  });

  it('ranks the points by their score, overall and by group, with the change from the period before', async () => {
    const scoreOf = async (unitId: number, from: string, to: string) => {
      const c = (await get('admin', `/kpi/scorecard?unitId=${unitId}&from=${from}&to=${to}`)).json();
      return c.total.measurable > 0 ? Math.round((c.total.earned / c.total.measurable) * 10000) / 100 : null;
    };
    const hai = h.unit('X-HAI-TT');
    const r = await get('admin', '/kpi/rankings?from=2025-09-16&to=2025-09-17');
    expect(r.statusCode, r.body).toBe(200);
    const k = r.json();
    expect([k.level, k.previous]).toEqual(['point', { from: '2025-09-14', to: '2025-09-15' }]);
    const points = (await h.services.org.listUnits()).filter((u) => ['center', 'branch', 'commune_center'].includes(u.kind));
    expect(k.units).toHaveLength(points.length);
    // Only X-HAI-TT received anything: it is first, the others have nothing to measure and no rank.
    const first = k.units[0];
    const now = await scoreOf(hai, '2025-09-16', '2025-09-17');
    const before = await scoreOf(hai, '2025-09-14', '2025-09-15');
    expect(now).not.toBeNull();
    expect(first).toMatchObject({ unitId: hai, rank: 1, score: now, previousScore: before, previousRank: 1 });
    expect(first.change).toBe(Math.round((now! - before!) * 100) / 100);
    expect(first.rankChange).toBe(0);
    expect(first.groups.map((g: { group: string }) => g.group)).toEqual([
      'transparency',
      'progress',
      'online',
      'digitization',
      'satisfaction',
    ]);
    expect(k.units.slice(1).every((u: { score: null; rank: null }) => u.score === null && u.rank === null)).toBe(true);
    // By agency: the commune's committee handled them all.
    const agencies = (await get('admin', '/kpi/rankings?from=2025-09-15&to=2025-09-17&level=agency')).json();
    expect(agencies.units[0]).toMatchObject({
      unitId: h.unit('X-HAI-UB'),
      rank: 1,
      score: await scoreOf(h.unit('X-HAI-UB'), '2025-09-15', '2025-09-17'),
    });
    // A manager ranks their own points only; a clerk, nothing; nor a manager another center's point.
    const mine = (await get('manager.center', '/kpi/rankings?from=2025-09-15&to=2025-09-17')).json();
    expect(mine.units.map((u: { unitId: number }) => u.unitId).sort()).toEqual(
      points
        .filter((u) => u.id === h.unit('TTPVHCC') || u.parent_id === h.unit('TTPVHCC'))
        .map((u) => u.id)
        .sort(),
    );
    expect((await get('clerk.hai', '/kpi/rankings?from=2025-09-15&to=2025-09-17')).statusCode).toBe(403);
    expect((await get('manager.center', `/kpi/rankings?unitId=${hai}&from=2025-09-15&to=2025-09-17`)).statusCode).toBe(403);
    const bad = await get('admin', '/kpi/rankings?from=2025-09-15&to=2025-09-17&level=commune');
    expect(bad.statusCode).toBe(400);
  });

  it('gives weekly and monthly trends against the target lines, each with its change from the period before', async () => {
    const hai = h.unit('X-HAI-TT');
    const r = await get('admin', `/kpi/trends?unitId=${hai}&from=2025-09-10&to=2025-09-17&period=week`);
    expect(r.statusCode, r.body).toBe(200);
    const t = r.json();
    expect(t.targets).toEqual({ onTimeRate: 0.99, digitizedRate: 1, satisfactionRate: 0.95 });
    expect(t.periods.map((p: { start: string; from: string; to: string }) => [p.start, p.from, p.to])).toEqual([
      ['2025-09-08', '2025-09-10', '2025-09-14'],
      ['2025-09-15', '2025-09-15', '2025-09-17'],
    ]);
    const [empty, week] = t.periods;
    expect(empty).toMatchObject({ score: null, onTimeRate: null, received: 0, decided: 0 });
    expect(empty.meetsTargets).toEqual({ onTimeRate: null, digitizedRate: null, satisfactionRate: null });
    const card = (await get('admin', `/kpi/scorecard?unitId=${hai}&from=2025-09-15&to=2025-09-17`)).json();
    expect(week).toMatchObject({
      score: Math.round((card.total.earned / card.total.measurable) * 10000) / 100,
      onTimeRate: 0.5,
      onlineRate: 0.25,
      digitizedRate: 1,
      satisfactionRate: 0.5,
      received: 4,
      decided: 2,
    });
    expect(week.meetsTargets).toEqual({ onTimeRate: false, digitizedRate: true, satisfactionRate: false });
    // Nothing the week before to compare with.
    expect(week.change).toEqual({ score: null, onTimeRate: null, onlineRate: null, digitizedRate: null, satisfactionRate: null });
    const month = (await get('admin', `/kpi/trends?unitId=${hai}&from=2025-08-01&to=2025-09-30`)).json();
    expect(month.period).toBe('month');
    expect(month.periods.map((p: { start: string; received: number }) => [p.start, p.received])).toEqual([
      ['2025-08-01', 0],
      ['2025-09-01', 4],
    ]);
    expect((await get('clerk.hai', `/kpi/trends?from=2025-09-01&to=2025-09-30`)).statusCode).toBe(403);
    expect((await get('admin', `/kpi/trends?from=2025-09-01&to=2025-09-30&period=day`)).statusCode).toBe(400);
  });

  it('keeps in both rollup tables exactly the counters the model sums (the migrations list them again)', async () => {
    const columns = async (table: string) =>
      (
        await sql<{ column_name: string }>`
          select column_name from information_schema.columns
          where table_schema = current_schema() and table_name = ${table}`.execute(h.database.db)
      ).rows
        .map((r) => r.column_name)
        .sort();
    const counters = [...COUNTERS].sort();
    expect((await columns('kpi_daily')).filter((c) => !['day', 'receiving_unit_id', 'agency_id', 'procedure_id'].includes(c))).toEqual(
      counters,
    );
    expect(
      (await columns('kpi_grains')).filter(
        (c) => !['span', 'grain', 'start', 'receiving_unit_id', 'agency_id', 'procedure_id'].includes(c),
      ),
    ).toEqual(counters);
  });

  it('plans whole months from the monthly grains and the days around them from the daily ones', () => {
    const f = { pointIds: null, agencyIds: null };
    expect(plan({ ...f, from: '2025-09-16', to: '2025-12-05' }, null)).toEqual({
      grain: 0,
      months: { from: '2025-10-01', to: '2025-11-01' },
      days: [
        { from: '2025-09-16', to: '2025-09-30' },
        { from: '2025-12-01', to: '2025-12-05' },
      ],
      dayTable: 'grains',
    });
    expect(plan({ ...f, from: '2024-01-01', to: '2024-02-29' }, 'year')).toMatchObject({
      months: { from: '2024-01-01', to: '2024-02-01' },
      days: [],
    });
    // Less than a whole month, or days and weeks: days alone, from the day grains while the grain has one dimension.
    expect(plan({ ...f, from: '2025-09-02', to: '2025-10-30' }, null).months).toBeNull();
    expect(plan({ ...f, from: '2025-01-01', to: '2025-12-31' }, 'week')).toMatchObject({ grain: 0, months: null, dayTable: 'grains' });
    expect(plan({ pointIds: [1], agencyIds: null, from: '2025-01-01', to: '2025-12-31' }, 'week')).toMatchObject({
      grain: 1,
      dayTable: 'grains',
    });
    // Two dimensions: months at their pair, days from kpi_daily; all three: kpi_daily alone.
    expect(plan({ pointIds: [1], agencyIds: null, from: '2025-01-01', to: '2025-12-31' }, 'agency')).toMatchObject({
      grain: 3,
      months: { from: '2025-01-01', to: '2025-12-01' },
      dayTable: 'daily',
    });
    expect(plan({ pointIds: [1], agencyIds: null, procedureId: 3, from: '2025-01-01', to: '2025-12-31' }, 'agency')).toMatchObject({
      grain: 7,
      months: null,
      dayTable: 'daily',
    });
    expect(plan({ pointIds: [1], agencyIds: null, procedureId: 3, from: '2025-01-01', to: '2025-12-31' }, null).grain).toBe(5);
    expect(plan({ pointIds: null, agencyIds: [2], fieldCode: 'HT', from: '2025-01-01', to: '2025-12-31' }, null).grain).toBe(6);
  });

  it('gives the same sums from the grains as from the daily rows, for every filter, grouping and range', async () => {
    const procedure = await h.database.db.selectFrom('procedures').select('id').where('code', '=', '2.000815').executeTakeFirstOrThrow();
    const filters = [
      { pointIds: null, agencyIds: null },
      { pointIds: [h.unit('X-HAI-TT')], agencyIds: null },
      { pointIds: [h.unit('X-HAI-TT'), h.unit('CN-A')], agencyIds: null, procedureId: procedure.id },
      { pointIds: null, agencyIds: [h.unit('X-HAI-UB')] },
      { pointIds: null, agencyIds: [h.unit('X-HAI-UB')], fieldCode: 'HT' },
      { pointIds: null, agencyIds: null, procedureId: procedure.id },
    ];
    const ranges = [
      ['2025-09-01', '2025-09-30'],
      ['2025-09-16', '2025-10-31'],
      ['2025-08-01', '2025-09-15'],
      ['2025-01-01', '2026-12-31'],
      ['2025-09-15', '2025-09-15'],
    ];
    let compared = 0;
    for (const f of filters)
      for (const [from, to] of ranges)
        for (const by of [null, ...GROUPINGS]) {
          const q = { ...f, from: from!, to: to! };
          const monthly = await sums(h.database.db, q, by);
          expect(monthly, `${JSON.stringify(q)} by ${by}`).toEqual(await sums(h.database.db, q, by, true));
          if (monthly.some((g) => g.sums.received > 0)) compared++;
        }
    // Most of the combinations count something: the comparison is not between empty answers.
    expect(compared).toBeGreaterThan(100);
  });

  it('gives the same rollups when rebuilt from the events as the worker built them in two steps', async () => {
    const built = await rollupRows();
    const clerks = (await sql`select * from kpi_clerk_daily order by day, staff_id, unit_id`.execute(h.database.db)).rows;
    // Monday's receipts and decisions of each procedure, and Tuesday's due dates: C's +1 overdue; A's and D's +1,
    // cancelled by their −1 (decided or withdrawn before their due date passed), left a row of zeros, deleted.
    const days = await sql<{ day: string; received: number; decided: number; overdue_delta: number }>`
      select day::text as day, received, decided, overdue_delta from kpi_daily order by day, procedure_id`.execute(h.database.db);
    expect(days.rows).toEqual([
      { day: '2025-09-15', received: 2, decided: 1, overdue_delta: 0 },
      { day: '2025-09-15', received: 2, decided: 1, overdue_delta: 0 },
      { day: '2025-09-16', received: 0, decided: 0, overdue_delta: 1 },
    ]);
    expect(clerks).toEqual([{ day: expect.anything(), staff_id: expect.any(Number), unit_id: h.unit('X-HAI-TT'), received: 4 }]);
    expect(await h.services.kpi.catchUp()).toBe(0);
    expect(await h.services.kpi.rebuild()).toEqual({ rows: 3 });
    expect(await rollupRows()).toEqual(built);
    expect((await sql`select * from kpi_clerk_daily order by day, staff_id, unit_id`.execute(h.database.db)).rows).toEqual(clerks);
  });

  it.skipIf(!process.env.DATABASE_URL)(
    'never skips a transaction that commits after a later one was applied (PostgreSQL: concurrent writers)',
    async () => {
      const before = (await get('admin', '/kpi/figures?from=2025-09-15&to=2025-09-17')).json().total;
      const c = await h.database.db.selectFrom('dossiers').select('id').where('code', '=', codes.C!).executeTakeFirstOrThrow();
      await h.database.db.transaction().execute(async (slow) => {
        // A slow transaction writes first (a rating of C, given on Wednesday)...
        await slow
          .insertInto('ratings')
          .values({ dossier_id: c.id, rating: 'acceptable', comment: null, created_at: h.clock.now })
          .execute();
        // ...then a quick one receives a dossier and commits while the slow one is still open.
        const f = await counter('2.000815');
        codes.F = f;
        await h.services.kpi.catchUp();
        const during = (await get('admin', '/kpi/figures?from=2025-09-15&to=2025-09-17')).json().total;
        // Held back behind the oldest running transaction: neither is counted yet.
        expect([during.received, during.ratedAcceptable]).toEqual([before.received, before.ratedAcceptable]);
      });
      await h.services.kpi.catchUp();
      const after = (await get('admin', '/kpi/figures?from=2025-09-15&to=2025-09-17')).json().total;
      expect([after.received, after.ratedAcceptable]).toEqual([before.received + 1, before.ratedAcceptable + 1]);
      const built = await rollupRows();
      await h.services.kpi.rebuild();
      expect(await rollupRows()).toEqual(built);
    },
  );

  it('lets managers see their own points, an agency approver their agency, and no one else', async () => {
    const q = 'from=2025-09-15&to=2025-09-17';
    for (const user of ['clerk.hai', 'spec.hai']) {
      const r = await get(user, `/kpi/figures?${q}`);
      expect(r.statusCode, user).toBe(403);
      expect(r.json().code).toBe('FORBIDDEN');
      expect((await get(user, `/kpi/scorecard?${q}`)).statusCode).toBe(403);
    }
    const own = await get('manager.center', `/kpi/figures?${q}`);
    expect(own.statusCode).toBe(200);
    expect(own.json().unit.id).toBe(h.unit('TTPVHCC'));
    expect(own.json().total.received).toBe(0);
    for (const unit of ['X-HAI-TT', 'PROVINCE', 'X-HAI-UB'])
      expect((await get('manager.center', `/kpi/figures?unitId=${h.unit(unit)}&${q}`)).statusCode, unit).toBe(403);
    expect((await get('appr.hai', `/kpi/figures?unitId=${h.unit('X-HAI-TT')}&${q}`)).statusCode).toBe(403);
    expect((await get('appr.mot', `/kpi/scorecard?unitId=${h.unit('X-HAI-UB')}&${q}`)).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: `/kpi/figures?${q}` })).statusCode).toBe(401);
  });

  it('refuses bad ranges and unknown units with the field named', async () => {
    const cases: [string, number, string | undefined][] = [
      ['from=2025-09-17&to=2025-09-15', 400, 'querystring.to'],
      ['from=2025-02-30&to=2025-03-01', 400, 'querystring.from'],
      ['from=2015-01-01&to=2025-12-31', 400, 'querystring.to'],
      ['from=yesterday&to=2025-09-15', 400, 'querystring.from'],
      ['from=2025-09-15&to=2025-09-15&by=hour', 400, 'querystring.by'],
      ['from=2025-09-15&to=2025-09-15&unitId=999999', 404, undefined],
      ['from=2025-09-15&to=2025-09-15&unitId=0', 400, 'querystring.unitId'],
    ];
    for (const [q, status, field] of cases) {
      const r = await get('admin', `/kpi/figures?${q}`);
      expect(r.statusCode, `${q}: ${r.body}`).toBe(status);
      if (field) expect(r.json().field, q).toBe(field);
    }
  });
});
