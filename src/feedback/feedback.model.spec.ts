import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DEMO_OFFICE_HOURS, WorkingCalendar } from '../calendar/calendar.model.js';
import { ROLES } from '../auth/auth.model.js';
import { DomainError } from '../platform/errors.js';
import {
  ACTIONS,
  allowedActions,
  competentUnit,
  currentDeadline,
  feedbackCode,
  maskPersonalData,
  needsEscalation,
  onTimeAtEveryStage,
  publishDeadline,
  receiptDeadlines,
  stageVerdicts,
  STATUSES,
  transition,
  type FeedbackTimes,
} from './feedback.model.js';

const calendar = new WorkingCalendar({ officeHours: DEMO_OFFICE_HOURS });
const at = (iso: string) => new Date(iso);

describe('feedback deadlines', () => {
  it('filed on 29/04/2026, before the 30/4–1/5 holidays and a weekend, is due on 5/5, 8/5 and 22/5 at the close of office hours', () => {
    const d = receiptDeadlines(calendar, at('2026-04-29T10:00:00+07:00'));
    expect(d.refuseDueAt.toISOString()).toBe('2026-05-05T10:00:00.000Z');
    expect(d.infoDueAt.toISOString()).toBe('2026-05-08T10:00:00.000Z');
    expect(d.answerDueAt.toISOString()).toBe('2026-05-22T10:00:00.000Z');
  });

  it('filed the day before Tết 2026 may be refused until the first working day after it', () => {
    const d = receiptDeadlines(calendar, at('2026-02-12T09:00:00+07:00'));
    // Fri 13/02 is the 1st working day; Tết runs 14–22/02; Mon 23/02 is the 2nd.
    expect(d.refuseDueAt.toISOString()).toBe('2026-02-23T10:00:00.000Z');
  });

  it('filed on a Saturday counts from the next working days', () => {
    const d = receiptDeadlines(calendar, at('2026-03-07T20:00:00+07:00'));
    expect(d.refuseDueAt.toISOString()).toBe('2026-03-10T10:00:00.000Z');
  });

  it('publishes within 2 working days of the answer, skipping the weekend', () => {
    expect(publishDeadline(calendar, at('2026-05-22T15:00:00+07:00')).toISOString()).toBe('2026-05-26T10:00:00.000Z');
  });

  it('orders the deadlines after the receipt, each at the close of a working day (property)', () => {
    const start = at('2025-01-01T00:00:00+07:00').getTime();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 * 365 * 24 * 60 }), (minutes) => {
        const received = new Date(start + minutes * 60_000);
        const d = receiptDeadlines(calendar, received);
        expect(received.getTime()).toBeLessThan(d.refuseDueAt.getTime());
        expect(d.refuseDueAt.getTime()).toBeLessThan(d.infoDueAt.getTime());
        expect(d.infoDueAt.getTime()).toBeLessThan(d.answerDueAt.getTime());
        for (const due of [d.refuseDueAt, d.infoDueAt, d.answerDueAt]) {
          expect(calendar.isWorkingDay(calendar.localDateOf(due))).toBe(true);
          expect(calendar.sessionsOn(calendar.localDateOf(due)).at(-1)!.end.getTime()).toBe(due.getTime());
        }
      }),
      { seed: 20261210, numRuns: 300 },
    );
  });
});

const base = (over: Partial<FeedbackTimes> = {}): FeedbackTimes => ({
  status: 'received',
  publish_consent: true,
  received_at: at('2026-04-29T10:00:00+07:00'),
  ...receiptDeadlines(calendar, at('2026-04-29T10:00:00+07:00')),
  refuse_due_at: at('2026-05-05T10:00:00Z'),
  info_due_at: at('2026-05-08T10:00:00Z'),
  answer_due_at: at('2026-05-22T10:00:00Z'),
  publish_due_at: null,
  first_info_requested_at: null,
  refused_at: null,
  answered_at: null,
  published_at: null,
  ...over,
});

describe('on-time judgement per stage', () => {
  it('counts an answer on time and published on time as on time at every stage', () => {
    const f = base({
      status: 'published',
      answered_at: at('2026-05-20T10:00:00Z'),
      publish_due_at: at('2026-05-22T10:00:00Z'),
      published_at: at('2026-05-21T03:00:00Z'),
    });
    expect(stageVerdicts(f, at('2026-06-01T00:00:00Z'))).toEqual({
      refuse: 'not_applicable',
      info: 'not_applicable',
      answer: 'on_time',
      publish: 'on_time',
    });
    expect(onTimeAtEveryStage(f, at('2026-06-01T00:00:00Z'))).toBe(true);
  });

  it('counts a late first request for information against an answer on time', () => {
    const f = base({
      status: 'answered',
      first_info_requested_at: at('2026-05-11T02:00:00Z'),
      answered_at: at('2026-05-20T10:00:00Z'),
      publish_due_at: at('2026-05-22T10:00:00Z'),
    });
    expect(stageVerdicts(f, at('2026-05-21T00:00:00Z')).info).toBe('late');
    expect(onTimeAtEveryStage(f, at('2026-05-21T00:00:00Z'))).toBe(false);
  });

  it('judges a publication still pending on time until its deadline passes', () => {
    const f = base({ status: 'answered', answered_at: at('2026-05-20T10:00:00Z'), publish_due_at: at('2026-05-22T10:00:00Z') });
    expect(stageVerdicts(f, at('2026-05-22T09:00:00Z')).publish).toBe('pending');
    expect(stageVerdicts(f, at('2026-05-22T11:00:00Z')).publish).toBe('late');
  });

  it('judges a refusal only by the refusal deadline', () => {
    const f = base({ status: 'refused', refused_at: at('2026-05-06T01:00:00Z') });
    expect(stageVerdicts(f, at('2026-06-30T00:00:00Z'))).toEqual({
      refuse: 'late',
      info: 'not_applicable',
      answer: 'not_applicable',
      publish: 'not_applicable',
    });
  });

  it('waits on the triage deadline, then the answer, then the publication', () => {
    expect(currentDeadline(base())).toEqual({ stage: 'triage', dueAt: at('2026-05-05T10:00:00Z') });
    expect(currentDeadline(base({ status: 'processing' }))?.stage).toBe('answer');
    expect(currentDeadline(base({ status: 'received', first_info_requested_at: at('2026-05-04T01:00:00Z') }))?.stage).toBe('answer');
    expect(currentDeadline(base({ status: 'answered', publish_due_at: at('2026-05-26T10:00:00Z') }))?.stage).toBe('publish');
    expect(currentDeadline(base({ status: 'answered', publish_consent: false }))).toBeNull();
    expect(currentDeadline(base({ status: 'published' }))).toBeNull();
  });

  it('escalates a deadline within 1 working day or past, not one 2 working days away', () => {
    const due = at('2026-05-05T10:00:00Z'); // Tue 5/5 17:00
    expect(needsEscalation(calendar, due, at('2026-05-04T02:00:00Z'))).toBe(true); // Mon 4/5
    expect(needsEscalation(calendar, due, at('2026-05-06T02:00:00Z'))).toBe(true); // past
    expect(needsEscalation(calendar, due, at('2026-04-29T03:00:00Z'))).toBe(false); // Wed 29/4: Mon 4/5 is the next working day
  });
});

describe('who may do what', () => {
  it('lets the administrator only add notes, and a clerk only notes and record information', () => {
    for (const status of STATUSES) {
      expect(allowedActions('admin', { status, publish_consent: true })).toEqual(['note']);
      expect(allowedActions('clerk', { status, publish_consent: true }).every((a) => a === 'note' || a === 'info_received')).toBe(true);
    }
  });

  it('refuses publication without consent and closing with it', () => {
    expect(() => transition('publish', 'approver', { status: 'answered', publish_consent: false })).toThrow(/close it instead/);
    expect(() => transition('close', 'approver', { status: 'answered', publish_consent: true })).toThrow(/publish the answer instead/);
    expect(transition('close', 'manager', { status: 'answered', publish_consent: false })).toBe('closed');
  });

  it('answers every role, state and action with a state or a FORBIDDEN or INVALID_TRANSITION error (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ROLES),
        fc.constantFrom(...STATUSES),
        fc.constantFrom(...ACTIONS),
        fc.boolean(),
        (role, status, action, consent) => {
          try {
            const to = transition(action, role, { status, publish_consent: consent });
            expect(STATUSES).toContain(to);
            // Nothing leaves a final state.
            if (status === 'refused' || status === 'published' || status === 'closed') expect(to).toBe(status);
          } catch (e) {
            expect(e).toBeInstanceOf(DomainError);
            expect(['FORBIDDEN', 'INVALID_TRANSITION']).toContain((e as DomainError).code);
          }
        },
      ),
      { seed: 11, numRuns: 500 },
    );
  });
});

describe('routing and codes', () => {
  it('routes to the dossier’s agency, else the procedure’s, else the named unit, else the province center', () => {
    expect(competentUnit({ dossierAgencyId: 5, procedureAgencyId: 6, namedUnitId: 7, provinceCenterId: 1 })).toBe(5);
    expect(competentUnit({ procedureAgencyId: 6, namedUnitId: 7, provinceCenterId: 1 })).toBe(6);
    expect(competentUnit({ namedUnitId: 7, provinceCenterId: 1 })).toBe(7);
    expect(competentUnit({ provinceCenterId: 1 })).toBe(1);
  });

  it('codes feedback by the local day and a 4-digit sequence', () => {
    expect(feedbackCode('2026-12-06', 1)).toBe('PAKN-261206-0001');
    expect(() => feedbackCode('2026-12-06', 10_000)).toThrow(RangeError);
  });
});

describe('masking personal data', () => {
  it('masks ID and phone numbers, e-mail, addresses and names', () => {
    const text =
      'Tôi là Nguyễn Văn An, CCCD 037095001234, ĐT 0912 345 678, e-mail an.nguyen@example.vn. Địa chỉ: số 5 ngõ 12 phố Hàng Bông. Hồ sơ chậm 10 ngày.';
    const out = maskPersonalData(text, ['Nguyễn Văn An']);
    expect(out).toBe('Tôi là [họ tên], CCCD [số], ĐT [số], e-mail [e-mail]. [địa chỉ]. Hồ sơ chậm 10 ngày.');
  });

  it('never leaves a 12-digit ID number, a phone number or an e-mail address in the text (property)', () => {
    const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        digits(12),
        digits(9).map((d) => `0${d}`),
        fc.emailAddress(),
        fc.string({ maxLength: 40 }),
        (before, id, phone, email, after) => {
          const out = maskPersonalData(`${before} ${id} ${phone} ${email} ${after}`);
          expect(out).not.toContain(id);
          expect(out).not.toContain(phone);
          expect(out).not.toContain(email);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });
});
