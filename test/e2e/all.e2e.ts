/**
 * Runs the browser scenarios (staff, citizen, queue, payment) at once against one freshly seeded server, as CI does:
 * one seed and one server instead of three, and the scenarios overlap (each waits on its browser much of the
 * time). Each scenario runs in its own process with MOTCUA_URL set, exactly as against any running server;
 * its output is printed, prefixed with its name, and the run fails if any scenario fails.
 *
 *   npx tsx test/e2e/all.e2e.ts            # all four
 *   npx tsx test/e2e/all.e2e.ts staff queue
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { log, ROOT, startServer } from './lib.js';

const SCENARIOS = ['staff', 'citizen', 'queue', 'payment'] as const;
const chosen = process.argv.slice(2);
for (const c of chosen)
  if (!(SCENARIOS as readonly string[]).includes(c)) throw new Error(`unknown scenario ${c}: one of ${SCENARIOS.join(', ')}`);
const run = chosen.length ? chosen : [...SCENARIOS];

function scenario(name: string, url: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), `test/e2e/${name}.e2e.ts`], {
      cwd: ROOT,
      env: { ...process.env, MOTCUA_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const prefix = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) => {
      let rest = '';
      stream.on('data', (b: Buffer) => {
        const lines = (rest + b.toString()).split('\n');
        rest = lines.pop() ?? '';
        for (const l of lines) out.write(`[${name}] ${l}\n`);
      });
      stream.on('end', () => rest && out.write(`[${name}] ${rest}\n`));
    };
    prefix(child.stdout, process.stdout);
    prefix(child.stderr, process.stderr);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const server = await startServer();
let failed: string[] = [];
try {
  log(`running ${run.join(', ')} against ${server.url}`);
  const codes = await Promise.all(run.map((name) => scenario(name, server.url)));
  failed = run.filter((_, i) => codes[i] !== 0);
} finally {
  await server.stop();
}
if (failed.length) {
  console.error(`✗ browser scenarios failed: ${failed.join(', ')}`);
  process.exit(1);
}
log(`all browser scenarios passed: ${run.join(', ')}`);
