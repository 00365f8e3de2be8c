import { DomainError } from '../../platform/errors.js';
import { balanceDue, type FeeLine } from '../../payments/payment.model.js';
import * as payments from '../fee.repository.js';
import type { ActionHandler } from './action.js';

/**
 * Require payment of the fees or taxes due (→ 6): the amounts assessed now (if any) join the dossier's fee lines,
 * and what is owed — the lines less what was paid — is what the citizen is asked for, online from the tracking
 * page or at the counter; the event's notice (src/notices/, kind payment) tells them. Nothing owed: nothing to ask.
 */
export const requestPayment: ActionHandler = async ({ dossier: d, input, actor, now, db }) => {
  const assessed: FeeLine[] = (input.fees ?? []).map((f) => ({
    stage: 'processing',
    nameVi: f.nameVi.trim(),
    nameEn: (f.nameEn ?? f.nameVi).trim(),
    amountVnd: f.amountVnd,
  }));
  const [lines, paid] = await Promise.all([payments.feeLinesOf(db, d.id), payments.paymentsOf(db, d.id)]);
  const added = assessed.reduce((s, f) => s + f.amountVnd, 0);
  const due = balanceDue(lines, paid) + added;
  if (due <= 0)
    throw new DomainError(
      'VALIDATION',
      'Hồ sơ không còn khoản nào phải nộp: ghi số tiền phải nộp (fees) / nothing is owed on this dossier: give the amounts assessed (fees)',
      { field: 'body.fees' },
    );
  return {
    patch: added ? { fee_total_vnd: Number(d.fee_total_vnd) + added } : {},
    eventData: {
      amountVnd: due,
      ...(assessed.length ? { assessed: assessed.map((f) => ({ nameVi: f.nameVi, amountVnd: f.amountVnd })) } : {}),
    },
    effects: [(trx) => payments.insertFeeLines(trx, d.id, assessed, now, actor.staffId)],
  };
};
