import { describe, it, expect } from 'vitest';
import { lunarToSolar, solarToLunar } from './lunar-astronomy.js';

const iso = (d: [number, number, number] | null) =>
  d ? `${d[0]}-${String(d[1]).padStart(2, '0')}-${String(d[2]).padStart(2, '0')}` : null;

describe('the Vietnamese lunar calendar (UTC+7)', () => {
  it('agrees with the published Tết dates of 2000–2023', () => {
    const published = [
      '2000-02-05',
      '2001-01-24',
      '2002-02-12',
      '2003-02-01',
      '2004-01-22',
      '2005-02-09',
      '2006-01-29',
      '2007-02-17',
      '2008-02-07',
      '2009-01-26',
      '2010-02-14',
      '2011-02-03',
      '2012-01-23',
      '2013-02-10',
      '2014-01-31',
      '2015-02-19',
      '2016-02-08',
      '2017-01-28',
      '2018-02-16',
      '2019-02-05',
      '2020-01-25',
      '2021-02-12',
      '2022-02-01',
      '2023-01-22',
    ];
    expect(published.map((_, i) => iso(lunarToSolar({ day: 1, month: 1, year: 2000 + i, leap: false }, 7)))).toEqual(published);
  });

  it('places the leap months of 2020 (4th), 2023 (2nd) and 2025 (6th)', () => {
    expect(iso(lunarToSolar({ day: 1, month: 4, year: 2020, leap: true }, 7))).toBe('2020-05-23');
    expect(iso(lunarToSolar({ day: 1, month: 2, year: 2023, leap: true }, 7))).toBe('2023-03-22');
    expect(iso(lunarToSolar({ day: 1, month: 6, year: 2025, leap: true }, 7))).toBe('2025-07-25');
    expect(lunarToSolar({ day: 1, month: 3, year: 2023, leap: true }, 7)).toBeNull();
    expect(lunarToSolar({ day: 1, month: 5, year: 2024, leap: true }, 7)).toBeNull();
  });

  it('differs from China’s UTC+8 calendar where the new moon falls between 23:00 and midnight in Vietnam', () => {
    expect(iso(lunarToSolar({ day: 1, month: 1, year: 2007, leap: false }, 7))).toBe('2007-02-17');
    expect(iso(lunarToSolar({ day: 1, month: 1, year: 2007, leap: false }, 8))).toBe('2007-02-18');
  });

  it('converts every day of 1990–2060 to a lunar date and back', () => {
    let checked = 0;
    for (let t = Date.UTC(1990, 0, 1); t < Date.UTC(2061, 0, 1); t += 86_400_000) {
      const d = new Date(t);
      const solar: [number, number, number] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
      const lunar = solarToLunar(solar[0], solar[1], solar[2], 7);
      expect(lunarToSolar(lunar, 7)).toEqual(solar);
      checked++;
    }
    expect(checked).toBe(25933);
  });
});
