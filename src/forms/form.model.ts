import { DomainError } from '../platform/errors.js';
import { STATUS_LABELS, type DossierStatus } from '../dossiers/dossier.model.js';
import type { DossierView } from '../dossiers/dossier.presenter.js';

// The printed forms of Circular 03/2025/TT-VPCP, Appendix I, as data: what each form says, in Vietnamese,
// with times in Vietnam time. No clock, no database, no PDF: form.render.ts lays these documents out.

export const DOSSIER_FORMS = ['01', '02', '03', '04', '05', '06'] as const;
export type DossierFormId = (typeof DOSSIER_FORMS)[number];
export type FormId = DossierFormId | '07';

/** Titles as printed (Circular 03/2025/TT-VPCP, Appendix I). */
export const FORM_TITLES: Record<FormId, string> = {
  '01': 'GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ',
  '02': 'PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ',
  '03': 'PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ',
  '04': 'VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT',
  '05': 'THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ',
  '06': 'PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ',
  '07': 'SỔ THEO DÕI HỒ SƠ',
};

// ---------- the document a form becomes ----------

/** A piece of text in one style. */
export interface Run {
  text: string;
  bold?: boolean;
  italic?: boolean;
}
export type Line = Run[];

export interface TableColumn {
  title: string;
  /** Relative width: the columns share the width of the page by these weights. */
  weight: number;
  align?: 'left' | 'center';
}

export interface Signature {
  title: string;
  hint: string;
  /** Printed under the space for the signature; null leaves it to be written by hand. */
  name: string | null;
}

export type Block =
  | { kind: 'title'; text: string; lines: Line[] }
  | {
      kind: 'para';
      runs: Line;
      indent?: number;
      align?: 'left' | 'center' | 'justify';
      size?: 'normal' | 'small';
      gapBefore?: number;
      /** Starts a new page unless this much room (points) is left below: a heading kept with what follows it. */
      keep?: number;
    }
  | {
      kind: 'table';
      columns: TableColumn[];
      /** Headings over several columns, drawn above the column titles. */
      groups?: { title: string; from: number; to: number }[];
      rows: string[][];
      size?: 'normal' | 'small';
      /** Shown in place of the rows when there are none. */
      empty?: string;
      minRowHeight?: number;
      /** Rows printed in bold (a group's line, a total), by index. */
      strong?: number[];
      /** Columns sized to their content (a register), rather than by their weights. */
      autoWidth?: boolean;
    }
  | { kind: 'signatures'; left: Signature | { recipients: string[] } | null; right: Signature | null }
  | {
      kind: 'qr';
      payload: string;
      lines: Line[];
      /** The symbol printed beside the title and only the lines here: the receipt, which must keep to one page. */
      atTitle?: boolean;
    };

/** The header every administrative document carries: the issuing unit on the left, the national motto on the right. */
export interface FormHeader {
  /** The unit's superior, in capitals (e.g. "UBND TỈNH NINH BÌNH"); null when the unit heads itself. */
  superior: string | null;
  /** The issuing unit, in capitals. */
  unit: string;
  /** "Ninh Bình, ngày 29 tháng 8 năm 2025"; null where the form carries no date line. */
  placeDate: string | null;
  /** "Số: ……/……" under the unit's name, as an official letter carries it; absent on slips and books. */
  number?: string;
}

export interface FormDocument {
  /** A form of Circular 03/2025, or a report (monthly-report.model.ts). */
  form: FormId | 'monthly-report' | 'e-receipt';
  /** "Mẫu số 01"; empty for a document that is no numbered form. */
  formNo: string;
  title: string;
  fileName: string;
  orientation: 'portrait' | 'landscape';
  header: FormHeader;
  blocks: Block[];
  /** Document properties of the PDF. */
  subject: string;
  /** Set smaller than the official size, as far as needed, to fit one A4 page (the receipt, the control slip); at the official size when even that would not. */
  onePage?: boolean;
}

// ---------- formatting (Vietnam time, UTC+7, whatever the server's TZ) ----------

const VN_OFFSET_MS = 7 * 3_600_000;
const pad2 = (n: number) => String(n).padStart(2, '0');

function vnParts(at: Date | string) {
  const t = new Date(new Date(at).getTime() + VN_OFFSET_MS);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate(), hour: t.getUTCHours(), minute: t.getUTCMinutes() };
}

/** "14 giờ 30 phút, ngày 29/08/2025" in Vietnam time. */
export function vnDateTime(at: Date | string): string {
  const p = vnParts(at);
  return `${pad2(p.hour)} giờ ${pad2(p.minute)} phút, ngày ${pad2(p.day)}/${pad2(p.month)}/${p.year}`;
}

/** "29/08/2025" in Vietnam time. */
export function vnDate(at: Date | string): string {
  const p = vnParts(at);
  return `${pad2(p.day)}/${pad2(p.month)}/${p.year}`;
}

/** "14:30" in Vietnam time. */
export function vnClock(at: Date | string): string {
  const p = vnParts(at);
  return `${pad2(p.hour)}:${pad2(p.minute)}`;
}

/** "ngày 29 tháng 8 năm 2025": days below 10 and months 1 and 2 take a leading zero (Decree 30/2020/NĐ-CP). */
export function vnDateWords(at: Date | string): string {
  const p = vnParts(at);
  const month = p.month <= 2 ? pad2(p.month) : String(p.month);
  return `ngày ${pad2(p.day)} tháng ${month} năm ${p.year}`;
}

/** Calendar year in Vietnam time. */
export function vnYear(at: Date | string): number {
  return vnParts(at).year;
}

/** The instant 1 January of a year begins in Vietnam. */
export function vnYearStart(year: number): Date {
  return new Date(Date.UTC(year, 0, 1) - VN_OFFSET_MS);
}

/** A statutory time limit as printed: "01 ngày làm việc", "04 giờ làm việc", "30 ngày", "01 tháng". */
export function limitText(value: number, unit: string): string {
  const n = Number.isInteger(value) ? pad2(value) : String(value).replace('.', ',');
  const words: Record<string, string> = { 'working-days': 'ngày làm việc', 'working-hours': 'giờ làm việc', days: 'ngày', months: 'tháng' };
  return `${n} ${words[unit] ?? unit}`;
}

/** "200.000 đồng". */
export function vnd(amount: number): string {
  return `${String(Math.round(amount)).replace(/\B(?=(\d{3})+(?!\d))/g, '.')} đồng`;
}

/**
 * The public tracking page of a dossier, which the QR code of every form opens: the code in the path, the
 * dossier's tracking token in the fragment, which browsers never send to a server (so it is in no access log
 * and no Referer header); the page sends it to the API itself.
 */
export function trackingUrl(publicUrl: string, code: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/tra-cuu/${encodeURIComponent(code)}#${encodeURIComponent(token)}`;
}

/** The place in a date line: the commune or province name without its kind ("Xã Kim Sơn" → "Kim Sơn"), kept when the name is a number ("Phường 1"). */
export function placeName(name: string): string {
  const m = /^(Tỉnh|Thành phố|Xã|Phường|Thị trấn|Đặc khu)\s+(.+)$/u.exec(name.trim());
  if (!m) return name.trim();
  const [, kind, rest] = m as unknown as [string, string, string];
  if (/^\d+$/.test(rest)) return name.trim();
  // Decree 30/2020 writes the city, not "Thành phố", except for Hồ Chí Minh City, which keeps it.
  if (kind === 'Thành phố' && rest === 'Hồ Chí Minh') return name.trim();
  return rest;
}

/** Capitals as the header of an administrative document prints a unit's name. */
export function upper(name: string): string {
  return name.normalize('NFC').toLocaleUpperCase('vi-VN');
}

const FORM_OF_COPY: Record<string, string> = {
  original: 'Bản chính',
  copy: 'Bản sao',
  certified_copy: 'Bản sao chứng thực',
  original_or_copy: 'Bản chính hoặc bản sao',
};

const SOURCE_LABEL: Record<string, string> = {
  upload: 'Đã số hóa',
  store: 'Tái sử dụng từ Kho quản lý dữ liệu điện tử',
  population_db: 'Khai thác từ Cơ sở dữ liệu quốc gia về dân cư',
  paper: 'Bản giấy, chưa số hóa',
};

const CHANNEL_LABEL: Record<number, string> = {
  1: 'Trực tiếp tại Bộ phận Một cửa',
  2: 'Trực tuyến trên Cổng Dịch vụ công',
  3: 'Qua dịch vụ bưu chính công ích',
};

export const OUTCOME_LABEL = { early: 'Trước hạn', on_time: 'Đúng hạn', late: 'Quá hạn' } as const;

const STEP_LABEL: Record<string, string> = {
  receive: 'Tiếp nhận hồ sơ',
  process: 'Thẩm định, xử lý hồ sơ',
  approve: 'Phê duyệt kết quả',
  return: 'Trả kết quả',
};

// ---------- inputs ----------

/** An event of the dossier as DossierService.events returns it. */
export interface FormEvent {
  seq: number;
  action: string;
  fromStatus: string | null;
  toStatus: string;
  actorId: number | null;
  unitId: number | null;
  at: string;
  note: string | null;
}

/** A hand-over row as DossierService.processControl returns it. */
export interface FormStep {
  seq: number;
  role: string;
  fromUnitId: number | null;
  fromUnitNameVi: string | null;
  toUnitId: number;
  toUnitNameVi: string;
  handedBy: number | null;
  handedAt: string;
  dueAt: string | null;
  completedBy: number | null;
  completedAt: string | null;
  outcome: 'early' | 'on_time' | 'late' | null;
}

/** What a header and an address need to know of a unit. */
export interface UnitInfo {
  nameVi: string;
  /** The superior as a header prints it, or null. */
  superiorVi: string | null;
  /** The place of the date line. */
  placeVi: string;
  address: string | null;
}

export interface DossierFormInput {
  dossier: DossierView;
  events: FormEvent[];
  steps: FormStep[];
  staffName: (staffId: number | null) => string | null;
  unit: (unitId: number) => UnitInfo;
  /** The tracking URL the QR code encodes. */
  trackingUrl: string;
  /** Where the receipt is entered in the tracking book (one volume per unit and year). */
  book: { volume: string; seq: number } | null;
}

/** A unit of the organization, as far as a header needs it. */
export interface OrgUnitRow {
  id: number;
  kind: string;
  name_vi: string;
  address: string | null;
  parent_id: number | null;
  commune_code: string | null;
}

/**
 * How a unit heads a document: its superior above it ("UBND TỈNH …" over a department or the provincial
 * center, the commune's People's Committee over its commune center, the center over a branch) and the
 * place of its date line (its commune, else the province).
 */
export function unitInfoOf(
  u: OrgUnitRow,
  org: {
    unit: (id: number) => OrgUnitRow | undefined;
    commune: (code: string) => { name_vi: string; committee_unit_id: number } | undefined;
    provinceNameVi: string | null;
  },
): UnitInfo {
  const commune = u.commune_code ? org.commune(u.commune_code) : undefined;
  const placeVi = placeName(commune?.name_vi ?? org.provinceNameVi ?? u.name_vi);
  let superiorVi: string | null = null;
  if (u.kind === 'commune_center' && commune)
    superiorVi = upper(org.unit(commune.committee_unit_id)?.name_vi ?? `Ủy ban nhân dân ${commune.name_vi}`);
  else if (u.kind !== 'commune_committee' && u.kind !== 'province' && u.parent_id !== null) {
    const parent = org.unit(u.parent_id);
    if (parent) superiorVi = parent.kind === 'province' ? `UBND ${upper(parent.name_vi)}` : upper(parent.name_vi);
  }
  return { nameVi: u.name_vi, superiorVi, placeVi, address: u.address };
}

// ---------- helpers ----------

const r = (text: string, style: Omit<Run, 'text'> = {}): Run => ({ text, ...style });
const b = (text: string): Run => ({ text, bold: true });
const i = (text: string): Run => ({ text, italic: true });
const para = (...runs: Run[]): Block => ({ kind: 'para', runs });
const field = (label: string, value: string, bold = false): Block => para(r(`${label}: `), bold ? b(value) : r(value));

function notApplicable(form: DossierFormId, why: string, d: DossierView): DomainError {
  return new DomainError('FORM_NOT_APPLICABLE', `Mẫu số ${form} chưa lập được: ${why}`, { details: { form, status: d.status } });
}

function lastEvent(events: FormEvent[], action: string): FormEvent | undefined {
  return [...events].reverse().find((e) => e.action === action);
}

/** The header of a document the unit issues, dated `at` (no date line when null). */
export function headerOf(u: UnitInfo, at: Date | string | null): FormHeader {
  return { superior: u.superiorVi, unit: upper(u.nameVi), placeDate: at ? `${u.placeVi}, ${vnDateWords(at)}` : null };
}

/**
 * The number line of an official letter. Motcua keeps no register of outgoing documents, so the number and the
 * unit's abbreviation are left as dotted blanks to be written by hand, as on the paper forms.
 */
export const LETTER_NUMBER = 'Số: ……/……';

/** The header of an official letter (forms 04 and 05): a number line under the unit's name, the place and date opposite. */
export function letterHeaderOf(u: UnitInfo, at: Date | string): FormHeader {
  return { ...headerOf(u, at), number: LETTER_NUMBER };
}

const withAddress = (u: UnitInfo) => (u.address ? `${u.nameVi}, ${u.address}` : u.nameVi);

function applicantBlocks(d: DossierView): Block[] {
  return [
    para(r('Ông/Bà: '), b(d.applicant.name)),
    field('Địa chỉ', d.applicant.address),
    para(r('Số điện thoại: '), r(d.applicant.phone), r('        Email: '), r(d.applicant.email ?? '—')),
  ];
}

const procedureLine = (d: DossierView): Block =>
  para(r('Nội dung yêu cầu giải quyết: '), b(d.procedure.nameVi), r(` (mã thủ tục ${d.procedure.code})`));

function qrBlock(d: DossierView, url: string, atTitle = false): Block {
  // Printed on two lines, broken before the token, so the page never breaks it at a hyphen of the path.
  const hash = url.indexOf('#');
  const printed = hash < 0 ? [[r(url)]] : [[r(url.slice(0, hash))], [r(url.slice(hash))]];
  return {
    kind: 'qr',
    payload: url,
    ...(atTitle ? { atTitle } : {}),
    lines: [
      [b('Tra cứu tình trạng giải quyết hồ sơ:')],
      [r('Quét mã QR hoặc truy cập (gõ liền hai dòng)')],
      ...printed,
      [r('Hoặc nhập mã hồ sơ '), b(d.code), r(' và 4 số cuối của số điện thoại đã đăng ký khi nộp hồ sơ.')],
    ],
  };
}

const fileName = (form: FormId, key: string) => `mau-${form}_${key}.pdf`;

function doc(form: DossierFormId, d: DossierView, header: FormHeader, blocks: Block[]): FormDocument {
  return {
    // The receipt is one sheet the applicant takes away (and a copy kept); the control slip travels with the file.
    ...(form === '01' || form === '06' ? { onePage: true } : {}),
    form,
    formNo: `Mẫu số ${form}`,
    title: FORM_TITLES[form],
    fileName: fileName(form, d.code),
    orientation: 'portrait',
    header,
    blocks,
    subject: `${FORM_TITLES[form]} — ${d.code}`,
  };
}

const titleBlock = (form: FormId, d: DossierView): Block => ({
  kind: 'title',
  text: FORM_TITLES[form],
  lines: [[r('Mã hồ sơ: '), b(d.code)]],
});

// ---------- forms 01–06 ----------

/** Builds one of forms 01–06 for a dossier; FORM_NOT_APPLICABLE when the dossier has not reached it. */
export function dossierForm(form: DossierFormId, input: DossierFormInput): FormDocument {
  switch (form) {
    case '01':
      return receiptForm(input);
    case '02':
      return supplementForm(input);
    case '03':
      return refusalForm(input);
    case '04':
      return apologyForm(input);
    case '05':
      return stopForm(input);
    case '06':
      return processControlForm(input);
  }
}

/**
 * The date the applicant is now promised, in bold: after an apology its new date, with the legal due date (against which
 * the dossier still counts as late) beside it.
 */
function promisedRuns(d: DossierView, legalDue: string): Run[] {
  if (!d.apologyDueAt) return [b(vnDateTime(legalDue))];
  return [b(vnDateTime(d.apologyDueAt)), r(` (hẹn lại theo văn bản xin lỗi; thời hạn theo quy định: ${vnDateTime(legalDue)})`)];
}

/** 01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả. */
export function receiptForm({ dossier: d, events, staffName, unit, trackingUrl: url, book }: DossierFormInput): FormDocument {
  if (!d.receivedAt || !d.dueAt) throw notApplicable('01', 'hồ sơ chưa được tiếp nhận / the dossier has not been received', d);
  const receiving = unit(d.receivingUnit.id);
  const ret = unit(d.returnPoint.id);
  const clerk = staffName(lastEvent(events, 'receive')?.actorId ?? null);
  const components = d.components.map((c, n) => [
    String(n + 1),
    c.nameVi,
    FORM_OF_COPY[c.form] ?? c.form,
    pad2(c.count),
    SOURCE_LABEL[c.digitized && c.source === 'paper' ? 'upload' : c.source] ?? c.source,
  ]);
  return doc('01', d, headerOf(receiving, d.receivedAt), [
    titleBlock('01', d),
    para(r(`${receiving.nameVi} tiếp nhận hồ sơ của:`)),
    ...applicantBlocks(d),
    procedureLine(d),
    field('Hình thức nộp hồ sơ', CHANNEL_LABEL[d.channel] ?? String(d.channel)),
    para(b('1. Thành phần hồ sơ nộp gồm:')),
    {
      kind: 'table',
      columns: [
        { title: 'STT', weight: 5, align: 'center' },
        { title: 'Tên giấy tờ', weight: 42 },
        { title: 'Bản chính/ bản sao', weight: 15, align: 'center' },
        { title: 'Số lượng', weight: 9, align: 'center' },
        { title: 'Số hóa, tái sử dụng', weight: 29 },
      ],
      rows: components,
      size: 'small',
      autoWidth: true,
      empty: 'Không có thành phần hồ sơ',
    },
    para(b('2. Số lượng hồ sơ: '), r('01 (bộ)')),
    para(
      b('3. Thời gian giải quyết hồ sơ theo quy định: '),
      r(limitText(d.timeLimit.value, d.timeLimit.unit)),
      r(d.fastTrack ? ' (giải quyết nhanh)' : ''),
    ),
    para(b('4. Thời gian nhận hồ sơ: '), r(vnDateTime(d.receivedAt))),
    para(b('5. Thời gian trả kết quả giải quyết hồ sơ: '), ...promisedRuns(d, d.dueAt)),
    para(b('6. Đăng ký nhận kết quả tại: '), r(withAddress(ret))),
    para(i(`Vào Sổ theo dõi hồ sơ, Quyển số: ${book ? book.volume : '……'}, Số thứ tự: ${book ? book.seq : '……'}`)),
    {
      kind: 'signatures',
      left: { title: 'NGƯỜI NỘP HỒ SƠ', hint: '(Ký và ghi rõ họ tên)', name: d.applicant.name },
      right: { title: 'NGƯỜI TIẾP NHẬN HỒ SƠ', hint: '(Ký và ghi rõ họ tên)', name: clerk },
    },
    qrBlock(d, url, true),
    {
      kind: 'para',
      size: 'small',
      runs: [
        i(
          'Ghi chú: Giấy tiếp nhận hồ sơ và hẹn trả kết quả được lập thành 02 bản: 01 bản giao cho người nộp hồ sơ; 01 bản chuyển kèm Phiếu kiểm soát quá trình giải quyết hồ sơ và lưu tại Bộ phận Một cửa.',
        ),
      ],
    },
  ]);
}

/** 02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ: what to supplement and why, once and in full. */
export function supplementForm({ dossier: d, events, staffName, unit, trackingUrl: url }: DossierFormInput): FormDocument {
  const e = lastEvent(events, 'request_supplement');
  if (!e || e.unitId === null) throw notApplicable('02', 'hồ sơ chưa có yêu cầu bổ sung / no supplement was requested', d);
  const issuer = unit(e.unitId);
  const receiving = unit(d.receivingUnit.id);
  const who = staffName(e.actorId);
  return doc('02', d, headerOf(issuer, e.at), [
    titleBlock('02', d),
    para(r(`${issuer.nameVi} đã nhận hồ sơ của:`)),
    ...applicantBlocks(d),
    procedureLine(d),
    field('Thời gian nhận hồ sơ', d.receivedAt ? vnDateTime(d.receivedAt) : '—'),
    {
      kind: 'para',
      runs: [
        r(
          'Sau khi xem xét, thẩm định, hồ sơ cần được bổ sung, hoàn thiện. Đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:',
        ),
      ],
      gapBefore: 4,
    },
    { kind: 'para', runs: [b(e.note ?? '')], indent: 14 },
    field('Thời gian yêu cầu bổ sung', vnDateTime(e.at)),
    para(r('Hồ sơ bổ sung nộp tại: '), r(withAddress(receiving))),
    para(
      r(
        'Thời gian giải quyết hồ sơ tạm dừng từ khi yêu cầu bổ sung đến khi nhận đủ hồ sơ bổ sung; thời hạn trả kết quả được tính lại và thông báo cho Ông/Bà. Yêu cầu bổ sung này được hướng dẫn một lần, đầy đủ bằng văn bản.',
      ),
    ),
    para(
      r('Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ '),
      b(who ?? issuer.nameVi),
      r(who ? `, ${withAddress(issuer)}` : issuer.address ? `, ${issuer.address}` : ''),
      r(' để được hướng dẫn.'),
    ),
    { kind: 'signatures', left: null, right: { title: 'NGƯỜI HƯỚNG DẪN', hint: '(Ký và ghi rõ họ tên)', name: who } },
    qrBlock(d, url),
  ]);
}

/** 03 Phiếu từ chối tiếp nhận giải quyết hồ sơ: the reason for refusal. */
export function refusalForm({ dossier: d, events, staffName, unit, trackingUrl: url }: DossierFormInput): FormDocument {
  const e = lastEvent(events, 'refuse');
  if (!e || d.status !== 'refused') throw notApplicable('03', 'hồ sơ không bị từ chối tiếp nhận / the dossier was not refused', d);
  const issuer = unit(e.unitId ?? d.receivingUnit.id);
  const who = staffName(e.actorId);
  return doc('03', d, headerOf(issuer, e.at), [
    titleBlock('03', d),
    para(r(`${issuer.nameVi} đã nhận hồ sơ của:`)),
    ...applicantBlocks(d),
    procedureLine(d),
    para(
      r('Sau khi nghiên cứu, đối chiếu với quy định hiện hành, '),
      r(issuer.nameVi),
      r(' từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:'),
    ),
    { kind: 'para', runs: [b(e.note ?? '')], indent: 14 },
    field('Thời gian từ chối', vnDateTime(e.at)),
    para(r('Xin thông báo để Ông/Bà được biết và thực hiện./.')),
    { kind: 'signatures', left: null, right: { title: 'NGƯỜI TIẾP NHẬN HỒ SƠ', hint: '(Ký và ghi rõ họ tên)', name: who } },
    qrBlock(d, url),
  ]);
}

/** 04 Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết: the due date missed, why, and the date proposed. */
export function apologyForm({ dossier: d, events, staffName, unit, trackingUrl: url }: DossierFormInput): FormDocument {
  const e = lastEvent(events, 'apologize');
  if (!e || !d.apologyDueAt) throw notApplicable('04', 'chưa có văn bản xin lỗi, hẹn lại ngày trả kết quả / no apology was issued', d);
  const issuer = unit(e.unitId ?? d.competentAgency.id);
  const receiving = unit(d.receivingUnit.id);
  const promised = d.originalDueAt ?? d.dueAt;
  const moved = d.dueAt && promised && d.dueAt !== promised ? d.dueAt : null;
  return doc('04', d, letterHeaderOf(issuer, e.at), [
    titleBlock('04', d),
    { kind: 'para', align: 'center', runs: [r('Kính gửi: '), b(`Ông/Bà ${d.applicant.name}`)], gapBefore: 4 },
    field('Địa chỉ', d.applicant.address),
    para(
      r(`Ngày ${d.receivedAt ? vnDate(d.receivedAt) : '—'}, ${receiving.nameVi} tiếp nhận hồ sơ của Ông/Bà đề nghị giải quyết: `),
      b(d.procedure.nameVi),
      r(`, mã hồ sơ ${d.code}. Thời gian hẹn trả kết quả giải quyết hồ sơ: `),
      b(promised ? vnDateTime(promised) : '—'),
      r(moved ? ` (sau khi bổ sung hồ sơ: ${vnDateTime(moved)})` : ''),
      r('.'),
    ),
    para(r(`Tuy nhiên, đến nay ${issuer.nameVi} chưa giải quyết xong hồ sơ của Ông/Bà đúng thời gian đã hẹn. Lý do:`)),
    { kind: 'para', runs: [b(e.note ?? '')], indent: 14 },
    para(
      r(`${issuer.nameVi} thành thật xin lỗi Ông/Bà vì sự chậm trễ này và đề nghị gia hạn thời gian giải quyết hồ sơ đến `),
      b(vnDateTime(d.apologyDueAt)),
      r('.'),
    ),
    para(r('Rất mong nhận được sự thông cảm của Ông/Bà./.')),
    {
      kind: 'signatures',
      left: { recipients: ['Như trên;', 'Bộ phận Một cửa;', 'Lưu: VT.'] },
      // The staff member who recorded the letter signs it (or has it signed): their name is printed when known.
      right: { title: 'THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ', hint: '(Ký, ghi rõ họ tên và đóng dấu)', name: staffName(e.actorId) },
    },
    qrBlock(d, url),
  ]);
}

/** 05 Thông báo dừng giải quyết hồ sơ: the reason, the stage reached, and fees. */
export function stopForm({ dossier: d, events, steps, staffName, unit, trackingUrl: url }: DossierFormInput): FormDocument {
  const e = lastEvent(events, 'stop');
  if (!e || d.status !== 'stopped') throw notApplicable('05', 'hồ sơ không bị dừng giải quyết / processing was not stopped', d);
  const issuer = unit(e.unitId ?? d.competentAgency.id);
  const stage = e.fromStatus && e.fromStatus in STATUS_LABELS ? STATUS_LABELS[e.fromStatus as DossierStatus].vi : (e.fromStatus ?? '—');
  const step = [...steps].reverse().find((s) => s.completedAt === e.at) ?? steps[steps.length - 1];
  const fee =
    d.feeTotalVnd <= 0
      ? 'Thủ tục không thu phí, lệ phí.'
      : d.paidAt
        ? `Đã nộp phí, lệ phí ${vnd(d.feeTotalVnd)} lúc ${vnDateTime(d.paidAt)}; việc hoàn trả (nếu có) thực hiện theo quy định của pháp luật về phí, lệ phí.`
        : `Phí, lệ phí theo quy định: ${vnd(d.feeTotalVnd)}; hệ thống chưa ghi nhận khoản đã nộp.`;
  return doc('05', d, letterHeaderOf(issuer, e.at), [
    titleBlock('05', d),
    { kind: 'para', align: 'center', runs: [r('Kính gửi: '), b(`Ông/Bà ${d.applicant.name}`)], gapBefore: 4 },
    field('Địa chỉ', d.applicant.address),
    para(r(`${issuer.nameVi} thông báo dừng giải quyết hồ sơ của Ông/Bà:`)),
    para(r('Thủ tục: '), b(d.procedure.nameVi), r(` (mã thủ tục ${d.procedure.code})`)),
    field('Thời gian nhận hồ sơ', d.receivedAt ? vnDateTime(d.receivedAt) : '—'),
    para(
      r('Giai đoạn giải quyết khi dừng: '),
      b(stage),
      r(step ? ` — bước ${STEP_LABEL[step.role]?.toLocaleLowerCase('vi-VN') ?? step.role} tại ${step.toUnitNameVi}` : ''),
    ),
    para(r('Lý do dừng giải quyết hồ sơ:')),
    { kind: 'para', runs: [b(e.note ?? '')], indent: 14 },
    field('Thời gian dừng giải quyết', vnDateTime(e.at)),
    field('Nghĩa vụ tài chính', fee),
    para(r('Xin thông báo để Ông/Bà được biết./.')),
    {
      kind: 'signatures',
      left: { recipients: ['Như trên;', 'Bộ phận Một cửa;', 'Lưu: VT.'] },
      // The staff member who recorded the letter signs it (or has it signed): their name is printed when known.
      right: { title: 'THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ', hint: '(Ký, ghi rõ họ tên và đóng dấu)', name: staffName(e.actorId) },
    },
    qrBlock(d, url),
  ]);
}

/** The result column of a hand-over row: early / on time / late once judged (processControl judges an open step past due as late), else "in progress". */
export function stepResult(s: FormStep): string {
  if (s.outcome) return OUTCOME_LABEL[s.outcome];
  return s.completedAt ? '' : 'Đang giải quyết';
}

/** 06 Phiếu kiểm soát quá trình giải quyết hồ sơ: one row per hand-over, with early / on time / late. */
export function processControlForm({ dossier: d, steps, staffName, unit, trackingUrl: url }: DossierFormInput): FormDocument {
  if (!d.receivedAt || steps.length === 0) throw notApplicable('06', 'hồ sơ chưa được tiếp nhận / the dossier has not been received', d);
  const receiving = unit(d.receivingUnit.id);
  const main = new Set([d.receivingUnit.id, d.competentAgency.id, d.returnPoint.id]);
  const partners = [...new Set(steps.filter((s) => !main.has(s.toUnitId)).map((s) => s.toUnitNameVi))];
  const rows = steps.map((s) => {
    const giver = s.fromUnitId === null ? `Ông/Bà ${d.applicant.name} (người nộp hồ sơ)` : (s.fromUnitNameVi ?? '');
    const handedBy = staffName(s.handedBy);
    const doneBy = staffName(s.completedBy);
    const note = [
      STEP_LABEL[s.role] ?? s.role,
      s.dueAt ? `Hạn: ${vnClock(s.dueAt)} ${vnDate(s.dueAt)}` : null,
      s.completedAt ? `Xong: ${vnClock(s.completedAt)} ${vnDate(s.completedAt)}` : null,
      doneBy ? `Người xử lý: ${doneBy}` : null,
    ].filter(Boolean);
    return [
      `1. Giao: ${giver}\n2. Nhận: ${s.toUnitNameVi}`,
      // At receipt the applicant hands the dossier over and the clerk (who recorded the step) takes it.
      s.fromUnitId === null
        ? `${vnDateTime(s.handedAt)}\nNgười giao: ${d.applicant.name}\nNgười nhận: ${handedBy ?? '……'}`
        : `${vnDateTime(s.handedAt)}\nNgười giao: ${handedBy ?? '……'}\nNgười nhận: ……`,
      stepResult(s),
      note.join('\n'),
    ];
  });
  return doc('06', d, headerOf(receiving, null), [
    titleBlock('06', d),
    { kind: 'para', align: 'center', runs: [i('(Kèm theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả)')] },
    field('Cơ quan (bộ phận) giải quyết hồ sơ', d.competentAgency.nameVi, true),
    field('Cơ quan phối hợp giải quyết hồ sơ', partners.length ? partners.join('; ') : 'Không'),
    para(r('Người nộp hồ sơ: '), b(d.applicant.name), r(`; số điện thoại: ${d.applicant.phone}`)),
    field('Địa chỉ', d.applicant.address),
    para(r('Thủ tục: '), b(d.procedure.nameVi), r(` (mã thủ tục ${d.procedure.code})`)),
    field('Thời gian nhận hồ sơ', vnDateTime(d.receivedAt)),
    d.dueAt ? para(r('Thời gian hẹn trả kết quả: '), ...promisedRuns(d, d.dueAt)) : field('Thời gian hẹn trả kết quả', '—', true),
    {
      kind: 'table',
      columns: [
        { title: 'TÊN CƠ QUAN', weight: 31 },
        { title: 'THỜI GIAN GIAO, NHẬN HỒ SƠ', weight: 28 },
        { title: 'KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/ Đúng hạn/ Quá hạn)', weight: 16, align: 'center' },
        { title: 'GHI CHÚ', weight: 25 },
      ],
      rows,
      size: 'small',
      // Room for the two signatures of each hand-over.
      minRowHeight: 58,
    },
    qrBlock(d, url),
  ]);
}

// ---------- form 07: the tracking book ----------

/** A dossier as a row of the tracking book. */
export interface BookEntry {
  /** Its number in the unit's book of that year. */
  seq: number;
  volume: string;
  code: string;
  procedureNameVi: string;
  applicantName: string;
  applicantAddress: string;
  applicantPhone: string;
  competentAgencyNameVi: string;
  status: string;
  receivedAt: Date;
  dueAt: Date | null;
  /** Sent from the service point to the competent agency. */
  forwardedAt: Date | null;
  /** The result came back to the return point. */
  resultAt: Date | null;
  returnedAt: Date | null;
  apologyDueAt: Date | null;
  lateFlaggedAt: Date | null;
  supplementCount: number;
}

/** A period of the book: whole days in Vietnam time, at most 366 of them. */
export interface BookPeriod {
  from: string;
  to: string;
  /** First instant of `from`, in Vietnam. */
  start: Date;
  /** First instant after `to`, in Vietnam. */
  end: Date;
}

const MAX_BOOK_DAYS = 366;

function parseDay(s: string, field: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== s)
    throw new DomainError('VALIDATION', `${s} is not a date (YYYY-MM-DD)`, { field });
  return ms;
}

/** Validates a period of the tracking book: from ≤ to, at most 366 days. */
export function bookPeriod(from: string, to: string): BookPeriod {
  const a = parseDay(from, 'querystring.from');
  const z = parseDay(to, 'querystring.to');
  if (z < a) throw new DomainError('VALIDATION', 'The period ends before it starts', { field: 'querystring.to' });
  const days = (z - a) / 86_400_000 + 1;
  if (days > MAX_BOOK_DAYS)
    throw new DomainError('VALIDATION', `The period is ${days} days; print at most ${MAX_BOOK_DAYS} days at a time`, {
      field: 'querystring.to',
    });
  return { from, to, start: new Date(a - VN_OFFSET_MS), end: new Date(z + 86_400_000 - VN_OFFSET_MS) };
}

const dayAndTime = (at: Date | null) => (at ? `${vnDate(at)}\n${vnClock(at)}` : '');

/** The note column of the book: how the dossier ended or what changed its dates. */
export function bookNote(e: BookEntry): string {
  const notes: string[] = [];
  if (e.status !== 'returned' && e.status in STATUS_LABELS) notes.push(STATUS_LABELS[e.status as DossierStatus].vi);
  if (e.supplementCount > 0) notes.push('Có yêu cầu bổ sung');
  if (e.apologyDueAt) notes.push(`Xin lỗi, hẹn lại ${vnDate(e.apologyDueAt)}`);
  if (e.lateFlaggedAt || (e.dueAt && e.resultAt && e.resultAt.getTime() > e.dueAt.getTime())) notes.push('Quá hạn');
  return notes.join('; ');
}

/** 07 Sổ theo dõi hồ sơ of a unit for a period, in order of receipt. */
export function trackingBook(input: { unit: UnitInfo; period: BookPeriod; entries: BookEntry[]; printedAt: Date }): FormDocument {
  const { unit: u, period, entries } = input;
  const volumes = [...new Set(entries.map((e) => e.volume))];
  const volume = volumes.length ? volumes.join(', ') : period.from.slice(0, 4);
  const fromLabel = vnDate(period.start);
  const toLabel = vnDate(new Date(period.end.getTime() - 1));
  return {
    form: '07',
    formNo: 'Mẫu số 07',
    title: FORM_TITLES['07'],
    fileName: fileName('07', `${period.from}_${period.to}`),
    orientation: 'landscape',
    header: headerOf(u, null),
    subject: `${FORM_TITLES['07']} — ${u.nameVi} — ${fromLabel}–${toLabel}`,
    blocks: [
      {
        kind: 'title',
        text: FORM_TITLES['07'],
        lines: [
          [r(`Quyển số: ${volume}`)],
          [r(`Từ ngày ${fromLabel} đến ngày ${toLabel}`)],
          [i(`(In lúc ${vnDateTime(input.printedAt)})`)],
        ],
      },
      para(r('Đơn vị tiếp nhận: '), b(u.nameVi), r(`;   tổng số hồ sơ tiếp nhận trong kỳ: `), b(String(entries.length))),
      {
        kind: 'table',
        columns: [
          { title: 'STT', weight: 22, align: 'center' },
          { title: 'Mã hồ sơ', weight: 122 },
          { title: 'Tên TTHC', weight: 88 },
          { title: 'Tên cá nhân, tổ chức', weight: 62 },
          { title: 'Địa chỉ, số điện thoại', weight: 76 },
          { title: 'Cơ quan chủ trì giải quyết', weight: 62 },
          { title: 'Nhận hồ sơ', weight: 53, align: 'center' },
          { title: 'Hẹn trả kết quả', weight: 53, align: 'center' },
          { title: 'Chuyển hồ sơ đến cơ quan giải quyết', weight: 53, align: 'center' },
          { title: 'Nhận kết quả từ cơ quan giải quyết', weight: 53, align: 'center' },
          { title: 'Trả kết quả cho cá nhân, tổ chức', weight: 53, align: 'center' },
          { title: 'Ghi chú', weight: 63 },
        ],
        groups: [{ title: 'Ngày, tháng, năm', from: 6, to: 10 }],
        rows: entries.map((e) => [
          String(e.seq),
          e.code,
          e.procedureNameVi,
          e.applicantName,
          `${e.applicantAddress}\n${e.applicantPhone}`,
          e.competentAgencyNameVi,
          dayAndTime(e.receivedAt),
          dayAndTime(e.dueAt),
          dayAndTime(e.forwardedAt),
          dayAndTime(e.resultAt),
          dayAndTime(e.returnedAt),
          bookNote(e),
        ]),
        size: 'small',
        autoWidth: true,
        empty: 'Không có hồ sơ nào được tiếp nhận trong kỳ.',
      },
    ],
  };
}

// ---------- for tests and previews ----------

/** The text of a document, block by block, as a reader would read it (no layout). */
export function plainText(d: FormDocument): string {
  const line = (l: Line) => l.map((x) => x.text).join('');
  const out: string[] = [
    d.header.superior ?? '',
    d.header.unit,
    d.header.number ?? '',
    'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
    'Độc lập - Tự do - Hạnh phúc',
    d.header.placeDate ?? '',
  ];
  for (const blk of d.blocks) {
    if (blk.kind === 'title') out.push(blk.text, ...blk.lines.map(line));
    else if (blk.kind === 'para') out.push(line(blk.runs));
    else if (blk.kind === 'table') out.push(blk.columns.map((c) => c.title).join(' | '), ...blk.rows.map((row) => row.join(' | ')));
    else if (blk.kind === 'signatures') {
      for (const s of [blk.left, blk.right]) {
        if (!s) continue;
        if ('recipients' in s) out.push('Nơi nhận:', ...s.recipients.map((x) => `- ${x}`));
        else out.push(s.title, s.hint, s.name ?? '');
      }
    } else out.push(...blk.lines.map(line));
  }
  return out.filter(Boolean).join('\n');
}
