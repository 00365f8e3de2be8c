import { describe, expect, it } from 'vitest';
import { balanceDue, feeLinesAtFiling, newTxnRef, receiptNumber, refundRetryDelayMs, vndInWords } from './payment.model.js';
import { TXN_REF_PATTERN } from './gateway.contract.js';

describe('amounts in Vietnamese words, as receipts print them', () => {
  it.each([
    [0, 'Không đồng'],
    [2000, 'Hai nghìn đồng'],
    [10, 'Mười đồng'],
    [14, 'Mười bốn đồng'],
    [15, 'Mười lăm đồng'],
    [21, 'Hai mươi mốt đồng'],
    [24, 'Hai mươi tư đồng'],
    [25, 'Hai mươi lăm đồng'],
    [110, 'Một trăm mười đồng'],
    [48_000, 'Bốn mươi tám nghìn đồng'],
    [105_000, 'Một trăm lẻ năm nghìn đồng'],
    [1_001_000, 'Một triệu không trăm lẻ một nghìn đồng'],
    [1_250_000, 'Một triệu hai trăm năm mươi nghìn đồng'],
    [1_000_000_000, 'Một tỷ đồng'],
  ])('%i → %s', (n, words) => expect(vndInWords(n)).toBe(words));

  it('refuses what is not a whole amount ≥ 0', () => {
    expect(() => vndInWords(-1)).toThrow(RangeError);
    expect(() => vndInWords(1.5)).toThrow(RangeError);
  });
});

describe('fees and payments, the rules', () => {
  it('charges at filing the fees always charged and those of the channel, at their stage', () => {
    const fees = [
      { nameVi: 'A', nameEn: 'A', amountVnd: 2000 },
      { nameVi: 'B', nameEn: 'B', amountVnd: 1000, when: 'on_request' as const },
      { nameVi: 'C', nameEn: 'C', amountVnd: 5000, when: 'online' as const },
      { nameVi: 'D', nameEn: 'D', amountVnd: 7000, stage: 'return' as const },
      { nameVi: 'E', nameEn: 'E', amountVnd: 0 },
    ];
    expect(feeLinesAtFiling(fees, 'counter').map((l) => [l.nameVi, l.stage, l.amountVnd])).toEqual([
      ['A', 'receipt', 2000],
      ['D', 'return', 7000],
    ]);
    expect(feeLinesAtFiling(fees, 'online').map((l) => l.nameVi)).toEqual(['A', 'C', 'D']);
  });

  it('owes the lines less what was paid; a payment being refunded no longer counts', () => {
    const lines = [{ amount_vnd: 2000 }, { amount_vnd: 48000 }];
    expect(balanceDue(lines, [])).toBe(50000);
    expect(balanceDue(lines, [{ status: 'paid', amount_vnd: 50000 }])).toBe(0);
    expect(balanceDue(lines, [{ status: 'pending', amount_vnd: 50000 }])).toBe(50000);
    expect(balanceDue(lines, [{ status: 'refund_pending', amount_vnd: 50000 }])).toBe(50000);
    expect(balanceDue(lines, [{ status: 'paid', amount_vnd: 60000 }])).toBe(0);
  });

  it('makes gateway references the gateway accepts, unique per attempt, and receipt numbers from the row id', () => {
    const a = newTxnRef('000.00.01.H42-261206-0042', 'online');
    expect(a).toMatch(/^TT2612060042-[0-9A-F]{12}$/);
    expect(TXN_REF_PATTERN.test(a)).toBe(true);
    expect(newTxnRef('000.00.01.H42-261206-0042', 'online')).not.toBe(a);
    expect(newTxnRef('000.00.01.H42-261206-0042', 'counter')).toMatch(/^TQ/);
    // The year in Vietnam's time: 31 December 2026 at 18:00 UTC is already 2027 there.
    expect(receiptNumber(123, new Date('2026-12-31T18:00:00Z'))).toBe('BL27E-0000123');
    expect(receiptNumber(9_999_999, new Date('2026-06-01T00:00:00Z'))).toBe('BL26E-9999999');
  });

  it('tries a refund again after 1 min, doubling, at most 6 h', () => {
    expect([1, 2, 3, 10, 20].map(refundRetryDelayMs)).toEqual([60_000, 120_000, 240_000, 6 * 3_600_000, 6 * 3_600_000]);
  });
});
