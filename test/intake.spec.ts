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
      method: 'POST', url: '/dossiers', headers: auth(clerk),
      payload: { procedureCode: '1.001193', applicant: applicant('14002', { email: 'an@example.vn' }), components: [{ code: 'TK', source: 'upload', fileSha256: file }], note: 'at the counter' },
    });
    expect(r.statusCode).toBe(201);
    const read = await h.app.inject({ method: 'GET', url: `/dossiers/${r.json().code}`, headers: auth(clerk) });
    expect(read.statusCode).toBe(200);
    expect(r.json()).toEqual(read.json());
    expect(r.json()).toMatchObject({ version: 1, currentStep: 0, pausedWorkingMs: 0, supplementCount: 0, pausedAt: null, resultDocumentId: null, applicant: { email: 'an@example.vn' } });
  });

  it('is the dossier as stored for an online submission too', async () => {
    const r = await h.app.inject({
      method: 'POST', url: '/public/dossiers',
      payload: { procedureCode: '1.001193', applicant: applicant('14002'), components: [{ code: 'TK', source: 'upload', fileSha256: file }] },
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
