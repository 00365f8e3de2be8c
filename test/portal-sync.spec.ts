import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, applicant, newIdNumber, type Harness } from './harness.js';
import { portalDate } from '../src/portal/portal.contract.js';
import { syncStateOf } from '../src/portal/portal.repository.js';
import type { PortalSimulator } from '../src/simulators/portal.simulator.js';
import { startSimulatorProcess } from './sim-process.js';
import { startTestPortal } from './portal-fixtures.js';

// The portal sync, outward, against the simulator: the outbox written with each change, delivery in order per
// dossier, an outage, a lost answer, the portal's own replays, a refused dossier, reconciliation and its roles.

let h: Harness;
let sim: PortalSimulator;

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
/** The worker backs off 1 s after an unreachable portal: wait it out. */
const afterOutageBackoff = () => new Promise((r) => setTimeout(r, 1_100));

async function receive(over: Record<string, unknown> = {}) {
  const clerk = await h.token('clerk.center');
  const file = await h.upload(clerk);
  const r = await h.app.inject({
    method: 'POST',
    url: '/dossiers',
    headers: auth(clerk),
    payload: {
      procedureCode: '1.001193',
      applicant: applicant('14002', { idNumber: newIdNumber() }),
      components: [
        { code: 'TK', source: 'upload', fileSha256: file },
        { code: 'GCS', source: 'upload', fileSha256: file },
        { code: 'CCCD', source: 'population_db' },
      ],
      ...over,
    },
  });
  expect(r.statusCode).toBe(201);
  return r.json() as { code: string; version: number; receivedAt: string; dueAt: string };
}

async function act(username: string, code: string, action: string, body: Record<string, unknown>) {
  const r = await h.app.inject({
    method: 'POST',
    url: `/dossiers/${code}/${action}`,
    headers: auth(await h.token(username)),
    payload: body,
  });
  return r;
}

beforeAll(async () => {
  const started = await startTestPortal();
  sim = started.sim;
  const portal = started.portal;
  h = await createHarness('2025-09-08T09:00:00+07:00', { portal });
});

afterAll(async () => {
  await sim.close();
});

describe('portal sync, outward', () => {
  let code = '';
  let version = 0;

  it('queues a received dossier in the same statement as its event, and delivers it with the portal’s fields', async () => {
    const d = await receive();
    code = d.code;
    version = d.version;
    expect(await syncStateOf(h.database.db, code)).toMatchObject({ pending_seq: 1, acked_seq: 0, attempts: 0, last_error: null });
    const r = await h.services.portal.deliverDue();
    expect(r).toEqual({ rounds: 1, acknowledged: 1, rejected: 0, unavailable: null });
    expect(await syncStateOf(h.database.db, code)).toMatchObject({ pending_seq: 1, acked_seq: 1, last_error: null });
    const held = sim.dossier(code)!;
    expect(held.received).toBe(1);
    expect(held.dossier).toMatchObject({
      MaHoSo: code,
      MaTTHC: '1.001193',
      KenhThucHien: 1,
      TrangThaiHoSo: '2',
      NgayTiepNhan: portalDate(new Date(d.receivedAt)),
      NgayHenTra: portalDate(new Date(d.dueAt)),
      NgayKetThucXuLy: '',
      PhienBan: 1,
      TaiKhoanDuocXacThucVoiVNeID: 0,
      DuocThanhToanTrucTuyen: 0,
    });
    // 09:00 in Vietnam is 02:00 UTC: the portal's dates are local.
    expect(held.dossier.NgayTiepNhan).toBe('20250908090000');
    expect(held.dossier.TaiLieuNop.map((c) => [c.MaThanhPhanHoSo, c.DuocSoHoa, c.DuocTaiSuDung, c.DuocLayTuKhoDMQG])).toEqual([
      ['TK', 1, 0, 0],
      ['GCS', 1, 0, 0],
      ['CCCD', 1, 1, 0],
    ]);
    expect(held.dossier.QuaTrinhXuLy).toEqual([
      {
        ThoiDiemXuLy: '20250908090000',
        TrangThai: '2',
        NoiDungXuLy: 'Tiếp nhận hồ sơ',
        NguoiXuLy: 'clerk.center',
        PhongBanXuLy: expect.any(String),
      },
    ]);
    // Nothing more is due: a second run sends nothing.
    expect(await h.services.portal.deliverDue()).toEqual({ rounds: 0, acknowledged: 0, rejected: 0, unavailable: null });
    expect(sim.dossier(code)!.received).toBe(1);
  });

  it('writes nothing to the outbox for a refused action, and the supplement’s start and end go with the history', async () => {
    const before = await syncStateOf(h.database.db, code);
    // A specialist may not forward from the receiving point: refused, nothing written.
    const wrong = await act('spec.hai', code, 'forward', { version });
    expect(wrong.statusCode).toBe(404);
    expect(await syncStateOf(h.database.db, code)).toEqual(before);
    const f = await act('clerk.center', code, 'forward', { version });
    expect(f.statusCode).toBe(200);
    h.clock.set('2025-09-08T14:00:00+07:00');
    const s = await act('spec.hai', code, 'request-supplement', { version: f.json().version, note: 'Bản chụp giấy chứng sinh bị mờ' });
    expect(s.statusCode).toBe(200);
    h.clock.set('2025-09-09T08:00:00+07:00');
    const back = await act('clerk.center', code, 'supplement-received', { version: s.json().version });
    expect(back.statusCode).toBe(200);
    version = back.json().version;
    expect(await syncStateOf(h.database.db, code)).toMatchObject({ pending_seq: 4, acked_seq: 1 });
    expect(await h.services.portal.deliverDue()).toMatchObject({ acknowledged: 1 });
    const held = sim.dossier(code)!;
    // Three changes, one message: the dossier as it stands, with every step.
    expect(held.received).toBe(2);
    expect(held.historyConflicts).toBe(0);
    expect(held.dossier.PhienBan).toBe(4);
    expect(held.dossier.TrangThaiHoSo).toBe('4');
    expect(held.dossier.QuaTrinhXuLy.map((e) => [e.ThoiDiemXuLy, e.TrangThai])).toEqual([
      ['20250908090000', '2'],
      ['20250908090000', '4'],
      ['20250908140000', '5'],
      ['20250909080000', '4'],
    ]);
    // The reason of a supplement request is the applicant's to read: it goes.
    expect(held.dossier.QuaTrinhXuLy[2]!.NoiDungXuLy).toBe('Yêu cầu bổ sung hồ sơ: Bản chụp giấy chứng sinh bị mờ');
    expect(held.dossier.DanhSachHoSoBoSung).toEqual([
      {
        HoSoBoSungId: `${code}-BS1`,
        NgayBoSung: '20250908140000',
        NoiDungBoSung: 'Bản chụp giấy chứng sinh bị mờ',
        NgayTiepNhanBoSung: '20250909080000',
        TrangThaiBoSung: 1,
      },
    ]);
    expect(await h.services.portal.compare(code)).toEqual({ code, missing: false, differences: [] });
  });

  it('keeps every change through an outage, says why in the reconciliation, and delivers once the portal is back', async () => {
    sim.faults.downUntil = Date.now() + 60_000;
    const other = await receive();
    const r = await h.services.portal.deliverDue();
    expect(r.acknowledged).toBe(0);
    expect(r.unavailable).toMatch(/^portal answered HTTP 503/);
    const state = await syncStateOf(h.database.db, other.code);
    expect(state).toMatchObject({ pending_seq: 1, acked_seq: 0, attempts: 0 });
    expect(state!.last_error).toMatch(/HTTP 503/);
    const rec = await h.services.portal.reconciliation('system');
    expect(rec).toMatchObject({ enabled: true, pending: 1, failing: 1 });
    expect(rec.items).toEqual([
      expect.objectContaining({
        code: other.code,
        pendingSeq: 1,
        ackedSeq: 0,
        reasonCode: 'unreachable',
        reason: expect.stringMatching(/HTTP 503/),
      }),
    ]);
    // While it is away the worker does not knock at every tick.
    expect((await h.services.portal.deliverDue()).rounds).toBe(0);
    // Connections cut without an answer are the same to the outbox.
    sim.faults.downMode = 'reset';
    await afterOutageBackoff();
    await afterOutageBackoff();
    expect((await h.services.portal.deliverDue()).unavailable).toMatch(/^portal unreachable/);
    sim.faults.downUntil = 0;
    sim.faults.downMode = '503';
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await h.services.portal.deliverDue()).toMatchObject({ acknowledged: 1, unavailable: null });
    expect(await syncStateOf(h.database.db, other.code)).toMatchObject({ pending_seq: 1, acked_seq: 1, last_error: null });
    expect(sim.dossier(other.code)!.received).toBe(1);
    expect(await h.services.portal.reconciliation('system')).toMatchObject({ pending: 0, failing: 0, items: [] });
  });

  it('sends again an answer lost on the way; the portal’s duplicates and replays change nothing there', async () => {
    const d = await receive();
    sim.faults.dropAnswerRate = 1;
    expect((await h.services.portal.deliverDue()).unavailable).toMatch(/HTTP 502/);
    expect(await syncStateOf(h.database.db, d.code)).toMatchObject({ acked_seq: 0 });
    sim.faults.dropAnswerRate = 0;
    sim.faults.duplicateRate = 1;
    await afterOutageBackoff();
    expect(await h.services.portal.deliverDue()).toMatchObject({ acknowledged: 1 });
    sim.faults.duplicateRate = 0;
    const held = sim.dossier(d.code)!;
    // Taken once with the lost answer, once more when sent again, once more replayed: one dossier, as it was.
    expect(held).toMatchObject({ received: 3, duplicates: 2, stale: 0, historyConflicts: 0 });
    expect(held.dossier.PhienBan).toBe(1);
    expect(sim.stats().historyConflicts).toBe(0);
  });

  it('logs in again when the portal’s session has expired', async () => {
    const logins = sim.stats().logins;
    sim.expireSessions();
    const d = await receive();
    expect(await h.services.portal.deliverDue()).toMatchObject({ acknowledged: 1, unavailable: null });
    expect(sim.stats().logins).toBe(logins + 1);
    // A session that ran out on the portal's side since the last request: logged in again, and the request goes through.
    sim.faults.sessionTtlMs = 200;
    sim.expireSessions();
    await receive();
    expect(await h.services.portal.deliverDue()).toMatchObject({ acknowledged: 1, unavailable: null });
    const e = await receive();
    await new Promise((r) => setTimeout(r, 250));
    expect(await h.services.portal.deliverDue()).toMatchObject({ acknowledged: 1, unavailable: null });
    sim.faults.sessionTtlMs = 30 * 60_000;
    expect(sim.dossier(d.code)!.dossier.PhienBan).toBe(1);
    expect(sim.dossier(e.code)!.dossier.PhienBan).toBe(1);
  });

  it('retries a dossier the portal refuses, later each time, and lists it with the portal’s reason', async () => {
    sim.faults.rejectProcedures = ['1.001193'];
    const d = await receive();
    expect(await h.services.portal.deliverDue()).toMatchObject({ acknowledged: 0, rejected: 1, unavailable: null });
    const s = await syncStateOf(h.database.db, d.code);
    expect(s).toMatchObject({ pending_seq: 1, acked_seq: 0, attempts: 1 });
    expect(s!.last_error).toBe(
      'portal refused the dossier (error_code -1: MaTTHC 1.001193 không có trong CSDL quốc gia về TTHC (unknown procedure))',
    );
    // The next try waits 2 s (then 4, 8, … an hour at most), on the app's clock.
    expect(s!.next_attempt_at.getTime() - h.clock.now.getTime()).toBe(2_000);
    expect((await h.services.portal.deliverDue()).rounds).toBe(0);

    // The reconciliation, by role: the manager sees their center's, the administrator the province's, a clerk nothing.
    const asManager = await h.app.inject({ method: 'GET', url: '/portal/sync', headers: auth(await h.token('manager.center')) });
    expect(asManager.statusCode).toBe(200);
    expect(asManager.json()).toMatchObject({
      pending: 1,
      failing: 1,
      items: [{ code: d.code, attempts: 1, reasonCode: 'refused', reason: s!.last_error }],
    });
    for (const who of ['clerk.center', 'spec.hai', 'appr.hai']) {
      const r = await h.app.inject({ method: 'GET', url: '/portal/sync', headers: auth(await h.token(who)) });
      expect(r.statusCode).toBe(403);
      expect(r.json()).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect((await h.app.inject({ method: 'GET', url: '/portal/sync' })).statusCode).toBe(401);
    const otherCenter = await h.app.inject({ method: 'GET', url: '/portal/sync?limit=0', headers: auth(await h.token('admin')) });
    expect(otherCenter.statusCode).toBe(400);

    // Only the administrator brings a try forward, audited; a manager may not, and a dossier with nothing waiting is 404.
    const byManager = await h.app.inject({
      method: 'POST',
      url: `/portal/sync/${d.code}/retry`,
      headers: auth(await h.token('manager.center')),
    });
    expect(byManager.statusCode).toBe(403);
    const nothing = await h.app.inject({ method: 'POST', url: `/portal/sync/${code}/retry`, headers: auth(await h.token('admin')) });
    expect(nothing.statusCode).toBe(404);
    sim.faults.rejectProcedures = [];
    const retry = await h.app.inject({ method: 'POST', url: `/portal/sync/${d.code}/retry`, headers: auth(await h.token('admin')) });
    expect(retry.statusCode).toBe(204);
    const audit = await h.database.db
      .selectFrom('audit_log')
      .select(['action', 'entity_id'])
      .where('action', '=', 'portal.retry')
      .execute();
    expect(audit).toEqual([{ action: 'portal.retry', entity_id: d.code }]);
    expect(await h.services.portal.deliverDue()).toMatchObject({ acknowledged: 1 });
    expect(await syncStateOf(h.database.db, d.code)).toMatchObject({ acked_seq: 1, attempts: 0, last_error: null });
  });

  it('compares the portal’s view with ours field by field', async () => {
    h.clock.set('2025-09-09T09:00:00+07:00');
    const r = await act('spec.hai', code, 'forward', { version });
    expect(r.statusCode).toBe(200);
    const cmp = await h.services.portal.compare(code);
    expect(cmp.missing).toBe(false);
    expect(cmp.differences.map((x) => x.field)).toEqual(['QuaTrinhXuLy', 'PhienBan']);
    await h.services.portal.deliverDue();
    expect((await h.services.portal.compare(code)).differences).toEqual([]);
    const unknown = await receive();
    expect(await h.services.portal.compare(unknown.code)).toEqual({ code: unknown.code, missing: true, differences: [] });
  });
});

describe('the portal simulator as a process of its own', () => {
  it('starts with `motcua simulate portal`, speaks the contract, and refuses what is invalid one dossier at a time', async () => {
    const { url, child } = await startSimulatorProcess('portal');
    try {
      const post = async (p: string, body: unknown) =>
        (await fetch(`${url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
      expect(await post('/api/auth', { username: 'motcua', password: 'wrong' })).toMatchObject({ error_code: -1 });
      const { session } = (await post('/api/auth', { username: 'motcua', password: 'motcua-sim' })) as { session: string };
      expect(
        await post('/api/integration', { session: 'nope', madonvi: 'X', service: 'DongBoHoSoMC', isUpdating: 'False', data: [] }),
      ).toMatchObject({
        error_code: -2,
      });
      const good = (await h.services.portal.messagesFor([1]))[0]!;
      const bad = { ...good, MaHoSo: 'BAD-1', TrangThaiHoSo: '11' };
      const a = await post('/api/integration', {
        session,
        madonvi: '000.00.00.H40',
        service: 'DongBoHoSoMC',
        isUpdating: 'False',
        data: [good, bad],
      });
      expect(a).toEqual({
        error_code: 0,
        message: 'Thành công',
        result: [
          { MaHoSo: good.MaHoSo, error_code: 0 },
          { MaHoSo: 'BAD-1', error_code: -1, message: 'TrangThaiHoSo must be a status code 1–10' },
        ],
      });
      const look = (await post('/api/integration', { session, madonvi: '000.00.00.H40', service: 'TraCuuHoSo', mahoso: good.MaHoSo })) as {
        result: unknown[];
      };
      expect(look.result).toEqual([good]);
      expect(await (await fetch(`${url}/_sim/stats`)).json()).toMatchObject({ dossiers: 1, rejected: 1 });
      // Its count for a comparison with ours: each dossier held and the version it holds.
      expect(await (await fetch(`${url}/_sim/versions`)).json()).toEqual({ [good.MaHoSo]: good.PhienBan });
    } finally {
      child.kill('SIGTERM');
    }
  });
});
