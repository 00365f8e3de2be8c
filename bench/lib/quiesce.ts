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
