import * as oidc from 'openid-client';
import {
  DATE_PATTERN,
  ID_NUMBER_PATTERN,
  POPULATION_ERRORS,
  POPULATION_LOOKUP_PATH,
  VNEID_SCOPES,
  basicCredentials,
  type PopulationErrorAnswer,
  type PopulationLookupAnswer,
  type PopulationPerson,
  type VneidClaims,
} from './vneid.contract.js';

/** Where VNeID is and the province system's registration there (configuration; the adapter never knows whether it talks to the simulator). */
export interface VneidEndpoint {
  /** The issuer URL; https:// except a local simulator on 127.0.0.1 / localhost. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Our callback, exactly as registered at VNeID. */
  redirectUri: string;
  /** The population look-up; default `${issuer}/population/lookup` (the simulator's). */
  populationUrl?: string;
  /** One request's time limit; default 10 s. */
  timeoutMs?: number;
}

/**
 * Why a VNeID call failed, as a stable code:
 * - `vneid_unavailable`: VNeID could not be reached or did not answer as the contract says; nothing happened, try later;
 * - `vneid_refused`: the log-in did not complete (the citizen cancelled, the state did not match, the code or its
 *   PKCE verifier was refused) or VNeID refused our client credential;
 * - `vneid_invalid_identity`: VNeID answered, but with an identity the contract does not allow (a level 2 without
 *   its ID number): nothing of it may be used;
 * - `invalid_id_number`: not a 12-digit ID number; `consent_required`: no purpose or consent named;
 * - `not_found`: no such person in the population database.
 */
export type VneidErrorCode =
  'vneid_unavailable' | 'vneid_refused' | 'vneid_invalid_identity' | 'invalid_id_number' | 'consent_required' | 'not_found';

export class VneidError extends Error {
  override name = 'VneidError';

  constructor(
    readonly code: VneidErrorCode,
    message: string,
    /** The OAuth error VNeID answered, when it did (`access_denied`, `invalid_grant`, …). */
    readonly oauthError?: string,
  ) {
    super(message);
  }
}

/** The citizen as VNeID vouches for them. Only a level-2 identity carries data verified against the population database. */
export interface VneidIdentity {
  /** VNeID's stable identifier of the account (`sub`). */
  subject: string;
  name: string;
  idNumber: string | null;
  /** yyyy-mm-dd. */
  birthDate: string | null;
  gender: 'male' | 'female' | null;
  permanentAddress: string | null;
  level: 1 | 2;
}

/** What must be kept (server-side, with the browser's session) between begin() and finish(). */
export interface PendingVneidLogin {
  state: string;
  codeVerifier: string;
  nonce: string;
}

export interface VneidClient {
  /** Our callback as registered at VNeID: finish() is given the URL VNeID sent the browser back to, on this address. */
  readonly redirectUri: string;
  /** A new log-in: the URL to send the browser to, and what finish() needs back. */
  begin(): Promise<PendingVneidLogin & { url: URL }>;
  /** Redeems the callback (code + PKCE verifier, state and nonce checked) and reads the citizen's identity. */
  finish(callbackUrl: URL, pending: PendingVneidLogin): Promise<VneidIdentity>;
  /** The population database's record of an ID number, read with the citizen's consent (the clerk's counter). */
  lookupPopulation(idNumber: string, consent: { purpose: string; consentRef: string }): Promise<PopulationPerson>;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Plain http only to a simulator on this machine: a real identity provider is always https. */
function insecureAllowed(u: URL, what: string): boolean {
  if (u.protocol === 'https:') return false;
  if (u.protocol === 'http:' && LOCAL_HOSTS.has(u.hostname)) return true;
  throw new Error(`${what} must be https:// (http:// only for a local simulator on 127.0.0.1 or localhost), got ${u.origin}`);
}

/** Whether an error, or one it was caused by, means VNeID was not reached or answered 5xx. */
function unreachable(e: unknown): boolean {
  for (let x: unknown = e, depth = 0; x && depth < 5; x = (x as { cause?: unknown }).cause, depth++) {
    if (x instanceof Response) return x.status >= 500 || x.status === 429;
    if (x instanceof oidc.ResponseBodyError) return x.status >= 500 || x.status === 429;
    if (!(x instanceof Error)) return false;
    if (x.name === 'TimeoutError' || x.name === 'AbortError' || x instanceof TypeError) return true;
  }
  return false;
}

/** An error's message with its cause's, as openid-client wraps the precise reason ("unexpected state") in a general one. */
function reasonOf(e: unknown): string {
  const outer = e instanceof Error ? e.message : String(e);
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : '';
  return cause && cause !== outer ? `${outer}: ${cause}` : outer;
}

function asVneidError(e: unknown, during: string): VneidError {
  if (e instanceof VneidError) return e;
  if (unreachable(e)) return new VneidError('vneid_unavailable', `VNeID unreachable during ${during}: ${reasonOf(e)}`);
  if (e instanceof oidc.AuthorizationResponseError || e instanceof oidc.ResponseBodyError) {
    const desc = e.error_description ? ` (${e.error_description})` : '';
    return new VneidError('vneid_refused', `VNeID refused the ${during}: ${e.error}${desc}`, e.error);
  }
  if (e instanceof oidc.WWWAuthenticateChallengeError) {
    const err = e.cause[0]?.parameters.error;
    return new VneidError('vneid_refused', `VNeID refused the ${during}: ${err ?? 'unauthorized'}`, err);
  }
  return new VneidError('vneid_refused', `VNeID ${during} failed: ${reasonOf(e)}`);
}

/** Turns the userinfo claims into an identity, refusing what the contract does not allow. */
export function identityFromClaims(c: VneidClaims): VneidIdentity {
  const bad = (why: string) => new VneidError('vneid_invalid_identity', `VNeID identity refused: ${why}`);
  const level = c.identification_level;
  if (level !== 1 && level !== 2) throw bad('identification_level must be 1 or 2');
  if (typeof c.sub !== 'string' || !c.sub) throw bad('no subject');
  if (typeof c.name !== 'string' || !c.name.trim()) throw bad('no name');
  // Nothing of a level-1 account is verified: it pre-fills nothing but the name, whatever else it says.
  if (level === 1)
    return { subject: c.sub, name: c.name.trim(), idNumber: null, birthDate: null, gender: null, permanentAddress: null, level: 1 };
  if (typeof c.id_number !== 'string' || !ID_NUMBER_PATTERN.test(c.id_number))
    throw bad('a level-2 account must carry a 12-digit id_number');
  if (typeof c.birthdate !== 'string' || !validDate(c.birthdate)) throw bad('a level-2 account must carry its birthdate as yyyy-mm-dd');
  if (typeof c.permanent_address !== 'string' || !c.permanent_address.trim())
    throw bad('a level-2 account must carry its permanent_address');
  return {
    subject: c.sub,
    name: c.name.trim(),
    idNumber: c.id_number,
    birthDate: c.birthdate,
    gender: c.gender === 'male' || c.gender === 'female' ? c.gender : null,
    permanentAddress: c.permanent_address.trim(),
    level: 2,
  };
}

function validDate(s: string): boolean {
  if (!DATE_PATTERN.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function isPerson(p: unknown): p is PopulationPerson {
  if (!p || typeof p !== 'object') return false;
  const x = p as Record<string, unknown>;
  return (
    typeof x.idNumber === 'string' &&
    ID_NUMBER_PATTERN.test(x.idNumber) &&
    typeof x.name === 'string' &&
    typeof x.birthDate === 'string' &&
    validDate(x.birthDate) &&
    (x.gender === 'male' || x.gender === 'female') &&
    typeof x.permanentAddress === 'string'
  );
}

/** The VNeID adapter: OpenID Connect (authorization code, PKCE S256, nonce) by openid-client, and the population look-up. */
export function createVneidClient(endpoint: VneidEndpoint): VneidClient {
  const issuer = new URL(endpoint.issuer);
  const insecure = insecureAllowed(issuer, 'the VNeID issuer');
  const populationUrl = new URL(endpoint.populationUrl ?? endpoint.issuer.replace(/\/$/, '') + POPULATION_LOOKUP_PATH);
  insecureAllowed(populationUrl, 'the population look-up URL');
  const timeoutMs = endpoint.timeoutMs ?? 10_000;
  let discovered: Promise<oidc.Configuration> | null = null;

  /** Discovery once; a failed one is forgotten, so the next log-in tries again. */
  const configuration = () => {
    discovered ??= oidc
      .discovery(issuer, endpoint.clientId, undefined, oidc.ClientSecretBasic(endpoint.clientSecret), {
        execute: insecure ? [oidc.allowInsecureRequests] : [],
        timeout: Math.max(1, Math.ceil(timeoutMs / 1000)),
      })
      .catch((e: unknown) => {
        discovered = null;
        throw unreachable(e)
          ? new VneidError('vneid_unavailable', `VNeID unreachable (${issuer.host}): ${reasonOf(e)}`)
          : new VneidError('vneid_unavailable', `VNeID discovery failed (${issuer.host}): ${reasonOf(e)}`);
      });
    return discovered;
  };

  return {
    redirectUri: endpoint.redirectUri,

    async begin() {
      const config = await configuration();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: endpoint.redirectUri,
        scope: VNEID_SCOPES.join(' '),
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { url, state, codeVerifier, nonce };
    },

    async finish(callbackUrl, pending) {
      const config = await configuration();
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
      } catch (e) {
        throw asVneidError(e, 'log-in');
      }
      const sub = tokens.claims()?.sub;
      if (!sub) throw new VneidError('vneid_invalid_identity', 'VNeID identity refused: the ID token has no subject');
      let claims: VneidClaims;
      try {
        claims = (await oidc.fetchUserInfo(config, tokens.access_token, sub)) as VneidClaims;
      } catch (e) {
        throw asVneidError(e, 'userinfo request');
      }
      return identityFromClaims(claims);
    },

    async lookupPopulation(idNumber, consent) {
      if (!ID_NUMBER_PATTERN.test(idNumber)) throw new VneidError('invalid_id_number', 'the ID number must be exactly 12 digits');
      if (!consent.purpose.trim() || !consent.consentRef.trim())
        throw new VneidError('consent_required', 'a look-up needs its purpose and the citizen’s consent reference');
      let res: Response;
      try {
        res = await fetch(populationUrl, {
          method: 'POST',
          headers: {
            authorization: basicCredentials(endpoint.clientId, endpoint.clientSecret),
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body: JSON.stringify({ idNumber, purpose: consent.purpose, consentRef: consent.consentRef }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        const reason = (e as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e as Error).message;
        throw new VneidError('vneid_unavailable', `population database unreachable (${populationUrl.host}): ${reason}`);
      }
      const text = await res.text().catch(() => '');
      let body: unknown = null;
      try {
        body = JSON.parse(text);
      } catch {
        // Judged by the status below: a 5xx page need not be JSON.
      }
      if (res.status === 200) {
        const a = body as PopulationLookupAnswer | null;
        if (a && a.found === true && isPerson(a.person)) return a.person;
        throw new VneidError('vneid_unavailable', 'the population database answered 200 with a body that is not the contract’s');
      }
      if (res.status === 404 && (body as PopulationLookupAnswer | null)?.found === false)
        throw new VneidError('not_found', 'no such person in the population database');
      const error = (body as Partial<PopulationErrorAnswer> | null)?.error;
      if (res.status === 400 && error === POPULATION_ERRORS.invalidIdNumber)
        throw new VneidError('invalid_id_number', 'the population database refused the ID number: it must be exactly 12 digits');
      if (res.status === 400 && error === POPULATION_ERRORS.consentRequired)
        throw new VneidError('consent_required', 'the population database wants the purpose and the consent reference');
      if (res.status === 401 || res.status === 403)
        throw new VneidError('vneid_refused', `the population database refused our client credential (HTTP ${res.status})`, error);
      throw new VneidError('vneid_unavailable', `the population database answered HTTP ${res.status}${error ? ` (${error})` : ''}`);
    },
  };
}
