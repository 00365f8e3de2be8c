/**
 * End-to-end check of the staff console in a real browser (Playwright + Debian chromium). Not a vitest
 * file: run it with tsx; it exits 1 on any failure.
 *
 *   npm run build && npx tsx test/e2e/staff.e2e.ts
 *
 * Without MOTCUA_URL it seeds a small demo province into a fresh temp data dir and starts the server on a
 * free port (stopped at the end). With MOTCUA_URL it uses that server (demo logins, password motcua@2026).
 * SCREENSHOTS=1 also saves docs/screenshots/staff-*.png at 1440×900 and 360×800.
 *
 * Steps: a provincial clerk logs in, receives a dossier at the counter for an applicant whose document
 * store holds an earlier result: one component uploaded as a PDF, one taken from the store, the result to
 * be returned at a branch; the receipt (form 01) must hold the dossier code and the due date; a clerk of
 * another service point gets "not found" for that dossier; the manager's overview shows its table, and
 * the manager's tracking book (form 07) of the center for this month lists the dossier. axe-core
 * (WCAG 2.1 A/AA) runs on every staff page, in Vietnamese and English at 360 and 1440 px, and fails on
 * serious or critical violations.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { samplePdf } from '../../src/demo/demo.model.js';
import {
  axeEverywhere,
  check,
  CONTEXT,
  PASSWORD,
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
  watch,
} from './lib.js';

const CLERK = 'cb.tinh1';
const OTHER_CLERK = 'cb.p-hoalu';
const MANAGER = 'ql.tinh';
const PROCEDURE = '1.001193'; // birth registration: non-territorial, an upload, a paper and a population-database component
const COMMUNE = process.env.MOTCUA_E2E_COMMUNE ?? '14329';
const RETURN_POINT = 'Chi nhánh Phủ Lý – Trung tâm Phục vụ hành chính công tỉnh Ninh Bình';

/**
 * Set-up, not a user step: an applicant of the demo whose document store holds a document (a result of an
 * earlier dossier), found through the API as the administrator.
 */
async function applicantWithStore(base: string, clerkToken: string): Promise<{ idNumber: string; documents: number }> {
  const json = async (r: Response) => {
    if (!r.ok) throw new Error(`${r.url}: ${r.status}`);
    return r.json() as Promise<unknown>;
  };
  const { token } = (await json(
    await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    }),
  )) as { token: string };
  const headers = { authorization: `Bearer ${token}` };
  const returned = (await json(await fetch(`${base}/dossiers?status=returned,result_ready&limit=20`, { headers }))) as { code: string }[];
  for (const { code } of returned) {
    const d = (await json(await fetch(`${base}/dossiers/${code}`, { headers }))) as { applicant: { idNumber: string } };
    // The store is read by staff who receive or process dossiers (not the administrator).
    const docs = (await json(
      await fetch(`${base}/store-documents?idNumber=${d.applicant.idNumber}`, { headers: { authorization: `Bearer ${clerkToken}` } }),
    )) as unknown[];
    if (docs.length) return { idNumber: d.applicant.idNumber, documents: docs.length };
  }
  throw new Error('no demo applicant has a document in the store: seed more dossiers');
}

async function main(): Promise<void> {
  const server = await startServer();
  const base = server.url;
  log(`server: ${base}`);
  let browser: Browser | null = null;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'motcua-e2e-files-'));
  try {
    browser = await launchBrowser();
    const context = await browser.newContext(CONTEXT);
    const page = await context.newPage();
    watch(page);

    // 1. Log-in page, then the home page of a clerk.
    await page.goto(`${base}/can-bo/ho-so`);
    await page.waitForURL(/\/can-bo\/dang-nhap/);
    check(true, 'an anonymous visit to the inbox goes to log-in');
    await page.getByRole('heading', { name: 'Đăng nhập cán bộ' }).waitFor();
    await axeEverywhere(page, 'log-in');
    await shot(page, 'staff-login');
    await page.getByLabel('Tên đăng nhập').fill(CLERK);
    await page.getByLabel('Mật khẩu').fill('wrong-password');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByText('Tên đăng nhập hoặc mật khẩu không đúng.').waitFor();
    check(true, 'a wrong password is refused with a message');
    await login(page, base, CLERK);
    check(page.url().includes('/can-bo/ho-so'), 'after log-in the clerk lands where they were going (the inbox)');
    await page.locator('.inbox-table, .result-count').first().waitFor();
    await axeEverywhere(page, 'inbox');
    await page.goto(`${base}/can-bo`);
    await page.getByRole('heading', { name: /Xin chào/ }).waitFor();
    check(await page.getByText(CLERK, { exact: true }).isVisible(), 'the home page shows who is logged in');
    await axeEverywhere(page, 'home');

    // 2. Counter intake with an uploaded PDF.
    await page.goto(`${base}/can-bo/tiep-nhan`);
    await page.getByLabel('Tìm thủ tục').fill(PROCEDURE);
    await page.getByRole('button', { name: 'Tìm', exact: true }).click();
    await page.locator('.picker-list button').first().click();
    await page.locator('.point-ok, .point-warn').waitFor();
    check(await page.locator('.point-ok').isVisible(), 'a non-territorial procedure says this point may receive it');
    const holder = await applicantWithStore(base, (await page.evaluate('sessionStorage.getItem("motcua.staff.token")')) as string);
    await page.getByLabel('Số CCCD (12 số)').fill(holder.idNumber);
    await page.getByLabel('Họ và tên').fill('Nguyễn Văn Kiểm Thử');
    await page.getByLabel('Số điện thoại').fill('0912345678');
    await page.getByLabel('Địa chỉ', { exact: true }).fill('Số 1 đường Trần Hưng Đạo');
    await page.getByLabel('Xã, phường nơi cư trú').selectOption(COMMUNE);
    await page.getByRole('button', { name: 'Tra cứu kho dữ liệu của công dân' }).click();
    check(
      (await page.getByTestId('store-result').innerText()) ===
        `Kho dữ liệu có ${holder.documents} giấy tờ; chọn «Lấy từ kho dữ liệu» ở thành phần tương ứng.`,
      `the applicant's document store is looked up (${holder.documents} document(s))`,
    );
    const scan = path.join(tmp, 'to-khai.pdf');
    await writeFile(scan, samplePdf('To khai dang ky khai sinh'));
    const component = (name: RegExp) => page.locator('.intake-component').filter({ has: page.locator('.comp-name', { hasText: name }) });
    const tk = component(/^Tờ khai đăng ký khai sinh/);
    await tk.locator('input[type=file]').setInputFiles(scan);
    await tk.locator('.upload-done').waitFor();
    check(true, 'the declaration is uploaded as a PDF scan');
    const gcs = component(/^Giấy chứng sinh/);
    await gcs.getByRole('radio', { name: 'Lấy từ kho dữ liệu' }).check();
    await gcs.getByRole('combobox').selectOption({ index: 1 });
    check(true, 'the birth certificate notice is taken from the document store');
    await page.getByLabel('Nơi trả kết quả').selectOption({ label: RETURN_POINT });
    await axeEverywhere(page, 'intake (filled)');
    await shot(page, 'staff-intake', { fullPage: true });
    await page.getByRole('button', { name: 'Tiếp nhận hồ sơ' }).click();
    await page.getByTestId('dossier-code').waitFor({ timeout: 20_000 });
    const code = (await page.getByTestId('dossier-code').innerText()).trim();
    check(/^[0-9A-Z.]+-\d{6}-\d{4}$/.test(code), `the intake answers a dossier code (${code})`);
    check(
      (await page.getByTestId('return-point').innerText()) === RETURN_POINT,
      `the result will be returned where the applicant chose (${RETURN_POINT})`,
    );
    await axeEverywhere(page, 'intake (received)');

    // 3. The receipt (form 01): opened with the token; its text holds the code and the due date.
    const token = (await page.evaluate('sessionStorage.getItem("motcua.staff.token")')) as string;
    const view = (await (await fetch(`${base}/dossiers/${code}`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      dueAt: string;
    };
    const pdf = await downloadPdf(page, page.getByRole('button', { name: 'In giấy tiếp nhận' }));
    check(Buffer.from(pdf.subarray(0, 5)).toString() === '%PDF-', 'the receipt opened by the button is a PDF');
    const text = await pdfText(pdf);
    check(text.includes(code), 'the receipt PDF contains the dossier code');
    check(text.includes(vnDateTime(view.dueAt)), `the receipt PDF contains the due date (${vnDateTime(view.dueAt)})`);
    const shownDue = await page.getByTestId('due-at').innerText();
    check(shownDue.includes(vnDateTime(view.dueAt).slice(-10)), `the page shows the same due date (${shownDue})`);

    // 4. The dossier page, with its actions.
    await page.goto(`${base}/can-bo/ho-so/${code}`);
    await page.getByRole('heading', { name: 'Thao tác' }).waitFor();
    check(await page.getByRole('button', { name: 'Chuyển bước tiếp theo' }).isVisible(), 'the receiving clerk is offered "forward"');
    check(await page.getByText('Giấy tiếp nhận và hẹn trả (01)').isVisible(), 'the dossier page offers the receipt to print');
    const gcsRow = page.locator('.st-table tr', { has: page.locator('th', { hasText: /^Giấy chứng sinh/ }) });
    check(
      (await gcsRow.locator('td').first().innerText()) === 'Kho dữ liệu của công dân',
      'the dossier records the component as taken from the document store',
    );
    await axeEverywhere(page, 'dossier');
    await shot(page, 'staff-dossier', { fullPage: true });
    await logout(page);

    // 5. A clerk of another service point cannot open it.
    await login(page, base, OTHER_CLERK);
    await page.goto(`${base}/can-bo/ho-so/${code}`);
    await page.getByTestId('dossier-not-found').waitFor();
    check(true, `a clerk of another point (${OTHER_CLERK}) gets "not found" for ${code}`);
    await axeEverywhere(page, 'dossier (not found)');
    await logout(page);

    // 6. The manager's overview.
    await login(page, base, MANAGER);
    // The manager's inbox spans the center and its branches: the fuller picture for the screenshot.
    await page.goto(`${base}/can-bo/ho-so`);
    await page.locator('.inbox-table, .result-count').first().waitFor();
    await axeEverywhere(page, 'inbox (manager)');
    await shot(page, 'staff-inbox');
    await page.goto(`${base}/can-bo/tong-quan`);
    await page.locator('.overview-table, .overview-totals').first().waitFor();
    check(await page.locator('.overview-totals').isVisible(), 'the overview shows the totals');
    if (await page.locator('.overview-table').count()) await page.locator('.overview-chart canvas').waitFor();
    await axeEverywhere(page, 'overview');
    await shot(page, 'staff-overview');

    // 7. The tracking book (form 07) of the provincial center for this month, from the console.
    await page.getByRole('link', { name: 'Sổ theo dõi' }).click();
    await page.getByRole('heading', { name: 'Sổ theo dõi hồ sơ (mẫu 07)' }).waitFor();
    await page.getByLabel('Điểm tiếp nhận').selectOption({ label: 'Trung tâm Phục vụ hành chính công tỉnh Ninh Bình' });
    await axeEverywhere(page, 'tracking book');
    const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() + 7 * 3_600_000 - 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Từ ngày').fill(today);
    await page.getByLabel('Đến ngày (tính cả ngày này)').fill(yesterday);
    await page.getByRole('button', { name: 'Lập sổ' }).click();
    check(
      await page.getByText('Ngày kết thúc phải từ ngày bắt đầu trở đi.').isVisible(),
      'a period ending before it starts is refused with a message',
    );
    await page.getByLabel('Từ ngày').fill(`${today.slice(0, 8)}01`);
    await page.getByLabel('Đến ngày (tính cả ngày này)').fill(today);
    await page.getByRole('button', { name: 'Lập sổ' }).click();
    const book = await pdfText(await downloadPdf(page, page.getByRole('button', { name: 'Mở sổ theo dõi (PDF)' })));
    check(book.includes(code), `the tracking book of the provincial center for this month lists ${code}`);
    await axeEverywhere(page, 'tracking book (ready)');
    await shot(page, 'staff-book');
  } finally {
    await browser?.close();
    await rm(tmp, { recursive: true, force: true });
    await server.stop();
  }
}

finish('staff e2e', main);
