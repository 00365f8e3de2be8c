import 'i18next';
import type vi from './vi.json';

// Keys are checked at compile time against the Vietnamese strings (en.json must have the same keys: test/web.spec.ts).
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof vi };
  }
}
