import { vietnamToday } from '../queue/queue.model.js';

/** The scorecard page's pure parts: its query read from the address, the shares it charts, the indicators with dossiers. */

export const RATES = ['onTimeRate', 'onlineRate', 'digitizedRate', 'satisfactionRate'] as const;
export type Rate = (typeof RATES)[number];

/** Indicators whose lost points come from dossiers the API can list (GET /kpi/scorecard/{indicator}/dossiers). */
export const COSTLY: ReadonlySet<string> = new Set(['2.1', '3.1', '4.1', '4.2', '4.3', '4.4', '4.5b', '5.4']);

/** Today in Vietnam (YYYY-MM-DD): the queue pages' function, for this page's default range. */
export { vietnamToday };

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The page's query from its address (?unit=&from=&to=): a unit id or none (the caller's default), and a range that
 * defaults to this month so far; anything malformed falls back to the default rather than failing.
 */
export function scorecardQuery(params: URLSearchParams, now: number): { unitId: string | null; from: string; to: string } {
  const today = vietnamToday(now);
  const unit = params.get('unit');
  const from = params.get('from');
  const to = params.get('to');
  return {
    unitId: unit && /^\d{1,9}$/.test(unit) ? unit : null,
    from: from && DATE.test(from) ? from : `${today.slice(0, 8)}01`,
    to: to && DATE.test(to) ? to : today,
  };
}
