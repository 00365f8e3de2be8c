import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DomainError } from '../platform/errors.js';
import type { DossierView } from '../dossiers/dossier.presenter.js';
import {
  bookNote,
  bookPeriod,
  dossierForm,
  limitText,
  placeName,
  plainText,
  stepResult,
  trackingBook,
  trackingUrl,
  unitInfoOf,
  vnClock,
  vnDate,
  vnDateTime,
  vnDateWords,
  vnd,
  vnYearStart,
  type BookEntry,
  type DossierFormInput,
  type FormStep,
  type OrgUnitRow,
  type UnitInfo,
} from './form.model.js';

describe('Vietnamese dates and times', () => {
  it('prints instants in Vietnam time (UTC+7), across midnight and the new year', () => {
    expect(vnDateTime('2025-08-29T07:30:00Z')).toBe('14 giờ 30 phút, ngày 29/08/2025');
    expect(vnDateTime('2025-12-31T17:05:00Z')).toBe('00 giờ 05 phút, ngày 01/01/2026');
    expect(vnDate('2025-12-31T16:59:59Z')).toBe('31/12/2025');
    expect(vnClock('2025-09-09T01:30:00Z')).toBe('08:30');
    expect(vnYearStart(2026).toISOString()).toBe('2025-12-31T17:00:00.000Z');
  });

  it('writes the date line as Decree 30/2020 does: a leading zero for days below 10 and for January and February', () => {
    expect(vnDateWords('2025-09-08T03:00:00Z')).toBe('ngày 08 tháng 9 năm 2025');
    expect(vnDateWords('2025-02-14T03:00:00Z')).toBe('ngày 14 tháng 02 năm 2025');
    expect(vnDateWords('2025-01-05T03:00:00Z')).toBe('ngày 05 tháng 01 năm 2025');
    expect(vnDateWords('2025-11-30T03:00:00Z')).toBe('ngày 30 tháng 11 năm 2025');
  });

  it('agrees with the Asia/Ho_Chi_Minh time zone for any instant since 1976', () => {
    const intl = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Ho_Chi_Minh',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    fc.assert(
      fc.property(fc.date({ min: new Date('1976-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }), (d) => {
        const p = Object.fromEntries(intl.formatToParts(d).map((x) => [x.type, x.value]));
        expect(vnDateTime(d)).toBe(`${p.hour} giờ ${p.minute} phút, ngày ${p.day}/${p.month}/${p.year}`);
      }),
    );
  });

  it('prints statutory limits with two digits and their unit', () => {
    expect(limitText(1, 'working-days')).toBe('01 ngày làm việc');
    expect(limitText(4, 'working-hours')).toBe('04 giờ làm việc');
    expect(limitText(30, 'days')).toBe('30 ngày');
    expect(limitText(1, 'months')).toBe('01 tháng');
    expect(limitText(0.5, 'working-days')).toBe('0,5 ngày làm việc');
    expect(vnd(1250000)).toBe('1.250.000 đồng');
    expect(vnd(2000)).toBe('2.000 đồng');
  });
});

describe('headers and the tracking URL', () => {
  it('builds the tracking URL from the public address, whatever its trailing slash', () => {
    expect(trackingUrl('https://motcua.example.vn', '000.00.01.H40-250829-0001', 'ABCDEFGHJKLM')).toBe(
      'https://motcua.example.vn/tra-cuu/000.00.01.H40-250829-0001#ABCDEFGHJKLM',
    );
    expect(trackingUrl('https://example.vn/motcua/', 'A/B C', 'XY')).toBe('https://example.vn/motcua/tra-cuu/A%2FB%20C#XY');
  });

  it('names the place of the date line without the kind of unit, unless the name is a number', () => {
    expect(placeName('Tỉnh Ninh Bình')).toBe('Ninh Bình');
    expect(placeName('Xã Kim Sơn')).toBe('Kim Sơn');
    expect(placeName('Phường 1')).toBe('Phường 1');
    expect(placeName('Thành phố Hà Nội')).toBe('Hà Nội');
    expect(placeName('Thành phố Hồ Chí Minh')).toBe('Thành phố Hồ Chí Minh');
  });

  it('puts each unit under its superior', () => {
    const units: OrgUnitRow[] = [
      { id: 1, kind: 'province', name_vi: 'Tỉnh Ninh Bình', address: null, parent_id: null, commune_code: null },
      { id: 2, kind: 'center', name_vi: 'Trung tâm Phục vụ hành chính công tỉnh', address: '1 Tràng An', parent_id: 1, commune_code: null },
      { id: 3, kind: 'branch', name_vi: 'Chi nhánh Hoa Lư', address: '2 Lê Lợi', parent_id: 2, commune_code: null },
      { id: 4, kind: 'department', name_vi: 'Sở Tư pháp', address: null, parent_id: 1, commune_code: null },
      {
        id: 5,
        kind: 'commune_center',
        name_vi: 'Trung tâm Phục vụ hành chính công Xã Kim Sơn',
        address: 'Thôn 1',
        parent_id: 1,
        commune_code: '14002',
      },
      { id: 6, kind: 'commune_committee', name_vi: 'Ủy ban nhân dân Xã Kim Sơn', address: 'Thôn 1', parent_id: 1, commune_code: '14002' },
    ];
    const org = {
      unit: (id: number) => units.find((u) => u.id === id),
      commune: (code: string) => (code === '14002' ? { name_vi: 'Xã Kim Sơn', committee_unit_id: 6 } : undefined),
      provinceNameVi: 'Tỉnh Ninh Bình',
    };
    const info = (id: number) =>
      unitInfoOf(
        units.find((u) => u.id === id)!,
        org,
      );
    expect(info(2)).toEqual({
      nameVi: 'Trung tâm Phục vụ hành chính công tỉnh',
      superiorVi: 'UBND TỈNH NINH BÌNH',
      placeVi: 'Ninh Bình',
      address: '1 Tràng An',
    });
    expect(info(3)).toMatchObject({ superiorVi: 'TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH', placeVi: 'Ninh Bình' });
    expect(info(4)).toMatchObject({ superiorVi: 'UBND TỈNH NINH BÌNH' });
    expect(info(5)).toMatchObject({ superiorVi: 'ỦY BAN NHÂN DÂN XÃ KIM SƠN', placeVi: 'Kim Sơn' });
    expect(info(6)).toMatchObject({ superiorVi: null, placeVi: 'Kim Sơn' });
  });
});

const UNITS: Record<number, UnitInfo> = {
  1: { nameVi: 'Chi nhánh A', superiorVi: 'TRUNG TÂM PVHCC TỈNH', placeVi: 'Thử Nghiệm', address: '2 Lê Lợi' },
  2: { nameVi: 'Ủy ban nhân dân Xã Hai', superiorVi: null, placeVi: 'Hai', address: '4 Thôn Hai' },
};

function dossier(over: Partial<DossierView> = {}): DossierView {
  return {
    code: '000.01.01.H40-250908-0001',
    status: 'received',
    statusVi: 'Đã tiếp nhận',
    statusEn: 'Received',
    portalStatus: 2,
    channel: 1,
    procedure: { code: '1.001193', nameVi: 'Đăng ký khai sinh', nameEn: 'Birth registration', versionEffectiveFrom: '2025-07-01' },
    applicant: {
      idNumber: '037095001234',
      name: 'Nguyễn Văn An',
      phone: '0912345678',
      email: null,
      address: 'Thôn Hai, Xã Hai',
      communeCode: '14002',
    },
    receivingUnit: { id: 1, nameVi: 'Chi nhánh A' },
    competentAgency: { id: 2, nameVi: 'Ủy ban nhân dân Xã Hai' },
    currentUnit: { id: 1, nameVi: 'Chi nhánh A' },
    currentStep: 0,
    returnPoint: { id: 1, nameVi: 'Chi nhánh A' },
    fastTrack: false,
    timeLimit: { value: 1, unit: 'working-days' },
    feeTotalVnd: 0,
    submittedAt: null,
    receivedAt: '2025-09-08T07:30:00.000Z',
    dueAt: '2025-09-09T10:00:00.000Z',
    originalDueAt: '2025-09-09T10:00:00.000Z',
    pausedAt: null,
    pausedWorkingMs: 0,
    supplementCount: 0,
    paidAt: null,
    decidedAt: null,
    returnedAt: null,
    lateFlaggedAt: null,
    apologyDueAt: null,
    promisedDueAt: '2025-09-09T10:00:00.000Z',
    duplicateOf: null,
    resultDocumentId: null,
    trackingToken: 'ABCDEFGHJKLM',
    components: [
      {
        code: 'TK',
        nameVi: 'Tờ khai',
        form: 'original',
        count: 1,
        required: true,
        source: 'upload',
        fileSha256: 'a'.repeat(64),
        storeDocumentId: null,
        digitized: true,
      },
      {
        code: 'GKH',
        nameVi: 'Giấy chứng nhận kết hôn',
        form: 'copy',
        count: 2,
        required: false,
        source: 'store',
        fileSha256: 'b'.repeat(64),
        storeDocumentId: 7,
        digitized: true,
      },
    ],
    version: 1,
    allowedActions: [],
    ...over,
  };
}

function input(over: Partial<DossierFormInput> = {}): DossierFormInput {
  return {
    dossier: dossier(),
    events: [
      {
        seq: 1,
        action: 'receive',
        fromStatus: null,
        toStatus: 'received',
        actorId: 3,
        unitId: 1,
        at: '2025-09-08T07:30:00.000Z',
        note: null,
      },
    ],
    steps: [],
    staffName: (id) => (id === 3 ? 'Trần Thị Bình' : id === 4 ? 'Lê Văn Cường' : null),
    unit: (id) => UNITS[id]!,
    trackingUrl: 'https://motcua.example.vn/tra-cuu/000.01.01.H40-250908-0001#ABCDEFGHJKLM',
    book: { volume: '2025', seq: 17 },
    ...over,
  };
}

describe('the forms as data', () => {
  it('lays out the receipt (01) as Circular 03/2025 lists it', () => {
    const doc = dossierForm('01', input());
    expect(doc).toMatchObject({
      form: '01',
      formNo: 'Mẫu số 01',
      fileName: 'mau-01_000.01.01.H40-250908-0001.pdf',
      orientation: 'portrait',
    });
    expect(doc.header).toEqual({
      superior: 'TRUNG TÂM PVHCC TỈNH',
      unit: 'CHI NHÁNH A',
      placeDate: 'Thử Nghiệm, ngày 08 tháng 9 năm 2025',
    });
    const text = plainText(doc);
    for (const line of [
      'GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ',
      'Mã hồ sơ: 000.01.01.H40-250908-0001',
      'Chi nhánh A tiếp nhận hồ sơ của:',
      'Ông/Bà: Nguyễn Văn An',
      'Số điện thoại: 0912345678        Email: —',
      'Nội dung yêu cầu giải quyết: Đăng ký khai sinh (mã thủ tục 1.001193)',
      'Hình thức nộp hồ sơ: Trực tiếp tại Bộ phận Một cửa',
      '1 | Tờ khai | Bản chính | 01 | Đã số hóa',
      '2 | Giấy chứng nhận kết hôn | Bản sao | 02 | Tái sử dụng từ Kho quản lý dữ liệu điện tử',
      '2. Số lượng hồ sơ: 01 (bộ)',
      '3. Thời gian giải quyết hồ sơ theo quy định: 01 ngày làm việc',
      '4. Thời gian nhận hồ sơ: 14 giờ 30 phút, ngày 08/09/2025',
      '5. Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 09/09/2025',
      '6. Đăng ký nhận kết quả tại: Chi nhánh A, 2 Lê Lợi',
      'Vào Sổ theo dõi hồ sơ, Quyển số: 2025, Số thứ tự: 17',
      'NGƯỜI NỘP HỒ SƠ\n(Ký và ghi rõ họ tên)\nNguyễn Văn An\nNGƯỜI TIẾP NHẬN HỒ SƠ\n(Ký và ghi rõ họ tên)\nTrần Thị Bình',
      'Quét mã QR hoặc truy cập (gõ liền hai dòng)\nhttps://motcua.example.vn/tra-cuu/000.01.01.H40-250908-0001\n#ABCDEFGHJKLM',
      'Hoặc nhập mã hồ sơ 000.01.01.H40-250908-0001 và 4 số cuối của số điện thoại đã đăng ký khi nộp hồ sơ.',
    ])
      expect(text).toContain(line);
    expect(doc.blocks.find((b) => b.kind === 'qr')).toMatchObject({
      payload: 'https://motcua.example.vn/tra-cuu/000.01.01.H40-250908-0001#ABCDEFGHJKLM',
    });
  });

  it('refuses each form the dossier has not reached, with FORM_NOT_APPLICABLE', () => {
    const fresh = input({ dossier: dossier({ status: 'submitted', receivedAt: null, dueAt: null }), events: [] });
    for (const form of ['01', '02', '03', '04', '05', '06'] as const) {
      let error: unknown;
      try {
        dossierForm(form, fresh);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ code: 'FORM_NOT_APPLICABLE', status: 409, extra: { details: { form, status: 'submitted' } } });
    }
  });

  it('prints the reason of a refusal (03) from the refuse event', () => {
    const refused = input({
      dossier: dossier({ status: 'refused' }),
      events: [
        ...input().events,
        {
          seq: 2,
          action: 'refuse',
          fromStatus: 'received',
          toStatus: 'refused',
          actorId: 3,
          unitId: 1,
          at: '2025-09-08T08:00:00.000Z',
          note: 'Thiếu giấy chứng sinh.',
        },
      ],
    });
    const text = plainText(dossierForm('03', refused));
    expect(text).toContain('Chi nhánh A từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:\nThiếu giấy chứng sinh.');
    expect(text).toContain('Thời gian từ chối: 15 giờ 00 phút, ngày 08/09/2025');
  });

  it('heads the apology (04) as an official letter: a number line to fill in, the place and date, and the issuer named under the signature', () => {
    const apologized = input({
      dossier: dossier({ apologyDueAt: '2025-09-12T10:00:00.000Z' }),
      events: [
        ...input().events,
        {
          seq: 2,
          action: 'apologize',
          fromStatus: 'processing',
          toStatus: 'processing',
          actorId: 4,
          unitId: 2,
          at: '2025-09-09T03:30:00.000Z',
          note: 'Cần xác minh thêm.',
        },
      ],
    });
    const doc = dossierForm('04', apologized);
    expect(doc.header).toEqual({
      superior: null,
      unit: 'ỦY BAN NHÂN DÂN XÃ HAI',
      number: 'Số: ……/……',
      placeDate: 'Hai, ngày 09 tháng 9 năm 2025',
    });
    expect(doc.blocks.find((b) => b.kind === 'signatures')).toMatchObject({
      right: { title: 'THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ', name: 'Lê Văn Cường' },
    });
    expect(plainText(doc)).toContain('ỦY BAN NHÂN DÂN XÃ HAI\nSố: ……/……\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
    // Slips carry no number line.
    expect(dossierForm('01', input()).header.number).toBeUndefined();
  });

  it('judges each hand-over of the process-control slip (06)', () => {
    const step = (over: Partial<FormStep>): FormStep => ({
      seq: 1,
      role: 'process',
      fromUnitId: 1,
      fromUnitNameVi: 'Chi nhánh A',
      toUnitId: 2,
      toUnitNameVi: 'Ủy ban nhân dân Xã Hai',
      handedBy: 3,
      handedAt: '2025-09-08T08:00:00.000Z',
      dueAt: '2025-09-09T07:00:00.000Z',
      completedBy: null,
      completedAt: null,
      outcome: null,
      ...over,
    });
    expect(stepResult(step({ outcome: 'early', completedAt: '2025-09-08T09:00:00.000Z' }))).toBe('Trước hạn');
    expect(stepResult(step({ outcome: 'on_time', completedAt: '2025-09-09T06:00:00.000Z' }))).toBe('Đúng hạn');
    expect(stepResult(step({ outcome: 'late' }))).toBe('Quá hạn');
    expect(stepResult(step({}))).toBe('Đang giải quyết');
    const doc = dossierForm(
      '06',
      input({
        steps: [
          step({ seq: 1, role: 'receive', fromUnitId: null, fromUnitNameVi: null, toUnitId: 1, toUnitNameVi: 'Chi nhánh A' }),
          step({ seq: 2 }),
        ],
      }),
    );
    const table = doc.blocks.find((b) => b.kind === 'table');
    expect(table?.kind === 'table' && table.rows.map((r) => r[0])).toEqual([
      '1. Giao: Ông/Bà Nguyễn Văn An (người nộp hồ sơ)\n2. Nhận: Chi nhánh A',
      '1. Giao: Chi nhánh A\n2. Nhận: Ủy ban nhân dân Xã Hai',
    ]);
  });
});

describe('the tracking book (07)', () => {
  it('takes whole days in Vietnam, from one to 366 of them', () => {
    const p = bookPeriod('2025-09-08', '2025-09-08');
    expect([p.start.toISOString(), p.end.toISOString()]).toEqual(['2025-09-07T17:00:00.000Z', '2025-09-08T17:00:00.000Z']);
    expect(bookPeriod('2024-01-01', '2024-12-31').end.toISOString()).toBe('2024-12-31T17:00:00.000Z');
    const problem = (from: string, to: string) => {
      try {
        bookPeriod(from, to);
      } catch (e) {
        return (e as DomainError).extra.field;
      }
      return null;
    };
    expect(problem('2025-01-01', '2026-01-01')).toBeNull();
    expect(problem('2025-01-01', '2026-01-02')).toBe('querystring.to');
    expect(problem('2025-09-09', '2025-09-08')).toBe('querystring.to');
    expect(problem('2025-02-29', '2025-03-01')).toBe('querystring.from');
    expect(problem('2025-09-01', '2025-13-01')).toBe('querystring.to');
  });

  it('notes how a dossier ended and what changed its dates', () => {
    const e: BookEntry = {
      seq: 1,
      volume: '2025',
      code: 'X',
      procedureNameVi: 'P',
      applicantName: 'A',
      applicantAddress: 'D',
      applicantPhone: '0912345678',
      competentAgencyNameVi: 'U',
      status: 'returned',
      receivedAt: new Date('2025-09-08T07:30:00Z'),
      dueAt: new Date('2025-09-09T10:00:00Z'),
      forwardedAt: null,
      resultAt: new Date('2025-09-10T02:00:00Z'),
      returnedAt: new Date('2025-09-10T03:00:00Z'),
      apologyDueAt: new Date('2025-09-12T10:00:00Z'),
      lateFlaggedAt: null,
      supplementCount: 1,
    };
    expect(bookNote(e)).toBe('Có yêu cầu bổ sung; Xin lỗi, hẹn lại 12/09/2025; Quá hạn');
    expect(bookNote({ ...e, status: 'refused', supplementCount: 0, apologyDueAt: null, resultAt: null })).toBe('Từ chối tiếp nhận');
    const doc = trackingBook({
      unit: UNITS[1]!,
      period: bookPeriod('2025-09-01', '2025-09-30'),
      entries: [e],
      printedAt: new Date('2025-10-01T01:00:00Z'),
    });
    expect(doc).toMatchObject({
      orientation: 'landscape',
      fileName: 'mau-07_2025-09-01_2025-09-30.pdf',
      header: { unit: 'CHI NHÁNH A', placeDate: null },
    });
    expect(plainText(doc)).toContain(
      '1 | X | P | A | D\n0912345678 | U | 08/09/2025\n14:30 | 09/09/2025\n17:00 |  | 10/09/2025\n09:00 | 10/09/2025\n10:00 | Có yêu cầu bổ sung',
    );
    expect(
      plainText(trackingBook({ unit: UNITS[1]!, period: bookPeriod('2025-09-01', '2025-09-30'), entries: [], printedAt: new Date() })),
    ).toContain('Quyển số: 2025');
  });
});
