import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import { DomainError } from '../platform/errors.js';
import { requireRole, type Actor } from '../auth/auth.model.js';
import type { OrgService } from '../org/org.service.js';
import { overview } from './stats.repository.js';

const DAY_MS = 86_400_000;
const VN_OFFSET_MS = 7 * 3_600_000;
const DUE_SOON_MS = 24 * 3_600_000;

/** Figures for center managers, derived from the dossiers themselves (never typed in). */
export class StatsService {
  constructor(private readonly deps: { db: Kysely<DB>; clock: () => Date; org: OrgService }) {}

  /**
   * Today's overview per unit in the manager's scope: received today, in progress, due within 24 h,
   * late, paused for a supplement. `by` groups by receiving service point or by competent agency.
   */
  async overview(actor: Actor, q: { date?: string; by?: 'point' | 'agency' }) {
    requireRole(actor, 'manager', 'admin');
    const now = this.deps.clock();
    const date = q.date ?? new Date(now.getTime() + VN_OFFSET_MS).toISOString().slice(0, 10);
    const dayStart = new Date(Date.parse(`${date}T00:00:00+07:00`));
    if (Number.isNaN(dayStart.getTime())) throw new DomainError('VALIDATION', 'date must be YYYY-MM-DD', { field: 'querystring.date' });
    const by = q.by === 'agency' ? 'competent_agency_id' : 'receiving_unit_id';
    // A manager sees what their center's points received, grouped by point or by the agency handling it.
    const rows = await overview(this.deps.db, {
      by,
      receivingUnitIds: actor.scopeUnitIds,
      dayStart,
      dayEnd: new Date(dayStart.getTime() + DAY_MS),
      now,
      soonUntil: new Date(now.getTime() + DUE_SOON_MS),
    });
    const units = await this.deps.org.listUnits();
    const name = new Map(units.map((u) => [u.id, u]));
    const items = rows.map((r) => ({
      unitId: r.unit_id,
      unitNameVi: name.get(r.unit_id)?.name_vi ?? `#${r.unit_id}`,
      unitNameEn: name.get(r.unit_id)?.name_en ?? `#${r.unit_id}`,
      receivedToday: r.received_today,
      inProgress: r.in_progress,
      dueSoon: r.due_soon,
      late: r.late,
      paused: r.paused,
    }));
    const total = items.reduce(
      (t, r) => ({
        receivedToday: t.receivedToday + r.receivedToday,
        inProgress: t.inProgress + r.inProgress,
        dueSoon: t.dueSoon + r.dueSoon,
        late: t.late + r.late,
        paused: t.paused + r.paused,
      }),
      { receivedToday: 0, inProgress: 0, dueSoon: 0, late: 0, paused: 0 },
    );
    return { date, at: now.toISOString(), by: q.by ?? 'point', total, units: items };
  }
}
