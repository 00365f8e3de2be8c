import type { Selectable } from 'kysely';
import type { AuditLogTable } from '../platform/db.types.js';
import { chainHash, eventDigest, type AuditEventRef, type AuditKey, type EventDigestRow } from '../platform/audit-chain.model.js';

// The writer's half (payload, HMAC, the append) is in platform/: every feature appends. This is the verifier's half.
export { GENESIS_HASH, type AuditEntry } from '../platform/audit-chain.model.js';

/** An audit row as stored. */
export type StoredAuditRow = Selectable<AuditLogTable>;

/**
 * One break found by verification. `stream` and `seq` name the audit entry (or, for a dossier event no entry covers,
 * the pseudo-stream `dossier_events` and the event's seq; for a bad checkpoint line, `checkpoints` and the line).
 */
export interface AuditProblem {
  stream: string;
  seq: number;
  reason: string;
  /** The dossier of the event concerned, when the problem is about a dossier event. */
  dossierId?: number;
}

/** An audit row parsed and checked: its problems, and the dossier event it covers when its payload names one. */
export interface CheckedRow {
  problems: AuditProblem[];
  event: AuditEventRef | null;
}

/**
 * Checks one row against the one before it in its stream (expectedSeq, expectedPrev are what that row implies):
 * the position, the link, the HMAC, and that the columns say what the hashed payload says. Every problem of the row
 * is reported, and a row after a gap is still checked on its own (its hash and columns), so one removal is one problem.
 */
export function checkRow(key: AuditKey, row: StoredAuditRow, expectedSeq: number, expectedPrev: string): CheckedRow {
  const problems: AuditProblem[] = [];
  const fail = (reason: string) => problems.push({ stream: row.stream, seq: row.seq, reason });
  if (row.seq !== expectedSeq) {
    fail(row.seq > expectedSeq ? `sequence gap: entries ${expectedSeq} to ${row.seq - 1} are missing` : `sequence repeats ${row.seq}`);
  } else if (row.prev_hash !== expectedPrev) {
    fail('link broken: prev_hash differs from the hash of the previous entry');
  }
  if (chainHash(key, row.prev_hash, row.stream, row.seq, row.payload) !== row.hash) {
    fail('hash mismatch: the entry was altered or rehashed without the audit key');
  }
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(row.payload) as Record<string, unknown>;
  } catch {
    fail('payload is not JSON');
    return { problems, event: null };
  }
  if (
    p.at !== row.at.toISOString() ||
    p.actorKind !== row.actor_kind ||
    p.actorId !== row.actor_id ||
    p.action !== row.action ||
    p.entityType !== row.entity_type ||
    p.entityId !== row.entity_id
  ) {
    fail('columns differ from the hashed payload');
  }
  return { problems, event: eventRefOf(p) };
}

function eventRefOf(p: Record<string, unknown>): AuditEventRef | null {
  const e = p.event as Record<string, unknown> | undefined;
  if (!e || typeof e !== 'object') return null;
  const { dossierId, seq, digest } = e;
  if (!Number.isSafeInteger(dossierId) || !Number.isSafeInteger(seq) || typeof digest !== 'string') return null;
  return { dossierId: dossierId as number, seq: seq as number, digest };
}

/** Compares a dossier event row with the digest its audit entry carries; the reason when they differ. */
export function checkEvent(ref: AuditEventRef, row: EventDigestRow | undefined): string | null {
  if (!row) return `dossier event ${ref.dossierId}#${ref.seq} is missing: removed from dossier_events`;
  if (eventDigest(row) !== ref.digest) return `dossier event ${ref.dossierId}#${ref.seq} was altered: its row differs from the digest`;
  return null;
}

// ---------- checkpoints ----------

/** The head of one stream as a checkpoint records it. */
export interface CheckpointHead {
  stream: string;
  seq: number;
  hash: string;
}

export interface Checkpoint {
  at: string;
  keyId: string;
  heads: CheckpointHead[];
}

/** Domain separation: a checkpoint's MAC can never be taken for a chain link's (those start with a hash). */
const CHECKPOINT_CONTEXT = 'motcua audit checkpoint\n';
const MAC_TAIL = /,"mac":"([0-9a-f]{64})"\}$/;

/** One line of checkpoints.jsonl: the heads at an instant, with the key's public id, HMAC'd under the audit key. */
export function checkpointLine(key: AuditKey, at: Date, heads: CheckpointHead[]): string {
  const body = JSON.stringify({ v: 1, at: at.toISOString(), key: key.id, heads: heads.map((h) => [h.stream, h.seq, h.hash]) });
  return `${body.slice(0, -1)},"mac":"${key.mac(CHECKPOINT_CONTEXT + body)}"}`;
}

/** Reads one checkpoint line: its heads, or why it cannot be trusted. */
export function readCheckpointLine(key: AuditKey, line: string): Checkpoint | { problem: string } {
  const m = MAC_TAIL.exec(line);
  if (!m) return { problem: 'not a checkpoint line (no MAC)' };
  const body = `${line.slice(0, m.index)}}`;
  let doc: { v?: unknown; at?: unknown; key?: unknown; heads?: unknown };
  try {
    doc = JSON.parse(body) as typeof doc;
  } catch {
    return { problem: 'not a checkpoint line (not JSON)' };
  }
  if (key.mac(CHECKPOINT_CONTEXT + body) !== m[1]) {
    return {
      problem:
        typeof doc.key === 'string' && doc.key !== key.id
          ? `written with another audit key (${doc.key}; this key is ${key.id}): nothing it says can be checked`
          : 'MAC mismatch: the line was altered',
    };
  }
  const heads = Array.isArray(doc.heads) ? doc.heads : null;
  const ok =
    doc.v === 1 &&
    typeof doc.at === 'string' &&
    heads?.every((h) => Array.isArray(h) && typeof h[0] === 'string' && Number.isSafeInteger(h[1]) && typeof h[2] === 'string');
  if (!ok) return { problem: 'not a checkpoint line (unknown shape)' };
  return {
    at: doc.at as string,
    keyId: doc.key as string,
    heads: (heads as [string, number, string][]).map(([stream, seq, hash]) => ({ stream, seq, hash })),
  };
}
