/**
 * Which actions the logged-in staff member may offer on a dossier now, mirroring the server's state
 * machine (src/dossiers/dossier.model.ts TRANSITIONS). The server decides anyway; this only hides
 * buttons that would certainly be refused.
 */
import type { Actor, DossierEvent, DossierView, FormNumber } from './session';

export type StaffAction =
  | 'receive'
  | 'refuse'
  | 'forward'
  | 'request_supplement'
  | 'supplement_received'
  | 'request_payment'
  | 'payment_received'
  | 'withdraw'
  | 'stop'
  | 'result'
  | 'return'
  | 'apologize';

type UnitRule = 'receiving_point' | 'current_unit' | 'return_point' | 'receiving_or_current' | 'receiving_or_return';

const RULES: Record<StaffAction, { from: string[]; roles: string[]; unit: UnitRule }> = {
  receive: { from: ['submitted'], roles: ['clerk'], unit: 'receiving_point' },
  refuse: { from: ['submitted', 'received'], roles: ['clerk'], unit: 'receiving_point' },
  forward: { from: ['received', 'processing'], roles: ['clerk', 'specialist', 'approver'], unit: 'current_unit' },
  request_supplement: { from: ['processing'], roles: ['specialist', 'approver'], unit: 'current_unit' },
  supplement_received: { from: ['supplement_requested'], roles: ['clerk', 'specialist'], unit: 'receiving_or_current' },
  request_payment: { from: ['processing'], roles: ['specialist', 'approver'], unit: 'current_unit' },
  payment_received: { from: ['awaiting_payment'], roles: ['clerk', 'specialist'], unit: 'receiving_or_current' },
  withdraw: { from: ['submitted', 'received', 'processing', 'supplement_requested', 'awaiting_payment'], roles: ['clerk'], unit: 'receiving_or_return' },
  stop: { from: ['processing', 'supplement_requested', 'awaiting_payment'], roles: ['approver'], unit: 'current_unit' },
  result: { from: ['processing'], roles: ['approver', 'specialist'], unit: 'current_unit' },
  return: { from: ['result_ready'], roles: ['clerk'], unit: 'return_point' },
  apologize: { from: ['processing', 'supplement_requested', 'awaiting_payment'], roles: ['specialist', 'approver'], unit: 'current_unit' },
};

/** The API path segment of each action: POST /dossiers/{code}/<path>. */
export const ACTION_PATH = {
  receive: '/dossiers/{code}/receive',
  refuse: '/dossiers/{code}/refuse',
  forward: '/dossiers/{code}/forward',
  request_supplement: '/dossiers/{code}/request-supplement',
  supplement_received: '/dossiers/{code}/supplement-received',
  request_payment: '/dossiers/{code}/request-payment',
  payment_received: '/dossiers/{code}/payment-received',
  withdraw: '/dossiers/{code}/withdraw',
  stop: '/dossiers/{code}/stop',
  result: '/dossiers/{code}/result',
  return: '/dossiers/{code}/return',
  apologize: '/dossiers/{code}/apologize',
} as const satisfies Record<StaffAction, string>;

/** What the law asks the staff member to give with each action. */
export type ActionInput = 'none' | 'reason' | 'note' | 'date' | 'file';
export const ACTION_INPUT: Record<StaffAction, ActionInput> = {
  receive: 'note',
  refuse: 'reason',
  forward: 'note',
  request_supplement: 'reason',
  supplement_received: 'note',
  request_payment: 'note',
  payment_received: 'note',
  withdraw: 'reason',
  stop: 'reason',
  result: 'file',
  return: 'note',
  apologize: 'date',
};

type Dossier = Pick<DossierView, 'status' | 'receivingUnit' | 'currentUnit' | 'returnPoint'>;
type Who = Pick<Actor, 'role' | 'unitId'>;

/** The actions this staff member may take on this dossier now, in the order of the state machine. */
export function availableActions(d: Dossier, who: Who): StaffAction[] {
  return (Object.keys(RULES) as StaffAction[]).filter((action) => {
    const rule = RULES[action];
    if (!rule.from.includes(d.status) || !rule.roles.includes(who.role)) return false;
    // A clerk forwards from the receiving point (received → competent agency); agencies forward onwards.
    const unit: UnitRule = action === 'forward' && d.status === 'received' ? 'receiving_point' : rule.unit;
    const receiving = d.receivingUnit.id;
    const current = d.currentUnit?.id ?? null;
    const ret = d.returnPoint.id;
    const allowed = unit === 'receiving_point' ? [receiving] : unit === 'current_unit' ? [current] : unit === 'return_point' ? [ret] : unit === 'receiving_or_current' ? [receiving, current] : [receiving, ret];
    return allowed.includes(who.unitId);
  });
}

/** The forms a dossier has reached: 01 and 06 once received, 02 after a supplement request, 03 after refusal, 04 after an apology, 05 after a stop. */
export function printableForms(d: Pick<DossierView, 'status' | 'receivedAt' | 'supplementCount'>, events: Pick<DossierEvent, 'action'>[]): FormNumber[] {
  const out: FormNumber[] = [];
  if (d.receivedAt) out.push('01');
  if (d.supplementCount > 0 || events.some((e) => e.action === 'request_supplement')) out.push('02');
  if (d.status === 'refused') out.push('03');
  if (events.some((e) => e.action === 'apologize')) out.push('04');
  if (d.status === 'stopped') out.push('05');
  if (d.receivedAt) out.push('06');
  return out;
}
