import { PORTAL_FEE_STAGE } from '../payments/payment.model.js';
import { PORTAL_STATUS, type DossierStatus } from '../dossiers/dossier.model.js';
import type { IntakeInput } from '../dossiers/dossier.schema.js';
import { portalDate, type PortalDossier, type PortalFee, type PortalInboundDossier } from './portal.contract.js';

/** What the portal is told of one dossier, as read from the database (portal.repository.ts loadSources). */
export interface SyncSource {
  id: number;
  code: string;
  seq: number;
  status: string;
  channel: number;
  procedureCode: string;
  procedureNameVi: string;
  fieldCode: string;
  fieldNameVi: string;
  /** The procedure's catalog fees: what a dossier without fee lines of its own (brought by the history import) owed. */
  fees: { nameVi: string; amountVnd: number; when?: string }[];
  /** The dossier's fee lines (src/dossiers/fee.repository.ts), in order, each paid or not. */
  feeLines: { stage: 'receipt' | 'processing' | 'return'; nameVi: string; amountVnd: number; paid: boolean }[];
  /** Its fees were paid online, through the province's gateway. */
  paidOnline: boolean;
  agencyCode: string;
  receivingAgencyCode: string;
  applicant: { name: string; idNumber: string; phone: string; email: string | null; address: string };
  submittedAt: Date | null;
  receivedAt: Date | null;
  dueAt: Date | null;
  originalDueAt: Date | null;
  decidedAt: Date | null;
  returnedAt: Date | null;
  paidAt: Date | null;
  /** Filed online by a citizen logged in with VNeID (src/citizens/). */
  vneidAuthenticated: boolean;
  components: {
    id: number;
    code: string;
    nameVi: string;
    source: string;
    sha256: string | null;
    digitized: boolean;
  }[];
  result: { id: number; title: string; sha256: string } | null;
  events: {
    seq: number;
    action: string;
    toStatus: string;
    at: Date;
    note: string | null;
    actorName: string | null;
    unitAgencyCode: string | null;
  }[];
}

/** The decision that ends processing, for NgayKetThucXuLy (the 766 on-time rule: decision time, not hand-over). */
const ENDING_ACTIONS = new Set(['result', 'refuse', 'stop', 'withdraw']);

const code = (status: string) => String(PORTAL_STATUS[status as DossierStatus]);

/** How the history is worded for the citizen: an action's name in Vietnamese, and whether its note is written to them. */
export interface Wording {
  label(action: string): string;
  showsNote(action: string): boolean;
}

/**
 * The dossier as the portal's DongBoHoSoMC takes it; `fileUrl` links a stored file. The portal shows the history to
 * the citizen's account: a note goes with it only where the law says the applicant is given the reason.
 */
export function toPortalDossier(s: SyncSource, wording: Wording, fileUrl: (sha256: string) => string): PortalDossier {
  const channel = s.channel === 2 ? 'online' : 'counter';
  const fees: PortalFee[] = s.feeLines.length
    ? s.feeLines.map((f, i) => ({
        TenPhiLePhi: f.nameVi,
        MaPhiLePhi: `${s.procedureCode}-${i + 1}`,
        HinhThucThu: PORTAL_FEE_STAGE[f.stage],
        Gia: f.amountVnd,
        LoaiPhiLePhi: 1,
        TrangThaiThanhToan: f.paid ? 1 : 0,
      }))
    : s.fees
        .filter((f) => f.when === undefined || f.when === channel)
        .map((f, i) => ({
          TenPhiLePhi: f.nameVi,
          MaPhiLePhi: `${s.procedureCode}-${i + 1}`,
          HinhThucThu: 1,
          Gia: f.amountVnd,
          LoaiPhiLePhi: 1,
          TrangThaiThanhToan: s.paidAt ? 1 : 0,
        }));
  // Each supplement request, with the receipt of the supplement that answered it (the next one, if any).
  const supplements: PortalDossier['DanhSachHoSoBoSung'] = [];
  for (const e of s.events) {
    if (e.action === 'request_supplement')
      supplements.push({
        HoSoBoSungId: `${s.code}-BS${supplements.length + 1}`,
        NgayBoSung: portalDate(e.at),
        NoiDungBoSung: wording.showsNote(e.action) ? (e.note ?? '') : '',
        NgayTiepNhanBoSung: '',
        TrangThaiBoSung: 0,
      });
    else if (e.action === 'supplement_received' && supplements.length) {
      const open = supplements[supplements.length - 1]!;
      open.NgayTiepNhanBoSung = portalDate(e.at);
      open.TrangThaiBoSung = 1;
    }
  }
  const ended = [...s.events].reverse().find((e) => ENDING_ACTIONS.has(e.action));
  return {
    MaHoSo: s.code,
    MaTTHC: s.procedureCode,
    TenTTHC: s.procedureNameVi,
    MaLinhVuc: s.fieldCode,
    TenLinhVuc: s.fieldNameVi,
    KenhThucHien: s.channel,
    ChuHoSo: s.applicant.name,
    LoaiDoiTuong: '1',
    MaDoiTuong: s.applicant.idNumber,
    SoDienThoai: s.applicant.phone,
    Email: s.applicant.email ?? '',
    DiaChiThuongTru: s.applicant.address,
    TrichYeuHoSo: s.procedureNameVi,
    NgayNopHoSo: portalDate(s.submittedAt ?? s.receivedAt),
    NgayTiepNhan: portalDate(s.receivedAt),
    NgayHenTra: portalDate(s.dueAt),
    NgayHenTraTruoc: s.originalDueAt && s.dueAt && s.originalDueAt.getTime() !== s.dueAt.getTime() ? portalDate(s.originalDueAt) : '',
    TrangThaiHoSo: code(s.status),
    NgayKetThucXuLy: portalDate(s.decidedAt ?? ended?.at ?? null),
    NgayTra: portalDate(s.returnedAt),
    DonViXuLy: s.agencyCode,
    MaDonViTiepNhan: s.receivingAgencyCode,
    TaiLieuNop: s.components.map((c) => ({
      TepDinhKemId: String(c.id),
      TenTepDinhKem: c.nameVi,
      MaThanhPhanHoSo: c.code,
      DuongDanTaiTepTin: c.sha256 ? fileUrl(c.sha256) : '',
      DuocSoHoa: c.digitized ? 1 : 0,
      DuocTaiSuDung: c.source === 'store' || c.source === 'population_db' ? 1 : 0,
      DuocLayTuKhoDMQG: c.source === 'store' ? 1 : 0,
    })),
    DanhSachLePhi: fees,
    DanhSachHoSoBoSung: supplements,
    DanhSachGiayToKetQua: s.result
      ? [{ TenGiayTo: s.result.title, GiayToId: String(s.result.id), DuongDanTepTinKetQua: fileUrl(s.result.sha256) }]
      : [],
    QuaTrinhXuLy: s.events.map((e) => ({
      ThoiDiemXuLy: portalDate(e.at),
      TrangThai: code(e.toStatus),
      NoiDungXuLy: e.note && wording.showsNote(e.action) ? `${wording.label(e.action)}: ${e.note}` : wording.label(e.action),
      NguoiXuLy: e.actorName ?? '',
      PhongBanXuLy: e.unitAgencyCode ?? '',
    })),
    TaiKhoanDuocXacThucVoiVNeID: s.vneidAuthenticated ? 1 : 0,
    // Paid online through the province's own gateway (2); the portal's payment platform (1) is not ours to claim.
    DuocThanhToanTrucTuyen: s.paidOnline ? 2 : 0,
    PhienBan: s.seq,
  };
}

/** The wait before the next try after `attempts` failures of one dossier: 2 s doubling, at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(2_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

// ---------- inward: the portal's new dossiers as our online intake ----------

/** The portal's field that an intake field comes from, so a refusal names what the portal sent. */
const INBOUND_FIELDS: [prefix: string, portal: string][] = [
  ['body.procedureCode', 'MaTTHC'],
  ['body.applicant.idNumber', 'MaDoiTuong'],
  ['body.applicant.name', 'ChuHoSo'],
  ['body.applicant.phone', 'SoDienThoai'],
  ['body.applicant.email', 'Email'],
  ['body.applicant.address', 'DiaChiThuongTru'],
  ['body.applicant.communeCode', 'MaXa'],
  ['body.note', 'TrichYeuHoSo'],
];

/**
 * The portal's name of an intake field ('body.components.2.code' is the third file, 'TaiLieuNop[2]'; a component
 * we add from the population database past the files is the dossier's TaiLieuNop as a whole).
 */
export function portalFieldOf(field: string | undefined, files: number): string | null {
  if (!field) return null;
  const c = /^body\.components(?:\.(\d+))?/.exec(field);
  if (c) return c[1] !== undefined && Number(c[1]) < files ? `TaiLieuNop[${c[1]}]` : 'TaiLieuNop';
  return INBOUND_FIELDS.find(([p]) => field === p || field.startsWith(`${p}.`))?.[1] ?? null;
}

/** A component of the procedure as the inward sync needs it. */
export interface InboundComponentSpec {
  code: string;
  supply: 'upload' | 'store' | 'population_db';
}

/**
 * Our online intake for a portal dossier: its files (already stored, their hashes in TaiLieuNop's order) as uploads,
 * and every component the procedure takes from the population database that the portal did not send as one such
 * look-up. The portal's summary (TrichYeuHoSo) is the note. The intake's schema and rules check the rest.
 */
export function intakeFromPortal(
  d: PortalInboundDossier,
  fileHashes: string[],
  components: InboundComponentSpec[],
  returnPointId: number | undefined,
): IntakeInput {
  const sent = new Set(d.TaiLieuNop.map((f) => f.MaThanhPhanHoSo));
  const email = d.Email.trim();
  const note = d.TrichYeuHoSo.trim();
  return {
    procedureCode: d.MaTTHC.trim(),
    applicant: {
      idNumber: d.MaDoiTuong.trim(),
      name: d.ChuHoSo.trim(),
      phone: d.SoDienThoai.trim(),
      ...(email ? { email } : {}),
      address: d.DiaChiThuongTru.trim(),
      communeCode: d.MaXa.trim(),
    },
    components: [
      ...d.TaiLieuNop.map((f, i) => ({ code: f.MaThanhPhanHoSo, source: 'upload' as const, fileSha256: fileHashes[i]! })),
      ...components
        .filter((c) => c.supply === 'population_db' && !sent.has(c.code))
        .map((c) => ({ code: c.code, source: 'population_db' as const })),
    ],
    ...(returnPointId !== undefined ? { returnPointId } : {}),
    ...(note ? { note } : {}),
  };
}

/** The first component code the portal sent more than one file for (our dossier keeps one file per component), if any. */
export function repeatedComponent(d: PortalInboundDossier): string | null {
  const seen = new Set<string>();
  for (const f of d.TaiLieuNop) {
    if (seen.has(f.MaThanhPhanHoSo)) return f.MaThanhPhanHoSo;
    seen.add(f.MaThanhPhanHoSo);
  }
  return null;
}
