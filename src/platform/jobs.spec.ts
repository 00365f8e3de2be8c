import { describe, expect, it } from 'vitest';
import { startPeriodic } from './jobs.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recorder() {
  const lines: { level: 'warn' | 'error'; obj: Record<string, unknown>; msg: string }[] = [];
  return {
    lines,
    log: {
      warn: (obj: object, msg: string) => lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
      error: (obj: object, msg: string) => lines.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
    },
  };
}

describe('startPeriodic', () => {
  it('keeps running after failed runs: a database away is a warning, any other failure an error', async () => {
    const { lines, log } = recorder();
    let runs = 0;
    const job = startPeriodic({
      name: 'detect-late',
      everyMs: 10,
      log,
      run: async () => {
        runs++;
        if (runs === 1) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        if (runs === 2) throw new Error('boom');
      },
    });
    while (runs < 4) await sleep(5);
    await job.stop();
    expect(lines.slice(0, 2)).toEqual([
      {
        level: 'warn',
        obj: { job: 'detect-late', reason: 'connect ECONNREFUSED 127.0.0.1:5432' },
        msg: 'job skipped: database unavailable',
      },
      { level: 'error', obj: { job: 'detect-late', err: new Error('boom') }, msg: 'job failed' },
    ]);
    expect(lines).toHaveLength(2);
  });

  it('never starts a run while the previous one is still going, and stop() waits for it', async () => {
    const { log } = recorder();
    let running = 0;
    let most = 0;
    let runs = 0;
    let finished = 0;
    const job = startPeriodic({
      name: 'slow',
      everyMs: 5,
      log,
      run: async () => {
        runs++;
        most = Math.max(most, ++running);
        await sleep(40);
        running--;
        finished++;
      },
    });
    while (runs < 2) await sleep(5);
    await job.stop();
    expect(most).toBe(1);
    expect(finished).toBe(runs); // the run in progress at stop() had finished when stop() resolved
    const after = runs;
    await sleep(30);
    expect(runs).toBe(after);
  });
});
