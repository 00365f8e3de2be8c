import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import { DomainError } from '../platform/errors.js';
import { bySystem, recordAudit } from '../audit/audit.service.js';
import { maskIdNumber, promisedDueAt, STATUS_LABELS, type DossierStatus } from '../dossiers/dossier.model.js';
import type { IntakeInput } from '../dossiers/dossier.schema.js';
import type { DossierView } from '../dossiers/dossier.presenter.js';
import type { IdentifiedCitizen } from '../dossiers/intake.service.js';
import type { StoreService } from '../dossiers/store.service.js';
import type { TrackingService } from '../tracking/tracking.service.js';
import { VneidError, type PendingVneidLogin, type VneidIdentity } from '../vneid/vneid.client.js';
import {
  CITIZEN_SESSION_TTL_MS,
  DEFAULT_RETURN_TO,
  PENDING_LOGIN_TTL_MS,
  pendingLoginProblem,
  safeReturnTo,
  TOKEN_PATTERN,
  tokenHash,
} from './citizen.model.js';
import * as repo from './citizen.repository.js';

/** What the citizens' log-in needs of VNeID: the adapter's OpenID Connect half (VneidClient, or a test's). */
export interface CitizenGateway {
  /** Our callback as registered at VNeID. */
  readonly redirectUri: string;
  begin(): Promise<PendingVneidLogin & { url: URL }>;
  finish(callbackUrl: URL, pending: PendingVneidLogin): Promise<VneidIdentity>;
}

export interface CitizenDeps {
  db: Kysely<DB>;
  clock: () => Date;
  auditKey: AuditKey;
  /** Absent: this installation is not connected to VNeID (a 409 says so). */
  gateway: CitizenGateway | null;
  /** Online submission (DossierService.submitOnline). */
  submit: (
    input: IntakeInput,
    idempotencyKey: string | undefined,
    submissionToken: string | undefined,
    citizen: IdentifiedCitizen,
  ) => Promise<DossierView>;
  /** A unit's Vietnamese name (OrgService.unitName). */
  unitName: (unitId: number) => string;
  /** The document store of an ID number, read by its owner (StoreService.ownDocuments). */
  storeDocuments: StoreService['ownDocuments'];
  /** A citizen's rating of their own returned dossier, which forgets its tracking answer (TrackingService.rateAsCitizen). */
  rate: TrackingService['rateAsCitizen'];
  /** Session lifetime (default CITIZEN_SESSION_TTL_MS). */
  sessionTtlMs?: number;
}

/** A logged-in citizen, as every citizen route sees them. */
export interface CitizenSession {
  sessionId: number;
  accountId: number;
  level: 1 | 2;
  name: string;
  idNumber: string | null;
  birthDate: string | null;
  gender: 'male' | 'female' | null;
  permanentAddress: string | null;
  expiresAt: Date;
}

/** What VNeID vouches for, to fill the forms in (level 2 only). */
export interface Prefill {
  name: string;
  birthDate: string;
  idNumber: string;
  permanentAddress: string;
}

const STREAM = 'citizens';
/** The most dossiers "my dossiers" lists (the latest). */
export const MY_DOSSIERS_LIMIT = 100;

const newToken = () => randomBytes(32).toString('base64url');

const unavailable = () =>
  new DomainError('NATIONAL_SERVICE_UNAVAILABLE', 'VNeID tạm thời không trả lời, vui lòng thử lại / VNeID is not answering, try again', {
    retryAfterSeconds: 30,
  });

/**
 * Citizens' log-in with VNeID (OpenID Connect, authorization code with PKCE, through the adapter) and what a logged-in
 * citizen may do. The log-in in progress is kept server-side (citizen_logins: state, verifier, nonce, the hash of a
 * cookie binding it to the browser), taken out once by its callback; the session is a random cookie of which only the
 * hash is kept (citizen_sessions). A level-2 account is verified against the population database, so its ID number is
 * the citizen's: it pre-fills forms, lists their dossiers and document store, and lets an online submission reuse
 * their stored documents. A level-1 account is a name only: everything that needs an identity is refused
 * (CITIZEN_LEVEL_2_REQUIRED). Every write is audited, ID numbers masked.
 */
export class CitizenService {
  private readonly ttlMs: number;

  constructor(private readonly deps: CitizenDeps) {
    this.ttlMs = deps.sessionTtlMs ?? CITIZEN_SESSION_TTL_MS;
  }

  /** Our VNeID callback as registered, or null when not connected. */
  get redirectUri(): string | null {
    return this.deps.gateway?.redirectUri ?? null;
  }

  private gateway(): CitizenGateway {
    if (!this.deps.gateway) throw new DomainError('CONFLICT', 'Hệ thống chưa kết nối VNeID / this installation is not connected to VNeID');
    return this.deps.gateway;
  }

  /** Begins a log-in: the VNeID URL to send the browser to, and the token of the cookie that ties it to this browser. */
  async beginLogin(returnTo: string | undefined): Promise<{ url: string; browserToken: string; expiresAt: Date }> {
    const back = safeReturnTo(returnTo);
    if (back === null)
      throw new DomainError('VALIDATION', 'returnTo must be a path of this site (starting with a single /)', {
        field: 'querystring.returnTo',
      });
    const gateway = this.gateway();
    let begun: Awaited<ReturnType<CitizenGateway['begin']>>;
    try {
      begun = await gateway.begin();
    } catch (e) {
      if (e instanceof VneidError) throw unavailable();
      throw e;
    }
    const now = this.deps.clock();
    const browserToken = newToken();
    const expiresAt = new Date(now.getTime() + PENDING_LOGIN_TTL_MS);
    await this.deps.db.transaction().execute(async (trx) => {
      await repo.insertPendingLogin(trx, {
        state: begun.state,
        code_verifier: begun.codeVerifier,
        nonce: begun.nonce,
        browser_hash: tokenHash(browserToken),
        return_to: back,
        created_at: now,
        expires_at: expiresAt,
      });
      await recordAudit(
        trx,
        this.deps.auditKey,
        {
          actorKind: 'citizen',
          actorId: null,
          stream: STREAM,
          action: 'citizen.login_begin',
          entityType: 'citizen_login',
          entityId: null,
          data: { returnTo: back },
        },
        now,
      );
    });
    return { url: begun.url.href, browserToken, expiresAt };
  }

  /**
   * Finishes a log-in from VNeID's callback (its query string as received, and the browser's binding cookie): the
   * pending log-in is taken out (single use), checked (not expired, this browser's), redeemed through the adapter
   * (state, PKCE verifier, nonce), the account created or brought up to date, and a session opened.
   */
  async finishLogin(
    query: string,
    state: string | undefined,
    browserToken: string | undefined,
  ): Promise<{ token: string; expiresAt: Date; maxAgeSeconds: number; returnTo: string; level: 1 | 2 }> {
    const gateway = this.gateway();
    const invalid = () =>
      new DomainError(
        'VNEID_LOGIN_INVALID',
        'Phiên đăng nhập VNeID không hợp lệ hoặc đã được dùng; vui lòng đăng nhập lại / This VNeID log-in is unknown, already used or was begun in another browser: log in again',
        { field: 'querystring.state' },
      );
    if (!state) throw invalid();
    const now = this.deps.clock();
    const pending = await repo.takePendingLogin(this.deps.db, state);
    if (!pending) throw invalid();
    const refuse = async (e: DomainError, reason: string): Promise<never> => {
      await this.audit('citizen.login_refused', 'citizen_login', null, { reason }, now);
      throw e;
    };
    const problem = pendingLoginProblem(pending, browserToken, now);
    if (problem === 'expired')
      await refuse(
        new DomainError(
          'VNEID_LOGIN_EXPIRED',
          'Phiên đăng nhập VNeID đã hết hạn; vui lòng đăng nhập lại / The VNeID log-in took too long: log in again',
          { field: 'querystring.state' },
        ),
        'expired',
      );
    if (problem === 'invalid') await refuse(invalid(), 'other_browser');
    const callback = new URL(gateway.redirectUri);
    callback.search = query;
    let identity: VneidIdentity;
    try {
      identity = await gateway.finish(callback, { state: pending.state, codeVerifier: pending.code_verifier, nonce: pending.nonce });
    } catch (e) {
      if (!(e instanceof VneidError)) throw e;
      if (e.code === 'vneid_unavailable') return refuse(unavailable(), 'vneid_unavailable');
      return refuse(
        new DomainError(
          'VNEID_LOGIN_REFUSED',
          e.oauthError === 'access_denied'
            ? 'Bạn đã hủy đăng nhập VNeID / The VNeID log-in was cancelled'
            : 'VNeID không xác nhận được đăng nhập; vui lòng thử lại / VNeID did not confirm the log-in: try again',
          { details: { reason: e.code, ...(e.oauthError ? { oauthError: e.oauthError } : {}) } },
        ),
        e.oauthError ?? e.code,
      );
    }
    const token = newToken();
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    await this.deps.db.transaction().execute(async (trx) => {
      const account = await repo.upsertAccount(trx, {
        subject: identity.subject,
        level: identity.level,
        id_number: identity.level === 2 ? identity.idNumber : null,
        name: identity.name,
        birth_date: identity.level === 2 ? identity.birthDate : null,
        gender: identity.level === 2 ? identity.gender : null,
        permanent_address: identity.level === 2 ? identity.permanentAddress : null,
        at: now,
      });
      const sessionId = await repo.insertSession(trx, {
        token_hash: tokenHash(token),
        account_id: account.id,
        created_at: now,
        expires_at: expiresAt,
      });
      await recordAudit(
        trx,
        this.deps.auditKey,
        {
          actorKind: 'citizen',
          // audit_log.actor_id names staff; a citizen's account is named in the entry's entity and data.
          actorId: null,
          stream: STREAM,
          action: 'citizen.login',
          entityType: 'citizen_account',
          entityId: String(account.id),
          data: {
            level: identity.level,
            idNumber: identity.idNumber ? maskIdNumber(identity.idNumber) : null,
            created: account.created,
            citizenAccountId: account.id,
            sessionId,
          },
        },
        now,
      );
    });
    return {
      token,
      expiresAt,
      maxAgeSeconds: Math.floor(this.ttlMs / 1000),
      returnTo: pending.return_to || DEFAULT_RETURN_TO,
      level: identity.level,
    };
  }

  /** The citizen of a session cookie's token (401 when there is none, or it ended). */
  async authenticate(token: string | undefined): Promise<CitizenSession> {
    const none = () =>
      new DomainError('UNAUTHENTICATED', 'Vui lòng đăng nhập bằng VNeID / Log in with VNeID first (the session is missing or has ended)');
    if (!token || !TOKEN_PATTERN.test(token)) throw none();
    const s = await repo.liveSession(this.deps.db, tokenHash(token), this.deps.clock());
    if (!s) throw none();
    return {
      sessionId: Number(s.session_id),
      accountId: s.account_id,
      level: s.level === 2 ? 2 : 1,
      name: s.name,
      idNumber: s.id_number,
      birthDate: s.birth_date,
      gender: s.gender,
      permanentAddress: s.permanent_address,
      expiresAt: s.expires_at,
    };
  }

  /** Who is logged in: name, level, the ID number masked, and for level 2 the pre-fill. */
  me(s: CitizenSession) {
    return {
      name: s.name,
      level: s.level,
      idNumberMasked: s.idNumber ? maskIdNumber(s.idNumber) : null,
      sessionExpiresAt: s.expiresAt.toISOString(),
      prefill: s.level === 2 ? this.prefillOf(s) : null,
    };
  }

  /** The population data VNeID vouched for, to fill a form in (level 2 only). */
  prefill(s: CitizenSession): Prefill {
    return this.prefillOf(level2(s));
  }

  private prefillOf(s: CitizenSession): Prefill {
    return { name: s.name, birthDate: s.birthDate ?? '', idNumber: s.idNumber ?? '', permanentAddress: s.permanentAddress ?? '' };
  }

  /** Ends the session (audited). */
  async logout(s: CitizenSession): Promise<void> {
    const now = this.deps.clock();
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await repo.revokeSession(trx, s.sessionId, now))) return;
      await recordAudit(
        trx,
        this.deps.auditKey,
        {
          actorKind: 'citizen',
          actorId: null,
          stream: STREAM,
          action: 'citizen.logout',
          entityType: 'citizen_session',
          entityId: String(s.sessionId),
          data: { citizenAccountId: s.accountId },
        },
        now,
      );
    });
  }

  /** The citizen's dossiers (those whose applicant's ID number is theirs), newest first, with what tracking needs. */
  async dossiers(s: CitizenSession) {
    const { idNumber } = level2(s);
    const rows = await repo.dossiersOf(this.deps.db, idNumber!, MY_DOSSIERS_LIMIT);
    return rows.map((d) => {
      const status = d.status as DossierStatus;
      const due = promisedDueAt(d);
      return {
        code: d.code,
        procedure: { code: d.procedure_code, nameVi: d.name_vi, nameEn: d.name_en },
        status,
        statusVi: STATUS_LABELS[status].vi,
        statusEn: STATUS_LABELS[status].en,
        channel: d.channel,
        submittedAt: d.submitted_at?.toISOString() ?? null,
        receivedAt: d.received_at?.toISOString() ?? null,
        dueAt: due?.toISOString() ?? null,
        returnedAt: d.returned_at?.toISOString() ?? null,
        returnPointNameVi: this.deps.unitName(d.return_point_id),
        trackingToken: d.tracking_token,
        vneidAuthenticated: d.vneid_authenticated,
        rating: d.rating ?? null,
        canRate: status === 'returned' && !d.rating,
      };
    });
  }

  /** The citizen's own document store (no file hashes: a document is reused by its id). */
  async storeDocuments(s: CitizenSession) {
    const { idNumber } = level2(s);
    return this.deps.storeDocuments(idNumber);
  }

  /** An online submission as the logged-in citizen (level 2): for themself, with their stored documents allowed. */
  async submit(s: CitizenSession, input: IntakeInput, idempotencyKey?: string, submissionToken?: string): Promise<DossierView> {
    const { accountId, idNumber } = level2(s);
    return this.deps.submit(input, idempotencyKey, submissionToken, { accountId, idNumber: idNumber! });
  }

  /** Rates one of the citizen's own returned dossiers, once; the rating names their account. */
  async rate(
    s: CitizenSession,
    code: string,
    rating: 'satisfied' | 'acceptable' | 'not_satisfied',
    comment: string | undefined,
    idempotencyKey?: string,
  ) {
    const { accountId, idNumber } = level2(s);
    return this.deps.rate({ accountId, idNumber }, code, rating, comment, idempotencyKey);
  }

  /** Housekeeping: log-ins never finished, and sessions ended more than a day ago (audited when any were). */
  async purgeExpired(): Promise<{ logins: number; sessions: number }> {
    const now = this.deps.clock();
    return this.deps.db.transaction().execute(async (trx) => {
      const r = await repo.purgeEnded(trx, now, new Date(now.getTime() - 24 * 3_600_000));
      if (r.logins || r.sessions)
        await recordAudit(
          trx,
          this.deps.auditKey,
          { ...bySystem('system'), action: 'citizen.purge', entityType: 'citizen_session', entityId: null, data: r },
          now,
        );
      return r;
    });
  }

  private async audit(action: string, entityType: string, entityId: string | null, data: Record<string, unknown>, at: Date) {
    await this.deps.db
      .transaction()
      .execute((trx) =>
        recordAudit(
          trx,
          this.deps.auditKey,
          { actorKind: 'citizen', actorId: null, stream: STREAM, action, entityType, entityId, data },
          at,
        ),
      );
  }
}

/** The session of a level-2 account, or the refusal that says what level 1 cannot do. */
function level2(s: CitizenSession): CitizenSession & { idNumber: string } {
  if (s.level !== 2 || !s.idNumber)
    throw new DomainError(
      'CITIZEN_LEVEL_2_REQUIRED',
      'Cần tài khoản định danh điện tử mức 2 (đã xác thực với CSDL dân cư) / This needs a level-2 VNeID account (verified against the population database)',
      { details: { level: s.level } },
    );
  return s as CitizenSession & { idNumber: string };
}
