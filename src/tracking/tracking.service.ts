import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import { DomainError } from '../platform/errors.js';
import { checkIdempotencyKey, idempotent } from '../platform/idempotency.js';
import { recordAudit } from '../audit/audit.service.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import type { OrgService } from '../org/org.service.js';
import { maskIdNumber, maskName, STATUS_LABELS, type DossierStatus } from '../dossiers/dossier.model.js';
import type { LookupBudget } from '../lookups/lookup.service.js';
import { sameSecret } from '../lookups/lookup.model.js';
import { normalizeToken } from './tracking.model.js';
import * as repo from './tracking.repository.js';
import type { PaymentSummary } from '../payments/payment.model.js';

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

// One text for a missing code, wrong digits and a wrong token: the answer never tells them apart.
const MISS =
  'Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu hoặc số điện thoại này / No dossier matches this code with this tracking token or phone number';

/** What proves the right to see a dossier: the last 4 digits of the applicant's phone, or the receipt's tracking token. */
export type TrackingSecret = { phone: string } | { token: string };

type Rating = 'satisfied' | 'acceptable' | 'not_satisfied';

/** How long a tracking answer may be served from memory when no write in this process changed the dossier. */
export const TRACKING_CACHE_TTL_MS = 30_000;
/**
 * The same on embedded PGlite, where this process is the only one that can write (the data directory is locked):
 * every change of a dossier goes through its services and forgets the answer at once, so the bound is only for what
 * reaches an answer without touching its dossier (a unit renamed); recomputing every answer each 30 s cost the
 * look-ups a sixth of their throughput on a 2-core machine, on the thread that serves them (bench/README.md).
 */
export const TRACKING_CACHE_TTL_SOLE_WRITER_MS = 600_000;

/** The tracking cache's bound for a database: PostgreSQL may have other writing processes, PGlite has none. */
export function trackingCacheTtlFor(kind: 'postgres' | 'pglite'): number {
  return kind === 'pglite' ? TRACKING_CACHE_TTL_SOLE_WRITER_MS : TRACKING_CACHE_TTL_MS;
}
const TRACKING_CACHE_MAX = 50_000;

type TrackingView = Awaited<ReturnType<TrackingService['compute']>>;

export interface TrackingDeps {
  db: Kysely<DB>;
  clock: () => Date;
  auditKey: AuditKey;
  org: OrgService;
  /** The wrong-guess budget shared with the other public look-ups. */
  budget: LookupBudget;
  /** How long an answer is kept when nothing in this process changed its dossier (default TRACKING_CACHE_TTL_MS). */
  cacheTtlMs?: number;
  /** A dossier's fees and payments (PaymentService.summary). */
  payments: (d: { id: number; status: string }) => Promise<PaymentSummary>;
}

/**
 * Public tracking and rating: a dossier code plus its tracking token (the receipt's QR code) or the last 4
 * digits of the applicant's phone. Wrong guesses are budgeted per code and per client address (LookupBudget):
 * a locked code or address gets 429 whatever the code names, and a missing code and a wrong secret do the same
 * work and get the same 404.
 *
 * Answers are kept in memory: every write through this process's services forgets the dossier at once
 * (see `forget`), and answers older than `cacheTtlMs` (TRACKING_CACHE_TTL_MS; on PGlite, the only writer,
 * TRACKING_CACHE_TTL_SOLE_WRITER_MS) are recomputed, which bounds how stale a
 * page can be when another process changed the dossier. Only a right token is answered from memory; phone
 * digits are always checked against the database, like a missing code, so neither answers sooner.
 */
export class TrackingService {
  private readonly cache = new Map<string, { token: string; view: TrackingView; until: number }>();
  /**
   * Answers being computed (read from the database, not yet cached), and the codes forgotten meanwhile with the
   * count of `forget` calls at that moment: an answer whose reads began before its dossier was forgotten may hold the
   * old state, and is sent but not cached. Kept only while something is being computed, so it stays small.
   */
  private computing = 0;
  private forgets = 0;
  private readonly forgottenAt = new Map<string, number>();

  constructor(private readonly deps: TrackingDeps) {}

  /** Drops a dossier's cached answer (called after every committed change of it). */
  forget(code: string): void {
    this.cache.delete(code);
    this.forgets++;
    if (this.computing > 0) this.forgottenAt.set(code, this.forgets);
  }

  /**
   * The dossier if the secret is right; otherwise 404 NOT_FOUND, the same as for a code that does not exist
   * (or 429 RATE_LIMITED once the code or the address has used up its wrong guesses).
   * Phone digits (10,000 values) are counted before they are checked, so that no burst of guesses gets past the
   * budget, and the count is taken back when they are right. A token (60 bits) is checked first; only a
   * wrong one is counted, and only a locked address, not a locked code, stops the right one: otherwise anyone
   * could lock a citizen out of their own QR code by spending five wrong guesses on the (sequential) code.
   */
  private async verify(code: string, secret: TrackingSecret, client: string): Promise<repo.TrackedDossier> {
    const { budget, db } = this.deps;
    const keys = budget.keys(`code:${code}`, client);
    if ('phone' in secret) {
      const attempt = await budget.reserve(keys);
      const d = await repo.dossierForTracking(db, code);
      if (d && sameSecret(d.applicant_phone.slice(-4), secret.phone)) {
        await budget.release(attempt);
        return d;
      }
      throw new DomainError('NOT_FOUND', MISS);
    }
    await budget.check(budget.keys(null, client));
    const d = await repo.dossierForTracking(db, code);
    if (d && sameSecret(d.tracking_token, normalizeToken(secret.token))) return d;
    await budget.fail(keys);
    throw new DomainError('NOT_FOUND', MISS);
  }

  /**
   * The hot path of `track`, without a promise: the cached answer to a right token, from an address not known to be
   * locked (429 RATE_LIMITED if it is). Undefined whenever the answer needs the database (no cached answer, phone
   * digits, a wrong token, a view of the locks too old to judge by): then `track` answers.
   */
  fromMemory(code: string, secret: TrackingSecret, client: string): TrackingView | undefined {
    if (!('token' in secret)) return undefined;
    const hit = this.rightTokenHit(code, secret.token, this.deps.clock().getTime());
    if (hit === undefined) return undefined;
    const { budget } = this.deps;
    return budget.checkNow(budget.keys(null, client)) ? hit.view : undefined;
  }

  /** The dossier a public request names, if its secret is right (the same budget and answers as `track`). */
  async authorize(code: string, secret: TrackingSecret, client: string): Promise<repo.TrackedDossier> {
    return this.verify(code, secret, client);
  }

  /** The public timeline, with the applicant's name and ID masked. */
  async track(code: string, secret: TrackingSecret, client: string): Promise<TrackingView> {
    const now = this.deps.clock().getTime();
    // A right token of a cached answer, from an address not locked, never waits for the dossier's rows.
    if ('token' in secret) {
      const hit = this.rightTokenHit(code, secret.token, now);
      if (hit !== undefined) {
        await this.deps.budget.check(this.deps.budget.keys(null, client));
        return hit.view;
      }
    }
    const startedAt = this.forgets;
    this.computing++;
    try {
      const d = await this.verify(code, secret, client);
      // Looked up after the dossier's row was read: an answer cached before a change is forgotten by then.
      const hit = this.cache.get(code);
      if (hit && hit.until > now) return hit.view;
      const view = await this.compute(d);
      // Forgotten while its rows were read: the change may be missing from them, so the next look-up reads again.
      if ((this.forgottenAt.get(code) ?? 0) > startedAt) return view;
      if (this.cache.size >= TRACKING_CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(code, { token: d.tracking_token, view, until: now + (this.deps.cacheTtlMs ?? TRACKING_CACHE_TTL_MS) });
      return view;
    } finally {
      if (--this.computing === 0) this.forgottenAt.clear();
    }
  }

  /** The cached answer of `code` if it is still fresh and `token` is its token. */
  private rightTokenHit(code: string, token: string, now: number) {
    const hit = this.cache.get(code);
    return hit !== undefined && hit.until > now && sameSecret(hit.token, normalizeToken(token)) ? hit : undefined;
  }

  private async compute(d: repo.TrackedDossier) {
    const events = await repo.eventsOf(this.deps.db, d.id);
    const rating = await repo.ratingOf(this.deps.db, d.id);
    const payment = await this.deps.payments(d);
    await this.deps.org.listUnits(); // ensures unit names are loaded
    const status = d.status as DossierStatus;
    const request = status === 'supplement_requested' ? events.findLast((e) => e.action === 'request_supplement') : undefined;
    return {
      code: d.code,
      trackingToken: d.tracking_token,
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
      payment,
    };
  }

  /** One rating per returned dossier, by whoever can track it; a retry with the same Idempotency-Key gets the first answer, not ALREADY_RATED. */
  async rate(code: string, secret: TrackingSecret, client: string, rating: Rating, comment: string | undefined, idempotencyKey?: string) {
    if (idempotencyKey) checkIdempotencyKey(idempotencyKey, 16);
    const d = await this.verify(code, secret, client);
    // Anonymous: the key alone (at least 16 characters) finds the answer again, as for an online submission.
    return this.recordRating(d, rating, comment, idempotencyKey, {
      scope: 'public:rating',
      request: { code: d.code, secret, rating, comment: comment ?? null },
      minKeyLength: 16,
    });
  }

  /** A logged-in citizen (level 2) rates one of their own returned dossiers, once; the rating names their account. */
  async rateAsCitizen(
    citizen: { accountId: number; idNumber: string },
    code: string,
    rating: Rating,
    comment: string | undefined,
    idempotencyKey?: string,
  ) {
    if (idempotencyKey) checkIdempotencyKey(idempotencyKey);
    const d = await repo.dossierForTracking(this.deps.db, code);
    // Another citizen's dossier is answered as a missing one: codes cannot be probed.
    if (!d || d.applicant_id_number !== citizen.idNumber)
      throw new DomainError('NOT_FOUND', `Dossier ${code} not found`, { field: 'params.code' });
    return this.recordRating(d, rating, comment, idempotencyKey, {
      scope: `citizen:${citizen.accountId}:rating`,
      request: { code, rating, comment: comment ?? null },
      citizenAccountId: citizen.accountId,
    });
  }

  /** Writes the rating of a returned dossier with its audit entry, once per Idempotency-Key, and forgets the cached answer. */
  private async recordRating(
    d: Pick<repo.TrackedDossier, 'id' | 'code' | 'status' | 'return_point_id'>,
    rating: Rating,
    comment: string | undefined,
    idempotencyKey: string | undefined,
    by: { scope: string; request: unknown; minKeyLength?: number; citizenAccountId?: number },
  ) {
    if (d.status !== 'returned') throw new DomainError('INVALID_TRANSITION', 'A dossier is rated once its result has been returned');
    const now = this.deps.clock();
    const citizen = by.citizenAccountId === undefined ? {} : { citizenAccountId: by.citizenAccountId };
    const { value } = await idempotent(
      this.deps.db,
      idempotencyKey,
      by.scope,
      by.request,
      async (trx) => {
        const inserted = await repo.insertRating(trx, {
          dossier_id: d.id,
          rating,
          comment: comment?.trim() || null,
          created_at: now,
          ...(by.citizenAccountId === undefined ? {} : { citizen_account_id: by.citizenAccountId }),
        });
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
            data: { rating, ...citizen },
          },
          now,
        );
        return { code: d.code, rating, ratedAt: now.toISOString() };
      },
      { minKeyLength: by.minKeyLength },
    );
    this.forget(d.code);
    return value;
  }
}
