import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, applicant, newIdNumber, type Harness } from './harness.js';

// Pauses for a supplement move a day limit by the working days waited (at a close of office hours) and an hour limit
// by the working time waited; an apologized dossier is shown against its new date and still counted late.

const auth = (t: string) => ({ authorization: `Bearer ${t}` });

async function pdfText(pdf: Buffer): Promise<string> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), verbosity: 0, disableFontFace: true, useSystemFonts: false }).promise;
  let text = '';
  for (let n = 1; n <= doc.numPages; n++)
    text += (await (await doc.getPage(n)).getTextContent()).items
      .map((it) => ('str' in it ? it.str + (it.hasEOL ? '\n' : '') : ''))
      .join('');
  await doc.destroy();
  return text.replace(/\s+/g, ' ');
}

/** The dossier's open step (the hand-over row not completed yet). */
async function openStepDue(h: Harness, code: string): Promise<string | null> {
  const row = await h.database.db
    .selectFrom('dossier_steps as s')
    .innerJoin('dossiers as d', 'd.id', 's.dossier_id')
    .select('s.due_at')
    .where('d.code', '=', code)
    .where('s.completed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return row.due_at?.toISOString() ?? null;
}

function helpers(h: () => Harness) {
  const post = async (user: string, code: string, action: string, payload: Record<string, unknown> = {}) => {
    const t = await h().token(user);
    const d = (await h().app.inject({ method: 'GET', url: `/dossiers/${code}`, headers: auth(t) })).json();
    return h().app.inject({
      method: 'POST',
      url: `/dossiers/${code}/${action}`,
      headers: auth(t),
      payload: { version: d.version, ...payload },
    });
  };
  const act = async (user: string, code: string, action: string, payload: Record<string, unknown> = {}) => {
    const r = await post(user, code, action, payload);
    expect(r.statusCode, `${action}: ${r.body}`).toBe(200);
    return r.json();
  };
  /** A dossier received by the clerk of Xã Hai's center at the clock's time, forwarded to the commune's committee. */
  const processing = async (procedureCode: '1.001193' | '2.000815', fastTrack = false) => {
    const clerk = await h().token('clerk.hai');
    const file = await h().upload(clerk);
    const components =
      procedureCode === '1.001193'
        ? [
            { code: 'TK', source: 'upload', fileSha256: file },
            { code: 'GCS', source: 'upload', fileSha256: file },
            { code: 'CCCD', source: 'population_db' },
          ]
        : [{ code: 'BC', source: 'upload', fileSha256: file }];
    const r = await h().app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: auth(clerk),
      payload: { procedureCode, applicant: applicant('14002', { idNumber: newIdNumber() }), components, fastTrack },
    });
    expect(r.statusCode, r.body).toBe(201);
    return act('clerk.hai', r.json().code, 'forward');
  };
  return { post, act, processing };
}

describe('a pause for a supplement', () => {
  let h: Harness;
  const { act, processing } = helpers(() => h);
  beforeAll(async () => {
    h = await createHarness('2025-09-15T09:00:00+07:00'); // a Monday
  });

  it('of 17 seconds just before 17:00 moves a day limit nothing: it stays at the close of office hours, on forms too', async () => {
    h.clock.set('2025-09-15T09:00:00+07:00');
    const d = await processing('1.001193'); // 1 working day: due Tue 16/09 17:00
    expect(d.dueAt).toBe('2025-09-16T10:00:00.000Z');
    const stepDue = await openStepDue(h, d.code);
    h.clock.set('2025-09-15T16:59:43+07:00');
    await act('spec.hai', d.code, 'request-supplement', { note: 'Bổ sung tờ khai có chữ ký' });
    h.clock.set('2025-09-15T17:00:00+07:00');
    const r = await act('clerk.hai', d.code, 'supplement-received');
    expect(r).toMatchObject({ status: 'processing', dueAt: '2025-09-16T10:00:00.000Z', pausedWorkingMs: 17_000, pausedAt: null });
    expect(await openStepDue(h, d.code)).toBe(stepDue);
    const events = (
      await h.app.inject({ method: 'GET', url: `/dossiers/${d.code}/events`, headers: auth(await h.token('clerk.hai')) })
    ).json();
    expect(events.at(-1)).toMatchObject({ action: 'supplement_received' });
    const data = await h.database.db
      .selectFrom('dossier_events as e')
      .innerJoin('dossiers as x', 'x.id', 'e.dossier_id')
      .select('e.data')
      .where('x.code', '=', d.code)
      .where('e.action', '=', 'supplement_received')
      .executeTakeFirstOrThrow();
    expect(data.data).toEqual({ pausedWorkingMs: 17_000, workingDaysWaited: 0, due: '2025-09-16T10:00:00.000Z' });
    for (const form of ['01', '06']) {
      const pdf = await h.app.inject({
        method: 'GET',
        url: `/dossiers/${d.code}/forms/${form}`,
        headers: auth(await h.token('clerk.hai')),
      });
      expect(await pdfText(pdf.rawPayload)).toContain('17 giờ 00 phút, ngày 16/09/2025');
    }
  });

  it('from Friday 16:00 to Monday 09:00 moves a day limit by the one working day waited, and the open step with it', async () => {
    h.clock.set('2025-09-18T10:00:00+07:00'); // Thursday
    const d = await processing('1.001193'); // due Fri 19/09 17:00
    expect(d.dueAt).toBe('2025-09-19T10:00:00.000Z');
    // The process step's share (0.7 of the 13.5 working hours from receipt to due): Fri 19/09 11:27.
    expect(await openStepDue(h, d.code)).toBe('2025-09-19T04:27:00.000Z');
    h.clock.set('2025-09-19T16:00:00+07:00');
    await act('spec.hai', d.code, 'request-supplement', { note: 'Bổ sung giấy chứng sinh' });
    h.clock.set('2025-09-22T09:00:00+07:00');
    const r = await act('clerk.hai', d.code, 'supplement-received');
    // Friday, when the wait began, is not counted; Monday is a day waited: Mon 22/09 17:00.
    expect(r).toMatchObject({
      dueAt: '2025-09-22T10:00:00.000Z',
      originalDueAt: '2025-09-19T10:00:00.000Z',
      pausedWorkingMs: 2.5 * 3_600_000,
    });
    // The step moves by the same office time as the dossier: one working day, to Mon 22/09 11:27.
    expect(await openStepDue(h, d.code)).toBe('2025-09-22T04:27:00.000Z');
  });

  it('of a limit in working hours moves it by exactly the working time waited', async () => {
    h.clock.set('2025-09-23T09:00:00+07:00'); // Tuesday
    const d = await processing('2.000815', true); // fast track, 4 working hours: due Tue 14:30
    expect(d).toMatchObject({ fastTrack: true, timeLimit: { value: 4, unit: 'working-hours' }, dueAt: '2025-09-23T07:30:00.000Z' });
    h.clock.set('2025-09-23T11:00:00+07:00');
    await act('spec.hai', d.code, 'request-supplement', { note: 'Bổ sung bản chính' });
    // 11:00–11:30 and 13:00–13:30: one working hour across the lunch break.
    h.clock.set('2025-09-23T13:30:00+07:00');
    const r = await act('clerk.hai', d.code, 'supplement-received');
    expect(r).toMatchObject({ dueAt: '2025-09-23T08:30:00.000Z', pausedWorkingMs: 3_600_000 });
    const short = await processing('2.000815', true);
    h.clock.set('2025-09-23T16:59:43+07:00');
    await act('spec.hai', short.code, 'request-supplement', { note: 'Bổ sung bản chính' });
    h.clock.set('2025-09-23T17:00:00+07:00');
    // Received 13:30, due Wed 08:00 (3.5 h Tuesday, 0.5 h Wednesday); 17 seconds later.
    expect(short.dueAt).toBe('2025-09-24T01:00:00.000Z');
    expect((await act('clerk.hai', short.code, 'supplement-received')).dueAt).toBe('2025-09-24T01:00:17.000Z');
  });
});

describe('an apologized dossier', () => {
  let h: Harness;
  const { post, act, processing } = helpers(() => h);
  let code = '';
  beforeAll(async () => {
    h = await createHarness('2025-09-15T09:00:00+07:00');
    code = (await processing('1.001193')).code; // due Tue 16/09 17:00
  });
  const inbox = async (query: string) =>
    (await h.app.inject({ method: 'GET', url: `/dossiers${query}`, headers: auth(await h.token('spec.hai')) })).json() as {
      code: string;
      risk: string;
      dueAt: string;
      apologyDueAt: string | null;
      promisedDueAt: string;
    }[];

  it('takes a new date only on a working day, later than the due date and now, set at the close of office hours, once', async () => {
    h.clock.set('2025-09-17T09:00:00+07:00'); // Wednesday, past the due date
    expect((await h.services.dossiers.detectLate()).flagged).toEqual([code]);
    expect((await inbox(`?q=${code}`)).map((d) => d.risk)).toEqual(['late']);
    const saturday = await post('spec.hai', code, 'apologize', { note: 'Chờ xác minh', newDueAt: '2025-09-20T10:00:00+07:00' });
    expect([saturday.statusCode, saturday.json().code, saturday.json().field]).toEqual([400, 'VALIDATION', 'body.newDueAt']);
    expect(saturday.json().detail).toBe(
      'Ngày 2025-09-20 không phải ngày làm việc của nơi tiếp nhận / 2025-09-20 is not a working day of the receiving point; the next one closes at 2025-09-22T10:00:00.000Z',
    );
    const early = await post('spec.hai', code, 'apologize', { note: 'Chờ xác minh', newDueAt: '2025-09-16T10:00:00+07:00' });
    expect([early.statusCode, early.json().field, early.json().details]).toEqual([
      400,
      'body.newDueAt',
      { dueAt: '2025-09-16T10:00:00.000Z', closeOfOfficeHours: '2025-09-16T10:00:00.000Z' },
    ]);
    const ok = await act('spec.hai', code, 'apologize', { note: 'Chờ xác minh với Sở Tư pháp', newDueAt: '2025-09-19T08:15:00+07:00' });
    expect(ok).toMatchObject({
      apologyDueAt: '2025-09-19T10:00:00.000Z',
      promisedDueAt: '2025-09-19T10:00:00.000Z',
      dueAt: '2025-09-16T10:00:00.000Z',
    });
    expect(ok.allowedActions).not.toContain('apologize');
    const again = await post('spec.hai', code, 'apologize', { note: 'Lần nữa', newDueAt: '2025-09-25T10:00:00+07:00' });
    expect([again.statusCode, again.json().code]).toEqual([409, 'INVALID_TRANSITION']);
  });

  it('is shown in inboxes against its new date, to staff and on the tracking page', async () => {
    expect(await inbox(`?q=${code}`)).toEqual([
      expect.objectContaining({
        code,
        risk: 'on_track',
        dueAt: '2025-09-16T10:00:00.000Z',
        apologyDueAt: '2025-09-19T10:00:00.000Z',
        promisedDueAt: '2025-09-19T10:00:00.000Z',
      }),
    ]);
    expect(await inbox('?risk=late')).toEqual([]);
    h.clock.set('2025-09-18T18:00:00+07:00');
    expect((await inbox('?risk=due_soon')).map((d) => d.code)).toEqual([code]);
    h.clock.set('2025-09-19T17:00:01+07:00');
    expect((await inbox('?risk=late')).map((d) => d.code)).toEqual([code]);
    h.clock.set('2025-09-17T09:30:00+07:00');
    const track = (await h.app.inject({ method: 'GET', url: `/public/dossiers/${code}?phone=5678` })).json();
    expect(track).toMatchObject({ dueAt: '2025-09-16T10:00:00.000Z', newDueAt: '2025-09-19T10:00:00.000Z' });
    const pdf = await h.app.inject({ method: 'GET', url: `/dossiers/${code}/forms/01`, headers: auth(await h.token('clerk.hai')) });
    expect(await pdfText(pdf.rawPayload)).toContain(
      '5. Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 19/09/2025 (hẹn lại theo văn bản xin lỗi; thời hạn theo quy định: 17 giờ 00 phút, ngày 16/09/2025)',
    );
  });

  it('is still counted late against its legal due date in every statistic', async () => {
    const overview = (
      await h.app.inject({ method: 'GET', url: '/stats/overview?by=agency', headers: auth(await h.token('admin')) })
    ).json();
    expect(overview.units.find((u: { unitId: number }) => u.unitId === h.unit('X-HAI-UB'))).toMatchObject({
      inProgress: 1,
      late: 1,
      dueSoon: 0,
    });
    // Finished on Thu 18/09, before the new date: every step after the legal due date is late.
    h.clock.set('2025-09-18T10:00:00+07:00');
    await act('spec.hai', code, 'forward');
    await act('appr.hai', code, 'result', { resultFileSha256: await h.upload(await h.token('appr.hai')) });
    const steps = (
      await h.app.inject({ method: 'GET', url: `/dossiers/${code}/process-control`, headers: auth(await h.token('clerk.hai')) })
    ).json();
    expect(steps.map((s: { role: string; outcome: string | null }) => [s.role, s.outcome])).toEqual([
      ['receive', 'on_time'],
      ['process', 'late'],
      ['approve', 'late'],
      ['return', 'late'],
    ]);
  });
});
