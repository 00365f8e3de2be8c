import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, applicant, type Harness } from './harness.js';
import type { Api } from './api.js';
import type { components, paths } from '../web/src/api/schema.js';

let h: Harness;

type Problem = components['schemas']['Problem'];
/** An expected problem, typed against the API document: a misspelled error code does not compile. */
const problem = (p: Partial<Problem>) => p;
type Submission = NonNullable<paths['/public/dossiers']['post']['requestBody']>['content']['application/json'];

/**
 * The raw bytes of a file for POST /files or /public/files. The API document declares no body for these routes (they
 * parse multipart or raw bytes themselves), so the typed client cannot type it: the bytes go through as they are.
 */
const octets = (bytes: Uint8Array) => ({
  body: bytes as never,
  bodySerializer: (b: unknown) => b,
  headers: { 'content-type': 'application/octet-stream' },
});

const count = (table: 'dossiers' | 'dossier_events' | 'dossier_components') => h.count(table);

beforeAll(async () => {
  h = await createHarness('2025-08-29T10:00:00+07:00'); // Friday before the National Day holiday (30 Aug – 2 Sep 2025)
});

describe('a dossier received anywhere, processed with a supplement, returned, tracked and rated', () => {
  let code = '';
  let version = 0;
  let clerk: Api;
  const path = () => ({ path: { code } });

  it('receives a non-territorial procedure at a branch for a citizen of another commune, routed to that commune', async () => {
    clerk = await h.api('clerk.branch');
    const tk = await h.upload(await h.token('clerk.branch'), 'to khai');
    const r = await clerk.POST('/dossiers', {
      body: {
        procedureCode: '1.001193',
        applicant: applicant('14002'),
        components: [
          { code: 'TK', source: 'upload', fileSha256: tk },
          { code: 'GCS', source: 'paper' },
          { code: 'CCCD', source: 'population_db' },
        ],
      },
    });
    expect(r.response.status).toBe(201);
    const d = r.data!;
    expect(d.code).toBe('000.01.01.H40-250829-0001');
    expect(d.status).toBe('received');
    expect(d.portalStatus).toBe(2);
    expect(d.receivingUnit.id).toBe(h.unit('CN-A'));
    expect(d.competentAgency.id).toBe(h.unit('X-HAI-UB'));
    expect(d.procedure.versionEffectiveFrom).toBe('2025-07-01');
    // 1 working day, received Friday: Sat 30 Aug – Tue 2 Sep are days off, so the day is Wed 3 Sep, closing at 17:00.
    expect(d.dueAt).toBe('2025-09-03T10:00:00.000Z');
    expect(d.components.map((c) => [c.code, c.digitized])).toEqual([
      ['TK', true],
      ['GCS', false],
      ['CCCD', true],
    ]);
    expect(d.allowedActions).toEqual(['refuse', 'forward', 'withdraw']);
    code = d.code;
    version = d.version;
  });

  it('refuses to transfer before every required component is digitized', async () => {
    const r = await clerk.POST('/dossiers/{code}/forward', { params: path(), body: { version } });
    expect(r.response.status).toBe(422);
    expect(r.response.headers.get('content-type')).toContain('application/problem+json');
    expect(r.error).toMatchObject(problem({ code: 'NOT_DIGITIZED', details: { components: ['GCS'] } }));
    const scan = await h.upload(await h.token('clerk.branch'), 'giay chung sinh');
    const a = await clerk.PUT('/dossiers/{code}/components/{componentCode}', {
      params: { path: { code, componentCode: 'GCS' } },
      body: { version, fileSha256: scan },
    });
    expect(a.response.status).toBe(200);
    expect(a.data?.components.find((c) => c.code === 'GCS')).toMatchObject({
      digitized: true,
      source: 'upload',
      fileSha256: scan,
    });
    version = a.data!.version;
    const f = await clerk.POST('/dossiers/{code}/forward', { params: path(), body: { version } });
    expect(f.response.status).toBe(200);
    expect(f.data).toMatchObject({ status: 'processing', portalStatus: 4, currentUnit: { id: h.unit('X-HAI-UB') }, currentStep: 1 });
    version = f.data!.version;
  });

  it('serves a dossier’s files only to staff whose scope includes it', async () => {
    const d = (await clerk.GET('/dossiers/{code}', { params: path() })).data!;
    const sha = d.components.find((c) => c.code === 'TK')!.fileSha256!;
    const download = (api: Api) => api.GET('/files/{sha256}', { params: { path: { sha256: sha } }, parseAs: 'arrayBuffer' });
    const own = await download(clerk);
    expect(own.response.status).toBe(200);
    expect(own.response.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(own.data!).subarray(0, 5).toString()).toBe('%PDF-');
    expect((await download(await h.api('spec.hai'))).response.status).toBe(200);
    expect((await download(await h.api('clerk.mot'))).response.status).toBe(404);
    expect((await download(await h.api('admin'))).response.status).toBe(200);
  });

  it('rejects a stale version with 409 and changes nothing', async () => {
    const spec = await h.api('spec.hai');
    const r = await spec.POST('/dossiers/{code}/request-supplement', { params: path(), body: { version: version - 1, note: 'x' } });
    expect(r.response.status).toBe(409);
    expect(r.error).toMatchObject(problem({ code: 'STALE_VERSION', field: 'body.version', details: { currentVersion: version } }));
    const d = await spec.GET('/dossiers/{code}', { params: path() });
    expect(d.data).toMatchObject({ status: 'processing', version });
  });

  it('pauses the clock for one supplement request and moves the day limit by the working days waited', async () => {
    const spec = await h.api('spec.hai');
    h.clock.set('2025-09-03T08:30:00+07:00');
    // @ts-expect-error -- deliberately without the required note
    const noNote = await spec.POST('/dossiers/{code}/request-supplement', { params: path(), body: { version } });
    expect(noNote.response.status).toBe(400);
    expect(noNote.error).toMatchObject(problem({ code: 'VALIDATION', field: 'body.note' }));
    const r = await spec.POST('/dossiers/{code}/request-supplement', {
      params: path(),
      body: { version, note: 'Bổ sung giấy chứng sinh bản rõ nét' },
    });
    expect(r.response.status).toBe(200);
    expect(r.data).toMatchObject({
      status: 'supplement_requested',
      portalStatus: 5,
      supplementCount: 1,
      pausedAt: '2025-09-03T01:30:00.000Z',
    });
    version = r.data!.version;
    // The applicant sees what to bring, and why, on the public tracking page.
    const waiting = (await (await h.api()).GET('/public/dossiers/{code}', { params: { path: { code }, query: { phone: '5678' } } })).data;
    expect(waiting).toMatchObject({
      status: 'supplement_requested',
      statusVi: 'Yêu cầu bổ sung hồ sơ',
      supplement: {
        requestedAt: '2025-09-03T01:30:00.000Z',
        reason: 'Bổ sung giấy chứng sinh bản rõ nét',
        unitNameVi: 'Ủy ban nhân dân Xã Hai',
      },
    });
    expect(waiting?.timeline.at(-1)).toMatchObject({ action: 'request_supplement', note: 'Bổ sung giấy chứng sinh bản rõ nét' });
    // Waiting: Wed 08:30–11:30 and 13:00–17:00 (7 h) + Thu 07:30–10:00 (2.5 h) = 9.5 working hours.
    h.clock.set('2025-09-04T10:00:00+07:00');
    const s = await clerk.POST('/dossiers/{code}/supplement-received', { params: path(), body: { version } });
    expect(s.response.status).toBe(200);
    // A day limit moves by the working days waited (Thursday; Wednesday, when the wait began, is not counted), and stays
    // at the close of office hours: due Wed 17:00 → Thu 4 Sep 17:00. (By the working time, 9.5 h, it went to Fri 09:00.)
    const asSpecialist = await spec.GET('/dossiers/{code}', { params: path() });
    // Supplement already used once: no second request offered.
    expect(asSpecialist.data?.allowedActions).toEqual(['forward', 'request_payment', 'apologize']);
    expect(s.data).toMatchObject({
      status: 'processing',
      dueAt: '2025-09-04T10:00:00.000Z',
      originalDueAt: '2025-09-03T10:00:00.000Z',
      pausedWorkingMs: 9.5 * 3_600_000,
      pausedAt: null,
    });
    version = s.data!.version;
  });

  it('refuses a second supplement request', async () => {
    const spec = await h.api('spec.hai');
    const r = await spec.POST('/dossiers/{code}/request-supplement', { params: path(), body: { version, note: 'lần hai' } });
    expect(r.response.status).toBe(409);
    expect(r.error).toMatchObject(problem({ code: 'SUPPLEMENT_ALREADY_REQUESTED' }));
  });

  it('lets only the role of the current step act, and only at its unit', async () => {
    const forward = (api: Api) => api.POST('/dossiers/{code}/forward', { params: path(), body: { version } });
    const read = async (api: Api) => (await api.GET('/dossiers/{code}', { params: path() })).response.status;
    const wrongRole = await forward(await h.api('appr.hai'));
    expect(wrongRole.response.status).toBe(403);
    expect(wrongRole.error).toMatchObject(problem({ code: 'FORBIDDEN' }));
    const wrongUnit = await forward(await h.api('spec.mot'));
    expect(wrongUnit.response.status).toBe(404);
    expect(await read(await h.api('clerk.mot'))).toBe(404);
    const manager = await h.api('manager.center');
    expect(await read(manager)).toBe(200);
    const managerAct = await forward(manager);
    expect(managerAct.response.status).toBe(403);
    expect((await forward(await h.api())).response.status).toBe(401);
  });

  it('forwards to the approver, who issues the result into the applicant’s document store', async () => {
    const spec = await h.api('spec.hai');
    const f = await spec.POST('/dossiers/{code}/forward', { params: path(), body: { version } });
    expect(f.response.status).toBe(200);
    expect(f.data).toMatchObject({ currentStep: 2, currentUnit: { id: h.unit('X-HAI-UB') } });
    // Handed to the approval step of the same committee: the specialist may no longer forward or issue the result.
    expect(f.data?.allowedActions).toEqual(['request_payment', 'apologize']);
    const appr = await h.api('appr.hai');
    const asApprover = await appr.GET('/dossiers/{code}', { params: path() });
    expect(asApprover.data?.allowedActions).toEqual(['request_payment', 'stop', 'result', 'apologize']);
    version = f.data!.version;
    const file = await h.upload(await h.token('appr.hai'), 'giay khai sinh');
    const specResult = await spec.POST('/dossiers/{code}/result', { params: path(), body: { version, resultFileSha256: file } });
    expect(specResult.response.status).toBe(403);
    const r = await appr.POST('/dossiers/{code}/result', { params: path(), body: { version, resultFileSha256: file } });
    expect(r.response.status).toBe(200);
    expect(r.data).toMatchObject({
      status: 'result_ready',
      portalStatus: 9,
      currentUnit: { id: h.unit('CN-A') },
      decidedAt: '2025-09-04T03:00:00.000Z',
    });
    version = r.data!.version;
    // The result is in the applicant's store, typed as the catalog names it; a clerk who starts an intake for them sees it.
    const intake = await clerk.POST('/intakes', { body: { idNumber: '037095001234' } });
    expect(intake.response.status).toBe(201);
    const store = await clerk.GET('/store-documents', { params: { query: { intakeId: intake.data!.id } } });
    expect(store.data).toEqual([
      {
        id: r.data!.resultDocumentId,
        kind: 'result',
        title: 'Giấy khai sinh',
        documentType: { code: 'GIAY_KHAI_SINH', nameVi: 'Giấy khai sinh', nameEn: 'Birth certificate' },
        issuedAt: '2025-09-04T03:00:00.000Z',
        issuerNameVi: 'Ủy ban nhân dân Xã Hai',
      },
    ]);
    expect(JSON.stringify(store.data)).not.toContain(file);
  });

  it('returns the result at the chosen point', async () => {
    h.clock.set('2025-09-04T10:30:00+07:00');
    const r = await clerk.POST('/dossiers/{code}/return', { params: path(), body: { version } });
    expect(r.response.status).toBe(200);
    expect(r.data).toMatchObject({ status: 'returned', portalStatus: 10, returnedAt: '2025-09-04T03:30:00.000Z', currentUnit: null });
  });

  it('keeps an event per transition and the process-control history', async () => {
    const ev = (await clerk.GET('/dossiers/{code}/events', { params: path() })).data!;
    expect(ev.map((e) => e.action)).toEqual([
      'receive',
      'digitize',
      'forward',
      'request_supplement',
      'supplement_received',
      'forward',
      'result',
      'return',
    ]);
    expect(ev.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ev[3]).toMatchObject({
      fromStatus: 'processing',
      toStatus: 'supplement_requested',
      note: 'Bổ sung giấy chứng sinh bản rõ nét',
      actorKind: 'staff',
    });
    const pc = (await clerk.GET('/dossiers/{code}/process-control', { params: path() })).data!;
    expect(pc.map((s) => [s.role, s.fromUnitId, s.toUnitId, s.outcome])).toEqual([
      ['receive', null, h.unit('CN-A'), 'on_time'],
      ['process', h.unit('CN-A'), h.unit('X-HAI-UB'), 'on_time'],
      // Approve step due Thu 14:51 (0.9 of the 21.5 working hours to the moved due date); done Thu 10:00: same day.
      ['approve', h.unit('X-HAI-UB'), h.unit('X-HAI-UB'), 'on_time'],
      // Return step due with the dossier, Thu 17:00; returned Thu 10:30.
      ['return', h.unit('X-HAI-UB'), h.unit('CN-A'), 'on_time'],
    ]);
  });

  it('shows the public timeline with the applicant masked, and takes one rating', async () => {
    const anon = await h.api();
    const track = (c: string, phone: string) => anon.GET('/public/dossiers/{code}', { params: { path: { code: c }, query: { phone } } });
    const wrong = await track(code, '0000');
    expect(wrong.response.status).toBe(404);
    const unknown = await track('000.01.01.H40-250829-0999', '5678');
    expect(unknown.error?.detail).toBe(wrong.error?.detail);
    const r = await track(code, '5678');
    expect(r.response.status).toBe(200);
    const t = r.data!;
    expect(t).toMatchObject({
      code,
      status: 'returned',
      applicantName: 'N***** V** A*',
      applicantIdNumber: '*********234',
      canRate: true,
      dueAt: '2025-09-04T10:00:00.000Z',
    });
    expect(JSON.stringify(r.data)).not.toContain('037095001234');
    expect(JSON.stringify(r.data)).not.toContain('0912345678');
    expect(t.timeline.map((e) => e.labelVi)).toEqual([
      'Tiếp nhận hồ sơ',
      'Số hóa thành phần hồ sơ',
      'Chuyển xử lý',
      'Yêu cầu bổ sung hồ sơ',
      'Đã nhận hồ sơ bổ sung',
      'Chuyển xử lý',
      'Có kết quả giải quyết',
      'Đã trả kết quả',
    ]);
    // Only the reasons written to the applicant are public; the request stays in the timeline once answered.
    expect(t.timeline.map((e) => e.note)).toEqual([null, null, null, 'Bổ sung giấy chứng sinh bản rõ nét', null, null, null, null]);
    expect(t.supplement).toBeNull();
    const rate = await anon.POST('/public/dossiers/{code}/rating', {
      params: path(),
      body: { phone: '5678', rating: 'satisfied', comment: 'Nhanh' },
    });
    expect(rate.response.status).toBe(201);
    const again = await anon.POST('/public/dossiers/{code}/rating', { params: path(), body: { phone: '5678', rating: 'not_satisfied' } });
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject(problem({ code: 'ALREADY_RATED' }));
    const row = await h.database.db.selectFrom('ratings').selectAll().execute();
    expect(row).toMatchObject([{ rating: 'satisfied', comment: 'Nhanh' }]);
  });
});

describe('refusals at intake store nothing', () => {
  it('sends a territorial commune procedure back to the commune that handles it', async () => {
    const before = await count('dossiers');
    const clerk = await h.api('clerk.branch');
    const file = await h.upload(await h.token('clerk.branch'));
    const r = await clerk.POST('/dossiers', {
      body: {
        procedureCode: '2.000815',
        applicant: applicant('14002'),
        components: [{ code: 'BC', source: 'upload', fileSha256: file }],
      },
    });
    expect(r.response.status).toBe(422);
    expect(r.error).toMatchObject(
      problem({
        code: 'WRONG_SERVICE_POINT',
        field: 'body.procedureCode',
        details: { serviceUnitId: h.unit('X-HAI-TT'), nameVi: 'Trung tâm Phục vụ hành chính công Xã Hai' },
      }),
    );
    expect(r.error?.detail).toContain('Trung tâm Phục vụ hành chính công Xã Hai');
    expect(await count('dossiers')).toBe(before);
  });

  it('sends a territorial provincial procedure to the provincial center', async () => {
    const clerk = await h.api('clerk.mot');
    const file = await h.upload(await h.token('clerk.mot'));
    const r = await clerk.POST('/dossiers', {
      body: {
        procedureCode: '2.000488',
        applicant: applicant('14001'),
        components: [
          { code: 'TK', source: 'upload', fileSha256: file },
          { code: 'CCCD', source: 'population_db' },
        ],
      },
    });
    expect(r.response.status).toBe(422);
    expect(r.error?.details).toMatchObject({ serviceUnitId: h.unit('TTPVHCC') });
  });

  it.each<[string, Record<string, unknown>, Problem['code'], string]>([
    ['a wrong check digit count', { idNumber: '03709500123' }, 'INVALID_ID_NUMBER', 'body.applicant.idNumber'],
    ['letters', { idNumber: '03709500123A' }, 'INVALID_ID_NUMBER', 'body.applicant.idNumber'],
    ['an unknown province code', { idNumber: '999095001234' }, 'INVALID_ID_NUMBER', 'body.applicant.idNumber'],
    ['an unassigned province code (003)', { idNumber: '003095001234' }, 'INVALID_ID_NUMBER', 'body.applicant.idNumber'],
    ['a birth year in the future (2030)', { idNumber: '037230001234' }, 'INVALID_ID_NUMBER', 'body.applicant.idNumber'],
    ['a number instead of a string', { idNumber: 37095001234 }, 'VALIDATION', 'body.applicant.idNumber'],
    ['a bad phone', { phone: '12345' }, 'VALIDATION', 'body.applicant.phone'],
    ['a commune outside the province', { communeCode: '99999' }, 'UNKNOWN_COMMUNE', 'body.applicant.communeCode'],
  ])('rejects an applicant with %s', async (_label, over, errorCode, field) => {
    const before = await count('dossiers');
    const clerk = await h.api('clerk.hai');
    const file = await h.upload(await h.token('clerk.hai'));
    const r = await clerk.POST('/dossiers', {
      body: {
        procedureCode: '2.000815',
        applicant: applicant('14002', over),
        components: [{ code: 'BC', source: 'upload', fileSha256: file }],
      },
    });
    expect(r.response.status).toBe(errorCode === 'UNKNOWN_COMMUNE' ? 422 : 400);
    expect(r.error).toMatchObject(problem({ code: errorCode, field }));
    expect(await count('dossiers')).toBe(before);
  });

  it('names the broken rule of a citizen ID number, at the counter and online', async () => {
    const clerk = await h.api('clerk.hai');
    const file = await h.upload(await h.token('clerk.hai'));
    const counter = await clerk.POST('/dossiers', {
      body: {
        procedureCode: '2.000815',
        applicant: applicant('14002', { idNumber: '003095001234' }),
        components: [{ code: 'BC', source: 'upload', fileSha256: file }],
      },
    });
    expect(counter.error).toMatchObject(
      problem({
        status: 400,
        code: 'INVALID_ID_NUMBER',
        field: 'body.applicant.idNumber',
        detail: 'Citizen ID number starts with 003, which is not a province code (Circular 07/2016/TT-BCA: 001 Hà Nội … 096 Cà Mau)',
      }),
    );
    const before = await count('dossiers');
    const anon = await h.api();
    const online = await anon.POST('/public/dossiers', {
      body: { procedureCode: '1.001193', applicant: applicant('14002', { idNumber: '037227001234' }), components: [] },
    });
    // The harness's clock is in 2025: a citizen born in 2027 cannot exist yet.
    expect(online.error).toMatchObject(
      problem({
        status: 400,
        code: 'INVALID_ID_NUMBER',
        field: 'body.applicant.idNumber',
        detail: 'Citizen ID number says born in 2027 (digits 4–6: 227), which is in the future',
      }),
    );
    expect(await count('dossiers')).toBe(before);
  });

  it('rejects unknown fields, missing components and hostile input with the field named', async () => {
    const clerk = await h.api('clerk.hai');
    const extra = await clerk.POST('/dossiers', {
      body: { procedureCode: '2.000815', applicant: applicant(), components: [], isAdmin: true },
    });
    expect(extra.error).toMatchObject(problem({ code: 'VALIDATION', field: 'body.isAdmin' }));
    const missing = await clerk.POST('/dossiers', { body: { procedureCode: '2.000815', applicant: applicant(), components: [] } });
    expect(missing.error).toMatchObject(problem({ code: 'VALIDATION', field: 'body.components', details: { missing: ['BC'] } }));
    const sqlish = await clerk.POST('/dossiers', {
      body: { procedureCode: "1.001193'; drop table dossiers; --", applicant: applicant(), components: [] },
    });
    expect(sqlish.error).toMatchObject(problem({ code: 'UNKNOWN_PROCEDURE', field: 'body.procedureCode' }));
    // A typed body, cut short on the wire: JSON that does not parse.
    const badJson = await clerk.POST('/dossiers', {
      body: { procedureCode: '2.000815', applicant: applicant(), components: [] },
      bodySerializer: () => '{"procedureCode":',
      headers: { 'content-type': 'application/json' },
    });
    expect(badJson.response.status).toBe(400);
    const huge = await clerk.POST('/dossiers', {
      body: { procedureCode: '2.000815', applicant: applicant('14002', { name: 'x'.repeat(5000) }), components: [] },
    });
    expect(huge.error).toMatchObject(problem({ code: 'VALIDATION', field: 'body.applicant.name' }));
  });

  it('refuses an oversized file and a file whose content is not a document', async () => {
    const clerk = await h.api('clerk.hai');
    const before = await h.database.db
      .selectFrom('blobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const big = await clerk.POST('/files', octets(Buffer.alloc(65 * 1024, 1)));
    expect(big.response.status).toBe(413);
    expect(big.error).toMatchObject(problem({ code: 'FILE_TOO_LARGE' }));
    // Multipart, as the web app uploads: a part named "file" that calls itself a PDF but is text.
    const form = new FormData();
    form.append('file', new Blob(['this is just text pretending to be a PDF'], { type: 'application/pdf' }), 'giay-khai-sinh.pdf');
    const r = await clerk.POST('/files', { body: form as never });
    expect(r.response.status).toBe(415);
    expect(r.error).toMatchObject(problem({ code: 'UNSUPPORTED_FILE_TYPE', field: 'body.file' }));
    const after = await h.database.db
      .selectFrom('blobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('does not let a specialist receive dossiers', async () => {
    const spec = await h.api('spec.hai');
    const r = await spec.POST('/dossiers', { body: { procedureCode: '2.000815', applicant: applicant(), components: [] } });
    expect(r.response.status).toBe(403);
    expect(r.error).toMatchObject(problem({ code: 'FORBIDDEN' }));
  });
});

describe('territorial and inter-agency processing', () => {
  it('receives a fast-tracked territorial procedure at its own commune with an hours limit', async () => {
    h.clock.set('2025-08-29T10:00:00+07:00');
    const clerk = await h.api('clerk.hai');
    const file = await h.upload(await h.token('clerk.hai'));
    const r = await clerk.POST('/dossiers', {
      body: {
        procedureCode: '2.000815',
        applicant: applicant('14002'),
        components: [{ code: 'BC', source: 'upload', fileSha256: file }],
        fastTrack: true,
      },
    });
    expect(r.response.status).toBe(201);
    // 4 working hours from Fri 10:00: 10:00–11:30 and 13:00–15:30.
    expect(r.data).toMatchObject({
      code: '000.20.02.H40-250829-0001',
      fastTrack: true,
      timeLimit: { value: 4, unit: 'working-hours' },
      dueAt: '2025-08-29T08:30:00.000Z',
      feeTotalVnd: 2000,
    });
  });

  it('routes a provincial procedure through the department and the police in turn', async () => {
    const clerk = await h.api('clerk.center');
    const file = await h.upload(await h.token('clerk.center'));
    const r = await clerk.POST('/dossiers', {
      body: {
        procedureCode: '2.000488',
        applicant: applicant('14003'),
        components: [
          { code: 'TK', source: 'upload', fileSha256: file },
          { code: 'CCCD', source: 'population_db' },
        ],
      },
    });
    expect(r.response.status).toBe(201);
    const d = r.data!;
    // 10 working days from Fri 29 Aug 2025: 3,4,5,8,9,10,11,12,15,16 Sep.
    expect(d).toMatchObject({
      code: '000.00.01.H40-250829-0001',
      dueAt: '2025-09-16T10:00:00.000Z',
      competentAgency: { id: h.unit('STP') },
      feeTotalVnd: 200000,
    });
    let v = d.version;
    const forward = async (user: string) =>
      (await h.api(user)).POST('/dossiers/{code}/forward', { params: { path: { code: d.code } }, body: { version: v } });
    const step = async (user: string, unitKey: string) => {
      const res = await forward(user);
      expect(res.response.status, JSON.stringify(res.error)).toBe(200);
      expect(res.data?.currentUnit?.id).toBe(h.unit(unitKey));
      v = res.data!.version;
    };
    await step('clerk.center', 'STP');
    await step('spec.stp', 'CA');
    await step('spec.ca', 'STP');
    const last = await forward('appr.stp');
    expect(last.response.status).toBe(409);
    expect(last.error).toMatchObject(problem({ code: 'INVALID_TRANSITION' }));
  });

  it('lets a citizen submit online; the clock starts when the clerk of the receiving point receives it', async () => {
    h.clock.set('2025-08-30T21:00:00+07:00'); // a Saturday night
    const anon = await h.api();
    // An online submission's files belong to it: its token goes with every upload and with the submission itself.
    const submission = await anon.POST('/public/submissions');
    expect(submission.response.status).toBe(201);
    const token = { 'x-submission-token': submission.data!.submissionToken };
    const upload = await anon.POST('/public/files', {
      ...octets((await import('../src/demo/demo.model.js')).samplePdf('online')),
      params: { header: token },
    });
    expect(upload.response.status, JSON.stringify(upload.error)).toBe(201);
    const file = upload.data!.sha256;
    const body: Submission = {
      procedureCode: '1.001193',
      applicant: applicant('14003', { phone: '0987654321' }),
      components: [
        { code: 'TK', source: 'upload', fileSha256: file },
        { code: 'GCS', source: 'upload', fileSha256: file },
        { code: 'CCCD', source: 'population_db' },
      ],
    };
    const paper = await anon.POST('/public/dossiers', {
      params: { header: token },
      body: { ...body, components: [{ code: 'TK', source: 'paper' }] },
    });
    expect(paper.error).toMatchObject(problem({ code: 'VALIDATION', field: 'body.components.0.source' }));
    // Unidentified online, a typed ID number must not open the applicant's document store.
    const stored = await anon.POST('/public/dossiers', {
      params: { header: token },
      body: { ...body, components: [...body.components, { code: 'GKH', source: 'store', storeDocumentId: 1 }] },
    });
    expect(stored.response.status).toBe(400);
    expect(stored.error).toMatchObject(problem({ code: 'VALIDATION', field: 'body.components.3.source' }));
    const key = { ...token, 'idempotency-key': 'online-submission-0001' };
    const r = await anon.POST('/public/dossiers', { params: { header: key }, body });
    expect(r.response.status).toBe(201);
    expect(r.data).toMatchObject({
      status: 'submitted',
      portalStatus: 1,
      channel: 2,
      receivedAt: null,
      dueAt: null,
      receivingUnit: { id: h.unit('X-BA-TT') },
    });
    const code = r.data!.code;
    const again = await anon.POST('/public/dossiers', { params: { header: key }, body });
    expect(again.data?.code).toBe(code);
    const misuse = await anon.POST('/public/dossiers', { params: { header: key }, body: { ...body, fastTrack: false } });
    expect(misuse.response.status).toBe(409);
    expect(misuse.error).toMatchObject(problem({ code: 'IDEMPOTENCY_CONFLICT' }));
    expect((await h.database.db.selectFrom('dossiers').select('code').where('code', '=', code).execute()).length).toBe(1);
    const receive = async (user: string) =>
      (await h.api(user)).POST('/dossiers/{code}/receive', { params: { path: { code } }, body: { version: 1 } });
    expect((await receive('clerk.hai')).response.status).toBe(404);
    h.clock.set('2025-09-03T08:00:00+07:00');
    const rec = await receive('clerk.ba');
    expect(rec.response.status).toBe(200);
    // Received Wed 3 Sep: the working day after is Thu 4 Sep.
    expect(rec.data).toMatchObject({ status: 'received', receivedAt: '2025-09-03T01:00:00.000Z', dueAt: '2025-09-04T10:00:00.000Z' });
  });
});

describe('late dossiers and the audit trail', () => {
  it('flags open dossiers past their due date, then takes one apology with a later date', async () => {
    h.clock.set('2025-09-20T09:00:00+07:00');
    const r = await h.services.dossiers.detectLate();
    expect(r.flagged.sort()).toEqual(['000.00.01.H40-250829-0001', '000.20.02.H40-250829-0001', '000.20.03.H40-250830-0001'].sort());
    expect((await h.services.dossiers.detectLate()).flagged).toEqual([]);
    const code = '000.00.01.H40-250829-0001';
    const appr = await h.api('appr.stp');
    const d = (await appr.GET('/dossiers/{code}', { params: { path: { code } } })).data!;
    expect(d.lateFlaggedAt).toBe('2025-09-20T02:00:00.000Z');
    const early = await appr.POST('/dossiers/{code}/apologize', {
      params: { path: { code } },
      body: { version: d.version, note: 'Chờ xác minh', newDueAt: '2025-09-10T10:00:00+07:00' },
    });
    expect(early.error).toMatchObject(problem({ code: 'VALIDATION', field: 'body.newDueAt' }));
    const ok = await appr.POST('/dossiers/{code}/apologize', {
      params: { path: { code } },
      body: { version: d.version, note: 'Chờ xác minh với Công an tỉnh', newDueAt: '2025-09-25T17:00:00+07:00' },
    });
    expect(ok.response.status).toBe(200);
    expect(ok.data?.apologyDueAt).toBe('2025-09-25T10:00:00.000Z');
    // The inbox now shows it against its new date (it still counts as late in every statistic: test/late-dossiers.spec.ts).
    expect((await appr.GET('/dossiers', { params: { query: { risk: 'late' } } })).data).toEqual([]);
    const list = (await appr.GET('/dossiers', { params: { query: { q: code } } })).data!;
    expect(list.map((x) => [x.code, x.risk, x.promisedDueAt])).toEqual([[code, 'on_track', '2025-09-25T10:00:00.000Z']]);
  });

  it('verifies the hash chains, and detects an altered entry', async () => {
    const { verifyAudit } = await import('../src/audit/audit.service.js');
    const ok = await verifyAudit(h.database.db, h.auditKey);
    expect(ok.problems).toEqual([]);
    expect(ok.ok).toBe(true);
    expect(ok.entries).toBeGreaterThan(30);
    const { sql } = await import('kysely');
    await h.database.asOwner(async (db) => {
      await sql`alter table audit_log disable trigger audit_log_append_only`.execute(db);
      await sql`update audit_log set action = 'dossier.nothing' where action = 'dossier.refuse' or seq = 2 and stream like 'unit:%'`.execute(
        db,
      );
      await sql`alter table audit_log enable trigger audit_log_append_only`.execute(db);
    });
    const bad = await verifyAudit(h.database.db, h.auditKey);
    expect(bad.ok).toBe(false);
    expect(bad.problems[0]).toMatchObject({ seq: 2, reason: 'columns differ from the hashed payload' });
  });
});
