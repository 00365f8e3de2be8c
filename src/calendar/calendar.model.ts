// Working calendar and due-date arithmetic (Civil Code 2015 arts. 147–148, Labor Code 2019
// art. 112). Pure: no clock, no I/O, no process time zone — every local-date computation uses
// the office's fixed UTC offset on epoch milliseconds.
//
// Speed: reports and SLA sweeps need at least a million dueDateMs calls a second, so each
// calendar lazily builds, per year, a table of local days with the office-hours pattern, a
// cumulative working-day count, the list of working days and cumulative office milliseconds.
// Day limits are then O(1) lookups and hour limits a binary search over whole days.

import { OFFICIAL_SCHEDULES } from './holidays.data.js';
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  formatLocalDate,
  isoWeekday,
  parseLocalDate,
} from './local-date.js';
import { defaultHolidaySchedule } from './lunar.js';

export { OFFICIAL_SCHEDULES } from './holidays.data.js';
export { defaultHolidaySchedule } from './lunar.js';
export { formatLocalIso } from './local-date.js';

export type LimitUnit = 'working-hours' | 'working-days' | 'days' | 'months';

/** One stretch of office time, 'HH:MM' local time, end exclusive. */
export interface OfficeSession {
  start: string;
  end: string;
}

/** Sessions for some weekdays, optionally only within a 'MM-DD'..'MM-DD' season (inclusive, may wrap the year end). */
export interface OfficeHoursSet {
  from?: string;
  to?: string;
  weekdays: number[];
  sessions: OfficeSession[];
}

/** Office hours of a center: the first set matching a date's season and weekday wins. */
export interface OfficeHours {
  utcOffsetMinutes: number;
  sets: OfficeHoursSet[];
}

/** Inclusive 'YYYY-MM-DD' range of days off. */
export interface DayOff {
  from: string;
  to: string;
  name: string;
}

/** The days off and swapped working Saturdays of one year. */
export interface HolidaySchedule {
  year: number;
  daysOff: DayOff[];
  workingSaturdays: string[];
  source: string;
}

/** Demo province: Monday–Friday 07:30–11:30 and 13:00–17:00, Asia/Ho_Chi_Minh (UTC+7, no DST). */
export const DEMO_OFFICE_HOURS: OfficeHours = {
  utcOffsetMinutes: 420,
  sets: [
    {
      weekdays: [1, 2, 3, 4, 5],
      sessions: [
        { start: '07:30', end: '11:30' },
        { start: '13:00', end: '17:00' },
      ],
    },
  ],
};

// The table covers these Gregorian years; the lunar data behind the defaults stops at 2199.
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;

interface SessionPattern {
  /** Session starts and ends, ms after local midnight, ascending. */
  starts: number[];
  ends: number[];
  totalMs: number;
}

interface YearBlock {
  firstDay: number;
  days: number;
  /** Per day, index into patterns; 0 = closed (not a working day). */
  pattern: Uint16Array;
  /** cumWork[i] = working days among days [0, i). */
  cumWork: Int32Array;
  /** Day offsets of the working days, in order. */
  workDays: Int32Array;
  /** cumMs[i] = office ms in days [0, i). */
  cumMs: Float64Array;
}

interface ParsedSet {
  /** Season as month*100+day bounds, or null for all year. */
  from: number;
  to: number;
  /** Pattern index per ISO weekday 1..7, -1 when the set does not cover the weekday. */
  byWeekday: number[];
}

const HHMM = /^(\d{2}):(\d{2})$/;
const MMDD = /^(\d{2})-(\d{2})$/;

function parseHhmm(text: string, problems: string[], where: string): number {
  const m = HHMM.exec(text);
  const h = m ? Number(m[1]) : NaN;
  const min = m ? Number(m[2]) : NaN;
  if (!m || h > 24 || min > 59 || (h === 24 && min !== 0)) {
    problems.push(`${where}: invalid time '${text}', expected HH:MM`);
    return 0;
  }
  return (h * 60 + min) * MINUTE_MS;
}

function parseMmdd(text: string, problems: string[], where: string): number {
  const m = MMDD.exec(text);
  const month = m ? Number(m[1]) : NaN;
  const day = m ? Number(m[2]) : NaN;
  if (!m || month < 1 || month > 12 || day < 1 || day > daysInMonth(2000, month)) {
    problems.push(`${where}: invalid season bound '${text}', expected MM-DD`);
    return 0;
  }
  return month * 100 + day;
}

function parseRange(r: DayOff, problems: string[], where: string): [number, number] | undefined {
  try {
    const from = parseLocalDate(r.from);
    const to = parseLocalDate(r.to);
    if (to < from) {
      problems.push(`${where}: '${r.name}' ends (${r.to}) before it starts (${r.from})`);
      return undefined;
    }
    return [from, to];
  } catch (e) {
    problems.push(`${where}: ${(e as Error).message}`);
    return undefined;
  }
}

interface ParsedSchedule {
  ranges: [number, number][];
  working: number[];
}

/** A center's working days and office hours, with due-date arithmetic over them. */
export class WorkingCalendar {
  private readonly offsetMs: number;
  private readonly patterns: SessionPattern[] = [{ starts: [], ends: [], totalMs: 0 }];
  private readonly sets: ParsedSet[] = [];
  private readonly officialByYear = new Map<number, ParsedSchedule>();
  private readonly extraOff: [number, number][] = [];
  private readonly yearStart: Int32Array;
  private readonly blocks: (YearBlock | undefined)[];
  /** Second result of officePos, kept in a field so the hot path allocates nothing. */
  private posYear = 0;

  constructor(opts: { officeHours: OfficeHours; schedules?: HolidaySchedule[]; extraDaysOff?: DayOff[] }) {
    const problems: string[] = [];
    const { utcOffsetMinutes, sets } = opts.officeHours;
    if (!Number.isInteger(utcOffsetMinutes) || Math.abs(utcOffsetMinutes) > 14 * 60) {
      problems.push(`utcOffsetMinutes: ${utcOffsetMinutes} is not a whole number of minutes within ±14 h`);
    }
    this.offsetMs = utcOffsetMinutes * MINUTE_MS;

    const patternKeys = new Map<string, number>([['', 0]]);
    sets.forEach((set, si) => {
      const where = `officeHours.sets[${si}]`;
      const sessions = set.sessions
        .map(
          (s, i) =>
            [parseHhmm(s.start, problems, `${where}.sessions[${i}]`), parseHhmm(s.end, problems, `${where}.sessions[${i}]`)] as const,
        )
        .sort((a, b) => a[0] - b[0]);
      sessions.forEach(([start, end], i) => {
        if (end <= start) problems.push(`${where}: a session ends before it starts`);
        const prev = sessions[i - 1];
        if (prev && start < prev[1]) problems.push(`${where}: sessions overlap`);
      });
      const key = sessions.map(([s, e]) => `${s}-${e}`).join(',');
      let index = patternKeys.get(key);
      if (index === undefined) {
        index = this.patterns.length;
        patternKeys.set(key, index);
        this.patterns.push({
          starts: sessions.map(([s]) => s),
          ends: sessions.map(([, e]) => e),
          totalMs: sessions.reduce((sum, [s, e]) => sum + (e - s), 0),
        });
      }
      const byWeekday = [-1, -1, -1, -1, -1, -1, -1, -1];
      for (const wd of set.weekdays) {
        if (!Number.isInteger(wd) || wd < 1 || wd > 7) problems.push(`${where}: weekday ${wd} is not 1 (Monday) … 7 (Sunday)`);
        else byWeekday[wd] = index;
      }
      this.sets.push({
        from: set.from === undefined ? 101 : parseMmdd(set.from, problems, `${where}.from`),
        to: set.to === undefined ? 1231 : parseMmdd(set.to, problems, `${where}.to`),
        byWeekday,
      });
    });

    for (const [i, s] of (opts.schedules ?? OFFICIAL_SCHEDULES).entries()) {
      const where = `schedules[${i}] (${s.year})`;
      const parsed = this.officialByYear.get(s.year) ?? { ranges: [], working: [] };
      for (const r of s.daysOff) {
        const range = parseRange(r, problems, where);
        if (range) parsed.ranges.push(range);
      }
      for (const w of s.workingSaturdays) {
        try {
          parsed.working.push(parseLocalDate(w));
        } catch (e) {
          problems.push(`${where}: ${(e as Error).message}`);
        }
      }
      this.officialByYear.set(s.year, parsed);
    }
    for (const r of opts.extraDaysOff ?? []) {
      const range = parseRange(r, problems, 'extraDaysOff');
      if (range) this.extraOff.push(range);
    }
    if (problems.length > 0) throw new RangeError(`invalid working calendar:\n- ${problems.join('\n- ')}`);

    this.yearStart = new Int32Array(MAX_YEAR - MIN_YEAR + 2);
    for (let y = MIN_YEAR; y <= MAX_YEAR + 1; y++) this.yearStart[y - MIN_YEAR] = daysFromCivil(y, 1, 1);
    this.blocks = new Array<YearBlock | undefined>(MAX_YEAR - MIN_YEAR + 1).fill(undefined);
  }

  /** Whether a 'YYYY-MM-DD' local date is a working day (has office hours). */
  isWorkingDay(localDate: string): boolean {
    const day = parseLocalDate(localDate);
    const b = this.block(this.yearIndex(day));
    return b.pattern[day - b.firstDay] !== 0;
  }

  /** The 'YYYY-MM-DD' local date of an instant in this office's time zone. */
  localDateOf(at: Date): string {
    const t = at.getTime();
    if (!Number.isFinite(t)) throw new RangeError('at is not a valid instant');
    return formatLocalDate(Math.floor((t + this.offsetMs) / DAY_MS));
  }

  /** The office sessions of a 'YYYY-MM-DD' local date as instants (none on a day off): booking slots and queue hours come from them. */
  sessionsOn(localDate: string): { start: Date; end: Date }[] {
    const day = parseLocalDate(localDate);
    const b = this.block(this.yearIndex(day));
    const p = this.patterns[b.pattern[day - b.firstDay]!]!;
    const midnight = day * DAY_MS - this.offsetMs;
    return p.starts.map((s, i) => ({ start: new Date(midnight + s), end: new Date(midnight + p.ends[i]!) }));
  }

  /** Due instant of a limit counted from the receipt (arts. 147–148 for day units, office hours for hours). */
  dueDate(receivedAt: Date, limit: number, unit: LimitUnit): Date {
    return new Date(this.dueDateMs(receivedAt.getTime(), limit, unit));
  }

  /** dueDate on epoch milliseconds, without allocating (the hot path). */
  dueDateMs(receivedAtMs: number, limit: number, unit: LimitUnit): number {
    if (!Number.isFinite(receivedAtMs)) throw new RangeError('receivedAt is not a valid instant');
    if (!(limit >= 0) || !Number.isFinite(limit)) throw new RangeError(`limit ${limit} must be a finite number ≥ 0`);
    if (unit === 'working-hours') {
      const ms = Math.round(limit * HOUR_MS);
      // A zero-hour limit is due when counting would start: the receipt, or the next opening.
      return ms === 0 ? this.nextOpeningMs(receivedAtMs) : this.addOfficeMs(receivedAtMs, ms);
    }
    if (!Number.isInteger(limit)) throw new RangeError(`a limit in ${unit} must be a whole number, got ${limit}`);
    const receiptDay = Math.floor((receivedAtMs + this.offsetMs) / DAY_MS);
    let lastDay: number;
    if (unit === 'working-days') {
      if (limit > 0) return this.closeMs(this.nthWorkingDayAfter(receiptDay, limit));
      lastDay = receiptDay;
    } else if (unit === 'days') {
      lastDay = receiptDay + limit;
    } else if (unit === 'months') {
      const [y, m, d] = civilFromDays(receiptDay);
      const months = m - 1 + limit;
      const ty = y + Math.floor(months / 12);
      const tm = (months % 12) + 1;
      // Art. 148: no such day in the target month → its last day.
      lastDay = daysFromCivil(ty, tm, Math.min(d, daysInMonth(ty, tm)));
    } else {
      throw new RangeError(`unknown limit unit '${String(unit)}'`);
    }
    const due = this.firstWorkingDayFrom(lastDay);
    const close = this.closeMs(due);
    // Only a zero limit can end on the receipt day; received after that day's close, it ends at
    // the close of the next working day rather than before the receipt.
    return close > receivedAtMs ? close : this.closeMs(this.firstWorkingDayFrom(due + 1));
  }

  /** Office time (ms) inside [from, to); 0 when to ≤ from. */
  workingMsBetween(from: Date, to: Date): number {
    return this.workingMsBetweenMs(from.getTime(), to.getTime());
  }

  /** The instant reached by moving forward over ms of office time only (ms = 0 returns from). */
  addWorkingMs(from: Date, ms: number): Date {
    const t = from.getTime();
    if (!Number.isFinite(t)) throw new RangeError('from is not a valid instant');
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`ms ${ms} must be a finite number ≥ 0`);
    const whole = Math.round(ms);
    return new Date(whole === 0 ? t : this.addOfficeMs(t, whole));
  }

  /**
   * The due date after a pause for a supplement (the waiting time is not counted, Decree 118/2025):
   * - a limit in working hours moves by exactly the office time spent waiting;
   * - a limit in days (working days, calendar days, months) moves by the working days waited
   *   (`workingDaysWaited`) and stays at the close of office hours: a wait inside one working day moves nothing.
   */
  resume(due: Date, pausedAt: Date, resumedAt: Date, unit: LimitUnit): Date {
    const t = due.getTime();
    if (!Number.isFinite(t)) throw new RangeError('due is not a valid instant');
    if (unit === 'working-hours') return this.addWorkingMs(due, this.workingMsBetween(pausedAt, resumedAt));
    if (unit !== 'working-days' && unit !== 'days' && unit !== 'months') throw new RangeError(`unknown limit unit '${String(unit)}'`);
    const shift = this.workingDaysWaited(pausedAt, resumedAt);
    // The working day the due date closes: its local day (an instant at a close belongs to the day it closes),
    // or the next working day should a stored due date not be on one.
    const dueDay = this.firstWorkingDayFrom(Math.floor((t - 1 + this.offsetMs) / DAY_MS));
    return new Date(this.closeMs(shift > 0 ? this.nthWorkingDayAfter(dueDay, shift) : dueDay));
  }

  /**
   * Working days a wait [from, to) spans beyond the one it starts on, counting only days on which the office was
   * open while waiting: from the working day of its first office instant to that of its last. A wait with no office
   * time, or inside one working day, is 0; from Friday 16:00 to Monday 09:00 it is 1 (Monday). As in Civil Code
   * art. 147, the day on which the wait begins is not counted.
   */
  workingDaysWaited(from: Date, to: Date): number {
    const a = from.getTime();
    const b = to.getTime();
    const waited = this.workingMsBetweenMs(a, b);
    if (waited === 0) return 0;
    const first = Math.floor((this.nextOpeningMs(a) + this.offsetMs) / DAY_MS);
    // addOfficeMs lands on the end of the last office millisecond (a session end rather than the next start).
    const last = Math.floor((this.addOfficeMs(a, waited) - 1 + this.offsetMs) / DAY_MS);
    return this.workingDaysAfter(first, last);
  }

  /** The instant itself if the office is open then, otherwise the next session start. */
  nextOfficeOpening(at: Date): Date {
    const t = at.getTime();
    if (!Number.isFinite(t)) throw new RangeError('at is not a valid instant');
    return new Date(this.nextOpeningMs(t));
  }

  // ---- internals ---------------------------------------------------------------------------

  private yearIndex(day: number): number {
    const ys = this.yearStart;
    const last = ys.length - 1;
    if (day < ys[0]! || day >= ys[last]!) {
      throw new RangeError(`date outside the supported years ${MIN_YEAR}–${MAX_YEAR}`);
    }
    let i = Math.floor((day - ys[0]!) / 365.2425);
    if (i > last - 1) i = last - 1;
    while (day < ys[i]!) i--;
    while (day >= ys[i + 1]!) i++;
    return i;
  }

  private block(i: number): YearBlock {
    if (i < 0 || i >= this.blocks.length) throw new RangeError(`date outside the supported years ${MIN_YEAR}–${MAX_YEAR}`);
    return this.blocks[i] ?? this.buildYear(i);
  }

  /** The sessions of the first set matching the season and weekday (0 = closed). */
  private patternFor(monthDay: number, weekday: number): number {
    for (const s of this.sets) {
      const inSeason = s.from <= s.to ? monthDay >= s.from && monthDay <= s.to : monthDay >= s.from || monthDay <= s.to;
      if (inSeason && s.byWeekday[weekday]! >= 0) return s.byWeekday[weekday]!;
    }
    return 0;
  }

  private scheduleFor(year: number): ParsedSchedule | undefined {
    const official = this.officialByYear.get(year);
    if (official) return official;
    if (year < MIN_YEAR || year > MAX_YEAR) return undefined;
    const d = defaultHolidaySchedule(year);
    const parsed: ParsedSchedule = {
      ranges: d.daysOff.map((r) => [parseLocalDate(r.from), parseLocalDate(r.to)]),
      working: d.workingSaturdays.map(parseLocalDate),
    };
    // Cache so neighbouring years and later builds do not recompute the lunar dates.
    this.officialByYear.set(year, parsed);
    return parsed;
  }

  private buildYear(i: number): YearBlock {
    const year = MIN_YEAR + i;
    const firstDay = this.yearStart[i]!;
    const days = this.yearStart[i + 1]! - firstDay;
    const pattern = new Uint16Array(days);
    for (let d = 0; d < days; d++) {
      const [, m, dd] = civilFromDays(firstDay + d);
      pattern[d] = this.patternFor(m * 100 + dd, isoWeekday(firstDay + d));
    }
    // Official notices may list days of a neighbouring year (30/12–1/1), so look at both sides;
    // lunar defaults never spill over a year end, so only this year's default is needed.
    const schedules = [this.officialByYear.get(year - 1), this.scheduleFor(year), this.officialByYear.get(year + 1)];
    const inYear = (day: number): boolean => day >= firstDay && day < firstDay + days;
    for (const s of schedules) {
      for (const [from, to] of s?.ranges ?? []) {
        for (let d = Math.max(from, firstDay); d <= to && d < firstDay + days; d++) pattern[d - firstDay] = 0;
      }
    }
    for (const s of schedules) {
      for (const w of s?.working ?? []) {
        if (!inYear(w)) continue;
        const [, m, dd] = civilFromDays(w);
        // A swapped Saturday replaces a weekday, so it gets a weekday's sessions for its season.
        let p = 0;
        for (let wd = 1; wd <= 5 && p === 0; wd++) p = this.patternFor(m * 100 + dd, wd);
        pattern[w - firstDay] = p;
      }
    }
    for (const [from, to] of this.extraOff) {
      for (let d = Math.max(from, firstDay); d <= to && d < firstDay + days; d++) pattern[d - firstDay] = 0;
    }

    const cumWork = new Int32Array(days + 1);
    const cumMs = new Float64Array(days + 1);
    const work: number[] = [];
    for (let d = 0; d < days; d++) {
      const p = pattern[d]!;
      const total = this.patterns[p]!.totalMs;
      if (total > 0) work.push(d);
      else pattern[d] = 0;
      cumWork[d + 1] = cumWork[d]! + (total > 0 ? 1 : 0);
      cumMs[d + 1] = cumMs[d]! + total;
    }
    const block: YearBlock = { firstDay, days, pattern, cumWork, workDays: Int32Array.from(work), cumMs };
    this.blocks[i] = block;
    return block;
  }

  /** The n-th (n ≥ 1) working day strictly after day. */
  private nthWorkingDayAfter(day: number, n: number): number {
    let i = this.yearIndex(day);
    let b = this.block(i);
    let target = b.cumWork[day - b.firstDay + 1]! + n;
    while (target > b.workDays.length) {
      target -= b.workDays.length;
      b = this.block(++i);
    }
    return b.firstDay + b.workDays[target - 1]!;
  }

  /** Working days in (from, to], for day numbers from ≤ to. */
  private workingDaysAfter(from: number, to: number): number {
    let i = this.yearIndex(from);
    let b = this.block(i);
    const j = this.yearIndex(to);
    let count = -b.cumWork[from - b.firstDay + 1]!;
    while (i < j) {
      count += b.workDays.length;
      b = this.block(++i);
    }
    return count + b.cumWork[to - b.firstDay + 1]!;
  }

  /** The first working day on or after day. */
  private firstWorkingDayFrom(day: number): number {
    let i = this.yearIndex(day);
    let b = this.block(i);
    let j = b.cumWork[day - b.firstDay]!;
    while (j >= b.workDays.length) {
      b = this.block(++i);
      j = 0;
    }
    return b.firstDay + b.workDays[j]!;
  }

  /** Close of office hours (end of the last session) of a working day. */
  private closeMs(day: number): number {
    const b = this.block(this.yearIndex(day));
    const p = this.patterns[b.pattern[day - b.firstDay]!]!;
    return day * DAY_MS - this.offsetMs + p.ends[p.ends.length - 1]!;
  }

  private nextOpeningMs(t: number): number {
    const local = t + this.offsetMs;
    const day = Math.floor(local / DAY_MS);
    const inDay = local - day * DAY_MS;
    const b = this.block(this.yearIndex(day));
    const p = this.patterns[b.pattern[day - b.firstDay]!]!;
    for (let k = 0; k < p.ends.length; k++) {
      if (inDay < p.ends[k]!) return inDay >= p.starts[k]! ? t : t - inDay + p.starts[k]!;
    }
    const next = this.firstWorkingDayFrom(day + 1);
    const nb = this.block(this.yearIndex(next));
    return next * DAY_MS - this.offsetMs + this.patterns[nb.pattern[next - nb.firstDay]!]!.starts[0]!;
  }

  /** Moves forward over ms (> 0) of office time; lands on a session end rather than the next start. */
  private addOfficeMs(t: number, ms: number): number {
    const off = this.offsetMs;
    const local = t + off;
    const day = Math.floor(local / DAY_MS);
    const inDay = local - day * DAY_MS;
    let i = this.yearIndex(day);
    let b = this.block(i);
    let idx = day - b.firstDay;
    let rest = ms;
    const first = this.patterns[b.pattern[idx]!]!;
    for (let k = 0; k < first.ends.length; k++) {
      const end = first.ends[k]!;
      if (inDay >= end) continue;
      const start = inDay > first.starts[k]! ? inDay : first.starts[k]!;
      if (rest <= end - start) return day * DAY_MS - off + start + rest;
      rest -= end - start;
    }
    // Whole days from cumulative office time: find the first day by which `rest` has elapsed.
    idx++;
    for (;;) {
      if (idx >= b.days) {
        b = this.block(++i);
        idx = 0;
      }
      const cum = b.cumMs;
      const base = cum[idx]!;
      const target = base + rest;
      if (target > cum[b.days]!) {
        rest = target - cum[b.days]!;
        idx = b.days;
        continue;
      }
      let lo = idx;
      let hi = b.days - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid + 1]! >= target) hi = mid;
        else lo = mid + 1;
      }
      let left = target - cum[lo]!;
      const p = this.patterns[b.pattern[lo]!]!;
      for (let k = 0; k < p.ends.length; k++) {
        const len = p.ends[k]! - p.starts[k]!;
        if (left <= len) return (b.firstDay + lo) * DAY_MS - off + p.starts[k]! + left;
        left -= len;
      }
      // Unreachable: cum[lo + 1] ≥ target guarantees day lo holds the remainder.
      throw new Error('working calendar table is inconsistent');
    }
  }

  /** Office ms from 1 Jan of t's year up to t; the year index is left in this.posYear. */
  private officePos(t: number): number {
    const local = t + this.offsetMs;
    const day = Math.floor(local / DAY_MS);
    const inDay = local - day * DAY_MS;
    const i = this.yearIndex(day);
    const b = this.block(i);
    const idx = day - b.firstDay;
    let acc = b.cumMs[idx]!;
    const p = this.patterns[b.pattern[idx]!]!;
    for (let k = 0; k < p.ends.length; k++) {
      if (inDay >= p.ends[k]!) acc += p.ends[k]! - p.starts[k]!;
      else {
        if (inDay > p.starts[k]!) acc += inDay - p.starts[k]!;
        break;
      }
    }
    this.posYear = i;
    return acc;
  }

  private workingMsBetweenMs(from: number, to: number): number {
    if (!Number.isFinite(from) || !Number.isFinite(to)) throw new RangeError('workingMsBetween needs valid instants');
    if (to <= from) return 0;
    const a = this.officePos(from);
    const ya = this.posYear;
    const b = this.officePos(to);
    const yb = this.posYear;
    let total = b - a;
    for (let y = ya; y < yb; y++) total += this.block(y).cumMs[this.block(y).days]!;
    return total;
  }
}
