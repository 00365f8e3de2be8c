// Staffing for every point-hour of a month (src/queue/staffing.model.ts): 100 service points × 22 working days ×
// 9 open hours by Erlang C, then the day's reallocation of clerks between points for each of the 22 days.
// Run: npx tsx bench/staffing.bench.ts — prints figures only.

import { mulberry32 } from '../src/demo/demo.model.js';
import { recommendClerks } from '../src/queue/erlang.model.js';
import { parseSessions, sessionHours, type Session } from '../src/queue/simulation.model.js';
import { hourlyRequirements, proposeReallocation, type PointDay, type ReallocationBlocks } from '../src/queue/staffing.model.js';
import { f1, int, machineLine } from './lib/report.js';

// The province's counter demand, as in bench/queue-simulation.bench.ts: one provincial center, 12 district-level
// branches and 87 commune centers, about 4,000 tickets a working day; each point-day varies by ±15% around its weekday.
const SESSIONS: Session[] = parseSessions('07:30-11:30,13:00-17:00');
const OPEN_HOURS = sessionHours(SESSIONS); // 7, 8, 9, 10, 11, 13, 14, 15, 16
// Minutes the office is open in each of OPEN_HOURS.
const OPEN_MINUTES = OPEN_HOURS.map((h) => SESSIONS.reduce((m, s) => m + Math.max(0, Math.min(s.end, h * 60 + 60) - Math.max(s.start, h * 60)), 0));
// Relative arrival rate in each open hour (per minute open), from the usual shape of one-stop counters.
const SHAPE = [0.8, 1.5, 1.6, 1.3, 0.9, 0.8, 1.1, 1.0, 0.7];
// Monday to Friday.
const WEEKDAY_FACTOR = [1.15, 1.05, 0.95, 0.95, 0.9];

interface BenchPoint {
  code: string;
  ticketsPerDay: number;
  serviceSeconds: number;
}

function provincePoints(seed = 2025): BenchPoint[] {
  const rand = mulberry32(seed);
  const points: BenchPoint[] = [{ code: 'TTHCC', ticketsPerDay: 400, serviceSeconds: 600 }];
  for (let i = 1; i <= 12; i++) points.push({ code: `CN${String(i).padStart(2, '0')}`, ticketsPerDay: 70 + rand() * 60, serviceSeconds: 480 + rand() * 180 });
  for (let i = 1; i <= 87; i++) points.push({ code: `XA${String(i).padStart(2, '0')}`, ticketsPerDay: 15 + rand() * 25, serviceSeconds: 360 + rand() * 180 });
  const total = points.reduce((s, p) => s + p.ticketsPerDay, 0);
  // Scale the communes so the province issues 4,000 tickets on an average day.
  const communes = points.slice(13).reduce((s, p) => s + p.ticketsPerDay, 0);
  const k = (4000 - (total - communes)) / communes;
  for (const p of points.slice(13)) p.ticketsPerDay *= k;
  return points;
}

// Arrival rate per open hour (tickets per hour while open) for a point's day of `ticketsPerDay` tickets.
function hourlyRates(ticketsPerDay: number): number[] {
  const weight = SHAPE.reduce((s, x, i) => s + (x * OPEN_MINUTES[i]!) / 60, 0);
  return SHAPE.map((x) => (x * ticketsPerDay) / weight);
}

const DAYS = 22;
const points = provincePoints();
const noise = mulberry32(7);
// The month: each day, each point's hours with their rate, mean service time and open minutes.
const month = Array.from({ length: DAYS }, (_, d) =>
  points.map((p) => {
    const rates = hourlyRates(p.ticketsPerDay * WEEKDAY_FACTOR[d % 5]! * (0.85 + 0.3 * noise()));
    return { point: p.code, hours: OPEN_HOURS.map((hour, k) => ({ hour, arrivalsPerHour: rates[k]!, serviceSeconds: p.serviceSeconds, openMinutes: OPEN_MINUTES[k]! })) };
  }),
);
// Whole-day rosters: the mean of an average day's hourly needs, rounded; every 7th point one clerk short, every 9th one over.
const roster = points.map((p, i) => {
  const needs = hourlyRates(p.ticketsPerDay).map((rate) => recommendClerks({ arrivalsPerHour: rate, serviceSeconds: p.serviceSeconds }).clerks);
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
    const proposal = proposeReallocation(day.map((p, i): PointDay => ({ ...p, clerks: roster[i]! })), { blocks });
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
  const r = recommendClerks({ arrivalsPerHour: (load * 3600) / 300, serviceSeconds: 300, targetSeconds: 20, targetShare: 0.8, maxOccupancy: 1 });
  console.log(`recommendClerks at ${int(load)} erlangs (80% within 20 s): ${int(r.clerks)} clerks in ${f1(ms(t0))} ms, P(wait) ${r.pWait.toFixed(4)}`);
}
