// The benchmark province's counter demand, shared by bench/queue-simulation.bench.ts and bench/staffing.bench.ts:
// one provincial center, 12 district-level branches and 87 commune centers, about 4,000 tickets a working day in
// all; morning peak at 9h, a smaller one at 14h; Mondays busiest, Fridays quietest.

import { mulberry32 } from '../../src/demo/demo.model.js';
import { parseSessions, sessionHours, type Session } from '../../src/queue/simulation.model.js';

export const SESSIONS: Session[] = parseSessions('07:30-11:30,13:00-17:00');
export const OPEN_HOURS = sessionHours(SESSIONS); // 7, 8, 9, 10, 11, 13, 14, 15, 16
// Minutes the office is open in each of OPEN_HOURS.
export const OPEN_MINUTES = OPEN_HOURS.map((h) =>
  SESSIONS.reduce((m, s) => m + Math.max(0, Math.min(s.end, h * 60 + 60) - Math.max(s.start, h * 60)), 0),
);
// Relative arrival rate in each open hour (per minute open), from the usual shape of one-stop counters.
const SHAPE = [0.8, 1.5, 1.6, 1.3, 0.9, 0.8, 1.1, 1.0, 0.7];
// Monday to Friday.
export const WEEKDAY_FACTOR = [1.15, 1.05, 0.95, 0.95, 0.9];

export interface BenchPoint {
  code: string;
  ticketsPerDay: number;
  serviceSeconds: number;
}

/** The 100 points with their average tickets a day and mean service time (seeded). */
export function provincePoints(seed = 2025): BenchPoint[] {
  const rand = mulberry32(seed);
  const points: BenchPoint[] = [{ code: 'TTHCC', ticketsPerDay: 400, serviceSeconds: 600 }];
  for (let i = 1; i <= 12; i++)
    points.push({ code: `CN${String(i).padStart(2, '0')}`, ticketsPerDay: 70 + rand() * 60, serviceSeconds: 480 + rand() * 180 });
  for (let i = 1; i <= 87; i++)
    points.push({ code: `XA${String(i).padStart(2, '0')}`, ticketsPerDay: 15 + rand() * 25, serviceSeconds: 360 + rand() * 180 });
  const total = points.reduce((s, p) => s + p.ticketsPerDay, 0);
  // Scale the communes so the province issues 4,000 tickets on an average day.
  const communes = points.slice(13).reduce((s, p) => s + p.ticketsPerDay, 0);
  const k = (4000 - (total - communes)) / communes;
  for (const p of points.slice(13)) p.ticketsPerDay *= k;
  return points;
}

/** Arrival rate per open hour (tickets per hour while open) for a point's day of `ticketsPerDay` tickets. */
export function hourlyRates(ticketsPerDay: number): number[] {
  const weight = SHAPE.reduce((s, x, i) => s + (x * OPEN_MINUTES[i]!) / 60, 0);
  return SHAPE.map((x) => (x * ticketsPerDay) / weight);
}
