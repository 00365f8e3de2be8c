/**
 * The counter-queue screens' strings (kiosk, board, bookings, counter, queue management): their own
 * i18next namespace ("queue"), loaded with those pages only, as the staff console does with its own.
 * Keys are typed from vi.json; en.json must have every one of them (checked below at compile time).
 */
import { useTranslation } from 'react-i18next';
import i18n from '../i18n';
import vi from './i18n/vi.json';
import en from './i18n/en.json';
import type { WaitWords } from './queue.model';

export const NS = 'queue';
i18n.addResourceBundle('vi', NS, vi, true, true);
i18n.addResourceBundle('en', NS, en, true, true);

// A missing English key is a type error here (no plural forms are used, so both files have the same keys).
const sameKeys: typeof vi = en;
void sameKeys;

type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Leaves<T[K], `${P}${K}.`>;
}[keyof T & string];

/** Every key of the queue namespace, e.g. "kiosk.title". */
export type QueueKey = Leaves<typeof vi>;
export type QueueT = (key: QueueKey, options?: Record<string, unknown>) => string;

/** The queue namespace's translate function (re-renders on a language switch) and the current language. */
export function useQueueT(): { t: QueueT; lang: 'vi' | 'en' } {
  const { i18n: inst } = useTranslation();
  // The app's typed i18next knows only the portal's namespace: this one is typed by QueueKey instead.
  const fixed = (inst.getFixedT as unknown as (lng: string, ns: string) => (key: string, options?: Record<string, unknown>) => string)(
    inst.language,
    NS,
  );
  return { t: (key, options) => fixed(key, options), lang: inst.language === 'en' ? 'en' : 'vi' };
}

/** "Không phải chờ", "khoảng 12 phút", "khoảng 1 giờ 5 phút" (and English). */
export function waitText(t: QueueT, w: WaitWords): string {
  switch (w.kind) {
    case 'none':
      return t('wait.none');
    case 'minutes':
      return t('wait.minutes', { count: w.minutes });
    case 'hours':
      return w.minutes ? t('wait.hoursMinutes', { hours: w.hours, minutes: w.minutes }) : t('wait.hours', { hours: w.hours });
  }
}
