import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpApp } from '../platform/http.js';
import { DomainError } from '../platform/errors.js';
import { IdempotencyHeaders, problems, SubmissionHeaders } from '../platform/http.schema.js';
import { CodeParam, DossierSchema, IntakeSchema } from '../dossiers/dossier.schema.js';
import type { Services } from '../services.js';
import { appendCookie, citizenOf, requireCitizen, sessionCookie } from './citizen.hook.js';
import {
  cookieValue,
  LOGIN_COOKIE,
  LOGIN_COOKIE_PATH,
  LOGIN_ERROR_PAGE,
  loginHostHop,
  PENDING_LOGIN_TTL_MS,
  setCookie,
} from './citizen.model.js';
import {
  CallbackQuery,
  LoginQuery,
  MeSchema,
  MyDossierSchema,
  MyStoreDocumentSchema,
  PrefillSchema,
  RatingBody,
} from './citizen.schema.js';

const TAG = ['citizens'];
/** The citizen's session cookie, as the API document names it. */
const COOKIE_AUTH = [{ citizenSession: [] as string[] }];
const Redirect = (description: string) => Type.Null({ description });

/** A browser's navigation (it asked for a page), as opposed to an API client's request. */
const wantsPage = (req: FastifyRequest) => (req.headers.accept ?? '').includes('text/html');

function loginCookie(reply: FastifyReply, req: FastifyRequest, token: string | null): void {
  appendCookie(
    reply,
    setCookie(LOGIN_COOKIE, token ?? '', {
      path: LOGIN_COOKIE_PATH,
      maxAgeSeconds: token ? PENDING_LOGIN_TTL_MS / 1000 : 0,
      secure: req.protocol === 'https',
    }),
  );
}

export async function citizenRoutes(app: HttpApp, s: Services, perMinute: number): Promise<void> {
  const onRequest = requireCitizen(s.citizens);

  app.get(
    '/auth/vneid/login',
    {
      config: { rateLimit: { max: perMinute, timeWindow: '1 minute' } },
      schema: {
        tags: TAG,
        summary: 'Log in with VNeID: redirects to VNeID’s log-in page (OpenID Connect, authorization code with PKCE)',
        description:
          'Keeps the log-in in progress server-side (state, PKCE verifier, nonce) for 10 minutes and ties it to this browser with an HttpOnly cookie; VNeID sends the browser back to /auth/vneid/callback. 409 when this installation is not connected to VNeID, 503 while VNeID is away.',
        querystring: LoginQuery,
        response: { 302: Redirect('To VNeID’s authorization endpoint'), ...problems(400, 409, 429, 503) },
      },
    },
    async (req, reply) => {
      // The binding cookie must be set on the host VNeID sends the browser back to (localhost against 127.0.0.1).
      const hop = s.citizens.redirectUri ? loginHostHop(req.host, s.citizens.redirectUri) : null;
      if (hop) return reply.redirect(`${hop}${req.url}`, 302);
      const begun = await s.citizens.beginLogin(req.query.returnTo);
      loginCookie(reply, req, begun.browserToken);
      return reply.header('cache-control', 'no-store').redirect(begun.url, 302);
    },
  );

  app.get(
    '/auth/vneid/callback',
    {
      config: { rateLimit: { max: perMinute, timeWindow: '1 minute' } },
      schema: {
        tags: TAG,
        summary: 'VNeID’s return: finishes the log-in, opens the citizen’s session (HttpOnly cookie) and redirects to the portal',
        description:
          'The log-in in progress is taken out once (a replayed callback is VNEID_LOGIN_INVALID), must be this browser’s and not expired (VNEID_LOGIN_EXPIRED); the code is redeemed with its PKCE verifier, the state and nonce checked. A browser (Accept: text/html) is sent to /ho-so-cua-toi?vneid=<code> when refused; an API client gets the problem.',
        querystring: CallbackQuery,
        response: { 303: Redirect('To the page the log-in was begun for'), ...problems(400, 409, 429, 503) },
      },
    },
    async (req, reply) => {
      const q = req.url.indexOf('?');
      loginCookie(reply, req, null);
      try {
        const r = await s.citizens.finishLogin(
          q < 0 ? '' : req.url.slice(q + 1),
          req.query.state,
          cookieValue(req.headers.cookie, LOGIN_COOKIE),
        );
        sessionCookie(reply, req, r.token, r.maxAgeSeconds);
        return reply.header('cache-control', 'no-store').redirect(r.returnTo, 303);
      } catch (e) {
        if (e instanceof DomainError && wantsPage(req)) return reply.redirect(`${LOGIN_ERROR_PAGE}?vneid=${e.code}`, 303);
        throw e;
      }
    },
  );

  app.get(
    '/citizen/me',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: COOKIE_AUTH,
        summary: 'The logged-in citizen: name, level, ID number masked, and for level 2 the pre-fill from the population data',
        response: { 200: MeSchema, ...problems(401) },
      },
    },
    async (req) => s.citizens.me(citizenOf(req)),
  );

  app.get(
    '/citizen/prefill',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: COOKIE_AUTH,
        summary: 'The population data to fill a form in: name, date of birth, ID number, permanent residence (level 2 only)',
        response: { 200: PrefillSchema, ...problems(401, 403) },
      },
    },
    async (req) => s.citizens.prefill(citizenOf(req)),
  );

  app.post(
    '/citizen/logout',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: COOKIE_AUTH,
        summary: 'Log out: the session ends at once (audited) and its cookie is cleared',
        response: { 204: Type.Null(), ...problems(401, 403) },
      },
    },
    async (req, reply) => {
      await s.citizens.logout(citizenOf(req));
      sessionCookie(reply, req, null);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/citizen/dossiers',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: COOKIE_AUTH,
        summary: 'My dossiers: those whose applicant is the logged-in citizen (by ID number; level 2 only), newest first, at most 100',
        response: { 200: Type.Array(MyDossierSchema), ...problems(401, 403) },
      },
    },
    async (req) => s.citizens.dossiers(citizenOf(req)),
  );

  app.post(
    '/citizen/dossiers',
    {
      onRequest,
      config: { rateLimit: { max: perMinute, timeWindow: '1 minute' } },
      schema: {
        tags: TAG,
        security: COOKIE_AUTH,
        summary: 'Submit a dossier online as the logged-in citizen (level 2): for themself, with documents from their own store allowed',
        description:
          'As POST /public/dossiers, but the applicant’s ID number must be the citizen’s own (403 APPLICANT_NOT_CITIZEN), a component may come from their document store (source "store", the same rules as at the counter) and the dossier records that it was filed by a VNeID-authenticated citizen.',
        headers: SubmissionHeaders,
        body: IntakeSchema,
        response: { 201: DossierSchema, ...problems(400, 401, 403, 409, 422, 429) },
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(await s.citizens.submit(citizenOf(req), req.body, req.headers['idempotency-key'], req.headers['x-submission-token'])),
  );

  app.post(
    '/citizen/dossiers/:code/rating',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: COOKIE_AUTH,
        summary: 'Rate one of my returned dossiers (once): the rating names my account',
        params: CodeParam,
        headers: IdempotencyHeaders,
        body: RatingBody,
        response: {
          201: Type.Object({ code: Type.String(), rating: Type.String(), ratedAt: Type.String() }),
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(await s.citizens.rate(citizenOf(req), req.params.code, req.body.rating, req.body.comment, req.headers['idempotency-key'])),
  );

  app.get(
    '/citizen/store-documents',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: COOKIE_AUTH,
        summary: 'My document store: earlier results and verified documents to reuse in an online submission (level 2 only)',
        response: { 200: Type.Array(MyStoreDocumentSchema), ...problems(401, 403) },
      },
    },
    async (req) => s.citizens.storeDocuments(citizenOf(req)),
  );
}
