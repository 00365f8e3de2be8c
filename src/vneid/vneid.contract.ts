/**
 * What VNeID (the national electronic identity, run by the Ministry of Public Security) and the National Population
 * Database answer, as the province system speaks to them: OpenID Connect for the citizen's log-in (authorization code
 * with PKCE S256, the client authenticated by HTTP Basic), the population data in a scope of its own, and a
 * server-to-server look-up of the population database for the clerk at the counter, always with the citizen's consent
 * named. Both the adapter (src/vneid/vneid.client.ts) and the simulator (src/simulators/vneid.simulator.ts) import
 * this file and nothing else of each other, so the two cannot drift apart silently.
 */

/** The scopes we ask for: `citizen` is the population data (ID number, permanent address, identification level). */
export const VNEID_SCOPES = ['openid', 'profile', 'citizen'] as const;

/** Claim names, per scope. `profile` ones are OpenID Connect's standard claims. */
export const VNEID_CLAIMS = {
  profile: ['name', 'birthdate', 'gender'],
  citizen: ['id_number', 'permanent_address', 'identification_level'],
} as const;

/**
 * VNeID's identification levels: 1 = an account registered from a phone number, nothing verified (its name is what
 * the person typed); 2 = verified against the population database with the chip ID card, so the ID number, birth date
 * and permanent address are the state's own data.
 */
export type IdentificationLevel = 1 | 2;

/** The claims the userinfo endpoint may carry (a level-1 account has no id_number, birthdate or permanent_address). */
export interface VneidClaims {
  sub: string;
  name?: string;
  /** yyyy-mm-dd. */
  birthdate?: string;
  gender?: 'male' | 'female';
  /** The 12-digit citizen ID number (số định danh cá nhân). */
  id_number?: string;
  permanent_address?: string;
  identification_level?: number;
}

/** Where the population look-up lives on the identity provider's host (the simulator's; configurable in the adapter). */
export const POPULATION_LOOKUP_PATH = '/population/lookup';

/** A 12-digit citizen ID number: the only shape the population database takes. */
export const ID_NUMBER_PATTERN = /^\d{12}$/;

/** yyyy-mm-dd, as OpenID Connect's `birthdate` and the population answer write dates. */
export const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** `POST /population/lookup` body; the caller authenticates with HTTP Basic (its client id and secret). */
export interface PopulationLookupRequest {
  idNumber: string;
  /** Why the data is read (e.g. "Tiếp nhận hồ sơ 000.00.12.H56-250314-0001"): kept with the consent. */
  purpose: string;
  /** The reference of the citizen's consent (the consent slip or the receipt the clerk recorded). */
  consentRef: string;
}

/** A person as the population database gives them. */
export interface PopulationPerson {
  idNumber: string;
  name: string;
  /** yyyy-mm-dd. */
  birthDate: string;
  gender: 'male' | 'female';
  /** Nơi thường trú. */
  permanentAddress: string;
}

/** 200 `{ found: true, person }`, 404 `{ found: false }`. */
export type PopulationLookupAnswer = { found: true; person: PopulationPerson } | { found: false };

/** The `error` of a 400/401 answer of the look-up. */
export const POPULATION_ERRORS = {
  invalidIdNumber: 'invalid_id_number',
  /** purpose or consentRef missing: the database is never read without a consent named. */
  consentRequired: 'consent_required',
  invalidRequest: 'invalid_request',
  invalidClient: 'invalid_client',
} as const;

/** A 4xx answer's body. */
export interface PopulationErrorAnswer {
  error: (typeof POPULATION_ERRORS)[keyof typeof POPULATION_ERRORS];
  message: string;
}

/**
 * HTTP Basic credentials as OAuth writes them (RFC 6749 §2.3.1): id and secret form-urlencoded, then joined by ':'.
 * The look-up uses the same client credential as the token endpoint, so it encodes it the same way.
 */
export function basicCredentials(clientId: string, clientSecret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return 'Basic ' + Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64');
}
