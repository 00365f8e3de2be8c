import { useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { api, settle } from '../api/client';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { usePageTitle } from '../lib/page';
import { useApi } from '../lib/useApi';
import { PublishedList } from './FeedbackPage';
import './FeedbackPage.css';

const share = (n: number, of: number) => (of > 0 ? `${Math.round((n / of) * 100)}%` : '—');

/** A unit's page for citizens: its ratings and its feedback together, over the last twelve months. */
export default function UnitVoicePage() {
  const { t, i18n } = useTranslation();
  const id = Number(useParams().unitId);
  const [state, retry] = useApi((signal) => settle(api.GET('/public/units/{id}/voice', { params: { path: { id } }, signal })), [id]);
  const name = state.status === 'ok' ? (i18n.language === 'en' ? state.data.unit.nameEn : state.data.unit.nameVi) : '';
  usePageTitle(name || t('unitVoice.title'));
  return (
    <div className="container page feedback-page">
      <PageHeading>{name || t('unitVoice.title')}</PageHeading>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ProblemAlert problem={state.problem} onRetry={retry} />}
      {state.status === 'ok' && (
        <>
          <p className="lead">{t('unitVoice.lead')}</p>
          <div className="unit-voice-grid">
            <section className="card" aria-labelledby="ratings-h">
              <h2 id="ratings-h">{t('unitVoice.ratings')}</h2>
              {(() => {
                const r = state.data.ratings;
                const total = r.satisfied + r.acceptable + r.notSatisfied;
                return total === 0 ? (
                  <p className="muted">{t('unitVoice.noRatings')}</p>
                ) : (
                  <dl className="unit-voice-figures">
                    <dt>{t('unitVoice.satisfied')}</dt>
                    <dd>
                      {r.satisfied} ({share(r.satisfied, total)})
                    </dd>
                    <dt>{t('unitVoice.acceptable')}</dt>
                    <dd>
                      {r.acceptable} ({share(r.acceptable, total)})
                    </dd>
                    <dt>{t('unitVoice.notSatisfied')}</dt>
                    <dd>
                      {r.notSatisfied} ({share(r.notSatisfied, total)})
                    </dd>
                  </dl>
                );
              })()}
            </section>
            <section className="card" aria-labelledby="fb-h">
              <h2 id="fb-h">{t('unitVoice.feedback')}</h2>
              <dl className="unit-voice-figures">
                <dt>{t('unitVoice.received')}</dt>
                <dd>{state.data.feedback.received}</dd>
                <dt>{t('unitVoice.handled')}</dt>
                <dd>{state.data.feedback.handled}</dd>
                <dt>{t('unitVoice.onTime')}</dt>
                <dd>
                  {state.data.feedback.handledOnTime} ({share(state.data.feedback.handledOnTime, state.data.feedback.handled)})
                </dd>
                <dt>{t('unitVoice.open')}</dt>
                <dd>{state.data.feedback.open}</dd>
              </dl>
            </section>
          </div>
          <PublishedList unitId={id} />
        </>
      )}
    </div>
  );
}
