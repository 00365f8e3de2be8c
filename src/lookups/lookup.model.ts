import { isIPv4, isIPv6 } from 'node:net';

/** How many wrong guesses a look-up key and a client address may make in a window before they are locked. */
export interface LookupBudgetConfig {
  /** Wrong guesses per guessed key (a dossier code, a booking code) in a window; then any attempt on it is refused. */
  perKeyFailures: number;
  /** Wrong guesses per client address in a window, over every kind of public look-up together. */
  perAddressFailures: number;
  /** The window: it starts at a key's first wrong guess, and a locked key stays locked until it ends. */
  windowMs: number;
}

export const DEFAULT_LOOKUP_BUDGET: LookupBudgetConfig = { perKeyFailures: 5, perAddressFailures: 30, windowMs: 15 * 60_000 };

/** One budget a look-up is counted against: its key and the failures it allows in a window. */
export interface BudgetKey {
  key: string;
  max: number;
}

/**
 * The key of a client address. IPv4-mapped IPv6 addresses count as their IPv4 address, and an IPv6
 * address counts as its /64 network: one subscriber is usually given a whole /64, and counting each of
 * its 2^64 addresses apart would give one machine as many budgets as it likes.
 */
export function addressKey(ip: string): string {
  let a = ip.trim().toLowerCase();
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  if (a.startsWith('::ffff:') && isIPv4(a.slice(7))) return `addr:${a.slice(7)}`;
  if (isIPv4(a) || !isIPv6(a)) return `addr:${a}`;
  return `addr:${ipv6Groups(a).slice(0, 4).join(':')}::/64`;
}

/** The 8 groups of an IPv6 address, without leading zeros ('::' expanded; a dotted IPv4 tail as two groups). */
function ipv6Groups(a: string): string[] {
  let text = a;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [p, q, r, s] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1]!.length)}${((p << 8) | q).toString(16)}:${((r << 8) | s).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((g) => (parseInt(g, 16) || 0).toString(16));
}

/** The budgets a look-up counts against: what was guessed (if anything names it) and the client address, in key order. */
export function budgetKeys(config: LookupBudgetConfig, guessed: string | null, client: string): BudgetKey[] {
  const keys: BudgetKey[] = [{ key: addressKey(client), max: config.perAddressFailures }];
  if (guessed !== null) keys.push({ key: guessed, max: config.perKeyFailures });
  // Rows are always locked in the same order, so two look-ups never wait on each other in a cycle.
  return keys.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}

/** Whole seconds until a lock ends (at least 1, so a client never retries at once). */
export function retryAfterSeconds(lockedUntilMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((lockedUntilMs - nowMs) / 1000));
}

/** Compares two short secrets in time that depends only on their lengths (no early exit), without allocating. */
export function sameSecret(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}
