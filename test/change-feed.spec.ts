import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FeedSubscriber } from '../src/platform/change-feed.js';
import { SESSIONS_CHANNEL } from '../src/auth/session-cache.js';
import { createHarness, PASSWORD, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});

/** A subscriber that records what it is told. */
function recorder() {
  const told: string[] = [];
  const s: FeedSubscriber = { changed: (p) => told.push(p), reset: () => told.push('(reset)') };
  return { told, s };
}

const waitFor = async (what: string, ok: () => boolean, ms = 3_000) => {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`not ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('the change feed', () => {
  it('delivers a change after its commit, never before, and one per statement', async () => {
    const { told, s } = recorder();
    const off = h.database.feed.subscribe(SESSIONS_CHANNEL, s);
    try {
      await waitFor('live', () => h.database.feed.live(SESSIONS_CHANNEL));
      await h.database.feed.sync(SESSIONS_CHANNEL);
      told.length = 0;
      await h.database.db.transaction().execute(async (trx) => {
        await trx.updateTable('staff').set({ active: true }).where('username', 'in', ['clerk.ba', 'clerk.hai']).execute();
        await h.database.feed.sync(SESSIONS_CHANNEL).catch(() => undefined); // (PostgreSQL: a marker from another connection)
        expect(told).toEqual([]);
      });
      await h.database.feed.sync(SESSIONS_CHANNEL);
      expect(told).toEqual(['staff']);
      // A rolled-back change is never announced.
      await h.database.db
        .transaction()
        .execute(async (trx) => {
          await trx.updateTable('staff').set({ active: true }).where('username', '=', 'clerk.ba').execute();
          throw new Error('roll back');
        })
        .catch(() => undefined);
      await h.database.feed.sync(SESSIONS_CHANNEL);
      expect(told).toEqual(['staff']);
    } finally {
      off();
    }
  });
});

// PostgreSQL only: the feed has a connection of its own, which the server can break.
describe.runIf(process.env.DATABASE_URL)('the change feed when its connection breaks (PostgreSQL)', () => {
  const listenerPids = () =>
    h.database.asOwner(async (db) =>
      (
        await sql<{ pid: number }>`select pid from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and query = ${`listen ${SESSIONS_CHANNEL}`}`.execute(db)
      ).rows.map((r) => r.pid),
    );

  it('stops holding sessions at once, reads them from the database meanwhile, and is live again within a second', async () => {
    const { told, s } = recorder();
    const off = h.database.feed.subscribe(SESSIONS_CHANNEL, s);
    const me = (token: string) => h.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${token}` } });
    try {
      const { token } = (
        await h.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'clerk.ba', password: PASSWORD } })
      ).json();
      expect((await me(token)).statusCode).toBe(200);
      const pids = await listenerPids();
      expect(pids.length).toBe(1);
      told.length = 0;
      await h.database.asOwner((db) => sql`select pg_terminate_backend(${pids[0]!}::int)`.execute(db));
      await waitFor('lost', () => !h.database.feed.live(SESSIONS_CHANNEL));
      expect(told[0]).toBe('(reset)');
      const lostAt = Date.now();
      // Not live: the account disabled now is refused on the next request, with no notification to wait for.
      await h.database.db.updateTable('staff').set({ active: false }).where('username', '=', 'clerk.ba').execute();
      if (!h.database.feed.live(SESSIONS_CHANNEL)) expect((await me(token)).statusCode).toBe(401);
      await h.database.db.updateTable('staff').set({ active: true }).where('username', '=', 'clerk.ba').execute();
      await waitFor('live again', () => h.database.feed.live(SESSIONS_CHANNEL));
      expect(Date.now() - lostAt).toBeLessThan(1_500);
      // Reconnected: told to forget (what changed meanwhile was never announced to it), and delivering again.
      expect(told.filter((t) => t === '(reset)').length).toBe(2);
      expect((await listenerPids()).length).toBe(1);
      expect((await me(token)).statusCode).toBe(200);
      await h.database.db.updateTable('staff').set({ active: false }).where('username', '=', 'clerk.ba').execute();
      await h.services.auth.sessionsInSync();
      expect((await me(token)).statusCode).toBe(401);
    } finally {
      await h.database.db.updateTable('staff').set({ active: true }).where('username', '=', 'clerk.ba').execute();
      off();
    }
  });
});
