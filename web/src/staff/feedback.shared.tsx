/** Pieces of the staff feedback pages (phản ánh, kiến nghị). */
import { useStaffT } from './i18n';

export const FEEDBACK_STATUSES = ['received', 'info_requested', 'processing', 'refused', 'answered', 'published', 'closed'] as const;
export type FeedbackStatus = (typeof FEEDBACK_STATUSES)[number];

const TONE: Record<FeedbackStatus, string> = {
  received: 'status-blue',
  info_requested: 'status-amber',
  processing: 'status-blue',
  refused: 'status-grey',
  answered: 'status-green',
  published: 'status-green',
  closed: 'status-grey',
};

export function FeedbackStatusBadge({ status }: { status: FeedbackStatus }) {
  const { t } = useStaffT();
  return <span className={`status-chip ${TONE[status]}`}>{t(`feedback.status.${status}`)}</span>;
}
