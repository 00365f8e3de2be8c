import { useTranslation } from 'react-i18next';

/** A polite "loading" line (announced once, not a busy spinner). */
export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label ?? t('common.loading')}
    </p>
  );
}
