import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, applicant, type Harness } from './harness.js';

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
    const r = await h.app.inject({
      method: 'POST',
      url: '/public/dossiers',
      payload: {
        procedureCode: '1.001193',
        applicant: applicant('14002'),
        components: [{ code: 'TK', source: 'upload', fileSha256: file }],
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
    applicant: applicant('14002'),
    components: [{ code: 'TK', source: 'upload', fileSha256: sha }],
  });

  it('is refused naming the component, and takes no dossier number', async () => {
    const clerk = await h.token('clerk.center');
    const before = await h.app.inject({ method: 'POST', url: '/dossiers', headers: auth(clerk), payload: body(file) });
    expect(before.statusCode).toBe(201);
    for (const headers of [auth(clerk), { ...auth(clerk), 'idempotency-key': 'missing-file-1' }]) {
      const r = await h.app.inject({ method: 'POST', url: '/dossiers', headers, payload: body(missing) });
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({
        code: 'VALIDATION',
        field: 'body.components.0.fileSha256',
        detail: `File ${missing} was not uploaded`,
      });
    }
    const after = await h.app.inject({ method: 'POST', url: '/dossiers', headers: auth(clerk), payload: body(file) });
    const seq = (code: string) => Number(code.slice(-4));
    expect(seq(after.json().code)).toBe(seq(before.json().code) + 1);
  });
});
