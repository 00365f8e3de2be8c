// A province-year of counter queues through the simulation (src/queue/simulation.model.ts): 100 service points ×
// 250 working days, about a million tickets, each point staffed hour by hour by Erlang C and a few of them short.
// Run: npx tsx bench/queue-simulation.bench.ts — prints figures only.

import { recommendClerks } from '../src/queue/erlang.model.js';
import { expandHourly, simulateQueue, type SimulationInput } from '../src/queue/simulation.model.js';
import { f1, int, machineLine } from './lib/report.js';
import { hourlyRates, OPEN_HOURS, provincePoints, SESSIONS, WEEKDAY_FACTOR } from './lib/queue-province.js';

// The province's counter demand (bench/lib/queue-province.ts), the same in both queue benchmarks.

const WEEKS = 50; // 250 working days
const points = provincePoints();

// One input per point and weekday (simulated for 50 days): rates of that weekday, clerks planned for an average day
// (so Mondays run hot), one clerk fewer in the peak hours at every tenth point (the overloaded ones).
const inputs: SimulationInput[] = [];
points.forEach((p, i) => {
  const clerks = hourlyRates(p.ticketsPerDay).map(
    (rate) => recommendClerks({ arrivalsPerHour: rate, serviceSeconds: p.serviceSeconds }).clerks,
  );
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
  return {
    tickets,
    served,
    seconds,
    meanWait: waitSum / served,
    within: within / served,
    utilization: busyOverScheduled / inputs.length,
    overloaded,
  };
}

console.log(machineLine());
console.log(
  `queue-simulation: ${points.length} points × ${WEEKS * 5} days (${inputs.length} runs of ${WEEKS} days), hours ${OPEN_HOURS.join(',')}; lognormal service (cv 0.7), 8% priority, 4% no-shows`,
);
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
