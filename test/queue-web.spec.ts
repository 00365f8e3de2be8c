import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalizePhone } from '../src/dossiers/dossier.model.js';
import {
  addDays,
  applyCall,
  applyWaiting,
  BOARD_CALLS,
  formatDuration,
  isVietnamesePhone,
  parseDossierCodes,
  vietnamTime,
  vietnamToday,
  waitWords,
  type CallEvent,
} from '../web/src/queue/queue.model.js';
import type { Board } from '../web/src/queue/queue.api.js';

const board = (labels: [number, string][]): Board => ({
  unitId: 2,
  nameVi: 'Trung tâm',
  nameEn: 'Center',
  calls: labels.map(([ticketId, label]) => ({
    ticketId,
    label,
    counterNumber: 1,
    counterNameVi: 'Quầy 1',
    counterNameEn: 'Counter 1',
    callCount: 1,
    priority: false,
    status: 'done',
    at: '2026-11-23T01:00:00.000Z',
  })),
  groups: [{ id: 1, code: 'A', waiting: 3 }],
});
const call = (ticketId: number, label: string, callCount = 1): CallEvent => ({
  type: 'call',
  ticketId,
  label,
  counterNumber: 3,
  counterNameVi: 'Quầy 3',
  counterNameEn: 'Counter 3',
  callCount,
  priority: true,
  at: '2026-11-23T02:00:00.000Z',
});

describe('the display board under live events', () => {
  it('puts a call on top as called at its counter, keeping the list’s length', () => {
    const full = board(Array.from({ length: BOARD_CALLS }, (_, i) => [i + 1, `A00${i + 1}`] as [number, string]));
    const next = applyCall(full, call(99, 'B001'));
    expect(next.calls.map((c) => c.label)).toEqual(['B001', 'A001', 'A002', 'A003', 'A004', 'A005', 'A006', 'A007']);
    expect(next.calls[0]).toMatchObject({ ticketId: 99, counterNumber: 3, counterNameVi: 'Quầy 3', status: 'called', priority: true });
    expect(full.calls).toHaveLength(BOARD_CALLS); // the board it came from is unchanged
  });

  it('moves a recalled ticket to the top once, with its new call count', () => {
    const next = applyCall(
      board([
        [1, 'A001'],
        [2, 'A002'],
        [3, 'A003'],
      ]),
      call(2, 'A002', 2),
    );
    expect(next.calls.map((c) => [c.label, c.callCount])).toEqual([
      ['A002', 2],
      ['A001', 1],
      ['A003', 1],
    ]);
  });

  it('replaces the waiting counts', () => {
    expect(
      applyWaiting(board([]), {
        type: 'waiting',
        groups: [
          { id: 1, code: 'A', waiting: 0 },
          { id: 2, code: 'B', waiting: 4 },
        ],
      }).groups,
    ).toEqual([
      { id: 1, code: 'A', waiting: 0 },
      { id: 2, code: 'B', waiting: 4 },
    ]);
  });
});

describe('waits and durations in words', () => {
  it('rounds a citizen’s wait up to whole minutes, in hours past the hour', () => {
    expect([0, -5, 1, 60, 61, 599, 3599, 3600, 3660, 7200].map(waitWords)).toEqual([
      { kind: 'none' },
      { kind: 'none' },
      { kind: 'minutes', minutes: 1 },
      { kind: 'minutes', minutes: 1 },
      { kind: 'minutes', minutes: 2 },
      { kind: 'minutes', minutes: 10 },
      { kind: 'hours', hours: 1, minutes: 0 },
      { kind: 'hours', hours: 1, minutes: 0 },
      { kind: 'hours', hours: 1, minutes: 1 },
      { kind: 'hours', hours: 2, minutes: 0 },
    ]);
  });

  it('writes figures in seconds under 90 s, else minutes with one decimal, the way each language writes numbers', () => {
    expect([
      formatDuration(null, 'vi'),
      formatDuration(46.4, 'vi'),
      formatDuration(46.4, 'en'),
      formatDuration(611.4, 'vi'),
      formatDuration(611.4, 'en'),
    ]).toEqual(['—', '46 giây', '46 s', '10,2 phút', '10.2 min']);
  });
});

describe('what clerks and citizens type', () => {
  it('reads dossier codes separated by spaces, commas or lines, upper-cased, each once', () => {
    expect(parseDossierCodes(' 000.00.01.h42-261123-0001, 000.00.01.H42-261123-0002\n000.00.01.H42-261123-0001 ;; ')).toEqual([
      '000.00.01.H42-261123-0001',
      '000.00.01.H42-261123-0002',
    ]);
    expect(parseDossierCodes('  ')).toEqual([]);
  });

  it('accepts exactly the phone numbers the server accepts', () => {
    for (const p of ['0912345678', '091 234 5678', '091.234.5678', '+84912345678', '091234567', '09123456789', '84912345678', 'abc'])
      expect([p, isVietnamesePhone(p)]).toEqual([p, normalizePhone(p) !== null]);
    fc.assert(fc.property(fc.stringMatching(/^[+0-9 .-]{0,16}$/), (p) => isVietnamesePhone(p) === (normalizePhone(p) !== null)));
  });
});

describe('days and times in Vietnam', () => {
  it('takes today and clock times in Vietnam time (UTC+7), whatever the device’s zone', () => {
    expect(vietnamToday(Date.parse('2026-11-23T16:59:59Z'))).toBe('2026-11-23');
    expect(vietnamToday(Date.parse('2026-11-23T17:00:00Z'))).toBe('2026-11-24');
    expect(vietnamTime('2026-11-24T00:30:00.000Z')).toBe('07:30');
    expect([addDays('2026-11-30', 1), addDays('2026-12-31', 1), addDays('2026-03-01', -1)]).toEqual([
      '2026-12-01',
      '2027-01-01',
      '2026-02-28',
    ]);
  });
});

describe('the queue screens’ strings', () => {
  const keys = (o: Record<string, unknown>, prefix = ''): string[] =>
    Object.entries(o).flatMap(([k, v]) =>
      typeof v === 'object' && v !== null ? keys(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`],
    );
  const load = async (lang: string) =>
    JSON.parse(await readFile(new URL(`../web/src/queue/i18n/${lang}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;

  it('has the same keys in Vietnamese and English, none empty', async () => {
    const vi = await load('vi');
    const en = await load('en');
    expect(keys(en).sort()).toEqual(keys(vi).sort());
    const values = (o: Record<string, unknown>): unknown[] =>
      Object.values(o).flatMap((v) => (typeof v === 'object' && v !== null ? values(v as Record<string, unknown>) : [v]));
    expect([...values(vi), ...values(en)].filter((v) => typeof v !== 'string' || v.trim() === '')).toEqual([]);
  });
});
