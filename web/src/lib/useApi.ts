import { useCallback, useEffect, useState } from 'react';
import type { Problem, Result } from '../api/client';

export type Loadable<T> = { status: 'loading' } | { status: 'ok'; data: T } | { status: 'error'; problem: Problem };

/** Loads data for a page; a newer load (deps changed, retry) cancels the older one. */
export function useApi<T>(load: (signal: AbortSignal) => Promise<Result<T>>, deps: readonly unknown[]): [Loadable<T>, () => void] {
  const [state, setState] = useState<Loadable<T>>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const ac = new AbortController();
    setState({ status: 'loading' });
    load(ac.signal).then(
      (r) => {
        if (!ac.signal.aborted) setState(r.ok ? { status: 'ok', data: r.data } : { status: 'error', problem: r.problem });
      },
      (e: unknown) => {
        if (!ac.signal.aborted)
          setState({ status: 'error', problem: { type: 'about:blank', title: 'Error', status: 0, code: 'NETWORK', detail: String(e) } });
      },
    );
    return () => ac.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, attempt]);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return [state, retry];
}
