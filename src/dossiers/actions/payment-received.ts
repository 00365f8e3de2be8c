import { balanceDue, newTxnRef, receiptNumber } from '../../payments/payment.model.js';
import * as payments from '../fee.repository.js';
import type { ActionHandler } from './action.js';

/**
 * Record the payment made at the counter (→ 4): what is owed becomes a counter payment, paid now, with its
 * e-receipt number. (An online payment moves the dossier itself, through the gateway's callback.)
 */
export const paymentReceived: ActionHandler = async ({ dossier: d, actor, now, db }) => {
  const due = balanceDue(await payments.feeLinesOf(db, d.id), await payments.paymentsOf(db, d.id));
  return {
    patch: { paid_at: now },
    eventData: due > 0 ? { amountVnd: due, method: 'counter' } : { amountVnd: 0 },
    effects:
      due > 0
        ? [
            async (trx) => {
              await payments.insertPayment(
                trx,
                {
                  dossier_id: d.id,
                  txn_ref: newTxnRef(d.code, 'counter'),
                  method: 'counter',
                  amount_vnd: due,
                  status: 'paid',
                  created_at: now,
                  expires_at: null,
                  created_by: actor.staffId,
                  paid_at: now,
                  settled_by: 'counter',
                },
                (id) => receiptNumber(id, now),
              );
            },
          ]
        : [],
  };
};
