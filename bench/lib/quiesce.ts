import { sql, type Kysely } from 'kysely';
import { sleep } from './report.js';

/**
 * Waits until no more dossiers are being written: requests the load generator abandoned when its time
 * was up still run to completion in the server, after the server has stopped accepting connections.
 */
export async function waitUntilQuiet(db: Kysely<any>, stableMs = 300, maxMs = 30_000): Promise<void> {
  const count = async () =>
    Number(
      (await sql<{ n: string }>`select (select count(*) from dossiers) + (select count(*) from audit_log) as n`.execute(db)).rows[0]?.n,
    );
  const until = Date.now() + maxMs;
  let last = await count();
  while (Date.now() < until) {
    await sleep(stableMs);
    const now = await count();
    if (now === last) return;
    last = now;
  }
}

/**
 * Brings the database to the same state before each measured run, whatever the previous run left: the rollup
 * worker has applied every transaction finished so far (a run must not pay for the previous run's catch-up),
 * autovacuum's work on the rows just written is done now (`vacuum (analyze)`, which it would start in the middle
 * of the next run), and a checkpoint has written the dirty pages.
 */
export async function settle(db: Kysely<any>, maxMs = 60_000): Promise<void> {
  const target = (await sql<{ x: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as x`.execute(db)).rows[0]!.x;
  const until = Date.now() + maxMs;
  while (Date.now() < until) {
    const r = await sql<{ done: boolean }>`select applied_xmin >= ${target}::xid8 as done from kpi_cursor where id = 1`.execute(db);
    if (r.rows[0]?.done) break;
    await sleep(100);
  }
  await sql`vacuum (analyze)`.execute(db);
  await sql`checkpoint`.execute(db).catch(() => undefined); // (PGlite has no checkpoint to force)
}
