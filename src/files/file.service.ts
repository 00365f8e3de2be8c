import { fileTypeFromBuffer } from 'file-type';
import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import type { BlobStore } from '../platform/blob-store.js';
import { DomainError } from '../platform/errors.js';
import { recordAudit } from '../audit/audit.service.js';
import type { Actor } from '../auth/auth.model.js';

/** What scans and results may be: judged by content (magic bytes), never by name or declared type. */
export const ALLOWED_MIME = ['application/pdf', 'image/jpeg', 'image/png', 'image/tiff'] as const;

export interface StoredFile {
  sha256: string;
  size: number;
  mime: string;
}

/** Uploads of component scans and result files into the content-addressed store. */
export class FileService {
  constructor(private readonly deps: { db: Kysely<DB>; blobs: BlobStore; clock: () => Date; maxBytes: number }) {}

  /** Checks size and content type, stores the bytes durably, then records the blob row. */
  async upload(content: Buffer, who: Actor | null): Promise<StoredFile> {
    if (content.length === 0) throw new DomainError('INVALID_FILE', 'The file is empty', { field: 'body.file' });
    if (content.length > this.deps.maxBytes) {
      throw new DomainError('FILE_TOO_LARGE', `The file is ${content.length} bytes; the limit is ${this.deps.maxBytes}`, { field: 'body.file' });
    }
    const detected = await fileTypeFromBuffer(content);
    const mime = detected?.mime;
    if (!mime || !(ALLOWED_MIME as readonly string[]).includes(mime)) {
      throw new DomainError('UNSUPPORTED_FILE_TYPE', `The file's content is ${mime ?? 'not a recognised document'}; accepted: PDF, JPEG, PNG, TIFF`, { field: 'body.file' });
    }
    if (mime === 'application/pdf' && !content.subarray(Math.max(0, content.length - 1024)).includes('%%EOF')) {
      throw new DomainError('INVALID_FILE', 'The PDF is truncated (no %%EOF marker)', { field: 'body.file' });
    }
    // Bytes first (fsynced), row second: a row never points at a missing file.
    const sha256 = await this.deps.blobs.put(content);
    const now = this.deps.clock();
    await this.deps.db.transaction().execute(async (trx) => {
      await trx.insertInto('blobs').values({ sha256, size: content.length, mime }).onConflict((oc) => oc.column('sha256').doNothing()).execute();
      await recordAudit(trx, { actorKind: who ? 'staff' : 'citizen', actorId: who?.staffId ?? null, stream: who ? `unit:${who.unitId}` : 'public', action: 'file.upload', entityType: 'blob', entityId: sha256, data: { size: content.length, mime } }, now);
    });
    return { sha256, size: content.length, mime };
  }

  /** The bytes and type of a stored file. */
  async download(sha256: string): Promise<{ content: Buffer; mime: string }> {
    const row = await this.deps.db.selectFrom('blobs').select(['mime']).where('sha256', '=', sha256).executeTakeFirst();
    if (!row) throw new DomainError('NOT_FOUND', `File ${sha256} not found`, { field: 'params.sha256' });
    return { content: await this.deps.blobs.get(sha256), mime: row.mime };
  }
}
