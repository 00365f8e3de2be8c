/**
 * The citizen logged in with VNeID, as every page sees them: read once from GET /citizen/me (the session is an
 * HttpOnly cookie the page cannot read), shared by the header, the submission form and "my dossiers".
 */
import { useEffect, useSyncExternalStore } from 'react';
import { api, settle, type CitizenMe } from '../api/client';

export type CitizenState = { status: 'loading' } | { status: 'ready'; me: CitizenMe | null };

let state: CitizenState = { status: 'loading' };
let started = false;
const listeners = new Set<() => void>();

function set(next: CitizenState): void {
  state = next;
  for (const l of listeners) l();
}

/** Reads who is logged in again (after a log-out, or a session that ended). */
export async function refreshCitizen(): Promise<void> {
  const r = await settle(api.GET('/citizen/me'));
  set({ status: 'ready', me: r.ok ? r.data : null });
}

/** The logged-in citizen (null when nobody is), loaded on first use. */
export function useCitizen(): CitizenState {
  useEffect(() => {
    if (!started) {
      started = true;
      void refreshCitizen();
    }
  }, []);
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => state,
  );
}

/** The address that begins a VNeID log-in and comes back to `returnTo` (a full navigation: VNeID is another site). */
export function vneidLoginHref(returnTo: string): string {
  return `/auth/vneid/login?returnTo=${encodeURIComponent(returnTo)}`;
}

/** Ends the session on the server; the page forgets the citizen whatever the answer (a session that had ended is gone too). */
export async function logOut(): Promise<void> {
  await settle(api.POST('/citizen/logout'));
  set({ status: 'ready', me: null });
}
