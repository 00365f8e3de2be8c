import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/platform/database.js';

// `motcua kpi rebuild`, `motcua scorecard`, `motcua report` and `motcua report-pdf` on a seeded demo province (embedded database), checked
// against figures recomputed here, in plain code, from the dossiers and their events.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
let dataDir: string;

function motcua(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      ['src/cli.ts', ...args],
      // The embedded database of the temp data dir, whatever DATABASE_URL the suite runs with.
      { cwd: root, env: { ...process.env, TZ: 'UTC', DATABASE_URL: '', MOTCUA_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, timeout: 240_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const localDay = (d: Date) => new Date(d.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'motcua-kpi-cli-'));
  // 40 live dossiers and 300 of the year before, imported through `motcua import-history` (the seed's demo year).
  const seed = await motcua(['seed', '--dossiers', '40', '--queue-days', '0', '--history-dossiers', '300']);
  expect(seed.code, seed.stderr).toBe(0);
}, 300_000);

afterAll(async () => {
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
});

describe('the KPI commands', () => {
  it('report the figures the events give, recomputed independently, and the scorecard from them', async () => {
    const rebuild = await motcua(['kpi', 'rebuild']);
    expect(rebuild.code, rebuild.stderr).toBe(0);
    expect(JSON.parse(rebuild.stdout).rollupRows).toBeGreaterThan(0);
    const report = await motcua(['report', '--from', '2020-01-01', '--to', '2029-12-31', '--by', 'year']);
    expect(report.code, report.stderr).toBe(0);
    const r = JSON.parse(report.stdout);
    const scorecard = await motcua(['scorecard', '--from', '2020-01-01', '--to', '2029-12-31']);
    expect(scorecard.code, scorecard.stderr).toBe(0);
    const s = JSON.parse(scorecard.stdout);

    // The same figures from the rows themselves, in plain code.
    const database = await openDatabase({ dataDir, poolSize: 1 });
    let expected: Record<string, number>;
    let years: Map<string, number>;
    try {
      const events = await database.db
        .selectFrom('dossier_events as e')
        .innerJoin('dossiers as d', 'd.id', 'e.dossier_id')
        .select(['e.action', 'e.at', 'd.channel', 'd.due_at', 'd.supplement_count'])
        .execute();
      const ratings = await database.db.selectFrom('ratings').select('rating').execute();
      const decided = events.filter((e) => e.action === 'result' || e.action === 'stop');
      const late = decided.filter((e) => e.supplement_count > 1 || (e.due_at !== null && e.at > e.due_at));
      const early = decided.filter((e) => !late.includes(e) && e.due_at !== null && localDay(e.at) < localDay(e.due_at));
      expected = {
        received: events.filter((e) => e.action === 'receive').length,
        receivedOnline: events.filter((e) => e.action === 'receive' && e.channel === 2).length,
        submittedOnline: events.filter((e) => e.action === 'submit_online').length,
        decided: decided.length,
        decidedLate: late.length,
        decidedEarly: early.length,
        decidedOnTime: decided.length - late.length - early.length,
        returned: events.filter((e) => e.action === 'return').length,
        ratedSatisfied: ratings.filter((x) => x.rating === 'satisfied').length,
        ratedNotSatisfied: ratings.filter((x) => x.rating === 'not_satisfied').length,
      };
      years = new Map();
      for (const e of events.filter((x) => x.action === 'receive')) {
        const y = `${localDay(e.at).slice(0, 4)}-01-01`;
        years.set(y, (years.get(y) ?? 0) + 1);
      }
    } finally {
      await database.close();
    }
    expect(expected.received).toBeGreaterThan(0);
    expect(expected.decided).toBeGreaterThan(0);
    expect(r.total).toMatchObject(expected);
    expect(r.groups.map((g: { key: string; received: number }) => [g.key, g.received]).filter(([, n]: [string, number]) => n > 0)).toEqual(
      [...years].sort(),
    );
    const onTime = s.indicators.find((i: { id: string }) => i.id === '2.1');
    expect(onTime.numerator).toBe(expected.decidedEarly! + expected.decidedOnTime!);
    expect(onTime.denominator).toBe(expected.decided! + r.open.inProgressOverdue);
    expect(s.unit.kind).toBe('province');
  }, 240_000);

  it('writes the monthly report as PDF, with the numbers of `motcua report` for that month', async () => {
    // The busiest month of the demo (its dates follow the day the seed ran).
    const months = await motcua(['report', '--from', '2020-01-01', '--to', '2029-12-31', '--by', 'month']);
    expect(months.code, months.stderr).toBe(0);
    const groups: { key: string; received: number }[] = JSON.parse(months.stdout).groups;
    const busiest = groups.reduce((a, g) => (g.received > a.received ? g : a));
    expect(busiest.received).toBeGreaterThan(0);
    const from = busiest.key;
    const last = new Date(Date.UTC(Number(from.slice(0, 4)), Number(from.slice(5, 7)), 0)).toISOString().slice(0, 10);
    const monthly = await motcua(['report', '--from', from, '--to', last]);
    expect(monthly.code, monthly.stderr).toBe(0);
    const total = JSON.parse(monthly.stdout).total;
    expect(total.received).toBe(busiest.received);
    const month = from.slice(0, 7);
    const out = path.join(dataDir, `bao-cao-${month}.pdf`);
    const run = await motcua(['report-pdf', '--month', month, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const pdf = await fs.readFile(out);
    expect(JSON.parse(run.stdout)).toEqual({ file: out, bytes: pdf.length, month });
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), verbosity: 0, disableFontFace: true, useSystemFonts: false }).promise;
    let text = '';
    for (let n = 1; n <= doc.numPages; n++)
      text += ` ${(await (await doc.getPage(n)).getTextContent()).items.map((it) => ('str' in it ? it.str : '')).join(' ')}`;
    await doc.destroy();
    text = text.replace(/\s+/g, ' ');
    const n = (x: number) => String(x).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
    expect(text).toContain(`BÁO CÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH THÁNG ${month.slice(5)}/${month.slice(0, 4)}`);
    expect(text).toContain(`1 Tổng số hồ sơ tiếp nhận ${n(total.received)}`);
    expect(text).toContain(`2 Số hồ sơ đã giải quyết ${n(total.decided)}`);
    expect(text).toContain(`2.3 Giải quyết quá hạn ${n(total.decidedLate)}`);
    // At the command line nobody is logged in: the preparer signs by hand.
    expect(text).toMatch(/NGƯỜI LẬP BIỂU \(Ký, ghi rõ họ tên\) THỦ TRƯỞNG ĐƠN VỊ/);
  }, 120_000);

  it('refuses a bad date, an unknown grouping and an unknown unit, naming them, with a non-zero exit', async () => {
    const cases: [string[], string][] = [
      [['scorecard', '--from', '2025-13-01', '--to', '2025-12-31'], 'from must be a date YYYY-MM-DD (got 2025-13-01)'],
      [['report', '--from', '2025-01-01', '--to', '2025-02-01', '--by', 'hour'], '--by must be one of day, week, month'],
      [['scorecard', '--unit', 'NO-SUCH-UNIT', '--from', '2025-01-01', '--to', '2025-02-01'], 'no unit with key NO-SUCH-UNIT'],
      [['report-pdf', '--month', '2025-13', '--out', path.join(os.tmpdir(), 'never.pdf')], 'month must be YYYY-MM (got 2025-13)'],
      [['report-pdf', '--month', '2025-01'], "required option '--out <file>' not specified"],
    ];
    // One at a time: two processes never open one embedded database (data-dir-lock.ts).
    for (const [args, message] of cases) {
      const run = await motcua(args);
      expect(run.code, args.join(' ')).not.toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(message);
    }
  }, 120_000);
});
