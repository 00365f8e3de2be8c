import { describe, expect, it } from 'vitest';
import { COSTLY_INDICATORS } from '../src/kpi/kpi.repository.js';
import { DEFAULT_SCORECARD } from '../src/kpi/kpi.model.js';
import { COSTLY, scorecardQuery, vietnamToday } from '../web/src/staff/scorecard.model.js';

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
