import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicant, createHarness, newIdNumber, type Harness } from './harness.js';
import { TEST_CATALOG } from './fixtures.js';
import { createGateway } from '../src/payments/gateway.client.js';
import { startPaymentsSimulator, type PaymentsSimulator } from '../src/simulators/payments.simulator.js';
import { handledProcedures, localDate, versionInForce } from '../src/kpi/kpi.model.js';
import { procedureSums, versionFlags } from '../src/kpi/kpi.repository.js';
import type { CatalogDocument, ProcedureVersionInput } from '../src/catalog/catalog.schema.js';

// Indicators 3.5, 3.5b and 4.5a: shares of the procedures a unit handled in a period (a dossier of theirs received
// there), judged by the catalog version in force: with fees and payable online (3.5), of those paid online at least
// once (3.5b: a dossier decided in the period, paid online, as 3.6 counts it), with a component from the National
// Population Database (4.5a).

const TMN = 'MOTCUA01';
const SECRET = 'KPI-PROCEDURES-SECRET-0123456789';
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

/** A commune-level certification procedure of the test province, with a fee at receipt. */
function certification(code: string, nameVi: string, over: Partial<ProcedureVersionInput>): CatalogDocument['procedures'][number] {
  const base = TEST_CATALOG.procedures.find((p) => p.code === '2.000815')!.versions[0]!;
  return { code, versions: [{ ...base, nameVi, nameEn: nameVi, ...over }] };
}

/**
 * The test catalog with 2.000815 payable online, and two more procedures with fees: 2.000884 (the catalog says
 * nothing of online payment, so it is not; it takes the ID card from the population database) and 2.000942 (payable
 * online). 1.001193 charges nothing; its version of 2025-07-01 takes the ID card from the population database, its
 * version of 2023 did not.
 */
const CATALOG: CatalogDocument = {
  ...TEST_CATALOG,
  procedures: [
    ...TEST_CATALOG.procedures.map((p) =>
      p.code === '2.000815' ? { ...p, versions: p.versions.map((v) => ({ ...v, onlinePayment: true })) } : p,
    ),
    certification('2.000884', 'Chứng thực chữ ký', {
      components: [
        { code: 'BC', nameVi: 'Giấy tờ cần chứng thực', nameEn: 'The paper', form: 'original', count: 1, required: true, supply: 'upload' },
        { code: 'CCCD', nameVi: 'Căn cước', nameEn: 'ID card', form: 'copy', count: 1, required: true, supply: 'population_db' },
      ],
      fees: [{ nameVi: 'Phí chứng thực chữ ký', nameEn: 'Fee', amountVnd: 10000 }],
    }),
    certification('2.000942', 'Chứng thực bản sao hợp đồng', { onlinePayment: true }),
  ],
};

describe('the procedure indicators 3.5, 3.5b and 4.5a', () => {
  let h: Harness;
  let sim: PaymentsSimulator;
  let today: string;

  const act = async (user: string, code: string, action: string, payload: Record<string, unknown> = {}) => {
    const t = await h.token(user);
    const d = (await h.app.inject({ method: 'GET', url: `/dossiers/${code}`, headers: auth(t) })).json();
    const r = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${code}/${action}`,
      headers: auth(t),
      payload: { version: d.version, ...payload },
    });
    expect(r.statusCode, `${action}: ${r.body}`).toBe(200);
    return r.json();
  };
  /** Received at the counter of `clerk` (the commune of `communeCode`), with the components its procedure asks for. */
  const receive = async (procedureCode: string, clerk = 'clerk.hai', communeCode = '14002') => {
    const t = await h.token(clerk);
    const file = await h.upload(t);
    const components =
      procedureCode === '1.001193'
        ? [
            { code: 'TK', source: 'upload', fileSha256: file },
            { code: 'GCS', source: 'upload', fileSha256: file },
            { code: 'CCCD', source: 'population_db' },
          ]
        : procedureCode === '2.000884'
          ? [
              { code: 'BC', source: 'upload', fileSha256: file },
              { code: 'CCCD', source: 'population_db' },
            ]
          : [{ code: 'BC', source: 'upload', fileSha256: file }];
    const r = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(t),
      payload: { procedureCode, applicant: applicant(communeCode, { idNumber: newIdNumber() }), components },
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().code as string;
  };
  /** Forwarded to the commune's committee, whose specialist asks for the fees: the dossier awaits payment. */
  const awaitingPayment = async (procedureCode: string) => {
    const code = await receive(procedureCode);
    await act('clerk.hai', code, 'forward');
    await act('spec.hai', code, 'request-payment');
    return code;
  };
  /** Paid from the tracking page through the gateway's simulator; its IPN has been answered on return. */
  const payOnline = async (code: string) => {
    const { tracking_token: token } = await h.database.db
      .selectFrom('dossiers')
      .select('tracking_token')
      .where('code', '=', code)
      .executeTakeFirstOrThrow();
    const start = await h.app.inject({ method: 'POST', url: `/public/dossiers/${code}/payments`, payload: { token, locale: 'vn' } });
    expect(start.statusCode, start.body).toBe(201);
    const paid = await fetch(`${sim.url}/_sim/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ paymentUrl: start.json().payUrl, outcome: 'success' }),
    });
    expect(paid.status).toBe(200);
    await sim.idle();
    const d = await h.database.db
      .selectFrom('dossiers')
      .select(['paid_online', 'status'])
      .where('code', '=', code)
      .executeTakeFirstOrThrow();
    expect(d).toEqual({ paid_online: true, status: 'processing' });
  };
  /** The specialist hands it to the approver, who signs the result. */
  const result = async (code: string) => {
    await act('spec.hai', code, 'forward');
    const signed = await h.upload(await h.token('appr.hai'), `signed ${code}`);
    await act('appr.hai', code, 'result', { resultFileSha256: signed });
  };
  const get = async (url: string) => {
    const r = await h.app.inject({ method: 'GET', url, headers: auth(await h.token('admin')) });
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };
  const card = async (unitKey: string, from = today, to = today) => {
    const s = await get(`/kpi/scorecard?unitId=${h.unit(unitKey)}&from=${from}&to=${to}`);
    return { ...s, by: (id: string) => s.indicators.find((i: { id: string }) => i.id === id) };
  };

  beforeAll(async () => {
    sim = await startPaymentsSimulator({ faults: { ipnRetryBaseMs: 20 }, seed: 7 });
    const gateway = createGateway({
      baseUrl: sim.url,
      tmnCode: TMN,
      hashSecret: SECRET,
      returnUrl: 'http://127.0.0.1/thanh-toan/ket-qua',
      timeoutMs: 2_000,
    });
    // The gateway checks expiry against the real time: the app's clock is now.
    h = await createHarness(new Date().toISOString(), { payments: gateway });
    today = localDate(h.clock.now);
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (h.app.server.address() as { port: number }).port;
    sim.addMerchant({ tmnCode: TMN, hashSecret: SECRET, ipnUrl: `http://127.0.0.1:${port}/payments/gateway/ipn` });
    // No dossier uses the test catalog's versions yet: they are replaced.
    expect(await h.services.catalog.importCatalog(null, CATALOG)).toMatchObject({ added: 2, replaced: 1 });

    // Xã Hai: a birth registration (no fees); 2.000815 paid online and decided; 2.000884 received; 2.000942 paid at
    // the counter and decided, and another paid online but still being processed.
    await receive('1.001193');
    const paid = await awaitingPayment('2.000815');
    await payOnline(paid);
    await result(paid);
    await receive('2.000884');
    const counter = await awaitingPayment('2.000942');
    await act('clerk.hai', counter, 'payment-received');
    await result(counter);
    await payOnline(await awaitingPayment('2.000942'));
    // Xã Ba: one 2.000884.
    await receive('2.000884', 'clerk.ba', '14003');
    await h.services.kpi.catchUp();
  });

  afterAll(async () => {
    await sim.close();
  });

  it('scores the shares of the procedures a point handled, each counted once however many dossiers it had', async () => {
    const s = await card('X-HAI-TT');
    // 3.5: of the three procedures with fees, 2.000815 and 2.000942 are payable online; 2.000884's catalog does not
    // say so. Full points at 80%: 2 × (2/3) / 0.8.
    expect(s.by('3.5')).toMatchObject({ status: 'scored', numerator: 2, denominator: 3, ratio: 2 / 3, points: 2, earned: 1.67 });
    // 3.5b: of those two, 2.000815 had a dossier decided paid online; 2.000942's decided one was paid at the counter,
    // and the one paid online is not decided yet.
    expect(s.by('3.5b')).toMatchObject({ status: 'scored', numerator: 1, denominator: 2, ratio: 0.5, earned: 1 });
    // 4.5a: of the four procedures, 1.001193 and 2.000884 take the ID card from the population database.
    expect(s.by('4.5a')).toMatchObject({ status: 'scored', numerator: 2, denominator: 4, ratio: 0.5, earned: 1 });
    // The dossiers of 3.6 behind 3.5b: of the two decided with fees, one paid online.
    expect(s.by('3.6')).toMatchObject({ numerator: 1, denominator: 2 });
    for (const id of ['3.5', '3.5b', '4.5a']) expect(s.by(id)).toMatchObject({ awaitingVi: null, awaitingEn: null });
  });

  it('keeps to the unit: another point, and the province counting each procedure once', async () => {
    const ba = await card('X-BA-TT');
    expect(ba.by('3.5')).toMatchObject({ status: 'scored', numerator: 0, denominator: 1, earned: 0 });
    expect(ba.by('3.5b')).toMatchObject({ status: 'no_dossiers', numerator: 0, denominator: 0, earned: null });
    expect(ba.by('4.5a')).toMatchObject({ status: 'scored', numerator: 1, denominator: 1, earned: 2 });
    // 2.000884 was handled at both points: one procedure of the province.
    const province = await card('PROVINCE');
    expect(province.by('3.5')).toMatchObject({ numerator: 2, denominator: 3 });
    expect(province.by('3.5b')).toMatchObject({ numerator: 1, denominator: 2 });
    expect(province.by('4.5a')).toMatchObject({ numerator: 2, denominator: 4 });
    // The commune's committee handled Xã Hai's dossiers: the same procedures.
    const agency = await card('X-HAI-UB');
    expect([agency.by('3.5'), agency.by('3.5b'), agency.by('4.5a')].map((i) => [i.numerator, i.denominator])).toEqual([
      [2, 3],
      [1, 2],
      [2, 4],
    ]);
    // A point that received nothing has nothing to measure, rather than full marks.
    const branch = await card('CN-A');
    for (const id of ['3.5', '3.5b', '4.5a']) expect(branch.by(id)).toMatchObject({ status: 'no_dossiers', earned: null });
  });

  it('has nothing to measure in a period before any dossier was received', async () => {
    const s = await card('X-HAI-TT', '2025-01-01', '2025-01-31');
    for (const id of ['3.5', '3.5b', '4.5a']) expect(s.by(id)).toMatchObject({ status: 'no_dossiers', numerator: 0, denominator: 0 });
  });

  it('ranks the points and scores the month of a trend with the same procedure indicators', async () => {
    const rankings = await get(`/kpi/rankings?unitId=${h.unit('PROVINCE')}&from=${today}&to=${today}`);
    for (const key of ['X-HAI-TT', 'X-BA-TT']) {
      const u = rankings.units.find((x: { unitId: number }) => x.unitId === h.unit(key));
      const s = await card(key);
      expect([u.earned, u.measurable]).toEqual([s.total.earned, s.total.measurable]);
    }
    const month = `${today.slice(0, 8)}01`;
    const trend = await get(`/kpi/trends?unitId=${h.unit('X-HAI-TT')}&from=${month}&to=${today}&period=month`);
    const s = await card('X-HAI-TT', month, today);
    expect(trend.periods.at(-1).score).toBe(Math.round((s.total.earned / s.total.measurable) * 10000) / 100);
    // The month's scorecard holds the same dossiers as today's.
    expect(s.by('3.5b')).toMatchObject({ numerator: 1, denominator: 2 });
  });

  it('judges a procedure by its version in force at the end of the period, reading the flags from the catalog', async () => {
    const rows = await procedureSums(h.database.db, { from: today, to: today, pointIds: [h.unit('X-HAI-TT')], agencyIds: null }, null);
    const ids = await h.database.db.selectFrom('procedures').select(['id', 'code']).orderBy('code').execute();
    const id = (code: string) => ids.find((p) => p.code === code)!.id;
    expect(rows.map((r) => [r.procedureId, r.received, r.paidOnline])).toEqual(
      [
        [id('1.001193'), 1, 0],
        [id('2.000815'), 1, 1],
        [id('2.000884'), 1, 0],
        [id('2.000942'), 2, 0],
      ].sort((a, b) => a[0]! - b[0]!),
    );
    const versions = await versionFlags(
      h.database.db,
      rows.map((r) => r.procedureId),
    );
    expect(versions.get(id('1.001193'))!.map((v) => [v.effectiveFrom, v.withFees, v.onlinePayment, v.population])).toEqual([
      ['2023-01-01', false, false, false],
      ['2025-07-01', false, false, true],
    ]);
    expect(versions.get(id('2.000884'))!.map((v) => [v.withFees, v.onlinePayment, v.population])).toEqual([[true, false, true]]);
    const birth = (day: string) => handledProcedures(rows, versions, day).find((p) => p.procedureId === id('1.001193'))!;
    expect(birth('2025-06-30').population).toBe(false);
    expect(birth('2025-07-01').population).toBe(true);
    // Before any version: the earliest; none at all: left out.
    expect(versionInForce([{ effectiveFrom: '2024-01-01' }, { effectiveFrom: '2023-01-01' }], '2020-01-01')).toEqual({
      effectiveFrom: '2023-01-01',
    });
    expect(handledProcedures([{ procedureId: 999_999, received: 1, paidOnline: 0 }], versions, today)).toEqual([]);
    // A procedure with no dossier received in the period is not handled there, whatever was decided.
    expect(handledProcedures([{ procedureId: id('2.000815'), received: 0, paidOnline: 1 }], versions, today)).toEqual([]);
  });
});
