import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { api, newIdempotencyKey, settle, type MyDossier, type Problem, type Rating } from '../api/client';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatDateTime } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { useCitizen, vneidLoginHref } from '../lib/citizen';
import { useApi } from '../lib/useApi';
import { trackingHref } from './TrackPage.model';

/** The codes a refused VNeID log-in comes back with (/ho-so-cua-toi?vneid=<code>), each with its own message. */
const LOGIN_REFUSALS = [
  'VNEID_LOGIN_INVALID',
  'VNEID_LOGIN_EXPIRED',
  'VNEID_LOGIN_REFUSED',
  'NATIONAL_SERVICE_UNAVAILABLE',
  'CONFLICT',
] as const;
type LoginRefusal = (typeof LOGIN_REFUSALS)[number];

/** /ho-so-cua-toi — a citizen logged in with VNeID: their dossiers (status, tracking, rating) and their document store. */
export default function MyDossiersPage() {
  const { t } = useTranslation();
  usePageTitle(t('citizen.title'));
  const citizen = useCitizen();
  const [params] = useSearchParams();
  const refused = params.get('vneid');
  const refusal = LOGIN_REFUSALS.find((c) => c === refused);

  return (
    <div className="container page">
      <PageHeading>{t('citizen.title')}</PageHeading>
      {refused && (
        <div className="alert alert-error" role="alert">
          <p className="alert-title">{t(`citizen.refused.${refusal ?? 'other'}` as `citizen.refused.${LoginRefusal | 'other'}`)}</p>
        </div>
      )}
      {citizen.status === 'loading' ? (
        <Loading />
      ) : !citizen.me ? (
        <section className="card">
          <p>{t('citizen.loginIntro')}</p>
          <p>
            <a className="button button-primary" href={vneidLoginHref('/ho-so-cua-toi')}>
              {t('citizen.login')}
            </a>
          </p>
        </section>
      ) : citizen.me.level !== 2 ? (
        <section className="card">
          <p>{t('citizen.greeting', { name: citizen.me.name })}</p>
          <p className="notice">{t('citizen.level1')}</p>
        </section>
      ) : (
        <>
          <p className="subtitle">
            {t('citizen.greeting', { name: citizen.me.name })}{' '}
            <span className="muted">({t('citizen.idNumber', { masked: citizen.me.idNumberMasked })})</span>
          </p>
          <Dossiers />
          <StoreDocuments />
        </>
      )}
    </div>
  );
}

function Dossiers() {
  const { t, i18n } = useTranslation();
  const en = i18n.language === 'en';
  const [dossiers, retry] = useApi((signal) => settle(api.GET('/citizen/dossiers', { signal })), []);
  return (
    <section className="section" aria-labelledby="my-dossiers">
      <h2 id="my-dossiers">{t('citizen.dossiers')}</h2>
      {dossiers.status === 'loading' && <Loading />}
      {dossiers.status === 'error' && <ProblemAlert problem={dossiers.problem} onRetry={retry} />}
      {dossiers.status === 'ok' &&
        (dossiers.data.length === 0 ? (
          <p className="muted">{t('citizen.noDossiers')}</p>
        ) : (
          <table className="stack-table">
            <thead>
              <tr>
                <th scope="col">{t('citizen.code')}</th>
                <th scope="col">{t('track.procedure')}</th>
                <th scope="col">{t('track.status')}</th>
                <th scope="col">{t('citizen.due')}</th>
                <th scope="col">{t('citizen.rating')}</th>
                <th scope="col">{t('citizen.notices')}</th>
              </tr>
            </thead>
            <tbody>
              {dossiers.data.map((d) => (
                <tr key={d.code}>
                  <th scope="row">
                    <Link to={trackingHref(d.code, d.trackingToken)} className="code">
                      {d.code}
                    </Link>
                    {d.vneidAuthenticated && <span className="badge badge-blue">{t('citizen.viaVneid')}</span>}
                  </th>
                  <td>{en ? d.procedure.nameEn : d.procedure.nameVi}</td>
                  <td>{en ? d.statusEn : d.statusVi}</td>
                  <td>{d.dueAt ? formatDateTime(d.dueAt, i18n.language) : '—'}</td>
                  <td>
                    <RateCell dossier={d} onRated={retry} />
                  </td>
                  <td>
                    <NoticesCell code={d.code} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}

const RATINGS: Rating[] = ['satisfied', 'acceptable', 'not_satisfied'];

/** A returned dossier not yet rated: three buttons; the rating is recorded with the citizen's account. */
function RateCell({ dossier: d, onRated }: { dossier: MyDossier; onRated: () => void }) {
  const { t } = useTranslation();
  const [problem, setProblem] = useState<Problem | null>(null);
  const [sending, setSending] = useState(false);
  if (d.rating) return <>{t(`rating.${d.rating as Rating}`)}</>;
  if (!d.canRate) return <>—</>;
  const rate = async (rating: Rating) => {
    setSending(true);
    const r = await settle(
      api.POST('/citizen/dossiers/{code}/rating', {
        params: { path: { code: d.code }, header: { 'idempotency-key': newIdempotencyKey() } },
        body: { rating },
      }),
    );
    setSending(false);
    if (r.ok) onRated();
    else setProblem(r.problem);
  };
  return (
    <div className="rate-buttons" role="group" aria-label={t('citizen.rateLabel', { code: d.code })}>
      {RATINGS.map((rating) => (
        <button key={rating} type="button" className="button button-secondary" disabled={sending} onClick={() => void rate(rating)}>
          {t(`rating.${rating}`)}
        </button>
      ))}
      {problem && <ProblemAlert problem={problem} />}
    </div>
  );
}

type NoticeChannel = 'sms' | 'email';

/** Stop the SMS or e-mail notices of a dossier's address, after a confirm step (POST /citizen/notices/opt-out). */
function NoticesCell({ code }: { code: string }) {
  const { t } = useTranslation();
  const [asking, setAsking] = useState<NoticeChannel | null>(null);
  const [sending, setSending] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const what = (c: NoticeChannel) => t(`citizen.notify.${c}`);
  const stop = async (channel: NoticeChannel) => {
    setSending(true);
    setProblem(null);
    const r = await settle(api.POST('/citizen/notices/opt-out', { body: { code, channel } }));
    setSending(false);
    setAsking(null);
    if (!r.ok) return setProblem(r.problem);
    setDone(r.data.already ? t(`citizen.stoppedAlready.${channel}`) : t(`citizen.stopped.${channel}`));
  };
  return (
    <div className="notices-cell" role="group" aria-label={t('citizen.stopLabel', { code })}>
      {asking ? (
        <>
          <p className="small">{t('citizen.stopAsk', { what: what(asking) })}</p>
          <div className="rate-buttons">
            <button type="button" className="button button-primary" disabled={sending} onClick={() => void stop(asking)}>
              {t('citizen.stopConfirm')}
            </button>
            <button type="button" className="button button-secondary" disabled={sending} onClick={() => setAsking(null)}>
              {t('citizen.stopCancel')}
            </button>
          </div>
        </>
      ) : (
        <div className="rate-buttons">
          {(['sms', 'email'] as const).map((c) => (
            <button
              key={c}
              type="button"
              className="button button-secondary"
              onClick={() => {
                setDone(null);
                setProblem(null);
                setAsking(c);
              }}
            >
              {c === 'sms' ? t('citizen.stopSms') : t('citizen.stopEmail')}
            </button>
          ))}
        </div>
      )}
      <div aria-live="polite">
        {done && <p className="notice notice-green small">{done}</p>}
        {problem && <ProblemAlert problem={problem} />}
      </div>
    </div>
  );
}

function StoreDocuments() {
  const { t, i18n } = useTranslation();
  const en = i18n.language === 'en';
  const [docs, retry] = useApi((signal) => settle(api.GET('/citizen/store-documents', { signal })), []);
  return (
    <section className="section" aria-labelledby="my-store">
      <h2 id="my-store">{t('citizen.store')}</h2>
      <p className="hint">{t('citizen.storeHint')}</p>
      {docs.status === 'loading' && <Loading />}
      {docs.status === 'error' && <ProblemAlert problem={docs.problem} onRetry={retry} />}
      {docs.status === 'ok' &&
        (docs.data.length === 0 ? (
          <p className="muted">{t('citizen.noDocuments')}</p>
        ) : (
          <ul className="link-list">
            {docs.data.map((d) => (
              <li key={d.id}>
                <strong>{d.title}</strong>
                {d.documentType && <span className="muted"> · {en ? d.documentType.nameEn : d.documentType.nameVi}</span>}
                <span className="muted small block">
                  {formatDateTime(d.issuedAt, i18n.language)}
                  {d.issuerNameVi ? ` · ${d.issuerNameVi}` : ''}
                </span>
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}
