import { describe, it, expect, beforeAll } from 'vitest';
import sharp from 'sharp';
import { PDFDocument } from '@cantoo/pdf-lib';
import { createHarness, applicant, newIdNumber, type Harness } from './harness.js';
import { samplePdf } from '../src/demo/demo.model.js';

// Files belong to someone: a stored file records who uploaded it (a staff member's unit, or the online submission it
// came with), and only that owner attaches it to a dossier; knowing a hash grants nothing. A file is opened only by
// staff whose unit uploaded it or has one of its dossiers in scope, and always as an attachment that cannot run.

let h: Harness;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

const count = (table: 'blobs' | 'file_uploads' | 'audit_log' | 'dossiers' | 'online_submissions') => h.count(table);
const counts = async () => ({
  blobs: await count('blobs'),
  uploads: await count('file_uploads'),
  audit: await count('audit_log'),
  dossiers: await count('dossiers'),
});
const ownersOf = async (sha: string) =>
  (
    await h.database.db
      .selectFrom('file_uploads')
      .select(['owner', 'unit_id', 'submission_id', 'staff_id'])
      .where('blob_sha256', '=', sha)
      .orderBy('owner')
      .execute()
  ).map((r) => ({ ...r, submission_id: r.submission_id === null ? null : Number(r.submission_id) }));
const staffId = async (username: string) =>
  (await h.database.db.selectFrom('staff').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;

/**
 * 1.001193 (commune level: received and decided at Hai for an applicant of 14002): TK and GCS uploaded (TK may be on
 * paper, GCS then being `gcs`), CCCD from the population database.
 */
const intake = (tk: { fileSha256: string } | 'paper', gcs?: string) => ({
  procedureCode: '1.001193',
  applicant: applicant('14002', { idNumber: newIdNumber() }),
  components: [
    tk === 'paper' ? { code: 'TK', source: 'paper' } : { code: 'TK', source: 'upload', ...tk },
    { code: 'GCS', source: 'upload', fileSha256: gcs ?? (tk as { fileSha256: string }).fileSha256 },
    { code: 'CCCD', source: 'population_db' },
  ],
});
const receive = async (user: string, payload: object) =>
  h.app.inject({ method: 'POST', url: '/dossiers', headers: auth(await h.token(user)), payload });
const submitOnline = (payload: object, submissionToken?: string) =>
  h.app.inject({
    method: 'POST',
    url: '/public/dossiers',
    headers: submissionToken ? { 'x-submission-token': submissionToken } : {},
    payload,
  });
const download = async (user: string | null, sha: string) =>
  h.app.inject({ method: 'GET', url: `/files/${sha}`, headers: user ? auth(await h.token(user)) : {} });
const act = async (user: string, code: string, action: string, payload: object) =>
  h.app.inject({ method: 'POST', url: `/dossiers/${code}/${action}`, headers: auth(await h.token(user)), payload });
const publicUploadRaw = (bytes: Buffer, submissionToken?: string) =>
  h.app.inject({
    method: 'POST',
    url: '/public/files',
    headers: { 'content-type': 'application/octet-stream', ...(submissionToken ? { 'x-submission-token': submissionToken } : {}) },
    payload: bytes,
  });

let branchFile = '';
let haiFile = '';

beforeAll(async () => {
  h = await createHarness('2026-11-23T09:00:00+07:00'); // a Monday
  branchFile = await h.upload(await h.token('clerk.branch'), 'the branch scan');
  haiFile = await h.upload(await h.token('clerk.hai'), 'the Hai scan');
});

describe('a staff upload', () => {
  it('records its owner, the uploader’s unit, beside the blob', async () => {
    expect(await ownersOf(branchFile)).toEqual([
      { owner: `unit:${h.unit('CN-A')}`, unit_id: h.unit('CN-A'), submission_id: null, staff_id: await staffId('clerk.branch') },
    ]);
  });

  it('of bytes another unit uploaded adds a second owner, not a second blob', async () => {
    const center = await h.token('clerk.center');
    const before = await counts();
    expect(await h.upload(center, 'the branch scan')).toBe(branchFile);
    expect((await ownersOf(branchFile)).map((o) => o.owner).sort()).toEqual([`unit:${h.unit('CN-A')}`, `unit:${h.unit('TTPVHCC')}`].sort());
    expect(await counts()).toEqual({ ...before, uploads: before.uploads + 1, audit: before.audit + 1 });
  });
});

describe('attaching a file', () => {
  it('at intake accepts the unit’s own upload and records whose it is', async () => {
    const r = await receive('clerk.hai', intake({ fileSha256: haiFile }));
    expect(r.statusCode, r.body).toBe(201);
    const rows = await h.database.db
      .selectFrom('dossier_components as c')
      .innerJoin('dossiers as d', 'd.id', 'c.dossier_id')
      .select(['c.component_code', 'c.blob_sha256', 'c.uploaded_by'])
      .where('d.code', '=', r.json().code)
      .execute();
    const hai = `unit:${h.unit('X-HAI-TT')}`;
    expect(rows).toEqual([
      { component_code: 'TK', blob_sha256: haiFile, uploaded_by: hai },
      { component_code: 'GCS', blob_sha256: haiFile, uploaded_by: hai },
      { component_code: 'CCCD', blob_sha256: null, uploaded_by: null },
    ]);
  });

  it('at intake refuses another unit’s upload exactly as a hash nobody uploaded, writing nothing', async () => {
    const before = await counts();
    for (const sha of [branchFile, 'e'.repeat(64)]) {
      const r = await receive('clerk.hai', intake({ fileSha256: sha }));
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({
        code: 'VALIDATION',
        field: 'body.components.0.fileSha256',
        detail: `File ${sha} was not uploaded by your service point (upload it with POST /files)`,
      });
    }
    expect(await counts()).toEqual(before);
  });

  it('to a component received on paper (PUT …/components/…) takes only the unit’s own upload', async () => {
    const d = (await receive('clerk.hai', intake('paper', haiFile))).json();
    const put = async (sha: string) =>
      h.app.inject({
        method: 'PUT',
        url: `/dossiers/${d.code}/components/TK`,
        headers: auth(await h.token('clerk.hai')),
        payload: { version: d.version, fileSha256: sha },
      });
    const stolen = await put(branchFile);
    expect(stolen.statusCode).toBe(400);
    expect(stolen.json()).toMatchObject({
      code: 'VALIDATION',
      field: 'body.fileSha256',
      detail: `File ${branchFile} was not uploaded by your service point (upload it with POST /files)`,
    });
    const own = await put(haiFile);
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json().components[0]).toMatchObject({ code: 'TK', digitized: true, fileSha256: haiFile });
    const row = await h.database.db
      .selectFrom('dossier_components as c')
      .innerJoin('dossiers as x', 'x.id', 'c.dossier_id')
      .select('c.uploaded_by')
      .where('x.code', '=', d.code)
      .where('c.component_code', '=', 'TK')
      .executeTakeFirstOrThrow();
    expect(row.uploaded_by).toBe(`unit:${h.unit('X-HAI-TT')}`);
  });

  it('as a result takes only the issuer’s own upload', async () => {
    let d = (await receive('clerk.hai', intake({ fileSha256: haiFile }))).json();
    d = (await act('clerk.hai', d.code, 'forward', { version: d.version })).json();
    d = (await act('spec.hai', d.code, 'forward', { version: d.version })).json();
    expect(d.status).toBe('processing');
    const clerkFile = await h.upload(await h.token('clerk.hai'), 'not the approver’s');
    const stolen = await act('appr.hai', d.code, 'result', { version: d.version, resultFileSha256: clerkFile });
    expect(stolen.statusCode).toBe(400);
    expect(stolen.json()).toMatchObject({
      code: 'VALIDATION',
      field: 'body.resultFileSha256',
      detail: `File ${clerkFile} was not uploaded by your service point (upload it with POST /files)`,
    });
    const own = await h.upload(await h.token('appr.hai'), 'the decision');
    const r = await act('appr.hai', d.code, 'result', { version: d.version, resultFileSha256: own });
    expect(r.statusCode, r.body).toBe(200);
  });

  it('is checked by the database too: a component row naming a file its owner did not upload is refused', async () => {
    const d = await h.database.db.selectFrom('dossiers').select('id').orderBy('id').executeTakeFirstOrThrow();
    await expect(
      h.database.db
        .insertInto('dossier_components')
        .values({
          dossier_id: d.id,
          component_code: 'X',
          name_vi: 'x',
          form: 'original',
          count: 1,
          required: false,
          source: 'upload',
          blob_sha256: branchFile,
          store_document_id: null,
          digitized: true,
          uploaded_by: `unit:${h.unit('X-HAI-TT')}`,
        })
        .execute(),
    ).rejects.toMatchObject({ code: '23503', constraint: 'dossier_components_upload_fkey' });
  });
});

describe('an online submission', () => {
  it('opens with a token that only its hash is kept of, and an expiry, audited', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/public/submissions' });
    expect(r.statusCode).toBe(201);
    const { submissionToken, expiresAt } = r.json();
    expect(submissionToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(expiresAt).toBe('2026-11-24T02:00:00.000Z'); // 24 hours after 09:00 in Vietnam
    const rows = await h.database.db.selectFrom('online_submissions').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(submissionToken);
    const audit = await h.database.db
      .selectFrom('audit_log')
      .select(['stream', 'actor_kind', 'entity_type'])
      .where('action', '=', 'submission.open')
      .execute();
    expect(audit.at(-1)).toEqual({ stream: 'public', actor_kind: 'citizen', entity_type: 'online_submission' });
  });

  it('uploads only with its token: none, a malformed, an unknown one are refused, storing nothing', async () => {
    const before = await counts();
    const none = await publicUploadRaw(samplePdf('no token'));
    expect(none.statusCode).toBe(400);
    expect(none.json()).toMatchObject({ code: 'INVALID_SUBMISSION', field: 'headers.x-submission-token' });
    const malformed = await publicUploadRaw(samplePdf('bad token'), 'not-a-token');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ code: 'VALIDATION', field: 'headers.x-submission-token' });
    const unknown = await publicUploadRaw(samplePdf('unknown token'), 'A'.repeat(43));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({
      code: 'INVALID_SUBMISSION',
      detail: 'The submission token is unknown or has expired: open a new one with POST /public/submissions',
    });
    expect(await counts()).toEqual(before);
  });

  it('attaches its own uploads, recorded as the submission’s', async () => {
    const token = await h.submission();
    const sha = await h.publicUpload(token, 'online TK');
    const r = await submitOnline(intake({ fileSha256: sha }), token);
    expect(r.statusCode, r.body).toBe(201);
    const [owner] = await ownersOf(sha);
    expect(owner).toMatchObject({ owner: `submission:${owner!.submission_id}`, unit_id: null, staff_id: null });
    const row = await h.database.db
      .selectFrom('dossier_components as c')
      .innerJoin('dossiers as d', 'd.id', 'c.dossier_id')
      .select('c.uploaded_by')
      .where('d.code', '=', r.json().code)
      .where('c.component_code', '=', 'TK')
      .executeTakeFirstOrThrow();
    expect(row.uploaded_by).toBe(owner!.owner);
  });

  it('refuses a staff upload, another submission’s upload, and files without a token, storing nothing', async () => {
    const mine = await h.submission();
    const theirs = await h.submission();
    const theirFile = await h.publicUpload(theirs, 'someone else’s');
    const before = await counts();
    for (const sha of [theirFile, branchFile]) {
      const r = await submitOnline(intake({ fileSha256: sha }), mine);
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({
        code: 'VALIDATION',
        field: 'body.components.0.fileSha256',
        detail: `File ${sha} was not uploaded with this submission (POST /public/files with its X-Submission-Token)`,
      });
    }
    const tokenless = await submitOnline(intake({ fileSha256: theirFile }));
    expect(tokenless.statusCode).toBe(400);
    expect(tokenless.json()).toMatchObject({ code: 'INVALID_SUBMISSION', field: 'headers.x-submission-token' });
    expect(await counts()).toEqual(before);
  });

  it('expires after 24 hours: its token then uploads and submits nothing', async () => {
    const token = await h.submission();
    const sha = await h.publicUpload(token, 'before expiry');
    h.clock.advanceHours(24);
    const before = await counts();
    const upload = await publicUploadRaw(samplePdf('after expiry'), token);
    expect(upload.statusCode).toBe(400);
    expect(upload.json()).toMatchObject({ code: 'INVALID_SUBMISSION' });
    const submit = await submitOnline(intake({ fileSha256: sha }), token);
    expect(submit.statusCode).toBe(400);
    expect(submit.json()).toMatchObject({ code: 'INVALID_SUBMISSION' });
    expect(await counts()).toEqual(before);
    h.clock.advanceHours(-24);
  });
});

describe('GET /files/{sha}', () => {
  it('answers the uploader’s unit, as an attachment that cannot run and is not cached', async () => {
    const r = await download('clerk.branch', branchFile);
    expect(r.statusCode).toBe(200);
    expect(r.rawPayload.equals(samplePdf('the branch scan'))).toBe(true);
    expect(r.headers['content-type']).toBe('application/pdf');
    expect(r.headers['content-disposition']).toBe(`attachment; filename="${branchFile.slice(0, 16)}.pdf"`);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['content-security-policy']).toBe(
      "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none';sandbox",
    );
  });

  it('is 404 for staff of a unit with no business with the file, as for a file that does not exist', async () => {
    const a = await download('clerk.mot', branchFile);
    const b = await download('clerk.mot', 'd'.repeat(64));
    expect([a.statusCode, b.statusCode]).toEqual([404, 404]);
    expect(a.json()).toMatchObject({ code: 'NOT_FOUND', field: 'params.sha256' });
    expect((await download(null, branchFile)).statusCode).toBe(401);
  });

  it('answers staff of the units a dossier with the file is routed to, and the administrator', async () => {
    const token = await h.submission();
    const sha = await h.publicUpload(token, 'an online scan');
    expect((await download('clerk.hai', sha)).statusCode).toBe(404);
    expect((await submitOnline(intake({ fileSha256: sha }), token)).statusCode).toBe(201);
    // Received at Hai's point, decided by Hai's committee: both see it; the ministry's department does not.
    expect((await download('clerk.hai', sha)).statusCode).toBe(200);
    expect((await download('spec.hai', sha)).statusCode).toBe(200);
    expect((await download('spec.mot', sha)).statusCode).toBe(404);
    expect((await download('admin', sha)).statusCode).toBe(200);
  });
});

describe('what a stored file may be', () => {
  it('refuses a PDF with JavaScript with 415 naming it, storing nothing', async () => {
    const doc = await PDFDocument.create();
    doc.addPage();
    doc.addJavaScript('hello', 'app.alert("hi")');
    const bytes = Buffer.from(await doc.save());
    const before = await counts();
    const r = await h.app.inject({
      method: 'POST',
      url: '/files',
      headers: { ...auth(await h.token('clerk.hai')), 'content-type': 'application/octet-stream' },
      payload: bytes,
    });
    expect(r.statusCode).toBe(415);
    expect(r.json()).toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE', field: 'body.file' });
    expect(r.json().detail).toContain('JavaScript');
    expect(await counts()).toEqual(before);
  });

  it('refuses a PDF with an HTML page appended after its end', async () => {
    const bytes = Buffer.concat([samplePdf('polyglot'), Buffer.from('\n<html><script>alert(1)</script></html>\n')]);
    const token = await h.submission();
    const r = await publicUploadRaw(bytes, token);
    expect(r.statusCode).toBe(415);
    expect(r.json()).toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE', field: 'body.file' });
  });

  it('stores an image re-encoded: what was appended to it is gone', async () => {
    const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#8899aa' } })
      .jpeg()
      .toBuffer();
    const polyglot = Buffer.concat([jpeg, Buffer.from('<html><script>alert(1)</script></html>')]);
    const up = await h.app.inject({
      method: 'POST',
      url: '/files',
      headers: { ...auth(await h.token('clerk.hai')), 'content-type': 'application/octet-stream' },
      payload: polyglot,
    });
    expect(up.statusCode, up.body).toBe(201);
    expect(up.json().mime).toBe('image/jpeg');
    const r = await download('clerk.hai', up.json().sha256);
    expect(r.statusCode).toBe(200);
    expect(r.rawPayload.includes('<script')).toBe(false);
    const meta = await sharp(r.rawPayload).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 40, 30]);
  });
});

describe('online submissions that expire unused', () => {
  it('are purged with the files only they uploaded, audited; a file a dossier took, or that another owner has, stays', async () => {
    const abandoned = await h.submission();
    const onlyTheirs = await h.publicUpload(abandoned, 'an abandoned scan');
    const alsoHais = await h.publicUpload(abandoned, 'the Hai scan');
    expect(alsoHais).toBe(haiFile);
    const filed = await h.submission();
    const taken = await h.publicUpload(filed, 'a scan filed online');
    expect((await submitOnline(intake({ fileSha256: taken }), filed)).statusCode).toBe(201);
    const submissionIds = async () =>
      (await h.database.db.selectFrom('online_submissions').select('id').orderBy('id').execute()).map((r) => Number(r.id));
    const [abandonedId, filedId] = (await submissionIds()).slice(-2);
    const blobRow = async (sha: string) =>
      (await h.database.db.selectFrom('blobs').select('sha256').where('sha256', '=', sha).executeTakeFirst()) !== undefined;

    // Not expired yet: a purge now deletes none of them.
    await h.services.files.purgeExpiredSubmissions();
    expect((await submissionIds()).slice(-2)).toEqual([abandonedId, filedId]);

    h.clock.advanceHours(24);
    try {
      const auditBefore = Number(
        (
          await h.database.db
            .selectFrom('audit_log')
            .select((eb) => eb.fn.max('seq').as('seq'))
            .where('stream', '=', 'public')
            .executeTakeFirstOrThrow()
        ).seq,
      );
      const r = await h.services.files.purgeExpiredSubmissions();
      // Earlier tests' submissions expired unused too, with their files: one audited deletion per blob purged.
      const purgedBlobs = (
        await h.database.db
          .selectFrom('audit_log')
          .select('entity_id')
          .where('action', '=', 'file.purge')
          .where('stream', '=', 'public')
          .where('seq', '>', auditBefore)
          .execute()
      ).map((a) => a.entity_id);
      expect(purgedBlobs).toHaveLength(r.blobs);
      expect(purgedBlobs).toContain(onlyTheirs);
      expect(purgedBlobs).not.toContain(alsoHais);
      expect(purgedBlobs).not.toContain(taken);
      const left = await submissionIds();
      expect(left).not.toContain(abandonedId);
      expect(left).toContain(filedId);
      // The file only the abandoned submission had: row, owner and bytes gone.
      expect(await blobRow(onlyTheirs)).toBe(false);
      expect(await ownersOf(onlyTheirs)).toEqual([]);
      await expect(h.blobs.get(onlyTheirs)).rejects.toThrow('blob not found');
      // The bytes Hai's clerk had also uploaded stay Hai's; the file the dossier took stays the submission's.
      expect(await blobRow(alsoHais)).toBe(true);
      expect((await ownersOf(alsoHais)).map((o) => o.owner)).toEqual([`unit:${h.unit('X-HAI-TT')}`]);
      expect((await h.blobs.get(alsoHais)).equals(samplePdf('the Hai scan'))).toBe(true);
      expect((await ownersOf(taken)).map((o) => o.owner)).toEqual([`submission:${filedId}`]);
      expect(await h.blobs.has(taken)).toBe(true);
      const audit = await h.database.db
        .selectFrom('audit_log')
        .select(['action', 'entity_id', 'actor_kind', 'payload'])
        .where('action', 'in', ['submission.purge', 'file.purge'])
        .where('stream', '=', 'public')
        .where('seq', '>', auditBefore)
        .orderBy('seq')
        .execute();
      expect(audit.find((a) => a.entity_id === onlyTheirs)).toMatchObject({ action: 'file.purge', actor_kind: 'system' });
      const purge = audit.find((a) => a.action === 'submission.purge')!;
      expect(purge).toMatchObject({ actor_kind: 'system' });
      const purged = (JSON.parse(purge.payload) as { data: { submissions: number[] } }).data.submissions;
      expect(purged).toContain(abandonedId);
      expect(purged).not.toContain(filedId);
      // A second purge finds nothing more to do.
      expect(await h.services.files.purgeExpiredSubmissions()).toEqual({ submissions: 0, blobs: 0 });
      // The same bytes uploaded again (by a new submission) are stored anew.
      const again = await h.publicUpload(await h.submission(), 'an abandoned scan');
      expect(again).toBe(onlyTheirs);
      expect(await blobRow(again)).toBe(true);
      expect((await h.blobs.get(again)).equals(samplePdf('an abandoned scan'))).toBe(true);
    } finally {
      h.clock.advanceHours(-24);
    }
  });
});
