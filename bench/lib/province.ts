// The benchmark province: the test province of test/fixtures.ts with more branches, so intake
// spreads over as many service points as a real province has counters open at once.

import { startPeriodic } from '../../src/platform/jobs.js';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app.js';
import { hashPassword } from '../../src/auth/auth.service.js';
import { LocalBlobStore } from '../../src/platform/blob-store.js';
import { loadConfig, type Config } from '../../src/platform/config.js';
import type { HttpApp } from '../../src/platform/http.js';
import { createServices, type ServiceDeps, type Services } from '../../src/services.js';
import { samplePdf } from '../../src/demo/demo.model.js';
import { trackingCacheTtlFor } from '../../src/tracking/tracking.service.js';
import { TEST_CATALOG, TEST_ORG } from '../../test/fixtures.js';
import type { BenchDatabase } from './databases.js';

export const PASSWORD = 'bench-password-1';

const EXTRA_BRANCHES = 'BCDEFGH'.split('').map((l, i) => ({
  key: `CN-${l}`,
  agencyCode: `000.01.${String(i + 2).padStart(2, '0')}.H40`,
  nameVi: `Chi nhánh ${l}`,
  nameEn: `Branch ${l}`,
  address: `${10 + i} Lê Lợi`,
  lat: 20.4,
  lon: 106.1,
  areaType: 'urban',
}));

/** TEST_ORG plus seven branches: 1 center + 8 branches + 3 commune centers = 12 service points. */
export const BENCH_ORG = { ...TEST_ORG, branches: [...TEST_ORG.branches, ...EXTRA_BRANCHES] };

export interface Province {
  config: Config;
  services: Services;
  app: HttpApp;
  url: string;
  /** One clerk per service point: username, unit id, agency code (the dossier code prefix). */
  clerks: { username: string; unitId: number; agencyCode: string; staffId: number }[];
  close(): Promise<void>;
}

/** Imports the province and catalog, creates a clerk at every service point and starts the real app on 127.0.0.1:0. */
export async function startProvince(
  b: BenchDatabase,
  overrides: Partial<Config> = {},
  deps: Pick<ServiceDeps, 'lookupBudget' | 'portal' | 'payments' | 'sms' | 'mail' | 'smsReportUrl' | 'noticeSecret' | 'mailHost'> = {},
): Promise<Province> {
  const config = loadConfig({}, { logLevel: 'silent', dataDir: b.tmpDir, poolSize: b.poolSize, ...overrides });
  const services = createServices({
    db: b.database.db,
    blobs: new LocalBlobStore(`${b.tmpDir}/blobs`),
    clock: () => new Date(),
    auditKey: b.auditKey,
    sessionTtlMinutes: config.sessionTtlMinutes,
    maxUploadBytes: config.maxUploadBytes,
    feed: b.database.feed,
    trackingCacheTtlMs: trackingCacheTtlFor(b.database.kind), // as motcua serve sets it
    ...deps,
  });
  await services.org.importOrg(BENCH_ORG);
  await services.catalog.importCatalog(null, TEST_CATALOG);
  const points = await services.org.listUnits(['center', 'branch', 'commune_center']);
  const hash = await hashPassword(PASSWORD); // once: argon2id is deliberately slow
  const clerks: Province['clerks'] = [];
  for (const p of points) {
    const username = `clerk.${p.key.toLowerCase()}`;
    const row = await b.database.db
      .insertInto('staff')
      .values({ username, password_hash: hash, full_name: `Cán bộ ${p.name_vi}`, role: 'clerk', unit_id: p.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    clerks.push({ username, unitId: p.id, agencyCode: p.agency_code, staffId: row.id });
  }
  const app = await buildApp({ config, database: b.database, services, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  // The KPI rollup worker, every second, as `motcua serve` runs it: its cost is in every figure.
  const kpi = startPeriodic({
    name: 'kpi-rollups',
    everyMs: 1_000,
    log: { warn: (o, m) => console.error(m, o), error: (o, m) => console.error(m, o) },
    run: async () => void (await services.kpi.catchUp()),
  });
  return {
    config,
    services,
    app,
    url: `http://127.0.0.1:${port}`,
    clerks,
    close: async () => {
      await kpi.stop();
      await app.close();
    },
  };
}

/** Logs a clerk in through HTTP and returns the bearer token. */
export async function login(url: string, username: string): Promise<string> {
  const r = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { token: string }).token;
}

/**
 * Uploads the same small PDF as each of these staff members (a file is its uploader's unit's: every point attaches its
 * own upload) and returns its SHA-256, the same for all.
 */
export async function uploadPdfAs(url: string, tokens: string[], title: string): Promise<string> {
  const shas = new Set<string>();
  for (const t of tokens) shas.add(await uploadPdf(url, t, title));
  if (shas.size !== 1) throw new Error(`upload: ${shas.size} different hashes for the same bytes`);
  return [...shas][0]!;
}

/** Uploads a small PDF through POST /files and returns its SHA-256. */
export async function uploadPdf(url: string, token: string, title: string): Promise<string> {
  const r = await fetch(`${url}/files`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: samplePdf(title),
  });
  if (r.status !== 201) throw new Error(`upload: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { sha256: string }).sha256;
}
