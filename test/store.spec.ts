import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, applicant, newIdNumber, type Harness } from './harness.js';
import { TEST_CATALOG } from './fixtures.js';
import { MAX_OPEN_INTAKES, MAX_STORE_LISTINGS_PER_HOUR } from '../src/dossiers/store.model.js';
import type { CatalogDocument } from '../src/catalog/catalog.schema.js';

// The citizen's document store is private: listed only for a purpose (a dossier the caller handles, or an intake in
// progress), audited with it, never with file hashes; a document stands in only for a component of its own type.

let h: Harness;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
let scan = '';
/** Citizen A: a birth certificate (an earlier result), a verified marriage certificate, a document of no known type. */
const A = '037095000111';
/** Citizen B, a stranger to every clerk here: a birth certificate. */
const B = '037095000222';
const docs: Record<string, number> = {};
let dossierOfA = '';
let closedOfA = '';
let dossierOfB = '';

async function addDocument(owner: string, kind: string, title: string, documentType: string | null): Promise<number> {
  const row = await h.database.db
    .insertInto('store_documents')
    .values({
      owner_id_number: owner,
      kind,
      title,
      blob_sha256: scan,
      issuer_unit_id: h.unit('X-HAI-UB'),
      source_dossier_id: null,
      document_type: documentType,
      issued_at: new Date('2025-01-10T03:00:00Z'),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function intake(user: string, idNumber: string, over: Record<string, unknown> = {}) {
  return h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: auth(await h.token(user)),
    payload: {
      procedureCode: '1.001193',
      applicant: applicant('14002', { idNumber }),
      components: [
        { code: 'TK', source: 'upload', fileSha256: scan },
        { code: 'GCS', source: 'upload', fileSha256: scan },
        { code: 'CCCD', source: 'population_db' },
      ],
      ...over,
    },
  });
}

const list = async (user: string, query: string) =>
  h.app.inject({ method: 'GET', url: `/store-documents${query}`, headers: auth(await h.token(user)) });
const startIntake = async (user: string, payload: Record<string, unknown>) =>
  h.app.inject({ method: 'POST', url: '/intakes', headers: auth(await h.token(user)), payload });

async function counts() {
  const n = async (t: 'store_access' | 'audit_log') =>
    Number(
      (
        await h.database.db
          .selectFrom(t)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { access: await n('store_access'), audit: await n('audit_log') };
}

/** The latest audit entry of an action (about an entity). */
async function lastAudit(action: string, entityId?: string) {
  let q = h.database.db
    .selectFrom('audit_log')
    .select(['actor_id', 'action', 'entity_type', 'entity_id', 'payload', 'stream'])
    .where('action', '=', action);
  if (entityId) q = q.where('entity_id', '=', entityId);
  const row = await q.orderBy('at', 'desc').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
  return { ...row, data: JSON.parse(row.payload).data as Record<string, unknown> };
}

const staffId = async (username: string) =>
  (await h.database.db.selectFrom('staff').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;

beforeAll(async () => {
  h = await createHarness('2025-09-12T10:00:00+07:00'); // a Friday; 1.001193's 2025 version, with its GKH from the store
  scan = await h.upload(await h.token('clerk.branch'), 'scan');
  // The same bytes uploaded at the center and at Hai too: each point attaches its own upload (the hash is the same).
  for (const clerk of ['clerk.center', 'clerk.hai']) expect(await h.upload(await h.token(clerk), 'scan')).toBe(scan);
  docs.birthA = await addDocument(A, 'result', 'Giấy khai sinh', 'GIAY_KHAI_SINH');
  docs.marriageA = await addDocument(A, 'verified', 'Giấy chứng nhận kết hôn', 'GIAY_CHUNG_NHAN_KET_HON');
  docs.untypedA = await addDocument(A, 'verified', 'Giấy tờ cũ', null);
  docs.birthB = await addDocument(B, 'result', 'Giấy khai sinh', 'GIAY_KHAI_SINH');
  const d = await intake('clerk.branch', A);
  expect(d.statusCode, d.body).toBe(201);
  dossierOfA = d.json().code;
  // Another procedure of A's, closed (refused at the counter of the provincial center, which receives it).
  const atCenter = await h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: auth(await h.token('clerk.center')),
    payload: {
      procedureCode: '2.000488',
      applicant: applicant('14002', { idNumber: A }),
      components: [
        { code: 'TK', source: 'upload', fileSha256: scan },
        { code: 'CCCD', source: 'population_db' },
      ],
    },
  });
  expect(atCenter.statusCode, atCenter.body).toBe(201);
  const refused = await h.app.inject({
    method: 'POST',
    url: `/dossiers/${atCenter.json().code}/refuse`,
    headers: auth(await h.token('clerk.center')),
    payload: { version: 1, note: 'Thiếu tờ khai' },
  });
  expect(refused.statusCode).toBe(200);
  closedOfA = atCenter.json().code;
  const b = await intake('clerk.center', B);
  expect(b.statusCode, b.body).toBe(201);
  dossierOfB = b.json().code;
});

describe('listing a citizen’s document store', () => {
  it('is refused without a purpose, writing nothing', async () => {
    const before = await counts();
    const none = await list('clerk.branch', '');
    expect([none.statusCode, none.json().code, none.json().field]).toEqual([400, 'VALIDATION', 'querystring']);
    const both = await list('clerk.branch', `?dossierCode=${dossierOfA}&intakeId=1`);
    expect([both.statusCode, both.json().code, both.json().field]).toEqual([400, 'VALIDATION', 'querystring']);
    // Typing an ID number is no purpose: the parameter does not exist any more.
    const typed = await list('clerk.branch', `?idNumber=${B}`);
    expect([typed.statusCode, typed.json().code, typed.json().field]).toEqual([400, 'VALIDATION', 'querystring.idNumber']);
    expect(await counts()).toEqual(before);
  });

  it('is 404 for a dossier outside the caller’s scope, as every dossier route (a 403 would confirm the code exists)', async () => {
    const before = await counts();
    const r = await list('clerk.branch', `?dossierCode=${dossierOfB}`);
    expect([r.statusCode, r.json().code, r.json().field]).toEqual([404, 'NOT_FOUND', 'querystring.dossierCode']);
    const unknown = await list('clerk.branch', '?dossierCode=000.01.01.H40-250912-0999');
    expect(unknown.json().detail).toBe(`Dossier 000.01.01.H40-250912-0999 not found`);
    expect(r.json().detail).toBe(`Dossier ${dossierOfB} not found`);
    expect(await counts()).toEqual(before);
  });

  it('is 403 for a dossier in scope that is closed: it is no reason any more', async () => {
    const r = await list('clerk.center', `?dossierCode=${closedOfA}`);
    expect([r.statusCode, r.json().code, r.json().field]).toEqual([403, 'FORBIDDEN', 'querystring.dossierCode']);
  });

  it('is 404 for another clerk’s intake: a stranger stays a stranger', async () => {
    const other = await startIntake('clerk.center', { idNumber: B });
    expect(other.statusCode).toBe(201);
    const before = await counts();
    const r = await list('clerk.branch', `?intakeId=${other.json().id}`);
    expect([r.statusCode, r.json().code, r.json().field]).toEqual([404, 'NOT_FOUND', 'querystring.intakeId']);
    expect(await counts()).toEqual(before);
  });

  it('lists the documents of a dossier’s applicant for staff handling it, without file hashes, audited with the dossier', async () => {
    const before = await counts();
    const r = await list('clerk.branch', `?dossierCode=${dossierOfA}`);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual([
      {
        id: docs.birthA,
        kind: 'result',
        title: 'Giấy khai sinh',
        documentType: { code: 'GIAY_KHAI_SINH', nameVi: 'Giấy khai sinh', nameEn: 'Birth certificate' },
        issuedAt: '2025-01-10T03:00:00.000Z',
        issuerNameVi: 'Ủy ban nhân dân Xã Hai',
      },
      {
        id: docs.marriageA,
        kind: 'verified',
        title: 'Giấy chứng nhận kết hôn',
        documentType: { code: 'GIAY_CHUNG_NHAN_KET_HON', nameVi: 'Giấy chứng nhận kết hôn', nameEn: 'Marriage certificate' },
        issuedAt: '2025-01-10T03:00:00.000Z',
        issuerNameVi: 'Ủy ban nhân dân Xã Hai',
      },
      {
        id: docs.untypedA,
        kind: 'verified',
        title: 'Giấy tờ cũ',
        documentType: null,
        issuedAt: '2025-01-10T03:00:00.000Z',
        issuerNameVi: 'Ủy ban nhân dân Xã Hai',
      },
    ]);
    expect(r.body).not.toContain(scan);
    expect(await counts()).toEqual({ access: before.access + 1, audit: before.audit + 1 });
    const audit = await lastAudit('store.read', dossierOfA);
    expect(audit).toMatchObject({
      actor_id: await staffId('clerk.branch'),
      entity_type: 'dossier',
      entity_id: dossierOfA,
      stream: `unit:${h.unit('CN-A')}`,
      data: { purpose: 'dossier', dossierCode: dossierOfA, documents: 3 },
    });
    const access = await h.database.db.selectFrom('store_access').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(access).toMatchObject({ owner_id_number: A, purpose: 'dossier', intake_id: null, documents: 3, unit_id: h.unit('CN-A') });
  });

  it('lets the specialist of the competent agency list it once the dossier is at their unit, but not start an intake', async () => {
    expect((await list('spec.hai', `?dossierCode=${dossierOfA}`)).statusCode).toBe(404);
    const f = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${dossierOfA}/forward`,
      headers: auth(await h.token('clerk.branch')),
      payload: { version: 1 },
    });
    expect(f.statusCode, f.body).toBe(200);
    const r = await list('spec.hai', `?dossierCode=${dossierOfA}`);
    expect(r.statusCode).toBe(200);
    expect(r.json().map((d: { id: number }) => d.id)).toEqual([docs.birthA, docs.marriageA, docs.untypedA]);
    const i = await startIntake('spec.hai', { idNumber: A });
    expect([i.statusCode, i.json().code]).toEqual([403, 'FORBIDDEN']);
    for (const user of ['admin', 'manager.center']) {
      expect((await startIntake(user, { idNumber: A })).statusCode).toBe(403);
      expect((await list(user, `?dossierCode=${dossierOfA}`)).statusCode).toBe(403);
    }
  });
});

describe('an intake in progress', () => {
  let id = 0;

  it('is started by a clerk for a valid ID number, for two hours, audited with its reason', async () => {
    const bad = await startIntake('clerk.branch', { idNumber: '03709500011' });
    expect([bad.statusCode, bad.json().code, bad.json().field]).toEqual([400, 'INVALID_ID_NUMBER', 'body.idNumber']);
    const unknown = await startIntake('clerk.branch', { idNumber: A, procedureCode: '9.999999' });
    expect([unknown.statusCode, unknown.json().code, unknown.json().field]).toEqual([422, 'UNKNOWN_PROCEDURE', 'body.procedureCode']);
    h.clock.set('2025-09-12T10:30:00+07:00');
    const r = await startIntake('clerk.branch', { idNumber: A, procedureCode: '1.001193', reason: 'Công dân xin dùng lại giấy tờ đã có' });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toEqual({
      id: expect.any(Number),
      idNumber: A,
      procedureCode: '1.001193',
      reason: 'Công dân xin dùng lại giấy tờ đã có',
      openedAt: '2025-09-12T03:30:00.000Z',
      expiresAt: '2025-09-12T05:30:00.000Z',
    });
    id = r.json().id;
    expect(await lastAudit('intake.open', String(id))).toMatchObject({
      actor_id: await staffId('clerk.branch'),
      entity_type: 'intake',
      entity_id: String(id),
      data: { procedureCode: '1.001193', reason: 'Công dân xin dùng lại giấy tờ đã có' },
    });
    // Asked again for the same citizen, the clerk gets the intake in progress.
    const again = await startIntake('clerk.branch', { idNumber: A });
    expect([again.statusCode, again.json().id]).toEqual([200, id]);
  });

  it('lets its clerk list the citizen’s store, audited with the intake and its reason', async () => {
    const r = await list('clerk.branch', `?intakeId=${id}`);
    expect(r.statusCode).toBe(200);
    expect(r.json().map((d: { id: number }) => d.id)).toEqual([docs.birthA, docs.marriageA, docs.untypedA]);
    expect(r.body).not.toContain(scan);
    expect(await lastAudit('store.read', String(id))).toMatchObject({
      entity_type: 'intake',
      entity_id: String(id),
      data: { purpose: 'intake', intakeId: id, reason: 'Công dân xin dùng lại giấy tờ đã có', documents: 3 },
    });
  });

  it('ends two hours after it started', async () => {
    h.clock.set('2025-09-12T12:30:00+07:00');
    const r = await list('clerk.branch', `?intakeId=${id}`);
    expect([r.statusCode, r.json().code, r.json().field]).toEqual([409, 'CONFLICT', 'querystring.intakeId']);
    expect(r.json().details).toEqual({ closedAt: null, expiresAt: '2025-09-12T05:30:00.000Z' });
  });

  it('ends when the clerk closes it', async () => {
    const r = await startIntake('clerk.branch', { idNumber: A });
    expect(r.statusCode).toBe(201);
    const other = await h.app.inject({ method: 'DELETE', url: `/intakes/${r.json().id}`, headers: auth(await h.token('clerk.center')) });
    expect(other.statusCode).toBe(404);
    const del = await h.app.inject({ method: 'DELETE', url: `/intakes/${r.json().id}`, headers: auth(await h.token('clerk.branch')) });
    expect(del.statusCode).toBe(204);
    expect(await lastAudit('intake.close', String(r.json().id))).toMatchObject({ entity_type: 'intake', entity_id: String(r.json().id) });
    expect((await list('clerk.branch', `?intakeId=${r.json().id}`)).json()).toMatchObject({
      code: 'CONFLICT',
      details: { closedAt: '2025-09-12T05:30:00.000Z' },
    });
  });

  it('ends when the dossier is received for that citizen', async () => {
    const c = newIdNumber();
    const r = await startIntake('clerk.hai', { idNumber: c });
    h.clock.set('2025-09-12T12:45:00+07:00');
    const d = await intake('clerk.hai', c);
    expect(d.statusCode, d.body).toBe(201);
    const row = await h.database.db
      .selectFrom('intakes')
      .select(['closed_at', 'dossier_id'])
      .where('id', '=', r.json().id)
      .executeTakeFirstOrThrow();
    const dossier = await h.database.db.selectFrom('dossiers').select('id').where('code', '=', d.json().code).executeTakeFirstOrThrow();
    expect(row).toEqual({ closed_at: new Date('2025-09-12T05:45:00.000Z'), dossier_id: dossier.id });
    expect((await list('clerk.hai', `?intakeId=${r.json().id}`)).statusCode).toBe(409);
  });

  it(`is held at most ${MAX_OPEN_INTAKES} at a time by a clerk`, async () => {
    const ids: number[] = [];
    for (let i = 0; i < MAX_OPEN_INTAKES; i++) {
      const r = await startIntake('clerk.mot', { idNumber: newIdNumber() });
      expect(r.statusCode).toBe(201);
      ids.push(r.json().id);
    }
    const over = await startIntake('clerk.mot', { idNumber: newIdNumber() });
    expect([over.statusCode, over.json().code, over.json().details]).toEqual([
      409,
      'CONFLICT',
      { open: MAX_OPEN_INTAKES, max: MAX_OPEN_INTAKES },
    ]);
    await h.app.inject({ method: 'DELETE', url: `/intakes/${ids[0]}`, headers: auth(await h.token('clerk.mot')) });
    expect((await startIntake('clerk.mot', { idNumber: newIdNumber() })).statusCode).toBe(201);
  });
});

describe('the hourly cap on listings', () => {
  it(`refuses a staff member’s listing past ${MAX_STORE_LISTINGS_PER_HOUR} in an hour, and counts nothing refused`, async () => {
    h.clock.set('2025-09-12T14:00:00+07:00');
    const i = await startIntake('clerk.ba', { idNumber: A });
    const made = Number(
      (
        await h.database.db
          .selectFrom('store_access')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('staff_id', '=', await staffId('clerk.ba'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    expect(made).toBe(0);
    for (let n = 0; n < MAX_STORE_LISTINGS_PER_HOUR; n++) expect((await list('clerk.ba', `?intakeId=${i.json().id}`)).statusCode).toBe(200);
    const before = await counts();
    const over = await list('clerk.ba', `?intakeId=${i.json().id}`);
    expect([over.statusCode, over.json().code]).toEqual([429, 'RATE_LIMITED']);
    expect(await counts()).toEqual(before);
    h.clock.set('2025-09-12T15:00:01+07:00');
    expect((await list('clerk.ba', `?intakeId=${i.json().id}`)).statusCode).toBe(200);
  });
});

describe('reusing a document of the store', () => {
  /** 1.001193 for a citizen, GKH (a marriage certificate) from the store when given, TK from the store when given. */
  const body = (idNumber: string, gkh?: number, tk?: number) => ({
    procedureCode: '1.001193',
    applicant: applicant('14002', { idNumber }),
    components: [
      tk ? { code: 'TK', source: 'store', storeDocumentId: tk } : { code: 'TK', source: 'upload', fileSha256: scan },
      { code: 'GCS', source: 'upload', fileSha256: scan },
      { code: 'CCCD', source: 'population_db' },
      ...(gkh ? [{ code: 'GKH', source: 'store', storeDocumentId: gkh }] : []),
    ],
  });
  const receive = async (payload: Record<string, unknown>) =>
    h.app.inject({ method: 'POST', url: '/dossiers', headers: auth(await h.token('clerk.center')), payload });
  const countDossiers = async () =>
    Number(
      (
        await h.database.db
          .selectFrom('dossiers')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('refuses a document of another type, naming the field and both types', async () => {
    const before = await countDossiers();
    const c = newIdNumber();
    const birth = await addDocument(c, 'result', 'Giấy khai sinh', 'GIAY_KHAI_SINH');
    const r = await receive(body(c, birth));
    expect([r.statusCode, r.json().code, r.json().field]).toEqual([400, 'VALIDATION', 'body.components.3.storeDocumentId']);
    expect(r.json().detail).toBe(
      `Tài liệu ${birth} là «Giấy khai sinh», thành phần GKH cần «Giấy chứng nhận kết hôn» / Document ${birth} is a Birth certificate; component GKH takes a Marriage certificate`,
    );
    expect(await countDossiers()).toBe(before);
  });

  it('refuses a document of no known type, one for a component that takes none, and another citizen’s', async () => {
    const c = newIdNumber();
    const untyped = await addDocument(c, 'verified', 'Giấy tờ cũ', null);
    const marriage = await addDocument(c, 'verified', 'Giấy chứng nhận kết hôn', 'GIAY_CHUNG_NHAN_KET_HON');
    const r1 = await receive(body(c, untyped));
    expect([r1.json().field, r1.json().detail]).toEqual([
      'body.components.3.storeDocumentId',
      `Tài liệu ${untyped} chưa xác định loại giấy tờ, không dùng thay cho «Giấy chứng nhận kết hôn» / Document ${untyped} has no document type, so it cannot stand in for a Marriage certificate`,
    ]);
    const r2 = await receive(body(c, undefined, marriage));
    expect([r2.json().field, r2.json().detail]).toEqual([
      'body.components.0.storeDocumentId',
      'Thành phần TK không nhận tài liệu từ kho dữ liệu (danh mục không nêu loại giấy tờ) / Component TK takes no document from the store (the catalog names no document type for it)',
    ]);
    const r3 = await receive(body(newIdNumber(), marriage));
    expect([r3.json().field, r3.json().detail]).toEqual([
      'body.components.3.storeDocumentId',
      `Tài liệu ${marriage} không có trong kho dữ liệu của người nộp / Document ${marriage} is not in this applicant's document store`,
    ]);
  });

  it('takes a document of the component’s own type', async () => {
    const c = newIdNumber();
    const marriage = await addDocument(c, 'verified', 'Giấy chứng nhận kết hôn', 'GIAY_CHUNG_NHAN_KET_HON');
    const r = await receive(body(c, marriage));
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().components.find((x: { code: string }) => x.code === 'GKH')).toMatchObject({
      source: 'store',
      storeDocumentId: marriage,
      digitized: true,
      fileSha256: scan,
    });
  });

  it('applies the same rule when a component is digitized from the store later', async () => {
    const c = newIdNumber();
    const birth = await addDocument(c, 'result', 'Giấy khai sinh', 'GIAY_KHAI_SINH');
    const marriage = await addDocument(c, 'verified', 'Giấy chứng nhận kết hôn', 'GIAY_CHUNG_NHAN_KET_HON');
    const d = (await receive(body(c))).json();
    const put = async (storeDocumentId: number) =>
      h.app.inject({
        method: 'PUT',
        url: `/dossiers/${d.code}/components/GKH`,
        headers: auth(await h.token('clerk.center')),
        payload: { version: d.version, storeDocumentId },
      });
    const wrong = await put(birth);
    expect([wrong.statusCode, wrong.json().field]).toEqual([400, 'body.storeDocumentId']);
    expect(wrong.json().detail).toContain('«Giấy khai sinh», thành phần GKH cần «Giấy chứng nhận kết hôn»');
    const right = await put(marriage);
    expect(right.statusCode, right.body).toBe(200);
    expect(right.json().components.find((x: { code: string }) => x.code === 'GKH')).toMatchObject({
      source: 'store',
      storeDocumentId: marriage,
    });
  });
});

describe('document types in the catalog', () => {
  const admin = async () => auth(await h.token('admin'));
  const importDoc = async (doc: object) => h.app.inject({ method: 'POST', url: '/catalog/import', headers: await admin(), payload: doc });

  it('refuses a component or a result naming a type the catalog does not list, naming the field', async () => {
    const doc = structuredClone(TEST_CATALOG) as CatalogDocument;
    doc.procedures[0]!.versions[1]!.components[3]!.documentType = 'GIAY_KHONG_CO';
    const r = await importDoc(doc);
    expect([r.statusCode, r.json().code, r.json().field]).toEqual([
      400,
      'VALIDATION',
      'body.procedures.0.versions.1.components.3.documentType',
    ]);
    expect(r.json().detail).toContain('unknown document type GIAY_KHONG_CO (list it in documentTypes)');
    const result = structuredClone(TEST_CATALOG) as CatalogDocument;
    result.procedures[2]!.versions[0]!.resultDocumentType = 'GIAY_KHONG_CO';
    expect((await importDoc(result)).json().field).toBe('body.procedures.2.versions.0.resultDocumentType');
    const twice = structuredClone(TEST_CATALOG) as CatalogDocument;
    twice.documentTypes!.push({ ...twice.documentTypes![0]! });
    expect((await importDoc(twice)).json()).toMatchObject({ code: 'VALIDATION', field: 'body.documentTypes.6.code' });
  });

  it('still imports a catalog without document types (its components take nothing from the store)', async () => {
    const doc = structuredClone(TEST_CATALOG) as CatalogDocument;
    delete doc.documentTypes;
    doc.procedures = [{ code: '1.000001', versions: [{ ...doc.procedures[2]!.versions[0]!, resultDocumentType: undefined as never }] }];
    delete doc.procedures[0]!.versions[0]!.resultDocumentType;
    const r = await importDoc(doc);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ documentTypes: 0, added: 1 });
  });

  it('gives a version in use its document types, and types the results archived under it', async () => {
    // A result archived from a dossier of 1.001193@2025-07-01 (a version in use) before the catalog named its type.
    const dossier = await h.database.db
      .selectFrom('dossiers as d')
      .innerJoin('procedure_versions as v', 'v.id', 'd.procedure_version_id')
      .select(['d.id', 'd.applicant_id_number'])
      .where('v.effective_from', '=', '2025-07-01')
      .orderBy('d.id')
      .limit(1)
      .executeTakeFirstOrThrow();
    const archived = await h.database.db
      .insertInto('store_documents')
      .values({
        owner_id_number: dossier.applicant_id_number,
        kind: 'result',
        title: 'Giấy khai sinh',
        blob_sha256: scan,
        issuer_unit_id: null,
        source_dossier_id: dossier.id,
        document_type: null,
        issued_at: new Date('2025-09-12T03:00:00Z'),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // The same catalog without the types of that version: only its types differ, so it may change although in use.
    const untyped = structuredClone(TEST_CATALOG) as CatalogDocument;
    untyped.procedures = [untyped.procedures[0]!];
    delete untyped.procedures[0]!.versions[1]!.resultDocumentType;
    delete untyped.procedures[0]!.versions[1]!.components[3]!.documentType;
    expect((await importDoc(untyped)).json()).toMatchObject({ unchanged: 1, typed: 1, replaced: 0 });
    const again = await importDoc(TEST_CATALOG);
    expect(again.json()).toMatchObject({ unchanged: 3, typed: 1, replaced: 0 });
    const row = await h.database.db
      .selectFrom('store_documents')
      .select('document_type')
      .where('id', '=', archived.id)
      .executeTakeFirstOrThrow();
    expect(row.document_type).toBe('GIAY_KHAI_SINH');
    // Anything else about a version in use still cannot change.
    const changed = structuredClone(TEST_CATALOG) as CatalogDocument;
    changed.procedures[0]!.versions[1]!.timeLimit = { value: 9, unit: 'working-days' };
    expect((await importDoc(changed)).json()).toMatchObject({ code: 'CONFLICT', field: 'body.procedures.0.versions.1' });
  });
});
