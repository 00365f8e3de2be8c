import type { Kysely } from 'kysely';
import type { DB, QueueGroup, QueueTicket, Unit } from '../platform/db.types.js';
import { notFound } from '../platform/errors.js';
import { inScope, type Actor } from '../auth/auth.model.js';
import { recordAudit } from '../audit/audit.service.js';
import type { AuditEntry, AuditKey } from '../platform/audit-chain.model.js';
import type { OrgService } from '../org/org.service.js';
import type { LookupBudget } from '../lookups/lookup.service.js';
import { SERVICE_POINT_KINDS } from '../org/org.service.js';
import { formatLocalDate, parseLocalDate } from '../calendar/local-date.js';
import { estimateWaitSeconds, localDay } from './ticket.model.js';
import { presentTicket, type TicketView } from './queue.presenter.js';
import * as repo from './queue.repository.js';

/** Mean service time assumed for a group with no served ticket in the last 30 days. */
export const DEFAULT_SERVICE_SECONDS = 600;

export interface QueueDeps {
  db: Kysely<DB>;
  clock: () => Date;
  auditKey: AuditKey;
  org: OrgService;
  /** The wrong-guess budget of public look-ups (booking codes with phone digits, ticket tokens), shared with tracking. */
  budget: LookupBudget;
}

/**
 * What every queue use case shares: the point and group look-ups with their scope checks, the audit entry,
 * a clerk's groups and weights, a ticket's view, and the estimated wait.
 */
export class QueueContext {
  constructor(readonly deps: QueueDeps) {}

  get db(): Kysely<DB> {
    return this.deps.db;
  }

  now(): Date {
    return this.deps.clock();
  }

  /** A service point (center, branch, commune center); NOT_FOUND for anything else. */
  async point(unitId: number): Promise<Unit> {
    const u = await this.deps.org.unit(unitId).catch(() => undefined);
    if (!u || !(SERVICE_POINT_KINDS as readonly string[]).includes(u.kind)) throw notFound(`Service point ${unitId}`);
    return u;
  }

  /** A service point inside the actor's scope; NOT_FOUND otherwise (points outside scope are not confirmed). */
  async pointInScope(actor: Actor, unitId: number): Promise<Unit> {
    const u = await this.point(unitId);
    if (!inScope(actor, u.id)) throw notFound(`Service point ${unitId}`);
    return u;
  }

  async group(groupId: number, db: Kysely<DB> = this.deps.db, forUpdate = false): Promise<QueueGroup> {
    const g = await repo.groupById(db, groupId, forUpdate);
    if (!g) throw notFound(`Service group ${groupId}`, 'groupId');
    return g;
  }

  /** Records the audit entry of a queue write in its transaction (a citizen when there is no actor). */
  audit(
    trx: Kysely<DB>,
    actor: Actor | null,
    unitId: number,
    action: string,
    entityType: string,
    entityId: string | number,
    data?: Record<string, unknown>,
  ): Promise<void> {
    const entry: AuditEntry = {
      actorKind: actor ? 'staff' : 'citizen',
      actorId: actor?.staffId ?? null,
      stream: `unit:${unitId}`,
      action,
      entityType,
      entityId: String(entityId),
      ...(data ? { data } : {}),
    };
    return recordAudit(trx, this.deps.auditKey, entry, this.deps.clock());
  }

  /** The groups a clerk serves with their weights: explicit ones, else every active group of the point at weight 1. */
  async weightsOf(db: Kysely<DB>, staffId: number, unitId: number): Promise<Map<number, number>> {
    const explicit = await repo.clerkGroups(db, staffId);
    const groups = await repo.groupsOfUnit(db, unitId);
    const active = new Set(groups.filter((g) => g.active).map((g) => g.id));
    if (explicit.length) return new Map(explicit.filter((r) => active.has(r.group_id)).map((r) => [r.group_id, r.weight]));
    return new Map([...active].map((id) => [id, 1]));
  }

  /** A ticket with its group's names and the dossiers linked to it. */
  async view(t: QueueTicket): Promise<TicketView> {
    const g = await this.group(t.group_id);
    return presentTicket(t, {
      groupCode: g.code,
      groupNameVi: g.name_vi,
      groupNameEn: g.name_en,
      dossierCodes: await repo.dossierCodesOfTicket(this.deps.db, t.id),
    });
  }

  /** Tickets ahead of a waiting ticket in its group and its estimated wait. */
  async estimateFor(t: QueueTicket): Promise<{ ahead: number; estimatedWaitSeconds: number }> {
    const waiting = await repo.waitingTickets(this.deps.db, [t.group_id]);
    // A booked ticket is behind earlier bookings only; a priority ticket behind bookings and priority
    // tickets; a normal one behind everyone who waits.
    const rank = t.rank_at.getTime();
    const ahead = waiting.filter((w) => {
      if (w.id === t.id) return false;
      if (t.booking_id !== null) return w.booking_id !== null && w.rank_at.getTime() < rank;
      if (w.booking_id !== null) return w.rank_at.getTime() <= rank || w.rank_at.getTime() <= this.deps.clock().getTime();
      return t.priority === null ? w.priority !== null || w.rank_at.getTime() <= rank : w.priority !== null;
    }).length;
    return { ahead, estimatedWaitSeconds: await this.estimate(t.unit_id, t.group_id, ahead) };
  }

  /** The wait of a ticket with `ahead` tickets before it: the group's mean service (30 days) over the counters serving it. */
  async estimate(unitId: number, groupId: number, ahead: number): Promise<number> {
    const since = formatLocalDate(parseLocalDate(localDay(this.deps.clock())) - 30);
    const mean = (await repo.meanServiceSince(this.deps.db, groupId, since)) ?? DEFAULT_SERVICE_SECONDS;
    const open = await repo.openCountersWithGroups(this.deps.db, unitId);
    // A counter serves the group when its clerk has no explicit groups or lists this one.
    const explicit = new Set(open.filter((r) => r.group_id !== null).map((r) => r.id));
    const serving = new Set(open.filter((r) => r.group_id === groupId || (r.group_id === null && !explicit.has(r.id))).map((r) => r.id));
    return estimateWaitSeconds({ ahead, meanServiceSeconds: mean, openCounters: serving.size });
  }
}
