import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';

/**
 * What a process keeps in memory about rows that other processes (or an operator at psql) may change: told of each
 * change through PostgreSQL's LISTEN/NOTIFY (a trigger calls pg_notify in the changing transaction, so a
 * notification is delivered after its commit, in commit order, to every listening process), and told to forget
 * everything whenever it may have missed one (the listening connection was lost, or has just been (re)opened).
 */
export interface FeedSubscriber {
  /** A change was committed on the channel (the trigger's payload). */
  changed(payload: string): void;
  /** Changes may have been missed or may come late: forget everything held. Called on loss and on (re)connection. */
  reset(): void;
}

export interface ChangeFeed {
  /**
   * Subscribes to a channel; returns the function that unsubscribes. The first subscription opens the feed's
   * connection (PostgreSQL: a dedicated one, outside the pool, reconnected with backoff when lost).
   */
  subscribe(channel: string, subscriber: FeedSubscriber): () => void;
  /** True while every change on the channel committed from now on will be delivered: only then may a cache be used. */
  live(channel: string): boolean;
  /**
   * Resolves once every change committed on the channel before the call has been delivered to this process's
   * subscribers (a marker is notified and waited for: delivery follows commit order). Immediate when not live.
   */
  sync(channel: string): Promise<void>;
  close(): Promise<void>;
}

const SYNC_PREFIX = 'motcua-sync:';
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 1_000;
const SYNC_TIMEOUT_MS = 5_000;

/** Channels are SQL identifiers in LISTEN: only these characters, so they never need quoting. */
function checkChannel(channel: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`bad channel name ${JSON.stringify(channel)}`);
}

class Subscribers {
  private readonly byChannel = new Map<string, Set<FeedSubscriber>>();
  private readonly waiting = new Map<string, () => void>();
  private seq = 0;

  add(channel: string, s: FeedSubscriber): () => void {
    checkChannel(channel);
    let set = this.byChannel.get(channel);
    if (!set) this.byChannel.set(channel, (set = new Set()));
    set.add(s);
    return () => void set.delete(s);
  }

  channels(): string[] {
    return [...this.byChannel.keys()];
  }

  has(channel: string): boolean {
    return (this.byChannel.get(channel)?.size ?? 0) > 0;
  }

  deliver(channel: string, payload: string): void {
    if (payload.startsWith(SYNC_PREFIX)) {
      const done = this.waiting.get(payload);
      if (done) done();
      return;
    }
    for (const s of this.byChannel.get(channel) ?? []) s.changed(payload);
  }

  resetAll(): void {
    for (const set of this.byChannel.values()) for (const s of set) s.reset();
  }

  /** A unique marker and the promise of its delivery. */
  marker(): { payload: string; delivered: Promise<void>; cancel: () => void } {
    const payload = `${SYNC_PREFIX}${process.pid}:${++this.seq}`;
    let cancel!: () => void;
    const delivered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(payload);
        reject(new Error(`change feed: marker ${payload} not delivered within ${SYNC_TIMEOUT_MS} ms`));
      }, SYNC_TIMEOUT_MS);
      this.waiting.set(payload, () => {
        clearTimeout(timer);
        this.waiting.delete(payload);
        resolve();
      });
      cancel = () => {
        clearTimeout(timer);
        this.waiting.delete(payload);
        resolve();
      };
    });
    return { payload, delivered, cancel };
  }
}

/**
 * The feed of a PostgreSQL server: one connection of its own (LISTEN holds it; a pooled connection would lose its
 * notifications when released). While it is down, `live` is false, so caches are bypassed and every request reads
 * the database, as it did before; it reconnects after 100 ms, doubling to 1 s.
 */
export class PostgresChangeFeed implements ChangeFeed {
  private readonly subs = new Subscribers();
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private listening = new Set<string>();
  private closed = false;
  private backoff = RECONNECT_MIN_MS;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    /** Runs a statement on the pool (the sync marker is notified from there, as any change is). */
    private readonly notify: (channel: string, payload: string) => Promise<unknown>,
    private readonly onError: (e: Error) => void = () => undefined,
  ) {}

  subscribe(channel: string, subscriber: FeedSubscriber): () => void {
    const off = this.subs.add(channel, subscriber);
    if (this.connecting) return off; // the connection being opened listens on every channel subscribed by then
    if (this.client && !this.listening.has(channel)) {
      // A channel added to an open connection: listen on it too (live once LISTEN has run).
      const client = this.client;
      client.query(`listen ${channel}`).then(
        () => {
          if (this.client === client) this.listening.add(channel);
        },
        (e: Error) => this.lost(client, e),
      );
    } else if (!this.client) void this.connect();
    return off;
  }

  live(channel: string): boolean {
    return this.listening.has(channel);
  }

  async sync(channel: string): Promise<void> {
    if (!this.live(channel)) return;
    const m = this.subs.marker();
    try {
      await this.notify(channel, m.payload);
    } catch (e) {
      m.cancel();
      throw e;
    }
    await m.delivered;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.connecting?.catch(() => undefined);
    const c = this.client;
    this.client = undefined;
    this.listening.clear();
    if (c) await c.end().catch(() => undefined);
  }

  private connect(): Promise<void> {
    if (this.connecting || this.closed) return this.connecting ?? Promise.resolve();
    this.connecting = (async () => {
      const client = new pg.Client({
        connectionString: this.url,
        connectionTimeoutMillis: 3_000,
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
      });
      client.on('error', (e) => this.lost(client, e));
      client.on('end', () => this.lost(client, new Error('change feed connection ended')));
      client.on('notification', (n) => this.subs.deliver(n.channel, n.payload ?? ''));
      this.client = client;
      const listened = new Set<string>();
      try {
        await client.connect();
        for (let more = this.subs.channels(); more.length; more = this.subs.channels().filter((c) => !listened.has(c)))
          for (const channel of more) {
            await client.query(`listen ${channel}`);
            listened.add(channel);
          }
      } catch (e) {
        this.lost(client, e as Error);
        return;
      }
      if (this.client !== client) return;
      for (const channel of listened) this.listening.add(channel);
      this.backoff = RECONNECT_MIN_MS;
      // Whatever changed before LISTEN ran was never announced to this connection.
      this.subs.resetAll();
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private lost(client: pg.Client, e: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.listening.clear();
    this.subs.resetAll();
    client.removeAllListeners('notification');
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.onError(e);
    const wait = this.backoff;
    this.backoff = Math.min(RECONNECT_MAX_MS, this.backoff * 2);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), wait);
    this.timer.unref();
  }
}

/**
 * The feed of embedded PGlite: one process owns the database, and PGlite hands a transaction's notifications to its
 * listeners when the statement that commits it returns, so a change is known before the next request runs.
 */
export class PgliteChangeFeed implements ChangeFeed {
  private readonly subs = new Subscribers();
  private readonly requested = new Set<string>();
  private readonly listening = new Set<string>();
  private readonly unlisten: (() => Promise<void>)[] = [];
  private closed = false;

  constructor(private readonly pglite: PGlite) {}

  subscribe(channel: string, subscriber: FeedSubscriber): () => void {
    const off = this.subs.add(channel, subscriber);
    if (!this.requested.has(channel) && !this.closed) {
      this.requested.add(channel);
      this.pglite
        .listen(channel, (payload) => this.subs.deliver(channel, payload))
        .then(
          (unlisten) => {
            this.unlisten.push(unlisten);
            this.listening.add(channel);
          },
          () => undefined, // the database closed first: never live, so nothing is cached
        );
    }
    return off;
  }

  live(channel: string): boolean {
    return this.listening.has(channel) && this.subs.has(channel);
  }

  async sync(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    this.listening.clear();
    await Promise.all(this.unlisten.splice(0).map((u) => u().catch(() => undefined)));
  }
}
