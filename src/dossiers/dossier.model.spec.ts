import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DEMO_OFFICE_HOURS, WorkingCalendar } from '../calendar/calendar.model.js';
import {
  allowedActions,
  checkTransition,
  DOSSIER_ACTIONS,
  transferDeadline,
  dossierCode,
  feeDue,
  BIRTH_PROVINCE_CODES,
  idNumberBirthYear,
  idNumberProblem,
  maskIdNumber,
  maskName,
  maskPhone,
  normalizePhone,
  PORTAL_STATUS,
  processingSteps,
  timeliness,
  TRANSITIONS,
  DOSSIER_STATUSES,
} from './dossier.model.js';

describe('dossier rules', () => {
  it('maps every internal status onto a distinct portal code 1–10', () => {
    const codes = DOSSIER_STATUSES.map((s) => PORTAL_STATUS[s]);
    expect(codes).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('never lets an action leave a final state', () => {
    const finals = ['refused', 'withdrawn', 'stopped', 'returned'];
    for (const rule of Object.values(TRANSITIONS)) for (const f of finals) expect(rule.from as readonly string[]).not.toContain(f);
  });

  it('builds the dossier code from the receiving agency, the local date and a 4-digit daily sequence', () => {
    expect(dossierCode('000.00.12.H56', '2025-03-14', 1)).toBe('000.00.12.H56-250314-0001');
    expect(dossierCode('000.00.12.H56', '2025-03-14', 9999)).toBe('000.00.12.H56-250314-9999');
    expect(() => dossierCode('000.00.12.H56', '2025-03-14', 10000)).toThrow(/9999/);
  });

  describe('citizen ID numbers (CCCD, Circular 07/2016/TT-BCA)', () => {
    const now = new Date('2026-12-02T10:00:00+07:00');

    it('accepts each of the 63 province codes and refuses every other code from 000 to 099', () => {
      expect(Object.keys(BIRTH_PROVINCE_CODES)).toHaveLength(63);
      for (let n = 0; n <= 99; n++) {
        const code = String(n).padStart(3, '0');
        const problem = idNumberProblem(`${code}095001234`, now);
        if (BIRTH_PROVINCE_CODES[code]) expect(problem, code).toBeNull();
        else
          expect(problem, code).toBe(
            `starts with ${code}, which is not a province code (Circular 07/2016/TT-BCA: 001 Hà Nội … 096 Cà Mau)`,
          );
      }
      expect(BIRTH_PROVINCE_CODES['037']).toBe('Ninh Bình');
      expect(BIRTH_PROVINCE_CODES['096']).toBe('Cà Mau');
      for (const unassigned of ['003', '005', '007', '009', '013', '016', '018', '021', '097'])
        expect(BIRTH_PROVINCE_CODES[unassigned]).toBeUndefined();
    });

    it('reads the century from the 4th digit: 0/1 the 1900s, 2/3 the 2000s, 4/5 the 2100s, and so on', () => {
      expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => idNumberBirthYear(`037${d}95001234`))).toEqual([
        1995, 1995, 2095, 2095, 2195, 2195, 2295, 2295, 2395, 2395,
      ]);
      expect(idNumberBirthYear('001203004567')).toBe(2003);
    });

    it('refuses a birth year after this year in Vietnam, and accepts this year', () => {
      expect(idNumberProblem('037095001234', now)).toBeNull();
      expect(idNumberProblem('001203004567', now)).toBeNull();
      expect(idNumberProblem('037226001234', now)).toBeNull(); // born 2026
      expect(idNumberProblem('037227001234', now)).toBe('says born in 2027 (digits 4–6: 227), which is in the future');
      expect(idNumberProblem('037231001234', now)).toBe('says born in 2031 (digits 4–6: 231), which is in the future');
      expect(idNumberProblem('037400001234', now)).toBe('says born in 2100 (digits 4–6: 400), which is in the future');
      // 31 Dec 2026 18:00 UTC is already 1 Jan 2027 in Vietnam: a 2027 birth is then possible.
      expect(idNumberProblem('037227001234', new Date('2026-12-31T18:00:00Z'))).toBeNull();
      expect(idNumberProblem('037227001234', new Date('2026-12-31T16:59:59Z'))).toMatch(/future/);
    });

    it('refuses anything but 12 digits', () => {
      for (const bad of ['03709500123', '0370950012345', '03709500123x', '', '０３７０９５００１２３４', '037 95001234'])
        expect(idNumberProblem(bad, now), bad).toBe('must be exactly 12 digits');
    });

    it('accepts exactly the numbers with a province code and a birth year up to now (property)', () => {
      fc.assert(
        fc.property(fc.stringMatching(/^\d{12}$/), (id) => {
          const ok = Boolean(BIRTH_PROVINCE_CODES[id.slice(0, 3)]) && idNumberBirthYear(id) <= 2026;
          expect(idNumberProblem(id, now) === null).toBe(ok);
        }),
        { numRuns: 2000 },
      );
    });
  });

  it('normalizes Vietnamese phone numbers and refuses others', () => {
    expect(normalizePhone('0912 345 678')).toBe('0912345678');
    expect(normalizePhone('+84912345678')).toBe('0912345678');
    expect(normalizePhone('0912.345.678')).toBe('0912345678');
    expect(normalizePhone('912345678')).toBeNull();
    expect(normalizePhone('09123456789')).toBeNull();
  });

  it('masks names, ID numbers and phones for public pages', () => {
    expect(maskName('Nguyễn Văn An')).toBe('N***** V** A*');
    expect(maskName('  Lê   Thị  Hà ')).toBe('L* T** H*');
    expect(maskIdNumber('037095001234')).toBe('*********234');
    expect(maskPhone('0912345678')).toBe('*******678');
    fc.assert(
      fc.property(fc.stringMatching(/^\d{12}$/), (id) => {
        const m = maskIdNumber(id);
        return m.length === 12 && m.slice(0, 9) === '*********' && m.slice(9) === id.slice(9);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('judges a decision early, on time or late against the due instant, by local (UTC+7) day', () => {
    const due = new Date('2025-09-05T17:00:00+07:00');
    expect(timeliness(new Date('2025-09-04T16:59:00+07:00'), due)).toBe('early');
    expect(timeliness(new Date('2025-09-05T07:30:00+07:00'), due)).toBe('on_time');
    expect(timeliness(new Date('2025-09-05T17:00:00+07:00'), due)).toBe('on_time');
    expect(timeliness(new Date('2025-09-05T17:00:01+07:00'), due)).toBe('late');
    // 23:30 UTC on the 4th is 06:30 on the 5th in Vietnam: the due day, not the day before.
    expect(timeliness(new Date('2025-09-04T23:30:00Z'), due)).toBe('on_time');
  });

  it('keeps the processing steps between receipt and return, with cumulative shares', () => {
    const steps = processingSteps([
      { role: 'receive', agency: 'competent', share: 0.05 },
      { role: 'process', agency: 'competent', share: 0.4 },
      { role: 'process', agency: 'CA', share: 0.35 },
      { role: 'approve', agency: 'competent', share: 0.15 },
      { role: 'return', agency: 'competent', share: 0.05 },
    ]);
    expect(steps.map((s) => [s.index, s.role, s.agency])).toEqual([
      [1, 'process', 'competent'],
      [2, 'process', 'CA'],
      [3, 'approve', 'competent'],
    ]);
    expect(steps.map((s) => Math.round(s.cumulativeShare * 100))).toEqual([45, 80, 95]);
  });

  it('charges the fees always due plus those of the channel, not extras on request or reduced rates', () => {
    const fees = [
      { amountVnd: 0 },
      { amountVnd: 8000, when: 'on_request' as const },
      { amountVnd: 20000, when: 'counter' as const },
      { amountVnd: 10000, when: 'online' as const },
      { amountVnd: 5000, when: 'reduced' as const },
    ];
    expect(feeDue(fees, 'counter')).toBe(20000);
    expect(feeDue(fees, 'online')).toBe(10000);
    expect(feeDue([{ amountVnd: 60000 }, { amountVnd: 530000 }], 'counter')).toBe(590000);
  });

  it('sets the transfer deadline the same working day before 15:00, else the next working morning', () => {
    const cal = new WorkingCalendar({ officeHours: DEMO_OFFICE_HOURS });
    const at = (iso: string) => transferDeadline(cal, new Date(iso)).toISOString();
    expect(at('2025-03-14T14:59:00+07:00')).toBe('2025-03-14T10:00:00.000Z'); // Fri 17:00
    expect(at('2025-03-14T15:00:00+07:00')).toBe('2025-03-17T04:30:00.000Z'); // Mon 11:30
    expect(at('2025-03-14T18:30:00+07:00')).toBe('2025-03-17T04:30:00.000Z'); // Mon 11:30
    expect(at('2025-03-15T10:00:00+07:00')).toBe('2025-03-17T10:00:00.000Z'); // Saturday: Mon 17:00
    expect(at('2025-08-29T16:00:00+07:00')).toBe('2025-09-03T04:30:00.000Z'); // before National Day: Wed 11:30
  });

  it('offers exactly the actions the state machine lets this staff member take now (before the step and once-only rules)', () => {
    const steps = processingSteps([
      { role: 'receive', agency: 'competent', share: 0.1 },
      { role: 'process', agency: 'competent', share: 0.6 },
      { role: 'approve', agency: 'competent', share: 0.3 },
    ]);
    const unit = fc.constantFrom(1, 2, 3);
    fc.assert(
      fc.property(
        fc.record({
          status: fc.constantFrom(...DOSSIER_STATUSES),
          receivingUnitId: unit,
          currentUnitId: fc.option(unit, { nil: null }),
          returnPointId: unit,
          currentStep: fc.constantFrom(0, 1, 2),
        }),
        fc.record({
          role: fc.constantFrom('clerk' as const, 'specialist' as const, 'approver' as const, 'manager' as const, 'admin' as const),
          unitId: unit,
        }),
        (d, who) => {
          const staff = { ...who, scopeUnitIds: [who.unitId] };
          const allowed = allowedActions({ ...d, supplementCount: 0, apologyDueAt: null }, staff, steps);
          for (const action of DOSSIER_ACTIONS) {
            let permitted = true;
            try {
              checkTransition(d, action, staff);
            } catch {
              permitted = false;
            }
            // Every action offered passes checkTransition; every action it refuses is not offered.
            if (allowed.includes(action)) expect(permitted).toBe(true);
            if (!permitted) expect(allowed).not.toContain(action);
          }
        },
      ),
    );
  });
});

describe('what each action requires', () => {
  it('builds each action’s body schema from TRANSITIONS: a reason, a new date or a result file are required exactly where declared', async () => {
    const { actionBodySchema } = await import('./dossier.schema.js');
    const required = Object.fromEntries(DOSSIER_ACTIONS.map((a) => [a, [...((actionBodySchema(a).required as string[]) ?? [])].sort()]));
    expect(required).toEqual({
      receive: ['version'],
      refuse: ['note', 'version'],
      forward: ['version'],
      request_supplement: ['note', 'version'],
      supplement_received: ['version'],
      request_payment: ['version'],
      payment_received: ['version'],
      withdraw: ['note', 'version'],
      stop: ['note', 'version'],
      result: ['resultFileSha256', 'version'],
      return: ['version'],
      apologize: ['newDueAt', 'note', 'version'],
    });
  });
});
