// Lunar-calendar default holidays for years the Prime Minister has not (yet) announced.
//
// Lunar → solar conversion is computed astronomically in lunar-astronomy.ts at UTC+7 (the
// Vietnamese calendar; it differs from China's UTC+8 calendar in some years: Tết 1985 = 21 Jan,
// Tết 2007 = 17 Feb, Tết 2030 = 2 Feb). We do not depend on a lunar package: the only
// Vietnamese-calendar package on npm ships obfuscated code, which a government system cannot
// audit, and the Chinese-calendar packages use UTC+8. Every conversion is checked by converting back.

import type { DayOff, HolidaySchedule } from './calendar.model.js';
import { daysFromCivil, formatLocalDate, isoWeekday } from './local-date.js';
import { lunarToSolar } from './lunar-astronomy.js';

/** Vietnam's lunar calendar is reckoned at UTC+7. */
const VIETNAM_UTC_OFFSET_HOURS = 7;

// The astronomical series used are accurate to minutes over this range.
export const LUNAR_MIN_YEAR = 1800;
export const LUNAR_MAX_YEAR = 2199;

/** Day number (days since 1970-01-01) of a Vietnamese (UTC+7) lunar date; throws RangeError if it does not exist. */
export function lunarToSolarDay(day: number, month: number, year: number, leap = false): number {
  if (!Number.isInteger(year) || year < LUNAR_MIN_YEAR || year > LUNAR_MAX_YEAR) {
    throw new RangeError(`lunar year ${year} is outside ${LUNAR_MIN_YEAR}–${LUNAR_MAX_YEAR}`);
  }
  const solar = lunarToSolar({ day, month, year, leap }, VIETNAM_UTC_OFFSET_HOURS);
  if (!solar) throw new RangeError(`lunar date ${day}/${month}${leap ? 'L' : ''}/${year} does not exist`);
  return daysFromCivil(solar[0], solar[1], solar[2]);
}

/** Day number of Tết (1st day of the 1st lunar month) of a lunar year, Vietnamese calendar. */
export function lunarNewYearDay(year: number): number {
  return lunarToSolarDay(1, 1, year);
}

interface HolidayRun {
  from: number;
  to: number;
  name: string;
}

const isWeekend = (day: number): boolean => isoWeekday(day) >= 6;

/** Labor Code 2019 art. 112 holidays of a year, with weekend compensation, as a HolidaySchedule. */
export function defaultHolidaySchedule(year: number): HolidaySchedule {
  const tet = lunarNewYearDay(year);
  const sep1 = daysFromCivil(year, 9, 1);
  const sep2 = sep1 + 1;
  const runs: HolidayRun[] = [
    { from: daysFromCivil(year, 1, 1), to: daysFromCivil(year, 1, 1), name: 'Tết Dương lịch' },
    // The last day of the lunar year is 29 or 30 Chạp depending on the 12th month's length, so
    // take "the day before Tết" rather than asking for 30/12, which may not exist.
    { from: tet - 1, to: tet + 3, name: 'Tết Nguyên đán' },
    { from: lunarToSolarDay(10, 3, year), to: lunarToSolarDay(10, 3, year), name: 'Giỗ Tổ Hùng Vương' },
    { from: daysFromCivil(year, 4, 30), to: daysFromCivil(year, 4, 30), name: 'Ngày Chiến thắng' },
    { from: daysFromCivil(year, 5, 1), to: daysFromCivil(year, 5, 1), name: 'Ngày Quốc tế Lao động' },
    // Art. 112 says "2/9 and one day before or after"; taking 1/9 unless it is a weekend day
    // reproduces the announced 2024–2026 arrangements.
    isWeekend(sep1) ? { from: sep2, to: sep2 + 1, name: 'Quốc khánh' } : { from: sep1, to: sep2, name: 'Quốc khánh' },
  ];
  runs.sort((a, b) => a.from - b.from);

  const holiday = new Set<number>();
  for (const r of runs) for (let d = r.from; d <= r.to; d++) holiday.add(d);

  // Art. 111(3): a holiday on the weekly rest day is taken on the next working day(s). Runs that
  // touch (30/4 + 1/5, Hùng Kings on 29/4) form one block and are compensated after the block.
  const compensation: HolidayRun[] = [];
  const taken = new Set<number>();
  let i = 0;
  while (i < runs.length) {
    const block: HolidayRun[] = [runs[i]!];
    let end = runs[i]!.to;
    while (i + 1 < runs.length && runs[i + 1]!.from <= end + 1) {
      i++;
      block.push(runs[i]!);
      end = Math.max(end, runs[i]!.to);
    }
    i++;
    const owedBy: string[] = [];
    let owed = 0;
    for (const r of block) {
      let n = 0;
      for (let d = r.from; d <= r.to; d++) if (isWeekend(d)) n++;
      if (n > 0) owedBy.push(r.name);
      owed += n;
    }
    let d = end + 1;
    const days: number[] = [];
    while (days.length < owed) {
      if (!isWeekend(d) && !holiday.has(d) && !taken.has(d)) {
        days.push(d);
        taken.add(d);
      }
      d++;
    }
    const name = `Nghỉ bù ${owedBy.join(', ')}`;
    for (const day of days) {
      const last = compensation[compensation.length - 1];
      if (last && last.to === day - 1 && last.name === name) last.to = day;
      else compensation.push({ from: day, to: day, name });
    }
  }

  const daysOff: DayOff[] = [...runs, ...compensation]
    .sort((a, b) => a.from - b.from)
    .map((r) => ({ from: formatLocalDate(r.from), to: formatLocalDate(r.to), name: r.name }));
  return {
    year,
    daysOff,
    workingSaturdays: [],
    source: `Labor Code 2019 art. 112, computed from the Vietnamese lunar calendar (Tết ${formatLocalDate(tet)}); not an official notice`,
  };
}

/** 'YYYY-MM-DD' of Tết of a lunar year, for display and tests. */
export function lunarNewYearDate(year: number): string {
  return formatLocalDate(lunarNewYearDay(year));
}
