import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  dayFigures,
  daySlots,
  estimateWaitSeconds,
  localDay,
  MAX_PRIORITY_STREAK,
  nextTicketStatus,
  percentile,
  pickNext,
  priorityStreak,
  ticketLabel,
  TICKET_ACTIONS,
  TICKET_TRANSITIONS,
  type Candidate,
} from './ticket.model.js';
import type { TicketStatus } from '../platform/db.types.js';

const STATUSES: TicketStatus[] = ['waiting', 'called', 'serving', 'done', 'no_show', 'cancelled'];
const cand = (id: number, over: Partial<Candidate> = {}): Candidate => ({
  id,
  groupId: 1,
  priority: false,
  booked: false,
  rankAt: id * 1000,
  targetCounterId: null,
  ...over,
});
const ctx = (over: Partial<Parameters<typeof pickNext>[1]> = {}) => ({
  counterId: 1,
  weights: new Map([
    [1, 1],
    [2, 1],
  ]),
  now: 1_000_000,
  priorityStreak: 0,
  ...over,
});

describe('ticket transitions', () => {
  it('allows exactly the table’s transitions and refuses every other pair with INVALID_TRANSITION', () => {
    for (const action of TICKET_ACTIONS) {
      for (const status of STATUSES) {
        const t = TICKET_TRANSITIONS[action];
        if (t.from.includes(status)) expect(nextTicketStatus(status, action)).toBe(t.to);
        else expect(() => nextTicketStatus(status, action)).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
      }
    }
    // Finished tickets are final.
    for (const status of ['done', 'no_show', 'cancelled'] as const)
      expect(TICKET_ACTIONS.filter((a) => TICKET_TRANSITIONS[a].from.includes(status))).toEqual([]);
  });

  it('labels tickets with the group code and three digits, four past 999', () => {
    expect([ticketLabel('A', 7), ticketLabel('BC', 120), ticketLabel('A', 1234)]).toEqual(['A007', 'BC120', 'A1234']);
  });

  it('takes the service day in Vietnam time', () => {
    expect(localDay(new Date('2026-11-23T16:59:59Z'))).toBe('2026-11-23');
    expect(localDay(new Date('2026-11-23T17:00:00Z'))).toBe('2026-11-24');
  });
});

describe('who is called next', () => {
  it('calls the longest wait, weighted by the clerk’s weight for the group', () => {
    const a = cand(1, { groupId: 1, rankAt: 0 }); // waited 1000 s
    const b = cand(2, { groupId: 2, rankAt: 500_000 }); // waited 500 s
    expect(pickNext([a, b], ctx())?.id).toBe(1);
    expect(
      pickNext(
        [a, b],
        ctx({
          weights: new Map([
            [1, 1],
            [2, 3],
          ]),
        }),
      )?.id,
    ).toBe(2);
    // Groups the clerk does not serve are never called.
    expect(pickNext([a], ctx({ weights: new Map([[2, 1]]) }))).toBeNull();
  });

  it('puts a ticket sent to this counter first, and never calls one sent to another counter', () => {
    const sent = cand(9, { targetCounterId: 1, rankAt: 999_000 });
    const elsewhere = cand(1, { targetCounterId: 2, rankAt: 0 });
    expect(pickNext([cand(2), sent, elsewhere], ctx())?.id).toBe(9);
    expect(pickNext([elsewhere], ctx())).toBeNull();
  });

  it('calls a booking whose slot has started before walk-ins, but not before its slot', () => {
    const walkIn = cand(1, { rankAt: 0 });
    const bookedDue = cand(2, { booked: true, rankAt: 900_000 });
    const bookedLater = cand(3, { booked: true, rankAt: 2_000_000 });
    expect(pickNext([walkIn, bookedDue, bookedLater], ctx())?.id).toBe(2);
    expect(pickNext([walkIn, bookedLater], ctx())?.id).toBe(1);
  });

  it('never calls more than MAX_PRIORITY_STREAK priority tickets in a row while a normal ticket waits', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), (lanes) => {
        let waiting = lanes.map((p, i) => cand(i + 1, { priority: p }));
        const history: boolean[] = [];
        while (waiting.length) {
          const next = pickNext(waiting, ctx({ priorityStreak: priorityStreak(history) }))!;
          const normalWaiting = waiting.some((c) => !c.priority);
          if (next.priority && normalWaiting) expect(priorityStreak(history)).toBeLessThan(MAX_PRIORITY_STREAK);
          // Within a lane, arrival order is kept.
          expect(waiting.filter((c) => c.priority === next.priority).every((c) => c.id >= next.id)).toBe(true);
          history.push(next.priority);
          waiting = waiting.filter((c) => c.id !== next.id);
        }
        // Every ticket is called, once.
        expect(history.length).toBe(lanes.length);
      }),
    );
  });
});

describe('figures', () => {
  it('uses the nearest-rank percentile', () => {
    expect(percentile([], 0.9)).toBeNull();
    expect(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9)).toBe(90);
    expect(percentile([5], 0.9)).toBe(5);
  });

  it('estimates a new ticket’s wait as the tickets ahead over the counters open', () => {
    expect(estimateWaitSeconds({ ahead: 6, meanServiceSeconds: 400, openCounters: 3 })).toBe(800);
    expect(estimateWaitSeconds({ ahead: 2, meanServiceSeconds: 400, openCounters: 0 })).toBe(800);
  });

  it('has no figures for an empty day', () => {
    expect(dayFigures([], 0, 900)).toEqual({
      arrived: 0,
      waiting: 0,
      called: 0,
      serving: 0,
      served: 0,
      noShows: 0,
      cancelled: 0,
      meanWaitSeconds: null,
      p90WaitSeconds: null,
      meanServiceSeconds: null,
      p90ServiceSeconds: null,
      shareWithinTarget: null,
      longestWaitingSeconds: null,
    });
  });

  it('cuts office sessions into whole slots', () => {
    const s = [{ start: new Date('2026-11-24T00:30:00Z'), end: new Date('2026-11-24T04:30:00Z') }];
    expect(daySlots(s, 45).map((d) => d.toISOString().slice(11, 16))).toEqual(['00:30', '01:15', '02:00', '02:45', '03:30']);
  });
});
