import { useTranslation } from 'react-i18next';
import type { Problem } from '../api/client';
import { problemDetail, problemMessage } from '../lib/problem';

/** An error from the API, announced to screen readers as it appears; the server's own words follow unless `message` says it all. */
export function ProblemAlert({
  problem,
  message,
  onRetry,
  id,
  showDetail = true,
}: {
  problem: Problem;
  message?: string | undefined;
  onRetry?: (() => void) | undefined;
  id?: string;
  showDetail?: boolean;
}) {
  const { t } = useTranslation();
  const detail = showDetail ? problemDetail(problem) : null;
  return (
    <div className="alert alert-error" role="alert" id={id}>
      <p className="alert-title">{message ?? problemMessage(t, problem)}</p>
      {detail && (
        <p className="alert-detail">
          {t('errors.serverSaid')} <span lang="en">{detail}</span>
        </p>
      )}
      {onRetry && (
        <button type="button" className="button button-secondary" onClick={onRetry}>
          {t('actions.retry')}
        </button>
      )}
    </div>
  );
}
