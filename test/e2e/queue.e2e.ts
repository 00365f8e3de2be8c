/**
 * Counter queues end to end in a real browser (Playwright + Debian chromium), through the UI. Not a vitest
 * file: run it with tsx; it exits 1 on any failure.
 *
 *   npm run build && npx tsx test/e2e/queue.e2e.ts
 *
 * Without MOTCUA_URL it seeds a small demo province (with its counter queues) into a temp dir and serves
 * it on a free port. SCREENSHOTS=1 also saves docs/screenshots/queue-*.png at 1440×900 and 360×800.
 *
 * The scenario, at the provincial center:
 *  1. a citizen picks the point on /xep-hang and takes a ticket at its kiosk (/xep-hang/<id>): the printable
 *     ticket shows its number, and the kiosk's check-in refuses an unknown booking code with a message;
 *  2. the display board (/man-hinh/<id>, a second page) is live; sound is enabled by its button;
 *  3. the clerk cb.tinh1 opens a counter on /can-bo/quay and calls next with the N key: the board shows
 *     the ticket and its counter at once (server-sent events), flashes it and plays the chime; closing the
 *     counter with the ticket in hand is refused with the server's TICKET_IN_HAND problem;
 *  4. the clerk starts the service and finishes it (an unknown dossier code is refused first); the API
 *     then says the ticket is done;
 *  5. the manager ql.tinh reads the day's figures, the groups and counters, and the staffing plan with
 *     its reallocation proposal on /can-bo/hang-doi;
 *  6. a citizen books a slot on /dat-lich, views the booking by its code and phone digits, cancels it; the
 *     kiosk then refuses the cancelled code.
 * axe-core (WCAG 2.1 A/AA) runs on the kiosk, the ticket, the board, the counter, queue management and the
 * booking pages, in Vietnamese and English, at 360 px and 1440 px; serious or critical violations fail.
 */
import type { Browser, Page } from 'playwright-core';
import { axeEverywhere, axePair, check, CONTEXT, finish, launchBrowser, log, login, logout, shot, startServer, watch } from './lib.js';

const CLERK = 'cb.tinh1';
const MANAGER = 'ql.tinh';
const CENTER = 'Trung tâm Phục vụ hành chính công tỉnh Ninh Bình';
const GROUP_A = 'Hộ tịch, chứng thực';
const PHONE = '0912000111';

interface BoardJson {
  calls: { ticketId: number; label: string; status: string; counterNumber: number }[];
}

async function json<T>(r: Response): Promise<T> {
  if (!r.ok) throw new Error(`${r.url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/** The provincial center's unit id (set-up, not a user step). */
async function centerId(base: string): Promise<number> {
  const units = await json<{ id: number; kind: string; nameVi: string }[]>(await fetch(`${base}/units?kind=center`));
  const u = units.find((x) => x.nameVi === CENTER);
  if (!u) throw new Error(`no unit named ${CENTER}`);
  return u.id;
}

/** The staff token of a logged-in page. */
const tokenOf = async (page: Page) => (await page.evaluate('sessionStorage.getItem("motcua.staff.token")')) as string;

async function main(): Promise<void> {
  const server = await startServer();
  const base = server.url;
  log(`server: ${base}`);
  let browser: Browser | null = null;
  try {
    const unitId = await centerId(base);
    // On a fresh demo nobody waits today (its history ends yesterday); on a server in use (MOTCUA_URL) some may.
    const kioskJson = await json<{ groups: { code: string; waiting: number }[] }>(await fetch(`${base}/public/queue/points/${unitId}`));
    const before = kioskJson.groups.find((g) => g.code === 'A')?.waiting ?? 0;
    browser = await launchBrowser();
    const context = await browser.newContext(CONTEXT);

    // 1. The kiosk.
    const kiosk = await context.newPage();
    watch(kiosk);
    await kiosk.goto(`${base}/xep-hang`);
    await kiosk.getByRole('heading', { name: 'Lấy số thứ tự', level: 1 }).waitFor();
    await kiosk.getByLabel('Tìm điểm phục vụ').fill('tinh ninh binh');
    const item = kiosk.locator('.points-item').filter({ has: kiosk.getByRole('heading', { name: CENTER, exact: true }) });
    check((await item.count()) === 1, 'the point list finds the provincial center by a query typed without diacritics');
    await axeEverywhere(kiosk, 'queue: points', (lang) =>
      kiosk.getByRole('heading', { name: lang === 'vi' ? 'Lấy số thứ tự' : 'Take a queue ticket', level: 1 }),
    );
    await item.getByRole('link', { name: /^Lấy số/ }).click();
    await kiosk.waitForURL(`${base}/xep-hang/${unitId}`);
    const groupButton = kiosk.getByRole('button', { name: new RegExp(GROUP_A) });
    await groupButton.waitFor();
    check(
      (await groupButton.innerText()).includes(`Đang chờ: ${before}`),
      `the kiosk shows the queue length of each group (${before} in A)`,
    );
    await axeEverywhere(kiosk, 'kiosk', (lang) =>
      kiosk.getByRole('heading', { name: lang === 'vi' ? 'Chạm vào dịch vụ bạn cần' : 'Touch the service you need' }),
    );
    await shot(kiosk, 'queue-kiosk');

    // A booking code that does not exist is refused with a message.
    await kiosk.getByRole('button', { name: 'Đã đặt lịch? Nhập mã' }).click();
    // Typed on the kiosk's own keys, as on a touch screen without a keyboard.
    const keypad = kiosk.getByRole('group', { name: 'Bàn phím nhập mã' });
    for (const k of 'ZZZZ99990') await keypad.getByRole('button', { name: k === '0' ? 'Xóa' : k, exact: true }).click();
    await keypad.getByRole('button', { name: '9', exact: true }).click();
    await keypad.getByRole('button', { name: '9', exact: true }).click();
    check(
      (await kiosk.getByLabel(/Mã đặt lịch/).inputValue()) === 'ZZZZ9999',
      'the on-screen keys type the booking code, and stop at 8 characters',
    );
    await kiosk.getByRole('button', { name: 'Nhận số' }).click();
    await kiosk.getByText('Không tìm thấy lịch hẹn với mã này.').waitFor();
    check(true, 'the kiosk refuses an unknown booking code with a message');
    await axePair(kiosk, 'kiosk (check-in refused)');
    await kiosk.getByRole('button', { name: 'Quay lại' }).click();

    await groupButton.click();
    const labelEl = kiosk.getByTestId('ticket-label');
    await labelEl.waitFor();
    const label = (await labelEl.innerText()).trim();
    check(/^A\d{3}$/.test(label), `the kiosk prints a ticket numbered in group A (${label})`);
    check(
      (await kiosk.getByTestId('ticket-ahead').innerText()).trim() === String(before),
      `the ticket says how many are ahead (${before})`,
    );
    check(await kiosk.getByText('Màn hình tự quay lại sau').isVisible(), 'the ticket says the kiosk returns to its start by itself');
    await axePair(kiosk, 'kiosk (ticket)');
    await shot(kiosk, 'queue-ticket');
    // The QR code on the ticket opens its phone page.
    const qrSrc = (await kiosk.locator('.ticket-qr img').getAttribute('src')) ?? '';
    const ticketToken = /\/public\/queue\/tickets\/([A-Za-z0-9_-]{16})\/qr\.svg$/.exec(qrSrc)?.[1] ?? '';
    const qr = await fetch(`${base}${qrSrc}`);
    check(
      ticketToken !== '' && qr.status === 200 && (await qr.text()).startsWith('<svg'),
      'the ticket carries a QR code to its phone page',
    );
    const phone = await context.newPage();
    watch(phone);
    await phone.setViewportSize({ width: 360, height: 740 });
    await phone.goto(`${base}/so/${ticketToken}`);
    await phone
      .getByText(before === 0 ? 'Bạn là người tiếp theo' : `Còn ${before} người trước bạn`)
      .waitFor({ timeout: 10_000 })
      .then(
        () => check(true, `on the phone, the ticket ${label} shows its place in the queue`),
        () => check(false, `on the phone, the ticket ${label} shows its place in the queue`),
      );
    await axePair(phone, 'ticket on a phone');
    await kiosk.emulateMedia({ media: 'print' });
    check(
      !(await kiosk.locator('.screen-header').isVisible()) && (await labelEl.isVisible()),
      'printed, the ticket stands alone (no header, no buttons)',
    );
    await kiosk.emulateMedia({ media: 'screen' });
    await kiosk.getByRole('button', { name: 'Xong' }).click();
    await groupButton
      .filter({ hasText: `Đang chờ: ${before + 1}` })
      .waitFor({ timeout: 5000 })
      .then(
        () => check(true, 'back at the start, the kiosk counts the new ticket in the queue'),
        () => check(false, 'back at the start, the kiosk counts the new ticket in the queue'),
      );

    // 2. The display board, in a second page.
    const board = await context.newPage();
    watch(board);
    await board.goto(`${base}/man-hinh/${unitId}`);
    await board.getByText('Trực tiếp').waitFor();
    check((await board.getByTestId('waiting-A').innerText()) === `${before + 1} người`, `the board shows ${before + 1} waiting in group A`);
    // Browsers start audio after a click; a browser that allows autoplay has sound on from the start.
    const soundOn = board.getByRole('button', { name: 'Âm thanh đang bật' });
    const enable = board.getByRole('button', { name: 'Bật âm thanh' });
    await soundOn.or(enable).waitFor();
    if (await enable.isVisible()) {
      await enable.click();
      await soundOn.waitFor();
      check(
        Number(await board.locator('.board').getAttribute('data-chimes')) === 1,
        'the “Bật âm thanh” button turns sound on and plays the chime once (Web Audio)',
      );
    } else log('this browser allows autoplay: sound is on without a click');
    check((await soundOn.getAttribute('aria-pressed')) === 'true', 'the sound button says sound is on (aria-pressed)');
    const chimesBefore = Number(await board.locator('.board').getAttribute('data-chimes'));
    await axeEverywhere(board, 'board', (lang) => board.getByText(lang === 'vi' ? 'Các số vừa gọi' : 'Latest calls'));

    // 3. The clerk's counter.
    const staff = await context.newPage();
    watch(staff);
    await login(staff, base, CLERK);
    await staff.getByRole('link', { name: 'Quầy', exact: true }).click();
    await staff.getByRole('heading', { name: 'Chọn quầy để mở' }).waitFor();
    await axeEverywhere(staff, 'counter (closed)', (lang) =>
      staff.getByRole('heading', { name: lang === 'vi' ? 'Chọn quầy để mở' : 'Choose a counter to open' }),
    );
    await staff.getByRole('button', { name: 'Mở Quầy 1', exact: true }).click();
    await staff.getByRole('heading', { name: 'Quầy phục vụ: Quầy 1' }).waitFor();
    const callButton = staff.getByRole('button', { name: /Gọi số tiếp theo/ });
    await callButton.waitFor();
    check(
      (await callButton.getAttribute('aria-keyshortcuts')) === 'N' && (await callButton.innerText()).includes('N'),
      'the call-next button shows its shortcut N',
    );
    check(
      (await staff.getByTestId('queue-A').innerText()).trim() === String(before + 1),
      `the counter shows ${before + 1} waiting in group A`,
    );
    await axeEverywhere(staff, 'counter (open)', (lang) =>
      staff.getByRole('button', { name: lang === 'vi' ? /Gọi số tiếp theo/ : /Call next/ }),
    );
    /** N until the ticket is in hand: on a server in use, earlier tickets come first and are finished (K). */
    const callUntil = async (wanted: string) => {
      await staff.keyboard.press('n');
      await staff.getByTestId('counter-ticket').waitFor();
      for (let i = 0; i < 20 && (await staff.getByTestId('counter-ticket').innerText()).trim() !== wanted; i++) {
        await staff.keyboard.press('k');
        await callButton.waitFor();
        await staff.keyboard.press('n');
        await staff.getByTestId('counter-ticket').waitFor();
      }
    };
    await callUntil(label);
    check(
      (await staff.getByTestId('counter-ticket').innerText()).trim() === label,
      `the N key calls the kiosk's ticket ${label} to the counter`,
    );
    await board.getByTestId('board-now-label').filter({ hasText: label }).waitFor({ timeout: 10_000 });
    check((await board.locator('.board-now').innerText()).includes('Quầy 1'), `the board shows ${label} called to Quầy 1, live`);
    check(await board.locator('.board-now.board-flash').isVisible(), 'the newest call flashes on the board');
    await phone.reload();
    await phone
      .getByText('Mời bạn đến Quầy 1')
      .waitFor({ timeout: 10_000 })
      .then(
        () => check(true, `the phone page of ${label} says to go to Quầy 1`),
        () => check(false, `the phone page of ${label} says to go to Quầy 1`),
      );
    await phone.close();
    await board
      .waitForFunction(`Number(document.querySelector('.board')?.getAttribute('data-chimes')) > ${chimesBefore}`, undefined, {
        timeout: 5000,
      })
      .then(
        () => check(true, 'the board chimes on the call'),
        () => check(false, 'the board chimes on the call'),
      );
    await axePair(board, 'board (calling)');
    await shot(board, 'queue-board');
    await shot(staff, 'queue-counter');

    // Recall (R): the board calls it again, with the chime.
    const chimesCall = Number(await board.locator('.board').getAttribute('data-chimes'));
    await staff.keyboard.press('r');
    await staff.getByText(`Đã gọi lại số ${label}.`).waitFor();
    await board
      .waitForFunction(`Number(document.querySelector('.board')?.getAttribute('data-chimes')) > ${chimesCall}`, undefined, {
        timeout: 5000,
      })
      .then(
        () => check(true, 'a recall (R) chimes again on the board'),
        () => check(false, 'a recall (R) chimes again on the board'),
      );

    // Transfer (C) to group B: the ticket waits again, keeping its label, and is called back.
    await staff.keyboard.press('c');
    const transfer = staff.locator('.counter-transfer');
    await transfer.waitFor();
    await transfer.getByLabel('Nhóm dịch vụ', { exact: true }).selectOption({ label: 'B – Đất đai, tài nguyên' });
    await axePair(staff, 'counter (transfer)');
    await transfer.getByRole('button', { name: 'Chuyển số' }).click();
    await staff.getByText(`Đã chuyển số ${label} sang nhóm B.`).waitFor();
    check(!(await staff.getByTestId('counter-ticket').isVisible()), `the transfer (C) sends ${label} back to wait in group B`);
    await callUntil(label);
    check(
      (await staff.locator('.counter-facts').innerText()).includes('B – Đất đai, tài nguyên'),
      `${label} is called again, now in group B`,
    );

    // Closing with a ticket in hand: the server's problem, shown as it said it.
    await staff.getByRole('button', { name: 'Đóng quầy' }).click();
    const alert = staff.getByRole('alert');
    await alert.waitFor();
    const alertText = await alert.innerText();
    check(
      alertText.includes('Quầy đang có số chưa xử lý xong') && alertText.includes('409 TICKET_IN_HAND'),
      'closing the counter with a ticket in hand shows the TICKET_IN_HAND problem',
    );
    await axePair(staff, 'counter (problem)');

    // 4. Start and finish.
    await staff.getByRole('button', { name: /Bắt đầu phục vụ/ }).click();
    await staff.getByText('Đang phục vụ', { exact: true }).waitFor();
    check(true, 'the clerk starts serving the ticket');
    await staff.getByLabel('Mã hồ sơ đã tiếp nhận (nếu có)').fill('KHONG-CO-HO-SO');
    await staff.getByRole('button', { name: /Kết thúc/ }).click();
    await staff.getByText('404 NOT_FOUND').waitFor();
    check(true, 'finishing with an unknown dossier code is refused with the server’s problem');
    check(await staff.getByRole('link', { name: 'Mở trang tiếp nhận hồ sơ' }).isVisible(), 'the counter links to the counter intake page');
    await axeEverywhere(staff, 'counter (serving)', (lang) => staff.getByRole('button', { name: lang === 'vi' ? /Kết thúc/ : /Finish/ }));
    await staff.getByLabel('Mã hồ sơ đã tiếp nhận (nếu có)').fill('');
    await staff.keyboard.press('Tab');
    await staff.keyboard.press('k');
    await staff.getByText(`Đã kết thúc số ${label} (gắn 0 hồ sơ).`).waitFor();
    check(true, 'the K key finishes the service');
    const after = await json<BoardJson>(await fetch(`${base}/public/queue/points/${unitId}/board`));
    const call = after.calls.find((c) => c.label === label);
    check(call?.status === 'done' && call.counterNumber === 1, `the API says ticket ${label} is done at counter 1 (${call?.status})`);
    const token = await tokenOf(staff);
    const mine = await json<{ ticket: unknown; counter: { number: number } | null }>(
      await fetch(`${base}/queue/counters/mine`, { headers: { authorization: `Bearer ${token}` } }),
    );
    check(mine.ticket === null && mine.counter?.number === 1, 'the counter has no ticket in hand after finishing');
    await staff.getByRole('button', { name: 'Đóng quầy' }).click();
    await staff.getByRole('heading', { name: 'Chọn quầy để mở' }).waitFor();
    check(true, 'the clerk closes the counter');
    await logout(staff);

    // 5. Queue management.
    await login(staff, base, MANAGER);
    await staff.getByRole('link', { name: 'Hàng đợi', exact: true }).click();
    await staff.getByRole('heading', { name: 'Quản lý hàng đợi' }).waitFor();
    await staff.getByTestId('live-totals').waitFor();
    const served = staff.locator('.live-served .total-value');
    check(Number(await served.innerText()) >= 1, `today's figures count the ticket served (${await served.innerText()})`);
    await axeEverywhere(staff, 'queue management (figures)', (lang) =>
      staff.getByRole('heading', { name: lang === 'vi' ? 'Theo nhóm dịch vụ' : 'By service group' }),
    );
    await shot(staff, 'queue-manage', { fullPage: true });
    await staff.getByRole('link', { name: 'Nhóm dịch vụ và quầy' }).click();
    await staff.getByRole('heading', { name: 'Nhóm dịch vụ', exact: true }).waitFor();
    check((await staff.locator('.setup-groups tbody tr').count()) === 5, 'the center has its five service groups A–E');
    await axeEverywhere(staff, 'queue management (set-up)', (lang) =>
      staff.getByRole('heading', { name: lang === 'vi' ? 'Nhóm dịch vụ' : 'Service groups', exact: true }),
    );
    await staff.getByRole('link', { name: 'Kế hoạch nhân sự' }).click();
    await staff.getByRole('button', { name: 'Lập kế hoạch' }).click();
    await staff.getByTestId('staffing-table').waitFor({ timeout: 30_000 });
    check(
      (await staff.getByTestId('staffing-table').locator('tbody tr').count()) >= 2,
      'the staffing plan lists the points in the manager’s scope',
    );
    await staff.getByRole('heading', { name: 'Đề xuất điều chuyển cán bộ' }).waitFor();
    check(true, 'the reallocation proposal is shown with the waits before and after');
    await axeEverywhere(staff, 'queue management (planning)', (lang) =>
      staff.getByRole('heading', { name: lang === 'vi' ? 'Đề xuất điều chuyển cán bộ' : 'Proposed reallocation of clerks' }),
    );
    await shot(staff, 'queue-planning', { fullPage: true });
    await logout(staff);

    // 6. A booking, viewed and cancelled; the kiosk refuses the cancelled code.
    const citizen = await context.newPage();
    watch(citizen);
    await citizen.goto(`${base}/`);
    await citizen.getByRole('link', { name: 'Đặt lịch', exact: true }).click();
    await citizen.getByRole('heading', { name: 'Đặt lịch hẹn' }).waitFor();
    await citizen.getByLabel('Điểm phục vụ').selectOption({ label: CENTER });
    await citizen.getByRole('radio', { name: new RegExp(GROUP_A) }).check();
    const slot = citizen.locator('.slot-option input:not([disabled])').first();
    await slot.waitFor({ timeout: 20_000 });
    await slot.check();
    await citizen.getByLabel('Họ và tên').fill('Trần Thị Đặt Lịch');
    await citizen.getByLabel('Số điện thoại').fill(PHONE);
    await axeEverywhere(citizen, 'booking (filled)', (lang) =>
      citizen.getByRole('heading', { name: lang === 'vi' ? 'Đặt lịch mới' : 'New booking' }),
    );
    await shot(citizen, 'queue-booking', { fullPage: true });
    await citizen.getByRole('button', { name: 'Đặt lịch', exact: true }).click();
    await citizen.getByTestId('booking-code').waitFor();
    const code = (await citizen.getByTestId('booking-code').innerText()).trim();
    check(/^[A-Z0-9]{8}$/.test(code), `the booking answers a confirmation code (${code})`);
    await axePair(citizen, 'booking (confirmed)');
    await citizen.goto(`${base}/dat-lich/${code}?phone=${PHONE.slice(-4)}`);
    await citizen.getByTestId('booking-status').waitFor();
    check(
      (await citizen.getByTestId('booking-status').innerText()) === 'Đã đặt',
      'the booking page shows the booking by its code and phone digits',
    );
    await citizen.getByRole('button', { name: 'Hủy lịch hẹn' }).click();
    await citizen.getByText('Bạn chắc chắn muốn hủy lịch hẹn này?').waitFor();
    await citizen.getByRole('button', { name: 'Hủy lịch hẹn' }).click();
    await citizen.getByText('Đã hủy lịch hẹn.').waitFor();
    check((await citizen.getByTestId('booking-status').innerText()) === 'Đã hủy', 'the citizen cancels the booking');
    await axeEverywhere(citizen, 'booking (cancelled)', (lang) =>
      citizen.getByText(lang === 'vi' ? 'Đã hủy lịch hẹn.' : 'The booking is cancelled.'),
    );
    await kiosk.getByRole('button', { name: 'Đã đặt lịch? Nhập mã' }).click();
    await kiosk.getByLabel(/Mã đặt lịch/).fill(code);
    await kiosk.getByRole('button', { name: 'Nhận số' }).click();
    const refused = kiosk.getByRole('alert');
    await refused.waitFor();
    check((await refused.innerText()).includes('409 INVALID_TRANSITION'), 'the kiosk refuses a cancelled booking code');

    // A point that does not exist.
    await citizen.goto(`${base}/xep-hang/999999`);
    await citizen.getByRole('heading', { name: 'Không tìm thấy điểm phục vụ này' }).waitFor();
    check(true, 'the kiosk of an unknown point says so');
  } finally {
    await browser?.close();
    await server.stop();
  }
}

finish('queue e2e', main);
