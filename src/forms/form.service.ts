import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import { DomainError } from '../platform/errors.js';
import { byStaff, recordAudit } from '../audit/audit.service.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import { inScope, type Actor } from '../auth/auth.model.js';
import type { DossierService } from '../dossiers/dossier.service.js';
import { SERVICE_POINT_KINDS, type OrgService } from '../org/org.service.js';
import {
  bookPeriod,
  dossierForm,
  trackingBook,
  trackingUrl,
  unitInfoOf,
  vnYear,
  vnYearStart,
  type BookEntry,
  type DossierFormId,
  type FormDocument,
  type FormStep,
  type UnitInfo,
} from './form.model.js';
import * as repo from './form.repository.js';
import { monthlyReport, reportMonth } from './monthly-report.model.js';
import type { KpiService } from '../kpi/kpi.service.js';

export interface FormDeps {
  db: Kysely<DB>;
  clock: () => Date;
  auditKey: AuditKey;
  dossiers: DossierService;
  org: OrgService;
  /** The leaders' figures the monthly report prints. */
  kpi: Pick<KpiService, 'figures' | 'scorecard' | 'rankings' | 'trends'>;
  /** Public address of the web app; QR codes open `${publicUrl}/tra-cuu/<code>#<tracking token>`. */
  publicUrl: string;
}

export interface PrintedForm {
  fileName: string;
  pdf: Buffer;
}

/** More rows than this make a book of hundreds of pages: print a shorter period instead. */
export const MAX_BOOK_ROWS = 10_000;

/** The printed forms (Circular 03/2025/TT-VPCP): 01–06 for one dossier, 07 the tracking book of a service point; a unit's monthly report. */
export class FormService {
  constructor(private readonly deps: FormDeps) {}

  /** The document of form 01–06 for a dossier the actor may see (404 outside their scope, as DossierService.get). */
  async dossierDocument(actor: Actor, code: string, form: DossierFormId): Promise<FormDocument> {
    const { dossiers, db } = this.deps;
    const dossier = await dossiers.get(actor, code);
    const events = await dossiers.events(actor, code);
    const steps: FormStep[] = form === '05' || form === '06' ? await dossiers.processControl(actor, code) : [];
    const names = await repo.staffNames(
      db,
      [...events.map((e) => e.actorId), ...steps.flatMap((s) => [s.handedBy, s.completedBy])].filter((x): x is number => x !== null),
    );
    let book: { volume: string; seq: number } | null = null;
    if (form === '01' && dossier.receivedAt) {
      const year = vnYear(dossier.receivedAt);
      const seq = await repo.bookSeqOf(db, code, vnYearStart(year));
      if (seq) book = { volume: String(year), seq };
    }
    return dossierForm(form, {
      dossier,
      events,
      steps,
      staffName: (id) => (id === null ? null : (names.get(id) ?? null)),
      unit: await this.units(),
      trackingUrl: trackingUrl(this.deps.publicUrl, code, dossier.trackingToken),
      book,
    });
  }

  /** Form 01–06 of a dossier as PDF. */
  async dossierForm(actor: Actor, code: string, form: DossierFormId): Promise<PrintedForm> {
    return this.render(await this.dossierDocument(actor, code, form));
  }

  /** The document of form 07: dossiers a service point in the actor's scope received in a period, in order of receipt. */
  async trackingBookDocument(actor: Actor, q: { unitId: number; from: string; to: string }): Promise<FormDocument> {
    const { db, org } = this.deps;
    const period = bookPeriod(q.from, q.to);
    const unit = await org.unit(q.unitId).catch(() => {
      throw new DomainError('NOT_FOUND', `Unit ${q.unitId} not found`, { field: 'querystring.unitId' });
    });
    if (!inScope(actor, unit.id))
      throw new DomainError('OUT_OF_SCOPE', `${unit.name_vi} is outside your scope`, { field: 'querystring.unitId' });
    if (!(SERVICE_POINT_KINDS as readonly string[]).includes(unit.kind)) {
      throw new DomainError('VALIDATION', `${unit.name_vi} is not a service point: the tracking book is kept where dossiers are received`, {
        field: 'querystring.unitId',
      });
    }
    const total = await repo.countReceived(db, unit.id, period.start, period.end);
    if (total > MAX_BOOK_ROWS) {
      throw new DomainError(
        'VALIDATION',
        `${total} dossiers were received in this period; print at most ${MAX_BOOK_ROWS} at a time (a shorter period)`,
        { field: 'querystring.to', details: { dossiers: total } },
      );
    }
    const rows = await repo.receivedBetween(db, unit.id, period.start, period.end);
    const steps = new Map<number, Awaited<ReturnType<typeof repo.stepsReceivedBetween>>>();
    for (const s of await repo.stepsReceivedBetween(db, unit.id, period.start, period.end)) {
      const own = steps.get(s.dossier_id);
      if (own) own.push(s);
      else steps.set(s.dossier_id, [s]);
    }
    const firstYear = vnYear(period.start);
    // The book runs one volume per year: its numbers continue from the dossiers received earlier that year.
    let year = firstYear;
    let seq = await repo.countReceived(db, unit.id, vnYearStart(firstYear), period.start);
    const names = await this.units();
    const entries: BookEntry[] = rows.map((d) => {
      const received = d.received_at!;
      const y = vnYear(received);
      if (y !== year) {
        year = y;
        seq = 0;
      }
      seq += 1;
      const own = steps.get(d.id) ?? [];
      return {
        seq,
        volume: String(y),
        code: d.code,
        procedureNameVi: d.procedure_name_vi,
        applicantName: d.applicant_name,
        applicantAddress: d.applicant_address,
        applicantPhone: d.applicant_phone,
        competentAgencyNameVi: names(d.competent_agency_id).nameVi,
        status: d.status,
        receivedAt: received,
        dueAt: d.due_at,
        forwardedAt: own.find((s) => s.role !== 'receive' && s.role !== 'return')?.handed_at ?? null,
        resultAt: own.find((s) => s.role === 'return')?.handed_at ?? null,
        returnedAt: d.returned_at,
        apologyDueAt: d.apology_due_at,
        lateFlaggedAt: d.late_flagged_at,
        supplementCount: d.supplement_count,
      };
    });
    // The book lists applicants' addresses and phone numbers: who printed which book is kept.
    await db.transaction().execute((trx) =>
      recordAudit(
        trx,
        this.deps.auditKey,
        {
          ...byStaff(actor),
          action: 'forms.tracking_book',
          entityType: 'unit',
          entityId: String(unit.id),
          data: { from: period.from, to: period.to, dossiers: entries.length },
        },
        this.deps.clock(),
      ),
    );
    return trackingBook({ unit: names(unit.id), period, entries, printedAt: this.deps.clock() });
  }

  /** Form 07 as PDF. */
  async trackingBook(actor: Actor, q: { unitId: number; from: string; to: string }): Promise<PrintedForm> {
    return this.render(await this.trackingBookDocument(actor, q));
  }

  /**
   * The document of a unit's monthly report: figures, the Decision 766 scorecard, the ranking of the units under
   * it against the month before, procedures, and the province's targets, each from the KPI use case of the JSON
   * route (same scope: `actor` null is the operator at the command line). No applicant's data.
   */
  async monthlyReportDocument(actor: Actor | null, q: { unitId?: number | undefined; month: string }): Promise<FormDocument> {
    const { kpi, db, clock } = this.deps;
    const month = reportMonth(q.month, clock());
    const query = { unitId: q.unitId, from: month.from, to: month.to };
    const figures = await kpi.figures(actor, query);
    const scope = { ...query, unitId: figures.unit.id };
    const byProcedure = await kpi.figures(actor, { ...scope, by: 'procedure' });
    const scorecard = await kpi.scorecard(actor, scope);
    const rankings = await kpi.rankings(actor, scope);
    const previousRankings = await kpi.rankings(actor, { ...scope, from: month.previous.from, to: month.previous.to });
    const trend = await kpi.trends(actor, { ...scope, period: 'month' });
    const preparedBy = actor ? ((await repo.staffNames(db, [actor.staffId])).get(actor.staffId) ?? null) : null;
    return monthlyReport({
      unit: (await this.units())(figures.unit.id),
      month,
      figures,
      byProcedure,
      scorecard,
      rankings,
      previousRankings,
      trend,
      printedAt: clock(),
      preparedBy,
    });
  }

  /** The monthly report as PDF. */
  async monthlyReport(actor: Actor | null, q: { unitId?: number | undefined; month: string }): Promise<PrintedForm> {
    return this.render(await this.monthlyReportDocument(actor, q));
  }

  /** A document built elsewhere (the e-receipt of a payment) under this service's unit headers, rendered. */
  async print(build: (unit: (unitId: number) => UnitInfo) => FormDocument): Promise<PrintedForm> {
    return this.render(build(await this.units()));
  }

  private async render(document: FormDocument): Promise<PrintedForm> {
    // PDFKit and the fonts load on the first print, not when the API or the CLI starts.
    const { renderForm } = await import('./form.render.js');
    return { fileName: document.fileName, pdf: await renderForm(document, { producedAt: this.deps.clock() }) };
  }

  /** How each unit heads a document (the organization is cached in memory by OrgService). */
  private async units(): Promise<(unitId: number) => UnitInfo> {
    const { org } = this.deps;
    const all = await org.listUnits();
    const communes = new Map((await org.listCommunes()).map((c) => [c.code, c]));
    const byId = new Map(all.map((u) => [u.id, u]));
    const provinceNameVi = all.find((u) => u.kind === 'province')?.name_vi ?? null;
    const lookup = { unit: (id: number) => byId.get(id), commune: (code: string) => communes.get(code), provinceNameVi };
    return (id) => {
      const u = byId.get(id);
      return u ? unitInfoOf(u, lookup) : { nameVi: `#${id}`, superiorVi: null, placeVi: provinceNameVi ?? '', address: null };
    };
  }
}
