import { useEffect, useState } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { api, settle, type PaymentReturn, type Problem } from '../api/client';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatVnd } from '../lib/format';
import { usePageTitle } from '../lib/page';

/** How long the page waits for the gateway's callback to settle a payment the gateway said was made. */
const WAIT_MS = 30_000;
const POLL_MS = 2_000;

/**
 * /thanh-toan/ket-qua: where the gateway sends the citizen's browser back. The page shows what our records say of
 * the payment its signed parameters name — never what the parameters claim — and, while the gateway's
 * server-to-server callback is still on its way, asks again for half a minute.
 */
export default function PaymentReturnPage() {
  const { t } = useTranslation();
  usePageTitle(t('paymentReturn.title'));
  const { search } = useLocation();
  const [state, setState] = useState<{ data?: PaymentReturn; problem?: Problem }>({});
  useEffect(() => {
    let stopped = false;
    const started = Date.now();
    const query = Object.fromEntries(new URLSearchParams(search));
    const ask = async () => {
      const r = await settle(api.GET('/public/payments/return', { params: { query } }));
      if (stopped) return;
      if (!r.ok) return setState({ problem: r.problem });
      setState({ data: r.data });
      if (r.data.status === 'pending' && r.data.gatewaySaysPaid && Date.now() - started < WAIT_MS) setTimeout(() => void ask(), POLL_MS);
    };
    void ask();
    return () => {
      stopped = true;
    };
  }, [search]);
  const d = state.data;
  const tracking = d ? new URL(d.trackingUrl) : null;
  return (
    <div className="container page narrow">
      <PageHeading>{t('paymentReturn.title')}</PageHeading>
      {state.problem && <ProblemAlert problem={state.problem} />}
      {!d && !state.problem && <Loading />}
      {d && (
        <section className="card" aria-live="polite" data-testid="payment-result">
          <p className={`notice ${d.status === 'paid' ? 'notice-green' : d.status === 'pending' ? 'notice-amber' : ''}`}>
            {d.status === 'paid'
              ? t('paymentReturn.paid', { amount: formatVnd(d.amountVnd), code: d.dossierCode })
              : d.status === 'pending' && d.gatewaySaysPaid
                ? t('paymentReturn.confirming')
                : d.status === 'pending' || d.status === 'failed'
                  ? t('paymentReturn.notPaid')
                  : t(`payment.status.${d.status}`)}
          </p>
          {d.receiptNo && <p>{t('paymentReturn.receipt', { no: d.receiptNo })}</p>}
          {tracking && (
            <p>
              <Link to={{ pathname: tracking.pathname, hash: tracking.hash }}>{t('paymentReturn.back', { code: d.dossierCode })}</Link>
            </p>
          )}
        </section>
      )}
    </div>
  );
}
