import { DomainError } from '../platform/errors.js';

/**
 * The counters of a day's rollup row (table kpi_daily), each a count of dossiers that something happened to that
 * day, derived from the dossiers' events (kpi.repository.ts says which event counts where). Every figure of a unit
 * and period is a sum of rows, so none is ever typed in.
 */
export const COUNTERS = [
  'submitted_online',
  'received',
  'received_in_person',
  'received_online',
  'received_post',
  'received_full_online_eligible',
  'received_online_full_online_eligible',
  'refused',
  'withdrawn',
  'stopped',
  'decided',
  'decided_early',
  'decided_on_time',
  'decided_late',
  'results',
  'electronic_results',
  'digitized',
  'reused',
  'from_store',
  'population_data',
  // Decided dossiers that owed fees, and of them those paid online (migration 20261208T0800_payments): 3.6.
  'decided_with_fees',
  'decided_paid_online',
  'returned',
  'supplement_requests',
  'apologies',
  'rated_satisfied',
  'rated_acceptable',
  'rated_not_satisfied',
  'processing_seconds',
  // Not counts of a period but the day's change in what is open (migration 20261205T0800_kpi_open_deltas): summed
  // over every day up to D, what was in progress, paused and overdue at the end of D (openAt).
  'in_progress_delta',
  'paused_delta',
  'overdue_delta',
] as const;
export type Counter = (typeof COUNTERS)[number];
export type Sums = Record<Counter, number>;

export const zeroSums = (): Sums => Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Sums;

/** What is open at an instant: now (read live from the dossiers) or the end of a past day (summed from the rollups). */
export interface OpenNow {
  inProgress: number;
  inProgressOnTime: number;
  inProgressOverdue: number;
  paused: number;
}

/** What was open at the end of a day, from the sums of the open deltas over every day up to it. */
export function openOf(s: Sums): OpenNow {
  return {
    inProgress: s.in_progress_delta,
    inProgressOnTime: s.in_progress_delta - s.paused_delta - s.overdue_delta,
    inProgressOverdue: s.overdue_delta,
    paused: s.paused_delta,
  };
}

/** The instant that ends a local day (UTC+7): the next day's midnight. */
export function endOfDay(day: string): Date {
  return new Date(Date.parse(`${addDays(day, 1)}T00:00:00+07:00`));
}

/** A share, or null when there is nothing to divide by (never a made-up 100%). */
export function share(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

/** The rates a leader reads, from a period's sums. */
export function rates(s: Sums) {
  const ratings = s.rated_satisfied + s.rated_acceptable + s.rated_not_satisfied;
  return {
    onTimeRate: share(s.decided_early + s.decided_on_time, s.decided),
    onlineRate: share(s.received_online, s.received),
    digitizedRate: share(s.digitized, s.results),
    reuseRate: share(s.reused, s.decided),
    electronicResultRate: share(s.electronic_results, s.results),
    satisfactionRate: share(s.rated_satisfied + s.rated_acceptable, ratings),
    averageProcessingHours: s.decided > 0 ? s.processing_seconds / s.decided / 3600 : null,
  };
}

/** Periods a figure can be grouped by (calendar ones are local, UTC+7, weeks start on Monday). */
export const PERIODS = ['day', 'week', 'month', 'quarter', 'year'] as const;
export type Period = (typeof PERIODS)[number];
export const GROUPINGS = [...PERIODS, 'procedure', 'point', 'agency'] as const;
export type Grouping = (typeof GROUPINGS)[number];

/** The longest range one request may cover (ten years and a day or two for leap years). */
export const MAX_RANGE_DAYS = 3660;

/** A validated local date range [from, to], both YYYY-MM-DD, both included. */
export function dateRange(from: string, to: string): { from: string; to: string; days: number } {
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(a) || new Date(a).toISOString().slice(0, 10) !== from)
    throw new DomainError('VALIDATION', `from must be a date YYYY-MM-DD (got ${from})`, { field: 'querystring.from' });
  if (Number.isNaN(b) || new Date(b).toISOString().slice(0, 10) !== to)
    throw new DomainError('VALIDATION', `to must be a date YYYY-MM-DD (got ${to})`, { field: 'querystring.to' });
  if (b < a) throw new DomainError('VALIDATION', 'to must not be before from', { field: 'querystring.to' });
  const days = (b - a) / 86_400_000 + 1;
  if (days > MAX_RANGE_DAYS)
    throw new DomainError('VALIDATION', `A range covers at most ${MAX_RANGE_DAYS} days (got ${days})`, { field: 'querystring.to' });
  return { from, to, days };
}

/** The local date (UTC+7) of an instant. */
export function localDate(at: Date): string {
  return new Date(at.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
}

/** Dossiers a receiving clerk handles in a year, by the area of their service point (configuration). */
export const DEFAULT_AREA_NORMS: Readonly<Record<'urban' | 'rural' | 'remote', number>> = { urban: 1600, rural: 1200, remote: 800 };

/** A count over `days` days scaled to a year of 365, rounded to a whole number. */
export function annualized(count: number, days: number): number {
  return Math.round((count * 365) / days);
}

// --- The Decision 766 scorecard -------------------------------------------------------------------------------

export const GROUPS = ['transparency', 'progress', 'online', 'digitization', 'satisfaction'] as const;
export type Group = (typeof GROUPS)[number];

export const GROUP_NAMES: Record<Group, { vi: string; en: string }> = {
  transparency: { vi: 'Công khai, minh bạch', en: 'Transparency' },
  progress: { vi: 'Tiến độ, kết quả giải quyết', en: 'Progress and results' },
  online: { vi: 'Cung cấp dịch vụ trực tuyến', en: 'Online services' },
  digitization: { vi: 'Số hóa hồ sơ', en: 'Digitization' },
  satisfaction: { vi: 'Mức độ hài lòng', en: 'Satisfaction' },
};

/**
 * What an indicator is computed from. `sums`: a ratio of rollup counters (numerator over denominator, with the
 * late open dossiers added where the portal counts them); `procedures`: a share of the procedures the unit handled
 * in the period (`counts`: in the denominator; `meets`: of those, in the numerator); `none`: the data comes with a
 * later part of the system (portal sync, feedback handling, the catalog's announcement dates), and the indicator
 * says so.
 */
export type IndicatorSource =
  | { kind: 'sums'; ratio: (s: Sums, open: OpenNow) => { numerator: number; denominator: number } }
  | {
      kind: 'live';
      /** Null when the live fact is not known here (the installation is not connected to the service it comes from). */
      ratio: (s: Sums, live: LiveFacts) => { numerator: number; denominator: number } | null;
      awaiting: { vi: string; en: string };
    }
  | {
      kind: 'procedures';
      counts: (p: HandledProcedure) => boolean;
      meets: (p: HandledProcedure) => boolean;
      /** Shown when the caller did not read the procedures (LiveFacts.procedures null). */
      awaiting: { vi: string; en: string };
    }
  | { kind: 'none'; awaiting: { vi: string; en: string } };

/**
 * A procedure a unit handled in a period (a dossier of it received there in the period), what the catalog version in
 * force says of it, and whether one of its dossiers decided in the period was paid online (indicators 3.5, 3.5b, 4.5a).
 */
export interface HandledProcedure {
  procedureId: number;
  /** Its version charges something: some fee line of a positive amount, whatever the channel or the request. */
  withFees: boolean;
  /** Its version's fees are integrated for online payment (the catalog's `onlinePayment`; absent: false). */
  onlinePayment: boolean;
  /** Its version has a component the National Population Database supplies. */
  population: boolean;
  /** The rollups' decided_paid_online of the period is positive for it. */
  paidOnline: boolean;
}

/**
 * What an indicator needs besides the rollups, read live for the same dossiers: those received in the period that the
 * National Public Service Portal has never acknowledged (null: this installation does not sync with the portal); the
 * procedures handled in the period (null: not read for this figure).
 */
/** The feedback (PAKN) figures of indicators 5.2, 5.3 and 5.4 in one group. */
export interface FeedbackFacts {
  /** Refused or answered in the period. */
  handled: number;
  /** Of those, none of whose stages was late (refusal, first request for information, answer, publication). */
  handledOnTime: number;
  /** Open at the period's judging instant and past the answer deadline. */
  overdueOpen: number;
  /** Answered in the period. */
  answered: number;
  /** Of those, answered late, or with more dislikes than likes, or repeated by a later complaint. */
  unsatisfying: number;
  /** Dossiers of the scope decided with feedback about them, counted in the period where both first hold. */
  dossiersWithFeedback: number;
}

export const NO_FEEDBACK: FeedbackFacts = {
  handled: 0,
  handledOnTime: 0,
  overdueOpen: 0,
  answered: 0,
  unsatisfying: 0,
  dossiersWithFeedback: 0,
};

export interface LiveFacts {
  portalUnsynced: number | null;
  procedures: readonly HandledProcedure[] | null;
  /** The feedback figures (null: not read by the caller). */
  feedback: FeedbackFacts | null;
}
export const NO_LIVE_FACTS: LiveFacts = { portalUnsynced: null, procedures: null, feedback: null };

/** What the catalog says of a procedure version, for the procedure indicators (ProcedureVersionFlags of the repository). */
export interface VersionFlags {
  procedureId: number;
  effectiveFrom: string;
  withFees: boolean;
  onlinePayment: boolean;
  population: boolean;
}

/**
 * The version of a procedure in force on `day`: the latest that took effect by then, else (a day before every version:
 * never the case for a procedure with dossiers received by then) the earliest. `versions` of one procedure.
 */
export function versionInForce<V extends { effectiveFrom: string }>(versions: readonly V[], day: string): V | undefined {
  let inForce: V | undefined;
  let earliest: V | undefined;
  for (const v of versions) {
    if (v.effectiveFrom <= day && (!inForce || v.effectiveFrom > inForce.effectiveFrom)) inForce = v;
    if (!earliest || v.effectiveFrom < earliest.effectiveFrom) earliest = v;
  }
  return inForce ?? earliest;
}

/**
 * The procedures handled in a period, judged by the catalog version in force on `day`: those with a dossier received
 * (`received` > 0), and whether one decided in it was paid online (`paidOnline` > 0). A procedure without a version
 * (none: every dossier has one) is left out.
 */
export function handledProcedures(
  rows: readonly { procedureId: number; received: number; paidOnline: number }[],
  versions: ReadonlyMap<number, readonly VersionFlags[]>,
  day: string,
): HandledProcedure[] {
  const out: HandledProcedure[] = [];
  for (const r of rows) {
    if (r.received <= 0) continue;
    const v = versionInForce(versions.get(r.procedureId) ?? [], day);
    if (!v) continue;
    out.push({
      procedureId: r.procedureId,
      withFees: v.withFees,
      onlinePayment: v.onlinePayment,
      population: v.population,
      paidOnline: r.paidOnline > 0,
    });
  }
  return out;
}

export interface IndicatorConfig {
  id: string;
  group: Group;
  nameVi: string;
  nameEn: string;
  /** The indicator's points in the 100-point index. */
  points: number;
  /** The share at which it earns full points; below it, points scale linearly (the portal's threshold rule). */
  fullAt: number;
}

/** Weights and thresholds (configuration): the portal's published points per indicator; each group sums to its total. */
export const DEFAULT_SCORECARD: readonly IndicatorConfig[] = [
  { id: '1.1', group: 'transparency', nameVi: 'TTHC được công bố đúng hạn', nameEn: 'Procedures announced on time', points: 6, fullAt: 1 },
  {
    id: '1.2',
    group: 'transparency',
    nameVi: 'TTHC được cập nhật, công khai đúng hạn',
    nameEn: 'Procedures published on time',
    points: 4,
    fullAt: 1,
  },
  {
    id: '1.3',
    group: 'transparency',
    nameVi: 'TTHC công khai đầy đủ thành phần',
    nameEn: 'Procedures published complete',
    points: 2,
    fullAt: 1,
  },
  {
    id: '1.4',
    group: 'transparency',
    nameVi: 'Hồ sơ đồng bộ lên Cổng DVC quốc gia',
    nameEn: 'Dossiers synced to the national portal',
    points: 6,
    fullAt: 1,
  },
  {
    id: '2.1',
    group: 'progress',
    nameVi: 'Hồ sơ giải quyết trước hạn, đúng hạn',
    nameEn: 'Dossiers handled early or on time',
    points: 20,
    fullAt: 1,
  },
  {
    id: '3.1',
    group: 'online',
    nameVi: 'Hồ sơ trực tuyến toàn trình',
    nameEn: 'Fully online dossiers of eligible procedures',
    points: 12,
    fullAt: 0.5,
  },
  {
    id: '3.5',
    group: 'online',
    nameVi: 'TTHC tích hợp thanh toán trực tuyến',
    nameEn: 'Procedures with fees payable online',
    points: 2,
    fullAt: 0.8,
  },
  {
    id: '3.5b',
    group: 'online',
    nameVi: 'TTHC có phát sinh thanh toán trực tuyến',
    nameEn: 'Procedures with an online payment',
    points: 2,
    fullAt: 1,
  },
  { id: '3.6', group: 'online', nameVi: 'Hồ sơ thanh toán trực tuyến', nameEn: 'Dossiers paid online', points: 6, fullAt: 1 },
  {
    id: '4.1',
    group: 'digitization',
    nameVi: 'Hồ sơ có kết quả điện tử',
    nameEn: 'Dossiers with an electronic result',
    points: 6,
    fullAt: 1,
  },
  { id: '4.2', group: 'digitization', nameVi: 'Hồ sơ được số hóa', nameEn: 'Dossiers digitized', points: 4, fullAt: 0.8 },
  {
    id: '4.2b',
    group: 'digitization',
    nameVi: 'Chứng thực bản sao điện tử từ bản chính',
    nameEn: 'Electronic certified copies',
    points: 2,
    fullAt: 1,
  },
  { id: '4.3', group: 'digitization', nameVi: 'Tái sử dụng dữ liệu số hóa', nameEn: 'Reuse of digitized data', points: 2, fullAt: 0.8 },
  {
    id: '4.4',
    group: 'digitization',
    nameVi: 'Hồ sơ kết nối kho dữ liệu của công dân',
    nameEn: "Dossiers linked to the citizen's store",
    points: 4,
    fullAt: 1,
  },
  {
    id: '4.5a',
    group: 'digitization',
    nameVi: 'TTHC kết nối dữ liệu dân cư',
    nameEn: 'Procedures using population data',
    points: 2,
    fullAt: 1,
  },
  {
    id: '4.5b',
    group: 'digitization',
    nameVi: 'Hồ sơ sử dụng dữ liệu dân cư',
    nameEn: 'Dossiers using population data',
    points: 2,
    fullAt: 1,
  },
  {
    id: '5.2',
    group: 'satisfaction',
    nameVi: 'Phản ánh, kiến nghị xử lý đúng hạn',
    nameEn: 'Feedback handled on time',
    points: 6,
    fullAt: 1,
  },
  {
    id: '5.3',
    group: 'satisfaction',
    nameVi: 'Hài lòng về xử lý phản ánh, kiến nghị',
    nameEn: 'Satisfaction with feedback handling',
    points: 6,
    fullAt: 1,
  },
  {
    id: '5.4',
    group: 'satisfaction',
    nameVi: 'Hài lòng về tiếp nhận, giải quyết TTHC',
    nameEn: 'Satisfaction with dossier handling',
    points: 6,
    fullAt: 0.9,
  },
];

const awaiting = (vi: string, en: string): IndicatorSource => ({ kind: 'none', awaiting: { vi, en } });
const PORTAL_SYNC_OFF = { vi: 'Chưa kết nối Cổng DVC quốc gia', en: 'Not connected to the national portal' };
const CATALOG_DATES = awaiting('Chưa có dữ liệu: ngày công bố, công khai TTHC', 'No data yet: announcement and publication dates');
const PROCEDURES_NOT_READ = {
  vi: 'Chưa có dữ liệu: danh sách TTHC đã giải quyết trong kỳ',
  en: 'No data yet: the procedures handled in the period',
};
const FEEDBACK_NOT_READ = { vi: 'Chưa có dữ liệu: phản ánh, kiến nghị', en: 'No data yet: feedback handling' };

/**
 * How each indicator is computed (DOMAIN.md and reference/regulation-notes.md §3b, §5a). 2.1 counts the open
 * dossiers already past their due date as late, as the portal judges an unfinished dossier at the period's end;
 * 5.2–5.4 read the feedback (PAKN) figures.
 */
export const INDICATOR_SOURCES: Record<string, IndicatorSource> = {
  '1.1': CATALOG_DATES,
  '1.2': CATALOG_DATES,
  '1.3': CATALOG_DATES,
  // Of the dossiers received in the period, those the portal holds (it acknowledged them at least once).
  '1.4': {
    kind: 'live',
    ratio: (s, live) =>
      live.portalUnsynced === null ? null : { numerator: Math.max(0, s.received - live.portalUnsynced), denominator: s.received },
    awaiting: PORTAL_SYNC_OFF,
  },
  '2.1': {
    kind: 'sums',
    ratio: (s, o) => ({ numerator: s.decided_early + s.decided_on_time, denominator: s.decided + o.inProgressOverdue }),
  },
  '3.1': {
    kind: 'sums',
    ratio: (s) => ({ numerator: s.received_online_full_online_eligible, denominator: s.received_full_online_eligible }),
  },
  // Of the procedures with fees the unit handled, those whose fees can be paid online (the catalog's onlinePayment).
  '3.5': { kind: 'procedures', counts: (p) => p.withFees, meets: (p) => p.onlinePayment, awaiting: PROCEDURES_NOT_READ },
  // Of those (fees payable online), the ones with a dossier decided in the period that was paid online: the dossiers
  // 3.6 counts as paid online, so a procedure earns 3.5b exactly when one of its dossiers is in 3.6's numerator.
  '3.5b': {
    kind: 'procedures',
    counts: (p) => p.withFees && p.onlinePayment,
    meets: (p) => p.paidOnline,
    awaiting: PROCEDURES_NOT_READ,
  },
  '3.6': { kind: 'sums', ratio: (s) => ({ numerator: s.decided_paid_online, denominator: s.decided_with_fees }) },
  '4.1': { kind: 'sums', ratio: (s) => ({ numerator: s.electronic_results, denominator: s.results }) },
  '4.2': { kind: 'sums', ratio: (s) => ({ numerator: s.digitized, denominator: s.results }) },
  '4.2b': awaiting('Chưa có dữ liệu: chứng thực điện tử', 'No data yet: electronic certification'),
  '4.3': { kind: 'sums', ratio: (s) => ({ numerator: s.reused, denominator: s.decided }) },
  '4.4': { kind: 'sums', ratio: (s) => ({ numerator: s.from_store, denominator: s.decided }) },
  // Of the procedures the unit handled, those with a component the National Population Database supplies.
  '4.5a': { kind: 'procedures', counts: () => true, meets: (p) => p.population, awaiting: PROCEDURES_NOT_READ },
  '4.5b': { kind: 'sums', ratio: (s) => ({ numerator: s.population_data, denominator: s.decided }) },
  // Of the feedback refused or answered in the period, and the open ones past their answer deadline at its end, those
  // handled with no stage late (refused within 2 working days, first request for information within 5, answered
  // within 15, published within 2 of the answer).
  '5.2': {
    kind: 'live',
    ratio: (_s, live) =>
      live.feedback === null
        ? null
        : { numerator: live.feedback.handledOnTime, denominator: live.feedback.handled + live.feedback.overdueOpen },
    awaiting: FEEDBACK_NOT_READ,
  },
  // Of the feedback answered in the period, and the open ones overdue, those answered in time, not disliked more than
  // liked, and not complained of again: the three the portal names as lowering it.
  '5.3': {
    kind: 'live',
    ratio: (_s, live) =>
      live.feedback === null
        ? null
        : {
            numerator: Math.max(0, live.feedback.answered - live.feedback.unsatisfying),
            denominator: live.feedback.answered + live.feedback.overdueOpen,
          },
    awaiting: FEEDBACK_NOT_READ,
  },
  // 100% minus the late share and the share with feedback or a "not satisfied" rating (one count per dossier).
  '5.4': {
    kind: 'live',
    ratio: (s, live) =>
      live.feedback === null
        ? null
        : {
            numerator: Math.max(0, s.decided - s.decided_late - s.rated_not_satisfied - live.feedback.dossiersWithFeedback),
            denominator: s.decided,
          },
    awaiting: FEEDBACK_NOT_READ,
  },
};

/** A procedure indicator's numerator and denominator over the procedures handled (null: they were not read). */
function procedureRatio(
  source: Extract<IndicatorSource, { kind: 'procedures' }>,
  procedures: readonly HandledProcedure[] | null,
): { numerator: number; denominator: number } | null {
  if (procedures === null) return null;
  let numerator = 0;
  let denominator = 0;
  for (const p of procedures)
    if (source.counts(p)) {
      denominator++;
      if (source.meets(p)) numerator++;
    }
  return { numerator, denominator };
}

/** Points earned at a share: full at `fullAt` or above, linear below; rounded to hundredths. */
export function pointsFor(ratio: number, points: number, fullAt: number): number {
  return Math.round(points * Math.min(1, ratio / fullAt) * 100) / 100;
}

export type IndicatorResult = IndicatorConfig & {
  status: 'scored' | 'no_dossiers' | 'no_data';
  numerator: number | null;
  denominator: number | null;
  ratio: number | null;
  earned: number | null;
  /** Why there is no figure (status no_data). */
  awaitingVi: string | null;
  awaitingEn: string | null;
};

/** The scorecard of a period's sums: every indicator, each group's and the total's points earned and measurable. */
export function scorecard(config: readonly IndicatorConfig[], s: Sums, open: OpenNow, live: LiveFacts = NO_LIVE_FACTS) {
  const indicators: IndicatorResult[] = config.map((c) => {
    const source = INDICATOR_SOURCES[c.id];
    if (!source) throw new Error(`scorecard: indicator ${c.id} has no source`);
    // Every field written out: an object spread here costs a hundred times more (V8 builds the result in dictionary
    // mode), and a ranking scores every unit twice, a ten-year trend every month.
    const measured =
      source.kind === 'none'
        ? null
        : source.kind === 'live'
          ? source.ratio(s, live)
          : source.kind === 'procedures'
            ? procedureRatio(source, live.procedures)
            : source.ratio(s, open);
    if (source.kind === 'none' || measured === null)
      return {
        id: c.id,
        group: c.group,
        nameVi: c.nameVi,
        nameEn: c.nameEn,
        points: c.points,
        fullAt: c.fullAt,
        status: 'no_data',
        numerator: null,
        denominator: null,
        ratio: null,
        earned: null,
        awaitingVi: source.kind === 'sums' ? null : source.awaiting.vi,
        awaitingEn: source.kind === 'sums' ? null : source.awaiting.en,
      };
    const { numerator, denominator } = measured;
    const ratio = share(numerator, denominator);
    return {
      id: c.id,
      group: c.group,
      nameVi: c.nameVi,
      nameEn: c.nameEn,
      points: c.points,
      fullAt: c.fullAt,
      status: ratio === null ? 'no_dossiers' : 'scored',
      numerator,
      denominator,
      ratio,
      earned: ratio === null ? null : pointsFor(ratio, c.points, c.fullAt),
      awaitingVi: null,
      awaitingEn: null,
    };
  });
  const total = (xs: IndicatorResult[]) => ({
    points: xs.reduce((a, x) => a + x.points, 0),
    measurable: xs.filter((x) => x.status === 'scored').reduce((a, x) => a + x.points, 0),
    earned: Math.round(xs.reduce((a, x) => a + (x.earned ?? 0), 0) * 100) / 100,
  });
  const groups = GROUPS.map((g) => {
    const xs = indicators.filter((x) => x.group === g);
    const t = total(xs);
    return { group: g, nameVi: GROUP_NAMES[g].vi, nameEn: GROUP_NAMES[g].en, points: t.points, measurable: t.measurable, earned: t.earned };
  });
  return { total: total(indicators), groups, indicators };
}

/** Checks a scorecard configuration (a province's own weights): known indicators, positive points, 0 < fullAt ≤ 1. */
export function checkScorecardConfig(config: readonly IndicatorConfig[]): void {
  const seen = new Set<string>();
  for (const c of config) {
    if (!INDICATOR_SOURCES[c.id]) throw new Error(`scorecard configuration: unknown indicator ${c.id}`);
    if (seen.has(c.id)) throw new Error(`scorecard configuration: indicator ${c.id} is listed twice`);
    seen.add(c.id);
    if (!(c.points >= 0) || !Number.isFinite(c.points)) throw new Error(`scorecard configuration: ${c.id} points must be ≥ 0`);
    if (!(c.fullAt > 0 && c.fullAt <= 1)) throw new Error(`scorecard configuration: ${c.id} fullAt must be in (0, 1]`);
    if (!(GROUPS as readonly string[]).includes(c.group)) throw new Error(`scorecard configuration: ${c.id} has an unknown group`);
  }
}

// --- Rankings and trends --------------------------------------------------------------------------------------

/** The province's target lines (configuration): on time ≥ 99 %, every result digitized, satisfaction ≥ 95 %. */
export const DEFAULT_TARGETS: Readonly<Record<'onTimeRate' | 'digitizedRate' | 'satisfactionRate', number>> = {
  onTimeRate: 0.99,
  digitizedRate: 1,
  satisfactionRate: 0.95,
};
export type Targets = typeof DEFAULT_TARGETS;

export const TREND_PERIODS = ['week', 'month'] as const;
export type TrendPeriod = (typeof TREND_PERIODS)[number];

const dayMs = (d: string) => Date.parse(`${d}T00:00:00Z`);
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A local day plus `n` days. */
export function addDays(day: string, n: number): string {
  return dayOf(dayMs(day) + n * 86_400_000);
}

/** The first day of the week (Monday) or month that holds `day`. */
export function periodStart(day: string, period: TrendPeriod): string {
  if (period === 'month') return `${day.slice(0, 7)}-01`;
  const weekday = (new Date(dayMs(day)).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return addDays(day, -weekday);
}

/** The first day of the week or month `n` periods after the one starting on `start`. */
export function nextPeriod(start: string, period: TrendPeriod, n = 1): string {
  if (period === 'week') return addDays(start, 7 * n);
  const d = new Date(dayMs(start));
  return dayOf(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));
}

/**
 * The weeks or months that meet [from, to], each clipped to the range, preceded by the whole period before the
 * first (`previous`: what the first one's change is measured against).
 */
export function periodsOf(from: string, to: string, period: TrendPeriod) {
  const first = periodStart(from, period);
  const out: { start: string; from: string; to: string }[] = [];
  for (let s = first; s <= to; s = nextPeriod(s, period)) {
    const end = addDays(nextPeriod(s, period), -1);
    out.push({ start: s, from: s < from ? from : s, to: end > to ? to : end });
  }
  const prev = nextPeriod(first, period, -1);
  return { previous: { start: prev, from: prev, to: addDays(first, -1) }, periods: out };
}

/** The range of the same length just before [from, to]: what a ranking's change is measured against. */
export function previousRange(from: string, to: string): { from: string; to: string } {
  const days = (dayMs(to) - dayMs(from)) / 86_400_000 + 1;
  return { from: addDays(from, -days), to: addDays(from, -1) };
}

/** A scorecard's result as a score out of 100: points earned over the points measurable (null: nothing to measure). */
export function scoreOf(t: { earned: number; measurable: number }): number | null {
  return t.measurable > 0 ? Math.round((t.earned / t.measurable) * 10000) / 100 : null;
}

/** Competition ranks (1, 2, 2, 4) of scores, best first; a unit with no score has no rank. */
export function ranks(scores: (number | null)[]): (number | null)[] {
  return scores.map((s) => (s === null ? null : 1 + scores.filter((x) => x !== null && x > s).length));
}

/** b − a, or null when either is missing; rounded to hundredths (shares to 4 decimals). */
export function change(a: number | null, b: number | null, digits = 2): number | null {
  if (a === null || b === null) return null;
  const f = 10 ** digits;
  return Math.round((b - a) * f) / f;
}
