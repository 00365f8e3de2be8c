import type { QueueBooking, QueueCounter, QueueGroup, QueueTicket, Unit } from '../platform/db.types.js';
import { maskName, maskPhone } from '../dossiers/dossier.model.js';

export const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Public shape of a ticket. */
export function presentTicket(
  t: QueueTicket,
  extra: { groupCode?: string; groupNameVi?: string; groupNameEn?: string; dossierCodes?: string[] } = {},
) {
  return {
    id: t.id,
    label: t.label,
    unitId: t.unit_id,
    groupId: t.group_id,
    day: t.day,
    number: t.number,
    channel: t.channel,
    priority: t.priority,
    status: t.status,
    arrivedAt: t.arrived_at.toISOString(),
    queuedAt: t.queued_at.toISOString(),
    calledAt: iso(t.called_at),
    callCount: t.call_count,
    startedAt: iso(t.started_at),
    endedAt: iso(t.ended_at),
    counterId: t.counter_id,
    targetCounterId: t.target_counter_id,
    waitSeconds: t.called_at ? Math.round((t.called_at.getTime() - t.queued_at.getTime()) / 1000) : null,
    serviceSeconds:
      t.called_at && t.ended_at && t.status === 'done' ? Math.round((t.ended_at.getTime() - t.called_at.getTime()) / 1000) : null,
    ...extra,
  };
}
export type TicketView = ReturnType<typeof presentTicket>;

export function presentGroup(g: QueueGroup, procedureCodes: string[] = []) {
  return {
    id: g.id,
    unitId: g.unit_id,
    code: g.code,
    nameVi: g.name_vi,
    nameEn: g.name_en,
    targetWaitSeconds: g.target_wait_seconds,
    slotMinutes: g.slot_minutes,
    slotCapacity: g.slot_capacity,
    active: g.active,
    procedureCodes,
  };
}

export function presentCounter(c: QueueCounter & { staff_name?: string | null }) {
  return {
    id: c.id,
    unitId: c.unit_id,
    number: c.number,
    nameVi: c.name_vi,
    nameEn: c.name_en,
    active: c.active,
    staffId: c.staff_id,
    staffName: c.staff_name ?? null,
    openedAt: iso(c.opened_at),
  };
}

/** Public shape of a booking: the name and phone masked. */
export function presentBooking(b: QueueBooking, g: QueueGroup, unit: Unit) {
  return {
    code: b.code,
    status: b.status,
    slotStart: b.slot_start.toISOString(),
    slotMinutes: g.slot_minutes,
    groupId: g.id,
    groupNameVi: g.name_vi,
    groupNameEn: g.name_en,
    unitId: unit.id,
    pointNameVi: unit.name_vi,
    pointAddress: unit.address,
    name: maskName(b.name),
    phone: maskPhone(b.phone),
  };
}
