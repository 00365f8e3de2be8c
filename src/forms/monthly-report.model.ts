import { DomainError } from '../platform/errors.js';
import { change, endOfDay, scoreOf } from '../kpi/kpi.model.js';
import type { KpiService } from '../kpi/kpi.service.js';
import { headerOf, vnDate, vnDateTime, type Block, type FormDocument, type Run, type Signature, type UnitInfo } from './form.model.js';

// The monthly report of a unit's results in handling administrative procedures, as a document for form.render.ts:
// the leaders' figures (kpi/) in the official style. Pure: the figures, the unit's header and the time come in.

type Figures = Awaited<ReturnType<KpiService['figures']>>;
type Scorecard = Awaited<ReturnType<KpiService['scorecard']>>;
type Rankings = Awaited<ReturnType<KpiService['rankings']>>;
type Trends = Awaited<ReturnType<KpiService['trends']>>;

export const MONTHLY_REPORT_TITLE = 'BÁO CÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH';

/** The procedures listed one by one in section IV; the rest are summed in one line. */
export const TOP_PROCEDURES = 15;

/** A calendar month of the report: its local days, and the month before it (what the changes are measured against). */
export interface ReportMonth {
  month: string;
  /** "03/2025". */
  label: string;
  from: string;
  to: string;
  previous: { month: string; label: string; from: string; to: string };
}

const pad2 = (n: number) => String(n).padStart(2, '0');

function monthOf(year: number, month: number): Omit<ReportMonth, 'previous'> {
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const m = `${year}-${pad2(month)}`;
  return { month: m, label: `${pad2(month)}/${year}`, from: `${m}-01`, to: `${m}-${pad2(last)}` };
}

/** Validates a report's month (YYYY-MM, begun by `now` in Vietnam time) and gives its days and the month before. */
export function reportMonth(month: string, now: Date): ReportMonth {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  const year = Number(match?.[1]);
  const m = Number(match?.[2]);
  if (!match || m < 1 || m > 12 || year < 2000)
    throw new DomainError('VALIDATION', `month must be YYYY-MM (got ${month})`, { field: 'querystring.month' });
  const today = new Date(now.getTime() + 7 * 3_600_000).toISOString().slice(0, 7);
  if (month > today) throw new DomainError('VALIDATION', `The month ${month} has not begun yet`, { field: 'querystring.month' });
  const previous = m === 1 ? monthOf(year - 1, 12) : monthOf(year, m - 1);
  return { ...monthOf(year, m), previous };
}

// ---------- numbers as a Vietnamese document prints them ----------

/** 1234567 → "1.234.567". */
export const count = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
/** A decimal with a comma, at most two decimals: 17.5 → "17,5", 13.33 → "13,33". */
export const decimal = (x: number) => String(Math.round(x * 100) / 100).replace('.', ',');
/** A share as a percentage with two decimals: 0.98123 → "98,12%"; null → `none`. */
export const percent = (x: number | null, none = 'Không có hồ sơ') => (x === null ? none : `${(x * 100).toFixed(2).replace('.', ',')}%`);
/** A signed difference: "+1,25", "−0,5", "0"; null → "—". */
export const signed = (x: number | null) => (x === null ? '—' : x > 0 ? `+${decimal(x)}` : x < 0 ? `−${decimal(-x)}` : '0');
/** A difference of shares in percentage points: 0.0125 → "+1,25 điểm %". */
export const points = (x: number | null) => (x === null ? '—' : `${signed(Math.round(x * 10000) / 100)} điểm %`);

const b = (text: string): Run => ({ text, bold: true });
const r = (text: string): Run => ({ text });
const i = (text: string): Run => ({ text, italic: true });
const heading = (text: string): Block => ({ kind: 'para', runs: [b(text)], align: 'left', gapBefore: 6, keep: 90 });
const note = (text: string): Block => ({ kind: 'para', runs: [i(text)], size: 'small', align: 'left' });

export interface MonthlyReportInput {
  unit: UnitInfo;
  month: ReportMonth;
  /** figures of the month, in total, with what was open at its end (or now, for the month under way). */
  figures: Figures;
  /** figures of the month by procedure. */
  byProcedure: Figures;
  scorecard: Scorecard;
  /** rankings of the month, and of the month before. */
  rankings: Rankings;
  previousRankings: Rankings;
  /** trends of the month by month (one period, with its change from the month before). */
  trend: Trends;
  printedAt: Date;
  /** Who prints it (the "người lập biểu"); null at the command line. */
  preparedBy: string | null;
}

/** Counts that say whether anything happened in the month at all. */
const COUNTS = [
  'submittedOnline',
  'received',
  'refused',
  'withdrawn',
  'decided',
  'results',
  'returned',
  'supplementRequests',
  'ratedSatisfied',
  'ratedAcceptable',
  'ratedNotSatisfied',
] as const;

/** Whether a month had nothing: no dossier received, decided, returned or rated, and none open at its end. */
export function isEmptyMonth(f: Figures): boolean {
  return COUNTS.every((k) => f.total[k] === 0) && f.open.inProgress === 0;
}

function figuresSection(f: Figures, label: string): Block[] {
  const t = f.total;
  const open = f.open;
  const rows: string[][] = [
    ['1', 'Tổng số hồ sơ tiếp nhận', count(t.received), ''],
    ['1.1', 'Tiếp nhận trực tiếp tại Bộ phận Một cửa', count(t.receivedInPerson), ''],
    ['1.2', 'Tiếp nhận trực tuyến', count(t.receivedOnline), percent(t.onlineRate)],
    ['1.3', 'Tiếp nhận qua dịch vụ bưu chính công ích', count(t.receivedPost), ''],
    ['2', 'Số hồ sơ đã giải quyết', count(t.decided), ''],
    ['2.1', 'Giải quyết trước hạn', count(t.decidedEarly), ''],
    ['2.2', 'Giải quyết đúng hạn', count(t.decidedOnTime), ''],
    ['2.3', 'Giải quyết quá hạn', count(t.decidedLate), ''],
    ['', 'Tỷ lệ giải quyết trước hạn, đúng hạn', '', percent(t.onTimeRate)],
    ['3', 'Số hồ sơ đang giải quyết', count(open.inProgress), ''],
    ['3.1', 'Trong hạn', count(open.inProgressOnTime), ''],
    ['3.2', 'Quá hạn', count(open.inProgressOverdue), ''],
    ['3.3', 'Tạm dừng (chờ bổ sung, thực hiện nghĩa vụ tài chính)', count(open.paused), ''],
    ['4', 'Hồ sơ rút theo đề nghị của tổ chức, cá nhân', count(t.withdrawn), ''],
    ['5', 'Hồ sơ từ chối tiếp nhận', count(t.refused), ''],
    ['6', 'Hồ sơ dừng giải quyết', count(t.stopped), ''],
    ['7', 'Yêu cầu bổ sung, hoàn thiện hồ sơ', count(t.supplementRequests), ''],
    ['8', 'Văn bản xin lỗi, hẹn lại ngày trả kết quả', count(t.apologies), ''],
    ['9', 'Kết quả được số hóa đầy đủ', count(t.digitized), percent(t.digitizedRate)],
    ['10', 'Kết quả điện tử', count(t.electronicResults), percent(t.electronicResultRate)],
    ['11', 'Đánh giá "Hài lòng"', count(t.ratedSatisfied), ''],
    ['12', 'Đánh giá "Chấp nhận được"', count(t.ratedAcceptable), ''],
    ['13', 'Đánh giá "Không hài lòng"', count(t.ratedNotSatisfied), ''],
    ['', 'Tỷ lệ hài lòng (hài lòng và chấp nhận được trên số lượt đánh giá)', '', percent(t.satisfactionRate, 'Không có đánh giá')],
    [
      '14',
      'Thời gian giải quyết trung bình (giờ, không tính thời gian chờ bổ sung)',
      t.averageProcessingHours === null ? 'Không có hồ sơ' : decimal(t.averageProcessingHours),
      '',
    ],
  ];
  return [
    heading('I. KẾT QUẢ TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ'),
    ...(isEmptyMonth(f)
      ? [
          {
            kind: 'para',
            runs: [b(`Trong tháng ${label}, đơn vị không tiếp nhận, không giải quyết hồ sơ nào; các tỷ lệ không được tính.`)],
          } satisfies Block,
        ]
      : []),
    {
      kind: 'table',
      columns: [
        { title: 'STT', weight: 8, align: 'center' },
        { title: 'Chỉ tiêu', weight: 58 },
        { title: 'Số hồ sơ', weight: 20, align: 'center' },
        { title: 'Tỷ lệ', weight: 14, align: 'center' },
      ],
      rows,
      strong: [0, 4, 8, 9, 23],
    },
    // A past month's open dossiers are those open when it ended (the rollups keep every day's); the month under way's,
    // those open as the report is printed.
    open.at === endOfDay(f.to).toISOString()
      ? note(`Số hồ sơ đang giải quyết tính đến hết ngày ${vnDate(f.to)}.`)
      : note(`Số hồ sơ đang giải quyết tính tại thời điểm lập báo cáo (${vnDateTime(open.at)}).`),
  ];
}

const STATUS_CELL = { no_dossiers: 'Không có hồ sơ trong kỳ', no_data: 'Chưa có dữ liệu' } as const;

function scorecardSection(s: Scorecard): Block[] {
  const rows: string[][] = [];
  const strong: number[] = [];
  s.groups.forEach((g, k) => {
    strong.push(rows.length);
    rows.push([String(k + 1), g.nameVi, '', '', '', decimal(g.points), `${decimal(g.earned)} (đo được ${decimal(g.measurable)})`]);
    for (const x of s.indicators.filter((ind) => ind.group === g.group)) {
      if (x.status === 'no_data') {
        const awaited = (x.awaitingVi ?? '').replace(/^Chưa có dữ liệu: /, '');
        rows.push([
          x.id,
          awaited ? `${x.nameVi} (chờ: ${awaited})` : x.nameVi,
          STATUS_CELL.no_data,
          '—',
          percent(x.fullAt),
          decimal(x.points),
          '—',
        ]);
      } else if (x.status === 'no_dossiers')
        rows.push([
          x.id,
          x.nameVi,
          `${x.numerator ?? 0}/${x.denominator ?? 0}`,
          STATUS_CELL.no_dossiers,
          percent(x.fullAt),
          decimal(x.points),
          '—',
        ]);
      else
        rows.push([
          x.id,
          x.nameVi,
          `${count(x.numerator!)}/${count(x.denominator!)}`,
          percent(x.ratio),
          percent(x.fullAt),
          decimal(x.points),
          decimal(x.earned!),
        ]);
    }
  });
  strong.push(rows.length);
  rows.push(['', 'TỔNG CỘNG', '', '', '', decimal(s.total.points), `${decimal(s.total.earned)} (đo được ${decimal(s.total.measurable)})`]);
  const score = scoreOf(s.total);
  return [
    heading('II. BỘ CHỈ SỐ ĐÁNH GIÁ CHẤT LƯỢNG PHỤC VỤ (QUYẾT ĐỊNH 766/QĐ-TTg)'),
    {
      kind: 'table',
      columns: [
        { title: 'Mã', weight: 7, align: 'center' },
        { title: 'Nhóm, chỉ số', weight: 34 },
        { title: 'Đạt / Tổng số', weight: 13, align: 'center' },
        { title: 'Tỷ lệ', weight: 12, align: 'center' },
        { title: 'Ngưỡng đủ điểm', weight: 10, align: 'center' },
        { title: 'Điểm tối đa', weight: 8, align: 'center' },
        { title: 'Điểm đạt', weight: 16, align: 'center' },
      ],
      rows,
      strong,
      size: 'small',
    },
    {
      kind: 'para',
      runs: [
        r('Tổng điểm đạt: '),
        b(`${decimal(s.total.earned)}/${decimal(s.total.measurable)}`),
        r(` điểm đo được (tối đa ${decimal(s.total.points)} điểm); điểm quy đổi: `),
        b(score === null ? 'không tính được (không có chỉ số nào đo được).' : `${decimal(score)}/100.`),
      ],
    },
    note(
      'Chỉ số "Chưa có dữ liệu" chờ phần hệ thống cung cấp số liệu, không tính điểm; chỉ số "Không có hồ sơ trong kỳ" không phát sinh hồ sơ để tính. Điểm quy đổi = điểm đạt ÷ điểm đo được × 100.',
    ),
  ];
}

function rankingSection(now: Rankings, before: Rankings, m: ReportMonth): Block[] {
  const previous = new Map(before.units.map((u) => [u.unitId, u]));
  const rank = (n: number | null) => (n === null ? '—' : String(n));
  const score = (n: number | null) => (n === null ? 'Không có hồ sơ' : decimal(n));
  const rows = now.units.map((u) => {
    const p = previous.get(u.unitId);
    const prevRank = p?.rank ?? null;
    return [
      rank(u.rank),
      u.nameVi,
      score(u.score),
      `${decimal(u.earned)}/${decimal(u.measurable)}`,
      rank(prevRank),
      score(p?.score ?? null),
      signed(change(p?.score ?? null, u.score)),
      u.rank !== null && prevRank !== null ? signed(prevRank - u.rank) : '—',
    ];
  });
  const what = now.level === 'agency' ? 'CÁC CƠ QUAN GIẢI QUYẾT' : 'CÁC ĐIỂM TIẾP NHẬN';
  return [
    heading(`III. XẾP HẠNG ${what} THEO BỘ CHỈ SỐ 766`),
    {
      kind: 'table',
      columns: [
        { title: 'Hạng', weight: 7, align: 'center' },
        { title: now.level === 'agency' ? 'Cơ quan' : 'Điểm tiếp nhận', weight: 33 },
        { title: 'Điểm quy đổi', weight: 10, align: 'center' },
        { title: 'Điểm đạt / đo được', weight: 11, align: 'center' },
        { title: 'Hạng', weight: 8, align: 'center' },
        { title: 'Điểm quy đổi', weight: 10, align: 'center' },
        { title: 'Điểm', weight: 10, align: 'center' },
        { title: 'Hạng', weight: 8, align: 'center' },
      ],
      groups: [
        { title: `Tháng ${m.label}`, from: 0, to: 3 },
        { title: `Tháng ${m.previous.label}`, from: 4, to: 5 },
        { title: 'Thay đổi', from: 6, to: 7 },
      ],
      rows,
      size: 'small',
      empty: 'Không có đơn vị nào để xếp hạng.',
    },
    note('Hạng thay đổi: số bậc tăng (+) hoặc giảm (−) so với tháng trước. Đơn vị không có hồ sơ không được xếp hạng.'),
  ];
}

function procedureSection(f: Figures, label: string): Block[] {
  const sorted = [...f.groups].sort((a, z) => z.received - a.received || z.decided - a.decided || a.labelVi.localeCompare(z.labelVi, 'vi'));
  const top = sorted.slice(0, TOP_PROCEDURES);
  const rest = sorted.slice(TOP_PROCEDURES);
  const blocks: Block[] = [
    heading('IV. KẾT QUẢ THEO THỦ TỤC HÀNH CHÍNH'),
    {
      kind: 'table',
      columns: [
        { title: 'STT', weight: 6, align: 'center' },
        { title: 'Thủ tục hành chính', weight: 40 },
        { title: 'Tiếp nhận', weight: 9, align: 'center' },
        { title: 'Đã giải quyết', weight: 9, align: 'center' },
        { title: 'Trước hạn', weight: 9, align: 'center' },
        { title: 'Đúng hạn', weight: 9, align: 'center' },
        { title: 'Quá hạn', weight: 9, align: 'center' },
        { title: 'Tỷ lệ đúng hạn', weight: 11, align: 'center' },
      ],
      rows: top.map((g, k) => [
        String(k + 1),
        g.labelVi,
        count(g.received),
        count(g.decided),
        count(g.decidedEarly),
        count(g.decidedOnTime),
        count(g.decidedLate),
        percent(g.onTimeRate, '—'),
      ]),
      size: 'small',
      empty: `Không có hồ sơ nào trong tháng ${label}.`,
    },
  ];
  if (rest.length) {
    const sum = (k: 'received' | 'decided') => rest.reduce((a, g) => a + g[k], 0);
    blocks.push(
      note(`Còn ${count(rest.length)} thủ tục khác: tiếp nhận ${count(sum('received'))}, đã giải quyết ${count(sum('decided'))} hồ sơ.`),
    );
  } else if (top.length) blocks.push(note(`${count(top.length)} thủ tục có hồ sơ trong tháng, theo số hồ sơ tiếp nhận.`));
  return blocks;
}

function targetSection(t: Trends, m: ReportMonth): Block[] {
  const p = t.periods.find((x) => x.start === m.from);
  const verdict = (x: boolean | null | undefined) => (x === true ? 'Đạt' : x === false ? 'Chưa đạt' : 'Chưa có dữ liệu');
  const none = 'Chưa có dữ liệu';
  const rows: string[][] = [
    [
      'Tỷ lệ giải quyết trước hạn, đúng hạn',
      `≥ ${percent(t.targets.onTimeRate)}`,
      percent(p?.onTimeRate ?? null, none),
      points(p?.change.onTimeRate ?? null),
      verdict(p?.meetsTargets.onTimeRate),
    ],
    [
      'Tỷ lệ kết quả được số hóa',
      `≥ ${percent(t.targets.digitizedRate)}`,
      percent(p?.digitizedRate ?? null, none),
      points(p?.change.digitizedRate ?? null),
      verdict(p?.meetsTargets.digitizedRate),
    ],
    [
      'Tỷ lệ hài lòng',
      `≥ ${percent(t.targets.satisfactionRate)}`,
      percent(p?.satisfactionRate ?? null, none),
      points(p?.change.satisfactionRate ?? null),
      verdict(p?.meetsTargets.satisfactionRate),
    ],
    ['Tỷ lệ tiếp nhận trực tuyến', 'Không giao', percent(p?.onlineRate ?? null, none), points(p?.change.onlineRate ?? null), '—'],
    [
      'Điểm quy đổi Bộ chỉ số 766',
      'Không giao',
      p?.score === null || p?.score === undefined ? none : decimal(p.score),
      signed(p?.change.score ?? null),
      '—',
    ],
  ];
  return [
    heading('V. SO SÁNH VỚI CHỈ TIÊU CỦA TỈNH'),
    {
      kind: 'table',
      columns: [
        { title: 'Chỉ tiêu', weight: 34 },
        { title: 'Mục tiêu của tỉnh', weight: 15, align: 'center' },
        { title: `Tháng ${m.label}`, weight: 15, align: 'center' },
        { title: `So với tháng ${m.previous.label}`, weight: 20, align: 'center' },
        { title: 'Đánh giá', weight: 16, align: 'center' },
      ],
      rows,
    },
  ];
}

/** The monthly report of a unit: the figures, the Decision 766 scorecard, the ranking, procedures and targets. */
export function monthlyReport(input: MonthlyReportInput): FormDocument {
  const { unit: u, month: m } = input;
  const title = `${MONTHLY_REPORT_TITLE} THÁNG ${m.label}`;
  const asOf = input.figures.asOf;
  const left: Signature = { title: 'NGƯỜI LẬP BIỂU', hint: '(Ký, ghi rõ họ tên)', name: input.preparedBy };
  const right: Signature = { title: 'THỦ TRƯỞNG ĐƠN VỊ', hint: '(Ký, ghi rõ họ tên, đóng dấu)', name: null };
  return {
    form: 'monthly-report',
    formNo: '',
    title,
    fileName: `bao-cao-thang-${m.month}_${input.figures.unit.id}.pdf`,
    orientation: 'portrait',
    header: headerOf(u, input.printedAt),
    subject: `${title} — ${u.nameVi}`,
    blocks: [
      {
        kind: 'title',
        // The month on its own line, rather than wherever the width breaks it.
        text: `${MONTHLY_REPORT_TITLE}\nTHÁNG ${m.label}`,
        lines: [
          [r(`Kỳ báo cáo: từ ngày ${m.from.split('-').reverse().join('/')} đến ngày ${m.to.split('-').reverse().join('/')}`)],
          [i(asOf ? `(Số liệu tổng hợp từ các sự kiện của hồ sơ, cập nhật lúc ${vnDateTime(asOf)})` : '(Số liệu chưa được tổng hợp)')],
        ],
      },
      { kind: 'para', runs: [r('Đơn vị báo cáo: '), b(u.nameVi)] },
      ...figuresSection(input.figures, m.label),
      ...scorecardSection(input.scorecard),
      ...rankingSection(input.rankings, input.previousRankings, m),
      ...procedureSection(input.byProcedure, m.label),
      ...targetSection(input.trend, m),
      { kind: 'signatures', left, right },
    ],
  };
}
