import { useEffect, useRef, type ReactNode } from 'react';
import { useInAppNavigation } from '../lib/page';

/** The page's h1; after an in-app navigation it takes focus so screen readers announce the new page. */
export function PageHeading({ children, className }: { children: ReactNode; className?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  const navigated = useInAppNavigation();
  useEffect(() => {
    if (navigated) ref.current?.focus();
  }, [navigated]);
  return (
    <h1 ref={ref} tabIndex={-1} className={className}>
      {children}
    </h1>
  );
}
