import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import type { BlobStore } from '../platform/blob-store.js';
import { DomainError } from '../platform/errors.js';
import { checkIdempotencyKey, idempotent } from '../platform/idempotency.js';
import { sha256Hex } from '../platform/ids.js';
import { bySystem, recordAudit } from '../audit/audit.service.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import type { Actor } from '../auth/auth.model.js';
import { inspectFile } from './file-content.js';
import * as repo from './file.repository.js';

export { ALLOWED_MIME } from './file-content.js';

export interface StoredFile {
  sha256: string;
  size: number;
  mime: string;
}

/** How long an online submission's token accepts uploads and the submission itself. */
export const SUBMISSION_TTL_HOURS = 24;

/** Who sends an upload: a staff member (their unit owns it) or a citizen filing online (the submission owns it). */
export type Uploader = { staff: Actor } | { submissionToken: string | undefined };

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Uploads of component scans and result files into the content-addressed store, each recorded with its owner: the
 * uploader's unit, or the online submission it came with. Only the owner may attach a file to a dossier (the
 * intake's statement checks it by foreign key), so knowing a hash grants nothing.
 */
export class FileService {
  constructor(private readonly deps: { db: Kysely<DB>; blobs: BlobStore; clock: () => Date; auditKey: AuditKey; maxBytes: number }) {}

  /** Opens an online submission: the token its uploads and the submission itself carry (X-Submission-Token). */
  async openSubmission(): Promise<{ submissionToken: string; expiresAt: Date }> {
    const now = this.deps.clock();
    const expiresAt = new Date(now.getTime() + SUBMISSION_TTL_HOURS * 3600_000);
    const submissionToken = randomBytes(32).toString('base64url');
    await this.deps.db.transaction().execute(async (trx) => {
      const id = await repo.insertSubmission(trx, tokenHash(submissionToken), now, expiresAt);
      await recordAudit(
        trx,
        this.deps.auditKey,
        {
          actorKind: 'citizen',
          actorId: null,
          stream: 'public',
          action: 'submission.open',
          entityType: 'online_submission',
          entityId: String(id),
          data: { expiresAt: expiresAt.toISOString() },
        },
        now,
      );
    });
    return { submissionToken, expiresAt };
  }

  /** The owner key ('submission:<id>') of a live submission token; a missing, unknown or expired token is refused. */
  async submissionOwner(token: string | undefined): Promise<string> {
    return repo.ownerKey({ submissionId: await this.submissionId(token) });
  }

  private async submissionId(token: string | undefined): Promise<number> {
    const field = 'headers.x-submission-token';
    if (!token)
      throw new DomainError(
        'INVALID_SUBMISSION',
        'Uploads of an online submission carry its token: open one with POST /public/submissions',
        {
          field,
        },
      );
    const id = await repo.liveSubmission(this.deps.db, tokenHash(token), this.deps.clock());
    if (id === undefined)
      throw new DomainError(
        'INVALID_SUBMISSION',
        'The submission token is unknown or has expired: open a new one with POST /public/submissions',
        {
          field,
        },
      );
    return id;
  }

  /**
   * Checks size and content (file-content.ts: a clean PDF, or an image re-encoded), stores the bytes durably, then
   * records the blob and its owner. With an Idempotency-Key a retry of the same bytes gets the first answer (no
   * second audit entry); other bytes under the key are a conflict.
   */
  async upload(sent: Buffer, uploader: Uploader, idempotencyKey?: string): Promise<StoredFile> {
    const who = 'staff' in uploader ? uploader.staff : null;
    if (idempotencyKey) checkIdempotencyKey(idempotencyKey, who ? 8 : 16);
    const submissionId = who ? undefined : await this.submissionId((uploader as { submissionToken?: string }).submissionToken);
    if (sent.length === 0) throw new DomainError('INVALID_FILE', 'The file is empty', { field: 'body.file' });
    if (sent.length > this.deps.maxBytes) {
      throw new DomainError('FILE_TOO_LARGE', `The file is ${sent.length} bytes; the limit is ${this.deps.maxBytes}`, {
        field: 'body.file',
      });
    }
    const { content, mime } = await inspectFile(sent);
    const now = this.deps.clock();
    const owner: repo.UploadOwner = who ? { unitId: who.unitId, staffId: who.staffId } : { submissionId: submissionId! };
    // The request is the bytes sent: fingerprinted by their hash. A staff key is the staff member's; an anonymous
    // key (at least 16 characters) is its submission's.
    const scope = who ? `staff:${who.staffId}:file` : `submission:${submissionId}:file`;
    const { value } = await idempotent(
      this.deps.db,
      idempotencyKey,
      scope,
      { sha256: sha256Hex(sent) },
      async (trx) => {
        // The blob's row held first (a purge of the same bytes cannot retire them meanwhile), then the bytes
        // (fsynced), then the owner, all committed together: a committed row never points at missing bytes.
        const sha256 = sha256Hex(content);
        await repo.holdBlob(trx, { sha256, size: content.length, mime });
        await this.deps.blobs.put(content);
        await repo.insertUpload(trx, { sha256 }, owner, now);
        await recordAudit(
          trx,
          this.deps.auditKey,
          {
            actorKind: who ? 'staff' : 'citizen',
            actorId: who?.staffId ?? null,
            stream: who ? `unit:${who.unitId}` : 'public',
            action: 'file.upload',
            entityType: 'blob',
            entityId: sha256,
            data: {
              size: content.length,
              mime,
              owner: repo.ownerKey(owner),
              ...(content.length !== sent.length ? { sentSize: sent.length } : {}),
            },
          },
          now,
        );
        return { sha256, size: content.length, mime };
      },
      { minKeyLength: who ? 8 : 16 },
    );
    return value;
  }

  /**
   * The bytes and type of a stored file the actor may open: one their unit uploaded, or a component or result of a
   * dossier in their scope (the administrator opens all). Otherwise 404, as if absent.
   */
  async download(actor: Actor, sha256: string): Promise<{ content: Buffer; mime: string }> {
    const { db } = this.deps;
    const missing = new DomainError('NOT_FOUND', `File ${sha256} not found`, { field: 'params.sha256' });
    const mime = await repo.blobMime(db, sha256);
    if (!mime) throw missing;
    if (actor.scopeUnitIds !== null && !(await repo.fileInScope(db, sha256, actor.scopeUnitIds))) throw missing;
    return { content: await this.deps.blobs.get(sha256), mime };
  }

  /**
   * Housekeeping (every few minutes in `motcua serve`): online submissions whose token has expired without a dossier
   * taking their files are deleted, with their uploads' ownership, audited; then each blob they leave owned by
   * nobody (no other owner, component or store document) is deleted, its row and its bytes, audited. The bytes are
   * retired before the row's deletion commits and discarded after it (restored if it did not commit), so an upload
   * of the same bytes meanwhile (upload: holdBlob) never leaves a row without them. Runs in batches of `batch`.
   */
  async purgeExpiredSubmissions(batch = 500): Promise<{ submissions: number; blobs: number }> {
    const { db, auditKey } = this.deps;
    let submissions = 0;
    let purged = 0;
    for (;;) {
      const now = this.deps.clock();
      const gone = await db.transaction().execute(async (trx) => {
        const r = await repo.deleteExpiredSubmissions(trx, now, batch);
        if (r.ids.length > 0)
          await recordAudit(
            trx,
            auditKey,
            {
              ...bySystem('public'),
              action: 'submission.purge',
              entityType: 'online_submission',
              entityId: r.ids.length === 1 ? String(r.ids[0]) : `${r.ids[0]}…${r.ids.at(-1)}`,
              data: { submissions: r.ids, expiredBy: now.toISOString(), blobs: r.blobs.length },
            },
            now,
          );
        return r;
      });
      submissions += gone.ids.length;
      for (const sha256 of gone.blobs) if (await this.purgeBlob(sha256)) purged++;
      if (gone.ids.length < batch) return { submissions, blobs: purged };
    }
  }

  /** Deletes one blob owned by nobody, row and bytes (see purgeExpiredSubmissions); false if something refers to it. */
  private async purgeBlob(sha256: string): Promise<boolean> {
    const { db, blobs, auditKey } = this.deps;
    let deleted = false;
    let retired = false;
    try {
      await db.transaction().execute(async (trx) => {
        deleted = await repo.deleteUnownedBlob(trx, sha256);
        if (!deleted) return;
        retired = await blobs.retire(sha256);
        await recordAudit(
          trx,
          auditKey,
          {
            ...bySystem('public'),
            action: 'file.purge',
            entityType: 'blob',
            entityId: sha256,
            data: { reason: 'uploaded only with online submissions that expired unused' },
          },
          this.deps.clock(),
        );
      });
    } catch (e) {
      // Refused by a foreign key (a reference committed meanwhile) or not committed: the blob stays, bytes and all.
      if (retired) await blobs.restore(sha256);
      if ((e as { code?: unknown }).code === '23503') return false;
      throw e;
    }
    if (retired) await blobs.discard(sha256);
    return deleted;
  }
}
