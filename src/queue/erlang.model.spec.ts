import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DomainError } from '../platform/errors.js';
import {
  erlangB,
  erlangC,
  evaluateClerks,
  meanWaitSeconds,
  occupancy,
  pWait,
  queueFigures,
  recommendClerks,
  shareWithinTarget,
} from './erlang.model.js';

// Every "high-precision" value below was computed independently of this code, with Python's mpmath at 40–60
// significant digits from the direct factorial formulas C = (a^n/n!·n/(n−a)) / (Σ_{k<n} a^k/k! + a^n/n!·n/(n−a))
// and B = (a^n/n!) / Σ_{k≤n} a^k/k! (for the large loads, also as a^n/n! / (e^a·Q(n+1, a)) with the
// regularized incomplete gamma function; both ways agreed to 20 digits).

function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

describe('Erlang C against published examples', () => {
  it('reproduces the Westbay Engineers worked example (360 calls per half hour, 240 s, 55 agents, 15 s target)', () => {
    // Source: Westbay Engineers, "The Erlang-C formula" (mitan.co.uk/erlang/elgcmath.htm), whose worked example
    // gives E_c = 0.2387, average speed of answer T_w = 8.184 s and P(wait ≤ 15 s) = 0.8459 (the same figures are
    // reproduced in the documentation of Maxima's `erlang` share package). Occupancy 48/55 = 0.873.
    // Cross-check (mpmath, direct formula): C = 0.23870093637800921875, T_w = 8.1840321043888875 s,
    // P(W ≤ 15 s) = 0.84588309217058033912.
    const q = { arrivalsPerHour: 720, serviceSeconds: 240, clerks: 55 };
    const f = queueFigures(q, 15);
    expect(f.offeredLoad).toBe(48);
    expect(f.pWait).toBeCloseTo(0.2387, 4);
    expect(f.meanWaitSeconds).toBeCloseTo(8.184, 3);
    expect(f.shareWithinTarget).toBeCloseTo(0.8459, 4);
    expect(f.occupancy).toBeCloseTo(0.873, 3);
    expect(pWait(q)).toBeCloseTo(0.23870093637800921875, 13);
    expect(meanWaitSeconds(q)).toBeCloseTo(8.1840321043888875, 11);
    expect(shareWithinTarget(q, 15)).toBeCloseTo(0.84588309217058033912, 13);
    expect(occupancy(q)).toBe(48 / 55);
  });

  it('recommends 14 agents, 20 rostered, for the Call Centre Helper example (100 calls per 30 min, 180 s, 80% in 20 s)', () => {
    // Source: Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example": 100 calls per
    // half hour (200 per hour), AHT 180 s, 80% answered in 20 s, maximum occupancy 85%, shrinkage 30% → 14 agents,
    // 14 / (1 − 0.3) = 20 with shrinkage. Cross-check (mpmath, direct formula): at 13 agents the service level is
    // 0.79559 (< 80%), at 14 it is 0.88835 with P(wait) = 0.17413 and ASA = 7.836 s; occupancy 10/14 = 0.714.
    const r = recommendClerks({
      arrivalsPerHour: 200,
      serviceSeconds: 180,
      targetSeconds: 20,
      targetShare: 0.8,
      maxOccupancy: 0.85,
      absence: 0.3,
    });
    expect(r.clerks).toBe(14);
    expect(r.scheduled).toBe(20);
    expect(r.limitedBy).toEqual(['share']);
    expect(r.shareWithinTarget).toBeCloseTo(0.8883500191794669, 12);
    expect(r.pWait).toBeCloseTo(0.17413193359504984, 12);
    expect(r.meanWaitSeconds).toBeCloseTo(7.835937011777243, 10);
    expect(r.occupancy).toBeCloseTo(0.714, 3);
    const at13 = evaluateClerks({ arrivalsPerHour: 200, serviceSeconds: 180, clerks: 13, targetSeconds: 20, targetShare: 0.8 });
    expect(at13.shareWithinTarget).toBeCloseTo(0.7955947884177831, 12);
    expect(at13.broken).toEqual(['share']);
  });

  it('finds 26 agents for a 15% delay probability in the Telefónica calculator example (600 calls per hour, 120 s)', () => {
    // Source: V. Rubio's Erlang C calculator page (personal.telefonica.terra.es/web/vr/erlang/eng/mcerlc.htm):
    // 600 calls of 120 s in an hour are 20 erlangs; "for a target delay probability of 15% the number of circuits
    // needed are 26", the average delay is "3 seconds per call", and with 30 circuits the delay probability is 2.5%.
    // Cross-check (mpmath): C(25, 20) = 0.20910, C(26, 20) = 0.14340, delay 2.868 s; C(30, 20) = 0.024950.
    const q = (clerks: number) => ({ arrivalsPerHour: 600, serviceSeconds: 120, clerks });
    expect(pWait(q(25))).toBeGreaterThan(0.15);
    expect(pWait(q(26))).toBeLessThanOrEqual(0.15);
    expect(pWait(q(26))).toBeCloseTo(0.1433999284489232, 12);
    expect(Math.round(meanWaitSeconds(q(26))!)).toBe(3);
    expect(pWait(q(30))).toBeCloseTo(0.025, 3);
  });

  it('gives P(wait) = 1/3 for two servers at half load (M/M/2 closed form 2ρ²/(1 + ρ))', () => {
    // Source: the M/M/2 closed form P(wait) = 2ρ²/(1 + ρ) (e.g. Kleinrock, Queueing Systems vol. 1, §3.5 for
    // M/M/m with m = 2); ρ = 1/2 gives 1/3, and mean wait C·s/(n − a) = s/3.
    const f = queueFigures({ arrivalsPerHour: 6, serviceSeconds: 600, clerks: 2 });
    expect(f.pWait).toBeCloseTo(1 / 3, 14);
    expect(f.meanWaitSeconds).toBeCloseTo(200, 10);
  });
});

describe('Erlang B', () => {
  it('matches published Erlang B tables at 1% blocking', () => {
    // Source: Westbay Engineers' Erlang calculator manual (erlang.com, "How much traffic can a trunk group
    // handle?"): 15 lines at 1% blocking carry 8.108 erlangs. Standard Erlang B tables (e.g. the appendix table of
    // Dunlop, Girma & Irvine, "Digital Mobile Communications and the TETRA System") list 4.46 erlangs for 10
    // channels and 84.06 for 100 channels at 1%. Cross-check (mpmath root of B(n, A) = 0.01): A = 8.1080428 for 15,
    // 4.4611769 for 10, 84.064159 for 100.
    expect(erlangB(15, 8.108)).toBeCloseTo(0.01, 5);
    expect(erlangB(10, 4.46)).toBeCloseTo(0.01, 4);
    expect(erlangB(100, 84.06)).toBeCloseTo(0.01, 4);
    expect(erlangB(15, 8.108042797184452)).toBeCloseTo(0.01, 12);
    expect(erlangB(100, 84.06415889394775)).toBeCloseTo(0.01, 12);
  });

  it('stays finite and exact for loads of thousands of erlangs, where a^n and n! overflow', () => {
    // Cross-check (mpmath, 60 digits, two ways): B(3050, 3000) = 0.0058075500909833212567,
    // C(3050, 3000) = 0.26271627866585978287; B(5100, 5000) = 0.0022435792955605247023,
    // C(5100, 5000) = 0.10288141360093403181. In doubles 3000^3050 and 3050! are both Infinity.
    expect(erlangB(3050, 3000) / 0.0058075500909833212567).toBeCloseTo(1, 10);
    expect(erlangC(3050, 3000) / 0.26271627866585978287).toBeCloseTo(1, 10);
    expect(erlangB(5100, 5000) / 0.0022435792955605247023).toBeCloseTo(1, 10);
    expect(erlangC(5100, 5000) / 0.10288141360093403181).toBeCloseTo(1, 10);
    // 36,000 tickets an hour of 300 s each: 3000 erlangs, the recommendation is computed without overflow.
    const r = recommendClerks({ arrivalsPerHour: 36_000, serviceSeconds: 300, targetSeconds: 20, targetShare: 0.8, maxOccupancy: 1 });
    expect(Number.isFinite(r.pWait)).toBe(true);
    expect(r.clerks).toBeGreaterThan(3000);
    expect(
      evaluateClerks({ arrivalsPerHour: 36_000, serviceSeconds: 300, clerks: r.clerks - 1, targetSeconds: 20 }).shareWithinTarget,
    ).toBeLessThan(0.8);
  });
});

describe('an unstable queue', () => {
  it('reports stable false, pWait 1, no mean wait and no share in time when the load reaches the clerks', () => {
    const f = queueFigures({ arrivalsPerHour: 60, serviceSeconds: 180, clerks: 3 });
    expect(f).toMatchObject({ offeredLoad: 3, stable: false, pWait: 1, meanWaitSeconds: null, shareWithinTarget: 0, occupancy: 1 });
    expect(JSON.parse(JSON.stringify(f))).toMatchObject({ stable: false, meanWaitSeconds: null });
  });

  it('reports an idle point as stable with no wait, even with no clerk', () => {
    expect(queueFigures({ arrivalsPerHour: 0, serviceSeconds: 300, clerks: 0 })).toMatchObject({
      stable: true,
      pWait: 0,
      meanWaitSeconds: 0,
      shareWithinTarget: 1,
      occupancy: 0,
    });
    expect(recommendClerks({ arrivalsPerHour: 0, serviceSeconds: 300 })).toMatchObject({ clerks: 0, scheduled: 0, limitedBy: [] });
  });
});

describe('recommendClerks defaults and constraints', () => {
  it('aims at a 900 s mean wait and 85% occupancy when no target is given', () => {
    // 30 an hour of 10 minutes: 5 erlangs. Occupancy ≤ 0.85 needs 6 clerks (5/6 = 0.833); at 6 the mean wait is
    // C(6, 5)·600/(6 − 5) = 352.51 s (cross-check, mpmath: C(6, 5) = 0.58751645046061290), under 900 s. Five clerks
    // would be unstable, so every constraint fails there.
    const r = recommendClerks({ arrivalsPerHour: 30, serviceSeconds: 600 });
    expect(r.targets).toEqual({ targetMeanWaitSeconds: 900, targetSeconds: 900, targetShare: null, maxOccupancy: 0.85, absence: 0 });
    expect(r.clerks).toBe(6);
    expect(r.limitedBy).toEqual(['stability', 'meanWait', 'occupancy']);
    expect(r.meanWaitSeconds).toBeCloseTo(352.5098702763677, 9);
  });

  it('lets a share target replace the default mean-wait target', () => {
    const r = recommendClerks({ arrivalsPerHour: 30, serviceSeconds: 600, targetShare: 0.5, maxOccupancy: 1 });
    expect(r.targets.targetMeanWaitSeconds).toBeNull();
    expect(r.targets.targetSeconds).toBe(900);
    expect(r.shareWithinTarget).toBeGreaterThanOrEqual(0.5);
  });

  it('names the bad parameter with a VALIDATION error', () => {
    const cases: [() => unknown, string][] = [
      [() => recommendClerks({ arrivalsPerHour: -1, serviceSeconds: 60 }), 'arrivalsPerHour'],
      [() => recommendClerks({ arrivalsPerHour: Number.NaN, serviceSeconds: 60 }), 'arrivalsPerHour'],
      [() => recommendClerks({ arrivalsPerHour: 10, serviceSeconds: 0 }), 'serviceSeconds'],
      [() => recommendClerks({ arrivalsPerHour: 10, serviceSeconds: 60, targetShare: 1 }), 'targetShare'],
      [() => recommendClerks({ arrivalsPerHour: 10, serviceSeconds: 60, targetMeanWaitSeconds: 0 }), 'targetMeanWaitSeconds'],
      [() => recommendClerks({ arrivalsPerHour: 10, serviceSeconds: 60, targetSeconds: -5 }), 'targetSeconds'],
      [() => recommendClerks({ arrivalsPerHour: 10, serviceSeconds: 60, maxOccupancy: 1.2 }), 'maxOccupancy'],
      [() => recommendClerks({ arrivalsPerHour: 10, serviceSeconds: 60, absence: 1 }), 'absence'],
      [() => queueFigures({ arrivalsPerHour: 10, serviceSeconds: 60, clerks: 2.5 }), 'clerks'],
      [() => erlangB(-1, 3), 'servers'],
      [() => erlangC(3, Infinity), 'load'],
    ];
    for (const [fn, field] of cases) {
      const e = domainError(fn);
      expect(e.code).toBe('VALIDATION');
      expect(e.extra.field).toBe(field);
      expect(e.message).toContain(field);
    }
  });
});

describe('Erlang properties', () => {
  const load = fc.double({ min: 0.01, max: 400, noNaN: true });

  it('agrees with the direct factorial formula for small systems', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0.01, max: 40, noNaN: true }), (n, a) => {
        let term = 1;
        let sum = 1;
        for (let k = 1; k <= n; k++) {
          term *= a / k;
          sum += term;
        }
        expect(erlangB(n, a)).toBeCloseTo(term / sum, 12);
      }),
    );
  });

  it('lowers pWait and the mean wait and raises the share in time with every added clerk', () => {
    fc.assert(
      fc.property(load, fc.integer({ min: 0, max: 50 }), fc.double({ min: 0, max: 3600, noNaN: true }), (a, extra, t) => {
        const n = Math.floor(a) + 1 + extra;
        const q = (clerks: number) => ({ arrivalsPerHour: a * 60, serviceSeconds: 60, clerks });
        const f0 = queueFigures(q(n), t);
        const f1 = queueFigures(q(n + 1), t);
        expect(f1.pWait).toBeLessThanOrEqual(f0.pWait);
        expect(f1.pWait).toBeGreaterThanOrEqual(0);
        expect(f0.pWait).toBeLessThanOrEqual(1);
        expect(f1.meanWaitSeconds!).toBeLessThanOrEqual(f0.meanWaitSeconds!);
        expect(f1.shareWithinTarget).toBeGreaterThanOrEqual(f0.shareWithinTarget - 1e-15);
      }),
    );
  });

  it('recommends clerks that meet every target, while one fewer does not', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 2000, noNaN: true }),
        fc.integer({ min: 30, max: 1800 }),
        fc.record(
          {
            targetMeanWaitSeconds: fc.double({ min: 1, max: 3600, noNaN: true }),
            targetSeconds: fc.integer({ min: 0, max: 1800 }),
            targetShare: fc.double({ min: 0.05, max: 0.99, noNaN: true }),
            maxOccupancy: fc.double({ min: 0.3, max: 1, noNaN: true }),
            absence: fc.double({ min: 0, max: 0.5, noNaN: true }),
          },
          { requiredKeys: [] },
        ),
        (arrivalsPerHour, serviceSeconds, targets) => {
          const r = recommendClerks({ arrivalsPerHour, serviceSeconds, ...targets });
          expect(r.stable).toBe(true);
          if (r.targets.targetMeanWaitSeconds !== null) expect(r.meanWaitSeconds!).toBeLessThanOrEqual(r.targets.targetMeanWaitSeconds);
          if (r.targets.targetShare !== null) expect(r.shareWithinTarget).toBeGreaterThanOrEqual(r.targets.targetShare);
          expect(r.occupancy).toBeLessThanOrEqual(r.targets.maxOccupancy);
          expect(r.scheduled).toBeGreaterThanOrEqual(r.clerks);
          expect(r.scheduled * (1 - r.targets.absence)).toBeGreaterThanOrEqual(r.clerks - 1e-9);
          const fewer = evaluateClerks({ arrivalsPerHour, serviceSeconds, clerks: r.clerks - 1, ...targets });
          expect(fewer.broken.length).toBeGreaterThan(0);
          expect(fewer.broken).toEqual(r.limitedBy);
        },
      ),
    );
  });
});
