import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEMO_OFFICE_HOURS,
  OFFICIAL_SCHEDULES,
  WorkingCalendar,
  defaultHolidaySchedule,
  formatLocalIso,
  type LimitUnit,
  type OfficeHours,
} from './calendar.model.js';
import { lunarNewYearDate, lunarToSolarDay } from './lunar.js';
import { formatLocalDate } from './local-date.js';

const calendar = new WorkingCalendar({ officeHours: DEMO_OFFICE_HOURS });
const HOUR = 3_600_000;

/** An instant written in Vietnam local time, e.g. at('2025-03-14 10:00'). */
const at = (local: string): Date => new Date(`${local.replace(' ', 'T')}:00+07:00`);
const iso = (d: Date): string => formatLocalIso(d, 420);
const due = (received: string, limit: number, unit: LimitUnit, cal = calendar): string => iso(cal.dueDate(at(received), limit, unit));

describe('working-days limits', () => {
  it('excludes the day of receipt and ends at the close of the third working day', () => {
    // Fri 14/3 → Mon 17, Tue 18, Wed 19.
    expect(due('2025-03-14 10:00', 3, 'working-days')).toBe('2025-03-19T17:00:00+07:00');
  });

  it('skips Tết 2025 (25/1–2/2)', () => {
    // Day 1 is Fri 24/1, then 3, 4, 5, 6/2.
    expect(due('2025-01-23 09:00', 5, 'working-days')).toBe('2025-02-06T17:00:00+07:00');
  });

  it('skips Tết 2024 (8–14/2)', () => {
    // Received Wed 7/2: Thu 15/2 is day 1, Fri 16/2 day 2.
    expect(due('2024-02-07 10:00', 2, 'working-days')).toBe('2024-02-16T17:00:00+07:00');
  });

  it('skips Tết 2026 (14–22/2)', () => {
    // Received Thu 12/2: Fri 13/2, Mon 23/2, Tue 24/2.
    expect(due('2026-02-12 09:00', 3, 'working-days')).toBe('2026-02-24T17:00:00+07:00');
  });

  it('skips National Day 2026 (29/8–2/9) including the swapped Monday 31/8', () => {
    // Received Thu 27/8: Fri 28/8, Thu 3/9, Fri 4/9.
    expect(due('2026-08-27 10:00', 3, 'working-days')).toBe('2026-09-04T17:00:00+07:00');
  });

  it('counts the swapped working Saturdays 26/4/2025, 10/1/2026, 22/8/2026 and 4/5/2024', () => {
    expect(due('2025-04-25 10:00', 1, 'working-days')).toBe('2025-04-26T17:00:00+07:00');
    expect(due('2026-01-09 10:00', 1, 'working-days')).toBe('2026-01-10T17:00:00+07:00');
    expect(due('2026-08-21 10:00', 1, 'working-days')).toBe('2026-08-22T17:00:00+07:00');
    // 2024: Mon 29/4 off, 30/4 and 1/5 holidays, Sat 4/5 worked.
    expect(due('2024-04-26 10:00', 2, 'working-days')).toBe('2024-05-03T17:00:00+07:00');
    expect(due('2024-04-26 10:00', 3, 'working-days')).toBe('2024-05-04T17:00:00+07:00');
  });

  it('skips Tết Dương lịch 2026 (1–4/1) and the 30/4–4/5/2025 break', () => {
    expect(due('2025-12-31 10:00', 1, 'working-days')).toBe('2026-01-05T17:00:00+07:00');
    expect(due('2025-04-29 10:00', 1, 'working-days')).toBe('2025-05-05T17:00:00+07:00');
  });

  it('starts counting on the next working day when received on a Sunday', () => {
    expect(due('2025-03-16 09:00', 1, 'working-days')).toBe('2025-03-17T17:00:00+07:00');
  });

  it('treats a zero limit as "the same working day", or the next one when received after the close', () => {
    expect(due('2025-03-17 09:00', 0, 'working-days')).toBe('2025-03-17T17:00:00+07:00');
    expect(due('2025-03-17 17:30', 0, 'working-days')).toBe('2025-03-18T17:00:00+07:00');
    expect(due('2025-03-15 09:00', 0, 'working-days')).toBe('2025-03-17T17:00:00+07:00');
  });

  it('knows which days are working days', () => {
    expect(calendar.isWorkingDay('2025-04-26')).toBe(true);
    expect(calendar.isWorkingDay('2026-01-10')).toBe(true);
    expect(calendar.isWorkingDay('2026-08-22')).toBe(true);
    expect(calendar.isWorkingDay('2024-05-04')).toBe(true);
    expect(calendar.isWorkingDay('2024-04-29')).toBe(false);
    expect(calendar.isWorkingDay('2026-08-31')).toBe(false);
    expect(calendar.isWorkingDay('2026-04-27')).toBe(false);
    expect(calendar.isWorkingDay('2025-03-15')).toBe(false);
    expect(calendar.isWorkingDay('2025-03-17')).toBe(true);
  });
});

describe('calendar-day limits', () => {
  it('rolls a last day on a weekend to the next working day', () => {
    // Mon 17/3 + 5 = Sat 22/3 → Mon 24/3.
    expect(due('2025-03-17 10:00', 5, 'days')).toBe('2025-03-24T17:00:00+07:00');
  });

  it('rolls a last day on a holiday past the whole break', () => {
    // Fri 25/4 + 5 = Wed 30/4 (holiday), 1–4/5 off → Mon 5/5.
    expect(due('2025-04-25 10:00', 5, 'days')).toBe('2025-05-05T17:00:00+07:00');
    // Tue 10/2/2026 + 5 = Sun 15/2, inside Tết 14–22/2 → Mon 23/2.
    expect(due('2026-02-10 10:00', 5, 'days')).toBe('2026-02-23T17:00:00+07:00');
  });

  it('ends at the close of a last day that is a working day', () => {
    expect(due('2025-03-14 16:59', 10, 'days')).toBe('2025-03-24T17:00:00+07:00');
  });
});

describe('month limits', () => {
  it('ends on the last day of a shorter month (art. 148)', () => {
    expect(due('2025-01-31 10:00', 1, 'months')).toBe('2025-02-28T17:00:00+07:00');
    expect(due('2024-01-31 10:00', 1, 'months')).toBe('2024-02-29T17:00:00+07:00');
  });

  it('rolls over a holiday and a weekend', () => {
    // 1/8/2025 + 1 month = Mon 1/9, inside National Day 30/8–2/9 → Wed 3/9.
    expect(due('2025-08-01 10:00', 1, 'months')).toBe('2025-09-03T17:00:00+07:00');
    // 31/12/2025 + 2 months = Sat 28/2/2026 → Mon 2/3.
    expect(due('2025-12-31 10:00', 2, 'months')).toBe('2026-03-02T17:00:00+07:00');
  });
});

describe('working-hour limits', () => {
  it('counts office hours from the moment of receipt', () => {
    // Mon 10:00–11:30 and 13:00–17:00 = 5.5 h, then Tue 07:30 + 2.5 h. A working day holds
    // exactly 8 office hours, so 8 working hours always land at the same clock time next day.
    expect(due('2025-03-17 10:00', 8, 'working-hours')).toBe('2025-03-18T10:00:00+07:00');
  });

  it('starts on Monday at 07:30 when received on Saturday', () => {
    expect(due('2025-03-15 09:00', 2, 'working-hours')).toBe('2025-03-17T09:30:00+07:00');
  });

  it('starts at 13:00 when received during the lunch break', () => {
    expect(due('2025-03-17 11:45', 1, 'working-hours')).toBe('2025-03-17T14:00:00+07:00');
  });

  it('starts the next morning when received after the close', () => {
    expect(due('2025-03-17 17:30', 1, 'working-hours')).toBe('2025-03-18T08:30:00+07:00');
  });

  it('ends at the end of a session rather than the next opening', () => {
    expect(due('2025-03-17 07:30', 4, 'working-hours')).toBe('2025-03-17T11:30:00+07:00');
    expect(due('2025-03-17 07:30', 8, 'working-hours')).toBe('2025-03-17T17:00:00+07:00');
  });

  it('runs 16 hours across a weekend', () => {
    // Fri 14–17 = 3 h, Mon = 8 h, Tue 07:30–11:30 = 4 h, 13:00 + 1 h.
    expect(due('2025-03-14 14:00', 16, 'working-hours')).toBe('2025-03-18T14:00:00+07:00');
  });

  it('runs across Tết 2025', () => {
    // Fri 24/1 15–17 = 2 h, then Mon 3/2: 4 h in the morning, 13:00 + 2 h.
    expect(due('2025-01-24 15:00', 8, 'working-hours')).toBe('2025-02-03T15:00:00+07:00');
  });

  it('is due at the next opening for a zero-hour limit', () => {
    expect(due('2025-03-15 09:00', 0, 'working-hours')).toBe('2025-03-17T07:30:00+07:00');
    expect(due('2025-03-17 09:00', 0, 'working-hours')).toBe('2025-03-17T09:00:00+07:00');
  });
});

describe('pause and resume', () => {
  it('moves an hour limit by exactly the office time spent waiting', () => {
    const received = at('2025-03-17 09:00');
    const original = calendar.dueDate(received, 40, 'working-hours');
    expect(iso(original)).toBe('2025-03-24T09:00:00+07:00');
    // Paused Tue 18/3 10:00, resumed Thu 20/3 14:30: Tue→Wed 10:00 = 8 h, Wed→Thu 10:00 = 8 h,
    // Thu 10:00–11:30 + 13:00–14:30 = 3 h: nineteen office hours.
    const paused = at('2025-03-18 10:00');
    const resumed = at('2025-03-20 14:30');
    expect(calendar.workingMsBetween(paused, resumed)).toBe((2 * 8 + 3) * HOUR);
    // From Mon 24/3 09:00: 6.5 h that day, 8 h on Tuesday, then Wed 26/3 07:30–11:30 and 13:00 + 0.5 h.
    const moved = calendar.resume(original, paused, resumed, 'working-hours');
    expect(iso(moved)).toBe('2025-03-26T13:30:00+07:00');
    expect(calendar.workingMsBetween(original, moved)).toBe(19 * HOUR);
  });

  it('moves an hour limit by a 17-second pause by 17 seconds', () => {
    const original = at('2025-03-19 10:00');
    expect(
      iso(calendar.resume(original, at('2025-03-17 16:59'), new Date(at('2025-03-17 16:59').getTime() + 17_000), 'working-hours')),
    ).toBe('2025-03-19T10:00:17+07:00');
  });

  it('does not move a day limit for a 17-second pause just before 17:00 (it stays at the close of office hours)', () => {
    // The reported bug: the 17:00 due date went to 07:30:17 the next morning.
    const original = calendar.dueDate(at('2025-03-14 10:00'), 3, 'working-days');
    expect(iso(original)).toBe('2025-03-19T17:00:00+07:00');
    const paused = new Date(at('2025-03-17 17:00').getTime() - 17_000);
    for (const resumed of [at('2025-03-17 17:00'), new Date(paused.getTime() + 17_000), at('2025-03-17 18:30')]) {
      expect(calendar.workingDaysWaited(paused, resumed)).toBe(0);
      expect(iso(calendar.resume(original, paused, resumed, 'working-days'))).toBe('2025-03-19T17:00:00+07:00');
    }
  });

  it('moves a day limit by the one working day waited from Friday 16:00 to Monday 09:00', () => {
    // Friday is the day the wait began (not counted); Monday is a day of waiting.
    const original = calendar.dueDate(at('2025-03-13 10:00'), 5, 'working-days');
    expect(iso(original)).toBe('2025-03-20T17:00:00+07:00');
    expect(calendar.workingDaysWaited(at('2025-03-14 16:00'), at('2025-03-17 09:00'))).toBe(1);
    expect(iso(calendar.resume(original, at('2025-03-14 16:00'), at('2025-03-17 09:00'), 'working-days'))).toBe(
      '2025-03-21T17:00:00+07:00',
    );
    // A calendar-day limit moves by the same working day, to a close of office hours.
    const tenDays = calendar.dueDate(at('2025-03-13 10:00'), 10, 'days');
    expect(iso(tenDays)).toBe('2025-03-24T17:00:00+07:00');
    expect(iso(calendar.resume(tenDays, at('2025-03-14 16:00'), at('2025-03-17 09:00'), 'days'))).toBe('2025-03-25T17:00:00+07:00');
  });

  it('moves a day limit across Hùng Kings day by the working days waited', () => {
    // Paused Thu 3/4/2025 10:00, resumed Tue 8/4 10:00: Fri 4/4 and Tue 8/4 (Mon 7/4 is a holiday) = 2 working days.
    const original = at('2025-04-09 17:00');
    expect(calendar.workingDaysWaited(at('2025-04-03 10:00'), at('2025-04-08 10:00'))).toBe(2);
    expect(iso(calendar.resume(original, at('2025-04-03 10:00'), at('2025-04-08 10:00'), 'working-days'))).toBe(
      '2025-04-11T17:00:00+07:00',
    );
  });

  it('does not move the due date for a pause entirely outside office hours', () => {
    const original = at('2025-03-19 17:00');
    for (const unit of ['working-hours', 'working-days', 'days', 'months'] as const)
      expect(calendar.resume(original, at('2025-03-15 08:00'), at('2025-03-16 18:00'), unit).getTime()).toBe(original.getTime());
    // After Monday's close to before Tuesday's opening: no office time, no working day waited.
    expect(calendar.workingDaysWaited(at('2025-03-17 17:30'), at('2025-03-18 07:00'))).toBe(0);
  });

  it('counts a wait that began after the close from the next working day', () => {
    // Requested Mon 17:30, brought Tue 09:00: the wait only touches Tuesday.
    expect(calendar.workingDaysWaited(at('2025-03-17 17:30'), at('2025-03-18 09:00'))).toBe(0);
    // Requested Fri 18:00, brought Tue 09:00: Monday and Tuesday were open; the wait begins on Monday.
    expect(calendar.workingDaysWaited(at('2025-03-14 18:00'), at('2025-03-18 09:00'))).toBe(1);
  });

  it('puts a stored due date that is not at a close back at the close of its working day', () => {
    // A due date moved by the old rule (07:30:17) is set at its day's close, never earlier.
    const broken = new Date(at('2025-03-20 07:30').getTime() + 17_000);
    expect(iso(calendar.resume(broken, at('2025-03-17 10:00'), at('2025-03-17 10:05'), 'working-days'))).toBe('2025-03-20T17:00:00+07:00');
  });
});

describe('office time', () => {
  it('measures office time inside [from, to)', () => {
    expect(calendar.workingMsBetween(at('2025-03-14 16:00'), at('2025-03-17 08:30'))).toBe(2 * HOUR);
    expect(calendar.workingMsBetween(at('2025-03-17 12:00'), at('2025-03-17 12:30'))).toBe(0);
    expect(calendar.workingMsBetween(at('2025-03-18 10:00'), at('2025-03-17 10:00'))).toBe(0);
    // Across the year end and Tết Dương lịch 2026 (1–4/1): Wed 31/12 16:00–17:00, Mon 5/1 07:30–08:30.
    expect(calendar.workingMsBetween(at('2025-12-31 16:00'), at('2026-01-05 08:30'))).toBe(2 * HOUR);
  });

  it('finds the next opening', () => {
    expect(iso(calendar.nextOfficeOpening(at('2025-03-17 09:00')))).toBe('2025-03-17T09:00:00+07:00');
    expect(iso(calendar.nextOfficeOpening(at('2025-03-17 11:30')))).toBe('2025-03-17T13:00:00+07:00');
    expect(iso(calendar.nextOfficeOpening(at('2025-03-14 17:00')))).toBe('2025-03-17T07:30:00+07:00');
    expect(iso(calendar.nextOfficeOpening(at('2025-01-24 18:00')))).toBe('2025-02-03T07:30:00+07:00');
  });

  it('adds office time only', () => {
    expect(iso(calendar.addWorkingMs(at('2025-03-14 16:00'), 2 * HOUR))).toBe('2025-03-17T08:30:00+07:00');
    expect(iso(calendar.addWorkingMs(at('2025-03-14 16:00'), 0))).toBe('2025-03-14T16:00:00+07:00');
  });
});

describe('lunar calendar (UTC+7)', () => {
  it('finds Tết on the Vietnamese dates, not the Chinese (UTC+8) ones', () => {
    const tet = [1985, 2007, 2024, 2025, 2026, 2027, 2028, 2029, 2030, 2033].map(lunarNewYearDate);
    // 1985 (China: 20 Feb), 2007 (China: 18 Feb) and 2030 (China: 3 Feb) differ from China: the
    // new moon of 2 Feb 2030 falls at about 16:07 UT, 23:07 in Vietnam but 00:07 on 3 Feb in
    // China, so Tết Canh Tuất is Saturday 2 Feb 2030 in Vietnam.
    expect(tet).toEqual([
      '1985-01-21',
      '2007-02-17',
      '2024-02-10',
      '2025-01-29',
      '2026-02-17',
      '2027-02-06',
      '2028-01-26',
      '2029-02-13',
      '2030-02-02',
      '2033-01-31',
    ]);
  });

  it('finds Hùng Kings day (10/3 lunar)', () => {
    const hung = [2024, 2025, 2026, 2027].map((y) => formatLocalDate(lunarToSolarDay(10, 3, y)));
    expect(hung).toEqual(['2024-04-18', '2025-04-07', '2026-04-26', '2027-04-16']);
  });

  it('rejects lunar dates that do not exist and years outside the tables', () => {
    // The 12th month of Bính Ngọ (2026) has 29 days: Tết 2027 follows 29 Chạp.
    expect(() => lunarToSolarDay(30, 12, 2026)).toThrow(RangeError);
    expect(formatLocalDate(lunarToSolarDay(29, 12, 2026))).toBe('2027-02-05');
    expect(() => lunarToSolarDay(1, 1, 2200)).toThrow(RangeError);
  });
});

describe('default holiday schedule (Labor Code 2019 art. 112)', () => {
  it('derives 2027', () => {
    // Tết 2027 = Sat 6/2; the 12th lunar month of 2026 has 29 days, so the last day of the year is
    // 29 Chạp = Fri 5/2 and Tết runs Fri 5/2–Tue 9/2. Sat 6 and Sun 7 are weekend days, owed as
    // Wed 10 and Thu 11/2. 1/1 is a Friday; Hùng Kings Fri 16/4; 30/4 Fri; 1/5 is a Saturday →
    // Mon 3/5. 1/9 is a Wednesday, so National Day is 1–2/9 (Wed–Thu).
    expect(defaultHolidaySchedule(2027).daysOff).toEqual([
      { from: '2027-01-01', to: '2027-01-01', name: 'Tết Dương lịch' },
      { from: '2027-02-05', to: '2027-02-09', name: 'Tết Nguyên đán' },
      { from: '2027-02-10', to: '2027-02-11', name: 'Nghỉ bù Tết Nguyên đán' },
      { from: '2027-04-16', to: '2027-04-16', name: 'Giỗ Tổ Hùng Vương' },
      { from: '2027-04-30', to: '2027-04-30', name: 'Ngày Chiến thắng' },
      { from: '2027-05-01', to: '2027-05-01', name: 'Ngày Quốc tế Lao động' },
      { from: '2027-05-03', to: '2027-05-03', name: 'Nghỉ bù Ngày Quốc tế Lao động' },
      { from: '2027-09-01', to: '2027-09-02', name: 'Quốc khánh' },
    ]);
  });

  it('derives 2030', () => {
    // Tết 2030 = Sat 2/2 (Vietnam); last day of the lunar year Fri 1/2, so Tết runs Fri 1/2–Tue
    // 5/2 with Sat 2 and Sun 3 owed as Wed 6 and Thu 7/2. 1/1 is a Tuesday; Hùng Kings Fri 12/4;
    // 30/4 Tue and 1/5 Wed. 2/9 is a Monday and 1/9 a Sunday, so the adjacent day is Tue 3/9.
    expect(defaultHolidaySchedule(2030).daysOff).toEqual([
      { from: '2030-01-01', to: '2030-01-01', name: 'Tết Dương lịch' },
      { from: '2030-02-01', to: '2030-02-05', name: 'Tết Nguyên đán' },
      { from: '2030-02-06', to: '2030-02-07', name: 'Nghỉ bù Tết Nguyên đán' },
      { from: '2030-04-12', to: '2030-04-12', name: 'Giỗ Tổ Hùng Vương' },
      { from: '2030-04-30', to: '2030-04-30', name: 'Ngày Chiến thắng' },
      { from: '2030-05-01', to: '2030-05-01', name: 'Ngày Quốc tế Lao động' },
      { from: '2030-09-02', to: '2030-09-03', name: 'Quốc khánh' },
    ]);
  });

  it('compensates a weekend holiday that touches the next one after the whole block', () => {
    // 2028: 30/4 is a Sunday and 1/5 a Monday → Tue 2/5; 1/1 is a Saturday → Mon 3/1.
    const off = defaultHolidaySchedule(2028).daysOff.filter((d) => d.name.startsWith('Nghỉ bù'));
    expect(off.map((d) => d.from)).toEqual(['2028-01-03', '2028-01-31', '2028-05-02', '2028-09-04']);
  });

  it('reproduces the announced National Day pairs of 2024–2026', () => {
    const nationalDay = (y: number) => defaultHolidaySchedule(y).daysOff.find((d) => d.name === 'Quốc khánh');
    expect(nationalDay(2024)).toMatchObject({ from: '2024-09-02', to: '2024-09-03' });
    expect(nationalDay(2025)).toMatchObject({ from: '2025-09-01', to: '2025-09-02' });
    expect(nationalDay(2026)).toMatchObject({ from: '2026-09-01', to: '2026-09-02' });
  });

  it('is used for years without an official schedule', () => {
    expect(OFFICIAL_SCHEDULES.map((s) => s.year)).toEqual([2024, 2025, 2026]);
    expect(calendar.isWorkingDay('2027-02-11')).toBe(false);
    expect(calendar.isWorkingDay('2027-02-12')).toBe(true);
    // Received Thu 4/2/2027: Tết 5–9/2 and compensation 10–11/2 → Fri 12/2.
    expect(due('2027-02-04 10:00', 1, 'working-days')).toBe('2027-02-12T17:00:00+07:00');
  });
});

describe('schedules are data', () => {
  it('takes extra days off such as 24/11 "Ngày Văn hóa Việt Nam"', () => {
    const withCultureDay = new WorkingCalendar({
      officeHours: DEMO_OFFICE_HOURS,
      extraDaysOff: [{ from: '2026-11-24', to: '2026-11-24', name: 'Ngày Văn hóa Việt Nam' }],
    });
    expect(due('2026-11-23 10:00', 1, 'working-days')).toBe('2026-11-24T17:00:00+07:00');
    expect(due('2026-11-23 10:00', 1, 'working-days', withCultureDay)).toBe('2026-11-25T17:00:00+07:00');
  });

  it('lets an announced year replace the lunar default', () => {
    const announced = new WorkingCalendar({
      officeHours: DEMO_OFFICE_HOURS,
      schedules: [
        ...OFFICIAL_SCHEDULES,
        {
          year: 2027,
          daysOff: [{ from: '2027-02-04', to: '2027-02-12', name: 'Tết Nguyên đán' }],
          workingSaturdays: ['2027-02-20'],
          source: 'test',
        },
      ],
    });
    expect(announced.isWorkingDay('2027-02-04')).toBe(false);
    expect(announced.isWorkingDay('2027-02-20')).toBe(true);
    // The default's 16/4 Hùng Kings is gone because the announced year replaces it.
    expect(announced.isWorkingDay('2027-04-16')).toBe(true);
    expect(calendar.isWorkingDay('2027-04-16')).toBe(false);
  });

  it('applies a range listed under the next year to the days it covers', () => {
    const cal = new WorkingCalendar({
      officeHours: DEMO_OFFICE_HOURS,
      schedules: [
        { year: 2024, daysOff: [{ from: '2023-12-29', to: '2024-01-01', name: 'Tết Dương lịch' }], workingSaturdays: [], source: 'test' },
      ],
    });
    expect(cal.isWorkingDay('2023-12-29')).toBe(false);
    expect(cal.isWorkingDay('2023-12-28')).toBe(true);
  });

  it('refuses malformed office hours and schedules, listing every problem', () => {
    const bad = (): WorkingCalendar =>
      new WorkingCalendar({
        officeHours: {
          utcOffsetMinutes: 420,
          sets: [
            {
              weekdays: [0, 1],
              sessions: [
                { start: '7:30', end: '11:30' },
                { start: '11:00', end: '12:00' },
              ],
            },
          ],
        },
        extraDaysOff: [{ from: '2025-02-30', to: '2025-03-01', name: 'x' }],
      });
    expect(bad).toThrow(RangeError);
    expect(bad).toThrow(/weekday 0 is not/);
    expect(bad).toThrow(/invalid time '7:30'/);
    expect(bad).toThrow(/sessions overlap/);
    expect(bad).toThrow(/invalid local date '2025-02-30'/);
  });

  it('refuses dates outside the supported years and malformed dates', () => {
    expect(() => calendar.isWorkingDay('2025-13-01')).toThrow(RangeError);
    expect(() => calendar.dueDate(at('2250-01-01 10:00'), 1, 'working-days')).toThrow(RangeError);
    expect(() => calendar.dueDate(at('2025-03-17 10:00'), 1.5, 'working-days')).toThrow(RangeError);
    expect(() => calendar.dueDate(at('2025-03-17 10:00'), -1, 'working-hours')).toThrow(RangeError);
  });
});

describe('seasonal office hours', () => {
  // Nghệ An style: summer 16/4–15/10 07:00–11:30 and 13:30–17:00; winter wraps the year end.
  const seasonal: OfficeHours = {
    utcOffsetMinutes: 420,
    sets: [
      {
        from: '04-16',
        to: '10-15',
        weekdays: [1, 2, 3, 4, 5],
        sessions: [
          { start: '07:00', end: '11:30' },
          { start: '13:30', end: '17:00' },
        ],
      },
      {
        from: '10-16',
        to: '04-15',
        weekdays: [1, 2, 3, 4, 5],
        sessions: [
          { start: '07:30', end: '11:30' },
          { start: '13:00', end: '17:00' },
        ],
      },
    ],
  };
  const cal = new WorkingCalendar({ officeHours: seasonal });

  it('uses the summer set in summer and the wrapping winter set in winter', () => {
    // Summer Mon 16/6: 10:00–11:30 and 13:30–17:00 = 5 h, Tue 07:00 + 3 h.
    expect(due('2025-06-16 10:00', 8, 'working-hours', cal)).toBe('2025-06-17T10:00:00+07:00');
    expect(due('2025-01-06 07:30', 4, 'working-hours', cal)).toBe('2025-01-06T11:30:00+07:00');
    expect(due('2025-06-16 07:00', 4, 'working-hours', cal)).toBe('2025-06-16T11:00:00+07:00');
    expect(iso(cal.nextOfficeOpening(at('2025-10-16 07:00')))).toBe('2025-10-16T07:30:00+07:00');
  });

  it('switches sets at the season boundary', () => {
    // Tue 15/4 (winter) 16:00–17:00 = 1 h, Wed 16/4 (summer) 07:00 + 1 h.
    expect(due('2025-04-15 16:00', 2, 'working-hours', cal)).toBe('2025-04-16T08:00:00+07:00');
  });
});

describe('formatLocalIso and the process time zone', () => {
  it('formats with the given offset', () => {
    expect(formatLocalIso(new Date(Date.UTC(2025, 2, 14, 10, 0, 0)), 420)).toBe('2025-03-14T17:00:00+07:00');
    expect(formatLocalIso(new Date(Date.UTC(2025, 0, 1, 1, 2, 3, 45)), -150)).toBe('2024-12-31T22:32:03.045-02:30');
  });

  it('gives the same answers whatever TZ the process runs in', () => {
    const before = process.env.TZ;
    try {
      process.env.TZ = 'America/Los_Angeles';
      const cal = new WorkingCalendar({ officeHours: DEMO_OFFICE_HOURS });
      expect(iso(cal.dueDate(at('2025-01-23 09:00'), 5, 'working-days'))).toBe('2025-02-06T17:00:00+07:00');
      expect(iso(cal.dueDate(at('2025-03-17 10:00'), 8, 'working-hours'))).toBe('2025-03-18T10:00:00+07:00');
    } finally {
      process.env.TZ = before;
    }
  });
});

describe('properties', () => {
  const FROM = Date.parse('2024-01-01T00:00:00+07:00');
  const TO = Date.parse('2035-12-31T00:00:00+07:00');
  const instant = fc.integer({ min: FROM, max: TO });
  const limit = fc.integer({ min: 1, max: 60 });
  const unit = fc.constantFrom<LimitUnit>('working-hours', 'working-days', 'days', 'months');
  const options = { seed: 20250314, numRuns: 400 };
  const localDate = (d: Date): string => iso(d).slice(0, 10);
  /** Open at t means the office is open at that instant. */
  const isOpen = (t: number): boolean => calendar.nextOfficeOpening(new Date(t)).getTime() === t;

  it('puts every due date inside or at the end of office hours on a working day, after the receipt', () => {
    fc.assert(
      fc.property(instant, limit, unit, (t, n, u) => {
        const d = calendar.dueDate(new Date(t), n, u);
        expect(d.getTime()).toBeGreaterThan(t);
        expect(isOpen(d.getTime() - 1)).toBe(true);
        expect(calendar.isWorkingDay(localDate(d))).toBe(true);
      }),
      options,
    );
  });

  it('never moves a working-days due date earlier as the limit grows, and limit + 1 is strictly later', () => {
    fc.assert(
      fc.property(instant, limit, fc.integer({ min: 1, max: 30 }), (t, n, k) => {
        const a = calendar.dueDateMs(t, n, 'working-days');
        expect(calendar.dueDateMs(t, n + 1, 'working-days')).toBeGreaterThan(a);
        expect(calendar.dueDateMs(t, n + k, 'working-days')).toBeGreaterThan(a);
      }),
      options,
    );
  });

  it('agrees with a day-by-day count of working days', () => {
    fc.assert(
      fc.property(instant, limit, (t, n) => {
        let day = new Date(t);
        let counted = 0;
        while (counted < n) {
          day = new Date(day.getTime() + 86_400_000);
          if (calendar.isWorkingDay(localDate(day))) counted++;
        }
        expect(iso(calendar.dueDate(new Date(t), n, 'working-days'))).toBe(`${localDate(day)}T17:00:00+07:00`);
      }),
      options,
    );
  });

  it('computes the same instant through dueDateMs and dueDate', () => {
    fc.assert(
      fc.property(instant, limit, unit, (t, n, u) => {
        expect(calendar.dueDateMs(t, n, u)).toBe(calendar.dueDate(new Date(t), n, u).getTime());
      }),
      options,
    );
  });

  it('puts exactly the limit of office time between receipt and a working-hours due date', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 400 }), (t, n) => {
        const d = calendar.dueDate(new Date(t), n, 'working-hours');
        expect(calendar.workingMsBetween(new Date(t), d)).toBe(n * HOUR);
      }),
      options,
    );
  });

  it('lands addWorkingMs(a, workingMsBetween(a, b)) on b when b is in office hours', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 90 * 86_400_000 }), (a, gap) => {
        const b = a + gap;
        fc.pre(isOpen(b - 1));
        const back = calendar.addWorkingMs(new Date(a), calendar.workingMsBetween(new Date(a), new Date(b)));
        expect(back.getTime()).toBe(b);
      }),
      options,
    );
  });

  it('adds office time across intervals, including year ends', () => {
    fc.assert(
      fc.property(instant, instant, instant, (x, y, z) => {
        const [a, b, c] = [x, y, z].sort((p, q) => p - q) as [number, number, number];
        const between = (p: number, q: number) => calendar.workingMsBetween(new Date(p), new Date(q));
        expect(between(a, b) + between(b, c)).toBe(between(a, c));
      }),
      options,
    );
  });

  it('never moves an hour limit earlier on pause/resume, and moves it by exactly the office time waited', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 400 }), instant, fc.integer({ min: 0, max: 30 * 86_400_000 }), (t, n, p, wait) => {
        const original = calendar.dueDate(new Date(t), n, 'working-hours');
        const moved = calendar.resume(original, new Date(p), new Date(p + wait), 'working-hours');
        expect(moved.getTime()).toBeGreaterThanOrEqual(original.getTime());
        expect(calendar.workingMsBetween(original, moved)).toBe(calendar.workingMsBetween(new Date(p), new Date(p + wait)));
      }),
      options,
    );
  });

  const dayUnit = fc.constantFrom<LimitUnit>('working-days', 'days', 'months');
  const close = (d: Date): boolean => {
    const sessions = calendar.sessionsOn(localDate(new Date(d.getTime() - 1)));
    return sessions.length > 0 && sessions[sessions.length - 1]!.end.getTime() === d.getTime();
  };
  /** Working days in (a's day, b's day]. */
  const workingDaysFromTo = (a: Date, b: Date): number => {
    let n = 0;
    for (let day = new Date(a.getTime() + 86_400_000); localDate(day) <= localDate(b); day = new Date(day.getTime() + 86_400_000))
      if (calendar.isWorkingDay(localDate(day))) n++;
    return n;
  };

  it('keeps a day limit at a close of office hours after any pause, never earlier', () => {
    fc.assert(
      fc.property(instant, limit, dayUnit, instant, fc.integer({ min: 0, max: 30 * 86_400_000 }), (t, n, u, p, wait) => {
        const original = calendar.dueDate(new Date(t), n, u);
        const moved = calendar.resume(original, new Date(p), new Date(p + wait), u);
        expect(close(original)).toBe(true);
        expect(close(moved)).toBe(true);
        expect(moved.getTime()).toBeGreaterThanOrEqual(original.getTime());
        // Moved by exactly the working days waited.
        expect(workingDaysFromTo(original, moved)).toBe(calendar.workingDaysWaited(new Date(p), new Date(p + wait)));
      }),
      options,
    );
  });

  it('moves nothing for a day limit when the wait starts and ends on the same working day', () => {
    fc.assert(
      fc.property(instant, limit, dayUnit, instant, fc.integer({ min: 0, max: 10 * 3_600_000 }), (t, n, u, p, wait) => {
        fc.pre(calendar.isWorkingDay(localDate(new Date(p))) && localDate(new Date(p)) === localDate(new Date(p + wait)));
        const original = calendar.dueDate(new Date(t), n, u);
        expect(calendar.resume(original, new Date(p), new Date(p + wait), u).getTime()).toBe(original.getTime());
      }),
      { ...options, numRuns: 200 },
    );
  });

  it('moves a day limit by k working days when the wait runs k whole working days, across weekends and holidays', () => {
    fc.assert(
      fc.property(
        instant,
        limit,
        dayUnit,
        instant,
        fc.integer({ min: 1, max: 25 }),
        fc.integer({ min: 0, max: 7 * 3_600_000 }),
        (t, n, u, p, k, into) => {
          // From an office instant of a working day to the same position k working days later.
          const start = calendar.addWorkingMs(calendar.nextOfficeOpening(new Date(p)), 1);
          fc.pre(calendar.workingMsBetween(start, calendar.dueDate(start, 0, 'working-days')) > into);
          const from = calendar.addWorkingMs(start, into);
          const to = calendar.addWorkingMs(from, k * 8 * HOUR); // every demo working day holds 8 office hours
          expect(workingDaysFromTo(from, to)).toBe(k);
          expect(calendar.workingDaysWaited(from, to)).toBe(k);
          const original = calendar.dueDate(new Date(t), n, u);
          const moved = calendar.resume(original, from, to, u);
          expect(workingDaysFromTo(original, moved)).toBe(k);
          expect(close(moved)).toBe(true);
        },
      ),
      options,
    );
  });

  it('counts the working days a wait spans against a day-by-day walk', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 40 * 86_400_000 }), (p, wait) => {
        const from = new Date(p);
        const to = new Date(p + wait);
        // The working days with office time inside the wait, found by walking the days.
        const touched: string[] = [];
        for (let d = new Date(p - 86_400_000); localDate(d) <= localDate(to); d = new Date(d.getTime() + 86_400_000)) {
          const day = localDate(d);
          const open = calendar
            .sessionsOn(day)
            .some((s) => Math.min(s.end.getTime(), to.getTime()) > Math.max(s.start.getTime(), from.getTime()));
          if (open && !touched.includes(day)) touched.push(day);
        }
        expect(calendar.workingDaysWaited(from, to)).toBe(Math.max(0, touched.length - 1));
      }),
      options,
    );
  });
});
