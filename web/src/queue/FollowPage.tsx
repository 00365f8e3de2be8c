import { useEffect, useId, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, settle, type Problem } from '../api/client';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { Loading } from '../components/Loading';
import { formatDateTime } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { useQueueT, waitText } from './i18n';
import type { FollowedTicket } from './queue.api';
import { waitWords } from './queue.model';
import './queue.css';

/** How often the page asks again while the ticket waits or is being called. */
const REFRESH_MS = 10_000;

/**
 * /so/:token — the ticket on its holder's phone (the QR code printed on the ticket): the place and the
 * estimated wait while waiting, then the counter to go to, with a vibration when it is called.
 */
export default function FollowPage() {
  const { t, lang } = useQueueT();
  const id = useId();
  const token = useParams().token ?? '';
  const [ticket, setTicket] = useState<FollowedTicket | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const lastStatus = useRef<string | null>(null);
  usePageTitle(ticket ? t('follow.titleLabel', { label: ticket.label }) : t('follow.title'));

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      const r = await settle(api.GET('/public/queue/tickets/{token}', { params: { path: { token } } }));
      if (stopped) return;
      if (r.ok) {
        setProblem(null);
        setTicket(r.data);
        if (r.data.status === 'called' && lastStatus.current !== null && lastStatus.current !== 'called')
          navigator.vibrate?.([300, 150, 300]);
        lastStatus.current = r.data.status;
        if (r.data.status === 'waiting' || r.data.status === 'called') timer = setTimeout(() => void load(), REFRESH_MS);
      } else {
        setProblem(r.problem);
        // A network hiccup is retried; an unknown ticket is not.
        if (r.problem.status !== 404 && r.problem.status !== 400) timer = setTimeout(() => void load(), REFRESH_MS);
      }
    };
    void load();
    const again = () => {
      if (document.visibilityState === 'visible') {
        clearTimeout(timer);
        void load();
      }
    };
    document.addEventListener('visibilitychange', again);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', again);
    };
  }, [token]);

  if (!ticket && !problem)
    return (
      <div className="container page">
        <Loading label={t('common.loading')} />
      </div>
    );
  if (!ticket) {
    return (
      <div className="container page">
        <PageHeading>{t('follow.title')}</PageHeading>
        <ProblemAlert problem={problem!} message={problem!.status === 404 || problem!.status === 400 ? t('follow.notFound') : undefined} />
        <p>
          <Link to="/xep-hang">{t('follow.takeOne')}</Link>
        </p>
      </div>
    );
  }
  const group = lang === 'en' ? ticket.groupNameEn : ticket.groupNameVi;
  const counter = lang === 'en' ? ticket.counterNameEn : ticket.counterNameVi;
  return (
    <div className="container page follow-page">
      <PageHeading>{t('follow.title')}</PageHeading>
      <section className={`card section follow-card follow-${ticket.status}`} aria-labelledby={`${id}-n`}>
        <p className="muted">{lang === 'en' ? ticket.pointNameEn : ticket.pointNameVi}</p>
        <h2 id={`${id}-n`} className="follow-label">
          <span className="visually-hidden">{t('kiosk.yourNumber')} </span>
          {ticket.label}
        </h2>
        <p>{group}</p>
        {/* Read out when it changes: the holder may be looking elsewhere. */}
        <div role="status" aria-live="polite" className="follow-status">
          {ticket.status === 'waiting' && (
            <>
              <p className="follow-big">{ticket.ahead === 0 ? t('follow.next') : t('follow.ahead', { count: ticket.ahead ?? 0 })}</p>
              <p>
                {t('kiosk.estimatedWait')}: {waitText(t, waitWords(ticket.estimatedWaitSeconds ?? 0))}
              </p>
            </>
          )}
          {ticket.status === 'called' && <p className="follow-big">{t('follow.called', { counter: counter ?? '' })}</p>}
          {ticket.status === 'serving' && <p className="follow-big">{t('follow.serving', { counter: counter ?? '' })}</p>}
          {ticket.status === 'done' && <p className="follow-big">{t('follow.done')}</p>}
          {ticket.status === 'no_show' && <p className="follow-big">{t('follow.noShow')}</p>}
          {ticket.status === 'cancelled' && <p className="follow-big">{t('follow.cancelled')}</p>}
        </div>
        <p className="small muted">
          {t('kiosk.issuedAt')}: {formatDateTime(ticket.arrivedAt, lang)}
          {(ticket.status === 'waiting' || ticket.status === 'called') && ` · ${t('follow.refreshing')}`}
        </p>
      </section>
    </div>
  );
}
