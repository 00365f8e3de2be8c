/**
 * The National Public Service Portal's (DVCQG) integration contract, as the provinces' systems speak it: a session
 * from `POST <auth>` with the system's account, then `POST <integration>` with `{ session, madonvi, service, ... }`.
 * Dossiers go with service `DongBoHoSoMC` (`isUpdating` "False" for dossiers the portal does not have yet, "True"
 * for the others), a dossier is read back with `TraCuuHoSo`. Field names are the portal's; dates are
 * `yyyyMMddHHmmss` in Vietnam's time (UTC+7, no daylight saving). `error_code` 0 is success.
 *
 * What Motcua adds, on the same shape: each dossier carries its whole processing history (`QuaTrinhXuLy`, the
 * entries of `CapNhatTienDoHoSoMC`) and `PhienBan`, the seq of the last event it includes; the answer says per
 * dossier whether it was taken (`result[i].error_code`). A portal that already holds a later `PhienBan` keeps it, so
 * a message seen twice or late changes nothing. The simulator (src/simulators/portal.simulator.ts) speaks exactly this.
 */

export const PORTAL_SERVICES = { sync: 'DongBoHoSoMC', lookup: 'TraCuuHoSo' } as const;

/** 0 success; the rest as the simulator (and, by the vendor code, the portal) answers them. */
export const PORTAL_ERRORS = {
  ok: 0,
  /** The session is unknown or expired: log in again. */
  session: -2,
  /** The request or one dossier in it is invalid (a required field missing, an unknown procedure code). */
  invalid: -1,
} as const;

export interface PortalAttachment {
  TepDinhKemId: string;
  TenTepDinhKem: string;
  MaThanhPhanHoSo: string;
  DuongDanTaiTepTin: string;
  /** 1 when the component was digitized (a file is attached). */
  DuocSoHoa: 0 | 1;
  /** 1 when the component reuses digitized data (the document store or a national database). */
  DuocTaiSuDung: 0 | 1;
  /** 1 when the component was taken from the citizen's document store. */
  DuocLayTuKhoDMQG: 0 | 1;
}

export interface PortalFee {
  TenPhiLePhi: string;
  MaPhiLePhi: string;
  /** When it is collected: 1 at receipt, 2 at a supplement, 4 at return. */
  HinhThucThu: 1 | 2 | 4;
  /** VND, no decimals. */
  Gia: number;
  /** 1 fee (lệ phí), 2 charge (phí). */
  LoaiPhiLePhi: 1 | 2;
  /** 0 not paid, 1 paid. */
  TrangThaiThanhToan: 0 | 1;
}

export interface PortalSupplement {
  HoSoBoSungId: string;
  NgayBoSung: string;
  NoiDungBoSung: string;
  NgayTiepNhanBoSung: string;
  /** 0 waiting for the citizen, 1 supplemented. */
  TrangThaiBoSung: 0 | 1;
}

export interface PortalResultDocument {
  TenGiayTo: string;
  GiayToId: string;
  DuongDanTepTinKetQua: string;
}

/** One entry of the processing history (what CapNhatTienDoHoSoMC carries). */
export interface PortalProgress {
  ThoiDiemXuLy: string;
  /** The status code 1–10 after the step. */
  TrangThai: string;
  NoiDungXuLy: string;
  NguoiXuLy: string;
  PhongBanXuLy: string;
}

export interface PortalDossier {
  MaHoSo: string;
  MaTTHC: string;
  TenTTHC: string;
  MaLinhVuc: string;
  TenLinhVuc: string;
  /** 1 in person, 2 online, 3 public postal service. */
  KenhThucHien: number;
  ChuHoSo: string;
  /** 1 citizen, 2 organisation. */
  LoaiDoiTuong: '1' | '2';
  /** The applicant's personal ID number. */
  MaDoiTuong: string;
  SoDienThoai: string;
  Email: string;
  DiaChiThuongTru: string;
  TrichYeuHoSo: string;
  /** Empty until received (status 1). */
  NgayNopHoSo: string;
  NgayTiepNhan: string;
  NgayHenTra: string;
  /** The due date first given, when an apology moved it. */
  NgayHenTraTruoc: string;
  /** Status code 1–10. */
  TrangThaiHoSo: string;
  /** The decision's time (result, refusal, stop, withdrawal): what the on-time rule judges. */
  NgayKetThucXuLy: string;
  NgayTra: string;
  /** The competent agency's code, and the receiving point's. */
  DonViXuLy: string;
  MaDonViTiepNhan: string;
  TaiLieuNop: PortalAttachment[];
  DanhSachLePhi: PortalFee[];
  DanhSachHoSoBoSung: PortalSupplement[];
  DanhSachGiayToKetQua: PortalResultDocument[];
  QuaTrinhXuLy: PortalProgress[];
  TaiKhoanDuocXacThucVoiVNeID: 0 | 1;
  /** 0 no online payment, 1 on the portal's payment platform, 2 through the province's gateway. */
  DuocThanhToanTrucTuyen: 0 | 1 | 2;
  /** The seq of the dossier's last event this message includes. */
  PhienBan: number;
}

export interface PortalLoginRequest {
  username: string;
  password: string;
}
export interface PortalLoginAnswer {
  error_code: number;
  message?: string;
  session?: string;
}

export interface PortalSyncRequest {
  session: string;
  madonvi: string;
  service: typeof PORTAL_SERVICES.sync;
  isUpdating: 'True' | 'False';
  data: PortalDossier[];
}

export interface PortalItemAnswer {
  MaHoSo: string;
  error_code: number;
  message?: string;
}

export interface PortalSyncAnswer {
  error_code: number;
  message?: string;
  result?: PortalItemAnswer[];
}

export interface PortalLookupRequest {
  session: string;
  madonvi: string;
  service: typeof PORTAL_SERVICES.lookup;
  mahoso: string;
}

export interface PortalLookupAnswer {
  error_code: number;
  message?: string;
  result?: PortalDossier[];
}

/*
 * Inward: dossiers citizens filed on the portal. The portal does not push them; the province's system pulls
 * (`LayDanhSachHoSoMoi`, paged by an opaque cursor) and, once it holds a dossier of its own for one, confirms it
 * (`XacNhanTiepNhanHoSo`) with its dossier code, which becomes the `MaHoSo` the outward sync reports under. A portal
 * dossier is listed until confirmed, so a confirmation lost on the way is only a repeat: confirming twice with the
 * same code answers 0 again. Confirming with a different code than the first is refused (`invalid`).
 */
export const PORTAL_INBOUND_SERVICES = {
  listNew: 'LayDanhSachHoSoMoi',
  confirm: 'XacNhanTiepNhanHoSo',
} as const;

/** One file of a portal dossier: downloaded by the province with the same session (`?session=`). */
export interface PortalInboundFile {
  MaThanhPhanHoSo: string;
  TenTepDinhKem: string;
  /** Absolute URL of the file at the portal. */
  DuongDanTaiTepTin: string;
}

/** A dossier filed on the portal and not yet confirmed by the province. */
export interface PortalInboundDossier {
  /** The portal's own id of the dossier: the key of idempotence. */
  MaHoSoQG: string;
  MaTTHC: string;
  /** The receiving agency the citizen chose, or '' when only the commune is known. */
  MaDonViTiepNhan: string;
  /** The commune code (of the applicant, or of the chosen agency). */
  MaXa: string;
  ChuHoSo: string;
  /** The applicant's personal ID number (12 digits). */
  MaDoiTuong: string;
  SoDienThoai: string;
  Email: string;
  DiaChiThuongTru: string;
  TrichYeuHoSo: string;
  /** Submission time, yyyyMMddHHmmss Vietnam time. */
  NgayNopHoSo: string;
  TaiLieuNop: PortalInboundFile[];
  TaiKhoanDuocXacThucVoiVNeID: 0 | 1;
}

export interface PortalListNewRequest {
  session: string;
  madonvi: string;
  service: typeof PORTAL_INBOUND_SERVICES.listNew;
  /** '' for the first page; otherwise the `next` of the previous answer. */
  cursor: string;
  /** At most 100. */
  limit: number;
}

export interface PortalListNewAnswer {
  error_code: number;
  message?: string;
  result?: PortalInboundDossier[];
  /** The cursor of the next page; '' when this page was the last. */
  next?: string;
}

export interface PortalConfirmRequest {
  session: string;
  madonvi: string;
  service: typeof PORTAL_INBOUND_SERVICES.confirm;
  MaHoSoQG: string;
  /** Our dossier code for it. */
  MaHoSo: string;
}

export interface PortalConfirmAnswer {
  error_code: number;
  message?: string;
}

/**
 * The national procedure database (CSDL quốc gia về TTHC), read through the portal's integration API with the same
 * session: `LayDanhSachTTHC` pages through the procedures the province applies, each as the national database
 * publishes it. What is national (name, field, level, time limit, fees, components, online level, result) comes
 * from here; what is the province's (its agency, steps, fast track, English names) stays ours.
 */
export const PORTAL_CATALOG_SERVICES = { list: 'LayDanhSachTTHC' } as const;

export interface NationalComponent {
  MaThanhPhan: string;
  TenThanhPhan: string;
  SoLuong: number;
  /** BanChinh, BanSao, BanSaoChungThuc, BanChinhHoacBanSao. */
  LoaiBan: 'BanChinh' | 'BanSao' | 'BanSaoChungThuc' | 'BanChinhHoacBanSao';
  BatBuoc: 0 | 1;
}

export interface NationalFee {
  TenPhiLePhi: string;
  /** VND, no decimals. */
  MucPhi: number;
  MoTa?: string;
}

export interface NationalProcedure {
  MaTTHC: string;
  TenTTHC: string;
  MaLinhVuc: string;
  TenLinhVuc: string;
  /** TINH (province) or XA (commune): the competent level. */
  CapThucHien: 'TINH' | 'XA';
  ThoiHanGiaiQuyet: { GiaTri: number; DonVi: 'GioLamViec' | 'NgayLamViec' | 'Ngay' | 'Thang' };
  PhiLePhi: NationalFee[];
  ThanhPhanHoSo: NationalComponent[];
  /** ToanTrinh (fully online) or MotPhan (partly). */
  MucDoDVC: 'ToanTrinh' | 'MotPhan';
  TenKetQua: string;
  /** The date this content applies from, yyyyMMdd. */
  NgayHieuLuc: string;
  /** HieuLuc (in force) or BaiBo (abolished). */
  TinhTrang: 'HieuLuc' | 'BaiBo';
}

export interface PortalCatalogListRequest {
  session: string;
  madonvi: string;
  service: typeof PORTAL_CATALOG_SERVICES.list;
  cursor: string;
  /** At most 200. */
  limit: number;
}

export interface PortalCatalogListAnswer {
  error_code: number;
  message?: string;
  result?: NationalProcedure[];
  next?: string;
}

const VN_OFFSET_MS = 7 * 3_600_000;

/** yyyyMMddHHmmss in Vietnam's time; '' for no date (the portal's way). */
export function portalDate(d: Date | null | undefined): string {
  if (!d) return '';
  const t = new Date(d.getTime() + VN_OFFSET_MS);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(t.getUTCFullYear(), 4)}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}`;
}

/** The instant of a portal date, or null when empty or not one. */
export function parsePortalDate(s: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, se] = m.map(Number) as number[];
  const t = Date.UTC(y!, mo! - 1, d!, h!, mi!, se!) - VN_OFFSET_MS;
  const back = new Date(t);
  return portalDate(back) === s ? back : null;
}
