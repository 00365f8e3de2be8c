import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createHarness, type Harness } from './harness.js';
import { kpiDossiers } from './kpi-dossiers.js';

// What was open at the end of a past day — in progress on time, overdue, paused — from the rollups' open deltas
// (kpi_daily, kpi_grains) and the dossiers behind it from the overdue stretches (kpi_overdue): the same numbers a
// reader would count from the dossiers' timelines, whatever happened after that day, and the same after a rebuild.

const auth = (t: string) => ({ authorization: `Bearer ${t}` });

describe('What was open at the end of a past period', () => {
  let h: Harness;
  const c: Record<string, string> = {};
  const { act, counter, result } = kpiDossiers(() => h);
  const get = async (url: string, user = 'admin') => {
    const r = await h.app.inject({ method: 'GET', url, headers: auth(await h.token(user)) });
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };
  const openAt = async (day: string, unit = '') => (await get(`/kpi/figures?from=${day}&to=${day}${unit}`)).open;
  const dueOf = async (code: string) => (await get(`/dossiers/${code}`, 'clerk.hai')).dueAt as string;
  const rows = async () => ({
    daily: (await sql`select * from kpi_daily order by day, receiving_unit_id, agency_id, procedure_id`.execute(h.database.db)).rows,
    grains: (
      await sql`select * from kpi_grains order by span, grain, start, receiving_unit_id, agency_id, procedure_id`.execute(h.database.db)
    ).rows,
    overdue: (
      await sql<{ dossier_id: string; starts: string; ends: string | null }>`
        select dossier_id, starts::text as starts, ends::text as ends from kpi_overdue order by dossier_id, starts`.execute(h.database.db)
    ).rows,
  });

  beforeAll(async () => {
    h = await createHarness('2025-09-15T09:00:00+07:00'); // a Monday
    // 1 working day each (due Tue 16 Sep 17:00), but P5: fast track, 4 working hours (due Mon 14:30).
    c.P1 = await counter('1.001193'); // forwarded, left open: overdue from Tuesday's end
    c.P2 = await counter('1.001193'); // paused Monday for a supplement, back on Thursday with a new due date
    c.P3 = await counter('1.001193'); // decided on Tuesday, on time
    c.P4 = await counter('2.000815'); // withdrawn on Tuesday
    c.P5 = await counter('2.000815', true); // decided on Wednesday, late
    for (const code of [c.P1, c.P2, c.P3, c.P5]) await act('clerk.hai', code!, 'forward');
    h.clock.set('2025-09-15T10:00:00+07:00');
    await act('spec.hai', c.P2!, 'request-supplement', { note: 'Bổ sung giấy chứng sinh' });
    // The worker applies the week in several windows: stretches begin in one and end in another.
    await h.services.kpi.catchUp();
    h.clock.set('2025-09-16T10:00:00+07:00');
    await result(c.P3!);
    h.clock.set('2025-09-16T11:00:00+07:00');
    await act('clerk.hai', c.P4!, 'withdraw', { note: 'Công dân xin rút' });
    h.clock.set('2025-09-17T10:00:00+07:00');
    await result(c.P5!);
    await h.services.kpi.catchUp();
    h.clock.set('2025-09-18T10:00:00+07:00');
    await act('clerk.hai', c.P2!, 'supplement-received');
    h.clock.set('2025-09-22T10:00:00+07:00'); // the next Monday
    await h.services.kpi.catchUp();
  });

  it("counts, at each past day's end, what was in progress, overdue and paused then, not what is open now", async () => {
    // P2 waited from Monday to Thursday: its due date moved by the three working days waited, to Friday's close.
    expect(await dueOf(c.P2!)).toBe('2025-09-19T10:00:00.000Z');
    const end = (day: string) => new Date(Date.parse(`${day}T00:00:00+07:00`) + 86_400_000).toISOString();
    const expected: Record<string, [inProgress: number, onTime: number, overdue: number, paused: number]> = {
      // All five open; P2 paused; P5 past its 14:30 due date.
      '2025-09-15': [5, 3, 1, 1],
      // P3 decided and P4 withdrawn; P1 past its 17:00 due date; P2 still paused; P5 still overdue.
      '2025-09-16': [3, 0, 2, 1],
      // P5 decided.
      '2025-09-17': [2, 0, 1, 1],
      // P2 back, due Friday: on time.
      '2025-09-18': [2, 1, 1, 0],
      // P2 past Friday's close.
      '2025-09-19': [2, 0, 2, 0],
      '2025-09-21': [2, 0, 2, 0],
      // Before anything was received.
      '2025-09-14': [0, 0, 0, 0],
    };
    for (const [day, [inProgress, inProgressOnTime, inProgressOverdue, paused]] of Object.entries(expected)) {
      const o = await openAt(day);
      expect(o, day).toEqual({ inProgress, inProgressOnTime, inProgressOverdue, paused, at: end(day) });
      // The same at the receiving point, the agency and for the procedure; none at another point.
      expect(await openAt(day, `&unitId=${h.unit('X-HAI-TT')}`), day).toEqual(o);
      expect(await openAt(day, `&unitId=${h.unit('X-HAI-UB')}`), day).toEqual(o);
      expect((await openAt(day, `&unitId=${h.unit('CN-A')}`)).inProgress, day).toBe(0);
    }
    // Grouped by day, each day with figures carries its own end's; by week, the week's end; by point, the range's.
    const byDay = await get('/kpi/figures?from=2025-09-15&to=2025-09-19&by=day');
    expect(
      byDay.groups.map((g: { key: string; open: { inProgress: number; inProgressOverdue: number; paused: number } }) => [
        g.key,
        g.open.inProgress,
        g.open.inProgressOverdue,
        g.open.paused,
      ]),
    ).toEqual([
      ['2025-09-15', 5, 1, 1],
      ['2025-09-16', 3, 2, 1],
      ['2025-09-17', 2, 1, 1],
      // Thursday brought P2's supplement, which no figure counts: no group.
    ]);
    const byWeek = await get('/kpi/figures?from=2025-09-15&to=2025-09-21&by=week');
    expect(byWeek.groups.map((g: { key: string; open: unknown }) => [g.key, g.open])).toEqual([
      ['2025-09-15', { inProgress: 2, inProgressOnTime: 0, inProgressOverdue: 2, paused: 0, at: end('2025-09-21') }],
    ]);
    const byPoint = await get('/kpi/figures?from=2025-09-15&to=2025-09-17&by=point');
    expect(byPoint.groups.map((g: { key: string; open: unknown }) => [Number(g.key), g.open])).toEqual([
      [h.unit('X-HAI-TT'), { inProgress: 2, inProgressOnTime: 0, inProgressOverdue: 1, paused: 1, at: end('2025-09-17') }],
    ]);
    const byProcedure = await get('/kpi/figures?from=2025-09-16&to=2025-09-16&field=CT');
    // P4 and P5 are the certified copies (field CT): at Tuesday's end, P5 alone, overdue.
    expect(byProcedure.open).toMatchObject({ inProgress: 1, inProgressOnTime: 0, inProgressOverdue: 1, paused: 0 });
    // A range that reaches today is judged now: P1 and P2, both overdue.
    expect(await openAt('2025-09-22')).toEqual({
      inProgress: 2,
      inProgressOnTime: 0,
      inProgressOverdue: 2,
      paused: 0,
      at: '2025-09-22T03:00:00.000Z',
    });
  });

  it('gives the same figures over a range, a month or years as at its last day, read from months and days alike', async () => {
    const tuesday = await openAt('2025-09-16');
    expect((await get('/kpi/figures?from=2025-09-01&to=2025-09-16')).open).toEqual(tuesday);
    expect((await get('/kpi/figures?from=2020-01-01&to=2025-09-16')).open).toEqual(tuesday);
    // A month later nothing has changed since the 22nd: both still open and overdue at September's end.
    expect((await get('/kpi/figures?from=2025-09-01&to=2025-09-30')).open).toMatchObject({ inProgress: 2, inProgressOverdue: 2 });
  });

  it('scores 2.1 of a past period with the dossiers open and overdue at its end, and lists them one click away', async () => {
    const card = await get('/kpi/scorecard?from=2025-09-15&to=2025-09-16');
    expect(card.open).toEqual({ inProgress: 3, inProgressOnTime: 0, inProgressOverdue: 2, paused: 1, at: '2025-09-16T17:00:00.000Z' });
    // P3 decided on time; P1 and P5 open and overdue at Tuesday's end count as late.
    expect(card.indicators.find((i: { id: string }) => i.id === '2.1')).toMatchObject({ numerator: 1, denominator: 3 });
    const list = async (from: string, to: string) =>
      (await get(`/kpi/scorecard/2.1/dossiers?from=${from}&to=${to}`)).dossiers.map((d: { code: string; reason: string }) => [
        d.code,
        d.reason,
      ]);
    // Latest first: P5 by its decision (Wednesday), P1 by its receipt.
    expect(await list('2025-09-15', '2025-09-16')).toEqual([
      [c.P5, 'overdue_open'],
      [c.P1, 'overdue_open'],
    ]);
    expect(await list('2025-09-17', '2025-09-17')).toEqual([
      [c.P5, 'late'],
      [c.P1, 'overdue_open'],
    ]);
    expect(await list('2025-09-18', '2025-09-18')).toEqual([[c.P1, 'overdue_open']]);
    expect(await list('2025-09-19', '2025-09-19')).toEqual([
      [c.P1, 'overdue_open'],
      [c.P2, 'overdue_open'],
    ]);
    // The week: P3 on time, P5 late, P1 and P2 overdue at Sunday's end.
    const week = await get('/kpi/scorecard?from=2025-09-15&to=2025-09-21');
    expect(week.indicators.find((i: { id: string }) => i.id === '2.1')).toMatchObject({ numerator: 1, denominator: 4 });
    // The weekly trend scores that week the same way.
    const trend = await get('/kpi/trends?from=2025-09-15&to=2025-09-21&period=week');
    const score = Math.round((week.total.earned / week.total.measurable) * 10000) / 100;
    expect(trend.periods.map((p: { start: string; score: number }) => [p.start, p.score])).toEqual([['2025-09-15', score]]);
  });

  it('keeps the overdue stretches and deltas the same when rebuilt from the events in one window', async () => {
    const built = await rows();
    const id = async (code: string) =>
      String((await h.database.db.selectFrom('dossiers').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id);
    // P1 overdue from Tuesday, still; P2 from Friday, still; P5 from Monday to Wednesday. P3 and P4 never were.
    expect(built.overdue.map((r) => ({ ...r, dossier_id: String(r.dossier_id) }))).toEqual(
      [
        { dossier_id: await id(c.P1!), starts: '2025-09-16', ends: null },
        { dossier_id: await id(c.P2!), starts: '2025-09-19', ends: null },
        { dossier_id: await id(c.P5!), starts: '2025-09-15', ends: '2025-09-17' },
      ].sort((a, b) => Number(a.dossier_id) - Number(b.dossier_id)),
    );
    await h.services.kpi.rebuild();
    expect(await rows()).toEqual(built);
  });
  it('keeps one stretch when a dossier is paused and back within one window, due to start overdue on the same day', async () => {
    h.clock.set('2025-09-22T10:00:00+07:00');
    const code = await counter('1.001193'); // due Tue 23 Sep 17:00
    await act('clerk.hai', code, 'forward');
    await h.services.kpi.catchUp();
    const id = (await h.database.db.selectFrom('dossiers').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id;
    const stretches = async () =>
      (
        await sql<{ starts: string; ends: string | null }>`
          select starts::text as starts, ends::text as ends from kpi_overdue where dossier_id = ${id} order by starts`.execute(
          h.database.db,
        )
      ).rows;
    expect(await stretches()).toEqual([{ starts: '2025-09-23', ends: null }]);
    // A supplement asked and brought back a quarter of an hour later: the due date moves by 15 minutes, the same day.
    h.clock.set('2025-09-22T10:05:00+07:00');
    await act('spec.hai', code, 'request-supplement', { note: 'Bổ sung bản chụp giấy chứng sinh' });
    h.clock.set('2025-09-22T10:20:00+07:00');
    await act('clerk.hai', code, 'supplement-received');
    // The window ends the stretch kept (paused before it began) and starts it again on the same day: one stretch.
    await h.services.kpi.catchUp();
    expect(await stretches()).toEqual([{ starts: '2025-09-23', ends: null }]);
    const kept = await rows();
    await h.services.kpi.rebuild();
    expect(await rows()).toEqual(kept);
  });
});
