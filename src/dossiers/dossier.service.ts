import type { NewMessage } from '../notifications/notification.service.js';
import type { Kysely } from 'kysely';
import type { DB, Dossier, DossierUpdate } from '../platform/db.types.js';
import { DomainError } from '../platform/errors.js';
import { recordAudit } from '../audit/audit.service.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import { inScope, requireRole, type Actor } from '../auth/auth.model.js';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { OrgService } from '../org/org.service.js';
import {
  checkTransition,
  idNumberProblem,
  PORTAL_STATUS,
  processingSteps,
  promisedDueAt,
  TRANSITIONS,
  type DossierAction,
  type DossierStatus,
} from './dossier.model.js';
import type { AttachInput, IntakeInput, IntakeStartInput, TransitionInput } from './dossier.schema.js';
import * as repo from './dossier.repository.js';
import { presentDossier, type DossierView } from './dossier.presenter.js';
import { writeEvent } from './dossier.events.js';
import { IntakeService, notUploadedError, type IdentifiedCitizen, type SubmissionOwners } from './intake.service.js';
import { storeReuseProblem } from './store.model.js';
import { StoreService } from './store.service.js';
import { ACTION_HANDLERS } from './actions/index.js';
import type { ActionContext } from './actions/action.js';

export interface DossierDeps {
  db: Kysely<DB>;
  clock: () => Date;
  auditKey: AuditKey;
  org: OrgService;
  catalog: CatalogService;
  /** Online submissions: the owner key of a submission token (files/file.service.ts). */
  submissions: SubmissionOwners;
  /** Told the code of every dossier a committed write changed (public tracking forgets its cached answer). */
  onChange?: (code: string) => void;
  /** The notification outbox (SMS), written in the action's transaction: the payment request's message. */
  notify?: (trx: Kysely<DB>, messages: NewMessage[]) => Promise<void>;
  /** The portal's public address, for the links in messages. */
  publicUrl?: string;
}

const DUE_SOON_HOURS = 24;

/**
 * Dossier use cases: intake (intake.service.ts), the reads of staff, and the shared frame of every action of the
 * state machine (actions/, one file each): the version check, the rules of TRANSITIONS, one transaction with the
 * row update, the action's own writes, the event and its audit entry.
 */
export class DossierService {
  private readonly intake: IntakeService;
  private readonly store: StoreService;
  private readonly unitName: (unitId: number) => string;

  constructor(private readonly deps: DossierDeps) {
    this.unitName = (id) => deps.org.unitName(id);
    this.intake = new IntakeService({
      db: deps.db,
      clock: deps.clock,
      auditKey: deps.auditKey,
      org: deps.org,
      catalog: deps.catalog,
      submissions: deps.submissions,
      names: this.unitName,
    });
    this.store = new StoreService({
      db: deps.db,
      clock: deps.clock,
      auditKey: deps.auditKey,
      org: deps.org,
      catalog: deps.catalog,
      visible: (a, c) => this.visible(a, c),
    });
  }

  /** A clerk receives a dossier at the counter of their service point; the clock starts now. */
  receiveAtCounter(actor: Actor, input: IntakeInput, idempotencyKey?: string): Promise<DossierView> {
    return this.intake.receiveAtCounter(actor, input, idempotencyKey);
  }

  /** A citizen submits online (status 1); the clock starts when a clerk receives it. `citizen`: logged in with VNeID (level 2). */
  submitOnline(input: IntakeInput, idempotencyKey?: string, submissionToken?: string, citizen?: IdentifiedCitizen): Promise<DossierView> {
    return this.intake.submitOnline(input, idempotencyKey, submissionToken, citizen);
  }

  /** A dossier filed on the National Public Service Portal, pulled from it (status 1; one dossier per portal id). */
  submitFromPortal(
    input: IntakeInput,
    submissionToken: string | undefined,
    portal: { portalId: string; vneidAuthenticated: boolean },
  ): Promise<DossierView> {
    return this.intake.submitFromPortal(input, submissionToken, portal);
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
      apologyDueAt: d.apology_due_at?.toISOString() ?? null,
      promisedDueAt: promisedDueAt(d)?.toISOString() ?? null,
      risk: riskOf(d, now),
      version: d.version,
    }));
  }

  /** A clerk starts an intake for a citizen whose ID card they checked: the purpose to list the citizen's store. */
  openIntake(actor: Actor, input: IntakeStartInput) {
    return this.store.openIntake(actor, input);
  }

  /** A clerk ends an intake in progress. */
  closeIntake(actor: Actor, id: number): Promise<void> {
    return this.store.closeIntake(actor, id);
  }

  /** The applicant's document store (earlier results, verified documents), listed for a purpose, for reuse. */
  storeDocuments(actor: Actor, q: { dossierCode?: string; intakeId?: number }) {
    return this.store.list(actor, q);
  }

  /** A citizen's own store, read by its owner (logged in with VNeID): no purpose, nothing recorded as a listing. */
  ownStoreDocuments(idNumber: string) {
    return this.store.ownDocuments(idNumber);
  }

  /** The dossier of a code, if the staff member may see it (404 otherwise): for the reads of other capabilities. */
  visibleDossier(actor: Actor, code: string): Promise<Dossier> {
    return this.visible(actor, code);
  }

  /** A dossier by its code, unchecked (callers check ownership themselves). */
  findByCode(code: string): Promise<Dossier | undefined> {
    return repo.findByCode(this.deps.db, code);
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
    return this.unitName;
  }

  // ---------- actions ----------

  /** Attaches a scan (or a document from the store) to a component received on paper. */
  async attachComponent(actor: Actor, code: string, componentCode: string, input: AttachInput): Promise<DossierView> {
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
      const owner = `unit:${actor.unitId}`;
      if (!(await repo.ownedUploads(this.deps.db, [input.fileSha256], owner)).has(input.fileSha256))
        throw notUploadedError(input.fileSha256, 'body.fileSha256', 'counter');
      patch = { source: 'upload', blob_sha256: input.fileSha256, store_document_id: null, digitized: true, uploaded_by: owner };
    } else if (input.storeDocumentId) {
      const doc = await repo.storeDocument(this.deps.db, input.storeDocumentId);
      // The applicant's own document, of the type the component accepts.
      const problem = storeReuseProblem(
        doc && { id: doc.id, ownerIdNumber: doc.owner_id_number, documentType: doc.document_type },
        d.applicant_id_number,
        version.body.components.find((c) => c.code === componentCode)!,
        await this.deps.catalog.documentTypes(),
        input.storeDocumentId,
      );
      if (problem || !doc) throw new DomainError('VALIDATION', problem!, { field: 'body.storeDocumentId' });
      patch = { source: 'store', blob_sha256: doc.blob_sha256, store_document_id: doc.id, digitized: true, uploaded_by: null };
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
            uploaded_by: patch.uploaded_by ?? null,
          },
        ]);
      }
      await writeEvent(trx, this.deps.auditKey, updated, 'digitize', d.status, { kind: 'staff', actor }, now, null, {
        component: componentCode,
      });
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
    const requires: { reason?: string; newDueAt?: true; resultFile?: true } = TRANSITIONS[action].requires;
    if (requires.reason && !input.note?.trim())
      throw new DomainError('VALIDATION', `${requires.reason} is required`, { field: 'body.note' });
    if (requires.resultFile && !input.resultFileSha256)
      throw new DomainError('VALIDATION', 'The result file is required (upload it with POST /files)', { field: 'body.resultFileSha256' });
    if (requires.newDueAt && !input.newDueAt)
      throw new DomainError('VALIDATION', 'newDueAt (ISO 8601) is required', { field: 'body.newDueAt' });
    const version = await this.deps.catalog.versionById(d.procedure_version_id);
    const ctx: ActionContext = {
      dossier: d,
      actor,
      input,
      now: this.deps.clock(),
      calendar: await this.deps.org.calendarOf(d.receiving_unit_id),
      version,
      steps: processingSteps(version.body.steps),
      db: this.deps.db,
      org: this.deps.org,
      notify: this.deps.notify,
      publicUrl: this.deps.publicUrl ?? 'http://localhost:3000',
    };
    const plan = await ACTION_HANDLERS[action](ctx);
    const patch: DossierUpdate = { ...plan.patch, status: to, portal_status: PORTAL_STATUS[to] };
    const result = await this.deps.db.transaction().execute(async (trx) => {
      const updated = await repo.updateIfVersion(trx, d.id, input.version, patch);
      if (!updated) throw this.stale(d);
      for (const effect of plan.effects ?? []) await effect(trx, updated);
      const data = plan.eventData && Object.keys(plan.eventData).length ? plan.eventData : null;
      await writeEvent(trx, this.deps.auditKey, updated, action, d.status, { kind: 'staff', actor }, ctx.now, input.note ?? null, data);
      return presentDossier(updated, version, await repo.componentsOf(trx, d.id), this.names(), actor);
    });
    this.deps.onChange?.(d.code);
    return result;
  }

  /**
   * Flags open dossiers past their due date, so staff issue the apology and new date: a flag_late event each, with its
   * own audit entry. The version does not change (the flag is nobody's action: a clerk's action in flight stays valid).
   */
  async detectLate(): Promise<{ flagged: string[] }> {
    const now = this.deps.clock();
    const result = await this.deps.db.transaction().execute(async (trx) => {
      const rows = await repo.flagLate(trx, now);
      for (const d of rows) {
        await writeEvent(trx, this.deps.auditKey, d, 'flag_late', d.status, { kind: 'system', unitId: d.current_unit_id }, now, null, null);
      }
      return { flagged: rows.map((d) => d.code) };
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
}

/**
 * Risk colour of an open dossier for inboxes: on track, due soon (24 h), late, or paused; against the date the applicant
 * is now promised (an apology's new date once issued), while statistics keep counting against the legal due date.
 */
export function riskOf(
  d: Pick<Dossier, 'status' | 'due_at' | 'apology_due_at'>,
  now: Date,
): 'on_track' | 'due_soon' | 'late' | 'paused' | null {
  if (d.status === 'supplement_requested') return 'paused';
  const due = promisedDueAt(d);
  if (!['received', 'processing', 'awaiting_payment'].includes(d.status) || !due) return null;
  if (due < now) return 'late';
  if (due.getTime() - now.getTime() < DUE_SOON_HOURS * 3_600_000) return 'due_soon';
  return 'on_track';
}
