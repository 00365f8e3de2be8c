import { hash, verify } from '@node-rs/argon2';
import type { Kysely } from 'kysely';
import type { DB, StaffRole } from '../platform/db.types.js';
import { DomainError } from '../platform/errors.js';
import { randomToken, sha256Hex } from '../platform/ids.js';
import { isUniqueViolation } from '../platform/idempotency.js';
import { byStaff, recordAudit } from '../audit/audit.service.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import { addressKey, retryAfterSeconds } from '../lookups/lookup.model.js';
import { requireRole, ROLE_UNIT_KINDS, type Actor } from './auth.model.js';
import { afterFailure, DEFAULT_LOGIN_THROTTLE, lockedUntil, type LoginThrottleConfig, type ThrottleState } from './login-throttle.model.js';
import * as repo from './auth.repository.js';
import type { ChangeFeed } from '../platform/change-feed.js';
import { SessionCache } from './session-cache.js';

// @node-rs/argon2 Algorithm.Argon2id (a const enum, which isolatedModules cannot import).
const ARGON2ID = 2;
const ARGON2_OPTIONS = { algorithm: ARGON2ID as never, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** Hashes a password with argon2id (OWASP's recommended parameters). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

// Verified against when the username is unknown, so both paths take the same time.
let dummyHash: Promise<string> | undefined;

export interface AuthDeps {
  db: Kysely<DB>;
  clock: () => Date;
  auditKey: AuditKey;
  sessionTtlMinutes: number;
  /** Throttling of failed log-ins (default DEFAULT_LOGIN_THROTTLE). */
  loginThrottle?: LoginThrottleConfig;
  /** The database's change feed: with it, checked sessions are held between requests (SessionCache). */
  feed?: ChangeFeed;
}

type ThrottleRow = { key: string; failures: number; locked_until: Date | null; last_failure_at: Date };
const toState = (r: ThrottleRow): ThrottleState => ({
  failures: r.failures,
  lockedUntil: r.locked_until?.getTime() ?? null,
  lastFailureAt: r.last_failure_at.getTime(),
});
const toRow = (s: ThrottleState) => ({
  failures: s.failures,
  locked_until: s.lockedUntil === null ? null : new Date(s.lockedUntil),
  last_failure_at: new Date(s.lastFailureAt),
});

/**
 * Staff log-in, sessions and accounts. A request's session is read from the database (one indexed query) unless
 * this process holds it from an earlier request (SessionCache, while the database's change feed is live): a
 * log-out, an expiry or a disabled account is refused at once by the process that made it, and by every other
 * as soon as the change's notification reaches it.
 */
export class AuthService {
  private readonly throttle: LoginThrottleConfig;
  private readonly sessions: SessionCache | undefined;

  constructor(private readonly deps: AuthDeps) {
    this.throttle = deps.loginThrottle ?? DEFAULT_LOGIN_THROTTLE;
    this.sessions = deps.feed && new SessionCache(deps.feed);
  }

  /**
   * Checks the password and opens an expiring session; the token is returned once and stored only as a hash.
   *
   * Failed log-ins are throttled per account name (whether it exists or not, so the answer never tells) and
   * per client address, in the database (table login_throttle): after `accountFailures` (or `addressFailures`)
   * failures in a row the key is locked for a minute, and each further failure doubles the lock up to an hour.
   * While a key is locked every attempt, the right password too, gets 429 RATE_LIMITED with Retry-After and no
   * password is checked. Each attempt is counted before its password is checked, under the rows' lock, so a
   * burst of parallel guesses cannot all slip in before the first failure is written; a right password takes
   * the count back (and clears the account's failures). Every failure, lockout and refusal is audited.
   */
  async login(username: string, password: string, client = 'unknown'): Promise<{ token: string; expiresAt: Date; actor: Actor }> {
    const { db, clock } = this.deps;
    const now = clock();
    const address = addressKey(client);
    const account = `account:${username}`;
    const thresholds = new Map([
      [account, this.throttle.accountFailures],
      [address, this.throttle.addressFailures],
    ]);
    const keys = [...thresholds.keys()].sort();
    // Count the attempt (or refuse it) under the rows' lock.
    type Counted = { key: string; before: ThrottleRow; after: ThrottleState };
    const attempt = await db.transaction().execute(async (trx): Promise<{ refusedUntil: number } | { counted: Counted[] }> => {
      const rows = await repo.lockThrottleRows(trx, keys, now);
      let until = 0;
      for (const r of rows) until = Math.max(until, lockedUntil(toState(r), now.getTime()) ?? 0);
      if (until > 0) return { refusedUntil: until };
      const counted: Counted[] = [];
      for (const r of rows) {
        const after = afterFailure(toState(r), now.getTime(), thresholds.get(r.key)!, this.throttle);
        await repo.writeThrottleRow(trx, r.key, toRow(after));
        counted.push({ key: r.key, before: r, after });
      }
      return { counted };
    });
    if ('refusedUntil' in attempt) {
      const seconds = retryAfterSeconds(attempt.refusedUntil, now.getTime());
      await this.auditLogin('auth.login_refused', null, { address, retryAfterSeconds: seconds }, now);
      throw new DomainError(
        'RATE_LIMITED',
        `Đăng nhập tạm khóa do nhập sai nhiều lần, vui lòng thử lại sau ${seconds} giây / Log-in is locked after too many failures; try again in ${seconds} seconds`,
        { retryAfterSeconds: seconds },
      );
    }

    const staff = await repo.findStaffByUsername(db, username);
    dummyHash ??= hashPassword('motcua-timing-equalizer');
    const ok = staff ? await verify(staff.password_hash, password) : (await verify(await dummyHash, password), false);
    if (!staff || !ok || !staff.active) {
      const entityId = staff ? String(staff.id) : null;
      const failures = Object.fromEntries(attempt.counted.map((c) => [c.key === account ? 'account' : 'address', c.after.failures]));
      await this.auditLogin('auth.login_failed', entityId, { address, failures }, now);
      for (const c of attempt.counted)
        if (c.after.lockedUntil !== null)
          await this.auditLogin(
            'auth.login_lockout',
            entityId,
            {
              address,
              key: c.key === account ? 'account' : 'address',
              failures: c.after.failures,
              lockedUntil: new Date(c.after.lockedUntil).toISOString(),
            },
            now,
          );
      throw new DomainError('INVALID_CREDENTIALS', 'Username or password is wrong, or the account is disabled');
    }
    // The right password: the account starts afresh; the address gets this attempt back.
    for (const c of attempt.counted) {
      if (c.key === account)
        await repo.writeThrottleRow(db, c.key, { failures: 0, locked_until: null, last_failure_at: c.before.last_failure_at });
      else await repo.restoreThrottleRow(db, c.key, toRow(c.after), c.before);
    }
    const token = randomToken();
    const expiresAt = new Date(now.getTime() + this.deps.sessionTtlMinutes * 60_000);
    await db.transaction().execute(async (trx) => {
      await repo.insertSession(trx, staff.id, sha256Hex(token), expiresAt);
      await recordAudit(
        trx,
        this.deps.auditKey,
        {
          actorKind: 'staff',
          actorId: staff.id,
          stream: `unit:${staff.unit_id}`,
          action: 'auth.login',
          entityType: 'staff',
          entityId: String(staff.id),
        },
        now,
      );
    });
    const actor = await this.authenticate(token);
    return { token, expiresAt, actor };
  }

  /** Records an audit entry of the log-in throttle (stream auth; never the password). */
  private async auditLogin(action: string, entityId: string | null, data: Record<string, unknown>, now: Date): Promise<void> {
    await this.deps.db
      .transaction()
      .execute((trx) =>
        recordAudit(
          trx,
          this.deps.auditKey,
          { actorKind: 'system', actorId: null, stream: 'auth', action, entityType: 'staff', entityId, data },
          now,
        ),
      );
  }

  /** Forgets throttle rows whose failures are forgotten and whose lock has ended; returns how many. */
  async purgeLoginThrottle(): Promise<number> {
    const now = this.deps.clock();
    return repo.purgeThrottle(this.deps.db, now, new Date(now.getTime() - this.throttle.forgetMs));
  }

  /**
   * Resolves a bearer token to its actor, or throws UNAUTHENTICATED. The session row is read by the token hash's
   * unique index, the manager's scope in the same query, or taken from the sessions this process holds (expiry
   * checked on each use; every committed change to sessions, staff or units forgets them all).
   */
  async authenticate(token: string | undefined): Promise<Actor> {
    if (!token) throw new DomainError('UNAUTHENTICATED', 'Log in first: send Authorization: Bearer <token>');
    const tokenHash = sha256Hex(token);
    const now = this.deps.clock();
    const load = () => repo.findSession(this.deps.db, tokenHash, now);
    const s = this.sessions ? await this.sessions.get(tokenHash, now, load) : await load();
    if (!s || !s.active) throw new DomainError('UNAUTHENTICATED', 'The session is unknown, expired or revoked: log in again');
    let scope: number[] | null;
    if (s.role === 'admin') scope = null;
    else if (s.role === 'manager')
      scope = [...(s.managerScope ?? [])]; // a copy: the session may be held for the next request
    else scope = [s.unit_id];
    const actor: Actor = {
      staffId: s.staffId,
      username: s.username,
      fullName: s.full_name,
      role: s.role,
      unitId: s.unit_id,
      unitKind: s.unitKind,
      provinceCode: s.province_code,
      scopeUnitIds: scope,
    };
    return actor;
  }

  /** Revokes the session behind a token. */
  async logout(token: string): Promise<void> {
    const tokenHash = sha256Hex(token);
    const now = this.deps.clock();
    await this.deps.db.transaction().execute(async (trx) => {
      const s = await repo.revokeSession(trx, tokenHash, now);
      if (s)
        await recordAudit(
          trx,
          this.deps.auditKey,
          { actorKind: 'staff', actorId: s.staff_id, stream: 'auth', action: 'auth.logout', entityType: 'session', entityId: String(s.id) },
          now,
        );
    });
    // This process refuses the token at once; the others when the trigger's notification reaches them.
    this.sessions?.forgetAll();
  }

  /**
   * Resolves once every change to sessions, staff and units committed before the call has reached this process's
   * held sessions (immediate without a change feed, or while it is down: nothing is held then).
   */
  async sessionsInSync(): Promise<void> {
    await this.sessions?.sync();
  }

  /** Creates a staff account (administrators only); the role must fit the unit's kind. */
  async createStaff(actor: Actor, input: { username: string; password: string; fullName: string; role: StaffRole; unitId: number }) {
    requireRole(actor, 'admin');
    const unit = await repo.findUnit(this.deps.db, input.unitId);
    if (!unit) throw new DomainError('NOT_FOUND', `Unit ${input.unitId} not found`, { field: 'body.unitId' });
    if (!ROLE_UNIT_KINDS[input.role].includes(unit.kind)) {
      throw new DomainError(
        'VALIDATION',
        `A ${input.role} account belongs to a unit of kind ${ROLE_UNIT_KINDS[input.role].join(' or ')}, not ${unit.kind}`,
        { field: 'body.unitId' },
      );
    }
    if (await repo.findStaffByUsername(this.deps.db, input.username)) {
      throw new DomainError('CONFLICT', `Username ${input.username} is taken`, { field: 'body.username' });
    }
    const passwordHash = await hashPassword(input.password);
    const now = this.deps.clock();
    try {
      return await this.deps.db.transaction().execute(async (trx) => {
        const row = await repo.insertStaff(trx, {
          username: input.username,
          password_hash: passwordHash,
          full_name: input.fullName,
          role: input.role,
          unit_id: input.unitId,
        });
        await recordAudit(
          trx,
          this.deps.auditKey,
          {
            ...byStaff(actor),
            action: 'staff.create',
            entityType: 'staff',
            entityId: String(row.id),
            data: { role: input.role, unitId: input.unitId },
          },
          now,
        );
        return row;
      });
    } catch (e) {
      // The check above cannot see a twin request still hashing its password: the unique index decides.
      if (isUniqueViolation(e)) throw new DomainError('CONFLICT', `Username ${input.username} is taken`, { field: 'body.username' });
      throw e;
    }
  }

  /** Staff accounts the actor may see: all for an administrator, their own units for a manager. */
  async listStaff(actor: Actor) {
    requireRole(actor, 'admin', 'manager');
    return repo.listStaff(this.deps.db, actor.scopeUnitIds);
  }
}
