import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import { auditPayload, checkRow, GENESIS_HASH, type AuditEntry, type AuditProblem } from './audit.model.js';
import { appendAudit, listHeads, rowsAfter, streamsWithoutHead } from './audit.repository.js';

/** Records an audit entry inside the caller's transaction. */
export async function recordAudit(trx: Kysely<DB>, entry: AuditEntry, at: Date): Promise<void> {
  await appendAudit(trx, entry, at, auditPayload(entry, at));
}

export interface AuditVerification {
  ok: boolean;
  streams: number;
  entries: number;
  problems: AuditProblem[];
}

/** Walks every chain from genesis to its head and reports each break. */
export async function verifyAudit(db: Kysely<DB>): Promise<AuditVerification> {
  const problems: AuditProblem[] = [];
  let entries = 0;
  const heads = await listHeads(db);
  for (const head of heads) {
    let prev = GENESIS_HASH;
    let seq = 0;
    let broken = false;
    for (;;) {
      const batch = await rowsAfter(db, head.stream, seq, 5000);
      for (const row of batch) {
        entries++;
        const problem = checkRow(row, seq + 1, prev);
        if (problem && !broken) {
          problems.push(problem);
          broken = true;
        }
        prev = row.hash;
        seq = row.seq;
      }
      if (batch.length < 5000) break;
    }
    if (seq !== head.seq || prev !== head.hash) {
      problems.push({
        stream: head.stream,
        seq,
        reason: `chain ends at ${seq} but its head says ${head.seq}: entries removed or head altered`,
      });
    }
  }
  for (const stream of await streamsWithoutHead(db)) {
    problems.push({ stream, seq: 0, reason: 'stream has entries but no head' });
  }
  return { ok: problems.length === 0, streams: heads.length, entries, problems };
}
