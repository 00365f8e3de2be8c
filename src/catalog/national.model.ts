import type { NationalComponent, NationalProcedure } from '../portal/portal.contract.js';
import type { CatalogDocument } from './catalog.schema.js';

type Version = CatalogDocument['procedures'][number]['versions'][number];
type Component = Version['components'][number];
type Fee = Version['fees'][number];

/** The parts of a procedure version the national database governs; the rest (agency, steps, fast track, English) is the province's. */
export const NATIONAL_FIELDS = ['nameVi', 'fieldCode', 'level', 'timeLimit', 'fees', 'components', 'online', 'resultNameVi'] as const;
export type NationalField = (typeof NATIONAL_FIELDS)[number];

const FORM: Record<NationalProcedure['ThanhPhanHoSo'][number]['LoaiBan'], Component['form']> = {
  BanChinh: 'original',
  BanSao: 'copy',
  BanSaoChungThuc: 'certified_copy',
  BanChinhHoacBanSao: 'original_or_copy',
};
const UNIT: Record<NationalProcedure['ThoiHanGiaiQuyet']['DonVi'], Version['timeLimit']['unit']> = {
  GioLamViec: 'working-hours',
  NgayLamViec: 'working-days',
  Ngay: 'days',
  Thang: 'months',
};

/** The steps a procedure new to the province starts with (the administrator refines them in the catalog). */
export const DEFAULT_STEPS: Version['steps'] = [
  { role: 'receive', agency: 'competent', share: 0.1 },
  { role: 'process', agency: 'competent', share: 0.6 },
  { role: 'approve', agency: 'competent', share: 0.2 },
  { role: 'return', agency: 'competent', share: 0.1 },
];

/** yyyyMMdd as YYYY-MM-DD, or null when it is not a date. */
export function nationalDate(s: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(s ?? '');
  if (!m) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso ? iso : null;
}

/** What of the national record is ours to compare (the governed fields only), from a version body. */
export function governed(v: Version): Record<NationalField, unknown> {
  return {
    nameVi: v.nameVi,
    fieldCode: v.fieldCode,
    level: v.level,
    timeLimit: { value: v.timeLimit.value, unit: v.timeLimit.unit },
    fees: v.fees.map((f) => ({ nameVi: f.nameVi, amountVnd: f.amountVnd })),
    components: v.components.map((c) => ({ code: c.code, nameVi: c.nameVi, form: c.form, count: c.count, required: c.required })),
    online: v.online,
    resultNameVi: v.resultNameVi,
  };
}

/**
 * Our version as the national record says it should now be: the governed fields from the national record, the rest
 * kept from `ours` (a component or fee the province described keeps its English name, supply, document type, channel
 * and stage; a new one is an upload, named in Vietnamese in both languages until the province translates it). For a
 * procedure new to the province (`ours` null) the rest are defaults: no fast track, received where the applicant
 * lives, the four usual steps, the competent department `agencyKey` for a province-level one.
 */
export function nationalVersion(
  n: NationalProcedure,
  ours: Version | null,
  effectiveFrom: string,
  agencyKey: string | null = null,
): Version {
  const oursComponent = new Map((ours?.components ?? []).map((c) => [c.code, c]));
  const oursFee = new Map((ours?.fees ?? []).map((f) => [f.nameVi, f]));
  const level = n.CapThucHien === 'TINH' ? 'province' : 'commune';
  const components: Component[] = n.ThanhPhanHoSo.map((c) => {
    const o = oursComponent.get(c.MaThanhPhan);
    return {
      code: c.MaThanhPhan,
      nameVi: c.TenThanhPhan,
      nameEn: o?.nameEn ?? c.TenThanhPhan,
      form: FORM[c.LoaiBan] ?? 'original',
      count: c.SoLuong,
      required: c.BatBuoc === 1,
      supply: o?.supply ?? 'upload',
      ...(o?.documentType ? { documentType: o.documentType } : {}),
    };
  });
  const fees: Fee[] = n.PhiLePhi.map((f, i) => {
    // The fee at the same place with the same name (a procedure may have a counter and an online rate of one fee), else by name.
    const o = ours?.fees[i]?.nameVi === f.TenPhiLePhi ? ours.fees[i] : oursFee.get(f.TenPhiLePhi);
    const note = f.MoTa?.trim();
    return {
      nameVi: f.TenPhiLePhi,
      nameEn: o?.nameEn ?? f.TenPhiLePhi,
      amountVnd: f.MucPhi,
      ...(note ? { note } : o?.note ? { note: o.note } : {}),
      ...(o?.when ? { when: o.when } : {}),
      ...(o?.stage ? { stage: o.stage } : {}),
    };
  });
  const base: Version = ours ?? {
    effectiveFrom,
    nameVi: n.TenTTHC,
    nameEn: n.TenTTHC,
    fieldCode: n.MaLinhVuc,
    level,
    agencyKey: level === 'province' ? agencyKey : null,
    components: [],
    fees: [],
    timeLimit: { value: 1, unit: 'working-days' },
    fastTrack: null,
    online: 'partial',
    nonTerritorial: false,
    resultNameVi: n.TenKetQua,
    resultNameEn: n.TenKetQua,
    steps: DEFAULT_STEPS,
  };
  return {
    ...base,
    effectiveFrom,
    nameVi: n.TenTTHC,
    fieldCode: n.MaLinhVuc,
    level,
    // A procedure that moves to the commune level has no department; one that moves to the province needs one.
    agencyKey: level === 'commune' ? null : (base.agencyKey ?? agencyKey),
    components,
    fees,
    timeLimit: { value: n.ThoiHanGiaiQuyet.GiaTri, unit: UNIT[n.ThoiHanGiaiQuyet.DonVi] ?? 'working-days' },
    online: n.MucDoDVC === 'ToanTrinh' ? 'full' : 'partial',
    resultNameVi: n.TenKetQua,
  };
}

/** The governed fields that differ between our version and the national record's, each with both values. */
export function nationalChanges(ours: Version, national: Version): { field: NationalField; ours: unknown; national: unknown }[] {
  const a = governed(ours);
  const b = governed(national);
  return NATIONAL_FIELDS.filter((f) => JSON.stringify(a[f]) !== JSON.stringify(b[f])).map((f) => ({
    field: f,
    ours: a[f],
    national: b[f],
  }));
}

/** The day after an ISO date. */
function nextDay(iso: string): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/**
 * When the national content takes effect here: its own date when that is after our latest version; otherwise (the
 * province is behind, or the national date is not later) today, or the day after our latest version if that is
 * today or later — two versions never share a date, and no version in use is rewritten.
 */
export function effectiveDate(national: string | null, latestOurs: string | null, today: string): string {
  if (!latestOurs) return national ?? today;
  if (national && national > latestOurs) return national;
  return today > latestOurs ? today : nextDay(latestOurs);
}

/** One line of the national catalog's comparison with ours. */
export type NationalDiffItem =
  | {
      kind: 'changed';
      code: string;
      nameVi: string;
      /** Our latest version's date, when the comparison was made (applying checks it still is). */
      basedOn: string;
      effectiveFrom: string;
      changes: { field: NationalField; ours: unknown; national: unknown }[];
      version: Version;
    }
  | {
      kind: 'new';
      code: string;
      nameVi: string;
      level: 'province' | 'commune';
      /** A province-level procedure new to us needs its competent department before it can be applied. */
      needsAgency: boolean;
      effectiveFrom: string;
      version: Version;
      field: { code: string; nameVi: string };
    }
  | { kind: 'abolished'; code: string; nameVi: string }
  | { kind: 'invalid'; code: string; nameVi: string; problem: string };

/**
 * The national catalog against ours: what changed (governed fields, field by field), what is new to the province,
 * what the national database abolished that we still offer, what it sent that cannot be read; with the counts of the
 * unchanged and of our procedures it does not list.
 */
export function diffNational(
  national: NationalProcedure[],
  ours: CatalogDocument['procedures'],
  today: string,
): { items: NationalDiffItem[]; unchanged: number; localOnly: string[] } {
  const latest = new Map(ours.map((p) => [p.code, [...p.versions].sort((x, y) => x.effectiveFrom.localeCompare(y.effectiveFrom)).at(-1)!]));
  const items: NationalDiffItem[] = [];
  let unchanged = 0;
  const listed = new Set<string>();
  for (const n of national) {
    listed.add(n.MaTTHC);
    const mine = latest.get(n.MaTTHC) ?? null;
    const problem = readProblem(n);
    if (problem) {
      items.push({ kind: 'invalid', code: String(n.MaTTHC), nameVi: String(n.TenTTHC ?? ''), problem });
      continue;
    }
    if (n.TinhTrang === 'BaiBo') {
      if (mine) items.push({ kind: 'abolished', code: n.MaTTHC, nameVi: n.TenTTHC });
      continue;
    }
    const date = nationalDate(n.NgayHieuLuc);
    if (!mine) {
      const effectiveFrom = date ?? today;
      const level = n.CapThucHien === 'TINH' ? 'province' : 'commune';
      items.push({
        kind: 'new',
        code: n.MaTTHC,
        nameVi: n.TenTTHC,
        level,
        needsAgency: level === 'province',
        effectiveFrom,
        version: nationalVersion(n, null, effectiveFrom),
        field: { code: n.MaLinhVuc, nameVi: n.TenLinhVuc },
      });
      continue;
    }
    const effectiveFrom = effectiveDate(date, mine.effectiveFrom, today);
    const version = nationalVersion(n, mine, effectiveFrom);
    const changes = nationalChanges(mine, version);
    if (!changes.length) {
      unchanged++;
      continue;
    }
    items.push({ kind: 'changed', code: n.MaTTHC, nameVi: n.TenTTHC, basedOn: mine.effectiveFrom, effectiveFrom, changes, version });
  }
  const localOnly = ours.map((p) => p.code).filter((c) => !listed.has(c));
  return { items, unchanged, localOnly };
}

/** What makes a national record unreadable here (the import validates the rest), or null. */
function readProblem(n: NationalProcedure): string | null {
  if (typeof n.MaTTHC !== 'string' || !/^[0-9]\.[0-9]{6}(\.[0-9A-Za-z.]+)?$/.test(n.MaTTHC)) return 'MaTTHC is not a procedure code';
  if (typeof n.TenTTHC !== 'string' || !n.TenTTHC.trim()) return 'TenTTHC is empty';
  if (n.TinhTrang !== 'HieuLuc' && n.TinhTrang !== 'BaiBo') return 'TinhTrang must be HieuLuc or BaiBo';
  if (n.TinhTrang === 'BaiBo') return null;
  if (n.CapThucHien !== 'TINH' && n.CapThucHien !== 'XA') return 'CapThucHien must be TINH or XA';
  if (!n.ThoiHanGiaiQuyet || !(n.ThoiHanGiaiQuyet.DonVi in UNIT) || !(n.ThoiHanGiaiQuyet.GiaTri > 0))
    return 'ThoiHanGiaiQuyet needs a positive GiaTri and a DonVi of GioLamViec, NgayLamViec, Ngay or Thang';
  if (!Array.isArray(n.ThanhPhanHoSo) || n.ThanhPhanHoSo.some((c) => !c || !(c.LoaiBan in FORM) || typeof c.MaThanhPhan !== 'string'))
    return 'ThanhPhanHoSo: each component needs MaThanhPhan and a LoaiBan of BanChinh, BanSao, BanSaoChungThuc or BanChinhHoacBanSao';
  if (!Array.isArray(n.PhiLePhi) || n.PhiLePhi.some((f) => !f || !Number.isInteger(f.MucPhi) || f.MucPhi < 0))
    return 'PhiLePhi: each fee needs a whole MucPhi in VND';
  if (n.NgayHieuLuc && !nationalDate(n.NgayHieuLuc)) return 'NgayHieuLuc is not a date (yyyyMMdd)';
  if (typeof n.MaLinhVuc !== 'string' || !n.MaLinhVuc) return 'MaLinhVuc is empty';
  return null;
}

const FORM_BACK = Object.fromEntries(Object.entries(FORM).map(([k, v]) => [v, k])) as Record<
  Component['form'],
  NationalComponent['LoaiBan']
>;
const UNIT_BACK = Object.fromEntries(Object.entries(UNIT).map(([k, v]) => [v, k])) as Record<
  Version['timeLimit']['unit'],
  NationalProcedure['ThoiHanGiaiQuyet']['DonVi']
>;

/**
 * The national record our version corresponds to (the inverse of nationalVersion on the governed fields): what the
 * portal's simulator publishes for the demo province, and what a province without its national extract can check.
 */
export function nationalRecordOf(code: string, v: Version, fieldNameVi: string): NationalProcedure {
  return {
    MaTTHC: code,
    TenTTHC: v.nameVi,
    MaLinhVuc: v.fieldCode,
    TenLinhVuc: fieldNameVi,
    CapThucHien: v.level === 'province' ? 'TINH' : 'XA',
    ThoiHanGiaiQuyet: { GiaTri: v.timeLimit.value, DonVi: UNIT_BACK[v.timeLimit.unit] },
    PhiLePhi: v.fees.map((f) => ({ TenPhiLePhi: f.nameVi, MucPhi: f.amountVnd, ...(f.note ? { MoTa: f.note } : {}) })),
    ThanhPhanHoSo: v.components.map((c) => ({
      MaThanhPhan: c.code,
      TenThanhPhan: c.nameVi,
      SoLuong: c.count,
      LoaiBan: FORM_BACK[c.form],
      BatBuoc: c.required ? 1 : 0,
    })),
    MucDoDVC: v.online === 'full' ? 'ToanTrinh' : 'MotPhan',
    TenKetQua: v.resultNameVi,
    NgayHieuLuc: v.effectiveFrom.replaceAll('-', ''),
    TinhTrang: 'HieuLuc',
  };
}
