import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, applicant, type Harness } from './harness.js';

let h: Harness;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

async function count(table: 'dossiers' | 'dossier_events' | 'dossier_components'): Promise<number> {
  const r = await h.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

beforeAll(async () => {
  h = await createHarness('2025-08-29T10:00:00+07:00'); // Friday before the National Day holiday (30 Aug – 2 Sep 2025)
});

describe('a dossier received anywhere, processed with a supplement, returned, tracked and rated', () => {
  let code = '';
  let version = 0;
  let clerk = '';

  it('receives a non-territorial procedure at a branch for a citizen of another commune, routed to that commune', async () => {
    clerk = await h.token('clerk.branch');
    const tk = await h.upload(clerk, 'to khai');
    const r = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(clerk),
      payload: {
        procedureCode: '1.001193',
        applicant: applicant('14002'),
        components: [
          { code: 'TK', source: 'upload', fileSha256: tk },
          { code: 'GCS', source: 'paper' },
          { code: 'CCCD', source: 'population_db' },
        ],
      },
    });
    expect(r.statusCode).toBe(201);
    const d = r.json();
    expect(d.code).toBe('000.01.01.H40-250829-0001');
    expect(d.status).toBe('received');
    expect(d.portalStatus).toBe(2);
    expect(d.receivingUnit.id).toBe(h.unit('CN-A'));
    expect(d.competentAgency.id).toBe(h.unit('X-HAI-UB'));
    expect(d.procedure.versionEffectiveFrom).toBe('2025-07-01');
    // 1 working day, received Friday: Sat 30 Aug – Tue 2 Sep are days off, so the day is Wed 3 Sep, closing at 17:00.
    expect(d.dueAt).toBe('2025-09-03T10:00:00.000Z');
    expect(d.components.map((c: { code: string; digitized: boolean }) => [c.code, c.digitized])).toEqual([
      ['TK', true],
      ['GCS', false],
      ['CCCD', true],
    ]);
    expect(d.allowedActions).toEqual(['refuse', 'forward', 'withdraw']);
    code = d.code;
    version = d.version;
  });

  it('refuses to transfer before every required component is digitized', async () => {
    const r = await h.app.inject({ method: 'POST', url: `/dossiers/${code}/forward`, headers: auth(clerk), payload: { version } });
    expect(r.statusCode).toBe(422);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json()).toMatchObject({ code: 'NOT_DIGITIZED', details: { components: ['GCS'] } });
    const scan = await h.upload(clerk, 'giay chung sinh');
    const a = await h.app.inject({
      method: 'PUT',
      url: `/dossiers/${code}/components/GCS`,
      headers: auth(clerk),
      payload: { version, fileSha256: scan },
    });
    expect(a.statusCode).toBe(200);
    expect(a.json().components.find((c: { code: string }) => c.code === 'GCS')).toMatchObject({
      digitized: true,
      source: 'upload',
      fileSha256: scan,
    });
    version = a.json().version;
    const f = await h.app.inject({ method: 'POST', url: `/dossiers/${code}/forward`, headers: auth(clerk), payload: { version } });
    expect(f.statusCode).toBe(200);
    expect(f.json()).toMatchObject({ status: 'processing', portalStatus: 4, currentUnit: { id: h.unit('X-HAI-UB') }, currentStep: 1 });
    version = f.json().version;
  });

  it('serves a dossier’s files only to staff whose scope includes it', async () => {
    const d = (await h.app.inject({ method: 'GET', url: `/dossiers/${code}`, headers: auth(clerk) })).json();
    const sha = d.components.find((c: { code: string }) => c.code === 'TK').fileSha256;
    const own = await h.app.inject({ method: 'GET', url: `/files/${sha}`, headers: auth(clerk) });
    expect(own.statusCode).toBe(200);
    expect(own.headers['content-type']).toBe('application/pdf');
    expect(own.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await h.app.inject({ method: 'GET', url: `/files/${sha}`, headers: auth(await h.token('spec.hai')) })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: `/files/${sha}`, headers: auth(await h.token('clerk.mot')) })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: `/files/${sha}`, headers: auth(await h.token('admin')) })).statusCode).toBe(200);
  });

  it('rejects a stale version with 409 and changes nothing', async () => {
    const spec = await h.token('spec.hai');
    const r = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${code}/request-supplement`,
      headers: auth(spec),
      payload: { version: version - 1, note: 'x' },
    });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'STALE_VERSION', field: 'body.version', details: { currentVersion: version } });
    const d = await h.app.inject({ method: 'GET', url: `/dossiers/${code}`, headers: auth(spec) });
    expect(d.json()).toMatchObject({ status: 'processing', version });
  });

  it('pauses the clock for one supplement request and moves the due date by the working time waited', async () => {
    const spec = await h.token('spec.hai');
    h.clock.set('2025-09-03T08:30:00+07:00');
    const noNote = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${code}/request-supplement`,
      headers: auth(spec),
      payload: { version },
    });
    expect(noNote.statusCode).toBe(400);
    expect(noNote.json()).toMatchObject({ code: 'VALIDATION', field: 'body.note' });
    const r = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${code}/request-supplement`,
      headers: auth(spec),
      payload: { version, note: 'Bổ sung giấy chứng sinh bản rõ nét' },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      status: 'supplement_requested',
      portalStatus: 5,
      supplementCount: 1,
      pausedAt: '2025-09-03T01:30:00.000Z',
    });
    version = r.json().version;
    // The applicant sees what to bring, and why, on the public tracking page.
    const waiting = (await h.app.inject({ method: 'GET', url: `/public/dossiers/${code}?phone=5678` })).json();
    expect(waiting).toMatchObject({
      status: 'supplement_requested',
      statusVi: 'Yêu cầu bổ sung hồ sơ',
      supplement: {
        requestedAt: '2025-09-03T01:30:00.000Z',
        reason: 'Bổ sung giấy chứng sinh bản rõ nét',
        unitNameVi: 'Ủy ban nhân dân Xã Hai',
      },
    });
    expect(waiting.timeline.at(-1)).toMatchObject({ action: 'request_supplement', note: 'Bổ sung giấy chứng sinh bản rõ nét' });
    // Waiting: Wed 08:30–11:30 and 13:00–17:00 (7 h) + Thu 07:30–10:00 (2.5 h) = 9.5 working hours.
    h.clock.set('2025-09-04T10:00:00+07:00');
    const s = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${code}/supplement-received`,
      headers: auth(clerk),
      payload: { version },
    });
    expect(s.statusCode).toBe(200);
    // Due Wed 17:00 + 9.5 working hours = Thu 17:00 + 1.5 h = Fri 5 Sep 09:00.
    const asSpecialist = await h.app.inject({ method: 'GET', url: `/dossiers/${code}`, headers: auth(spec) });
    // Supplement already used once: no second request offered.
    expect(asSpecialist.json().allowedActions).toEqual(['forward', 'request_payment', 'apologize']);
    expect(s.json()).toMatchObject({
      status: 'processing',
      dueAt: '2025-09-05T02:00:00.000Z',
      originalDueAt: '2025-09-03T10:00:00.000Z',
      pausedWorkingMs: 9.5 * 3_600_000,
      pausedAt: null,
    });
    version = s.json().version;
  });

  it('refuses a second supplement request', async () => {
    const spec = await h.token('spec.hai');
    const r = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${code}/request-supplement`,
      headers: auth(spec),
      payload: { version, note: 'lần hai' },
    });
    expect(r.statusCode).toBe(409);
    expect(r.json().code).toBe('SUPPLEMENT_ALREADY_REQUESTED');
  });

  it('lets only the role of the current step act, and only at its unit', async () => {
    const appr = await h.token('appr.hai');
    const wrongRole = await h.app.inject({ method: 'POST', url: `/dossiers/${code}/forward`, headers: auth(appr), payload: { version } });
    expect(wrongRole.statusCode).toBe(403);
    expect(wrongRole.json().code).toBe('FORBIDDEN');
    const other = await h.token('spec.mot');
    const wrongUnit = await h.app.inject({ method: 'POST', url: `/dossiers/${code}/forward`, headers: auth(other), payload: { version } });
    expect(wrongUnit.statusCode).toBe(404);
    const clerkElsewhere = await h.token('clerk.mot');
    expect((await h.app.inject({ method: 'GET', url: `/dossiers/${code}`, headers: auth(clerkElsewhere) })).statusCode).toBe(404);
    const manager = await h.token('manager.center');
    expect((await h.app.inject({ method: 'GET', url: `/dossiers/${code}`, headers: auth(manager) })).statusCode).toBe(200);
    const managerAct = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${code}/forward`,
      headers: auth(manager),
      payload: { version },
    });
    expect(managerAct.statusCode).toBe(403);
    expect((await h.app.inject({ method: 'POST', url: `/dossiers/${code}/forward`, payload: { version } })).statusCode).toBe(401);
  });

  it('forwards to the approver, who issues the result into the applicant’s document store', async () => {
    const spec = await h.token('spec.hai');
    const f = await h.app.inject({ method: 'POST', url: `/dossiers/${code}/forward`, headers: auth(spec), payload: { version } });
    expect(f.statusCode).toBe(200);
    expect(f.json()).toMatchObject({ currentStep: 2, currentUnit: { id: h.unit('X-HAI-UB') } });
    // Handed to the approval step of the same committee: the specialist may no longer forward or issue the result.
    expect(f.json().allowedActions).toEqual(['request_payment', 'apologize']);
    const asApprover = await h.app.inject({ method: 'GET', url: `/dossiers/${code}`, headers: auth(await h.token('appr.hai')) });
    expect(asApprover.json().allowedActions).toEqual(['request_payment', 'stop', 'result', 'apologize']);
    version = f.json().version;
    const appr = await h.token('appr.hai');
    const file = await h.upload(appr, 'giay khai sinh');
    const specResult = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${code}/result`,
      headers: auth(spec),
      payload: { version, resultFileSha256: file },
    });
    expect(specResult.statusCode).toBe(403);
    const r = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${code}/result`,
      headers: auth(appr),
      payload: { version, resultFileSha256: file },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      status: 'result_ready',
      portalStatus: 9,
      currentUnit: { id: h.unit('CN-A') },
      decidedAt: '2025-09-04T03:00:00.000Z',
    });
    version = r.json().version;
    const store = await h.app.inject({ method: 'GET', url: '/store-documents?idNumber=037095001234', headers: auth(clerk) });
    expect(store.json()).toEqual([
      expect.objectContaining({ id: r.json().resultDocumentId, kind: 'result', title: 'Giấy khai sinh', fileSha256: file }),
    ]);
  });

  it('returns the result at the chosen point', async () => {
    h.clock.set('2025-09-04T10:30:00+07:00');
    const r = await h.app.inject({ method: 'POST', url: `/dossiers/${code}/return`, headers: auth(clerk), payload: { version } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: 'returned', portalStatus: 10, returnedAt: '2025-09-04T03:30:00.000Z', currentUnit: null });
  });

  it('keeps an event per transition and the process-control history', async () => {
    const ev = (await h.app.inject({ method: 'GET', url: `/dossiers/${code}/events`, headers: auth(clerk) })).json();
    expect(ev.map((e: { action: string }) => e.action)).toEqual([
      'receive',
      'digitize',
      'forward',
      'request_supplement',
      'supplement_received',
      'forward',
      'result',
      'return',
    ]);
    expect(ev.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ev[3]).toMatchObject({
      fromStatus: 'processing',
      toStatus: 'supplement_requested',
      note: 'Bổ sung giấy chứng sinh bản rõ nét',
      actorKind: 'staff',
    });
    const pc = (await h.app.inject({ method: 'GET', url: `/dossiers/${code}/process-control`, headers: auth(clerk) })).json();
    expect(
      pc.map((s: { role: string; fromUnitId: number | null; toUnitId: number; outcome: string }) => [
        s.role,
        s.fromUnitId,
        s.toUnitId,
        s.outcome,
      ]),
    ).toEqual([
      ['receive', null, h.unit('CN-A'), 'on_time'],
      ['process', h.unit('CN-A'), h.unit('X-HAI-UB'), 'on_time'],
      // Approve step due Thu 16:12 (0.9 of the 23 working hours to the moved due date); done Thu 10:00: same day.
      ['approve', h.unit('X-HAI-UB'), h.unit('X-HAI-UB'), 'on_time'],
      ['return', h.unit('X-HAI-UB'), h.unit('CN-A'), 'early'],
    ]);
  });

  it('shows the public timeline with the applicant masked, and takes one rating', async () => {
    const wrong = await h.app.inject({ method: 'GET', url: `/public/dossiers/${code}?phone=0000` });
    expect(wrong.statusCode).toBe(404);
    const unknown = await h.app.inject({ method: 'GET', url: '/public/dossiers/000.01.01.H40-250829-0999?phone=5678' });
    expect(unknown.json().detail).toBe(wrong.json().detail);
    const r = await h.app.inject({ method: 'GET', url: `/public/dossiers/${code}?phone=5678` });
    expect(r.statusCode).toBe(200);
    const t = r.json();
    expect(t).toMatchObject({
      code,
      status: 'returned',
      applicantName: 'N***** V** A*',
      applicantIdNumber: '*********234',
      canRate: true,
      dueAt: '2025-09-05T02:00:00.000Z',
    });
    expect(r.body).not.toContain('037095001234');
    expect(r.body).not.toContain('0912345678');
    expect(t.timeline.map((e: { labelVi: string }) => e.labelVi)).toEqual([
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
    expect(t.timeline.map((e: { note: string | null }) => e.note)).toEqual([
      null,
      null,
      null,
      'Bổ sung giấy chứng sinh bản rõ nét',
      null,
      null,
      null,
      null,
    ]);
    expect(t.supplement).toBeNull();
    const rate = await h.app.inject({
      method: 'POST',
      url: `/public/dossiers/${code}/rating`,
      payload: { phone: '5678', rating: 'satisfied', comment: 'Nhanh' },
    });
    expect(rate.statusCode).toBe(201);
    const again = await h.app.inject({
      method: 'POST',
      url: `/public/dossiers/${code}/rating`,
      payload: { phone: '5678', rating: 'not_satisfied' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('ALREADY_RATED');
    const row = await h.database.db.selectFrom('ratings').selectAll().execute();
    expect(row).toMatchObject([{ rating: 'satisfied', comment: 'Nhanh' }]);
  });
});

describe('refusals at intake store nothing', () => {
  it('sends a territorial commune procedure back to the commune that handles it', async () => {
    const before = await count('dossiers');
    const clerk = await h.token('clerk.branch');
    const file = await h.upload(clerk);
    const r = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(clerk),
      payload: {
        procedureCode: '2.000815',
        applicant: applicant('14002'),
        components: [{ code: 'BC', source: 'upload', fileSha256: file }],
      },
    });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({
      code: 'WRONG_SERVICE_POINT',
      field: 'body.procedureCode',
      details: { serviceUnitId: h.unit('X-HAI-TT'), nameVi: 'Trung tâm Phục vụ hành chính công Xã Hai' },
    });
    expect(r.json().detail).toContain('Trung tâm Phục vụ hành chính công Xã Hai');
    expect(await count('dossiers')).toBe(before);
  });

  it('sends a territorial provincial procedure to the provincial center', async () => {
    const clerk = await h.token('clerk.mot');
    const file = await h.upload(clerk);
    const r = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(clerk),
      payload: {
        procedureCode: '2.000488',
        applicant: applicant('14001'),
        components: [
          { code: 'TK', source: 'upload', fileSha256: file },
          { code: 'CCCD', source: 'population_db' },
        ],
      },
    });
    expect(r.statusCode).toBe(422);
    expect(r.json().details).toMatchObject({ serviceUnitId: h.unit('TTPVHCC') });
  });

  it.each([
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
    const clerk = await h.token('clerk.hai');
    const file = await h.upload(clerk);
    const r = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(clerk),
      payload: {
        procedureCode: '2.000815',
        applicant: applicant('14002', over),
        components: [{ code: 'BC', source: 'upload', fileSha256: file }],
      },
    });
    expect(r.statusCode).toBe(errorCode === 'UNKNOWN_COMMUNE' ? 422 : 400);
    expect(r.json()).toMatchObject({ code: errorCode, field });
    expect(await count('dossiers')).toBe(before);
  });

  it('names the broken rule of a citizen ID number, at the counter and online', async () => {
    const clerk = await h.token('clerk.hai');
    const file = await h.upload(clerk);
    const counter = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(clerk),
      payload: {
        procedureCode: '2.000815',
        applicant: applicant('14002', { idNumber: '003095001234' }),
        components: [{ code: 'BC', source: 'upload', fileSha256: file }],
      },
    });
    expect(counter.json()).toMatchObject({
      status: 400,
      code: 'INVALID_ID_NUMBER',
      field: 'body.applicant.idNumber',
      detail: 'Citizen ID number starts with 003, which is not a province code (Circular 07/2016/TT-BCA: 001 Hà Nội … 096 Cà Mau)',
    });
    const before = await count('dossiers');
    const online = await h.app.inject({
      method: 'POST',
      url: '/public/dossiers',
      payload: { procedureCode: '1.001193', applicant: applicant('14002', { idNumber: '037227001234' }), components: [] },
    });
    // The harness's clock is in 2025: a citizen born in 2027 cannot exist yet.
    expect(online.json()).toMatchObject({
      status: 400,
      code: 'INVALID_ID_NUMBER',
      field: 'body.applicant.idNumber',
      detail: 'Citizen ID number says born in 2027 (digits 4–6: 227), which is in the future',
    });
    expect(await count('dossiers')).toBe(before);
  });

  it('rejects unknown fields, missing components and hostile input with the field named', async () => {
    const clerk = await h.token('clerk.hai');
    const extra = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(clerk),
      payload: { procedureCode: '2.000815', applicant: applicant(), components: [], isAdmin: true },
    });
    expect(extra.json()).toMatchObject({ code: 'VALIDATION', field: 'body.isAdmin' });
    const missing = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(clerk),
      payload: { procedureCode: '2.000815', applicant: applicant(), components: [] },
    });
    expect(missing.json()).toMatchObject({ code: 'VALIDATION', field: 'body.components', details: { missing: ['BC'] } });
    const sqlish = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(clerk),
      payload: { procedureCode: "1.001193'; drop table dossiers; --", applicant: applicant(), components: [] },
    });
    expect(sqlish.json()).toMatchObject({ code: 'UNKNOWN_PROCEDURE', field: 'body.procedureCode' });
    const badJson = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: { ...auth(clerk), 'content-type': 'application/json' },
      payload: '{"procedureCode":',
    });
    expect(badJson.statusCode).toBe(400);
    const huge = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(clerk),
      payload: { procedureCode: '2.000815', applicant: applicant('14002', { name: 'x'.repeat(5000) }), components: [] },
    });
    expect(huge.json()).toMatchObject({ code: 'VALIDATION', field: 'body.applicant.name' });
  });

  it('refuses an oversized file and a file whose content is not a document', async () => {
    const clerk = await h.token('clerk.hai');
    const before = await h.database.db
      .selectFrom('blobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const big = await h.app.inject({
      method: 'POST',
      url: '/files',
      headers: { ...auth(clerk), 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(65 * 1024, 1),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('FILE_TOO_LARGE');
    const boundary = 'X-BOUNDARY';
    const fake = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="giay-khai-sinh.pdf"\r\nContent-Type: application/pdf\r\n\r\nthis is just text pretending to be a PDF\r\n--${boundary}--\r\n`;
    const r = await h.app.inject({
      method: 'POST',
      url: '/files',
      headers: { ...auth(clerk), 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: fake,
    });
    expect(r.statusCode).toBe(415);
    expect(r.json()).toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE', field: 'body.file' });
    const after = await h.database.db
      .selectFrom('blobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('does not let a specialist receive dossiers', async () => {
    const spec = await h.token('spec.hai');
    const r = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(spec),
      payload: { procedureCode: '2.000815', applicant: applicant(), components: [] },
    });
    expect(r.statusCode).toBe(403);
    expect(r.json().code).toBe('FORBIDDEN');
  });
});

describe('territorial and inter-agency processing', () => {
  it('receives a fast-tracked territorial procedure at its own commune with an hours limit', async () => {
    h.clock.set('2025-08-29T10:00:00+07:00');
    const clerk = await h.token('clerk.hai');
    const file = await h.upload(clerk);
    const r = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(clerk),
      payload: {
        procedureCode: '2.000815',
        applicant: applicant('14002'),
        components: [{ code: 'BC', source: 'upload', fileSha256: file }],
        fastTrack: true,
      },
    });
    expect(r.statusCode).toBe(201);
    // 4 working hours from Fri 10:00: 10:00–11:30 and 13:00–15:30.
    expect(r.json()).toMatchObject({
      code: '000.20.02.H40-250829-0001',
      fastTrack: true,
      timeLimit: { value: 4, unit: 'working-hours' },
      dueAt: '2025-08-29T08:30:00.000Z',
      feeTotalVnd: 2000,
    });
  });

  it('routes a provincial procedure through the department and the police in turn', async () => {
    const clerk = await h.token('clerk.center');
    const file = await h.upload(clerk);
    const r = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(clerk),
      payload: {
        procedureCode: '2.000488',
        applicant: applicant('14003'),
        components: [
          { code: 'TK', source: 'upload', fileSha256: file },
          { code: 'CCCD', source: 'population_db' },
        ],
      },
    });
    expect(r.statusCode).toBe(201);
    const d = r.json();
    // 10 working days from Fri 29 Aug 2025: 3,4,5,8,9,10,11,12,15,16 Sep.
    expect(d).toMatchObject({
      code: '000.00.01.H40-250829-0001',
      dueAt: '2025-09-16T10:00:00.000Z',
      competentAgency: { id: h.unit('STP') },
      feeTotalVnd: 200000,
    });
    let v = d.version;
    const step = async (user: string, action: string, unitKey: string) => {
      const res = await h.app.inject({
        method: 'POST',
        url: `/dossiers/${d.code}/${action}`,
        headers: auth(await h.token(user)),
        payload: { version: v },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().currentUnit.id).toBe(h.unit(unitKey));
      v = res.json().version;
    };
    await step('clerk.center', 'forward', 'STP');
    await step('spec.stp', 'forward', 'CA');
    await step('spec.ca', 'forward', 'STP');
    const last = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${d.code}/forward`,
      headers: auth(await h.token('appr.stp')),
      payload: { version: v },
    });
    expect(last.statusCode).toBe(409);
    expect(last.json().code).toBe('INVALID_TRANSITION');
  });

  it('lets a citizen submit online; the clock starts when the clerk of the receiving point receives it', async () => {
    h.clock.set('2025-08-30T21:00:00+07:00'); // a Saturday night
    const file = (
      await h.app.inject({
        method: 'POST',
        url: '/public/files',
        headers: { 'content-type': 'application/octet-stream' },
        payload: (await import('../src/demo/demo.model.js')).samplePdf('online'),
      })
    ).json().sha256;
    const body = {
      procedureCode: '1.001193',
      applicant: applicant('14003', { phone: '0987654321' }),
      components: [
        { code: 'TK', source: 'upload', fileSha256: file },
        { code: 'GCS', source: 'upload', fileSha256: file },
        { code: 'CCCD', source: 'population_db' },
      ],
    };
    const paper = await h.app.inject({
      method: 'POST',
      url: '/public/dossiers',
      payload: { ...body, components: [{ code: 'TK', source: 'paper' }] },
    });
    expect(paper.json()).toMatchObject({ code: 'VALIDATION', field: 'body.components.0.source' });
    // Unidentified online, a typed ID number must not open the applicant's document store.
    const stored = await h.app.inject({
      method: 'POST',
      url: '/public/dossiers',
      payload: { ...body, components: [...body.components, { code: 'GKH', source: 'store', storeDocumentId: 1 }] },
    });
    expect([stored.statusCode, stored.json().code, stored.json().field]).toEqual([400, 'VALIDATION', 'body.components.3.source']);
    const key = { 'idempotency-key': 'online-submission-0001' };
    const r = await h.app.inject({ method: 'POST', url: '/public/dossiers', headers: key, payload: body });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({
      status: 'submitted',
      portalStatus: 1,
      channel: 2,
      receivedAt: null,
      dueAt: null,
      receivingUnit: { id: h.unit('X-BA-TT') },
    });
    const again = await h.app.inject({ method: 'POST', url: '/public/dossiers', headers: key, payload: body });
    expect(again.json().code).toBe(r.json().code);
    const misuse = await h.app.inject({ method: 'POST', url: '/public/dossiers', headers: key, payload: { ...body, fastTrack: false } });
    expect(misuse.statusCode).toBe(409);
    expect(misuse.json().code).toBe('IDEMPOTENCY_CONFLICT');
    expect((await h.database.db.selectFrom('dossiers').select('code').where('code', '=', r.json().code).execute()).length).toBe(1);
    const otherClerk = await h.token('clerk.hai');
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: `/dossiers/${r.json().code}/receive`,
          headers: auth(otherClerk),
          payload: { version: 1 },
        })
      ).statusCode,
    ).toBe(404);
    h.clock.set('2025-09-03T08:00:00+07:00');
    const rec = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${r.json().code}/receive`,
      headers: auth(await h.token('clerk.ba')),
      payload: { version: 1 },
    });
    expect(rec.statusCode).toBe(200);
    // Received Wed 3 Sep: the working day after is Thu 4 Sep.
    expect(rec.json()).toMatchObject({ status: 'received', receivedAt: '2025-09-03T01:00:00.000Z', dueAt: '2025-09-04T10:00:00.000Z' });
  });
});

describe('late dossiers and the audit trail', () => {
  it('flags open dossiers past their due date, then takes one apology with a later date', async () => {
    h.clock.set('2025-09-20T09:00:00+07:00');
    const r = await h.services.dossiers.detectLate();
    expect(r.flagged.sort()).toEqual(['000.00.01.H40-250829-0001', '000.20.02.H40-250829-0001', '000.20.03.H40-250830-0001'].sort());
    expect((await h.services.dossiers.detectLate()).flagged).toEqual([]);
    const code = '000.00.01.H40-250829-0001';
    const appr = await h.token('appr.stp');
    const d = (await h.app.inject({ method: 'GET', url: `/dossiers/${code}`, headers: auth(appr) })).json();
    expect(d.lateFlaggedAt).toBe('2025-09-20T02:00:00.000Z');
    const early = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${code}/apologize`,
      headers: auth(appr),
      payload: { version: d.version, note: 'Chờ xác minh', newDueAt: '2025-09-10T10:00:00+07:00' },
    });
    expect(early.json()).toMatchObject({ code: 'VALIDATION', field: 'body.newDueAt' });
    const ok = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${code}/apologize`,
      headers: auth(appr),
      payload: { version: d.version, note: 'Chờ xác minh với Công an tỉnh', newDueAt: '2025-09-25T17:00:00+07:00' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().apologyDueAt).toBe('2025-09-25T10:00:00.000Z');
    const list = (await h.app.inject({ method: 'GET', url: '/dossiers?risk=late', headers: auth(appr) })).json();
    expect(list.map((x: { code: string; risk: string }) => [x.code, x.risk])).toEqual([[code, 'late']]);
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
