/**
 * The staff console, mounted at /can-bo/* (App.tsx): log-in, then pages by role behind a guard.
 * Every page is its own lazy chunk; none of this is in the citizen portal's first load.
 */
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { Navigate, NavLink, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { settle, type Problem } from '../api/client';
import { Loading } from '../components/Loading';
import { ProblemAlert } from '../components/ProblemAlert';
import { useStaffT } from './i18n';
import { getToken, setToken, setUnauthorizedHandler, staffApi, type Actor } from './session';
import { keepsBook, SessionContext, type Session } from './shared';
import LoginPage from './LoginPage';
import './staff.css';

const StaffHome = lazy(() => import('./StaffHome'));
const InboxPage = lazy(() => import('./InboxPage'));
const DossierPage = lazy(() => import('./DossierPage'));
const IntakePage = lazy(() => import('./IntakePage'));
const OverviewPage = lazy(() => import('./OverviewPage'));
const ScorecardPage = lazy(() => import('./ScorecardPage'));
const TrackingBookPage = lazy(() => import('./TrackingBookPage'));
const CounterPage = lazy(() => import('./CounterPage'));
const QueuePage = lazy(() => import('./QueuePage'));
const PortalSyncPage = lazy(() => import('./PortalSyncPage'));
const NationalCatalogPage = lazy(() => import('./NationalCatalogPage'));
const FeedbackInboxPage = lazy(() => import('./FeedbackInboxPage'));
const FeedbackDetailPage = lazy(() => import('./FeedbackDetailPage'));
const NoticeTemplatesPage = lazy(() => import('./NoticeTemplatesPage'));

export const LOGIN_PATH = '/can-bo/dang-nhap';

export default function StaffApp() {
  const navigate = useNavigate();
  // A 401 anywhere ends the session: back to log-in, remembering where we were.
  useEffect(() => {
    setUnauthorizedHandler(() => {
      const here = window.location.pathname + window.location.search;
      navigate(`${LOGIN_PATH}?het-han=1&next=${encodeURIComponent(here.startsWith(LOGIN_PATH) ? '/can-bo' : here)}`, { replace: true });
    });
    return () => setUnauthorizedHandler(null);
  }, [navigate]);
  return (
    <Routes>
      <Route path="dang-nhap" element={<LoginPage />} />
      <Route path="*" element={<Guarded />} />
    </Routes>
  );
}

/** Loads who is logged in (GET /auth/me); without a token, goes to log-in. */
function Guarded() {
  const { t } = useStaffT();
  const location = useLocation();
  const navigate = useNavigate();
  const [me, setMe] = useState<Actor | null>(null);
  const [unit, setUnit] = useState<Session['unit']>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const token = getToken();
  const load = useCallback(async () => {
    setProblem(null);
    const r = await settle(staffApi.GET('/auth/me'));
    if (!r.ok) {
      if (r.problem.status !== 401) setProblem(r.problem);
      return;
    }
    setMe(r.data);
    const u = await settle(staffApi.GET('/units/{id}', { params: { path: { id: r.data.unitId } } }));
    if (u.ok) setUnit({ nameVi: u.data.nameVi, nameEn: u.data.nameEn });
  }, []);
  useEffect(() => {
    if (token) void load();
  }, [token, load]);
  const logout = useCallback(async () => {
    await settle(staffApi.POST('/auth/logout'));
    setToken(null);
    navigate(LOGIN_PATH, { replace: true });
  }, [navigate]);
  const session = useMemo<Session | null>(() => (me ? { me, unit, logout } : null), [me, unit, logout]);

  if (!token) return <Navigate to={`${LOGIN_PATH}?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  if (problem)
    return (
      <div className="container page">
        <ProblemAlert problem={problem} onRetry={() => void load()} />
      </div>
    );
  if (!session)
    return (
      <div className="container page">
        <Loading label={t('common.loading')} />
      </div>
    );
  const role = session.me.role;
  const manager = role === 'manager' || role === 'admin';
  return (
    <SessionContext.Provider value={session}>
      <StaffBar />
      <Suspense
        fallback={
          <div className="container page">
            <Loading label={t('common.loading')} />
          </div>
        }
      >
        <Routes>
          <Route index element={<StaffHome />} />
          <Route path="ho-so" element={<InboxPage />} />
          <Route path="ho-so/:code" element={<DossierPage />} />
          <Route path="tiep-nhan" element={<IntakePage />} />
          <Route path="phan-anh" element={<FeedbackInboxPage />} />
          <Route path="phan-anh/:code" element={<FeedbackDetailPage />} />
          <Route path="tong-quan" element={manager ? <OverviewPage /> : <Navigate to="/can-bo" replace />} />
          <Route path="chi-so" element={manager || role === 'approver' ? <ScorecardPage /> : <Navigate to="/can-bo" replace />} />
          <Route path="so-theo-doi" element={keepsBook(role) ? <TrackingBookPage /> : <Navigate to="/can-bo" replace />} />
          <Route path="quay" element={role === 'clerk' || role === 'manager' ? <CounterPage /> : <Navigate to="/can-bo" replace />} />
          <Route path="hang-doi" element={manager ? <QueuePage /> : <Navigate to="/can-bo" replace />} />
          <Route path="dong-bo" element={manager ? <PortalSyncPage /> : <Navigate to="/can-bo" replace />} />
          <Route path="danh-muc-quoc-gia" element={role === 'admin' ? <NationalCatalogPage /> : <Navigate to="/can-bo" replace />} />
          <Route path="mau-thong-bao" element={role === 'admin' ? <NoticeTemplatesPage /> : <Navigate to="/can-bo" replace />} />
          <Route path="*" element={<Navigate to="/can-bo" replace />} />
        </Routes>
      </Suspense>
    </SessionContext.Provider>
  );
}

/** The console's own navigation, who is logged in, and log-out. */
function StaffBar() {
  const { t } = useStaffT();
  return (
    <SessionContext.Consumer>
      {(s) =>
        s && (
          <nav className="staff-bar" aria-label={t('nav.label')}>
            <div className="container staff-bar-inner">
              <ul className="staff-links">
                <li>
                  <NavLink to="/can-bo" end>
                    {t('nav.home')}
                  </NavLink>
                </li>
                <li>
                  <NavLink to="/can-bo/ho-so">{t('nav.inbox')}</NavLink>
                </li>
                <li>
                  <NavLink to="/can-bo/phan-anh">{t('nav.feedback')}</NavLink>
                </li>
                {s.me.role === 'clerk' && (
                  <li>
                    <NavLink to="/can-bo/quay">{t('nav.counter')}</NavLink>
                  </li>
                )}
                {s.me.role === 'clerk' && (
                  <li>
                    <NavLink to="/can-bo/tiep-nhan">{t('nav.intake')}</NavLink>
                  </li>
                )}
                {(s.me.role === 'manager' || s.me.role === 'admin') && (
                  <li>
                    <NavLink to="/can-bo/tong-quan">{t('nav.overview')}</NavLink>
                  </li>
                )}
                {(s.me.role === 'manager' || s.me.role === 'admin' || s.me.role === 'approver') && (
                  <li>
                    <NavLink to="/can-bo/chi-so">{t('nav.scorecard')}</NavLink>
                  </li>
                )}
                {(s.me.role === 'manager' || s.me.role === 'admin') && (
                  <li>
                    <NavLink to="/can-bo/hang-doi">{t('nav.queue')}</NavLink>
                  </li>
                )}
                {(s.me.role === 'manager' || s.me.role === 'admin') && (
                  <li>
                    <NavLink to="/can-bo/dong-bo">{t('nav.portal')}</NavLink>
                  </li>
                )}
                {keepsBook(s.me.role) && (
                  <li>
                    <NavLink to="/can-bo/so-theo-doi">{t('nav.book')}</NavLink>
                  </li>
                )}
                {s.me.role === 'admin' && (
                  <li>
                    <NavLink to="/can-bo/mau-thong-bao">{t('nav.templates')}</NavLink>
                  </li>
                )}
              </ul>
              <div className="staff-user">
                <span className="staff-user-name">
                  {s.me.fullName} · {t(`roles.${s.me.role as 'clerk'}`)}
                </span>
                <button type="button" className="button button-secondary button-small" onClick={() => void s.logout()}>
                  {t('nav.logout')}
                </button>
              </div>
            </div>
          </nav>
        )
      }
    </SessionContext.Consumer>
  );
}
