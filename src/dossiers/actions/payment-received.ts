import type { ActionHandler } from './action.js';

/** Record the payment (→ 4). */
export const paymentReceived: ActionHandler = ({ now }) => ({ patch: { paid_at: now } });
