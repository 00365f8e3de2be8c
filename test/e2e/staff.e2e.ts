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
 * Steps: a provincial clerk logs in, receives a dossier at the counter with an uploaded PDF, opens the
 * receipt (form 01) and its text must hold the dossier code and the due date; a clerk of another service
 * point gets "not found" for that dossier; the manager's overview shows its table. axe-core (WCAG 2.1 A/AA)
 * runs on every staff page and fails on serious or critical violations.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { samplePdf } from '../../src/demo/demo.model.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PASSWORD = process.env.MOTCUA_DEMO_PASSWORD ?? 'motcua@2026';
const SHOTS = process.env.SCREENSHOTS === '1';
const SHOT_DIR = path.join(ROOT, 'docs/screenshots');
const CLERK = 'cb.tinh1';
const OTHER_CLERK = 'cb.p-hoalu';
const MANAGER = 'ql.tinh';
const PROCEDURE = '1.001193'; // birth registration: non-territorial, an upload, a paper and a population-database component
const COMMUNE = process.env.MOTCUA_E2E_COMMUNE ?? '14329';

const failures: string[] = [];
const log = (m: string) => console.log(`• ${m}`);
function check(ok: boolean, what: string): void {
  if (ok) log(`ok: ${what}`);
  else {
    failures.push(what);
    console.error(`✗ FAILED: ${what}`);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

function run(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'src/cli.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Seeds a small province into a temp dir and serves it; returns the URL and a stop function. */
async function startServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'motcua-e2e-'));
  const port = await freePort();
  const env = { MOTCUA_DATA_DIR: dir, PORT: String(port), LOG_LEVEL: 'warn' };
  log(`seeding a small demo province into ${dir}`);
  const seed = run(['seed', '--dossiers', '40'], env);
  let seedErr = '';
  seed.stderr?.on('data', (b: Buffer) => (seedErr += b.toString()));
  const code = await new Promise<number | null>((r) => seed.on('exit', r));
  if (code !== 0) throw new Error(`seed failed (${code}): ${seedErr.slice(-2000)}`);
  const server = run(['serve', '--no-seed'], env);
  let out = '';
  server.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  server.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null) throw new Error(`server exited: ${out.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    url,
    stop: async () => {
      server.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function axe(page: Page, label: string): Promise<void> {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of r.violations) if (!bad.includes(v)) log(`axe (${v.impact}) on ${label}: ${v.id} — ${v.help}`);
  check(bad.length === 0, `axe: no serious/critical violation on ${label}${bad.length ? `: ${bad.map((v) => `${v.id} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`).join('; ')}` : ''}`);
}

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  for (const [w, h] of [
    [1440, 900],
    [360, 800],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(350);
    const file = path.join(SHOT_DIR, `staff-${name}-${w}.png`);
    const buf = await page.screenshot({ fullPage: false, type: 'png' });
    await writeFile(file, buf);
    const size = (await stat(file)).size;
    log(`screenshot ${path.relative(ROOT, file)} (${Math.round(size / 1024)} KB)`);
    if (size > 200 * 1024) failures.push(`screenshot too large: ${file}`);
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

async function login(page: Page, base: string, username: string): Promise<void> {
  // Already on the log-in page (sent there with ?next=…): log in from it, so it can return there.
  if (!new URL(page.url()).pathname.startsWith('/can-bo/dang-nhap')) await page.goto(`${base}/can-bo/dang-nhap`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(PASSWORD);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.getByRole('button', { name: 'Đăng xuất' }).waitFor();
}

async function logout(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Đăng xuất' }).click();
  await page.waitForURL(/\/can-bo\/dang-nhap/);
}

/** Text of every page of a PDF (pdfjs-dist legacy build, as test/forms.spec.ts reads forms). */
async function pdfText(pdf: Uint8Array): Promise<string> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: pdf, verbosity: 0, disableFontFace: true, useSystemFonts: false }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    pages.push(content.items.map((it) => ('str' in it ? it.str + (it.hasEOL ? '\n' : '') : '')).join(''));
  }
  await doc.destroy();
  return pages.join('\n').replace(/\s+/g, ' ');
}

/** "14 giờ 30 phút, ngày 29/08/2025" — how the forms write an instant (Vietnam time). */
function vnDateTime(iso: string): string {
  const t = new Date(Date.parse(iso) + 7 * 3_600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(t.getUTCHours())} giờ ${p(t.getUTCMinutes())} phút, ngày ${p(t.getUTCDate())}/${p(t.getUTCMonth() + 1)}/${t.getUTCFullYear()}`;
}

async function main(): Promise<void> {
  const started = process.env.MOTCUA_URL ? null : await startServer();
  const base = (process.env.MOTCUA_URL ?? started!.url).replace(/\/$/, '');
  log(`server: ${base}`);
  let browser: Browser | null = null;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'motcua-e2e-files-'));
  try {
    if (SHOTS) await mkdir(SHOT_DIR, { recursive: true });
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    const page = await context.newPage();
    page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));

    // 1. Log-in page, then the home page of a clerk.
    await page.goto(`${base}/can-bo/ho-so`);
    await page.waitForURL(/\/can-bo\/dang-nhap/);
    check(true, 'an anonymous visit to the inbox goes to log-in');
    await page.getByRole('heading', { name: 'Đăng nhập cán bộ' }).waitFor();
    await axe(page, 'log-in');
    await shot(page, 'login');
    await page.getByLabel('Tên đăng nhập').fill(CLERK);
    await page.getByLabel('Mật khẩu').fill('wrong-password');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByText('Tên đăng nhập hoặc mật khẩu không đúng.').waitFor();
    check(true, 'a wrong password is refused with a message');
    await login(page, base, CLERK);
    check(page.url().includes('/can-bo/ho-so'), 'after log-in the clerk lands where they were going (the inbox)');
    await page.locator('.inbox-table, .result-count').first().waitFor();
    await axe(page, 'inbox');
    await shot(page, 'inbox');
    await page.goto(`${base}/can-bo`);
    await page.getByRole('heading', { name: /Xin chào/ }).waitFor();
    check(await page.getByText(CLERK, { exact: true }).isVisible(), 'the home page shows who is logged in');
    await axe(page, 'home');

    // 2. Counter intake with an uploaded PDF.
    await page.goto(`${base}/can-bo/tiep-nhan`);
    await page.getByLabel('Tìm thủ tục').fill(PROCEDURE);
    await page.getByRole('button', { name: 'Tìm', exact: true }).click();
    await page.locator('.picker-list button').first().click();
    await page.locator('.point-ok, .point-warn').waitFor();
    check(await page.locator('.point-ok').isVisible(), 'a non-territorial procedure says this point may receive it');
    await page.getByLabel('Số CCCD (12 số)').fill('037095001234');
    await page.getByLabel('Họ và tên').fill('Nguyễn Văn Kiểm Thử');
    await page.getByLabel('Số điện thoại').fill('0912345678');
    await page.getByLabel('Địa chỉ', { exact: true }).fill('Số 1 đường Trần Hưng Đạo');
    await page.getByLabel('Xã, phường nơi cư trú').selectOption(COMMUNE);
    const scan = path.join(tmp, 'to-khai.pdf');
    await writeFile(scan, samplePdf('To khai dang ky khai sinh'));
    const components = page.locator('.intake-component');
    let uploaded = 0;
    for (let i = 0; i < (await components.count()); i++) {
      const c = components.nth(i);
      const upload = c.getByRole('radio', { name: 'Tải bản quét' });
      if (!(await upload.isChecked())) continue;
      if (uploaded === 0) {
        await c.locator('input[type=file]').setInputFiles(scan);
        await c.locator('.upload-done').waitFor();
        uploaded++;
      } else await c.getByRole('radio', { name: 'Bản giấy, quét sau' }).check();
    }
    check(uploaded === 1, 'one component was uploaded as a PDF scan');
    await axe(page, 'intake (filled)');
    await shot(page, 'intake');
    await page.getByRole('button', { name: 'Tiếp nhận hồ sơ' }).click();
    await page.getByTestId('dossier-code').waitFor({ timeout: 20_000 });
    const code = (await page.getByTestId('dossier-code').innerText()).trim();
    check(/^[0-9A-Z.]+-\d{6}-\d{4}$/.test(code), `the intake answers a dossier code (${code})`);
    await axe(page, 'intake (received)');

    // 3. The receipt (form 01): opened with the token; its text holds the code and the due date.
    const token = (await page.evaluate('sessionStorage.getItem("motcua.staff.token")')) as string;
    const view = (await (await fetch(`${base}/dossiers/${code}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { dueAt: string };
    const popup = context.waitForEvent('page', { timeout: 5000 }).catch(() => null);
    await page.getByRole('button', { name: 'In giấy tiếp nhận' }).click();
    const link = page.locator('.blob-download');
    await link.waitFor({ timeout: 20_000 });
    (await popup)?.close().catch(() => undefined);
    // The page's CSP (connect-src 'self') forbids fetching the blob back: take it as the user would, by its download link.
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const pdf = new Uint8Array(await readFile(await download.path()));
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
    await axe(page, 'dossier');
    await shot(page, 'dossier');
    await logout(page);

    // 5. A clerk of another service point cannot open it.
    await login(page, base, OTHER_CLERK);
    await page.goto(`${base}/can-bo/ho-so/${code}`);
    await page.getByTestId('dossier-not-found').waitFor();
    check(true, `a clerk of another point (${OTHER_CLERK}) gets "not found" for ${code}`);
    await axe(page, 'dossier (not found)');
    await logout(page);

    // 6. The manager's overview.
    await login(page, base, MANAGER);
    await page.goto(`${base}/can-bo/tong-quan`);
    await page.locator('.overview-table, .overview-totals').first().waitFor();
    check(await page.locator('.overview-totals').isVisible(), 'the overview shows the totals');
    if (await page.locator('.overview-table').count()) await page.locator('.overview-chart canvas').waitFor();
    await axe(page, 'overview');
    await shot(page, 'overview');
  } finally {
    await browser?.close();
    await rm(tmp, { recursive: true, force: true });
    await started?.stop();
  }
}

main().then(
  () => {
    if (failures.length) {
      console.error(`\n${failures.length} failure(s):\n- ${failures.join('\n- ')}`);
      process.exit(1);
    }
    console.log('\nstaff e2e: all checks passed');
    process.exit(0);
  },
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
