import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { loadServicePoints, settle, type Problem } from '../api/client';
import type { paths } from '../api/schema';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatDateTime } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { useApi } from '../lib/useApi';
import { useStaffT } from './i18n';
import { staffApi } from './session';
import { StatusBadge, useSession } from './shared';

/**
 * /can-bo/dong-bo — reconciliation with the National Public Service Portal (DVCQG): how many dossiers the portal holds
 * as they stand, which changes it has not acknowledged and why (refused, unreachable, waiting), the oldest change
 * waiting. Managers see their center's dossiers, the administrator the province's and may send one now.
 */
export default function PortalSyncPage() {
  const { t, lang } = useStaffT();
  const { me } = useSession();
  usePageTitle(t('portal.title'));
  const [state, reload] = useApi((signal) => settle(staffApi.GET('/portal/sync', { params: { query: { limit: 200 } }, signal })), []);
  const [points] = useApi(() => loadServicePoints(), []);
  const [sent, setSent] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const unitName = useMemo(() => {
    const names = new Map(points.status === 'ok' ? points.data.map((p) => [p.id, lang === 'en' ? p.nameEn : p.nameVi]) : []);
    return (id: number) => names.get(id) ?? `#${id}`;
  }, [points, lang]);

  const [pulled, setPulled] = useState<string | null>(null);
  const pullNow = async () => {
    setPulled(null);
    setProblem(null);
    const r = await settle(staffApi.POST('/portal/inbound/pull'));
    if (r.ok) {
      setPulled(r.data.unavailable ? t('portal.pulledAway', { reason: r.data.unavailable }) : t('portal.pulled', r.data));
      reload();
    } else setProblem(r.problem);
  };
  const retryInbound = async (portalId: string) => {
    setPulled(null);
    setProblem(null);
    const r = await settle(staffApi.POST('/portal/inbound/{portalId}/retry', { params: { path: { portalId } } }));
    if (r.ok) {
      setPulled(t('portal.inRetried', { id: portalId }));
      reload();
    } else setProblem(r.problem);
  };

  const retry = async (code: string) => {
    setSent(null);
    setProblem(null);
    const r = await settle(staffApi.POST('/portal/sync/{code}/retry', { params: { path: { code } } }));
    if (r.ok) {
      setSent(code);
      reload();
    } else setProblem(r.problem);
  };

  return (
    <div className="container page">
      <PageHeading>{t('portal.title')}</PageHeading>
      <p className="lead">{t('portal.lead')}</p>
      {me.role === 'admin' && (
        <p>
          <Link to="/can-bo/danh-muc-quoc-gia">{t('national.link')}</Link>
        </p>
      )}
      <div aria-live="polite">
        {sent && (
          <p className="notice" role="status">
            {t('portal.sent', { code: sent })}
          </p>
        )}
        {pulled && (
          <p className="notice" role="status">
            {pulled}
          </p>
        )}
        {problem && <ProblemAlert problem={problem} />}
      </div>
      {state.status === 'loading' && <Loading label={t('common.loading')} />}
      {state.status === 'error' && <ProblemAlert problem={state.problem} onRetry={reload} />}
      {state.status === 'ok' && (
        <>
          {!state.data.enabled && (
            <div className="notice">
              <p>{t('portal.off')}</p>
            </div>
          )}
          <dl className="portal-tiles">
            <div className="card">
              <dt>{t('portal.acknowledged')}</dt>
              <dd className="num">{state.data.acknowledged.toLocaleString(lang === 'en' ? 'en' : 'vi')}</dd>
            </div>
            <div className="card">
              <dt>{t('portal.pending')}</dt>
              <dd className="num">{state.data.pending.toLocaleString(lang === 'en' ? 'en' : 'vi')}</dd>
            </div>
            <div className={state.data.failing ? 'card card-alert' : 'card'}>
              <dt>{t('portal.failing')}</dt>
              <dd className="num">{state.data.failing.toLocaleString(lang === 'en' ? 'en' : 'vi')}</dd>
            </div>
            <div className="card">
              <dt>{t('portal.oldest')}</dt>
              <dd>{state.data.oldest ? formatDateTime(state.data.oldest, lang) : t('portal.none')}</dd>
            </div>
          </dl>
          <div className="inbox-buttons">
            <button type="button" className="button button-secondary" onClick={reload}>
              {t('portal.refresh')}
            </button>
          </div>
          {state.data.items.length === 0 ? (
            <p className="result-count" role="status">
              {t('portal.allAcknowledged')}
            </p>
          ) : (
            <>
              <p className="result-count" role="status">
                {t('portal.count', { shown: state.data.items.length, total: state.data.pending })}
              </p>
              <div className="table-scroll">
                <table className="st-table">
                  <caption className="visually-hidden">{t('portal.caption')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('portal.colCode')}</th>
                      <th scope="col">{t('portal.colStatus')}</th>
                      <th scope="col">{t('portal.colUnit')}</th>
                      <th scope="col">{t('portal.colSince')}</th>
                      <th scope="col">{t('portal.colReason')}</th>
                      <th scope="col">{t('portal.colNext')}</th>
                      {me.role === 'admin' && <th scope="col">{t('portal.colAction')}</th>}
                    </tr>
                  </thead>
                  <tbody>
                    {state.data.items.map((i) => (
                      <tr key={i.code} className={i.reasonCode === 'refused' ? 'row-late' : undefined}>
                        <th scope="row" data-label={t('portal.colCode')}>
                          <Link to={`/can-bo/ho-so/${encodeURIComponent(i.code)}`} className="code">
                            {i.code}
                          </Link>
                          <span className="muted small block">{t('portal.versions', { acked: i.ackedSeq, pending: i.pendingSeq })}</span>
                        </th>
                        <td data-label={t('portal.colStatus')}>
                          <StatusBadge status={i.status} />
                        </td>
                        <td data-label={t('portal.colUnit')}>{unitName(i.receivingUnitId)}</td>
                        <td data-label={t('portal.colSince')}>{formatDateTime(i.pendingSince, lang)}</td>
                        <td data-label={t('portal.colReason')}>
                          {t(`portal.reason.${i.reasonCode}`)}
                          {i.reasonCode === 'refused' && (
                            <span className="muted small block">
                              {t('portal.attempts', { n: i.attempts })} · {i.reason}
                            </span>
                          )}
                        </td>
                        <td data-label={t('portal.colNext')}>{formatDateTime(i.nextAttemptAt, lang)}</td>
                        {me.role === 'admin' && (
                          <td data-label={t('portal.colAction')}>
                            <button type="button" className="button button-secondary button-small" onClick={() => void retry(i.code)}>
                              {t('portal.retry')}
                            </button>
                          </td>
                        )}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
          <InboundSection
            inbound={state.data.inbound}
            admin={me.role === 'admin'}
            onPull={() => void pullNow()}
            onRetry={(id) => void retryInbound(id)}
          />
        </>
      )}
    </div>
  );
}

type Inbound = paths['/portal/sync']['get']['responses'][200]['content']['application/json']['inbound'];

/** The inward half: dossiers filed on the portal and pulled here, and those that could not be taken, with why. */
function InboundSection({
  inbound,
  admin,
  onPull,
  onRetry,
}: {
  inbound: Inbound;
  admin: boolean;
  onPull: () => void;
  onRetry: (id: string) => void;
}) {
  const { t, lang } = useStaffT();
  const n = (x: number) => x.toLocaleString(lang === 'en' ? 'en' : 'vi');
  return (
    <section aria-labelledby="portal-inbound">
      <h2 id="portal-inbound">{t('portal.inTitle')}</h2>
      <p>{inbound.enabled ? t('portal.inLead') : t('portal.inOff')}</p>
      <dl className="portal-tiles">
        <div className="card">
          <dt>{t('portal.inReceived')}</dt>
          <dd className="num">{n(inbound.received)}</dd>
        </div>
        <div className={inbound.refused ? 'card card-alert' : 'card'}>
          <dt>{t('portal.inRefused')}</dt>
          <dd className="num">{n(inbound.refused)}</dd>
        </div>
      </dl>
      {admin && inbound.enabled && (
        <div className="inbox-buttons">
          <button type="button" className="button button-secondary" onClick={onPull}>
            {t('portal.pullNow')}
          </button>
        </div>
      )}
      {inbound.refusals.length === 0 ? (
        <p className="result-count">{t('portal.noRefusals')}</p>
      ) : (
        <div className="table-scroll">
          <table className="st-table">
            <caption className="visually-hidden">{t('portal.inCaption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('portal.colPortalId')}</th>
                <th scope="col">{t('portal.colProcedure')}</th>
                <th scope="col">{t('portal.colCommune')}</th>
                <th scope="col">{t('portal.colSubmitted')}</th>
                <th scope="col">{t('portal.colReason')}</th>
                {admin && <th scope="col">{t('portal.colAction')}</th>}
              </tr>
            </thead>
            <tbody>
              {inbound.refusals.map((r) => (
                <tr key={r.portalId} className="row-late">
                  <th scope="row" data-label={t('portal.colPortalId')}>
                    <span className="code">{r.portalId}</span>
                  </th>
                  <td data-label={t('portal.colProcedure')}>{r.procedureCode}</td>
                  <td data-label={t('portal.colCommune')}>{r.communeCode}</td>
                  <td data-label={t('portal.colSubmitted')}>{r.submittedAt ? formatDateTime(r.submittedAt, lang) : '—'}</td>
                  <td data-label={t('portal.colReason')}>
                    {r.reason}
                    <span className="muted small block">
                      {r.field ? `${t('portal.colField')}: ${r.field} · ` : ''}
                      {t('portal.inAttempts', { n: r.attempts, at: formatDateTime(r.lastRefusedAt, lang) })}
                    </span>
                  </td>
                  {admin && (
                    <td data-label={t('portal.colAction')}>
                      <button type="button" className="button button-secondary button-small" onClick={() => onRetry(r.portalId)}>
                        {t('portal.inRetry')}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
