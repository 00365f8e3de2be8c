import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import type { BlobStore } from '../platform/blob-store.js';
import type { AuditEntry, AuditKey } from '../platform/audit-chain.model.js';
import { DomainError } from '../platform/errors.js';
import { checkIdempotencyKey, idempotent } from '../platform/idempotency.js';
import { sha256Hex } from '../platform/ids.js';
import { bySystem, byStaff, recordAudit } from '../audit/audit.service.js';
import { inScope, type Actor } from '../auth/auth.model.js';
import type { OrgService } from '../org/org.service.js';
import type { CatalogService } from '../catalog/catalog.service.js';
import type { LookupBudget } from '../lookups/lookup.service.js';
import { sameSecret } from '../lookups/lookup.model.js';
import type { TrackingSecret } from '../tracking/tracking.service.js';
import { normalizeToken, trackingSecret, trackingToken, TOKEN_LENGTH } from '../tracking/tracking.model.js';
import { maskName, normalizePhone } from '../dossiers/dossier.model.js';
import {
  allowedActions,
  competentUnit,
  currentDeadline,
  defaultCategory,
  feedbackCode,
  LIMITS,
  maskPersonalData,
  needsEscalation,
  publishDeadline,
  receiptDeadlines,
  stageVerdicts,
  transition,
  type Category,
  type Channel,
  type FeedbackAction,
  type FeedbackStatus,
  type SubjectKind,
} from './feedback.model.js';
import * as repo from './feedback.repository.js';

/** What a sender files (the HTTP body of POST /public/feedback and POST /feedback). */
export interface FeedbackInput {
  channel: Channel;
  subject: { kind: SubjectKind; procedureCode?: string; dossierCode?: string; unitId?: number; staffName?: string };
  category?: Category;
  title: string;
  content: string;
  sender?: { name?: string; phone?: string; email?: string };
  publishConsent?: boolean;
  /** The language of the notices sent to the sender (default vi). */
  lang?: 'vi' | 'en';
  attachments?: string[];
  repeatOf?: string;
  /** The proof of a dossier's tracking page (channel 'tracking'): its token or the applicant's last 4 phone digits. */
  tracking?: { token?: string; phone?: string };
}

/** Who files from the public side: a client address, maybe a logged-in citizen, and the online submission owning the files. */
export interface PublicSender {
  client: string;
  citizen?: { accountId: number; level: 1 | 2; name: string; idNumber: string | null };
  submissionToken?: string;
}

/** Body of a staff action. */
export interface ActionInput {
  staffId?: number;
  category?: Category;
  note?: string;
  reason?: string;
  answer?: string;
  repeatOf?: string;
}

export interface FeedbackDeps {
  db: Kysely<DB>;
  clock: () => Date;
  auditKey: AuditKey;
  blobs: BlobStore;
  org: OrgService;
  catalog: CatalogService;
  /** The wrong-guess budget shared with the other public look-ups. */
  budget: LookupBudget;
  /** TrackingService.authorize: the dossier a tracking page's secret proves (404 otherwise, budgeted). */
  authorizeDossier: (code: string, secret: TrackingSecret, client: string) => Promise<{ id: number; code: string }>;
  /**
   * Called inside the transaction that answers a feedback (answered, refused, or the answer published): the hook the
   * notices ("your feedback was answered") attach to. Nothing is sent from here.
   */
  onOutcome?: (trx: Kysely<DB>, outcome: FeedbackOutcome) => Promise<void>;
}

/** What the notice side needs when a feedback reaches an outcome the sender should hear of. */
export interface FeedbackOutcome {
  id: number;
  code: string;
  title: string;
  /** The answer, the refusal's reason or the information asked for (what the sender is told). */
  text: string | null;
  unitId: number;
  lang: 'vi' | 'en';
  status: 'answered' | 'refused' | 'published' | 'closed' | 'info_requested';
  senderPhone: string | null;
  senderEmail: string | null;
  citizenAccountId: number | null;
  at: Date;
}

const STATUS_LABELS: Record<FeedbackStatus, { vi: string; en: string }> = {
  received: { vi: 'Đã tiếp nhận', en: 'Received' },
  info_requested: { vi: 'Đề nghị bổ sung thông tin', en: 'More information requested' },
  processing: { vi: 'Đang xử lý', en: 'Being handled' },
  refused: { vi: 'Từ chối tiếp nhận', en: 'Refused' },
  answered: { vi: 'Đã trả lời', en: 'Answered' },
  published: { vi: 'Đã công khai trả lời', en: 'Answer published' },
  closed: { vi: 'Đã trả lời (không công khai)', en: 'Answered (not published)' },
};

// One text for a missing code and a wrong secret: the answer never tells them apart.
const MISS = 'Không tìm thấy phản ánh với mã và mã bí mật này / No feedback matches this code and secret';

const secretHash = (secret: string) => sha256Hex(normalizeToken(secret));
const iso = (d: Date | null) => d?.toISOString() ?? null;

type Row = repo.FeedbackRow;

/**
 * Citizens' feedback and petitions: filing (portal, a dossier's tracking page, the counter, the hotline), routing to
 * the competent unit, the staff's handling through the state machine of feedback.model.ts with its deadlines,
 * escalation, the public answers with their likes and dislikes, and the sender's own follow-up by code and secret.
 */
export class FeedbackService {
  constructor(private readonly deps: FeedbackDeps) {}

  /** A citizen files from the portal or a dossier's tracking page (anonymous, or logged in). */
  async filePublic(input: FeedbackInput, sender: PublicSender, idempotencyKey?: string) {
    if (input.channel !== 'portal' && input.channel !== 'tracking')
      throw new DomainError('VALIDATION', 'From the public side the channel is portal or tracking', { field: 'body.channel' });
    if (idempotencyKey) checkIdempotencyKey(idempotencyKey, 16);
    const now = this.deps.clock();
    const subject = await this.resolveSubject(input, now, { public: sender });
    // The files must be this submission's own uploads (publicOwner refuses any other).
    await this.publicOwner(input.attachments ?? [], sender.submissionToken);
    const repeat = input.repeatOf ? await this.earlier(input.repeatOf, { publishedOnly: true }) : null;
    const citizen = sender.citizen;
    return this.create(input, subject, repeat, now, idempotencyKey, {
      scope: citizen ? `citizen:${citizen.accountId}:feedback` : 'public:feedback',
      minKeyLength: 16,
      citizenAccountId: citizen?.accountId ?? null,
      senderName: citizen?.level === 2 ? citizen.name : (input.sender?.name?.trim() ?? null),
      recordedBy: null,
      audit: { actorKind: 'citizen', actorId: null, stream: 'public' },
    });
  }

  /** A staff member records a feedback received at the counter or by the hotline. */
  async record(actor: Actor, input: FeedbackInput, idempotencyKey?: string) {
    if (actor.role === 'admin') throw new DomainError('FORBIDDEN', 'The administrator oversees feedback; staff of a unit record it');
    if (input.channel !== 'counter' && input.channel !== 'hotline')
      throw new DomainError('VALIDATION', 'Staff record feedback received at the counter or by the hotline', { field: 'body.channel' });
    const now = this.deps.clock();
    const subject = await this.resolveSubject(input, now, { staff: actor });
    const shas = input.attachments ?? [];
    const owner = `unit:${actor.unitId}`;
    await this.checkOwned(shas, owner);
    const repeat = input.repeatOf ? await this.earlier(input.repeatOf, { publishedOnly: false }) : null;
    return this.create(input, subject, repeat, now, idempotencyKey, {
      scope: `staff:${actor.staffId}:feedback`,
      minKeyLength: 8,
      citizenAccountId: null,
      senderName: input.sender?.name?.trim() ?? null,
      recordedBy: actor.staffId,
      audit: byStaff(actor),
    });
  }

  /** The subject's references checked and the competent unit chosen. */
  private async resolveSubject(input: FeedbackInput, now: Date, by: { public: PublicSender } | { staff: Actor }) {
    const { kind } = input.subject;
    const field = 'body.subject';
    let procedureId: number | null = null;
    let dossier: { id: number; code: string; agencyId: number; applicantName: string } | null = null;
    let namedUnitId: number | null = null;
    let procedureAgencyId: number | null = null;
    if (input.channel === 'tracking' && kind !== 'dossier')
      throw new DomainError('VALIDATION', 'Feedback from a tracking page is about its dossier', { field: `${field}.kind` });
    if (kind === 'procedure') {
      if (!input.subject.procedureCode) throw new DomainError('VALIDATION', 'Name the procedure', { field: `${field}.procedureCode` });
      const v = await this.deps.catalog.versionOn(input.subject.procedureCode, now).catch((e: unknown) => {
        if (e instanceof DomainError) throw new DomainError('UNKNOWN_PROCEDURE', e.message, { field: `${field}.procedureCode` });
        throw e;
      });
      procedureId = v.procedureId;
      if (v.body.agencyKey) procedureAgencyId = (await this.deps.org.unitByKey(v.body.agencyKey))?.id ?? null;
    } else if (kind === 'dossier') {
      const code = input.subject.dossierCode;
      if (!code) throw new DomainError('VALIDATION', 'Name the dossier', { field: `${field}.dossierCode` });
      const unknown = () => new DomainError('NOT_FOUND', `Dossier ${code} not found`, { field: `${field}.dossierCode` });
      if ('public' in by) {
        if (input.channel === 'tracking') {
          if (!input.tracking)
            throw new DomainError('VALIDATION', "Send the dossier's tracking token or the last 4 phone digits", { field: 'body.tracking' });
          await this.deps.authorizeDossier(code, trackingSecret(input.tracking, 'body.tracking'), by.public.client);
        }
      }
      const d = await repo.dossierByCode(this.deps.db, code);
      if (!d) throw unknown();
      // From the portal, only the applicant logged in with VNeID names their own dossier; anyone else proves it on
      // its tracking page (the secret there), so that nobody files in another applicant's name.
      if ('public' in by && input.channel === 'portal') {
        const c = by.public.citizen;
        if (!c?.idNumber || c.idNumber !== d.applicant_id_number) throw unknown();
      }
      dossier = { id: Number(d.id), code: d.code, agencyId: d.competent_agency_id, applicantName: d.applicant_name };
      procedureId = d.procedure_id;
    } else {
      const unitId = input.subject.unitId;
      if (unitId === undefined) throw new DomainError('VALIDATION', 'Name the unit', { field: `${field}.unitId` });
      const u = await this.deps.org.unit(unitId).catch(() => {
        throw new DomainError('NOT_FOUND', `Unit ${unitId} not found`, { field: `${field}.unitId` });
      });
      // A branch has receiving clerks only: its feedback is handled by the center it belongs to (its manager).
      namedUnitId = u.kind === 'branch' && u.parent_id !== null ? u.parent_id : u.id;
    }
    const center = (await this.deps.org.listUnits(['center']))[0];
    if (!center) throw new DomainError('CONFLICT', 'The province has no public administration service center');
    const unitId = competentUnit({
      dossierAgencyId: dossier?.agencyId,
      procedureAgencyId,
      namedUnitId,
      provinceCenterId: center.id,
    });
    return { kind, procedureId, dossier, namedUnitId, unitId };
  }

  /** The owner key of the anonymous files a feedback names: its online submission's. */
  private async publicOwner(shas: readonly string[], submissionToken: string | undefined): Promise<void> {
    if (shas.length === 0) return;
    if (!submissionToken)
      throw new DomainError('INVALID_SUBMISSION', 'Files are uploaded under an online submission: send its X-Submission-Token', {
        field: 'headers.x-submission-token',
      });
    const id = await repo.liveSubmission(this.deps.db, createHash('sha256').update(submissionToken).digest('hex'), this.deps.clock());
    if (id === undefined)
      throw new DomainError('INVALID_SUBMISSION', 'The submission token is unknown or has expired', {
        field: 'headers.x-submission-token',
      });
    await this.checkOwned(shas, `submission:${id}`);
  }

  private async checkOwned(shas: readonly string[], owner: string): Promise<void> {
    if (shas.length > LIMITS.attachmentsMax)
      throw new DomainError('VALIDATION', `At most ${LIMITS.attachmentsMax} files`, { field: 'body.attachments' });
    if (new Set(shas).size !== shas.length) throw new DomainError('VALIDATION', 'A file is named twice', { field: 'body.attachments' });
    const owned = await repo.ownedUploads(this.deps.db, shas, owner);
    const i = shas.findIndex((s) => !owned.has(s));
    if (i >= 0)
      throw new DomainError('INVALID_FILE', 'Attach only files uploaded with this feedback (POST /public/files or POST /files)', {
        field: `body.attachments.${i}`,
      });
  }

  /** The earlier feedback a new one repeats. */
  private async earlier(code: string, opts: { publishedOnly: boolean }): Promise<Row> {
    const e = await repo.byCode(this.deps.db, code);
    if (!e || (opts.publishedOnly && e.status !== 'published'))
      throw new DomainError('NOT_FOUND', `Feedback ${code} not found${opts.publishedOnly ? ' among the published answers' : ''}`, {
        field: 'body.repeatOf',
      });
    return e;
  }

  private async create(
    input: FeedbackInput,
    subject: Awaited<ReturnType<FeedbackService['resolveSubject']>>,
    repeat: Row | null,
    now: Date,
    idempotencyKey: string | undefined,
    by: {
      scope: string;
      minKeyLength: number;
      citizenAccountId: number | null;
      senderName: string | null;
      recordedBy: number | null;
      audit: Pick<AuditEntry, 'actorKind' | 'actorId' | 'stream'>;
    },
  ) {
    const phone = input.sender?.phone?.trim() ? normalizePhone(input.sender.phone) : null;
    if (input.sender?.phone?.trim() && !phone)
      throw new DomainError('VALIDATION', 'A phone number is 10 digits starting with 0', { field: 'body.sender.phone' });
    const calendar = await this.deps.org.calendarOf(subject.unitId);
    const deadlines = receiptDeadlines(calendar, now);
    const day = calendar.localDateOf(now);
    const secret = trackingToken(randomBytes(TOKEN_LENGTH));
    const { tracking: _proof, ...request } = input;
    const { value } = await idempotent(
      this.deps.db,
      idempotencyKey,
      by.scope,
      { ...request, citizen: by.citizenAccountId },
      async (trx) => {
        const seq = await repo.nextCodeSeq(trx, `${day.slice(2, 4)}${day.slice(5, 7)}${day.slice(8, 10)}`);
        if (seq > 9999) throw new DomainError('CONFLICT', 'The daily sequence of feedback codes is exhausted');
        const code = feedbackCode(day, seq);
        const row = await repo.insertFeedback(trx, {
          code,
          secret_hash: secretHash(secret),
          channel: input.channel,
          subject_kind: subject.kind,
          procedure_id: subject.procedureId,
          dossier_id: subject.dossier?.id ?? null,
          subject_unit_id: subject.namedUnitId,
          staff_name: subject.kind === 'staff_conduct' ? input.subject.staffName?.trim() || null : null,
          category: input.category ?? defaultCategory(subject.kind),
          title: input.title.trim(),
          content: input.content.trim(),
          sender_name: by.senderName || null,
          sender_phone: phone,
          sender_email: input.sender?.email?.trim() || null,
          citizen_account_id: by.citizenAccountId,
          publish_consent: input.publishConsent ?? true,
          notice_lang: input.lang ?? 'vi',
          status: 'received',
          unit_id: subject.unitId,
          recorded_by: by.recordedBy,
          received_at: now,
          refuse_due_at: deadlines.refuseDueAt,
          info_due_at: deadlines.infoDueAt,
          answer_due_at: deadlines.answerDueAt,
          repeat_of_id: repeat?.id ?? null,
        });
        await repo.insertAttachments(trx, row.id, input.attachments ?? []);
        await repo.insertEvent(trx, row.id, {
          action: 'receive',
          from_status: null,
          to_status: 'received',
          staff_id: by.recordedBy,
          at: now,
          note: null,
          internal: false,
        });
        await recordAudit(
          trx,
          this.deps.auditKey,
          {
            ...by.audit,
            action: 'feedback.file',
            entityType: 'feedback',
            entityId: code,
            data: {
              channel: input.channel,
              subject: subject.kind,
              unitId: subject.unitId,
              ...(subject.dossier ? { dossier: subject.dossier.code } : {}),
              attachments: (input.attachments ?? []).length,
              ...(repeat ? { repeatOf: repeat.code } : {}),
              ...(by.citizenAccountId !== null ? { citizenAccountId: by.citizenAccountId } : {}),
            },
          },
          now,
        );
        return {
          code,
          secret,
          status: 'received' as const,
          receivedAt: now.toISOString(),
          refuseDueAt: deadlines.refuseDueAt.toISOString(),
          infoDueAt: deadlines.infoDueAt.toISOString(),
          answerDueAt: deadlines.answerDueAt.toISOString(),
          unitId: subject.unitId,
          unitNameVi: this.deps.org.unitName(subject.unitId),
        };
      },
      { minKeyLength: by.minKeyLength },
    );
    return value;
  }

  /** The inbox of the actor's units (the administrator's: all), most at risk first. */
  async inbox(
    actor: Actor,
    q: {
      status?: FeedbackStatus[];
      category?: Category;
      escalated?: boolean;
      overdue?: boolean;
      mine?: boolean;
      q?: string;
      limit?: number;
      offset?: number;
    },
  ) {
    const now = this.deps.clock();
    const rows = await repo.listInbox(this.deps.db, {
      unitIds: actor.scopeUnitIds,
      status: q.status,
      category: q.category,
      escalated: q.escalated,
      overdueAt: q.overdue ? now : undefined,
      assigneeId: q.mine ? actor.staffId : undefined,
      q: q.q,
      limit: q.limit ?? 50,
      offset: q.offset ?? 0,
    });
    await this.deps.org.listUnits();
    return rows.map((r) => {
      const due = r.current_due_at ? new Date(r.current_due_at) : null;
      const stage = r.current_stage;
      return {
        code: r.code,
        title: r.title,
        status: r.status,
        statusVi: STATUS_LABELS[r.status].vi,
        category: r.category,
        channel: r.channel,
        subjectKind: r.subject_kind,
        unitId: r.unit_id,
        unitNameVi: this.deps.org.unitName(r.unit_id),
        receivedAt: r.received_at.toISOString(),
        currentDueAt: iso(due),
        stage,
        overdue: due !== null && due.getTime() < now.getTime(),
        escalated: r.escalated_stage !== null && r.escalated_stage === stage,
        assigneeName: r.assignee_name,
        isRepeat: r.repeat_of_id !== null,
      };
    });
  }

  /** A feedback as staff of its competent unit see it (the administrator: any), with the actions the actor may take. */
  async detail(actor: Actor, code: string) {
    const f = await this.inScopeRow(actor, code);
    return this.present(actor, f);
  }

  private async inScopeRow(actor: Actor, code: string): Promise<Row> {
    const f = await repo.byCode(this.deps.db, code);
    if (!f) throw new DomainError('NOT_FOUND', `Feedback ${code} not found`, { field: 'params.code' });
    if (!inScope(actor, f.unit_id))
      throw new DomainError('OUT_OF_SCOPE', `Feedback ${code} is handled by another unit`, { field: 'params.code' });
    return f;
  }

  private async present(actor: Actor, f: Row) {
    const { db, org } = this.deps;
    const now = this.deps.clock();
    const [events, attachments, repeats, assignable] = await Promise.all([
      repo.eventsOf(db, f.id),
      repo.attachmentsOf(db, f.id),
      repo.repeatsOf(db, f.id),
      repo.assignableStaff(db, f.unit_id),
    ]);
    const repeatOf = f.repeat_of_id ? await repo.byId(db, f.repeat_of_id) : undefined;
    const dossier = f.dossier_id ? await repo.dossierById(db, f.dossier_id) : undefined;
    const procedure = f.procedure_id ? await repo.procedureCode(db, f.procedure_id) : undefined;
    const reactions = await repo.reactionCounts(db, f.id);
    await org.listUnits();
    const current = currentDeadline(f);
    const assignee = f.assignee_id ? assignable.find((s) => s.id === f.assignee_id) : undefined;
    return {
      code: f.code,
      title: f.title,
      content: f.content,
      status: f.status,
      statusVi: STATUS_LABELS[f.status].vi,
      statusEn: STATUS_LABELS[f.status].en,
      channel: f.channel,
      category: f.category,
      subject: {
        kind: f.subject_kind,
        dossierCode: dossier?.code ?? null,
        procedureCode: procedure ?? null,
        unitId: f.subject_unit_id,
        unitNameVi: f.subject_unit_id ? org.unitName(f.subject_unit_id) : null,
        staffName: f.staff_name,
      },
      sender: { name: f.sender_name, phone: f.sender_phone, email: f.sender_email, loggedIn: f.citizen_account_id !== null },
      publishConsent: f.publish_consent,
      unitId: f.unit_id,
      unitNameVi: org.unitName(f.unit_id),
      assignee: f.assignee_id ? { id: f.assignee_id, fullName: assignee?.full_name ?? `#${f.assignee_id}` } : null,
      receivedAt: f.received_at.toISOString(),
      deadlines: {
        refuseDueAt: f.refuse_due_at.toISOString(),
        infoDueAt: f.info_due_at.toISOString(),
        answerDueAt: f.answer_due_at.toISOString(),
        publishDueAt: iso(f.publish_due_at),
      },
      stages: stageVerdicts(f, now),
      current: current ? { stage: current.stage, dueAt: current.dueAt.toISOString(), overdue: current.dueAt < now } : null,
      escalated: current !== null && f.escalated_stage === current.stage,
      refusalReason: f.refusal_reason,
      draftAnswer: f.draft_answer,
      answer: f.answer,
      answeredAt: iso(f.answered_at),
      publishedAt: iso(f.published_at),
      likes: reactions.likes,
      dislikes: reactions.dislikes,
      repeatOf: repeatOf?.code ?? null,
      repeats: repeats.map((r) => r.code),
      attachments: attachments.map((a) => ({ sha256: a.blob_sha256, mime: a.mime, size: a.size })),
      timeline: events.map((e) => ({
        seq: e.seq,
        at: e.at.toISOString(),
        action: e.action,
        toStatus: e.to_status,
        staffName: e.staff_name,
        note: e.note,
        internal: e.internal,
      })),
      assignable: assignable.map((s) => ({ id: s.id, fullName: s.full_name, role: s.role })),
      actions: inScope(actor, f.unit_id) ? allowedActions(actor.role, f) : [],
    };
  }

  /** A staff action on a feedback of the actor's unit, under the state machine of feedback.model.ts; audited. */
  async act(actor: Actor, code: string, action: FeedbackAction, body: ActionInput) {
    const now = this.deps.clock();
    const { db, auditKey } = this.deps;
    const f0 = await this.inScopeRow(actor, code);
    const calendar = await this.deps.org.calendarOf(f0.unit_id);
    const updated = await db.transaction().execute(async (trx) => {
      const f = (await repo.byCode(trx, code, true))!;
      const to = transition(action, actor.role, f);
      const patch: Parameters<typeof repo.updateFeedback>[2] = {};
      let note: string | null = null;
      let internal = true;
      const text = (v: string | undefined, field: string, what: string) => {
        const t = v?.trim();
        if (!t) throw new DomainError('VALIDATION', `Write the ${what}`, { field: `body.${field}` });
        return t;
      };
      switch (action) {
        case 'assign': {
          const staffId = body.staffId ?? actor.staffId;
          // A specialist takes a feedback up themself; the leaders hand it to anyone of the unit.
          if (actor.role === 'specialist' && staffId !== actor.staffId)
            throw new DomainError('FORBIDDEN', 'A specialist takes a feedback up themself; the unit’s leader assigns it to others');
          const s = await repo.staffMember(trx, staffId);
          if (!s || !s.active || s.unit_id !== f.unit_id || !['specialist', 'approver', 'manager'].includes(s.role))
            throw new DomainError('VALIDATION', 'Assign to an active specialist, approver or manager of the competent unit', {
              field: 'body.staffId',
            });
          patch.assignee_id = s.id;
          note = s.full_name;
          break;
        }
        case 'classify':
          if (!body.category) throw new DomainError('VALIDATION', 'Choose the category', { field: 'body.category' });
          patch.category = body.category;
          note = body.category;
          break;
        case 'note':
          note = text(body.note, 'note', 'note');
          break;
        case 'request_info':
          note = text(body.note, 'note', 'question to the sender');
          internal = false;
          patch.first_info_requested_at = f.first_info_requested_at ?? now;
          break;
        case 'info_received':
          note = text(body.note, 'note', 'information the sender gave');
          internal = false;
          break;
        case 'refuse':
          note = text(body.reason, 'reason', 'reason for the refusal');
          internal = false;
          patch.refused_at = now;
          patch.refusal_reason = note;
          break;
        case 'draft':
          patch.draft_answer = text(body.answer, 'answer', 'draft answer');
          break;
        case 'answer': {
          const answer = body.answer?.trim() || f.draft_answer?.trim();
          if (!answer) throw new DomainError('VALIDATION', 'Write the answer', { field: 'body.answer' });
          patch.answer = answer;
          patch.answered_at = now;
          patch.answered_by = actor.staffId;
          patch.publish_due_at = f.publish_consent ? publishDeadline(calendar, now) : null;
          internal = false;
          break;
        }
        case 'publish':
          patch.published_at = now;
          internal = false;
          break;
        case 'close':
          patch.closed_at = now;
          internal = false;
          break;
        case 'link_repeat': {
          const code2 = text(body.repeatOf, 'repeatOf', 'code of the earlier feedback');
          const e = await repo.byCode(trx, code2);
          if (!e || e.id === f.id) throw new DomainError('NOT_FOUND', `Feedback ${code2} not found`, { field: 'body.repeatOf' });
          // Only an earlier one: links then always point back in time, so they never form a cycle.
          if (e.received_at.getTime() > f.received_at.getTime() || (e.received_at.getTime() === f.received_at.getTime() && e.id > f.id))
            throw new DomainError('VALIDATION', 'A feedback repeats an earlier one', { field: 'body.repeatOf' });
          patch.repeat_of_id = e.id;
          note = e.code;
          break;
        }
      }
      if (to !== f.status) patch.status = to;
      const row = Object.keys(patch).length ? await repo.updateFeedback(trx, f.id, patch) : f;
      await repo.insertEvent(trx, f.id, { action, from_status: f.status, to_status: to, staff_id: actor.staffId, at: now, note, internal });
      await recordAudit(
        trx,
        auditKey,
        {
          ...byStaff(actor),
          action: `feedback.${action}`,
          entityType: 'feedback',
          entityId: f.code,
          data: {
            from: f.status,
            to,
            ...(patch.assignee_id ? { assigneeId: patch.assignee_id } : {}),
            ...(patch.category ? { category: patch.category } : {}),
            ...(patch.repeat_of_id ? { repeatOf: note } : {}),
          },
        },
        now,
      );
      if (
        this.deps.onOutcome &&
        (to === 'answered' || to === 'refused' || to === 'published' || to === 'closed' || to === 'info_requested') &&
        to !== f.status
      )
        await this.deps.onOutcome(trx, {
          id: f.id,
          code: f.code,
          title: row.title,
          text: to === 'answered' || to === 'published' || to === 'closed' ? row.answer : note,
          unitId: row.unit_id,
          lang: row.notice_lang,
          status: to,
          senderPhone: row.sender_phone,
          senderEmail: row.sender_email,
          citizenAccountId: row.citizen_account_id,
          at: now,
        });
      return row;
    });
    return this.present(actor, updated);
  }

  /** The bytes of a feedback's attachment, for staff who may see the feedback. */
  async attachment(actor: Actor, code: string, sha256: string): Promise<{ content: Buffer; mime: string }> {
    const f = await this.inScopeRow(actor, code);
    if (!(await repo.hasAttachment(this.deps.db, f.id, sha256)))
      throw new DomainError('NOT_FOUND', `File ${sha256} not found`, { field: 'params.sha256' });
    const a = (await repo.attachmentsOf(this.deps.db, f.id)).find((x) => x.blob_sha256 === sha256)!;
    return { content: await this.deps.blobs.get(sha256), mime: a.mime };
  }

  /** The sender's feedback, by its code and secret (wrong guesses budgeted per code and address, as dossier tracking). */
  private async verify(code: string, secret: string, client: string): Promise<Row> {
    const { budget, db } = this.deps;
    await budget.check(budget.keys(null, client));
    const f = await repo.byCode(db, code);
    if (f && sameSecret(f.secret_hash, secretHash(secret))) return f;
    await budget.fail(budget.keys(`feedback:${code}`, client));
    throw new DomainError('NOT_FOUND', MISS);
  }

  /** What the sender sees of their own feedback: its state, deadlines, public timeline and the answer. */
  async track(code: string, secret: string, client: string) {
    const f = await this.verify(code, secret, client);
    return this.presentToSender(f);
  }

  private async presentToSender(f: Row) {
    const { db, org } = this.deps;
    const events = await repo.eventsOf(db, f.id);
    const repeats = await repo.repeatsOf(db, f.id);
    const repeatOf = f.repeat_of_id ? await repo.byId(db, f.repeat_of_id) : undefined;
    await org.listUnits();
    const question = f.status === 'info_requested' ? events.findLast((e) => e.action === 'request_info') : undefined;
    return {
      code: f.code,
      title: f.title,
      content: f.content,
      status: f.status,
      statusVi: STATUS_LABELS[f.status].vi,
      statusEn: STATUS_LABELS[f.status].en,
      unitNameVi: org.unitName(f.unit_id),
      receivedAt: f.received_at.toISOString(),
      answerDueAt: f.answer_due_at.toISOString(),
      publishConsent: f.publish_consent,
      infoRequest: question ? { at: question.at.toISOString(), question: question.note ?? '' } : null,
      refusalReason: f.refusal_reason,
      answer: f.answer,
      answeredAt: iso(f.answered_at),
      publishedAt: iso(f.published_at),
      repeatOf: repeatOf?.code ?? null,
      repeats: repeats.map((r) => r.code),
      timeline: events
        .filter((e) => !e.internal)
        .map((e) => ({ at: e.at.toISOString(), action: e.action, status: e.to_status, note: e.note })),
    };
  }

  /** The sender answers a request for more information (info_requested → received), by code and secret. */
  async provideInfo(code: string, secret: string, client: string, content: string) {
    const f0 = await this.verify(code, secret, client);
    const now = this.deps.clock();
    const text = content.trim();
    if (!text) throw new DomainError('VALIDATION', 'Write the information asked for', { field: 'body.content' });
    const row = await this.deps.db.transaction().execute(async (trx) => {
      const f = (await repo.byCode(trx, f0.code, true))!;
      if (f.status !== 'info_requested') throw new DomainError('INVALID_TRANSITION', 'No information is asked of this feedback now');
      const updated = await repo.updateFeedback(trx, f.id, { status: 'received' });
      await repo.insertEvent(trx, f.id, {
        action: 'info_provided',
        from_status: f.status,
        to_status: 'received',
        staff_id: null,
        at: now,
        note: text,
        internal: false,
      });
      await recordAudit(
        trx,
        this.deps.auditKey,
        {
          actorKind: 'citizen',
          actorId: null,
          stream: 'public',
          action: 'feedback.info_provided',
          entityType: 'feedback',
          entityId: f.code,
        },
        now,
      );
      return updated;
    });
    return this.presentToSender(row);
  }

  /** The published answers, newest first: personal data masked, the sender's name masked, with likes and dislikes. */
  /**
   * A unit's page for citizens: how the dossiers it received or handled were rated and how its feedback was handled
   * over the last twelve months, with its latest published answers (personal data masked as in the list).
   */
  async unitVoice(unitId: number) {
    const { org, clock, db } = this.deps;
    const unit = await org.unit(unitId).catch(() => {
      throw new DomainError('NOT_FOUND', `Unit ${unitId} not found`, { field: 'params.id' });
    });
    const to = clock();
    const from = new Date(to.getTime() - 365 * 86_400_000);
    const v = await repo.unitVoice(db, unit.id, from, to);
    return {
      unit: { id: unit.id, kind: unit.kind, nameVi: unit.name_vi, nameEn: unit.name_en },
      from: from.toISOString(),
      to: to.toISOString(),
      ...v,
      published: await this.listPublished({ unitId: unit.id, limit: 10 }),
    };
  }

  async listPublished(q: { limit?: number; offset?: number; q?: string; unitId?: number }) {
    const rows = await repo.listPublished(this.deps.db, { limit: q.limit ?? 20, offset: q.offset ?? 0, q: q.q, unitId: q.unitId });
    await this.deps.org.listUnits();
    const out = [];
    for (const r of rows) {
      const dossier = r.dossier_id ? await repo.dossierById(this.deps.db, r.dossier_id) : undefined;
      const names = [r.sender_name, dossier?.applicant_name].filter((n): n is string => Boolean(n));
      out.push({
        code: r.code,
        title: maskPersonalData(r.title, names),
        content: maskPersonalData(r.content, names),
        category: r.category,
        senderName: r.sender_name ? maskName(r.sender_name) : null,
        unitId: r.unit_id,
        unitNameVi: this.deps.org.unitName(r.unit_id),
        receivedAt: r.received_at.toISOString(),
        answeredAt: iso(r.answered_at),
        publishedAt: iso(r.published_at),
        answer: maskPersonalData(r.answer ?? '', names),
        likes: Number(r.likes ?? 0),
        dislikes: Number(r.dislikes ?? 0),
        repeats: r.repeats ?? [],
      });
    }
    return out;
  }

  /**
   * A like or a dislike of a published answer: one per voter (a logged-in citizen's account, else the client
   * address); a second reaction by the same voter replaces the first. Audited.
   */
  async react(code: string, reaction: 'like' | 'dislike', voter: { citizenAccountId: number } | { client: string }) {
    const now = this.deps.clock();
    const key = 'citizenAccountId' in voter ? `citizen:${voter.citizenAccountId}` : `client:${sha256Hex(voter.client)}`;
    return this.deps.db.transaction().execute(async (trx) => {
      const f = await repo.byCode(trx, code);
      if (!f || f.status !== 'published')
        throw new DomainError('NOT_FOUND', `Feedback ${code} not found among the published answers`, { field: 'params.code' });
      const before = await repo.upsertReaction(trx, { feedback_id: f.id, voter: key, reaction, at: now });
      if (before !== reaction)
        await recordAudit(
          trx,
          this.deps.auditKey,
          {
            actorKind: 'citizen',
            actorId: null,
            stream: 'public',
            action: 'feedback.react',
            entityType: 'feedback',
            entityId: f.code,
            data: { reaction, ...(before ? { replaced: before } : {}), ...('citizenAccountId' in voter ? voter : {}) },
          },
          now,
        );
      return { code: f.code, reaction, ...(await repo.reactionCounts(trx, f.id)) };
    });
  }

  /**
   * The escalation job (every minute in `motcua serve`): each feedback whose current deadline is within 1 working day
   * or past, not yet escalated at this stage, is marked escalated to its unit's leader, with an event naming them.
   */
  async escalateDue(): Promise<{ escalated: string[] }> {
    const { db, auditKey, org } = this.deps;
    const now = this.deps.clock();
    // One working day can span at most a Tết break of about 10 calendar days: nothing due later needs a look.
    const horizon = new Date(now.getTime() + 14 * 86_400_000);
    const escalated: string[] = [];
    for (const c of await repo.escalationCandidates(db, horizon)) {
      const calendar = await org.calendarOf(c.unit_id);
      const cur = currentDeadline(c);
      if (!cur || !needsEscalation(calendar, cur.dueAt, now)) continue;
      const done = await db.transaction().execute(async (trx) => {
        const f = (await repo.byCode(trx, c.code, true))!;
        const again = currentDeadline(f);
        if (!again || again.stage !== cur.stage || f.escalated_stage === again.stage) return false;
        const leaders = (await repo.assignableStaff(trx, f.unit_id)).filter((s) => s.role === 'approver' || s.role === 'manager');
        await repo.updateFeedback(trx, f.id, { escalated_stage: again.stage, escalated_at: now });
        await repo.insertEvent(trx, f.id, {
          action: 'escalate',
          from_status: f.status,
          to_status: f.status,
          staff_id: null,
          at: now,
          note: `${again.stage} due ${again.dueAt.toISOString()}; leader: ${leaders.map((l) => l.full_name).join(', ') || '—'}`,
          internal: true,
        });
        await recordAudit(
          trx,
          auditKey,
          {
            ...bySystem(`unit:${f.unit_id}`),
            action: 'feedback.escalate',
            entityType: 'feedback',
            entityId: f.code,
            data: { stage: again.stage, dueAt: again.dueAt.toISOString(), leaders: leaders.map((l) => l.id) },
          },
          now,
        );
        return true;
      });
      if (done) escalated.push(c.code);
    }
    return { escalated };
  }

  /** Per competent unit, the figures of indicators 5.2–5.3 over [from, to) (feedback.repository.ts feedbackFigures). */
  figures(q: repo.FeedbackFiguresQuery): Promise<repo.FeedbackFigures[]> {
    return repo.feedbackFigures(this.deps.db, q);
  }

  /** The dossiers with at least one feedback about them (indicator 5.4). */
  dossiersWithFeedback(opts: { dossierIds?: readonly number[]; to?: Date } = {}): Promise<number[]> {
    return repo.dossiersWithFeedback(this.deps.db, opts);
  }
}
