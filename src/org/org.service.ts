import { Compile } from 'typebox/compile';
import type { Kysely } from 'kysely';
import type { Commune, DB, Unit } from '../platform/db.types.js';
import { DomainError } from '../platform/errors.js';
import { recordAudit } from '../audit/audit.service.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import { DEMO_OFFICE_HOURS, WorkingCalendar, type OfficeHours } from '../calendar/calendar.model.js';
import { OrgDocumentSchema, type OrgDocument } from './org.schema.js';
import * as repo from './org.repository.js';

const orgValidator = Compile(OrgDocumentSchema);

export const SERVICE_POINT_KINDS = ['center', 'branch', 'commune_center'] as const;
export const AGENCY_KINDS = ['department', 'commune_committee'] as const;

/** Public shape of a unit. */
export function presentUnit(u: Unit) {
  return {
    id: u.id,
    key: u.key,
    kind: u.kind,
    agencyCode: u.agency_code,
    nameVi: u.name_vi,
    nameEn: u.name_en,
    parentId: u.parent_id,
    address: u.address,
    areaType: u.area_type,
    lat: u.lat,
    lon: u.lon,
    receivingUnitId: u.receiving_unit_id,
    communeCode: u.commune_code,
  };
}

/**
 * The province's organization. Units and communes change rarely, so they are held in memory
 * (reloaded after an import) and intake does not query them per request.
 */
export class OrgService {
  private units = new Map<number, Unit>();
  private byKey = new Map<string, Unit>();
  private communes = new Map<string, Commune>();
  private calendars = new Map<number, WorkingCalendar>();
  private loaded = false;

  constructor(private readonly deps: { db: Kysely<DB>; clock: () => Date; auditKey: AuditKey; defaultOfficeHours?: OfficeHours }) {}

  /** (Re)loads units and communes into memory. */
  async reload(): Promise<void> {
    const units = await repo.listUnits(this.deps.db);
    const communes = await repo.listCommunes(this.deps.db);
    this.units = new Map(units.map((u) => [u.id, u]));
    this.byKey = new Map(units.map((u) => [u.key, u]));
    this.communes = new Map(communes.map((c) => [c.code, c]));
    this.calendars.clear();
    this.loaded = true;
  }

  private async ensure(): Promise<void> {
    if (!this.loaded) await this.reload();
  }

  async unit(id: number): Promise<Unit> {
    await this.ensure();
    const u = this.units.get(id);
    if (!u) throw new DomainError('NOT_FOUND', `Unit ${id} not found`);
    return u;
  }

  async unitByKey(key: string): Promise<Unit | undefined> {
    await this.ensure();
    return this.byKey.get(key);
  }

  /** Vietnamese name of a loaded unit (call after any async accessor has loaded the organization). */
  unitName(id: number): string {
    return this.units.get(id)?.name_vi ?? `#${id}`;
  }

  /** English name of a loaded unit (as unitName). */
  unitNameEn(id: number): string {
    return this.units.get(id)?.name_en ?? `#${id}`;
  }

  async commune(code: string): Promise<Commune | undefined> {
    await this.ensure();
    return this.communes.get(code);
  }

  async listUnits(kinds?: string[]): Promise<Unit[]> {
    await this.ensure();
    return [...this.units.values()].filter((u) => !kinds?.length || kinds.includes(u.kind)).sort((a, b) => a.id - b.id);
  }

  async listCommunes(): Promise<Commune[]> {
    await this.ensure();
    return [...this.communes.values()].sort((a, b) => a.code.localeCompare(b.code));
  }

  /** The working calendar of a unit: its own office hours, else its parent's, else the province default. */
  async calendarOf(unitId: number): Promise<WorkingCalendar> {
    await this.ensure();
    const cached = this.calendars.get(unitId);
    if (cached) return cached;
    let hours: OfficeHours | undefined;
    for (let u = this.units.get(unitId); u && !hours; u = u.parent_id ? this.units.get(u.parent_id) : undefined) {
      if (u.office_hours) hours = (typeof u.office_hours === 'string' ? JSON.parse(u.office_hours) : u.office_hours) as OfficeHours;
    }
    const calendar = new WorkingCalendar({ officeHours: hours ?? this.deps.defaultOfficeHours ?? DEMO_OFFICE_HOURS });
    this.calendars.set(unitId, calendar);
    return calendar;
  }

  /** Imports a province's organization in one transaction (an empty database only). */
  async importOrg(
    doc: unknown,
    opts: { validFrom?: string; officeHours?: OfficeHours } = {},
  ): Promise<{ units: number; communes: number }> {
    if (!orgValidator.Check(doc)) {
      const first = [...orgValidator.Errors(doc)][0];
      throw new DomainError('VALIDATION', `The organization document is invalid: ${first?.instancePath ?? ''} ${first?.message ?? ''}`);
    }
    const org = doc as OrgDocument;
    const { db, clock } = this.deps;
    if ((await repo.countUnits(db)) > 0) throw new DomainError('CONFLICT', 'The organization is already loaded');
    const validFrom = opts.validFrom ?? '2025-07-01';
    const pc = org.province.code;
    const hours = JSON.stringify(opts.officeHours ?? DEMO_OFFICE_HOURS);
    const base = { province_code: pc, valid_from: validFrom, valid_to: null, receiving_unit_id: null, commune_code: null };
    let units = 0;
    await db.transaction().execute(async (trx) => {
      const provinceId = await repo.insertUnit(trx, {
        ...base,
        key: 'PROVINCE',
        parent_id: null,
        kind: 'province',
        agency_code: org.province.agencyCode,
        name_vi: org.province.nameVi,
        name_en: org.province.nameEn,
        address: null,
        area_type: null,
        lat: null,
        lon: null,
        office_hours: hours,
      });
      const c = org.provincialCenter;
      const centerId = await repo.insertUnit(trx, {
        ...base,
        key: c.key,
        parent_id: provinceId,
        kind: 'center',
        agency_code: c.agencyCode,
        name_vi: c.nameVi,
        name_en: c.nameEn,
        address: c.address,
        area_type: c.areaType,
        lat: c.lat,
        lon: c.lon,
        office_hours: null,
      });
      units += 2;
      for (const b of org.branches) {
        await repo.insertUnit(trx, {
          ...base,
          key: b.key,
          parent_id: centerId,
          kind: 'branch',
          agency_code: b.agencyCode,
          name_vi: b.nameVi,
          name_en: b.nameEn,
          address: b.address,
          area_type: b.areaType,
          lat: b.lat,
          lon: b.lon,
          office_hours: null,
        });
        units++;
      }
      for (const d of org.departments) {
        await repo.insertUnit(trx, {
          ...base,
          receiving_unit_id: centerId,
          key: d.key,
          parent_id: provinceId,
          kind: 'department',
          agency_code: d.agencyCode,
          name_vi: d.nameVi,
          name_en: d.nameEn,
          address: c.address,
          area_type: null,
          lat: null,
          lon: null,
          office_hours: null,
        });
        units++;
      }
      for (const m of org.communes) {
        const centerUnit = await repo.insertUnit(trx, {
          ...base,
          commune_code: m.code,
          key: `${m.key}-TT`,
          parent_id: provinceId,
          kind: 'commune_center',
          agency_code: m.centerAgencyCode,
          name_vi: `Trung tâm Phục vụ hành chính công ${m.nameVi}`,
          name_en: `${m.nameEn} Public Administration Service Center`,
          address: m.address,
          area_type: m.areaType,
          lat: m.lat,
          lon: m.lon,
          office_hours: null,
        });
        const committee = await repo.insertUnit(trx, {
          ...base,
          commune_code: m.code,
          receiving_unit_id: centerUnit,
          key: `${m.key}-UB`,
          parent_id: provinceId,
          kind: 'commune_committee',
          agency_code: m.committeeAgencyCode,
          name_vi: `Ủy ban nhân dân ${m.nameVi}`,
          name_en: `${m.nameEn} People's Committee`,
          address: m.address,
          area_type: m.areaType,
          lat: m.lat,
          lon: m.lon,
          office_hours: null,
        });
        await repo.insertCommune(trx, {
          code: m.code,
          province_code: pc,
          name_vi: m.nameVi,
          name_en: m.nameEn,
          kind: m.kind,
          area_type: m.areaType,
          committee_unit_id: committee,
          center_unit_id: centerUnit,
          lat: m.lat,
          lon: m.lon,
        });
        units += 2;
      }
      await recordAudit(
        trx,
        this.deps.auditKey,
        {
          actorKind: 'system',
          actorId: null,
          stream: 'system',
          action: 'org.import',
          entityType: 'province',
          entityId: pc,
          data: { units, communes: org.communes.length },
        },
        clock(),
      );
    });
    await this.reload();
    return { units, communes: org.communes.length };
  }
}
