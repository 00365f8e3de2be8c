import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect, beforeAll } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The project's own tsx, as `npx tsx` would find it, without npm's start-up cost.
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function due(received: string, limit: string, unit: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      ['src/cli.ts', 'due', '--received', received, '--limit', limit, '--unit', unit],
      { cwd: root, env: { ...process.env, TZ: 'UTC' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
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

// The planning commands (src/queue): pure math, no database, so they start as fast as `due`.
function motcua(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(tsx, ['src/cli.ts', ...args], { cwd: root, env: { ...process.env, TZ: 'UTC' }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const planning: Record<string, string[]> = {
  // Call Centre Helper's worked example: 100 calls per 30 min, AHT 180 s, 80% in 20 s, 30% shrinkage → 14 agents, 20 rostered.
  recommend: [
    'staffing',
    '--arrivals-per-hour',
    '200',
    '--service-seconds',
    '180',
    '--target-seconds',
    '20',
    '--target-share',
    '0.8',
    '--absence',
    '0.3',
  ],
  // Westbay Engineers' worked example: 360 calls per half hour, 240 s, 55 agents → E_c 0.2387, 8.184 s, 84.59% within 15 s.
  given: ['staffing', '--arrivals-per-hour', '720', '--service-seconds', '240', '--clerks', '55', '--target-seconds', '15'],
  defaults: ['staffing', '--arrivals-per-hour', '30', '--service-seconds', '600'],
  unstable: ['staffing', '--arrivals-per-hour', '60', '--service-seconds', '180', '--clerks', '3'],
  badShare: ['staffing', '--arrivals-per-hour', '60', '--service-seconds', '180', '--target-share', '1.5'],
  badService: ['staffing', '--arrivals-per-hour', '60', '--service-seconds', 'ten'],
  simulate: [
    'simulate-queue',
    '--arrivals-per-hour',
    '10,30,35,25,8,12,20,18,10',
    '--service-seconds',
    '480',
    '--clerks',
    '2,5,6,4,2,2,3,3,2',
    '--priority-share',
    '0.1',
    '--no-show-share',
    '0.05',
    '--days',
    '20',
    '--seed',
    '3',
  ],
  simulateAgain: [
    'simulate-queue',
    '--arrivals-per-hour',
    '10,30,35,25,8,12,20,18,10',
    '--service-seconds',
    '480',
    '--clerks',
    '2,5,6,4,2,2,3,3,2',
    '--priority-share',
    '0.1',
    '--no-show-share',
    '0.05',
    '--days',
    '20',
    '--seed',
    '3',
  ],
  badHours: ['simulate-queue', '--arrivals-per-hour', '10,30', '--service-seconds', '480'],
  badNoShow: ['simulate-queue', '--arrivals-per-hour', '10', '--service-seconds', '480', '--no-show-share', '1'],
};
const planned = new Map<string, Run>();
beforeAll(async () => {
  const names = Object.keys(planning);
  const results = await Promise.all(names.map((n) => motcua(planning[n]!)));
  names.forEach((n, i) => planned.set(n, results[i]!));
}, 120_000);

function ok(name: string): Record<string, unknown> {
  const r = planned.get(name)!;
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('motcua staffing', () => {
  it('recommends the clerks for a share-within-target goal, and the roster for the absence allowance', () => {
    const out = ok('recommend');
    expect(out).toMatchObject({ clerks: 14, scheduled: 20, targetSeconds: 20, stable: true, limitedBy: ['share'] });
    expect(out.pWait).toBeCloseTo(0.17413, 5);
    expect(out.meanWaitSeconds).toBeCloseTo(7.836, 3);
    expect(out.shareWithinTarget).toBeCloseTo(0.88835, 5);
    expect(out.occupancy).toBeCloseTo(0.714, 3);
  });

  it('prints the figures for a given clerk count', () => {
    const out = ok('given');
    expect(out).toMatchObject({ clerks: 55, scheduled: 55, offeredLoad: 48 });
    expect(out.pWait).toBeCloseTo(0.2387, 4);
    expect(out.meanWaitSeconds).toBeCloseTo(8.184, 3);
    expect(out.shareWithinTarget).toBeCloseTo(0.8459, 4);
    expect(out.occupancy).toBeCloseTo(0.873, 3);
  });

  it('aims at a 900 s mean wait and 85% occupancy when no target is given', () => {
    const out = ok('defaults');
    expect(out).toMatchObject({ clerks: 6, targets: { targetMeanWaitSeconds: 900, maxOccupancy: 0.85, absence: 0 } });
    expect(out.meanWaitSeconds).toBeCloseTo(352.51, 2);
  });

  it('reports an unstable queue with null mean wait', () => {
    expect(ok('unstable')).toMatchObject({
      stable: false,
      pWait: 1,
      meanWaitSeconds: null,
      shareWithinTarget: 0,
      broken: ['stability', 'meanWait', 'occupancy'],
    });
  });

  it.each([
    ['badShare', "option '--target-share <p>'"],
    ['badService', "option '--service-seconds <s>'"],
  ])('exits non-zero on %s, naming the option', (name, option) => {
    const r = planned.get(name)!;
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(option);
  });
});

describe('motcua simulate-queue', () => {
  it('prints the same summary for the same seed', () => {
    const out = ok('simulate');
    expect(planned.get('simulateAgain')!.stdout).toBe(planned.get('simulate')!.stdout);
    expect(out).toMatchObject({ days: 20, seed: 3, sessions: '07:30-11:30,13:00-17:00' });
    expect((out.served as number) + (out.noShows as number)).toBe(out.arrivals);
    expect((out.noShows as number) > 0 && (out.priority as { arrivals: number }).arrivals > 0).toBe(true);
    expect((out.hours as { hour: number; clerks: number }[]).map((h) => [h.hour, h.clerks])).toEqual([
      [7, 2],
      [8, 5],
      [9, 6],
      [10, 4],
      [11, 2],
      [13, 2],
      [14, 3],
      [15, 3],
      [16, 2],
    ]);
  });

  it.each([
    ['badHours', "option '--arrivals-per-hour <λ>'"],
    ['badNoShow', "option '--no-show-share <p>'"],
  ])('exits non-zero on %s, naming the option', (name, option) => {
    const r = planned.get(name)!;
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(option);
  });
});
