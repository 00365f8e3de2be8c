import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applicant, createHarness, newIdNumber, type Harness } from './harness.js';
import { createGateway, signParams, type PaymentGateway } from '../src/payments/gateway.client.js';
import { startPaymentsSimulator, type PaymentsSimulator } from '../src/simulators/payments.simulator.js';

// Fees and online payment end to end: the dossier's fee lines, a payment request, the citizen paying from the
// tracking page through the gateway's simulator, the signed IPN settling it once (replays, forgeries, wrong
// amounts and unknown references changing nothing), the return page, the e-receipt, counter payments, refunds when
// processing stops or a dossier is paid twice, and the daily reconciliation that settles a payment whose IPN was lost.

const TMN = 'MOTCUA01';
const SECRET = 'PAYMENTS-SPEC-SECRET-0123456789AB';
let h: Harness;
let sim: PaymentsSimulator;
let gateway: PaymentGateway;
let ipnUrl: string;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

beforeAll(async () => {
  sim = await startPaymentsSimulator({ faults: { ipnRetryBaseMs: 20 }, seed: 11 });
  gateway = createGateway({
    baseUrl: sim.url,
    tmnCode: TMN,
    hashSecret: SECRET,
    returnUrl: 'http://127.0.0.1/thanh-toan/ket-qua',
    timeoutMs: 2_000,
  });
  // The gateway checks expiry against the real time: the app's clock starts now.
  h = await createHarness(new Date().toISOString(), { payments: gateway });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  ipnUrl = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}/payments/gateway/ipn`;
  sim.addMerchant({ tmnCode: TMN, hashSecret: SECRET, ipnUrl });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  h.clock.set(new Date().toISOString());
  sim.addMerchant({ tmnCode: TMN, hashSecret: SECRET, ipnUrl });
});

async function act(user: string, code: string, action: string, body: object) {
  const r = await h.app.inject({ method: 'POST', url: `/dossiers/${code}/${action}`, headers: auth(await h.token(user)), payload: body });
  return r;
}

/** A dossier of 2.000815 (2,000 VND at receipt) received at Xã Hai and forwarded to its committee: processing. */
async function processing() {
  const clerk = await h.api('clerk.hai');
  const sha = await h.upload(await h.token('clerk.hai'), 'scan');
  const i = await clerk.POST('/dossiers', {
    body: {
      procedureCode: '2.000815',
      applicant: applicant('14002', { idNumber: newIdNumber() }),
      components: [{ code: 'BC', source: 'upload', fileSha256: sha }],
    },
  });
  expect(i.response.status, JSON.stringify(i.error)).toBe(201);
  const f = await act('clerk.hai', i.data!.code, 'forward', { version: i.data!.version });
  expect(f.statusCode, f.body).toBe(200);
  const row = await h.database.db
    .selectFrom('dossiers')
    .select(['id', 'tracking_token'])
    .where('code', '=', i.data!.code)
    .executeTakeFirstOrThrow();
  return { code: i.data!.code, version: f.json().version as number, id: row.id, token: row.tracking_token };
}

/** The dossier waiting for payment: the specialist asks for it, with `fees` assessed on top. */
async function awaitingPayment(fees: object[] = []) {
  const d = await processing();
  const r = await act('spec.hai', d.code, 'request-payment', { version: d.version, ...(fees.length ? { fees } : {}) });
  expect(r.statusCode, r.body).toBe(200);
  return { ...d, version: r.json().version as number };
}

const track = async (code: string, token: string) =>
  (await h.app.inject({ method: 'GET', url: `/public/dossiers/${code}?token=${token}` })).json();
const start = (code: string, token: string) =>
  h.app.inject({ method: 'POST', url: `/public/dossiers/${code}/payments`, payload: { token, locale: 'vn' } });
const paymentRow = (ref: string) => h.database.db.selectFrom('payments').selectAll().where('txn_ref', '=', ref).executeTakeFirstOrThrow();
const dossierRow = (id: number) => h.database.db.selectFrom('dossiers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const eventsOf = (id: number) =>
  h.database.db.selectFrom('dossier_events').selectAll().where('dossier_id', '=', id).orderBy('seq').execute();

/** Pays at the simulator as the citizen's browser would, and waits for its IPN to be answered. */
async function payAtGateway(payUrl: string, outcome: 'success' | 'cancel' = 'success') {
  const r = await fetch(`${sim.url}/_sim/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ paymentUrl: payUrl, outcome }),
  });
  expect(r.status).toBe(200);
  await sim.idle();
  return (await r.json()) as { redirectUrl: string; transactionNo: string };
}

/** What a replay must not change: the rows of everything a settlement writes. */
async function snapshot(dossierId: number) {
  const db = h.database.db;
  return {
    dossier: await dossierRow(dossierId),
    payments: await db.selectFrom('payments').selectAll().where('dossier_id', '=', dossierId).orderBy('id').execute(),
    events: (await eventsOf(dossierId)).length,
    audit: Number(
      (
        await db
          .selectFrom('audit_log')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  };
}

describe('fee lines', () => {
  it('writes the procedure’s fees at receipt, adds the amounts assessed at the payment request, and shows both on the tracking page', async () => {
    const d = await processing();
    const lines = await h.database.db.selectFrom('dossier_fees').selectAll().where('dossier_id', '=', d.id).execute();
    expect(lines.map((l) => [l.stage, l.name_vi, Number(l.amount_vnd)])).toEqual([['receipt', 'Phí chứng thực', 2000]]);
    expect((await track(d.code, d.token)).payment).toEqual({
      totalVnd: 2000,
      paidVnd: 0,
      dueVnd: 2000,
      payableOnline: false,
      fees: [expect.objectContaining({ amountVnd: 2000 })],
      payments: [],
    });
    const r = await act('spec.hai', d.code, 'request-payment', {
      version: d.version,
      fees: [{ nameVi: 'Lệ phí cấp bản sao', amountVnd: 48000 }],
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ status: 'awaiting_payment', feeTotalVnd: 50000 });
    const ev = (await eventsOf(d.id)).at(-1)!;
    expect(ev.action).toBe('request_payment');
    expect(typeof ev.data === 'string' ? JSON.parse(ev.data) : ev.data).toEqual({
      amountVnd: 50000,
      assessed: [{ nameVi: 'Lệ phí cấp bản sao', amountVnd: 48000 }],
    });
    // The citizen is told by SMS: the event's notice, queued in the action's statement and made by the notice worker.
    await h.services.notices.expand();
    const sms = await h.database.db
      .selectFrom('notifications')
      .selectAll()
      .where('ref', '=', `dossier:${d.code}`)
      .where('kind', '=', 'dossier.payment')
      .execute();
    const phone = (await dossierRow(d.id)).applicant_phone;
    expect(sms.map((m) => [m.channel, m.recipient, m.body])).toEqual([
      [
        'sms',
        phone,
        `Hồ sơ ${d.code} cần nộp 50.000 đồng phí, lệ phí. Thanh toán trực tuyến: http://localhost:3000/tra-cuu/${d.code}#${d.token} hoặc tại Trung tâm Phục vụ hành chính công Xã Hai.`,
      ],
    ]);
    const page = await track(d.code, d.token);
    expect(page.payment).toMatchObject({ totalVnd: 50000, paidVnd: 0, dueVnd: 50000, payableOnline: true });
    expect(page.payment.fees.map((f: { stage: string; amountVnd: number }) => [f.stage, f.amountVnd])).toEqual([
      ['receipt', 2000],
      ['processing', 48000],
    ]);
  });

  it('refuses a payment request with bad amounts, and one when nothing is owed, writing nothing', async () => {
    const d = await processing();
    for (const fees of [
      [{ nameVi: 'x', amountVnd: 0 }],
      [{ nameVi: 'x', amountVnd: 1.5 }],
      [{ nameVi: '', amountVnd: 10 }],
      [{ nameVi: 'x', amountVnd: '10' }],
    ]) {
      const r = await act('spec.hai', d.code, 'request-payment', { version: d.version, fees });
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ code: 'VALIDATION' });
    }
    expect(await h.database.db.selectFrom('dossier_fees').select('id').where('dossier_id', '=', d.id).execute()).toHaveLength(1);
    // Paid at the counter already, then asked again with nothing new: refused.
    const w = await act('spec.hai', d.code, 'request-payment', { version: d.version });
    const p = await act('clerk.hai', d.code, 'payment-received', { version: w.json().version });
    expect(p.statusCode, p.body).toBe(200);
    const again = await act('spec.hai', d.code, 'request-payment', { version: p.json().version });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ code: 'VALIDATION', field: 'body.fees' });
  });
});

describe('paying online', () => {
  it('pays from the tracking page: one attempt for two clicks, settled by the IPN alone, the dossier back to processing', async () => {
    const d = await awaitingPayment();
    const first = await start(d.code, d.token);
    expect(first.statusCode, first.body).toBe(201);
    const attempt = first.json();
    expect(attempt).toMatchObject({ amountVnd: 2000, txnRef: expect.stringMatching(/^TT\d{10}-[0-9A-F]{12}$/) });
    expect(attempt.payUrl.startsWith(`${sim.url}/paymentv2/vpcpay.html?`)).toBe(true);
    expect(new URL(attempt.payUrl).searchParams.get('vnp_Amount')).toBe('200000');
    expect((await start(d.code, d.token)).json().txnRef).toBe(attempt.txnRef);
    expect(await h.database.db.selectFrom('payments').select('id').where('dossier_id', '=', d.id).execute()).toHaveLength(1);

    // The browser's return alone changes nothing: only the IPN does (it is sent by the gateway, and has arrived
    // by the time payAtGateway returns).
    const paid = await payAtGateway(attempt.payUrl);
    const p = await paymentRow(attempt.txnRef);
    expect(p).toMatchObject({ status: 'paid', settled_by: 'ipn', transaction_no: paid.transactionNo, response_code: '00' });
    expect(p.receipt_no).toMatch(/^BL\d{2}E-\d{7}$/);
    const dossier = await dossierRow(d.id);
    expect(dossier).toMatchObject({ status: 'processing', portal_status: 4, paid_online: true });
    const ev = (await eventsOf(d.id)).at(-1)!;
    expect(ev).toMatchObject({
      action: 'payment_received',
      from_status: 'awaiting_payment',
      to_status: 'processing',
      actor_kind: 'system',
      actor_id: null,
    });
    expect(typeof ev.data === 'string' ? JSON.parse(ev.data) : ev.data).toEqual({
      txnRef: attempt.txnRef,
      amountVnd: 2000,
      method: 'online',
      receiptNo: p.receipt_no,
    });
    const cbs = await h.database.db.selectFrom('payment_callbacks').selectAll().where('txn_ref', '=', attempt.txnRef).execute();
    expect(cbs.map((c) => [c.valid, c.rsp_code, c.applied])).toEqual([[true, '00', 'paid']]);
    const sync = await h.database.db.selectFrom('portal_sync').selectAll().where('dossier_id', '=', d.id).executeTakeFirstOrThrow();
    expect(sync.pending_seq).toBe(dossier.event_seq);
    expect((await track(d.code, d.token)).payment).toMatchObject({
      paidVnd: 2000,
      dueVnd: 0,
      payableOnline: false,
      payments: [{ txnRef: attempt.txnRef, status: 'paid', receiptNo: p.receipt_no }],
    });

    // The return page reads our record (paid) from the signed redirect; a forged redirect names nothing.
    const back = new URL(paid.redirectUrl);
    const ret = await h.app.inject({ method: 'GET', url: `/public/payments/return${back.search}` });
    expect(ret.statusCode, ret.body).toBe(200);
    expect(ret.json()).toMatchObject({
      txnRef: attempt.txnRef,
      dossierCode: d.code,
      status: 'paid',
      gatewaySaysPaid: true,
      receiptNo: p.receipt_no,
    });
    expect(ret.json().trackingUrl).toContain(`/tra-cuu/${d.code}#${d.token}`);
    const forged = new URLSearchParams(back.search);
    forged.set('vnp_Amount', '100');
    expect((await h.app.inject({ method: 'GET', url: `/public/payments/return?${forged}` })).statusCode).toBe(404);
  });

  it('applies an IPN once: 1,000-fold replays answer 02, forged and wrong ones 97, 01 and 04, and none changes a row', async () => {
    const d = await awaitingPayment();
    const attempt = (await start(d.code, d.token)).json();
    await payAtGateway(attempt.payUrl);
    const cb = await h.database.db
      .selectFrom('payment_callbacks')
      .select(['params'])
      .where('txn_ref', '=', attempt.txnRef)
      .executeTakeFirstOrThrow();
    const params = (typeof cb.params === 'string' ? JSON.parse(cb.params) : cb.params) as Record<string, string>;
    const before = await snapshot(d.id);
    const ipn = (q: Record<string, string>) => h.app.inject({ method: 'GET', url: `/payments/gateway/ipn?${new URLSearchParams(q)}` });
    for (let i = 0; i < 20; i++) {
      const r = await ipn(params);
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ RspCode: '02', Message: expect.any(String) });
    }
    const resign = (q: Record<string, string>) => ({ ...q, vnp_SecureHash: signParams(q, SECRET) });
    const { vnp_SecureHash: _hash, vnp_SecureHashType: _type, ...unsigned } = params;
    const cases: [Record<string, string>, string][] = [
      [{ ...params, vnp_Amount: '100' }, '97'],
      [{ ...params, vnp_SecureHash: '0'.repeat(128) }, '97'],
      [resign({ ...unsigned, vnp_Amount: '100' }), '04'],
      [resign({ ...unsigned, vnp_TxnRef: 'TT0000000000-AAAAAAAAAAAA' }), '01'],
    ];
    for (const [q, code] of cases) {
      const r = await ipn(q);
      expect(r.statusCode).toBe(200);
      expect(r.json().RspCode).toBe(code);
    }
    expect(await snapshot(d.id)).toEqual(before);
    const answers = await h.database.db
      .selectFrom('payment_callbacks')
      .select(['rsp_code', 'applied'])
      .where('txn_ref', '=', attempt.txnRef)
      .orderBy('id')
      .execute();
    expect(answers.filter((a) => a.applied !== null)).toHaveLength(1);
  });

  it('refuses a callback whose signature was corrupted on the way, and takes the gateway’s retry', async () => {
    const d = await awaitingPayment();
    const attempt = (await start(d.code, d.token)).json();
    sim.faults.badSignatureRate = 1;
    try {
      await payAtGateway(attempt.payUrl);
    } finally {
      sim.faults.badSignatureRate = 0;
    }
    const cbs = await h.database.db
      .selectFrom('payment_callbacks')
      .selectAll()
      .where('txn_ref', '=', attempt.txnRef)
      .orderBy('id')
      .execute();
    expect(cbs.map((c) => [c.valid, c.rsp_code, c.applied])).toEqual([
      [false, '97', null],
      [true, '00', 'paid'],
    ]);
    expect(await paymentRow(attempt.txnRef)).toMatchObject({ status: 'paid', settled_by: 'ipn' });
    expect(sim.payment(attempt.txnRef, TMN)?.ipn).toMatchObject({ attempts: 2, acked: true });
  });

  it('refuses malformed IPN calls with 400 and records nothing', async () => {
    const n = await h.count('payment_callbacks');
    for (const url of ['/payments/gateway/ipn?evil=1', `/payments/gateway/ipn?vnp_TxnRef=${'x'.repeat(600)}`]) {
      const r = await h.app.inject({ method: 'GET', url });
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ code: 'VALIDATION' });
    }
    expect(await h.count('payment_callbacks')).toBe(n);
  });

  it('keeps a declined attempt as failed, the dossier still waiting, and lets the citizen try again', async () => {
    const d = await awaitingPayment();
    const attempt = (await start(d.code, d.token)).json();
    await payAtGateway(attempt.payUrl, 'cancel');
    expect(await paymentRow(attempt.txnRef)).toMatchObject({ status: 'failed', response_code: '24', paid_at: null });
    expect(await dossierRow(d.id)).toMatchObject({ status: 'awaiting_payment', paid_online: false });
    const again = (await start(d.code, d.token)).json();
    expect(again.txnRef).not.toBe(attempt.txnRef);
  });

  it('takes a late failure of an expired attempt after a newer one paid: the old one failed, the payment and the dossier unchanged', async () => {
    const d = await awaitingPayment();
    const old = (await start(d.code, d.token)).json();
    // The citizen leaves the first attempt at the gateway; after its validity, the tracking page starts another.
    h.clock.set(new Date(Date.now() + 16 * 60_000).toISOString());
    const fresh = (await start(d.code, d.token)).json();
    expect(fresh.txnRef).not.toBe(old.txnRef);
    await payAtGateway(fresh.payUrl);
    const paid = await snapshot(d.id);
    expect(paid.dossier).toMatchObject({ status: 'processing', paid_online: true });

    // Now the gateway reports the abandoned first attempt as cancelled.
    await payAtGateway(old.payUrl, 'cancel');
    expect(await paymentRow(old.txnRef)).toMatchObject({ status: 'failed', response_code: '24', paid_at: null, settled_by: 'ipn' });
    expect(await paymentRow(fresh.txnRef)).toMatchObject({ status: 'paid', response_code: '00' });
    const after = await snapshot(d.id);
    expect(after.dossier).toEqual(paid.dossier);
    expect(after.events).toBe(paid.events);
    // Nothing refunded: the first attempt took no money.
    expect(after.payments.map((p) => [p.txn_ref, p.status])).toEqual([
      [old.txnRef, 'failed'],
      [fresh.txnRef, 'paid'],
    ]);
    expect((await track(d.code, d.token)).payment).toMatchObject({ paidVnd: 2000, dueVnd: 0 });
  });

  it('answers 404 to a wrong token and 409 when the dossier does not await payment', async () => {
    const d = await processing();
    expect((await start(d.code, 'ABCDEFGHJKMN')).statusCode).toBe(404);
    const r = await start(d.code, d.token);
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'INVALID_TRANSITION' });
    expect(await h.database.db.selectFrom('payments').select('id').where('dossier_id', '=', d.id).execute()).toEqual([]);
  });
});

describe('e-receipts', () => {
  it('prints the receipt of a paid payment for the citizen and the staff, and none for another dossier or an unpaid attempt', async () => {
    const d = await awaitingPayment();
    const attempt = (await start(d.code, d.token)).json();
    const early = await h.app.inject({
      method: 'GET',
      url: `/public/dossiers/${d.code}/payments/${attempt.txnRef}/receipt.pdf?token=${d.token}`,
    });
    expect(early.statusCode).toBe(409);
    await payAtGateway(attempt.payUrl);
    const pub = await h.app.inject({
      method: 'GET',
      url: `/public/dossiers/${d.code}/payments/${attempt.txnRef}/receipt.pdf?token=${d.token}`,
    });
    expect(pub.statusCode).toBe(200);
    expect(pub.headers['content-type']).toBe('application/pdf');
    expect(pub.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const { receipt_no } = await paymentRow(attempt.txnRef);
    expect(pub.headers['content-disposition']).toBe(`inline; filename="bien-lai-${receipt_no}.pdf"`);
    const staff = await h.app.inject({
      method: 'GET',
      url: `/dossiers/${d.code}/payments/${attempt.txnRef}/receipt.pdf`,
      headers: auth(await h.token('clerk.hai')),
    });
    expect(staff.statusCode).toBe(200);
    const other = await processing();
    const cross = await h.app.inject({
      method: 'GET',
      url: `/public/dossiers/${other.code}/payments/${attempt.txnRef}/receipt.pdf?token=${other.token}`,
    });
    expect(cross.statusCode).toBe(404);
    // A clerk of another point does not see the dossier.
    const outside = await h.app.inject({
      method: 'GET',
      url: `/dossiers/${d.code}/payments`,
      headers: auth(await h.token('clerk.branch')),
    });
    expect(outside.statusCode).toBe(404);
  });
});

describe('refunds', () => {
  it('refunds an online payment when processing stops, through the gateway', async () => {
    const d = await awaitingPayment();
    const attempt = (await start(d.code, d.token)).json();
    await payAtGateway(attempt.payUrl);
    const stop = await act('appr.hai', d.code, 'stop', { version: (await dossierRow(d.id)).version, note: 'Hồ sơ không đủ điều kiện' });
    expect(stop.statusCode, stop.body).toBe(200);
    expect(await paymentRow(attempt.txnRef)).toMatchObject({ status: 'refund_pending', refund_amount_vnd: 2000 });
    const r = await h.services.payments.refundDue();
    expect(r).toEqual({ refunded: 1, failed: 0, unavailable: null });
    const p = await paymentRow(attempt.txnRef);
    expect(p).toMatchObject({ status: 'refunded', refund_error: null });
    expect(p.refund_transaction_no).toBeTruthy();
    expect(sim.payment(attempt.txnRef, TMN)).toMatchObject({ refundedVnd: 2000, transactionType: '02' });
    expect(await h.services.payments.refundDue()).toEqual({ refunded: 0, failed: 0, unavailable: null });
  });

  it('keeps a refund pending while the gateway is away, with the reason, and makes it once the gateway is back', async () => {
    const d = await awaitingPayment();
    const attempt = (await start(d.code, d.token)).json();
    await payAtGateway(attempt.payUrl);
    await act('appr.hai', d.code, 'stop', { version: (await dossierRow(d.id)).version, note: 'Dừng' });
    await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ downForMs: 60_000 }),
    });
    const away = await h.services.payments.refundDue();
    expect(away.refunded).toBe(0);
    expect(away.unavailable).toMatch(/HTTP 503/);
    const p = await paymentRow(attempt.txnRef);
    expect(p).toMatchObject({ status: 'refund_pending', refund_attempts: 1 });
    expect(p.refund_error).toMatch(/^gateway_unavailable/);
    await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ downForMs: 0 }),
    });
    h.clock.set(new Date(Date.now() + 61_000).toISOString());
    expect((await h.services.payments.refundDue()).refunded).toBeGreaterThanOrEqual(1);
    expect(await paymentRow(attempt.txnRef)).toMatchObject({ status: 'refunded', refund_attempts: 2 });
  });

  it('refunds a payment that arrives when nothing is owed any more (paid at the counter meanwhile)', async () => {
    const d = await awaitingPayment();
    const attempt = (await start(d.code, d.token)).json();
    const counter = await act('clerk.hai', d.code, 'payment-received', { version: d.version });
    expect(counter.statusCode, counter.body).toBe(200);
    const counterPay = await h.database.db
      .selectFrom('payments')
      .selectAll()
      .where('dossier_id', '=', d.id)
      .where('method', '=', 'counter')
      .executeTakeFirstOrThrow();
    expect(counterPay).toMatchObject({ status: 'paid', settled_by: 'counter', amount_vnd: 2000 });
    expect(counterPay.receipt_no).toMatch(/^BL\d{2}E-\d{7}$/);
    await payAtGateway(attempt.payUrl);
    expect(await paymentRow(attempt.txnRef)).toMatchObject({ status: 'refund_pending', refund_amount_vnd: 2000 });
    expect(await dossierRow(d.id)).toMatchObject({ status: 'processing', paid_online: false });
    expect((await h.services.payments.refundDue()).refunded).toBeGreaterThanOrEqual(1);
    expect(await paymentRow(attempt.txnRef)).toMatchObject({ status: 'refunded' });
  });

  it('has the clerk record a counter refund, and nobody else', async () => {
    const d = await awaitingPayment();
    const paid = await act('clerk.hai', d.code, 'payment-received', { version: d.version });
    await act('appr.hai', d.code, 'stop', { version: paid.json().version, note: 'Dừng' });
    const p = await h.database.db.selectFrom('payments').selectAll().where('dossier_id', '=', d.id).executeTakeFirstOrThrow();
    expect(p).toMatchObject({ status: 'refund_pending', refund_next_at: null });
    const url = `/payments/${p.txn_ref}/refunded`;
    expect((await h.app.inject({ method: 'POST', url, headers: auth(await h.token('spec.hai')) })).json()).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect((await h.app.inject({ method: 'POST', url, headers: auth(await h.token('clerk.branch')) })).json()).toMatchObject({
      code: 'OUT_OF_SCOPE',
    });
    expect((await h.app.inject({ method: 'POST', url })).statusCode).toBe(401);
    const ok = await h.app.inject({ method: 'POST', url, headers: auth(await h.token('clerk.hai')) });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ txnRef: p.txn_ref, status: 'refunded' });
    const twice = await h.app.inject({ method: 'POST', url, headers: auth(await h.token('clerk.hai')) });
    expect(twice.json()).toMatchObject({ code: 'CONFLICT' });
  });
});

describe('the daily reconciliation', () => {
  it('settles a payment whose IPN never came, lists nothing else, and is for managers only', async () => {
    sim.addMerchant({ tmnCode: TMN, hashSecret: SECRET });
    const d = await awaitingPayment();
    const attempt = (await start(d.code, d.token)).json();
    await payAtGateway(attempt.payUrl);
    expect(await paymentRow(attempt.txnRef)).toMatchObject({ status: 'pending' });
    const day = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    const clerk = await h.app.inject({
      method: 'POST',
      url: '/payments/reconciliations',
      headers: auth(await h.token('clerk.hai')),
      payload: { day },
    });
    expect(clerk.json()).toMatchObject({ code: 'FORBIDDEN' });
    const r = await h.app.inject({
      method: 'POST',
      url: '/payments/reconciliations',
      headers: auth(await h.token('manager.center')),
      payload: { day },
    });
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body.corrected).toBeGreaterThanOrEqual(1);
    expect(body.mismatches).toEqual([]);
    expect(body.checked).toBe(body.matched + body.corrected);
    expect(await paymentRow(attempt.txnRef)).toMatchObject({ status: 'paid', settled_by: 'query' });
    expect(await dossierRow(d.id)).toMatchObject({ status: 'processing', paid_online: true });
    const again = await h.app.inject({
      method: 'POST',
      url: '/payments/reconciliations',
      headers: auth(await h.token('manager.center')),
      payload: { day },
    });
    expect(again.json()).toMatchObject({ corrected: 0, mismatches: [] });
    const list = await h.app.inject({
      method: 'GET',
      url: `/payments/reconciliations?from=${day}&to=${day}`,
      headers: auth(await h.token('manager.center')),
    });
    expect(list.json()).toEqual([expect.objectContaining({ day, corrected: 0, checked: again.json().checked })]);
  });
});

describe('indicator 3.6, dossiers paid online', () => {
  it('counts a decided dossier whose fees were paid online for it, and one paid at the counter against it', async () => {
    const decide = async (d: { code: string; id: number }) => {
      const f = await act('spec.hai', d.code, 'forward', { version: (await dossierRow(d.id)).version });
      expect(f.statusCode, f.body).toBe(200);
      const sha = await h.upload(await h.token('appr.hai'), 'result');
      const r = await act('appr.hai', d.code, 'result', { version: f.json().version, resultFileSha256: sha });
      expect(r.statusCode, r.body).toBe(200);
    };
    const day = new Date(h.clock.now.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
    const score = async () => {
      await h.services.kpi.catchUp();
      const r = await h.app.inject({
        method: 'GET',
        url: `/kpi/scorecard?from=${day}&to=${day}&unitId=${h.unit('X-HAI-TT')}`,
        headers: auth(await h.token('admin')),
      });
      return (r.json().indicators as { id: string; numerator: number; denominator: number }[]).find((i) => i.id === '3.6')!;
    };
    const before = await score();
    const online = await awaitingPayment();
    await payAtGateway((await start(online.code, online.token)).json().payUrl);
    await decide(online);
    const counter = await awaitingPayment();
    const paid = await act('clerk.hai', counter.code, 'payment-received', { version: counter.version });
    expect(paid.statusCode, paid.body).toBe(200);
    await decide(counter);
    const after = await score();
    expect([after.numerator - before.numerator, after.denominator - before.denominator]).toEqual([1, 2]);
  });
});

describe('without a gateway', () => {
  it('refuses online payment with 409 and still takes payment at the counter', async () => {
    const bare = await createHarness(new Date().toISOString());
    const clerk = await bare.api('clerk.hai');
    const i = await clerk.POST('/dossiers', {
      body: {
        procedureCode: '2.000815',
        applicant: applicant('14002', { idNumber: newIdNumber() }),
        components: [{ code: 'BC', source: 'upload', fileSha256: await bare.upload(await bare.token('clerk.hai'), 'scan') }],
      },
    });
    const post = async (user: string, action: string, body: object) =>
      (
        await bare.app.inject({
          method: 'POST',
          url: `/dossiers/${i.data!.code}/${action}`,
          headers: auth(await bare.token(user)),
          payload: body,
        })
      ).json();
    const f = await post('clerk.hai', 'forward', { version: i.data!.version });
    const w = await post('spec.hai', 'request-payment', { version: f.version });
    const row = await bare.database.db
      .selectFrom('dossiers')
      .select(['tracking_token'])
      .where('code', '=', i.data!.code)
      .executeTakeFirstOrThrow();
    const page = (await bare.app.inject({ method: 'GET', url: `/public/dossiers/${i.data!.code}?token=${row.tracking_token}` })).json();
    expect(page.payment).toMatchObject({ dueVnd: 2000, payableOnline: false });
    const r = await bare.app.inject({
      method: 'POST',
      url: `/public/dossiers/${i.data!.code}/payments`,
      payload: { token: row.tracking_token },
    });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'CONFLICT' });
    expect(await post('clerk.hai', 'payment-received', { version: w.version })).toMatchObject({ status: 'processing' });
  });
});
