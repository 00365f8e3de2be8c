import type { Kysely } from 'kysely';
import type { DB } from '../platform/db.types.js';
import { maskPhone } from '../dossiers/dossier.model.js';
import * as repo from './notification.repository.js';
import { recordAudit } from '../audit/audit.service.js';
import type { AuditKey } from '../platform/audit-chain.model.js';

/** Delivers one SMS; throws when the gateway refuses (the message is retried later). */
export interface SmsSender {
  readonly name: string;
  send(to: string, body: string): Promise<void>;
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

/**
 * Notifications go through an outbox: written in the same transaction as what caused them, sent later by
 * dispatch() through the adapter. A gateway outage delays messages; it never loses them.
 */
export class NotificationService {
  constructor(private readonly deps: { db: Kysely<DB>; clock: () => Date; auditKey: AuditKey; sender: SmsSender }) {}

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

  /** Sends every message due now; a failure is recorded and retried on a later run (at most 5 attempts). */
  async dispatch(limit = 200): Promise<{ sent: number; failed: number }> {
    const now = this.deps.clock();
    let sent = 0;
    let failed = 0;
    for (const m of await repo.dueNotifications(this.deps.db, now, limit)) {
      try {
        await this.deps.sender.send(m.recipient, m.body);
        await this.record(m.id, 'notification.sent', { kind: m.kind, via: this.deps.sender.name }, (trx, at) =>
          repo.markSent(trx, m.id, at),
        );
        sent++;
      } catch (e) {
        const error = (e as Error).message;
        await this.record(m.id, 'notification.failed', { kind: m.kind, via: this.deps.sender.name, error: error.slice(0, 200) }, (trx) =>
          repo.markFailed(trx, m.id, error),
        );
        failed++;
      }
    }
    return { sent, failed };
  }

  /** Marks a message and audits it in one transaction (the audit names the message, never the phone number). */
  private async record(
    id: number,
    action: string,
    data: Record<string, unknown>,
    write: (trx: Kysely<DB>, at: Date) => Promise<void>,
  ): Promise<void> {
    const at = this.deps.clock();
    await this.deps.db.transaction().execute(async (trx) => {
      await write(trx, at);
      await recordAudit(
        trx,
        this.deps.auditKey,
        { actorKind: 'system', actorId: null, stream: 'system', action, entityType: 'notification', entityId: String(id), data },
        at,
      );
    });
  }

  /** Messages about a ref, oldest first (for the staff and tests). */
  async about(ref: string) {
    return repo.notificationsByRef(this.deps.db, ref);
  }
}
