import type { Kysely } from 'kysely';
import type { DB, Dossier } from '../platform/db.types.js';
import { DomainError } from '../platform/errors.js';
import { byStaff, recordAudit } from '../audit/audit.service.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import { requireRole, type Actor } from '../auth/auth.model.js';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { OrgService } from '../org/org.service.js';
import { SERVICE_POINT_KINDS } from '../org/org.service.js';
import { DUPLICATE_STATUSES, idNumberProblem, type DossierStatus } from './dossier.model.js';
import { INTAKE_TTL_MS, MAX_OPEN_INTAKES, MAX_STORE_LISTINGS_PER_HOUR } from './store.model.js';
import type { IntakeStartInput } from './dossier.schema.js';
import * as repo from './store.repository.js';

export interface StoreDeps {
  auditKey: AuditKey;
  db: Kysely<DB>;
  clock: () => Date;
  catalog: CatalogService;
  org: OrgService;
  /** A dossier the actor may see (404 outside their scope). */
  visible: (actor: Actor, code: string) => Promise<Dossier>;
}

type IntakeRow = NonNullable<Awaited<ReturnType<typeof repo.intakeById>>>;
type StoreRow = Awaited<ReturnType<typeof repo.storeListing>>[number];

/**
 * The citizen's document store is private: it is listed only for a purpose, either a dossier of that citizen the
 * caller handles (in their scope and open) or an intake in progress for them that a clerk opened after checking the
 * ID card (bounded in time and number, closed when the dossier is received). Every listing is recorded (store_access)
 * and audited with its purpose; staff make at most MAX_STORE_LISTINGS_PER_HOUR an hour; the answer carries no file
 * hashes (a document is attached by its id, and is then a file of a dossier in the clerk's scope).
 */
export class StoreService {
  constructor(private readonly deps: StoreDeps) {}

  /** A clerk at a service point starts an intake for the citizen whose ID card they checked (or gets the one in progress). */
  async openIntake(actor: Actor, input: IntakeStartInput): Promise<{ intake: ReturnType<typeof presentIntake>; created: boolean }> {
    requireRole(actor, 'clerk');
    const point = await this.deps.org.unit(actor.unitId);
    if (!(SERVICE_POINT_KINDS as readonly string[]).includes(point.kind))
      throw new DomainError('FORBIDDEN', 'Only clerks at a service point take intakes');
    const problem = idNumberProblem(input.idNumber, this.deps.clock());
    if (problem) throw new DomainError('INVALID_ID_NUMBER', `Citizen ID number ${problem}`, { field: 'body.idNumber' });
    const now = this.deps.clock();
    const version = input.procedureCode ? await this.deps.catalog.versionOn(input.procedureCode, now) : undefined;
    const open = await repo.openIntakesOf(this.deps.db, actor.staffId, now);
    const same = open.find((i) => i.id_number === input.idNumber);
    if (same) return { intake: presentIntake(same), created: false };
    if (open.length >= MAX_OPEN_INTAKES)
      throw new DomainError(
        'CONFLICT',
        `Đang có ${open.length} lượt tiếp nhận chưa xong; hoàn tất hoặc đóng bớt trước khi mở lượt mới / You hold ${open.length} intakes in progress (at most ${MAX_OPEN_INTAKES}); finish or close one first`,
        { field: 'body.idNumber', details: { open: open.length, max: MAX_OPEN_INTAKES } },
      );
    const reason = input.reason?.trim() || null;
    const id = await this.deps.db.transaction().execute(async (trx) => {
      const row = await repo.insertIntake(trx, {
        staff_id: actor.staffId,
        unit_id: actor.unitId,
        id_number: input.idNumber,
        procedure_id: version?.procedureId ?? null,
        reason,
        opened_at: now,
        expires_at: new Date(now.getTime() + INTAKE_TTL_MS),
      });
      await recordAudit(
        trx,
        this.deps.auditKey,
        {
          ...byStaff(actor),
          action: 'intake.open',
          entityType: 'intake',
          entityId: String(row.id),
          data: { procedureCode: version?.code ?? null, reason },
        },
        now,
      );
      return row.id;
    });
    return { intake: presentIntake((await repo.intakeById(this.deps.db, id))!), created: true };
  }

  /** The clerk ends an intake in progress (the citizen left without filing); receiving the dossier ends it too. */
  async closeIntake(actor: Actor, id: number): Promise<void> {
    requireRole(actor, 'clerk');
    const intake = await this.ownIntake(actor, id, 'params.id');
    const now = this.deps.clock();
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await repo.closeIntake(trx, intake.id, now))) return;
      await recordAudit(
        trx,
        this.deps.auditKey,
        {
          ...byStaff(actor),
          action: 'intake.close',
          entityType: 'intake',
          entityId: String(intake.id),
          data: {},
        },
        now,
      );
    });
  }

  /** The documents of a citizen's store, for a purpose: a dossier the caller handles, or the caller's intake in progress. */
  async list(actor: Actor, q: { dossierCode?: string; intakeId?: number }) {
    requireRole(actor, 'clerk', 'specialist', 'approver');
    if ((q.dossierCode === undefined) === (q.intakeId === undefined))
      throw new DomainError(
        'VALIDATION',
        'Kho dữ liệu của công dân chỉ được xem khi có mục đích: mã hồ sơ đang giải quyết (dossierCode) hoặc lượt tiếp nhận (intakeId) / A citizen’s store is listed only for a purpose: give dossierCode (a dossier you handle) or intakeId (your intake in progress), not both',
        { field: 'querystring' },
      );
    const now = this.deps.clock();
    let owner: string;
    let purpose: { purpose: 'dossier'; dossier: Dossier } | { purpose: 'intake'; intake: IntakeRow };
    if (q.dossierCode !== undefined) {
      // Outside the caller's scope a dossier is 404, as on every dossier route: codes cannot be probed.
      const d = await this.deps.visible(actor, q.dossierCode).catch((e: unknown) => {
        if (e instanceof DomainError && e.code === 'NOT_FOUND')
          throw new DomainError('NOT_FOUND', e.message, { field: 'querystring.dossierCode' });
        throw e;
      });
      if (!DUPLICATE_STATUSES.includes(d.status as DossierStatus))
        throw new DomainError(
          'FORBIDDEN',
          `Hồ sơ ${d.code} đã kết thúc, không còn là lý do để xem kho dữ liệu / Dossier ${d.code} is ${d.status.replaceAll('_', ' ')}: it is no longer a reason to read the applicant’s store`,
          { field: 'querystring.dossierCode' },
        );
      owner = d.applicant_id_number;
      purpose = { purpose: 'dossier', dossier: d };
    } else {
      requireRole(actor, 'clerk');
      const intake = await this.ownIntake(actor, q.intakeId!, 'querystring.intakeId');
      if (intake.closed_at || intake.expires_at <= now)
        throw new DomainError(
          'CONFLICT',
          `Lượt tiếp nhận ${intake.id} đã ${intake.closed_at ? 'đóng' : 'hết hạn'}; mở lượt mới / Intake ${intake.id} ${intake.closed_at ? 'was closed' : 'has expired'}: start another`,
          {
            field: 'querystring.intakeId',
            details: { closedAt: intake.closed_at?.toISOString() ?? null, expiresAt: intake.expires_at.toISOString() },
          },
        );
      owner = intake.id_number;
      purpose = { purpose: 'intake', intake };
    }
    if ((await repo.listingsInHourBefore(this.deps.db, actor.staffId, now)) >= MAX_STORE_LISTINGS_PER_HOUR)
      throw new DomainError(
        'RATE_LIMITED',
        `Đã xem kho dữ liệu ${MAX_STORE_LISTINGS_PER_HOUR} lần trong một giờ qua; thử lại sau / At most ${MAX_STORE_LISTINGS_PER_HOUR} store listings an hour; try again later`,
      );
    const docs = await repo.storeListing(this.deps.db, owner);
    await this.deps.db.transaction().execute(async (trx) => {
      await repo.insertStoreAccess(trx, {
        staff_id: actor.staffId,
        unit_id: actor.unitId,
        owner_id_number: owner,
        purpose: purpose.purpose,
        dossier_id: purpose.purpose === 'dossier' ? purpose.dossier.id : null,
        intake_id: purpose.purpose === 'intake' ? purpose.intake.id : null,
        documents: docs.length,
        at: now,
      });
      await recordAudit(
        trx,
        this.deps.auditKey,
        {
          ...byStaff(actor),
          action: 'store.read',
          // The dossier or the intake that was the reason: their rows say whose store it was.
          entityType: purpose.purpose,
          entityId: purpose.purpose === 'dossier' ? purpose.dossier.code : String(purpose.intake.id),
          data:
            purpose.purpose === 'dossier'
              ? { purpose: 'dossier', dossierCode: purpose.dossier.code, documents: docs.length }
              : { purpose: 'intake', intakeId: purpose.intake.id, reason: purpose.intake.reason, documents: docs.length },
        },
        now,
      );
    });
    return docs.map((d) => presentStoreDocument(d, this.deps.org));
  }

  /** The owner's own store, read by the owner (a logged-in citizen): no purpose to give, no listing to count or record. */
  async ownDocuments(idNumber: string) {
    return (await repo.storeListing(this.deps.db, idNumber)).map((d) => presentStoreDocument(d, this.deps.org));
  }

  /** The caller's own intake (another clerk's is 404: intake ids cannot be probed). */
  private async ownIntake(actor: Actor, id: number, field: string): Promise<IntakeRow> {
    const intake = await repo.intakeById(this.deps.db, id);
    if (!intake || intake.staff_id !== actor.staffId) throw new DomainError('NOT_FOUND', `Intake ${id} not found`, { field });
    return intake;
  }
}

/** An intake as the API shows it. */
function presentIntake(i: IntakeRow) {
  return {
    id: i.id,
    idNumber: i.id_number,
    procedureCode: i.procedure_code,
    reason: i.reason,
    openedAt: i.opened_at.toISOString(),
    expiresAt: i.expires_at.toISOString(),
  };
}

/** A stored document as a listing shows it (no file hash, no source dossier). */
function presentStoreDocument(d: StoreRow, org: Pick<OrgService, 'unitName'>) {
  return {
    id: d.id,
    kind: d.kind,
    title: d.title,
    documentType: d.document_type
      ? { code: d.document_type, nameVi: d.type_name_vi ?? d.document_type, nameEn: d.type_name_en ?? d.document_type }
      : null,
    issuedAt: d.issued_at.toISOString(),
    issuerNameVi: d.issuer_unit_id ? org.unitName(d.issuer_unit_id) : null,
  };
}
