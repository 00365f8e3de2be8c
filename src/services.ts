import type { Kysely } from 'kysely';
import type { DB } from './platform/db.types.js';
import type { BlobStore } from './platform/blob-store.js';
import type { AuditKey } from './platform/audit-chain.model.js';
import { AuthService } from './auth/auth.service.js';
import { CatalogService } from './catalog/catalog.service.js';
import { OrgService, SERVICE_POINT_KINDS } from './org/org.service.js';
import { DomainError } from './platform/errors.js';
import { DossierService } from './dossiers/dossier.service.js';
import { FileService } from './files/file.service.js';
import { TrackingService } from './tracking/tracking.service.js';
import { FormService } from './forms/form.service.js';
import { StatsService } from './stats/stats.service.js';
import { KpiService } from './kpi/kpi.service.js';
import { HistoryService } from './history/history.service.js';
import { createQueueServices, type QueueServices } from './queue/queue.service.js';
import { PlannerService } from './queue/planner.service.js';
import { LogSmsSender, NotificationService, type SmsSender } from './notifications/notification.service.js';
import type { MailSender } from './notifications/mail.client.js';
import { NoticeService } from './notices/notice.service.js';
import { LookupBudget } from './lookups/lookup.service.js';
import type { LookupBudgetConfig } from './lookups/lookup.model.js';
import type { LoginThrottleConfig } from './auth/login-throttle.model.js';
import type { ChangeFeed } from './platform/change-feed.js';
import { PortalSyncService } from './portal/portal.service.js';
import { PortalInboundService } from './portal/portal.inbound.js';
import { NationalCatalogService } from './catalog/national-catalog.service.js';
import type { PortalGateway } from './portal/portal.client.js';
import { PopulationService, type PopulationGateway } from './population/population.service.js';
import { CitizenService, type CitizenGateway } from './citizens/citizen.service.js';
import { PaymentService } from './dossiers/payment.service.js';
import { FeedbackService } from './feedback/feedback.service.js';
import type { PaymentGateway } from './payments/gateway.client.js';

/** Everything a use case may need, injected (no module-level singletons). */
export interface ServiceDeps {
  db: Kysely<DB>;
  blobs: BlobStore;
  clock: () => Date;
  /** The audit chain's HMAC key (loadAuditKey: MOTCUA_AUDIT_KEY or <dataDir>/secrets/audit-hmac.key). */
  auditKey: AuditKey;
  sessionTtlMinutes: number;
  maxUploadBytes: number;
  /** Public address of the web app, for the QR codes of printed forms (default http://localhost:3000). */
  publicUrl?: string;
  /** The SMS adapter (default: the log, phone masked). */
  sms?: SmsSender;
  /** The e-mail adapter (SMTP); absent: e-mail notices wait in the outbox. */
  mail?: MailSender | null;
  /** The key of notices' opt-out tokens, address digests and SMS delivery-report signatures (MOTCUA_NOTICE_SECRET). */
  noticeSecret?: string;
  /** Where the SMS gateway sends delivery reports (our POST /notices/sms/reports); absent: none asked. */
  smsReportUrl?: string | (() => string | undefined);
  /** The host part of e-mail notices' Message-IDs. */
  mailHost?: string;
  /** Wrong guesses allowed at public look-ups (default DEFAULT_LOOKUP_BUDGET: 5 per code, 30 per address, in 15 minutes). */
  lookupBudget?: LookupBudgetConfig;
  /** Refresh interval of each process's copy of the locked look-up keys (default 1 s; tests use 0). */
  lockViewRefreshMs?: number;
  /** Throttling of failed log-ins (default DEFAULT_LOGIN_THROTTLE: 5 per account, 30 per address, locks of 1 min doubling to 1 h). */
  loginThrottle?: LoginThrottleConfig;
  /**
   * The database's change feed (Database.feed): with it, each process holds the sessions it has checked between
   * requests and forgets them on every announced change; without it, every request reads its session.
   */
  feed?: ChangeFeed;
  /** How long a tracking answer is kept when this process did not change its dossier (trackingCacheTtlFor). */
  trackingCacheTtlMs?: number;
  /** The National Public Service Portal adapter (PortalClient, or a test's gateway); absent = sync off, changes wait in the outbox. */
  portal?: PortalGateway | null;
  /** The population database (the VNeID adapter's look-up); absent = not connected, counter look-ups refused. */
  population?: PopulationGateway | null;
  /** VNeID's log-in for citizens (the adapter's OpenID Connect half); absent = not connected, citizen log-ins refused. */
  vneid?: CitizenGateway | null;
  /** The online payment gateway's adapter; absent = online payment not offered (counter payments still work). */
  payments?: PaymentGateway | null;
  /** Minutes a citizen has to complete an online payment (default 15). */
  paymentExpireMinutes?: number;
}

/** The use cases, callable the same way from HTTP, the CLI, jobs and tests. */
export interface Services {
  auth: AuthService;
  catalog: CatalogService;
  org: OrgService;
  dossiers: DossierService;
  files: FileService;
  tracking: TrackingService;
  stats: StatsService;
  /** The leaders' figures and the Decision 766 scorecard, from rollups of the dossiers' events. */
  kpi: KpiService;
  /** `motcua import-history`: dossiers with their whole history from a motcua.history/1 file. */
  history: HistoryService;
  forms: FormService;
  queue: QueueServices;
  planner: PlannerService;
  notifications: NotificationService;
  /** Notices to citizens on their dossiers' steps (SMS and e-mail): templates, opt-outs, delivery reports. */
  notices: NoticeService;
  /** The wrong-guess budget of public look-ups (tracking, rating, bookings, ticket tokens). */
  lookups: LookupBudget;
  /** Sync with the National Public Service Portal: the outbox's delivery and the reconciliation. */
  portal: PortalSyncService;
  portalInbound: PortalInboundService;
  nationalCatalog: NationalCatalogService;
  /** Population database look-ups at the counter, with the citizen's consent, audited. */
  population: PopulationService;
  /** Citizens logged in with VNeID: their sessions, pre-fill, dossiers, document store, submissions and ratings. */
  citizens: CitizenService;
  /** Fees and payments: online through the gateway (IPN, return, refunds, daily reconciliation), at the counter, e-receipts. */
  payments: PaymentService;
  /** Citizens' feedback and petitions (PAKN): filing, routing, handling with deadlines, published answers. */
  feedback: FeedbackService;
}

export function createServices(deps: ServiceDeps): Services {
  const { db, clock, auditKey } = deps;
  const org = new OrgService({ db, clock, auditKey });
  const catalog = new CatalogService({ db, clock, auditKey });
  const lookups = new LookupBudget({ db, clock, config: deps.lookupBudget, refreshMs: deps.lockViewRefreshMs });
  // The payments service needs the forms (e-receipts), which need the dossiers: built below, read when a page is computed.
  let payments: PaymentService | null = null;
  const tracking = new TrackingService({
    db,
    clock,
    auditKey,
    org,
    budget: lookups,
    cacheTtlMs: deps.trackingCacheTtlMs,
    payments: (d) => payments!.summary(d),
  });
  // Public tracking answers are cached: every committed change of a dossier forgets its answer.
  const files = new FileService({ db, blobs: deps.blobs, clock, auditKey, maxBytes: deps.maxUploadBytes });
  const publicUrl = deps.publicUrl ?? 'http://localhost:3000';
  const notifications = new NotificationService({
    db,
    clock,
    auditKey,
    sender: deps.sms ?? new LogSmsSender(),
    mail: deps.mail ?? null,
    noticeSecret: deps.noticeSecret,
    publicUrl,
    smsReportUrl: deps.smsReportUrl,
    mailHost: deps.mailHost,
  });
  const dossiers = new DossierService({
    db,
    clock,
    auditKey,
    org,
    catalog,
    submissions: files,
    onChange: (code) => tracking.forget(code),
    notify: (trx, messages) => notifications.enqueue(trx, messages),
    publicUrl,
  });
  const notices = new NoticeService({
    db,
    clock,
    auditKey,
    publicUrl,
    noticeSecret: deps.noticeSecret,
    visible: (actor, code) => dossiers.visibleDossier(actor, code),
    optOutUrl: (m) => notifications.optOutUrl(m),
    unitName: (id, lang) => (lang === 'en' ? org.unitNameEn(id) : org.unitName(id)),
  });
  const queue = createQueueServices({ db, clock, auditKey, org, notifications, publicUrl, budget: lookups });
  const kpi = new KpiService({ db, clock, org, queue: queue.board, portalSync: Boolean(deps.portal) });
  const forms = new FormService({ db, clock, auditKey, dossiers, org, kpi, publicUrl });
  payments = new PaymentService({
    db,
    clock,
    auditKey,
    gateway: deps.payments ?? null,
    forms,
    publicUrl,
    expireMinutes: deps.paymentExpireMinutes,
    onChange: (code) => tracking.forget(code),
  });
  return {
    auth: new AuthService({
      db,
      clock,
      auditKey,
      sessionTtlMinutes: deps.sessionTtlMinutes,
      loginThrottle: deps.loginThrottle,
      feed: deps.feed,
    }),
    catalog,
    org,
    dossiers,
    files,
    tracking,
    stats: new StatsService({ db, clock, org }),
    kpi,
    forms,
    payments,
    feedback: new FeedbackService({
      db,
      clock,
      auditKey,
      blobs: deps.blobs,
      org,
      catalog,
      budget: lookups,
      authorizeDossier: (code, secret, client) => tracking.authorize(code, secret, client),
      // The sender hears of the answer, a refusal or a request for information by SMS and e-mail.
      onOutcome: async (trx, o) => void (await notices.queueFeedback(trx, o)),
    }),
    queue,
    history: new HistoryService({ db, clock, auditKey, blobs: deps.blobs, org }),
    planner: new PlannerService({ db, clock, org }),
    notifications,
    notices,
    lookups,
    portal: new PortalSyncService({ db, clock, auditKey, gateway: deps.portal ?? null, publicUrl }),
    nationalCatalog: new NationalCatalogService({
      db,
      clock,
      auditKey,
      source: deps.portal?.listProcedures ? { listProcedures: (cursor, limit) => deps.portal!.listProcedures!(cursor, limit) } : null,
      catalog,
    }),
    portalInbound: new PortalInboundService({
      db,
      clock,
      auditKey,
      gateway: deps.portal ?? null,
      files,
      submit: (input, token, portal) => dossiers.submitFromPortal(input, token, portal),
      componentsOf: async (code) => {
        try {
          return (await catalog.versionOn(code, clock())).body.components;
        } catch (e) {
          if (e instanceof DomainError && e.code === 'UNKNOWN_PROCEDURE') return null;
          throw e;
        }
      },
      servicePointOf: async (agencyCode) => (await org.listUnits([...SERVICE_POINT_KINDS])).find((u) => u.agency_code === agencyCode)?.id,
    }),
    population: new PopulationService({ db, clock, auditKey, gateway: deps.population ?? null }),
    citizens: new CitizenService({
      db,
      clock,
      auditKey,
      gateway: deps.vneid ?? null,
      submit: (input, key, token, citizen) => dossiers.submitOnline(input, key, token, citizen),
      unitName: (id) => org.unitName(id),
      storeDocuments: (idNumber) => dossiers.ownStoreDocuments(idNumber),
      rate: (citizen, code, rating, comment, key) => tracking.rateAsCitizen(citizen, code, rating, comment, key),
    }),
  };
}
