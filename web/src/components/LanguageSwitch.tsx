import { useTranslation } from 'react-i18next';

/** Switches between Vietnamese and English; the choice is remembered (i18n/index.ts). Its name is its visible text (WCAG 2.5.3). */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const other = i18n.language === 'en' ? 'vi' : 'en';
  return (
    <button type="button" className="lang-switch" onClick={() => void i18n.changeLanguage(other)} title={t('language.switchLabel')}>
      <span aria-hidden="true" className="lang-switch-code">
        {other.toUpperCase()}
      </span>
      <span lang={other}>{other === 'en' ? 'English' : 'Tiếng Việt'}</span>
    </button>
  );
}
