import type { Insertable, Kysely } from 'kysely';
import type { DB, QueueTicketTable, TicketPriority, Unit } from '../platform/db.types.js';
import type { Actor } from '../auth/auth.model.js';
import type { Services } from '../services.js';
import type { CatalogDocument } from '../catalog/catalog.schema.js';
import { recordAudit } from '../audit/audit.service.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import { parseLocalDate, formatLocalDate, isoWeekday } from '../calendar/local-date.js';
import { simulateQueue, parseSessions, DEFAULT_SESSIONS_TEXT } from '../queue/simulation.model.js';
import { ticketLabel } from '../queue/ticket.model.js';
import { CHANNEL } from '../dossiers/dossier.model.js';
import type { Rng } from './demo.model.js';
import * as demoRepo from './demo.repository.js';

// The demo province's counter queues: service groups by field, counters, and weeks of ticket history
// whose waits come from the discrete-event simulation of each point's day (its arrivals by hour, its
// clerks, priority tickets and no-shows), so the figures and the staffing planner have something true
// to say: morning peaks, busy Mondays, and a few points that have too few clerks.

/** Service groups: a ticket prefix and the catalog fields it serves. Commune centers get A, B and E. */
const GROUPS = [
  {
    code: 'A',
    nameVi: 'Hộ tịch, chứng thực',
    nameEn: 'Civil status and certification',
    fields: ['G15-TP07', 'G15-TP03'],
    share: 0.42,
    serviceSeconds: 420,
    commune: true,
    bookable: true,
  },
  {
    code: 'B',
    nameVi: 'Đất đai, tài nguyên',
    nameEn: 'Land and resources',
    fields: ['G13-TN02'],
    share: 0.2,
    serviceSeconds: 840,
    commune: true,
    bookable: true,
  },
  {
    code: 'C',
    nameVi: 'Doanh nghiệp, đầu tư, lao động',
    nameEn: 'Business, investment and labour',
    fields: ['G05-KD10', 'G05-KD07', 'NB-LAODONG'],
    share: 0.1,
    serviceSeconds: 720,
    commune: false,
    bookable: false,
  },
  {
    code: 'D',
    nameVi: 'Tư pháp, giao thông, bảo hiểm',
    nameEn: 'Justice, transport and insurance',
    fields: ['G15-TP10', 'G15-TP05', 'NB-SHGPLX', 'G04-GT02', 'BHXH-THCS'],
    share: 0.1,
    serviceSeconds: 600,
    commune: false,
    bookable: false,
  },
  {
    code: 'E',
    nameVi: 'Cư trú, chính sách xã hội, văn hóa, giáo dục',
    nameEn: 'Residence, social policy, culture and education',
    fields: ['G01-CA05', 'G07-LĐ03', 'G03-GD10', 'G16-VH08'],
    share: 0.18,
    serviceSeconds: 480,
    commune: true,
    bookable: false,
  },
] as const;

/** Share of a day's tickets issued in each clock hour (07:30–11:30, 13:00–17:00): a morning peak, a smaller one after lunch. */
const HOURLY_SHARE: Record<number, number> = { 7: 0.07, 8: 0.17, 9: 0.17, 10: 0.13, 11: 0.04, 13: 0.09, 14: 0.14, 15: 0.12, 16: 0.07 };
/** Minutes the office is open in each of those hours. */
const OPEN_MINUTES: Record<number, number> = { 7: 30, 11: 30 };
/** Mondays are the busiest day of the week, Fridays the quietest (ISO weekday 1–5). */
const WEEKDAY_FACTOR = [0, 1.25, 1.05, 1, 0.95, 0.85];
const PRIORITY_REASONS: TicketPriority[] = ['elderly', 'elderly', 'elderly', 'disabled', 'pregnant', 'child'];

interface PointPlan {
  unit: Unit;
  /** Tickets on an average weekday. */
  perDay: number;
  /** Clerks at the counters each open hour. */
  clerks: number;
  counters: number;
  overloaded: boolean;
}

/** Volume and staffing of each point; three busy points are given too few clerks on purpose. */
function plans(points: Unit[]): PointPlan[] {
  const branches = points.filter((u) => u.kind === 'branch');
  const communeCenters = points.filter((u) => u.kind === 'commune_center');
  const urbanWards = communeCenters.filter((u) => u.area_type === 'urban');
  const overloaded = new Set([branches[0]?.id, urbanWards[0]?.id, urbanWards[1]?.id].filter((x): x is number => x !== undefined));
  return points.map((u) => {
    const busy = overloaded.has(u.id);
    if (u.kind === 'center') return { unit: u, perDay: 300, clerks: 8, counters: 10, overloaded: false };
    if (u.kind === 'branch') return { unit: u, perDay: busy ? 190 : 110, clerks: 4, counters: 5, overloaded: busy };
    const perDay = busy ? 120 : u.area_type === 'urban' ? 60 : u.area_type === 'rural' ? 32 : 16;
    return { unit: u, perDay, clerks: busy ? 2 : u.area_type === 'remote' ? 1 : 2, counters: 3, overloaded: busy };
  });
}

export interface QueueSeedResult {
  groups: number;
  counters: number;
  tickets: number;
  days: number;
  overloaded: string[];
}

/**
 * Service groups and counters at every service point, made through the queue use cases, then `days`
 * working days of ticket history before `until` (bulk-inserted: it is a simulated past, not actions).
 */
export async function seedQueueDemo(
  db: Kysely<DB>,
  services: Services,
  opts: {
    admin: Actor;
    points: Unit[];
    catalog: CatalogDocument;
    clerkIds: Map<number, number[]>;
    until: Date;
    days: number;
    rng: Rng;
    auditKey: AuditKey;
  },
): Promise<QueueSeedResult> {
  const { admin, rng } = opts;
  const byField = new Map<string, string[]>();
  for (const p of opts.catalog.procedures) {
    const field = p.versions[p.versions.length - 1]!.fieldCode;
    byField.set(field, [...(byField.get(field) ?? []), p.code]);
  }
  const groupIds = new Map<number, { id: number; code: string; share: number; serviceSeconds: number }[]>();
  const counterIds = new Map<number, number[]>();
  let groups = 0;
  let counters = 0;
  const pointPlans = plans(opts.points);
  for (const plan of pointPlans) {
    const list = [];
    for (const g of GROUPS) {
      if (plan.unit.kind === 'commune_center' && !g.commune) continue;
      const made = await services.queue.setup.createGroup(admin, plan.unit.id, {
        code: g.code,
        nameVi: g.nameVi,
        nameEn: g.nameEn,
        procedureCodes: g.fields.flatMap((f) => byField.get(f) ?? []),
        ...(g.bookable && plan.unit.kind !== 'commune_center' ? { slotCapacity: plan.unit.kind === 'center' ? 4 : 2 } : {}),
      });
      list.push({ id: made.id, code: g.code, share: g.share, serviceSeconds: g.serviceSeconds });
      groups++;
    }
    groupIds.set(plan.unit.id, list);
    const ids = [];
    for (let n = 1; n <= plan.counters; n++) ids.push((await services.queue.setup.createCounter(admin, plan.unit.id, { number: n })).id);
    counterIds.set(plan.unit.id, ids);
    counters += ids.length;
  }

  // The working days before `until`'s day, newest last.
  const calendar = await services.org.calendarOf(opts.points[0]!.id);
  const today = parseLocalDate(formatLocalDate(Math.floor((opts.until.getTime() + 7 * 3_600_000) / 86_400_000)));
  const days: number[] = [];
  for (let d = today - 1; days.length < opts.days && d > today - 400; d--) if (calendar.isWorkingDay(formatLocalDate(d))) days.unshift(d);
  const sessions = parseSessions(DEFAULT_SESSIONS_TEXT);

  let tickets = 0;
  let seed = Math.floor(rng() * 0xffffffff);
  const rows: Insertable<QueueTicketTable>[] = [];
  const flush = async () => {
    await demoRepo.insertTickets(db, rows);
    tickets += rows.length;
    rows.length = 0;
  };
  for (const plan of pointPlans) {
    const list = groupIds.get(plan.unit.id)!;
    const totalShare = list.reduce((s, g) => s + g.share, 0);
    const meanService = list.reduce((s, g) => s + (g.share / totalShare) * g.serviceSeconds, 0);
    const pointCounters = counterIds.get(plan.unit.id)!;
    const clerks = opts.clerkIds.get(plan.unit.id) ?? [];
    for (const day of days) {
      const factor = WEEKDAY_FACTOR[isoWeekday(day)] ?? 1;
      const arrivalsPerHour = new Array<number>(24).fill(0);
      const clerkHours = new Array<number>(24).fill(0);
      for (const [h, share] of Object.entries(HOURLY_SHARE)) {
        arrivalsPerHour[Number(h)] = (plan.perDay * factor * share * 60) / (OPEN_MINUTES[Number(h)] ?? 60);
        clerkHours[Number(h)] = plan.clerks;
      }
      const sim = simulateQueue({
        sessions,
        arrivalsPerHour,
        clerks: clerkHours,
        serviceSeconds: meanService,
        serviceCv: 0.8,
        priorityShare: 0.08,
        noShowShare: 0.04,
        recallSeconds: 60,
        seed: seed++ >>> 0,
        keepTickets: true,
      });
      const t = sim.tickets!;
      const midnight = day * 86_400_000 - 7 * 3_600_000;
      const numbers = new Map<number, number>();
      for (let i = 0; i < t.arrivalSeconds.length; i++) {
        let pickShare = rng() * totalShare;
        const g = list.find((x) => (pickShare -= x.share) <= 0) ?? list[list.length - 1]!;
        const number = (numbers.get(g.id) ?? 0) + 1;
        numbers.set(g.id, number);
        const arrived = new Date(midnight + Math.round(t.arrivalSeconds[i]! * 1000));
        const called = new Date(arrived.getTime() + Math.round(t.waitSeconds[i]! * 1000));
        const noShow = t.noShow[i] === 1;
        const ended = new Date(called.getTime() + (noShow ? 60_000 : Math.round(t.serviceSeconds[i]! * 1000)));
        const slot = i % pointCounters.length;
        rows.push({
          unit_id: plan.unit.id,
          group_id: g.id,
          day: formatLocalDate(day),
          number,
          label: ticketLabel(g.code, number),
          channel: rng() < 0.9 ? 'kiosk' : 'clerk',
          priority: t.priority[i] === 1 ? PRIORITY_REASONS[Math.floor(rng() * PRIORITY_REASONS.length)]! : null,
          status: noShow ? 'no_show' : 'done',
          rank_at: arrived,
          arrived_at: arrived,
          queued_at: arrived,
          target_counter_id: null,
          counter_id: pointCounters[slot % plan.clerks] ?? pointCounters[0]!,
          staff_id: clerks.length ? clerks[slot % clerks.length]! : null,
          booking_id: null,
          transferred_from_group_id: null,
          called_at: called,
          call_count: noShow ? 2 : 1,
          started_at: noShow ? null : called,
          ended_at: ended,
        });
      }
      if (rows.length >= 5000) await flush();
    }
  }
  await flush();

  // Counter intakes of those days are linked to served tickets of their point and day, as a clerk's
  // "finish" would have linked them: the n-th dossier of a point's day to its n-th served ticket.
  await demoRepo.linkCounterIntakesToTickets(db, CHANNEL.counter);

  await db.transaction().execute((trx) =>
    recordAudit(
      trx,
      opts.auditKey,
      {
        actorKind: 'system',
        actorId: null,
        stream: 'system',
        action: 'demo.queue_history',
        entityType: 'queue_ticket',
        entityId: null,
        data: { tickets, days: days.length },
      },
      opts.until,
    ),
  );
  return { groups, counters, tickets, days: days.length, overloaded: pointPlans.filter((p) => p.overloaded).map((p) => p.unit.name_vi) };
}
