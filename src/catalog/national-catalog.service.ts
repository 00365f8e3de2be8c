import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import { DomainError } from '../platform/errors.js';
import { requireRole, type Actor } from '../auth/auth.model.js';
import { byStaff, recordAudit } from '../audit/audit.service.js';
import type { NationalProcedure } from '../portal/portal.contract.js';
import type { CatalogDocument } from './catalog.schema.js';
import { localDate, type CatalogService } from './catalog.service.js';
import { diffNational, type NationalDiffItem } from './national.model.js';
import * as repo from './national-catalog.repository.js';

export interface NationalCatalogDeps {
  db: Kysely<DB>;
  clock: () => Date;
  auditKey: AuditKey;
  /** The national procedure database, through the portal (null: no portal configured). */
  source: { listProcedures(cursor: string, limit: number): Promise<{ procedures: NationalProcedure[]; next: string }> } | null;
  catalog: Pick<CatalogService, 'exportCatalog' | 'importCatalog' | 'listFields'>;
}

export interface NationalSummary {
  listed: number;
  changed: number;
  new: number;
  abolished: number;
  invalid: number;
  unchanged: number;
  /** Our procedures the national database does not list for the province. */
  localOnly: string[];
}

/** At most this many pages of 200 procedures are read in one comparison (a province applies about 2,000). */
const MAX_PAGES = 100;

/**
 * Catalog updates from the national procedure database, "the same way" as the portal's dossiers: read through the
 * portal (`LayDanhSachTTHC`), compared with our catalog on the fields the national database governs (name, field,
 * level, time limit, fees, components, online level, result), kept as a comparison, and applied by an administrator
 * — all or the procedures they choose — as new versions through the catalog import, which validates them as any
 * import and never rewrites a version in use. Nothing changes the catalog without the administrator.
 */
export class NationalCatalogService {
  constructor(private readonly deps: NationalCatalogDeps) {}

  get enabled(): boolean {
    return this.deps.source !== null;
  }

  /** Reads the national catalog and compares it with ours; the comparison is kept, pending a decision. */
  async fetch(actor: Actor) {
    requireRole(actor, 'admin');
    const source = this.deps.source;
    if (!source) throw new DomainError('CONFLICT', 'Chưa cấu hình Cổng DVCQG / No portal is configured (MOTCUA_PORTAL_URL)');
    const national: NationalProcedure[] = [];
    let cursor = '';
    for (let page = 0; page < MAX_PAGES; page++) {
      let r;
      try {
        r = await source.listProcedures(cursor, 200);
      } catch (e) {
        // The portal adapter's errors (away, refusing) are all "try later": nothing was kept.
        throw new DomainError(
          'NATIONAL_SERVICE_UNAVAILABLE',
          `Không đọc được CSDL TTHC quốc gia / The national procedure database could not be read: ${(e as Error).message}`,
        );
      }
      national.push(...r.procedures);
      if (!r.next) break;
      cursor = r.next;
    }
    const now = this.deps.clock();
    const ours = await this.deps.catalog.exportCatalog();
    const { items, unchanged, localOnly } = diffNational(national, ours.procedures, localDate(now));
    const count = (k: NationalDiffItem['kind']) => items.filter((i) => i.kind === k).length;
    const summary: NationalSummary = {
      listed: national.length,
      changed: count('changed'),
      new: count('new'),
      abolished: count('abolished'),
      invalid: count('invalid'),
      unchanged,
      localOnly,
    };
    const id = await this.deps.db.transaction().execute(async (trx) => {
      const id = await repo.insertImport(trx, { fetchedAt: now, fetchedBy: actor.staffId, summary, items });
      await recordAudit(
        trx,
        this.deps.auditKey,
        {
          ...byStaff(actor),
          action: 'catalog.national_fetch',
          entityType: 'catalog_import',
          entityId: String(id),
          data: { ...summary, localOnly: localOnly.length },
        },
        now,
      );
      return id;
    });
    return this.get(actor, id);
  }

  async list(actor: Actor, limit = 50) {
    requireRole(actor, 'admin');
    return (await repo.listImports(this.deps.db, limit)).map((r) => ({
      id: r.id,
      fetchedAt: new Date(r.fetched_at).toISOString(),
      fetchedBy: r.fetched_by_name,
      status: r.status,
      summary: r.summary as NationalSummary,
      decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : null,
      decidedBy: r.decided_by_name,
    }));
  }

  async get(actor: Actor, id: number) {
    requireRole(actor, 'admin');
    const r = await repo.findImport(this.deps.db, id);
    if (!r) throw new DomainError('NOT_FOUND', `Không có lần so sánh ${id} / No comparison ${id}`);
    return {
      id: r.id,
      fetchedAt: new Date(r.fetched_at).toISOString(),
      status: r.status,
      summary: r.summary as NationalSummary,
      items: r.items as NationalDiffItem[],
      decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : null,
      applied: r.applied as { codes: string[]; added: number } | null,
    };
  }

  /**
   * Applies a pending comparison: the procedures named in `codes` (all that can be applied when absent) become new
   * versions of our catalog; a province-level procedure new to us needs its competent department in `agencies`.
   * Refused whole (nothing written) when a procedure named cannot be applied, or our catalog changed since the
   * comparison (fetch again).
   */
  async apply(actor: Actor, id: number, choice: { codes?: string[]; agencies?: Record<string, string> } = {}) {
    requireRole(actor, 'admin');
    const imp = await this.get(actor, id);
    if (imp.status !== 'pending')
      throw new DomainError('CONFLICT', `Lần so sánh ${id} đã được xử lý (${imp.status}) / Comparison ${id} was already ${imp.status}`);
    const agencies = choice.agencies ?? {};
    const byCode = new Map(imp.items.map((i) => [i.code, i]));
    const applicable = (i: NationalDiffItem) =>
      i.kind === 'changed' || (i.kind === 'new' && (!i.needsAgency || agencies[i.code] !== undefined));
    let chosen: NationalDiffItem[];
    if (choice.codes) {
      const unknown = choice.codes.filter((c) => !byCode.has(c));
      if (unknown.length)
        throw new DomainError('VALIDATION', `Không có trong lần so sánh / Not in the comparison: ${unknown.join(', ')}`, {
          field: 'body.codes',
        });
      chosen = choice.codes.map((c) => byCode.get(c)!);
      const not = chosen.filter((i) => !applicable(i));
      if (not.length)
        throw new DomainError(
          'VALIDATION',
          `Không áp dụng được / Cannot be applied: ${not
            .map((i) => `${i.code} (${i.kind === 'new' ? 'needs its competent department in agencies' : i.kind})`)
            .join(', ')}`,
          { field: 'body.codes' },
        );
    } else chosen = imp.items.filter(applicable);
    if (!chosen.length) throw new DomainError('VALIDATION', 'Không có thủ tục nào để áp dụng / Nothing to apply', { field: 'body.codes' });
    // Our catalog as it is now: each change must still be against the version it was compared with.
    const ours = await this.deps.catalog.exportCatalog();
    const latest = new Map(
      ours.procedures.map((p) => [
        p.code,
        p.versions
          .map((v) => v.effectiveFrom)
          .sort()
          .at(-1)!,
      ]),
    );
    const stale = chosen.filter((i) => (i.kind === 'changed' ? latest.get(i.code) !== i.basedOn : latest.has(i.code)));
    if (stale.length)
      throw new DomainError(
        'CONFLICT',
        `Danh mục đã thay đổi từ lần so sánh, hãy so sánh lại / The catalog changed since the comparison, fetch again: ${stale.map((i) => i.code).join(', ')}`,
      );
    const knownFields = new Set((await this.deps.catalog.listFields()).map((f) => f.code));
    const fields = new Map<string, { code: string; nameVi: string; nameEn: string }>();
    const procedures: CatalogDocument['procedures'] = [];
    for (const i of chosen) {
      if (i.kind === 'changed') procedures.push({ code: i.code, versions: [i.version] });
      else if (i.kind === 'new') {
        const version = i.needsAgency ? { ...i.version, agencyKey: agencies[i.code]! } : i.version;
        procedures.push({ code: i.code, versions: [version] });
        if (!knownFields.has(i.field.code))
          fields.set(i.field.code, { code: i.field.code, nameVi: i.field.nameVi, nameEn: i.field.nameVi });
      }
    }
    // The catalog import validates each version (agencies, fields, components, steps) and writes them in one transaction.
    const counts = await this.deps.catalog.importCatalog(actor, { format: 'motcua.catalog/1', fields: [...fields.values()], procedures });
    const now = this.deps.clock();
    const applied = { codes: chosen.map((i) => i.code), added: counts.added };
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await repo.decideImport(trx, id, { status: 'applied', at: now, by: actor.staffId, applied })))
        throw new DomainError('CONFLICT', `Lần so sánh ${id} vừa được xử lý / Comparison ${id} was just decided`);
      await recordAudit(
        trx,
        this.deps.auditKey,
        { ...byStaff(actor), action: 'catalog.national_apply', entityType: 'catalog_import', entityId: String(id), data: applied },
        now,
      );
    });
    return { id, ...applied, replaced: counts.replaced, unchanged: counts.unchanged };
  }

  /** Closes a pending comparison without applying anything. */
  async discard(actor: Actor, id: number): Promise<void> {
    requireRole(actor, 'admin');
    const now = this.deps.clock();
    await this.deps.db.transaction().execute(async (trx) => {
      const r = await repo.findImport(trx, id, true);
      if (!r) throw new DomainError('NOT_FOUND', `Không có lần so sánh ${id} / No comparison ${id}`);
      if (!(await repo.decideImport(trx, id, { status: 'discarded', at: now, by: actor.staffId, applied: null })))
        throw new DomainError('CONFLICT', `Lần so sánh ${id} đã được xử lý (${r.status}) / Comparison ${id} was already ${r.status}`);
      await recordAudit(
        trx,
        this.deps.auditKey,
        { ...byStaff(actor), action: 'catalog.national_discard', entityType: 'catalog_import', entityId: String(id) },
        now,
      );
    });
  }
}
