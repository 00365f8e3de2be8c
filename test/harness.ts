import { afterAll } from 'vitest';
import { createTestDatabase } from '../src/platform/testing.js';
import { MemoryBlobStore } from '../src/platform/blob-store.js';
import { loadConfig } from '../src/platform/config.js';
import { createServices, type Services } from '../src/services.js';
import { buildApp } from '../src/app.js';
import { hashPassword } from '../src/auth/auth.service.js';
import type { HttpApp } from '../src/platform/http.js';
import type { AppDatabase } from '../src/platform/database-roles.js';
import type { DB } from '../src/platform/db.types.js';
import { AuditKey } from '../src/platform/audit-chain.model.js';
import type { StaffRole } from '../src/platform/db.types.js';
import { samplePdf } from '../src/demo/demo.model.js';
import { TEST_CATALOG, TEST_ORG } from './fixtures.js';
import { apiClient, type Api } from './api.js';
import type { PortalGateway } from '../src/portal/portal.client.js';
import type { PaymentGateway } from '../src/payments/gateway.client.js';
import type { PopulationGateway } from '../src/population/population.service.js';
import type { CitizenGateway } from '../src/citizens/citizen.service.js';
import type { SmsSender } from '../src/notifications/notification.service.js';
import type { MailSender } from '../src/notifications/mail.client.js';

export const PASSWORD = 'test-password-1';

export interface Harness {
  app: HttpApp;
  services: Services;
  /** The app's pool runs as the unprivileged app role; `database.asOwner` acts as the tables' owner. */
  database: AppDatabase;
  /** The audit chain's key (a new random one per harness). */
  auditKey: AuditKey;
  clock: { now: Date; set(iso: string): void; advanceHours(h: number): void };
  /** unit key → id */
  unit: (key: string) => number;
  token: (username: string) => Promise<string>;
  /** The typed API client (test/api.ts), logged in as `username` when given. */
  api: (username?: string) => Promise<Api>;
  /** Uploads a sample PDF as the staff member of `token`: the file is their unit's. */
  upload: (token: string, title?: string) => Promise<string>;
  /** The number of rows in a table, read as the app role. */
  count: (table: keyof DB) => Promise<number>;
  /** Opens an online submission (POST /public/submissions) and returns its token. */
  submission: () => Promise<string>;
  /** Uploads a sample PDF under an online submission's token (POST /public/files): the file is that submission's. */
  publicUpload: (submissionToken: string, title?: string) => Promise<string>;
  /** The app's blob store (in memory). */
  blobs: MemoryBlobStore;
}

/** A migrated database with the test province, its staff, and the HTTP app on a controllable clock. */
export async function createHarness(
  startIso = '2025-03-14T10:00:00+07:00',
  opts: {
    portal?: PortalGateway;
    population?: PopulationGateway;
    vneid?: CitizenGateway;
    payments?: PaymentGateway;
    /** The notices' adapters and the SMS gateway's callback (read at each send: the app's port is known after listen). */
    notices?: { sms?: SmsSender; mail?: MailSender; smsReportUrl?: () => string | undefined; noticeSecret?: string };
  } = {},
): Promise<Harness> {
  const database = await createTestDatabase();
  const auditKey = AuditKey.generate();
  const clock = {
    now: new Date(startIso),
    set(iso: string) {
      this.now = new Date(iso);
    },
    advanceHours(h: number) {
      this.now = new Date(this.now.getTime() + h * 3_600_000);
    },
  };
  const config = loadConfig({}, { trackingPerMinute: 1000, maxUploadBytes: 64 * 1024, logLevel: 'silent' });
  const blobs = new MemoryBlobStore();
  const services = createServices({
    db: database.db,
    blobs,
    clock: () => clock.now,
    auditKey,
    sessionTtlMinutes: 60 * 24 * 365,
    maxUploadBytes: config.maxUploadBytes,
    feed: database.feed,
    portal: opts.portal,
    population: opts.population,
    vneid: opts.vneid,
    payments: opts.payments,
    ...(opts.notices?.sms ? { sms: opts.notices.sms } : {}),
    ...(opts.notices?.mail ? { mail: opts.notices.mail } : {}),
    ...(opts.notices?.smsReportUrl ? { smsReportUrl: opts.notices.smsReportUrl } : {}),
    ...(opts.notices?.noticeSecret ? { noticeSecret: opts.notices.noticeSecret } : {}),
  });
  await services.org.importOrg(TEST_ORG);
  await services.catalog.importCatalog(null, TEST_CATALOG);
  const units = await services.org.listUnits();
  const unit = (key: string) => {
    const u = units.find((x) => x.key === key);
    if (!u) throw new Error(`no unit ${key}`);
    return u.id;
  };
  const hash = await hashPassword(PASSWORD);
  const staff: [string, StaffRole, string][] = [
    ['admin', 'admin', 'PROVINCE'],
    ['clerk.center', 'clerk', 'TTPVHCC'],
    ['clerk.branch', 'clerk', 'CN-A'],
    ['clerk.mot', 'clerk', 'P-MOT-TT'],
    ['clerk.hai', 'clerk', 'X-HAI-TT'],
    ['clerk.ba', 'clerk', 'X-BA-TT'],
    ['manager.center', 'manager', 'TTPVHCC'],
    ['spec.mot', 'specialist', 'P-MOT-UB'],
    ['appr.mot', 'approver', 'P-MOT-UB'],
    ['spec.hai', 'specialist', 'X-HAI-UB'],
    ['appr.hai', 'approver', 'X-HAI-UB'],
    ['spec.stp', 'specialist', 'STP'],
    ['appr.stp', 'approver', 'STP'],
    ['spec.ca', 'specialist', 'CA'],
  ];
  for (const [username, role, key] of staff) {
    await database.db
      .insertInto('staff')
      .values({ username, password_hash: hash, full_name: username, role, unit_id: unit(key) })
      .execute();
  }
  const app = await buildApp({ config, database, services, logger: false });
  const tokens = new Map<string, string>();
  const token = async (username: string) => {
    const cached = tokens.get(username);
    if (cached) return cached;
    const r = await app.inject({ method: 'POST', url: '/auth/login', payload: { username, password: PASSWORD } });
    if (r.statusCode !== 200) throw new Error(`login ${username}: ${r.body}`);
    const t = (r.json() as { token: string }).token;
    tokens.set(username, t);
    return t;
  };
  let n = 0;
  const upload = async (t: string, title?: string) => {
    const r = await app.inject({
      method: 'POST',
      url: '/files',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/octet-stream' },
      payload: samplePdf(title ?? `scan ${++n}`),
    });
    if (r.statusCode !== 201) throw new Error(`upload: ${r.body}`);
    return (r.json() as { sha256: string }).sha256;
  };
  const count = async (table: keyof DB) =>
    Number(
      (
        await database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const submission = async () => {
    const r = await app.inject({ method: 'POST', url: '/public/submissions' });
    if (r.statusCode !== 201) throw new Error(`submission: ${r.body}`);
    return (r.json() as { submissionToken: string }).submissionToken;
  };
  const publicUpload = async (submissionToken: string, title?: string) => {
    const r = await app.inject({
      method: 'POST',
      url: '/public/files',
      headers: { 'x-submission-token': submissionToken, 'content-type': 'application/octet-stream' },
      payload: samplePdf(title ?? `scan ${++n}`),
    });
    if (r.statusCode !== 201) throw new Error(`public upload: ${r.body}`);
    return (r.json() as { sha256: string }).sha256;
  };
  afterAll(async () => {
    await app.close();
    await database.close();
  });
  const api = async (username?: string) => apiClient(app, username ? await token(username) : undefined);
  return { app, services, database, auditKey, clock, unit, token, api, upload, count, submission, publicUpload, blobs };
}

let idCount = 0;

/** A valid citizen ID number no other call of this process returns: for applicants who must not be duplicates of each other. */
export function newIdNumber(): string {
  return `0370960${String(++idCount).padStart(5, '0')}`;
}

/** A valid applicant living in the given commune. */
export function applicant(communeCode = '14002', over: Record<string, unknown> = {}) {
  return { idNumber: '037095001234', name: 'Nguyễn Văn An', phone: '0912345678', address: 'Thôn Hai, Xã Hai', communeCode, ...over };
}
