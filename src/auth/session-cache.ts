import type { ChangeFeed } from '../platform/change-feed.js';
import type { LiveSession } from './auth.repository.js';

/** The channel the triggers of migration 20261206T0800_session_changes notify on. */
export const SESSIONS_CHANNEL = 'motcua_sessions';

/** Sessions held at most (the oldest is dropped first): a province's staff are a few thousand. */
const MAX_ENTRIES = 10_000;
/** A held session is read again after this long whatever the feed says: a bound on any staleness the feed missed. */
const HOLD_MS = 60_000;

interface Entry {
  session: LiveSession;
  until: number;
}

/**
 * The sessions this process has read, by token hash, so a request costs no query of its own to be authenticated.
 *
 * Held only while the change feed is live: every committed change to sessions, staff or units is announced
 * (LISTEN/NOTIFY, in commit order) and forgets every session held, and while the feed's connection is down nothing
 * is held or used. A session read while a change was being announced is not kept (the `epoch` moved), so an answer
 * read before a change committed never outlives it. Expiry is checked on every use against the session's own
 * expiry time. A change made elsewhere is refused here once its notification arrives (a LAN round trip after its
 * commit); `sync()` waits for that.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private epoch = 0;
  private readonly unsubscribe: () => void;

  constructor(private readonly feed: ChangeFeed) {
    this.unsubscribe = feed.subscribe(SESSIONS_CHANNEL, { changed: () => this.forgetAll(), reset: () => this.forgetAll() });
  }

  /** The session behind a token hash: held, or read with `load` (and held when nothing changed meanwhile). */
  async get(tokenHash: string, now: Date, load: () => Promise<LiveSession | undefined>): Promise<LiveSession | undefined> {
    const live = this.feed.live(SESSIONS_CHANNEL);
    if (live) {
      const e = this.entries.get(tokenHash);
      if (e) {
        if (e.until > now.getTime() && e.session.expires_at.getTime() > now.getTime()) return e.session;
        this.entries.delete(tokenHash);
      }
    } else if (this.entries.size) this.forgetAll();
    const epoch = this.epoch;
    const session = await load();
    // Kept only if no change was announced while it was read, and the feed is (still) live to announce the next.
    if (session && live && epoch === this.epoch && this.feed.live(SESSIONS_CHANNEL)) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(tokenHash, { session, until: now.getTime() + HOLD_MS });
    }
    return session;
  }

  /** Forgets every session held (this process's own log-out does it at once, not waiting for its notification). */
  forgetAll(): void {
    this.epoch++;
    this.entries.clear();
  }

  /** Resolves once every change committed before the call has reached this cache. */
  sync(): Promise<void> {
    return this.feed.sync(SESSIONS_CHANNEL);
  }

  get size(): number {
    return this.entries.size;
  }

  close(): void {
    this.unsubscribe();
    this.forgetAll();
  }
}
