import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { applicant, createHarness, type Harness } from './harness.js';
import { samplePdf } from '../src/demo/demo.model.js';
import { verifyAudit } from '../src/audit/audit.service.js';
import { MAX_LINE_BYTES } from '../src/history/history.model.js';

// `motcua import-history`: a small history whose right answers are known, imported, gives exactly those figures (the
// same after a rebuild); a dossier imported is derived as the live use cases derive it; a second import adds nothing;
// bad lines are named by number and field and store nothing; an interrupted import resumes where it stopped.

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const staff = (username: string) => ({ staff: username });
const result = { fileBase64: samplePdf('Giay khai sinh').toString('base64') };
const HEADER = JSON.stringify({ format: 'motcua.history/1' });
const HAI = '14002';
const person = (n: number) => applicant(HAI, { idNumber: `03709500${String(n).padStart(4, '0')}` });
const birth = (components: Record<string, string>) =>
  Object.entries(components).map(([code, source]) =>
    source === 'paper' ? { code, source: 'counter', digitized: false } : { code, source },
  );

/** Eight dossiers of week 38 of 2025 (Mon 15 – Fri 19 September), seven at Xã Hai's point, one at the provincial center. */
const LINES = {
  // Received Monday 09:00 (1 working day: due Tue 17:00), decided Monday: early; returned and rated satisfied.
  A: {
    code: '000.20.02.H40-250915-9001',
    procedureCode: '1.001193',
    receivingPoint: 'X-HAI-TT',
    channel: 'in_person',
    applicant: person(1),
    components: birth({ TK: 'counter', GCS: 'counter', CCCD: 'population_db' }),
    events: [
      { action: 'receive', at: '2025-09-15T09:00:00+07:00', actor: staff('clerk.hai') },
      { action: 'forward', at: '2025-09-15T09:30:00+07:00', actor: staff('clerk.hai') },
      { action: 'forward', at: '2025-09-15T10:00:00+07:00', actor: staff('spec.hai') },
      { action: 'result', at: '2025-09-15T11:00:00+07:00', actor: staff('appr.hai') },
      { action: 'return', at: '2025-09-15T14:00:00+07:00', actor: staff('clerk.hai') },
    ],
    result,
    rating: { value: 'satisfied', at: '2025-09-15T15:00:00+07:00' },
  },
  // Fast track (4 working hours: due Mon 14:30), an apology at 14:00, decided 16:00: late; rated not satisfied.
  B: {
    code: '000.20.02.H40-250915-9002',
    procedureCode: '2.000815',
    receivingPoint: 'X-HAI-TT',
    channel: 'in_person',
    fastTrack: true,
    applicant: person(2),
    components: [{ code: 'BC', source: 'counter' }],
    events: [
      { action: 'receive', at: '2025-09-15T09:00:00+07:00', actor: staff('clerk.hai') },
      { action: 'forward', at: '2025-09-15T09:10:00+07:00', actor: staff('clerk.hai') },
      { action: 'forward', at: '2025-09-15T10:00:00+07:00', actor: staff('spec.hai') },
      {
        action: 'apologize',
        at: '2025-09-15T14:00:00+07:00',
        actor: staff('appr.hai'),
        note: 'Cần xác minh bản chính',
        newDueAt: '2025-09-16T10:00:00+07:00',
      },
      { action: 'result', at: '2025-09-15T16:00:00+07:00', actor: staff('appr.hai') },
      { action: 'return', at: '2025-09-15T16:30:00+07:00', actor: staff('clerk.hai') },
    ],
    rating: { value: 'not_satisfied', at: '2025-09-15T17:30:00+07:00', comment: 'Chờ lâu' },
  },
  // Online, received Monday 08:00; a supplement waited Mon 10:00 → Wed 10:00 (2 working days: due Thu 17:00); decided
  // Thu 16:00: on time; rated acceptable.
  C: {
    code: '000.20.02.H40-250915-9003',
    procedureCode: '1.001193',
    receivingPoint: 'X-HAI-TT',
    channel: 'online',
    applicant: person(3),
    components: birth({ TK: 'online', GCS: 'online', CCCD: 'population_db' }),
    events: [
      { action: 'submit_online', at: '2025-09-14T20:00:00+07:00' },
      { action: 'receive', at: '2025-09-15T08:00:00+07:00', actor: staff('clerk.hai') },
      { action: 'forward', at: '2025-09-15T08:30:00+07:00', actor: staff('clerk.hai') },
      {
        action: 'request_supplement',
        at: '2025-09-15T10:00:00+07:00',
        actor: staff('spec.hai'),
        note: 'Bổ sung giấy chứng sinh bản chính',
      },
      { action: 'supplement_received', at: '2025-09-17T10:00:00+07:00', actor: staff('clerk.hai') },
      { action: 'forward', at: '2025-09-17T11:00:00+07:00', actor: staff('spec.hai') },
      { action: 'result', at: '2025-09-18T16:00:00+07:00', actor: staff('appr.hai') },
      { action: 'return', at: '2025-09-19T09:00:00+07:00', actor: staff('clerk.hai') },
    ],
    result,
    rating: { value: 'acceptable', at: '2025-09-19T10:00:00+07:00' },
  },
  // By post, due Tue 17:00; two supplement requests (waits inside one working day move nothing); decided Tue 11:00,
  // before its due date, yet late: more than one supplement request. A paper result, not yet collected.
  D: {
    code: '000.20.02.H40-250915-9004',
    procedureCode: '2.000815',
    receivingPoint: 'X-HAI-TT',
    channel: 'post',
    applicant: person(4),
    components: [{ code: 'BC', source: 'counter' }],
    events: [
      { action: 'receive', at: '2025-09-15T10:00:00+07:00' },
      { action: 'forward', at: '2025-09-15T10:30:00+07:00', actor: staff('clerk.hai') },
      { action: 'request_supplement', at: '2025-09-15T11:00:00+07:00', actor: staff('spec.hai'), note: 'Bổ sung trang 2' },
      { action: 'supplement_received', at: '2025-09-15T14:00:00+07:00', actor: staff('clerk.hai') },
      { action: 'request_supplement', at: '2025-09-16T09:00:00+07:00', actor: staff('spec.hai'), note: 'Bổ sung trang 3' },
      { action: 'supplement_received', at: '2025-09-16T10:00:00+07:00', actor: staff('clerk.hai') },
      { action: 'forward', at: '2025-09-16T10:30:00+07:00', actor: staff('spec.hai') },
      { action: 'result', at: '2025-09-16T11:00:00+07:00', actor: staff('appr.hai') },
    ],
  },
  // Submitted online and refused.
  E: {
    code: '000.20.02.H40-250915-9005',
    procedureCode: '1.001193',
    receivingPoint: 'X-HAI-TT',
    channel: 'online',
    applicant: person(5),
    components: birth({ TK: 'online', GCS: 'online', CCCD: 'population_db' }),
    events: [
      { action: 'submit_online', at: '2025-09-15T09:00:00+07:00' },
      { action: 'refuse', at: '2025-09-15T10:00:00+07:00', actor: staff('clerk.hai'), note: 'Không thuộc thẩm quyền' },
    ],
  },
  // Received Tuesday with a paper left undigitized, withdrawn before it was forwarded.
  F: {
    code: '000.20.02.H40-250916-9001',
    procedureCode: '1.001193',
    receivingPoint: 'X-HAI-TT',
    channel: 'in_person',
    applicant: person(6),
    components: birth({ TK: 'paper', GCS: 'counter', CCCD: 'population_db' }),
    events: [
      { action: 'receive', at: '2025-09-16T09:00:00+07:00', actor: staff('clerk.hai') },
      { action: 'withdraw', at: '2025-09-16T10:00:00+07:00', actor: staff('clerk.hai'), note: 'Công dân xin rút' },
    ],
  },
  // Received Thursday and still in processing.
  H: {
    code: '000.20.02.H40-250918-9001',
    procedureCode: '2.000815',
    receivingPoint: 'X-HAI-TT',
    channel: 'in_person',
    applicant: person(7),
    components: [{ code: 'BC', source: 'counter' }],
    events: [
      { action: 'receive', at: '2025-09-18T09:00:00+07:00', actor: staff('clerk.hai') },
      { action: 'forward', at: '2025-09-18T09:30:00+07:00', actor: staff('clerk.hai') },
    ],
  },
  // At the provincial center for the Department of Justice, through the police's step, stopped by the approver.
  G: {
    code: '000.00.01.H40-250915-9001',
    procedureCode: '2.000488',
    receivingPoint: 'TTPVHCC',
    channel: 'in_person',
    applicant: person(8),
    components: [
      { code: 'TK', source: 'counter' },
      { code: 'CCCD', source: 'population_db' },
    ],
    events: [
      { action: 'receive', at: '2025-09-15T09:00:00+07:00', actor: staff('clerk.center') },
      { action: 'forward', at: '2025-09-15T10:00:00+07:00', actor: staff('clerk.center') },
      { action: 'forward', at: '2025-09-16T10:00:00+07:00', actor: staff('spec.stp') },
      { action: 'forward', at: '2025-09-17T10:00:00+07:00', actor: staff('spec.ca') },
      { action: 'stop', at: '2025-09-17T15:00:00+07:00', actor: staff('appr.stp'), note: 'Không đủ điều kiện cấp phiếu' },
    ],
  },
};

let h: Harness;
let dir: string;
let n = 0;
/** Writes a history file (the header, then these lines) and returns its path. */
async function historyFile(lines: (string | object)[], header = HEADER): Promise<string> {
  const file = path.join(dir, `history-${++n}.jsonl`);
  await fs.writeFile(file, [header, ...lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l)))].join('\n') + '\n');
  return file;
}
const figures = async (unitKey: string) => {
  const r = await h.app.inject({
    method: 'GET',
    url: `/kpi/figures?unitId=${h.unit(unitKey)}&from=2025-09-14&to=2025-09-20`,
    headers: auth(await h.token('admin')),
  });
  expect(r.statusCode, r.body).toBe(200);
  return r.json().total;
};
const rollups = async () =>
  (await sql`select * from kpi_daily order by day, receiving_unit_id, agency_id, procedure_id`.execute(h.database.db)).rows;
const dossier = (code: string) => h.database.db.selectFrom('dossiers').selectAll().where('code', '=', code).executeTakeFirstOrThrow();

beforeAll(async () => {
  h = await createHarness('2025-10-01T09:00:00+07:00');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'motcua-history-'));
});
afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('importing a history whose right answers are known', () => {
  let summary: Awaited<ReturnType<Harness['services']['history']['importFile']>>;
  let file: string;

  beforeAll(async () => {
    file = await historyFile(Object.values(LINES));
    summary = await h.services.history.importFile(file, { batchSize: 3 });
    await h.services.kpi.catchUp();
  });

  it('stores every dossier, in batches, and says so', () => {
    expect(summary).toMatchObject({
      lines: 9,
      resumedAfterLine: 0,
      imported: 8,
      skippedExisting: 0,
      conflicts: 0,
      invalid: 0,
      aborted: false,
    });
    expect(summary.problems).toEqual([]);
  });

  it('gives exactly the figures the events say, at the point, and the scorecard from them', async () => {
    expect(await figures('X-HAI-TT')).toMatchObject({
      submittedOnline: 2,
      received: 6,
      receivedInPerson: 4,
      receivedOnline: 1,
      receivedPost: 1,
      refused: 1,
      withdrawn: 1,
      stopped: 0,
      decided: 4,
      decidedEarly: 1,
      decidedOnTime: 1,
      decidedLate: 2,
      results: 4,
      electronicResults: 2,
      digitized: 2,
      reused: 2,
      fromStore: 2,
      populationData: 2,
      returned: 3,
      supplementRequests: 3,
      apologies: 1,
      ratedSatisfied: 1,
      ratedAcceptable: 1,
      ratedNotSatisfied: 1,
      onTimeRate: 0.5,
    });
    // The province adds G: received in person at the center, stopped early.
    expect(await figures('PROVINCE')).toMatchObject({ received: 7, receivedInPerson: 5, decided: 5, decidedEarly: 2, stopped: 1 });
    const s = await h.app.inject({
      method: 'GET',
      url: `/kpi/scorecard?unitId=${h.unit('X-HAI-TT')}&from=2025-09-14&to=2025-09-20`,
      headers: auth(await h.token('admin')),
    });
    // 2.1: A and C of the four decided, and H, open at the end of the 20th past its Friday 17:00 due date, counts as
    // late (the imported events carry their due dates as the app's do).
    expect(s.json().indicators.find((i: { id: string }) => i.id === '2.1')).toMatchObject({ numerator: 2, denominator: 5 });
    const open = await h.app.inject({
      method: 'GET',
      url: `/kpi/figures?unitId=${h.unit('X-HAI-TT')}&from=2025-09-14&to=2025-09-18`,
      headers: auth(await h.token('admin')),
    });
    // At Thursday's end H was still within its time.
    expect(open.json().open).toEqual({
      inProgress: 1,
      inProgressOnTime: 1,
      inProgressOverdue: 0,
      paused: 0,
      at: '2025-09-18T17:00:00.000Z',
    });
    // Receipts by clerk: A, B, C, F, H by clerk.hai (D came by post, received by nobody named).
    const p = await h.app.inject({
      method: 'GET',
      url: `/kpi/productivity?unitId=${h.unit('X-HAI-TT')}&from=2025-09-14&to=2025-09-20`,
      headers: auth(await h.token('admin')),
    });
    expect(p.json().clerks.map((c: { username: string; received: number }) => [c.username, c.received])).toEqual([['clerk.hai', 5]]);
  });

  it('derives the due date, the pause, the steps and the result as the use cases do', async () => {
    const c = await dossier(LINES.C.code);
    expect(c).toMatchObject({
      status: 'returned',
      portal_status: 10,
      channel: 2,
      submitted_at: new Date('2025-09-14T13:00:00Z'),
      received_at: new Date('2025-09-15T01:00:00Z'),
      original_due_at: new Date('2025-09-16T10:00:00Z'),
      due_at: new Date('2025-09-18T10:00:00Z'),
      // Mon 10:00–11:30 and 13:00–17:00, Tue 8 h, Wed 07:30–10:00: 16 working hours.
      paused_ms: 16 * 3_600_000,
      paused_at: null,
      supplement_count: 1,
      decided_at: new Date('2025-09-18T09:00:00Z'),
      returned_at: new Date('2025-09-19T02:00:00Z'),
      current_unit_id: null,
      current_step: 2,
      version: 8,
      event_seq: 8,
      created_by: null,
      competent_agency_id: h.unit('X-HAI-UB'),
      return_point_id: h.unit('X-HAI-TT'),
    });
    expect(c.result_document_id).not.toBeNull();
    const doc = await h.database.db
      .selectFrom('store_documents')
      .selectAll()
      .where('id', '=', c.result_document_id!)
      .executeTakeFirstOrThrow();
    expect(doc).toMatchObject({
      owner_id_number: LINES.C.applicant.idNumber,
      kind: 'result',
      document_type: 'GIAY_KHAI_SINH',
      issuer_unit_id: h.unit('X-HAI-UB'),
      source_dossier_id: c.id,
    });
    const b = await dossier(LINES.B.code);
    expect(b).toMatchObject({
      limit_value: 4,
      limit_unit: 'working-hours',
      fast_track: true,
      due_at: new Date('2025-09-15T07:30:00Z'),
      apology_due_at: new Date('2025-09-16T10:00:00Z'),
      fee_total_vnd: 2000,
      result_document_id: null,
    });
    expect((await dossier(LINES.D.code)).status).toBe('result_ready');
    expect((await dossier(LINES.H.code)).status).toBe('processing');
    const events = await h.database.db
      .selectFrom('dossier_events')
      .select(['seq', 'action', 'from_status', 'to_status', 'actor_kind', 'data'])
      .where('dossier_id', '=', c.id)
      .orderBy('seq')
      .execute();
    expect(events.map((e) => [e.seq, e.action, e.from_status, e.to_status, e.actor_kind])).toEqual([
      [1, 'submit_online', null, 'submitted', 'citizen'],
      [2, 'receive', 'submitted', 'received', 'staff'],
      [3, 'forward', 'received', 'processing', 'staff'],
      [4, 'request_supplement', 'processing', 'supplement_requested', 'staff'],
      [5, 'supplement_received', 'supplement_requested', 'processing', 'staff'],
      [6, 'forward', 'processing', 'processing', 'staff'],
      [7, 'result', 'processing', 'result_ready', 'staff'],
      [8, 'return', 'result_ready', 'returned', 'staff'],
    ]);
    expect(events[4]!.data).toEqual({ pausedWorkingMs: 16 * 3_600_000, workingDaysWaited: 2, due: '2025-09-18T10:00:00.000Z' });
    const steps = await h.database.db
      .selectFrom('dossier_steps')
      .select(['seq', 'role', 'outcome'])
      .where('dossier_id', '=', c.id)
      .orderBy('seq')
      .execute();
    expect(steps.map((s) => [s.seq, s.role, s.outcome])).toEqual([
      // Handed on the day it was due; the process step's due date moved with the supplement's wait (Tue → Thu 10:51).
      [1, 'receive', 'on_time'],
      [2, 'process', 'early'],
      [3, 'approve', 'late'],
      [4, 'return', 'late'],
    ]);
  });

  it('covers every imported event with its audit entry, and audits each batch without personal data', async () => {
    const v = await verifyAudit(h.database.db, h.auditKey);
    expect(v.problems).toEqual([]);
    const batches = await h.database.db
      .selectFrom('audit_log')
      .select(['stream', 'payload'])
      .where('action', '=', 'history.import')
      .orderBy('seq')
      .execute();
    expect(batches.map((b) => [b.stream, JSON.parse(b.payload).data])).toEqual([
      ['system', { file: summary.file, lines: [2, 4], imported: 3, events: 19, skippedExisting: 0, conflicts: 0, invalid: 0 }],
      ['system', { file: summary.file, lines: [5, 7], imported: 3, events: 12, skippedExisting: 0, conflicts: 0, invalid: 0 }],
      [
        'system',
        { file: summary.file, lines: [8, 9], imported: 2, events: 7, skippedExisting: 0, conflicts: 0, invalid: 0, finished: true },
      ],
    ]);
    expect(JSON.stringify(batches)).not.toMatch(/037095|0912345678/);
  });

  it('gives the same rollups when rebuilt from the events', async () => {
    const built = await rollups();
    expect(built.length).toBeGreaterThan(0);
    await h.services.kpi.rebuild();
    expect(await rollups()).toEqual(built);
  });

  it('adds nothing when the same file, or the same dossiers in another file, are imported again', async () => {
    const counts = { dossiers: await h.count('dossiers'), events: await h.count('dossier_events'), ratings: await h.count('ratings') };
    const before = await figures('X-HAI-TT');
    const again = await h.services.history.importFile(file);
    expect(again).toMatchObject({ alreadyImported: true, imported: 0, skippedExisting: 8, lines: 0 });
    // Another file: the same lines in another order, keys reordered, and one new dossier.
    const reordered = Object.values(LINES)
      .reverse()
      .map((l) => Object.fromEntries(Object.entries(l).reverse()));
    const extra = { ...LINES.H, code: '000.20.02.H40-250918-9002', applicant: person(9) };
    const other = await h.services.history.importFile(await historyFile([...reordered, extra]));
    expect(other).toMatchObject({ alreadyImported: false, imported: 1, skippedExisting: 8, conflicts: 0, invalid: 0 });
    await h.services.kpi.catchUp();
    expect({ dossiers: await h.count('dossiers'), events: await h.count('dossier_events'), ratings: await h.count('ratings') }).toEqual({
      dossiers: counts.dossiers + 1,
      events: counts.events + 2,
      ratings: counts.ratings,
    });
    const after = await figures('X-HAI-TT');
    expect([after.received, after.receivedInPerson, after.decided, after.returned, after.ratedSatisfied]).toEqual([
      before.received + 1,
      before.receivedInPerson + 1,
      before.decided,
      before.returned,
      before.ratedSatisfied,
    ]);
  });

  it('reports a code that exists with other content as a conflict, and changes nothing', async () => {
    const changed = { ...LINES.A, rating: { value: 'acceptable', at: '2025-09-15T15:00:00+07:00' } };
    const f = await historyFile([LINES.E, changed]);
    const checked = await h.services.history.importFile(f);
    expect(checked).toMatchObject({ aborted: true, imported: 0, conflicts: 1, invalid: 0 });
    expect(checked.problems).toEqual([
      { line: 3, field: 'code', message: `conflict: dossier ${LINES.A.code} was imported before with other content` },
    ]);
    const skipping = await h.services.history.importFile(f, { skipInvalid: true });
    expect(skipping).toMatchObject({ imported: 0, skippedExisting: 1, conflicts: 1, invalid: 0 });
    const rating = await h.database.db
      .selectFrom('ratings')
      .select('rating')
      .where('dossier_id', '=', (await dossier(LINES.A.code)).id)
      .executeTakeFirstOrThrow();
    expect(rating.rating).toBe('satisfied');
  });
});

describe('a file with bad lines', () => {
  const good = (code: string, idNumber: number) => ({ ...LINES.H, code, applicant: person(idNumber) });
  const bad: [string | object, string, string][] = [
    ['{"code": "X-1", ', '', 'malformed JSON'],
    [{ ...good('BAD-2', 20), procedureCode: '9.999999' }, 'procedureCode', 'procedure 9.999999 is not in the catalog'],
    [{ ...good('BAD-3', 21), receivingPoint: 'NO-SUCH-POINT' }, 'receivingPoint', 'no unit with key NO-SUCH-POINT'],
    [{ ...good('BAD-4', 22), applicant: { ...person(22), phone: 912345678 } }, 'applicant.phone', 'must be string'],
    [
      { ...good('BAD-5', 23), applicant: { ...person(23), phone: '0912 345 67' } },
      'applicant.phone',
      'must be 10 digits starting with 0 (or +84 and 9 digits)',
    ],
    [
      { ...good('BAD-6', 24), events: [LINES.H.events[0], { action: 'result', at: '2025-09-18T10:00:00+07:00' }] },
      'events.1.action',
      'illegal transition: cannot result a dossier that is received (allowed from: processing)',
    ],
    [
      { ...good('BAD-7', 25), events: [LINES.H.events[0], { action: 'forward', at: '2025-09-18T08:00:00+07:00' }] },
      'events.1.at',
      'is before the previous event (events.0.at): times out of order',
    ],
    [{ ...good('BAD-8', 26), channel: 'fax' }, 'channel', 'must be one of in_person, online, post'],
    [
      { ...good('BAD-9', 27), events: [{ ...LINES.H.events[0], actor: staff('nobody') }] },
      'events.0.actor.staff',
      'no staff member with username nobody',
    ],
    [{ ...good('BAD-10', 28), extra: 1 }, 'extra', 'is not a field of motcua.history/1'],
    [
      { ...good('BAD-11', 29), applicant: { ...person(29), idNumber: '999095001234' } },
      'applicant.idNumber',
      'citizen ID number starts with 999',
    ],
    [{ ...good('GOOD-1', 30), note: 'x'.repeat(MAX_LINE_BYTES) }, '', `the line is longer than ${MAX_LINE_BYTES} bytes`],
    [good('GOOD-1', 31), 'code', 'dossier GOOD-1 is also on line 15'],
  ];
  let file: string;

  beforeAll(async () => {
    // Good lines around the bad ones: 2 and 14 are good (the oversized line 13 names GOOD-1 too, but it was never read).
    file = await historyFile([good('GOOD-0', 40), ...bad.slice(0, 11).map((b) => b[0]), bad[11]![0], good('GOOD-1', 41), bad[12]![0]]);
  });

  it('names each bad line by number, field and problem, and by default stores nothing at all', async () => {
    const before = await h.count('dossiers');
    const seen: number[] = [];
    const r = await h.services.history.importFile(file, { onProblem: (p) => seen.push(p.line) });
    expect(r).toMatchObject({ aborted: true, imported: 0, invalid: 13 });
    const expected = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16];
    expect(r.problems.map((p) => p.line)).toEqual(expected);
    expect(seen).toEqual(expected);
    const order = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    for (const [i, p] of r.problems.entries()) {
      const [, field, message] = bad[order[i]!]!;
      expect(p.field, `line ${p.line}`).toBe(field);
      expect(p.message, `line ${p.line}`).toContain(message);
    }
    // Line 16 repeats line 15's code: the oversized line 14 never counted.
    expect(r.problems.at(-1)).toEqual({ line: 16, field: 'code', message: 'dossier GOOD-1 is also on line 15' });
    // No personal data in any message.
    expect(JSON.stringify(r.problems)).not.toMatch(/0912 345 67|999095001234|Nguyễn/);
    expect(await h.count('dossiers')).toBe(before);
  });

  it('with skipInvalid stores the good lines only', async () => {
    const before = await h.count('dossiers');
    const r = await h.services.history.importFile(file, { skipInvalid: true });
    expect(r).toMatchObject({ aborted: false, imported: 2, invalid: 13 });
    expect(await h.count('dossiers')).toBe(before + 2);
    const codes = await h.database.db.selectFrom('dossiers').select('code').where('code', 'like', 'GOOD-%').orderBy('code').execute();
    expect(codes.map((c) => c.code)).toEqual(['GOOD-0', 'GOOD-1']);
    expect(await h.database.db.selectFrom('dossiers').select('code').where('code', 'like', 'BAD-%').execute()).toEqual([]);
  });

  it('refuses a file without the header', async () => {
    const r = await h.services.history.importFile(await historyFile([good('NOHEADER-1', 50)], '{"format": "motcua.history/2"}'));
    expect(r.problems).toEqual([{ line: 1, field: 'format', message: 'the first line must be the header {"format": "motcua.history/1"}' }]);
    expect(r.aborted).toBe(true);
  });
});

describe('an interrupted import', () => {
  it('resumes after the last committed batch, and ends with every dossier once', async () => {
    const lines = Array.from({ length: 7 }, (_, i) => ({ ...LINES.H, code: `RESUME-${i + 1}`, applicant: person(60 + i) }));
    const file = await historyFile(lines);
    const before = await h.count('dossiers');
    // Killed while reading line 6: the batches of lines 2–3 and 4–5 had committed.
    await expect(
      h.services.history.importFile(file, {
        batchSize: 2,
        onProgress: (phase, bytes) => {
          if (phase === 'import' && bytes > offsetAfterLine(5)) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    expect(await h.count('dossiers')).toBe(before + 4);
    const progress = await h.database.db.selectFrom('history_imports').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect([progress.lines_done, Number(progress.bytes_done), progress.imported, progress.finished_at]).toEqual([
      5,
      offsetAfterLine(5),
      4,
      null,
    ]);
    const r = await h.services.history.importFile(file, { batchSize: 2 });
    expect(r).toMatchObject({ resumedAfterLine: 5, lines: 3, imported: 3, skippedExisting: 0 });
    expect(await h.count('dossiers')).toBe(before + 7);
    const done = await h.database.db.selectFrom('history_imports').selectAll().where('id', '=', progress.id).executeTakeFirstOrThrow();
    expect([done.lines_done, done.imported]).toEqual([8, 7]);
    expect(done.finished_at).not.toBeNull();

    function offsetAfterLine(k: number): number {
      return [HEADER, ...lines.map((l) => JSON.stringify(l))].slice(0, k).reduce((s, l) => s + Buffer.byteLength(l) + 1, 0);
    }
  });
});

describe('payments in a history', () => {
  const paying = (code: string, n: number, paid: object) => ({
    ...LINES.H,
    code,
    applicant: person(n),
    events: [
      ...LINES.H.events,
      { action: 'request_payment', at: '2025-09-18T10:00:00+07:00', actor: staff('spec.hai') },
      { action: 'payment_received', at: '2025-09-18T10:30:00+07:00', ...paid },
    ],
  });

  it('marks a dossier paid online when its payment_received says so, and paid at the counter otherwise', async () => {
    const file = await historyFile([
      paying('000.20.02.H40-250918-9101', 61, { actor: 'system', paidOnline: true }),
      paying('000.20.02.H40-250918-9102', 62, { actor: staff('clerk.hai') }),
    ]);
    expect(await h.services.history.importFile(file)).toMatchObject({ aborted: false, imported: 2, invalid: 0 });
    const online = await dossier('000.20.02.H40-250918-9101');
    const counter = await dossier('000.20.02.H40-250918-9102');
    expect([online.status, online.paid_online, online.paid_at?.toISOString()]).toEqual(['processing', true, '2025-09-18T03:30:00.000Z']);
    expect([counter.status, counter.paid_online]).toEqual(['processing', false]);
    const ev = await h.database.db
      .selectFrom('dossier_events')
      .select(['data'])
      .where('dossier_id', '=', online.id)
      .where('action', '=', 'payment_received')
      .executeTakeFirstOrThrow();
    expect(typeof ev.data === 'string' ? JSON.parse(ev.data) : ev.data).toEqual({ method: 'online' });
  });

  it('refuses paidOnline on any other event, naming it', async () => {
    const line = { ...LINES.H, code: '000.20.02.H40-250918-9103', applicant: person(63) };
    line.events = [LINES.H.events[0]!, { ...LINES.H.events[1]!, paidOnline: true } as (typeof line.events)[number]];
    const r = await h.services.history.importFile(await historyFile([line]));
    expect(r).toMatchObject({ aborted: true, imported: 0, invalid: 1 });
    expect(r.problems[0]).toMatchObject({
      field: 'events.1.paidOnline',
      message: 'only a payment_received event says how the fees were paid',
    });
  });
});
