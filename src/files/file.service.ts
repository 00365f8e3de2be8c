import { fileTypeFromBuffer } from 'file-type';
import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import type { BlobStore } from '../platform/blob-store.js';
import { DomainError } from '../platform/errors.js';
import { checkIdempotencyKey, idempotent } from '../platform/idempotency.js';
import { sha256Hex } from '../platform/ids.js';
import { recordAudit } from '../audit/audit.service.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
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
  constructor(private readonly deps: { db: Kysely<DB>; blobs: BlobStore; clock: () => Date; auditKey: AuditKey; maxBytes: number }) {}

  /**
   * Checks size and content type, stores the bytes durably, then records the blob row. With an Idempotency-Key a
   * retry of the same bytes gets the first answer (no second audit entry); other bytes under the key are a conflict.
   */
  async upload(content: Buffer, who: Actor | null, idempotencyKey?: string): Promise<StoredFile> {
    if (idempotencyKey) checkIdempotencyKey(idempotencyKey, who ? 8 : 16);
    if (content.length === 0) throw new DomainError('INVALID_FILE', 'The file is empty', { field: 'body.file' });
    if (content.length > this.deps.maxBytes) {
      throw new DomainError('FILE_TOO_LARGE', `The file is ${content.length} bytes; the limit is ${this.deps.maxBytes}`, {
        field: 'body.file',
      });
    }
    const detected = await fileTypeFromBuffer(content);
    const mime = detected?.mime;
    if (!mime || !(ALLOWED_MIME as readonly string[]).includes(mime)) {
      throw new DomainError(
        'UNSUPPORTED_FILE_TYPE',
        `The file's content is ${mime ?? 'not a recognised document'}; accepted: PDF, JPEG, PNG, TIFF`,
        { field: 'body.file' },
      );
    }
    if (mime === 'application/pdf' && !content.subarray(Math.max(0, content.length - 1024)).includes('%%EOF')) {
      throw new DomainError('INVALID_FILE', 'The PDF is truncated (no %%EOF marker)', { field: 'body.file' });
    }
    const now = this.deps.clock();
    // The request is its bytes: fingerprinted by their hash. A staff key is the staff member's; an anonymous key
    // (at least 16 characters) is its own secret, as for an online submission.
    const scope = who ? `staff:${who.staffId}:file` : 'public:file';
    const request = { sha256: sha256Hex(content) };
    const { value } = await idempotent(
      this.deps.db,
      idempotencyKey,
      scope,
      request,
      async (trx) => {
        // Bytes first (fsynced), row second: a row never points at a missing file.
        const sha256 = await this.deps.blobs.put(content);
        await trx
          .insertInto('blobs')
          .values({ sha256, size: content.length, mime })
          .onConflict((oc) => oc.column('sha256').doNothing())
          .execute();
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
            data: { size: content.length, mime },
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
   * The bytes and type of a stored file the actor may see: one their unit uploaded, or a component or
   * result of a dossier in their scope (the administrator sees all). Otherwise 404, as if absent.
   */
  async download(actor: Actor, sha256: string): Promise<{ content: Buffer; mime: string }> {
    const { db } = this.deps;
    const row = await db.selectFrom('blobs').select(['mime']).where('sha256', '=', sha256).executeTakeFirst();
    const missing = new DomainError('NOT_FOUND', `File ${sha256} not found`, { field: 'params.sha256' });
    if (!row) throw missing;
    if (actor.scopeUnitIds !== null) {
      const units = actor.scopeUnitIds.length ? actor.scopeUnitIds : [-1];
      const inDossier = (q: 'components' | 'results') =>
        db
          .selectFrom('dossiers as d')
          .select('d.id')
          .where((eb) =>
            eb.or([
              eb('d.receiving_unit_id', 'in', units),
              eb('d.current_unit_id', 'in', units),
              eb('d.return_point_id', 'in', units),
              eb('d.competent_agency_id', 'in', units),
            ]),
          )
          .where((eb) =>
            q === 'components'
              ? eb.exists(
                  eb
                    .selectFrom('dossier_components as c')
                    .select('c.id')
                    .whereRef('c.dossier_id', '=', 'd.id')
                    .where('c.blob_sha256', '=', sha256),
                )
              : eb.exists(
                  eb
                    .selectFrom('store_documents as s')
                    .select('s.id')
                    .whereRef('s.source_dossier_id', '=', 'd.id')
                    .where('s.blob_sha256', '=', sha256),
                ),
          )
          .limit(1)
          .executeTakeFirst();
      const uploadedHere = await db
        .selectFrom('audit_log')
        .select('seq')
        .where(
          'stream',
          'in',
          units.map((u) => `unit:${u}`),
        )
        .where('entity_type', '=', 'blob')
        .where('entity_id', '=', sha256)
        .where('action', '=', 'file.upload')
        .limit(1)
        .executeTakeFirst();
      if (!uploadedHere && !(await inDossier('components')) && !(await inDossier('results'))) throw missing;
    }
    return { content: await this.deps.blobs.get(sha256), mime: row.mime };
  }
}
