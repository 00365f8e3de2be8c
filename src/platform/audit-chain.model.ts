import { createHash, createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

/** The hash before the first entry of every stream. */
export const GENESIS_HASH = '0'.repeat(64);

/** SHA-256's block size: a key up to this long is zero-padded, which keeps HMAC computable from two fixed pads. */
const BLOCK = 64;

/**
 * The secret that keys every link of the audit chain (HMAC-SHA256) and every checkpoint line. It is kept outside the
 * database (MOTCUA_AUDIT_KEY or <dataDir>/secrets/audit-hmac.key), so whoever owns the tables can rewrite rows but
 * cannot compute the hashes that make them verify. The bytes never appear in a log or a JSON dump of a deps object.
 */
export class AuditKey {
  readonly #key: Buffer;
  readonly #inner: Buffer;
  readonly #outer: Buffer;

  constructor(bytes: Uint8Array) {
    if (bytes.length < 32 || bytes.length > BLOCK) throw new Error(`an audit key has 32 to ${BLOCK} bytes (got ${bytes.length})`);
    this.#key = Buffer.from(bytes);
    const padded = Buffer.alloc(BLOCK);
    this.#key.copy(padded);
    this.#inner = Buffer.from(padded.map((b) => b ^ 0x36));
    this.#outer = Buffer.from(padded.map((b) => b ^ 0x5c));
  }

  /** A new key of 32 random bytes. */
  static generate(): AuditKey {
    return new AuditKey(randomBytes(32));
  }

  /** The key from its hex text (64 to 128 hex digits); null when the text is not one. */
  static fromHex(text: string): AuditKey | null {
    const hex = text.trim();
    if (!/^([0-9a-fA-F]{2}){32,64}$/.test(hex)) return null;
    return new AuditKey(Buffer.from(hex, 'hex'));
  }

  /** The hex text stored in the key file. */
  toHex(): string {
    return this.#key.toString('hex');
  }

  /** HMAC-SHA256 of a UTF-8 text, in hex. */
  mac(text: string): string {
    return createHmac('sha256', this.#key).update(text, 'utf8').digest('hex');
  }

  /**
   * (K ⊕ ipad, K ⊕ opad), from which SQL computes the same HMAC as sha256(outer ‖ sha256(inner ‖ m)). They are
   * as secret as the key: they go to the database only as parameters of the statement that appends.
   */
  pads(): [inner: Buffer, outer: Buffer] {
    return [this.#inner, this.#outer];
  }

  /** A short public name of the key (not the key): checkpoints carry it, so a verification with another key says so. */
  get id(): string {
    return this.mac('motcua audit key id').slice(0, 16);
  }

  toJSON(): string {
    return '[audit key]';
  }

  [inspect.custom](): string {
    return `AuditKey(${this.id})`;
  }
}

/** The event an audit entry covers: its dossier, its position, and a digest of every column of its row. */
export interface AuditEventRef {
  dossierId: number;
  seq: number;
  digest: string;
}

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
  /** The dossier event this entry covers (written in the same statement as the event row). */
  event?: AuditEventRef;
}

/** Canonical payload text of an entry: the exact string hashed and stored. */
export function auditPayload(entry: AuditEntry, at: Date): string {
  const body: Record<string, unknown> = {
    at: at.toISOString(),
    actorKind: entry.actorKind,
    actorId: entry.actorId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    data: entry.data ?? null,
  };
  if (entry.event) body.event = { dossierId: entry.event.dossierId, seq: entry.event.seq, digest: entry.event.digest };
  return JSON.stringify(body);
}

/** The text one link's HMAC covers: the previous hash, the stream, the position and the payload. */
export function chainMessage(prevHash: string, stream: string, seq: number, payload: string): string {
  return `${prevHash}\n${stream}\n${seq}\n${payload}`;
}

/** Hash of one link: HMAC-SHA256 under the audit key of chainMessage (SQL computes the same in audit-chain.repository.ts). */
export function chainHash(key: AuditKey, prevHash: string, stream: string, seq: number, payload: string): string {
  return key.mac(chainMessage(prevHash, stream, seq, payload));
}

/** A dossier event row as its digest reads it: `at` as ISO 8601 with microseconds, `data` as PostgreSQL's jsonb text. */
export interface EventDigestRow {
  dossier_id: number;
  seq: number;
  province_code: string;
  action: string;
  from_status: string | null;
  to_status: string;
  actor_kind: string;
  actor_id: number | null;
  unit_id: number | null;
  /** to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') */
  at: string;
  note: string | null;
  /** data::text (jsonb's own canonical text), or null */
  data: string | null;
}

/** The canonical text of an event row (a JSON array in column order); eventDigestSql builds the same text in SQL. */
export function eventCanonical(e: EventDigestRow): string {
  return JSON.stringify([
    e.dossier_id,
    e.seq,
    e.province_code,
    e.action,
    e.from_status,
    e.to_status,
    e.actor_kind,
    e.actor_id,
    e.unit_id,
    e.at,
    e.note,
    e.data,
  ]);
}

/** SHA-256 (hex) of the event's canonical text: what the audit entry of the event carries. */
export function eventDigest(e: EventDigestRow): string {
  return createHash('sha256').update(eventCanonical(e), 'utf8').digest('hex');
}
