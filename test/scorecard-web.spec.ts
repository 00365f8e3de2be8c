import { describe, expect, it } from 'vitest';
import { COSTLY_INDICATORS } from '../src/kpi/kpi.repository.js';
import { DEFAULT_SCORECARD } from '../src/kpi/kpi.model.js';
import { COSTLY, rankingLevel, scorecardQuery, signed, trendPeriod, vietnamToday } from '../web/src/staff/scorecard.model.js';

describe("the scorecard page's query, read from its address", () => {
  // 2026-12-01 18:30 UTC is already 2 December in Vietnam.
  const now = Date.parse('2026-12-01T18:30:00Z');

  it('defaults to this month so far in Vietnam, whatever the device clock zone', () => {
    expect(vietnamToday(now)).toBe('2026-12-02');
    expect(scorecardQuery(new URLSearchParams(''), now)).toEqual({ unitId: null, from: '2026-12-01', to: '2026-12-02' });
  });

  it('keeps a unit and a period given in the address, and falls back on anything malformed', () => {
    expect(scorecardQuery(new URLSearchParams('unit=12&from=2025-01-01&to=2025-12-31'), now)).toEqual({
      unitId: '12',
      from: '2025-01-01',
      to: '2025-12-31',
    });
    expect(scorecardQuery(new URLSearchParams('unit=12;drop&from=1/1/2025&to=2025-12-31T00'), now)).toEqual({
      unitId: null,
      from: '2026-12-01',
      to: '2026-12-02',
    });
  });

  it('offers the dossier list exactly for the indicators the API lists dossiers of, all of them in the scorecard', () => {
    expect([...COSTLY].sort()).toEqual([...COSTLY_INDICATORS].sort());
    const ids = DEFAULT_SCORECARD.map((c) => c.id);
    for (const id of COSTLY) expect(ids).toContain(id);
  });
});

describe("the scorecard page's trend and ranking controls", () => {
  it('shows weeks for a range up to a quarter and months beyond, unless the address says which', () => {
    const none = new URLSearchParams('');
    expect(trendPeriod(none, '2026-10-01', '2026-12-31')).toBe('week'); // 92 days
    expect(trendPeriod(none, '2026-10-01', '2027-01-01')).toBe('month'); // 93 days
    expect(trendPeriod(new URLSearchParams('period=month'), '2026-12-01', '2026-12-02')).toBe('month');
    expect(trendPeriod(new URLSearchParams('period=day'), '2026-12-01', '2026-12-02')).toBe('week');
    expect([rankingLevel(new URLSearchParams('level=agency')), rankingLevel(new URLSearchParams('level=x'))]).toEqual([
      'agency',
      undefined,
    ]);
  });

  it('signs a change as shown, with a real minus and never "−0"', () => {
    expect([signed(1.25, 'vi'), signed(-2, 'vi'), signed(-0.04, 'vi'), signed(0, 'en'), signed(null, 'en')]).toEqual([
      '+1,3',
      '−2',
      '0',
      '0',
      '—',
    ]);
    expect(signed(1234.5, 'en')).toBe('+1,234.5');
  });
});
