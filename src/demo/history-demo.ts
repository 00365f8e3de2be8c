import type { Commune } from '../platform/db.types.js';
import type { CatalogDocument, ProcedureVersionInput } from '../catalog/catalog.schema.js';
import { versionInForce } from '../catalog/catalog.model.js';
import { DEMO_OFFICE_HOURS, WorkingCalendar, formatLocalIso } from '../calendar/calendar.model.js';
import { processingSteps, roleForStep } from '../dossiers/dossier.model.js';
import { HISTORY_FORMAT, type HistoryLine } from '../history/history.model.js';
import { makeCitizen, mulberry32, pick, samplePdf } from './demo.model.js';

/** The parts of province.json the generator reads. */
interface ProvinceDoc {
  provincialCenter: { key: string; agencyCode: string };
  branches: { key: string; agencyCode: string }[];
  departments: { key: string }[];
  communes: { code: string; key: string; nameVi: string; centerAgencyCode: string; branchKey?: string }[];
}

export interface HistoryDemoOptions {
  dossiers: number;
  /** Receipts fall on working days from `from` to before `to`; a dossier's later events follow it, never after `now`. */
  from: Date;
  to: Date;
  now: Date;
  seed: number;
  province: unknown;
  catalog: CatalogDocument;
}

/**
 * The first sequence number of a generated code's day: live intake numbers a point's day from 1, and continues after
 * the imported codes of that day, so generated codes never take a live one's number.
 */
export const GENERATED_CODE_FIRST_SEQ = 5001;

type Event = HistoryLine['events'][number];

/** A demo account of a unit, named as the demo seed names them (cb.<point>, cv./ld.<agency>). */
const short = (key: string) => key.toLowerCase().replace(/-(tt|ub)$/, '');

/**
 * A deterministic motcua.history/1 file for the demo province (the lines, header first): receipts on working days,
 * mostly at the applicant's commune center, online where the procedure allows it, by post now and then; most decided
 * early, some on the due day, a few late (most of those with an apology and a new date), supplements, payments,
 * refusals, withdrawals, stops, electronic results, returns and ratings; components from the counter (scanned or
 * left on paper), uploaded online, from the document store and the population database.
 */
export function* generateHistory(o: HistoryDemoOptions): Generator<string> {
  const rng = mulberry32(o.seed);
  const province = o.province as ProvinceDoc;
  const calendar = new WorkingCalendar({ officeHours: DEMO_OFFICE_HOURS });
  const center = province.provincialCenter;
  const points = [
    { key: center.key, agencyCode: center.agencyCode, clerks: ['cb.tinh1', 'cb.tinh2'] },
    ...province.branches.map((b) => ({ key: b.key, agencyCode: b.agencyCode, clerks: [`cb.${short(b.key)}`] })),
    ...province.communes.map((c) => ({ key: `${c.key}-TT`, agencyCode: c.centerAgencyCode, clerks: [`cb.${short(c.key)}`] })),
  ];
  const pointByKey = new Map(points.map((p) => [p.key, p]));
  const results = new Map(o.catalog.procedures.map((p) => [p.code, samplePdf(`Ket qua giai quyet thu tuc ${p.code}`).toString('base64')]));
  const daily = new Map<string, number>();
  const span = o.to.getTime() - o.from.getTime();
  yield JSON.stringify({ format: HISTORY_FORMAT, generator: 'motcua history generate', seed: o.seed });

  for (let n = 0; n < o.dossiers; n++) {
    let t = calendar.nextOfficeOpening(new Date(o.from.getTime() + Math.floor(rng() * span)));
    t = calendar.addWorkingMs(t, Math.floor(rng() * 7 * 3_600_000));
    if (t >= o.to) continue;
    const p = pick(rng, o.catalog.procedures);
    const version = versionInForce(p.versions, calendar.localDateOf(t));
    if (!version) continue;
    const v: ProcedureVersionInput = version;
    const c = pick(rng, province.communes);
    const commune = { code: c.code, name_vi: c.nameVi } as Commune;
    const { applicant } = makeCitizen(rng, commune);
    // Where it is filed: the competent agency's point, or (a procedure on the non-territorial list) another one.
    const competentPoint = v.level === 'commune' ? `${c.key}-TT` : center.key;
    const online = v.online === 'full' ? rng() < 0.45 : rng() < 0.08;
    const post = !online && rng() < 0.03;
    const receiving = !online && v.nonTerritorial && rng() < 0.25 ? pick(rng, points).key : competentPoint;
    const point = pointByKey.get(receiving)!;
    const agency = v.level === 'commune' ? `${c.key}-UB` : v.agencyKey!;
    const staffOf = (agencyKey: string, role: string) =>
      `${role === 'approver' ? 'ld' : 'cv'}.${short(agencyKey === 'competent' ? agency : agencyKey)}`;
    const clerk = pick(rng, point.clerks);
    const components: HistoryLine['components'] = v.components
      .filter((x) => x.required || rng() < 0.5)
      .map((x): HistoryLine['components'][number] => {
        if (x.supply === 'population_db') return { code: x.code, source: 'population_db' };
        if (x.supply === 'store' && rng() < 0.6) return { code: x.code, source: 'store' };
        if (online) return { code: x.code, source: 'online' };
        // An optional paper the clerk only looked at stays on paper; the required ones are scanned.
        return !x.required && rng() < 0.03 ? { code: x.code, source: 'counter', digitized: false } : { code: x.code, source: 'counter' };
      });
    const events: Event[] = [];
    const add = (action: Event['action'], at: Date, actor: Event['actor'], extra: Partial<Event> = {}) =>
      events.push({ action, at: formatLocalIso(at, 420), ...(actor ? { actor } : {}), ...extra });
    const work = (from: Date, hours: number) => calendar.addWorkingMs(from, Math.max(60_000, Math.round(hours * 3_600_000)));
    if (online) {
      const submitted = new Date(t.getTime() - Math.floor(rng() * 10) * 3_600_000);
      add('submit_online', submitted, 'citizen');
      t = work(submitted < t ? t : submitted, 0.5 + rng() * 6);
      if (rng() < 0.03) {
        add('refuse', t, { staff: clerk }, { note: 'Hồ sơ không thuộc thẩm quyền giải quyết' });
        yield line(code(point, t), v, p.code, receiving, 'online', applicant, components, events);
        continue;
      }
    }
    add('receive', t, { staff: clerk });
    const limit = v.timeLimit;
    const due = calendar.dueDate(t, limit.value, limit.unit);
    const received = t;
    const lineOut = () =>
      line(code(point, received), v, p.code, receiving, online ? 'online' : post ? 'post' : 'in_person', applicant, components, events);
    if (rng() < 0.015) {
      add('refuse', work(t, 0.2), { staff: clerk }, { note: 'Hồ sơ không hợp lệ theo quy định' });
      yield lineOut();
      continue;
    }
    t = work(t, 0.3 + rng() * 2);
    add('forward', t, { staff: clerk });
    // The instant of the decision: early for most, on the due day for some, late for a few.
    const total = calendar.workingMsBetween(received, due);
    const r = rng();
    let decision =
      r < 0.8
        ? calendar.addWorkingMs(received, Math.round(total * (0.15 + rng() * 0.45)))
        : r < 0.985
          ? calendar.addWorkingMs(received, Math.max(0, total - 60_000 - Math.round(Math.min(total * 0.3, 2 * 3_600_000) * rng())))
          : work(due, 2 + rng() * 24);
    if (decision <= t) decision = work(t, 0.5);
    const steps = processingSteps(v.steps);
    const slots = steps.length; // hand-overs between the steps, spaced evenly up to the decision
    const gap = calendar.workingMsBetween(t, decision) / (slots + 1);
    let supplemented = false;
    let stopped = false;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      const who = { staff: staffOf(step.agency, roleForStep(step)) };
      t = calendar.addWorkingMs(t, Math.max(60_000, Math.round(gap)));
      if (i === 0 && rng() < 0.06) {
        supplemented = true;
        add('request_supplement', t, who, { note: 'Bổ sung bản sao giấy tờ còn thiếu' });
        const waited = 4 + rng() * 30;
        t = work(t, waited);
        decision = work(decision, waited);
        add('supplement_received', t, { staff: clerk });
        // A second request now and then: the national index counts the dossier late.
        if (rng() < 0.05) {
          add('request_supplement', work(t, 1), who, { note: 'Bổ sung thêm giấy tờ chứng minh' });
          t = work(t, 8);
          add('supplement_received', t, { staff: clerk });
        }
      }
      if (i === 0 && v.fees.length && rng() < 0.2) {
        add('request_payment', work(t, 0.2), who);
        t = work(t, 0.5 + rng() * 4);
        // About half paid online (the payment gateway), the others at the counter.
        if (rng() < 0.5) add('payment_received', t, 'system', { paidOnline: true });
        else add('payment_received', t, { staff: clerk });
      }
      if (i === 0 && rng() < 0.012) {
        add('withdraw', work(t, 1), { staff: clerk }, { note: 'Công dân đề nghị rút hồ sơ' });
        stopped = true;
        break;
      }
      const lastStep = i === steps.length - 1;
      if (lastStep) {
        if (!supplemented && decision > due && rng() < 0.7) {
          const before = calendar.addWorkingMs(received, Math.max(0, total - 30 * 60_000));
          const at = before > t ? before : t;
          add('apologize', at, who, {
            note: 'Cần xác minh thêm với cơ quan liên quan',
            newDueAt: formatLocalIso(calendar.dueDate(decision, 1, 'working-days'), 420),
          });
        }
        t = decision > t ? decision : work(t, 0.1);
        if (step.role === 'approve' && rng() < 0.012) {
          add('stop', t, who, { note: 'Hồ sơ không đủ điều kiện giải quyết theo quy định' });
          stopped = true;
          break;
        }
        add('result', t, who);
      } else add('forward', t, who);
    }
    const resultIssued = !stopped && events.at(-1)?.action === 'result';
    const electronic = resultIssued && rng() < 0.97;
    let rating: HistoryLine['rating'];
    if (resultIssued && rng() < 0.98) {
      t = work(t, rng() * 20);
      const returnPoint = pointByKey.get(receiving)!;
      add('return', t, { staff: pick(rng, returnPoint.clerks) });
      if (rng() < 0.6) {
        const x = rng();
        const value = x < 0.9 ? 'satisfied' : x < 0.96 ? 'acceptable' : 'not_satisfied';
        rating = { value, at: formatLocalIso(new Date(t.getTime() + Math.floor(rng() * 48) * 3_600_000), 420) };
        if (value === 'not_satisfied') rating.comment = 'Chờ lâu';
      }
    }
    // Nothing after now: the history is of what has happened.
    while (events.length > 1 && new Date(events.at(-1)!.at) > o.now) events.pop();
    if (rating && new Date(rating.at) > o.now) rating = undefined;
    if (events.at(-1)?.action !== 'return') rating = undefined;
    const out = JSON.parse(lineOut()) as HistoryLine;
    if (electronic && events.some((e) => e.action === 'result')) out.result = { fileBase64: results.get(p.code)! };
    if (rating) out.rating = rating;
    yield JSON.stringify(out);
  }

  function code(point: { agencyCode: string }, at: Date): string {
    const day = calendar.localDateOf(at);
    const k = `${point.agencyCode}|${day}`;
    const seq = (daily.get(k) ?? GENERATED_CODE_FIRST_SEQ - 1) + 1;
    daily.set(k, seq);
    return `${point.agencyCode}-${day.slice(2, 4)}${day.slice(5, 7)}${day.slice(8, 10)}-${String(seq).padStart(4, '0')}`;
  }
}

function line(
  code: string,
  v: ProcedureVersionInput,
  procedureCode: string,
  receivingPoint: string,
  channel: HistoryLine['channel'],
  applicant: HistoryLine['applicant'],
  components: HistoryLine['components'],
  events: Event[],
): string {
  const l: HistoryLine = { code, procedureCode, procedureVersion: v.effectiveFrom, receivingPoint, channel, applicant, components, events };
  return JSON.stringify(l);
}
