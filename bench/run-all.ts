// Runs every benchmark in sequence, each in its own process (so one's heap, JIT and pools never color the next).
// Run: npm run bench (or npx tsx bench/run-all.ts). Prints figures only; the exit code says whether they ran.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHES = [
  'due-dates.bench.ts',
  'intake.bench.ts',
  'tracking.bench.ts',
  'queue-simulation.bench.ts',
  'staffing.bench.ts',
  'export.bench.ts',
  'kpi.bench.ts',
  'portal-sync.bench.ts',
  'payment-callbacks.bench.ts',
];
const only = process.argv.slice(2);
let failed = 0;
for (const file of BENCHES) {
  if (only.length && !only.some((o) => file.startsWith(o))) continue;
  console.log(`\n=== bench/${file} ===`);
  const started = Date.now();
  // process.execArgv carries tsx's loader, so the child runs TypeScript the same way this process does.
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(new URL(`./${file}`, import.meta.url))], {
    stdio: 'inherit',
    env: process.env,
  });
  console.log(
    `=== bench/${file}: ${r.status === 0 ? 'done' : `exited with ${r.status ?? r.signal}`} in ${((Date.now() - started) / 1000).toFixed(0)} s ===`,
  );
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
