import type { Kysely, Selectable } from 'kysely';
import type { DB, NotificationTable } from '../platform/db.types.js';
import { maskPhone } from '../dossiers/dossier.model.js';
import * as repo from './notification.repository.js';
import { recordAudits } from '../audit/audit.service.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import type { MailSender } from './mail.client.js';
import { MAX_ATTEMPTS, addressDigest, emailParts, optOutToken, reportSignature, retryDelayMs } from '../notices/notice.model.js';

/** Delivers one SMS; throws when the gateway refuses (the message is retried later). */
export interface SmsSender {
  readonly name: string;
  /**
   * Sends one message. `meta.requestId` is the message's own id (the same at every attempt: a gateway that dedups by
   * it sends it once); the answer names the gateway's id of the message when it has one.
   */
  send(to: string, body: string, meta?: { requestId: string; callbackUrl?: string }): Promise<{ providerId?: string } | void>;
}

/**
 * The default adapter for a deployment without an SMS gateway contract: each message goes to the log,
 * with the phone number masked, and counts as delivered. A gateway adapter implements SmsSender.
 */
export class LogSmsSender implements SmsSender {
  readonly name = 'log';
  constructor(private readonly log: (line: string) => void = () => {}) {}
  async send(to: string, body: string): Promise<void> {
    this.log(`sms to ${maskPhone(to)}: ${body}`);
  }
}

export interface NewMessage {
  to: string;
  body: string;
  kind: string;
  /** What the message is about, so it can be cancelled with it (e.g. booking:ABCD2345). */
  ref: string;
  dueAt: Date;
}

/** How e-mail notices are sent and signed. */
export interface NotificationDeps {
  db: Kysely<DB>;
  clock: () => Date;
  auditKey: AuditKey;
  sender: SmsSender;
  /** The e-mail adapter; absent: e-mail notices wait (they are kept, not lost). */
  mail?: MailSender | null;
  /** The key of opt-out tokens, address digests and delivery-report signatures. */
  noticeSecret?: string;
  /** Public address of the web app (opt-out links). */
  publicUrl?: string;
  /** Where the SMS gateway sends delivery reports (our POST /notices/sms/reports); absent: none asked. */
  smsReportUrl?: string | (() => string | undefined);
  /** The host part of e-mail Message-IDs (default motcua.local). */
  mailHost?: string;
  /** How long a claim holds a message (default 60 s): a sender that dies mid-send leaves it to be resent after. */
  leaseMs?: number;
}

export const DEFAULT_NOTICE_SECRET = 'motcua-notice-secret-for-development-only';

/** Messages in flight at once in a dispatch round (the mail pool's connections, and the SMS gateway's requests). */
const SEND_CONCURRENCY = 16;
/** Messages whose outcomes are recorded in one transaction. */
const RECORD_CHUNK = 64;

/** What became of one claimed message. */
interface Outcome {
  m: Selectable<NotificationTable>;
  via: string;
  providerId?: string | null;
  error?: string;
}

/**
 * Notifications go through an outbox: written in the same transaction as what caused them, sent later by
 * dispatch() through the adapter. A gateway outage delays messages; it never loses them.
 *
 * Exactly once across a crash: dispatch claims due rows (for update skip locked, a lease in claimed_until) and commits
 * the claim, then sends, then marks the row sent with the provider's id. A sender that dies after the gateway took a
 * message but before marking it leaves a row whose lease runs out unsent; the next run resends it with the same
 * RequestId (notice-<id>) or Message-ID (<notice-<id>@host>): the SMS gateway dedups by RequestId (one message, the
 * same SMSID), and a mail store coalesces by Message-ID (the citizen's client shows one message). Without a crash,
 * nothing is sent twice: a row is sent only by the holder of its lease.
 */
export class NotificationService {
  constructor(private readonly deps: NotificationDeps) {}

  private get secret(): string {
    return this.deps.noticeSecret ?? DEFAULT_NOTICE_SECRET;
  }

  /** Queues messages inside the caller's transaction. */
  async enqueue(trx: Kysely<DB>, messages: NewMessage[]): Promise<void> {
    const now = this.deps.clock();
    await repo.insertNotifications(
      trx,
      messages.map((m) => ({
        channel: 'sms' as const,
        recipient: m.to,
        body: m.body,
        kind: m.kind,
        ref: m.ref,
        due_at: m.dueAt,
        created_at: now,
      })),
    );
  }

  /** Cancels what is still pending about a ref, inside the caller's transaction. */
  async cancel(trx: Kysely<DB>, ref: string): Promise<number> {
    return repo.cancelPending(trx, ref, this.deps.clock());
  }

  /** The opt-out link of an e-mail notification (its token names the channel, the address's digest and the message). */
  optOutUrl(m: Pick<Selectable<NotificationTable>, 'id' | 'channel' | 'recipient'>): string {
    const token = optOutToken(this.secret, {
      channel: m.channel,
      digest: addressDigest(this.secret, m.channel, m.recipient),
      notificationId: m.id,
    });
    return `${(this.deps.publicUrl ?? 'http://localhost:3000').replace(/\/+$/, '')}/notices/opt-out?token=${token}`;
  }

  /** The Message-ID of an e-mail notification: the same at every attempt. */
  messageId(id: number): string {
    return `<notice-${id}@${this.deps.mailHost ?? 'motcua.local'}>`;
  }

  /** The RequestId of an SMS notification at the gateway: the same at every attempt. */
  static requestId(id: number): string {
    return `notice-${id}`;
  }

  /**
   * What the periodic job runs: rounds of dispatch until one finds less than a full batch or `maxMs` has passed, so a
   * backlog (intake at full rate, a gateway back after an outage) drains at the gateways' pace, not a batch a second.
   */
  async dispatchDue(batch = 200, maxMs = 5_000): Promise<{ sent: number; failed: number }> {
    const until = Date.now() + maxMs;
    let sent = 0;
    let failed = 0;
    for (;;) {
      const r = await this.dispatch(batch);
      sent += r.sent;
      failed += r.failed;
      if (r.sent + r.failed < batch || Date.now() >= until) return { sent, failed };
    }
  }

  /**
   * Sends every message due now (claimed with a lease, see the class's comment); a failure is recorded and retried
   * later with backoff (at most MAX_ATTEMPTS attempts, the last error kept, never the address).
   *
   * SEND_CONCURRENCY messages are in flight at once (each waits on its gateway, not on this process); their outcomes
   * are recorded as they come, RECORD_CHUNK at a time, each chunk in one transaction of four statements (the rows sent,
   * the rows failed, the audit chain's head and its entries) while the next messages go out. A crash before a chunk's
   * commit leaves its messages claimed: their lease runs out and each is sent again with the same RequestId and
   * Message-ID, which the gateway and the mail store take once.
   */
  async dispatch(limit = 200): Promise<{ sent: number; failed: number }> {
    const now = this.deps.clock();
    // Without an e-mail adapter, e-mails are not claimed: they wait, costing no attempt, until one is configured.
    const channels = this.deps.mail ? (['sms', 'email'] as const) : (['sms'] as const);
    const lease = new Date(now.getTime() + (this.deps.leaseMs ?? 60_000));
    const claimed = await repo.claimDue(this.deps.db, now, lease, limit, MAX_ATTEMPTS, channels);
    let sent = 0;
    let failed = 0;
    let pending: Outcome[] = [];
    let recording: Promise<void> = Promise.resolve();
    const flush = () => {
      if (!pending.length) return;
      const chunk = pending;
      pending = [];
      recording = recording.then(() => this.record(chunk));
    };
    let next = 0;
    const sendNext = async (): Promise<void> => {
      for (let i = next++; i < claimed.length; i = next++) {
        const m = claimed[i]!;
        const via = m.channel === 'sms' ? this.deps.sender.name : (this.deps.mail?.name ?? 'none');
        // The outcome first, then the push: `pending` is another array once a chunk is flushed during the send.
        let outcome: Outcome;
        try {
          outcome = { m, via, providerId: await this.sendOne(m) };
          sent++;
        } catch (e) {
          // Adapters' messages name codes and statuses, never the address; cut anyway.
          outcome = { m, via, error: (e as Error).message.slice(0, 200) };
          failed++;
        }
        pending.push(outcome);
        if (pending.length >= RECORD_CHUNK) flush();
      }
    };
    await Promise.all(Array.from({ length: Math.min(SEND_CONCURRENCY, claimed.length) }, sendNext));
    flush();
    await recording;
    return { sent, failed };
  }

  /**
   * Records a chunk's outcomes in one transaction: the rows first, in id order, then the audit chain's head (one entry
   * a message), so a delivery report (a row, then the head) arriving meanwhile for one of them waits or is waited for,
   * never both.
   */
  private async record(outcomes: Outcome[]): Promise<void> {
    const at = this.deps.clock();
    outcomes.sort((x, y) => x.m.id - y.m.id);
    await this.deps.db.transaction().execute(async (trx) => {
      await repo.markSent(
        trx,
        outcomes.filter((o) => o.error === undefined).map((o) => ({ id: o.m.id, providerId: o.providerId ?? null })),
        at,
      );
      await repo.markFailed(
        trx,
        outcomes.flatMap((o) =>
          o.error === undefined ? [] : [{ id: o.m.id, error: o.error, retryAt: new Date(at.getTime() + retryDelayMs(o.m.attempts)) }],
        ),
      );
      await recordAudits(
        trx,
        this.deps.auditKey,
        outcomes.map(({ m, via, error }) => ({
          actorKind: 'system',
          actorId: null,
          stream: 'system',
          action: error === undefined ? 'notification.sent' : 'notification.failed',
          entityType: 'notification',
          entityId: String(m.id),
          data: { kind: m.kind, channel: m.channel, via, ...(error === undefined ? {} : { error }) },
        })),
        at,
      );
    });
  }

  private async sendOne(m: Selectable<NotificationTable>): Promise<string | null> {
    if (m.channel === 'sms') {
      const requestId = NotificationService.requestId(m.id);
      const base = typeof this.deps.smsReportUrl === 'function' ? this.deps.smsReportUrl() : this.deps.smsReportUrl;
      const callbackUrl = base ? `${base}${base.includes('?') ? '&' : '?'}sig=${reportSignature(this.secret, requestId)}` : undefined;
      const r = await this.deps.sender.send(m.recipient, m.body, { requestId, ...(callbackUrl ? { callbackUrl } : {}) });
      return (r && r.providerId) || requestId;
    }
    if (!this.deps.mail) throw new Error('no e-mail adapter configured'); // not claimed without one (dispatch)
    const unsubscribeUrl = this.optOutUrl(m);
    const { text, html } = emailParts(m.body, unsubscribeUrl);
    const r = await this.deps.mail.send({
      to: m.recipient,
      subject: m.subject ?? '',
      text,
      html,
      messageId: this.messageId(m.id),
      unsubscribeUrl,
    });
    return r.providerId;
  }

  /** Messages about a ref, oldest first (for the staff and tests). */
  async about(ref: string) {
    return repo.notificationsByRef(this.deps.db, ref);
  }
}
