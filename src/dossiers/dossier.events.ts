import type { Kysely } from 'kysely';
import type { DB, Dossier } from '../platform/db.types.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import type { Actor } from '../auth/auth.model.js';
import * as repo from './dossier.repository.js';

/** Who caused an event: a staff member, the citizen (online), or the system (a job; at the unit it names, if any). */
export type Who = { kind: 'staff'; actor: Actor } | { kind: 'citizen' } | { kind: 'system'; unitId?: number | null };

/**
 * Writes a dossier's event and the audit entry that covers it (one statement), in the caller's transaction. The
 * event's seq is `d.event_seq`: the update that led to it took that number (updateIfVersion, flagLate).
 */
export async function writeEvent(
  trx: Kysely<DB>,
  key: AuditKey,
  d: Dossier,
  action: string,
  from: string | null,
  who: Who,
  at: Date,
  note: string | null,
  data: Record<string, unknown> | null,
) {
  const actorId = who.kind === 'staff' ? who.actor.staffId : null;
  const unitId = who.kind === 'staff' ? who.actor.unitId : who.kind === 'system' && who.unitId ? who.unitId : d.receiving_unit_id;
  await repo.insertEventWithAudit(
    trx,
    key,
    {
      dossier_id: d.id,
      province_code: d.province_code,
      seq: d.event_seq,
      action,
      from_status: from,
      to_status: d.status,
      actor_kind: who.kind,
      actor_id: actorId,
      unit_id: unitId,
      at,
      note,
      data: data ? JSON.stringify(data) : null,
    },
    {
      entry: {
        actorKind: who.kind,
        actorId,
        stream: `unit:${unitId}`,
        action: `dossier.${action}`,
        entityType: 'dossier',
        entityId: d.code,
        data: { version: d.version, status: d.status },
      },
      at,
    },
  );
}
