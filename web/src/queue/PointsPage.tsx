import { useId, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { loadServicePoints, type Unit } from '../api/client';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { byVietnamese } from '../lib/format';
import { usePageTitle } from '../lib/page';
import { useApi } from '../lib/useApi';
import { useQueueT } from './i18n';
import './queue.css';

/** Lower-cased, without Vietnamese diacritics (đ → d), for a forgiving filter. */
const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/gi, 'd')
    .toLowerCase();

/** /xep-hang — pick a service point: its kiosk (take a ticket), its display board, or a booking. */
export default function PointsPage() {
  const { t, lang } = useQueueT();
  usePageTitle(t('points.title'));
  const id = useId();
  const [points, retry] = useApi(() => loadServicePoints(), []);
  const [q, setQ] = useState('');
  const groups = useMemo(() => {
    if (points.status !== 'ok') return null;
    const name = (u: Unit) => (lang === 'en' ? u.nameEn : u.nameVi);
    const f = fold(q.trim());
    const shown = points.data.filter((u) => !f || fold(`${u.nameVi} ${u.nameEn} ${u.address ?? ''}`).includes(f));
    const sorted = (list: Unit[]) =>
      [...list].sort((a, b) => (a.kind === 'center' ? -1 : b.kind === 'center' ? 1 : byVietnamese(name(a), name(b))));
    return [
      { key: 'centers', title: t('points.centers'), units: sorted(shown.filter((u) => u.kind !== 'commune_center')) },
      { key: 'communes', title: t('points.communes'), units: sorted(shown.filter((u) => u.kind === 'commune_center')) },
    ].filter((g) => g.units.length);
  }, [points, q, lang, t]);
  return (
    <div className="container page">
      <PageHeading>{t('points.title')}</PageHeading>
      <p className="lead">{t('points.lead')}</p>
      <p>
        <Link to="/dat-lich">{t('points.bookLink')}</Link>
      </p>
      <div className="field points-filter">
        <label htmlFor={`${id}-q`}>{t('points.filter')}</label>
        <input id={`${id}-q`} type="search" value={q} onChange={(e) => setQ(e.target.value)} autoComplete="off" />
      </div>
      {points.status === 'loading' && <Loading label={t('common.loading')} />}
      {points.status === 'error' && <ProblemAlert problem={points.problem} onRetry={retry} />}
      {groups && (
        <p className="result-count" aria-live="polite">
          {t('points.count', { count: groups.reduce((s, g) => s + g.units.length, 0) })}
        </p>
      )}
      {groups?.map((g) => (
        <section key={g.key} className="section" aria-labelledby={`${id}-${g.key}`}>
          <h2 id={`${id}-${g.key}`}>{g.title}</h2>
          <ul className="points-list">
            {g.units.map((u) => (
              <li key={u.id} className="card points-item">
                <h3 className="points-name">{lang === 'en' ? u.nameEn : u.nameVi}</h3>
                {u.address && <p className="small muted">{u.address}</p>}
                <p className="points-links">
                  <Link className="button button-primary button-compact" to={`/xep-hang/${u.id}`}>
                    {t('points.kiosk')}
                    <span className="visually-hidden"> – {lang === 'en' ? u.nameEn : u.nameVi}</span>
                  </Link>
                  <Link className="button button-secondary button-compact" to={`/man-hinh/${u.id}`}>
                    {t('points.board')}
                    <span className="visually-hidden"> – {lang === 'en' ? u.nameEn : u.nameVi}</span>
                  </Link>
                </p>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
