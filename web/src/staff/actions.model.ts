/**
 * The actions of the state machine as the console shows them. Which ones the logged-in staff member may
 * take now comes from the server (`allowedActions` on every dossier it returns), so the console never
 * keeps a copy of the rules that could drift from them.
 */
import type { DossierEvent, DossierView, FormNumber } from './session';

/** An action of the state machine, as the API names it. */
export type StaffAction = DossierView['allowedActions'][number];

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
export type ActionInput = 'none' | 'reason' | 'note' | 'date' | 'file' | 'fee';
export const ACTION_INPUT: Record<StaffAction, ActionInput> = {
  receive: 'note',
  refuse: 'reason',
  forward: 'note',
  request_supplement: 'reason',
  supplement_received: 'note',
  request_payment: 'fee',
  payment_received: 'note',
  withdraw: 'reason',
  stop: 'reason',
  result: 'file',
  return: 'note',
  apologize: 'date',
};

/** The actions the server says this staff member may take on this dossier now. */
export function availableActions(d: Pick<DossierView, 'allowedActions'>): StaffAction[] {
  return d.allowedActions;
}

/** The forms a dossier has reached: 01 and 06 once received, 02 after a supplement request, 03 after refusal, 04 after an apology, 05 after a stop. */
export function printableForms(
  d: Pick<DossierView, 'status' | 'receivedAt' | 'supplementCount'>,
  events: Pick<DossierEvent, 'action'>[],
): FormNumber[] {
  const out: FormNumber[] = [];
  if (d.receivedAt) out.push('01');
  if (d.supplementCount > 0 || events.some((e) => e.action === 'request_supplement')) out.push('02');
  if (d.status === 'refused') out.push('03');
  if (events.some((e) => e.action === 'apologize')) out.push('04');
  if (d.status === 'stopped') out.push('05');
  if (d.receivedAt) out.push('06');
  return out;
}
