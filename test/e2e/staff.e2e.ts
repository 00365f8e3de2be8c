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
 * store holds an earlier result: the clerk starts an intake for them and lists the store with it, takes the
 * component of that result's document type from the store and uploads the others as PDFs, the result to
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
  axePair,
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
const COMMUNE = process.env.MOTCUA_E2E_COMMUNE ?? '14329';
const RETURN_POINT = 'Chi nhánh Phủ Lý – Trung tâm Phục vụ hành chính công tỉnh Ninh Bình';
const CENTER = 'Trung tâm Phục vụ hành chính công tỉnh Ninh Bình';

/**
 * A procedure with a component that takes, from the store, a document of each type a demo result has (its code, the
 * start of the component's name). The applicant's store is private: only a document of the component's own type
 * stands in for it.
 */
const REUSE: Record<string, { procedure: string; component: RegExp }> = {
  GIAY_KHAI_SINH: { procedure: '1.004884', component: /^Bản sao giấy tờ, hồ sơ có thông tin về nội dung khai sinh/ },
  GIAY_CHUNG_NHAN_KET_HON: { procedure: '1.004746', component: /^Bản sao Giấy chứng nhận kết hôn/ },
  TRICH_LUC_KHAI_TU: { procedure: '1.001731', component: /^Trích lục khai tử/ },
  GCN_QUYEN_SU_DUNG_DAT: { procedure: '1.012783', component: /^Bản gốc Giấy chứng nhận quyền sử dụng đất/ },
};

/**
 * Set-up, not a user step: an applicant of the demo whose document store holds an earlier result of a type in REUSE,
 * found as the clerk would: an intake in progress for the citizen (POST /intakes), then the store listed with it.
 * The intakes of the other candidates are closed again (a clerk holds only a few at once).
 */
async function applicantWithStore(
  base: string,
  clerkToken: string,
): Promise<{ idNumber: string; documents: number; reuse: { procedure: string; component: RegExp } }> {
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
  const clerk = { authorization: `Bearer ${clerkToken}`, 'content-type': 'application/json' };
  const returned = (await json(await fetch(`${base}/dossiers?status=returned,result_ready&limit=100`, { headers }))) as { code: string }[];
  const seen = new Set<string>();
  for (const { code } of returned) {
    const d = (await json(await fetch(`${base}/dossiers/${code}`, { headers }))) as { applicant: { idNumber: string } };
    const idNumber = d.applicant.idNumber;
    if (seen.has(idNumber)) continue;
    seen.add(idNumber);
    const intake = (await json(await fetch(`${base}/intakes`, { method: 'POST', headers: clerk, body: JSON.stringify({ idNumber }) }))) as {
      id: number;
    };
    const docs = (await json(await fetch(`${base}/store-documents?intakeId=${intake.id}`, { headers: clerk }))) as {
      documentType: { code: string } | null;
    }[];
    const type = docs.map((x) => x.documentType?.code).find((c) => c && c in REUSE);
    if (type) return { idNumber, documents: docs.length, reuse: REUSE[type]! };
    await fetch(`${base}/intakes/${intake.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${clerkToken}` } });
  }
  throw new Error(`no demo applicant has a result of a type among ${Object.keys(REUSE).join(', ')} in the store: seed more dossiers`);
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

    // 2. Counter intake with an uploaded PDF and a document from the applicant's store.
    const holder = await applicantWithStore(base, (await page.evaluate('sessionStorage.getItem("motcua.staff.token")')) as string);
    await page.goto(`${base}/can-bo/tiep-nhan`);
    await page.getByLabel('Tìm thủ tục').fill(holder.reuse.procedure);
    await page.getByRole('button', { name: 'Tìm', exact: true }).click();
    await page.locator('.picker-list button').first().click();
    await page.locator('.point-ok, .point-warn').waitFor();
    check(await page.locator('.point-ok').isVisible(), 'a non-territorial procedure says this point may receive it');
    await page.getByLabel('Số CCCD (12 số)').fill(holder.idNumber);
    await page.getByLabel('Họ và tên').fill('Nguyễn Văn Kiểm Thử');
    await page.getByLabel('Số điện thoại').fill('0912345678');
    await page.getByLabel('Địa chỉ', { exact: true }).fill('Số 1 đường Trần Hưng Đạo');
    await page.getByLabel('Xã, phường nơi cư trú').selectOption(COMMUNE);
    // The clerk has checked the ID card: the look-up starts an intake for the citizen and lists the store with it.
    await page.getByRole('button', { name: 'Tra cứu kho dữ liệu của công dân' }).click();
    check(
      (await page.getByTestId('store-result').innerText()) ===
        `Kho dữ liệu có ${holder.documents} giấy tờ; chọn «Lấy từ kho dữ liệu» ở thành phần tương ứng.`,
      `the applicant's document store is looked up (${holder.documents} document(s))`,
    );
    const scan = path.join(tmp, 'to-khai.pdf');
    await writeFile(scan, samplePdf('To khai'));
    const component = (name: RegExp) => page.locator('.intake-component').filter({ has: page.locator('.comp-name', { hasText: name }) });
    const reused = component(holder.reuse.component);
    await reused.getByRole('radio', { name: 'Lấy từ kho dữ liệu' }).check();
    await reused.getByRole('combobox').selectOption({ index: 1 });
    check(true, 'the component of the document type the store holds is taken from the store');
    // Every other component asked for as an upload gets the PDF.
    const uploads = page.locator('.intake-component input[type=file]');
    const files = await uploads.count();
    for (let n = 0; n < files; n++) {
      await uploads.nth(n).setInputFiles(scan);
      await page.locator('.intake-component .upload-done').nth(n).waitFor();
    }
    check(files > 0, `the other documents are uploaded as PDF scans (${files})`);
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
    const reusedRow = page.locator('.st-table tr', { has: page.locator('th', { hasText: holder.reuse.component }) });
    check(
      (await reusedRow.locator('td').first().innerText()) === 'Kho dữ liệu của công dân',
      'the dossier records the component as taken from the document store',
    );
    await axeEverywhere(page, 'dossier');
    await shot(page, 'staff-dossier', { fullPage: true });

    // 4b. The applicant asks at the counter to stop the SMS notices: a confirm step naming the number, then the
    // server's answer; asked again, the server says it was stopped already. No e-mail was given: no e-mail button.
    const notices = page.getByTestId('dossier-notices');
    await notices.getByRole('button', { name: 'Dừng gửi SMS' }).click();
    check(
      (await notices.getByRole('group').innerText()).includes('Người nộp hồ sơ yêu cầu dừng nhận SMS thông báo tới 0912345678?'),
      'stopping the SMS notices asks to confirm, naming the phone number',
    );
    await axePair(page, 'dossier (stop SMS, confirm step)');
    await notices.getByRole('button', { name: 'Xác nhận dừng' }).click();
    await notices.getByTestId('opt-out-result').waitFor();
    check(
      (await notices.getByTestId('opt-out-result').innerText()) === 'Đã dừng gửi SMS thông báo tới người nộp hồ sơ.',
      'the SMS notices of the applicant are stopped',
    );
    check(
      (await notices.getByRole('button', { name: 'Dừng gửi thư điện tử' }).count()) === 0,
      'without an e-mail address, no e-mail button',
    );
    await notices.getByRole('button', { name: 'Dừng gửi SMS' }).click();
    await notices.getByRole('button', { name: 'Xác nhận dừng' }).click();
    await notices.getByTestId('opt-out-result').filter({ hasText: 'từ trước' }).waitFor();
    check(
      (await notices.getByTestId('opt-out-result').innerText()) === 'SMS thông báo tới người nộp hồ sơ đã được dừng từ trước.',
      'asked again, the server answers that the SMS notices were stopped already',
    );
    const again = (await (
      await fetch(`${base}/dossiers/${code}/notices/opt-out`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'sms' }),
      })
    ).json()) as { channel: string; optedOut: boolean; already?: boolean };
    check(
      again.channel === 'sms' && again.optedOut && again.already === true,
      `the API holds the opt-out of the applicant's phone (${JSON.stringify(again)})`,
    );

    // 4c. The clerk records feedback about their own center received by the hotline (the form names the clerk's unit
    // first); the new feedback's page opens with the code and the secret to give the caller.
    await page.goto(`${base}/can-bo/phan-anh`);
    await page.getByRole('button', { name: '+ Ghi nhận phản ánh' }).click();
    const record = page.getByTestId('feedback-record');
    await record.getByRole('radio', { name: 'Đường dây nóng' }).check();
    await record.locator('option', { hasText: CENTER }).first().waitFor({ state: 'attached' });
    check(
      (await record.getByLabel('Đơn vị', { exact: true }).locator('option:checked').innerText()) === CENTER,
      "the form names the clerk's own unit first",
    );
    await record.getByLabel('Tiêu đề', { exact: true }).fill('Hồ sơ chưa nhận được tin nhắn');
    await record
      .getByLabel('Nội dung', { exact: true })
      .fill('Người dân gọi đường dây nóng: chưa nhận được tin nhắn xác nhận tiếp nhận hồ sơ.');
    await record.getByLabel('Họ và tên').fill('Nguyễn Văn Kiểm Thử');
    await record.getByLabel('Số điện thoại').fill('0912345678');
    await axePair(page, 'feedback inbox (record form)');
    await shot(page, 'staff-feedback-record', { fullPage: true });
    await record.getByRole('button', { name: 'Ghi nhận', exact: true }).click();
    await page.waitForURL(/\/can-bo\/phan-anh\/PAKN-\d{6}-\d{4}$/);
    const feedbackCode = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const filed = page.getByTestId('feedback-filed');
    await filed.waitFor();
    const secret = (await page.getByTestId('feedback-secret').innerText()).trim();
    check(
      (await filed.getByRole('heading').innerText()) === `Đã ghi nhận phản ánh ${feedbackCode}` && secret.length === 12,
      `recording feedback opens its page with its code and a 12-character secret (${feedbackCode})`,
    );
    await page.getByRole('heading', { name: 'Hồ sơ chưa nhận được tin nhắn' }).waitFor();
    const fb = (await (await fetch(`${base}/feedback/${feedbackCode}`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      channel: string;
      title: string;
      status: string;
      subject: { kind: string; unitNameVi: string | null };
      sender: { name: string | null; phone: string | null };
    };
    check(
      fb.channel === 'hotline' &&
        fb.status === 'received' &&
        fb.title === 'Hồ sơ chưa nhận được tin nhắn' &&
        fb.subject.kind === 'unit' &&
        fb.subject.unitNameVi === CENTER &&
        fb.sender.name === 'Nguyễn Văn Kiểm Thử' &&
        fb.sender.phone === '0912345678',
      `the feedback is stored as recorded: hotline, about the center, with its title and sender (${fb.channel}, ${fb.status}, ${fb.subject.unitNameVi})`,
    );
    const tracked = await fetch(`${base}/feedback/track/${feedbackCode}?secret=${encodeURIComponent(secret)}`);
    check(tracked.ok, `the secret shown follows the feedback on the public side (${tracked.status})`);
    await axePair(page, 'feedback (just recorded)');
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
    // The feedback figures: the open ones as the inbox lists them (the clerk's hotline feedback among them).
    const managerToken = (await page.evaluate('sessionStorage.getItem("motcua.staff.token")')) as string;
    const openFeedback = (await (
      await fetch(`${base}/feedback?status=received&status=info_requested&status=processing&limit=200`, {
        headers: { authorization: `Bearer ${managerToken}` },
      })
    ).json()) as { code: string }[];
    const figures = page.getByTestId('overview-feedback');
    await figures.locator('.total').first().waitFor();
    const openShown = (await figures.locator('.total-value').first().innerText()).trim();
    check(
      openFeedback.some((f) => f.code === feedbackCode) && openShown === String(openFeedback.length),
      `the overview counts the open feedback as the inbox lists it (${openShown}, ${feedbackCode} among them)`,
    );
    await axeEverywhere(page, 'overview');
    await shot(page, 'staff-overview');

    // 6b. The Decision 766 scorecard of the manager's center: filters kept in the address, indicators without data
    // said so, and the dossiers that cost points one click away, each opening its dossier.
    await page.getByRole('link', { name: 'Chỉ số 766' }).click();
    await page.getByRole('heading', { name: 'Từng chỉ số' }).waitFor();
    const year = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 4);
    await page.getByLabel('Từ ngày').fill(`${Number(year) - 1}-01-01`);
    await page.getByRole('button', { name: 'Xem' }).click();
    await page.waitForURL(/\/can-bo\/chi-so\?.*from=\d{4}-01-01/);
    check(new URL(page.url()).searchParams.get('from') === `${Number(year) - 1}-01-01`, 'the scorecard keeps its period in the address');
    await page.getByRole('heading', { name: 'Từng chỉ số' }).waitFor();
    // The new period's answer, not the first one still on screen while it loads.
    await page.locator('.result-count', { hasText: `01/01/${Number(year) - 1}` }).waitFor();
    const rows = page.locator('.scorecard-table > tbody > tr');
    await rows.nth(18).waitFor();
    check((await rows.count()) === 19, `the scorecard lists the 19 indicators (${await rows.count()})`);
    check(
      (await page.locator('.scorecard-table tr', { hasText: 'Chứng thực bản sao điện tử từ bản chính' }).innerText()).includes(
        'Chưa có dữ liệu',
      ),
      'an indicator without data yet says so instead of a number',
    );
    // The receiving clerks' productivity, annualized against the area's norm, below the scorecard.
    const productivity = page.locator('.productivity-table tbody tr');
    await productivity.first().waitFor();
    check(
      (await productivity.count()) > 0,
      `the scorecard page lists the receiving clerks' productivity (${await productivity.count()} clerks)`,
    );
    // The center's points ranked by score, and the trend against the target lines, week or month kept in the address.
    const ranked = page.locator('.ranking-table tbody tr');
    await ranked.first().waitFor();
    check(
      (await ranked.first().locator('td').first().innerText()).trim() === '1',
      `the ranking puts a point first (${await ranked.count()} points)`,
    );
    await page.locator('.trend-table tbody tr').first().waitFor();
    await page.getByRole('button', { name: 'Theo tuần', exact: true }).click();
    await page.waitForURL(/period=week/);
    await page.getByRole('heading', { name: 'Diễn biến theo tuần' }).waitFor();
    // The weeks' answer, not the months' still on screen while it loads: a week's row reads "from – to".
    await page.locator('.trend-table tbody tr th', { hasText: ' – ' }).nth(51).waitFor();
    const weeks = await page.locator('.trend-table tbody tr').count();
    check(weeks >= 52, `the weekly trend of the period has a row a week (${weeks})`);
    await page.getByRole('button', { name: 'Theo tháng', exact: true }).click();
    await page.getByRole('heading', { name: 'Diễn biến theo tháng' }).waitFor();
    await page.locator('.overview-chart canvas').waitFor();
    await axeEverywhere(page, 'scorecard');
    await shot(page, 'staff-scorecard');
    const costly = page.getByRole('button', { name: 'Hồ sơ làm mất điểm' }).first();
    if (await costly.count()) {
      await costly.click();
      const first = page.locator('.costly-table a').first();
      await first.waitFor();
      const listed = (await first.innerText()).trim();
      await axePair(page, 'scorecard (dossiers that cost points)');
      await first.click();
      await page.getByRole('heading', { name: listed }).first().waitFor();
      check(page.url().endsWith(`/can-bo/ho-so/${encodeURIComponent(listed)}`), `a dossier that cost points opens its page (${listed})`);
    } else check(true, 'no indicator lost points in this period');

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

    // 8. The administrator's notice texts: only the administrator reaches the page; an e-mail text saved shows in the
    // preview with sample values, the API holds it, an unknown variable is refused by name, and the default comes back.
    await page.goto(`${base}/can-bo/mau-thong-bao`);
    await page.waitForURL((u) => u.pathname === '/can-bo');
    check(true, 'a manager asking for the notice texts is sent back to the home page');
    await logout(page);
    await login(page, base, 'admin');
    await page.getByRole('heading', { name: /Xin chào/ }).waitFor();
    check(
      (await page.getByRole('link', { name: 'Mẫu thông báo SMS, thư điện tử' }).count()) === 1,
      "the administrator's home page links to the notice texts",
    );
    await page.goto(`${base}/can-bo/phan-anh`);
    await page.locator('.inbox-table, .result-count').first().waitFor();
    check(
      (await page.getByRole('button', { name: '+ Ghi nhận phản ánh' }).count()) === 0,
      'the administrator (whom POST /feedback refuses) is not offered to record feedback',
    );
    await page.getByRole('navigation', { name: 'Bàn làm việc cán bộ' }).getByRole('link', { name: 'Mẫu thông báo' }).click();
    await page.getByRole('heading', { name: 'Mẫu thông báo gửi công dân' }).waitFor();
    const kinds = page.getByTestId('templates-table').locator('tbody tr');
    await kinds.first().waitFor();
    check((await kinds.count()) === 12, `the notice texts list the 12 kinds of notice (${await kinds.count()})`);
    await page.getByRole('button', { name: 'Sửa mẫu «Dừng xử lý», Thư điện tử · EN' }).click();
    const editor = page.getByTestId('template-editor');
    await editor.getByTestId('template-preview').waitFor();
    check(
      (await editor.getByRole('list').innerText()).includes('{{note}}'),
      'the editor lists the variables of the kind (a stopped dossier has {{note}})',
    );
    await editor.getByLabel('Tiêu đề thư').fill('Dossier {{code}} stopped');
    await editor.getByLabel('Nội dung thư').fill('Dear citizen, dossier {{code}} was stopped: {{note}}.');
    await editor.getByRole('button', { name: 'Lưu mẫu' }).click();
    await editor.getByText('Đã lưu mẫu thông báo.').waitFor();
    const previewText = editor.getByTestId('template-preview-text');
    await previewText.filter({ hasText: 'Dear citizen' }).waitFor();
    const shown = await previewText.innerText();
    check(
      shown.startsWith('Dear citizen, dossier 000.00.00.H55-261206-0001 was stopped: Bản sao giấy khai sinh có chứng thực.') &&
        shown.includes('Không muốn nhận thư thông báo nữa / Stop these e-mails:'),
      `after saving, the preview shows the new text with sample values and the opt-out line (${shown.slice(0, 90)}…)`,
    );
    check(
      (await editor.getByTestId('template-preview').innerText()).includes('Dossier 000.00.00.H55-261206-0001 stopped'),
      'the preview shows the new subject',
    );
    const adminToken = (await page.evaluate('sessionStorage.getItem("motcua.staff.token")')) as string;
    const stored = async () =>
      (
        (await (await fetch(`${base}/notices/templates`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as {
          kind: string;
          channel: string;
          lang: string;
          custom: boolean;
          subject: string | null;
          body: string;
          defaultBody: string;
        }[]
      ).find((x) => x.kind === 'stopped' && x.channel === 'email' && x.lang === 'en')!;
    const saved = await stored();
    check(
      saved.custom &&
        saved.subject === 'Dossier {{code}} stopped' &&
        saved.body === 'Dear citizen, dossier {{code}} was stopped: {{note}}.',
      'the API holds the saved e-mail text',
    );
    check(
      (await page.getByRole('button', { name: 'Sửa mẫu «Dừng xử lý», Thư điện tử · EN' }).locator('xpath=..').innerText()).includes(
        'Đã sửa',
      ),
      'the list marks the text as edited',
    );
    await editor.getByLabel('Nội dung thư').fill('Dossier {{code}}: {{amount}}');
    await editor.getByText('Biến {{amount}} không dùng được cho loại thông báo này.').waitFor();
    check(true, 'a variable the kind does not have is refused by name in the preview');
    await axeEverywhere(page, 'notice texts (editing)', (l) =>
      page.getByTestId('template-editor').getByText(l === 'vi' ? 'Xem trước' : 'Preview', { exact: true }),
    );
    await shot(page, 'staff-templates', { fullPage: true });
    await editor.getByRole('button', { name: 'Khôi phục mặc định' }).click();
    await editor.getByRole('button', { name: 'Khôi phục', exact: true }).click();
    await editor.getByText('Đã khôi phục nội dung mặc định.').waitFor();
    const reset = await stored();
    check(
      !reset.custom && (await editor.getByLabel('Nội dung thư').inputValue()) === reset.defaultBody,
      'back to default: the API has no edited text, and the editor shows the default',
    );
  } finally {
    await browser?.close();
    await rm(tmp, { recursive: true, force: true });
    await server.stop();
  }
}

finish('staff e2e', main);
