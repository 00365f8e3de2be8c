import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, newIdNumber, type Harness } from './harness.js';
import type { PortalSimulator } from '../src/simulators/portal.simulator.js';
import { samplePdf } from '../src/demo/demo.model.js';
import { startTestPortal } from './portal-fixtures.js';

// Portal sync, inward: dossiers citizens filed on the portal become dossiers here (status 1 at the point their
// procedure routes to, with their files), are confirmed to the portal once, enter the normal flow, and the citizen's
// portal account sees each change through the outward sync; what the province cannot take is refused with the reason.

let h: Harness;
let sim: PortalSimulator;

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const b64 = (title: string) => samplePdf(title).toString('base64');

/** The birth registration of the test catalog, filed at the portal by a citizen of Xã Hai (14002). */
function filing(over: Record<string, unknown> = {}) {
  return {
    MaTTHC: '1.001193',
    MaDonViTiepNhan: '',
    MaXa: '14002',
    ChuHoSo: 'Trần Thị Bình',
    MaDoiTuong: newIdNumber(),
    SoDienThoai: '0987654321',
    Email: 'binh@example.vn',
    DiaChiThuongTru: 'Thôn Hai, Xã Hai',
    TrichYeuHoSo: 'Đăng ký khai sinh cho con',
    TaiKhoanDuocXacThucVoiVNeID: 1,
    TaiLieuNop: [
      { MaThanhPhanHoSo: 'TK', TenTepDinhKem: 'to-khai.pdf', base64: b64('to khai') },
      { MaThanhPhanHoSo: 'GCS', TenTepDinhKem: 'giay-chung-sinh.pdf', base64: b64('giay chung sinh') },
    ],
    ...over,
  };
}

async function file(over: Record<string, unknown> = {}): Promise<{ MaHoSoQG: string; MaDoiTuong: string }> {
  const res = await fetch(`${sim.url}/_sim/submit`, { method: 'POST', body: JSON.stringify(filing(over)) });
  expect(res.status).toBe(200);
  return (await res.json()) as { MaHoSoQG: string; MaDoiTuong: string };
}

async function atPortal(portalId: string) {
  return (await (await fetch(`${sim.url}/_sim/submitted/${portalId}`)).json()) as {
    confirmedAs: string | null;
    confirmations: number;
    province: { MaHoSo: string | null; TrangThaiHoSo: string | null; QuaTrinhXuLy: { TrangThai: string }[] };
  };
}

async function dossierOf(portalId: string) {
  return h.database.db.selectFrom('dossiers').selectAll().where('portal_id', '=', portalId).execute();
}

beforeAll(async () => {
  const started = await startTestPortal();
  sim = started.sim;
  const portal = started.portal;
  h = await createHarness('2025-09-08T09:00:00+07:00', { portal });
});
afterAll(() => sim.close());
beforeEach(async () => {
  await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ failRate: 0, downForMs: 0, dropAnswerRate: 0 }) });
});

describe('portal sync, inward: the portal’s new dossiers', () => {
  let portalId = '';
  let code = '';

  it('makes a portal dossier a dossier here once: status 1 at the routed point, its files, the VNeID flag, confirmed', async () => {
    const f = await file();
    portalId = f.MaHoSoQG;
    const r = await h.services.portalInbound.pullNew();
    expect(r).toEqual({ listed: 1, created: 1, confirmed: 1, refused: 0, skipped: 0, unconfirmed: 0, unavailable: null });
    const [d, ...more] = await dossierOf(portalId);
    expect(more).toEqual([]);
    code = d!.code;
    // Birth registration is a commune procedure: received at Xã Hai's center, whatever the portal's agency field.
    expect(d).toMatchObject({
      status: 'submitted',
      portal_status: 1,
      channel: 2,
      receiving_unit_id: h.unit('X-HAI-TT'),
      competent_agency_id: h.unit('X-HAI-UB'),
      return_point_id: h.unit('X-HAI-TT'),
      applicant_id_number: f.MaDoiTuong,
      applicant_name: 'Trần Thị Bình',
      applicant_phone: '0987654321',
      applicant_email: 'binh@example.vn',
      applicant_commune_code: '14002',
      vneid_authenticated: true,
      received_at: null,
      due_at: null,
    });
    expect(code).toMatch(/^000\.20\.02\.H40-250908-\d{4}$/);
    const comps = await h.database.db
      .selectFrom('dossier_components')
      .select(['component_code', 'source', 'digitized', 'blob_sha256'])
      .where('dossier_id', '=', d!.id)
      .orderBy('id')
      .execute();
    expect(comps.map((c) => [c.component_code, c.source, c.digitized, c.blob_sha256 !== null])).toEqual([
      ['TK', 'upload', true, true],
      ['GCS', 'upload', true, true],
      // The portal sends no file for what the population database holds: it is looked up here.
      ['CCCD', 'population_db', true, false],
    ]);
    // The files are the portal's bytes, stored here.
    const tk = await h.blobs.get(comps[0]!.blob_sha256!);
    expect(Buffer.from(tk!).equals(samplePdf('to khai'))).toBe(true);
    const [ev] = await h.database.db.selectFrom('dossier_events').selectAll().where('dossier_id', '=', d!.id).execute();
    expect(ev).toMatchObject({ action: 'submit_online', to_status: 'submitted', actor_kind: 'citizen' });
    expect(ev!.data).toEqual({ portalId, vneidAuthenticated: true });
    const p = await atPortal(portalId);
    expect(p.confirmedAs).toBe(code);
    expect(p.confirmations).toBe(1);
  });

  it('a second pull takes nothing again: the portal no longer lists a confirmed dossier', async () => {
    const r = await h.services.portalInbound.pullNew();
    expect(r).toEqual({ listed: 0, created: 0, confirmed: 0, refused: 0, skipped: 0, unconfirmed: 0, unavailable: null });
    expect(await dossierOf(portalId)).toHaveLength(1);
  });

  it('a confirmation lost on the way is sent again, and the dossier is not made twice', async () => {
    const f = await file();
    await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ dropAnswerRate: 1 }) });
    const first = await h.services.portalInbound.pullNew();
    // The portal took the confirmation but its answer was lost: for us, unreachable.
    expect(first.created).toBe(1);
    expect(first.unavailable).toMatch(/502/);
    await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ dropAnswerRate: 0 }) });
    // The portal holds it as confirmed: it is not listed again, and nothing is doubled.
    const second = await h.services.portalInbound.pullNew();
    expect(second).toMatchObject({ created: 0, refused: 0 });
    expect(await dossierOf(f.MaHoSoQG)).toHaveLength(1);
    expect((await atPortal(f.MaHoSoQG)).confirmedAs).toBe((await dossierOf(f.MaHoSoQG))[0]!.code);
  });

  it('a portal away stops the pull and takes nothing half: the next pull does it all', async () => {
    const f = await file();
    await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ downForMs: 60_000 }) });
    const away = await h.services.portalInbound.pullNew();
    expect(away.created).toBe(0);
    expect(away.unavailable).toMatch(/503|unreachable|away/i);
    expect(await dossierOf(f.MaHoSoQG)).toHaveLength(0);
    await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ downForMs: 0 }) });
    const back = await h.services.portalInbound.pullNew();
    expect(back).toMatchObject({ created: 1, confirmed: 1, unavailable: null });
  });

  it('the clerk receives it like any online dossier, and the citizen’s portal account sees each status', async () => {
    const clerk = await h.token('clerk.hai');
    const inbox = await h.app.inject({ method: 'GET', url: '/dossiers?status=submitted', headers: auth(clerk) });
    expect(inbox.statusCode).toBe(200);
    expect((inbox.json() as { code: string }[]).map((d) => d.code)).toContain(code);
    const rec = await h.app.inject({ method: 'POST', url: `/dossiers/${code}/receive`, headers: auth(clerk), payload: { version: 1 } });
    expect(rec.statusCode).toBe(200);
    expect(rec.json()).toMatchObject({ status: 'received', portalStatus: 2 });
    expect(await h.services.portal.deliverDue()).toMatchObject({ unavailable: null });
    const p = await atPortal(portalId);
    expect(p.province.MaHoSo).toBe(code);
    expect(p.province.TrangThaiHoSo).toBe('2');
    expect(p.province.QuaTrinhXuLy.map((e) => e.TrangThai)).toEqual(['1', '2']);
    const account = (await (await fetch(`${sim.url}/_sim/accounts/${(await dossierOf(portalId))[0]!.applicant_id_number}`)).json()) as {
      MaHoSoQG: string;
      MaHoSo: string;
      TrangThaiHoSo: string;
    }[];
    expect(account).toEqual([expect.objectContaining({ MaHoSoQG: portalId, MaHoSo: code, TrangThaiHoSo: '2' })]);
  });

  it('refuses what it cannot take, with the portal’s field and the reason, once; skips it after; an administrator asks again', async () => {
    const unknown = await file({ MaTTHC: '9.999999' });
    const badId = await file({ MaDoiTuong: '12345' });
    const missing = await file({ TaiLieuNop: [{ MaThanhPhanHoSo: 'TK', TenTepDinhKem: 'to-khai.pdf', base64: b64('chỉ tờ khai') }] });
    const notPdf = await file({
      TaiLieuNop: [
        { MaThanhPhanHoSo: 'TK', TenTepDinhKem: 'to-khai.exe', base64: Buffer.from('MZ\x90\x00 not a document').toString('base64') },
        { MaThanhPhanHoSo: 'GCS', TenTepDinhKem: 'gcs.pdf', base64: b64('gcs') },
      ],
    });
    const outside = await file({ MaXa: '99999' });
    const before = await h.count('dossiers');
    const r = await h.services.portalInbound.pullNew();
    expect(r).toEqual({ listed: 5, created: 0, confirmed: 0, refused: 5, skipped: 0, unconfirmed: 0, unavailable: null });
    expect(await h.count('dossiers')).toBe(before);
    const state = await h.services.portalInbound.state(100);
    const by = new Map(state.refusals.map((x) => [x.portalId, x]));
    expect(by.get(unknown.MaHoSoQG)).toMatchObject({
      reasonCode: 'UNKNOWN_PROCEDURE',
      field: 'MaTTHC',
      procedureCode: '9.999999',
      attempts: 1,
    });
    expect(by.get(badId.MaHoSoQG)).toMatchObject({ reasonCode: 'INVALID_ID_NUMBER', field: 'MaDoiTuong' });
    expect(by.get(missing.MaHoSoQG)).toMatchObject({ reasonCode: 'VALIDATION', field: 'TaiLieuNop' });
    expect(by.get(missing.MaHoSoQG)!.reason).toMatch(/GCS/);
    expect(by.get(notPdf.MaHoSoQG)).toMatchObject({ reasonCode: 'UNSUPPORTED_FILE_TYPE', field: 'TaiLieuNop[0]' });
    expect(by.get(outside.MaHoSoQG)).toMatchObject({ reasonCode: 'UNKNOWN_COMMUNE', field: 'MaXa', communeCode: '99999' });
    // No ID number in what the reconciliation shows.
    expect(JSON.stringify(state)).not.toContain(badId.MaDoiTuong);
    expect(state).toMatchObject({ enabled: true, refused: 5 });
    // Still unconfirmed at the portal; the next pull skips them.
    expect((await atPortal(unknown.MaHoSoQG)).confirmedAs).toBeNull();
    expect(await h.services.portalInbound.pullNew()).toMatchObject({ listed: 5, skipped: 5, refused: 0, created: 0 });
    // An administrator asks for one again: it is tried (and refused again, the procedure still unknown).
    const admin = await h.token('admin');
    const retry = await h.app.inject({ method: 'POST', url: `/portal/inbound/${unknown.MaHoSoQG}/retry`, headers: auth(admin) });
    expect(retry.statusCode).toBe(204);
    expect(await h.services.portalInbound.pullNew()).toMatchObject({ refused: 1, skipped: 4 });
    const again = await h.app.inject({ method: 'POST', url: `/portal/inbound/G22.nothing/retry`, headers: auth(admin) });
    expect(again.statusCode).toBe(404);
    const audits = await h.database.db
      .selectFrom('audit_log')
      .select(['action', 'entity_id'])
      .where('entity_type', '=', 'portal_dossier')
      .where('entity_id', '=', unknown.MaHoSoQG)
      .execute();
    // Two refusals (the portal stream) and the administrator's request (their unit's stream).
    expect(audits.map((a) => a.action).sort()).toEqual(['portal.inbound_refused', 'portal.inbound_refused', 'portal.inbound_retry']);
  });

  it('the reconciliation page carries the inward half; only the administrator pulls or asks again', async () => {
    const manager = await h.token('manager.center');
    const rec = await h.app.inject({ method: 'GET', url: '/portal/sync', headers: auth(manager) });
    expect(rec.statusCode).toBe(200);
    expect(rec.json()).toMatchObject({ inbound: { enabled: true, received: 3, refused: 5 } });
    for (const u of ['manager.center', 'clerk.hai', 'appr.hai']) {
      const t = await h.token(u);
      const pull = await h.app.inject({ method: 'POST', url: '/portal/inbound/pull', headers: auth(t) });
      expect(pull.statusCode).toBe(403);
      const retry = await h.app.inject({ method: 'POST', url: '/portal/inbound/G22.000005/retry', headers: auth(t) });
      expect(retry.statusCode).toBe(403);
    }
    const clerk = await h.app.inject({ method: 'GET', url: '/portal/sync', headers: auth(await h.token('clerk.hai')) });
    expect(clerk.statusCode).toBe(403);
    const admin = await h.app.inject({ method: 'POST', url: '/portal/inbound/pull', headers: auth(await h.token('admin')) });
    expect(admin.statusCode).toBe(200);
    expect(admin.json()).toMatchObject({ listed: 5, skipped: 5, created: 0 });
    const hostile = await h.app.inject({
      method: 'POST',
      url: '/portal/inbound/..%2F..%2Fetc/retry',
      headers: auth(await h.token('admin')),
    });
    expect(hostile.statusCode).toBe(400);
  });
});
