import { describe, it, expect } from 'vitest';
import { DomainError } from '../platform/errors.js';
import { queueFigures } from './erlang.model.js';
import { expandHourly, parseSessions, sessionHours, simulateQueue, simulationInput, type SimulationInput } from './simulation.model.js';

const ALL_DAY = [{ start: 0, end: 1440 }];

function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

// Independent replications (one 24-hour day each, its own seed): for each figure, its mean over them and the
// standard error of that mean, from their spread. Each day starts with an empty hall, so the days are independent
// and identically distributed.
type Result = ReturnType<typeof simulateQueue>;
function replicate<K extends string>(
  input: Omit<SimulationInput, 'seed' | 'days'>,
  runs: number,
  figures: Record<K, (r: Result) => number>,
) {
  const xs = Object.fromEntries(Object.keys(figures).map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let seed = 1; seed <= runs; seed++) {
    const r = simulateQueue({ ...input, seed, days: 1 });
    for (const k in figures) xs[k].push(figures[k](r));
  }
  const out = {} as Record<K, { mean: number; se: number }>;
  for (const k in xs) {
    const mean = xs[k].reduce((s, x) => s + x, 0) / runs;
    const variance = xs[k].reduce((s, x) => s + (x - mean) ** 2, 0) / (runs - 1);
    out[k] = { mean, se: Math.sqrt(variance / runs) };
  }
  return out;
}

describe('simulateQueue agrees with queueing formulas where their assumptions hold', () => {
  // The Call Centre Helper example hour held all day: 200 an hour of 180 s on 14 clerks (10 erlangs). Erlang C
  // (cross-checked with mpmath's direct formula): P(wait) = 0.174132, mean wait 7.83594 s, 88.835% within 20 s,
  // occupancy 0.714286. Exponential service, constant rate, no priority, no no-shows; 100 days of about 4,800
  // tickets. The hall starts empty at midnight; the relaxation time s/(√n − √a)² ≈ 540 s is 0.6% of the day, so the
  // start-up bias is well under the standard error. Tolerance: 4 standard errors of the mean over the days.
  const input: Omit<SimulationInput, 'seed' | 'days'> = {
    sessions: ALL_DAY,
    arrivalsPerHour: new Array(24).fill(200),
    clerks: new Array(24).fill(14),
    serviceSeconds: 180,
    targetSeconds: 20,
  };
  const erlang = queueFigures({ arrivalsPerHour: 200, serviceSeconds: 180, clerks: 14 }, 20);

  it('matches the Erlang C mean wait, share within 20 s, probability of waiting and occupancy', () => {
    const r = replicate({ ...input, keepTickets: true }, 400, {
      wait: (x) => x.meanWaitSeconds!,
      share: (x) => x.shareWithinTarget!,
      waited: (x) => x.tickets!.waitSeconds.filter((w) => w > 0).length / x.served,
      busy: (x) => x.utilization!,
    });
    expect(r.wait.se).toBeLessThan(0.03 * erlang.meanWaitSeconds!);
    expect(Math.abs(r.wait.mean - erlang.meanWaitSeconds!)).toBeLessThan(4 * r.wait.se);
    expect(Math.abs(r.share.mean - erlang.shareWithinTarget)).toBeLessThan(4 * r.share.se);
    expect(Math.abs(r.waited.mean - erlang.pWait)).toBeLessThan(4 * r.waited.se);
    expect(Math.abs(r.busy.mean - erlang.occupancy)).toBeLessThan(4 * r.busy.se);
  });

  it('matches Cobham’s formula for strict priority, and keeps the overall mean wait under the fairness rule', () => {
    // Non-preemptive priority in M/M/n with one service rate for every class (Cobham 1954; Gross & Harris,
    // Fundamentals of Queueing Theory, priority disciplines): W_k = (C·s/n) / ((1 − σ_{k−1})(1 − σ_k)), σ_k the
    // load per clerk of classes 1..k. Priority share 0.3: σ1 = 0.3 × 10/14, σ2 = 10/14. With any order that does
    // not look at service times the overall mean wait is that of first come first served (conservation law).
    const c = erlang.pWait;
    const rho = 10 / 14;
    const w0 = (c * 180) / 14;
    const priorityWait = w0 / (1 - 0.3 * rho);
    const normalWait = w0 / ((1 - 0.3 * rho) * (1 - rho));
    const strict = replicate({ ...input, priorityShare: 0.3, maxPriorityInARow: Infinity }, 400, {
      p: (r) => r.priority.meanWaitSeconds!,
      n: (r) => r.normal.meanWaitSeconds!,
    });
    expect(Math.abs(strict.p.mean - priorityWait)).toBeLessThan(4 * strict.p.se);
    expect(Math.abs(strict.n.mean - normalWait)).toBeLessThan(4 * strict.n.se);
    const fair = replicate({ ...input, priorityShare: 0.3 }, 400, {
      all: (r) => r.meanWaitSeconds!,
      p: (r) => r.priority.meanWaitSeconds!,
    });
    expect(Math.abs(fair.all.mean - erlang.meanWaitSeconds!)).toBeLessThan(4 * fair.all.se);
    // Three priority calls at most before a waiting normal ticket: priority tickets wait longer than under strict priority.
    expect(fair.p.mean).toBeGreaterThan(strict.p.mean);
  });

  it('matches the Pollaczek–Khinchine mean wait for one clerk with lognormal service times', () => {
    // M/G/1 (Kleinrock, Queueing Systems vol. 1, ch. 5): W = ρ·s·(1 + cv²) / (2(1 − ρ)). 30 an hour of 60 s
    // (ρ = 0.5), cv = 0.5: W = 0.5 × 60 × 1.25 / 1 = 37.5 s, against 60 s for exponential service (cv = 1).
    const mg1 = {
      sessions: ALL_DAY,
      arrivalsPerHour: new Array(24).fill(30),
      clerks: new Array(24).fill(1),
      serviceSeconds: 60,
      serviceCv: 0.5,
    };
    const { w } = replicate(mg1, 300, { w: (r) => r.meanWaitSeconds! });
    expect(w.se).toBeLessThan(0.03 * 37.5);
    expect(Math.abs(w.mean - 37.5)).toBeLessThan(4 * w.se);
    // The service times themselves: mean 60 s and coefficient of variation 0.5.
    const t = simulateQueue({ ...mg1, days: 20, keepTickets: true }).tickets!.serviceSeconds;
    const mean = t.reduce((s, x) => s + x, 0) / t.length;
    const sd = Math.sqrt(t.reduce((s, x) => s + (x - mean) ** 2, 0) / (t.length - 1));
    expect(Math.abs(mean - 60)).toBeLessThan((4 * 30) / Math.sqrt(t.length));
    expect(sd / mean).toBeCloseTo(0.5, 1);
  });
});

describe('simulateQueue rules', () => {
  const busyHall: SimulationInput = {
    sessions: parseSessions('08:00-10:00'),
    arrivalsPerHour: new Array(24).fill(40),
    clerks: new Array(24).fill(1),
    serviceSeconds: 300,
    priorityShare: 0.5,
    keepTickets: true,
    seed: 7,
  };

  // Calls in the order they happened: at each call, whether it was a priority ticket and whether a normal one waited.
  function calls(r: ReturnType<typeof simulateQueue>) {
    const t = r.tickets!;
    const order = Array.from(t.waitSeconds.keys()).sort(
      (i, j) => t.arrivalSeconds[i]! + t.waitSeconds[i]! - (t.arrivalSeconds[j]! + t.waitSeconds[j]!),
    );
    return order.map((i) => {
      const at = t.arrivalSeconds[i]! + t.waitSeconds[i]!;
      const normalWaiting = order.some(
        (j) => !t.priority[j] && t.arrivalSeconds[j]! <= at && t.arrivalSeconds[j]! + t.waitSeconds[j]! > at,
      );
      return { priority: t.priority[i] === 1, normalWaiting };
    });
  }

  it('never calls more than maxPriorityInARow priority tickets in a row while a normal ticket waits', () => {
    for (const k of [1, 3]) {
      const seq = calls(simulateQueue({ ...busyHall, maxPriorityInARow: k }));
      let run = 0;
      let longest = 0;
      for (const c of seq) {
        run = c.priority && c.normalWaiting ? run + 1 : 0;
        longest = Math.max(longest, run);
      }
      expect(longest).toBe(k);
    }
  });

  it('calls a priority ticket before a normal one that came earlier', () => {
    const r = simulateQueue(busyHall);
    expect(r.priority.meanWaitSeconds!).toBeLessThan(r.normal.meanWaitSeconds!);
  });

  it('lets a no-show cost the clerk the recall time and leaves it out of the waits', () => {
    const r = simulateQueue({ ...busyHall, priorityShare: 0, noShowShare: 0.2, recallSeconds: 120, days: 50 });
    expect(r.served + r.noShows).toBe(r.arrivals);
    // Binomial: 20% of the calls, within 4 standard errors.
    expect(Math.abs(r.noShows / r.arrivals - 0.2)).toBeLessThan(4 * Math.sqrt((0.2 * 0.8) / r.arrivals));
    const t = r.tickets!;
    expect(t.serviceSeconds.filter((_, i) => t.noShow[i] === 1 && t.serviceSeconds[i] !== 0).length).toBe(0);
    expect(r.meanServiceSeconds).toBeGreaterThan(250);
  });

  it('makes tickets wait for the hour clerks come on duty, and serves them all after the session ends', () => {
    const r = simulateQueue({ ...busyHall, priorityShare: 0, clerks: expandHourly([0, 2], busyHall.sessions, 'clerks'), days: 5 });
    const t = r.tickets!;
    expect(Math.min(...t.arrivalSeconds.map((a, i) => a + t.waitSeconds[i]!))).toBeGreaterThanOrEqual(9 * 3600);
    expect(r.served).toBe(r.arrivals);
    expect(r.overtimeSecondsPerDay).toBeGreaterThan(0);
    expect(r.hours.map((h) => [h.hour, h.clerks])).toEqual([
      [8, 0],
      [9, 2],
    ]);
    expect(r.hours[0]!.utilization).toBeNull();
  });

  it('issues no ticket outside the sessions and counts a partly open hour by its open minutes', () => {
    const r = simulateQueue({
      sessions: parseSessions('07:30-08:30'),
      arrivalsPerHour: new Array(24).fill(60),
      clerks: new Array(24).fill(3),
      serviceSeconds: 120,
      days: 200,
      keepTickets: true,
    });
    const issued = r.tickets!.arrivalSeconds;
    expect(Math.min(...issued)).toBeGreaterThanOrEqual(7.5 * 3600);
    expect(Math.max(...issued)).toBeLessThan(8.5 * 3600);
    // 30 minutes at 60 an hour in each of hours 7 and 8: 30 a day each, Poisson, within 4 standard errors.
    for (const h of r.hours) expect(Math.abs(h.arrivals - 30 * 200)).toBeLessThan(4 * Math.sqrt(30 * 200));
  });

  it('gives the same figures for the same seed and different ones for another', () => {
    const a = simulateQueue({ ...busyHall, keepTickets: false });
    expect(simulateQueue({ ...busyHall, keepTickets: false })).toEqual(a);
    expect(simulateQueue({ ...busyHall, keepTickets: false, seed: 8 }).meanWaitSeconds).not.toBe(a.meanWaitSeconds);
  });

  it('reports no wait figures for a day without tickets', () => {
    const r = simulateQueue({ ...busyHall, arrivalsPerHour: new Array(24).fill(0) });
    expect(r).toMatchObject({
      arrivals: 0,
      served: 0,
      meanWaitSeconds: null,
      p90WaitSeconds: null,
      shareWithinTarget: null,
      utilization: 0,
    });
  });
});

describe('simulation input', () => {
  it('reads sessions and spreads per-hour values over the hours they touch', () => {
    const sessions = parseSessions('07:30-11:30,13:00-17:00');
    expect(sessions).toEqual([
      { start: 450, end: 690 },
      { start: 780, end: 1020 },
    ]);
    expect(sessionHours(sessions)).toEqual([7, 8, 9, 10, 11, 13, 14, 15, 16]);
    const perHour = expandHourly([1, 2, 3, 4, 5, 6, 7, 8, 9], sessions, 'clerks');
    expect(perHour.slice(7, 17)).toEqual([1, 2, 3, 4, 5, 0, 6, 7, 8, 9]);
    expect(expandHourly(4, sessions, 'clerks')).toEqual(new Array(24).fill(4));
  });

  it('plans the clerks of each open hour by Erlang C when none are given', () => {
    const input = simulationInput({ sessions: '08:00-10:00', arrivalsPerHour: [30, 60], serviceSeconds: 600 });
    // 5 and 10 erlangs under the default 85% occupancy cap and 900 s mean wait: 6 and 12 clerks.
    expect(input.clerks.slice(7, 11)).toEqual([0, 6, 12, 0]);
  });

  it('names the bad parameter', () => {
    const cases: [() => unknown, string][] = [
      [() => parseSessions('7h30-11h30'), 'sessions'],
      [() => parseSessions('13:00-11:00'), 'sessions'],
      [() => expandHourly([1, 2, 3], parseSessions('07:30-11:30,13:00-17:00'), 'arrivalsPerHour'), 'arrivalsPerHour'],
      [() => simulationInput({ arrivalsPerHour: 10, serviceSeconds: 300, clerks: 1.5 }), 'clerks'],
      [() => simulateQueue({ ...simulationInput({ arrivalsPerHour: 10, serviceSeconds: 300, clerks: 2 }), noShowShare: 1 }), 'noShowShare'],
      [
        () => simulateQueue({ ...simulationInput({ arrivalsPerHour: 10, serviceSeconds: 300, clerks: 2 }), maxPriorityInARow: 0 }),
        'maxPriorityInARow',
      ],
      [() => simulateQueue({ ...simulationInput({ arrivalsPerHour: 1000, serviceSeconds: 300, clerks: 2 }), days: 100_000 }), 'days'],
    ];
    for (const [fn, field] of cases) {
      const e = domainError(fn);
      expect(e.code).toBe('VALIDATION');
      expect(e.extra.field).toBe(field);
    }
  });
});
