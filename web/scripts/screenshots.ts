/**
 * Screenshots of the citizen portal for docs/screenshots/, with an accessibility check (axe-core, WCAG 2.1 A/AA)
 * of every page shot. Needs a running server with the demo province and a built web app:
 *
 *   npm start                         # in one terminal (builds web/dist when missing)
 *   npm run screenshots               # in another; MOTCUA_URL=http://127.0.0.1:3100 to point elsewhere
 *
 * Uses Debian's chromium (CHROMIUM=/path to override). It files one online demo dossier (for the
 * confirmation page) and reads one returned dossier as the administrator (for the tracking page).
 * Exits 1 when axe reports a violation or a page logs an error.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import createClient from 'openapi-fetch';
import type { paths } from '../src/api/schema.js';
import { samplePdf } from '../../src/demo/demo.model.js';

const BASE = (process.env.MOTCUA_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const OUT = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const MAX_BYTES = 200 * 1024;
const PROCEDURE = '1.001193'; // birth registration: population-database components, fees, a fast track
const VIEWPORTS = [
  { name: '360', width: 360, height: 800 },
  { name: '1440', width: 1440, height: 900 },
] as const;

const api = createClient<paths>({ baseUrl: BASE });
const problems: string[] = [];
const saved: string[] = [];

/** A returned dossier nobody rated yet, with its phone's last 4 digits (found as the administrator). */
async function findReturnedDossier(): Promise<{ code: string; phone4: string }> {
  const login = await api.POST('/auth/login', { body: { username: 'admin', password: process.env.MOTCUA_DEMO_PASSWORD ?? 'motcua@2026' } });
  if (!login.data) throw new Error(`admin log-in failed: ${JSON.stringify(login.error)}`);
  const headers = { authorization: `Bearer ${login.data.token}` };
  const list = await api.GET('/dossiers', { params: { query: { status: 'returned', limit: 200 } }, headers });
  if (!list.data) throw new Error(`listing dossiers failed: ${JSON.stringify(list.error)}`);
  // Public look-ups are rate limited (30 a minute): check only a few candidates.
  for (const item of list.data.slice(0, 8)) {
    const d = await api.GET('/dossiers/{code}', { params: { path: { code: item.code } }, headers });
    if (!d.data) continue;
    const phone4 = d.data.applicant.phone.slice(-4);
    const pub = await api.GET('/public/dossiers/{code}', { params: { path: { code: item.code }, query: { phone: phone4 } } });
    if (pub.data?.canRate && pub.data.timeline.length >= 4) return { code: item.code, phone4 };
  }
  throw new Error('no returned, unrated dossier among the first candidates: reseed the demo or rate fewer');
}

function watch(page: Page, label: string): void {
  page.on('console', (m) => {
    // The submission shot uploads a fake file on purpose: the browser logs the server's 415.
    if (m.type() === 'error' && !/status of 415/.test(m.text())) problems.push(`${label}: console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${label}: page error: ${e.message}`));
}

async function axe(page: Page, label: string): Promise<void> {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  for (const v of r.violations) {
    problems.push(
      `${label}: axe ${v.id} (${v.impact}): ${v.help} — ${v.nodes
        .map((n) => n.target.join(' '))
        .slice(0, 4)
        .join(' | ')}`,
    );
  }
}

/** Saves a full-page PNG; a page too long for 200 KB is cut to its top part (never less than the viewport). */
async function shoot(page: Page, name: string): Promise<void> {
  await page.evaluate('document.fonts.ready');
  const file = path.join(OUT, `${name}.png`);
  const viewport = page.viewportSize()!;
  const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
  if (width > viewport.width)
    problems.push(`${name}: the page is ${width} px wide in a ${viewport.width} px viewport (horizontal scrolling)`);
  let png = await page.screenshot({ type: 'png', scale: 'css', fullPage: true, animations: 'disabled', caret: 'hide' });
  let height = Number(await page.evaluate('document.documentElement.scrollHeight'));
  let cut = false;
  while (png.length > MAX_BYTES && height > viewport.height) {
    height = Math.max(viewport.height, Math.floor(height * 0.85));
    png = await page.screenshot({
      type: 'png',
      scale: 'css',
      fullPage: true,
      animations: 'disabled',
      caret: 'hide',
      clip: { x: 0, y: 0, width: viewport.width, height },
    });
    cut = true;
  }
  await writeFile(file, png);
  saved.push(file);
  console.log(`  ${name}.png  ${(png.length / 1024).toFixed(0)} kB${cut ? ` (top ${height} px)` : ''}`);
  if (png.length > MAX_BYTES) problems.push(`${name}: ${png.length} bytes, over 200 kB`);
}

async function home(page: Page, name: string): Promise<void> {
  await page.goto(`${BASE}/`);
  await page
    .getByRole('link', { name: /Hộ tịch|Civil status/ })
    .first()
    .waitFor();
  await axe(page, name);
  await shoot(page, name);
}

async function procedure(page: Page, name: string): Promise<void> {
  await page.goto(`${BASE}/thu-tuc/${PROCEDURE}`);
  await page.locator('.point-list').first().waitFor();
  await axe(page, name);
  await shoot(page, name);
}

/** The form filled in, one file accepted and one refused by the server (415: not a document). */
async function submission(page: Page, name: string): Promise<void> {
  await page.goto(`${BASE}/nop-ho-so/${PROCEDURE}`);
  await page.locator('#f-idNumber').fill('03709500123');
  await page.locator('#f-name').focus(); // leaving the field shows the inline check: 11 digits
  await page.locator('#f-name').fill('Nguyễn Văn An');
  await page.locator('#f-phone').fill('0912345678');
  await page.locator('#f-address').fill('Số 1 đường Trần Hưng Đạo');
  await page.locator('#f-communeCode').selectOption({ index: 3 });
  await page
    .locator('#file-TK')
    .setInputFiles({ name: 'to-khai-khai-sinh.pdf', mimeType: 'application/pdf', buffer: samplePdf('To khai dang ky khai sinh') });
  await page
    .locator('#file-GCS')
    .setInputFiles({ name: 'giay-chung-sinh.pdf', mimeType: 'application/pdf', buffer: Buffer.from('this is not a PDF at all') });
  await page.locator('.upload-done').waitFor();
  await page.locator('.upload-error').waitFor();
  await axe(page, name);
  await shoot(page, name);
}

/** Submits a complete form: the confirmation with the dossier code. */
async function submitted(page: Page, name: string): Promise<void> {
  await page.goto(`${BASE}/nop-ho-so/${PROCEDURE}`);
  await page.locator('#f-idNumber').fill('037095001234');
  await page.locator('#f-name').fill('Nguyễn Văn An');
  await page.locator('#f-phone').fill('0912345678');
  await page.locator('#f-address').fill('Số 1 đường Trần Hưng Đạo');
  await page.locator('#f-communeCode').selectOption({ index: 3 });
  await page.locator('#file-TK').setInputFiles({ name: 'to-khai.pdf', mimeType: 'application/pdf', buffer: samplePdf('To khai') });
  await page
    .locator('#file-GCS')
    .setInputFiles({ name: 'giay-chung-sinh.pdf', mimeType: 'application/pdf', buffer: samplePdf('Giay chung sinh') });
  await page.locator('.upload-done').nth(1).waitFor();
  await page.locator('#f-confirm').check();
  await page.getByRole('button', { name: /Nộp hồ sơ|Submit the dossier/ }).click();
  await page.locator('.success-code').waitFor();
  await axe(page, name);
  await shoot(page, name);
}

async function tracking(page: Page, name: string, dossier: { code: string; phone4: string }): Promise<void> {
  // As the receipt's QR code opens it: the code in the path, the digits typed.
  await page.goto(`${BASE}/tra-cuu/${dossier.code}`);
  await page.locator('#tr-phone').fill(dossier.phone4);
  await page.locator('#tr-phone').press('Enter');
  await page.locator('.timeline').waitFor();
  await page.locator('#rating-acceptable').check();
  await axe(page, name);
  await shoot(page, name);
}

async function withContext(
  browser: Browser,
  viewport: (typeof VIEWPORTS)[number],
  lang: 'vi' | 'en',
  run: (page: Page) => Promise<void>,
): Promise<void> {
  const context: BrowserContext = await browser.newContext({
    viewport: { width: viewport.width, height: viewport.height },
    locale: lang === 'en' ? 'en-GB' : 'vi-VN',
    timezoneId: 'Europe/Paris',
  });
  const page = await context.newPage();
  watch(page, `${lang}-${viewport.name}`);
  if (lang === 'en') {
    // Switch the way a visitor does, on the first page; the choice is remembered for the rest.
    await page.goto(`${BASE}/`);
    await page.getByRole('button', { name: /English/ }).click();
    await page.waitForFunction('document.documentElement.lang === "en"');
  }
  try {
    await run(page);
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  const health = await fetch(`${BASE}/ready`).catch(() => null);
  if (!health?.ok) throw new Error(`no server at ${BASE}: start it with \`npm start\` (or set MOTCUA_URL)`);
  const index = await fetch(`${BASE}/`);
  if (!index.ok) throw new Error(`${BASE}/ answers ${index.status}: build the web app with \`npm run build\``);

  // Other screenshots live in the same folder (printed forms): each file here is overwritten by name, none removed.
  await mkdir(OUT, { recursive: true });
  const dossier = await findReturnedDossier();
  console.log(`tracking dossier ${dossier.code}`);

  const browser = await chromium.launch({
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
  try {
    for (const vp of VIEWPORTS) {
      await withContext(browser, vp, 'vi', async (page) => {
        await home(page, `home-${vp.name}`);
        await procedure(page, `procedure-${vp.name}`);
        await submission(page, `submit-${vp.name}`);
        await tracking(page, `tracking-${vp.name}`, dossier);
      });
    }
    await withContext(browser, VIEWPORTS[1], 'vi', (page) => submitted(page, 'submitted-1440'));
    await withContext(browser, VIEWPORTS[1], 'en', async (page) => {
      await home(page, 'en-home-1440');
      await procedure(page, 'en-procedure-1440');
    });
    await withContext(browser, VIEWPORTS[0], 'en', async (page) => {
      await submission(page, 'en-submit-360');
      await tracking(page, 'en-tracking-360', dossier);
    });
  } finally {
    await browser.close();
  }
  const total = (await Promise.all(saved.map(async (f) => (await stat(f)).size))).reduce((a, b) => a + b, 0);
  console.log(`saved ${saved.length} files in ${path.relative(process.cwd(), OUT)} (${(total / 1024).toFixed(0)} kB in all)`);
  if (problems.length) {
    console.error(`\n${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exitCode = 1;
  } else console.log('axe: no WCAG 2.1 A/AA violations; no console errors');
}

await main();
