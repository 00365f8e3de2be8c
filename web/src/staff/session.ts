/**
 * The staff session: the bearer token (sessionStorage, so it ends with the tab), an API client that
 * sends it on every call, and a hook for the 401 answer (back to log-in).
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from '../api/schema';

const TOKEN_KEY = 'motcua.staff.token';

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage off: the session lives only as long as this page (the in-memory copy below).
  }
  memoryToken = token;
}

let memoryToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

/** Registers what to do when the API says the session is gone (the console navigates to log-in). */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

const bearer: Middleware = {
  onRequest({ request }) {
    const token = getToken() ?? memoryToken;
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ request, response }) {
    // A wrong password is a 401 too: only a 401 on an authenticated call ends the session.
    if (response.status === 401 && !new URL(request.url, location.origin).pathname.startsWith('/auth/login')) {
      setToken(null);
      onUnauthorized?.();
    }
    return response;
  },
};

/** The typed API client of the staff console, with the bearer token. */
export const staffApi = createClient<paths>({ baseUrl: '' });
staffApi.use(bearer);

type Json<P extends keyof paths, M extends 'get' | 'post', S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type Actor = Json<'/auth/me', 'get', 200>;
export type DossierListItem = Json<'/dossiers', 'get', 200>[number];
export type DossierView = Json<'/dossiers/{code}', 'get', 200>;
export type DossierEvent = Json<'/dossiers/{code}/events', 'get', 200>[number];
export type StepRow = Json<'/dossiers/{code}/process-control', 'get', 200>[number];
export type Overview = Json<'/stats/overview', 'get', 200>;
export type Scorecard = Json<'/kpi/scorecard', 'get', 200>;
export type Rankings = Json<'/kpi/rankings', 'get', 200>;
export type Trends = Json<'/kpi/trends', 'get', 200>;
export type StoreDocument = Json<'/store-documents', 'get', 200>[number];
export type StaffIntake = NonNullable<paths['/dossiers']['post']['requestBody']>['content']['application/json'];
export type FormNumber = paths['/dossiers/{code}/forms/{form}']['get']['parameters']['path']['form'];
