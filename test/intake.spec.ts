import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, applicant, newIdNumber, type Harness } from './harness.js';

let h: Harness;
let file = '';
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

beforeAll(async () => {
  h = await createHarness('2025-03-14T10:00:00+07:00');
  file = await h.upload(await h.token('clerk.branch'), 'to khai');
});

describe('the answer to an intake', () => {
  it('is the dossier as stored: the same as reading it back', async () => {
    const clerk = await h.token('clerk.branch');
    const r = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(clerk),
      payload: {
        procedureCode: '1.001193',
        applicant: applicant('14002', { email: 'an@example.vn' }),
        components: [{ code: 'TK', source: 'upload', fileSha256: file }],
        note: 'at the counter',
      },
    });
    expect(r.statusCode).toBe(201);
    const read = await h.app.inject({ method: 'GET', url: `/dossiers/${r.json().code}`, headers: auth(clerk) });
    expect(read.statusCode).toBe(200);
    expect(r.json()).toEqual(read.json());
    expect(r.json()).toMatchObject({
      version: 1,
      currentStep: 0,
      pausedWorkingMs: 0,
      supplementCount: 0,
      pausedAt: null,
      resultDocumentId: null,
      applicant: { email: 'an@example.vn' },
    });
  });

  it('is the dossier as stored for an online submission too', async () => {
    const submission = await h.submission();
    const r = await h.app.inject({
      method: 'POST',
      url: '/public/dossiers',
      headers: { 'x-submission-token': submission },
      payload: {
        procedureCode: '1.001193',
        applicant: applicant('14002', { idNumber: newIdNumber() }),
        components: [{ code: 'TK', source: 'upload', fileSha256: await h.publicUpload(submission, 'to khai') }],
      },
    });
    expect(r.statusCode).toBe(201);
    const clerk = await h.token('clerk.hai'); // the commune's point, where an online submission of 14002 is received
    const read = await h.app.inject({ method: 'GET', url: `/dossiers/${r.json().code}`, headers: auth(clerk) });
    expect(read.statusCode).toBe(200);
    const { allowedActions: _a, ...stored } = read.json();
    const { allowedActions: _b, ...answered } = r.json();
    expect(answered).toEqual(stored);
  });
});

describe('an intake naming a file that was never uploaded', () => {
  const missing = 'f'.repeat(64);
  const body = (sha: string) => ({
    procedureCode: '1.001193',
    // A new applicant each time: the same one would have an open dossier of the procedure (409 DUPLICATE_DOSSIER).
    applicant: applicant('14002', { idNumber: newIdNumber() }),
    components: [{ code: 'TK', source: 'upload', fileSha256: sha }],
  });

  it('is refused naming the component, and takes no dossier number; so is a file another unit uploaded, alike', async () => {
    const clerk = await h.token('clerk.center');
    const own = await h.upload(clerk, 'to khai, trung tam');
    const before = await h.app.inject({ method: 'POST', url: '/dossiers', headers: auth(clerk), payload: body(own) });
    expect(before.statusCode).toBe(201);
    // `file` is the branch's upload: knowing its hash grants the center nothing, and the answer says no more than for a
    // hash nobody uploaded.
    for (const sha of [missing, file]) {
      for (const headers of [auth(clerk), { ...auth(clerk), 'idempotency-key': `missing-file-${sha.slice(0, 6)}` }]) {
        const r = await h.app.inject({ method: 'POST', url: '/dossiers', headers, payload: body(sha) });
        expect(r.statusCode).toBe(400);
        expect(r.json()).toMatchObject({
          code: 'VALIDATION',
          field: 'body.components.0.fileSha256',
          detail: `File ${sha} was not uploaded by your service point (upload it with POST /files)`,
        });
      }
    }
    const after = await h.app.inject({ method: 'POST', url: '/dossiers', headers: auth(clerk), payload: body(own) });
    const seq = (code: string) => Number(code.slice(-4));
    expect(seq(after.json().code)).toBe(seq(before.json().code) + 1);
  });
});
