import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, applicant, type Harness, newIdNumber } from './harness.js';
import { samplePdf } from '../src/demo/demo.model.js';

// Monday 23 November 2026, 09:00 in Vietnam: a working day.
let h: Harness;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

const count = (table: 'blobs' | 'file_uploads' | 'ratings' | 'audit_log' | 'idempotency_keys') => h.count(table);
const counts = async () => ({
  blobs: await count('blobs'),
  uploads: await count('file_uploads'),
  ratings: await count('ratings'),
  audit: await count('audit_log'),
  keys: await count('idempotency_keys'),
});

beforeAll(async () => {
  h = await createHarness('2026-11-23T09:00:00+07:00');
});

describe('uploads with an Idempotency-Key', () => {
  /** `token`: the staff member's bearer token for /files, the online submission's token for /public/files. */
  const upload = (url: '/files' | '/public/files', bytes: Buffer, key: string, token: string) =>
    h.app.inject({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/octet-stream',
        'idempotency-key': key,
        ...(url === '/files' ? auth(token) : { 'x-submission-token': token }),
      },
      payload: bytes,
    });
  const tokenFor = async (url: '/files' | '/public/files') => (url === '/files' ? h.token('clerk.mot') : h.submission());

  it.each(['/files', '/public/files'] as const)('%s: a retry gets the first answer and writes nothing more', async (url) => {
    const token = await tokenFor(url);
    const bytes = samplePdf(`retried upload to ${url}`);
    const key = `upload-${url.length}-7c1e52a9b04f`;
    const first = await upload(url, bytes, key, token);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toEqual({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), size: bytes.length, mime: 'application/pdf' });
    const before = await counts();
    const again = await upload(url, bytes, key, token);
    expect([again.statusCode, again.body]).toEqual([201, first.body]);
    expect(await counts()).toEqual(before);
  });

  it.each(['/files', '/public/files'] as const)('%s: other bytes under the same key are a conflict, storing nothing', async (url) => {
    const token = await tokenFor(url);
    const key = `conflict-${url.length}-4d2b8e61f0aa`;
    expect((await upload(url, samplePdf(`first of ${url}`), key, token)).statusCode).toBe(201);
    const before = await counts();
    const other = await upload(url, samplePdf(`another file for ${url}`), key, token);
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', field: 'headers.idempotency-key' });
    expect(await counts()).toEqual(before);
  });

  it('answers the same multipart upload sent twice with the key once', async () => {
    const token = await h.token('clerk.mot');
    const bytes = samplePdf('multipart retried');
    const body = Buffer.concat([
      Buffer.from('--b\r\nContent-Disposition: form-data; name="file"; filename="scan.pdf"\r\nContent-Type: application/pdf\r\n\r\n'),
      bytes,
      Buffer.from('\r\n--b--\r\n'),
    ]);
    const send = () =>
      h.app.inject({
        method: 'POST',
        url: '/files',
        headers: { ...auth(token), 'content-type': 'multipart/form-data; boundary=b', 'idempotency-key': 'multipart-once-1' },
        payload: body,
      });
    const first = await send();
    expect(first.statusCode, first.body).toBe(201);
    const before = await counts();
    const again = await send();
    expect([again.statusCode, again.body]).toEqual([201, first.body]);
    expect(await counts()).toEqual(before);
  });

  it('keeps staff keys apart: the same key of another clerk is another request', async () => {
    const bytes = samplePdf('one key, two clerks');
    const other = samplePdf('the other clerk’s file');
    expect((await upload('/files', bytes, 'shared-key-1', await h.token('clerk.mot'))).statusCode).toBe(201);
    const second = await upload('/files', other, 'shared-key-1', await h.token('clerk.hai'));
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json().size).toBe(other.length);
  });

  it('asks anonymous uploads for a key of at least 16 characters', async () => {
    const submission = await h.submission();
    const before = await counts();
    const r = await upload('/public/files', samplePdf('short key'), 'short-key', submission);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'VALIDATION', field: 'headers.idempotency-key' });
    expect(await counts()).toEqual(before);
  });

  it('stores one upload and one audit entry for concurrent twins', async () => {
    const bytes = samplePdf('concurrent twins');
    const submission = await h.submission();
    const before = await counts();
    const [a, b] = await Promise.all([
      upload('/public/files', bytes, 'twin-upload-5e0c7a13', submission),
      upload('/public/files', bytes, 'twin-upload-5e0c7a13', submission),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.body).toBe(b.body);
    expect(await counts()).toEqual({
      ...before,
      blobs: before.blobs + 1,
      uploads: before.uploads + 1,
      audit: before.audit + 1,
      keys: before.keys + 1,
    });
  });
});

describe('ratings with an Idempotency-Key', () => {
  /** A dossier received, decided and returned at the Một ward, ready to be rated. */
  async function returnedDossier(): Promise<string> {
    const clerk = await h.token('clerk.mot');
    const spec = await h.token('spec.mot');
    const file = await h.upload(clerk);
    const d = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(clerk),
      payload: {
        procedureCode: '1.001193',
        applicant: applicant('14001', { idNumber: newIdNumber() }),
        components: [
          { code: 'TK', source: 'upload', fileSha256: file },
          { code: 'GCS', source: 'upload', fileSha256: file },
          { code: 'CCCD', source: 'population_db' },
        ],
      },
    });
    expect(d.statusCode, d.body).toBe(201);
    const code: string = d.json().code;
    let version: number = d.json().version;
    const act = async (token: string, action: string, extra: object = {}) => {
      const r = await h.app.inject({
        method: 'POST',
        url: `/dossiers/${code}/${action}`,
        headers: auth(token),
        payload: { version, ...extra },
      });
      expect(r.statusCode, `${action}: ${r.body}`).toBe(200);
      version = r.json().version;
    };
    await act(clerk, 'forward');
    await act(spec, 'forward'); // to the approval step
    const appr = await h.token('appr.mot');
    await act(appr, 'result', { resultFileSha256: await h.upload(appr) });
    await act(clerk, 'return');
    return code;
  }
  const rate = (code: string, payload: object, key?: string) =>
    h.app.inject({
      method: 'POST',
      url: `/public/dossiers/${code}/rating`,
      ...(key ? { headers: { 'idempotency-key': key } } : {}),
      payload,
    });

  it('gives a retry the first answer instead of ALREADY_RATED, with one rating and one audit entry', async () => {
    const code = await returnedDossier();
    const first = await rate(code, { phone: '5678', rating: 'satisfied', comment: 'Nhanh gọn' }, 'rating-retry-0f9d2c11');
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toEqual({ code, rating: 'satisfied', ratedAt: '2026-11-23T02:00:00.000Z' });
    const before = await counts();
    h.clock.advanceHours(1);
    // The same request with its keys in another order is the same request.
    const again = await rate(code, { comment: 'Nhanh gọn', rating: 'satisfied', phone: '5678' }, 'rating-retry-0f9d2c11');
    h.clock.advanceHours(-1);
    expect([again.statusCode, again.body]).toEqual([201, first.body]);
    expect(await counts()).toEqual(before);
    // Without the key the dossier is simply rated already.
    const unkeyed = await rate(code, { phone: '5678', rating: 'satisfied', comment: 'Nhanh gọn' });
    expect([unkeyed.statusCode, unkeyed.json().code]).toEqual([409, 'ALREADY_RATED']);
  });

  it('refuses another rating under the same key, naming the header, and stores nothing', async () => {
    const code = await returnedDossier();
    expect((await rate(code, { phone: '5678', rating: 'acceptable' }, 'rating-conflict-61ab7e')).statusCode).toBe(201);
    const before = await counts();
    const other = await rate(code, { phone: '5678', rating: 'not_satisfied' }, 'rating-conflict-61ab7e');
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', field: 'headers.idempotency-key' });
    expect(await counts()).toEqual(before);
    const row = await h.database.db
      .selectFrom('ratings as r')
      .innerJoin('dossiers as d', 'd.id', 'r.dossier_id')
      .select('r.rating')
      .where('d.code', '=', code)
      .execute();
    expect(row).toEqual([{ rating: 'acceptable' }]);
  });

  it('rates once for concurrent twins, both answered 201 with the same body', async () => {
    const code = await returnedDossier();
    const before = await counts();
    const [a, b] = await Promise.all([
      rate(code, { phone: '5678', rating: 'satisfied' }, 'rating-twins-93c0d5e8'),
      rate(code, { phone: '5678', rating: 'satisfied' }, 'rating-twins-93c0d5e8'),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.body).toBe(b.body);
    expect(await counts()).toEqual({ ...before, ratings: before.ratings + 1, audit: before.audit + 1, keys: before.keys + 1 });
  });
});
