import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import { DomainError } from '../platform/errors.js';
import { budgetKeys, DEFAULT_LOOKUP_BUDGET, retryAfterSeconds, type BudgetKey, type LookupBudgetConfig } from './lookup.model.js';
import * as repo from './lookup.repository.js';

/** How old this process's copy of the locked keys may be before a look-up refreshes it in the background. */
export const LOCK_VIEW_REFRESH_MS = 1000;
/** How old it may be at most: past this a look-up waits for the refresh (only after a quiet spell, or a slow database). */
export const LOCK_VIEW_MAX_AGE_MS = 2 * LOCK_VIEW_REFRESH_MS;

/** An attempt counted in the database, to be taken back if it turns out right. */
export interface CountedAttempt {
  counted: repo.BudgetState[];
}

export interface LookupBudgetDeps {
  db: Kysely<DB>;
  /** The service clock: windows and locks are measured on it. */
  clock: () => Date;
  config?: LookupBudgetConfig;
  /** Refresh interval of the view (tests use 0: every look-up reads the locks from the database). */
  refreshMs?: number;
}

/**
 * The budget of wrong guesses at public look-ups, shared by every server process through the database
 * (table lookup_budgets). Each guessed key (`code:<dossier code>`, `booking:<code>`) and each client address
 * (`addr:…`) may fail so many times in a window; then every attempt on it is refused with 429 RATE_LIMITED and
 * Retry-After until the window ends, whether what it names exists or not.
 *
 * Two ways to use it:
 * - a guessable secret (the last 4 phone digits, 10,000 values) is checked with `reserve` before and `release`
 *   after a right answer: the attempt is counted in the database first, in the order the row lock gives, so
 *   however many guesses arrive at once and at however many processes, only as many as the budget allows are
 *   ever checked;
 * - an unguessable secret (a 60-bit tracking token, a 96-bit ticket token) is checked first, from memory, and
 *   only a wrong one goes to the database (`fail`): the right one never waits for the database.
 *
 * The in-memory view of the locked keys is what lets a right token through without a query. It is at most
 * LOCK_VIEW_MAX_AGE_MS old when used (refreshed in the background once LOCK_VIEW_REFRESH_MS old); locks this
 * process took itself are in it at once. So an address locked by another process may still see right tokens
 * answered for up to 2 seconds; every wrong guess, and every guess by phone digits, is judged by the database.
 */
export class LookupBudget {
  readonly config: LookupBudgetConfig;
  private locked = new Map<string, number>();
  /** Locks learned while a refresh query runs, which its answer may predate. */
  private learned: Map<string, number> | null = null;
  /** When the view was read, on the monotonic clock (performance.now), not the service clock tests move. */
  private viewAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | null = null;
  private readonly refreshMs: number;

  constructor(private readonly deps: LookupBudgetDeps) {
    this.config = deps.config ?? DEFAULT_LOOKUP_BUDGET;
    this.refreshMs = deps.refreshMs ?? LOCK_VIEW_REFRESH_MS;
  }

  /** The budgets a look-up of `guessed` (null: only the address) by `client` counts against. */
  keys(guessed: string | null, client: string): BudgetKey[] {
    return budgetKeys(this.config, guessed, client);
  }

  /**
   * Refuses the look-up (429) if one of the keys is locked as far as this process knows; synchronous while the
   * view is fresh, so the right answer to a token never waits for the database.
   */
  check(keys: readonly BudgetKey[]): void | Promise<void> {
    if (this.checkNow(keys)) return;
    return this.refresh().then(() => this.refuseIfLocked(keys));
  }

  /**
   * `check` when it can be answered from memory: refuses a locked key (429) or returns true; false when the view is
   * too old to judge by, and the caller must wait for `check`.
   */
  checkNow(keys: readonly BudgetKey[]): boolean {
    const age = performance.now() - this.viewAt;
    if (age >= this.refreshMs) {
      // Started (or joined) here; a failed background refresh is retried by the next look-up, and a caller that
      // waits for `check` sees the failure through its own chain.
      this.refresh().catch(() => undefined);
      if (age >= 2 * this.refreshMs) return false;
    }
    this.refuseIfLocked(keys);
    return true;
  }

  /**
   * Counts an attempt in the database before a guessable secret is checked; refuses it (429, and takes the count
   * back: a refused attempt is not a guess) when a key was already at its limit. Release it if the guess was right.
   */
  async reserve(keys: readonly BudgetKey[]): Promise<CountedAttempt> {
    await this.check(keys);
    return this.count(keys);
  }

  /** Takes back a reserved attempt that turned out right: a right answer never uses up the budget. */
  async release(attempt: CountedAttempt): Promise<void> {
    await repo.uncountAttempt(this.deps.db, attempt.counted);
    for (const c of attempt.counted)
      if (c.failures - 1 < c.max_failures) {
        this.locked.delete(c.key);
        this.learned?.delete(c.key);
      }
  }

  /**
   * Records a wrong guess at an unguessable secret (or at nothing: an unknown ticket token). Refuses it (429) if a
   * key was already at its limit; otherwise returns, and the caller answers 404.
   */
  async fail(keys: readonly BudgetKey[]): Promise<void> {
    await this.count(keys);
  }

  /** Deletes the budgets whose window has ended (`serve` does it every 10 minutes); returns how many. */
  async purge(): Promise<number> {
    return repo.purgeEnded(this.deps.db, this.deps.clock());
  }

  private async count(keys: readonly BudgetKey[]): Promise<CountedAttempt> {
    const now = this.deps.clock();
    const counted = await repo.countAttempt(this.deps.db, keys, now, this.config.windowMs);
    let until = 0;
    for (const c of counted) {
      if (c.failures >= c.max_failures) {
        this.locked.set(c.key, c.window_ends_at.getTime());
        this.learned?.set(c.key, c.window_ends_at.getTime());
      }
      if (c.failures > c.max_failures) until = Math.max(until, c.window_ends_at.getTime());
    }
    if (until > 0) {
      await repo.uncountAttempt(this.deps.db, counted);
      throw rateLimited(until, now.getTime());
    }
    return { counted };
  }

  private refuseIfLocked(keys: readonly BudgetKey[]): void {
    if (this.locked.size === 0) return; // the usual case: no need to read the clock
    const now = this.deps.clock().getTime();
    let until = 0;
    for (const k of keys) {
      const u = this.locked.get(k.key);
      if (u !== undefined && u > now && u > until) until = u;
    }
    if (until > 0) throw rateLimited(until, now);
  }

  /** Reads the locked keys from the database (one refresh at a time). */
  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      const started = performance.now();
      const learned = new Map<string, number>();
      this.learned = learned;
      try {
        const now = this.deps.clock();
        const rows = await repo.lockedKeys(this.deps.db, now);
        const next = new Map<string, number>();
        for (const r of rows) next.set(r.key, r.window_ends_at.getTime());
        // Locks this process took while the query ran are kept until the next refresh sees them.
        for (const [k, u] of learned) if (!next.has(k)) next.set(k, u);
        this.locked = next;
        this.viewAt = started;
      } finally {
        this.learned = null;
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }
}

/** The one answer to any attempt on a locked key: 429 RATE_LIMITED with Retry-After, whatever the key names. */
export function rateLimited(untilMs: number, nowMs: number): DomainError {
  const seconds = retryAfterSeconds(untilMs, nowMs);
  return new DomainError(
    'RATE_LIMITED',
    `Quá nhiều lần tra cứu sai, vui lòng thử lại sau ${seconds} giây / Too many wrong look-ups; try again in ${seconds} seconds`,
    { retryAfterSeconds: seconds },
  );
}
