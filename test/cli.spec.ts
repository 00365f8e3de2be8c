import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect, beforeAll } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The project's own tsx, as `npx tsx` would find it, without npm's start-up cost.
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

interface Run { code: number; stdout: string; stderr: string }

function due(received: string, limit: string, unit: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(tsx, ['src/cli.ts', 'due', '--received', received, '--limit', limit, '--unit', unit], { cwd: root, env: { ...process.env, TZ: 'UTC' }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

// Each run costs a second or more of start-up, so the few cases start together and are checked one by one.
const valid: [string, string, string, string, string][] = [
  ['3 working days from a Friday morning', '2025-03-14T10:00:00+07:00', '3', 'working-days', '2025-03-19T17:00:00+07:00'],
  // 2027 has no announced schedule: Tết (6 Feb) falls on a Saturday, so 5–9 Feb are off plus 10–11 Feb in compensation.
  ['2 working days across Tết 2027 (lunar default)', '2027-02-04T10:00:00+07:00', '2', 'working-days', '2027-02-15T17:00:00+07:00'],
  // Fri 15:00–17:00 is 2 h; Tết 2026 is off from Sat 14 to Sun 22 Feb; Mon 23 Feb 07:30 + 2 h.
  ['4 working hours across Tết 2026', '2026-02-13T15:00:00+07:00', '4', 'working-hours', '2026-02-23T09:30:00+07:00'],
  // The 2nd day is Sun 1 Sep, inside National Day 2024 (31 Aug – 3 Sep): it ends on the next working day.
  ['2 calendar days ending in National Day 2024', '2024-08-30T10:00:00+07:00', '2', 'days', '2024-09-04T17:00:00+07:00'],
  // 30 Feb does not exist: the last day of February, Sat 28 Feb 2026, then the next working day.
  ['1 month from 30 January 2026', '2026-01-30T10:00:00+07:00', '1', 'months', '2026-03-02T17:00:00+07:00'],
];
const invalid: [string, string, string, string, string][] = [
  ['an unknown unit', '2025-03-14T10:00:00+07:00', '3', 'weeks', "option '--unit <unit>'"],
  ['a fractional number of days', '2025-03-14T10:00:00+07:00', '1.5', 'days', "option '--limit <n>'"],
  ['a receipt time without its UTC offset', '2025-03-14T10:00:00', '3', 'working-days', "option '--received <iso>'"],
];

const runs = new Map<string, Run>();
beforeAll(async () => {
  const all = [...valid, ...invalid];
  const results = await Promise.all(all.map(([, received, limit, unit]) => due(received, limit, unit)));
  all.forEach(([label], i) => runs.set(label, results[i]!));
}, 120_000);

describe('motcua due', () => {
  it.each(valid)('computes %s', (label, _received, _limit, _unit, expected) => {
    const r = runs.get(label)!;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ due: expected });
    expect(r.stdout).toBe(`${JSON.stringify({ due: expected })}\n`);
  });

  it.each(invalid)('exits non-zero on %s, naming the option', (label, _received, _limit, _unit, option) => {
    const r = runs.get(label)!;
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(option);
  });
});
