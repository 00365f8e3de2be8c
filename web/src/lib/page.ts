import { useEffect } from 'react';
import { useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';

let firstKey: string | null = null;

/**
 * Whether the current page was reached by a navigation inside the app (not the page load). Read during
 * render: with transitions, a new page's effects can run before the layout's, so an effect would be late.
 */
export function useInAppNavigation(): boolean {
  const { key } = useLocation();
  if (firstKey === null) firstKey = key;
  return key !== firstKey;
}

/** Sets the document title: "<page> – <app>". */
export function usePageTitle(title: string | undefined): void {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = title ? `${title} – ${t('app.name')}` : t('app.name');
  }, [title, t]);
}
