import type { Commune } from '../platform/db.types.js';
import { portalDate, type NationalProcedure } from '../portal/portal.contract.js';
import type { CatalogDocument } from '../catalog/catalog.schema.js';
import { nationalRecordOf } from '../catalog/national.model.js';
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

/**
 * The national procedure database as the demo's portal simulator publishes it: the demo catalog's own records
 * (`nationalRecordOf`), with what a month of national updates looks like — one time limit shortened, one fee raised,
 * one procedure new to the province — so the administrator's comparison has something to show.
 */
export function demoNationalCatalog(catalog: CatalogDocument): NationalProcedure[] {
  const fieldName = new Map(catalog.fields.map((f) => [f.code, f.nameVi]));
  const records = catalog.procedures.map((p) => {
    const v = [...p.versions].sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom)).at(-1)!;
    return nationalRecordOf(p.code, v, fieldName.get(v.fieldCode) ?? v.fieldCode);
  });
  const shortened = records.find((r) => r.ThoiHanGiaiQuyet.DonVi === 'NgayLamViec' && r.ThoiHanGiaiQuyet.GiaTri >= 5);
  if (shortened) shortened.ThoiHanGiaiQuyet = { ...shortened.ThoiHanGiaiQuyet, GiaTri: shortened.ThoiHanGiaiQuyet.GiaTri - 2 };
  const raised = records.find((r) => r !== shortened && r.PhiLePhi.length > 0);
  if (raised) raised.PhiLePhi = raised.PhiLePhi.map((f, i) => (i === 0 ? { ...f, MucPhi: f.MucPhi + 10_000 } : f));
  const template = records.find((r) => r.CapThucHien === 'XA');
  if (template)
    records.push({
      ...template,
      MaTTHC: '1.013124',
      TenTTHC: 'Thủ tục đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi (liên thông)',
      PhiLePhi: [],
      NgayHieuLuc: '',
    });
  return records;
}
