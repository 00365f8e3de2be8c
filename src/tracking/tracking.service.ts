import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import { DomainError } from '../platform/errors.js';
import { recordAudit } from '../audit/audit.service.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import type { OrgService } from '../org/org.service.js';
import { maskIdNumber, maskName, STATUS_LABELS, type DossierStatus } from '../dossiers/dossier.model.js';

/** Public wording of each timeline step. */
export const ACTION_LABELS: Record<string, { vi: string; en: string }> = {
  submit_online: { vi: 'Nộp hồ sơ trực tuyến', en: 'Submitted online' },
  receive: { vi: 'Tiếp nhận hồ sơ', en: 'Dossier received' },
  refuse: { vi: 'Từ chối tiếp nhận', en: 'Refused at receipt' },
  digitize: { vi: 'Số hóa thành phần hồ sơ', en: 'Component digitized' },
  forward: { vi: 'Chuyển xử lý', en: 'Forwarded for processing' },
  request_supplement: { vi: 'Yêu cầu bổ sung hồ sơ', en: 'Supplement requested' },
  supplement_received: { vi: 'Đã nhận hồ sơ bổ sung', en: 'Supplement received' },
  request_payment: { vi: 'Yêu cầu thực hiện nghĩa vụ tài chính', en: 'Payment requested' },
  payment_received: { vi: 'Đã thực hiện nghĩa vụ tài chính', en: 'Payment received' },
  withdraw: { vi: 'Rút hồ sơ theo yêu cầu', en: 'Withdrawn at the applicant’s request' },
  stop: { vi: 'Dừng xử lý', en: 'Processing stopped' },
  result: { vi: 'Có kết quả giải quyết', en: 'Result ready' },
  return: { vi: 'Đã trả kết quả', en: 'Result returned' },
  apologize: { vi: 'Thư xin lỗi và hẹn lại ngày trả kết quả', en: 'Apology and new return date' },
  flag_late: { vi: 'Quá hạn giải quyết', en: 'Past the due date' },
};

/** Actions whose note is written to the applicant (a reason the law says they must be given); other notes stay internal. */
export const PUBLIC_NOTE_ACTIONS: ReadonlySet<string> = new Set(['refuse', 'request_supplement', 'stop', 'apologize', 'withdraw']);

const MISS = 'Không tìm thấy hồ sơ với mã và số điện thoại này / No dossier matches this code and phone number';

/** Compares phone digits in constant time (no early exit) and without allocating: it runs on every look-up. */
function sameDigits(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

/** How long a tracking answer may be served from memory when no write in this process changed the dossier. */
export const TRACKING_CACHE_TTL_MS = 30_000;
const TRACKING_CACHE_MAX = 50_000;

type TrackingView = Awaited<ReturnType<TrackingService['compute']>>;

/**
 * Public tracking and rating: a dossier code plus the last 4 digits of the applicant's phone.
 * Answers are kept in memory: every write through this process's services forgets the dossier at once
 * (see `forget`), and answers older than TRACKING_CACHE_TTL_MS are recomputed, which bounds how stale a
 * page can be when another process changed the dossier.
 */
export class TrackingService {
  private readonly cache = new Map<string, { phone4: string; view: TrackingView; until: number }>();

  constructor(private readonly deps: { db: Kysely<DB>; clock: () => Date; auditKey: AuditKey; org: OrgService }) {}

  /** Drops a dossier's cached answer (called after every committed change of it). */
  forget(code: string): void {
    this.cache.delete(code);
  }

  private async find(code: string, phoneLast4: string) {
    const d = await this.deps.db
      .selectFrom('dossiers as d')
      .innerJoin('procedure_versions as v', 'v.id', 'd.procedure_version_id')
      .innerJoin('procedures as p', 'p.id', 'd.procedure_id')
      .select([
        'd.id',
        'd.code',
        'd.status',
        'd.portal_status',
        'd.applicant_name',
        'd.applicant_id_number',
        'd.applicant_phone',
        'd.submitted_at',
        'd.received_at',
        'd.due_at',
        'd.apology_due_at',
        'd.returned_at',
        'd.return_point_id',
        'd.receiving_unit_id',
        'd.supplement_count',
        'p.code as procedure_code',
        'v.name_vi',
        'v.name_en',
      ])
      .where('d.code', '=', code)
      .executeTakeFirst();
    // The same answer for an unknown code and a wrong phone: codes cannot be confirmed by probing.
    if (!d || !sameDigits(d.applicant_phone.slice(-4), phoneLast4)) throw new DomainError('NOT_FOUND', MISS);
    return d;
  }

  /** The public timeline, with the applicant's name and ID masked. */
  async track(code: string, phoneLast4: string): Promise<TrackingView> {
    const now = this.deps.clock().getTime();
    const hit = this.cache.get(code);
    if (hit && hit.until > now) {
      if (!sameDigits(hit.phone4, phoneLast4)) throw new DomainError('NOT_FOUND', MISS);
      return hit.view;
    }
    const d = await this.find(code, phoneLast4);
    const view = await this.compute(d);
    if (this.cache.size >= TRACKING_CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(code, { phone4: d.applicant_phone.slice(-4), view, until: now + TRACKING_CACHE_TTL_MS });
    return view;
  }

  private async compute(d: Awaited<ReturnType<TrackingService['find']>>) {
    const events = await this.deps.db
      .selectFrom('dossier_events')
      .select(['seq', 'action', 'to_status', 'unit_id', 'at', 'note'])
      .where('dossier_id', '=', d.id)
      .orderBy('seq')
      .execute();
    const rating = await this.deps.db.selectFrom('ratings').select(['rating']).where('dossier_id', '=', d.id).executeTakeFirst();
    await this.deps.org.listUnits(); // ensures unit names are loaded
    const status = d.status as DossierStatus;
    const request = status === 'supplement_requested' ? events.findLast((e) => e.action === 'request_supplement') : undefined;
    return {
      code: d.code,
      procedure: { code: d.procedure_code, nameVi: d.name_vi, nameEn: d.name_en },
      status,
      statusVi: STATUS_LABELS[status].vi,
      statusEn: STATUS_LABELS[status].en,
      portalStatus: d.portal_status,
      applicantName: maskName(d.applicant_name),
      applicantIdNumber: maskIdNumber(d.applicant_id_number),
      submittedAt: d.submitted_at?.toISOString() ?? null,
      receivedAt: d.received_at?.toISOString() ?? null,
      dueAt: d.due_at?.toISOString() ?? null,
      newDueAt: d.apology_due_at?.toISOString() ?? null,
      returnedAt: d.returned_at?.toISOString() ?? null,
      receivingPointNameVi: this.deps.org.unitName(d.receiving_unit_id),
      returnPointNameVi: this.deps.org.unitName(d.return_point_id),
      timeline: events.map((e) => ({
        at: e.at.toISOString(),
        action: e.action,
        labelVi: ACTION_LABELS[e.action]?.vi ?? e.action,
        labelEn: ACTION_LABELS[e.action]?.en ?? e.action,
        status: e.to_status,
        unitNameVi: e.unit_id ? this.deps.org.unitName(e.unit_id) : null,
        note: PUBLIC_NOTE_ACTIONS.has(e.action) ? e.note : null,
      })),
      supplement: request
        ? {
            requestedAt: request.at.toISOString(),
            reason: request.note ?? '',
            unitNameVi: request.unit_id ? this.deps.org.unitName(request.unit_id) : null,
          }
        : null,
      rating: rating?.rating ?? null,
      canRate: status === 'returned' && !rating,
    };
  }

  /** One rating per returned dossier. */
  async rate(code: string, phoneLast4: string, rating: 'satisfied' | 'acceptable' | 'not_satisfied', comment: string | undefined) {
    const d = await this.find(code, phoneLast4);
    if (d.status !== 'returned') throw new DomainError('INVALID_TRANSITION', 'A dossier is rated once its result has been returned');
    const now = this.deps.clock();
    await this.deps.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('ratings')
        .values({ dossier_id: d.id, rating, comment: comment?.trim() || null, created_at: now })
        .onConflict((oc) => oc.column('dossier_id').doNothing())
        .returning('dossier_id')
        .executeTakeFirst();
      if (!inserted) throw new DomainError('ALREADY_RATED', 'This dossier has already been rated');
      await recordAudit(
        trx,
        this.deps.auditKey,
        {
          actorKind: 'citizen',
          actorId: null,
          stream: `unit:${d.return_point_id}`,
          action: 'dossier.rate',
          entityType: 'dossier',
          entityId: d.code,
          data: { rating },
        },
        now,
      );
    });
    this.forget(d.code);
    return { code: d.code, rating, ratedAt: now.toISOString() };
  }
}
