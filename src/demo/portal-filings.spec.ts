import { describe, expect, it } from 'vitest';
import { diffNational, nationalRecordOf, nationalVersion } from '../catalog/national.model.js';
import { mulberry32 } from './demo.model.js';
import { demoNationalCatalog, demoPortalFilings } from './portal-filings.js';
import { demoFiles } from './seed.js';

const { catalog } = demoFiles();

describe('the demo’s national procedure database', () => {
  it('is the demo catalog with one time limit shortened, one fee raised and one procedure new to the province', () => {
    const { items, unchanged, localOnly } = diffNational(demoNationalCatalog(catalog), catalog.procedures, '2026-12-06');
    expect(items.map((i) => i.kind).sort()).toEqual(['changed', 'changed', 'new']);
    const changes = items.flatMap((i) => (i.kind === 'changed' ? i.changes.map((c) => c.field) : [])).sort();
    expect(changes).toEqual(['fees', 'timeLimit']);
    expect(unchanged).toBe(catalog.procedures.length - 2);
    expect(localOnly).toEqual([]);
    expect(items.find((i) => i.kind === 'new')).toMatchObject({ code: '1.013124', level: 'commune', needsAgency: false });
  });

  it('maps back onto each demo version unchanged (the record is the inverse of nationalVersion)', () => {
    for (const p of catalog.procedures)
      for (const v of p.versions) {
        const field = catalog.fields.find((f) => f.code === v.fieldCode)!.nameVi;
        expect(nationalVersion(nationalRecordOf(p.code, v, field), v, v.effectiveFrom)).toEqual(v);
      }
  });
});

describe('the demo’s portal filings', () => {
  it('are the same for the same seed, with a file for each required upload and unique portal ids', () => {
    const procs = [
      {
        code: '1.001193',
        nameVi: 'Đăng ký khai sinh',
        components: catalog.procedures.find((p) => p.code === '1.001193')!.versions.at(-1)!.components,
      },
    ];
    const communes = [{ code: '25252', name_vi: 'Phường Hoa Lư' }] as never;
    const at = new Date('2026-12-06T02:00:00Z');
    const a = demoPortalFilings(mulberry32(1), procs, communes, 4, 'RUN', at);
    expect(demoPortalFilings(mulberry32(1), procs, communes, 4, 'RUN', at)).toEqual(a);
    expect(new Set(a.map((f) => f.MaHoSoQG)).size).toBe(4);
    expect(a[0]!.TaiLieuNop!.map((f) => f.MaThanhPhanHoSo)).toEqual(['TK', 'GCS']);
    expect(a.every((f) => f.MaXa === '25252' && f.MaTTHC === '1.001193')).toBe(true);
  });
});
