import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, applicant, newIdNumber, type Harness } from './harness.js';
import { decodeQr, qrSymbolsInPdf } from './qr-decode.js';
import { qrModules } from '../src/forms/form.render.js';
import { FormService } from '../src/forms/form.service.js';
import { loadConfig } from '../src/platform/config.js';

let h: Harness;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

/** The text of each page of a PDF as pdf.js extracts it, whitespace collapsed. */
async function pdfPages(pdf: Buffer): Promise<string[]> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), verbosity: 0, disableFontFace: true, useSystemFonts: false }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    pages.push(
      content.items
        .map((it) => ('str' in it ? it.str + (it.hasEOL ? '\n' : '') : ''))
        .join('')
        .replace(/\s+/g, ' ')
        .trim(),
    );
  }
  await doc.destroy();
  return pages;
}

async function form(token: string, url: string) {
  const r = await h.app.inject({ method: 'GET', url, headers: auth(token) });
  return { r, pdf: r.rawPayload, text: r.statusCode === 200 ? (await pdfPages(r.rawPayload)).join('\n') : '' };
}

async function post(user: string, code: string, action: string, payload: Record<string, unknown> = {}) {
  const t = await h.token(user);
  const d = (await h.app.inject({ method: 'GET', url: `/dossiers/${code}`, headers: auth(t) })).json();
  const r = await h.app.inject({
    method: 'POST',
    url: `/dossiers/${code}/${action}`,
    headers: auth(t),
    payload: { version: d.version, ...payload },
  });
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
}

/** A birth registration received at the counter of branch A, at the clock's time. */
async function receiveBirth(name: string, allUploaded = false): Promise<string> {
  const clerk = await h.token('clerk.branch');
  const tk = await h.upload(clerk);
  const gcs = allUploaded ? { code: 'GCS', source: 'upload', fileSha256: await h.upload(clerk) } : { code: 'GCS', source: 'paper' };
  const r = await h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: auth(clerk),
    payload: {
      procedureCode: '1.001193',
      applicant: applicant('14002', { name, email: 'an.nguyen@example.vn', idNumber: newIdNumber() }),
      components: [{ code: 'TK', source: 'upload', fileSha256: tk }, gcs, { code: 'CCCD', source: 'population_db' }],
    },
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().code;
}

// The dossiers of this file, received in this order (Vietnam time):
//   earlier  Fri 05/09 09:00 at branch A (number 1 of the branch's 2025 book)
//   main     Mon 08/09 14:30 at branch A: supplement, apology, result, returned
//   stopped  Mon 08/09 14:45 at branch A: stopped by the commune's approver
//   refused  Mon 08/09 15:00 at branch A: refused at the counter
//   commune  Mon 08/09 15:20 at commune Hai's center (another unit's book)
//   dawn     Tue 09/09 06:30 at branch A (08/09 23:30 UTC: the 9th in Vietnam)
const codes = { earlier: '', main: '', stopped: '', refused: '', commune: '', dawn: '' };
/** The main dossier's tracking token, as stored. */
let mainToken = '';

beforeAll(async () => {
  h = await createHarness('2025-09-05T09:00:00+07:00');
  await h.database.db.updateTable('staff').set({ full_name: 'Trần Thị Bình' }).where('username', '=', 'clerk.branch').execute();
  await h.database.db.updateTable('staff').set({ full_name: 'Lê Văn Cường' }).where('username', '=', 'spec.hai').execute();
  await h.services.auth.sessionsInSync(); // sessions held before the rename are forgotten
  codes.earlier = await receiveBirth('Phạm Thị Dung', true);
  h.clock.set('2025-09-08T14:30:00+07:00');
  codes.main = await receiveBirth('Nguyễn Văn An');
  mainToken = (await h.database.db.selectFrom('dossiers').select('tracking_token').where('code', '=', codes.main).executeTakeFirstOrThrow())
    .tracking_token;
  h.clock.set('2025-09-08T14:45:00+07:00');
  codes.stopped = await receiveBirth('Hoàng Thị Én', true);
  h.clock.set('2025-09-08T15:00:00+07:00');
  codes.refused = await receiveBirth('Đặng Văn Giang', true);
  h.clock.set('2025-09-08T15:20:00+07:00');
  const clerkHai = await h.token('clerk.hai');
  const bc = await h.upload(clerkHai);
  const c = await h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: auth(clerkHai),
    payload: {
      procedureCode: '2.000815',
      applicant: applicant('14002', { name: 'Vũ Thị Hoa' }),
      components: [{ code: 'BC', source: 'upload', fileSha256: bc }],
    },
  });
  expect(c.statusCode, c.body).toBe(201);
  codes.commune = c.json().code;
});

describe('form 01, the receipt and appointment slip', () => {
  it('prints the code, the applicant, the components, the receipt and due times in Vietnam time, the book entry and the clerk', async () => {
    h.clock.set('2025-09-08T14:31:00+07:00');
    const d = (await h.app.inject({ method: 'GET', url: `/dossiers/${codes.main}`, headers: auth(await h.token('clerk.branch')) })).json();
    // 1 working day from Mon 08/09 14:30: Tue 09/09, closing at 17:00.
    expect(d).toMatchObject({
      code: '000.01.01.H40-250908-0001',
      // The staff view shows the token, so the receipt can be reprinted with the same QR code.
      trackingToken: mainToken,
      receivedAt: '2025-09-08T07:30:00.000Z',
      dueAt: '2025-09-09T10:00:00.000Z',
    });
    const { r, text } = await form(await h.token('clerk.branch'), `/dossiers/${codes.main}/forms/01`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/pdf');
    expect(r.headers['content-disposition']).toBe('inline; filename="mau-01_000.01.01.H40-250908-0001.pdf"');
    expect(r.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    for (const expected of [
      'TRUNG TÂM PVHCC TỈNH',
      'CHI NHÁNH A',
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Độc lập - Tự do - Hạnh phúc',
      'Thử Nghiệm, ngày 08 tháng 9 năm 2025',
      'GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ',
      'Mã hồ sơ: 000.01.01.H40-250908-0001',
      'Chi nhánh A tiếp nhận hồ sơ của:',
      'Ông/Bà: Nguyễn Văn An',
      'Địa chỉ: Thôn Hai, Xã Hai',
      'Số điện thoại: 0912345678',
      'Email: an.nguyen@example.vn',
      'Nội dung yêu cầu giải quyết: Thủ tục đăng ký khai sinh (mã thủ tục 1.001193)',
      '1 Tờ khai đăng ký khai sinh Bản chính 01 Đã số hóa',
      '2 Giấy chứng sinh Bản chính 01 Bản giấy, chưa số hóa',
      '3 Căn cước của người đi đăng ký Bản sao 01 Khai thác từ Cơ sở dữ liệu quốc gia về dân cư',
      '2. Số lượng hồ sơ: 01 (bộ)',
      '3. Thời gian giải quyết hồ sơ theo quy định: 01 ngày làm việc',
      '4. Thời gian nhận hồ sơ: 14 giờ 30 phút, ngày 08/09/2025',
      '5. Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 09/09/2025',
      '6. Đăng ký nhận kết quả tại: Chi nhánh A, 2 Lê Lợi',
      // The earlier dossier of 05/09 is number 1 of the branch's 2025 book.
      'Vào Sổ theo dõi hồ sơ, Quyển số: 2025, Số thứ tự: 2',
      'NGƯỜI NỘP HỒ SƠ',
      'NGƯỜI TIẾP NHẬN HỒ SƠ',
      '(Ký và ghi rõ họ tên)',
      'Trần Thị Bình',
      `Quét mã QR hoặc truy cập (gõ liền hai dòng) http://localhost:3000/tra-cuu/000.01.01.H40-250908-0001 #${mainToken}`,
      'Hoặc nhập mã hồ sơ 000.01.01.H40-250908-0001 và 4 số cuối của số điện thoại đã đăng ký khi nộp hồ sơ.',
    ])
      expect(text).toContain(expected);
  });

  it('carries a QR code that reads back as the public tracking URL of the dossier', async () => {
    const { pdf } = await form(await h.token('clerk.branch'), `/dossiers/${codes.main}/forms/01`);
    const symbols = qrSymbolsInPdf(pdf);
    expect(symbols).toHaveLength(1);
    expect(mainToken).toMatch(/^[A-HJ-NP-Z2-9]{12}$/);
    expect(decodeQr(symbols[0]!)).toBe(`http://localhost:3000/tra-cuu/000.01.01.H40-250908-0001#${mainToken}`);
  });

  it('is printed for staff whose scope includes the dossier, and is 404 for everyone else', async () => {
    for (const user of ['manager.center', 'admin'])
      expect((await form(await h.token(user), `/dossiers/${codes.main}/forms/01`)).r.statusCode).toBe(200);
    for (const user of ['clerk.mot', 'clerk.hai', 'spec.stp']) {
      const { r } = await form(await h.token(user), `/dossiers/${codes.main}/forms/01`);
      expect(r.statusCode).toBe(404);
      expect(r.json().code).toBe('NOT_FOUND');
    }
    expect((await h.app.inject({ method: 'GET', url: `/dossiers/${codes.main}/forms/01` })).statusCode).toBe(401);
    const bad = await form(await h.token('clerk.branch'), `/dossiers/${codes.main}/forms/08`);
    expect(bad.r.statusCode).toBe(400);
    expect(bad.r.json()).toMatchObject({ code: 'VALIDATION', field: 'params.form' });
  });

  it('does not apply to an online submission no clerk has received yet', async () => {
    h.clock.set('2025-09-08T20:00:00+07:00');
    const submission = await h.submission();
    const file = await h.publicUpload(submission);
    const s = await h.app.inject({
      method: 'POST',
      url: '/public/dossiers',
      headers: { 'x-submission-token': submission },
      payload: {
        procedureCode: '1.001193',
        applicant: applicant('14003', { idNumber: newIdNumber() }),
        components: [
          { code: 'TK', source: 'upload', fileSha256: file },
          { code: 'GCS', source: 'upload', fileSha256: file },
          { code: 'CCCD', source: 'population_db' },
        ],
      },
    });
    expect(s.statusCode, s.body).toBe(201);
    for (const n of ['01', '06']) {
      const { r } = await form(await h.token('clerk.ba'), `/dossiers/${s.json().code}/forms/${n}`);
      expect(r.statusCode).toBe(409);
      expect(r.json()).toMatchObject({ code: 'FORM_NOT_APPLICABLE', details: { form: n, status: 'submitted' } });
    }
  });
});

describe('forms 02–06 follow the dossier through its life', () => {
  it('refuses 02–05 while nothing has called for them', async () => {
    const clerk = await h.token('clerk.branch');
    for (const n of ['02', '03', '04', '05']) {
      const { r } = await form(clerk, `/dossiers/${codes.main}/forms/${n}`);
      expect(r.statusCode).toBe(409);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.json()).toMatchObject({ code: 'FORM_NOT_APPLICABLE', details: { form: n, status: 'received' } });
    }
  });

  it('prints the supplement request (02) with its note, its time and whom to contact', async () => {
    const clerk = await h.token('clerk.branch');
    h.clock.set('2025-09-08T15:10:00+07:00');
    const scan = await h.upload(clerk);
    const d = (await h.app.inject({ method: 'GET', url: `/dossiers/${codes.main}`, headers: auth(clerk) })).json();
    expect(
      (
        await h.app.inject({
          method: 'PUT',
          url: `/dossiers/${codes.main}/components/GCS`,
          headers: auth(clerk),
          payload: { version: d.version, fileSha256: scan },
        })
      ).statusCode,
    ).toBe(200);
    await post('clerk.branch', codes.main, 'forward');
    // Received on Friday too, so the night of the 8th: the dawn dossier of Tuesday.
    h.clock.set('2025-09-09T06:30:00+07:00');
    codes.dawn = await receiveBirth('Bùi Văn Khánh', true);
    h.clock.set('2025-09-09T09:00:00+07:00');
    await post('spec.hai', codes.main, 'request-supplement', {
      note: 'Bổ sung Giấy chứng sinh bản rõ nét, có dấu của cơ sở y tế nơi sinh.',
    });
    const { r, text } = await form(clerk, `/dossiers/${codes.main}/forms/02`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-disposition']).toBe('inline; filename="mau-02_000.01.01.H40-250908-0001.pdf"');
    for (const expected of [
      'ỦY BAN NHÂN DÂN XÃ HAI',
      'Hai, ngày 09 tháng 9 năm 2025',
      'PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ',
      'Mã hồ sơ: 000.01.01.H40-250908-0001',
      'Ông/Bà: Nguyễn Văn An',
      'Bổ sung Giấy chứng sinh bản rõ nét, có dấu của cơ sở y tế nơi sinh.',
      'Thời gian yêu cầu bổ sung: 09 giờ 00 phút, ngày 09/09/2025',
      'Hồ sơ bổ sung nộp tại: Chi nhánh A, 2 Lê Lợi',
      'liên hệ Lê Văn Cường, Ủy ban nhân dân Xã Hai, 4 Thôn Hai',
      'NGƯỜI HƯỚNG DẪN',
      `http://localhost:3000/tra-cuu/000.01.01.H40-250908-0001 #${mainToken}`,
    ])
      expect(text).toContain(expected);
    expect(decodeQr(qrSymbolsInPdf(r.rawPayload)[0]!)).toBe(`http://localhost:3000/tra-cuu/000.01.01.H40-250908-0001#${mainToken}`);
  });

  it('prints the apology (04) with the due date missed, the reason and the new date proposed', async () => {
    h.clock.set('2025-09-09T10:00:00+07:00');
    const resumed = await post('clerk.branch', codes.main, 'supplement-received');
    // Paused 09:00–10:00 on the same working day: a day limit does not move (due Tue 09/09 17:00).
    expect(resumed).toMatchObject({ dueAt: '2025-09-09T10:00:00.000Z', originalDueAt: '2025-09-09T10:00:00.000Z' });
    h.clock.set('2025-09-09T10:30:00+07:00');
    await post('spec.hai', codes.main, 'apologize', {
      note: 'Cần xác minh thông tin hộ tịch với Sở Tư pháp.',
      newDueAt: '2025-09-12T17:00:00+07:00',
    });
    const { r, text } = await form(await h.token('spec.hai'), `/dossiers/${codes.main}/forms/04`);
    expect(r.statusCode).toBe(200);
    for (const expected of [
      'VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT',
      'Kính gửi: Ông/Bà Nguyễn Văn An',
      'Ngày 08/09/2025, Chi nhánh A tiếp nhận hồ sơ của Ông/Bà đề nghị giải quyết: Thủ tục đăng ký khai sinh, mã hồ sơ 000.01.01.H40-250908-0001.',
      'Thời gian hẹn trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 09/09/2025.',
      'Cần xác minh thông tin hộ tịch với Sở Tư pháp.',
      'đề nghị gia hạn thời gian giải quyết hồ sơ đến 17 giờ 00 phút, ngày 12/09/2025',
      'THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ',
      'Hai, ngày 09 tháng 9 năm 2025',
      // An official letter: its number is written by hand; the specialist who issued it is named under the signature.
      'Số: ……/……',
      'Lê Văn Cường',
    ])
      expect(text).toContain(expected);
  });

  it('prints the process-control slip (06) with one row per hand-over and its result', async () => {
    h.clock.set('2025-09-09T11:00:00+07:00');
    await post('spec.hai', codes.main, 'forward');
    h.clock.set('2025-09-09T14:00:00+07:00');
    await post('appr.hai', codes.main, 'result', { resultFileSha256: await h.upload(await h.token('appr.hai')) });
    h.clock.set('2025-09-09T15:00:00+07:00');
    await post('clerk.branch', codes.main, 'return');
    const clerk = await h.token('clerk.branch');
    const steps = (await h.app.inject({ method: 'GET', url: `/dossiers/${codes.main}/process-control`, headers: auth(clerk) })).json();
    expect(steps.map((s: { role: string; outcome: string | null }) => [s.role, s.outcome])).toEqual([
      ['receive', 'on_time'],
      ['process', 'on_time'],
      ['approve', 'on_time'],
      ['return', 'on_time'],
    ]);
    const { r, text } = await form(clerk, `/dossiers/${codes.main}/forms/06`);
    expect(r.statusCode).toBe(200);
    expect(text.match(/1\. Giao:/g)).toHaveLength(steps.length);
    expect(text.match(/2\. Nhận:/g)).toHaveLength(steps.length);
    for (const expected of [
      'PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ',
      'Cơ quan (bộ phận) giải quyết hồ sơ: Ủy ban nhân dân Xã Hai',
      'Thời gian nhận hồ sơ: 14 giờ 30 phút, ngày 08/09/2025',
      // The date the applicant is now promised is the apology's; the legal due date stands beside it.
      'Thời gian hẹn trả kết quả: 17 giờ 00 phút, ngày 12/09/2025 (hẹn lại theo văn bản xin lỗi; thời hạn theo quy định: 17 giờ 00 phút, ngày 09/09/2025)',
      'TÊN CƠ QUAN',
      'THỜI GIAN GIAO, NHẬN HỒ SƠ',
      'KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/ Đúng hạn/ Quá hạn)',
      'GHI CHÚ',
      '1. Giao: Ông/Bà Nguyễn Văn An (người nộp hồ sơ) 2. Nhận: Chi nhánh A 14 giờ 30 phút, ngày 08/09/2025 Người giao: Nguyễn Văn An Người nhận: Trần Thị Bình Đúng hạn Tiếp nhận hồ sơ Hạn: 15:33 08/09/2025 Xong: 15:10 08/09/2025 Người xử lý: Trần Thị Bình',
      '1. Giao: Chi nhánh A 2. Nhận: Ủy ban nhân dân Xã Hai 15 giờ 10 phút, ngày 08/09/2025 Người giao: Trần Thị Bình Người nhận: …… Đúng hạn Thẩm định, xử lý hồ sơ Hạn: 13:51 09/09/2025 Xong: 11:00 09/09/2025 Người xử lý: Lê Văn Cường',
      '1. Giao: Ủy ban nhân dân Xã Hai 2. Nhận: Ủy ban nhân dân Xã Hai 11 giờ 00 phút, ngày 09/09/2025 Người giao: Lê Văn Cường Người nhận: …… Đúng hạn Phê duyệt kết quả Hạn: 15:57 09/09/2025 Xong: 14:00 09/09/2025 Người xử lý: appr.hai',
      '1. Giao: Ủy ban nhân dân Xã Hai 2. Nhận: Chi nhánh A 14 giờ 00 phút, ngày 09/09/2025 Người giao: appr.hai Người nhận: …… Đúng hạn Trả kết quả Hạn: 17:00 09/09/2025 Xong: 15:00 09/09/2025 Người xử lý: Trần Thị Bình',
    ])
      expect(text).toContain(expected);
    // A receipt reprinted after the apology promises its new date.
    expect((await form(clerk, `/dossiers/${codes.main}/forms/01`)).text).toContain(
      '5. Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 12/09/2025 (hẹn lại theo văn bản xin lỗi; thời hạn theo quy định: 17 giờ 00 phút, ngày 09/09/2025)',
    );
  });

  it('prints the stop notice (05) with the reason and the stage reached', async () => {
    h.clock.set('2025-09-09T15:30:00+07:00');
    await post('clerk.branch', codes.stopped, 'forward');
    await post('appr.hai', codes.stopped, 'stop', { note: 'Người yêu cầu có văn bản đề nghị dừng giải quyết hồ sơ.' });
    const { r, text } = await form(await h.token('clerk.branch'), `/dossiers/${codes.stopped}/forms/05`);
    expect(r.statusCode).toBe(200);
    for (const expected of [
      'THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ',
      'Mã hồ sơ: 000.01.01.H40-250908-0002',
      'Kính gửi: Ông/Bà Hoàng Thị Én',
      'Ủy ban nhân dân Xã Hai thông báo dừng giải quyết hồ sơ của Ông/Bà:',
      'Giai đoạn giải quyết khi dừng: Đang xử lý — bước thẩm định, xử lý hồ sơ tại Ủy ban nhân dân Xã Hai',
      'Người yêu cầu có văn bản đề nghị dừng giải quyết hồ sơ.',
      'Thời gian dừng giải quyết: 15 giờ 30 phút, ngày 09/09/2025',
      'Nghĩa vụ tài chính: Thủ tục không thu phí, lệ phí.',
      'Số: ……/……',
      'Hai, ngày 09 tháng 9 năm 2025',
    ])
      expect(text).toContain(expected);
    // The approver who stopped it signs: their name (the harness keeps the username as appr.hai's full name).
    expect(text).toMatch(/THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ.*appr\.hai/s);
    expect((await form(await h.token('clerk.branch'), `/dossiers/${codes.stopped}/forms/03`)).r.statusCode).toBe(409);
    // Forwarded the day after its receipt step was due: that hand-over is late.
    const slip = await form(await h.token('clerk.branch'), `/dossiers/${codes.stopped}/forms/06`);
    expect(slip.text).toContain(
      '1. Giao: Ông/Bà Hoàng Thị Én (người nộp hồ sơ) 2. Nhận: Chi nhánh A 14 giờ 45 phút, ngày 08/09/2025 Người giao: Hoàng Thị Én Người nhận: Trần Thị Bình Quá hạn Tiếp nhận hồ sơ',
    );
    expect(slip.text).toContain(
      '1. Giao: Chi nhánh A 2. Nhận: Ủy ban nhân dân Xã Hai 15 giờ 30 phút, ngày 09/09/2025 Người giao: Trần Thị Bình Người nhận: …… Quá hạn Thẩm định, xử lý hồ sơ',
    );
  });

  it('prints the refusal (03) with its reason', async () => {
    h.clock.set('2025-09-09T15:40:00+07:00');
    await post('clerk.branch', codes.refused, 'refuse', { note: 'Người đi đăng ký không xuất trình được giấy tờ tùy thân.' });
    const { r, text } = await form(await h.token('clerk.branch'), `/dossiers/${codes.refused}/forms/03`);
    expect(r.statusCode).toBe(200);
    for (const expected of [
      'PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ',
      'Mã hồ sơ: 000.01.01.H40-250908-0003',
      'Ông/Bà: Đặng Văn Giang',
      'Chi nhánh A từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:',
      'Người đi đăng ký không xuất trình được giấy tờ tùy thân.',
      'Thời gian từ chối: 15 giờ 40 phút, ngày 09/09/2025',
      'NGƯỜI TIẾP NHẬN HỒ SƠ',
      'Trần Thị Bình',
    ])
      expect(text).toContain(expected);
  });
});

describe('form 07, the tracking book of a service point', () => {
  const book = (from: string, to: string, unit = 'CN-A') => `/forms/07?unitId=${h.unit(unit)}&from=${from}&to=${to}`;

  it('lists exactly the dossiers the unit received in the period, in Vietnam days, numbered as in its yearly book', async () => {
    const { r, text } = await form(await h.token('clerk.branch'), book('2025-09-08', '2025-09-08'));
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/pdf');
    expect(r.headers['content-disposition']).toBe('inline; filename="mau-07_2025-09-08_2025-09-08.pdf"');
    for (const expected of [
      'SỔ THEO DÕI HỒ SƠ',
      'Quyển số: 2025',
      'Từ ngày 08/09/2025 đến ngày 08/09/2025',
      '(In lúc 15 giờ 40 phút, ngày 09/09/2025)',
      'Đơn vị tiếp nhận: Chi nhánh A; tổng số hồ sơ tiếp nhận trong kỳ: 3',
      'Ngày, tháng, năm',
      'Cơ quan chủ trì giải quyết',
    ]) {
      expect(text).toContain(expected);
    }
    const listed = [...text.matchAll(/(\d+) (000\.\d\d\.\d\d\.H40-\d{6}-\d{4})/g)].map((m) => [Number(m[1]), m[2]]);
    expect(listed).toEqual([
      [2, codes.main],
      [3, codes.stopped],
      [4, codes.refused],
    ]);
    expect(text).toContain(
      `2 ${codes.main} Thủ tục đăng ký khai sinh Nguyễn Văn An Thôn Hai, Xã Hai 0912345678 Ủy ban nhân dân Xã Hai 08/09/2025 14:30 09/09/2025 17:00 08/09/2025 15:10 09/09/2025 14:00 09/09/2025 15:00 Có yêu cầu bổ sung; Xin lỗi, hẹn lại 12/09/2025`,
    );
    expect(text).toContain(`4 ${codes.refused}`);
    expect(text).toContain('Từ chối tiếp nhận');
    expect(text).not.toContain(codes.commune);
    expect(text).not.toContain(codes.dawn);
    expect(text).not.toContain(codes.earlier);
  });

  it('starts a day at midnight in Vietnam, not in UTC', async () => {
    const { text } = await form(await h.token('manager.center'), book('2025-09-09', '2025-09-09'));
    expect([...text.matchAll(/(\d+) (000\.\d\d\.\d\d\.H40-\d{6}-\d{4})/g)].map((m) => [Number(m[1]), m[2]])).toEqual([[5, codes.dawn]]);
  });

  it('is kept per unit: another unit’s clerk gets 403, an agency has no book, the period is bounded', async () => {
    const other = await form(await h.token('clerk.hai'), book('2025-09-01', '2025-09-30'));
    expect(other.r.statusCode).toBe(403);
    expect(other.r.json()).toMatchObject({ code: 'OUT_OF_SCOPE', field: 'querystring.unitId' });
    const own = await form(await h.token('clerk.hai'), book('2025-09-01', '2025-09-30', 'X-HAI-TT'));
    expect(own.r.statusCode).toBe(200);
    expect([...own.text.matchAll(/(\d+) (000\.\d\d\.\d\d\.H40-\d{6}-\d{4})/g)].map((m) => [Number(m[1]), m[2]])).toEqual([
      [1, codes.commune],
    ]);
    const admin = await h.token('admin');
    expect((await form(admin, book('2025-09-01', '2025-09-30'))).r.statusCode).toBe(200);
    const agency = await form(admin, book('2025-09-01', '2025-09-30', 'X-HAI-UB'));
    expect(agency.r.json()).toMatchObject({ code: 'VALIDATION', field: 'querystring.unitId' });
    const unknown = await form(admin, '/forms/07?unitId=99999&from=2025-09-01&to=2025-09-30');
    expect(unknown.r.statusCode).toBe(404);
    expect((await form(admin, book('2025-09-30', '2025-09-01'))).r.json()).toMatchObject({ code: 'VALIDATION', field: 'querystring.to' });
    expect((await form(admin, book('2025-01-01', '2026-01-02'))).r.json()).toMatchObject({ code: 'VALIDATION', field: 'querystring.to' });
    expect((await form(admin, book('2024-01-01', '2024-12-31'))).r.statusCode).toBe(200); // 366 days
    expect((await form(admin, book('2025-02-29', '2025-03-01'))).r.json()).toMatchObject({ code: 'VALIDATION', field: 'querystring.from' });
    expect((await h.app.inject({ method: 'GET', url: book('2025-09-01', '2025-09-30') })).statusCode).toBe(401);
  });

  it('records who printed a book in the audit trail', async () => {
    const rows = await h.database.db
      .selectFrom('audit_log')
      .select(['action', 'entity_id'])
      .where('action', '=', 'forms.tracking_book')
      .execute();
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(rows.every((x) => x.entity_id !== null)).toBe(true);
  });

  it('repeats the header row on every page of a long book', async () => {
    h.clock.set('2025-10-01T08:00:00+07:00');
    for (let k = 0; k < 45; k++) {
      h.clock.advanceHours(0.1);
      await receiveBirth(`Nguyễn Thị Mai ${k + 1}`, true);
    }
    const r = await h.app.inject({ method: 'GET', url: book('2025-10-01', '2025-10-01'), headers: auth(await h.token('clerk.branch')) });
    const pages = await pdfPages(r.rawPayload);
    expect(pages.length).toBeGreaterThan(1);
    for (const [k, page] of pages.entries()) {
      expect(page).toContain('Mã hồ sơ Tên TTHC');
      expect(page).toContain(`Trang ${k + 1}/${pages.length}`);
    }
    const numbers = pages.flatMap((p) =>
      [...p.matchAll(/(\d+) 000\.01\.01\.H40-251001-(\d{4})/g)].map((m) => [Number(m[1]), Number(m[2])]),
    );
    // The book continues after the five dossiers of September: 6, 7, … and each daily number once.
    expect(numbers).toEqual(Array.from({ length: 45 }, (_, k) => [6 + k, k + 1]));
  });
});

describe('the QR code', () => {
  it('encodes the tracking URL under the configured public address, the token in its fragment', async () => {
    const { trackingUrl } = await import('../src/forms/form.model.js');
    for (const [base, code] of [
      ['https://motcua.ninhbinh.gov.vn', '000.00.01.H40-250829-0001'],
      ['https://dichvucong.example.vn/motcua/', '000.20.02.H40-251231-9999'],
    ] as const) {
      const url = trackingUrl(base, code, 'ABCDEFGHJKLM');
      expect(url).toBe(`${base.replace(/\/$/, '')}/tra-cuu/${code}#ABCDEFGHJKLM`);
      expect(decodeQr(qrModules(url))).toBe(url);
    }
    expect(trackingUrl('http://localhost:3000', 'A B/C', 'Z2')).toBe('http://localhost:3000/tra-cuu/A%20B%2FC#Z2');
  });
});

describe('the API document', () => {
  it('declares both routes as PDF responses', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of ['/dossiers/{code}/forms/{form}', '/forms/07']) {
      const ok = doc.paths[path].get.responses['200'];
      expect(ok.content).toEqual({ 'application/pdf': { schema: { type: 'string', format: 'binary' } } });
      expect(doc.paths[path].get.security).toEqual([{ bearer: [] }]);
    }
    expect(doc.paths['/dossiers/{code}/forms/{form}'].get.parameters.find((p: { name: string }) => p.name === 'form').schema).toMatchObject(
      { enum: ['01', '02', '03', '04', '05', '06'] },
    );
  });
});

describe('the public address the QR codes open', () => {
  it('is read from MOTCUA_PUBLIC_URL, an http(s) URL, listed with the other problems when wrong', () => {
    // Unset: the address served, on the port given, so a try-out's QR codes open where it answers.
    expect(loadConfig({}).publicUrl).toBe('http://127.0.0.1:3000');
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://127.0.0.1:8080');
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '3100' }).publicUrl).toBe('http://localhost:3100');
    expect(loadConfig({ MOTCUA_PUBLIC_URL: 'https://motcua.ninhbinh.gov.vn/' }).publicUrl).toBe('https://motcua.ninhbinh.gov.vn');
    expect(loadConfig({ MOTCUA_PUBLIC_URL: 'https://example.vn/motcua/' }).publicUrl).toBe('https://example.vn/motcua');
    for (const wrong of ['ftp://example.vn', 'motcua.example.vn', 'https://example.vn/?a=1', 'https://user:pw@example.vn']) {
      let message = '';
      try {
        loadConfig({ MOTCUA_PUBLIC_URL: wrong, PORT: 'x' });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain('- MOTCUA_PUBLIC_URL must be an http:// or https:// URL without query, fragment or credentials');
      expect(message).toContain('- PORT must be an integer');
    }
  });

  it('goes into the QR code the service prints, called without HTTP', async () => {
    const forms = new FormService({
      db: h.database.db,
      clock: () => h.clock.now,
      auditKey: h.auditKey,
      dossiers: h.services.dossiers,
      org: h.services.org,
      kpi: h.services.kpi,
      publicUrl: 'https://motcua.ninhbinh.gov.vn',
    });
    const actor = await h.services.auth.authenticate(await h.token('clerk.branch'));
    const { fileName, pdf } = await forms.dossierForm(actor, codes.main, '01');
    expect(fileName).toBe(`mau-01_${codes.main}.pdf`);
    expect(qrSymbolsInPdf(pdf).map(decodeQr)).toEqual([`https://motcua.ninhbinh.gov.vn/tra-cuu/${codes.main}#${mainToken}`]);
    expect((await pdfPages(pdf)).join(' ')).toContain(`https://motcua.ninhbinh.gov.vn/tra-cuu/${codes.main} #${mainToken}`);
  });
});
