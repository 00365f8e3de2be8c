import { describe, it, expect, beforeAll } from 'vitest';
import { createHarness, applicant, newIdNumber, type Harness } from './harness.js';
import { TEST_CATALOG } from './fixtures.js';
import type { CatalogDocument, ProcedureVersionInput } from '../src/catalog/catalog.schema.js';

let h: Harness;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

const steps = TEST_CATALOG.procedures[0]!.versions[0]!.steps;
const form = [
  { code: 'TK', nameVi: 'Tờ khai', nameEn: 'Form', form: 'original' as const, count: 1, required: true, supply: 'upload' as const },
];

function version(nameVi: string, nameEn: string, fieldCode: string, over: Partial<ProcedureVersionInput> = {}): ProcedureVersionInput {
  return {
    effectiveFrom: '2024-01-01',
    nameVi,
    nameEn,
    fieldCode,
    level: 'commune',
    agencyKey: null,
    components: form,
    fees: [],
    timeLimit: { value: 5, unit: 'working-days' },
    fastTrack: null,
    online: 'full',
    nonTerritorial: true,
    resultNameVi: 'Kết quả',
    resultNameEn: 'Result',
    steps,
    ...over,
  };
}

/** Neighbours of the test procedures in a real catalog: names that share words, so ranking matters. */
const NEIGHBOURS: CatalogDocument = {
  format: 'motcua.catalog/1',
  fields: [],
  procedures: [
    { code: '1.000894', versions: [version('Thủ tục đăng ký kết hôn', 'Marriage registration', 'HT')] },
    { code: '1.000656', versions: [version('Thủ tục đăng ký khai tử', 'Death registration', 'HT')] },
    { code: '1.004884', versions: [version('Thủ tục đăng ký lại khai sinh', 'Re-registration of a birth', 'HT')] },
    {
      code: '1.001695',
      versions: [version('Thủ tục đăng ký khai sinh có yếu tố nước ngoài', 'Birth registration with a foreign element', 'HT')],
    },
    {
      code: '1.001023',
      versions: [
        version(
          'Liên thông thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi',
          'Joint birth, residence and health insurance registration for children under 6',
          'HT',
        ),
      ],
    },
    {
      code: '2.000884',
      versions: [version('Chứng thực chữ ký trong các giấy tờ, văn bản', 'Certification of a signature', 'CT', { nonTerritorial: false })],
    },
    // Not in force until 1 July 2025.
    {
      code: '1.013001',
      versions: [version('Thủ tục cấp bản sao trích lục hộ tịch', 'Copy of a civil status extract', 'HT', { effectiveFrom: '2025-07-01' })],
    },
  ],
};

async function search(query: string): Promise<{ code: string; nameVi: string; score: number; effectiveFrom: string }[]> {
  const r = await h.app.inject({ method: 'GET', url: `/procedures?${query}` });
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
}
const q = (text: string) => search(`q=${encodeURIComponent(text)}`);
const codes = (rows: { code: string }[]) => rows.map((r) => r.code);

async function counts() {
  const n = async (t: 'fields' | 'procedures' | 'procedure_versions') =>
    Number(
      (
        await h.database.db
          .selectFrom(t)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const audit = await h.database.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('action', '=', 'catalog.import')
    .executeTakeFirstOrThrow();
  return {
    fields: await n('fields'),
    procedures: await n('procedures'),
    versions: await n('procedure_versions'),
    imports: Number(audit.n),
  };
}

async function importAs(user: string | null, doc: unknown) {
  return h.app.inject({
    method: 'POST',
    url: '/catalog/import',
    headers: user ? auth(await h.token(user)) : {},
    payload: doc as Record<string, unknown>,
  });
}

// Not structuredClone: the fixtures share one steps array, which it would keep shared.
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

beforeAll(async () => {
  h = await createHarness('2025-03-14T10:00:00+07:00');
  await h.services.catalog.importCatalog(null, NEIGHBOURS);
  // A dossier received today uses 1.001193 as in force since 2023: that version may no longer change.
  const clerk = await h.token('clerk.hai');
  const file = await h.upload(clerk);
  const r = await h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: auth(clerk),
    payload: {
      procedureCode: '1.001193',
      applicant: applicant('14002', { idNumber: newIdNumber() }),
      components: [{ code: 'TK', source: 'upload', fileSha256: file }],
    },
  });
  expect(r.json()).toMatchObject({ procedure: { versionEffectiveFrom: '2023-01-01' } });
});

describe('searching the catalog', () => {
  it('ignores diacritics and ranks the procedure named by the words first', async () => {
    const r = await q('dang ky khai sinh');
    expect(r[0]).toMatchObject({ code: '1.001193', nameVi: 'Thủ tục đăng ký khai sinh', score: 1 });
    expect(codes(r)).toEqual(expect.arrayContaining(['1.001695', '1.001023']));
    expect(codes(await q('Đăng ký khai sinh'))[0]).toBe('1.001193');
    expect(codes(await q('khai sinh co yeu to nuoc ngoai'))[0]).toBe('1.001695');
    expect(codes(await q('dang ky ket hon'))[0]).toBe('1.000894');
    expect(codes(await q('ly lich tu phap'))[0]).toBe('2.000488');
    expect(codes(await q('chung thuc ban sao'))[0]).toBe('2.000815');
  });

  it('tolerates a letter missing or wrong', async () => {
    expect(codes(await q('chun thuc ban sao'))[0]).toBe('2.000815');
    expect(codes(await q('chun thuc'))).toContain('2.000815');
    expect(codes(await q('dang ki khai sinh'))[0]).toBe('1.001193');
    expect(codes(await q('ly lich tu phapp'))[0]).toBe('2.000488');
  });

  it('finds nothing for a nonsense query', async () => {
    expect(await q('xyzzy qwerty')).toEqual([]);
    expect(await q('zzzz')).toEqual([]);
  });

  it('finds a procedure by its national code, and nothing for a code not in the catalog', async () => {
    const r = await q('2.000488');
    expect(r).toMatchObject([{ code: '2.000488', nameVi: 'Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam', score: 1 }]);
    expect(codes(await q('2.0008'))).toEqual(['2.000815', '2.000884']);
    expect(await q('2.000489')).toEqual([]);
    expect(await q('1.004885')).toEqual([]);
  });

  it('filters by level and by field, alone or with a query', async () => {
    expect(codes(await search('level=province'))).toEqual(['2.000488']);
    expect(codes(await search('field=CT'))).toEqual(['2.000815', '2.000884']);
    expect(codes(await search('field=CT&level=province'))).toEqual([]);
    expect(codes(await search(`field=HT&q=${encodeURIComponent('chung thuc')}`))).toEqual([]);
    expect(codes(await search(`field=CT&q=${encodeURIComponent('chu ky')}`))).toEqual(['2.000884']);
    const bad = await h.app.inject({ method: 'GET', url: '/procedures?level=district' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION', field: 'querystring.level' });
  });

  it('lists only procedures in force today, and a new one from its effective date', async () => {
    expect(codes(await q('trich luc ho tich'))).toEqual([]);
    expect(codes(await search('field=HT'))).not.toContain('1.013001');
    h.clock.set('2025-07-01T00:00:00+07:00');
    expect(codes(await q('trich luc ho tich'))).toEqual(['1.013001']);
    h.clock.set('2025-03-14T10:00:00+07:00');
  });
});

describe('versions of a procedure', () => {
  it('shows the version in force today and every version', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/procedures/1.001193' });
    expect(r.statusCode).toBe(200);
    const p = r.json();
    expect(p.version).toMatchObject({
      effectiveFrom: '2023-01-01',
      timeLimit: { value: 3, unit: 'working-days' },
      components: [{ code: 'TK' }],
    });
    expect(p.versions.map((v: { effectiveFrom: string }) => v.effectiveFrom)).toEqual(['2023-01-01', '2025-07-01']);
    expect(p.versionId).toBe(p.versions[0].versionId);
    expect(p.filing).toContain('bất kỳ');
    h.clock.set('2025-06-30T23:59:59+07:00');
    expect((await h.app.inject({ method: 'GET', url: '/procedures/1.001193' })).json().version.effectiveFrom).toBe('2023-01-01');
    h.clock.set('2025-07-01T00:00:00+07:00');
    const later = (await h.app.inject({ method: 'GET', url: '/procedures/1.001193' })).json();
    expect(later.version).toMatchObject({ effectiveFrom: '2025-07-01', timeLimit: { value: 1, unit: 'working-days' } });
    expect(later.versionId).toBe(p.versions[1].versionId);
    h.clock.set('2025-03-14T10:00:00+07:00');
  });

  it('answers 404 for an unknown procedure and for one not yet in force', async () => {
    const unknown = await h.app.inject({ method: 'GET', url: '/procedures/9.999999' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'NOT_FOUND', field: 'params.code' });
    const future = await h.app.inject({ method: 'GET', url: '/procedures/1.013001' });
    expect(future.statusCode).toBe(404);
    expect(future.json()).toMatchObject({ code: 'NOT_FOUND', field: 'params.code' });
  });

  it('picks the version in force on a given day', async () => {
    const before = await h.services.catalog.versionOn('1.001193', new Date('2025-06-30T16:59:59Z'));
    expect(before).toMatchObject({ code: '1.001193', effectiveFrom: '2023-01-01' });
    const after = await h.services.catalog.versionOn('1.001193', new Date('2025-06-30T17:00:00Z'));
    expect(after.effectiveFrom).toBe('2025-07-01');
    await expect(h.services.catalog.versionOn('1.001193', new Date('2022-12-31T12:00:00Z'))).rejects.toMatchObject({
      code: 'UNKNOWN_PROCEDURE',
    });
  });

  it('keeps a dossier under the version it was received with after a new version takes effect', async () => {
    const clerk = auth(await h.token('clerk.branch'));
    const file = await h.upload(await h.token('clerk.branch'));
    const r = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: clerk,
      payload: {
        procedureCode: '1.001193',
        applicant: applicant('14002', { idNumber: newIdNumber() }),
        components: [{ code: 'TK', source: 'upload', fileSha256: file }],
      },
    });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ procedure: { versionEffectiveFrom: '2023-01-01' }, timeLimit: { value: 3, unit: 'working-days' } });
    h.clock.set('2025-07-02T09:00:00+07:00');
    const later = (await h.app.inject({ method: 'GET', url: `/dossiers/${r.json().code}`, headers: clerk })).json();
    expect(later).toMatchObject({
      procedure: { versionEffectiveFrom: '2023-01-01' },
      timeLimit: { value: 3, unit: 'working-days' },
      dueAt: r.json().dueAt,
    });
    expect(later.components.map((c: { code: string }) => c.code)).toEqual(['TK']);
    // The old version asks only for the form, so the dossier can move on without the new components.
    const f = await h.app.inject({
      method: 'POST',
      url: `/dossiers/${r.json().code}/forward`,
      headers: clerk,
      payload: { version: later.version },
    });
    expect(f.statusCode, f.body).toBe(200);
    const fresh = await h.app.inject({
      method: 'POST',
      url: '/dossiers',
      headers: clerk,
      payload: {
        procedureCode: '1.001193',
        applicant: applicant('14002', { idNumber: newIdNumber() }),
        components: [{ code: 'TK', source: 'upload', fileSha256: file }],
      },
    });
    expect(fresh.statusCode).toBe(400);
    expect(fresh.json()).toMatchObject({ code: 'VALIDATION', field: 'body.components', details: { missing: ['GCS', 'CCCD'] } });
    h.clock.set('2025-03-14T10:00:00+07:00');
  });
});

describe('exporting and importing the catalog', () => {
  it('round-trips: the export imported again changes nothing', async () => {
    const exported = (await h.app.inject({ method: 'GET', url: '/catalog/export' })).json() as CatalogDocument;
    expect(exported.procedures.map((p) => p.code)).toEqual([
      '1.000656',
      '1.000894',
      '1.001023',
      '1.001193',
      '1.001695',
      '1.004884',
      '1.013001',
      '2.000488',
      '2.000815',
      '2.000884',
    ]);
    expect(exported.fields).toEqual(TEST_CATALOG.fields.slice().sort((a, b) => a.code.localeCompare(b.code)));
    expect(exported.documentTypes).toEqual(TEST_CATALOG.documentTypes!.slice().sort((a, b) => a.code.localeCompare(b.code)));
    expect(exported.procedures.find((p) => p.code === '2.000488')).toEqual(TEST_CATALOG.procedures[1]);
    const before = await counts();
    const r = await importAs('admin', exported);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ fields: 3, documentTypes: 6, procedures: 10, added: 0, unchanged: 11, replaced: 0, typed: 0 });
    expect(await counts()).toEqual({ ...before, imports: before.imports + 1 });
    expect((await h.app.inject({ method: 'GET', url: '/catalog/export' })).json()).toEqual(exported);
  });

  it('recognises the original document as unchanged, even for a version a dossier uses', async () => {
    const r = await importAs('admin', TEST_CATALOG);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ fields: 3, documentTypes: 6, procedures: 3, added: 0, unchanged: 4, replaced: 0, typed: 0 });
  });

  it('adds a new version beside one in use, and replaces a version nobody uses', async () => {
    const doc = clone(NEIGHBOURS);
    doc.procedures = [clone(NEIGHBOURS.procedures[0]!)];
    doc.procedures[0]!.versions.push(
      version('Thủ tục đăng ký kết hôn', 'Marriage registration', 'HT', {
        effectiveFrom: '2026-01-01',
        timeLimit: { value: 3, unit: 'working-days' },
      }),
    );
    doc.procedures[0]!.versions[0]!.timeLimit = { value: 4, unit: 'working-days' };
    const r = await importAs('admin', doc);
    expect(r.json()).toEqual({ fields: 0, documentTypes: 0, procedures: 1, added: 1, unchanged: 0, replaced: 1, typed: 0 });
    const p = (await h.app.inject({ method: 'GET', url: '/procedures/1.000894' })).json();
    expect(p.version.timeLimit).toEqual({ value: 4, unit: 'working-days' });
    expect(p.versions.map((v: { effectiveFrom: string }) => v.effectiveFrom)).toEqual(['2024-01-01', '2026-01-01']);
    const audit = await h.database.db
      .selectFrom('audit_log')
      .select(['actor_kind', 'action', 'payload'])
      .where('action', '=', 'catalog.import')
      .where('actor_kind', '=', 'staff')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    expect(audit.actor_kind).toBe('staff');
    expect(JSON.parse(audit.payload).data).toEqual({
      fields: 0,
      documentTypes: 0,
      procedures: 1,
      added: 1,
      unchanged: 0,
      replaced: 1,
      typed: 0,
    });
  });

  const broken: [string, (doc: CatalogDocument) => void, number, string, string, string][] = [
    [
      'step shares that do not add up to 1',
      (d) => {
        d.procedures[2]!.versions[0]!.steps[1]!.share = 0.5;
      },
      400,
      'VALIDATION',
      'body.procedures.2.versions.0.steps',
      'step shares add up to 0.900, not 1',
    ],
    [
      'an unknown competent agency',
      (d) => {
        d.procedures[1]!.versions[0]!.agencyKey = 'SGTVT';
      },
      400,
      'VALIDATION',
      'body.procedures.1.versions.0.agencyKey',
      'unknown agency SGTVT',
    ],
    [
      'a step at an unknown agency',
      (d) => {
        d.procedures[1]!.versions[0]!.steps[2]!.agency = 'BHXH';
      },
      400,
      'VALIDATION',
      'body.procedures.1.versions.0.steps.2.agency',
      'step at unknown agency BHXH',
    ],
    [
      'a component code used twice',
      (d) => {
        d.procedures[1]!.versions[0]!.components[1]!.code = 'TK';
      },
      400,
      'VALIDATION',
      'body.procedures.1.versions.0.components.1.code',
      'component code TK appears twice',
    ],
    [
      'an unknown field',
      (d) => {
        d.procedures[0]!.versions[1]!.fieldCode = 'XX';
      },
      400,
      'VALIDATION',
      'body.procedures.0.versions.1.fieldCode',
      'unknown field XX',
    ],
    [
      'a count given as text',
      (d) => {
        (d.procedures[0]!.versions[0]!.components[0] as { count: unknown }).count = '1';
      },
      400,
      'VALIDATION',
      'body.procedures.0.versions.0.components.0.count',
      'must be integer',
    ],
    [
      'a missing result name',
      (d) => {
        delete (d.procedures[2]!.versions[0] as Partial<ProcedureVersionInput>).resultNameVi;
      },
      400,
      'VALIDATION',
      'body.procedures.2.versions.0.resultNameVi',
      'resultNameVi',
    ],
    [
      'an unknown time unit',
      (d) => {
        (d.procedures[2]!.versions[0]!.timeLimit as { unit: string }).unit = 'weeks';
      },
      400,
      'VALIDATION',
      'body.procedures.2.versions.0.timeLimit.unit',
      'timeLimit.unit',
    ],
    [
      'a malformed procedure code',
      (d) => {
        d.procedures[2]!.code = '2000815';
      },
      400,
      'VALIDATION',
      'body.procedures.2.code',
      'pattern',
    ],
    [
      'two versions on the same day',
      (d) => {
        d.procedures[0]!.versions[1]!.effectiveFrom = '2023-01-01';
      },
      400,
      'VALIDATION',
      'body.procedures.0.versions.1.effectiveFrom',
      'two versions share an effective date',
    ],
    [
      'a change to a version a dossier uses',
      (d) => {
        d.procedures[0]!.versions[0]!.timeLimit.value = 2;
      },
      409,
      'CONFLICT',
      'body.procedures.0.versions.0',
      'is used by dossiers and cannot change',
    ],
  ];

  it.each(broken)('rejects %s, names the field and stores nothing', async (_label, breakIt, status, errorCode, field, detail) => {
    const doc = clone(TEST_CATALOG);
    // Also carries a new field and a new procedure, which must not be stored either.
    doc.fields.push({ code: 'DD', nameVi: 'Đất đai', nameEn: 'Land' });
    doc.procedures.push({ code: '1.999999', versions: [version('Thủ tục mới', 'New procedure', 'DD')] });
    breakIt(doc);
    const before = await counts();
    const exportBefore = (await h.app.inject({ method: 'GET', url: '/catalog/export' })).json();
    const r = await importAs('admin', doc);
    expect(r.statusCode, r.body).toBe(status);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json()).toMatchObject({ code: errorCode, field });
    expect(r.json().detail).toContain(detail);
    expect(await counts()).toEqual(before);
    expect((await h.app.inject({ method: 'GET', url: '/catalog/export' })).json()).toEqual(exportBefore);
  });

  it('lets only an administrator import', async () => {
    const before = await counts();
    for (const user of ['clerk.center', 'manager.center', 'spec.stp', 'appr.stp']) {
      const r = await importAs(user, TEST_CATALOG);
      expect(r.statusCode).toBe(403);
      expect(r.json().code).toBe('FORBIDDEN');
    }
    const anonymous = await importAs(null, TEST_CATALOG);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('UNAUTHENTICATED');
    expect(await counts()).toEqual(before);
  });
});
