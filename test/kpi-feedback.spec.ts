import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import { createHarness, type Harness } from './harness.js';
import { feedbackFacts } from '../src/kpi/kpi.repository.js';
import { stageVerdicts, onTimeAtEveryStage, type FeedbackStatus, type FeedbackTimes } from '../src/feedback/feedback.model.js';
import type { FeedbackFacts } from '../src/kpi/kpi.model.js';

// The feedback figures of indicators 5.2 and 5.3 are counted in SQL (kpi.repository feedbackFacts) so a province's
// years of feedback are never read into memory; the stage rule they count by is feedback.model's stageVerdicts.
// Here random feedback rows, in every state and with every deadline met or missed, are written to the table and the
// SQL's counts compared with the model's judgement of the same rows at the same instant.

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T08:00:00+07:00');

interface Row extends FeedbackTimes {
  likes: number;
  dislikes: number;
  repeatedAt: Date | null;
}

const at = (hours: number) => new Date(T0 + hours * HOUR);

/** A feedback row consistent with the table's checks: received, then refused, answered (and maybe published) or open. */
const rowArb: fc.Arbitrary<Row> = fc
  .record({
    received: fc.integer({ min: 0, max: 24 * 40 }),
    refuseDue: fc.integer({ min: 1, max: 24 * 4 }),
    infoDue: fc.integer({ min: 1, max: 24 * 8 }),
    answerDue: fc.integer({ min: 24, max: 24 * 25 }),
    fate: fc.constantFrom('refused', 'answered', 'published', 'closed', 'received', 'processing', 'info_requested'),
    infoAsked: fc.option(fc.integer({ min: 1, max: 24 * 10 }), { nil: null }),
    done: fc.integer({ min: 1, max: 24 * 30 }),
    publishDue: fc.integer({ min: 1, max: 24 * 3 }),
    published: fc.integer({ min: 1, max: 24 * 5 }),
    consent: fc.boolean(),
    likes: fc.integer({ min: 0, max: 3 }),
    dislikes: fc.integer({ min: 0, max: 3 }),
    repeated: fc.option(fc.integer({ min: 1, max: 24 * 40 }), { nil: null }),
  })
  .map((r): Row => {
    const receivedAt = at(r.received);
    const plus = (h: number) => new Date(receivedAt.getTime() + h * HOUR);
    const status = (r.fate === 'published' && !r.consent ? 'closed' : r.fate) as FeedbackStatus;
    const refused = status === 'refused';
    const answered = ['answered', 'published', 'closed'].includes(status);
    const answeredAt = answered ? plus(r.done) : null;
    const publishDueAt = answeredAt ? new Date(answeredAt.getTime() + r.publishDue * HOUR) : null;
    const infoAt =
      r.infoAsked === null || status === 'received' ? null : plus(Math.min(r.infoAsked, refused || answered ? r.done : r.infoAsked));
    return {
      status,
      publish_consent: r.consent,
      received_at: receivedAt,
      refuse_due_at: plus(r.refuseDue),
      info_due_at: plus(r.infoDue),
      answer_due_at: plus(r.answerDue),
      publish_due_at: publishDueAt,
      first_info_requested_at: status === 'info_requested' && infoAt === null ? plus(1) : infoAt,
      refused_at: refused ? plus(r.done) : null,
      answered_at: answeredAt,
      published_at: status === 'published' ? new Date(answeredAt!.getTime() + r.published * HOUR) : null,
      likes: r.likes,
      dislikes: r.dislikes,
      repeatedAt: r.repeated === null ? null : plus(r.repeated),
    };
  });

/** What the figures must be, by the model's rule, for the rows judged over [lo, hi) at `judged`. */
function expected(rows: readonly Row[], lo: Date, hi: Date, judged: Date): Omit<FeedbackFacts, 'dossiersWithFeedback'> {
  const inRange = (d: Date | null) => d !== null && d >= lo && d < hi;
  const out = { handled: 0, handledOnTime: 0, overdueOpen: 0, answered: 0, unsatisfying: 0 };
  for (const r of rows) {
    if (r.received_at >= hi) continue;
    const handledAt = r.refused_at ?? r.answered_at;
    if (inRange(handledAt)) {
      out.handled++;
      if (onTimeAtEveryStage(r, judged)) out.handledOnTime++;
    }
    if (r.received_at <= judged && (handledAt === null || handledAt > judged) && r.answer_due_at < judged) out.overdueOpen++;
    if (inRange(r.answered_at)) {
      out.answered++;
      // The reactions and the repeat are those known at the judging instant (their times are within the range here).
      const disliked = r.dislikes > r.likes;
      const repeated = r.repeatedAt !== null && r.repeatedAt <= judged;
      if (r.answered_at! > r.answer_due_at || disliked || repeated) out.unsatisfying++;
    }
  }
  return out;
}

describe('the feedback figures of indicators 5.2 and 5.3', () => {
  let h: Harness;
  let unitId: number;
  let seq = 0;

  beforeAll(async () => {
    h = await createHarness('2026-03-02T08:00:00+07:00');
    unitId = h.unit('X-HAI-TT');
  });
  afterAll(async () => {
    await h?.app.close();
  });

  async function write(rows: readonly Row[]): Promise<void> {
    await h.database.asOwner((db) => writeAs(db, rows));
  }

  async function writeAs(db: Harness['database']['db'], rows: readonly Row[]): Promise<void> {
    await sql`delete from feedback_reactions`.execute(db);
    await sql`update feedback set repeat_of_id = null`.execute(db);
    await sql`delete from feedback`.execute(db);
    for (const r of rows) {
      seq++;
      const code = `PAKN-260302-${String(seq % 10_000).padStart(4, '0')}`;
      const answer = r.answered_at ? 'Trả lời' : null;
      const ins = await sql<{ id: number }>`
        insert into feedback (code, secret_hash, channel, subject_kind, subject_unit_id, category, title, content, publish_consent,
          status, unit_id, received_at, refuse_due_at, info_due_at, answer_due_at, publish_due_at, first_info_requested_at,
          refused_at, refusal_reason, answered_at, answer, published_at, event_seq)
        values (${code}, ${'a'.repeat(64)}, 'portal', 'unit', ${unitId}, 'other', 'Phản ánh thử', 'Nội dung phản ánh thử', ${r.publish_consent},
          ${r.status}, ${unitId}, ${r.received_at}, ${r.refuse_due_at}, ${r.info_due_at}, ${r.answer_due_at}, ${r.publish_due_at},
          ${r.first_info_requested_at}, ${r.refused_at}, ${r.refused_at ? 'Không thuộc thẩm quyền' : null}, ${r.answered_at}, ${answer},
          ${r.published_at}, 0)
        returning id`.execute(db);
      const id = ins.rows[0]!.id;
      for (let i = 0; i < r.likes + r.dislikes; i++)
        await sql`insert into feedback_reactions (feedback_id, voter, reaction, at)
          values (${id}, ${`citizen:${i + 1}`}, ${i < r.likes ? 'like' : 'dislike'}, ${r.received_at})`.execute(db);
      if (r.repeatedAt) {
        seq++;
        await sql`
          insert into feedback (code, secret_hash, channel, subject_kind, subject_unit_id, category, title, content, publish_consent,
            status, unit_id, received_at, refuse_due_at, info_due_at, answer_due_at, event_seq, repeat_of_id)
          values (${`PAKN-260302-${String(seq % 10_000).padStart(4, '0')}`}, ${'b'.repeat(64)}, 'portal', 'unit', ${unitId}, 'other',
            'Phản ánh lặp lại', 'Nội dung phản ánh lặp lại', true, 'received', ${unitId + 0}, ${r.repeatedAt},
            ${new Date(r.repeatedAt.getTime() + 48 * HOUR)}, ${new Date(r.repeatedAt.getTime() + 120 * HOUR)},
            ${new Date(r.repeatedAt.getTime() + 360 * HOUR)}, 0, ${id})`.execute(db);
      }
    }
  }

  it('counts in SQL what the model judges, row by row, for feedback in every state', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArb, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 24 * 60 }),
        async (rows, judgedAfter) => {
          await write(rows);
          // One bucket: the first 30 days, judged at its end or earlier (a period not over yet is judged now).
          const lo = new Date('2026-03-02T00:00:00+07:00');
          const hi = new Date('2026-04-01T00:00:00+07:00');
          // Nothing happens after "now": a period not over yet is judged at an instant after every event it holds.
          const times = rows.flatMap((r) =>
            [r.received_at, r.refused_at, r.answered_at, r.published_at, r.first_info_requested_at, r.repeatedAt].filter((t) => t !== null),
          );
          const latest = Math.max(...times.map((t) => t.getTime()), T0 + judgedAfter * HOUR);
          const judged = new Date(Math.min(hi.getTime(), latest));
          const facts = await feedbackFacts(h.database.db, { pointIds: null, agencyIds: null }, null, [
            { key: null, from: '2026-03-02', to: '2026-03-31', at: judged },
          ]);
          // The repeats written are complaints of their own (open, maybe overdue): the model counts them too.
          const repeats: Row[] = rows
            .filter((r) => r.repeatedAt !== null)
            .map((r) => ({
              status: 'received',
              publish_consent: true,
              received_at: r.repeatedAt!,
              refuse_due_at: new Date(r.repeatedAt!.getTime() + 48 * HOUR),
              info_due_at: new Date(r.repeatedAt!.getTime() + 120 * HOUR),
              answer_due_at: new Date(r.repeatedAt!.getTime() + 360 * HOUR),
              publish_due_at: null,
              first_info_requested_at: null,
              refused_at: null,
              answered_at: null,
              published_at: null,
              likes: 0,
              dislikes: 0,
              repeatedAt: null,
            }));
          const want = expected([...rows, ...repeats], lo, hi, judged);
          const got = facts.get(null) ?? {
            handled: 0,
            handledOnTime: 0,
            overdueOpen: 0,
            answered: 0,
            unsatisfying: 0,
            dossiersWithFeedback: 0,
          };
          expect({ ...got, dossiersWithFeedback: undefined }).toEqual({ ...want, dossiersWithFeedback: undefined });
        },
      ),
      { numRuns: 100, seed: 766 },
    );
  });

  it('judges a refusal after its 2 working days late, and an answer on its last day on time', async () => {
    const received = new Date('2026-03-02T08:00:00+07:00');
    const base = {
      publish_consent: true,
      received_at: received,
      refuse_due_at: new Date('2026-03-04T08:00:00+07:00'),
      info_due_at: new Date('2026-03-09T08:00:00+07:00'),
      answer_due_at: new Date('2026-03-23T08:00:00+07:00'),
      first_info_requested_at: null,
      published_at: null,
      likes: 0,
      dislikes: 0,
      repeatedAt: null,
    };
    const lateRefusal: Row = {
      ...base,
      status: 'refused',
      refused_at: new Date('2026-03-05T09:00:00+07:00'),
      answered_at: null,
      publish_due_at: null,
    };
    const onTime: Row = {
      ...base,
      status: 'answered',
      refused_at: null,
      answered_at: new Date('2026-03-23T08:00:00+07:00'),
      publish_due_at: new Date('2026-03-25T08:00:00+07:00'),
      dislikes: 2,
      likes: 1,
    };
    await write([lateRefusal, onTime]);
    expect(stageVerdicts(lateRefusal, new Date('2026-04-01T00:00:00+07:00')).refuse).toBe('late');
    const facts = await feedbackFacts(h.database.db, { pointIds: [unitId], agencyIds: null }, 'point', [
      { key: null, from: '2026-03-01', to: '2026-03-31', at: new Date('2026-04-01T00:00:00+07:00') },
    ]);
    // Answered on its last minute but never published within its 2 days: late at the month's end (5.2); answered in
    // time but disliked more than liked (5.3).
    expect(facts.get(String(unitId))).toEqual({
      handled: 2,
      handledOnTime: 0,
      overdueOpen: 0,
      answered: 1,
      unsatisfying: 1,
      dossiersWithFeedback: 0,
    });
    // Another unit's scope sees none of it.
    const other = await feedbackFacts(h.database.db, { pointIds: [h.unit('X-BA-TT')], agencyIds: null }, null, [
      { key: null, from: '2026-03-01', to: '2026-03-31', at: new Date('2026-04-01T00:00:00+07:00') },
    ]);
    expect(other.get(null)).toBeUndefined();
  });
});
