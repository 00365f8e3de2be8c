import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import { DomainError, notFound } from '../platform/errors.js';
import { inScope, requireRole, type Actor } from '../auth/auth.model.js';
import { presentCounter, presentGroup } from './queue.presenter.js';
import type { QueueContext } from './queue.context.js';
import * as repo from './queue.repository.js';

/** A point's queue set-up: service groups and their procedures, counters, and the groups each clerk serves. */
export class QueueSetupService {
  constructor(private readonly ctx: QueueContext) {}

  /** Groups, counters and clerks' groups of a point, for its manager and clerks. */
  async setup(actor: Actor, unitId: number) {
    requireRole(actor, 'clerk', 'manager', 'admin');
    const unit = await this.ctx.pointInScope(actor, unitId);
    const groups = await repo.groupsOfUnit(this.ctx.db, unit.id);
    const codes = await repo.groupProcedureCodes(
      this.ctx.db,
      groups.map((g) => g.id),
    );
    const counters = await repo.countersOfUnit(this.ctx.db, unit.id);
    const clerks = await repo.clerksOfUnit(this.ctx.db, unit.id);
    return {
      unitId: unit.id,
      nameVi: unit.name_vi,
      nameEn: unit.name_en,
      groups: groups.map((g) =>
        presentGroup(
          g,
          codes.filter((c) => c.group_id === g.id).map((c) => c.code),
        ),
      ),
      counters: counters.map(presentCounter),
      // No groups listed: the clerk serves every open group at weight 1.
      clerks: clerks.map((c) => ({ staffId: c.id, username: c.username, fullName: c.full_name, role: c.role, groups: c.groups })),
    };
  }

  /** Creates a service group at a point (manager or admin). */
  async createGroup(
    actor: Actor,
    unitId: number,
    input: {
      code: string;
      nameVi: string;
      nameEn: string;
      targetWaitSeconds?: number;
      slotMinutes?: number;
      slotCapacity?: number;
      procedureCodes?: string[];
    },
  ) {
    requireRole(actor, 'manager', 'admin');
    const unit = await this.ctx.pointInScope(actor, unitId);
    return this.ctx.db.transaction().execute(async (trx) => {
      const g = await repo.insertGroup(trx, {
        unit_id: unit.id,
        code: input.code,
        name_vi: input.nameVi,
        name_en: input.nameEn,
        ...(input.targetWaitSeconds !== undefined ? { target_wait_seconds: input.targetWaitSeconds } : {}),
        ...(input.slotMinutes !== undefined ? { slot_minutes: input.slotMinutes } : {}),
        ...(input.slotCapacity !== undefined ? { slot_capacity: input.slotCapacity } : {}),
      });
      if (!g)
        throw new DomainError('CONFLICT', `Service point ${unit.id} already has a group with code ${input.code}`, { field: 'body.code' });
      const codes = await this.setProceduresIn(trx, g.id, input.procedureCodes ?? []);
      await this.ctx.audit(trx, actor, unit.id, 'queue.group.create', 'queue_group', g.id, { code: g.code, procedures: codes });
      return presentGroup(g, codes);
    });
  }

  /** Changes a group's names, target, booking slots, procedures or active flag (manager or admin). */
  async updateGroup(
    actor: Actor,
    groupId: number,
    input: {
      nameVi?: string;
      nameEn?: string;
      targetWaitSeconds?: number;
      slotMinutes?: number;
      slotCapacity?: number;
      active?: boolean;
      procedureCodes?: string[];
    },
  ) {
    requireRole(actor, 'manager', 'admin');
    const g0 = await this.ctx.group(groupId);
    await this.ctx.pointInScope(actor, g0.unit_id);
    return this.ctx.db.transaction().execute(async (trx) => {
      const patch = {
        ...(input.nameVi !== undefined ? { name_vi: input.nameVi } : {}),
        ...(input.nameEn !== undefined ? { name_en: input.nameEn } : {}),
        ...(input.targetWaitSeconds !== undefined ? { target_wait_seconds: input.targetWaitSeconds } : {}),
        ...(input.slotMinutes !== undefined ? { slot_minutes: input.slotMinutes } : {}),
        ...(input.slotCapacity !== undefined ? { slot_capacity: input.slotCapacity } : {}),
        ...(input.active !== undefined ? { active: input.active } : {}),
      };
      const g = Object.keys(patch).length ? await repo.updateGroup(trx, groupId, patch) : g0;
      const codes = input.procedureCodes
        ? await this.setProceduresIn(trx, groupId, input.procedureCodes)
        : (await repo.groupProcedureCodes(trx, [groupId])).map((r) => r.code);
      await this.ctx.audit(trx, actor, g.unit_id, 'queue.group.update', 'queue_group', g.id, { ...input });
      return presentGroup(g, codes);
    });
  }

  private async setProceduresIn(trx: Kysely<DB>, groupId: number, codes: string[]): Promise<string[]> {
    const unique = [...new Set(codes)].sort();
    const found = await repo.procedureIdsByCode(trx, unique);
    const missing = unique.filter((c) => !found.some((f) => f.code === c));
    if (missing.length)
      throw new DomainError('UNKNOWN_PROCEDURE', `No procedure with code ${missing.join(', ')}`, { field: 'body.procedureCodes' });
    await repo.replaceGroupProcedures(
      trx,
      groupId,
      found.map((f) => f.id),
    );
    return unique;
  }

  /** Adds a counter to a point (manager or admin). */
  async createCounter(actor: Actor, unitId: number, input: { number: number; nameVi?: string; nameEn?: string }) {
    requireRole(actor, 'manager', 'admin');
    const unit = await this.ctx.pointInScope(actor, unitId);
    return this.ctx.db.transaction().execute(async (trx) => {
      const c = await repo.insertCounter(trx, {
        unit_id: unit.id,
        number: input.number,
        name_vi: input.nameVi ?? `Quầy ${input.number}`,
        name_en: input.nameEn ?? `Counter ${input.number}`,
      });
      if (!c) throw new DomainError('CONFLICT', `Service point ${unit.id} already has counter ${input.number}`, { field: 'body.number' });
      await this.ctx.audit(trx, actor, unit.id, 'queue.counter.create', 'queue_counter', c.id, { number: c.number });
      return presentCounter(c);
    });
  }

  /** Which groups a clerk serves, with weights 1–10 (manager or admin, for clerks of a point in scope). */
  async setClerkGroups(actor: Actor, staffId: number, groups: { groupId: number; weight: number }[]) {
    requireRole(actor, 'manager', 'admin');
    const staff = await repo.staffById(this.ctx.db, staffId);
    if (!staff || !inScope(actor, staff.unit_id) || !['clerk', 'manager'].includes(staff.role)) throw notFound(`Clerk ${staffId}`);
    const seen = new Set<number>();
    for (const [i, r] of groups.entries()) {
      if (seen.has(r.groupId))
        throw new DomainError('VALIDATION', `Group ${r.groupId} is listed twice`, { field: `body.groups.${i}.groupId` });
      seen.add(r.groupId);
      const g = await repo.groupById(this.ctx.db, r.groupId);
      if (!g || g.unit_id !== staff.unit_id)
        throw new DomainError('VALIDATION', `Group ${r.groupId} is not a group of the clerk's service point`, {
          field: `body.groups.${i}.groupId`,
        });
    }
    await this.ctx.db.transaction().execute(async (trx) => {
      await repo.replaceClerkGroups(trx, staffId, groups);
      await this.ctx.audit(trx, actor, staff.unit_id, 'queue.clerk_groups.set', 'staff', staffId, { groups });
    });
    return { staffId, groups };
  }
}
