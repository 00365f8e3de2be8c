import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';
import { kpiDossiers } from './kpi-dossiers.js';

// The monthly report (GET /kpi/report.pdf): a PDF whose text carries exactly the numbers of the JSON routes for the
// month, says so when the month had nothing, and is refused to the roles and units the KPI routes refuse.

const auth = (t: string) => ({ authorization: `Bearer ${t}` });

/** The text of each page as pdf.js reads it, text items joined by a space, whitespace collapsed. */
async function pdfPages(pdf: Buffer): Promise<string[]> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), verbosity: 0, disableFontFace: true, useSystemFonts: false }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    pages.push(
      content.items
        .map((it) => ('str' in it ? it.str : ''))
        .join(' ')
        .replace(/\s+/g, ' ')
        .trim(),
    );
  }
  await doc.destroy();
  return pages;
}

/** A share as the report prints it: 0.5 → "50,00%". */
const pct = (x: number) => `${(x * 100).toFixed(2).replace('.', ',')}%`;
/** Points as the report prints them: 6.67 → "6,67", 20 → "20". */
const dec = (x: number) => String(x).replace('.', ',');

describe('the monthly report as PDF', () => {
  let h: Harness;
  const codes: Record<string, string> = {};

  const { act, counter, online, result, rate } = kpiDossiers(() => h);
  const get = async (user: string | null, url: string) =>
    h.app.inject({ method: 'GET', url, headers: user ? auth(await h.token(user)) : {} });
  const json = async (url: string) => {
    const r = await get('admin', url);
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };
  const report = async (user: string, query: string) => {
    const r = await get(user, `/kpi/report.pdf?${query}`);
    expect(r.statusCode, r.body).toBe(200);
    const pages = await pdfPages(r.rawPayload);
    if (process.env.REPORT_PDF_DIR) fs.writeFileSync(`${process.env.REPORT_PDF_DIR}/${query.replace(/[^\w-]+/g, '_')}.pdf`, r.rawPayload);
    return { r, pages, text: pages.join(' ') };
  };

  beforeAll(async () => {
    // August: one birth registration at Xã Hai, decided early and rated satisfied.
    h = await createHarness('2025-08-20T09:00:00+07:00');
    codes.Aug = await counter('1.001193');
    await act('clerk.hai', codes.Aug, 'forward');
    h.clock.set('2025-08-20T10:00:00+07:00');
    await result(codes.Aug);
    await act('clerk.hai', codes.Aug, 'return');
    await rate(codes.Aug, 'satisfied');
    // September (Monday 15th): A early, B (fast track, 4 working hours) late, C late on Wednesday; D withdrawn,
    // E refused; F at branch A, left open.
    h.clock.set('2025-09-15T09:00:00+07:00');
    codes.A = await counter('1.001193');
    codes.B = await counter('2.000815', true);
    codes.C = await counter('2.000815');
    for (const c of [codes.A, codes.B, codes.C]) await act('clerk.hai', c, 'forward');
    codes.F = await counter('1.001193', false, 'clerk.branch');
    h.clock.set('2025-09-15T10:00:00+07:00');
    await result(codes.A);
    await act('clerk.hai', codes.A, 'return');
    await rate(codes.A, 'satisfied');
    codes.D = await online();
    await act('clerk.hai', codes.D, 'receive');
    await act('clerk.hai', codes.D, 'withdraw', { note: 'Công dân xin rút' });
    codes.E = await online();
    await act('clerk.hai', codes.E, 'refuse', { note: 'Không thuộc thẩm quyền' });
    h.clock.set('2025-09-15T16:00:00+07:00');
    await result(codes.B);
    await act('clerk.hai', codes.B, 'return');
    await rate(codes.B, 'not_satisfied');
    h.clock.set('2025-09-17T10:00:00+07:00');
    await result(codes.C);
    // Printed in October: September is over.
    h.clock.set('2025-10-02T08:30:00+07:00');
    await h.services.kpi.catchUp();
  });

  it('prints the official heading, the month and the unit, a PDF of A4 pages with their numbers', async () => {
    const { r, pages, text } = await report('admin', `unitId=${h.unit('X-HAI-TT')}&month=2025-09`);
    expect(r.headers['content-type']).toBe('application/pdf');
    expect(r.headers['content-disposition']).toBe(`inline; filename="bao-cao-thang-2025-09_${h.unit('X-HAI-TT')}.pdf"`);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.map((p) => p.match(/Trang \d+\/\d+/)?.[0])).toEqual(pages.map((_, k) => `Trang ${k + 1}/${pages.length}`));
    expect(pages[0]).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc');
    expect(pages[0]).toContain('ỦY BAN NHÂN DÂN XÃ HAI');
    expect(pages[0]).toContain('TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG XÃ HAI');
    expect(pages[0]).toContain('Hai, ngày 02 tháng 10 năm 2025');
    expect(pages[0]).toContain('BÁO CÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH THÁNG 09/2025');
    expect(pages[0]).toContain('Kỳ báo cáo: từ ngày 01/09/2025 đến ngày 30/09/2025');
    for (const section of [
      'I. KẾT QUẢ TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ',
      'II. BỘ CHỈ SỐ ĐÁNH GIÁ CHẤT LƯỢNG PHỤC VỤ (QUYẾT ĐỊNH 766/QĐ-TTg)',
      'III. XẾP HẠNG CÁC ĐIỂM TIẾP NHẬN THEO BỘ CHỈ SỐ 766',
      'IV. KẾT QUẢ THEO THỦ TỤC HÀNH CHÍNH',
      'V. SO SÁNH VỚI CHỈ TIÊU CỦA TỈNH',
    ])
      expect(text).toContain(section);
    // The signatures close it: who printed it, and the head of the unit.
    expect(pages.at(-1)).toContain('NGƯỜI LẬP BIỂU (Ký, ghi rõ họ tên) admin THỦ TRƯỞNG ĐƠN VỊ (Ký, ghi rõ họ tên, đóng dấu)');
  });

  it('carries the figures of GET /kpi/figures for the month, and what was open at its end', async () => {
    const unit = h.unit('X-HAI-TT');
    const f = await json(`/kpi/figures?unitId=${unit}&from=2025-09-01&to=2025-09-30`);
    expect(f.total).toMatchObject({
      received: 4,
      receivedInPerson: 3,
      receivedOnline: 1,
      receivedPost: 0,
      decided: 3,
      decidedEarly: 1,
      decidedOnTime: 0,
      decidedLate: 2,
      withdrawn: 1,
      refused: 1,
      digitized: 3,
      results: 3,
      ratedSatisfied: 1,
      ratedNotSatisfied: 1,
    });
    // Every September dossier of Xã Hai was decided, withdrawn or refused by the month's end.
    expect(f.open).toEqual({ inProgress: 0, inProgressOnTime: 0, inProgressOverdue: 0, paused: 0, at: '2025-09-30T17:00:00.000Z' });
    const t = f.total;
    const { text } = await report('admin', `unitId=${unit}&month=2025-09`);
    for (const line of [
      `1 Tổng số hồ sơ tiếp nhận ${t.received}`,
      `1.1 Tiếp nhận trực tiếp tại Bộ phận Một cửa ${t.receivedInPerson}`,
      `1.2 Tiếp nhận trực tuyến ${t.receivedOnline} ${pct(t.onlineRate)}`,
      `1.3 Tiếp nhận qua dịch vụ bưu chính công ích ${t.receivedPost}`,
      `2 Số hồ sơ đã giải quyết ${t.decided}`,
      `2.1 Giải quyết trước hạn ${t.decidedEarly}`,
      `2.2 Giải quyết đúng hạn ${t.decidedOnTime}`,
      `2.3 Giải quyết quá hạn ${t.decidedLate}`,
      `Tỷ lệ giải quyết trước hạn, đúng hạn ${pct(t.onTimeRate)}`,
      '3 Số hồ sơ đang giải quyết 0 3.1 Trong hạn 0 3.2 Quá hạn 0 3.3 Tạm dừng (chờ bổ sung, thực hiện nghĩa vụ tài chính) 0',
      `4 Hồ sơ rút theo đề nghị của tổ chức, cá nhân ${t.withdrawn}`,
      `5 Hồ sơ từ chối tiếp nhận ${t.refused}`,
      `9 Kết quả được số hóa đầy đủ ${t.digitized} ${pct(t.digitizedRate)}`,
      `11 Đánh giá "Hài lòng" ${t.ratedSatisfied}`,
      `13 Đánh giá "Không hài lòng" ${t.ratedNotSatisfied}`,
      `Tỷ lệ hài lòng (hài lòng và chấp nhận được trên số lượt đánh giá) ${pct(t.satisfactionRate)}`,
      'Số hồ sơ đang giải quyết tính đến hết ngày 30/09/2025.',
    ])
      expect(text).toContain(line);
    expect([pct(t.onlineRate), pct(t.onTimeRate), pct(t.satisfactionRate)]).toEqual(['25,00%', '33,33%', '50,00%']);
    // No applicant's data: neither names nor ID numbers nor phones, nor any dossier code.
    expect(text).not.toMatch(/Nguyễn Văn An|0912345678|\b0\d{11}\b/);
    for (const code of Object.values(codes)) expect(text).not.toContain(code);
  });

  it('carries every indicator of GET /kpi/scorecard with its numerator, denominator, share and points, and the totals', async () => {
    const unit = h.unit('X-HAI-TT');
    const s = await json(`/kpi/scorecard?unitId=${unit}&from=2025-09-01&to=2025-09-30`);
    const { text } = await report('admin', `unitId=${unit}&month=2025-09`);
    type Ind = { id: string; nameVi: string; status: string; numerator: number; denominator: number; ratio: number; fullAt: number };
    const by = (id: string) => s.indicators.find((i: { id: string }) => i.id === id);
    expect(by('2.1')).toMatchObject({ status: 'scored', numerator: 1, denominator: 3, earned: 6.67 });
    for (const i of s.indicators as (Ind & { points: number; earned: number; awaitingVi: string })[]) {
      if (i.status === 'scored')
        expect(text).toContain(
          `${i.id} ${i.nameVi} ${i.numerator}/${i.denominator} ${pct(i.ratio)} ${pct(i.fullAt)} ${dec(i.points)} ${dec(i.earned)}`,
        );
      else if (i.status === 'no_dossiers')
        expect(text).toContain(`${i.id} ${i.nameVi} 0/0 Không có hồ sơ trong kỳ ${pct(i.fullAt)} ${dec(i.points)} —`);
      else {
        expect(i.status).toBe('no_data');
        const awaited = i.awaitingVi.replace('Chưa có dữ liệu: ', '');
        expect(text).toContain(`${i.id} ${i.nameVi} (chờ: ${awaited}) Chưa có dữ liệu — ${pct(i.fullAt)} ${dec(i.points)} —`);
      }
    }
    s.groups.forEach((g: { nameVi: string; points: number; earned: number; measurable: number }, k: number) =>
      expect(text).toContain(`${k + 1} ${g.nameVi} ${dec(g.points)} ${dec(g.earned)} (đo được ${dec(g.measurable)})`),
    );
    // 62 points of rollup indicators, and 3.5 (2.000815 has fees) and 4.5a (two procedures handled); 3.5b has none.
    expect(s.total).toEqual({ points: 100, measurable: 66, earned: s.total.earned });
    const score = Math.round((s.total.earned / s.total.measurable) * 10000) / 100;
    expect(text).toContain(`TỔNG CỘNG ${dec(s.total.points)} ${dec(s.total.earned)} (đo được ${dec(s.total.measurable)})`);
    expect(text).toContain(
      `Tổng điểm đạt: ${dec(s.total.earned)}/${dec(s.total.measurable)} điểm đo được (tối đa 100 điểm); điểm quy đổi: ${dec(score)}/100.`,
    );
  });

  it('ranks the points of GET /kpi/rankings with the change from the month before, by procedure and against the targets', async () => {
    const now = await json('/kpi/rankings?from=2025-09-01&to=2025-09-30');
    const before = await json('/kpi/rankings?from=2025-08-01&to=2025-08-31');
    const { text } = await report('admin', 'month=2025-09');
    expect(text).toContain('TỈNH THỬ NGHIỆM');
    type U = { unitId: number; nameVi: string; rank: number | null; score: number | null; earned: number; measurable: number };
    const prev = new Map((before.units as U[]).map((u) => [u.unitId, u]));
    const hai = (now.units as U[]).find((u) => u.unitId === h.unit('X-HAI-TT'))!;
    const haiBefore = prev.get(h.unit('X-HAI-TT'))!;
    expect([hai.rank, hai.score, haiBefore.rank, haiBefore.score]).toEqual([1, 53.29, 1, 79.31]);
    for (const u of now.units as U[]) {
      const p = prev.get(u.unitId)!;
      const score = (x: number | null) => (x === null ? 'Không có hồ sơ' : dec(x));
      const diff = (x: number) => (x > 0 ? `+${dec(x)}` : x < 0 ? `−${dec(-x)}` : '0');
      const change = u.score !== null && p.score !== null ? diff(Math.round((u.score - p.score) * 100) / 100) : '—';
      const rankChange = u.rank !== null && p.rank !== null ? diff(p.rank - u.rank) : '—';
      expect(text).toContain(
        `${u.rank ?? '—'} ${u.nameVi} ${score(u.score)} ${dec(u.earned)}/${dec(u.measurable)} ${p.rank ?? '—'} ${score(p.score)} ${change} ${rankChange}`,
      );
    }
    // Branch A received one dossier of a fully online procedure at its counter and decided none; it was still open
    // and past its due date at the month's end (late for 2.1): 0 of 32 points of rollups; its procedure takes the ID
    // card from the population database (4.5a, 2 of 2) and has no fees (no 3.5): 2 of 34, second. Nothing in August
    // to measure, so no change. Xã Hai: 3.5 costs it 2 points (its procedure with fees does not accept online
    // payment), 4.5a earns 1 of 2 (September) and 2 of 2 (August, birth registrations only).
    expect(text).toContain('1 Trung tâm Phục vụ hành chính công Xã Hai 53,29 35,17/66 1 79,31 −26,02 0');
    expect(text).toContain('2 Chi nhánh A 5,88 2/34 — Không có hồ sơ — —');
    expect(text).toContain('— Trung tâm Phục vụ hành chính công Xã Ba Không có hồ sơ 0/0 — Không có hồ sơ — —');
    expect(text).toContain('Tháng 09/2025 Tháng 08/2025 Thay đổi');

    const byProcedure = await json('/kpi/figures?from=2025-09-01&to=2025-09-30&by=procedure');
    expect(
      byProcedure.groups.map((g: { labelVi: string; received: number; decided: number }) => [g.labelVi, g.received, g.decided]),
    ).toEqual([
      ['1.001193 Thủ tục đăng ký khai sinh', 3, 1],
      ['2.000815 Chứng thực bản sao từ bản chính', 2, 2],
    ]);
    expect(text).toContain('1 1.001193 Thủ tục đăng ký khai sinh 3 1 1 0 0 100,00%');
    expect(text).toContain('2 2.000815 Chứng thực bản sao từ bản chính 2 2 0 0 2 0,00%');
    expect(text).toContain('2 thủ tục có hồ sơ trong tháng, theo số hồ sơ tiếp nhận.');

    const trend = await json('/kpi/trends?from=2025-09-01&to=2025-09-30&period=month');
    const [m] = trend.periods;
    expect(trend.targets).toEqual({ onTimeRate: 0.99, digitizedRate: 1, satisfactionRate: 0.95 });
    expect(m).toMatchObject({ onTimeRate: 1 / 3, digitizedRate: 1, satisfactionRate: 0.5 });
    expect(m.meetsTargets).toEqual({ onTimeRate: false, digitizedRate: true, satisfactionRate: false });
    // August: 1 of 1 on time, 1 of 1 satisfied: down 66.67 and 50 points.
    expect(m.change).toMatchObject({ onTimeRate: -0.6667, digitizedRate: 0, satisfactionRate: -0.5 });
    expect(text).toContain('Tỷ lệ giải quyết trước hạn, đúng hạn ≥ 99,00% 33,33% −66,67 điểm % Chưa đạt');
    expect(text).toContain('Tỷ lệ kết quả được số hóa ≥ 100,00% 100,00% 0 điểm % Đạt');
    expect(text).toContain('Tỷ lệ hài lòng ≥ 95,00% 50,00% −50 điểm % Chưa đạt');
    expect(text).toContain(
      `Điểm quy đổi Bộ chỉ số 766 Không giao ${dec(m.score)} ${m.change.score < 0 ? '−' : '+'}${dec(Math.abs(m.change.score))}`,
    );
  });

  it('says a month with nothing had nothing, rather than printing made-up rates', async () => {
    const unit = h.unit('X-HAI-TT');
    const f = await json(`/kpi/figures?unitId=${unit}&from=2025-07-01&to=2025-07-31`);
    expect(f.total).toMatchObject({ received: 0, decided: 0, onTimeRate: null, satisfactionRate: null });
    const { text } = await report('admin', `unitId=${unit}&month=2025-07`);
    expect(text).toContain('Trong tháng 07/2025, đơn vị không tiếp nhận, không giải quyết hồ sơ nào; các tỷ lệ không được tính.');
    expect(text).toContain('1 Tổng số hồ sơ tiếp nhận 0');
    expect(text).toContain('Tỷ lệ giải quyết trước hạn, đúng hạn Không có hồ sơ');
    expect(text).toContain('Tỷ lệ hài lòng (hài lòng và chấp nhận được trên số lượt đánh giá) Không có đánh giá');
    expect(text).toContain('2.1 Hồ sơ giải quyết trước hạn, đúng hạn 0/0 Không có hồ sơ trong kỳ 100,00% 20 —');
    expect(text).toContain('điểm quy đổi: không tính được (không có chỉ số nào đo được).');
    expect(text).toContain('Không có hồ sơ nào trong tháng 07/2025.');
    expect(text).toContain('Tỷ lệ giải quyết trước hạn, đúng hạn ≥ 99,00% Chưa có dữ liệu — Chưa có dữ liệu');
    expect(text).not.toMatch(/\d,\d\d% (Đạt|Chưa đạt)/);
  });

  it('counts what is open now in the month under way', async () => {
    const f = await json(`/kpi/figures?unitId=${h.unit('CN-A')}&from=2025-10-01&to=2025-10-31`);
    expect(f.open).toEqual({ inProgress: 1, inProgressOnTime: 0, inProgressOverdue: 1, paused: 0, at: '2025-10-02T01:30:00.000Z' });
    const { text } = await report('manager.center', `unitId=${h.unit('CN-A')}&month=2025-10`);
    expect(text).toContain('3 Số hồ sơ đang giải quyết 1 3.1 Trong hạn 0 3.2 Quá hạn 1');
    expect(text).toContain('Số hồ sơ đang giải quyết tính tại thời điểm lập báo cáo (08 giờ 30 phút, ngày 02/10/2025).');
    expect(text).not.toContain('Trong tháng 10/2025, đơn vị không tiếp nhận');
    expect(text).toContain('NGƯỜI LẬP BIỂU (Ký, ghi rõ họ tên) manager.center THỦ TRƯỞNG ĐƠN VỊ');
  });

  it('is given to the roles and units the KPI routes serve, and refused to the others', async () => {
    const hai = h.unit('X-HAI-TT');
    const cases: [string | null, string, number, string?][] = [
      [null, `unitId=${hai}&month=2025-09`, 401, 'UNAUTHENTICATED'],
      ['clerk.hai', 'month=2025-09', 403, 'FORBIDDEN'],
      ['spec.hai', 'month=2025-09', 403, 'FORBIDDEN'],
      ['clerk.center', `unitId=${h.unit('TTPVHCC')}&month=2025-09`, 403, 'FORBIDDEN'],
      ['manager.center', `unitId=${hai}&month=2025-09`, 403, 'FORBIDDEN'],
      ['appr.hai', `unitId=${hai}&month=2025-09`, 403, 'FORBIDDEN'],
      ['appr.mot', `unitId=${h.unit('X-HAI-UB')}&month=2025-09`, 403, 'FORBIDDEN'],
      ['manager.center', 'month=2025-09', 200],
      ['manager.center', `unitId=${h.unit('CN-A')}&month=2025-09`, 200],
      ['appr.hai', 'month=2025-09', 200],
      ['admin', `unitId=${hai}&month=2025-09`, 200],
      ['admin', 'unitId=999999&month=2025-09', 404, 'NOT_FOUND'],
    ];
    const got: string[] = [];
    for (const [user, q] of cases) {
      const r = await get(user, `/kpi/report.pdf?${q}`);
      got.push(`${user} ${q} ${r.statusCode}${r.statusCode >= 400 ? ` ${r.json().code}` : ` ${r.headers['content-type']}`}`);
    }
    expect(got).toEqual(cases.map(([user, q, s, code]) => `${user} ${q} ${s} ${code ?? 'application/pdf'}`));
    // An agency's approver reports on their agency: it ranks agencies.
    const agency = await report('appr.hai', 'month=2025-09');
    expect(agency.text).toContain('III. XẾP HẠNG CÁC CƠ QUAN GIẢI QUYẾT THEO BỘ CHỈ SỐ 766');
    expect(agency.text).toContain('ỦY BAN NHÂN DÂN XÃ HAI');
  });

  it('refuses a bad month with a problem naming the field', async () => {
    const cases: [string, string][] = [
      ['month=2025-13', 'querystring.month'],
      ['month=2025-9', 'querystring.month'],
      ['month=2025-09-01', 'querystring.month'],
      ['month=1999-12', 'querystring.month'],
      ['month=2025-11', 'querystring.month'],
      ['', 'querystring.month'],
      ['month=2025-09&unitId=0', 'querystring.unitId'],
      ['month=2025-09&unitId=x', 'querystring.unitId'],
      ['month=2025-09&from=2025-09-01', 'querystring.from'],
    ];
    const got: string[] = [];
    for (const [q] of cases) {
      const r = await get('admin', `/kpi/report.pdf?${q}`);
      got.push(`${q} ${r.statusCode} ${r.headers['content-type']} ${r.json().code} ${r.json().field}`);
    }
    expect(got).toEqual(cases.map(([q, field]) => `${q} 400 application/problem+json; charset=utf-8 VALIDATION ${field}`));
    // A month not yet begun says so.
    expect((await get('admin', '/kpi/report.pdf?month=2025-11')).json().detail).toBe('The month 2025-11 has not begun yet');
  });
});
