import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { DB, StaffRole, Unit } from '../platform/db.types.js';
import type { BlobStore } from '../platform/blob-store.js';
import { recordAudit } from '../audit/audit.service.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import { hashPassword } from '../auth/auth.service.js';
import type { Actor } from '../auth/auth.model.js';
import { createServices } from '../services.js';
import { seedFeedbackDemo } from './feedback-demo.js';
import type { CatalogDocument, ProcedureVersionInput } from '../catalog/catalog.schema.js';
import type { ApplicantInput, ComponentInput, IntakeInput } from '../dossiers/dossier.schema.js';
import { DomainError } from '../platform/errors.js';
import { processingSteps, type ProcessingStep } from '../dossiers/dossier.model.js';
import { mulberry32, pick, samplePdf, makeCitizen, type Rng } from './demo.model.js';
import { seedQueueDemo, type QueueSeedResult } from './queue-demo.js';
import { generateHistory } from './history-demo.js';
import * as demoRepo from './demo.repository.js';

/** Every demo account's password (documented in the README; change it in a real deployment). */
export const DEMO_PASSWORD = 'motcua@2026';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The demo data files shipped with the project. */
export function demoFiles(): { province: unknown; catalog: CatalogDocument } {
  const read = (f: string) => JSON.parse(fs.readFileSync(path.join(here, 'data', f), 'utf8')) as unknown;
  return { province: read('province.json'), catalog: read('procedures.json') as CatalogDocument };
}

export interface SeedOptions {
  dossiers?: number;
  /** The instant the demo history ends at (default: now). */
  until?: Date;
  seed?: number;
  /** Working days of counter-queue ticket history (default 15). */
  queueDays?: number;
  /** Dossiers of the imported year before the live window, through `import-history` (default DEMO_HISTORY_DOSSIERS). */
  historyDossiers?: number;
  log?: (message: string) => void;
}

export interface SeedResult {
  units: number;
  communes: number;
  procedures: number;
  staff: number;
  dossiers: number;
  /** Dossiers of the year before, imported from a generated motcua.history/1 file. */
  imported: number;
  byStatus: Record<string, number>;
  queue: QueueSeedResult;
}

/** The demo's imported year: about 25 s on embedded PGlite (docs/ARCHITECTURE.md gives the measured rate). */
export const DEMO_HISTORY_DOSSIERS = 5000;

interface Account {
  username: string;
  fullName: string;
  role: StaffRole;
  unit: Unit;
}

/** Demo accounts: a clerk per service point, a specialist and an approver per agency, a manager per center. */
function accountsFor(units: Unit[]): Account[] {
  const out: Account[] = [];
  const short = (u: Unit) => u.key.toLowerCase().replace(/-(tt|ub)$/, '');
  for (const u of units) {
    if (u.kind === 'province') out.push({ username: 'admin', fullName: 'Quản trị hệ thống', role: 'admin', unit: u });
    if (u.kind === 'center') {
      out.push({ username: 'ql.tinh', fullName: 'Giám đốc Trung tâm PVHCC tỉnh', role: 'manager', unit: u });
      out.push({ username: 'cb.tinh1', fullName: 'Cán bộ tiếp nhận 1 (Trung tâm tỉnh)', role: 'clerk', unit: u });
      out.push({ username: 'cb.tinh2', fullName: 'Cán bộ tiếp nhận 2 (Trung tâm tỉnh)', role: 'clerk', unit: u });
    }
    if (u.kind === 'branch') out.push({ username: `cb.${short(u)}`, fullName: `Cán bộ tiếp nhận ${u.name_vi}`, role: 'clerk', unit: u });
    if (u.kind === 'department') {
      out.push({ username: `cv.${short(u)}`, fullName: `Chuyên viên ${u.name_vi}`, role: 'specialist', unit: u });
      out.push({ username: `ld.${short(u)}`, fullName: `Lãnh đạo ${u.name_vi}`, role: 'approver', unit: u });
    }
    if (u.kind === 'commune_center') {
      out.push({ username: `cb.${short(u)}`, fullName: `Cán bộ tiếp nhận ${u.name_vi}`, role: 'clerk', unit: u });
      out.push({ username: `ql.${short(u)}`, fullName: `Giám đốc ${u.name_vi}`, role: 'manager', unit: u });
    }
    if (u.kind === 'commune_committee') {
      out.push({ username: `cv.${short(u)}`, fullName: `Công chức ${u.name_vi}`, role: 'specialist', unit: u });
      out.push({ username: `ld.${short(u)}`, fullName: `Chủ tịch ${u.name_vi}`, role: 'approver', unit: u });
    }
  }
  return out;
}

/**
 * Generates the demo province: organization, catalog, staff, and a history of dossiers driven
 * through the real use cases on a simulated clock, so every row, event, hand-over and audit
 * entry is what the system itself would have written. Deterministic for a given seed and end date.
 */
export async function seedDemo(db: Kysely<DB>, blobs: BlobStore, auditKey: AuditKey, opts: SeedOptions = {}): Promise<SeedResult> {
  const log = opts.log ?? (() => {});
  const rng = mulberry32(opts.seed ?? 20251121);
  const until = opts.until ?? new Date();
  let simNow = new Date(until.getTime() - 150 * 86_400_000);
  const services = createServices({ db, blobs, clock: () => simNow, auditKey, sessionTtlMinutes: 60, maxUploadBytes: 10 * 1024 * 1024 });
  const { province, catalog } = demoFiles();

  const org = await services.org.importOrg(province);
  await services.catalog.importCatalog(null, catalog);
  log(`organization: ${org.units} units, ${org.communes} communes; catalog: ${catalog.procedures.length} procedures`);

  const units = await services.org.listUnits();
  const accounts = accountsFor(units);
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const actors = new Map<string, Actor>();
  const clerkIds = new Map<number, number[]>();
  await db.transaction().execute(async (trx) => {
    for (const a of accounts) {
      const row = await demoRepo.insertStaff(trx, {
        username: a.username,
        password_hash: passwordHash,
        full_name: a.fullName,
        role: a.role,
        unit_id: a.unit.id,
      });
      const scope =
        a.role === 'admin'
          ? null
          : a.role === 'manager'
            ? units.filter((u) => u.id === a.unit.id || (u.parent_id === a.unit.id && u.kind === 'branch')).map((u) => u.id)
            : [a.unit.id];
      const actor: Actor = {
        staffId: row.id,
        username: a.username,
        fullName: a.fullName,
        role: a.role,
        unitId: a.unit.id,
        unitKind: a.unit.kind,
        provinceCode: a.unit.province_code,
        scopeUnitIds: scope,
      };
      if (!actors.has(`${a.unit.id}:${a.role}`)) actors.set(`${a.unit.id}:${a.role}`, actor);
      if (a.role === 'clerk') clerkIds.set(a.unit.id, [...(clerkIds.get(a.unit.id) ?? []), row.id]);
    }
    await recordAudit(
      trx,
      auditKey,
      {
        actorKind: 'system',
        actorId: null,
        stream: 'system',
        action: 'demo.staff',
        entityType: 'staff',
        entityId: null,
        data: { accounts: accounts.length },
      },
      simNow,
    );
  });
  const actor = (unitId: number, role: StaffRole): Actor => {
    const a = actors.get(`${unitId}:${role}`);
    if (!a) throw new Error(`demo has no ${role} at unit ${unitId}`);
    return a;
  };

  // A pool of distinct sample scans, uploaded through the real file use case. A file is its uploader's: each service
  // point uploads the pool before its clerks first attach a scan, and each online submission uploads its own files.
  const clerkAny = actors.get(`${units.find((u) => u.kind === 'center')!.id}:clerk`)!;
  const samples = new Map<string, Buffer>();
  for (let i = 0; i < 40; i++) {
    const pdf = samplePdf(`Bản scan mẫu số ${i + 1}`);
    samples.set((await services.files.upload(pdf, { staff: clerkAny })).sha256, pdf);
  }
  const scans = [...samples.keys()];
  const uploadedAt = new Set<number>([clerkAny.unitId]);
  const ownScans = async (clerk: Actor) => {
    if (uploadedAt.has(clerk.unitId)) return;
    uploadedAt.add(clerk.unitId);
    for (const pdf of samples.values()) await services.files.upload(pdf, { staff: clerk });
  };

  const points = units.filter((u) => u.kind === 'center' || u.kind === 'branch' || u.kind === 'commune_center');
  const communes = await services.org.listCommunes();
  const procedures = catalog.procedures.map((p) => p.code);
  // The document type of each procedure's result (its latest version's), for the holders of results.
  const resultTypes = new Map(catalog.procedures.map((p) => [p.code, p.versions.at(-1)?.resultDocumentType]));
  const total = opts.dossiers ?? 2000;
  const byStatus: Record<string, number> = {};
  const start = until.getTime() - 120 * 86_400_000;
  const calendar = await services.org.calendarOf(points[0]!.id);
  let made = 0;
  // Citizens who hold a result in their store, by its document type: some later dossiers are theirs, and reuse it for a
  // component of that type (never another). A stream of its own, so the rest of the history stays as it was.
  const reuseRng = mulberry32((opts.seed ?? 20251121) ^ 0x5eed);
  const holders = new Map<string, ApplicantInput[]>();
  let reused = 0;

  for (let i = 0; i < total; i++) {
    // Receipt instants spread over the last 120 days, inside office hours.
    // Most of the history spreads over four months; one in eight dossiers arrived in the last few days, still open.
    const from = rng() < 0.125 ? until.getTime() - 4 * 86_400_000 : start;
    simNow = calendar.nextOfficeOpening(new Date(from + Math.floor(rng() * (until.getTime() - from - 3_600_000))));
    simNow = new Date(simNow.getTime() + Math.floor(rng() * 3) * 3_600_000);
    if (simNow >= until) continue;
    const citizen = makeCitizen(rng, pick(rng, communes));
    const version = await services.catalog.versionOn(pick(rng, procedures), simNow).catch(() => undefined);
    if (!version) continue;
    const v = version.body;
    const components: ComponentInput[] = v.components
      .filter((c) => c.required || rng() < 0.5)
      .map((c) =>
        c.supply === 'population_db'
          ? { code: c.code, source: 'population_db' }
          : rng() < 0.12
            ? { code: c.code, source: 'paper' }
            : { code: c.code, source: 'upload', fileSha256: pick(rng, scans) },
      );
    const input: IntakeInput = {
      procedureCode: version.code,
      applicant: citizen.applicant,
      components,
      fastTrack: Boolean(v.fastTrack) && rng() < 0.4,
    };
    const commune = communes.find((c) => c.code === citizen.applicant.communeCode)!;
    const online = v.online === 'full' && rng() < 0.35;
    let code: string;
    let receivingUnitId: number;
    try {
      if (online) {
        const filed = components.map((c): ComponentInput =>
          c.source === 'paper' ? { code: c.code, source: 'upload', fileSha256: pick(rng, scans) } : c,
        );
        const { submissionToken } = await services.files.openSubmission();
        for (const c of filed) if (c.fileSha256) await services.files.upload(samples.get(c.fileSha256)!, { submissionToken });
        const d = await services.dossiers.submitOnline({ ...input, components: filed }, undefined, submissionToken);
        code = d.code;
        receivingUnitId = d.receivingUnit.id;
      } else {
        const competentPoint = v.level === 'commune' ? commune.center_unit_id : units.find((u) => u.kind === 'center')!.id;
        const pointId = v.nonTerritorial && rng() < 0.35 ? pick(rng, points).id : competentPoint;
        const clerk = actor(pointId, 'clerk');
        await ownScans(clerk);
        const reuse = await reusingInput(clerk, version.body, input);
        const d = await services.dossiers.receiveAtCounter(clerk, reuse ?? input).catch(async (e: unknown) => {
          // The holder chosen still has an open dossier of this procedure: the citizen drawn files it instead.
          if (reuse && e instanceof DomainError && e.code === 'DUPLICATE_DOSSIER') return services.dossiers.receiveAtCounter(clerk, input);
          throw e;
        });
        if (reuse && d.applicant.idNumber === reuse.applicant.idNumber) reused++;
        code = d.code;
        receivingUnitId = d.receivingUnit.id;
      }
    } catch (e) {
      log(`skipped one demo dossier: ${(e as Error).message}`);
      continue;
    }
    made++;
    if (made % 250 === 0) log(`… ${made} of ${total} demo dossiers`);
    await walk(code, receivingUnitId, online, rng, processingSteps(v.steps));
  }

  /**
   * For a counter intake, sometimes: the same procedure filed by a citizen whose store holds a document of a type one of
   * its components accepts, who reuses it. The clerk starts an intake (the ID card checked), lists the store with it, and
   * attaches the document of the component's type.
   */
  async function reusingInput(clerk: Actor, v: ProcedureVersionInput, input: IntakeInput): Promise<IntakeInput | undefined> {
    // A holder this point may receive for: anywhere for a non-territorial or provincial procedure, else of the same commune.
    const eligible = (type: string) =>
      (holders.get(type) ?? []).filter((h) => v.nonTerritorial || v.level === 'province' || h.communeCode === input.applicant.communeCode);
    const wanted = v.components.filter((c) => c.documentType && eligible(c.documentType).length);
    if (!wanted.length || reuseRng() >= 0.6) return undefined;
    const applicant = pick(reuseRng, eligible(wanted[0]!.documentType!));
    const { intake } = await services.dossiers.openIntake(clerk, {
      idNumber: applicant.idNumber,
      procedureCode: input.procedureCode,
      reason: 'Tái sử dụng giấy tờ đã có trong kho dữ liệu',
    });
    const docs = await services.dossiers.storeDocuments(clerk, { intakeId: intake.id });
    const components = input.components.filter((c) => !wanted.some((w) => w.code === c.code));
    for (const w of wanted) {
      const doc = docs.find((d) => d.documentType?.code === w.documentType);
      if (doc) components.push({ code: w.code, source: 'store', storeDocumentId: doc.id });
      else {
        const given = input.components.find((c) => c.code === w.code);
        if (given) components.push(given);
      }
    }
    if (!components.some((c) => c.source === 'store')) {
      await services.dossiers.closeIntake(clerk, intake.id);
      return undefined;
    }
    return { ...input, applicant, components };
  }

  /**
   * The year before the live window (whose receipts start 120 days before `until`), generated as a motcua.history/1 file and
   * loaded through the importer, as a province migrating from its old system would: its codes are numbered from
   * GENERATED_CODE_FIRST_SEQ of their day, so they never take a live code.
   */
  async function importHistoryYear(count: number): Promise<number> {
    if (count <= 0) return 0;
    // It ends where the live receipts begin, so the months run on without a gap.
    const to = new Date(start);
    const from = new Date(to.getTime() - 365 * 86_400_000);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-demo-history-')), 'history.jsonl');
    try {
      const out = fs.createWriteStream(file);
      for (const line of generateHistory({
        dossiers: count,
        from,
        to,
        now: until,
        seed: (opts.seed ?? 20251121) ^ 0x415,
        province,
        catalog,
      }))
        if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
      const t = Date.now();
      const r = await services.history.importFile(file, {
        skipInvalid: true,
        onProblem: (p) => log(`history line ${p.line}: ${p.field}: ${p.message}`),
      });
      await services.kpi.catchUp();
      log(
        `imported year: ${r.imported} dossiers (${from.toISOString().slice(0, 10)} to ${to.toISOString().slice(0, 10)}) in ${((Date.now() - t) / 1000).toFixed(1)} s`,
      );
      return r.imported;
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  }

  /** Moves one dossier through its life until the simulated clock passes the end of the history. */
  async function walk(code: string, receivingUnitId: number, online: boolean, r: Rng, steps: ProcessingStep[]): Promise<void> {
    const advance = (hours: number) => {
      simNow = calendar.addWorkingMs(simNow, Math.max(1, Math.round(hours * 3_600_000)));
      return simNow < until;
    };
    const clerk = actor(receivingUnitId, 'clerk');
    let d = await services.dossiers.get(clerk, code);
    const act = async (who: Actor, action: Parameters<typeof services.dossiers.transition>[2], extra: Record<string, unknown> = {}) => {
      d = await services.dossiers.transition(who, code, action, { version: d.version, ...extra });
    };
    if (online) {
      if (!advance(1 + r() * 10)) return;
      if (r() < 0.04) return void (await act(clerk, 'refuse', { note: 'Hồ sơ không thuộc thẩm quyền / not within competence' }));
      await act(clerk, 'receive');
    }
    if (r() < 0.02) {
      if (!advance(0.3)) return;
      return void (await act(clerk, 'refuse', { note: 'Hồ sơ không hợp lệ theo quy định' }));
    }
    for (const c of d.components.filter((x) => !x.digitized)) {
      if (!advance(0.2)) return;
      await ownScans(clerk);
      d = await services.dossiers.attachComponent(clerk, code, c.code, { version: d.version, fileSha256: pick(rng, scans) });
    }
    if (!advance(0.5 + r() * 3)) return;
    await act(clerk, 'forward');
    const slow = r() < 0.07; // a few agencies run late
    const totalHours = Math.max(1, (new Date(d.dueAt!).getTime() - new Date(d.receivedAt!).getTime()) / 3_600_000 / 3);
    let supplemented = false;
    for (;;) {
      const unitId = d.currentUnit!.id;
      const step = d.currentStep;
      const isApprove = steps.find((x) => x.index === step)?.role === 'approve';
      const isLast = steps[steps.length - 1]?.index === step;
      const who = actor(unitId, isApprove ? 'approver' : 'specialist');
      if (!advance(totalHours * (slow ? 0.9 + r() : 0.1 + r() * 0.35))) return;
      if (!supplemented && !isApprove && r() < 0.08) {
        supplemented = true;
        await act(who, 'request_supplement', { note: 'Bổ sung bản sao giấy tờ còn thiếu, ghi rõ thông tin / supply the missing copy' });
        if (!advance(4 + r() * 30)) return;
        await act(clerk, 'supplement_received');
        continue;
      }
      if (d.feeTotalVnd > 0 && !d.paidAt && r() < 0.25) {
        await act(who, 'request_payment');
        if (!advance(r() * 8)) return;
        await act(clerk, 'payment_received');
        continue;
      }
      if (r() < 0.015) return void (await act(clerk, 'withdraw', { note: 'Công dân đề nghị rút hồ sơ' }));
      if (isApprove && r() < 0.02) return void (await act(who, 'stop', { note: 'Hồ sơ không đủ điều kiện giải quyết theo quy định' }));
      if (new Date(d.dueAt!) < simNow && !d.apologyDueAt && r() < 0.7) {
        // The rescheduling rule: a working day of the receiving point, at its close of office hours, after now.
        await act(who, 'apologize', {
          note: 'Cần xác minh thêm với cơ quan liên quan',
          newDueAt: calendar.dueDate(simNow, 3, 'working-days').toISOString(),
        });
      }
      if (!isLast) {
        await act(who, 'forward');
        continue;
      }
      const result = await services.files.upload(samplePdf(`Kết quả giải quyết hồ sơ ${code}`), { staff: who });
      await act(who, 'result', { resultFileSha256: result.sha256 });
      const type = resultTypes.get(d.procedure.code);
      const a = d.applicant;
      const holder = { idNumber: a.idNumber, name: a.name, phone: a.phone, address: a.address, communeCode: a.communeCode };
      if (type) holders.set(type, [...(holders.get(type) ?? []), holder]);
      break;
    }
    if (!advance(r() * 20)) return;
    await act(actor(d.returnPoint.id, 'clerk'), 'return');
    if (r() < 0.6) {
      const rating = r() < 0.9 ? 'satisfied' : r() < 0.6 ? 'acceptable' : 'not_satisfied';
      const token = await demoRepo.trackingTokenOf(db, code);
      // Rated through the receipt's QR code, as most citizens would; the generator has no client address.
      await services.tracking.rate(code, { token }, 'demo-generator', rating, rating === 'not_satisfied' ? 'Chờ lâu' : undefined);
    }
  }

  simNow = until;
  const imported = await importHistoryYear(opts.historyDossiers ?? DEMO_HISTORY_DOSSIERS);
  log(`store reuse: ${reused} counter dossiers took a document of the store for a component of its type`);
  await services.dossiers.detectLate();
  const statuses = await demoRepo.countByStatus(db);
  for (const s of statuses) byStatus[s.status] = Number(s.n);
  log(
    `dossiers: ${made} (${Object.entries(byStatus)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')})`,
  );
  const admin = actors.get(`${units.find((u) => u.kind === 'province')!.id}:admin`)!;
  const queue = await seedQueueDemo(db, services, { admin, points, catalog, clerkIds, until, days: opts.queueDays ?? 15, rng, auditKey });
  log(
    `counter queues: ${queue.groups} service groups, ${queue.counters} counters, ${queue.tickets} tickets over ${queue.days} working days (too few clerks on purpose at ${queue.overloaded.join(', ')})`,
  );
  // Feedback over the last weeks, about late dossiers and the points, handled by their agencies.
  const fb = await seedFeedbackDemo({
    services,
    rng,
    setNow: (at) => void (simNow = at),
    until,
    calendar,
    actor,
    lateDossiers: await demoRepo.lateDossiers(db, until),
    points: points.map((p) => ({ id: p.id, name: p.name_vi })),
  });
  simNow = until;
  log(`feedback: ${fb.filed} filed, ${fb.published} answered and published`);
  // The generated past was written through the live statements, which queue a notice per notable step: none is sent.
  await demoRepo.forgetQueuedNotices(db, until);
  return {
    units: org.units,
    communes: org.communes,
    procedures: catalog.procedures.length,
    staff: accounts.length,
    dossiers: made,
    imported,
    byStatus,
    queue,
  };
}
