import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import { requireRole, type Actor } from '../auth/auth.model.js';
import { byStaff, recordAudit } from '../audit/audit.service.js';
import { ACTION_LABELS, PUBLIC_NOTE_ACTIONS } from '../tracking/tracking.service.js';
import { DomainError } from '../platform/errors.js';
import { PortalUnavailable, type PortalGateway } from './portal.client.js';
import type { PortalDossier } from './portal.contract.js';
import { retryDelayMs, toPortalDossier, type Wording } from './portal.model.js';
import * as repo from './portal.repository.js';

const WORDING: Wording = {
  label: (action) => ACTION_LABELS[action]?.vi ?? action,
  showsNote: (action) => PUBLIC_NOTE_ACTIONS.has(action),
};

export interface PortalSyncDeps {
  db: Kysely<DB>;
  clock: () => Date;
  auditKey: AuditKey;
  /** The portal adapter; absent = the sync is off (nothing is sent, the outbox keeps every change). */
  gateway: PortalGateway | null;
  /** How stored files are linked for the portal (public address of the API). */
  publicUrl: string;
  /** Dossiers per request (the portal's data array). */
  batchSize?: number;
  /** How long a claimed dossier is kept from other workers. */
  leaseMs?: number;
}

/** What one delivery round did. */
export interface DeliveryRound {
  claimed: number;
  acknowledged: number;
  rejected: number;
  /** The portal could not be reached: nothing of the round was taken. */
  unavailable: string | null;
}

/**
 * Portal sync, outward: every change of a dossier is in the outbox (portal_sync) from the transaction that made it;
 * deliverDue() sends the dossiers due, as they stand with their whole history, and records what the portal
 * acknowledged. One dossier is in flight at most once (a lease), so per dossier the portal sees its changes in order;
 * a message it sees twice, or an older one late, carries a PhienBan it already has and changes nothing there.
 */
export class PortalSyncService {
  private readonly batchSize: number;
  private readonly leaseMs: number;
  /** After an unreachable portal: the wait before the next round (1 s doubling to 30 s), and until when. */
  private outageWaitMs = 0;
  private pausedUntil = 0;

  constructor(private readonly deps: PortalSyncDeps) {
    this.batchSize = deps.batchSize ?? 100;
    this.leaseMs = deps.leaseMs ?? 60_000;
  }

  get enabled(): boolean {
    return this.deps.gateway !== null;
  }

  private fileUrl = (sha256: string) => `${this.deps.publicUrl}/api/v1/files/${sha256}`;

  /** The message the portal gets for these dossiers, as they stand (tests and the reconciliation's comparison use it too). */
  async messagesFor(ids: number[]): Promise<PortalDossier[]> {
    return (await repo.loadSources(this.deps.db, ids)).map((s) => toPortalDossier(s, WORDING, this.fileUrl));
  }

  /** One round: claims up to a batch of due dossiers and sends them. */
  async deliverOnce(): Promise<DeliveryRound> {
    const gateway = this.deps.gateway;
    const round: DeliveryRound = { claimed: 0, acknowledged: 0, rejected: 0, unavailable: null };
    if (!gateway) return round;
    const now = this.deps.clock();
    const claimed = await repo.claimDue(this.deps.db, now, this.batchSize, this.leaseMs);
    round.claimed = claimed.length;
    if (!claimed.length) return round;
    const byId = new Map(claimed.map((c) => [c.dossierId, c]));
    const sources = await repo.loadSources(
      this.deps.db,
      claimed.map((c) => c.dossierId),
    );
    // The portal's isUpdating is per request: the dossiers it has never acknowledged go apart from the others.
    const answered = new Set<number>();
    const groups = [false, true].map((updating) => sources.filter((s) => byId.get(s.id)!.ackedSeq > 0 === updating));
    for (const [i, group] of groups.entries()) {
      if (!group.length) continue;
      const messages = group.map((s) => toPortalDossier(s, WORDING, this.fileUrl));
      let answers;
      try {
        answers = await gateway.sync(messages, i === 1);
      } catch (e) {
        if (!(e instanceof PortalUnavailable)) throw e;
        round.unavailable = e.message;
        // Nothing of this round was taken: every claimed dossier waits for the portal's return, no attempt counted.
        this.outageWaitMs = Math.min(Math.max(1_000, this.outageWaitMs * 2), 30_000);
        this.pausedUntil = Date.now() + this.outageWaitMs;
        await repo.markFailed(
          this.deps.db,
          sources.filter((x) => !answered.has(x.id)).map((s) => ({ dossierId: s.id, reason: e.message, retryAt: null })),
        );
        return round;
      }
      const at = this.deps.clock();
      const byCode = new Map(answers.map((a) => [a.MaHoSo, a]));
      const acks: { dossierId: number; seq: number }[] = [];
      const fails: { dossierId: number; reason: string; retryAt: Date }[] = [];
      for (const s of group) {
        answered.add(s.id);
        const a = byCode.get(s.code);
        if (a && a.error_code === 0) acks.push({ dossierId: s.id, seq: s.seq });
        else {
          const c = byId.get(s.id)!;
          const reason = a
            ? `portal refused the dossier (error_code ${a.error_code}${a.message ? `: ${a.message}` : ''})`
            : 'portal did not answer for this dossier';
          fails.push({ dossierId: s.id, reason, retryAt: new Date(at.getTime() + retryDelayMs(c.attempts + 1)) });
        }
      }
      await repo.markAcknowledged(this.deps.db, acks, at);
      await repo.markFailed(this.deps.db, fails);
      round.acknowledged += acks.length;
      round.rejected += fails.length;
    }
    this.outageWaitMs = 0;
    return round;
  }

  /**
   * Delivers until nothing is due (or the portal is away): the periodic job's run. While the portal is unreachable
   * the rounds wait (1 s doubling to 30 s) instead of knocking at every tick.
   */
  async deliverDue(maxRounds = 1_000): Promise<{ rounds: number; acknowledged: number; rejected: number; unavailable: string | null }> {
    const total = { rounds: 0, acknowledged: 0, rejected: 0, unavailable: null as string | null };
    if (!this.enabled || Date.now() < this.pausedUntil) return total;
    for (let i = 0; i < maxRounds; i++) {
      const r = await this.deliverOnce();
      if (!r.claimed) break;
      total.rounds++;
      total.acknowledged += r.acknowledged;
      total.rejected += r.rejected;
      if (r.unavailable) {
        total.unavailable = r.unavailable;
        break;
      }
    }
    return total;
  }

  private scope(actor: Actor) {
    requireRole(actor, 'admin', 'manager');
    return actor.scopeUnitIds ?? undefined;
  }

  /** The reconciliation: what the portal has not acknowledged, with the reason, and the outbox's counts. */
  async reconciliation(actor: Actor | 'system', limit = 200) {
    const unitIds = actor === 'system' ? undefined : this.scope(actor);
    const [counts, items] = await Promise.all([
      repo.syncCounts(this.deps.db, unitIds),
      repo.listUnacknowledged(this.deps.db, { limit, unitIds }),
    ]);
    return {
      enabled: this.enabled,
      ...counts,
      oldest: counts.oldest ? new Date(counts.oldest).toISOString() : null,
      items: items.map((r) => {
        const reasonCode = !this.enabled ? 'off' : r.lastError === null ? 'waiting' : r.attempts > 0 ? 'refused' : 'unreachable';
        return {
          ...r,
          pendingSince: r.pendingSince.toISOString(),
          nextAttemptAt: r.nextAttemptAt.toISOString(),
          reasonCode,
          reason: r.lastError ?? (this.enabled ? 'waiting for its turn' : 'portal sync is off (no portal configured)'),
        } as const;
      }),
    };
  }

  /** An administrator sends a waiting dossier now instead of at its next try; audited. */
  async retry(actor: Actor, code: string): Promise<void> {
    requireRole(actor, 'admin');
    const now = this.deps.clock();
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await repo.retryNow(trx, code, now)))
        throw new DomainError(
          'NOT_FOUND',
          `Hồ sơ ${code} không có thay đổi nào chờ gửi Cổng DVCQG / Dossier ${code} has nothing waiting for the portal`,
        );
      await recordAudit(trx, this.deps.auditKey, { ...byStaff(actor), action: 'portal.retry', entityType: 'dossier', entityId: code }, now);
    });
    this.pausedUntil = 0;
  }

  /**
   * The portal's own view of a dossier against ours, field by field: the fields that differ (ours, theirs), or
   * `missing` when the portal does not have it. Throws PortalUnavailable.
   */
  async compare(
    code: string,
  ): Promise<{ code: string; missing: boolean; differences: { field: string; ours: unknown; portal: unknown }[] }> {
    const gateway = this.deps.gateway;
    if (!gateway) throw new DomainError('CONFLICT', 'Portal sync is off: no portal is configured');
    const id = await repo.dossierIdOf(this.deps.db, code);
    if (id === null) throw new DomainError('NOT_FOUND', `Không có hồ sơ ${code} / No dossier ${code}`);
    const [ours] = await this.messagesFor([id]);
    const theirs = await gateway.lookup(code);
    if (!theirs) return { code, missing: true, differences: [] };
    const differences = Object.keys(ours!)
      .filter((k) => JSON.stringify(ours![k as keyof PortalDossier]) !== JSON.stringify(theirs[k as keyof PortalDossier]))
      .map((k) => ({ field: k, ours: ours![k as keyof PortalDossier], portal: theirs[k as keyof PortalDossier] }));
    return { code, missing: false, differences };
  }
}
