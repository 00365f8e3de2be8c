import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import type { BudgetKey } from './lookup.model.js';

export interface BudgetState {
  key: string;
  failures: number;
  max_failures: number;
  window_ends_at: Date;
}

/**
 * Counts one attempt against each key, atomically, and returns each key's count after it. A key whose window
 * has ended starts a new one (count 1, ending windowMs from now). The keys must be in key order (budgetKeys
 * sorts them): concurrent statements then lock their rows in the same order and never deadlock.
 */
export async function countAttempt(db: Kysely<DB>, keys: readonly BudgetKey[], now: Date, windowMs: number): Promise<BudgetState[]> {
  const ends = new Date(now.getTime() + windowMs);
  const rows = sql.join(keys.map((k) => sql`(${k.key}, 1, ${k.max}::integer, ${ends}::timestamptz)`));
  // SET expressions all read the row as it was, so the window test is the same in each.
  const r = await sql<BudgetState>`
    insert into lookup_budgets as b (key, failures, max_failures, window_ends_at) values ${rows}
    on conflict (key) do update set
      failures = case when b.window_ends_at <= ${now}::timestamptz then 1 else b.failures + 1 end,
      window_ends_at = case when b.window_ends_at <= ${now}::timestamptz then excluded.window_ends_at else b.window_ends_at end,
      max_failures = excluded.max_failures
    returning key, failures, max_failures, window_ends_at`.execute(db);
  return r.rows;
}

/** Takes back attempts counted by countAttempt (a right answer, or a refusal), unless their window has ended meanwhile. */
export async function uncountAttempt(db: Kysely<DB>, counted: readonly BudgetState[]): Promise<void> {
  if (!counted.length) return;
  const rows = sql.join(counted.map((c) => sql`(${c.key}, ${c.window_ends_at}::timestamptz)`));
  await sql`
    update lookup_budgets as b set failures = b.failures - 1
    from (values ${rows}) as v(key, window_ends_at)
    where b.key = v.key and b.window_ends_at = v.window_ends_at and b.failures > 0`.execute(db);
}

/** Keys locked now: as many failures as allowed in a window that has not ended (a partial index holds them). */
export async function lockedKeys(db: Kysely<DB>, now: Date): Promise<{ key: string; window_ends_at: Date }[]> {
  return db
    .selectFrom('lookup_budgets')
    .select(['key', 'window_ends_at'])
    .where((eb) => eb('failures', '>=', eb.ref('max_failures')))
    .where('window_ends_at', '>', now)
    .execute();
}

/** Forgets the budgets whose window has ended (a later failure starts a new window anyway). */
export async function purgeEnded(db: Kysely<DB>, now: Date): Promise<number> {
  const r = await db.deleteFrom('lookup_budgets').where('window_ends_at', '<=', now).executeTakeFirst();
  return Number(r.numDeletedRows);
}
