import { lazy, Suspense } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { Layout } from './components/Layout';
import { Loading } from './components/Loading';

// Each page is its own chunk: the first visit loads the shell and the page it opens, nothing more.
const HomePage = lazy(() => import('./pages/HomePage'));
const SearchPage = lazy(() => import('./pages/SearchPage'));
const ProcedurePage = lazy(() => import('./pages/ProcedurePage'));
const SubmitPage = lazy(() => import('./pages/SubmitPage'));
const TrackPage = lazy(() => import('./pages/TrackPage'));
const UnitVoicePage = lazy(() => import('./pages/UnitVoicePage'));
const MyDossiersPage = lazy(() => import('./pages/MyDossiersPage'));
const FeedbackPage = lazy(() => import('./pages/FeedbackPage'));
const PaymentReturnPage = lazy(() => import('./pages/PaymentReturnPage'));
const StaffPage = lazy(() => import('./pages/StaffPage'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage'));
// Counter queues (web/src/queue/): the kiosk and the display board are full-screen, outside the portal's layout.
const PointsPage = lazy(() => import('./queue/PointsPage'));
const KioskPage = lazy(() => import('./queue/KioskPage'));
const BoardPage = lazy(() => import('./queue/BoardPage'));
const BookingPage = lazy(() => import('./queue/BookingPage'));
const BookingViewPage = lazy(() => import('./queue/BookingView'));
const FollowPage = lazy(() => import('./queue/FollowPage'));

/** The page paths; the server (src/web/web.routes.ts) answers the same list with index.html. */
export function App() {
  return (
    <BrowserRouter>
      <Routes>
        <Route element={<Layout />}>
          <Route index element={<HomePage />} />
          <Route path="thu-tuc" element={<SearchPage />} />
          <Route path="thu-tuc/:code" element={<ProcedurePage />} />
          <Route path="nop-ho-so/:code" element={<SubmitPage />} />
          <Route path="tra-cuu" element={<TrackPage />} />
          <Route path="tra-cuu/:code" element={<TrackPage />} />
          <Route path="ho-so-cua-toi" element={<MyDossiersPage />} />
          <Route path="phan-anh" element={<FeedbackPage />} />
          <Route path="don-vi/:unitId" element={<UnitVoicePage />} />
          <Route path="thanh-toan/ket-qua" element={<PaymentReturnPage />} />
          <Route path="xep-hang" element={<PointsPage />} />
          <Route path="dat-lich" element={<BookingPage />} />
          <Route path="dat-lich/:code" element={<BookingViewPage />} />
          <Route path="so/:token" element={<FollowPage />} />
          <Route path="can-bo/*" element={<StaffPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
        <Route
          path="xep-hang/:unitId"
          element={
            <Suspense fallback={<Loading />}>
              <KioskPage />
            </Suspense>
          }
        />
        <Route
          path="man-hinh/:unitId"
          element={
            <Suspense fallback={<Loading />}>
              <BoardPage />
            </Suspense>
          }
        />
      </Routes>
    </BrowserRouter>
  );
}
