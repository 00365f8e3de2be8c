// Integer civil-date arithmetic on "local epoch days" (days since 1970-01-01 in the office's
// fixed UTC offset). Pure integer math so neither the process TZ nor Date parsing is involved.

export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Civil date [year, month 1-12, day 1-31] of a day number (Hinnant's civil_from_days). */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** ISO weekday of a day number: 1 = Monday … 7 = Sunday. */
export function isoWeekday(days: number): number {
  // 1970-01-01 was a Thursday.
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Number of days in a Gregorian month. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return MONTH_DAYS[month] ?? NaN;
}

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number of a 'YYYY-MM-DD' string; throws RangeError on malformed or impossible dates. */
export function parseLocalDate(text: string): number {
  const m = LOCAL_DATE.exec(text);
  if (!m) throw new RangeError(`invalid local date '${text}', expected YYYY-MM-DD`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new RangeError(`invalid local date '${text}'`);
  }
  return daysFromCivil(year, month, day);
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** 'YYYY-MM-DD' of a day number. */
export function formatLocalDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`;
}

/** ISO 8601 text of an instant in a fixed UTC offset, e.g. '2025-03-14T17:00:00+07:00' (milliseconds only when non-zero). */
export function formatLocalIso(d: Date, utcOffsetMinutes: number): string {
  const ms = d.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('invalid Date');
  const local = ms + utcOffsetMinutes * MINUTE_MS;
  const day = Math.floor(local / DAY_MS);
  const inDay = local - day * DAY_MS;
  const hh = Math.floor(inDay / HOUR_MS);
  const mm = Math.floor((inDay % HOUR_MS) / MINUTE_MS);
  const ss = Math.floor((inDay % MINUTE_MS) / 1000);
  const milli = inDay % 1000;
  const sign = utcOffsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(utcOffsetMinutes);
  const frac = milli === 0 ? '' : `.${String(milli).padStart(3, '0')}`;
  return `${formatLocalDate(day)}T${pad2(hh)}:${pad2(mm)}:${pad2(ss)}${frac}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}
