import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import type { AuditEntry, AuditEventRef, AuditKey } from '../platform/audit-chain.model.js';
import { appendAudit, appendAuditBatch } from '../platform/audit-chain.repository.js';
import { checkEvent, checkpointLine, checkRow, GENESIS_HASH, readCheckpointLine, type AuditProblem } from './audit.model.js';
import { countEvents, dossierEntryPayloads, eventsAfter, eventsByKey, listHeads, logStreams, rowsAfter } from './audit.repository.js';
import { appendCheckpointLine, checkpointLines } from './checkpoint.store.js';

/** Who an entry is by, and its stream, for a staff member acting in their unit (spread into the entry). */
export function byStaff(actor: { staffId: number; unitId: number }): Pick<AuditEntry, 'actorKind' | 'actorId' | 'stream'> {
  return { actorKind: 'staff', actorId: actor.staffId, stream: `unit:${actor.unitId}` };
}

/** Who an entry is by, and its stream, for the system's own work (a job, housekeeping) in `stream`. */
export function bySystem(stream: string): Pick<AuditEntry, 'actorKind' | 'actorId' | 'stream'> {
  return { actorKind: 'system', actorId: null, stream };
}

/** Records an audit entry inside the caller's transaction. */
export async function recordAudit(trx: Kysely<DB>, key: AuditKey, entry: AuditEntry, at: Date): Promise<void> {
  await appendAudit(trx, key, entry, at);
}

/** Records several entries of one stream inside the caller's transaction, in three statements whatever their number. */
export async function recordAudits(trx: Kysely<DB>, key: AuditKey, entries: readonly AuditEntry[], at: Date): Promise<void> {
  await appendAuditBatch(trx, key, entries, at);
}

export interface AuditVerification {
  ok: boolean;
  streams: number;
  entries: number;
  /** Rows of dossier_events. */
  events: number;
  /** Checkpoint lines read. */
  checkpoints: number;
  /** Every problem found, unless the caller took them one by one (onProblem with keepProblems false). */
  problems: AuditProblem[];
  problemCount: number;
}

export interface VerifyOptions {
  /** The checkpoints file (checkpointFile(dataDir)); without it only what the database holds is compared. */
  checkpoints?: string | null;
  /** Told each problem as it is found (the CLI prints them as they come). */
  onProblem?: (p: AuditProblem) => void;
  /** Keep the problems in the result (default true; false for a run that may find millions). */
  keepProblems?: boolean;
  /** Rows read per query (keyset batches). */
  batchSize?: number;
}

const eventKey = (dossierId: number, seq: number) => `${dossierId}:${seq}`;

/**
 * Walks every chain from genesis to its head and reports every break: each entry altered or rehashed without the
 * key, each gap, each broken link, each head that is not its chain's end, each dossier event that was altered,
 * removed or added without its entry, and each stream shorter than (or different from) its last checkpoint outside
 * the database. Reads in keyset batches, so memory stays flat whatever the number of entries.
 */
export async function verifyAudit(db: Kysely<DB>, key: AuditKey, opts: VerifyOptions = {}): Promise<AuditVerification> {
  const batch = opts.batchSize ?? 5000;
  const keep = opts.keepProblems ?? true;
  const problems: AuditProblem[] = [];
  let problemCount = 0;
  const report = (p: AuditProblem) => {
    problemCount++;
    if (keep) problems.push(p);
    opts.onProblem?.(p);
  };

  // The last checkpointed head of each stream (a later line never records a shorter chain: heads only grow).
  const pinned = new Map<string, { seq: number; hash: string; at: string }>();
  let checkpoints = 0;
  if (opts.checkpoints) {
    for await (const { n, line } of checkpointLines(opts.checkpoints)) {
      checkpoints++;
      const c = readCheckpointLine(key, line);
      if ('problem' in c) {
        report({ stream: 'checkpoints', seq: n, reason: `checkpoint line ${n}: ${c.problem}` });
        continue;
      }
      for (const h of c.heads) {
        const cur = pinned.get(h.stream);
        if (cur && cur.seq === h.seq && cur.hash !== h.hash)
          report({ stream: h.stream, seq: h.seq, reason: `checkpoints of ${cur.at} and ${c.at} record different entries at ${h.seq}` });
        if (!cur || h.seq > cur.seq) pinned.set(h.stream, { seq: h.seq, hash: h.hash, at: c.at });
      }
    }
  }

  const heads = new Map((await listHeads(db)).map((h) => [h.stream, h]));
  const streams = [...new Set([...heads.keys(), ...(await logStreams(db))])].sort();
  let entries = 0;
  // Entries whose event row exists (its digest checked): with one entry per event, these are the events covered.
  let referenced = 0;
  for (const stream of streams) {
    const pin = pinned.get(stream);
    let prev = GENESIS_HASH;
    let seq = 0;
    for (;;) {
      const rows = await rowsAfter(db, stream, seq, batch);
      const refs: { ref: AuditEventRef; seq: number }[] = [];
      for (const row of rows) {
        entries++;
        const checked = checkRow(key, row, seq + 1, prev);
        for (const p of checked.problems) report(p);
        if (pin && row.seq === pin.seq && row.hash !== pin.hash)
          report({ stream, seq: row.seq, reason: `differs from the checkpoint of ${pin.at}: this entry or one before it was rewritten` });
        if (checked.event) refs.push({ ref: checked.event, seq: row.seq });
        prev = row.hash;
        seq = row.seq;
      }
      const found = await eventsByKey(
        db,
        refs.map((r) => r.ref),
      );
      const byKey = new Map(found.map((e) => [eventKey(e.dossier_id, e.seq), e]));
      for (const { ref, seq: entrySeq } of refs) {
        const row = byKey.get(eventKey(ref.dossierId, ref.seq));
        if (row) referenced++;
        const reason = checkEvent(ref, row);
        if (reason) report({ stream, seq: entrySeq, reason, dossierId: ref.dossierId });
      }
      if (rows.length < batch) break;
    }
    const head = heads.get(stream);
    if (!head) report({ stream, seq, reason: 'stream has entries but no head' });
    else if (head.seq !== seq)
      report({ stream, seq, reason: `chain ends at ${seq} but its head says ${head.seq}: entries removed or the head altered` });
    else if (head.hash !== prev) report({ stream, seq, reason: "head's hash differs from its last entry's" });
    if (pin && pin.seq > seq)
      report({ stream, seq: pin.seq, reason: `chain ends at ${seq} but the checkpoint of ${pin.at} recorded ${pin.seq}: entries removed` });
  }
  const known = new Set(streams);
  for (const [stream, pin] of [...pinned].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!known.has(stream))
      report({ stream, seq: pin.seq, reason: `stream missing: the checkpoint of ${pin.at} recorded ${pin.seq} entries` });
  }

  // Every event has one entry, and no two entries name one event (each is written in the statement that inserts its
  // event, whose key is unique). So when the events that entries reach are all the events, none lacks its entry;
  // otherwise find the ones that do, through the entries of their dossiers.
  const events = await countEvents(db);
  if (events !== referenced) {
    let after = { dossierId: 0, seq: 0 };
    for (;;) {
      const rows = await eventsAfter(db, after, batch);
      const codes = [...new Set(rows.map((r) => r.code).filter((c): c is string => c !== null))];
      const covered = new Set<string>();
      for (const payload of await dossierEntryPayloads(db, codes)) {
        try {
          const e = (JSON.parse(payload) as { event?: { dossierId?: unknown; seq?: unknown } }).event;
          if (e && typeof e.dossierId === 'number' && typeof e.seq === 'number') covered.add(eventKey(e.dossierId, e.seq));
        } catch {
          // An entry that is not JSON was reported by the walk above.
        }
      }
      for (const r of rows) {
        if (!covered.has(eventKey(r.dossier_id, r.seq)))
          report({
            stream: 'dossier_events',
            seq: r.seq,
            dossierId: r.dossier_id,
            reason: `dossier event ${r.dossier_id}#${r.seq} has no audit entry`,
          });
      }
      if (rows.length < batch) break;
      const last = rows[rows.length - 1]!;
      after = { dossierId: last.dossier_id, seq: last.seq };
    }
  }
  return { ok: problemCount === 0, streams: streams.length, entries, events, checkpoints, problems, problemCount };
}

/**
 * Writes the chain heads to the checkpoints file outside the database: every head the first time, then those that
 * moved since this writer's last line. A later TRUNCATE of the audit tables, or a chain rewritten and rehashed even
 * with the key, then disagrees with a line the database owner cannot forge.
 */
export class AuditCheckpointer {
  private last: Map<string, number> | null = null;

  constructor(private readonly deps: { db: Kysely<DB>; key: AuditKey; file: string; clock: () => Date }) {}

  async checkpoint(): Promise<{ written: boolean; streams: number }> {
    const heads = await listHeads(this.deps.db);
    const moved = this.last ? heads.filter((h) => this.last!.get(h.stream) !== h.seq) : heads;
    if (moved.length === 0) return { written: false, streams: 0 };
    await appendCheckpointLine(this.deps.file, checkpointLine(this.deps.key, this.deps.clock(), moved));
    this.last ??= new Map();
    for (const h of moved) this.last.set(h.stream, h.seq);
    return { written: true, streams: moved.length };
  }
}
