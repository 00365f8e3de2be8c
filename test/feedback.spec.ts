import { describe, it, expect, beforeAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createHarness, applicant, newIdNumber, type Harness } from './harness.js';
import { tokenHash } from '../src/citizens/citizen.model.js';
import { feedbackFigures, dossiersWithFeedback } from '../src/feedback/feedback.repository.js';

// Citizens' feedback and petitions (PAKN): filing from a dossier's tracking page, the portal and the counter; the
// competent unit's handling under the state machine and its deadlines; the published answers; the figures of 5.2–5.4.

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const LONG = 'Hồ sơ của tôi đã quá hạn trả kết quả nhiều ngày mà chưa được giải quyết.';

let h: Harness;

async function staff(user: string, method: 'GET' | 'POST', url: string, payload?: unknown) {
  return h.app.inject({
    method,
    url,
    headers: auth(await h.token(user)),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
}

async function act(user: string, code: string, action: string, payload: Record<string, unknown> = {}) {
  const r = await staff(user, 'POST', `/feedback/${code}/${action}`, payload);
  expect(r.statusCode, `${user} ${action}: ${r.body}`).toBe(200);
  return r.json();
}

async function expectRefused(
  user: string,
  code: string,
  action: string,
  status: number,
  errorCode: string,
  payload: Record<string, unknown> = {},
) {
  const r = await staff(user, 'POST', `/feedback/${code}/${action}`, payload);
  expect({ user, action, status: r.statusCode, code: r.json().code }).toEqual({ user, action, status, code: errorCode });
}

/** A dossier received at Xã Hai's center and forwarded to the commune committee (its competent agency). */
async function processingDossier(over: Record<string, unknown> = {}) {
  const clerk = await h.token('clerk.hai');
  const file = await h.upload(clerk);
  const r = await h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: auth(clerk),
    payload: {
      procedureCode: '1.001193',
      applicant: applicant('14002', { idNumber: newIdNumber(), ...over }),
      components: [
        { code: 'TK', source: 'upload', fileSha256: file },
        { code: 'GCS', source: 'upload', fileSha256: file },
        { code: 'CCCD', source: 'population_db' },
      ],
    },
  });
  expect(r.statusCode, r.body).toBe(201);
  const d = r.json();
  const f = await h.app.inject({
    method: 'POST',
    url: `/dossiers/${d.code}/forward`,
    headers: auth(clerk),
    payload: { version: d.version },
  });
  expect(f.statusCode, f.body).toBe(200);
  return d as { code: string; trackingToken: string; applicant: { name: string; idNumber: string } };
}

const body = (over: Record<string, unknown> = {}) => ({
  channel: 'portal',
  subject: { kind: 'unit', unitId: h.unit('TTPVHCC') },
  title: 'Phòng chờ thiếu ghế ngồi',
  content: 'Phòng chờ của trung tâm thiếu ghế ngồi vào giờ cao điểm buổi sáng.',
  ...over,
});

async function filePublic(payload: Record<string, unknown>, headers: Record<string, string> = {}) {
  return h.app.inject({ method: 'POST', url: '/feedback/public', headers, payload });
}

async function feedbackAudit(code: string) {
  return h.database.db
    .selectFrom('audit_log')
    .select(['action', 'actor_kind', 'actor_id'])
    .where('entity_type', '=', 'feedback')
    .where('entity_id', '=', code)
    .orderBy('at')
    .orderBy('seq')
    .execute();
}

async function events(code: string) {
  return h.database.db
    .selectFrom('feedback_events as e')
    .innerJoin('feedback as f', 'f.id', 'e.feedback_id')
    .select(['e.action', 'e.to_status', 'e.internal'])
    .where('f.code', '=', code)
    .orderBy('e.seq')
    .execute();
}

beforeAll(async () => {
  h = await createHarness('2026-04-20T09:00:00+07:00'); // a Monday
});

describe('a complaint about a late dossier, from its tracking page, to a published answer and its repeat', () => {
  let dossier: Awaited<ReturnType<typeof processingDossier>>;
  let code = '';
  let secret = '';

  it('is filed with the tracking token, routed to the dossier’s competent agency, with deadlines across the 30/4–1/5 holidays', async () => {
    dossier = await processingDossier({ name: 'Trần Thị Bình' });
    h.clock.set('2026-04-29T10:00:00+07:00'); // the dossier was due on 21/04
    const r = await filePublic({
      channel: 'tracking',
      subject: { kind: 'dossier', dossierCode: dossier.code },
      tracking: { token: dossier.trackingToken },
      title: 'Hồ sơ khai sinh trễ hẹn',
      content: `Tôi là Trần Thị Bình, số điện thoại 0987654321. ${LONG}`,
      sender: { name: 'Trần Thị Bình', phone: '0987654321' },
    });
    expect(r.statusCode, r.body).toBe(201);
    const filed = r.json();
    ({ code, secret } = filed);
    expect(code).toBe('PAKN-260429-0001');
    expect(secret).toMatch(/^[A-HJ-NP-Z2-9]{12}$/);
    expect(filed).toMatchObject({
      status: 'received',
      receivedAt: '2026-04-29T03:00:00.000Z',
      refuseDueAt: '2026-05-05T10:00:00.000Z',
      infoDueAt: '2026-05-08T10:00:00.000Z',
      answerDueAt: '2026-05-22T10:00:00.000Z',
      unitId: h.unit('X-HAI-UB'),
    });
    const row = await h.database.db.selectFrom('feedback').selectAll().where('code', '=', code).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      channel: 'tracking',
      subject_kind: 'dossier',
      category: 'dossier_delay',
      publish_consent: true,
      sender_phone: '0987654321',
    });
    expect(await dossiersWithFeedback(h.database.db)).toContain(Number(row.dossier_id));
    expect(await feedbackAudit(code)).toEqual([{ action: 'feedback.file', actor_kind: 'citizen', actor_id: null }]);
  });

  it('refuses a wrong tracking token with 404 and stores nothing', async () => {
    const before = await h.count('feedback');
    const r = await filePublic({
      channel: 'tracking',
      subject: { kind: 'dossier', dossierCode: dossier.code },
      tracking: { token: 'ABCDEFGHJKLM' },
      title: 'Hồ sơ trễ hẹn',
      content: LONG,
    });
    expect(r.statusCode).toBe(404);
    expect(r.json().code).toBe('NOT_FOUND');
    expect(await h.count('feedback')).toBe(before);
  });

  it('shows in the commune committee’s inbox and not in another unit’s', async () => {
    const mine = (await staff('spec.hai', 'GET', '/feedback')).json();
    expect(mine.map((f: { code: string }) => f.code)).toContain(code);
    const item = mine.find((f: { code: string }) => f.code === code);
    expect(item).toMatchObject({
      status: 'received',
      stage: 'triage',
      currentDueAt: '2026-05-05T10:00:00.000Z',
      overdue: false,
      escalated: false,
    });
    expect((await staff('spec.mot', 'GET', '/feedback')).json().map((f: { code: string }) => f.code)).not.toContain(code);
    const other = await staff('appr.mot', 'GET', `/feedback/${code}`);
    expect([other.statusCode, other.json().code]).toEqual([403, 'OUT_OF_SCOPE']);
    expect((await staff('admin', 'GET', '/feedback')).json().map((f: { code: string }) => f.code)).toContain(code);
  });

  it('is taken up by the specialist, who notes and drafts; the approver answers within the deadline', async () => {
    h.clock.set('2026-05-04T09:00:00+07:00');
    let d = await act('spec.hai', code, 'assign');
    expect(d).toMatchObject({
      status: 'processing',
      assignee: { fullName: 'spec.hai' },
      current: { stage: 'answer', dueAt: '2026-05-22T10:00:00.000Z' },
    });
    d = await act('spec.hai', code, 'note', { note: 'Đã liên hệ bộ phận một cửa xã' });
    d = await act('spec.hai', code, 'draft', { answer: 'Hồ sơ đã có kết quả, mời bà đến nhận.' });
    expect(d.actions).toEqual(['assign', 'classify', 'note', 'request_info', 'draft', 'link_repeat']);
    h.clock.set('2026-05-20T15:00:00+07:00');
    d = await act('appr.hai', code, 'answer');
    expect(d).toMatchObject({
      status: 'answered',
      answer: 'Hồ sơ đã có kết quả, mời bà đến nhận.',
      answeredAt: '2026-05-20T08:00:00.000Z',
      deadlines: { publishDueAt: '2026-05-22T10:00:00.000Z' },
      stages: { refuse: 'not_applicable', info: 'not_applicable', answer: 'on_time', publish: 'pending' },
    });
  });

  it('is published on time and listed publicly with the sender’s personal data masked', async () => {
    h.clock.set('2026-05-21T09:00:00+07:00');
    const d = await act('appr.hai', code, 'publish');
    expect(d).toMatchObject({
      status: 'published',
      publishedAt: '2026-05-21T02:00:00.000Z',
      stages: { answer: 'on_time', publish: 'on_time' },
    });
    const list = (await h.app.inject({ method: 'GET', url: '/feedback/public' })).json();
    const item = list.find((f: { code: string }) => f.code === code);
    expect(item).toMatchObject({ senderName: 'T*** T** B***', likes: 0, dislikes: 0, repeats: [] });
    expect(item.content).toBe(`Tôi là [họ tên], số điện thoại [số]. ${LONG}`);
    expect(JSON.stringify(list)).not.toMatch(/0987654321|Trần Thị Bình|Bình/);
    expect(await events(code)).toEqual([
      { action: 'receive', to_status: 'received', internal: false },
      { action: 'assign', to_status: 'processing', internal: true },
      { action: 'note', to_status: 'processing', internal: true },
      { action: 'draft', to_status: 'processing', internal: true },
      { action: 'answer', to_status: 'answered', internal: false },
      { action: 'publish', to_status: 'published', internal: false },
    ]);
    expect((await feedbackAudit(code)).map((a) => a.action)).toEqual([
      'feedback.file',
      'feedback.assign',
      'feedback.note',
      'feedback.draft',
      'feedback.answer',
      'feedback.publish',
    ]);
  });

  it('is disliked once per client: a second reaction replaces the first', async () => {
    const react = (reaction: string, ip: string) =>
      h.app.inject({ method: 'POST', url: `/feedback/public/${code}/reaction`, remoteAddress: ip, payload: { reaction } });
    expect((await react('dislike', '10.0.0.1')).json()).toMatchObject({ likes: 0, dislikes: 1 });
    expect((await react('dislike', '10.0.0.1')).json()).toMatchObject({ likes: 0, dislikes: 1 });
    expect((await react('like', '10.0.0.2')).json()).toMatchObject({ likes: 1, dislikes: 1 });
    expect((await react('dislike', '10.0.0.2')).json()).toMatchObject({ likes: 0, dislikes: 2 });
    expect(await h.count('feedback_reactions')).toBe(2);
    const unpublished = await h.app.inject({
      method: 'POST',
      url: '/feedback/public/PAKN-260101-0001/reaction',
      payload: { reaction: 'like' },
    });
    expect(unpublished.statusCode).toBe(404);
  });

  it('is followed by its sender with the secret, without internal notes; a wrong secret is 404', async () => {
    const r = await h.app.inject({ method: 'GET', url: `/feedback/track/${code}?secret=${secret}` });
    expect(r.statusCode, r.body).toBe(200);
    const t = r.json();
    expect(t).toMatchObject({ status: 'published', answer: 'Hồ sơ đã có kết quả, mời bà đến nhận.' });
    expect(t.timeline.map((e: { action: string }) => e.action)).toEqual(['receive', 'answer', 'publish']);
    const wrong = await h.app.inject({ method: 'GET', url: `/feedback/track/${code}?secret=ABCDEFGHJKLM` });
    expect([wrong.statusCode, wrong.json().code]).toEqual([404, 'NOT_FOUND']);
  });

  it('is named by a second complaint that repeats it, and shows its repeat', async () => {
    h.clock.set('2026-05-25T10:00:00+07:00');
    const r = await filePublic({
      channel: 'tracking',
      subject: { kind: 'dossier', dossierCode: dossier.code },
      tracking: { token: dossier.trackingToken },
      title: 'Vẫn chưa nhận được kết quả',
      content: LONG,
      repeatOf: code,
      publishConsent: false,
    });
    expect(r.statusCode, r.body).toBe(201);
    const second = r.json().code;
    expect(second).toBe('PAKN-260525-0001');
    expect((await staff('appr.hai', 'GET', `/feedback/${code}`)).json().repeats).toEqual([second]);
    expect((await staff('appr.hai', 'GET', `/feedback/${second}`)).json().repeatOf).toBe(code);
    const pub = (await h.app.inject({ method: 'GET', url: '/feedback/public' })).json();
    expect(pub.find((f: { code: string }) => f.code === code).repeats).toEqual([second]);
    // Without consent the answer is closed, never published.
    await act('appr.hai', second, 'assign', {
      staffId: (await staff('spec.hai', 'GET', `/feedback/${second}`))
        .json()
        .assignable.find((s: { fullName: string }) => s.fullName === 'spec.hai').id,
    });
    await act('appr.hai', second, 'answer', { answer: 'Đã trả kết quả ngày 21/5.' });
    await expectRefused('appr.hai', second, 'publish', 409, 'INVALID_TRANSITION');
    expect((await act('appr.hai', second, 'close')).status).toBe('closed');
  });

  it('gives the committee’s figures for May: handled on time, published, disliked, repeated', async () => {
    const figures = await feedbackFigures(h.database.db, {
      unitIds: [h.unit('X-HAI-UB')],
      from: new Date('2026-05-01T00:00:00+07:00'),
      to: new Date('2026-06-01T00:00:00+07:00'),
    });
    expect(figures).toEqual([
      { unitId: h.unit('X-HAI-UB'), received: 1, handled: 2, handledOnTime: 2, published: 1, disliked: 1, overdue: 0, repeated: 1 },
    ]);
    expect(
      await h.services.feedback.figures({
        unitIds: 'all',
        from: new Date('2026-04-01T00:00:00+07:00'),
        to: new Date('2026-04-30T00:00:00+07:00'),
      }),
    ).toEqual([
      { unitId: h.unit('X-HAI-UB'), received: 1, handled: 0, handledOnTime: 0, published: 0, disliked: 0, overdue: 0, repeated: 0 },
    ]);
  });
});

describe('who may do what', () => {
  let atCommittee = '';
  let atCenter = '';

  beforeAll(async () => {
    h.clock.set('2026-06-01T09:00:00+07:00');
    atCommittee = (await filePublic(body({ subject: { kind: 'unit', unitId: h.unit('X-HAI-UB') } }))).json().code;
    atCenter = (await filePublic(body())).json().code;
    await act('spec.hai', atCommittee, 'assign');
  });

  it('refuses a specialist the leader’s actions, and assigning anyone but themself', async () => {
    await expectRefused('spec.hai', atCommittee, 'answer', 403, 'FORBIDDEN', { answer: 'Trả lời' });
    await expectRefused('spec.hai', atCommittee, 'refuse', 403, 'FORBIDDEN', { reason: 'Không thuộc thẩm quyền' });
    await expectRefused('spec.hai', atCommittee, 'publish', 403, 'FORBIDDEN');
    await expectRefused('spec.hai', atCommittee, 'close', 403, 'FORBIDDEN');
    const approver = (await staff('spec.hai', 'GET', `/feedback/${atCommittee}`))
      .json()
      .assignable.find((s: { role: string }) => s.role === 'approver').id;
    await expectRefused('spec.hai', atCommittee, 'assign', 403, 'FORBIDDEN', { staffId: approver });
  });

  it('lets the administrator see and note, but not handle', async () => {
    expect((await staff('admin', 'GET', `/feedback/${atCommittee}`)).json().actions).toEqual(['note']);
    await act('admin', atCommittee, 'note', { note: 'Theo dõi' });
    for (const action of ['assign', 'classify', 'request_info', 'refuse', 'draft', 'answer', 'link_repeat'])
      await expectRefused('admin', atCommittee, action, 403, 'FORBIDDEN', {
        note: 'x',
        reason: 'x',
        answer: 'x',
        category: 'other',
        repeatOf: atCenter,
      });
    const r = await staff('admin', 'POST', '/feedback', body({ channel: 'hotline' }));
    expect([r.statusCode, r.json().code]).toEqual([403, 'FORBIDDEN']);
  });

  it('refuses staff of another unit with OUT_OF_SCOPE, whatever their role', async () => {
    for (const user of ['clerk.hai', 'spec.mot', 'appr.mot', 'manager.center', 'spec.stp'])
      await expectRefused(user, atCommittee, 'note', 403, 'OUT_OF_SCOPE', { note: 'x' });
  });

  it('lets a clerk of the competent center note and record information, nothing else', async () => {
    await act('clerk.center', atCenter, 'note', { note: 'Đã kiểm tra phòng chờ' });
    for (const action of ['assign', 'classify', 'request_info', 'refuse', 'draft', 'answer', 'publish', 'close', 'link_repeat'])
      await expectRefused('clerk.center', atCenter, action, 403, 'FORBIDDEN', { reason: 'x', answer: 'x', category: 'other' });
  });

  it('lets the center’s manager ask for information, and the sender answer it online', async () => {
    await expectRefused('manager.center', atCenter, 'draft', 403, 'FORBIDDEN', { answer: 'x' });
    await expectRefused('manager.center', atCenter, 'publish', 409, 'INVALID_TRANSITION');
    const d = await act('manager.center', atCenter, 'request_info', { note: 'Xin cho biết ngày và giờ?' });
    expect(d.status).toBe('info_requested');
    const filed = await h.database.db
      .selectFrom('feedback')
      .select('first_info_requested_at')
      .where('code', '=', atCenter)
      .executeTakeFirstOrThrow();
    expect(filed.first_info_requested_at?.toISOString()).toBe('2026-06-01T02:00:00.000Z');
  });

  it('takes the sender’s answer to the request with their secret, back to received and waiting on the answer deadline', async () => {
    const filed = (await filePublic(body({ title: 'Thiếu chỗ để xe' }))).json();
    await act('manager.center', filed.code, 'request_info', { note: 'Xin cho biết khu vực nào?' });
    const wrong = await h.app.inject({
      method: 'POST',
      url: `/feedback/track/${filed.code}/info`,
      payload: { secret: 'ABCDEFGHJKLM', content: 'Khu A' },
    });
    expect([wrong.statusCode, wrong.json().code]).toEqual([404, 'NOT_FOUND']);
    const r = await h.app.inject({
      method: 'POST',
      url: `/feedback/track/${filed.code}/info`,
      payload: { secret: filed.secret, content: 'Khu vực cổng phía tây' },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ status: 'received', infoRequest: null });
    const again = await h.app.inject({
      method: 'POST',
      url: `/feedback/track/${filed.code}/info`,
      payload: { secret: filed.secret, content: 'Lần nữa' },
    });
    expect([again.statusCode, again.json().code]).toEqual([409, 'INVALID_TRANSITION']);
    const d = (await staff('clerk.center', 'GET', `/feedback/${filed.code}`)).json();
    expect(d).toMatchObject({ status: 'received', current: { stage: 'answer', dueAt: filed.answerDueAt } });
    expect(d.timeline.map((e: { action: string }) => e.action)).toEqual(['receive', 'request_info', 'info_provided']);
    // At the counter, the clerk records what the sender of the earlier request brought.
    expect((await act('clerk.center', atCenter, 'info_received', { note: 'Người gửi mang ảnh đến quầy' })).status).toBe('received');
  });

  it('records a hotline call once per Idempotency-Key, with the clerk’s own uploads only', async () => {
    const clerk = await h.token('clerk.center');
    const mine = await h.upload(clerk, 'hotline photo');
    const send = (key: string, attachments: string[]) =>
      h.app.inject({
        method: 'POST',
        url: '/feedback',
        headers: { ...auth(clerk), 'idempotency-key': key },
        payload: body({ channel: 'hotline', sender: { name: 'Người gọi', phone: '0911222333' }, attachments }),
      });
    const before = await h.count('feedback');
    const a = await send('hotline-call-0001', [mine]);
    const b = await send('hotline-call-0001', [mine]);
    expect(a.statusCode, a.body).toBe(201);
    expect(b.json().code).toBe(a.json().code);
    expect(await h.count('feedback')).toBe(before + 1);
    const other = await h.upload(await h.token('clerk.hai'), 'someone else');
    const c = await send('hotline-call-0002', [other]);
    expect([c.statusCode, c.json().code]).toEqual([400, 'INVALID_FILE']);
    const row = await h.database.db.selectFrom('feedback').selectAll().where('code', '=', a.json().code).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ channel: 'hotline', recorded_by: expect.any(Number), sender_phone: '0911222333' });
  });

  it('refuses with a reason only the approver or manager, and only before it is taken up', async () => {
    await expectRefused('appr.hai', atCommittee, 'refuse', 409, 'INVALID_TRANSITION', { reason: 'x' });
    const fresh = (await filePublic(body({ subject: { kind: 'unit', unitId: h.unit('X-HAI-UB') } }))).json().code;
    await expectRefused('appr.hai', fresh, 'refuse', 400, 'VALIDATION', { reason: '  ' });
    const d = await act('appr.hai', fresh, 'refuse', { reason: 'Nội dung không thuộc thẩm quyền của xã' });
    expect(d).toMatchObject({ status: 'refused', refusalReason: 'Nội dung không thuộc thẩm quyền của xã', stages: { refuse: 'on_time' } });
    await expectRefused('appr.hai', fresh, 'assign', 409, 'INVALID_TRANSITION');
  });
});

describe('bad input is refused with nothing stored', () => {
  const unchanged = async (
    send: () => Promise<{ statusCode: number; json: () => { code: string } }>,
    status: number,
    errorCode: string,
  ) => {
    const before = [await h.count('feedback'), await h.count('feedback_attachments'), await h.count('audit_log')];
    const r = await send();
    expect([r.statusCode, r.json().code]).toEqual([status, errorCode]);
    expect([await h.count('feedback'), await h.count('feedback_attachments'), await h.count('audit_log')]).toEqual(before);
  };

  it('refuses oversized content, a short title and unknown fields', async () => {
    await unchanged(() => filePublic(body({ content: 'x'.repeat(5001) })), 400, 'VALIDATION');
    await unchanged(() => filePublic(body({ title: 'ab' })), 400, 'VALIDATION');
    await unchanged(() => filePublic(body({ secretField: 1 })), 400, 'VALIDATION');
  });

  it('refuses an unknown dossier, procedure or unit', async () => {
    await unchanged(
      async () =>
        staff(
          'clerk.center',
          'POST',
          '/feedback',
          body({ channel: 'counter', subject: { kind: 'dossier', dossierCode: '000.00.00.H40-260101-9999' } }),
        ),
      404,
      'NOT_FOUND',
    );
    await unchanged(() => filePublic(body({ subject: { kind: 'procedure', procedureCode: '9.999999' } })), 422, 'UNKNOWN_PROCEDURE');
    await unchanged(() => filePublic(body({ subject: { kind: 'unit', unitId: 99999 } })), 404, 'NOT_FOUND');
  });

  it('refuses a dossier named from the portal by someone who is not its logged-in applicant', async () => {
    const d = await processingDossier();
    await unchanged(() => filePublic(body({ subject: { kind: 'dossier', dossierCode: d.code } })), 404, 'NOT_FOUND');
  });

  it('refuses files of another submission, more than 3 files, and files of a wrong type at upload', async () => {
    const mine = await h.submission();
    const theirs = await h.submission();
    const theirFile = await h.publicUpload(theirs);
    await unchanged(() => filePublic(body({ attachments: [theirFile] }), { 'x-submission-token': mine }), 400, 'INVALID_FILE');
    const files = [
      await h.publicUpload(mine, 'a'),
      await h.publicUpload(mine, 'b'),
      await h.publicUpload(mine, 'c'),
      await h.publicUpload(mine, 'd'),
    ];
    await unchanged(() => filePublic(body({ attachments: files }), { 'x-submission-token': mine }), 400, 'VALIDATION');
    await unchanged(() => filePublic(body({ attachments: files.slice(0, 1) })), 400, 'INVALID_SUBMISSION');
    const html = await h.app.inject({
      method: 'POST',
      url: '/public/files',
      headers: { 'x-submission-token': mine, 'content-type': 'application/octet-stream' },
      payload: Buffer.from('<html><script>alert(1)</script></html>'),
    });
    expect([html.statusCode, html.json().code]).toEqual([415, 'UNSUPPORTED_FILE_TYPE']);
  });

  it('keeps up to 3 files of its own submission, which its competent unit’s staff download', async () => {
    const sub = await h.submission();
    const files = [await h.publicUpload(sub, 'p1'), await h.publicUpload(sub, 'p2')];
    const r = await filePublic(body({ attachments: files }), { 'x-submission-token': sub });
    expect(r.statusCode, r.body).toBe(201);
    const d = (await staff('manager.center', 'GET', `/feedback/${r.json().code}`)).json();
    expect(d.attachments.map((a: { sha256: string }) => a.sha256)).toEqual(files);
    const dl = await staff('manager.center', 'GET', `/feedback/${r.json().code}/attachments/${files[0]}`);
    expect([dl.statusCode, dl.headers['content-type']]).toEqual([200, 'application/pdf']);
    const out = await staff('spec.hai', 'GET', `/feedback/${r.json().code}/attachments/${files[0]}`);
    expect(out.statusCode).toBe(403);
  });
});

describe('a logged-in citizen', () => {
  it('files about their own dossier from the portal under their verified name', async () => {
    const idNumber = newIdNumber();
    const d = await processingDossier({ idNumber, name: 'Lê Văn Cường' });
    const account = await h.database.db
      .insertInto('citizen_accounts')
      .values({
        subject: `vneid-${idNumber}`,
        level: 2,
        id_number: idNumber,
        name: 'Lê Văn Cường',
        created_at: h.clock.now,
        last_login_at: h.clock.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const token = randomBytes(32).toString('base64url');
    await h.database.db
      .insertInto('citizen_sessions')
      .values({
        token_hash: tokenHash(token),
        account_id: account.id,
        created_at: h.clock.now,
        expires_at: new Date(h.clock.now.getTime() + 3_600_000),
      })
      .execute();
    const r = await filePublic(body({ subject: { kind: 'dossier', dossierCode: d.code }, sender: { name: 'Người khác' } }), {
      cookie: `motcua_citizen=${token}`,
    });
    expect(r.statusCode, r.body).toBe(201);
    const row = await h.database.db.selectFrom('feedback').selectAll().where('code', '=', r.json().code).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ citizen_account_id: account.id, sender_name: 'Lê Văn Cường', unit_id: h.unit('X-HAI-UB') });
  });
});

describe('escalation and the inbox order', () => {
  it('escalates feedback due within 1 working day to the unit’s leader, once per stage, and sorts overdue first', async () => {
    h.clock.set('2026-06-08T09:00:00+07:00'); // Monday
    const early = (await filePublic(body({ title: 'Nhà vệ sinh hỏng' }))).json().code; // triage due Wed 10/6
    h.clock.set('2026-06-09T09:00:00+07:00');
    const later = (await filePublic(body({ title: 'Thiếu nước uống' }))).json().code; // triage due Thu 11/6
    h.clock.set('2026-06-09T10:00:00+07:00');
    const r = await h.services.feedback.escalateDue();
    expect(r.escalated).toContain(early);
    expect(r.escalated).not.toContain(later);
    expect((await h.services.feedback.escalateDue()).escalated).not.toContain(early);
    const ev = await events(early);
    expect(ev.at(-1)).toEqual({ action: 'escalate', to_status: 'received', internal: true });
    expect((await feedbackAudit(early)).map((a) => a.action)).toEqual(['feedback.file', 'feedback.escalate']);
    const inbox = (await staff('manager.center', 'GET', '/feedback?status=received')).json() as {
      code: string;
      escalated: boolean;
      overdue: boolean;
      currentDueAt: string;
    }[];
    const dues = inbox.map((f) => f.currentDueAt);
    expect(dues).toEqual([...dues].sort());
    expect(inbox[0]!.overdue).toBe(true);
    expect(inbox.find((f) => f.code === early)).toMatchObject({ escalated: true, overdue: false });
    const onlyEscalated = (await staff('manager.center', 'GET', '/feedback?escalated=true')).json() as { code: string }[];
    expect(onlyEscalated.map((f) => f.code)).toContain(early);
    expect(onlyEscalated.map((f) => f.code)).not.toContain(later);
  });
});

describe('a branch’s feedback', () => {
  it('is routed to the center the branch belongs to, whose manager answers it (a branch has receiving clerks only)', async () => {
    const r = await filePublic(body({ subject: { kind: 'unit', unitId: h.unit('CN-A') }, lang: 'en' }));
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ unitId: h.unit('TTPVHCC') });
    const row = await h.database.db.selectFrom('feedback').selectAll().where('code', '=', r.json().code).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ subject_unit_id: h.unit('TTPVHCC'), unit_id: h.unit('TTPVHCC'), notice_lang: 'en' });
    await act('manager.center', r.json().code, 'assign');
    await act('manager.center', r.json().code, 'answer', { answer: 'Trung tâm đã bổ sung ghế ngồi tại chi nhánh.' });
    expect((await staff('manager.center', 'GET', `/feedback/${r.json().code}`)).json()).toMatchObject({ status: 'answered' });
  });
});

describe('a unit’s page', () => {
  it('shows its ratings and its feedback together, with its published answers only, and 404 for no such unit', async () => {
    const unit = h.unit('P-MOT-UB');
    const r = await filePublic(body({ subject: { kind: 'unit', unitId: unit }, title: 'Biển chỉ dẫn khó nhìn' }));
    expect(r.statusCode, r.body).toBe(201);
    const code = r.json().code as string;
    await act('spec.mot', code, 'assign');
    await act('appr.mot', code, 'answer', { answer: 'Ủy ban đã thay biển chỉ dẫn mới.' });
    await act('appr.mot', code, 'publish');
    const still = await filePublic(body({ subject: { kind: 'unit', unitId: unit }, title: 'Thiếu nước uống tại phòng chờ' }));
    const v = await h.app.inject({ method: 'GET', url: `/public/units/${unit}/voice` });
    expect(v.statusCode, v.body).toBe(200);
    expect(v.json()).toMatchObject({
      unit: { id: unit, nameVi: 'Ủy ban nhân dân Phường Một' },
      ratings: { satisfied: 0, acceptable: 0, notSatisfied: 0 },
      feedback: { received: 2, handled: 1, handledOnTime: 1, open: 1 },
    });
    expect(v.json().published.map((p: { code: string; unitId: number }) => [p.code, p.unitId])).toEqual([[code, unit]]);
    expect(v.json().published.map((p: { code: string }) => p.code)).not.toContain(still.json().code);
    const none = await h.app.inject({ method: 'GET', url: '/public/units/999999/voice' });
    expect([none.statusCode, none.json().code]).toEqual([404, 'NOT_FOUND']);
    expect((await h.app.inject({ method: 'GET', url: '/public/units/abc/voice' })).statusCode).toBe(400);
  });
});
