/**
 * Fees paid online, in a real browser (Playwright + Debian chromium), against a server started as `npm start` starts
 * it: with the payment gateway's simulator as a process of its own. Not a vitest file: run it with tsx; it exits 1
 * on any failure.
 *
 *   npm run build && npx tsx test/e2e/payment.e2e.ts
 *
 * The scenario (certified copy, 2.000815, 2,000 VND at receipt, at Phường Hoa Lư):
 *  1. the ward's clerk receives a dossier at the counter and forwards it (through the API: the counter's own
 *     scenario is staff.e2e.ts);
 *  2. the ward's specialist asks for payment in the console, adding an assessed 48,000 VND line;
 *  3. the citizen opens the tracking page from the receipt's QR code URL: the lines, 50,000 VND still owed, and the
 *     "Thanh toán trực tuyến" button; axe on the page in both languages and widths;
 *  4. the citizen pays on the gateway's page and comes back to /thanh-toan/ket-qua, which says it is paid once the
 *     gateway's callback has settled it (the page reads our record, not the redirect);
 *  5. back on the tracking page: processing again, nothing owed, the e-receipt's link; the receipt is a PDF with its
 *     number, the lines and the amount in words;
 *  6. the clerk's dossier page lists the payment with its receipt.
 */
import type { Browser, Page } from 'playwright-core';
import { samplePdf } from '../../src/demo/demo.model.js';
import {
  axeEverywhere,
  check,
  CONTEXT,
  finish,
  launchBrowser,
  log,
  login,
  pdfText,
  shot,
  startServer,
  switchLanguage,
  watch,
} from './lib.js';

const WARD_CLERK = 'cb.p-hoalu';
const WARD_SPECIALIST = 'cv.p-hoalu';
const PASSWORD = process.env.MOTCUA_DEMO_PASSWORD ?? 'motcua@2026';

async function api<T>(base: string, path: string, opts: { token?: string; body?: unknown; raw?: Uint8Array } = {}): Promise<T> {
  const r = await fetch(`${base}${path}`, {
    method: opts.body !== undefined || opts.raw ? 'POST' : 'GET',
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.raw
        ? { 'content-type': 'application/octet-stream' }
        : opts.body !== undefined
          ? { 'content-type': 'application/json' }
          : {}),
    },
    body: opts.raw ? Buffer.from(opts.raw) : opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${path}: ${r.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

async function main(): Promise<void> {
  const server = await startServer({ dossiers: 10 });
  const base = server.url;
  log(`server: ${base}`);
  let browser: Browser | null = null;
  try {
    // 1. A dossier received and forwarded at the ward.
    const clerk = (await api<{ token: string }>(base, '/auth/login', { body: { username: WARD_CLERK, password: PASSWORD } })).token;
    const scan = await api<{ sha256: string }>(base, '/files', { token: clerk, raw: samplePdf('Bản chính giấy khai sinh') });
    const received = await api<{ code: string; version: number; trackingToken: string }>(base, '/dossiers', {
      token: clerk,
      body: {
        procedureCode: '2.000815',
        applicant: {
          // A new citizen each run, so a re-run against the same server is no duplicate of an open dossier.
          idNumber: `037190${String(Math.floor(Math.random() * 1_000_000)).padStart(6, '0')}`,
          name: 'Đỗ Thị Lan',
          phone: '0912000321',
          address: 'Số 5 đường Tràng An, Phường Hoa Lư',
          communeCode: '14329',
        },
        components: [{ code: 'BC', source: 'upload', fileSha256: scan.sha256 }],
      },
    });
    await api(base, `/dossiers/${received.code}/forward`, { token: clerk, body: { version: received.version } });
    log(`dossier ${received.code} at the ward's committee`);

    browser = await launchBrowser();
    const staffPage = await (await browser.newContext(CONTEXT)).newPage();
    watch(staffPage);
    // 2. The specialist asks for payment, with an amount assessed.
    await login(staffPage, base, WARD_SPECIALIST);
    await staffPage.goto(`${base}/can-bo/ho-so/${received.code}`);
    await staffPage.getByRole('button', { name: 'Yêu cầu nộp phí, thuế', exact: true }).click();
    await staffPage.getByLabel('Tên khoản thu (thuế, phí thẩm định…)').fill('Lệ phí cấp bản sao bổ sung');
    await staffPage.getByLabel('Số tiền (đồng)').fill('48.000');
    await staffPage.locator('.action-form').getByRole('button', { name: 'Xác nhận' }).click();
    await staffPage.locator('.dossier-headline .status-chip', { hasText: 'Chờ nộp phí, thuế' }).waitFor({ timeout: 20_000 });
    const staffPay = staffPage.getByTestId('staff-payments');
    await staffPay.waitFor();
    // The section loads its lines after the page: wait for the sum rather than read it at once (four scenarios share two cores in CI).
    const owed = await staffPay
      .getByText('còn phải nộp 50.000', { exact: false })
      .first()
      .waitFor({ timeout: 20_000 })
      .then(
        () => true,
        () => false,
      );
    check(owed, 'the console shows 50,000 VND still owed');

    // 3. The citizen's tracking page, from the QR code's URL.
    const citizen = await (await browser.newContext(CONTEXT)).newPage();
    watch(citizen);
    await citizen.goto(`${base}/tra-cuu/${received.code}#${received.trackingToken}`);
    const panel = citizen.getByTestId('payment');
    await panel.waitFor();
    check(
      (await citizen.getByTestId('payment-due').innerText()).replace(/\s/g, '').includes('50.000'),
      'the tracking page says 50,000 VND is owed',
    );
    const text = await panel.innerText();
    check(text.includes('Phí chứng thực') && text.includes('Lệ phí cấp bản sao bổ sung'), 'both fee lines are listed');
    await axeEverywhere(citizen, 'tracking page awaiting payment', () => citizen.getByTestId('pay-online'));
    await switchLanguage(citizen, 'vi');
    await citizen.setViewportSize({ width: 1440, height: 900 });
    await shot(citizen, 'tracking-awaiting-payment', { fullPage: true });

    // 4. Paying on the gateway's page, and back.
    await citizen.getByTestId('pay-online').click();
    await citizen.waitForURL(/\/paymentv2\/vpcpay\.html/);
    check((await citizen.locator('body').innerText()).includes('50.000'), "the gateway's page asks for 50,000 VND");
    await citizen.getByRole('button', { name: 'Thanh toán / Pay' }).click();
    await citizen.waitForURL(/\/thanh-toan\/ket-qua/);
    const result = citizen.getByTestId('payment-result');
    await result.getByText('Đã thanh toán', { exact: false }).waitFor({ timeout: 30_000 });
    check((await result.innerText()).includes(received.code), 'the return page names the dossier');
    await axeEverywhere(citizen, 'payment result', () => citizen.getByTestId('payment-result'));
    await switchLanguage(citizen, 'vi');
    await citizen.setViewportSize({ width: 1440, height: 900 });
    await shot(citizen, 'payment-result');

    // 5. The tracking page after payment, and the e-receipt.
    await citizen.getByRole('link', { name: `Về trang tra cứu hồ sơ ${received.code}` }).click();
    await citizen.getByTestId('tracking-status').getByText('Đang xử lý').waitFor({ timeout: 20_000 });
    check((await citizen.getByTestId('payment-due').innerText()).replace(/\s/g, '').startsWith('0'), 'nothing is owed after payment');
    const receiptLink = citizen.getByTestId('payment').getByRole('link', { name: /Biên lai điện tử số/ });
    const href = await receiptLink.getAttribute('href');
    const pdf = new Uint8Array(await (await fetch(`${base}${href}`)).arrayBuffer());
    check(Buffer.from(pdf.subarray(0, 5)).toString() === '%PDF-', 'the e-receipt is a PDF');
    const receipt = await pdfText(pdf);
    // Printed as its series and its number within it: "Ký hiệu: BL26E   Số: 0000002".
    const series = /Ký hiệu:\s*(BL\d{2}E)/.exec(receipt)?.[1];
    const number = /Số:\s*(\d{7})/.exec(receipt)?.[1];
    const no = series && number ? `${series}-${number}` : undefined;
    check(Boolean(no) && receipt.includes('BIÊN LAI THU PHÍ, LỆ PHÍ'), `the e-receipt carries its title and number (${no ?? 'none'})`);
    check(receipt.includes('Năm mươi nghìn đồng'), 'the e-receipt says the amount in words');
    check(receipt.includes(received.code), 'the e-receipt names the dossier');
    await shot(citizen, 'tracking-paid', { fullPage: true });

    // 6. The clerk sees the payment and its receipt.
    await staffPage.goto(`${base}/can-bo/ho-so/${received.code}`);
    await staffPage.getByTestId('staff-payments').getByText(`Biên lai ${no}`).waitFor();
    check(true, 'the console lists the payment with its receipt');
  } finally {
    await browser?.close();
    await server.stop();
  }
}

finish('payment', main);
