import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import type { BlobStore } from '../platform/blob-store.js';
import { DomainError } from '../platform/errors.js';
import { sha256Hex } from '../platform/ids.js';
import { recordAudit } from '../audit/audit.service.js';
import type { OrgService } from '../org/org.service.js';
import { SERVICE_POINT_KINDS } from '../org/org.service.js';
import { inspectFile } from '../files/file-content.js';
import { TOKEN_LENGTH, trackingToken } from '../tracking/tracking.model.js';
import type { WorkingCalendar } from '../calendar/calendar.model.js';
import {
  MAX_LINE_BYTES,
  parseHistoryHeader,
  parseHistoryLine,
  type HistoryContext,
  type HistoryVersion,
  type ImportedDossier,
  type LineProblem,
} from './history.model.js';
import { fileDigest, readLines, type FileLine } from './history.reader.js';
import * as repo from './history.repository.js';

export interface HistoryDeps {
  db: Kysely<DB>;
  clock: () => Date;
  auditKey: AuditKey;
  blobs: BlobStore;
  org: OrgService;
}

export interface ImportOptions {
  /** Store the valid lines and report the invalid ones; by default the whole file is checked first and nothing is stored if a line is bad. */
  skipInvalid?: boolean;
  /** Dossiers per transaction (default 500). */
  batchSize?: number;
  /** Told the phase, the bytes read so far and the file's size. */
  onProgress?: (phase: 'validate' | 'import', bytes: number, total: number) => void;
  /** Told each bad line as it is found. */
  onProblem?: (p: LineProblem) => void;
}

export interface ImportSummary {
  file: string;
  /** Lines read in this run (the header included), and the line it resumed after (0: from the start). */
  lines: number;
  resumedAfterLine: number;
  imported: number;
  skippedExisting: number;
  conflicts: number;
  invalid: number;
  /** Nothing was stored: a line was invalid and skipInvalid was not given. */
  aborted: boolean;
  /** The file had been imported completely before: nothing was read. */
  alreadyImported: boolean;
  /** The first 100 problems (every one went to onProblem). */
  problems: LineProblem[];
  seconds: number;
}

const KEEP_PROBLEMS = 100;

/**
 * `motcua import-history`: dossiers with their whole history from a motcua.history/1 file (docs/HISTORY-FORMAT.md),
 * each line validated and derived by the model as the live use cases would have written it, stored in batches of one
 * transaction each; idempotent by dossier code (the same line again is skipped, other content under an existing code
 * is a conflict) and resumable (the file's progress is recorded by its SHA-256 with each batch). Its rows take their
 * transactions' ids, so the KPI worker counts them as it counts live ones: callers run its catch-up after an import.
 */
export class HistoryService {
  constructor(private readonly deps: HistoryDeps) {}

  /** What the model looks up: units, communes, procedure versions, staff and the service points' calendars. */
  private async context(): Promise<HistoryContext> {
    const { org, db } = this.deps;
    const units = await org.listUnits();
    const byKey = new Map(units.map((u) => [u.key, u]));
    const byId = new Map(units.map((u) => [u.id, u]));
    const communes = new Map((await org.listCommunes()).map((c) => [c.code, c]));
    const versions = new Map<string, HistoryVersion[]>();
    for (const v of await repo.allVersions(db)) versions.set(v.code, [...(versions.get(v.code) ?? []), v]);
    const staff = new Map((await repo.allStaff(db)).map((s) => [s.username, { id: s.id, unitId: s.unit_id }]));
    const calendars = new Map<number, WorkingCalendar>();
    for (const u of units) if ((SERVICE_POINT_KINDS as readonly string[]).includes(u.kind)) calendars.set(u.id, await org.calendarOf(u.id));
    return {
      versions: (code) => versions.get(code) ?? [],
      unitByKey: (key) => byKey.get(key),
      unit: (id) => byId.get(id),
      commune: (code) => communes.get(code),
      staff: (username) => staff.get(username),
      calendarOf: (id) => calendars.get(id)!,
      now: this.deps.clock(),
    };
  }

  async importFile(file: string, opts: ImportOptions = {}): Promise<ImportSummary> {
    const started = Date.now();
    const batchSize = opts.batchSize ?? 500;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000)
      throw new DomainError('VALIDATION', 'The batch size is a whole number from 1 to 5000', { field: 'batchSize' });
    const { sha256, size } = await fileDigest(file);
    const ctx = await this.context();
    const imp = await repo.importOf(this.deps.db, sha256, this.deps.clock());
    const summary: ImportSummary = {
      file: sha256,
      lines: 0,
      resumedAfterLine: imp.lines_done,
      imported: 0,
      skippedExisting: 0,
      conflicts: 0,
      invalid: 0,
      aborted: false,
      alreadyImported: imp.finished_at !== null,
      problems: [],
      seconds: 0,
    };
    const done = () => ({ ...summary, seconds: Math.round((Date.now() - started) / 100) / 10 });
    if (imp.finished_at) {
      summary.skippedExisting = imp.imported + imp.skipped;
      return done();
    }
    const from = { byte: Number(imp.bytes_done), line: imp.lines_done };
    // Result files judged good (by the SHA-256 of their bytes), and those stored: each is judged once a pass.
    const checked = new Set<string>();
    const stored = new Map<string, repo.BatchDossier['resultBlob']>();
    const problem = (p: LineProblem, kind: 'invalid' | 'conflict' = 'invalid') => {
      if (kind === 'invalid') summary.invalid += 1;
      if (summary.problems.length < KEEP_PROBLEMS) summary.problems.push(p);
      opts.onProblem?.(p);
    };

    if (!opts.skipInvalid) {
      // The whole file first: nothing is stored unless every line is good.
      const seen = new Map<string, number>();
      let pending: { d: ImportedDossier; line: number }[] = [];
      const checkExisting = async () => {
        const existing = await repo.existingCodes(
          this.deps.db,
          pending.map((p) => p.d.code),
        );
        for (const p of pending) {
          const conflict = conflictOf(p.d, existing, p.line);
          if (conflict) {
            summary.conflicts += 1;
            problem(conflict, 'conflict');
          }
        }
        pending = [];
      };
      for await (const l of readLines(file, from, MAX_LINE_BYTES)) {
        opts.onProgress?.('validate', l.end, size);
        const r = await this.readLine(l, ctx, seen, from.line, checked);
        if (r === null) continue;
        if ('problem' in r) problem(r.problem);
        else {
          pending.push({ d: r.dossier, line: l.line });
          if (pending.length >= batchSize) await checkExisting();
        }
      }
      await checkExisting();
      if (summary.invalid > 0 || summary.conflicts > 0) return { ...done(), aborted: true };
    }

    const seen = new Map<string, number>();
    let batch: { d: ImportedDossier; line: number }[] = [];
    let invalidInBatch = 0;
    let last: FileLine | null = null;
    const flush = async (finished: boolean) => {
      if (!last) return;
      const r = await this.writeBatch({ id: imp.id, file: sha256 }, batch, { line: last.line, byte: last.end }, invalidInBatch, finished, {
        problem,
        stored,
      });
      summary.imported += r.imported;
      summary.skippedExisting += r.skipped;
      summary.conflicts += r.conflicts;
      batch = [];
      invalidInBatch = 0;
    };
    for await (const l of readLines(file, from, MAX_LINE_BYTES)) {
      opts.onProgress?.('import', l.end, size);
      summary.lines += 1;
      last = l;
      const r = await this.readLine(l, ctx, seen, from.line, checked);
      if (r === null) continue;
      if ('problem' in r) {
        problem(r.problem);
        invalidInBatch += 1;
        continue;
      }
      batch.push({ d: r.dossier, line: l.line });
      if (batch.length >= batchSize) await flush(false);
    }
    await flush(true);
    return done();
  }

  /** A line read: null for the header or a blank line, else its dossier or its problem (a code given twice is one). */
  private async readLine(
    l: FileLine,
    ctx: HistoryContext,
    seen: Map<string, number>,
    resumedAfter: number,
    checked: Set<string>,
  ): Promise<{ dossier: ImportedDossier } | { problem: LineProblem } | null> {
    if (l.text === null) return { problem: { line: l.line, field: '', message: l.unreadable! } };
    if (l.line === 1 && resumedAfter === 0) {
      const p = parseHistoryHeader(l.text);
      return p ? { problem: p } : null;
    }
    if (!l.text.trim()) return null;
    const r = parseHistoryLine(l.text, l.line, ctx);
    if ('problem' in r) return r;
    const earlier = seen.get(r.dossier.code);
    if (earlier !== undefined)
      return { problem: { line: l.line, field: 'code', message: `dossier ${r.dossier.code} is also on line ${earlier}` } };
    seen.set(r.dossier.code, l.line);
    if (r.dossier.result) {
      const raw = sha256Hex(r.dossier.result.file);
      if (checked.has(raw)) return r;
      try {
        await inspectFile(r.dossier.result.file);
        checked.add(raw);
      } catch (e) {
        const message = e instanceof DomainError ? e.message : 'is not a PDF, JPEG, PNG or TIFF file';
        return { problem: { line: l.line, field: 'result.fileBase64', message } };
      }
    }
    return r;
  }

  /**
   * One batch in one transaction, after its result files are in the blob store (bytes before rows): the import's row
   * locked (one process at a time per file), the codes that exist skipped or reported, the rest written with one audit
   * entry for the batch, and the progress recorded up to the batch's last line.
   */
  private async writeBatch(
    target: { id: number; file: string },
    batch: { d: ImportedDossier; line: number }[],
    upTo: { line: number; byte: number },
    invalid: number,
    finished: boolean,
    run: { problem: (p: LineProblem, kind: 'conflict') => void; stored: Map<string, repo.BatchDossier['resultBlob']> },
  ) {
    const { db, auditKey, clock } = this.deps;
    const { problem, stored: blobs } = run;
    const importId = target.id;
    for (const { d } of batch) {
      if (!d.result) continue;
      const raw = sha256Hex(d.result.file);
      if (blobs.has(raw)) continue;
      const { content, mime } = await inspectFile(d.result.file);
      blobs.set(raw, { sha256: await this.deps.blobs.put(content), size: content.length, mime });
    }
    const now = clock();
    return db.transaction().execute(async (trx) => {
      await repo.lockImport(trx, importId);
      const existing = await repo.existingCodes(
        trx,
        batch.map((b) => b.d.code),
      );
      let skipped = 0;
      let conflicts = 0;
      const fresh = batch.filter(({ d, line }) => {
        if (!existing.has(d.code)) return true;
        const conflict = conflictOf(d, existing, line);
        if (conflict) {
          conflicts += 1;
          problem(conflict, 'conflict');
        } else skipped += 1;
        return false;
      });
      // An open dossier beside another open one of its applicant and procedure is marked its duplicate, as intake marks one.
      const open = fresh.filter((b) => b.d.open);
      const holders = await repo.openDossiersOf(
        trx,
        open.map((b) => ({ idNumber: b.d.dossier.applicant_id_number, procedureId: b.d.dossier.procedure_id })),
      );
      const rows: repo.BatchDossier[] = fresh.map(({ d, line }) => {
        let duplicateOf: string | null = null;
        if (d.open) {
          const k = `${d.dossier.applicant_id_number}:${d.dossier.procedure_id}`;
          duplicateOf = holders.get(k) ?? null;
          if (!duplicateOf) holders.set(k, d.code);
        }
        return {
          d,
          line,
          trackingToken: trackingToken(randomBytes(TOKEN_LENGTH)),
          duplicateOf,
          resultBlob: d.result ? blobs.get(sha256Hex(d.result.file))! : null,
        };
      });
      const { events } = await repo.writeBatch(trx, auditKey, importId, rows, now);
      const first = batch[0]?.line ?? upTo.line;
      await recordAudit(
        trx,
        auditKey,
        {
          actorKind: 'system',
          actorId: null,
          stream: 'system',
          action: 'history.import',
          entityType: 'history_import',
          entityId: String(importId),
          data: {
            file: target.file,
            lines: [first, upTo.line],
            imported: rows.length,
            events,
            skippedExisting: skipped,
            conflicts,
            invalid,
            ...(finished ? { finished: true } : {}),
          },
        },
        now,
      );
      await repo.recordProgress(trx, importId, {
        lines: upTo.line,
        bytes: upTo.byte,
        imported: rows.length,
        skipped,
        conflicts,
        invalid,
        at: now,
        finished,
      });
      return { imported: rows.length, skipped, conflicts };
    });
  }
}

/** A line whose code exists: nothing when it is the same content imported before, otherwise the conflict. */
function conflictOf(d: ImportedDossier, existing: Map<string, string | null>, line: number): LineProblem | null {
  if (!existing.has(d.code)) return null;
  const sha = existing.get(d.code);
  if (sha === d.contentSha256) return null;
  return {
    line,
    field: 'code',
    message:
      sha === null
        ? `conflict: dossier ${d.code} exists in this system and was not imported`
        : `conflict: dossier ${d.code} was imported before with other content`,
  };
}
