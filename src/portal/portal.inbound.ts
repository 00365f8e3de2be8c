import type { Kysely } from 'kysely';
import { Compile } from 'typebox/compile';
import type { DB } from '../platform/db.types.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import { DomainError } from '../platform/errors.js';
import { requireRole, type Actor } from '../auth/auth.model.js';
import { byStaff, bySystem, recordAudit } from '../audit/audit.service.js';
import { IntakeSchema, type IntakeInput } from '../dossiers/dossier.schema.js';
import { PortalFileUnusable, PortalUnavailable, type PortalGateway } from './portal.client.js';
import { parsePortalDate, type PortalInboundDossier } from './portal.contract.js';
import { intakeFromPortal, portalFieldOf, repeatedComponent, type InboundComponentSpec } from './portal.model.js';
import * as repo from './portal.repository.js';

const intakeValidator = Compile(IntakeSchema);

export interface PortalInboundDeps {
  db: Kysely<DB>;
  clock: () => Date;
  auditKey: AuditKey;
  gateway: PortalGateway | null;
  /** Online submissions' files (src/files/): each portal dossier's files are stored under a submission of its own. */
  files: {
    openSubmission(): Promise<{ submissionToken: string }>;
    upload(bytes: Buffer, uploader: { submissionToken: string }): Promise<{ sha256: string }>;
  };
  /** The online intake of a portal dossier (src/dossiers/ submitFromPortal). */
  submit(
    input: IntakeInput,
    submissionToken: string | undefined,
    portal: { portalId: string; vneidAuthenticated: boolean },
  ): Promise<{ code: string }>;
  /** The components of a procedure in force now, or null when the province has no such procedure. */
  componentsOf(procedureCode: string): Promise<InboundComponentSpec[] | null>;
  /** The service point with this agency code (the portal's MaDonViTiepNhan), if it is one of ours. */
  servicePointOf(agencyCode: string): Promise<number | undefined>;
  /** Portal dossiers asked for per page (the contract allows 100). */
  pageSize?: number;
}

/** What one pull did. */
export interface PullRound {
  /** Portal dossiers listed as new. */
  listed: number;
  /** Of those, made into dossiers here by this pull. */
  created: number;
  /** Confirmed to the portal with our code (new ones and those whose earlier confirmation was lost). */
  confirmed: number;
  /** Refused by this pull (the reason is kept; they are skipped until an administrator asks again). */
  refused: number;
  /** Skipped: refused earlier. */
  skipped: number;
  /** Confirmations the portal answered with an error (tried again at the next pull). */
  unconfirmed: number;
  /** The portal could not be reached: the pull stopped there, nothing half-taken. */
  unavailable: string | null;
}

class Refusal extends Error {
  constructor(
    readonly reasonCode: string,
    message: string,
    readonly field: string | null,
  ) {
    super(message);
  }
}

/**
 * Portal sync, inward: dossiers filed on the National Public Service Portal (LayDanhSachHoSoMoi) become dossiers
 * here, in status 1 "submitted online" at the service point their procedure routes to, with their files stored
 * under the file rules; each is then confirmed to the portal with our code (XacNhanTiepNhanHoSo), and from there the
 * outward sync tells the portal (and the citizen's account there) every change. A dossier is created once per
 * portal id (a unique index), so a pull interrupted anywhere, or two pulls at once, never doubles one: the next pull
 * finds it and confirms it. A portal dossier the province cannot take is refused with the reason, left unconfirmed,
 * and listed in the reconciliation.
 */
export class PortalInboundService {
  private readonly pageSize: number;

  constructor(private readonly deps: PortalInboundDeps) {
    this.pageSize = deps.pageSize ?? 100;
  }

  get enabled(): boolean {
    const g = this.deps.gateway;
    return Boolean(g?.listNew && g.download && g.confirm);
  }

  /** One pull: every page of the portal's new dossiers, each taken (or refused) and confirmed. */
  async pullNew(maxPages = 100): Promise<PullRound> {
    const round: PullRound = { listed: 0, created: 0, confirmed: 0, refused: 0, skipped: 0, unconfirmed: 0, unavailable: null };
    const g = this.deps.gateway;
    if (!g?.listNew || !g.confirm || !this.enabled) return round;
    let cursor = '';
    try {
      for (let page = 0; page < maxPages; page++) {
        const list = await g.listNew(cursor, this.pageSize);
        round.listed += list.dossiers.length;
        const known = await repo.inboundKnown(
          this.deps.db,
          list.dossiers.map((d) => d.MaHoSoQG),
        );
        for (const d of list.dossiers) {
          if (known.refused.has(d.MaHoSoQG)) {
            round.skipped++;
            continue;
          }
          let code = known.codes.get(d.MaHoSoQG);
          if (!code) {
            const taken = await this.take(d);
            if (taken instanceof Refusal) {
              await this.refuse(d, taken);
              round.refused++;
              continue;
            }
            if (taken.created) round.created++;
            code = taken.code;
          }
          const a = await g.confirm(d.MaHoSoQG, code);
          if (a.error_code === 0) round.confirmed++;
          else round.unconfirmed++;
        }
        if (!list.next) break;
        cursor = list.next;
      }
    } catch (e) {
      if (!(e instanceof PortalUnavailable)) throw e;
      round.unavailable = e.message;
    }
    return round;
  }

  /** Makes one portal dossier ours: its files stored, then the online intake. A Refusal when it cannot be taken. */
  private async take(d: PortalInboundDossier): Promise<{ code: string; created: boolean } | Refusal> {
    const g = this.deps.gateway!;
    const components = await this.deps.componentsOf(d.MaTTHC.trim());
    if (!components)
      return new Refusal('UNKNOWN_PROCEDURE', `Tỉnh không có thủ tục ${d.MaTTHC} / The province has no procedure ${d.MaTTHC}`, 'MaTTHC');
    const repeated = repeatedComponent(d);
    if (repeated)
      return new Refusal(
        'VALIDATION',
        `Thành phần ${repeated} có nhiều hơn một tệp / Component ${repeated} has more than one file (one file per component)`,
        'TaiLieuNop',
      );
    const token = d.TaiLieuNop.length ? (await this.deps.files.openSubmission()).submissionToken : undefined;
    const hashes: string[] = [];
    for (const [i, f] of d.TaiLieuNop.entries()) {
      let bytes: Uint8Array;
      try {
        bytes = (await g.download!(f.DuongDanTaiTepTin)).bytes;
      } catch (e) {
        if (e instanceof PortalFileUnusable)
          return new Refusal(
            'FILE_UNAVAILABLE',
            `Không tải được tệp ${f.TenTepDinhKem} / File ${f.TenTepDinhKem}: ${e.message}`,
            `TaiLieuNop[${i}]`,
          );
        throw e;
      }
      try {
        hashes.push((await this.deps.files.upload(Buffer.from(bytes), { submissionToken: token! })).sha256);
      } catch (e) {
        if (e instanceof DomainError) return new Refusal(e.code, `${f.TenTepDinhKem}: ${e.message}`, `TaiLieuNop[${i}]`);
        throw e;
      }
    }
    const returnPointId = d.MaDonViTiepNhan.trim() ? await this.deps.servicePointOf(d.MaDonViTiepNhan.trim()) : undefined;
    const input = intakeFromPortal(d, hashes, components, returnPointId);
    if (!intakeValidator.Check(input)) {
      const first = [...intakeValidator.Errors(input)][0];
      const field = `body${(first?.instancePath ?? '').replaceAll('/', '.')}`;
      return new Refusal(
        'VALIDATION',
        `${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}`,
        portalFieldOf(field, hashes.length),
      );
    }
    try {
      const view = await this.deps.submit(input, token, { portalId: d.MaHoSoQG, vneidAuthenticated: d.TaiKhoanDuocXacThucVoiVNeID === 1 });
      return { code: view.code, created: true };
    } catch (e) {
      // Another pull took it meanwhile (the portal id is unique): it is ours, only the confirmation is left.
      const mine = (await repo.inboundKnown(this.deps.db, [d.MaHoSoQG])).codes.get(d.MaHoSoQG);
      if (mine) return { code: mine, created: false };
      if (e instanceof DomainError) return new Refusal(e.code, e.message, portalFieldOf(e.extra.field, hashes.length));
      throw e;
    }
  }

  private async refuse(d: PortalInboundDossier, r: Refusal): Promise<void> {
    const now = this.deps.clock();
    await this.deps.db.transaction().execute(async (trx) => {
      const first = await repo.recordRefusal(
        trx,
        {
          portalId: d.MaHoSoQG,
          procedureCode: d.MaTTHC.slice(0, 40),
          communeCode: d.MaXa.slice(0, 10),
          submittedAt: parsePortalDate(d.NgayNopHoSo),
          reasonCode: r.reasonCode,
          reason: r.message.slice(0, 1000),
          field: r.field,
        },
        now,
      );
      await recordAudit(
        trx,
        this.deps.auditKey,
        {
          ...bySystem('portal'),
          action: 'portal.inbound_refused',
          entityType: 'portal_dossier',
          entityId: d.MaHoSoQG,
          data: { reasonCode: r.reasonCode, field: r.field, first },
        },
        now,
      );
    });
  }

  /** The inward half of the reconciliation: how many dossiers came from the portal, and the refusals with their reasons. */
  async state(limit: number) {
    const s = await repo.inboundState(this.deps.db, limit);
    return {
      enabled: this.enabled,
      received: s.received,
      refused: s.refused,
      refusals: s.items.map((r) => ({
        portalId: r.portal_id,
        procedureCode: r.procedure_code,
        communeCode: r.commune_code,
        submittedAt: r.submitted_at ? new Date(r.submitted_at).toISOString() : null,
        reasonCode: r.reason_code,
        reason: r.reason,
        field: r.field,
        firstRefusedAt: new Date(r.first_refused_at).toISOString(),
        lastRefusedAt: new Date(r.last_refused_at).toISOString(),
        attempts: r.attempts,
      })),
    };
  }

  /** An administrator pulls now instead of waiting for the next round of `serve`. */
  async pullNow(actor: Actor): Promise<PullRound> {
    requireRole(actor, 'admin');
    if (!this.enabled) throw new DomainError('CONFLICT', 'Đồng bộ với Cổng DVCQG đang tắt / Portal sync is off: no portal is configured');
    return this.pullNew();
  }

  /** An administrator asks for a refused portal dossier again (after adding its procedure, say); audited. */
  async retry(actor: Actor, portalId: string): Promise<void> {
    requireRole(actor, 'admin');
    const now = this.deps.clock();
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await repo.forgetRefusal(trx, portalId)))
        throw new DomainError(
          'NOT_FOUND',
          `Hồ sơ ${portalId} của Cổng DVCQG không nằm trong danh sách bị từ chối / Portal dossier ${portalId} is not among the refused`,
        );
      await recordAudit(
        trx,
        this.deps.auditKey,
        { ...byStaff(actor), action: 'portal.inbound_retry', entityType: 'portal_dossier', entityId: portalId },
        now,
      );
    });
  }
}
