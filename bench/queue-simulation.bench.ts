// A province-year of counter queues through the simulation (src/queue/simulation.model.ts): 100 service points ×
// 250 working days, about a million tickets, each point staffed hour by hour by Erlang C and a few of them short.
// Run: npx tsx bench/queue-simulation.bench.ts — prints figures only.

import { recommendClerks } from '../src/queue/erlang.model.js';
import { mulberry32 } from '../src/demo/demo.model.js';
import { expandHourly, parseSessions, sessionHours, simulateQueue, type Session, type SimulationInput } from '../src/queue/simulation.model.js';
import { f1, int, machineLine } from './lib/report.js';

// The province's counter demand: one provincial center, 12 district-level branches and 87 commune centers, about
// 4,000 tickets a working day in all; morning peak at 9h, a smaller one at 14h; Mondays busiest, Fridays quietest.
// (bench/staffing.bench.ts builds the same province.)
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

const WEEKS = 50; // 250 working days
const points = provincePoints();

// One input per point and weekday (simulated for 50 days): rates of that weekday, clerks planned for an average day
// (so Mondays run hot), one clerk fewer in the peak hours at every tenth point (the overloaded ones).
const inputs: SimulationInput[] = [];
points.forEach((p, i) => {
  const clerks = hourlyRates(p.ticketsPerDay).map((rate) => recommendClerks({ arrivalsPerHour: rate, serviceSeconds: p.serviceSeconds }).clerks);
  if (i % 10 === 5) for (const k of [1, 2, 3]) clerks[k] = Math.max(1, clerks[k]! - 1);
  WEEKDAY_FACTOR.forEach((factor, weekday) => {
    inputs.push({
      sessions: SESSIONS,
      arrivalsPerHour: expandHourly(hourlyRates(p.ticketsPerDay * factor), SESSIONS, 'arrivalsPerHour'),
      clerks: expandHourly(clerks, SESSIONS, 'clerks', { integer: true }),
      serviceSeconds: p.serviceSeconds,
      serviceCv: 0.7,
      priorityShare: 0.08,
      noShowShare: 0.04,
      recallSeconds: 60,
      targetSeconds: 900,
      days: WEEKS,
      seed: 1000 * i + weekday,
    });
  });
});

function provinceYear() {
  let tickets = 0;
  let served = 0;
  let waitSum = 0;
  let within = 0;
  let busyOverScheduled = 0;
  let overloaded = 0;
  const t0 = process.hrtime.bigint();
  for (const input of inputs) {
    const r = simulateQueue(input);
    tickets += r.arrivals;
    served += r.served;
    waitSum += r.meanWaitSeconds! * r.served;
    within += r.shareWithinTarget! * r.served;
    busyOverScheduled += r.utilization!;
    if (r.meanWaitSeconds! > 900) overloaded++;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { tickets, served, seconds, meanWait: waitSum / served, within: within / served, utilization: busyOverScheduled / inputs.length, overloaded };
}

console.log(machineLine());
console.log(`queue-simulation: ${points.length} points × ${WEEKS * 5} days (${inputs.length} runs of ${WEEKS} days), hours ${OPEN_HOURS.join(',')}; lognormal service (cv 0.7), 8% priority, 4% no-shows`);
for (const label of ['first run (cold JIT)', 'second run']) {
  const r = provinceYear();
  const mem = process.memoryUsage();
  console.log(
    `queue-simulation ${label}: ${int(r.tickets)} tickets in ${r.seconds.toFixed(2)} s = ${int(r.tickets / r.seconds)} tickets/s; ` +
      `heap used ${f1(mem.heapUsed / 2 ** 20)} MiB, rss ${f1(mem.rss / 2 ** 20)} MiB, peak rss ${f1(process.resourceUsage().maxRSS / 1024)} MiB`,
  );
  console.log(
    `  province: mean wait ${f1(r.meanWait)} s, ${(100 * r.within).toFixed(1)}% called within 15 min, mean utilization ${(100 * r.utilization).toFixed(1)}%, ` +
      `${r.overloaded} of ${inputs.length} point-weekdays with a mean wait over 15 min`,
  );
}
