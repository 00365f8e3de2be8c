import { lazy, Suspense, useId, useMemo } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { loadServicePoints, type Unit } from '../api/client';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { usePageTitle } from '../lib/page';
import { useApi } from '../lib/useApi';
import { useQueueT, type QueueKey } from '../queue/i18n';
import { useSession } from './shared';
import '../queue/queue.css';

// Each part of the page is its own chunk: a manager opening the figures loads nothing of the planner.
const LiveSection = lazy(() => import('./queue/LiveSection'));
const SetupSection = lazy(() => import('./queue/SetupSection'));
const PlanningSection = lazy(() => import('./queue/PlanningSection'));

const TABS = [
  { key: 'so-lieu', label: 'manage.tabLive' },
  { key: 'thiet-lap', label: 'manage.tabSetup' },
  { key: 'ke-hoach', label: 'manage.tabPlanning' },
] as const satisfies readonly { key: string; label: QueueKey }[];
type Tab = (typeof TABS)[number]['key'];

/**
 * /can-bo/hang-doi — queue management for managers and the administrator: a point's figures for a day
 * (?diem=<unit id>&ngay=YYYY-MM-DD), its groups and counters, and the staffing planner across the points
 * in scope with the reallocation proposal (?muc=so-lieu | thiet-lap | ke-hoach).
 */
export default function QueuePage() {
  const { t, lang } = useQueueT();
  usePageTitle(t('manage.title'));
  const id = useId();
  const { me } = useSession();
  const [params, setParams] = useSearchParams();
  const [points, retry] = useApi(() => loadServicePoints(), []);
  const inScope = useMemo<Unit[]>(
    () => (points.status === 'ok' ? points.data.filter((u) => me.scopeUnitIds === null || me.scopeUnitIds.includes(u.id)) : []),
    [points, me.scopeUnitIds],
  );
  const tab: Tab = TABS.some((x) => x.key === params.get('muc')) ? (params.get('muc') as Tab) : 'so-lieu';
  const asked = Number(params.get('diem'));
  const unit = inScope.find((u) => u.id === asked) ?? inScope.find((u) => u.id === me.unitId) ?? inScope[0];
  const link = (next: Partial<Record<'muc' | 'diem', string>>) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(next)) p.set(k, v);
    return `?${p.toString()}`;
  };
  return (
    <div className="container page staff-wide queue-page">
      <PageHeading>{t('manage.title')}</PageHeading>
      {points.status === 'loading' && <Loading label={t('common.loading')} />}
      {points.status === 'error' && <ProblemAlert problem={points.problem} onRetry={retry} />}
      {points.status === 'ok' && !unit && <p>{t('manage.noPoints')}</p>}
      {unit && (
        <>
          <div className="queue-toolbar">
            {tab !== 'ke-hoach' && (
              <div className="field">
                <label htmlFor={`${id}-p`}>{t('manage.point')}</label>
                <select
                  id={`${id}-p`}
                  value={unit.id}
                  onChange={(e) => setParams(new URLSearchParams(link({ diem: e.target.value }).slice(1)))}
                >
                  {inScope.map((u) => (
                    <option key={u.id} value={u.id}>
                      {lang === 'en' ? u.nameEn : u.nameVi}
                    </option>
                  ))}
                </select>
              </div>
            )}
            <p className="queue-screens small">
              <Link to={`/man-hinh/${unit.id}`}>{t('manage.openBoard')}</Link>
              <span aria-hidden="true"> · </span>
              <Link to={`/xep-hang/${unit.id}`}>{t('manage.openKiosk')}</Link>
            </p>
          </div>
          <nav className="queue-tabs" aria-label={t('manage.tabs')}>
            <ul>
              {TABS.map((x) => (
                <li key={x.key}>
                  <Link
                    to={link({ muc: x.key })}
                    aria-current={tab === x.key ? 'page' : undefined}
                    className={tab === x.key ? 'active' : undefined}
                  >
                    {t(x.label)}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <Suspense fallback={<Loading label={t('common.loading')} />}>
            {tab === 'so-lieu' && <LiveSection unitId={unit.id} />}
            {tab === 'thiet-lap' && <SetupSection unitId={unit.id} />}
            {tab === 'ke-hoach' && <PlanningSection points={inScope} unitId={unit.id} />}
          </Suspense>
        </>
      )}
    </div>
  );
}
