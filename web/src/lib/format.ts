import type { TFunction } from 'i18next';
import type { TimeLimit } from '../api/client';

/** Vietnam has one time zone and no daylight saving: every instant is shown in it, whatever the device's zone. */
export const VIETNAM_TZ = 'Asia/Ho_Chi_Minh';

const locale = (lang: string) => (lang === 'en' ? 'en-GB' : 'vi-VN');

/** "10:05 14/03/2025" (vi) or "14 Mar 2025, 10:05" (en), in Vietnam time. */
export function formatDateTime(iso: string, lang: string): string {
  const opts: Intl.DateTimeFormatOptions =
    lang === 'en'
      ? { timeZone: VIETNAM_TZ, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false }
      : { timeZone: VIETNAM_TZ, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false };
  return new Intl.DateTimeFormat(locale(lang), opts).format(new Date(iso));
}

/** "14/03/2025" (vi) or "14 Mar 2025" (en), the calendar date in Vietnam. */
export function formatDate(isoDate: string, lang: string): string {
  // A plain YYYY-MM-DD is a calendar date: read it at noon UTC so no zone moves it to another day.
  const d = /^\d{4}-\d{2}-\d{2}$/.test(isoDate) ? new Date(`${isoDate}T12:00:00Z`) : new Date(isoDate);
  const opts: Intl.DateTimeFormatOptions =
    lang === 'en'
      ? { timeZone: VIETNAM_TZ, day: 'numeric', month: 'short', year: 'numeric' }
      : { timeZone: VIETNAM_TZ, day: '2-digit', month: '2-digit', year: 'numeric' };
  return new Intl.DateTimeFormat(locale(lang), opts).format(d);
}

/** Amounts in đồng are written the Vietnamese way in both languages: "8.000 ₫". */
export function formatVnd(amount: number): string {
  return new Intl.NumberFormat('vi-VN', { style: 'currency', currency: 'VND' }).format(amount);
}

/** "523 kB", "1,2 MB". */
export function formatBytes(bytes: number, lang: string): string {
  const [value, unit] = bytes >= 1024 * 1024 ? [bytes / (1024 * 1024), 'megabyte'] : [Math.max(bytes / 1024, 0.1), 'kilobyte'];
  return new Intl.NumberFormat(locale(lang), { style: 'unit', unit, maximumFractionDigits: 1 }).format(value);
}

/** "1 ngày làm việc", "8 giờ làm việc", "30 ngày", "3 tháng" (and their English forms). */
export function formatLimit(t: TFunction, limit: TimeLimit): string {
  const count = limit.value;
  switch (limit.unit) {
    case 'working-hours':
      return t('limit.workingHours', { count });
    case 'working-days':
      return t('limit.workingDays', { count });
    case 'days':
      return t('limit.days', { count });
    case 'months':
      return t('limit.months', { count });
  }
}

/** Vietnamese alphabetical order (Đ after D, accents after their letter). */
export const byVietnamese = new Intl.Collator('vi').compare;
