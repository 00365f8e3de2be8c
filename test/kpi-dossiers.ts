import { expect } from 'vitest';
import { applicant, newIdNumber, type Harness } from './harness.js';

const auth = (t: string) => ({ authorization: `Bearer ${t}` });

/**
 * The dossiers the KPI specs make through the real HTTP routes of the test province (commune Hai): at the counter,
 * online, their actions, results and ratings. `harness` is read at each call (the specs create it in beforeAll).
 */
export function kpiDossiers(harness: () => Harness) {
  const act = async (user: string, code: string, action: string, payload: Record<string, unknown> = {}) => {
    const h = harness();
    const t = await h.token(user);
    const d = (await h.app.inject({ method: 'GET', url: `/dossiers/${code}`, headers: auth(t) })).json();
    const r = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${code}/${action}`,
      headers: auth(t),
      payload: { version: d.version, ...payload },
    });
    expect(r.statusCode, `${action}: ${r.body}`).toBe(200);
    return r.json();
  };
  /** Received at the counter by `clerkName`: a birth registration (1.001193) or a certified copy (2.000815). */
  const counter = async (procedureCode: '1.001193' | '2.000815', fastTrack = false, clerkName = 'clerk.hai') => {
    const h = harness();
    const clerk = await h.token(clerkName);
    const file = await h.upload(clerk);
    const components =
      procedureCode === '1.001193'
        ? [
            { code: 'TK', source: 'upload', fileSha256: file },
            { code: 'GCS', source: 'upload', fileSha256: file },
            { code: 'CCCD', source: 'population_db' },
          ]
        : [{ code: 'BC', source: 'upload', fileSha256: file }];
    const r = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(clerk),
      payload: { procedureCode, applicant: applicant('14002', { idNumber: newIdNumber() }), components, fastTrack },
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().code as string;
  };
  /** Submitted online (not yet received). */
  const online = async () => {
    const h = harness();
    const token = await h.submission();
    const file = await h.publicUpload(token);
    const r = await h.app.inject({
      method: 'POST',
      url: '/public/dossiers',
      headers: { 'x-submission-token': token },
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
    expect(r.statusCode, r.body).toBe(201);
    return r.json().code as string;
  };
  /** The specialist hands the dossier to the approver, who signs the result uploaded by the agency. */
  const result = async (code: string) => {
    const h = harness();
    await act('spec.hai', code, 'forward');
    const signed = await h.upload(await h.token('appr.hai'), `signed ${code}`);
    return act('appr.hai', code, 'result', { resultFileSha256: signed });
  };
  const rate = async (code: string, rating: string) => {
    const r = await harness().app.inject({ method: 'POST', url: `/public/dossiers/${code}/rating`, payload: { phone: '5678', rating } });
    expect(r.statusCode, r.body).toBe(201);
  };
  return { act, counter, online, result, rate };
}
