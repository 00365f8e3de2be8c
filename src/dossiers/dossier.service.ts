import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB, Dossier, DossierUpdate, Unit } from '../platform/db.types.js';
import { DomainError } from '../platform/errors.js';
import { idempotent } from '../platform/idempotency.js';
import { recordAudit } from '../audit/audit.service.js';
import { inScope, requireRole, type Actor } from '../auth/auth.model.js';
import type { CatalogService, ProcedureVersion } from '../catalog/catalog.service.js';
import { localDate } from '../catalog/catalog.service.js';
import type { OrgService } from '../org/org.service.js';
import { SERVICE_POINT_KINDS } from '../org/org.service.js';
import type { WorkingCalendar } from '../calendar/calendar.model.js';
import {
  CHANNEL,
  checkTransition,
  dossierCode,
  idNumberProblem,
  normalizePhone,
  PORTAL_STATUS,
  feeDue,
  processingSteps,
  transferDeadline,
  roleForStep,
  timeliness,
  type DossierAction,
  type DossierStatus,
  type ProcessingStep,
} from './dossier.model.js';
import * as repo from './dossier.repository.js';
import { TOKEN_LENGTH, trackingToken } from '../tracking/tracking.model.js';
import { presentDossier, type DossierView } from './dossier.presenter.js';

export interface ApplicantInput {
  idNumber: string;
  name: string;
  phone: string;
  email?: string;
  address: string;
  communeCode: string;
}

export interface ComponentInput {
  code: string;
  source: 'upload' | 'store' | 'population_db' | 'paper';
  fileSha256?: string;
  storeDocumentId?: number;
}

export interface IntakeInput {
  procedureCode: string;
  applicant: ApplicantInput;
  components: ComponentInput[];
  returnPointId?: number;
  fastTrack?: boolean;
  note?: string;
}

export interface TransitionInput {
  version: number;
  note?: string;
  resultFileSha256?: string;
  newDueAt?: string;
}

export interface DossierDeps {
  db: Kysely<DB>;
  clock: () => Date;
  org: OrgService;
  catalog: CatalogService;
  /** Told the code of every dossier a committed write changed (public tracking forgets its cached answer). */
  onChange?: (code: string) => void;
}

type Who = { kind: 'staff'; actor: Actor } | { kind: 'citizen' } | { kind: 'system' };

const DUE_SOON_HOURS = 24;

/** Dossier use cases: intake anywhere, routing, the legal clock, the state machine, process control. */
export class DossierService {
  constructor(private readonly deps: DossierDeps) {}

  // ---------- intake ----------

  /** A clerk receives a dossier at the counter of their service point; the clock starts now. */
  async receiveAtCounter(actor: Actor, input: IntakeInput, idempotencyKey?: string): Promise<DossierView> {
    requireRole(actor, 'clerk');
    const now = this.deps.clock();
    const point = await this.deps.org.unit(actor.unitId);
    if (!(SERVICE_POINT_KINDS as readonly string[]).includes(point.kind))
      throw new DomainError('FORBIDDEN', 'Only clerks at a service point receive dossiers');
    const plan = await this.plan(input, now, 'counter');
    try {
      // Non-territorial procedures are received anywhere in the province; others only where their agency receives.
      if (!plan.version.body.nonTerritorial && plan.receivingPoint.id !== point.id) {
        const where = plan.receivingPoint;
        throw new DomainError(
          'WRONG_SERVICE_POINT',
          `Thủ tục này không được tiếp nhận tại đây: nộp tại ${where.name_vi}, ${where.address ?? ''} / This procedure is not received here: file it at ${where.name_en}, ${where.address ?? ''}`,
          {
            field: 'body.procedureCode',
            details: { serviceUnitId: where.id, nameVi: where.name_vi, nameEn: where.name_en, address: where.address },
          },
        );
      }
      const returnPoint = await this.returnPoint(input.returnPointId, point);
      const calendar = await this.deps.org.calendarOf(point.id);
      const due = calendar.dueDate(now, plan.limit.value, plan.limit.unit);
      const stepDue = this.stepDue(calendar, now, due, plan.version.body.steps, 0);
      // The counter, the dossier, its components, its 'receive' event, its first step and its audit entry: one
      // statement, in which the components' foreign key checks that the uploaded files exist (insertDossier).
      const receive = async (db: Kysely<DB>) => {
        const d = await this.insertDossier(db, plan, {
          point,
          returnPoint,
          channel: CHANNEL.counter,
          status: 'received',
          receivedAt: now,
          dueAt: due,
          createdBy: actor.staffId,
          now,
          event: { action: 'receive', who: { kind: 'staff', actor }, note: input.note ?? null, data: { due: due.toISOString() } },
          step: {
            seq: 1,
            role: 'receive',
            from_unit_id: null,
            to_unit_id: point.id,
            handed_by: actor.staffId,
            handed_at: now,
            due_at: stepDue,
          },
        });
        // The components are exactly the rows just written, in the same order: no need to read them back.
        return presentDossier(d, plan.version, plan.components, this.names(), actor);
      };
      // A single statement is its own transaction: without an Idempotency-Key nothing else commits with it, so it
      // is sent alone (no BEGIN/COMMIT round trips). With a key, the key row joins it in one transaction, and the
      // files are checked first so that a replay or a key conflict is only ever the answer to a valid request.
      if (!idempotencyKey) return await receive(this.deps.db);
      await plan.uploads.check();
      const { value } = await idempotent(this.deps.db, idempotencyKey, `staff:${actor.staffId}`, input, receive);
      return value;
    } catch (e) {
      // A missing uploaded file is reported before anything checked after the components, as it always was.
      await plan.uploads.check();
      throw e;
    }
  }

  /** A citizen submits online (status 1); the clock starts when a clerk receives it. */
  async submitOnline(input: IntakeInput, idempotencyKey?: string): Promise<DossierView> {
    const now = this.deps.clock();
    const plan = await this.plan(input, now, 'online');
    const point = plan.receivingPoint;
    const returnPoint = await this.returnPoint(input.returnPointId, point);
    const { value } = await idempotent(this.deps.db, idempotencyKey, 'public', input, async (trx) => {
      const d = await this.insertDossier(trx, plan, {
        point,
        returnPoint,
        channel: CHANNEL.online,
        status: 'submitted',
        receivedAt: null,
        dueAt: null,
        createdBy: null,
        now,
      });
      await this.writeEvent(trx, d, 'submit_online', null, { kind: 'citizen' }, now, null, null);
      return presentDossier(d, plan.version, await repo.componentsOf(trx, d.id), this.names());
    });
    return value;
  }

  /** Validates an intake request and works out routing, limit and components (no writes). */
  private async plan(input: IntakeInput, now: Date, channel: 'counter' | 'online') {
    const a = input.applicant;
    const idProblem = idNumberProblem(a.idNumber);
    if (idProblem) throw new DomainError('INVALID_ID_NUMBER', `Citizen ID number ${idProblem}`, { field: 'body.applicant.idNumber' });
    const phone = normalizePhone(a.phone);
    if (!phone)
      throw new DomainError('VALIDATION', 'Phone number must be 10 digits starting with 0 (or +84 and 9 digits)', {
        field: 'body.applicant.phone',
      });
    const commune = await this.deps.org.commune(a.communeCode);
    if (!commune)
      throw new DomainError('UNKNOWN_COMMUNE', `Commune ${a.communeCode} is not in this province`, { field: 'body.applicant.communeCode' });
    const version = await this.deps.catalog.versionOn(input.procedureCode, now);
    const v = version.body;
    // Routing by authority, never by where the dossier was filed.
    let competent: Unit;
    if (v.level === 'commune') competent = await this.deps.org.unit(commune.committee_unit_id);
    else {
      const dept = await this.deps.org.unitByKey(v.agencyKey ?? '');
      if (!dept)
        throw new DomainError(
          'UNKNOWN_PROCEDURE',
          `Procedure ${version.code} names agency ${v.agencyKey}, which this province does not have`,
          { field: 'body.procedureCode' },
        );
      competent = dept;
    }
    if (!competent.receiving_unit_id) throw new DomainError('INTERNAL', `Agency ${competent.key} has no receiving service point`);
    const receivingPoint = await this.deps.org.unit(competent.receiving_unit_id);
    if (input.fastTrack && !v.fastTrack)
      throw new DomainError('VALIDATION', `Procedure ${version.code} has no fast-track option`, { field: 'body.fastTrack' });
    const limit = input.fastTrack && v.fastTrack ? v.fastTrack : v.timeLimit;
    const { rows: components, uploads } = await this.resolveComponents(version, input.components, a.idNumber, channel);
    const fee = feeDue(v.fees, channel);
    return {
      version,
      applicant: { ...a, phone },
      competent,
      receivingPoint,
      limit,
      components,
      uploads,
      fee,
      fastTrack: Boolean(input.fastTrack && v.fastTrack),
    };
  }

  /**
   * Checks the components against the procedure and returns their rows. Uploaded files are looked up in the
   * blob table lazily, in one query: before any later error is thrown (so errors still come in the order of
   * the request), at the end for an online submission, and for counter intake by the write statement itself
   * (the components' foreign key to the stored files); `uploads.check()` throws the first missing file's error.
   */
  private async resolveComponents(version: ProcedureVersion, given: ComponentInput[], idNumber: string, channel: 'counter' | 'online') {
    const spec = new Map(version.body.components.map((c) => [c.code, c]));
    const pending: { sha256: string; field: string }[] = [];
    const uploads = {
      check: async (): Promise<void> => {
        if (!pending.length) return;
        const found = await repo.existingBlobs(
          this.deps.db,
          pending.map((u) => u.sha256),
        );
        const missing = pending.find((u) => !found.has(u.sha256));
        if (missing) throw new DomainError('VALIDATION', `File ${missing.sha256} was not uploaded`, { field: missing.field });
        pending.length = 0;
      },
    };
    const fail = async (e: DomainError): Promise<never> => {
      await uploads.check(); // a missing file of an earlier component is the first error
      throw e;
    };
    const seen = new Set<string>();
    const rows: Omit<repo.ComponentRow, 'dossier_id'>[] = [];
    for (const [i, c] of given.entries()) {
      const field = `body.components.${i}`;
      const s = spec.get(c.code);
      if (!s)
        return fail(new DomainError('VALIDATION', `Procedure ${version.code} has no component ${c.code}`, { field: `${field}.code` }));
      if (seen.has(c.code)) return fail(new DomainError('VALIDATION', `Component ${c.code} is given twice`, { field: `${field}.code` }));
      seen.add(c.code);
      let blob: string | null = null;
      let storeDoc: number | null = null;
      if (c.source === 'upload') {
        if (!c.fileSha256)
          return fail(
            new DomainError('VALIDATION', 'An uploaded component needs fileSha256 (upload it with POST /files first)', {
              field: `${field}.fileSha256`,
            }),
          );
        pending.push({ sha256: c.fileSha256, field: `${field}.fileSha256` });
        blob = c.fileSha256;
      } else if (c.source === 'store') {
        // An online submitter is not identified (no VNeID log-in yet): typing someone's ID number must not
        // attach their stored documents. At the counter the clerk has checked the ID card.
        if (channel === 'online')
          return fail(
            new DomainError(
              'VALIDATION',
              'Documents from the store are reused at the counter only; an online submission uploads its files',
              { field: `${field}.source` },
            ),
          );
        if (!c.storeDocumentId)
          return fail(
            new DomainError('VALIDATION', 'A component from the document store needs storeDocumentId', {
              field: `${field}.storeDocumentId`,
            }),
          );
        const doc = await repo.storeDocument(this.deps.db, c.storeDocumentId);
        if (!doc || doc.owner_id_number !== idNumber)
          return fail(
            new DomainError('VALIDATION', `Document ${c.storeDocumentId} is not in this applicant's document store`, {
              field: `${field}.storeDocumentId`,
            }),
          );
        blob = doc.blob_sha256;
        storeDoc = doc.id;
      } else if (c.source === 'population_db') {
        if (s.supply !== 'population_db')
          return fail(
            new DomainError('VALIDATION', `Component ${c.code} cannot be taken from the National Population Database`, {
              field: `${field}.source`,
            }),
          );
      } else if (channel === 'online') {
        return fail(new DomainError('VALIDATION', 'An online submission carries files, not paper', { field: `${field}.source` }));
      }
      rows.push({
        component_code: c.code,
        name_vi: s.nameVi,
        form: s.form,
        count: s.count,
        required: s.required,
        source: c.source,
        blob_sha256: blob,
        store_document_id: storeDoc,
        digitized: c.source !== 'paper',
      });
    }
    const missing = version.body.components.filter((c) => c.required && !seen.has(c.code)).map((c) => c.code);
    if (missing.length) {
      return fail(
        new DomainError('VALIDATION', `Hồ sơ thiếu thành phần bắt buộc / Required components missing: ${missing.join(', ')}`, {
          field: 'body.components',
          details: { missing },
        }),
      );
    }
    if (channel === 'online') await uploads.check();
    return { rows, uploads };
  }

  private async returnPoint(id: number | undefined, fallback: Unit): Promise<Unit> {
    if (id === undefined) return fallback;
    const u = await this.deps.org.unit(id).catch(() => undefined);
    if (!u || !(SERVICE_POINT_KINDS as readonly string[]).includes(u.kind))
      throw new DomainError('VALIDATION', `Unit ${id} is not a service point where results are returned`, { field: 'body.returnPointId' });
    return u;
  }

  /**
   * Writes a new dossier and its components under the next code of the receiving point's day, and when
   * given its first event (with the audit entry writeEvent would record) and its first step: one statement.
   */
  private async insertDossier(
    trx: Kysely<DB>,
    plan: Awaited<ReturnType<DossierService['plan']>>,
    o: {
      point: Unit;
      returnPoint: Unit;
      channel: number;
      status: DossierStatus;
      receivedAt: Date | null;
      dueAt: Date | null;
      createdBy: number | null;
      now: Date;
      /** The first event, at o.now; written as writeEvent writes one. */
      event?: { action: string; who: Who; note: string | null; data: Record<string, unknown> | null };
      /** The first process-control step. */
      step?: Omit<repo.StepRow, 'dossier_id'>;
    },
  ): Promise<Dossier> {
    const day = localDate(o.now);
    const a = plan.applicant;
    const version = 1; // a new dossier's first version: its first event's seq and what the audit entry records
    let event: repo.NewDossierWrite['event'];
    let audit: repo.NewDossierWrite['audit'];
    if (o.event) {
      const { who } = o.event;
      const actorId = who.kind === 'staff' ? who.actor.staffId : null;
      const unitId = who.kind === 'staff' ? who.actor.unitId : o.point.id;
      event = {
        province_code: o.point.province_code,
        action: o.event.action,
        from_status: null,
        to_status: o.status,
        actor_kind: who.kind,
        actor_id: actorId,
        unit_id: unitId,
        at: o.now,
        note: o.event.note,
        data: o.event.data ? JSON.stringify(o.event.data) : null,
      };
      audit = {
        entry: {
          actorKind: who.kind,
          actorId,
          stream: `unit:${unitId}`,
          action: `dossier.${o.event.action}`,
          entityType: 'dossier',
          data: { version, status: o.status },
        },
        at: o.now,
      };
    }
    const written = await repo.insertNewDossier(trx, {
      counter: { prefix: o.point.agency_code, day },
      codePrefix: dossierCode(o.point.agency_code, day, 0).slice(0, -4),
      dossier: {
        version,
        province_code: o.point.province_code,
        procedure_id: plan.version.procedureId,
        procedure_version_id: plan.version.versionId,
        channel: o.channel,
        status: o.status,
        portal_status: PORTAL_STATUS[o.status],
        receiving_unit_id: o.point.id,
        competent_agency_id: plan.competent.id,
        current_unit_id: o.point.id,
        return_point_id: o.returnPoint.id,
        applicant_id_number: a.idNumber,
        applicant_name: a.name,
        applicant_phone: a.phone,
        applicant_email: a.email ?? null,
        applicant_address: a.address,
        applicant_commune_code: a.communeCode,
        fast_track: plan.fastTrack,
        limit_value: plan.limit.value,
        limit_unit: plan.limit.unit,
        fee_total_vnd: plan.fee,
        submitted_at: o.channel === CHANNEL.online ? o.now : null,
        received_at: o.receivedAt,
        due_at: o.dueAt,
        original_due_at: o.dueAt,
        created_by: o.createdBy,
        created_at: o.now,
        updated_at: o.now,
        // A new dossier: at its first step, never paused, paid, decided, returned, late or apologized for.
        current_step: 0,
        paused_at: null,
        paused_ms: 0,
        supplement_count: 0,
        paid_at: null,
        decided_at: null,
        returned_at: null,
        late_flagged_at: null,
        apology_due_at: null,
        result_document_id: null,
        // The secret of the receipt's tracking URL (its QR code): 60 random bits.
        tracking_token: trackingToken(randomBytes(TOKEN_LENGTH)),
      },
      components: plan.components,
      event,
      step: o.step,
      audit,
    });
    // Nothing was written when an uploaded file is missing (reported with the component that names it) or the
    // day's numbers are used up, which the model refuses: dossierCode throws CONFLICT for the 10,000th.
    if (written === 'file_missing') {
      await plan.uploads.check();
      throw new DomainError('VALIDATION', 'A component names a file that was not uploaded', { field: 'body.components' });
    }
    if (written === 'numbers_used_up') {
      dossierCode(o.point.agency_code, day, 10_000);
      throw new DomainError('CONFLICT', 'The daily dossier numbers are used up');
    }
    // dossierCode is the reference format of the code the statement assigned.
    const { dossier: d, seq } = written;
    if (d.code !== dossierCode(o.point.agency_code, day, seq))
      throw new DomainError('INTERNAL', `Dossier code ${d.code} does not match its sequence number ${seq}`);
    return d;
  }

  // ---------- reads ----------

  /** A dossier the actor may see (404 outside their scope, so codes cannot be probed). */
  async get(actor: Actor, code: string): Promise<DossierView> {
    const d = await this.visible(actor, code);
    const version = await this.deps.catalog.versionById(d.procedure_version_id);
    return presentDossier(d, version, await repo.componentsOf(this.deps.db, d.id), this.names(), actor);
  }

  async events(actor: Actor, code: string) {
    const d = await this.visible(actor, code);
    const names = this.names();
    return (await repo.eventsOf(this.deps.db, d.id)).map((e) => ({
      seq: e.seq,
      action: e.action,
      fromStatus: e.from_status,
      toStatus: e.to_status,
      actorKind: e.actor_kind,
      actorId: e.actor_id,
      unitId: e.unit_id,
      unitNameVi: e.unit_id ? names(e.unit_id) : null,
      at: e.at.toISOString(),
      note: e.note,
    }));
  }

  /** Process control (phiếu kiểm soát): who handed the dossier to whom, when, and whether each step was early, on time or late. */
  async processControl(actor: Actor, code: string) {
    const d = await this.visible(actor, code);
    const names = this.names();
    const now = this.deps.clock();
    return (await repo.stepsOf(this.deps.db, d.id)).map((s) => ({
      seq: s.seq,
      role: s.role,
      fromUnitId: s.from_unit_id,
      fromUnitNameVi: s.from_unit_id ? names(s.from_unit_id) : null,
      toUnitId: s.to_unit_id,
      toUnitNameVi: names(s.to_unit_id),
      handedBy: s.handed_by,
      handedAt: s.handed_at.toISOString(),
      dueAt: s.due_at?.toISOString() ?? null,
      completedBy: s.completed_by,
      completedAt: s.completed_at?.toISOString() ?? null,
      outcome: s.outcome ?? (s.due_at && !s.completed_at && now > s.due_at ? 'late' : null),
    }));
  }

  async list(
    actor: Actor,
    q: { status?: string[]; risk?: 'due_soon' | 'late' | 'paused'; q?: string; procedureCode?: string; limit?: number; offset?: number },
  ) {
    const now = this.deps.clock();
    const rows = await repo.listDossiers(this.deps.db, {
      scopeUnitIds: actor.scopeUnitIds,
      now,
      soonUntil: new Date(now.getTime() + DUE_SOON_HOURS * 3_600_000),
      limit: q.limit ?? 50,
      offset: q.offset ?? 0,
      ...(q.status ? { status: q.status } : {}),
      ...(q.risk ? { risk: q.risk } : {}),
      ...(q.q ? { q: q.q } : {}),
      ...(q.procedureCode ? { procedureCode: q.procedureCode } : {}),
    });
    const names = this.names();
    return rows.map((d) => ({
      code: d.code,
      procedureCode: d.procedure_code,
      status: d.status as DossierStatus,
      portalStatus: d.portal_status,
      applicantName: d.applicant_name,
      receivingUnitId: d.receiving_unit_id,
      currentUnitId: d.current_unit_id,
      currentUnitNameVi: d.current_unit_id ? names(d.current_unit_id) : null,
      receivedAt: d.received_at?.toISOString() ?? null,
      dueAt: d.due_at?.toISOString() ?? null,
      risk: riskOf(d, now),
      version: d.version,
    }));
  }

  /** The applicant's document store (earlier results, verified documents), for reuse at intake. */
  async storeDocuments(actor: Actor, idNumber: string) {
    requireRole(actor, 'clerk', 'specialist', 'approver');
    const problem = idNumberProblem(idNumber);
    if (problem) throw new DomainError('INVALID_ID_NUMBER', `Citizen ID number ${problem}`, { field: 'querystring.idNumber' });
    const docs = await repo.storeDocumentsOf(this.deps.db, idNumber);
    await this.deps.db.transaction().execute((trx) =>
      recordAudit(
        trx,
        {
          actorKind: 'staff',
          actorId: actor.staffId,
          stream: `unit:${actor.unitId}`,
          action: 'store.read',
          entityType: 'store',
          entityId: null,
          data: { documents: docs.length },
        },
        this.deps.clock(),
      ),
    );
    return docs.map((d) => ({
      id: d.id,
      kind: d.kind,
      title: d.title,
      fileSha256: d.blob_sha256,
      issuedAt: d.issued_at.toISOString(),
      sourceDossierId: d.source_dossier_id,
    }));
  }

  private async visible(actor: Actor, code: string): Promise<Dossier> {
    const d = await repo.findByCode(this.deps.db, code);
    if (!d) throw new DomainError('NOT_FOUND', `Dossier ${code} not found`, { field: 'params.code' });
    if (actor.scopeUnitIds === null || [d.receiving_unit_id, d.current_unit_id, d.return_point_id].some((u) => inScope(actor, u))) return d;
    const steps = await repo.stepsOf(this.deps.db, d.id);
    if (steps.some((s) => inScope(actor, s.to_unit_id))) return d;
    throw new DomainError('NOT_FOUND', `Dossier ${code} not found`, { field: 'params.code' });
  }

  private names(): (unitId: number) => string {
    const units = this.deps.org;
    return (id) => units.unitName(id);
  }

  // ---------- transitions ----------

  /** Attaches a scan (or a document from the store) to a component received on paper. */
  async attachComponent(
    actor: Actor,
    code: string,
    componentCode: string,
    input: { version: number; fileSha256?: string; storeDocumentId?: number },
  ): Promise<DossierView> {
    requireRole(actor, 'clerk');
    const d = await this.visible(actor, code);
    if (input.version !== d.version) throw this.stale(d);
    if (d.receiving_unit_id !== actor.unitId)
      throw new DomainError('OUT_OF_SCOPE', 'Only the receiving service point digitizes components');
    if (!['submitted', 'received', 'supplement_requested'].includes(d.status))
      throw new DomainError('INVALID_TRANSITION', `Components cannot change while the dossier is ${d.status}`);
    const version = await this.deps.catalog.versionById(d.procedure_version_id);
    if (!version.body.components.some((c) => c.code === componentCode))
      throw new DomainError('NOT_FOUND', `Procedure ${version.code} has no component ${componentCode}`, { field: 'params.componentCode' });
    let patch: Partial<repo.ComponentRow>;
    if (input.fileSha256) {
      if (!(await repo.blobInfo(this.deps.db, input.fileSha256)))
        throw new DomainError('VALIDATION', `File ${input.fileSha256} was not uploaded`, { field: 'body.fileSha256' });
      patch = { source: 'upload', blob_sha256: input.fileSha256, store_document_id: null, digitized: true };
    } else if (input.storeDocumentId) {
      const doc = await repo.storeDocument(this.deps.db, input.storeDocumentId);
      if (!doc || doc.owner_id_number !== d.applicant_id_number)
        throw new DomainError('VALIDATION', `Document ${input.storeDocumentId} is not in this applicant's document store`, {
          field: 'body.storeDocumentId',
        });
      patch = { source: 'store', blob_sha256: doc.blob_sha256, store_document_id: doc.id, digitized: true };
    } else {
      throw new DomainError('VALIDATION', 'Give fileSha256 or storeDocumentId', { field: 'body' });
    }
    const now = this.deps.clock();
    const result = await this.deps.db.transaction().execute(async (trx) => {
      const updated = await repo.updateIfVersion(trx, d.id, input.version, {});
      if (!updated) throw this.stale(d);
      const spec = version.body.components.find((c) => c.code === componentCode)!;
      const changed = await repo.updateComponent(trx, d.id, componentCode, patch);
      if (!changed) {
        await repo.insertComponents(trx, [
          {
            dossier_id: d.id,
            component_code: componentCode,
            name_vi: spec.nameVi,
            form: spec.form,
            count: spec.count,
            required: spec.required,
            source: patch.source!,
            blob_sha256: patch.blob_sha256 ?? null,
            store_document_id: patch.store_document_id ?? null,
            digitized: true,
          },
        ]);
      }
      await this.writeEvent(trx, updated, 'digitize', d.status, { kind: 'staff', actor }, now, null, { component: componentCode });
      return presentDossier(updated, version, await repo.componentsOf(trx, d.id), this.names(), actor);
    });
    this.deps.onChange?.(d.code);
    return result;
  }

  /** Applies one action of the state machine in one transaction with its event, hand-over rows and audit entry. */
  async transition(actor: Actor, code: string, action: DossierAction, input: TransitionInput): Promise<DossierView> {
    const d = await this.visible(actor, code);
    // Judge the request against the state its sender saw; the update re-checks the version for races.
    if (input.version !== d.version) throw this.stale(d);
    const to = checkTransition(
      {
        status: d.status as DossierStatus,
        receivingUnitId: d.receiving_unit_id,
        currentUnitId: d.current_unit_id,
        returnPointId: d.return_point_id,
      },
      action,
      { role: actor.role, unitId: actor.unitId, scopeUnitIds: actor.scopeUnitIds },
    );
    const version = await this.deps.catalog.versionById(d.procedure_version_id);
    const now = this.deps.clock();
    const calendar = await this.deps.org.calendarOf(d.receiving_unit_id);
    const steps = processingSteps(version.body.steps);
    const patch: DossierUpdate = { status: to, portal_status: PORTAL_STATUS[to] };
    const afterwards: ((trx: Kysely<DB>, updated: Dossier) => Promise<void>)[] = [];
    const eventData: Record<string, unknown> = {};
    const requireNote = (what: string) => {
      if (!input.note?.trim()) throw new DomainError('VALIDATION', `${what} is required`, { field: 'body.note' });
    };
    const closeStep = (trx: Kysely<DB>) =>
      repo.completeOpenStep(trx, d.id, now, actor.staffId, (due) => (due ? timeliness(now, due) : null));
    const nextStepSeq = async (trx: Kysely<DB>) => (await repo.stepsOf(trx, d.id)).length + 1;

    switch (action) {
      case 'receive': {
        const due = calendar.dueDate(now, d.limit_value, d.limit_unit as never);
        Object.assign(patch, { received_at: now, due_at: due, original_due_at: due, current_unit_id: d.receiving_unit_id });
        eventData.due = due.toISOString();
        afterwards.push(async (trx) =>
          repo.insertStep(trx, {
            dossier_id: d.id,
            seq: await nextStepSeq(trx),
            role: 'receive',
            from_unit_id: null,
            to_unit_id: d.receiving_unit_id,
            handed_by: actor.staffId,
            handed_at: now,
            due_at: this.stepDue(calendar, now, due, version.body.steps, 0),
          }),
        );
        break;
      }
      case 'refuse':
        requireNote('The reason for refusal');
        Object.assign(patch, { decided_at: now, current_unit_id: null });
        afterwards.push(closeStep);
        break;
      case 'forward': {
        let target: ProcessingStep | undefined;
        if (d.status === 'received') {
          const components = await repo.componentsOf(this.deps.db, d.id);
          const notDigitized = version.body.components
            .filter((c) => c.required && !components.some((x) => x.component_code === c.code && x.digitized))
            .map((c) => c.code);
          if (notDigitized.length) {
            throw new DomainError(
              'NOT_DIGITIZED',
              `Every required component must be digitized before processing; not yet: ${notDigitized.join(', ')}`,
              { details: { components: notDigitized } },
            );
          }
          target = steps[0];
        } else {
          const current = steps.find((s) => s.index === d.current_step);
          if (current && roleForStep(current) !== actor.role)
            throw new DomainError('FORBIDDEN', `The current step (${current.role}) is worked by a ${roleForStep(current)}`);
          target = steps.find((s) => s.index > d.current_step);
          if (!target) throw new DomainError('INVALID_TRANSITION', 'This is the last step: issue the result or stop processing');
        }
        if (!target) throw new DomainError('INTERNAL', `Procedure ${version.code} has no processing step`);
        const toUnit = await this.agencyOf(target.agency, d.competent_agency_id);
        Object.assign(patch, { current_unit_id: toUnit.id, current_step: target.index });
        eventData.toUnitId = toUnit.id;
        eventData.step = target.role;
        const stepDue =
          d.received_at && d.due_at ? this.stepDue(calendar, d.received_at, d.due_at, version.body.steps, target.index) : null;
        afterwards.push(closeStep, async (trx) =>
          repo.insertStep(trx, {
            dossier_id: d.id,
            seq: await nextStepSeq(trx),
            role: target.role,
            from_unit_id: d.current_unit_id,
            to_unit_id: toUnit.id,
            handed_by: actor.staffId,
            handed_at: now,
            due_at: stepDue,
          }),
        );
        break;
      }
      case 'request_supplement':
        if (d.supplement_count >= 1) {
          throw new DomainError(
            'SUPPLEMENT_ALREADY_REQUESTED',
            'A supplement may be requested only once during processing (Decree 118/2025); a second request would make the dossier count as late',
          );
        }
        requireNote('What to supplement and why');
        Object.assign(patch, { paused_at: now, supplement_count: d.supplement_count + 1 });
        break;
      case 'supplement_received': {
        if (!d.paused_at || !d.due_at) throw new DomainError('INTERNAL', 'A paused dossier lacks its pause time');
        const pausedAt = d.paused_at;
        const waited = calendar.workingMsBetween(pausedAt, now);
        const due = calendar.resume(d.due_at, pausedAt, now);
        Object.assign(patch, { paused_at: null, paused_ms: d.paused_ms + waited, due_at: due });
        eventData.pausedWorkingMs = waited;
        eventData.due = due.toISOString();
        afterwards.push((trx) => repo.shiftOpenStepDue(trx, d.id, (stepDue) => calendar.resume(stepDue, pausedAt, now)));
        break;
      }
      case 'request_payment':
        eventData.amountVnd = d.fee_total_vnd;
        break;
      case 'payment_received':
        Object.assign(patch, { paid_at: now });
        break;
      case 'withdraw':
        requireNote("The applicant's request to withdraw");
        Object.assign(patch, { decided_at: now, current_unit_id: null, paused_at: null });
        afterwards.push(closeStep);
        break;
      case 'stop':
        requireNote('The reason for stopping');
        Object.assign(patch, { decided_at: now, current_unit_id: null, paused_at: null });
        afterwards.push(closeStep);
        break;
      case 'result': {
        const last = steps[steps.length - 1];
        if (last && d.current_step !== last.index)
          throw new DomainError('INVALID_TRANSITION', 'The result is issued at the last processing step; forward the dossier first');
        if (last && roleForStep(last) !== actor.role)
          throw new DomainError('FORBIDDEN', `The result of this step is issued by a ${roleForStep(last)}`);
        if (!input.resultFileSha256)
          throw new DomainError('VALIDATION', 'The result file is required (upload it with POST /files)', {
            field: 'body.resultFileSha256',
          });
        if (!(await repo.blobInfo(this.deps.db, input.resultFileSha256)))
          throw new DomainError('VALIDATION', `File ${input.resultFileSha256} was not uploaded`, { field: 'body.resultFileSha256' });
        const resultFile = input.resultFileSha256;
        Object.assign(patch, { decided_at: now, current_unit_id: d.return_point_id });
        afterwards.push(closeStep, async (trx, updated) => {
          // Archived in the applicant's document store, so nobody asks for this paper again.
          const doc = await repo.insertStoreDocument(trx, {
            owner_id_number: d.applicant_id_number,
            kind: 'result',
            title: version.body.resultNameVi,
            blob_sha256: resultFile,
            issuer_unit_id: d.competent_agency_id,
            source_dossier_id: d.id,
            issued_at: now,
          });
          await trx.updateTable('dossiers').set({ result_document_id: doc.id }).where('id', '=', updated.id).execute();
          updated.result_document_id = doc.id;
          await repo.insertStep(trx, {
            dossier_id: d.id,
            seq: await nextStepSeq(trx),
            role: 'return',
            from_unit_id: d.current_unit_id,
            to_unit_id: d.return_point_id,
            handed_by: actor.staffId,
            handed_at: now,
            due_at: d.due_at,
          });
        });
        break;
      }
      case 'return':
        Object.assign(patch, { returned_at: now, current_unit_id: null });
        afterwards.push(closeStep);
        break;
      case 'apologize': {
        requireNote('The reason for the delay');
        if (d.apology_due_at) throw new DomainError('INVALID_TRANSITION', 'An apology with a new date was already issued for this dossier');
        const newDue = input.newDueAt ? new Date(input.newDueAt) : undefined;
        if (!newDue || Number.isNaN(newDue.getTime()))
          throw new DomainError('VALIDATION', 'newDueAt (ISO 8601) is required', { field: 'body.newDueAt' });
        if (!d.due_at || newDue <= d.due_at || newDue <= now)
          throw new DomainError('VALIDATION', 'The new date must be later than the current due date and than now', {
            field: 'body.newDueAt',
          });
        Object.assign(patch, { apology_due_at: newDue });
        eventData.newDueAt = newDue.toISOString();
        break;
      }
    }

    const result = await this.deps.db.transaction().execute(async (trx) => {
      const updated = await repo.updateIfVersion(trx, d.id, input.version, patch);
      if (!updated) throw this.stale(d);
      for (const step of afterwards) await step(trx, updated);
      await this.writeEvent(
        trx,
        updated,
        action,
        d.status,
        { kind: 'staff', actor },
        now,
        input.note ?? null,
        Object.keys(eventData).length ? eventData : null,
      );
      return presentDossier(updated, version, await repo.componentsOf(trx, d.id), this.names(), actor);
    });
    this.deps.onChange?.(d.code);
    return result;
  }

  /** Flags open dossiers past their due date (an event each), so staff issue the apology and new date. */
  async detectLate(): Promise<{ flagged: string[] }> {
    const now = this.deps.clock();
    const result = await this.deps.db.transaction().execute(async (trx) => {
      const rows = await repo.flagLate(trx, now);
      for (const r of rows) {
        await repo.insertEvent(trx, {
          dossier_id: r.id,
          province_code: r.province_code,
          seq: r.version,
          action: 'flag_late',
          from_status: r.status,
          to_status: r.status,
          actor_kind: 'system',
          actor_id: null,
          unit_id: r.current_unit_id,
          at: now,
          note: null,
          data: null,
        });
      }
      if (rows.length)
        await recordAudit(
          trx,
          {
            actorKind: 'system',
            actorId: null,
            stream: 'system',
            action: 'dossier.flag_late',
            entityType: 'dossier',
            entityId: null,
            data: { count: rows.length },
          },
          now,
        );
      return { flagged: rows.map((r) => r.code) };
    });
    for (const code of result.flagged) this.deps.onChange?.(code);
    return result;
  }

  // ---------- helpers ----------

  private stale(d: Dossier): DomainError {
    return new DomainError(
      'STALE_VERSION',
      `Dossier ${d.code} was changed by someone else; reload it (current version ${d.version}) and try again`,
      { field: 'body.version', details: { currentVersion: d.version } },
    );
  }

  private async agencyOf(stepAgency: string, competentId: number): Promise<Unit> {
    if (stepAgency === 'competent') return this.deps.org.unit(competentId);
    const u = await this.deps.org.unitByKey(stepAgency);
    if (!u) throw new DomainError('INTERNAL', `Agency ${stepAgency} of an inter-agency step is missing`);
    return u;
  }

  /** Due instant of step `index`: its cumulative share of the working time between receipt and the due date. */
  private stepDue(calendar: WorkingCalendar, receivedAt: Date, dueAt: Date, steps: { share: number }[], index: number): Date {
    const total = calendar.workingMsBetween(receivedAt, dueAt);
    const share = steps.slice(0, index + 1).reduce((s, x) => s + x.share, 0);
    const byShare = calendar.addWorkingMs(receivedAt, Math.round(total * Math.min(1, share)));
    if (index > 0) return byShare;
    // The receiving step also ends by the transfer deadline (same day, or next morning after 15:00).
    const transfer = transferDeadline(calendar, receivedAt);
    return transfer < byShare ? transfer : byShare;
  }

  private async writeEvent(
    trx: Kysely<DB>,
    d: Dossier,
    action: string,
    from: string | null,
    who: Who,
    at: Date,
    note: string | null,
    data: Record<string, unknown> | null,
  ) {
    const actorId = who.kind === 'staff' ? who.actor.staffId : null;
    const unitId = who.kind === 'staff' ? who.actor.unitId : d.receiving_unit_id;
    // The event and its audit entry in one statement.
    await repo.insertEventWithAudit(
      trx,
      {
        dossier_id: d.id,
        province_code: d.province_code,
        seq: d.version,
        action,
        from_status: from,
        to_status: d.status,
        actor_kind: who.kind,
        actor_id: actorId,
        unit_id: unitId,
        at,
        note,
        data: data ? JSON.stringify(data) : null,
      },
      {
        entry: {
          actorKind: who.kind,
          actorId,
          stream: `unit:${unitId}`,
          action: `dossier.${action}`,
          entityType: 'dossier',
          entityId: d.code,
          data: { version: d.version, status: d.status },
        },
        at,
      },
    );
  }
}

/** Risk colour of an open dossier for inboxes: on track, due soon (24 h), late, or paused. */
export function riskOf(d: Pick<Dossier, 'status' | 'due_at'>, now: Date): 'on_track' | 'due_soon' | 'late' | 'paused' | null {
  if (d.status === 'supplement_requested') return 'paused';
  if (!['received', 'processing', 'awaiting_payment'].includes(d.status) || !d.due_at) return null;
  if (d.due_at < now) return 'late';
  if (d.due_at.getTime() - now.getTime() < DUE_SOON_HOURS * 3_600_000) return 'due_soon';
  return 'on_track';
}
