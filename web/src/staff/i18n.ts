/**
 * The staff console's strings: their own i18next namespace ("staff"), added from here so the citizen
 * portal's bundle and i18n setup stay untouched. Keys are typed from vi.json (en.json mirrors it).
 */
import { useTranslation } from 'react-i18next';
import i18n from '../i18n';
import vi from './i18n/vi.json';
import en from './i18n/en.json';

export const NS = 'staff';
i18n.addResourceBundle('vi', NS, vi, true, true);
i18n.addResourceBundle('en', NS, en, true, true);

type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Leaves<T[K], `${P}${K}.`>;
}[keyof T & string];

/** Every key of the staff namespace, e.g. "inbox.title". */
export type StaffKey = Leaves<typeof vi>;
export type StaffT = (key: StaffKey, options?: Record<string, unknown>) => string;

/** The staff namespace's translate function (re-renders on a language switch) and the current language. */
export function useStaffT(): { t: StaffT; lang: 'vi' | 'en' } {
  const { i18n: inst } = useTranslation();
  // The app's typed i18next knows only the portal's namespace: this one is typed by StaffKey instead.
  const fixed = (inst.getFixedT as unknown as (lng: string, ns: string) => (key: string, options?: Record<string, unknown>) => string)(
    inst.language,
    NS,
  );
  return { t: (key, options) => fixed(key, options), lang: inst.language === 'en' ? 'en' : 'vi' };
}

/** A key that may not exist (an action or status name from the server): its text, or the raw name. */
export function tOr(t: StaffT, key: string, fallback: string): string {
  return (t as (k: string, o?: Record<string, unknown>) => string)(key, { defaultValue: fallback });
}
