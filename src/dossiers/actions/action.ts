import type { Kysely } from 'kysely';
import type { DB, Dossier, DossierUpdate, Unit } from '../../platform/db.types.js';
import { DomainError } from '../../platform/errors.js';
import type { Actor } from '../../auth/auth.model.js';
import type { ProcedureVersion } from '../../catalog/catalog.service.js';
import type { OrgService } from '../../org/org.service.js';
import type { WorkingCalendar } from '../../calendar/calendar.model.js';
import { timeliness, type ProcessingStep } from '../dossier.model.js';
import type { TransitionInput } from '../dossier.schema.js';
import * as repo from '../dossier.repository.js';
import type { NewMessage } from '../../notifications/notification.service.js';

/** What an action is given: the dossier as its sender saw it (version already checked), who acts, when, and the rules in force. */
export interface ActionContext {
  dossier: Dossier;
  actor: Actor;
  input: TransitionInput;
  now: Date;
  /** The working calendar of the receiving point (the legal clock). */
  calendar: WorkingCalendar;
  /** The procedure version the dossier was received under. */
  version: ProcedureVersion;
  /** Its processing steps (process, approve), in order. */
  steps: ProcessingStep[];
  /** For reads before the transaction (the writes go in `effects`). */
  db: Kysely<DB>;
  org: OrgService;
  /** The notification outbox (SMS), in the action's transaction; absent: no message is sent. */
  notify?: (trx: Kysely<DB>, messages: NewMessage[]) => Promise<void>;
  /** The portal's public address, for the links in messages. */
  publicUrl: string;
}

/** A write of the action's own, run in its transaction after the dossier row is updated. */
export type Effect = (trx: Kysely<DB>, updated: Dossier) => Promise<void>;

/** What an action changes besides the status: the shared frame applies it, records the event and the audit entry. */
export interface ActionPlan {
  patch?: DossierUpdate;
  /** Data of the event (the new due date, the step forwarded to, ...). */
  eventData?: Record<string, unknown>;
  effects?: Effect[];
}

/** One action of the state machine: checks its own rules (the frame has checked status, role and unit) and plans its writes. */
export type ActionHandler = (ctx: ActionContext) => Promise<ActionPlan> | ActionPlan;

/** Closes the open hand-over row (the step in progress) with its outcome: early, on time or late. */
export function closeOpenStep(ctx: ActionContext): Effect {
  return (trx) => repo.completeOpenStep(trx, ctx.dossier.id, ctx.now, ctx.actor.staffId, (due) => (due ? timeliness(ctx.now, due) : null));
}

/** Opens the next hand-over row (process control) to a unit. */
export function openStep(
  ctx: ActionContext,
  row: { role: string; fromUnitId: number | null; toUnitId: number; dueAt: Date | null },
): Effect {
  return async (trx) =>
    repo.insertStep(trx, {
      dossier_id: ctx.dossier.id,
      seq: (await repo.stepsOf(trx, ctx.dossier.id)).length + 1,
      role: row.role,
      from_unit_id: row.fromUnitId,
      to_unit_id: row.toUnitId,
      handed_by: ctx.actor.staffId,
      handed_at: ctx.now,
      due_at: row.dueAt,
    });
}

/** The unit working a step: the competent agency, or the agency an inter-agency step names. */
export async function agencyOf(org: OrgService, stepAgency: string, competentId: number): Promise<Unit> {
  if (stepAgency === 'competent') return org.unit(competentId);
  const u = await org.unitByKey(stepAgency);
  if (!u) throw new DomainError('INTERNAL', `Agency ${stepAgency} of an inter-agency step is missing`);
  return u;
}
