import { hash, verify } from '@node-rs/argon2';
import type { Kysely } from 'kysely';
import type { DB, StaffRole } from '../platform/db.types.js';
import { DomainError } from '../platform/errors.js';
import { randomToken, sha256Hex } from '../platform/ids.js';
import { isUniqueViolation } from '../platform/idempotency.js';
import { recordAudit } from '../audit/audit.service.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import { requireRole, ROLE_UNIT_KINDS, type Actor } from './auth.model.js';
import * as repo from './auth.repository.js';

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
}

/** Staff log-in, sessions and accounts. */
export class AuthService {
  private readonly cache = new Map<string, { actor: Actor; until: number }>();

  constructor(private readonly deps: AuthDeps) {}

  /** Checks the password and opens an expiring session; the token is returned once and stored only as a hash. */
  async login(username: string, password: string): Promise<{ token: string; expiresAt: Date; actor: Actor }> {
    const { db, clock } = this.deps;
    const staff = await repo.findStaffByUsername(db, username);
    dummyHash ??= hashPassword('motcua-timing-equalizer');
    const ok = staff ? await verify(staff.password_hash, password) : (await verify(await dummyHash, password), false);
    const now = clock();
    if (!staff || !ok || !staff.active) {
      await db.transaction().execute((trx) =>
        recordAudit(
          trx,
          this.deps.auditKey,
          {
            actorKind: 'system',
            actorId: null,
            stream: 'auth',
            action: 'auth.login_failed',
            entityType: 'staff',
            entityId: staff ? String(staff.id) : null,
          },
          now,
        ),
      );
      throw new DomainError('INVALID_CREDENTIALS', 'Username or password is wrong, or the account is disabled');
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

  /** Resolves a bearer token to its actor, or throws UNAUTHENTICATED. */
  async authenticate(token: string | undefined): Promise<Actor> {
    if (!token) throw new DomainError('UNAUTHENTICATED', 'Log in first: send Authorization: Bearer <token>');
    const tokenHash = sha256Hex(token);
    const now = this.deps.clock();
    const cached = this.cache.get(tokenHash);
    if (cached && cached.until > now.getTime()) return cached.actor;
    const s = await repo.findSession(this.deps.db, tokenHash, now);
    if (!s || !s.active) throw new DomainError('UNAUTHENTICATED', 'The session is unknown, expired or revoked: log in again');
    let scope: number[] | null;
    if (s.role === 'admin') scope = null;
    else if (s.role === 'manager') scope = await repo.unitAndChildren(this.deps.db, s.unit_id);
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
    // A short cache spares a query per request; it never outlives the session.
    this.cache.set(tokenHash, { actor, until: Math.min(now.getTime() + 10_000, s.expires_at.getTime()) });
    if (this.cache.size > 10_000) this.cache.clear();
    return actor;
  }

  /** Revokes the session behind a token. */
  async logout(token: string): Promise<void> {
    const tokenHash = sha256Hex(token);
    this.cache.delete(tokenHash);
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
            actorKind: 'staff',
            actorId: actor.staffId,
            stream: `unit:${actor.unitId}`,
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
