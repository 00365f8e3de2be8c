import type { ActionHandler } from './action.js';

/** Require payment of the fees or taxes due (→ 6). */
export const requestPayment: ActionHandler = ({ dossier: d }) => ({ eventData: { amountVnd: d.fee_total_vnd } });
