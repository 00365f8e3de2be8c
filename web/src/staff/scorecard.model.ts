import { vietnamToday } from '../queue/queue.model.js';

/** The scorecard page's pure parts: its query read from the address, the shares it charts, the indicators with dossiers. */

export const RATES = ['onTimeRate', 'onlineRate', 'digitizedRate', 'satisfactionRate'] as const;
export type Rate = (typeof RATES)[number];

/** Indicators whose lost points come from dossiers the API can list (GET /kpi/scorecard/{indicator}/dossiers). */
export const COSTLY: ReadonlySet<string> = new Set(['2.1', '3.1', '3.6', '4.1', '4.2', '4.3', '4.4', '4.5b', '5.4']);

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

/**
 * The trend's period from the address (?period=week|month): by default weeks for a range up to a quarter, months
 * for longer ones.
 */
export function trendPeriod(params: URLSearchParams, from: string, to: string): 'week' | 'month' {
  const p = params.get('period');
  if (p === 'week' || p === 'month') return p;
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
  return days > 92 ? 'month' : 'week';
}

/** The ranking's level from the address (?level=point|agency), or none (the server's default for the unit). */
export function rankingLevel(params: URLSearchParams): 'point' | 'agency' | undefined {
  const l = params.get('level');
  return l === 'point' || l === 'agency' ? l : undefined;
}

/** A change as a signed figure: "+1,5" / "−2" (a real minus sign), or "—" when there is nothing to compare. */
export function signed(x: number | null, lang: 'vi' | 'en', digits = 1): string {
  if (x === null) return '—';
  // The sign of the figure as shown: a change that rounds to nothing is "0", never "−0".
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  const n = new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: digits }).format(Math.abs(r));
  return r > 0 ? `+${n}` : r < 0 ? `−${n}` : n;
}
