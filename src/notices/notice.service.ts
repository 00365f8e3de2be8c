import type { Insertable, Kysely } from 'kysely';
import type { DB, Dossier, NotificationTable } from '../platform/db.types.js';
import type { AuditKey } from '../platform/audit-chain.model.js';
import type { Actor } from '../auth/auth.model.js';
import { requireRole } from '../auth/auth.model.js';
import { recordAudit } from '../audit/audit.service.js';
import { DomainError } from '../platform/errors.js';
import { maskPhone } from '../dossiers/dossier.model.js';
import { trackingUrl, vnDate, vnd } from '../forms/form.model.js';
import { SEND_STATUS_DELIVERED, SEND_STATUS_FAILED } from '../notifications/sms.contract.js';
import { DEFAULT_NOTICE_SECRET } from '../notifications/notification.service.js';
import * as repo from './notice.repository.js';
import {
  FEEDBACK_NOTICES,
  KIND_VARS,
  NOTICE_ACTIONS,
  NOTICE_CHANNELS,
  NOTICE_KINDS,
  NOTICE_LANGS,
  SAMPLE_VARS,
  addressDigest,
  defaultTemplate,
  emailParts,
  maskEmail,
  noticeStatus,
  readOptOutToken,
  renderText,
  reportSignatureValid,
  validateTemplate,
  type NoticeChannel,
  type NoticeKind,
  type NoticeLang,
  type NoticeText,
} from './notice.model.js';

export interface NoticeDeps {
  db: Kysely<DB>;
  clock: () => Date;
  auditKey: AuditKey;
  /** Public address of the web app (tracking links). */
  publicUrl: string;
  /** The key of address digests, opt-out tokens and delivery-report signatures (the notifications' too). */
  noticeSecret?: string;
  /** The dossier a staff member may see (404 otherwise). */
  visible: (actor: Actor, code: string) => Promise<Dossier>;
  /** The opt-out link of an e-mail notification (NotificationService.optOutUrl). */
  optOutUrl: (m: { id: number; channel: NoticeChannel; recipient: string }) => string;
  /** A unit's name in a language (the competent unit of a feedback). */
  unitName?: (unitId: number, lang: NoticeLang) => string;
}

/** A feedback outcome the sender is told of (FeedbackService's onOutcome). */
export interface FeedbackNotice {
  id: number;
  code: string;
  title: string;
  text: string | null;
  unitId: number;
  lang: NoticeLang;
  status: string;
  senderPhone: string | null;
  senderEmail: string | null;
  at: Date;
}

type TemplateKey = `${NoticeKind}/${NoticeChannel}/${NoticeLang}`;

const parseData = (d: unknown): Record<string, unknown> => {
  if (d == null) return {};
  if (typeof d === 'string') return JSON.parse(d) as Record<string, unknown>;
  return d as Record<string, unknown>;
};

/**
 * Notices to citizens on the notable steps of their dossier: the queue written with each event (NOTICE_QUEUE_CTE)
 * becomes one notification per channel (expand), which the notification outbox sends; the administrator's templates;
 * opt-outs per channel; delivery reports; the staff's list of a dossier's notices.
 */
export class NoticeService {
  constructor(private readonly deps: NoticeDeps) {}

  private get secret(): string {
    return this.deps.noticeSecret ?? DEFAULT_NOTICE_SECRET;
  }

  /** What the periodic job runs: rounds of expand until one finds less than a full batch or `maxMs` has passed. */
  async expandDue(batch = 200, maxMs = 5_000): Promise<{ events: number; notifications: number; skipped: number }> {
    const until = Date.now() + maxMs;
    const total = { events: 0, notifications: 0, skipped: 0 };
    for (;;) {
      const r = await this.expand(batch);
      total.events += r.events;
      total.notifications += r.notifications;
      total.skipped += r.skipped;
      if (r.events < batch || Date.now() >= until) return total;
    }
  }

  /**
   * Turns queued events into notifications, one per channel (SMS to the applicant's phone, e-mail when the dossier
   * has one), and deletes the queue rows, in one transaction: a crash anywhere leaves the queue rows to do again, and
   * the notifications' unique source_key (dossier:<id>:<seq>:<channel>) makes a second pass insert nothing twice. An
   * address that opted out of its channel gets a row marked skipped (opted_out), never sent.
   */
  async expand(limit = 100): Promise<{ events: number; notifications: number; skipped: number }> {
    const now = this.deps.clock();
    return this.deps.db.transaction().execute(async (trx) => {
      const queued = await repo.claimQueue(trx, limit);
      if (!queued.length) return { events: 0, notifications: 0, skipped: 0 };
      const overrides = new Map((await repo.templates(trx)).map((t) => [`${t.kind}/${t.channel}/${t.lang}`, t]));
      // Five statements for the batch, whatever its size: the facts of every event, the opt-outs of every address,
      // the notifications, the queue rows done.
      const facts = (await repo.noticeFacts(trx, queued)).sort((a, b) => a.id - b.id || a.seq - b.seq);
      const notable = facts.flatMap((f) => {
        const kind = NOTICE_ACTIONS[f.action];
        if (!kind) return [];
        const addresses: [NoticeChannel, string][] = [];
        if (f.applicant_phone) addresses.push(['sms', f.applicant_phone]);
        if (f.applicant_email) addresses.push(['email', f.applicant_email]);
        return [
          {
            f,
            kind,
            addresses: addresses.map(([channel, address]) => ({ channel, address, digest: addressDigest(this.secret, channel, address) })),
          },
        ];
      });
      const stopped = await repo.optedOutAmong(
        trx,
        notable.flatMap((n) => n.addresses.map((a) => ({ channel: a.channel, digest: a.digest }))),
      );
      let skipped = 0;
      const rows: Insertable<NotificationTable>[] = [];
      for (const { f, kind, addresses } of notable) {
        const lang = f.notice_lang;
        const vars = this.vars(kind, lang, f);
        for (const { channel, address, digest } of addresses) {
          const t = this.templateOf(overrides, kind, channel, lang);
          const out = stopped.has(`${channel}:${digest}`);
          if (out) skipped++;
          rows.push({
            channel,
            recipient: address,
            subject: t.subject == null ? null : renderText(t.subject, vars),
            body: renderText(t.body, vars),
            kind: `dossier.${kind}`,
            ref: `dossier:${f.code}`,
            dossier_id: f.id,
            source_key: `dossier:${f.id}:${f.seq}:${channel}`,
            due_at: now,
            created_at: now,
            skipped_reason: out ? 'opted_out' : null,
          });
        }
      }
      const made = (await repo.insertOnce(trx, rows)).length;
      await repo.deleteQueued(trx, queued);
      return { events: queued.length, notifications: made, skipped };
    });
  }

  /**
   * The notices of a feedback's outcome (answered, refused, more information asked), to the sender's phone and
   * e-mail if they gave them, queued in the caller's transaction: written with the outcome or not at all, then sent
   * by dispatch like every notification. The source key names the feedback, the outcome and its instant, so each
   * outcome is told once per channel.
   */
  async queueFeedback(trx: Kysely<DB>, o: FeedbackNotice): Promise<number> {
    const kind = FEEDBACK_NOTICES[o.status];
    if (!kind) return 0;
    const now = this.deps.clock();
    const overrides = new Map((await repo.templates(trx)).map((t) => [`${t.kind}/${t.channel}/${t.lang}`, t]));
    const vi = o.lang === 'vi';
    const vars: Record<string, string> = {
      code: o.code,
      title: o.title,
      unit: this.deps.unitName?.(o.unitId, o.lang) ?? (vi ? 'cơ quan có thẩm quyền' : 'the competent agency'),
      note: o.text?.trim() || (vi ? 'xem chi tiết tại trang theo dõi phản ánh' : 'see the feedback page'),
      followUrl: `${this.deps.publicUrl.replace(/\/+$/, '')}/phan-anh?ma=${encodeURIComponent(o.code)}`,
    };
    const rows: Insertable<NotificationTable>[] = [];
    const addresses: [NoticeChannel, string | null][] = [
      ['sms', o.senderPhone],
      ['email', o.senderEmail],
    ];
    for (const [channel, address] of addresses) {
      if (!address) continue;
      const t = this.templateOf(overrides, kind, channel, o.lang);
      const out = await repo.optedOut(trx, channel, addressDigest(this.secret, channel, address));
      rows.push({
        channel,
        recipient: address,
        subject: t.subject == null ? null : renderText(t.subject, vars),
        body: renderText(t.body, vars),
        kind: `feedback.${kind}`,
        ref: `feedback:${o.code}`,
        dossier_id: null,
        source_key: `feedback:${o.id}:${o.status}:${o.at.getTime()}:${channel}`,
        due_at: now,
        created_at: now,
        skipped_reason: out ? 'opted_out' : null,
      });
    }
    return (await repo.insertOnce(trx, rows)).length;
  }

  private templateOf(
    overrides: Map<string, { subject: string | null; body: string }>,
    kind: NoticeKind,
    channel: NoticeChannel,
    lang: NoticeLang,
  ): NoticeText {
    const o = overrides.get(`${kind}/${channel}/${lang}` satisfies TemplateKey);
    return o ? { subject: o.subject, body: o.body } : defaultTemplate(kind, channel, lang);
  }

  /** The values of a notice's variables, in the citizen's language. */
  private vars(kind: NoticeKind, lang: NoticeLang, f: Awaited<ReturnType<typeof repo.noticeFacts>>[number]): Record<string, string> {
    const vi = lang === 'vi';
    const data = parseData(f.data);
    const amount = Number(data.amountVnd ?? 0);
    const newDue = typeof data.newDueAt === 'string' ? data.newDueAt : f.apology_due_at;
    const all: Record<string, string> = {
      code: f.code,
      procedure: vi ? f.procedure_vi : f.procedure_en,
      point: vi ? f.point_vi : f.point_en,
      trackingUrl: trackingUrl(this.deps.publicUrl, f.code, f.tracking_token),
      dueDate: f.due_at ? vnDate(f.due_at) : '',
      note: f.note?.trim() || (vi ? 'xem chi tiết tại trang tra cứu' : 'see the tracking page'),
      returnPoint: vi ? f.return_vi : f.return_en,
      returnAddress: f.return_address ?? '',
      amount: vi ? vnd(amount) : `${amount.toLocaleString('en-US')} VND`,
      newDate: newDue ? vnDate(newDue) : '',
      date: vnDate(f.at),
    };
    return Object.fromEntries(KIND_VARS[kind].map((k) => [k, all[k] ?? '']));
  }

  // ---------- templates (administrator) ----------

  /** Every (kind, channel, lang) with its text in force: the administrator's, or the default. */
  async listTemplates(actor: Actor) {
    requireRole(actor, 'admin');
    const overrides = new Map((await repo.templates(this.deps.db)).map((t) => [`${t.kind}/${t.channel}/${t.lang}`, t]));
    const out = [];
    for (const kind of NOTICE_KINDS)
      for (const channel of NOTICE_CHANNELS)
        for (const lang of NOTICE_LANGS) {
          const o = overrides.get(`${kind}/${channel}/${lang}`);
          const d = defaultTemplate(kind, channel, lang);
          out.push({
            kind,
            channel,
            lang,
            subject: o ? o.subject : d.subject,
            body: o ? o.body : d.body,
            custom: Boolean(o),
            variables: [...KIND_VARS[kind]],
            defaultSubject: d.subject,
            defaultBody: d.body,
            updatedAt: o ? o.updated_at.toISOString() : null,
          });
        }
    return out;
  }

  /** Sets the administrator's text of a notice (validated: known variables, lengths), audited. */
  async putTemplate(actor: Actor, kind: NoticeKind, channel: NoticeChannel, lang: NoticeLang, t: NoticeText) {
    requireRole(actor, 'admin');
    const text = { subject: t.subject ?? null, body: t.body };
    validateTemplate(kind, channel, text);
    const now = this.deps.clock();
    await this.deps.db.transaction().execute(async (trx) => {
      await repo.upsertTemplate(trx, { kind, channel, lang, ...text, updated_at: now, updated_by: actor.staffId });
      await this.audit(trx, actor, 'notice.template_set', `${kind}/${channel}/${lang}`, { subject: text.subject, body: text.body }, now);
    });
    return (await this.listTemplates(actor)).find((x) => x.kind === kind && x.channel === channel && x.lang === lang)!;
  }

  /** Goes back to the default text, audited; 404 when there was no text of the administrator's. */
  async resetTemplate(actor: Actor, kind: NoticeKind, channel: NoticeChannel, lang: NoticeLang) {
    requireRole(actor, 'admin');
    const now = this.deps.clock();
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await repo.deleteTemplate(trx, kind, channel, lang)))
        throw new DomainError('NOT_FOUND', `No custom template for ${kind}/${channel}/${lang}`, { field: 'params.kind' });
      await this.audit(trx, actor, 'notice.template_reset', `${kind}/${channel}/${lang}`, {}, now);
    });
    return (await this.listTemplates(actor)).find((x) => x.kind === kind && x.channel === channel && x.lang === lang)!;
  }

  /** A template (given, or the one in force) rendered with sample values; an e-mail with its text and HTML parts. */
  async preview(actor: Actor, p: { kind: NoticeKind; channel: NoticeChannel; lang: NoticeLang; subject?: string | null; body?: string }) {
    requireRole(actor, 'admin');
    let t: NoticeText;
    if (p.body !== undefined) {
      t = { subject: p.subject ?? null, body: p.body };
      validateTemplate(p.kind, p.channel, t);
    } else {
      const o = await repo.template(this.deps.db, p.kind, p.channel, p.lang);
      t = o ? { subject: o.subject, body: o.body } : defaultTemplate(p.kind, p.channel, p.lang);
    }
    const vars = Object.fromEntries(KIND_VARS[p.kind].map((k) => [k, SAMPLE_VARS[k] ?? '']));
    const body = renderText(t.body, vars);
    if (p.channel === 'sms') return { subject: null, text: body, html: null, length: body.length };
    const parts = emailParts(body, this.deps.optOutUrl({ id: 0, channel: 'email', recipient: 'sample@example.vn' }));
    return { subject: renderText(t.subject ?? '', vars), text: parts.text, html: parts.html, length: parts.text.length };
  }

  // ---------- staff view ----------

  /** The notices of a dossier the staff member may see: kind, channel, masked recipient, status, times. */
  async ofDossier(actor: Actor, code: string) {
    const d = await this.deps.visible(actor, code);
    return (await repo.notificationsOfDossier(this.deps.db, d.id)).map((n) => ({
      id: Number(n.id),
      kind: n.kind.replace(/^dossier\./, ''),
      channel: n.channel,
      recipient: n.channel === 'sms' ? maskPhone(n.recipient) : maskEmail(n.recipient),
      status: noticeStatus(n),
      createdAt: n.created_at.toISOString(),
      sentAt: n.sent_at?.toISOString() ?? null,
      deliveredAt: n.delivery_at?.toISOString() ?? null,
      attempts: n.attempts,
      lastError: n.last_error,
    }));
  }

  // ---------- delivery reports ----------

  /**
   * A delivery report from the SMS gateway (its callback, sig = our HMAC of the RequestId in the URL we gave).
   * Stored on the notification with its time, audited; a repeated report changes nothing.
   */
  async smsReport(r: { sig: string; RequestId: string; SMSID: string; SendStatus: string }): Promise<{ stored: boolean }> {
    if (!reportSignatureValid(this.secret, r.RequestId, r.sig))
      throw new DomainError('UNAUTHENTICATED', 'The delivery report is not signed for this message', { field: 'querystring.sig' });
    const id = /^notice-(\d{1,15})$/.exec(r.RequestId)?.[1];
    const status = r.SendStatus === SEND_STATUS_DELIVERED ? 'delivered' : r.SendStatus === SEND_STATUS_FAILED ? 'failed' : null;
    const notFound = () => new DomainError('NOT_FOUND', 'No message matches this report', { field: 'body.RequestId' });
    if (!id) throw notFound();
    if (
      status &&
      (await repo.storeDelivery(this.deps.db, this.deps.auditKey, { id: Number(id), smsId: r.SMSID, status }, this.deps.clock()))
    )
      return { stored: true };
    // Nothing stored: a report not final (pending, waiting for the operator), a repeated one, or none of ours.
    const n = await repo.notification(this.deps.db, Number(id));
    if (!n || n.channel !== 'sms' || (n.provider_id && n.provider_id !== r.SMSID)) throw notFound();
    return { stored: false };
  }

  // ---------- opt-outs ----------

  /** What an e-mail's opt-out link stops (for its page), or 404 for a token that is not ours. */
  async optOutInfo(token: string) {
    const claim = readOptOutToken(this.secret, token);
    if (!claim) throw new DomainError('NOT_FOUND', 'This opt-out link is not valid', { field: 'querystring.token' });
    return { channel: claim.channel, optedOut: await repo.optedOut(this.deps.db, claim.channel, claim.digest) };
  }

  /** Stops a channel for the address of an opt-out link, audited (the digest, never the address). */
  async optOutByToken(token: string) {
    const claim = readOptOutToken(this.secret, token);
    if (!claim) throw new DomainError('NOT_FOUND', 'This opt-out link is not valid', { field: 'querystring.token' });
    const n = await repo.notification(this.deps.db, claim.notificationId);
    return this.optOut(claim.channel, claim.digest, 'email_link', n?.dossier_id ?? null, null, { notification: claim.notificationId });
  }

  /** A clerk stops a channel for the applicant of a dossier they may see (the citizen asked at the counter), audited. */
  async optOutByStaff(actor: Actor, code: string, channel: NoticeChannel) {
    const d = await this.deps.visible(actor, code);
    const address = channel === 'sms' ? d.applicant_phone : d.applicant_email;
    if (!address) throw new DomainError('VALIDATION', 'The dossier has no e-mail address', { field: 'body.channel' });
    return this.optOut(channel, addressDigest(this.secret, channel, address), 'clerk', d.id, actor, { dossier: d.code });
  }

  /** A citizen logged in with VNeID stops a channel for the applicant's address of one of their own dossiers, audited. */
  async optOutByCitizen(
    citizenIdNumber: string,
    code: string,
    channel: NoticeChannel,
    find: (code: string) => Promise<Dossier | undefined>,
  ) {
    const d = await find(code);
    if (!d || d.applicant_id_number !== citizenIdNumber)
      throw new DomainError('NOT_FOUND', `Dossier ${code} not found`, { field: 'body.code' });
    const address = channel === 'sms' ? d.applicant_phone : d.applicant_email;
    if (!address) throw new DomainError('VALIDATION', 'The dossier has no e-mail address', { field: 'body.channel' });
    return this.optOut(channel, addressDigest(this.secret, channel, address), 'citizen', d.id, null, { dossier: d.code });
  }

  private async optOut(
    channel: NoticeChannel,
    digest: string,
    source: 'email_link' | 'citizen' | 'clerk',
    dossierId: number | null,
    actor: Actor | null,
    data: Record<string, unknown>,
  ): Promise<{ channel: NoticeChannel; optedOut: true; already: boolean }> {
    const now = this.deps.clock();
    return this.deps.db.transaction().execute(async (trx) => {
      const added = await repo.insertOptOut(trx, {
        channel,
        address_digest: digest,
        created_at: now,
        source,
        dossier_id: dossierId,
        staff_id: actor?.staffId ?? null,
      });
      if (added)
        await recordAudit(
          trx,
          this.deps.auditKey,
          {
            actorKind: actor ? 'staff' : source === 'citizen' ? 'citizen' : 'system',
            actorId: actor?.staffId ?? null,
            stream: actor ? `unit:${actor.unitId}` : 'system',
            action: 'notice.opt_out',
            entityType: 'notice_optout',
            entityId: `${channel}:${digest.slice(0, 16)}`,
            data: { channel, source, ...data },
          },
          now,
        );
      return { channel, optedOut: true as const, already: !added };
    });
  }

  private async audit(trx: Kysely<DB>, actor: Actor, action: string, entityId: string, data: Record<string, unknown>, at: Date) {
    await recordAudit(
      trx,
      this.deps.auditKey,
      { actorKind: 'staff', actorId: actor.staffId, stream: `unit:${actor.unitId}`, action, entityType: 'notice_template', entityId, data },
      at,
    );
  }
}
