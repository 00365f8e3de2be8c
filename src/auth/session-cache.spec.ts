import { describe, expect, it } from 'vitest';
import type { ChangeFeed, FeedSubscriber } from '../platform/change-feed.js';
import type { LiveSession } from './auth.repository.js';
import { SESSIONS_CHANNEL, SessionCache } from './session-cache.js';

/** A feed whose liveness and announcements the test drives. */
class FakeFeed implements ChangeFeed {
  isLive = true;
  readonly subscribers: { channel: string; s: FeedSubscriber }[] = [];
  subscribe(channel: string, s: FeedSubscriber) {
    const entry = { channel, s };
    this.subscribers.push(entry);
    return () => void this.subscribers.splice(this.subscribers.indexOf(entry), 1);
  }
  live(channel: string) {
    return this.isLive && this.subscribers.some((x) => x.channel === channel);
  }
  announce(payload = 'staff') {
    for (const x of this.subscribers) x.s.changed(payload);
  }
  lose() {
    this.isLive = false;
    for (const x of this.subscribers) x.s.reset();
  }
  async sync() {}
  async close() {}
}

const T0 = new Date('2025-03-14T03:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const session = (expiresInMs = 3_600_000): LiveSession => ({
  sessionId: 1,
  expires_at: at(expiresInMs),
  staffId: 7,
  username: 'clerk.ba',
  full_name: 'Nguyễn Văn Ba',
  role: 'clerk',
  unit_id: 3,
  active: true,
  unitKind: 'commune_center',
  province_code: '74',
  managerScope: null,
});

/** A loader that counts its reads and answers what `next` holds. */
function loader(initial: LiveSession | undefined) {
  const l = { reads: 0, next: initial, load: async () => (l.reads++, l.next) };
  return l;
}

describe('SessionCache', () => {
  it('subscribes to the sessions channel and reads a token once while nothing is announced', async () => {
    const feed = new FakeFeed();
    const cache = new SessionCache(feed);
    expect(feed.subscribers.map((x) => x.channel)).toEqual([SESSIONS_CHANNEL]);
    const l = loader(session());
    expect(await cache.get('h1', T0, l.load)).toEqual(session());
    expect(await cache.get('h1', at(1_000), l.load)).toEqual(session());
    expect(l.reads).toBe(1);
    expect(cache.size).toBe(1);
    // Another token is another read.
    await cache.get('h2', T0, l.load);
    expect(l.reads).toBe(2);
  });

  it('forgets every session held on an announced change, and reads the new state', async () => {
    const feed = new FakeFeed();
    const cache = new SessionCache(feed);
    const l = loader(session());
    await cache.get('h1', T0, l.load);
    await cache.get('h2', T0, l.load);
    feed.announce('staff');
    expect(cache.size).toBe(0);
    l.next = { ...session(), active: false };
    expect((await cache.get('h1', T0, l.load))!.active).toBe(false);
    expect(l.reads).toBe(3);
  });

  it('does not keep a session read while a change was announced', async () => {
    const feed = new FakeFeed();
    const cache = new SessionCache(feed);
    const l = loader(session());
    // The change commits (and is announced) while the row is being read: the answer may predate it.
    const read = cache.get('h1', T0, async () => {
      const s = await l.load();
      feed.announce('sessions');
      return s;
    });
    expect(await read).toEqual(session());
    expect(cache.size).toBe(0);
    await cache.get('h1', T0, l.load);
    expect(l.reads).toBe(2);
  });

  it('holds nothing and reads every time while the feed is not live', async () => {
    const feed = new FakeFeed();
    const cache = new SessionCache(feed);
    const l = loader(session());
    await cache.get('h1', T0, l.load);
    feed.lose();
    expect(cache.size).toBe(0);
    await cache.get('h1', T0, l.load);
    await cache.get('h1', T0, l.load);
    expect(l.reads).toBe(3);
    expect(cache.size).toBe(0);
    feed.isLive = true;
    await cache.get('h1', T0, l.load);
    await cache.get('h1', T0, l.load);
    expect(l.reads).toBe(4);
  });

  it('reads again at the session’s expiry, and after a minute whatever the feed says', async () => {
    const feed = new FakeFeed();
    const cache = new SessionCache(feed);
    const l = loader(session(30_000));
    await cache.get('h1', T0, l.load);
    await cache.get('h1', at(29_999), l.load);
    expect(l.reads).toBe(1);
    l.next = undefined; // the database no longer returns it past its expiry
    expect(await cache.get('h1', at(30_000), l.load)).toBeUndefined();
    expect(l.reads).toBe(2);
    const long = loader(session());
    await cache.get('h3', T0, long.load);
    await cache.get('h3', at(59_999), long.load);
    expect(long.reads).toBe(1);
    await cache.get('h3', at(60_000), long.load);
    expect(long.reads).toBe(2);
  });

  it('keeps no unknown token', async () => {
    const cache = new SessionCache(new FakeFeed());
    const l = loader(undefined);
    expect(await cache.get('nobody', T0, l.load)).toBeUndefined();
    expect(await cache.get('nobody', T0, l.load)).toBeUndefined();
    expect(l.reads).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('unsubscribes on close', () => {
    const feed = new FakeFeed();
    new SessionCache(feed).close();
    expect(feed.subscribers).toEqual([]);
  });
});
