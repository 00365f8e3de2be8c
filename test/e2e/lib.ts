/**
 * What the browser tests share: a server on a free port over a small freshly seeded province, Debian's
 * chromium, checks that are collected rather than thrown, axe-core, log-in and PDF helpers. Not a vitest file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PASSWORD = process.env.MOTCUA_DEMO_PASSWORD ?? 'motcua@2026';
export const SHOTS = process.env.SCREENSHOTS === '1';
export const SHOT_DIR = path.join(ROOT, 'docs/screenshots');
const MAX_SHOT_BYTES = 200 * 1024;

export const failures: string[] = [];
const T0 = Date.now();
export const log = (m: string): void => console.log(`• ${((Date.now() - T0) / 1000).toFixed(1).padStart(5)} s  ${m}`);

/** Records a check: a failure is listed at the end (the run goes on, so one run shows every problem). */
export function check(ok: boolean, what: string): void {
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
  return spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface TestServer {
  url: string;
  stop: () => Promise<void>;
}

/**
 * Seeds a small province into a temp dir and serves it on a free port; the forms' QR codes open this
 * server (MOTCUA_PUBLIC_URL). With MOTCUA_URL set, that server is used instead and nothing is started.
 */
export async function startServer(opts: { dossiers?: number } = {}): Promise<TestServer> {
  if (process.env.MOTCUA_URL) return { url: process.env.MOTCUA_URL.replace(/\/$/, ''), stop: async () => undefined };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'motcua-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { MOTCUA_DATA_DIR: dir, PORT: String(port), LOG_LEVEL: 'warn', MOTCUA_PUBLIC_URL: url };
  log(`seeding a small demo province into ${dir}`);
  const seed = run(['seed', '--dossiers', String(opts.dossiers ?? 40), '--queue-days', '2', '--history-dossiers', '0'], env);
  let seedErr = '';
  seed.stderr?.on('data', (b: Buffer) => (seedErr += b.toString()));
  const code = await new Promise<number | null>((r) => seed.on('exit', r));
  if (code !== 0) throw new Error(`seed failed (${code}): ${seedErr.slice(-2000)}`);
  const server = run(['serve', '--no-seed'], env);
  let out = '';
  server.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  server.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null || i >= 120) throw new Error(`server did not start: ${out.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  // A server that dies mid-test says why (its last output), instead of only "connection refused" later.
  let stopping = false;
  server.on('exit', (code, signal) => {
    if (stopping) return;
    failures.push(`the server exited during the test (code ${code}, signal ${signal})`);
    console.error(`✗ the server exited (code ${code}, signal ${signal}); its last output:\n${out.slice(-4000)}`);
  });
  return {
    url,
    stop: async () => {
      stopping = true;
      server.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Debian's chromium, headless (CHROMIUM=/path overrides). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Vietnam time on a Vietnamese device, as most users are. */
export const CONTEXT = { viewport: { width: 1440, height: 900 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' } as const;

/** Page errors (uncaught exceptions) fail the run. */
export function watch(page: Page): void {
  page.on('pageerror', (e) => failures.push(`page error on ${page.url()}: ${e.message}`));
}

/** axe-core, WCAG 2.1 A and AA: serious or critical violations fail; lesser ones are printed. */
export async function axe(page: Page, label: string): Promise<void> {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of r.violations) if (!bad.includes(v)) log(`axe (${v.impact}) on ${label}: ${v.id} — ${v.help}`);
  check(
    bad.length === 0,
    `axe: no serious/critical violation on ${label}${
      bad.length
        ? `: ${bad
            .map(
              (v) =>
                `${v.id} (${v.nodes
                  .map((n) => n.target.join(' '))
                  .slice(0, 3)
                  .join(', ')})`,
            )
            .join('; ')}`
        : ''
    }`,
  );
}

export const WIDTHS = [360, 1440] as const;
const HEIGHT: Record<(typeof WIDTHS)[number], number> = { 360: 800, 1440: 900 };

/** The page's language now (the html element's lang, which the app keeps in step with its switch). */
const langOf = async (page: Page): Promise<string> => String(await page.evaluate('document.documentElement.lang'));

/** Switches the app's language with the switch in its header, as a visitor does. */
export async function switchLanguage(page: Page, lang: 'vi' | 'en'): Promise<void> {
  if ((await langOf(page)) === lang) return;
  await page.locator('.lang-switch').click();
  await page.waitForFunction(`document.documentElement.lang === ${JSON.stringify(lang)}`);
}

/**
 * axe on the page as it is now, in Vietnamese and English, at 360 px and 1440 px (the page is not
 * reloaded: its state stays); it ends in Vietnamese at 1440 px. `ready`, when given, must be visible in
 * each language before the check.
 */
export async function axeEverywhere(page: Page, label: string, ready?: (lang: 'vi' | 'en') => Locator): Promise<void> {
  for (const lang of ['vi', 'en'] as const) {
    await switchLanguage(page, lang);
    if (ready) await ready(lang).first().waitFor();
    for (const w of WIDTHS) {
      await page.setViewportSize({ width: w, height: HEIGHT[w] });
      await axe(page, `${label} (${lang}, ${w} px)`);
    }
  }
  await switchLanguage(page, 'vi');
  await page.setViewportSize({ width: 1440, height: 900 });
}

/**
 * axe in both languages and at both widths with two runs (Vietnamese at 360 px, English at 1440 px): for the
 * further states of a page already checked everywhere. Ends in Vietnamese at 1440 px.
 */
export async function axePair(page: Page, label: string): Promise<void> {
  await page.setViewportSize({ width: 360, height: HEIGHT[360] });
  await axe(page, `${label} (vi, 360 px)`);
  await switchLanguage(page, 'en');
  await page.setViewportSize({ width: 1440, height: 900 });
  await axe(page, `${label} (en, 1440 px)`);
  await switchLanguage(page, 'vi');
}

/**
 * With SCREENSHOTS=1: saves docs/screenshots/<name>-1440.png and -360.png of the current page: what the
 * viewport shows, or with fullPage the whole page (its top part when the whole is over 200 KB); otherwise
 * does nothing.
 */
export async function shot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  if (!SHOTS) return;
  for (const w of [1440, 360] as const) {
    await page.setViewportSize({ width: w, height: HEIGHT[w] });
    await page.evaluate('document.fonts.ready');
    await page.waitForTimeout(300);
    const file = path.join(SHOT_DIR, `${name}-${w}.png`);
    const common = { type: 'png', animations: 'disabled', caret: 'hide' } as const;
    let buf = await page.screenshot({ ...common, fullPage: opts.fullPage ?? false });
    // A page too long for 200 KB is cut to its top part (never less than the viewport), as web/scripts/screenshots.ts does.
    let height = Number(await page.evaluate('document.documentElement.scrollHeight'));
    while (opts.fullPage && buf.length > MAX_SHOT_BYTES && height > HEIGHT[w]) {
      height = Math.max(HEIGHT[w], Math.floor(height * 0.85));
      buf = await page.screenshot({ ...common, fullPage: true, clip: { x: 0, y: 0, width: w, height } });
    }
    await writeFile(file, buf);
    const size = (await stat(file)).size;
    log(`screenshot ${path.relative(ROOT, file)} (${Math.round(size / 1024)} KB)`);
    if (size > MAX_SHOT_BYTES) failures.push(`screenshot too large: ${file}`);
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

/** Logs a staff member in through the log-in page (staying on it when already sent there with ?next=…). */
export async function login(page: Page, base: string, username: string): Promise<void> {
  if (!new URL(page.url()).pathname.startsWith('/can-bo/dang-nhap')) await page.goto(`${base}/can-bo/dang-nhap`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(PASSWORD);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.getByRole('button', { name: 'Đăng xuất' }).waitFor();
}

export async function logout(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Đăng xuất' }).click();
  await page.waitForURL(/\/can-bo\/dang-nhap/);
}

/**
 * Clicks a console button that fetches a protected PDF (the token goes in a header) and takes the file as
 * the user would, by the download link that appears beside it; the new tab it opens is closed. The page's
 * CSP (connect-src 'self') forbids fetching the blob back from the test.
 */
export async function downloadPdf(page: Page, button: Locator): Promise<Uint8Array> {
  const holder = button.locator('xpath=ancestor::*[contains(concat(" ", normalize-space(@class), " "), " blob-button ")][1]');
  const popup = page
    .context()
    .waitForEvent('page', { timeout: 5000 })
    .catch(() => null);
  await button.click();
  const link = holder.locator('.blob-download');
  await link.waitFor({ timeout: 20_000 });
  await (await popup)?.close().catch(() => undefined);
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  return new Uint8Array(await readFile(await download.path()));
}

/** Text of every page of a PDF (pdfjs-dist legacy build, as test/forms.spec.ts reads forms). */
export async function pdfText(pdf: Uint8Array): Promise<string> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: pdf.slice(), verbosity: 0, disableFontFace: true, useSystemFonts: false }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    pages.push(content.items.map((it) => ('str' in it ? it.str + (it.hasEOL ? '\n' : '') : '')).join(''));
  }
  await doc.destroy();
  return pages.join('\n').replace(/\s+/g, ' ');
}

const vnParts = (iso: string) => {
  const t = new Date(Date.parse(iso) + 7 * 3_600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return {
    hh: p(t.getUTCHours()),
    mm: p(t.getUTCMinutes()),
    dd: p(t.getUTCDate()),
    mo: p(t.getUTCMonth() + 1),
    yyyy: String(t.getUTCFullYear()),
  };
};

/** "14 giờ 30 phút, ngày 29/08/2025" — how the forms write an instant (Vietnam time). */
export function vnDateTime(iso: string): string {
  const { hh, mm, dd, mo, yyyy } = vnParts(iso);
  return `${hh} giờ ${mm} phút, ngày ${dd}/${mo}/${yyyy}`;
}

/** "14:30 29/08/2025" — how the web app shows an instant in Vietnamese (Vietnam time). */
export function vnShort(iso: string): string {
  const { hh, mm, dd, mo, yyyy } = vnParts(iso);
  return `${hh}:${mm} ${dd}/${mo}/${yyyy}`;
}

/** Runs a test's main function: prints every failure and sets the exit code. */
export function finish(name: string, main: () => Promise<void>): void {
  const started = Date.now();
  main().then(
    () => {
      const secs = ((Date.now() - started) / 1000).toFixed(0);
      if (failures.length) {
        console.error(`\n${failures.length} failure(s) in ${secs} s:\n- ${failures.join('\n- ')}`);
        process.exit(1);
      }
      console.log(`\n${name}: all checks passed in ${secs} s`);
      process.exit(0);
    },
    (e: unknown) => {
      console.error(e);
      if (failures.length) console.error(`\nalso failed:\n- ${failures.join('\n- ')}`);
      process.exit(1);
    },
  );
}
