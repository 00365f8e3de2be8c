import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, settle, type PaymentSummary, type Problem } from '../api/client';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatDateTime, formatVnd } from '../lib/format';

type Secret = { token: string } | { phone: string };

/** The receipt's address on the API: the citizen's secret in the query, as the tracking look-up sends it. */
function receiptHref(code: string, txnRef: string, secret: Secret): string {
  const q = new URLSearchParams('token' in secret ? { token: secret.token } : { phone: secret.phone });
  return `/public/dossiers/${encodeURIComponent(code)}/payments/${encodeURIComponent(txnRef)}/receipt.pdf?${q}`;
}

/**
 * The fees of a dossier on its tracking page: the lines, what is paid and still owed, the online payment once the
 * agency asks for it (the browser goes to the gateway's page and comes back to /thanh-toan/ket-qua), and the
 * e-receipt of every payment.
 */
export function PaymentPanel({ code, payment: p, secret }: { code: string; payment: PaymentSummary; secret: Secret }) {
  const { t, i18n } = useTranslation();
  const en = i18n.language === 'en';
  const [problem, setProblem] = useState<Problem | null>(null);
  const [sending, setSending] = useState(false);
  if (p.totalVnd === 0 && p.payments.length === 0) return null;

  async function pay() {
    setSending(true);
    setProblem(null);
    const r = await settle(
      api.POST('/public/dossiers/{code}/payments', { params: { path: { code } }, body: { ...secret, locale: en ? 'en' : 'vn' } }),
    );
    if (r.ok) {
      window.location.assign(r.data.payUrl);
      return;
    }
    setSending(false);
    setProblem(r.problem);
  }

  return (
    <div className={`payment-panel${p.payableOnline ? ' notice notice-amber' : ''}`} data-testid="payment">
      <h3>{t('payment.title')}</h3>
      <table className="fee-lines">
        <caption className="visually-hidden">{t('payment.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('payment.line')}</th>
            <th scope="col" className="num">
              {t('payment.amount')}
            </th>
          </tr>
        </thead>
        <tbody>
          {p.fees.map((f, i) => (
            <tr key={i}>
              <td>{en ? f.nameEn : f.nameVi}</td>
              <td className="num">{formatVnd(f.amountVnd)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{t('payment.total')}</th>
            <td className="num">{formatVnd(p.totalVnd)}</td>
          </tr>
          <tr>
            <th scope="row">{t('payment.due')}</th>
            <td className="num" data-testid="payment-due">
              <strong>{formatVnd(p.dueVnd)}</strong>
            </td>
          </tr>
        </tfoot>
      </table>
      {p.payableOnline && (
        <>
          <p>{t('payment.asked')}</p>
          <button type="button" className="button button-primary" onClick={() => void pay()} disabled={sending} data-testid="pay-online">
            {sending ? t('common.sending') : t('payment.payOnline', { amount: formatVnd(p.dueVnd) })}
          </button>
          <p className="muted small">{t('payment.orCounter')}</p>
        </>
      )}
      {problem && <ProblemAlert problem={problem} />}
      {p.payments.length > 0 && (
        <ul className="payment-list">
          {p.payments.map((x) => (
            <li key={x.txnRef}>
              <span>
                {t(`payment.method.${x.method}`)} · {formatVnd(x.amountVnd)} · {t(`payment.status.${x.status}`)}
                {x.paidAt && <span className="muted"> · {formatDateTime(x.paidAt, i18n.language)}</span>}
              </span>
              {x.receiptNo && (
                <a href={receiptHref(code, x.txnRef, secret)} target="_blank" rel="noopener">
                  {t('payment.receipt', { no: x.receiptNo })}
                </a>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
