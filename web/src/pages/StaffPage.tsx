import { lazy, Suspense } from 'react';
import { Loading } from '../components/Loading';

// The staff console (web/src/staff/) is its own set of lazy chunks: nothing of it loads with the citizen portal.
const StaffApp = lazy(() => import('../staff/StaffApp'));

/** /can-bo/* — the staff console. */
export default function StaffPage() {
  return (
    <Suspense
      fallback={
        <div className="container page">
          <Loading />
        </div>
      }
    >
      <StaffApp />
    </Suspense>
  );
}
