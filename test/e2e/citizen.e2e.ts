/**
 * One dossier across every role, in a real browser (Playwright + Debian chromium), through the UI only.
 * Not a vitest file: run it with tsx; it exits 1 on any failure.
 *
 *   npm run build && npx tsx test/e2e/citizen.e2e.ts
 *
 * Without MOTCUA_URL it seeds a small demo province into a temp dir and serves it on a free port, with the
 * forms' QR codes pointing at that server. SCREENSHOTS=1 also saves docs/screenshots/ of the states only this
 * scenario reaches (search results, tracking with a supplement request, the clerk's supplement panel); the
 * other portal pages are shot by `npm run screenshots`.
 *
 * The scenario (birth registration, 1.001193, for a resident of Phường Hoa Lư):
 *  1. a citizen, not logged in, finds the procedure by a search typed without diacritics, reads its page
 *     and submits it online with two uploaded PDFs, choosing the provincial center as the return point;
 *  2. the clerk of Phường Hoa Lư's service center (where it is routed) receives it from the online queue;
 *     the due date appears; the receipt (form 01) holds the code and due date, and its QR code reads back
 *     as this server's tracking page of the dossier; the clerk forwards it to the ward's People's Committee;
 *  3. the specialist there requests a supplement with a reason (form 02 then holds the reason);
 *  4. the citizen opens the tracking page from the QR code's URL with the last 4 phone digits, and sees
 *     the status "Yêu cầu bổ sung hồ sơ", the reason, and the due date marked as paused;
 *  5. the citizen brings the document to the ward's counter: the clerk attaches its scan to the component
 *     and records the supplement as received; processing resumes;
 *  6. the specialist forwards to the approver, who issues the result (an uploaded PDF);
 *  7. the citizen's tracking page says the result is ready and where;
 *  8. the clerk of the provincial center (the chosen return point) hands the result over;
 *  9. the citizen sees "Đã trả kết quả" and rates the service from the tracking page.
 * axe-core (WCAG 2.1 A/AA) runs on every portal page (home, search, procedure, submission, confirmation,
 * tracking with a supplement and with a result, the 404 page) and on the staff pages of the flow, in
 * Vietnamese and English, at 360 px and 1440 px; serious or critical violations fail.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { samplePdf } from '../../src/demo/demo.model.js';
import { decodeQr, qrSymbolsInPdf } from '../qr-decode.js';
import {
  axeEverywhere,
  axePair,
  check,
  CONTEXT,
  downloadPdf,
  finish,
  launchBrowser,
  log,
  login,
  logout,
  pdfText,
  shot,
  startServer,
  vnDateTime,
  vnShort,
  watch,
} from './lib.js';

const PROCEDURE = '1.001193';
const PROCEDURE_NAME = 'Thủ tục đăng ký khai sinh';
const COMMUNE = '14329'; // Phường Hoa Lư
const WARD_CENTER = 'Trung tâm Phục vụ hành chính công Phường Hoa Lư';
const WARD_COMMITTEE = 'Ủy ban nhân dân Phường Hoa Lư';
const PROVINCIAL_CENTER = 'Trung tâm Phục vụ hành chính công tỉnh Ninh Bình';
const WARD_CLERK = 'cb.p-hoalu';
const WARD_SPECIALIST = 'cv.p-hoalu';
const WARD_APPROVER = 'ld.p-hoalu';
const CENTER_CLERK = 'cb.tinh1';
const PHONE = '0987654321';
const PHONE4 = PHONE.slice(-4);
const REASON = 'Giấy chứng sinh bản quét bị mờ, không đọc được họ tên người mẹ: đề nghị nộp bản rõ nét.';

/** What the staff API says of the dossier (read with the token of the logged-in page: the due date to compare). */
async function apiView(
  page: Page,
  base: string,
  code: string,
): Promise<{ dueAt: string | null; status: string; version: number; trackingToken: string }> {
  const token = (await page.evaluate('sessionStorage.getItem("motcua.staff.token")')) as string;
  const r = await fetch(`${base}/dossiers/${code}`, { headers: { authorization: `Bearer ${token}` } });
  if (!r.ok) throw new Error(`GET /dossiers/${code}: ${r.status}`);
  return (await r.json()) as { dueAt: string | null; status: string; version: number; trackingToken: string };
}

/** Opens a dossier from the inbox by searching its code, as staff do. */
async function openFromInbox(page: Page, base: string, code: string): Promise<void> {
  await page.goto(`${base}/can-bo/ho-so`);
  await page.getByLabel('Mã hồ sơ hoặc số CCCD').fill(code);
  await page.getByRole('button', { name: 'Lọc', exact: true }).click();
  await page.getByRole('link', { name: code }).click();
  await page.getByRole('heading', { name: 'Thao tác' }).waitFor();
}

/** Takes an action of the dossier page: its button, the optional reason or file, then "Xác nhận"; waits for the new status. */
async function act(page: Page, button: string, status: string, fill?: (page: Page) => Promise<void>): Promise<void> {
  await page.getByRole('button', { name: button, exact: true }).click();
  if (fill) await fill(page);
  await page.locator('.action-form').getByRole('button', { name: 'Xác nhận' }).click();
  await page.locator('.dossier-message').getByText(`Trạng thái mới: ${status}.`).waitFor({ timeout: 20_000 });
  await page.locator('.dossier-headline .status-chip', { hasText: status }).waitFor();
}

const statusChip = (page: Page) => page.locator('.dossier-headline .status-chip').innerText();
const dueShown = (page: Page) => page.locator('.facts .highlight .due-date').innerText();

/** The citizen's tracking page: the code in the path (as the QR code opens it), the 4 digits typed. */
/** Tracks with the fallback: the page of the code, then the last 4 phone digits. */
async function track(page: Page, url: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(url);
  await page.getByLabel('4 số cuối điện thoại').fill(PHONE4);
  await page.getByRole('button', { name: 'Tra cứu', exact: true }).click();
  await page.getByTestId('tracking-status').waitFor();
}

/** Opens the URL of the receipt's QR code (the token in its fragment): the dossier shows with nothing asked. */
async function trackByQr(page: Page, url: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(url);
  await page.getByTestId('tracking-status').waitFor();
}

async function main(): Promise<void> {
  // Few historical dossiers: this scenario makes its own, and the seed's time is most of the start-up.
  const server = await startServer({ dossiers: 10 });
  const base = server.url;
  log(`server: ${base}`);
  let browser: Browser | null = null;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'motcua-e2e-files-'));
  const file = async (name: string, title: string) => {
    const p = path.join(tmp, name);
    await writeFile(p, samplePdf(title));
    return p;
  };
  try {
    browser = await launchBrowser();
    const citizenContext = await browser.newContext(CONTEXT);
    const citizen = await citizenContext.newPage();
    watch(citizen);
    const staffContext = await browser.newContext(CONTEXT);
    const staff = await staffContext.newPage();
    watch(staff);

    // 1. The citizen finds the procedure without diacritics and submits it online.
    await citizen.goto(`${base}/`);
    await citizen.getByRole('heading', { level: 1 }).waitFor();
    await axeEverywhere(citizen, 'home');
    await citizen.getByLabel('Tên thủ tục hoặc mã thủ tục').first().fill('dang ky khai sinh');
    await citizen.getByRole('button', { name: 'Tìm kiếm' }).first().click();
    await citizen.waitForURL(/\/thu-tuc\?q=dang/);
    const firstResult = citizen.locator('.procedure-list .card-title a').first();
    await firstResult.waitFor();
    check(
      (await firstResult.innerText()) === PROCEDURE_NAME,
      `a search typed without diacritics ("dang ky khai sinh") lists "${PROCEDURE_NAME}" first`,
    );
    await axeEverywhere(citizen, 'search results', () => citizen.locator('.procedure-list'));
    await shot(citizen, 'search');
    await firstResult.click();
    await citizen.getByRole('heading', { level: 1, name: PROCEDURE_NAME }).waitFor();
    check(await citizen.getByText('1 ngày làm việc').first().isVisible(), 'the procedure page shows its time limit (1 ngày làm việc)');
    await axeEverywhere(citizen, 'procedure', () => citizen.locator('.point-list'));
    await citizen.getByRole('link', { name: 'Nộp trực tuyến' }).first().click();
    await citizen.waitForURL(new RegExp(`/nop-ho-so/${PROCEDURE.replace('.', '\\.')}$`));
    await citizen.locator('#f-idNumber').waitFor();
    await axePair(citizen, 'submission form (empty)');
    await citizen.locator('#f-idNumber').fill('037095001234');
    await citizen.locator('#f-name').fill('Trần Thị Kiểm Thử');
    await citizen.locator('#f-phone').fill(PHONE);
    await citizen.locator('#f-address').fill('Số 8 đường Tràng An');
    await citizen.locator('#f-communeCode').selectOption(COMMUNE);
    await citizen.locator('#file-TK').setInputFiles(await file('to-khai.pdf', 'To khai dang ky khai sinh'));
    await citizen.locator('#file-GCS').setInputFiles(await file('giay-chung-sinh.pdf', 'Giay chung sinh (mo)'));
    await citizen.locator('.upload-done').nth(1).waitFor({ timeout: 20_000 });
    await citizen.locator('#f-returnPoint').selectOption({ label: PROVINCIAL_CENTER });
    await citizen.locator('#f-confirm').check();
    await axeEverywhere(citizen, 'submission form (filled, two files uploaded)');
    await citizen.getByRole('button', { name: 'Nộp hồ sơ', exact: true }).click();
    await citizen.locator('.success-code').waitFor({ timeout: 20_000 });
    const code = (await citizen.locator('.success-code').innerText()).trim();
    check(/^001\.01\.90\.H42-\d{6}-\d{4}$/.test(code), `the submission answers a code of the ward's service point (${code})`);
    const facts = citizen.locator('.success .facts-grid');
    check(
      (await facts.getByText('Mới đăng ký trực tuyến', { exact: true }).count()) === 1,
      'the confirmation shows the status "Mới đăng ký trực tuyến"',
    );
    check(
      (await facts.getByText(WARD_CENTER, { exact: true }).count()) === 1,
      `the confirmation names the receiving point (${WARD_CENTER}), by the applicant's ward`,
    );
    check(
      (await facts.getByText(WARD_COMMITTEE, { exact: true }).count()) === 1,
      `the confirmation names the competent agency (${WARD_COMMITTEE})`,
    );
    check((await facts.getByText(PROVINCIAL_CENTER, { exact: true }).count()) === 1, 'the confirmation names the chosen return point');
    const ownUrl = (await citizen.getByTestId('tracking-url').innerText()).trim();
    check(
      new RegExp(`^${base.replace(/[.]/g, '\\.')}/tra-cuu/${code.replace(/[.]/g, '\\.')}#[A-HJ-NP-Z2-9]{12}$`).test(ownUrl),
      `the confirmation gives the dossier's own tracking link (${ownUrl})`,
    );
    await axePair(citizen, 'submission confirmation');
    await citizen.getByRole('link', { name: 'Theo dõi hồ sơ' }).click();
    await citizen.getByTestId('tracking-status').waitFor();
    check(
      citizen.url() === ownUrl && (await citizen.getByLabel('4 số cuối điện thoại').count()) === 0,
      'the tracking link opens the dossier, asking for no digits',
    );
    check(
      (await citizen.getByTestId('tracking-status').innerText()) === 'Mới đăng ký trực tuyến',
      'tracking right after submission: "Mới đăng ký trực tuyến"',
    );
    check(
      (await citizen.getByTestId('tracking-due').innerText()) === 'Có sau khi tiếp nhận',
      'before receipt there is no due date yet ("Có sau khi tiếp nhận")',
    );

    // 2. The ward's clerk receives it from the online queue, prints the receipt and forwards it.
    await login(staff, base, WARD_CLERK);
    await staff.getByRole('link', { name: 'Hồ sơ nộp trực tuyến chờ tiếp nhận' }).click();
    await staff.getByRole('link', { name: code }).click();
    await staff.getByRole('heading', { name: 'Thao tác' }).waitFor();
    check((await statusChip(staff)) === 'Mới đăng ký trực tuyến', 'the clerk finds it among online submissions awaiting receipt');
    check(await staff.getByText('Trực tuyến', { exact: true }).isVisible(), 'the dossier page says it was filed online');
    await act(staff, 'Tiếp nhận hồ sơ', 'Đã tiếp nhận');
    let view = await apiView(staff, base, code);
    check(view.status === 'received' && view.dueAt !== null, 'received: the legal clock has started');
    check((await dueShown(staff)) === vnShort(view.dueAt!), `the dossier page shows the due date (${vnShort(view.dueAt!)})`);
    const receipt = await downloadPdf(staff, staff.getByRole('button', { name: 'Giấy tiếp nhận và hẹn trả (01)' }));
    const receiptText = await pdfText(receipt);
    check(
      receiptText.includes(code) && receiptText.includes(vnDateTime(view.dueAt!)),
      `the receipt (form 01) holds the code and the due date (${vnDateTime(view.dueAt!)})`,
    );
    const qr = qrSymbolsInPdf(Buffer.from(receipt)).map(decodeQr);
    const trackingUrl = `${base}/tra-cuu/${code}`;
    const qrUrl = `${trackingUrl}#${view.trackingToken}`;
    check(qrUrl === ownUrl, 'the receipt carries the tracking link the citizen got online');
    check(qr.length === 1 && qr[0] === qrUrl, `the receipt's QR code reads ${qr[0]} (expected ${qrUrl})`);
    check(
      (await staff.getByTestId('tracking-token').innerText()) === view.trackingToken,
      'the dossier page shows the tracking token to the clerk (a reprinted receipt carries the same)',
    );
    await act(staff, 'Chuyển bước tiếp theo', 'Đang xử lý');
    check(
      (await staff.locator('.facts dt', { hasText: 'Đang xử lý tại' }).locator('xpath=following-sibling::dd').innerText()) ===
        WARD_COMMITTEE,
      `forwarded to ${WARD_COMMITTEE}`,
    );
    await logout(staff);

    // 3. The specialist requests a supplement, with the reason.
    await login(staff, base, WARD_SPECIALIST);
    await openFromInbox(staff, base, code);
    await axePair(staff, 'dossier (specialist, processing)');
    await act(staff, 'Yêu cầu bổ sung', 'Yêu cầu bổ sung', async (p) => {
      await p.locator('.action-form').getByLabel('Lý do (bắt buộc)').fill(REASON);
    });
    check(
      (await staff.getByTestId('supplement-reason').innerText()) === REASON,
      'the dossier page shows the supplement request and its reason',
    );
    const form02 = await pdfText(await downloadPdf(staff, staff.getByRole('button', { name: 'Phiếu yêu cầu bổ sung (02)' })));
    check(
      form02.includes(code) && form02.includes(REASON.replace(/\s+/g, ' ')),
      'the supplement request (form 02) holds the code and the reason',
    );
    await axePair(staff, 'dossier (supplement requested)');
    await logout(staff);

    // 4. The citizen tracks it from the URL in the receipt's QR code.
    await trackByQr(citizen, qr[0] ?? qrUrl);
    check(
      (await citizen.getByLabel('4 số cuối điện thoại').count()) === 0,
      'the QR code URL opens the tracking page with the dossier shown, asking for no phone digits',
    );
    check(
      (await citizen.getByTestId('tracking-status').innerText()) === 'Yêu cầu bổ sung hồ sơ',
      'the citizen sees the status "Yêu cầu bổ sung hồ sơ"',
    );
    check((await citizen.locator('.supplement-reason').innerText()) === REASON, 'the citizen sees the reason for the supplement');
    check(
      (await citizen.getByTestId('supplement').innerText()).includes(WARD_CENTER),
      `the citizen is told where to bring it (${WARD_CENTER})`,
    );
    check(
      (await citizen.getByTestId('tracking-due').innerText()) === `${vnShort(view.dueAt!)}\nTạm dừng, chờ bổ sung`,
      `the due date shown (${vnShort(view.dueAt!)}) is marked as paused`,
    );
    await axePair(citizen, 'tracking (supplement requested)');
    await shot(citizen, 'tracking-supplement', { fullPage: true });

    // 5. The citizen brings the document to the ward's counter: the clerk attaches it and records the supplement.
    await login(staff, base, WARD_CLERK);
    await openFromInbox(staff, base, code);
    await staff.getByLabel('Thành phần được bổ sung').selectOption('GCS');
    await staff.getByLabel('Bản quét giấy tờ bổ sung').setInputFiles(await file('giay-chung-sinh-ro.pdf', 'Giay chung sinh (ro net)'));
    await staff.getByRole('button', { name: 'Đính kèm bản bổ sung' }).click();
    await staff
      .locator('.dossier-message')
      .getByText('Đã đính kèm bản bổ sung cho thành phần: Giấy chứng sinh')
      .waitFor({ timeout: 20_000 });
    check(true, 'the clerk attaches the supplementary scan to its component');
    await axePair(staff, 'dossier (clerk, supplement to record)');
    await shot(staff, 'staff-supplement');
    await act(staff, 'Đã nhận bổ sung', 'Đang xử lý');
    view = await apiView(staff, base, code);
    check(
      (await dueShown(staff)) === vnShort(view.dueAt!),
      `after the supplement the page shows the due date, moved by the working time waited (${vnShort(view.dueAt!)})`,
    );
    await logout(staff);

    // 6. The specialist forwards to the approver, who issues the result.
    await login(staff, base, WARD_SPECIALIST);
    await openFromInbox(staff, base, code);
    check(
      (await staff.getByRole('button', { name: 'Yêu cầu bổ sung', exact: true }).count()) === 0,
      'a second supplement request is not offered',
    );
    await act(staff, 'Chuyển bước tiếp theo', 'Đang xử lý');
    await logout(staff);
    await login(staff, base, WARD_APPROVER);
    await openFromInbox(staff, base, code);
    await act(staff, 'Trả kết quả giải quyết (ký số)', 'Đã có kết quả', async (p) => {
      await p
        .locator('.action-form')
        .getByLabel('Tệp kết quả (PDF, JPEG, PNG, TIFF)')
        .setInputFiles(await file('giay-khai-sinh.pdf', 'Giay khai sinh'));
    });
    check(
      (await staff.locator('.facts dt', { hasText: 'Đang xử lý tại' }).locator('xpath=following-sibling::dd').innerText()) ===
        PROVINCIAL_CENTER,
      'the result goes to the return point the citizen chose',
    );
    await axePair(staff, 'dossier (result ready)');
    await logout(staff);

    // 7. The citizen sees that the result is ready, and where: by the code and the phone digits this time.
    await track(citizen, trackingUrl);
    check(citizen.url() === qrUrl, 'found by the digits, the address becomes the tracking link (so a reload asks for nothing)');
    // A wrong token is refused and the form (the fallback) is offered.
    await citizen.goto('about:blank');
    await citizen.goto(`${trackingUrl}#${view.trackingToken.startsWith('A') ? 'B' : 'A'}${view.trackingToken.slice(1)}`);
    await citizen.getByRole('alert').waitFor();
    check(
      (await citizen.getByRole('alert').innerText()).includes('Đường dẫn tra cứu này không đúng') &&
        (await citizen.getByLabel('4 số cuối điện thoại').isVisible()),
      'a wrong token is refused, and the code and digits form is offered instead',
    );
    await trackByQr(citizen, qrUrl);
    check((await citizen.getByTestId('tracking-status').innerText()) === 'Đã có kết quả', 'the citizen sees "Đã có kết quả"');
    check(
      (await citizen.getByTestId('result-ready').innerText()) === `Đã có kết quả: mời ông/bà nhận tại ${PROVINCIAL_CENTER}.`,
      'the citizen is told where to collect the result',
    );

    // 8. The clerk of the provincial center hands the result over.
    await login(staff, base, CENTER_CLERK);
    await openFromInbox(staff, base, code);
    await act(staff, 'Đã trả kết quả cho công dân', 'Đã trả kết quả');
    check(
      (await staff.getByRole('heading', { name: 'Thao tác' }).locator('xpath=..').innerText()).includes('không có thao tác nào'),
      'once returned, no action is left',
    );
    await logout(staff);

    // 9. The citizen sees the result returned and rates the service (the page opened by the QR code rates with the token).
    await trackByQr(citizen, qrUrl);
    check((await citizen.getByTestId('tracking-status').innerText()) === 'Đã trả kết quả', 'the citizen sees "Đã trả kết quả"');
    check(
      (await citizen.getByTestId('tracking-due').innerText()) === vnShort(view.dueAt!),
      `the tracking page shows the due date (${vnShort(view.dueAt!)})`,
    );
    const labels = await citizen.locator('.timeline-label').allInnerTexts();
    const expected = [
      'Nộp hồ sơ trực tuyến',
      'Tiếp nhận hồ sơ',
      'Chuyển xử lý',
      'Yêu cầu bổ sung hồ sơ',
      'Số hóa thành phần hồ sơ',
      'Đã nhận hồ sơ bổ sung',
      'Chuyển xử lý',
      'Có kết quả giải quyết',
      'Đã trả kết quả',
    ];
    check(JSON.stringify(labels) === JSON.stringify(expected), `the timeline lists every step in order (${labels.join(' → ')})`);
    check(
      (await citizen.locator('.timeline-note').allInnerTexts()).join('|') === `Lý do: ${REASON}`,
      'the timeline keeps the supplement reason, and no internal note',
    );
    await axeEverywhere(citizen, 'tracking (result returned, rating form)', () => citizen.locator('.rating-form'));
    await citizen.getByLabel('Hài lòng', { exact: true }).check();
    await citizen.getByLabel(/Góp ý/).fill('Cán bộ hướng dẫn bổ sung rõ ràng.');
    await citizen.getByRole('button', { name: 'Gửi đánh giá' }).click();
    await citizen.getByRole('heading', { name: 'Cảm ơn bạn đã đánh giá' }).waitFor();
    check(await citizen.getByText('Đánh giá của bạn: Hài lòng.').isVisible(), 'the rating is recorded ("Đánh giá của bạn: Hài lòng.")');
    await trackByQr(citizen, qrUrl);
    check(
      (await citizen.locator('.rating-form').count()) === 0 && (await citizen.getByText('Đánh giá của bạn: Hài lòng.').isVisible()),
      'tracked again, the dossier shows its rating and no second form',
    );
    await axePair(citizen, 'tracking (rated)');

    // The 404 page.
    await citizen.goto(`${base}/khong-co-trang-nay`);
    await citizen.getByRole('heading', { name: 'Không tìm thấy trang' }).waitFor();
    await axeEverywhere(citizen, '404', (lang) =>
      citizen.getByRole('heading', { name: lang === 'en' ? 'Page not found' : 'Không tìm thấy trang' }),
    );
  } finally {
    await browser?.close();
    await rm(tmp, { recursive: true, force: true });
    await server.stop();
  }
}

finish('citizen e2e', main);
