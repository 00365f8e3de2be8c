import type { StaffRole } from '../platform/db.types.js';
import type { WorkingCalendar } from '../calendar/calendar.model.js';
import { DomainError } from '../platform/errors.js';

/** Internal workflow states; each maps onto one of the portal's status codes 1–10. */
export const DOSSIER_STATUSES = [
  'submitted',
  'received',
  'refused',
  'processing',
  'supplement_requested',
  'awaiting_payment',
  'withdrawn',
  'stopped',
  'result_ready',
  'returned',
] as const;
export type DossierStatus = (typeof DOSSIER_STATUSES)[number];

/** National Public Service Portal (DVCQG) status codes. */
export const PORTAL_STATUS = {
  submitted: 1,
  received: 2,
  refused: 3,
  processing: 4,
  supplement_requested: 5,
  awaiting_payment: 6,
  withdrawn: 7,
  stopped: 8,
  result_ready: 9,
  returned: 10,
} as const satisfies Record<DossierStatus, number>;

export const STATUS_LABELS = {
  submitted: { vi: 'Mới đăng ký trực tuyến', en: 'Submitted online' },
  received: { vi: 'Đã tiếp nhận', en: 'Received' },
  refused: { vi: 'Từ chối tiếp nhận', en: 'Refused at receipt' },
  processing: { vi: 'Đang xử lý', en: 'Processing' },
  supplement_requested: { vi: 'Yêu cầu bổ sung hồ sơ', en: 'Supplement requested' },
  awaiting_payment: { vi: 'Chờ thực hiện nghĩa vụ tài chính', en: 'Awaiting payment' },
  withdrawn: { vi: 'Đã rút hồ sơ', en: 'Withdrawn' },
  stopped: { vi: 'Dừng xử lý', en: 'Processing stopped' },
  result_ready: { vi: 'Đã có kết quả', en: 'Result ready' },
  returned: { vi: 'Đã trả kết quả', en: 'Result returned' },
} as const satisfies Record<DossierStatus, { vi: string; en: string }>;

/** Channels (KenhThucHien): 1 in person, 2 online, 3 public postal service. */
export const CHANNEL = { counter: 1, online: 2, postal: 3 } as const;

export const OPEN_STATUSES: DossierStatus[] = ['received', 'processing', 'supplement_requested', 'awaiting_payment'];

/** Open for the duplicate rule and the store's purpose: filed (online too) and not yet decided. */
export const DUPLICATE_STATUSES: DossierStatus[] = ['submitted', ...OPEN_STATUSES];

/** The open dossier an applicant already has of a procedure, as staff are told of it. */
export interface ExistingDossier {
  code: string;
  status: string;
  receivedAt: Date | null;
  submittedAt: Date | null;
  receivingPoint: { id: number; nameVi: string; nameEn: string };
}

/**
 * 409 DUPLICATE_DOSSIER for staff: the applicant already has an open dossier of this procedure, named with where and
 * when it was filed; the clerk may receive this one anyway by giving duplicateOverride.reason.
 */
export function duplicateDossierError(existing: ExistingDossier, field: string): DomainError {
  const when = existing.receivedAt ?? existing.submittedAt;
  const at = when ? when.toISOString() : '—';
  const p = existing.receivingPoint;
  return new DomainError(
    'DUPLICATE_DOSSIER',
    `Công dân đã có hồ sơ ${existing.code} của thủ tục này đang giải quyết (nộp ${at} tại ${p.nameVi}); muốn tiếp nhận thêm, ghi lý do vào duplicateOverride.reason / The applicant already has open dossier ${existing.code} of this procedure (filed ${at} at ${p.nameEn}); to receive another one anyway, give duplicateOverride.reason`,
    {
      field,
      details: {
        existingCode: existing.code,
        status: existing.status,
        receivedAt: existing.receivedAt?.toISOString() ?? null,
        submittedAt: existing.submittedAt?.toISOString() ?? null,
        receivingPoint: p,
      },
    },
  );
}

export const DOSSIER_ACTIONS = [
  'receive',
  'refuse',
  'forward',
  'request_supplement',
  'supplement_received',
  'request_payment',
  'payment_received',
  'withdraw',
  'stop',
  'result',
  'return',
  'apologize',
] as const;
export type DossierAction = (typeof DOSSIER_ACTIONS)[number];

/** Where the acting staff member must sit for an action. */
export type UnitRule = 'receiving_point' | 'current_unit' | 'return_point' | 'receiving_or_current' | 'receiving_or_return';

/** What a request for an action must carry besides the version; the route's body schema is built from it. */
export interface ActionRequirements {
  /** A written reason is required; what it must say (named in the error when missing). */
  reason?: string;
  /** A proposed new return date (form 04). */
  newDueAt?: true;
  /** The result file, uploaded first. */
  resultFile?: true;
}

/** What a request for an action may carry besides what it requires. */
export interface ActionOptions {
  /** The reason to receive a dossier although the applicant has an open one of the same procedure. */
  duplicateOverride?: true;
  /** Amounts assessed while processing (a tax, a fee set by the file), added to what the dossier owes. */
  fees?: true;
}

interface TransitionRule {
  from: DossierStatus[];
  to: DossierStatus | 'same';
  roles: StaffRole[];
  unit: UnitRule;
  requires: ActionRequirements;
  accepts?: ActionOptions;
}

/** The state machine: which action may leave which state, who may take it, from which unit, and what it requires. */
export const TRANSITIONS = {
  receive: {
    from: ['submitted'],
    to: 'received',
    roles: ['clerk'],
    unit: 'receiving_point',
    requires: {},
    accepts: { duplicateOverride: true },
  },
  refuse: {
    from: ['submitted', 'received'],
    to: 'refused',
    roles: ['clerk'],
    unit: 'receiving_point',
    requires: { reason: 'The reason for refusal' },
  },
  forward: {
    from: ['received', 'processing'],
    to: 'processing',
    roles: ['clerk', 'specialist', 'approver'],
    unit: 'current_unit',
    requires: {},
  },
  request_supplement: {
    from: ['processing'],
    to: 'supplement_requested',
    roles: ['specialist', 'approver'],
    unit: 'current_unit',
    requires: { reason: 'What to supplement and why' },
  },
  supplement_received: {
    from: ['supplement_requested'],
    to: 'processing',
    roles: ['clerk', 'specialist'],
    unit: 'receiving_or_current',
    requires: {},
  },
  request_payment: {
    from: ['processing'],
    to: 'awaiting_payment',
    roles: ['specialist', 'approver'],
    unit: 'current_unit',
    requires: {},
    accepts: { fees: true },
  },
  payment_received: {
    from: ['awaiting_payment'],
    to: 'processing',
    roles: ['clerk', 'specialist'],
    unit: 'receiving_or_current',
    requires: {},
  },
  withdraw: {
    from: ['submitted', 'received', 'processing', 'supplement_requested', 'awaiting_payment'],
    to: 'withdrawn',
    roles: ['clerk'],
    unit: 'receiving_or_return',
    requires: { reason: "The applicant's request to withdraw" },
  },
  stop: {
    from: ['processing', 'supplement_requested', 'awaiting_payment'],
    to: 'stopped',
    roles: ['approver'],
    unit: 'current_unit',
    requires: { reason: 'The reason for stopping' },
  },
  // Usually the approver signs; in an inter-agency chain the last agency's step may be a processing step.
  result: {
    from: ['processing'],
    to: 'result_ready',
    roles: ['approver', 'specialist'],
    unit: 'current_unit',
    requires: { resultFile: true },
  },
  return: { from: ['result_ready'], to: 'returned', roles: ['clerk'], unit: 'return_point', requires: {} },
  // Not while paused for a supplement: the clock is stopped, the agency is not late while the applicant is awaited.
  apologize: {
    from: ['processing', 'awaiting_payment'],
    to: 'same',
    roles: ['specialist', 'approver'],
    unit: 'current_unit',
    requires: { reason: 'The reason for the delay', newDueAt: true },
  },
} as const satisfies Record<DossierAction, TransitionRule>;

export interface DossierState {
  status: DossierStatus;
  receivingUnitId: number;
  currentUnitId: number | null;
  returnPointId: number;
}

export interface ActingStaff {
  role: StaffRole;
  unitId: number;
  scopeUnitIds: number[] | null;
}

/** Why an action may not be taken now: the dossier's status, the staff member's role, or their unit. */
type Refusal = 'status' | 'role' | 'unit';

/** The first rule the action breaks, or null. (No error is built here: allowedActions asks for every action on every view.) */
function refusalOf(d: DossierState, action: DossierAction, who: ActingStaff): Refusal | null {
  const rule: TransitionRule = TRANSITIONS[action];
  if (!(rule.from as readonly DossierStatus[]).includes(d.status)) return 'status';
  if (!rule.roles.includes(who.role)) return 'role';
  // A clerk forwards from the receiving point (received → competent agency); staff at an agency forward onwards.
  const unitRule: UnitRule = action === 'forward' && d.status === 'received' ? 'receiving_point' : rule.unit;
  const at = who.unitId;
  const inUnit =
    unitRule === 'receiving_point'
      ? at === d.receivingUnitId
      : unitRule === 'current_unit'
        ? at === d.currentUnitId
        : unitRule === 'return_point'
          ? at === d.returnPointId
          : unitRule === 'receiving_or_current'
            ? at === d.receivingUnitId || at === d.currentUnitId
            : at === d.receivingUnitId || at === d.returnPointId;
  return inUnit ? null : 'unit';
}

/** Checks that the action may be taken now, by this staff member; returns the next status. */
export function checkTransition(d: DossierState, action: DossierAction, who: ActingStaff): DossierStatus {
  const rule: TransitionRule = TRANSITIONS[action];
  const refusal = refusalOf(d, action, who);
  if (refusal === 'status') {
    throw new DomainError(
      'INVALID_TRANSITION',
      `Cannot ${action.replaceAll('_', ' ')} a dossier that is ${d.status.replaceAll('_', ' ')} (allowed from: ${rule.from.join(', ')})`,
      {
        details: { status: d.status, action },
      },
    );
  }
  if (refusal === 'role') {
    throw new DomainError('FORBIDDEN', `Role ${who.role} may not ${action.replaceAll('_', ' ')}; it needs ${rule.roles.join(' or ')}`);
  }
  if (refusal === 'unit') {
    throw new DomainError('OUT_OF_SCOPE', `This dossier is not at your unit for this action (${action.replaceAll('_', ' ')})`);
  }
  return rule.to === 'same' ? d.status : rule.to;
}

/**
 * The 63 codes of the province or city where a citizen's birth was registered, the first 3 digits of a citizen ID
 * number (Circular 07/2016/TT-BCA, Appendix 1): 001 Hà Nội … 096 Cà Mau; the numbers between them are unassigned.
 */
export const BIRTH_PROVINCE_CODES: Readonly<Record<string, string>> = {
  '001': 'Hà Nội',
  '002': 'Hà Giang',
  '004': 'Cao Bằng',
  '006': 'Bắc Kạn',
  '008': 'Tuyên Quang',
  '010': 'Lào Cai',
  '011': 'Điện Biên',
  '012': 'Lai Châu',
  '014': 'Sơn La',
  '015': 'Yên Bái',
  '017': 'Hòa Bình',
  '019': 'Thái Nguyên',
  '020': 'Lạng Sơn',
  '022': 'Quảng Ninh',
  '024': 'Bắc Giang',
  '025': 'Phú Thọ',
  '026': 'Vĩnh Phúc',
  '027': 'Bắc Ninh',
  '030': 'Hải Dương',
  '031': 'Hải Phòng',
  '033': 'Hưng Yên',
  '034': 'Thái Bình',
  '035': 'Hà Nam',
  '036': 'Nam Định',
  '037': 'Ninh Bình',
  '038': 'Thanh Hóa',
  '040': 'Nghệ An',
  '042': 'Hà Tĩnh',
  '044': 'Quảng Bình',
  '045': 'Quảng Trị',
  '046': 'Thừa Thiên Huế',
  '048': 'Đà Nẵng',
  '049': 'Quảng Nam',
  '051': 'Quảng Ngãi',
  '052': 'Bình Định',
  '054': 'Phú Yên',
  '056': 'Khánh Hòa',
  '058': 'Ninh Thuận',
  '060': 'Bình Thuận',
  '062': 'Kon Tum',
  '064': 'Gia Lai',
  '066': 'Đắk Lắk',
  '067': 'Đắk Nông',
  '068': 'Lâm Đồng',
  '070': 'Bình Phước',
  '072': 'Tây Ninh',
  '074': 'Bình Dương',
  '075': 'Đồng Nai',
  '077': 'Bà Rịa – Vũng Tàu',
  '079': 'Hồ Chí Minh',
  '080': 'Long An',
  '082': 'Tiền Giang',
  '083': 'Bến Tre',
  '084': 'Trà Vinh',
  '086': 'Vĩnh Long',
  '087': 'Đồng Tháp',
  '089': 'An Giang',
  '091': 'Kiên Giang',
  '092': 'Cần Thơ',
  '093': 'Hậu Giang',
  '094': 'Sóc Trăng',
  '095': 'Bạc Liêu',
  '096': 'Cà Mau',
};

/** The birth year a citizen ID number encodes: its 4th digit gives the century (0/1 1900s, 2/3 2000s, 4/5 2100s, …), the next two the year. */
export function idNumberBirthYear(id: string): number {
  return 1900 + 100 * Math.floor(Number(id[3]) / 2) + Number(id.slice(4, 6));
}

/**
 * What is wrong with a 12-digit citizen ID number (CCCD), or null: the province of birth registration must be one of
 * the 63 codes, and the century/sex digit with the next two must give a birth year that is not after `now`'s year in
 * Vietnam (UTC+7). The last six digits are a random serial: nothing to check there.
 */
export function idNumberProblem(id: string, now: Date): string | null {
  if (!/^\d{12}$/.test(id)) return 'must be exactly 12 digits';
  const province = id.slice(0, 3);
  if (!BIRTH_PROVINCE_CODES[province])
    return `starts with ${province}, which is not a province code (Circular 07/2016/TT-BCA: 001 Hà Nội … 096 Cà Mau)`;
  const born = idNumberBirthYear(id);
  const thisYear = new Date(now.getTime() + 7 * 3_600_000).getUTCFullYear();
  if (born > thisYear) return `says born in ${born} (digits 4–6: ${id.slice(3, 6)}), which is in the future`;
  return null;
}

/** Keeps the first letter of each word of a name: "Nguyễn Văn An" → "N***** V** A*". */
export function maskName(name: string): string {
  return name
    .trim()
    .split(/\s+/)
    .map((w) => {
      const chars = [...w];
      return chars[0] + '*'.repeat(Math.max(1, chars.length - 1));
    })
    .join(' ');
}

/** Shows only the last 3 digits of an ID number. */
export function maskIdNumber(id: string): string {
  return '*'.repeat(Math.max(0, id.length - 3)) + id.slice(-3);
}

/** Shows only the last 3 digits of a phone number. */
export function maskPhone(phone: string): string {
  return '*'.repeat(Math.max(0, phone.length - 3)) + phone.slice(-3);
}

/** Vietnamese mobile or landline: 10 digits starting with 0 (or +84 and 9 digits). */
export function normalizePhone(phone: string): string | null {
  const p = phone.replace(/[\s.-]/g, '');
  if (/^0\d{9}$/.test(p)) return p;
  if (/^\+84\d{9}$/.test(p)) return `0${p.slice(3)}`;
  return null;
}

/** Dossier code: <receiving agency identifier>-<yymmdd>-<4-digit daily sequence>. */
export function dossierCode(agencyCode: string, localDate: string, seq: number): string {
  if (seq > 9999) throw new DomainError('CONFLICT', `More than 9999 dossiers received by ${agencyCode} on ${localDate}`);
  return `${agencyCode}-${localDate.slice(2, 4)}${localDate.slice(5, 7)}${localDate.slice(8, 10)}-${String(seq).padStart(4, '0')}`;
}

/** Early (an earlier day), on time (the due day, not after the due instant) or late. */
export function timeliness(doneAt: Date, dueAt: Date, utcOffsetMinutes = 420): 'early' | 'on_time' | 'late' {
  if (doneAt.getTime() > dueAt.getTime()) return 'late';
  const day = (d: Date) => Math.floor((d.getTime() + utcOffsetMinutes * 60_000) / 86_400_000);
  return day(doneAt) < day(dueAt) ? 'early' : 'on_time';
}

/**
 * Due instant of step `index` of a dossier: its cumulative share of the working time between receipt and the due
 * date; the receiving step also ends by the transfer deadline (same day, or next morning after 15:00).
 */
export function stepDueAt(calendar: WorkingCalendar, receivedAt: Date, dueAt: Date, steps: { share: number }[], index: number): Date {
  const total = calendar.workingMsBetween(receivedAt, dueAt);
  const share = steps.slice(0, index + 1).reduce((s, x) => s + x.share, 0);
  const byShare = calendar.addWorkingMs(receivedAt, Math.round(total * Math.min(1, share)));
  if (index > 0) return byShare;
  const transfer = transferDeadline(calendar, receivedAt);
  return transfer < byShare ? transfer : byShare;
}

/** Processing steps of a procedure: the steps between receipt and return, each at an agency. */
export interface ProcessingStep {
  index: number;
  role: 'process' | 'approve';
  agency: string;
  share: number;
  /** Share of the whole limit elapsed when this step is due. */
  cumulativeShare: number;
}

export function processingSteps(steps: { role: string; agency: string; share: number }[]): ProcessingStep[] {
  let cumulative = 0;
  const out: ProcessingStep[] = [];
  steps.forEach((s, index) => {
    cumulative += s.share;
    if (s.role === 'process' || s.role === 'approve')
      out.push({ index, role: s.role, agency: s.agency, share: s.share, cumulativeShare: Math.min(1, cumulative) });
  });
  return out;
}

/** The role that works a step. */
export function roleForStep(step: ProcessingStep): StaffRole {
  return step.role === 'approve' ? 'approver' : 'specialist';
}

/** The fee a dossier owes at filing: fees always charged plus those of its channel; extras on request and reduced rates are not assumed. */
export function feeDue(
  fees: { amountVnd: number; when?: 'counter' | 'online' | 'on_request' | 'reduced' }[],
  channel: 'counter' | 'online',
): number {
  return fees.filter((f) => f.when === undefined || f.when === channel).reduce((sum, f) => sum + f.amountVnd, 0);
}

/**
 * Transfer to the competent agency: the same working day when received before 15:00, otherwise by the
 * end of the next working morning (Decree 61/2018 practice, kept by the one-stop units; Decree 118 to check).
 */
export const TRANSFER_RULE = { cutoffMinutes: 15 * 60, nextMorningWorkingMs: 4 * 3_600_000, utcOffsetMinutes: 420 };

/** The latest instant a dossier received at `receivedAt` should be handed to the competent agency. */
export function transferDeadline(calendar: WorkingCalendar, receivedAt: Date, rule = TRANSFER_RULE): Date {
  const offset = rule.utcOffsetMinutes * 60_000;
  const localMs = receivedAt.getTime() + offset;
  const minutes = Math.floor((localMs % 86_400_000) / 60_000);
  const day = new Date(localMs).toISOString().slice(0, 10);
  // Received on a day off: it counts as received when the next working day opens, before the cut-off.
  if (!calendar.isWorkingDay(day) || minutes < rule.cutoffMinutes) return calendar.dueDate(receivedAt, 0, 'working-days');
  const nextDayStart = new Date(Math.floor(localMs / 86_400_000) * 86_400_000 + 86_400_000 - offset);
  return calendar.addWorkingMs(calendar.nextOfficeOpening(nextDayStart), rule.nextMorningWorkingMs);
}

/**
 * The rescheduling rule of an apology (form 04): the new date is the local day proposed, set at the close of office
 * hours of the receiving point's calendar; that day must be a working day, and the instant later than both now and the
 * legal due date. (The law's own due date is unchanged: the dossier still counts as late against it.)
 */
export function rescheduledDueAt(calendar: WorkingCalendar, proposed: Date, legalDue: Date, now: Date): Date {
  const day = calendar.localDateOf(proposed);
  const sessions = calendar.sessionsOn(day);
  const close = sessions[sessions.length - 1]?.end;
  if (!close) {
    throw new DomainError(
      'VALIDATION',
      `Ngày ${day} không phải ngày làm việc của nơi tiếp nhận / ${day} is not a working day of the receiving point; the next one closes at ${calendar.dueDate(proposed, 0, 'working-days').toISOString()}`,
      { field: 'body.newDueAt' },
    );
  }
  const floor = legalDue > now ? legalDue : now;
  if (close <= floor) {
    throw new DomainError(
      'VALIDATION',
      `Ngày hẹn mới phải sau thời hạn giải quyết và sau hiện tại / The new date must be later than the due date (${legalDue.toISOString()}) and than now`,
      { field: 'body.newDueAt', details: { dueAt: legalDue.toISOString(), closeOfOfficeHours: close.toISOString() } },
    );
  }
  return close;
}

/** The date the applicant is now promised: the apology's new date once one was issued, otherwise the (legal) due date. */
export function promisedDueAt(d: { due_at: Date | null; apology_due_at: Date | null }): Date | null {
  return d.apology_due_at ?? d.due_at;
}

export interface ActionableDossier extends DossierState {
  currentStep: number;
  supplementCount: number;
  apologyDueAt: Date | null;
}

/** The actions this staff member may take on this dossier now (the console shows exactly these). */
export function allowedActions(d: ActionableDossier, who: ActingStaff, steps: ProcessingStep[]): DossierAction[] {
  const last = steps[steps.length - 1];
  const current = steps.find((s) => s.index === d.currentStep);
  return DOSSIER_ACTIONS.filter((action) => {
    if (refusalOf(d, action, who) !== null) return false;
    if (action === 'forward' && d.status === 'processing') {
      if (!steps.some((s) => s.index > d.currentStep)) return false;
      if (current && roleForStep(current) !== who.role) return false;
    }
    if (action === 'result' && (!last || d.currentStep !== last.index || roleForStep(last) !== who.role)) return false;
    if (action === 'request_supplement' && d.supplementCount >= 1) return false;
    if (action === 'apologize' && d.apologyDueAt) return false;
    return true;
  });
}
