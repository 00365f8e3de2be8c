import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB, Dossier, Unit } from '../platform/db.types.js';
import { DomainError } from '../platform/errors.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import { checkIdempotencyKey, idempotent } from '../platform/idempotency.js';
import { requireRole, type Actor } from '../auth/auth.model.js';
import type { CatalogService, ProcedureVersion } from '../catalog/catalog.service.js';
import { localDate } from '../catalog/catalog.service.js';
import type { OrgService } from '../org/org.service.js';
import { SERVICE_POINT_KINDS } from '../org/org.service.js';
import {
  CHANNEL,
  dossierCode,
  duplicateDossierError,
  feeDue,
  idNumberProblem,
  normalizePhone,
  PORTAL_STATUS,
  stepDueAt,
  type DossierStatus,
} from './dossier.model.js';
import { storeReuseProblem } from './store.model.js';
import { feeLinesAtFiling } from '../payments/payment.model.js';
import * as payments from './fee.repository.js';
import type { ComponentInput, IntakeInput } from './dossier.schema.js';
import * as repo from './dossier.repository.js';
import { presentDossier, type DossierView } from './dossier.presenter.js';
import { writeEvent, type Who } from './dossier.events.js';
import { TOKEN_LENGTH, trackingToken } from '../tracking/tracking.model.js';

/** Online submissions (files/file.service.ts): the owner key ('submission:<id>') of a live token, or INVALID_SUBMISSION. */
export interface SubmissionOwners {
  submissionOwner(token: string | undefined): Promise<string>;
}

export interface IntakeDeps {
  db: Kysely<DB>;
  clock: () => Date;
  auditKey: AuditKey;
  org: OrgService;
  catalog: CatalogService;
  submissions: SubmissionOwners;
  /** Unit names for the views. */
  names: (unitId: number) => string;
}

/**
 * A file the caller did not upload: the same answer whether or not someone else did (a hash grants nothing).
 */
export function notUploadedError(sha256: string, field: string, channel: 'counter' | 'online'): DomainError {
  return new DomainError(
    'VALIDATION',
    channel === 'online'
      ? `File ${sha256} was not uploaded with this submission (POST /public/files with its X-Submission-Token)`
      : `File ${sha256} was not uploaded by your service point (upload it with POST /files)`,
    { field },
  );
}

/** A citizen logged in with VNeID at identification level 2 (src/citizens/): their account and verified ID number. */
export interface IdentifiedCitizen {
  accountId: number;
  idNumber: string;
}

/** Another intake of the same applicant and procedure committed while this one was written (the unique index said so). */
class DuplicateRace extends Error {}

/**
 * The creation of a dossier: at the counter of any service point (the clock starts), or online (status 1, the clock
 * starts when a clerk receives it). Validates the applicant, routes by authority, resolves the components, and writes
 * the dossier with its first event, step and audit entry. An applicant's second open dossier of a procedure is
 * refused at the counter (409 DUPLICATE_DOSSIER naming the first) unless the clerk gives duplicateOverride.reason;
 * online it is accepted and marked, and its receiving clerk is told (actions/receive.ts), so an anonymous caller
 * learns nothing about the ID number typed.
 */
export class IntakeService {
  constructor(private readonly deps: IntakeDeps) {}

  /** The open dossier as staff are told of it (DUPLICATE_DOSSIER), with the name of its receiving point. */
  private async duplicateError(found: repo.OpenDuplicate, field: string) {
    const p = await this.deps.org.unit(found.receivingUnitId);
    return duplicateDossierError({ ...found, receivingPoint: { id: p.id, nameVi: p.name_vi, nameEn: p.name_en } }, field);
  }

  /** A clerk receives a dossier at the counter of their service point; the clock starts now. */
  async receiveAtCounter(actor: Actor, input: IntakeInput, idempotencyKey?: string): Promise<DossierView> {
    requireRole(actor, 'clerk');
    if (idempotencyKey) checkIdempotencyKey(idempotencyKey);
    const now = this.deps.clock();
    const point = await this.deps.org.unit(actor.unitId);
    if (!(SERVICE_POINT_KINDS as readonly string[]).includes(point.kind))
      throw new DomainError('FORBIDDEN', 'Only clerks at a service point receive dossiers');
    // The files of the components are the clerk's unit's own uploads (the statement's foreign key checks it).
    const plan = await this.plan(input, now, 'counter', `unit:${actor.unitId}`);
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
      const stepDue = stepDueAt(calendar, now, due, plan.version.body.steps, 0);
      // A clerk overriding the duplicate rule names the dossier it overrides, in the event and the audit entry: it is
      // looked up first (a rare path). Otherwise the statement itself refuses a duplicate, without a round trip more.
      const override = input.duplicateOverride
        ? await repo.openDuplicate(this.deps.db, plan.applicant.idNumber, plan.version.procedureId)
        : undefined;
      const overrideData = override ? { duplicateOverride: { existingCode: override.code, reason: input.duplicateOverride!.reason } } : {};
      // The counter, the dossier, its components, its 'receive' event, its first step, its audit entry and the close of
      // the clerk's intakes in progress for the applicant: one statement, in which the components' foreign key checks
      // that the uploaded files exist (insertDossier), and which first looks for an open duplicate.
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
          duplicates: override ? { of: override.code } : 'refuse',
          closeIntakesOf: actor.staffId,
          event: {
            action: 'receive',
            who: { kind: 'staff', actor },
            note: input.note ?? null,
            data: { due: due.toISOString(), ...overrideData },
          },
          auditData: overrideData,
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
        return presentDossier(d, plan.version, plan.components, this.deps.names, actor);
      };
      // A single statement is its own transaction: without an Idempotency-Key nothing else commits with it, so it
      // is sent alone (no BEGIN/COMMIT round trips). With a key, the key row joins it in one transaction, and the
      // files are checked first so that a replay or a key conflict is only ever the answer to a valid request.
      if (!idempotencyKey) return await receive(this.deps.db);
      await plan.uploads.check();
      const run = () => idempotent(this.deps.db, idempotencyKey, `staff:${actor.staffId}`, input, receive);
      try {
        return (await run()).value;
      } catch (e) {
        // A twin with the same Idempotency-Key committed first, with its key, and this one found its dossier (as a
        // duplicate, or racing it): the twin's answer is this request's too. Run again, the key is found; a request
        // that is no twin finds the duplicate again and is refused naming it.
        if (e instanceof DuplicateRace || (e instanceof DomainError && e.code === 'DUPLICATE_DOSSIER')) return (await run()).value;
        throw e;
      }
    } catch (e) {
      // A missing uploaded file is reported before anything checked after the components, as it always was.
      await plan.uploads.check();
      if (e instanceof DuplicateRace) {
        // Two intakes of the same duplicate at once: the unique index let the first commit; this one names it.
        const found = await repo.openDuplicate(this.deps.db, plan.applicant.idNumber, plan.version.procedureId);
        if (found) throw await this.duplicateError(found, 'body.applicant.idNumber');
      }
      throw e;
    }
  }

  /**
   * A citizen submits online (status 1); the clock starts when a clerk receives it. An open dossier of the same
   * procedure for the ID number typed does not refuse it (that would tell anyone who types a stranger's number that
   * they have one): it is marked as its duplicate, with the submitter's reason if given, and the receiving clerk decides.
   * A citizen logged in with VNeID (level 2) files for themself only, may take components from their own document
   * store, and the dossier records that it was filed by a VNeID-authenticated citizen.
   */
  async submitOnline(
    input: IntakeInput,
    idempotencyKey?: string,
    submissionToken?: string,
    citizen?: IdentifiedCitizen,
  ): Promise<DossierView> {
    if (idempotencyKey) checkIdempotencyKey(idempotencyKey, 16);
    if (citizen && input.applicant.idNumber !== citizen.idNumber)
      throw new DomainError(
        'APPLICANT_NOT_CITIZEN',
        'Khi đăng nhập bằng VNeID, người nộp là chính bạn: số định danh phải là của bạn / Logged in with VNeID, you file for yourself: the applicant’s ID number must be your own',
        { field: 'body.applicant.idNumber' },
      );
    return this.fileOnline(input, submissionToken, {
      idempotencyKey,
      // A logged-in citizen's keys are their own; an anonymous key is its own secret.
      keyScope: citizen ? `citizen:${citizen.accountId}` : 'public:submission',
      identified: citizen !== undefined,
      vneidAuthenticated: citizen !== undefined,
      // The event (which its audit entry covers) names the citizen's account.
      eventData: citizen ? { vneidAuthenticated: true, citizenAccountId: citizen.accountId } : null,
    });
  }

  /**
   * A dossier filed on the National Public Service Portal, pulled from it (src/portal/portal.inbound.ts): status 1 at
   * the receiving point its procedure routes to, like any online submission, its files uploaded under
   * `submissionToken`, marked with the portal's id (one dossier per portal id, whatever the retries) and with the
   * portal's word on whether the citizen logged in there with VNeID. The portal's account vouches for the login,
   * not for documents of our store, so none are reused.
   */
  async submitFromPortal(
    input: IntakeInput,
    submissionToken: string | undefined,
    portal: { portalId: string; vneidAuthenticated: boolean },
  ): Promise<DossierView> {
    return this.fileOnline(input, submissionToken, {
      keyScope: 'portal',
      identified: false,
      vneidAuthenticated: portal.vneidAuthenticated,
      portalId: portal.portalId,
      eventData: { portalId: portal.portalId, vneidAuthenticated: portal.vneidAuthenticated },
    });
  }

  private async fileOnline(
    input: IntakeInput,
    submissionToken: string | undefined,
    o: {
      idempotencyKey?: string;
      keyScope: string;
      identified: boolean;
      vneidAuthenticated: boolean;
      portalId?: string;
      eventData: Record<string, unknown> | null;
    },
  ): Promise<DossierView> {
    const now = this.deps.clock();
    // The files are those uploaded under the submission's token: a submission without files needs none.
    const owner = input.components.some((c) => c.source === 'upload') ? await this.deps.submissions.submissionOwner(submissionToken) : null;
    const plan = await this.plan(input, now, 'online', owner, o.identified);
    const point = plan.receivingPoint;
    const returnPoint = await this.returnPoint(input.returnPointId, point);
    const submit = () =>
      idempotent(
        this.deps.db,
        o.idempotencyKey,
        o.keyScope,
        input,
        async (trx) => {
          const d = await this.insertDossier(trx, plan, {
            point,
            returnPoint,
            channel: CHANNEL.online,
            status: 'submitted',
            receivedAt: null,
            dueAt: null,
            createdBy: null,
            now,
            duplicates: 'mark',
            vneidAuthenticated: o.vneidAuthenticated,
            portalId: o.portalId,
          });
          const duplicate = d.duplicate_of
            ? { duplicateOf: d.duplicate_of, ...(input.duplicateOverride ? { applicantReason: input.duplicateOverride.reason } : {}) }
            : null;
          const data = o.eventData ? { ...duplicate, ...o.eventData } : duplicate;
          await writeEvent(trx, this.deps.auditKey, d, 'submit_online', null, { kind: 'citizen' }, now, null, data);
          return presentDossier(d, plan.version, await repo.componentsOf(trx, d.id), this.deps.names);
        },
        { minKeyLength: 16 },
      );
    try {
      return (await submit()).value;
    } catch (e) {
      // Two submissions of the same duplicate at once: the first committed; this one, written again, is marked.
      if (e instanceof DuplicateRace) return (await submit()).value;
      throw e;
    }
  }

  /** Validates an intake request and works out routing, limit and components (no writes). */
  private async plan(
    input: IntakeInput,
    now: Date,
    channel: 'counter' | 'online',
    owner: string | null,
    identified = channel === 'counter',
  ) {
    const a = input.applicant;
    const idProblem = idNumberProblem(a.idNumber, now);
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
    const { rows: components, uploads } = await this.resolveComponents(version, input.components, a.idNumber, channel, owner, identified);
    const fee = feeDue(v.fees, channel);
    const feeLines = feeLinesAtFiling(v.fees, channel);
    return {
      version,
      applicant: { ...a, phone },
      competent,
      receivingPoint,
      limit,
      components,
      uploads,
      fee,
      feeLines,
      fastTrack: Boolean(input.fastTrack && v.fastTrack),
      // The language of the citizen's notices: Vietnamese unless they chose English.
      noticeLang: input.lang ?? 'vi',
    };
  }

  /**
   * Checks the components against the procedure and returns their rows. Uploaded files must be the owner's own
   * uploads ('unit:<id>' or 'submission:<id>'); they are looked up lazily, in one query: before any later error is
   * thrown (so errors still come in the order of the request), at the end for an online submission, and for
   * counter intake by the write statement itself (the components' foreign key to file_uploads);
   * `uploads.check()` throws the first error of a file the owner did not upload, whether or not others did.
   * `identified`: the applicant's identity was checked (the ID card at the counter, VNeID level 2 online), so their
   * document store may be used.
   */
  private async resolveComponents(
    version: ProcedureVersion,
    given: ComponentInput[],
    idNumber: string,
    channel: 'counter' | 'online',
    owner: string | null,
    identified: boolean,
  ) {
    const spec = new Map(version.body.components.map((c) => [c.code, c]));
    const pending: { sha256: string; field: string }[] = [];
    const uploads = {
      check: async (): Promise<void> => {
        if (!pending.length) return;
        const found = owner
          ? await repo.ownedUploads(
              this.deps.db,
              pending.map((u) => u.sha256),
              owner,
            )
          : new Set<string>();
        const missing = pending.find((u) => !found.has(u.sha256));
        if (missing) throw notUploadedError(missing.sha256, missing.field, channel);
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
        // An anonymous online submitter is not identified: typing someone's ID number must not attach their stored
        // documents. At the counter the clerk has checked the ID card; online, VNeID (level 2) vouches for it.
        if (!identified)
          return fail(
            new DomainError(
              'VALIDATION',
              'Documents from the store are reused at the counter, or online by a citizen logged in with VNeID; an anonymous online submission uploads its files',
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
        // The applicant's own document, of the type the component accepts (types come from the catalog).
        const problem = storeReuseProblem(
          doc && { id: doc.id, ownerIdNumber: doc.owner_id_number, documentType: doc.document_type },
          idNumber,
          s,
          await this.deps.catalog.documentTypes(),
          c.storeDocumentId,
        );
        if (problem || !doc) return fail(new DomainError('VALIDATION', problem!, { field: `${field}.storeDocumentId` }));
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
        uploaded_by: c.source === 'upload' ? owner : null,
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
    plan: Awaited<ReturnType<IntakeService['plan']>>,
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
      /** More data for the audit entry of the first event. */
      auditData?: Record<string, unknown>;
      /** The first process-control step. */
      step?: Omit<repo.StepRow, 'dossier_id'>;
      /** The duplicate rule: refuse an open duplicate (counter), mark it (online), or a known one the clerk overrides. */
      duplicates: 'refuse' | 'mark' | { of: string };
      /** The clerk whose intakes in progress for the applicant the new dossier closes. */
      closeIntakesOf?: number;
      /** Filed online by a citizen logged in with VNeID. */
      vneidAuthenticated?: boolean;
      /** Filed on the National Public Service Portal: its id of the dossier (MaHoSoQG). */
      portalId?: string;
    },
  ): Promise<Dossier> {
    const day = localDate(o.now);
    const a = plan.applicant;
    const version = 1; // a new dossier's first version: what the audit entry records
    // Its first event takes seq 1, in this statement (counter) or right after it (online, writeEvent).
    const eventSeq = 1;
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
        key: this.deps.auditKey,
        entry: {
          actorKind: who.kind,
          actorId,
          stream: `unit:${unitId}`,
          action: `dossier.${o.event.action}`,
          entityType: 'dossier',
          data: { version, status: o.status, ...o.auditData },
        },
        at: o.now,
      };
    }
    const written = await repo.insertNewDossier(trx, {
      counter: { prefix: o.point.agency_code, day },
      codePrefix: dossierCode(o.point.agency_code, day, 0).slice(0, -4),
      dossier: {
        version,
        event_seq: eventSeq,
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
        duplicate_of: typeof o.duplicates === 'object' ? o.duplicates.of : null,
        vneid_authenticated: o.vneidAuthenticated ?? false,
        paid_online: false,
        portal_id: o.portalId ?? null,
        notice_lang: plan.noticeLang,
      },
      components: plan.components,
      event,
      step: o.step,
      audit,
      ...(typeof o.duplicates === 'string' ? { duplicates: o.duplicates } : {}),
      ...(o.closeIntakesOf !== undefined ? { closeIntakes: { staffId: o.closeIntakesOf, at: o.now } } : {}),
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
    if (written === 'duplicate_race') throw new DuplicateRace();
    if ('duplicate' in written) throw await this.duplicateError(written.duplicate, 'body.applicant.idNumber');
    // dossierCode is the reference format of the code the statement assigned.
    const { dossier: d, seq } = written;
    if (d.code !== dossierCode(o.point.agency_code, day, seq))
      throw new DomainError('INTERNAL', `Dossier code ${d.code} does not match its sequence number ${seq}`);
    // What it owes, line by line (their sum is fee_total_vnd): the tracking page, the portal and the e-receipt read them.
    await payments.insertFeeLines(trx, d.id, plan.feeLines, o.now, o.createdBy);
    return d;
  }
}
