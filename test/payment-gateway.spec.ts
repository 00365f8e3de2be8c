import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  PaymentGatewayError,
  createGateway,
  ipnDecision,
  signParams,
  type PaymentGateway,
  type VerifiedCallback,
} from '../src/payments/gateway.client.js';
import { gatewayDate, parseGatewayDate, signPipe, QUERYDR_REQUEST_FIELDS } from '../src/payments/gateway.contract.js';
import { startPaymentsSimulator, type PaymentsSimulator } from '../src/simulators/payments.simulator.js';
import { startSimulatorProcess } from './sim-process.js';

// The payment gateway adapter against the simulator: signatures, the payment page, the return redirect and the IPN
// (with retries, duplicates and a late one), querydr, refunds, amounts refused before anything is sent, an outage.

const TMN = 'TESTTMN1';
const SECRET = 'TESTHASHSECRETFORTHESIMULATOR001';
const RETURN_URL = 'https://motcua.example/payments/return';

/** A tiny merchant: the IPN route our server must expose, with a switch to fail the next calls. */
interface TestMerchant {
  url: string;
  orders: Map<string, { amountVnd: number; settled: boolean; outcome?: 'paid' | 'failed' }>;
  calls: { query: Record<string, string>; verified: VerifiedCallback; answer: string }[];
  /** Answer RspCode 99 to this many next calls. */
  failNext: number;
  close(): Promise<void>;
}

let sim: PaymentsSimulator;
let merchant: TestMerchant;
let gateway: PaymentGateway;
let seq = 0;

async function startMerchant(verify: (q: Record<string, string>) => VerifiedCallback): Promise<TestMerchant> {
  const m: Omit<TestMerchant, 'url' | 'close'> = { orders: new Map(), calls: [], failNext: 0 };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://merchant');
    if (u.pathname !== '/ipn') return void res.writeHead(404).end();
    const query = Object.fromEntries(u.searchParams);
    const verified = verify(query);
    let answer: { RspCode: string; Message: string };
    if (m.failNext > 0) {
      m.failNext--;
      answer = { RspCode: '99', Message: 'Unknown error' };
    } else {
      const held = m.orders.get(verified.txnRef) ?? null;
      const d = ipnDecision(verified, held);
      if (d.apply && held) Object.assign(held, { settled: true, outcome: d.apply });
      answer = d.answer;
    }
    m.calls.push({ query, verified, answer: answer.RspCode });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return Object.assign(m, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  });
}

/** A payment request our side would make: registered with the merchant, its signed URL built. */
function newPayment(amountVnd: number, minutes = 15) {
  const txnRef = `H40.22-TEST-${process.pid}-${++seq}`;
  const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  const url = gateway.paymentUrl({
    txnRef,
    amountVnd,
    orderInfo: `Nộp lệ phí hồ sơ ${txnRef}`,
    ipAddr: '203.0.113.25',
    createdAt,
    expiresAt: new Date(createdAt.getTime() + minutes * 60_000),
  });
  merchant.orders.set(txnRef, { amountVnd, settled: false });
  return { txnRef, createdAt, url };
}

const callsFor = (txnRef: string) => merchant.calls.filter((c) => c.verified.txnRef === txnRef);
const queryOf = (location: string) => Object.fromEntries(new URL(location).searchParams);

async function simPay(body: Record<string, unknown>) {
  const r = await fetch(`${sim.url}/_sim/pay`, { method: 'POST', body: JSON.stringify(body) });
  return {
    status: r.status,
    body: (await r.json()) as { redirectUrl: string; responseCode: string; transactionNo: string; status: string },
  };
}

async function setFaults(f: Record<string, number>) {
  const r = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify(f) });
  expect(r.status).toBe(200);
}

function thrown(fn: () => unknown): PaymentGatewayError {
  try {
    fn();
  } catch (e) {
    return e as PaymentGatewayError;
  }
  throw new Error('did not throw');
}

beforeAll(async () => {
  // The merchant verifies with the gateway assigned below (read at each call).
  merchant = await startMerchant((q) => gateway.verifyCallback(q));
  sim = await startPaymentsSimulator({
    merchants: [{ tmnCode: TMN, hashSecret: SECRET, ipnUrl: `${merchant.url}/ipn` }],
    faults: { ipnRetryBaseMs: 20 },
    seed: 7,
  });
  gateway = createGateway({ baseUrl: sim.url, tmnCode: TMN, hashSecret: SECRET, returnUrl: RETURN_URL, timeoutMs: 2_000 });
});

afterAll(async () => {
  await sim?.close();
  await merchant?.close();
});

beforeEach(async () => {
  await setFaults({ downForMs: 0, duplicateIpnRate: 0, ipnDelayMs: 0, declineRate: 0, ipnMaxAttempts: 10 });
  merchant.failNext = 0;
});

describe('signing', () => {
  const params = {
    vnp_Version: '2.1.0',
    vnp_Command: 'pay',
    vnp_TmnCode: TMN,
    vnp_Amount: '5000000',
    vnp_CurrCode: 'VND',
    vnp_TxnRef: 'H40.22-250301-0001-P1',
    vnp_OrderInfo: 'Nop le phi ho so H40.22-250301-0001',
    vnp_OrderType: 'other',
    vnp_Locale: 'vn',
    vnp_ReturnUrl: RETURN_URL,
    vnp_IpAddr: '203.0.113.25',
    vnp_CreateDate: '20250301083000',
    vnp_ExpireDate: '20250301084500',
  };
  // Written by hand: sorted by name, values URL-encoded with spaces as "+".
  const signed =
    'vnp_Amount=5000000&vnp_Command=pay&vnp_CreateDate=20250301083000&vnp_CurrCode=VND&vnp_ExpireDate=20250301084500' +
    '&vnp_IpAddr=203.0.113.25&vnp_Locale=vn&vnp_OrderInfo=Nop+le+phi+ho+so+H40.22-250301-0001&vnp_OrderType=other' +
    '&vnp_ReturnUrl=https%3A%2F%2Fmotcua.example%2Fpayments%2Freturn&vnp_TmnCode=TESTTMN1&vnp_TxnRef=H40.22-250301-0001-P1&vnp_Version=2.1.0';
  const expected = crypto.createHmac('sha512', SECRET).update(signed, 'utf8').digest('hex');

  it('signs a known parameter set with the HMAC-SHA512 of its sorted, encoded query', () => {
    expect(expected).toMatch(/^[0-9a-f]{128}$/);
    expect(signParams(params, SECRET)).toBe(expected);
    // The hash itself and empty values are not signed.
    expect(signParams({ ...params, vnp_SecureHash: 'x', vnp_BankCode: '' }, SECRET)).toBe(expected);
  });

  it('builds the payment URL from our request: VND × 100, dates in UTC+7, diacritics taken out of the order info', () => {
    const g = createGateway({ baseUrl: 'https://pay.example', tmnCode: TMN, hashSecret: SECRET, returnUrl: RETURN_URL, timeoutMs: 1_000 });
    const url = g.paymentUrl({
      txnRef: 'H40.22-250301-0001-P1',
      amountVnd: 50_000,
      orderInfo: 'Nộp lệ phí hồ sơ H40.22-250301-0001',
      ipAddr: '203.0.113.25',
      createdAt: new Date('2025-03-01T01:30:00Z'),
      expiresAt: new Date('2025-03-01T01:45:00Z'),
    });
    expect(url).toBe(`https://pay.example/paymentv2/vpcpay.html?${signed}&vnp_SecureHash=${expected}`);
  });

  it('writes and reads dates as yyyyMMddHHmmss in Vietnam time', () => {
    expect(gatewayDate(new Date('2025-12-31T17:30:05Z'))).toBe('20260101003005');
    expect(parseGatewayDate('20260101003005')?.toISOString()).toBe('2025-12-31T17:30:05.000Z');
    expect(parseGatewayDate('20250230120000')).toBeNull();
  });

  it('signs merchant API bodies over the pipe-joined fields', () => {
    const body = {
      vnp_RequestId: 'abc123',
      vnp_Version: '2.1.0',
      vnp_Command: 'querydr',
      vnp_TmnCode: TMN,
      vnp_TxnRef: 'R1',
      vnp_TransactionDate: '20250301083000',
      vnp_CreateDate: '20250301090000',
      vnp_IpAddr: '127.0.0.1',
      vnp_OrderInfo: 'Truy van',
    };
    const data = 'abc123|2.1.0|querydr|TESTTMN1|R1|20250301083000|20250301090000|127.0.0.1|Truy van';
    expect(signPipe(body, QUERYDR_REQUEST_FIELDS, SECRET)).toBe(crypto.createHmac('sha512', SECRET).update(data).digest('hex'));
  });
});

describe('amounts', () => {
  const request = (amountVnd: number) => () =>
    gateway.paymentUrl({
      txnRef: 'R-AMOUNT',
      amountVnd,
      orderInfo: 'Le phi',
      ipAddr: '203.0.113.25',
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 60_000),
    });

  it('refuses 0, -5 and 1.5 VND before anything is sent, naming the rule', () => {
    const zero = thrown(request(0));
    expect(zero).toBeInstanceOf(PaymentGatewayError);
    expect(zero.code).toBe('invalid_amount');
    expect(zero.message).toBe('amountVnd must be greater than 0 VND (got 0)');
    const negative = thrown(request(-5));
    expect(negative.code).toBe('invalid_amount');
    expect(negative.message).toBe('amountVnd must be greater than 0 VND (got -5)');
    const fraction = thrown(request(1.5));
    expect(fraction.code).toBe('invalid_amount');
    expect(fraction.message).toBe('amountVnd must be a whole number of VND, without decimals (got 1.5)');
  });
});

describe('the payment page', () => {
  it('shows a Vietnamese payment page for a signed payment URL', async () => {
    const { url, txnRef } = newPayment(50_000);
    const r = await fetch(url);
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).toContain('Thanh toán');
    expect(html).toContain('Hủy giao dịch');
    expect(html).toContain('50.000 ₫');
    expect(html).toContain(txnRef);
    expect(sim.payment(txnRef)?.status).toBe('pending');
  });

  it('refuses a payment URL whose amount was tampered with', async () => {
    const { url, txnRef } = newPayment(50_000);
    const tampered = url.replace('vnp_Amount=5000000&', 'vnp_Amount=500000&');
    expect(tampered).not.toBe(url);
    const r = await fetch(tampered);
    expect(r.status).toBe(400);
    expect(r.headers.get('x-sim-error')).toBe('70');
    expect(await r.text()).toContain('Sai chữ ký');
    expect(sim.payment(txnRef)).toBeUndefined();
  });

  it('refuses an expired payment URL with the time-out page', async () => {
    const txnRef = `EXPIRED-${++seq}`;
    const url = gateway.paymentUrl({
      txnRef,
      amountVnd: 10_000,
      orderInfo: 'Le phi',
      ipAddr: '203.0.113.25',
      createdAt: new Date(Date.now() - 30 * 60_000),
      expiresAt: new Date(Date.now() - 60_000),
    });
    const r = await fetch(url);
    expect(r.status).toBe(400);
    expect(r.headers.get('x-sim-error')).toBe('15');
    expect(await r.text()).toContain('quá thời gian chờ thanh toán');
  });
});

describe('completing a payment', () => {
  let paid: { txnRef: string; createdAt: Date; transactionNo: string };

  it('redirects to the return URL and delivers a signed IPN with the exact amount in VND', async () => {
    const { url, txnRef, createdAt } = newPayment(50_000);
    const html = await (await fetch(url)).text();
    const sid = /name="sid" value="([^"]+)"/.exec(html)?.[1];
    expect(sid).toBeTruthy();
    const r = await fetch(`${sim.url}/paymentv2/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ sid: sid!, bankCode: 'NCB', action: 'pay' }).toString(),
      redirect: 'manual',
    });
    expect(r.status).toBe(302);
    const location = r.headers.get('location')!;
    expect(location.startsWith(`${RETURN_URL}?`)).toBe(true);
    const back = gateway.verifyCallback(queryOf(location));
    expect(back).toMatchObject({ valid: true, paid: true, txnRef, amountVnd: 50_000, bankCode: 'NCB', responseCode: '00' });

    await sim.idle();
    const calls = callsFor(txnRef);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.query.vnp_Amount).toBe('5000000');
    expect(calls[0]!.verified).toEqual({
      valid: true,
      txnRef,
      amountVnd: 50_000,
      paid: true,
      transactionNo: back.transactionNo,
      bankCode: 'NCB',
      paidAt: back.paidAt,
      responseCode: '00',
      transactionStatus: '00',
    });
    expect(calls[0]!.answer).toBe('00');
    expect(merchant.orders.get(txnRef)).toEqual({ amountVnd: 50_000, settled: true, outcome: 'paid' });
    expect(back.transactionNo).toMatch(/^\d{8}$/);
    paid = { txnRef, createdAt, transactionNo: back.transactionNo };

    // The same callback with one value changed no longer verifies.
    const ipn = calls[0]!.query;
    expect(gateway.verifyCallback({ ...ipn, vnp_Amount: '50000000' }).valid).toBe(false);
    expect(gateway.verifyCallback({ ...ipn, vnp_ResponseCode: '24' })).toMatchObject({ valid: false, paid: false });
    expect(
      gateway.verifyCallback({ ...ipn, vnp_SecureHash: ipn.vnp_SecureHash!.replace(/.$/, (c) => (c === '0' ? '1' : '0')) }).valid,
    ).toBe(false);
    expect(gateway.verifyCallback({ ...ipn, vnp_SecureHash: '' }).valid).toBe(false);
  });

  it('retries the IPN with backoff until the merchant answers 00', async () => {
    const before = sim.stats();
    merchant.failNext = 2;
    const { url, txnRef } = newPayment(120_000);
    const done = await simPay({ paymentUrl: url, outcome: 'success' });
    expect(done.status).toBe(200);
    expect(done.body.responseCode).toBe('00');
    await sim.idle();
    expect(callsFor(txnRef).map((c) => c.answer)).toEqual(['99', '99', '00']);
    const after = sim.stats();
    expect(after.ipnSent - before.ipnSent).toBe(3);
    expect(after.ipnRetries - before.ipnRetries).toBe(2);
    expect(after.ipnAcked - before.ipnAcked).toBe(1);
    expect(sim.payment(txnRef)?.ipn).toEqual({ attempts: 3, acked: true, gaveUp: false, duplicates: 0 });
  });

  it('gives up after the configured number of attempts', async () => {
    await setFaults({ ipnMaxAttempts: 3 });
    merchant.failNext = 5;
    const { url, txnRef } = newPayment(10_000);
    await simPay({ paymentUrl: url });
    await sim.idle();
    expect(callsFor(txnRef)).toHaveLength(3);
    expect(sim.payment(txnRef)?.ipn).toEqual({ attempts: 3, acked: false, gaveUp: true, duplicates: 0 });
    expect(merchant.orders.get(txnRef)?.settled).toBe(false);
  });

  it('sends the IPN twice when the duplicate switch is on, and the merchant confirms the second as already confirmed', async () => {
    await setFaults({ duplicateIpnRate: 1 });
    const before = sim.stats();
    const { url, txnRef } = newPayment(35_000);
    await simPay({ paymentUrl: url });
    await sim.idle();
    expect(callsFor(txnRef).map((c) => c.answer)).toEqual(['00', '02']);
    expect(callsFor(txnRef).every((c) => c.verified.valid && c.verified.amountVnd === 35_000)).toBe(true);
    expect(sim.stats().ipnDuplicates - before.ipnDuplicates).toBe(1);
  });

  it('sends a late IPN after the redirect when delayed', async () => {
    await setFaults({ ipnDelayMs: 150 });
    const { url, txnRef } = newPayment(15_000);
    const done = await simPay({ paymentUrl: url });
    expect(gateway.verifyCallback(queryOf(done.body.redirectUrl)).paid).toBe(true);
    expect(callsFor(txnRef)).toHaveLength(0);
    await sim.idle();
    expect(callsFor(txnRef)).toHaveLength(1);
  });

  it('reports a cancel and insufficient funds as not paid, by IPN as well', async () => {
    const cancel = newPayment(20_000);
    const c = await simPay({ paymentUrl: cancel.url, outcome: 'cancel' });
    expect(gateway.verifyCallback(queryOf(c.body.redirectUrl))).toMatchObject({
      valid: true,
      paid: false,
      responseCode: '24',
      transactionNo: '0',
    });
    const poor = newPayment(20_000);
    const p = await simPay({ paymentUrl: poor.url, outcome: 'insufficient' });
    expect(gateway.verifyCallback(queryOf(p.body.redirectUrl))).toMatchObject({
      valid: true,
      paid: false,
      responseCode: '51',
      transactionStatus: '02',
    });
    await sim.idle();
    expect(merchant.orders.get(cancel.txnRef)).toEqual({ amountVnd: 20_000, settled: true, outcome: 'failed' });
    expect(merchant.orders.get(poor.txnRef)).toEqual({ amountVnd: 20_000, settled: true, outcome: 'failed' });
    // Completed once: no second completion.
    expect((await simPay({ txnRef: cancel.txnRef, outcome: 'success' })).status).toBe(409);
  });

  it('declines "Thanh toán" clicks by the decline switch with 24 or 51', async () => {
    await setFaults({ declineRate: 1 });
    const { url } = newPayment(25_000);
    const sid = /name="sid" value="([^"]+)"/.exec(await (await fetch(url)).text())![1]!;
    const r = await fetch(`${sim.url}/paymentv2/complete`, {
      method: 'POST',
      body: new URLSearchParams({ sid, bankCode: 'VIETCOMBANK', action: 'pay' }),
      redirect: 'manual',
    });
    const back = gateway.verifyCallback(queryOf(r.headers.get('location')!));
    expect(back.valid).toBe(true);
    expect(back.paid).toBe(false);
    expect(['24', '51']).toContain(back.responseCode);
  });

  it('answers an IPN for an unknown order 01 and a wrong amount 04 (the IPN decision)', () => {
    const cb: VerifiedCallback = {
      valid: true,
      txnRef: 'X',
      amountVnd: 10_000,
      paid: true,
      transactionNo: '1',
      bankCode: 'NCB',
      paidAt: null,
      responseCode: '00',
      transactionStatus: '00',
    };
    expect(ipnDecision({ ...cb, valid: false }, null).answer.RspCode).toBe('97');
    expect(ipnDecision(cb, null).answer.RspCode).toBe('01');
    expect(ipnDecision(cb, { amountVnd: 10_001, settled: false }).answer.RspCode).toBe('04');
    expect(ipnDecision(cb, { amountVnd: 10_000, settled: true })).toEqual({
      answer: { RspCode: '02', Message: 'Order already confirmed' },
      apply: null,
    });
    expect(ipnDecision(cb, { amountVnd: 10_000, settled: false })).toEqual({
      answer: { RspCode: '00', Message: 'Confirm Success' },
      apply: 'paid',
    });
  });

  describe('querydr and refund', () => {
    it('querydr returns the paid status and the transaction number', async () => {
      const t = await gateway.query(paid.txnRef, paid.createdAt);
      expect(t).toEqual({
        txnRef: paid.txnRef,
        amountVnd: 50_000,
        state: 'paid',
        transactionNo: paid.transactionNo,
        transactionType: '01',
        transactionStatus: '00',
        bankCode: 'NCB',
        paidAt: expect.any(Date),
      });
      expect(await gateway.query('NO-SUCH-REF', paid.createdAt)).toBeNull();
    });

    it('refunds in full, after which querydr shows the payment refunded', async () => {
      const r = await gateway.refund({
        txnRef: paid.txnRef,
        amountVnd: 50_000,
        kind: 'full',
        transactionDate: paid.createdAt,
        transactionNo: paid.transactionNo,
        reason: 'Hoàn lệ phí do từ chối hồ sơ',
        createdBy: 'clerk.center',
      });
      expect(r).toEqual({
        txnRef: paid.txnRef,
        amountVnd: 50_000,
        transactionNo: paid.transactionNo,
        transactionType: '02',
        transactionStatus: '05',
      });
      const t = await gateway.query(paid.txnRef, paid.createdAt);
      expect(t).toMatchObject({ state: 'refunded', transactionType: '02', transactionStatus: '06', amountVnd: 50_000 });
      expect(sim.payment(paid.txnRef)?.refundedVnd).toBe(50_000);
    });

    it('refuses a refund larger than the amount paid, refunding nothing', async () => {
      const { url, txnRef, createdAt } = newPayment(30_000);
      await simPay({ paymentUrl: url });
      const e = await gateway
        .refund({
          txnRef,
          amountVnd: 30_001,
          kind: 'partial',
          transactionDate: createdAt,
          reason: 'Hoan mot phan',
          createdBy: 'clerk.center',
        })
        .then(
          () => null,
          (x: unknown) => x as PaymentGatewayError,
        );
      expect(e).toBeInstanceOf(PaymentGatewayError);
      expect(e?.code).toBe('gateway_refused');
      expect(e?.responseCode).toBe('03');
      expect((await gateway.query(txnRef, createdAt))?.state).toBe('paid');
      // A partial refund within the amount is taken.
      const part = await gateway.refund({
        txnRef,
        amountVnd: 10_000,
        kind: 'partial',
        transactionDate: createdAt,
        reason: 'Hoan',
        createdBy: 'clerk.center',
      });
      expect(part.transactionType).toBe('03');
      expect((await gateway.query(txnRef, createdAt))?.state).toBe('partially_refunded');
    });

    it('refuses to refund a payment that did not succeed (95) and a refund of 0 VND before sending', async () => {
      const { url, txnRef, createdAt } = newPayment(30_000);
      await simPay({ paymentUrl: url, outcome: 'cancel' });
      await expect(
        gateway.refund({ txnRef, amountVnd: 30_000, kind: 'full', transactionDate: createdAt, reason: 'Hoan', createdBy: 'clerk.center' }),
      ).rejects.toMatchObject({ code: 'gateway_refused', responseCode: '95' });
      await expect(
        gateway.refund({ txnRef, amountVnd: 0, kind: 'full', transactionDate: createdAt, reason: 'Hoan', createdBy: 'clerk.center' }),
      ).rejects.toMatchObject({ code: 'invalid_amount' });
    });

    it('refuses a merchant API request signed with another secret (97)', async () => {
      const other = createGateway({ baseUrl: sim.url, tmnCode: TMN, hashSecret: 'WRONG', returnUrl: RETURN_URL, timeoutMs: 2_000 });
      await expect(other.query(paid.txnRef, paid.createdAt)).rejects.toMatchObject({ code: 'gateway_refused', responseCode: '97' });
    });
  });
});

describe('outage', () => {
  it('raises gateway_unavailable while the gateway is down, and works again after', async () => {
    const { url, txnRef, createdAt } = newPayment(40_000);
    await setFaults({ downForMs: 60_000 });
    expect((await fetch(url)).status).toBe(503);
    const e = await gateway.query(txnRef, createdAt).then(
      () => null,
      (x: unknown) => x as PaymentGatewayError,
    );
    expect(e).toBeInstanceOf(PaymentGatewayError);
    expect(e?.code).toBe('gateway_unavailable');
    expect(e?.message).toBe('payment gateway answered HTTP 503');
    await setFaults({ downForMs: 0 });
    expect((await fetch(url)).status).toBe(200);
    expect((await gateway.query(txnRef, createdAt))?.state).toBe('pending');
  });

  it('raises gateway_unavailable when a success answer is not signed with our secret', async () => {
    const forger = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          vnp_ResponseCode: '00',
          vnp_TxnRef: 'R1',
          vnp_Amount: '100',
          vnp_TransactionStatus: '00',
          vnp_SecureHash: 'ab',
        }),
      ),
    );
    await new Promise<void>((r) => forger.listen(0, '127.0.0.1', () => r()));
    const { port } = forger.address() as AddressInfo;
    try {
      const g = createGateway({
        baseUrl: `http://127.0.0.1:${port}`,
        tmnCode: TMN,
        hashSecret: SECRET,
        returnUrl: RETURN_URL,
        timeoutMs: 2_000,
      });
      await expect(g.query('R1', new Date())).rejects.toMatchObject({
        code: 'gateway_unavailable',
        message: "payment gateway's querydr answer has an invalid signature",
      });
    } finally {
      forger.closeAllConnections();
      await new Promise<void>((r) => forger.close(() => r()));
    }
  });

  it('raises gateway_unavailable when nothing listens', async () => {
    const g = createGateway({ baseUrl: 'http://127.0.0.1:1', tmnCode: TMN, hashSecret: SECRET, returnUrl: RETURN_URL, timeoutMs: 500 });
    await expect(g.query('R1', new Date())).rejects.toMatchObject({ code: 'gateway_unavailable' });
  });
});

describe('the payments simulator as a process of its own', () => {
  it('starts with `motcua simulate payments`, shows the payment page of a signed request and refuses a forged one', async () => {
    const { url, child } = await startSimulatorProcess('payments', [
      '--tmn-code',
      'PROC0001',
      '--hash-secret',
      'PROCESSSECRET000000000000000000',
    ]);
    try {
      const g = createGateway({
        baseUrl: url,
        tmnCode: 'PROC0001',
        hashSecret: 'PROCESSSECRET000000000000000000',
        returnUrl: RETURN_URL,
        timeoutMs: 2_000,
      });
      const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000);
      const payUrl = g.paymentUrl({
        txnRef: 'PROCESS-1',
        amountVnd: 25_000,
        orderInfo: 'Nộp lệ phí hồ sơ PROCESS-1',
        ipAddr: '203.0.113.25',
        createdAt,
        expiresAt: new Date(createdAt.getTime() + 15 * 60_000),
      });
      const page = await fetch(payUrl);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('25.000');
      const forged = await fetch(payUrl.replace('vnp_Amount=2500000', 'vnp_Amount=100'));
      expect(forged.status).toBe(400);
      expect(await (await fetch(`${url}/_sim/stats`)).json()).toMatchObject({ payments: 1 });
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('refuses a bad option with a message naming it', async () => {
    await expect(startSimulatorProcess('payments', ['--decline-rate', '2'])).rejects.toThrow(/a share from 0 to 1/);
  });
});
