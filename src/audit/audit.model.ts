import type { Selectable } from 'kysely';
import type { AuditLogTable } from '../platform/db.types.js';
import { sha256Hex } from '../platform/ids.js';

/** The hash before the first entry of every stream. */
export const GENESIS_HASH = '0'.repeat(64);

/** What an audit entry records; the payload text is what the hash covers. */
export interface AuditEntry {
  actorKind: 'staff' | 'citizen' | 'system';
  actorId: number | null;
  /** Chains are kept per stream (the actor's unit) so writes in different units never wait on each other. */
  stream: string;
  action: string;
  entityType: string;
  entityId: string | null;
  data?: Record<string, unknown>;
}

/** Canonical payload text of an entry: the exact string hashed and stored. */
export function auditPayload(entry: AuditEntry, at: Date): string {
  return JSON.stringify({
    at: at.toISOString(),
    actorKind: entry.actorKind,
    actorId: entry.actorId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    data: entry.data ?? null,
  });
}

/** Hash of one link: covers the previous hash, the stream, the position and the payload. */
export function chainHash(prevHash: string, stream: string, seq: number, payload: string): string {
  return sha256Hex(`${prevHash}\n${stream}\n${seq}\n${payload}`);
}

/** An audit row as stored. */
export type StoredAuditRow = Selectable<AuditLogTable>;

export interface AuditProblem {
  stream: string;
  seq: number;
  reason: string;
}

/** Checks one row against its predecessor: the hash, the link, and that the columns say what the payload says. */
export function checkRow(row: StoredAuditRow, expectedSeq: number, expectedPrev: string): AuditProblem | null {
  const fail = (reason: string): AuditProblem => ({ stream: row.stream, seq: row.seq, reason });
  if (row.seq !== expectedSeq) return fail(`sequence gap: expected ${expectedSeq}`);
  if (row.prev_hash !== expectedPrev) return fail('link broken: prev_hash differs from the previous entry');
  if (chainHash(row.prev_hash, row.stream, row.seq, row.payload) !== row.hash) return fail('hash mismatch: entry altered');
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(row.payload) as Record<string, unknown>;
  } catch {
    return fail('payload is not JSON');
  }
  if (
    p.at !== row.at.toISOString() ||
    p.actorKind !== row.actor_kind ||
    p.actorId !== row.actor_id ||
    p.action !== row.action ||
    p.entityType !== row.entity_type ||
    p.entityId !== row.entity_id
  ) {
    return fail('columns differ from the hashed payload');
  }
  return null;
}
