import type { Kysely } from 'kysely';
import type { DB } from './platform/db.types.js';
import type { BlobStore } from './platform/blob-store.js';
import type { AuditKey } from './platform/audit-chain.model.js';
import { AuthService } from './auth/auth.service.js';
import { CatalogService } from './catalog/catalog.service.js';
import { OrgService } from './org/org.service.js';
import { DossierService } from './dossiers/dossier.service.js';
import { FileService } from './files/file.service.js';
import { TrackingService } from './tracking/tracking.service.js';
import { FormService } from './forms/form.service.js';
import { StatsService } from './stats/stats.service.js';
import { createQueueServices, type QueueServices } from './queue/queue.service.js';
import { PlannerService } from './queue/planner.service.js';
import { LogSmsSender, NotificationService, type SmsSender } from './notifications/notification.service.js';

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
  forms: FormService;
  queue: QueueServices;
  planner: PlannerService;
  notifications: NotificationService;
}

export function createServices(deps: ServiceDeps): Services {
  const { db, clock, auditKey } = deps;
  const org = new OrgService({ db, clock, auditKey });
  const catalog = new CatalogService({ db, clock, auditKey });
  const tracking = new TrackingService({ db, clock, auditKey, org });
  // Public tracking answers are cached: every committed change of a dossier forgets its answer.
  const dossiers = new DossierService({ db, clock, auditKey, org, catalog, onChange: (code) => tracking.forget(code) });
  const publicUrl = deps.publicUrl ?? 'http://localhost:3000';
  const notifications = new NotificationService({ db, clock, auditKey, sender: deps.sms ?? new LogSmsSender() });
  return {
    auth: new AuthService({ db, clock, auditKey, sessionTtlMinutes: deps.sessionTtlMinutes }),
    catalog,
    org,
    dossiers,
    files: new FileService({ db, blobs: deps.blobs, clock, auditKey, maxBytes: deps.maxUploadBytes }),
    tracking,
    stats: new StatsService({ db, clock, org }),
    forms: new FormService({ db, clock, auditKey, dossiers, org, publicUrl }),
    queue: createQueueServices({ db, clock, auditKey, org, notifications, publicUrl }),
    planner: new PlannerService({ db, clock, org }),
    notifications,
  };
}
