import { useMemo } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { api, loadAgencies, loadFields, loadServicePoints, settle, type ProcedureComponent, type Unit } from '../api/client';
import { AnywhereBadge, LevelBadge, OnlineBadge } from '../components/Badges';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatDate, formatLimit, formatVnd } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { useApi } from '../lib/useApi';
import { canSubmitOnline, filingPoints } from './procedure.model';

/** /thu-tuc/:code — what to bring, what it costs, how long it takes and where to file. */
export default function ProcedurePage() {
  const { code = '' } = useParams();
  const { t, i18n } = useTranslation();
  const en = i18n.language === 'en';
  const [state, retry] = useApi((signal) => settle(api.GET('/procedures/{code}', { params: { path: { code } }, signal })), [code]);
  const [fields] = useApi(() => loadFields(), []);
  const [points] = useApi(() => loadServicePoints(), []);
  const [agencies] = useApi(() => loadAgencies(), []);
  const detail = state.status === 'ok' ? state.data : null;
  const v = detail?.version;
  usePageTitle(v ? (en ? v.nameEn : v.nameVi) : t('procedure.title'));

  const where = useMemo(
    () => (detail && points.status === 'ok' && agencies.status === 'ok' ? filingPoints(detail, points.data, agencies.data) : null),
    [detail, points, agencies],
  );

  if (state.status === 'loading')
    return (
      <div className="container page">
        <Loading />
      </div>
    );
  if (state.status === 'error') {
    return (
      <div className="container page">
        <PageHeading>{t('procedure.title')}</PageHeading>
        <ProblemAlert
          problem={state.problem}
          message={state.problem.status === 404 ? t('procedure.notFound', { code }) : undefined}
          onRetry={state.problem.status === 404 ? undefined : retry}
          showDetail={state.problem.status !== 404}
        />
        <p>
          <Link to="/thu-tuc">{t('procedure.backToSearch')}</Link>
        </p>
      </div>
    );
  }
  const d = state.data;
  const version = d.version;
  const field = fields.status === 'ok' ? fields.data.find((f) => f.code === version.fieldCode) : undefined;
  const agency =
    version.level === 'province' && agencies.status === 'ok' ? agencies.data.find((a) => a.key === version.agencyKey) : undefined;
  const online = canSubmitOnline(version.online);

  return (
    <div className="container page">
      <nav aria-label={t('nav.breadcrumb')} className="breadcrumb">
        <ol>
          <li>
            <Link to="/">{t('nav.home')}</Link>
          </li>
          <li>
            <Link to="/thu-tuc">{t('nav.procedures')}</Link>
          </li>
          <li aria-current="page">{d.code}</li>
        </ol>
      </nav>
      <PageHeading>{en ? version.nameEn : version.nameVi}</PageHeading>
      {en && (
        <p className="subtitle" lang="vi">
          {version.nameVi}
        </p>
      )}
      <p className="badges">
        <OnlineBadge online={version.online} />
        {version.nonTerritorial && <AnywhereBadge />}
        <LevelBadge level={version.level} />
      </p>

      <div className="procedure-layout">
        <aside className="summary-box" aria-labelledby="summary-title">
          <h2 id="summary-title" className="visually-hidden">
            {t('procedure.summary')}
          </h2>
          <dl className="facts-list">
            <div>
              <dt>{t('procedure.timeLimit')}</dt>
              <dd>
                <strong>{formatLimit(t, version.timeLimit)}</strong>
                <span className="muted small block">{t('procedure.clockStarts')}</span>
              </dd>
            </div>
            <div>
              <dt>{t('procedure.fastTrack')}</dt>
              <dd>{version.fastTrack ? formatLimit(t, version.fastTrack) : t('procedure.fastTrackNone')}</dd>
            </div>
            <div>
              <dt>{t('procedure.fees')}</dt>
              <dd>
                {version.fees.length === 0 || version.fees.every((f) => f.amountVnd === 0) ? (
                  t('procedure.free')
                ) : (
                  <ul className="summary-fees">
                    {version.fees.map((f, i) => (
                      <li key={i}>
                        <strong>{f.amountVnd === 0 ? t('procedure.free') : formatVnd(f.amountVnd)}</strong>{' '}
                        <span className="muted small">{en ? f.nameEn : f.nameVi}</span>
                      </li>
                    ))}
                  </ul>
                )}
              </dd>
            </div>
            <div>
              <dt>{t('procedure.online')}</dt>
              <dd>{version.online === 'full' ? t('procedure.onlineFullText') : t('procedure.onlinePartialText')}</dd>
            </div>
          </dl>
          {online ? (
            <Link className="button button-primary button-block" to={`/nop-ho-so/${encodeURIComponent(d.code)}`}>
              {t('procedure.submitOnline')}
            </Link>
          ) : (
            <p>{t('procedure.notOnline')}</p>
          )}
        </aside>

        <div className="procedure-main">
          <section aria-labelledby="about-title" className="section">
            <h2 id="about-title">{t('procedure.about')}</h2>
            <dl className="facts-grid">
              <div>
                <dt>{t('procedure.code')}</dt>
                <dd className="code">{d.code}</dd>
              </div>
              <div>
                <dt>{t('procedure.field')}</dt>
                <dd>{field ? (en ? field.nameEn : field.nameVi) : version.fieldCode}</dd>
              </div>
              <div>
                <dt>{t('procedure.agency')}</dt>
                <dd>
                  {version.level === 'commune'
                    ? t('procedure.agencyCommune')
                    : agency
                      ? en
                        ? agency.nameEn
                        : agency.nameVi
                      : (version.agencyKey ?? '—')}
                </dd>
              </div>
              <div>
                <dt>{t('procedure.result')}</dt>
                <dd>{en ? version.resultNameEn : version.resultNameVi}</dd>
              </div>
              <div>
                <dt>{t('procedure.effectiveFrom')}</dt>
                <dd>{formatDate(version.effectiveFrom, i18n.language)}</dd>
              </div>
            </dl>
          </section>

          <section aria-labelledby="components-title" className="section">
            <h2 id="components-title">{t('procedure.components')}</h2>
            <ComponentTable components={version.components} />
          </section>

          <section aria-labelledby="fees-title" className="section">
            <h2 id="fees-title">{t('procedure.fees')}</h2>
            {version.fees.length === 0 ? (
              <p>{t('procedure.free')}</p>
            ) : (
              <ul className="fee-list">
                {version.fees.map((f, i) => (
                  <li key={i}>
                    <span className="fee-name">{en ? f.nameEn : f.nameVi}</span>
                    <strong className="fee-amount">{f.amountVnd === 0 ? t('procedure.free') : formatVnd(f.amountVnd)}</strong>
                    {f.note && (
                      <span className="muted small block" lang="vi">
                        {f.note}
                      </span>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </section>

          <section aria-labelledby="where-title" className="section">
            <h2 id="where-title">{t('procedure.where')}</h2>
            <p className="filing">{en ? d.filingEn : d.filing}</p>
            {points.status === 'error' && <ProblemAlert problem={points.problem} />}
            {where === null && points.status === 'loading' && <Loading />}
            {where && <ServicePoints main={where.main} communes={where.communes} />}
          </section>
        </div>
      </div>
    </div>
  );
}

function ComponentTable({ components }: { components: ProcedureComponent[] }) {
  const { t, i18n } = useTranslation();
  const en = i18n.language === 'en';
  if (components.length === 0) return <p>{t('procedure.noComponents')}</p>;
  return (
    <table className="stack-table">
      <thead>
        <tr>
          <th scope="col" className="col-name">
            {t('procedure.componentName')}
          </th>
          <th scope="col" className="col-form">
            {t('procedure.componentForm')}
          </th>
          <th scope="col" className="col-count">
            {t('procedure.componentCount')}
          </th>
          <th scope="col" className="col-required">
            {t('procedure.componentRequired')}
          </th>
          <th scope="col" className="col-source">
            {t('procedure.componentSource')}
          </th>
        </tr>
      </thead>
      <tbody>
        {components.map((c) => (
          <tr key={c.code}>
            <th scope="row" data-label={t('procedure.componentName')}>
              {en ? c.nameEn : c.nameVi}
            </th>
            <td data-label={t('procedure.componentForm')}>{t(`form.${c.form}`)}</td>
            <td data-label={t('procedure.componentCount')} className="col-count">
              {c.count}
            </td>
            <td data-label={t('procedure.componentRequired')} className="col-required">
              {c.required ? <strong>{t('procedure.required')}</strong> : t('procedure.optional')}
            </td>
            <td data-label={t('procedure.componentSource')}>
              {c.supply === 'population_db' ? (
                <span className="badge badge-green">{t('supply.population_db')}</span>
              ) : c.supply === 'store' ? (
                <span className="badge badge-blue">{t('supply.store')}</span>
              ) : (
                t('supply.upload')
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ServicePoints({ main, communes }: { main: Unit[]; communes: Unit[] }) {
  const { t, i18n } = useTranslation();
  const en = i18n.language === 'en';
  const item = (u: Unit) => (
    <li key={u.id}>
      <span className="point-name">{en ? u.nameEn : u.nameVi}</span>
      {u.address && <span className="muted small block">{u.address}</span>}
    </li>
  );
  return (
    <>
      {main.length > 0 && (
        <>
          <h3>{t('procedure.centers', { count: main.length })}</h3>
          <ul className="point-list">{main.map(item)}</ul>
        </>
      )}
      {communes.length > 0 && (
        <details className="points-details" open={main.length === 0 && communes.length <= 12}>
          <summary>{t('procedure.communeCenters', { count: communes.length })}</summary>
          <ul className="point-list point-list-columns">{communes.map(item)}</ul>
        </details>
      )}
    </>
  );
}
