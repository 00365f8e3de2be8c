// Throughput of WorkingCalendar.dueDateMs on the demo calendar.
// Run: npx tsx bench/due-dates.bench.ts — prints figures only.

import { DEMO_OFFICE_HOURS, WorkingCalendar, type LimitUnit } from '../src/calendar/calendar.model.js';
import { mulberry32 } from '../src/platform/random.js';

const N = 1_000_000;
const UNITS: LimitUnit[] = ['working-hours', 'working-days', 'days', 'months'];
const FROM_MS = Date.parse('2024-01-01T00:00:00+07:00');
const TO_MS = Date.parse('2031-01-01T00:00:00+07:00');

interface Inputs {
  at: Float64Array;
  limit: Int32Array;
  unit: LimitUnit[];
}

function generate(seed: number, unitOf: (r: number) => LimitUnit): Inputs {
  const rand = mulberry32(seed);
  const at = new Float64Array(N);
  const limit = new Int32Array(N);
  const unit = new Array<LimitUnit>(N);
  for (let i = 0; i < N; i++) {
    // Whole minutes, as receipts are stamped in practice.
    at[i] = FROM_MS + Math.floor(rand() * ((TO_MS - FROM_MS) / 60_000)) * 60_000;
    limit[i] = 1 + Math.floor(rand() * 60);
    unit[i] = unitOf(rand());
  }
  return { at, limit, unit };
}

function run(calendar: WorkingCalendar, inputs: Inputs): { ms: number; sink: number } {
  const { at, limit, unit } = inputs;
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) sink ^= calendar.dueDateMs(at[i]!, limit[i]!, unit[i]!) / 60_000;
  const t1 = process.hrtime.bigint();
  return { ms: Number(t1 - t0) / 1e6, sink };
}

function report(label: string, ms: number): void {
  const perSecond = N / (ms / 1000);
  console.log(`due-dates ${label}: ${N} computations in ${Math.round(ms)} ms = ${(perSecond / 1e6).toFixed(1)} M/s`);
}

const calendar = new WorkingCalendar({ officeHours: DEMO_OFFICE_HOURS });
const mixed = generate(20_250_314, (r) => UNITS[Math.floor(r * UNITS.length)]!);
const perUnit = UNITS.map((u, k) => ({ u, inputs: generate(1_000 + k, () => u) }));

// Warm-up: let the JIT settle and build the year tables, which are per calendar and lazy.
const t0 = process.hrtime.bigint();
run(calendar, mixed);
console.log(`due-dates warm-up (includes building 2024–2031 tables): ${Math.round(Number(process.hrtime.bigint() - t0) / 1e6)} ms`);

let checksum = 0;
for (const { u, inputs } of perUnit) {
  const { ms, sink } = run(calendar, inputs);
  checksum ^= sink;
  report(`[${u}]`, ms);
}
const overall = run(calendar, mixed);
checksum ^= overall.sink;
report('[mixed units]', overall.ms);
// Printed so the computed results are observably used and the loop cannot be optimised away.
console.log(`checksum: ${checksum}`);
