// Citizens' feedback and petitions (phản ánh, kiến nghị — PAKN): the pure rules. No clock, no database, no HTTP.
//
// Deadlines are the portal's rules behind Decision 766 indicator 5.2 (regulation-notes §5a): a feedback is refused
// within 2 working days of its receipt, its first request for more information is sent within 5, it is answered
// within 15, and the answer is published within 2 working days of the answer. They are counted with the competent
// unit's working calendar, as dossier due dates are (Civil Code arts. 147–148: the day of receipt excluded, the limit
// ends at the close of office hours of its last working day).
//
// A request for more information pauses nothing: unlike a dossier's supplement request (whose waiting time the law
// excludes from the clock), no text we hold says the PAKN limits stop while the sender is asked, and the portal's
// formula judges the answer against 15 working days from receipt. So the deadlines are fixed at receipt.

import type { StaffRole } from '../platform/db.types.js';
import type { WorkingCalendar } from '../calendar/calendar.model.js';
import { DomainError } from '../platform/errors.js';

export const CHANNELS = ['portal', 'tracking', 'counter', 'hotline'] as const;
export type Channel = (typeof CHANNELS)[number];

export const SUBJECT_KINDS = ['procedure', 'dossier', 'unit', 'staff_conduct'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

export const CATEGORIES = ['procedure_rules', 'dossier_delay', 'staff_conduct', 'facilities', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

export const STATUSES = ['received', 'info_requested', 'processing', 'refused', 'answered', 'published', 'closed'] as const;
export type FeedbackStatus = (typeof STATUSES)[number];

/** Still waiting for the agency: what the inbox and the overdue count are about. */
export const OPEN_STATUSES: readonly FeedbackStatus[] = ['received', 'info_requested', 'processing'];

/** The stages a deadline belongs to. */
export type Stage = 'refuse' | 'info' | 'answer' | 'publish';

/** The portal's limits, in working days: from receipt for the first three, from the answer for publishing. */
export const DEADLINES: Readonly<Record<Stage, { workingDays: number; from: 'receipt' | 'answer'; rule: string }>> = {
  refuse: { workingDays: 2, from: 'receipt', rule: 'Refusal within 2 working days of receipt (indicator 5.2)' },
  info: { workingDays: 5, from: 'receipt', rule: 'First request for more information within 5 working days of receipt' },
  answer: { workingDays: 15, from: 'receipt', rule: 'Answer within 15 working days of receipt' },
  publish: { workingDays: 2, from: 'answer', rule: 'Publication within 2 working days of the answer' },
};

/** Bounds of what a sender writes. */
export const LIMITS = { titleMin: 5, titleMax: 200, contentMin: 10, contentMax: 5000, attachmentsMax: 3, noteMax: 5000, nameMax: 120 };

/** The deadlines fixed at receipt. */
export function receiptDeadlines(calendar: WorkingCalendar, receivedAt: Date): { refuseDueAt: Date; infoDueAt: Date; answerDueAt: Date } {
  return {
    refuseDueAt: calendar.dueDate(receivedAt, DEADLINES.refuse.workingDays, 'working-days'),
    infoDueAt: calendar.dueDate(receivedAt, DEADLINES.info.workingDays, 'working-days'),
    answerDueAt: calendar.dueDate(receivedAt, DEADLINES.answer.workingDays, 'working-days'),
  };
}

/** The publication deadline, fixed when the answer is given. */
export function publishDeadline(calendar: WorkingCalendar, answeredAt: Date): Date {
  return calendar.dueDate(answeredAt, DEADLINES.publish.workingDays, 'working-days');
}

/** The category a new feedback gets from its subject when the sender names none (staff may reclassify). */
export function defaultCategory(kind: SubjectKind): Category {
  return { procedure: 'procedure_rules', dossier: 'dossier_delay', staff_conduct: 'staff_conduct', unit: 'facilities' }[kind] as Category;
}

/**
 * The competent unit of a feedback: the dossier's processing unit (its competent agency), else the procedure's agency,
 * else the unit named, else the province center.
 */
export function competentUnit(r: {
  dossierAgencyId?: number | null;
  procedureAgencyId?: number | null;
  namedUnitId?: number | null;
  provinceCenterId: number;
}): number {
  return r.dossierAgencyId ?? r.procedureAgencyId ?? r.namedUnitId ?? r.provinceCenterId;
}

/** The fields a stage's judgement reads. */
export interface FeedbackTimes {
  status: FeedbackStatus;
  publish_consent: boolean;
  received_at: Date;
  refuse_due_at: Date;
  info_due_at: Date;
  answer_due_at: Date;
  publish_due_at: Date | null;
  first_info_requested_at: Date | null;
  refused_at: Date | null;
  answered_at: Date | null;
  published_at: Date | null;
}

/**
 * The deadline the feedback is waiting on now, and its stage: a feedback not yet taken up (received, never asked for
 * information) must be refused or taken up by the refusal deadline; once taken up (or after an answer to a request
 * for information) the answer deadline; once answered with the sender's consent, the publication deadline. None once
 * refused, published or closed, or answered without consent (it is then closed at once by the agency).
 */
export function currentDeadline(f: FeedbackTimes): { stage: 'triage' | 'answer' | 'publish'; dueAt: Date } | null {
  switch (f.status) {
    case 'received':
      return f.first_info_requested_at === null ? { stage: 'triage', dueAt: f.refuse_due_at } : { stage: 'answer', dueAt: f.answer_due_at };
    case 'info_requested':
    case 'processing':
      return { stage: 'answer', dueAt: f.answer_due_at };
    case 'answered':
      return f.publish_consent && f.publish_due_at ? { stage: 'publish', dueAt: f.publish_due_at } : null;
    default:
      return null;
  }
}

/** Whether the current deadline is within 1 working day of `now` or past: the feedback is escalated to the unit's leader. */
export function needsEscalation(calendar: WorkingCalendar, dueAt: Date, now: Date): boolean {
  return dueAt.getTime() <= calendar.dueDate(now, 1, 'working-days').getTime();
}

export type StageVerdict = 'on_time' | 'late' | 'pending' | 'not_applicable';

/**
 * Each stage judged at `at`: done by its deadline (on_time), done after it or still not done past it (late), not done
 * and not yet due (pending), or not a stage of this feedback (not_applicable: no refusal of an answered one, no
 * information asked, no publication of one refused or without the sender's consent).
 */
export function stageVerdicts(f: FeedbackTimes, at: Date): Record<Stage, StageVerdict> {
  const judge = (doneAt: Date | null, dueAt: Date | null): StageVerdict => {
    if (dueAt === null) return 'not_applicable';
    if (doneAt !== null && doneAt.getTime() <= at.getTime()) return doneAt.getTime() <= dueAt.getTime() ? 'on_time' : 'late';
    return at.getTime() > dueAt.getTime() ? 'late' : 'pending';
  };
  const refused = f.refused_at !== null;
  const answered = f.answered_at !== null;
  return {
    refuse: refused ? judge(f.refused_at, f.refuse_due_at) : 'not_applicable',
    // Asking for information is optional: the stage exists only once it was asked (by `at`).
    info:
      f.first_info_requested_at !== null && f.first_info_requested_at.getTime() <= at.getTime()
        ? judge(f.first_info_requested_at, f.info_due_at)
        : 'not_applicable',
    answer: refused ? 'not_applicable' : judge(f.answered_at, f.answer_due_at),
    publish: refused || !f.publish_consent || !answered ? 'not_applicable' : judge(f.published_at, f.publish_due_at),
  };
}

/** Handled (answered or refused) with no stage late at `at`: what indicator 5.2 counts as on time. */
export function onTimeAtEveryStage(f: FeedbackTimes, at: Date): boolean {
  return !Object.values(stageVerdicts(f, at)).includes('late');
}

export const ACTIONS = [
  'assign',
  'classify',
  'note',
  'request_info',
  'info_received',
  'refuse',
  'draft',
  'answer',
  'publish',
  'close',
  'link_repeat',
] as const;
export type FeedbackAction = (typeof ACTIONS)[number];

/** Who may do what in which state, and where it leads (null: the state stays). Admin sees everything but only adds notes. */
export const TRANSITIONS: Readonly<
  Record<FeedbackAction, { from: readonly FeedbackStatus[]; to: FeedbackStatus | null; roles: readonly StaffRole[] }>
> = {
  // Taking a feedback up: the specialist handling it, or the leader who hands it out.
  assign: { from: ['received', 'info_requested', 'processing'], to: 'processing', roles: ['specialist', 'approver', 'manager'] },
  classify: { from: ['received', 'info_requested', 'processing'], to: null, roles: ['specialist', 'approver', 'manager'] },
  // Any staff of the competent unit keeps the file's internal notes.
  note: { from: STATUSES, to: null, roles: ['clerk', 'specialist', 'approver', 'manager', 'admin'] },
  request_info: { from: ['received', 'processing'], to: 'info_requested', roles: ['specialist', 'approver', 'manager'] },
  // What the sender brought to the counter or said on the hotline (online, they answer with their secret).
  info_received: { from: ['info_requested'], to: 'received', roles: ['clerk', 'specialist', 'approver', 'manager'] },
  // Refusing, answering and publishing speak for the agency: its leader (an approver of a department or commune
  // committee, the manager of a center).
  refuse: { from: ['received', 'info_requested'], to: 'refused', roles: ['approver', 'manager'] },
  draft: { from: ['processing'], to: null, roles: ['specialist', 'approver'] },
  answer: { from: ['processing'], to: 'answered', roles: ['approver', 'manager'] },
  publish: { from: ['answered'], to: 'published', roles: ['approver', 'manager'] },
  close: { from: ['answered'], to: 'closed', roles: ['approver', 'manager'] },
  link_repeat: { from: STATUSES, to: null, roles: ['specialist', 'approver', 'manager'] },
};

/**
 * Checks that `role` may do `action` on a feedback in `status` (FORBIDDEN, then INVALID_TRANSITION), and the rules
 * that depend on the feedback: an answer is published only with the sender's consent, and closed without
 * publication only without it. Returns the state it leads to.
 */
export function transition(
  action: FeedbackAction,
  role: StaffRole,
  f: { status: FeedbackStatus; publish_consent: boolean },
): FeedbackStatus {
  const t = TRANSITIONS[action];
  if (!t.roles.includes(role))
    throw new DomainError('FORBIDDEN', `Role ${role} may not ${action} a feedback; it needs ${t.roles.join(' or ')}`);
  if (!t.from.includes(f.status))
    throw new DomainError('INVALID_TRANSITION', `A feedback in state ${f.status} cannot be ${action}: allowed from ${t.from.join(', ')}`);
  if (action === 'publish' && !f.publish_consent)
    throw new DomainError('INVALID_TRANSITION', 'The sender asked not to publish the answer: close it instead');
  if (action === 'close' && f.publish_consent)
    throw new DomainError('INVALID_TRANSITION', 'The sender agreed to publication: publish the answer instead');
  return t.to ?? f.status;
}

/** The actions `role` could take on a feedback now (what the detail page offers). */
export function allowedActions(role: StaffRole, f: { status: FeedbackStatus; publish_consent: boolean }): FeedbackAction[] {
  return ACTIONS.filter((a) => {
    try {
      transition(a, role, f);
      return true;
    } catch {
      return false;
    }
  });
}

/** Feedback code: PAKN-<yymmdd of the local receipt day>-<4-digit daily sequence>. */
export function feedbackCode(localDate: string, seq: number): string {
  if (!Number.isInteger(seq) || seq < 1 || seq > 9999) throw new RangeError(`sequence ${seq} out of 1..9999`);
  return `PAKN-${localDate.slice(2, 4)}${localDate.slice(5, 7)}${localDate.slice(8, 10)}-${String(seq).padStart(4, '0')}`;
}

export const CODE_PATTERN = '^PAKN-[0-9]{6}-[0-9]{4}$';

const EMAIL = /[^\s@]+@[^\s@]+\.[^\s@]*[^\s@.,;:!?)]/gu;
// 9 to 12 digits, possibly grouped by spaces, dots or dashes: citizen ID numbers (12), old ID cards (9), phone
// numbers (10, or +84 and 9).
const DIGIT_RUN = /(?<![\p{N}])(?:\+84[\s.-]?)?\d(?:[\s.-]?\d){8,11}(?![\p{N}])/gu;
// "địa chỉ: …" or "số nhà 12 …", "ngõ 5 …", "thôn …" up to the end of the clause.
const ADDRESS =
  /(?<![\p{L}\p{N}])(?:địa chỉ|đ\/c|dia chi|số nhà|nhà số|ngõ|ngách|hẻm|kiệt|tổ dân phố|thôn|xóm|ấp|khu phố)(?![\p{L}])[^.;\n]*/giu;

/**
 * The text of a published feedback or answer with personal data masked: e-mail addresses, ID and phone numbers,
 * addresses (a clause starting with an address word), and each of the given names (the sender's, a dossier's
 * applicant) wherever it appears.
 */
export function maskPersonalData(text: string, names: readonly string[] = []): string {
  let out = text.replace(EMAIL, '[e-mail]').replace(DIGIT_RUN, '[số]').replace(ADDRESS, '[địa chỉ]');
  for (const name of names) {
    const n = name.trim();
    if (n.length < 2) continue;
    out = out.replace(new RegExp(n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu'), '[họ tên]');
  }
  return out;
}
