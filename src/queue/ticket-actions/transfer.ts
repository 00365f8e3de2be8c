import { DomainError } from '../../platform/errors.js';
import * as repo from '../queue.repository.js';
import type { TicketActionHandler } from './action.js';

/** Send the ticket in hand to another group of the point, or to a given counter: it waits again, keeping its place by arrival. */
export const transfer: TicketActionHandler = {
  plan: async ({ ticket: t0, now, input, queue }) => {
    if (input.groupId === undefined && input.counterId === undefined)
      throw new DomainError('VALIDATION', 'Name the group or the counter to transfer to', { field: 'body.groupId' });
    let groupId = t0.group_id;
    if (input.groupId !== undefined) {
      const g = await repo.groupById(queue.db, input.groupId);
      if (!g || g.unit_id !== t0.unit_id || !g.active)
        throw new DomainError('VALIDATION', `Group ${input.groupId} is not an open group of this service point`, { field: 'body.groupId' });
      groupId = g.id;
    }
    if (input.counterId !== undefined) {
      const c = await repo.counterById(queue.db, input.counterId);
      if (!c || c.unit_id !== t0.unit_id || !c.active)
        throw new DomainError('VALIDATION', `Counter ${input.counterId} is not a counter of this service point`, {
          field: 'body.counterId',
        });
      if (c.id === t0.counter_id) throw new DomainError('VALIDATION', 'The ticket is already at that counter', { field: 'body.counterId' });
    }
    return {
      patch: {
        status: 'waiting',
        group_id: groupId,
        transferred_from_group_id: groupId !== t0.group_id ? t0.group_id : t0.transferred_from_group_id,
        target_counter_id: input.counterId ?? null,
        queued_at: now,
        counter_id: null,
        staff_id: null,
        called_at: null,
        started_at: null,
        call_count: 0,
      },
      audit: { fromGroup: t0.group_id, toGroup: groupId, toCounter: input.counterId ?? null },
      announce: async (t, board) => {
        await board.publishWaiting(t.unit_id);
        await board.publishBoard(t.unit_id);
      },
    };
  },
};
