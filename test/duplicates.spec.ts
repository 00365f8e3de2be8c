import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, applicant, newIdNumber, type Harness } from './harness.js';

// An applicant's second open dossier of a procedure: the clerk is told (409 DUPLICATE_DOSSIER naming the first) and
// may receive it anyway with a reason, audited; an online submission is never refused for it (an anonymous caller
// learns nothing of the ID number typed), and its receiving clerk is told instead.

let h: Harness;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
/** Stands for the sender's own upload in a body: a file is its uploader's (its unit's, or its online submission's). */
const file = 'OWN-UPLOAD';
const uploads = new Map<string, string>();
const withOwnFile = (payload: Record<string, unknown>, sha: string) => ({
  ...payload,
  components: (payload.components as Record<string, unknown>[]).map((c) => (c.fileSha256 === file ? { ...c, fileSha256: sha } : c)),
});

const body = (idNumber: string, over: Record<string, unknown> = {}) => ({
  procedureCode: '1.001193',
  applicant: applicant('14002', { idNumber }),
  components: [{ code: 'TK', source: 'upload', fileSha256: file }],
  ...over,
});
const receive = async (user: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) => {
  const token = await h.token(user);
  if (!uploads.has(user)) uploads.set(user, await h.upload(token, 'to khai'));
  return h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: { ...auth(token), ...headers },
    payload: withOwnFile(payload, uploads.get(user)!),
  });
};
const submit = async (payload: Record<string, unknown>) => {
  const submission = await h.submission();
  const sha = await h.publicUpload(submission, 'to khai');
  return h.app.inject({
    method: 'POST',
    url: '/public/dossiers',
    headers: { 'x-submission-token': submission },
    payload: withOwnFile(payload, sha),
  });
};

const count = (table: 'dossiers' | 'dossier_events' | 'audit_log' | 'idempotency_keys') => h.count(table);
const counter = async (prefix: string) =>
  (await h.database.db.selectFrom('dossier_code_counters').select('last').where('prefix', '=', prefix).executeTakeFirst())?.last ?? 0;
async function eventsOf(code: string) {
  return h.database.db
    .selectFrom('dossier_events as e')
    .innerJoin('dossiers as d', 'd.id', 'e.dossier_id')
    .select(['e.action', 'e.data'])
    .where('d.code', '=', code)
    .orderBy('e.seq')
    .execute();
}
async function auditOf(code: string) {
  const rows = await h.database.db
    .selectFrom('audit_log')
    .select(['action', 'payload'])
    .where('entity_type', '=', 'dossier')
    .where('entity_id', '=', code)
    .orderBy('at')
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ action: r.action, data: JSON.parse(r.payload).data as Record<string, unknown> }));
}

beforeAll(async () => {
  h = await createHarness('2025-03-14T10:00:00+07:00');
  for (const user of ['clerk.branch', 'clerk.center', 'clerk.hai']) uploads.set(user, await h.upload(await h.token(user), 'to khai'));
});

describe('a counter intake for an applicant with an open dossier of the same procedure', () => {
  const person = newIdNumber();
  let first = '';

  it('is refused with 409 naming the open dossier, where and when it was filed, and writes nothing at all', async () => {
    const r = await receive('clerk.branch', body(person));
    expect(r.statusCode, r.body).toBe(201);
    first = r.json().code;
    expect(first).toBe('000.01.01.H40-250314-0001');
    h.clock.set('2025-03-14T10:20:00+07:00');
    await h.token('clerk.center'); // (logging in is audited too)
    const before = { dossiers: await count('dossiers'), events: await count('dossier_events'), audit: await count('audit_log') };
    // At another point (1.001193 is received anywhere): the same applicant, the same procedure.
    const dup = await receive('clerk.center', body(person));
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({
      code: 'DUPLICATE_DOSSIER',
      field: 'body.applicant.idNumber',
      details: {
        existingCode: first,
        status: 'received',
        receivedAt: '2025-03-14T03:00:00.000Z',
        submittedAt: null,
        receivingPoint: { id: h.unit('CN-A'), nameVi: 'Chi nhánh A', nameEn: 'Branch A' },
      },
    });
    expect(dup.json().detail).toBe(
      `Công dân đã có hồ sơ ${first} của thủ tục này đang giải quyết (nộp 2025-03-14T03:00:00.000Z tại Chi nhánh A); muốn tiếp nhận thêm, ghi lý do vào duplicateOverride.reason / The applicant already has open dossier ${first} of this procedure (filed 2025-03-14T03:00:00.000Z at Branch A); to receive another one anyway, give duplicateOverride.reason`,
    );
    expect({ dossiers: await count('dossiers'), events: await count('dossier_events'), audit: await count('audit_log') }).toEqual(before);
    // Not even a number of the center's day was taken.
    expect(await counter('000.00.01.H40')).toBe(0);
    // The same with an Idempotency-Key: refused, and the key not kept.
    const keys = await count('idempotency_keys');
    const keyed = await receive('clerk.center', body(person), { 'idempotency-key': 'dup-0000000001' });
    expect([keyed.statusCode, keyed.json().details.existingCode]).toEqual([409, first]);
    expect(await count('idempotency_keys')).toBe(keys);
  });

  it('is received for another procedure, or for another applicant', async () => {
    const other = await receive('clerk.center', {
      procedureCode: '2.000488',
      applicant: applicant('14002', { idNumber: person }),
      components: [
        { code: 'TK', source: 'upload', fileSha256: file },
        { code: 'CCCD', source: 'population_db' },
      ],
    });
    expect(other.statusCode, other.body).toBe(201);
    expect(other.json().code).toBe('000.00.01.H40-250314-0001');
    expect((await receive('clerk.center', body(newIdNumber()))).statusCode).toBe(201);
  });

  it('is received with the clerk’s reason, naming the open one in the dossier, its event and its audit entry', async () => {
    const short = await receive('clerk.center', body(person, { duplicateOverride: { reason: 'x' } }));
    expect([short.statusCode, short.json().code, short.json().field]).toEqual([400, 'VALIDATION', 'body.duplicateOverride.reason']);
    const reason = 'Sinh đôi: hồ sơ thứ hai cho người con thứ hai';
    const r = await receive('clerk.center', body(person, { duplicateOverride: { reason } }));
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ status: 'received', duplicateOf: first });
    const code = r.json().code;
    expect(await eventsOf(code)).toEqual([
      { action: 'receive', data: { due: '2025-03-19T10:00:00.000Z', duplicateOverride: { existingCode: first, reason } } },
    ]);
    expect(await auditOf(code)).toEqual([
      { action: 'dossier.receive', data: { version: 1, status: 'received', duplicateOverride: { existingCode: first, reason } } },
    ]);
    // A third one without a reason is refused naming the first open one.
    const third = await receive('clerk.hai', body(person));
    expect([third.statusCode, third.json().details.existingCode]).toEqual([409, first]);
  });

  it('is received again once the open one has ended', async () => {
    const p = newIdNumber();
    const a = (await receive('clerk.branch', body(p))).json();
    const refused = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${a.code}/refuse`,
      headers: auth(await h.token('clerk.branch')),
      payload: { version: a.version, note: 'Tờ khai sai mẫu' },
    });
    expect(refused.statusCode).toBe(200);
    const b = await receive('clerk.branch', body(p));
    expect(b.statusCode, b.body).toBe(201);
    expect(b.json().duplicateOf).toBeNull();
  });

  it('lets exactly one of two simultaneous intakes of the same duplicate through; the other names it', async () => {
    const p = newIdNumber();
    const before = await count('dossiers');
    const rs = await Promise.all([receive('clerk.branch', body(p)), receive('clerk.center', body(p))]);
    expect(rs.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    const won = rs.find((r) => r.statusCode === 201)!.json();
    const lost = rs.find((r) => r.statusCode === 409)!.json();
    expect(lost).toMatchObject({ code: 'DUPLICATE_DOSSIER', details: { existingCode: won.code } });
    expect(await count('dossiers')).toBe(before + 1);
  });
});

describe('an online submission for an applicant with an open dossier of the same procedure', () => {
  const person = newIdNumber();
  let open = '';
  let online = '';

  it('is accepted as any other, the answer telling nothing of the other dossier', async () => {
    open = (await receive('clerk.branch', body(person))).json().code;
    const plain = await submit(body(newIdNumber()));
    const r = await submit(body(person, { duplicateOverride: { reason: 'Nộp thêm cho con thứ hai' } }));
    expect(r.statusCode, r.body).toBe(201);
    online = r.json().code;
    expect(r.json()).toMatchObject({ status: 'submitted', duplicateOf: null });
    expect(r.body).not.toContain(open);
    // The same answer, key for key, as a submission for an ID number with no open dossier.
    expect(Object.keys(r.json()).sort()).toEqual(Object.keys(plain.json()).sort());
    // Staff see which dossier it stands beside, and the submitter's reason.
    const staff = await h.app.inject({ method: 'GET', url: `/dossiers/${online}`, headers: auth(await h.token('clerk.hai')) });
    expect(staff.json()).toMatchObject({ duplicateOf: open });
    expect(await eventsOf(online)).toEqual([
      { action: 'submit_online', data: { duplicateOf: open, applicantReason: 'Nộp thêm cho con thứ hai' } },
    ]);
  });

  it('is received by its clerk only with a reason, naming the open one (audited in the event)', async () => {
    const clerk = auth(await h.token('clerk.hai'));
    const without = await h.app.inject({ method: 'POST', url: `/dossiers/${online}/receive`, headers: clerk, payload: { version: 1 } });
    expect(without.statusCode).toBe(409);
    expect(without.json()).toMatchObject({
      code: 'DUPLICATE_DOSSIER',
      field: 'body.duplicateOverride',
      details: { existingCode: open, status: 'received', receivingPoint: { id: h.unit('CN-A') } },
    });
    const reason = 'Đã đối chiếu: hồ sơ cho người con thứ hai';
    const r = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${online}/receive`,
      headers: clerk,
      payload: { version: 1, duplicateOverride: { reason } },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ status: 'received', duplicateOf: open });
    expect((await eventsOf(online)).at(-1)).toEqual({
      action: 'receive',
      data: { due: '2025-03-19T10:00:00.000Z', duplicateOverride: { existingCode: open, reason } },
    });
  });

  it('is received without a word when the applicant has no other open dossier', async () => {
    const r = await submit(body(newIdNumber()));
    const rec = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${r.json().code}/receive`,
      headers: auth(await h.token('clerk.hai')),
      payload: { version: 1 },
    });
    expect(rec.statusCode, rec.body).toBe(200);
    expect(rec.json().duplicateOf).toBeNull();
  });

  it('marks the second of two simultaneous submissions of the same applicant as the first one’s duplicate', async () => {
    const p = newIdNumber();
    const rs = await Promise.all([submit(body(p)), submit(body(p))]);
    expect(rs.map((r) => r.statusCode)).toEqual([201, 201]);
    const rows = await h.database.db
      .selectFrom('dossiers')
      .select(['code', 'duplicate_of'])
      .where('applicant_id_number', '=', p)
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { code: rows[0]!.code, duplicate_of: null },
      { code: rows[1]!.code, duplicate_of: rows[0]!.code },
    ]);
  });
});

describe('two intakes of the same duplicate racing each other', () => {
  // Only PostgreSQL runs two transactions at once; PGlite is one connection, so its intakes never overlap (and the
  // statement's own look-up refuses the second, as above).
  it.skipIf(!process.env.DATABASE_URL)(
    'lets the unique index decide: the one that waited is refused naming the one that committed',
    async () => {
      const { createServices } = await import('../src/services.js');
      const { MemoryBlobStore } = await import('../src/platform/blob-store.js');
      const p = newIdNumber();
      const branch = await h.services.auth.authenticate(await h.token('clerk.branch'));
      const center = await h.services.auth.authenticate(await h.token('clerk.center'));
      let second: Promise<unknown> | undefined;
      let waited = false;
      const first = await h.database.db.transaction().execute(async (trx) => {
        // The first intake is written in a transaction still open while the second one runs...
        const held = createServices({
          auditKey: h.auditKey,
          db: trx,
          blobs: new MemoryBlobStore(),
          clock: () => h.clock.now,
          sessionTtlMinutes: 60,
          maxUploadBytes: 1024,
        });
        const d = await held.dossiers.receiveAtCounter(branch, withOwnFile(body(p), uploads.get('clerk.branch')!) as never);
        // ...which saw no open dossier either, and waits on the unique index until the first commits.
        second = h.services.dossiers.receiveAtCounter(center, withOwnFile(body(p), uploads.get('clerk.center')!) as never).then(
          () => 'received',
          (e: { code?: string; extra?: { details?: { existingCode?: string } } }) => [e.code, e.extra?.details?.existingCode],
        );
        // Until the second statement waits for a lock (the first's index entry), as pg_stat_activity shows.
        const { sql } = await import('kysely');
        for (let i = 0; i < 200 && !waited; i++) {
          const w = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'`.execute(h.database.db);
          waited = w.rows[0]!.n > 0;
          if (!waited) await new Promise((r) => setTimeout(r, 25));
        }
        return d;
      });
      expect(waited).toBe(true);
      expect(await second).toEqual(['DUPLICATE_DOSSIER', first.code]);
      const rows = await h.database.db.selectFrom('dossiers').select('code').where('applicant_id_number', '=', p).execute();
      expect(rows).toEqual([{ code: first.code }]);
    },
  );
});
