import type { DossierAction } from '../dossier.model.js';
import type { ActionHandler } from './action.js';
import { receive } from './receive.js';
import { refuse } from './refuse.js';
import { forward } from './forward.js';
import { requestSupplement } from './request-supplement.js';
import { supplementReceived } from './supplement-received.js';
import { requestPayment } from './request-payment.js';
import { paymentReceived } from './payment-received.js';
import { withdraw } from './withdraw.js';
import { stop } from './stop.js';
import { result } from './result.js';
import { returnResult } from './return.js';
import { apologize } from './apologize.js';

/** Each action of the state machine, one file each; what each requires is declared in TRANSITIONS (dossier.model.ts). */
export const ACTION_HANDLERS = {
  receive,
  refuse,
  forward,
  request_supplement: requestSupplement,
  supplement_received: supplementReceived,
  request_payment: requestPayment,
  payment_received: paymentReceived,
  withdraw,
  stop,
  result,
  return: returnResult,
  apologize,
} as const satisfies Record<DossierAction, ActionHandler>;
