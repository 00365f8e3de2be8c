import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DomainError } from '../platform/errors.js';
import { recommendClerks } from './erlang.model.js';
import { hourlyRequirements, proposeReallocation, type HourDemand, type PointDay } from './staffing.model.js';

const flat = (arrivalsPerHour: number, serviceSeconds: number, from = 8, to = 16): HourDemand[] =>
  Array.from({ length: to - from }, (_, k) => ({ hour: from + k, arrivalsPerHour, serviceSeconds }));

function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

describe('hourlyRequirements', () => {
  it('gives one row per point and hour with the clerks recommendClerks finds', () => {
    const rows = hourlyRequirements(
      [
        // The Call Centre Helper example hour (200 an hour of 180 s, 80% within 20 s): 14 clerks, 20 rostered at 30% absence.
        {
          point: 'P1',
          hours: [
            { hour: 9, arrivalsPerHour: 200, serviceSeconds: 180 },
            { hour: 12, arrivalsPerHour: 0, serviceSeconds: 180 },
          ],
        },
        { point: 'P2', hours: [{ hour: 9, arrivalsPerHour: 20, serviceSeconds: 600 }] },
      ],
      { targetSeconds: 20, targetShare: 0.8, absence: 0.3 },
    );
    expect(rows.map((r) => [r.point, r.hour, r.clerks, r.scheduled])).toEqual([
      ['P1', 9, 14, 20],
      ['P1', 12, 0, 0],
      [
        'P2',
        9,
        recommendClerks({ arrivalsPerHour: 20, serviceSeconds: 600, targetSeconds: 20, targetShare: 0.8, absence: 0.3 }).clerks,
        expect.any(Number),
      ],
    ]);
  });

  it('names a bad hour', () => {
    const e = domainError(() => hourlyRequirements([{ point: 'P1', hours: [{ hour: 24, arrivalsPerHour: 1, serviceSeconds: 60 }] }]));
    expect(e.code).toBe('VALIDATION');
    expect(e.extra.field).toBe('points[0].hours[0].hour');
  });
});

describe('proposeReallocation', () => {
  // A: 40 an hour of 600 s = 6.67 erlangs on 5 clerks, unstable. It needs 8: 7 would be 95% busy (cap 85%), and at 8
  // the mean wait is 239.71 s. B: 10 an hour = 1.67 erlangs on 6 clerks; at 2 its mean wait would be 1363.6 s, so it
  // keeps 3 (134.89 s). C sits exactly at its need. (Waits cross-checked with mpmath's direct Erlang C formula.)
  const day: PointDay[] = [
    { point: 'A', clerks: 5, hours: flat(40, 600) },
    { point: 'B', clerks: 6, hours: flat(10, 600) },
    { point: 'C', clerks: 3, hours: flat(10, 600) },
  ];

  it('moves clerks from a point with slack to an overloaded one until both meet the target', () => {
    const r = proposeReallocation(day);
    expect(r.moves).toEqual([{ from: 'B', to: 'A', count: 3, block: 'day' }]);
    const [a, b, c] = r.points;
    expect(a!.clerks).toEqual([{ block: 'day', before: 5, after: 8 }]);
    expect(a!.before).toMatchObject({
      meanWaitSeconds: null,
      shareWithinTarget: 0,
      meetsTarget: false,
      overloadedHours: [8, 9, 10, 11, 12, 13, 14, 15],
    });
    expect(a!.after.meanWaitSeconds).toBeCloseTo(239.70895976359265, 8);
    expect(a!.after.meetsTarget).toBe(true);
    expect(b!.clerks).toEqual([{ block: 'day', before: 6, after: 3 }]);
    expect(b!.before.meanWaitSeconds).toBeCloseTo(1.0774184020764581, 10);
    expect(b!.after.meanWaitSeconds).toBeCloseTo(134.89208633093526, 9);
    expect(c!.clerks).toEqual([{ block: 'day', before: 3, after: 3 }]);
    expect(c!.after).toEqual(c!.before);
    expect(a!.before.arrivals).toBe(320);
  });

  it('weighs a partly open hour by its open minutes', () => {
    const r = proposeReallocation([
      {
        point: 'A',
        clerks: 3,
        hours: [
          { hour: 7, arrivalsPerHour: 10, serviceSeconds: 600, openMinutes: 30 },
          { hour: 8, arrivalsPerHour: 10, serviceSeconds: 600 },
        ],
      },
    ]);
    expect(r.points[0]!.before.arrivals).toBe(15);
  });

  it('plans the morning and the afternoon apart with half-day blocks', () => {
    const peak = (morning: number, afternoon: number): HourDemand[] => [...flat(morning, 600, 8, 12), ...flat(afternoon, 600, 13, 17)];
    const points: PointDay[] = [
      { point: 'A', clerks: 6, hours: peak(40, 10) },
      { point: 'B', clerks: 6, hours: peak(10, 40) },
    ];
    // For the whole day each point is overloaded in one half, so neither has a clerk to spare.
    expect(proposeReallocation(points).moves).toEqual([]);
    const r = proposeReallocation(points, { blocks: 'half-day' });
    expect(r.moves).toEqual([
      { from: 'B', to: 'A', count: 2, block: 'morning' },
      { from: 'A', to: 'B', count: 2, block: 'afternoon' },
    ]);
    expect(r.points[0]!.clerks).toEqual([
      { block: 'morning', before: 6, after: 8 },
      { block: 'afternoon', before: 6, after: 4 },
    ]);
    expect(r.points.every((p) => p.after.meetsTarget && !p.before.meetsTarget)).toBe(true);
  });

  it('keeps a point open with at least minClerks', () => {
    const r = proposeReallocation([
      { point: 'A', clerks: 5, hours: flat(40, 600) },
      { point: 'idle', clerks: 2, hours: flat(0, 600) },
    ]);
    expect(r.moves).toEqual([{ from: 'idle', to: 'A', count: 1, block: 'day' }]);
    expect(
      proposeReallocation(
        [
          { point: 'A', clerks: 5, hours: flat(40, 600) },
          { point: 'idle', clerks: 2, hours: flat(0, 600) },
        ],
        { minClerks: 0 },
      ).moves,
    ).toEqual([{ from: 'idle', to: 'A', count: 2, block: 'day' }]);
  });

  it('refuses a point given twice', () => {
    const e = domainError(() => proposeReallocation([day[0]!, day[0]!]));
    expect(e.extra.field).toBe('points[1].point');
  });

  it('keeps the clerks, never pushes a point past the target, and only helps points that miss it', () => {
    const point = fc.record({
      clerks: fc.integer({ min: 0, max: 12 }),
      hours: fc.array(fc.record({ arrivalsPerHour: fc.integer({ min: 0, max: 60 }), serviceSeconds: fc.integer({ min: 120, max: 900 }) }), {
        minLength: 1,
        maxLength: 9,
      }),
    });
    fc.assert(
      fc.property(fc.array(point, { minLength: 1, maxLength: 8 }), fc.constantFrom('day' as const, 'half-day' as const), (ps, blocks) => {
        const points: PointDay[] = ps.map((p, i) => ({
          point: `P${i}`,
          clerks: p.clerks,
          hours: p.hours.map((h, k) => ({ hour: 7 + k, ...h })),
        }));
        const r = proposeReallocation(points, { blocks });
        const blockNames = blocks === 'day' ? ['day'] : ['morning', 'afternoon'];
        for (const block of blockNames) {
          const total = (side: 'before' | 'after') => r.points.reduce((s, p) => s + p.clerks.find((c) => c.block === block)![side], 0);
          expect(total('after')).toBe(total('before'));
        }
        const givers = new Set(r.moves.map((m) => `${m.from}/${m.block}`));
        for (const m of r.moves) {
          expect(m.count).toBeGreaterThan(0);
          expect(givers.has(`${m.to}/${m.block}`)).toBe(false);
        }
        for (const p of r.points) {
          if (p.before.meetsTarget) expect(p.after.meetsTarget).toBe(true);
          for (const c of p.clerks) if (c.after < c.before) expect(c.after).toBeGreaterThanOrEqual(1);
          const received = r.moves.some((m) => m.to === p.point);
          if (received && blocks === 'day') expect(p.before.meetsTarget).toBe(false);
        }
      }),
    );
  });
});
