import type { CatalogDocument } from '../src/catalog/catalog.schema.js';

/** A small province for tests: a center with a branch, two departments, three communes. */
export const TEST_ORG = {
  province: { code: '37', nameVi: 'Tỉnh Thử Nghiệm', nameEn: 'Test Province', agencyCode: '000.00.00.H40' },
  provincialCenter: { key: 'TTPVHCC', agencyCode: '000.00.01.H40', nameVi: 'Trung tâm PVHCC tỉnh', nameEn: 'Provincial Center', address: '1 Tràng An', lat: 20.25, lon: 105.97, areaType: 'urban' },
  branches: [{ key: 'CN-A', agencyCode: '000.01.01.H40', nameVi: 'Chi nhánh A', nameEn: 'Branch A', address: '2 Lê Lợi', lat: 20.4, lon: 106.1, areaType: 'urban' }],
  departments: [
    { key: 'STP', agencyCode: '000.00.10.H40', nameVi: 'Sở Tư pháp', nameEn: 'Department of Justice' },
    { key: 'SXD', agencyCode: '000.00.11.H40', nameVi: 'Sở Xây dựng', nameEn: 'Department of Construction' },
    { key: 'CA', agencyCode: '000.00.12.H40', nameVi: 'Công an tỉnh', nameEn: 'Provincial Police' },
  ],
  communes: [
    { code: '14001', key: 'P-MOT', nameVi: 'Phường Một', nameEn: 'Ward One', kind: 'ward', areaType: 'urban', lat: 20.25, lon: 105.97, centerAgencyCode: '000.20.01.H40', committeeAgencyCode: '000.21.01.H40', address: '3 Phố Một' },
    { code: '14002', key: 'X-HAI', nameVi: 'Xã Hai', nameEn: 'Commune Two', kind: 'commune', areaType: 'rural', lat: 20.3, lon: 105.9, centerAgencyCode: '000.20.02.H40', committeeAgencyCode: '000.21.02.H40', address: '4 Thôn Hai' },
    { code: '14003', key: 'X-BA', nameVi: 'Xã Ba', nameEn: 'Commune Three', kind: 'commune', areaType: 'remote', lat: 20.1, lon: 105.7, centerAgencyCode: '000.20.03.H40', committeeAgencyCode: '000.21.03.H40', address: '5 Bản Ba' },
  ],
};

const steps = [
  { role: 'receive' as const, agency: 'competent', share: 0.1 },
  { role: 'process' as const, agency: 'competent', share: 0.6 },
  { role: 'approve' as const, agency: 'competent', share: 0.2 },
  { role: 'return' as const, agency: 'competent', share: 0.1 },
];

/** Three procedures: commune non-territorial (days), province territorial (days, inter-agency), commune hours with fast track. */
export const TEST_CATALOG: CatalogDocument = {
  format: 'motcua.catalog/1',
  fields: [
    { code: 'HT', nameVi: 'Hộ tịch', nameEn: 'Civil status' },
    { code: 'LLTP', nameVi: 'Lý lịch tư pháp', nameEn: 'Judicial records' },
    { code: 'CT', nameVi: 'Chứng thực', nameEn: 'Certification' },
  ],
  procedures: [
    {
      code: '1.001193',
      versions: [
        {
          effectiveFrom: '2023-01-01', nameVi: 'Thủ tục đăng ký khai sinh', nameEn: 'Birth registration', fieldCode: 'HT', level: 'commune', agencyKey: null,
          components: [{ code: 'TK', nameVi: 'Tờ khai', nameEn: 'Form', form: 'original', count: 1, required: true, supply: 'upload' }],
          fees: [], timeLimit: { value: 3, unit: 'working-days' }, fastTrack: null, online: 'full', nonTerritorial: true,
          resultNameVi: 'Giấy khai sinh', resultNameEn: 'Birth certificate', steps,
        },
        {
          effectiveFrom: '2025-07-01', nameVi: 'Thủ tục đăng ký khai sinh', nameEn: 'Birth registration', fieldCode: 'HT', level: 'commune', agencyKey: null,
          components: [
            { code: 'TK', nameVi: 'Tờ khai đăng ký khai sinh', nameEn: 'Declaration form', form: 'original', count: 1, required: true, supply: 'upload' },
            { code: 'GCS', nameVi: 'Giấy chứng sinh', nameEn: 'Birth notice', form: 'original', count: 1, required: true, supply: 'upload' },
            { code: 'CCCD', nameVi: 'Căn cước của người đi đăng ký', nameEn: 'ID card of the declarant', form: 'copy', count: 1, required: true, supply: 'population_db' },
            { code: 'GKH', nameVi: 'Giấy chứng nhận kết hôn', nameEn: 'Marriage certificate', form: 'copy', count: 1, required: false, supply: 'store' },
          ],
          fees: [], timeLimit: { value: 1, unit: 'working-days' }, fastTrack: null, online: 'full', nonTerritorial: true,
          resultNameVi: 'Giấy khai sinh', resultNameEn: 'Birth certificate', steps,
        },
      ],
    },
    {
      code: '2.000488',
      versions: [
        {
          effectiveFrom: '2024-01-01', nameVi: 'Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam', nameEn: 'Judicial record certificate', fieldCode: 'LLTP', level: 'province', agencyKey: 'STP',
          components: [
            { code: 'TK', nameVi: 'Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp', nameEn: 'Request form', form: 'original', count: 1, required: true, supply: 'upload' },
            { code: 'CCCD', nameVi: 'Căn cước công dân', nameEn: 'ID card', form: 'copy', count: 1, required: true, supply: 'population_db' },
          ],
          fees: [{ nameVi: 'Phí cấp Phiếu lý lịch tư pháp', nameEn: 'Fee', amountVnd: 200000 }],
          timeLimit: { value: 10, unit: 'working-days' }, fastTrack: null, online: 'full', nonTerritorial: false,
          resultNameVi: 'Phiếu lý lịch tư pháp', resultNameEn: 'Judicial record certificate',
          steps: [
            { role: 'receive', agency: 'competent', share: 0.05 },
            { role: 'process', agency: 'competent', share: 0.4 },
            { role: 'process', agency: 'CA', share: 0.35 },
            { role: 'approve', agency: 'competent', share: 0.15 },
            { role: 'return', agency: 'competent', share: 0.05 },
          ],
        },
      ],
    },
    {
      code: '2.000815',
      versions: [
        {
          effectiveFrom: '2024-01-01', nameVi: 'Chứng thực bản sao từ bản chính', nameEn: 'Certified copy from the original', fieldCode: 'CT', level: 'commune', agencyKey: null,
          components: [{ code: 'BC', nameVi: 'Bản chính giấy tờ', nameEn: 'The original', form: 'original', count: 1, required: true, supply: 'upload' }],
          fees: [{ nameVi: 'Phí chứng thực', nameEn: 'Fee', amountVnd: 2000, note: 'mỗi trang' }],
          timeLimit: { value: 1, unit: 'working-days' }, fastTrack: { value: 4, unit: 'working-hours' }, online: 'partial', nonTerritorial: false,
          resultNameVi: 'Bản sao chứng thực', resultNameEn: 'Certified copy', steps,
        },
      ],
    },
  ],
};
