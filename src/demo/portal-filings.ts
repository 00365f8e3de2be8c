import type { Commune } from '../platform/db.types.js';
import { portalDate } from '../portal/portal.contract.js';
import type { PortalSubmitBody } from '../simulators/portal.simulator.js';
import { makeCitizen, pick, samplePdf, type Rng } from './demo.model.js';

/** A procedure the demo's citizens file on the portal, as its version in force lists its components. */
export interface FilableProcedure {
  code: string;
  nameVi: string;
  components: { code: string; nameVi: string; supply: string; required: boolean }[];
}

/**
 * Dossiers the demo's citizens file on the portal's simulator while the demo runs (`/_sim/submit`): the inward sync
 * takes them within 30 seconds, so the clerks of their communes find new online dossiers from the portal. Each carries
 * a file for every required component the citizen uploads (what the population database holds is looked up), an ID
 * verified by VNeID most of the time, and a portal id unique to this run (the simulator forgets between runs).
 */
export function demoPortalFilings(
  rng: Rng,
  procedures: FilableProcedure[],
  communes: Commune[],
  n: number,
  run: string,
  at: Date,
): PortalSubmitBody[] {
  return Array.from({ length: n }, (_, i) => {
    const p = pick(rng, procedures);
    const commune = pick(rng, communes);
    const { applicant: a } = makeCitizen(rng, commune);
    return {
      MaHoSoQG: `G22.${run}.${String(i + 1).padStart(3, '0')}`,
      MaTTHC: p.code,
      MaDonViTiepNhan: '',
      MaXa: commune.code,
      ChuHoSo: a.name,
      MaDoiTuong: a.idNumber,
      SoDienThoai: a.phone,
      Email: '',
      DiaChiThuongTru: a.address,
      TrichYeuHoSo: p.nameVi,
      NgayNopHoSo: portalDate(new Date(at.getTime() - (n - i) * 7 * 60_000)),
      TaiKhoanDuocXacThucVoiVNeID: rng() < 0.8 ? 1 : 0,
      TaiLieuNop: p.components
        .filter((c) => c.required && c.supply !== 'population_db')
        .map((c) => ({
          MaThanhPhanHoSo: c.code,
          TenTepDinhKem: `${c.code.toLowerCase()}.pdf`,
          base64: samplePdf(`${c.nameVi} - ${a.name}`).toString('base64'),
        })),
    };
  });
}
