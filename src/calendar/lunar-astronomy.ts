// The Vietnamese lunisolar calendar from first principles, so it can be read and audited.
//
// Rules (as used by the Vietnamese calendar since 1968, at the UTC+7 meridian):
// - a month starts on the local day of a new moon;
// - the 11th month is the one containing the winter solstice;
// - a year with 13 months (between two 11th months) repeats, as its leap month, the first month
//   after the 11th that contains no major solar term (no multiple of 30° of solar longitude).
// Astronomy: mean new moons with the periodic corrections of J. Meeus, "Astronomical
// Algorithms" (ch. 49, abridged), and the Sun's apparent longitude (ch. 25, low precision).
// These are accurate to minutes for 1800–2199, which is what the calendar needs; the time zone
// matters (Tết 2007 is 17 Feb at UTC+7 but 18 Feb at China's UTC+8).

const RAD = Math.PI / 180;
const SYNODIC_MONTH = 29.530588853;

/** Julian day number of a Gregorian calendar date (noon-based integer). */
export function julianDay(year: number, month: number, day: number): number {
  const a = Math.floor((14 - month) / 12);
  const y = year + 4800 - a;
  const m = month + 12 * a - 3;
  return day + Math.floor((153 * m + 2) / 5) + 365 * y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) - 32045;
}

/** Gregorian [year, month, day] of a Julian day number. */
export function fromJulianDay(jd: number): [number, number, number] {
  const a = jd + 32044;
  const b = Math.floor((4 * a + 3) / 146097);
  const c = a - Math.floor((146097 * b) / 4);
  const d = Math.floor((4 * c + 3) / 1461);
  const e = c - Math.floor((1461 * d) / 4);
  const m = Math.floor((5 * e + 2) / 153);
  return [100 * b + d - 4800 + Math.floor(m / 10), m + 3 - 12 * Math.floor(m / 10), e - Math.floor((153 * m + 2) / 5) + 1];
}

/** Julian Ephemeris Day of the k-th new moon after the one of 1900-01-01 (Meeus, abridged). */
function newMoonInstant(k: number): number {
  const T = k / 1236.85; // Julian centuries from 1900
  const T2 = T * T;
  const T3 = T2 * T;
  let jd = 2415020.75933 + SYNODIC_MONTH * k + 0.0001178 * T2 - 0.000000155 * T3;
  jd += 0.00033 * Math.sin((166.56 + 132.87 * T - 0.009173 * T2) * RAD);
  const M = (359.2242 + 29.10535608 * k - 0.0000333 * T2 - 0.00000347 * T3) * RAD; // Sun's mean anomaly
  const Mp = (306.0253 + 385.81691806 * k + 0.0107306 * T2 + 0.00001236 * T3) * RAD; // Moon's mean anomaly
  const F = (21.2964 + 390.67050646 * k - 0.0016528 * T2 - 0.00000239 * T3) * RAD; // Moon's argument of latitude
  let c = (0.1734 - 0.000393 * T) * Math.sin(M) + 0.0021 * Math.sin(2 * M);
  c += -0.4068 * Math.sin(Mp) + 0.0161 * Math.sin(2 * Mp) - 0.0004 * Math.sin(3 * Mp);
  c += 0.0104 * Math.sin(2 * F) - 0.0051 * Math.sin(M + Mp) - 0.0074 * Math.sin(M - Mp);
  c += 0.0004 * Math.sin(2 * F + M) - 0.0004 * Math.sin(2 * F - M) - 0.0006 * Math.sin(2 * F + Mp);
  c += 0.001 * Math.sin(2 * F - Mp) + 0.0005 * Math.sin(2 * Mp + M);
  // ΔT (terrestrial minus universal time), in days: two polynomial fits around 1900.
  const deltaT =
    T < -11 ? 0.001 + 0.000839 * T + 0.0002261 * T2 - 0.00000845 * T3 - 0.000000081 * T * T3 : -0.000278 + 0.000265 * T + 0.000262 * T2;
  return jd + c - deltaT;
}

/** Local day (Julian day number) on which the k-th new moon falls, for a UTC offset in hours. */
export function newMoonDay(k: number, utcOffsetHours: number): number {
  return Math.floor(newMoonInstant(k) + 0.5 + utcOffsetHours / 24);
}

/** Sector (0–11, of 30°) of the Sun's apparent longitude at the local midnight starting a Julian day. */
export function solarTermSector(jdn: number, utcOffsetHours: number): number {
  const T = (jdn - 2451545.5 - utcOffsetHours / 24) / 36525; // Julian centuries from J2000
  const T2 = T * T;
  const M = (357.5291 + 35999.0503 * T - 0.0001559 * T2 - 0.00000048 * T * T2) * RAD; // mean anomaly
  const L0 = 280.46645 + 36000.76983 * T + 0.0003032 * T2; // mean longitude
  const C = (1.9146 - 0.004817 * T - 0.000014 * T2) * Math.sin(M) + (0.019993 - 0.000101 * T) * Math.sin(2 * M) + 0.00029 * Math.sin(3 * M);
  let lambda = (L0 + C) * RAD;
  lambda -= Math.PI * 2 * Math.floor(lambda / (Math.PI * 2));
  return Math.floor(lambda / (Math.PI / 6));
}

/** Local day on which the 11th lunar month (the one with the winter solstice) of a Gregorian year starts. */
function month11Start(year: number, tz: number): number {
  const off = julianDay(year, 12, 31) - 2415021;
  const k = Math.floor(off / SYNODIC_MONTH);
  const nm = newMoonDay(k, tz);
  // Sector 9 = solar longitude 270°–300°: the solstice has passed by the month's first day.
  return solarTermSector(nm, tz) >= 9 ? newMoonDay(k - 1, tz) : nm;
}

/** Which month after the 11th is the leap month of a 13-month year (1-based). */
function leapMonthOffset(a11: number, tz: number): number {
  const k = Math.floor((a11 - 2415021.076998695) / SYNODIC_MONTH + 0.5);
  let last = 0;
  let i = 1;
  let arc = solarTermSector(newMoonDay(k + i, tz), tz);
  do {
    last = arc;
    i++;
    arc = solarTermSector(newMoonDay(k + i, tz), tz);
  } while (arc !== last && i < 14);
  return i - 1;
}

export interface LunarDate {
  day: number;
  month: number;
  year: number;
  leap: boolean;
}

/** Lunar date of a Gregorian date at the given UTC offset (7 for Vietnam). */
export function solarToLunar(year: number, month: number, day: number, tz: number): LunarDate {
  const jd = julianDay(year, month, day);
  // The mean lunation gives k to within one; the true new moon settles it.
  let k = Math.floor((jd - 2415021.076998695) / SYNODIC_MONTH);
  while (newMoonDay(k, tz) > jd) k--;
  while (newMoonDay(k + 1, tz) <= jd) k++;
  const monthStart = newMoonDay(k, tz);
  let a11 = month11Start(year, tz);
  let b11 = a11;
  let lunarYear: number;
  if (a11 >= monthStart) {
    lunarYear = year;
    a11 = month11Start(year - 1, tz);
  } else {
    lunarYear = year + 1;
    b11 = month11Start(year + 1, tz);
  }
  const lunarDay = jd - monthStart + 1;
  const diff = Math.floor((monthStart - a11) / 29);
  let leap = false;
  let lunarMonth = diff + 11;
  if (b11 - a11 > 365) {
    const leapDiff = leapMonthOffset(a11, tz);
    if (diff >= leapDiff) {
      lunarMonth = diff + 10;
      if (diff === leapDiff) leap = true;
    }
  }
  if (lunarMonth > 12) lunarMonth -= 12;
  if (lunarMonth >= 11 && diff < 4) lunarYear -= 1;
  return { day: lunarDay, month: lunarMonth, year: lunarYear, leap };
}

/** Gregorian [year, month, day] of a lunar date, or null when that lunar date does not exist. */
export function lunarToSolar(lunar: LunarDate, tz: number): [number, number, number] | null {
  const { day, month, year, leap } = lunar;
  if (!Number.isInteger(day) || day < 1 || day > 30 || !Number.isInteger(month) || month < 1 || month > 12) return null;
  let a11: number;
  let b11: number;
  if (month < 11) {
    a11 = month11Start(year - 1, tz);
    b11 = month11Start(year, tz);
  } else {
    a11 = month11Start(year, tz);
    b11 = month11Start(year + 1, tz);
  }
  const k = Math.floor(0.5 + (a11 - 2415021.076998695) / SYNODIC_MONTH);
  let off = month - 11;
  if (off < 0) off += 12;
  if (b11 - a11 > 365) {
    const leapOff = leapMonthOffset(a11, tz);
    let leapMonth = leapOff - 2;
    if (leapMonth < 0) leapMonth += 12;
    if (leap && month !== leapMonth) return null;
    if (leap || off >= leapOff) off += 1;
  } else if (leap) {
    return null;
  }
  const monthStart = newMoonDay(k + off, tz);
  const solar = fromJulianDay(monthStart + day - 1);
  // A 30th day in a 29-day month does not exist: it would be the next month's 1st.
  const back = solarToLunar(solar[0], solar[1], solar[2], tz);
  if (back.day !== day || back.month !== month || back.year !== year || back.leap !== leap) return null;
  return solar;
}
