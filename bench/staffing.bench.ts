// Staffing for every point-hour of a month (src/queue/staffing.model.ts): 100 service points × 22 working days ×
// 9 open hours by Erlang C, then the day's reallocation of clerks between points for each of the 22 days.
// Run: npx tsx bench/staffing.bench.ts — prints figures only.

import { mulberry32 } from '../src/platform/random.js';
import { recommendClerks } from '../src/queue/erlang.model.js';
import { hourlyRequirements, proposeReallocation, type PointDay, type ReallocationBlocks } from '../src/queue/staffing.model.js';
import { f1, int, machineLine } from './lib/report.js';
import { hourlyRates, OPEN_HOURS, OPEN_MINUTES, provincePoints, WEEKDAY_FACTOR } from './lib/queue-province.js';

// The province's counter demand (bench/lib/queue-province.ts), the same in both queue benchmarks.

const DAYS = 22;
const points = provincePoints();
const noise = mulberry32(7);
// The month: each day, each point's hours with their rate, mean service time and open minutes.
const month = Array.from({ length: DAYS }, (_, d) =>
  points.map((p) => {
    const rates = hourlyRates(p.ticketsPerDay * WEEKDAY_FACTOR[d % 5]! * (0.85 + 0.3 * noise()));
    return {
      point: p.code,
      hours: OPEN_HOURS.map((hour, k) => ({
        hour,
        arrivalsPerHour: rates[k]!,
        serviceSeconds: p.serviceSeconds,
        openMinutes: OPEN_MINUTES[k]!,
      })),
    };
  }),
);
// Whole-day rosters: the mean of an average day's hourly needs, rounded; every 7th point one clerk short, every 9th one over.
const roster = points.map((p, i) => {
  const needs = hourlyRates(p.ticketsPerDay).map(
    (rate) => recommendClerks({ arrivalsPerHour: rate, serviceSeconds: p.serviceSeconds }).clerks,
  );
  const n = Math.round(needs.reduce((s, x) => s + x, 0) / needs.length);
  return Math.max(1, n + (i % 7 === 3 ? -1 : 0) + (i % 9 === 4 ? 1 : 0));
});

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

console.log(machineLine());
const pointHours = month.reduce((s, day) => s + day.reduce((t, p) => t + p.hours.length, 0), 0);
const runs: number[] = [];
let rows = 0;
let clerkHours = 0;
for (let run = 0; run < 5; run++) {
  const t0 = process.hrtime.bigint();
  rows = 0;
  clerkHours = 0;
  for (const day of month) {
    for (const r of hourlyRequirements(day)) {
      rows++;
      clerkHours += r.clerks;
    }
  }
  runs.push(ms(t0));
}
const sorted = [...runs].sort((a, b) => a - b);
console.log(
  `staffing requirements: ${int(rows)} point-hours (${points.length} points × ${DAYS} days × ${OPEN_HOURS.length} hours) in ${f1(runs[0]!)} ms first run, ` +
    `${f1(sorted[2]!)} ms median of 5 = ${int(rows / (sorted[2]! / 1000))} point-hours/s; ${int(clerkHours)} clerk-hours needed`,
);
if (rows !== pointHours) throw new Error('a point-hour is missing');

for (const blocks of ['day', 'half-day'] as ReallocationBlocks[]) {
  const t0 = process.hrtime.bigint();
  let moves = 0;
  let clerksMoved = 0;
  let missBefore = 0;
  let missAfter = 0;
  let waitBefore = 0;
  let waitAfter = 0;
  let tickets = 0;
  let unstableBefore = 0;
  for (const day of month) {
    const proposal = proposeReallocation(
      day.map((p, i): PointDay => ({ ...p, clerks: roster[i]! })),
      { blocks },
    );
    moves += proposal.moves.length;
    clerksMoved += proposal.moves.reduce((s, m) => s + m.count, 0);
    for (const p of proposal.points) {
      if (!p.before.meetsTarget) missBefore++;
      if (!p.after.meetsTarget) missAfter++;
      if (p.before.meanWaitSeconds === null) unstableBefore++;
      else if (p.after.meanWaitSeconds !== null) {
        waitBefore += p.before.meanWaitSeconds * p.before.arrivals;
        waitAfter += p.after.meanWaitSeconds * p.after.arrivals;
        tickets += p.before.arrivals;
      }
    }
  }
  console.log(
    `reallocation (${blocks}) for the month's ${DAYS} days: ${f1(ms(t0))} ms; ${int(clerksMoved)} clerk moves in ${int(moves)} transfers; ` +
      `point-days missing the target ${missBefore} → ${missAfter} of ${DAYS * points.length} (${unstableBefore} overloaded before); ` +
      `mean wait at points stable before and after ${f1(waitBefore / tickets)} s → ${f1(waitAfter / tickets)} s`,
  );
}

// Large loads: the B recursion keeps a recommendation finite for thousands of erlangs.
for (const load of [1000, 3000, 5000]) {
  const t0 = process.hrtime.bigint();
  const r = recommendClerks({
    arrivalsPerHour: (load * 3600) / 300,
    serviceSeconds: 300,
    targetSeconds: 20,
    targetShare: 0.8,
    maxOccupancy: 1,
  });
  console.log(
    `recommendClerks at ${int(load)} erlangs (80% within 20 s): ${int(r.clerks)} clerks in ${f1(ms(t0))} ms, P(wait) ${r.pWait.toFixed(4)}`,
  );
}
