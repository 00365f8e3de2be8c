import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PortalUnavailable, type PortalClient } from '../src/portal/portal.client.js';
import { PORTAL_ERRORS } from '../src/portal/portal.contract.js';
import type { PortalSimulator } from '../src/simulators/portal.simulator.js';
import { startTestPortal } from './portal-fixtures.js';

// The inward half of the DVCQG contract as the simulator and the client speak it (no database: the pull service
// that turns these into dossiers is tested in portal-pull.spec.ts).
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

let sim: PortalSimulator;
let portal: PortalClient;

beforeAll(async () => {
  ({ sim, portal } = await startTestPortal());
});
afterAll(() => sim.close());
beforeEach(async () => {
  await fetch(`${sim.url}/_sim/reset`, { method: 'POST' });
});

const file = (citizen: number) => ({
  MaTTHC: '1.001612',
  MaDonViTiepNhan: '000.21.15.H40',
  MaXa: '17554',
  ChuHoSo: `Nguyễn Văn ${citizen}`,
  MaDoiTuong: `04009300${String(citizen).padStart(4, '0')}`,
  SoDienThoai: '0912345678',
  Email: 'a@example.vn',
  DiaChiThuongTru: 'Xóm 1, xã Nghi Phú',
  TrichYeuHoSo: 'Đăng ký khai sinh',
  NgayNopHoSo: '20250908083000',
  TaiKhoanDuocXacThucVoiVNeID: 1 as const,
  TaiLieuNop: [{ MaThanhPhanHoSo: 'TP1', TenTepDinhKem: 'to-khai.pdf', base64: PDF.toString('base64') }],
});

describe('the portal’s new dossiers (LayDanhSachHoSoMoi, XacNhanTiepNhanHoSo)', () => {
  it('lists a dossier filed at the portal with its fields and a downloadable file', async () => {
    const res = await fetch(`${sim.url}/_sim/submit`, { method: 'POST', body: JSON.stringify(file(1)) });
    expect(res.status).toBe(200);
    const page = await portal.listNew('', 100);
    expect(page.next).toBe('');
    expect(page.dossiers).toEqual([
      {
        MaHoSoQG: 'G22.000001',
        MaTTHC: '1.001612',
        MaDonViTiepNhan: '000.21.15.H40',
        MaXa: '17554',
        ChuHoSo: 'Nguyễn Văn 1',
        MaDoiTuong: '040093000001',
        SoDienThoai: '0912345678',
        Email: 'a@example.vn',
        DiaChiThuongTru: 'Xóm 1, xã Nghi Phú',
        TrichYeuHoSo: 'Đăng ký khai sinh',
        NgayNopHoSo: '20250908083000',
        TaiKhoanDuocXacThucVoiVNeID: 1,
        TaiLieuNop: [{ MaThanhPhanHoSo: 'TP1', TenTepDinhKem: 'to-khai.pdf', DuongDanTaiTepTin: `${sim.url}/files/G22.000001-1` }],
      },
    ]);
    const got = await portal.download(page.dossiers[0]!.TaiLieuNop[0]!.DuongDanTaiTepTin);
    expect(Buffer.from(got.bytes).equals(PDF)).toBe(true);
    expect(got.contentType).toBe('application/pdf');
    expect(sim.stats().downloads).toBe(1);
  });

  it('pages by cursor and stops listing a dossier once confirmed; confirming twice is fine, with another code is refused', async () => {
    for (const c of [1, 2, 3]) sim.submit(file(c));
    const first = await portal.listNew('', 2);
    expect(first.dossiers.map((d) => d.MaHoSoQG)).toEqual(['G22.000001', 'G22.000002']);
    expect(first.next).toBe('2');
    const second = await portal.listNew(first.next, 2);
    expect(second.dossiers.map((d) => d.MaHoSoQG)).toEqual(['G22.000003']);
    expect(second.next).toBe('');

    expect(await portal.confirm('G22.000002', 'H40.21.15-250908-0001')).toEqual({ error_code: PORTAL_ERRORS.ok, message: 'Thành công' });
    expect((await portal.confirm('G22.000002', 'H40.21.15-250908-0001')).error_code).toBe(PORTAL_ERRORS.ok);
    expect((await portal.confirm('G22.000002', 'H40.21.15-250908-0009')).error_code).toBe(PORTAL_ERRORS.invalid);
    expect((await portal.confirm('G22.999999', 'H40.21.15-250908-0002')).error_code).toBe(PORTAL_ERRORS.invalid);
    expect(sim.submitted('G22.000002')).toMatchObject({ confirmedAs: 'H40.21.15-250908-0001', confirmations: 2 });

    expect((await portal.listNew('', 100)).dossiers.map((d) => d.MaHoSoQG)).toEqual(['G22.000001', 'G22.000003']);
  });

  it('never sends its session to a file address off the portal', async () => {
    const before = sim.stats().downloads;
    await expect(portal.download('http://127.0.0.1:1/files/elsewhere')).rejects.toThrow(/not on the portal/);
    expect(sim.stats().downloads).toBe(before);
  });

  it('renews an expired session for the list and for a download', async () => {
    sim.submit(file(4));
    const page = await portal.listNew('', 100);
    const logins = sim.stats().logins;
    sim.expireSessions();
    expect((await portal.listNew('', 100)).dossiers).toHaveLength(1);
    sim.expireSessions();
    const got = await portal.download(page.dossiers[0]!.TaiLieuNop[0]!.DuongDanTaiTepTin);
    expect(got.bytes.length).toBe(PDF.length);
    expect(sim.stats().logins).toBe(logins + 2);
  });

  it('a portal away answers PortalUnavailable and keeps the dossier listed until confirmed', async () => {
    sim.submit(file(5));
    await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ downForMs: 60_000 }) });
    await expect(portal.listNew('', 100)).rejects.toBeInstanceOf(PortalUnavailable);
    await expect(portal.confirm('G22.000001', 'H40.21.15-250908-0003')).rejects.toBeInstanceOf(PortalUnavailable);
    await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ downUntil: 0 }) });
    expect((await portal.listNew('', 100)).dossiers.map((d) => d.MaHoSoQG)).toEqual(['G22.000001']);
    expect(sim.submitted('G22.000001')).toMatchObject({ confirmedAs: null, confirmations: 0 });
  });
});
