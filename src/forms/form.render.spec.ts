import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it, expect, beforeAll } from 'vitest';
import PDFDocument from 'pdfkit';
import type { DossierView } from '../dossiers/dossier.presenter.js';
import { agencyColumn, agencyLines, renderForm } from './form.render.js';
import { bookPeriod, dossierForm, trackingBook, upper, type BookEntry, type DossierFormInput, type UnitInfo } from './form.model.js';

const require = createRequire(import.meta.url);
const tinos = (face: string) => require.resolve(`@expo-google-fonts/tinos/${face}/Tinos_${face}.ttf`);

/** Widths as the renderer measures them: Tinos, through PDFKit. */
const measurer = new PDFDocument({ autoFirstPage: false });
measurer.registerFont('regular', tinos('400Regular'));
measurer.registerFont('bold', tinos('700Bold'));
const widthIn = (style: 'regular' | 'bold') => (text: string, size: number) => measurer.font(style).fontSize(size).widthOfString(text);

interface PdfText {
  pages: { text: string; items: { str: string; size: number; font: string }[] }[];
}

/** Each page's text items with their size, as pdf.js reads them. */
async function readPdf(pdf: Buffer): Promise<PdfText> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), verbosity: 0, disableFontFace: true, useSystemFonts: false }).promise;
  const pages: PdfText['pages'] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    const items = content.items.flatMap((it) =>
      'str' in it && it.str.trim()
        ? [{ str: it.str, size: Math.round(Math.hypot(it.transform[0], it.transform[1]) * 10) / 10, font: it.fontName }]
        : [],
    );
    pages.push({ text: items.map((x) => x.str).join(' '), items });
  }
  await doc.destroy();
  return { pages };
}

// ---------- the demo's organization: the longest names a header prints ----------

interface DemoProvince {
  province: { nameVi: string };
  provincialCenter: { nameVi: string };
  branches: { nameVi: string }[];
  departments: { nameVi: string }[];
  communes: { nameVi: string }[];
}
const demo = JSON.parse(readFileSync(new URL('../demo/data/province.json', import.meta.url), 'utf8')) as DemoProvince;
/** Superior and unit lines as unitInfoOf heads each kind of demo unit (names built as OrgService.importOrg builds them). */
const demoHeaders: { superior: string | null; unit: string }[] = [
  { superior: `UBND ${upper(demo.province.nameVi)}`, unit: upper(demo.provincialCenter.nameVi) },
  ...demo.branches.map((b) => ({ superior: upper(demo.provincialCenter.nameVi), unit: upper(b.nameVi) })),
  ...demo.departments.map((d) => ({ superior: `UBND ${upper(demo.province.nameVi)}`, unit: upper(d.nameVi) })),
  ...demo.communes.flatMap((c) => [
    { superior: upper(`Ủy ban nhân dân ${c.nameVi}`), unit: upper(`Trung tâm Phục vụ hành chính công ${c.nameVi}`) },
    { superior: null, unit: upper(`Ủy ban nhân dân ${c.nameVi}`) },
  ]),
];
const longest = (pick: (h: (typeof demoHeaders)[number]) => string | null) =>
  [...new Set(demoHeaders.map(pick).filter((x): x is string => x !== null))].sort((a, b) => b.length - a.length).slice(0, 6);

/** Runs of words a line must never split: the place names of the demo with their kind, and the words of agency names. */
const wholes = [
  ...demo.communes.map((c) => upper(c.nameVi)),
  upper(demo.province.nameVi),
  ...demo.branches.map((b) => upper(b.nameVi.split(' – ')[0]!)),
  'TRUNG TÂM',
  'PHỤC VỤ',
  'HÀNH CHÍNH CÔNG',
  'ỦY BAN',
  'NHÂN DÂN',
  'NÔNG NGHIỆP',
  'MÔI TRƯỜNG',
  'ĐĂNG KÝ',
  'ĐẤT ĐAI',
  'BẢO HIỂM',
  'XÃ HỘI',
];

function expectWhole(name: string, lines: string[]): void {
  expect(lines.join(' ')).toBe(name.replace(/\s+/g, ' '));
  for (const w of wholes)
    if (name.includes(w))
      expect(
        lines.some((l) => l.includes(w)),
        `"${w}" split in ${JSON.stringify(lines)}`,
      ).toBe(true);
}

describe('agency names in the header', () => {
  const { width, size } = agencyColumn('portrait');

  it('breaks the demo’s longest unit names only between whole words, at their natural places', () => {
    for (const unit of longest((h) => h.unit)) {
      const fit = agencyLines(unit, width, widthIn('bold'), { size, minSize: size * 0.8, maxLines: 3 });
      expectWhole(unit, fit.lines);
      expect(fit.lines.length).toBeLessThanOrEqual(3);
      for (const line of fit.lines) expect(widthIn('bold')(line, fit.size)).toBeLessThanOrEqual(width);
    }
    for (const superior of longest((h) => h.superior)) {
      const fit = agencyLines(superior, width, widthIn('regular'), { size, minSize: size * 0.8, maxLines: 2 });
      expectWhole(superior, fit.lines);
      expect(fit.lines.length).toBeLessThanOrEqual(2);
    }
    const branch = agencyLines(upper(demo.branches[1]!.nameVi), width, widthIn('bold'), { size, minSize: size * 0.8, maxLines: 3 });
    // The parent's name is too long for one line of the column: it breaks between whole terms.
    expect(branch.lines).toEqual(['CHI NHÁNH DUY TIÊN –', 'TRUNG TÂM PHỤC VỤ', 'HÀNH CHÍNH CÔNG TỈNH NINH BÌNH']);
    expect(
      agencyLines('ỦY BAN NHÂN DÂN PHƯỜNG THIÊN TRƯỜNG', width, widthIn('regular'), { size, minSize: size * 0.8, maxLines: 2 }).lines,
    ).toEqual(['ỦY BAN NHÂN DÂN', 'PHƯỜNG THIÊN TRƯỜNG']);
  });

  it('keeps a short name on one line at the official size, and sets a name too long for its lines smaller', () => {
    expect(agencyLines('CHI NHÁNH A', width, widthIn('bold'), { size, minSize: size * 0.8, maxLines: 3 })).toEqual({
      lines: ['CHI NHÁNH A'],
      size,
    });
    const long = 'TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG PHƯỜNG THIÊN TRƯỜNG';
    const roomy = agencyLines(long, width, widthIn('bold'), { size, minSize: size * 0.8, maxLines: 3 });
    const tight = agencyLines(long, width, widthIn('bold'), { size, minSize: size * 0.8, maxLines: 1 });
    expect(roomy.size).toBe(size);
    expect(tight.size).toBeLessThan(size);
    for (const fit of [roomy, tight]) expectWhole(long, fit.lines);
  });
});

// ---------- forms rendered ----------

const UNITS: Record<number, UnitInfo> = {
  1: {
    nameVi: demo.branches[1]!.nameVi,
    superiorVi: upper(demo.provincialCenter.nameVi),
    placeVi: 'Ninh Bình',
    address: 'Số 2 đường Lê Lợi, Phường Duy Tiên, tỉnh Ninh Bình',
  },
  2: {
    nameVi: 'Ủy ban nhân dân Phường Thiên Trường',
    superiorVi: null,
    placeVi: 'Thiên Trường',
    address: 'Trụ sở Ủy ban nhân dân Phường Thiên Trường',
  },
};

const LONG_COMPONENTS = [
  'Tờ khai đăng ký khai sinh theo mẫu (hoặc biểu mẫu điện tử tương tác khi nộp trực tuyến)',
  'Giấy chứng sinh (hoặc văn bản thay thế Giấy chứng sinh)',
  'Tờ khai thay đổi thông tin cư trú (Mẫu CT01)',
  'Tờ khai tham gia, điều chỉnh thông tin bảo hiểm xã hội, bảo hiểm y tế (Mẫu TK1-TS)',
  'Giấy tờ chứng minh chỗ ở hợp pháp (nếu chưa có trong cơ sở dữ liệu)',
  'Giấy tờ tùy thân (thẻ Căn cước/Căn cước công dân, căn cước điện tử hoặc hộ chiếu) của cha hoặc mẹ',
  'Văn bản ủy quyền (trường hợp ủy quyền thực hiện thủ tục)',
  'Giấy tờ chứng minh quan hệ nhân thân giữa người được ủy quyền và người ủy quyền (nếu có)',
];

function dossier(components: number, over: Partial<DossierView> = {}): DossierView {
  return {
    code: '000.01.01.H42-261206-0012',
    status: 'received',
    statusVi: 'Đã tiếp nhận',
    statusEn: 'Received',
    portalStatus: 2,
    channel: 1,
    procedure: {
      code: '1.002345',
      nameVi: 'Liên thông thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi',
      nameEn: 'Birth, residence and health insurance',
      versionEffectiveFrom: '2025-07-01',
    },
    applicant: {
      idNumber: '037095001234',
      name: 'Nguyễn Thị Phương Thảo',
      phone: '0912345678',
      email: 'thao.nguyen@example.vn',
      address: 'Số 125 đường Trần Hưng Đạo, Phường Thiên Trường, tỉnh Ninh Bình',
      communeCode: '14002',
    },
    receivingUnit: { id: 1, nameVi: UNITS[1]!.nameVi },
    competentAgency: { id: 2, nameVi: UNITS[2]!.nameVi },
    currentUnit: { id: 2, nameVi: UNITS[2]!.nameVi },
    currentStep: 1,
    returnPoint: { id: 1, nameVi: UNITS[1]!.nameVi },
    fastTrack: false,
    timeLimit: { value: 5, unit: 'working-days' },
    feeTotalVnd: 0,
    submittedAt: null,
    receivedAt: '2026-12-06T02:30:00.000Z',
    dueAt: '2026-12-11T10:00:00.000Z',
    originalDueAt: '2026-12-11T10:00:00.000Z',
    pausedAt: null,
    pausedWorkingMs: 0,
    supplementCount: 0,
    paidAt: null,
    decidedAt: null,
    returnedAt: null,
    lateFlaggedAt: null,
    apologyDueAt: null,
    promisedDueAt: '2026-12-11T10:00:00.000Z',
    duplicateOf: null,
    resultDocumentId: null,
    trackingToken: 'ABCDEFGHJKLM',
    components: LONG_COMPONENTS.slice(0, components).map((nameVi, k) => ({
      code: `C${k + 1}`,
      nameVi,
      form: k % 3 === 0 ? 'certified_copy' : 'original',
      count: 1,
      required: true,
      source: (['upload', 'paper', 'population_db', 'store'] as const)[k % 4]!,
      fileSha256: null,
      storeDocumentId: null,
      digitized: k % 2 === 0,
    })),
    version: 1,
    allowedActions: [],
    ...over,
  };
}

const event = (seq: number, action: string, actorId: number, unitId: number, at: string, note: string | null = null) => ({
  seq,
  action,
  fromStatus: 'processing',
  toStatus: 'processing',
  actorId,
  unitId,
  at,
  note,
});

function input(d: DossierView): DossierFormInput {
  return {
    dossier: d,
    events: [
      event(1, 'receive', 3, 1, '2026-12-06T02:30:00.000Z'),
      event(2, 'apologize', 4, 2, '2026-12-10T02:30:00.000Z', 'Cần xác minh thông tin hộ tịch với Sở Tư pháp.'),
      event(3, 'stop', 5, 2, '2026-12-10T03:30:00.000Z', 'Người yêu cầu có văn bản đề nghị dừng giải quyết hồ sơ.'),
    ],
    steps: [],
    staffName: (id) => ({ 3: 'Trần Thị Bình', 4: 'Lê Văn Cường', 5: 'Phạm Quang Dũng' })[id ?? 0] ?? null,
    unit: (id) => UNITS[id]!,
    trackingUrl: 'https://motcua.ninhbinh.gov.vn/tra-cuu/000.01.01.H42-261206-0012#ABCDEFGHJKLM',
    book: { volume: '2026', seq: 1234 },
  };
}

const producedAt = new Date('2026-12-06T09:00:00Z');

describe('the printed forms, set in Tinos', () => {
  let receipt: PdfText;
  let receiptPdf: Buffer;
  beforeAll(async () => {
    receiptPdf = await renderForm(dossierForm('01', input(dossier(3))), { producedAt });
    receipt = await readPdf(receiptPdf);
  });

  it('embeds Tinos (Times New Roman metrics) and no other face', () => {
    const fonts = [...receiptPdf.toString('latin1').matchAll(/\/BaseFont \/([A-Z]{6}\+[\w-]+)/g)].map((m) => m[1]!.slice(7));
    expect(new Set(fonts)).toEqual(new Set(['Tinos-Regular', 'Tinos-Bold', 'Tinos-Italic']));
    expect(receiptPdf.toString('latin1')).not.toContain('DejaVu');
  });

  it('prints a short receipt at the official sizes (13 pt body, 14 pt title) and a typical one on one page a little smaller', async () => {
    const short = dossier(1, {
      procedure: {
        code: '1.001193',
        nameVi: 'Thủ tục đăng ký khai sinh',
        nameEn: 'Birth registration',
        versionEffectiveFrom: '2025-07-01',
      },
    });
    const { pages } = await readPdf(await renderForm(dossierForm('01', input(short)), { producedAt }));
    expect(pages).toHaveLength(1);
    expect(pages[0]!.items.find((x) => x.str.startsWith('Ông/Bà'))!.size).toBe(13);
    expect(pages[0]!.items.find((x) => x.str === 'GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ')!.size).toBe(14);
    // Three components, the demo's longest procedure and unit names.
    expect(receipt.pages).toHaveLength(1);
    const body = receipt.pages[0]!.items.find((x) => x.str.startsWith('Ông/Bà'))!;
    expect(body.size).toBeGreaterThanOrEqual(11);
    expect(body.size).toBeLessThanOrEqual(13);
    const strs = receipt.pages[0]!.items.map((x) => x.str);
    for (const line of [
      'CHI NHÁNH DUY TIÊN –',
      'TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG',
      'TỈNH NINH BÌNH',
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
    ])
      expect(strs).toContain(line);
  });

  it('keeps a receipt of 8 components with long names to exactly one A4 page, set smaller', async () => {
    const pdf = await renderForm(dossierForm('01', input(dossier(8))), { producedAt });
    const { pages } = await readPdf(pdf);
    expect(pages).toHaveLength(1);
    for (const name of LONG_COMPONENTS.map((x) => x.slice(0, 20))) expect(pages[0]!.text).toContain(name);
    for (const expected of ['NGƯỜI TIẾP NHẬN HỒ SƠ', 'Trần Thị Bình', 'Vào Sổ theo dõi hồ sơ, Quyển số: 2026, Số thứ tự: 1234', 'Ghi chú:'])
      expect(pages[0]!.text).toContain(expected);
    const body = pages[0]!.items.find((x) => x.str.startsWith('Ông/Bà'))!;
    expect(body.size).toBeLessThan(13);
    expect(body.size).toBeGreaterThanOrEqual(9.3);
  });

  it('heads the letters (04, 05) with a number line and the place and date, and prints who signs', async () => {
    for (const [form, signer] of [
      ['04', 'Lê Văn Cường'],
      ['05', 'Phạm Quang Dũng'],
    ] as const) {
      const d = dossier(3, form === '04' ? { apologyDueAt: '2026-12-16T10:00:00.000Z' } : { status: 'stopped' });
      const { pages } = await readPdf(await renderForm(dossierForm(form, input(d)), { producedAt }));
      expect(pages).toHaveLength(1);
      const strs = pages[0]!.items.map((x) => x.str);
      expect(strs).toContain('Số: ……/……');
      expect(strs).toContain('Thiên Trường, ngày 10 tháng 12 năm 2026');
      expect(strs).toContain('ỦY BAN NHÂN DÂN');
      expect(strs).toContain('PHƯỜNG THIÊN TRƯỜNG');
      const at = strs.indexOf('THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ');
      expect(at).toBeGreaterThan(0);
      expect(strs.slice(at)).toContain(signer);
    }
  });
});

describe('the tracking book (07)', () => {
  const catalog = JSON.parse(readFileSync(new URL('../demo/data/procedures.json', import.meta.url), 'utf8')) as {
    procedures: { versions: { nameVi: string }[] }[];
  };
  const procedures = catalog.procedures.map((p) => p.versions[p.versions.length - 1]!.nameVi);
  const communes = demo.communes.map((c) => c.nameVi);
  /** 100 dossiers as the demo makes them: its procedures, its addresses, its agencies. */
  const entries: BookEntry[] = Array.from({ length: 100 }, (_, k) => ({
    seq: k + 1,
    volume: '2026',
    code: `000.01.01.H42-2612${String(1 + (k % 28)).padStart(2, '0')}-${String(k + 1).padStart(4, '0')}`,
    procedureNameVi: procedures[(k * 7) % procedures.length]!,
    applicantName: ['Nguyễn Thị Phương Thảo', 'Lê Văn An', 'Trần Quốc Bảo', 'Phạm Thị Hồng Nhung'][k % 4]!,
    applicantAddress: `Số ${1 + ((k * 37) % 200)} đường Trần Hưng Đạo, ${communes[k % communes.length]}, tỉnh Ninh Bình`,
    applicantPhone: '0912345678',
    competentAgencyNameVi:
      k % 2 ? `Ủy ban nhân dân ${communes[k % communes.length]}` : demo.departments[k % demo.departments.length]!.nameVi,
    status: k % 5 ? 'returned' : 'processing',
    receivedAt: new Date('2026-12-01T02:00:00Z'),
    dueAt: new Date('2026-12-05T10:00:00Z'),
    forwardedAt: new Date('2026-12-01T03:00:00Z'),
    resultAt: k % 5 ? new Date('2026-12-04T03:00:00Z') : null,
    returnedAt: k % 5 ? new Date('2026-12-04T08:00:00Z') : null,
    apologyDueAt: k % 7 === 0 ? new Date('2026-12-09T10:00:00Z') : null,
    lateFlaggedAt: null,
    supplementCount: k % 4 === 0 ? 1 : 0,
  }));

  it('prints 100 dossiers on at most 13 landscape pages in 10 pt, the header row on each, every row whole', async () => {
    const doc = trackingBook({ unit: UNITS[1]!, period: bookPeriod('2026-12-01', '2026-12-31'), entries, printedAt: producedAt });
    const { pages } = await readPdf(await renderForm(doc, { producedAt }));
    // Measured: 13 pages, about 8 rows a page: beside the five date columns, names and addresses wrap to 4–5 lines.
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.length).toBeLessThanOrEqual(13);
    const codes = pages.flatMap((p) => p.items.flatMap((x) => x.str.match(/000\.01\.01\.H42-\d{6}-\d{4}/g) ?? []));
    expect(codes).toEqual(entries.map((e) => e.code));
    for (const [k, page] of pages.entries()) {
      expect(page.text).toContain('Mã hồ sơ');
      expect(page.text).toContain('Ngày, tháng, năm');
      expect(page.text).toContain(`Trang ${k + 1}/${pages.length}`);
      const cell = page.items.find((x) => x.str.startsWith('000.01.01.H42-'))!;
      expect(cell.size).toBe(10);
    }
  });
});
