import { Compile } from 'typebox/compile';
import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import { DomainError } from '../platform/errors.js';
import { recordAudit } from '../audit/audit.service.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import { requireRole, type Actor } from '../auth/auth.model.js';
import { CatalogSchema, type CatalogDocument, type ProcedureVersionInput } from './catalog.schema.js';
import {
  canonicalJson,
  filingText,
  foldVietnamese,
  searchTextOf,
  versionInForce,
  versionIssues,
  withoutDocumentTypes,
} from './catalog.model.js';
import * as repo from './catalog.repository.js';

const catalogValidator = Compile(CatalogSchema);

/** A procedure version as dossiers use it. */
export interface ProcedureVersion {
  procedureId: number;
  versionId: number;
  code: string;
  effectiveFrom: string;
  body: ProcedureVersionInput;
}

export interface CatalogDeps {
  db: Kysely<DB>;
  clock: () => Date;
  auditKey: AuditKey;
}

/** Local (UTC+7) calendar date of an instant. */
export function localDate(d: Date): string {
  return new Date(d.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
}

function parseBody(body: unknown): ProcedureVersionInput {
  return (typeof body === 'string' ? JSON.parse(body) : body) as ProcedureVersionInput;
}

/** The procedure catalog: versioned by effective date, searchable, importable and exportable as JSON. */
export class CatalogService {
  // Versions are immutable once stored (an import never changes one in use), so they are cached by id.
  private readonly byId = new Map<number, ProcedureVersion>();
  private byCode = new Map<string, Awaited<ReturnType<typeof repo.versionsOfProcedure>>>();
  private types: Map<string, { code: string; nameVi: string; nameEn: string }> | undefined;

  constructor(private readonly deps: CatalogDeps) {}

  private async versionsOf(code: string) {
    let rows = this.byCode.get(code);
    if (!rows) {
      rows = await repo.versionsOfProcedure(this.deps.db, code);
      if (rows.length) this.byCode.set(code, rows);
    }
    return rows;
  }

  /** Imports a catalog document; unchanged versions are skipped, versions no dossier uses may be replaced. */
  async importCatalog(actor: Actor | null, doc: unknown) {
    if (actor) requireRole(actor, 'admin');
    if (!catalogValidator.Check(doc)) {
      const first = [...catalogValidator.Errors(doc)].slice(0, 5);
      throw new DomainError(
        'VALIDATION',
        `The catalog document is invalid: ${first.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`,
        {
          field: `body${(first[0]?.instancePath ?? '').replaceAll('/', '.')}`,
        },
      );
    }
    const catalog = doc as CatalogDocument;
    const { db, clock } = this.deps;
    const agencyKeys = new Set(await repo.departmentKeys(db));
    const fields = new Set([...(await repo.listFieldRows(db)).map((f) => f.code), ...catalog.fields.map((f) => f.code)]);
    const documentTypes = catalog.documentTypes ?? [];
    const typeCodes = new Set([...(await repo.listDocumentTypeRows(db)).map((t) => t.code), ...documentTypes.map((t) => t.code)]);
    // Each problem names the offending value's path in the request body, as validation errors do.
    const problems: { field: string; message: string }[] = [];
    const seenTypes = new Set<string>();
    documentTypes.forEach((t, ti) => {
      if (seenTypes.has(t.code))
        problems.push({ field: `body.documentTypes.${ti}.code`, message: `document type ${t.code} appears twice` });
      seenTypes.add(t.code);
    });
    const seenCodes = new Set<string>();
    catalog.procedures.forEach((p, pi) => {
      const at = `body.procedures.${pi}`;
      if (seenCodes.has(p.code)) problems.push({ field: `${at}.code`, message: `procedure code ${p.code} appears twice` });
      seenCodes.add(p.code);
      const dates = new Set<string>();
      p.versions.forEach((v, vi) => {
        if (dates.has(v.effectiveFrom))
          problems.push({
            field: `${at}.versions.${vi}.effectiveFrom`,
            message: `${p.code}: two versions share an effective date (${v.effectiveFrom})`,
          });
        dates.add(v.effectiveFrom);
        for (const issue of versionIssues(p.code, v, agencyKeys.size ? agencyKeys : null, fields, typeCodes))
          problems.push({ field: `${at}.versions.${vi}.${issue.path}`, message: issue.message });
      });
    });
    if (problems.length) {
      throw new DomainError(
        'VALIDATION',
        `The catalog has ${problems.length} problem(s): ${problems
          .slice(0, 10)
          .map((p) => p.message)
          .join('; ')}`,
        {
          field: problems[0]!.field,
          details: { problems: problems.slice(0, 100) },
        },
      );
    }

    const counts = {
      fields: catalog.fields.length,
      documentTypes: documentTypes.length,
      procedures: catalog.procedures.length,
      added: 0,
      unchanged: 0,
      replaced: 0,
      typed: 0,
    };
    await db.transaction().execute(async (trx) => {
      for (const f of catalog.fields) await repo.upsertField(trx, { code: f.code, name_vi: f.nameVi, name_en: f.nameEn });
      for (const t of documentTypes) await repo.upsertDocumentType(trx, { code: t.code, name_vi: t.nameVi, name_en: t.nameEn });
      for (const [pi, p] of catalog.procedures.entries()) {
        const procedureId = await repo.ensureProcedure(trx, p.code);
        for (const [vi, v] of p.versions.entries()) {
          const row: repo.VersionRow = {
            procedure_id: procedureId,
            effective_from: v.effectiveFrom,
            name_vi: v.nameVi,
            name_en: v.nameEn,
            field_code: v.fieldCode,
            level: v.level,
            agency_key: v.agencyKey,
            limit_value: v.timeLimit.value,
            limit_unit: v.timeLimit.unit,
            fast_value: v.fastTrack?.value ?? null,
            fast_unit: v.fastTrack?.unit ?? null,
            online_level: v.online,
            non_territorial: v.nonTerritorial,
            search_text: searchTextOf(p.code, v),
            body: JSON.stringify(v),
          };
          const existing = await repo.findVersion(trx, procedureId, v.effectiveFrom);
          if (!existing) {
            await repo.insertVersion(trx, row);
            counts.added++;
          } else if (canonicalJson(parseBody(existing.body)) === canonicalJson(v)) {
            // Compared without key order: jsonb and the export's serializer both reorder keys.
            counts.unchanged++;
          } else if (
            canonicalJson(withoutDocumentTypes(parseBody(existing.body))) === canonicalJson(withoutDocumentTypes(v)) &&
            (await repo.versionInUse(trx, existing.id))
          ) {
            // Only the document types differ: they say what the store may supply, not how a dossier is handled, so a
            // version in use may be given them; results archived under it then carry its result's type.
            await repo.replaceVersion(trx, existing.id, row);
            await repo.typeResultDocuments(trx, existing.id, v.resultDocumentType ?? null);
            counts.typed++;
          } else if (await repo.versionInUse(trx, existing.id)) {
            throw new DomainError(
              'CONFLICT',
              `${p.code}@${v.effectiveFrom} is used by dossiers and cannot change; add a version with a later effectiveFrom`,
              { field: `body.procedures.${pi}.versions.${vi}` },
            );
          } else {
            await repo.replaceVersion(trx, existing.id, row);
            counts.replaced++;
          }
        }
      }
      await recordAudit(
        trx,
        this.deps.auditKey,
        {
          actorKind: actor ? 'staff' : 'system',
          actorId: actor?.staffId ?? null,
          stream: actor ? `unit:${actor.unitId}` : 'system',
          action: 'catalog.import',
          entityType: 'catalog',
          entityId: null,
          data: counts,
        },
        clock(),
      );
    });
    this.byCode = new Map();
    this.byId.clear();
    this.types = undefined;
    return counts;
  }

  /** The whole catalog, every version, in the import format (round-trips). */
  async exportCatalog(): Promise<CatalogDocument> {
    const { db } = this.deps;
    const fields = await repo.listFieldRows(db);
    const rows = await repo.allVersions(db);
    const byCode = new Map<string, ProcedureVersionInput[]>();
    for (const r of rows) {
      const list = byCode.get(r.code) ?? [];
      list.push(parseBody(r.body));
      byCode.set(r.code, list);
    }
    return {
      format: 'motcua.catalog/1',
      fields: fields.map((f) => ({ code: f.code, nameVi: f.name_vi, nameEn: f.name_en })),
      documentTypes: (await repo.listDocumentTypeRows(db)).map((t) => ({ code: t.code, nameVi: t.name_vi, nameEn: t.name_en })),
      procedures: [...byCode].map(([code, versions]) => ({ code, versions })),
    };
  }

  /** Ranked search of the procedures in force today. */
  async search(query: { q?: string; field?: string; level?: string; limit?: number; offset?: number }) {
    const folded = query.q ? foldVietnamese(query.q) : '';
    const rows = await repo.searchVersions(this.deps.db, {
      date: localDate(this.deps.clock()),
      ...(folded ? { folded } : {}),
      ...(query.field ? { field: query.field } : {}),
      ...(query.level ? { level: query.level } : {}),
      limit: query.limit ?? 20,
      offset: query.offset ?? 0,
    });
    return rows.map((r) => ({
      code: r.code,
      nameVi: r.name_vi,
      nameEn: r.name_en,
      fieldCode: r.field_code,
      level: r.level,
      timeLimit: { value: r.limit_value, unit: r.limit_unit as ProcedureVersionInput['timeLimit']['unit'] },
      fastTrack: r.fast_value != null ? { value: r.fast_value, unit: r.fast_unit as ProcedureVersionInput['timeLimit']['unit'] } : null,
      online: r.online_level,
      nonTerritorial: r.non_territorial,
      effectiveFrom: r.effective_from,
      score: Math.round(Number(r.score) * 1000) / 1000,
    }));
  }

  /** A procedure's version in force on a date (default today), or NOT_FOUND / UNKNOWN_PROCEDURE. */
  async versionOn(code: string, at: Date): Promise<ProcedureVersion> {
    const rows = await this.versionsOf(code);
    const chosen = versionInForce(
      rows.map((row) => ({ row, effectiveFrom: row.effective_from })),
      localDate(at),
    )?.row;
    if (!chosen) {
      throw new DomainError(
        'UNKNOWN_PROCEDURE',
        rows.length ? `Procedure ${code} has no version in force on ${localDate(at)}` : `Procedure ${code} is not in the catalog`,
        { field: 'body.procedureCode' },
      );
    }
    return {
      procedureId: chosen.procedureId,
      versionId: chosen.versionId,
      code: chosen.code,
      effectiveFrom: chosen.effective_from,
      body: parseBody(chosen.body),
    };
  }

  /** A stored version by id (a dossier keeps the version it was received under). */
  async versionById(id: number): Promise<ProcedureVersion> {
    const cached = this.byId.get(id);
    if (cached) return cached;
    const r = await repo.versionById(this.deps.db, id);
    if (!r) throw new DomainError('NOT_FOUND', `Procedure version ${id} not found`);
    const v = {
      procedureId: r.procedureId,
      versionId: r.versionId,
      code: r.code,
      effectiveFrom: r.effective_from,
      body: parseBody(r.body),
    };
    this.byId.set(id, v);
    return v;
  }

  /** Public detail of a procedure: the version in force, the list of versions, where to file. */
  async detail(code: string) {
    const rows = await this.versionsOf(code);
    if (!rows.length) throw new DomainError('NOT_FOUND', `Procedure ${code} is not in the catalog`, { field: 'params.code' });
    const today = localDate(this.deps.clock());
    // Not UNKNOWN_PROCEDURE (422, body.procedureCode): that is intake's answer, and this is a lookup by path.
    if (
      !versionInForce(
        rows.map((r) => ({ effectiveFrom: r.effective_from })),
        today,
      )
    ) {
      throw new DomainError('NOT_FOUND', `Procedure ${code} has no version in force on ${today}`, { field: 'params.code' });
    }
    const current = await this.versionOn(code, this.deps.clock());
    const filing = filingText(current.body.nonTerritorial, current.body.level);
    return {
      code,
      version: current.body,
      versionId: current.versionId,
      versions: rows.map((r) => ({ effectiveFrom: r.effective_from, versionId: r.versionId })),
      filing: filing.vi,
      filingEn: filing.en,
    };
  }

  /** The catalog's document types, by code. */
  async documentTypes(): Promise<Map<string, { code: string; nameVi: string; nameEn: string }>> {
    if (!this.types) {
      const rows = await repo.listDocumentTypeRows(this.deps.db);
      this.types = new Map(rows.map((t) => [t.code, { code: t.code, nameVi: t.name_vi, nameEn: t.name_en }]));
    }
    return this.types;
  }

  async listFields() {
    return (await repo.listFieldRows(this.deps.db)).map((f) => ({ code: f.code, nameVi: f.name_vi, nameEn: f.name_en }));
  }
}
