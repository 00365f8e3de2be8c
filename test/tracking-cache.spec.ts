import { describe, it, expect, beforeAll } from 'vitest';
import { sql } from 'kysely';
import { createHarness, applicant, newIdNumber, type Harness } from './harness.js';
import { TRACKING_CACHE_TTL_MS, TRACKING_CACHE_TTL_SOLE_WRITER_MS, trackingCacheTtlFor } from '../src/tracking/tracking.service.js';
import { createServices } from '../src/services.js';
import { MemoryBlobStore } from '../src/platform/blob-store.js';
import { API_CSP } from '../src/platform/security-headers.js';

let h: Harness;
let code = '';
let version = 0;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const track = async (phone = '5678') => h.app.inject({ method: 'GET', url: `/public/dossiers/${code}?phone=${phone}` });

/** Receives a dossier of 1.001193 at the provincial center (TK and GCS uploaded, CCCD from the population database). */
async function receiveAtCenter() {
  const clerk = await h.token('clerk.center');
  const file = await h.upload(clerk);
  const r = await h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: auth(clerk),
    payload: {
      procedureCode: '1.001193',
      applicant: applicant('14002', { idNumber: newIdNumber() }),
      components: [
        { code: 'TK', source: 'upload', fileSha256: file },
        { code: 'GCS', source: 'upload', fileSha256: file },
        { code: 'CCCD', source: 'population_db' },
      ],
    },
  });
  expect(r.statusCode).toBe(201);
  return { clerk, dossier: r.json() as { code: string; version: number; trackingToken: string } };
}

beforeAll(async () => {
  h = await createHarness('2025-09-08T09:00:00+07:00');
  ({ code, version } = (await receiveAtCenter()).dossier);
});

describe('public tracking served from memory', () => {
  it('shows a change made through the system at once', async () => {
    expect((await track()).json().status).toBe('received');
    const f = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${code}/forward`,
      headers: auth(await h.token('clerk.center')),
      payload: { version },
    });
    expect(f.statusCode).toBe(200);
    version = f.json().version;
    const t = (await track()).json();
    expect(t.status).toBe('processing');
    expect(t.timeline.map((e: { action: string }) => e.action)).toEqual(['receive', 'forward']);
  });

  it('answers a right token from memory with the bytes and headers of the answer it computed', async () => {
    h.services.tracking.forget(code);
    const computed = await track();
    expect(computed.statusCode).toBe(200);
    const token = computed.json().trackingToken as string;
    const cached = await h.app.inject({ method: 'GET', url: `/public/dossiers/${code}?token=${token}` });
    expect(cached.statusCode).toBe(200);
    expect(cached.body).toBe(computed.body);
    expect(cached.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(cached.headers['content-length']).toBe(String(Buffer.byteLength(computed.body)));
    expect(cached.headers['x-content-type-options']).toBe('nosniff');
    expect(cached.headers['content-security-policy']).toBe(API_CSP);
    expect(cached.headers['referrer-policy']).toBe('no-referrer');
    expect(cached.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(cached.headers['x-ratelimit-remaining']).toBeUndefined(); // far from the harness's 1,000 a minute
  });

  it('still checks the phone digits on a cached answer', async () => {
    expect((await track()).statusCode).toBe(200);
    const wrong = await track('0000');
    expect(wrong.statusCode).toBe(404);
    expect(wrong.json().code).toBe('NOT_FOUND');
  });

  it('shows a change made by another process within the cache lifetime', async () => {
    expect((await track()).json().status).toBe('processing');
    // Another server process changed the row: this process was not told.
    await sql`update dossiers set status = 'stopped', portal_status = 8 where code = ${code}`.execute(h.database.db);
    expect((await track()).json().status).toBe('processing');
    h.clock.now = new Date(h.clock.now.getTime() + TRACKING_CACHE_TTL_MS + 1);
    expect((await track()).json()).toMatchObject({ status: 'stopped', portalStatus: 8 });
  });
});

describe('the tracking cache’s lifetime where this process is the only writer (PGlite)', () => {
  it('is 30 s on PostgreSQL and 10 minutes on PGlite', () => {
    expect(trackingCacheTtlFor('postgres')).toBe(TRACKING_CACHE_TTL_MS);
    expect(trackingCacheTtlFor('pglite')).toBe(TRACKING_CACHE_TTL_SOLE_WRITER_MS);
    expect([TRACKING_CACHE_TTL_MS, TRACKING_CACHE_TTL_SOLE_WRITER_MS]).toEqual([30_000, 600_000]);
  });

  it('keeps an answer for the lifetime it is given, then reads the dossier again', async () => {
    const sole = createServices({
      db: h.database.db,
      blobs: new MemoryBlobStore(),
      clock: () => h.clock.now,
      auditKey: h.auditKey,
      sessionTtlMinutes: 60,
      maxUploadBytes: 64 * 1024,
      trackingCacheTtlMs: TRACKING_CACHE_TTL_SOLE_WRITER_MS,
    });
    const { dossier } = await receiveAtCenter();
    const look = () => sole.tracking.track(dossier.code, { token: dossier.trackingToken }, '198.51.100.20');
    expect((await look()).status).toBe('received');
    await sql`update dossiers set status = 'stopped', portal_status = 8 where code = ${dossier.code}`.execute(h.database.db);
    h.clock.now = new Date(h.clock.now.getTime() + TRACKING_CACHE_TTL_MS + 1);
    expect((await look()).status).toBe('received');
    h.clock.now = new Date(h.clock.now.getTime() + TRACKING_CACHE_TTL_SOLE_WRITER_MS);
    expect(await look()).toMatchObject({ status: 'stopped', portalStatus: 8 });
  });
});

describe('public tracking while the dossier changes', () => {
  it('does not keep an answer read before a change committed meanwhile', async () => {
    const {
      clerk,
      dossier: { code: racing, version: v, trackingToken },
    } = await receiveAtCenter();
    const url = `/public/dossiers/${racing}?token=${trackingToken}`;
    // The dossier is forwarded after this look-up read its rows and before it cached its answer (the unit names are
    // loaded in between, the last step of building an answer).
    const org = h.services.org;
    const listUnits = org.listUnits.bind(org);
    let raced = false;
    org.listUnits = async (kinds?: string[]) => {
      if (!raced) {
        raced = true;
        const f = await h.app.inject({ method: 'POST', url: `/dossiers/${racing}/forward`, headers: auth(clerk), payload: { version: v } });
        expect(f.statusCode).toBe(200);
      }
      return listUnits(kinds);
    };
    try {
      h.services.tracking.forget(racing);
      const during = await h.app.inject({ method: 'GET', url });
      expect(raced).toBe(true);
      // Sent as it was read: the look-up began before the change.
      expect(during.json().status).toBe('received');
    } finally {
      delete (org as { listUnits?: unknown }).listUnits;
    }
    const after = (await h.app.inject({ method: 'GET', url })).json();
    expect(after.status).toBe('processing');
    expect(after.timeline.map((e: { action: string }) => e.action)).toEqual(['receive', 'forward']);
  });
});
