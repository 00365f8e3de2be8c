import type { Kysely } from 'kysely';
import type { DB, Unit } from '../platform/db.types.js';
import { DomainError } from '../platform/errors.js';
import { requireRole, type Actor } from '../auth/auth.model.js';
import type { OrgService } from '../org/org.service.js';
import {
  addDays,
  annualized,
  nextPeriod,
  change,
  checkScorecardConfig,
  dateRange,
  DEFAULT_AREA_NORMS,
  DEFAULT_SCORECARD,
  DEFAULT_TARGETS,
  endOfDay,
  GROUPS,
  localDate,
  openOf,
  periodsOf,
  previousRange,
  ranks,
  rates,
  scorecard,
  scoreOf,
  zeroSums,
  COUNTERS,
  type Grouping,
  type IndicatorConfig,
  type OpenNow,
  type Sums,
  type Targets,
  type TrendPeriod,
  type FeedbackFacts,
  type LiveFacts,
  NO_FEEDBACK,
  type HandledProcedure,
  type Period,
  handledProcedures,
} from './kpi.model.js';
import * as repo from './kpi.repository.js';
import type { BoardService } from '../queue/board.service.js';

const POINT_KINDS = new Set(['center', 'branch', 'commune_center']);
const AGENCY_KINDS = new Set(['department', 'commune_committee']);

export interface KpiDeps {
  db: Kysely<DB>;
  clock: () => Date;
  org: OrgService;
  /** A province's own weights and thresholds (default DEFAULT_SCORECARD). */
  scorecard?: readonly IndicatorConfig[];
  /** Yearly dossiers per receiving clerk by area type (default DEFAULT_AREA_NORMS). */
  areaNorms?: Readonly<Record<'urban' | 'rural' | 'remote', number>>;
  /** The province's target lines (default DEFAULT_TARGETS). */
  targets?: Targets;
  /** The counters' service per point and clerk (the queue's figures shown beside productivity). */
  queue?: Pick<BoardService, 'serviceSummary'>;
  /** This installation syncs with the National Public Service Portal (indicator 1.4 is measured; otherwise no data). */
  portalSync?: boolean;
}

/** The live facts of one group (`key`) of grouped look-ups; none at all when a look-up was not made. */
function live(
  unsynced: Map<string | null, number> | null,
  procedures: Map<string | null, HandledProcedure[]>,
  feedback: Map<string | null, FeedbackFacts>,
  key: string | null,
): LiveFacts {
  return {
    portalUnsynced: unsynced ? (unsynced.get(key) ?? 0) : null,
    procedures: procedures.get(key) ?? [],
    feedback: feedback.get(key) ?? NO_FEEDBACK,
  };
}

const NOTHING_OPEN: OpenNow = { inProgress: 0, inProgressOnTime: 0, inProgressOverdue: 0, paused: 0 };

export interface FigureQuery {
  unitId?: number | undefined;
  from: string;
  to: string;
  procedureId?: number | undefined;
  fieldCode?: string | undefined;
}

/**
 * The leaders' figures: rollups of the dossiers' events (kpi.repository.ts), kept by `catchUp` (the server runs it
 * every second: a bounded lag, and no cost to intake) and rebuilt from the events by `rebuild` with the same
 * statements, so both give the same numbers. Figures and the Decision 766 scorecard are sums of the rollups over
 * any unit, procedure, field and period. What is open at a range's end is read live for a range that reaches today,
 * and summed from the rollups' open deltas for a past one (openAtEnd).
 */
export class KpiService {
  private readonly config: readonly IndicatorConfig[];

  constructor(private readonly deps: KpiDeps) {
    this.config = deps.scorecard ?? DEFAULT_SCORECARD;
    checkScorecardConfig(this.config);
  }

  /** Applies what transactions finished since the last run; returns the rollup rows touched (0: nothing new, or another process is at it). */
  async catchUp(): Promise<number> {
    return this.deps.db.transaction().execute(async (trx) => {
      const c = await repo.lockCursor(trx, false);
      if (!c || c.lo === c.hi) return 0;
      const rows = await repo.applyWindow(trx, c.lo, c.hi);
      await repo.advanceCursor(trx, c.hi, rows, this.deps.clock());
      return rows;
    });
  }

  /** Recomputes every rollup from the events (one transaction; waits for a catch-up in progress). */
  async rebuild(): Promise<{ rows: number }> {
    return this.deps.db.transaction().execute(async (trx) => {
      const c = await repo.lockCursor(trx, true);
      if (!c) throw new Error('kpi_cursor has no row: run the migrations');
      await repo.clearRollups(trx);
      const rows = await repo.applyWindow(trx, '0', c.hi);
      await repo.advanceCursor(trx, c.hi, rows, this.deps.clock());
      return { rows: await repo.countRollupRows(trx) };
    });
  }

  /**
   * The unit a request is about and its filter. `actor` null is the operator at the command line (who holds the
   * database anyway); default unit: the actor's own, the province for the administrator and the operator.
   */
  private async scope(actor: Actor | null, unitId: number | undefined) {
    if (actor) requireRole(actor, 'admin', 'manager', 'approver');
    const units = await this.deps.org.listUnits();
    const byId = new Map(units.map((u) => [u.id, u]));
    const id = unitId ?? (actor === null || actor.role === 'admin' ? units.find((u) => u.kind === 'province')?.id : actor.unitId);
    const unit = id === undefined ? undefined : byId.get(id);
    if (!unit) throw new DomainError('NOT_FOUND', `No unit ${unitId}`);
    // A manager sees their center's points; an agency's approver, their agency; the administrator, everything.
    const allowed =
      actor === null ||
      actor.role === 'admin' ||
      (actor.role === 'manager' && (actor.scopeUnitIds ?? []).includes(unit.id)) ||
      (actor.role === 'approver' && unit.id === actor.unitId);
    if (!allowed) throw new DomainError('FORBIDDEN', `Your role does not let you see the figures of ${unit.name_vi}`);
    const below = descendants(units, unit.id);
    const filter =
      unit.kind === 'province'
        ? { pointIds: null, agencyIds: null }
        : AGENCY_KINDS.has(unit.kind)
          ? { pointIds: null, agencyIds: below.filter((u) => AGENCY_KINDS.has(u.kind)).map((u) => u.id) }
          : { pointIds: below.filter((u) => POINT_KINDS.has(u.kind)).map((u) => u.id), agencyIds: null };
    return { unit, filter, byId };
  }

  /**
   * What was open at the end of a range among the filter's dossiers, per point or agency or in total: now, read live
   * from the dossiers, for a range that reaches today; else at the end of its last day, from the rollups.
   */
  private async openAtEnd(f: Omit<repo.Filter, 'from' | 'to'>, to: string, by: repo.OpenGrouping) {
    const now = this.deps.clock();
    if (to >= localDate(now)) return { at: now, rows: await repo.openNowBy(this.deps.db, f, now, by) };
    return { at: endOfDay(to), rows: await repo.openAt(this.deps.db, f, to, by) };
  }

  private async asOf(): Promise<string | null> {
    return (await repo.appliedAt(this.deps.db))?.toISOString() ?? null;
  }

  /** Figures of a unit over [from, to], in total and grouped by period, procedure, point or agency. */
  async figures(actor: Actor | null, q: FigureQuery & { by?: Grouping | undefined }) {
    const range = dateRange(q.from, q.to);
    const { unit, filter, byId } = await this.scope(actor, q.unitId);
    const f: repo.Filter = { ...range, ...filter, procedureId: q.procedureId, fieldCode: q.fieldCode };
    const [total] = await repo.sums(this.deps.db, f, null);
    const groups = q.by ? await repo.sums(this.deps.db, f, q.by) : [];
    const names =
      q.by === 'procedure'
        ? await repo.procedureNames(
            this.deps.db,
            groups.map((g) => Number(g.key)),
          )
        : new Map();
    const label = (key: string | null) => {
      if (key === null) return { labelVi: '', labelEn: '' };
      if (q.by === 'point' || q.by === 'agency') {
        const u = byId.get(Number(key));
        return { labelVi: u?.name_vi ?? `#${key}`, labelEn: u?.name_en ?? `#${key}` };
      }
      if (q.by === 'procedure') {
        const p = names.get(Number(key));
        return { labelVi: p ? `${p.code} ${p.name_vi}` : `#${key}`, labelEn: p ? `${p.code} ${p.name_en}` : `#${key}` };
      }
      return { labelVi: key, labelEn: key };
    };
    const open = await this.openAtEnd(f, range.to, null);
    // Each group's open dossiers: a period's at its end (or now, for the one holding today); a unit's or procedure's
    // at the range's end.
    const openOfGroup = await this.groupsOpen(f, q.by, groups, open.at);
    return {
      unit: { id: unit.id, kind: unit.kind, nameVi: unit.name_vi, nameEn: unit.name_en },
      from: range.from,
      to: range.to,
      by: q.by ?? null,
      asOf: await this.asOf(),
      total: present(total?.sums ?? zeroSums()),
      open: { ...(open.rows[0]?.open ?? NOTHING_OPEN), at: open.at.toISOString() },
      // A day or week on which nothing but a stretch of lateness began has no figures to show.
      groups: groups
        .filter((g) => hasFigures(g.sums))
        .map((g) => ({ key: g.key ?? '', ...label(g.key), ...present(g.sums), open: openOfGroup(g.key) })),
    };
  }

  /** The Decision 766 scorecard of a unit over [from, to]: every indicator, its ratio, threshold and points. */
  /** The received dossiers the portal never acknowledged, by `by` (null when this installation does not sync). */
  private async portalUnsynced(f: repo.Filter, by: 'point' | 'agency' | 'day' | 'week' | 'month' | 'quarter' | 'year' | null) {
    return this.deps.portalSync ? repo.portalUnsynced(this.deps.db, f, by) : null;
  }

  /**
   * The procedures handled over the filter's range (3.5, 3.5b, 4.5a), in groups as `by` (null: one total), from the
   * rollups by procedure. Each is judged by its catalog version in force at the end of its group's period (`periodEnd`
   * of the key), or today for a period not over yet: the rollups keep procedures, not versions, so the versions of
   * the period's own dossiers would mean reading them; and the indicators judge the procedure as the catalog
   * publishes it, so a version taking effect within a period counts from then on.
   */
  private async handled(
    f: repo.Filter,
    by: 'point' | 'agency' | Period | null,
    periodEnd: (key: string | null) => string,
  ): Promise<Map<string | null, HandledProcedure[]>> {
    const rows = await repo.procedureSums(this.deps.db, f, by);
    const versions = await repo.versionFlags(this.deps.db, [...new Set(rows.map((r) => r.procedureId))]);
    const today = localDate(this.deps.clock());
    const groups = new Map<string | null, typeof rows>();
    for (const r of rows) groups.set(r.key, [...(groups.get(r.key) ?? []), r]);
    return new Map(
      [...groups].map(([key, xs]) => {
        const end = periodEnd(key);
        return [key, handledProcedures(xs, versions, end > today ? today : end)];
      }),
    );
  }

  /** The feedback figures (5.2–5.4) of each bucket, judged at its end, or now for a bucket not over yet. */
  private async feedback(
    f: Omit<repo.Filter, 'from' | 'to'>,
    by: 'point' | 'agency' | Period | null,
    buckets: { key: string | null; from: string; to: string }[],
  ): Promise<Map<string | null, FeedbackFacts>> {
    const now = this.deps.clock();
    return repo.feedbackFacts(
      this.deps.db,
      f,
      by,
      buckets.map((b) => {
        const end = new Date(Date.parse(`${b.to}T00:00:00+07:00`) + 86_400_000);
        return { ...b, at: end < now ? end : now };
      }),
    );
  }

  async scorecard(actor: Actor | null, q: FigureQuery) {
    const range = dateRange(q.from, q.to);
    const { unit, filter } = await this.scope(actor, q.unitId);
    const f: repo.Filter = { ...range, ...filter, procedureId: q.procedureId, fieldCode: q.fieldCode };
    const [total] = await repo.sums(this.deps.db, f, null);
    const open = await this.openAtEnd(f, range.to, null);
    const unsynced = await this.portalUnsynced(f, null);
    const procedures = await this.handled(f, null, () => range.to);
    const feedback = await this.feedback(f, null, [{ key: null, from: range.from, to: range.to }]);
    return {
      unit: { id: unit.id, kind: unit.kind, nameVi: unit.name_vi, nameEn: unit.name_en },
      from: range.from,
      to: range.to,
      asOf: await this.asOf(),
      open: { ...(open.rows[0]?.open ?? NOTHING_OPEN), at: open.at.toISOString() },
      ...scorecard(this.config, total?.sums ?? zeroSums(), open.rows[0]?.open ?? NOTHING_OPEN, live(unsynced, procedures, feedback, null)),
    };
  }

  /**
   * Clerk productivity: dossiers received per receiving clerk over [from, to], annualized, against the yearly norm of
   * the area of the clerk's service point (urban, rural, remote); and per point, the same per clerk seen receiving.
   * A point without an area type has no norm (null), never an invented one.
   */
  async productivity(actor: Actor | null, q: { unitId?: number | undefined; from: string; to: string }) {
    const range = dateRange(q.from, q.to);
    const { unit, filter, byId } = await this.scope(actor, q.unitId);
    const norms = this.deps.areaNorms ?? DEFAULT_AREA_NORMS;
    // Receiving clerks work at service points: an agency's scope has none.
    const pointIds = filter.agencyIds ? [] : filter.pointIds;
    const rows = await repo.clerkReceipts(this.deps.db, { ...range, pointIds });
    // Days yet to come have received nothing: a range reaching past today is annualized over its days so far.
    const today = localDate(this.deps.clock());
    const days = range.to > today && range.from <= today ? dateRange(range.from, today).days : range.days;
    const normOf = (unitId: number) => {
      const area = byId.get(unitId)?.area_type ?? null;
      return { areaType: area, norm: area ? norms[area] : null };
    };
    const share = (n: number, norm: number | null) => (norm ? Math.round((n / norm) * 1000) / 1000 : null);
    // The counters' side of the same work: tickets served, waits against the aim, service times.
    const served = this.deps.queue ? await this.deps.queue.serviceSummary(pointIds, range.from, range.to) : [];
    const queueOf = (unitId: number, staffId: number | null) => {
      const q = served.find((x) => x.unitId === unitId && x.staffId === staffId);
      return q ? queueFigures(q) : null;
    };
    const clerks = rows.map((r) => {
      const { areaType, norm } = normOf(r.unit_id);
      const perYear = annualized(r.received, days);
      return {
        staffId: r.staff_id,
        username: r.username,
        fullName: r.full_name,
        unitId: r.unit_id,
        unitNameVi: byId.get(r.unit_id)?.name_vi ?? `#${r.unit_id}`,
        areaType,
        received: r.received,
        annualized: perYear,
        norm,
        shareOfNorm: share(perYear, norm),
        queue: queueOf(r.unit_id, r.staff_id),
      };
    });
    const byPoint = new Map<number, { received: number; clerks: number }>();
    for (const c of clerks) {
      const p = byPoint.get(c.unitId) ?? { received: 0, clerks: 0 };
      p.received += c.received;
      p.clerks += 1;
      byPoint.set(c.unitId, p);
    }
    for (const q of served) if (q.staffId === null && !byPoint.has(q.unitId)) byPoint.set(q.unitId, { received: 0, clerks: 0 });
    const points = [...byPoint].map(([unitId, p]) => {
      const { areaType, norm } = normOf(unitId);
      const perClerk = p.clerks > 0 ? annualized(p.received / p.clerks, days) : null;
      return {
        unitId,
        unitNameVi: byId.get(unitId)?.name_vi ?? `#${unitId}`,
        areaType,
        clerks: p.clerks,
        received: p.received,
        annualizedPerClerk: perClerk,
        norm,
        shareOfNorm: perClerk === null ? null : share(perClerk, norm),
        queue: queueOf(unitId, null),
      };
    });
    return {
      unit: { id: unit.id, kind: unit.kind, nameVi: unit.name_vi, nameEn: unit.name_en },
      from: range.from,
      to: range.to,
      days,
      asOf: await this.asOf(),
      norms: { ...norms },
      waitAimSeconds: QUEUE_WAIT_AIM_SECONDS,
      points: points.sort((a, b) => b.received - a.received || a.unitId - b.unitId),
      clerks,
    };
  }

  /**
   * The units below a unit ranked by their scorecard over [from, to] (a score out of 100: points earned over points
   * measurable, since indicators without dossiers or data earn nothing either way), overall and in each group, with
   * the change from the range of the same length just before. Service points are ranked by what they received, an
   * agency's units by what they handled (`level`, default: agencies under an agency, points otherwise).
   */
  async rankings(actor: Actor | null, q: FigureQuery & { level?: 'point' | 'agency' | undefined }) {
    const range = dateRange(q.from, q.to);
    const { unit, filter, byId } = await this.scope(actor, q.unitId);
    const level = q.level ?? (AGENCY_KINDS.has(unit.kind) ? 'agency' : 'point');
    const kinds = level === 'agency' ? AGENCY_KINDS : POINT_KINDS;
    const ids =
      (level === 'agency' ? filter.agencyIds : filter.pointIds) ?? [...byId.values()].filter((u) => kinds.has(u.kind)).map((u) => u.id);
    const candidates = ids.filter((id) => kinds.has(byId.get(id)?.kind ?? ''));
    const prev = previousRange(range.from, range.to);
    const base = { ...filter, procedureId: q.procedureId, fieldCode: q.fieldCode };
    // The eight reads of the two ranges are independent: on PostgreSQL they run side by side on the pool's
    // connections (a ranking waits for its slowest read, not their sum); PGlite's one connection takes them in turn.
    const cards = async (r: { from: string; to: string }) => {
      const [sumRows, openRows, unsynced, procedures, feedback] = await Promise.all([
        repo.sums(this.deps.db, { ...r, ...base }, level),
        this.openAtEnd(base, r.to, level),
        this.portalUnsynced({ ...r, ...base }, level),
        this.handled({ ...r, ...base }, level, () => r.to),
        this.feedback(base, level, [{ key: null, ...r }]),
      ]);
      const sums = new Map(sumRows.map((g) => [Number(g.key), g.sums]));
      const open = new Map(openRows.rows.map((o) => [o.key, o.open]));
      return candidates.map((id) =>
        scorecard(this.config, sums.get(id) ?? zeroSums(), open.get(id) ?? NOTHING_OPEN, live(unsynced, procedures, feedback, String(id))),
      );
    };
    const [current, before] = await Promise.all([cards(range), cards(prev)]);
    const rankIn = (xs: typeof current, g: number | null) => ranks(xs.map((c) => scoreOf(g === null ? c.total : c.groups[g]!)));
    const rank = rankIn(current, null);
    const rankBefore = rankIn(before, null);
    const groupRanks = GROUPS.map((_, g) => rankIn(current, g));
    const units = candidates.map((id, i) => {
      const u = byId.get(id)!;
      const score = scoreOf(current[i]!.total);
      const previousScore = scoreOf(before[i]!.total);
      return {
        unitId: id,
        kind: u.kind,
        nameVi: u.name_vi,
        nameEn: u.name_en,
        earned: current[i]!.total.earned,
        measurable: current[i]!.total.measurable,
        score,
        rank: rank[i]!,
        previousScore,
        previousRank: rankBefore[i]!,
        change: change(previousScore, score),
        rankChange: rank[i] !== null && rankBefore[i] !== null ? rankBefore[i]! - rank[i]! : null,
        groups: current[i]!.groups.map((g, k) => ({
          group: g.group,
          earned: g.earned,
          measurable: g.measurable,
          score: scoreOf(g),
          rank: groupRanks[k]![i]!,
          change: change(scoreOf(before[i]!.groups[k]!), scoreOf(g)),
        })),
      };
    });
    units.sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || byVietnameseName(a.nameVi, b.nameVi));
    return {
      unit: { id: unit.id, kind: unit.kind, nameVi: unit.name_vi, nameEn: unit.name_en },
      level,
      from: range.from,
      to: range.to,
      previous: prev,
      asOf: await this.asOf(),
      groups: GROUPS.map((g, k) => ({ group: g, nameVi: current[0]?.groups[k]?.nameVi ?? g, nameEn: current[0]?.groups[k]?.nameEn ?? g })),
      units,
    };
  }

  /**
   * A unit's weeks or months over [from, to] (the first and last clipped to the range): the score and the rates a
   * province is judged by, each with its change from the period before (week over week, month over month), against
   * the target lines.
   */
  async trends(actor: Actor | null, q: FigureQuery & { period?: TrendPeriod | undefined }) {
    const range = dateRange(q.from, q.to);
    const period = q.period ?? 'month';
    const { unit, filter } = await this.scope(actor, q.unitId);
    const { previous, periods } = periodsOf(range.from, range.to, period);
    if (periods.length > 530)
      throw new DomainError('VALIDATION', `A trend has at most 530 ${period}s: choose months for this range`, {
        field: 'querystring.period',
      });
    const base = { ...filter, procedureId: q.procedureId, fieldCode: q.fieldCode };
    const now = this.deps.clock();
    const rows = new Map(
      (await repo.sums(this.deps.db, { from: previous.from, to: range.to, ...base }, period)).map((g) => [g.key, g.sums]),
    );
    const open = await this.openAtPeriodEnds(base, [previous, ...periods], rows, now);
    const unsynced = await this.portalUnsynced({ from: previous.from, to: range.to, ...base }, period);
    const ends = new Map([previous, ...periods].map((p) => [p.start, p.to]));
    const procedures = await this.handled({ from: previous.from, to: range.to, ...base }, period, (key) => ends.get(key!) ?? range.to);
    const feedback = await this.feedback(
      base,
      period,
      [previous, ...periods].map((p) => ({ key: p.start, from: p.from, to: p.to })),
    );
    const targets = this.deps.targets ?? DEFAULT_TARGETS;
    const figure = (p: { start: string; from: string; to: string }) => {
      const s = rows.get(p.start) ?? zeroSums();
      // What was open at each period's end weighs on it, as on the scorecard (2.1).
      const card = scorecard(this.config, s, open.get(p.start) ?? NOTHING_OPEN, live(unsynced, procedures, feedback, p.start));
      const r = rates(s);
      return {
        score: scoreOf(card.total),
        onTimeRate: r.onTimeRate,
        onlineRate: r.onlineRate,
        digitizedRate: r.digitizedRate,
        satisfactionRate: r.satisfactionRate,
        received: s.received,
        decided: s.decided,
      };
    };
    let before = figure(previous);
    const out = periods.map((p) => {
      const f = figure(p);
      const row = {
        start: p.start,
        from: p.from,
        to: p.to,
        ...f,
        change: {
          score: change(before.score, f.score),
          onTimeRate: change(before.onTimeRate, f.onTimeRate, 4),
          onlineRate: change(before.onlineRate, f.onlineRate, 4),
          digitizedRate: change(before.digitizedRate, f.digitizedRate, 4),
          satisfactionRate: change(before.satisfactionRate, f.satisfactionRate, 4),
        },
        meetsTargets: {
          onTimeRate: f.onTimeRate === null ? null : f.onTimeRate >= targets.onTimeRate,
          digitizedRate: f.digitizedRate === null ? null : f.digitizedRate >= targets.digitizedRate,
          satisfactionRate: f.satisfactionRate === null ? null : f.satisfactionRate >= targets.satisfactionRate,
        },
      };
      before = f;
      return row;
    });
    return {
      unit: { id: unit.id, kind: unit.kind, nameVi: unit.name_vi, nameEn: unit.name_en },
      period,
      from: range.from,
      to: range.to,
      asOf: await this.asOf(),
      targets: { ...targets },
      periods: out,
    };
  }

  /** The open dossiers of each group of a figure (see figures), as a function of the group's key. */
  private async groupsOpen(
    f: repo.Filter,
    by: Grouping | undefined,
    groups: { key: string | null; sums: Sums }[],
    rangeEnd: Date,
  ): Promise<(key: string | null) => OpenNow & { at: string }> {
    if (!by) return () => ({ ...NOTHING_OPEN, at: rangeEnd.toISOString() });
    if (by === 'point' || by === 'agency' || by === 'procedure') {
      const open = await this.openAtEnd(f, f.to, by);
      const byKey = new Map(open.rows.map((o) => [String(o.key), o.open]));
      return (key) => ({ ...(byKey.get(String(key)) ?? NOTHING_OPEN), at: open.at.toISOString() });
    }
    // Periods: every bucket of the range in turn (the groups hold each one that has rows, in order), clipped to it.
    const periods = groups.map((g) => {
      const start = g.key!;
      const next =
        by === 'day'
          ? addDays(start, 1)
          : by === 'week'
            ? addDays(start, 7)
            : nextPeriod(start, 'month', by === 'month' ? 1 : by === 'quarter' ? 3 : 12);
      const end = addDays(next, -1);
      return { start, from: start < f.from ? f.from : start, to: end > f.to ? f.to : end };
    });
    const ends = await this.openAtPeriodEnds(f, periods, new Map(groups.map((g) => [g.key, g.sums])), this.deps.clock(), f.from);
    const now = this.deps.clock();
    return (key) => {
      const p = periods.find((x) => x.start === key)!;
      return { ...(ends.get(p.start) ?? NOTHING_OPEN), at: (p.to >= localDate(now) ? now : endOfDay(p.to)).toISOString() };
    };
  }

  /**
   * What was open at the end of each of consecutive periods (in order; one without rows changed nothing): for those
   * ended before today, what was open before the first (one sum from the beginning) plus each period's open deltas in
   * turn; now for the one holding today; nothing for those to come.
   */
  private async openAtPeriodEnds(
    f: Omit<repo.Filter, 'from' | 'to'>,
    periods: { start: string; from: string; to: string }[],
    rows: Map<string | null, Sums>,
    now: Date,
    /** The first day the rows cover (default: the first period's); periods without rows changed nothing. */
    since?: string,
  ): Promise<Map<string, OpenNow>> {
    const today = localDate(now);
    const out = new Map<string, OpenNow>();
    if (periods.length === 0) return out;
    const past = periods.some((p) => p.to < today);
    const [before] = past ? await repo.openAt(this.deps.db, f, addDays(since ?? periods[0]!.from, -1), null) : [];
    const running = zeroSums();
    if (before) {
      running.in_progress_delta = before.open.inProgress;
      running.paused_delta = before.open.paused;
      running.overdue_delta = before.open.inProgressOverdue;
    }
    for (const p of periods) {
      const s = rows.get(p.start);
      if (s) for (const c of ['in_progress_delta', 'paused_delta', 'overdue_delta'] as const) running[c] += s[c];
      if (p.to < today) out.set(p.start, openOf(running));
      else if (p.from <= today) out.set(p.start, (await repo.openNowBy(this.deps.db, f, now, null))[0]?.open ?? NOTHING_OPEN);
    }
    return out;
  }

  /** The dossiers that cost an indicator its points, one click from the scorecard (at most `limit`, latest first). */
  async costlyDossiers(actor: Actor | null, indicator: string, q: FigureQuery & { limit?: number | undefined }) {
    const c = await this.costlyQuery(actor, indicator, q, 'params.indicator');
    const rows = await repo.costlyDossiers(this.deps.db, c.indicator, c.filter, c.open, q.limit ?? 100);
    return { ...c.head, dossiers: rows.map((r) => presentCostly(r, c.byId)) };
  }

  /**
   * Every dossier that cost an indicator its points, for an export: the rows and order of costlyDossiers without its
   * limit, read from the database a page at a time (keyset) as the caller consumes them, never all at once.
   */
  async allCostlyDossiers(actor: Actor | null, indicator: string, q: FigureQuery, field = 'querystring.indicator', pageSize = 10_000) {
    const c = await this.costlyQuery(actor, indicator, q, field);
    const db = this.deps.db;
    async function* dossiers() {
      for await (const page of repo.costlyDossierPages(db, c.indicator, c.filter, c.open, pageSize))
        for (const r of page) yield presentCostly(r, c.byId);
    }
    return { ...c.head, dossiers: dossiers() };
  }

  /** The checked indicator, range and scope of a costly-dossiers request; when 2.1's open dossiers are judged (openAtEnd's instant). */
  private async costlyQuery(actor: Actor | null, indicator: string, q: FigureQuery, field: string) {
    if (!(repo.COSTLY_INDICATORS as readonly string[]).includes(indicator))
      throw new DomainError('VALIDATION', `Indicator ${indicator} has no dossiers to list: one of ${repo.COSTLY_INDICATORS.join(', ')}`, {
        field,
      });
    const range = dateRange(q.from, q.to);
    const { unit, filter, byId } = await this.scope(actor, q.unitId);
    const now = this.deps.clock();
    return {
      indicator: indicator as repo.CostlyIndicator,
      filter: { ...range, ...filter, procedureId: q.procedureId, fieldCode: q.fieldCode },
      open: (range.to >= localDate(now) ? { now } : { endOf: range.to }) satisfies repo.OpenAt,
      byId,
      head: {
        unit: { id: unit.id, kind: unit.kind, nameVi: unit.name_vi, nameEn: unit.name_en },
        indicator,
        from: range.from,
        to: range.to,
      },
    };
  }
}

/** A costly dossier as the API shows it: no applicant's ID number or phone, the units by name. */
function presentCostly(r: repo.CostlyDossier, byId: Map<number, Unit>) {
  return {
    code: r.code,
    procedureCode: r.procedure_code,
    procedureNameVi: r.procedure_name_vi,
    receivingPointNameVi: byId.get(r.receiving_unit_id)?.name_vi ?? `#${r.receiving_unit_id}`,
    agencyNameVi: byId.get(r.agency_id)?.name_vi ?? `#${r.agency_id}`,
    receivedAt: r.received_at?.toISOString() ?? null,
    dueAt: r.due_at?.toISOString() ?? null,
    decidedAt: r.decided_at?.toISOString() ?? null,
    reason: r.reason,
  };
}

/** After a PostgreSQL restore, as the tables' owner: see kpi.repository.ts rebaseRestored. */
export function rebaseRestoredRollups(owner: Kysely<DB>): Promise<{ applied: number; renumbered: number }> {
  return repo.rebaseRestored(owner);
}

const byVietnameseName = (a: string, b: string) => a.localeCompare(b, 'vi');

/** A unit and everything below it in the organization. */
function descendants(units: Unit[], rootId: number): Unit[] {
  const children = new Map<number, Unit[]>();
  for (const u of units) if (u.parent_id !== null) children.set(u.parent_id, [...(children.get(u.parent_id) ?? []), u]);
  const out: Unit[] = [];
  const stack = units.filter((u) => u.id === rootId);
  while (stack.length) {
    const u = stack.pop()!;
    out.push(u);
    stack.push(...(children.get(u.id) ?? []));
  }
  return out;
}

/** The national aim for a citizen's wait at a counter: 15 minutes on average. */
export const QUEUE_WAIT_AIM_SECONDS = 900;

/** A point's or clerk's counter figures: means over the tickets they apply to (null when there are none). */
function queueFigures(q: Awaited<ReturnType<BoardService['serviceSummary']>>[number]) {
  const mean = (total: number, n: number) => (n > 0 ? Math.round(total / n) : null);
  return {
    served: q.served,
    called: q.called,
    meanWaitSeconds: mean(q.waitSeconds, q.called),
    meanServiceSeconds: mean(q.serviceSeconds, q.served),
    withinTargetShare: q.called > 0 ? Math.round((q.withinTarget / q.called) * 1000) / 1000 : null,
  };
}

/** Whether a group's sums hold any figure (the open deltas are not figures of the period). */
const hasFigures = (s: Sums) => COUNTERS.some((c) => !c.endsWith('_delta') && s[c] !== 0);

/** Counts and the rates derived from them, in the API's camelCase. */
function present(s: Sums) {
  return {
    submittedOnline: s.submitted_online,
    received: s.received,
    receivedInPerson: s.received_in_person,
    receivedOnline: s.received_online,
    receivedPost: s.received_post,
    refused: s.refused,
    withdrawn: s.withdrawn,
    stopped: s.stopped,
    decided: s.decided,
    decidedEarly: s.decided_early,
    decidedOnTime: s.decided_on_time,
    decidedLate: s.decided_late,
    results: s.results,
    electronicResults: s.electronic_results,
    digitized: s.digitized,
    reused: s.reused,
    fromStore: s.from_store,
    populationData: s.population_data,
    decidedWithFees: s.decided_with_fees,
    decidedPaidOnline: s.decided_paid_online,
    returned: s.returned,
    supplementRequests: s.supplement_requests,
    apologies: s.apologies,
    ratedSatisfied: s.rated_satisfied,
    ratedAcceptable: s.rated_acceptable,
    ratedNotSatisfied: s.rated_not_satisfied,
    ...rates(s),
  };
}
