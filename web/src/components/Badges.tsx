import { useTranslation } from 'react-i18next';

/** Online level: toàn trình (full) or một phần (partial). */
export function OnlineBadge({ online }: { online: string }) {
  const { t } = useTranslation();
  return online === 'full' ? (
    <span className="badge badge-green">{t('procedure.onlineFull')}</span>
  ) : (
    <span className="badge badge-blue">{t('procedure.onlinePartial')}</span>
  );
}

/** Non-territorial receipt: any service point of the province. */
export function AnywhereBadge() {
  const { t } = useTranslation();
  return <span className="badge badge-amber">{t('procedure.anywhere')}</span>;
}

export function LevelBadge({ level }: { level: string }) {
  const { t } = useTranslation();
  return <span className="badge badge-grey">{level === 'province' ? t('procedure.levelProvince') : t('procedure.levelCommune')}</span>;
}
