import type { Cell, Column, ColumnKind, Table } from '../platform/spreadsheet.js';
import type { KpiService } from './kpi.service.js';

/**
 * The leaders' tables as spreadsheets (CSV and XLSX through platform/spreadsheet.ts): the same numbers as the JSON
 * routes, with column headers in Vietnamese and English ("Mã hồ sơ / Dossier code"), or in one of them.
 */

/** Headers and names in Vietnamese, in English, or both ("vi / en", the default). */
export type ExportLang = 'vi' | 'en' | 'both';

type Figures = Awaited<ReturnType<KpiService['figures']>>;
type Scorecard = Awaited<ReturnType<KpiService['scorecard']>>;
type Productivity = Awaited<ReturnType<KpiService['productivity']>>;
type AllCostly = Awaited<ReturnType<KpiService['allCostlyDossiers']>>;
type Rankings = Awaited<ReturnType<KpiService['rankings']>>;
type Trends = Awaited<ReturnType<KpiService['trends']>>;

const say = (lang: ExportLang, vi: string, en: string) => (lang === 'vi' ? vi : lang === 'en' ? en : `${vi} / ${en}`);
const col = (lang: ExportLang, vi: string, en: string, kind: ColumnKind, width?: number): Column => ({
  header: say(lang, vi, en),
  kind,
  ...(width ? { width } : {}),
});
/** A name that exists in both languages: the Vietnamese one unless English is asked for. */
const pick = (lang: ExportLang, vi: string, en: string) => (lang === 'en' ? en : vi);
const instant = (iso: string | null) => (iso === null ? null : new Date(iso));

type FigureKey = keyof Figures['total'];
/** The figures' columns, in the order of the API document. */
const FIGURE_COLUMNS: readonly [FigureKey, string, string, ColumnKind][] = [
  ['submittedOnline', 'Nộp trực tuyến', 'Submitted online', 'integer'],
  ['received', 'Tiếp nhận', 'Received', 'integer'],
  ['receivedInPerson', 'Tiếp nhận trực tiếp', 'Received in person', 'integer'],
  ['receivedOnline', 'Tiếp nhận trực tuyến', 'Received online', 'integer'],
  ['receivedPost', 'Tiếp nhận qua bưu chính', 'Received by post', 'integer'],
  ['refused', 'Từ chối tiếp nhận', 'Refused', 'integer'],
  ['withdrawn', 'Rút hồ sơ', 'Withdrawn', 'integer'],
  ['stopped', 'Dừng xử lý', 'Stopped', 'integer'],
  ['decided', 'Đã giải quyết', 'Decided', 'integer'],
  ['decidedEarly', 'Trước hạn', 'Early', 'integer'],
  ['decidedOnTime', 'Đúng hạn', 'On time', 'integer'],
  ['decidedLate', 'Quá hạn', 'Late', 'integer'],
  ['results', 'Có kết quả', 'Results', 'integer'],
  ['electronicResults', 'Kết quả điện tử', 'Electronic results', 'integer'],
  ['digitized', 'Số hóa', 'Digitized', 'integer'],
  ['reused', 'Tái sử dụng dữ liệu', 'Data reused', 'integer'],
  ['fromStore', 'Kết nối kho dữ liệu công dân', "Linked to the citizen's store", 'integer'],
  ['populationData', 'Dùng dữ liệu dân cư', 'Population data used', 'integer'],
  ['decidedWithFees', 'Đã giải quyết, có phí, lệ phí', 'Decided, with fees', 'integer'],
  ['decidedPaidOnline', 'Thanh toán trực tuyến', 'Paid online', 'integer'],
  ['returned', 'Đã trả kết quả', 'Returned', 'integer'],
  ['supplementRequests', 'Yêu cầu bổ sung', 'Supplement requests', 'integer'],
  ['apologies', 'Thư xin lỗi', 'Apologies', 'integer'],
  ['ratedSatisfied', 'Hài lòng', 'Satisfied', 'integer'],
  ['ratedAcceptable', 'Chấp nhận được', 'Acceptable', 'integer'],
  ['ratedNotSatisfied', 'Không hài lòng', 'Not satisfied', 'integer'],
  ['onTimeRate', 'Tỷ lệ đúng hạn', 'On-time rate', 'percent'],
  ['onlineRate', 'Tỷ lệ trực tuyến', 'Online rate', 'percent'],
  ['digitizedRate', 'Tỷ lệ số hóa', 'Digitized rate', 'percent'],
  ['reuseRate', 'Tỷ lệ tái sử dụng', 'Reuse rate', 'percent'],
  ['electronicResultRate', 'Tỷ lệ kết quả điện tử', 'Electronic result rate', 'percent'],
  ['satisfactionRate', 'Tỷ lệ hài lòng', 'Satisfaction rate', 'percent'],
  ['averageProcessingHours', 'Thời gian xử lý trung bình (giờ)', 'Average processing time (hours)', 'number'],
];

type OpenKey = keyof Omit<Figures['open'], 'at'>;
/** What was open at a group's end (a period's own end, else the range's), after the figures. */
const OPEN_COLUMNS: readonly [OpenKey, string, string][] = [
  ['inProgress', 'Đang giải quyết (cuối kỳ)', 'In progress (at the end)'],
  ['inProgressOnTime', 'Đang giải quyết trong hạn', 'In progress on time'],
  ['inProgressOverdue', 'Đang giải quyết quá hạn', 'In progress overdue'],
  ['paused', 'Tạm dừng', 'Paused'],
];

/** A unit's figures, one row per group (period, procedure, point or agency), then the total. */
export function figuresTable(f: Figures, lang: ExportLang): Table {
  const values = (x: Figures['total'], open: Figures['open']): Cell[] => [
    ...FIGURE_COLUMNS.map(([k]) => x[k]),
    ...OPEN_COLUMNS.map(([k]) => open[k]),
    instant(open.at),
  ];
  return {
    name: pick(lang, 'Số liệu', 'Figures'),
    columns: [
      col(lang, 'Nhóm', 'Group', 'text', 14),
      col(lang, 'Tên', 'Name', 'text', 40),
      ...FIGURE_COLUMNS.map(([, vi, en, kind]) => col(lang, vi, en, kind)),
      ...OPEN_COLUMNS.map(([, vi, en]) => col(lang, vi, en, 'integer')),
      col(lang, 'Tính đến', 'As at', 'datetime', 18),
    ],
    rows: [
      ...f.groups.map((g) => [g.key, pick(lang, g.labelVi, g.labelEn), ...values(g, g.open)]),
      ['total', say(lang, 'Tổng cộng', 'Total'), ...values(f.total, f.open)],
    ],
  };
}

const STATUS: Record<Scorecard['indicators'][number]['status'], [string, string]> = {
  scored: ['Đã chấm', 'Scored'],
  no_dossiers: ['Không có hồ sơ trong kỳ', 'No dossiers in the period'],
  no_data: ['Chưa có dữ liệu', 'No data yet'],
};

/** The Decision 766 scorecard: one row per indicator, then the total of points earned and measurable. */
export function scorecardTable(s: Scorecard, lang: ExportLang): Table {
  const groups = new Map(s.groups.map((g) => [g.group, g]));
  return {
    name: pick(lang, 'Chỉ số 766', 'Decision 766'),
    columns: [
      col(lang, 'Mã', 'No.', 'text', 8),
      col(lang, 'Nhóm chỉ số', 'Group', 'text'),
      col(lang, 'Chỉ số', 'Indicator', 'text', 44),
      col(lang, 'Trạng thái', 'Status', 'text', 22),
      col(lang, 'Đạt', 'Met', 'integer'),
      col(lang, 'Tổng', 'All', 'integer'),
      col(lang, 'Tỷ lệ', 'Share', 'percent'),
      col(lang, 'Đủ điểm từ', 'Full from', 'percent'),
      col(lang, 'Điểm tối đa', 'Points', 'number'),
      col(lang, 'Điểm đạt', 'Earned', 'number'),
      col(lang, 'Ghi chú', 'Note', 'text', 44),
    ],
    rows: [
      ...s.indicators.map((i): Cell[] => {
        const g = groups.get(i.group);
        const status = STATUS[i.status];
        return [
          i.id,
          g ? pick(lang, g.nameVi, g.nameEn) : i.group,
          pick(lang, i.nameVi, i.nameEn),
          say(lang, status[0], status[1]),
          i.numerator,
          i.denominator,
          i.ratio,
          i.fullAt,
          i.points,
          i.earned,
          i.awaitingVi === null ? null : pick(lang, i.awaitingVi, i.awaitingEn ?? i.awaitingVi),
        ];
      }),
      [
        'total',
        null,
        say(lang, 'Tổng điểm', 'Total'),
        say(lang, `Đo được ${s.total.measurable} điểm`, `${s.total.measurable} points measurable`),
        null,
        null,
        null,
        null,
        s.total.points,
        s.total.earned,
        null,
      ],
    ],
  };
}

const REASONS: Record<string, [string, string]> = {
  late: ['Giải quyết quá hạn', 'Decided late'],
  more_than_one_supplement: ['Yêu cầu bổ sung hơn một lần', 'More than one supplement request'],
  overdue_open: ['Đang xử lý, đã quá hạn', 'Open and past its due date'],
  not_online: ['Thủ tục trực tuyến toàn trình nhưng nộp trực tiếp', 'A fully online procedure filed in person'],
  no_electronic_result: ['Không có kết quả điện tử', 'No electronic result'],
  not_digitized: ['Chưa số hóa đủ', 'Not fully digitized'],
  not_reused: ['Không tái sử dụng dữ liệu', 'No data reused'],
  not_linked_to_store: ['Không kết nối kho dữ liệu của công dân', "Not linked to the citizen's store"],
  no_population_data: ['Không dùng dữ liệu dân cư', 'No population data used'],
  not_paid_online: ['Có phí, lệ phí nhưng không thanh toán trực tuyến', 'Fees not paid online'],
  rated_not_satisfied: ['Người dân không hài lòng', 'Rated not satisfied'],
};

/** Every dossier that cost an indicator points, as they are read (latest first); no applicant's data. */
export function costlyTable(c: AllCostly, lang: ExportLang): Table {
  async function* rows(): AsyncGenerator<Cell[]> {
    for await (const d of c.dossiers) {
      const reason = REASONS[d.reason];
      yield [
        d.code,
        d.procedureCode,
        d.procedureNameVi,
        d.receivingPointNameVi,
        d.agencyNameVi,
        instant(d.receivedAt),
        instant(d.dueAt),
        instant(d.decidedAt),
        d.reason,
        reason ? say(lang, reason[0], reason[1]) : d.reason,
      ];
    }
  }
  return {
    name: pick(lang, `Hồ sơ mất điểm ${c.indicator}`, `Costly dossiers ${c.indicator}`),
    columns: [
      col(lang, 'Mã hồ sơ', 'Dossier code', 'text', 26),
      col(lang, 'Mã thủ tục', 'Procedure code', 'text', 14),
      col(lang, 'Thủ tục', 'Procedure', 'text', 40),
      col(lang, 'Nơi tiếp nhận', 'Received at', 'text'),
      col(lang, 'Cơ quan giải quyết', 'Competent agency', 'text'),
      col(lang, 'Ngày tiếp nhận (giờ Việt Nam)', 'Received (Vietnam time)', 'datetime'),
      col(lang, 'Hạn giải quyết (giờ Việt Nam)', 'Due (Vietnam time)', 'datetime'),
      col(lang, 'Ngày giải quyết (giờ Việt Nam)', 'Decided (Vietnam time)', 'datetime'),
      col(lang, 'Mã lý do', 'Reason code', 'text', 22),
      col(lang, 'Lý do', 'Why', 'text', 40),
    ],
    rows: rows(),
  };
}

/** Receipts per receiving clerk, annualized, against the norm of the point's area. */
export function productivityTable(p: Productivity, lang: ExportLang): Table {
  const AREAS: Record<string, [string, string]> = {
    urban: ['Đô thị', 'Urban'],
    rural: ['Nông thôn', 'Rural'],
    remote: ['Miền núi', 'Remote'],
  };
  return {
    name: pick(lang, 'Năng suất', 'Productivity'),
    columns: [
      col(lang, 'Tài khoản', 'Username', 'text', 20),
      col(lang, 'Cán bộ', 'Clerk', 'text'),
      col(lang, 'Nơi tiếp nhận', 'Service point', 'text'),
      col(lang, 'Địa bàn', 'Area', 'text', 14),
      col(lang, 'Tiếp nhận', 'Received', 'integer'),
      col(lang, `Quy ra năm (${p.days} ngày)`, `Per year (${p.days} days)`, 'integer'),
      col(lang, 'Định mức năm', 'Yearly norm', 'integer'),
      col(lang, 'So với định mức', 'Of the norm', 'percent'),
    ],
    rows: p.clerks.map((c) => {
      const area = c.areaType ? AREAS[c.areaType] : undefined;
      return [
        c.username,
        c.fullName,
        c.unitNameVi,
        area ? say(lang, area[0], area[1]) : c.areaType,
        c.received,
        c.annualized,
        c.norm,
        c.shareOfNorm,
      ];
    }),
  };
}

/** The units ranked by score, best first: the score, its parts and its change from the range before, then each group's. */
export function rankingsTable(k: Rankings, lang: ExportLang): Table {
  return {
    name: pick(lang, 'Xếp hạng', 'Rankings'),
    columns: [
      col(lang, 'Hạng', 'Rank', 'integer', 8),
      col(lang, 'Mã đơn vị', 'Unit id', 'integer', 10),
      col(lang, k.level === 'agency' ? 'Cơ quan' : 'Điểm tiếp nhận', k.level === 'agency' ? 'Agency' : 'Service point', 'text', 40),
      col(lang, 'Điểm quy đổi', 'Score', 'number'),
      col(lang, 'Điểm đạt', 'Points earned', 'number'),
      col(lang, 'Điểm đo được', 'Points measurable', 'number'),
      col(
        lang,
        `Hạng kỳ trước (${k.previous.from} – ${k.previous.to})`,
        `Previous rank (${k.previous.from} – ${k.previous.to})`,
        'integer',
      ),
      col(lang, 'Điểm kỳ trước', 'Previous score', 'number'),
      col(lang, 'Thay đổi điểm', 'Score change', 'number'),
      col(lang, 'Thay đổi hạng', 'Places gained', 'integer'),
      ...k.groups.flatMap((g) => [
        col(lang, `${g.nameVi}: điểm`, `${g.nameEn}: score`, 'number'),
        col(lang, `${g.nameVi}: hạng`, `${g.nameEn}: rank`, 'integer'),
        col(lang, `${g.nameVi}: thay đổi`, `${g.nameEn}: change`, 'number'),
      ]),
    ],
    rows: k.units.map((u): Cell[] => [
      u.rank,
      u.unitId,
      pick(lang, u.nameVi, u.nameEn),
      u.score,
      u.earned,
      u.measurable,
      u.previousRank,
      u.previousScore,
      u.change,
      u.rankChange,
      ...u.groups.flatMap((g) => [g.score, g.rank, g.change]),
    ]),
  };
}

const MEETS = (lang: ExportLang, x: boolean | null): Cell =>
  x === null ? null : x ? say(lang, 'Đạt', 'Met') : say(lang, 'Chưa đạt', 'Not met');

/** A unit's weeks or months: the score and the rates, their change from the period before, and the targets met. */
export function trendsTable(t: Trends, lang: ExportLang): Table {
  const target = (vi: string, en: string, x: number) => {
    const share = `${Math.round(x * 1000) / 10}%`;
    return col(lang, `${vi} (mục tiêu ${share})`, `${en} (target ${share})`, 'text', 22);
  };
  return {
    name: pick(lang, t.period === 'week' ? 'Theo tuần' : 'Theo tháng', t.period === 'week' ? 'By week' : 'By month'),
    columns: [
      col(lang, t.period === 'week' ? 'Tuần bắt đầu' : 'Tháng bắt đầu', t.period === 'week' ? 'Week of' : 'Month of', 'text', 12),
      col(lang, 'Từ ngày', 'From', 'text', 12),
      col(lang, 'Đến ngày', 'To', 'text', 12),
      col(lang, 'Điểm quy đổi', 'Score', 'number'),
      col(lang, 'Tỷ lệ đúng hạn', 'On-time rate', 'percent'),
      col(lang, 'Tỷ lệ trực tuyến', 'Online rate', 'percent'),
      col(lang, 'Tỷ lệ số hóa', 'Digitized rate', 'percent'),
      col(lang, 'Tỷ lệ hài lòng', 'Satisfaction rate', 'percent'),
      col(lang, 'Tiếp nhận', 'Received', 'integer'),
      col(lang, 'Đã giải quyết', 'Decided', 'integer'),
      col(lang, 'Thay đổi điểm', 'Score change', 'number'),
      col(lang, 'Thay đổi tỷ lệ đúng hạn', 'On-time rate change', 'percent'),
      col(lang, 'Thay đổi tỷ lệ trực tuyến', 'Online rate change', 'percent'),
      col(lang, 'Thay đổi tỷ lệ số hóa', 'Digitized rate change', 'percent'),
      col(lang, 'Thay đổi tỷ lệ hài lòng', 'Satisfaction rate change', 'percent'),
      target('Đúng hạn', 'On time', t.targets.onTimeRate),
      target('Số hóa', 'Digitized', t.targets.digitizedRate),
      target('Hài lòng', 'Satisfaction', t.targets.satisfactionRate),
    ],
    rows: t.periods.map((p): Cell[] => [
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
      MEETS(lang, p.meetsTargets.onTimeRate),
      MEETS(lang, p.meetsTargets.digitizedRate),
      MEETS(lang, p.meetsTargets.satisfactionRate),
    ]),
  };
}

/** The download's name: what it is, the unit and the period ("Chỉ số 766 - Xã Hai - 2025-09-01 - 2025-09-30.xlsx"). */
export function exportFileName(
  what: [string, string],
  unit: { nameVi: string; nameEn: string },
  from: string,
  to: string,
  ext: string,
  lang: ExportLang,
) {
  const name = `${pick(lang, what[0], what[1])} - ${pick(lang, unit.nameVi, unit.nameEn)} - ${from} - ${to}.${ext}`;
  return name.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '-');
}
