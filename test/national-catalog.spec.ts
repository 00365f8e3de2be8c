import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';
import { TEST_CATALOG } from './fixtures.js';
import type { NationalProcedure } from '../src/portal/portal.contract.js';
import type { PortalSimulator } from '../src/simulators/portal.simulator.js';
import { nationalRecordOf } from '../src/catalog/national.model.js';
import { startTestPortal } from './portal-fixtures.js';

// Catalog updates from the national procedure database, read through the portal: compared with ours on the governed
// fields, kept, applied by an administrator as new versions (or discarded), never behind their back.

let h: Harness;
let off: Harness;
let sim: PortalSimulator;

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const FIELD_NAMES = new Map(TEST_CATALOG.fields.map((f) => [f.code, f.nameVi]));

/** The national database as our test catalog stands (each procedure's latest version). */
function asPublished(): NationalProcedure[] {
  return TEST_CATALOG.procedures.map((p) => {
    const v = [...p.versions].sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom)).at(-1)!;
    return nationalRecordOf(p.code, v, FIELD_NAMES.get(v.fieldCode)!);
  });
}

async function publish(list: NationalProcedure[]) {
  const r = await fetch(`${sim.url}/_sim/procedures`, { method: 'PUT', body: JSON.stringify(list) });
  expect(r.status).toBe(200);
}

async function compare(harness = h) {
  return harness.app.inject({ method: 'POST', url: '/catalog/national/comparisons', headers: auth(await harness.token('admin')) });
}

async function apply(id: number, body: Record<string, unknown> = {}, user = 'admin') {
  return h.app.inject({
    method: 'POST',
    url: `/catalog/national/comparisons/${id}/apply`,
    headers: auth(await h.token(user)),
    payload: body,
  });
}

beforeAll(async () => {
  const started = await startTestPortal();
  sim = started.sim;
  const portal = started.portal;
  // 6 December 2026, Vietnam time.
  h = await createHarness('2026-12-06T09:00:00+07:00', { portal });
  off = await createHarness('2026-12-06T09:00:00+07:00');
});
afterAll(() => sim.close());

describe('catalog updates from the national procedure database', () => {
  it('finds nothing to do when the national database says what our catalog says', async () => {
    await publish(asPublished());
    const r = await compare();
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({
      status: 'pending',
      summary: {
        listed: TEST_CATALOG.procedures.length,
        changed: 0,
        new: 0,
        abolished: 0,
        invalid: 0,
        unchanged: TEST_CATALOG.procedures.length,
        localOnly: [],
      },
      items: [],
    });
  });

  let id = 0;
  it('lists each change field by field, what is new, abolished or unreadable, and what only we have', async () => {
    const list = asPublished();
    const birth = list.find((p) => p.MaTTHC === '1.001193')!;
    birth.ThoiHanGiaiQuyet = { GiaTri: 2, DonVi: 'NgayLamViec' };
    birth.ThanhPhanHoSo[0]!.TenThanhPhan = 'Tờ khai đăng ký khai sinh (mẫu mới)';
    birth.PhiLePhi = [{ TenPhiLePhi: 'Lệ phí đăng ký khai sinh', MucPhi: 8_000 }];
    birth.NgayHieuLuc = '20270101';
    const others = list.filter((p) => p.MaTTHC !== '1.001193');
    const abolished = { ...others[0]!, TinhTrang: 'BaiBo' as const };
    const dropped = others[1]!.MaTTHC; // no longer listed nationally
    const newCommune: NationalProcedure = {
      ...birth,
      MaTTHC: '1.999001',
      TenTTHC: 'Thủ tục xác nhận mới',
      MaLinhVuc: 'TP',
      TenLinhVuc: 'Tư pháp',
      NgayHieuLuc: '20261215',
      PhiLePhi: [],
    };
    const newProvince: NationalProcedure = { ...newCommune, MaTTHC: '2.999002', TenTTHC: 'Thủ tục cấp tỉnh mới', CapThucHien: 'TINH' };
    const broken = { ...newCommune, MaTTHC: '1.999003', ThoiHanGiaiQuyet: { GiaTri: 0, DonVi: 'NgayLamViec' as const } };
    await publish([birth, abolished, ...others.slice(2), newCommune, newProvince, broken]);
    const r = await compare();
    expect(r.statusCode).toBe(201);
    const c = r.json() as { id: number; summary: Record<string, unknown>; items: Record<string, unknown>[] };
    id = c.id;
    expect(c.summary).toEqual({
      listed: TEST_CATALOG.procedures.length + 2,
      changed: 1,
      new: 2,
      abolished: 1,
      invalid: 1,
      unchanged: TEST_CATALOG.procedures.length - 3,
      localOnly: [dropped],
    });
    const changed = c.items.find((i) => i.code === '1.001193') as {
      kind: string;
      basedOn: string;
      effectiveFrom: string;
      changes: { field: string; ours: unknown; national: unknown }[];
      version: { timeLimit: unknown; steps: unknown; nameEn: string; components: { code: string; nameEn: string; supply: string }[] };
    };
    expect(changed.kind).toBe('changed');
    expect(changed.basedOn).toBe('2025-07-01');
    // The national date is after our latest version: the new version takes effect then.
    expect(changed.effectiveFrom).toBe('2027-01-01');
    expect(changed.changes.map((x) => x.field)).toEqual(['timeLimit', 'fees', 'components']);
    expect(changed.changes[0]).toEqual({
      field: 'timeLimit',
      ours: { value: 1, unit: 'working-days' },
      national: { value: 2, unit: 'working-days' },
    });
    // What is the province's stays: its English names, steps, the supply of each component.
    expect(changed.version.nameEn).toBe('Birth registration');
    expect(changed.version.components.find((x) => x.code === 'CCCD')).toMatchObject({
      supply: 'population_db',
      nameEn: 'ID card of the declarant',
    });
    expect(c.items.find((i) => i.code === '1.999001')).toMatchObject({
      kind: 'new',
      level: 'commune',
      needsAgency: false,
      effectiveFrom: '2026-12-15',
    });
    expect(c.items.find((i) => i.code === '2.999002')).toMatchObject({ kind: 'new', level: 'province', needsAgency: true });
    expect(c.items.find((i) => i.code === abolished.MaTTHC)).toMatchObject({ kind: 'abolished' });
    expect(c.items.find((i) => i.code === '1.999003')).toMatchObject({
      kind: 'invalid',
      problem: expect.stringMatching(/ThoiHanGiaiQuyet/),
    });
    // Nothing in the catalog changed yet.
    expect((await h.services.catalog.versionOn('1.001193', new Date('2027-02-01T00:00:00Z'))).body.timeLimit).toEqual({
      value: 1,
      unit: 'working-days',
    });
  });

  it('refuses to apply what cannot be applied, whole: a new province procedure without its department, an unknown code', async () => {
    const a = await apply(id, { codes: ['1.001193', '2.999002'] });
    expect(a.statusCode).toBe(400);
    expect(a.json()).toMatchObject({ code: 'VALIDATION', field: 'body.codes' });
    expect(a.json().detail).toMatch(/2\.999002.*department/);
    const b = await apply(id, { codes: ['1.234567'] });
    expect(b.statusCode).toBe(400);
    expect(b.json().detail).toMatch(/1\.234567/);
    const bad = await apply(id, { agencies: { '2.999002': 'NO-SUCH-DEPT' }, codes: ['2.999002'] });
    // The catalog import validates the version as any import: the department must exist.
    expect(bad.statusCode).toBe(400);
    // Nothing of the comparison was applied.
    expect((await h.services.catalog.exportCatalog()).procedures.map((p) => p.code)).not.toContain('1.999001');
  });

  it('every role but the administrator is refused each action', async () => {
    for (const u of ['manager.center', 'clerk.center', 'spec.stp', 'appr.stp']) {
      const t = auth(await h.token(u));
      expect((await h.app.inject({ method: 'POST', url: '/catalog/national/comparisons', headers: t })).statusCode).toBe(403);
      expect((await h.app.inject({ method: 'GET', url: '/catalog/national/comparisons', headers: t })).statusCode).toBe(403);
      expect((await h.app.inject({ method: 'GET', url: `/catalog/national/comparisons/${id}`, headers: t })).statusCode).toBe(403);
      expect((await apply(id, {}, u)).statusCode).toBe(403);
      expect((await h.app.inject({ method: 'POST', url: `/catalog/national/comparisons/${id}/discard`, headers: t })).statusCode).toBe(403);
    }
    expect((await h.app.inject({ method: 'POST', url: '/catalog/national/comparisons' })).statusCode).toBe(401);
  });

  it('applies the chosen procedures as new versions, audited, once', async () => {
    const r = await apply(id, { agencies: { '2.999002': 'STP' } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ id, codes: ['1.001193', '1.999001', '2.999002'], added: 3, replaced: 0, unchanged: 0 });
    const birth = await h.services.catalog.versionOn('1.001193', new Date('2027-02-01T00:00:00Z'));
    expect(birth.body.timeLimit).toEqual({ value: 2, unit: 'working-days' });
    expect(birth.body.fees).toEqual([{ nameVi: 'Lệ phí đăng ký khai sinh', nameEn: 'Lệ phí đăng ký khai sinh', amountVnd: 8_000 }]);
    // Until 2027 the version in force is still ours.
    expect((await h.services.catalog.versionOn('1.001193', new Date('2026-12-20T00:00:00Z'))).body.timeLimit).toEqual({
      value: 1,
      unit: 'working-days',
    });
    const added = await h.services.catalog.versionOn('2.999002', new Date('2026-12-20T00:00:00Z'));
    expect(added.body).toMatchObject({ level: 'province', agencyKey: 'STP', nameVi: 'Thủ tục cấp tỉnh mới' });
    // The new field came with the new procedures.
    expect((await h.services.catalog.listFields()).find((f) => f.code === 'TP')).toEqual({
      code: 'TP',
      nameVi: 'Tư pháp',
      nameEn: 'Tư pháp',
    });
    const again = await apply(id);
    expect(again.statusCode).toBe(409);
    const view = await h.app.inject({ method: 'GET', url: `/catalog/national/comparisons/${id}`, headers: auth(await h.token('admin')) });
    expect(view.json()).toMatchObject({ status: 'applied', applied: { codes: ['1.001193', '1.999001', '2.999002'], added: 3 } });
    const audits = await h.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_type', 'in', ['catalog_import', 'catalog'])
      .execute();
    expect(audits.map((a) => a.action).filter((a) => a === 'catalog.national_apply')).toHaveLength(1);
    expect(audits.map((a) => a.action)).toContain('catalog.national_fetch');
  });

  it('refuses a comparison made before our catalog changed, and discards one', async () => {
    const list = asPublished();
    list.find((p) => p.MaTTHC === '1.001193')!.TenKetQua = 'Giấy khai sinh (bản điện tử)';
    await publish(list);
    const c = (await compare()).json() as { id: number; items: { code: string; kind: string }[] };
    expect(c.items.find((i) => i.code === '1.001193')?.kind).toBe('changed');
    // Someone imports a version of 1.001193 meanwhile.
    const doc = await h.services.catalog.exportCatalog();
    const p = doc.procedures.find((x) => x.code === '1.001193')!;
    const latest = [...p.versions].sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom)).at(-1)!;
    await h.services.catalog.importCatalog(null, {
      ...doc,
      procedures: [{ code: p.code, versions: [{ ...latest, effectiveFrom: '2027-06-01' }] }],
    });
    const stale = await apply(c.id, { codes: ['1.001193'] });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().detail).toMatch(/1\.001193/);
    const t = auth(await h.token('admin'));
    expect((await h.app.inject({ method: 'POST', url: `/catalog/national/comparisons/${c.id}/discard`, headers: t })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'POST', url: `/catalog/national/comparisons/${c.id}/discard`, headers: t })).statusCode).toBe(409);
    const listed = (await h.app.inject({ method: 'GET', url: '/catalog/national/comparisons', headers: t })).json() as {
      id: number;
      status: string;
    }[];
    expect(listed.map((x) => [x.id, x.status]).slice(0, 2)).toEqual([
      [c.id, 'discarded'],
      [id, 'applied'],
    ]);
  });

  it('answers 503 when the portal is away and 409 when there is none, keeping nothing', async () => {
    const before = await h.count('catalog_imports');
    await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ downForMs: 60_000 }) });
    const away = await compare();
    await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ downForMs: 0 }) });
    expect(away.statusCode).toBe(503);
    expect(away.json()).toMatchObject({ code: 'NATIONAL_SERVICE_UNAVAILABLE' });
    expect(await h.count('catalog_imports')).toBe(before);
    const none = await compare(off);
    expect(none.statusCode).toBe(409);
  });
});
