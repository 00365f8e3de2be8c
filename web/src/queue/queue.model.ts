/** Pure rules of the queue screens: the board's state under live events, waits in words, days and codes. No DOM, no I/O. */
// With .js: test/queue-web.spec.ts brings this file under the server's tsconfig (Node module resolution) too.
import type { Board, BoardCall, BoardWaiting, Priority } from './queue.api.js';

/** The priority lane's reasons offered at the kiosk and the counter (the law's list; "other" stays for the clerk's records). */
export const PRIORITIES: readonly Priority[] = ['elderly', 'disabled', 'pregnant', 'child'];

/** How many calls the board lists (the server's snapshot sends as many). */
export const BOARD_CALLS = 8;

/** A booking's confirmation code: 8 letters or digits (typed at the kiosk, in the SMS link). */
export const BOOKING_CODE = /^[A-Za-z0-9]{8}$/;

/** The characters the server writes booking codes with (no 0/O, 1/I): the kiosk's on-screen keys. */
export const BOOKING_KEYS = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A `call` event of the board's stream (GET /public/queue/points/{id}/events). */
export interface CallEvent {
  type: 'call';
  ticketId: number;
  label: string;
  counterNumber: number;
  counterNameVi: string;
  counterNameEn: string;
  callCount: number;
  priority: boolean;
  at: string;
}

/** A `waiting` event: queue lengths per group. */
export interface WaitingEvent {
  type: 'waiting';
  groups: BoardWaiting;
}

/** The board after a call: the ticket moves to the top (a recall too), once, and the list keeps its length. */
export function applyCall(board: Board, e: CallEvent): Board {
  const call: BoardCall = {
    ticketId: e.ticketId,
    label: e.label,
    counterNumber: e.counterNumber,
    counterNameVi: e.counterNameVi,
    counterNameEn: e.counterNameEn,
    callCount: e.callCount,
    priority: e.priority,
    status: 'called',
    at: e.at,
  };
  return { ...board, calls: [call, ...board.calls.filter((c) => c.ticketId !== e.ticketId)].slice(0, BOARD_CALLS) };
}

/** The board after a change of the queue lengths. */
export function applyWaiting(board: Board, e: WaitingEvent): Board {
  return { ...board, groups: e.groups };
}

/** A wait for a citizen, rounded up to whole minutes: none, minutes, or hours and minutes. */
export type WaitWords = { kind: 'none' } | { kind: 'minutes'; minutes: number } | { kind: 'hours'; hours: number; minutes: number };

export function waitWords(seconds: number): WaitWords {
  if (seconds <= 0) return { kind: 'none' };
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return { kind: 'minutes', minutes };
  return { kind: 'hours', hours: Math.floor(minutes / 60), minutes: minutes % 60 };
}

/** A duration of the figures: seconds under 90 s, else minutes with one decimal ("10,2 phút" / "10.2 min"). */
export function formatDuration(seconds: number | null, lang: 'vi' | 'en'): string {
  if (seconds === null) return '—';
  if (seconds < 90) return lang === 'en' ? `${Math.round(seconds)} s` : `${Math.round(seconds)} giây`;
  const n = new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(
    seconds / 60,
  );
  return lang === 'en' ? `${n} min` : `${n} phút`;
}

/** "87 %" (vi) / "87%" (en); a dash for none. */
export function formatShare(share: number | null, lang: 'vi' | 'en'): string {
  if (share === null) return '—';
  return new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'vi-VN', { style: 'percent', maximumFractionDigits: 0 }).format(share);
}

/** Dossier codes typed by a clerk: separated by spaces, commas or new lines, upper-cased, each once. */
export function parseDossierCodes(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,;]+/)
        .map((c) => c.trim().toUpperCase())
        .filter(Boolean),
    ),
  ];
}

/** Today's date in Vietnam (UTC+7, no daylight saving), 'YYYY-MM-DD'. */
export function vietnamToday(now: number = Date.now()): string {
  return new Date(now + 7 * 3_600_000).toISOString().slice(0, 10);
}

/** A calendar date moved by whole days. */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** "08:30": the clock time of an instant in Vietnam. */
export function vietnamTime(iso: string): string {
  const t = new Date(Date.parse(iso) + 7 * 3_600_000);
  return `${String(t.getUTCHours()).padStart(2, '0')}:${String(t.getUTCMinutes()).padStart(2, '0')}`;
}

/** A Vietnamese phone number as the API takes it: 10 digits starting with 0, or +84 and 9 digits (spaces and dots allowed). */
export function isVietnamesePhone(text: string): boolean {
  const p = text.replace(/[\s.-]/g, '');
  return /^0\d{9}$/.test(p) || /^\+84\d{9}$/.test(p);
}
