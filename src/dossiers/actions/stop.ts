import * as payments from '../fee.repository.js';
import { closeOpenStep, type ActionHandler, type Effect } from './action.js';

/**
 * Stop processing, with the reason written to the applicant (→ 8; form 05). Whatever was paid is to be refunded:
 * online payments through the gateway (PaymentService.refundDue), counter payments by the clerk who hands the money
 * back (PaymentService.refundedAtCounter).
 */
export const stop: ActionHandler = (ctx) => {
  const refunds: Effect = async (trx) => {
    for (const p of await payments.paidOf(trx, ctx.dossier.id))
      await payments.updatePayment(trx, p.id, {
        status: 'refund_pending',
        refund_amount_vnd: Number(p.amount_vnd),
        refund_reason: 'Hoan tra phi, le phi do dung xu ly ho so',
        refund_requested_at: ctx.now,
        refund_next_at: p.method === 'online' ? ctx.now : null,
      });
  };
  return {
    patch: { decided_at: ctx.now, current_unit_id: null, paused_at: null },
    effects: [closeOpenStep(ctx), refunds],
  };
};
