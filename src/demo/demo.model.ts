import type { Commune } from '../platform/db.types.js';

export { mulberry32, type Rng } from '../platform/random.js';
import type { Rng } from '../platform/random.js';

export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (!items.length) throw new Error('pick from an empty list');
  return items[Math.floor(rng() * items.length)]!;
}

const FAMILY = [
  'Nguyễn',
  'Trần',
  'Lê',
  'Phạm',
  'Hoàng',
  'Vũ',
  'Đặng',
  'Bùi',
  'Đỗ',
  'Hồ',
  'Ngô',
  'Dương',
  'Lý',
  'Đinh',
  'Trịnh',
  'Lương',
  'Mai',
  'Tạ',
];
const MIDDLE_M = ['Văn', 'Đức', 'Minh', 'Quang', 'Hữu', 'Thành', 'Công', 'Xuân'];
const MIDDLE_F = ['Thị', 'Thu', 'Ngọc', 'Thanh', 'Phương', 'Kim', 'Hồng', 'Minh'];
const GIVEN_M = ['An', 'Bình', 'Cường', 'Dũng', 'Hải', 'Hùng', 'Khánh', 'Long', 'Nam', 'Phong', 'Quân', 'Sơn', 'Thắng', 'Tuấn', 'Việt'];
const GIVEN_F = ['Anh', 'Chi', 'Dung', 'Giang', 'Hà', 'Hạnh', 'Hoa', 'Huyền', 'Lan', 'Linh', 'Mai', 'Ngân', 'Nhung', 'Trang', 'Yến'];
const STREETS = [
  'Trần Hưng Đạo',
  'Lê Lợi',
  'Nguyễn Huệ',
  'Lý Thái Tổ',
  'Đinh Tiên Hoàng',
  'Hai Bà Trưng',
  'Quang Trung',
  'Phan Bội Châu',
  'Tràng An',
  'Lê Hồng Phong',
];
// Birth-registration province codes of the three provinces merged into Ninh Bình, plus neighbours.
const BIRTH_PROVINCES = ['035', '036', '037', '038', '001', '034'];

/** A fictitious applicant living in a commune: valid-format ID number and phone, Vietnamese name. */
export function makeCitizen(rng: Rng, commune: Commune) {
  const female = rng() < 0.5;
  const name = `${pick(rng, FAMILY)} ${pick(rng, female ? MIDDLE_F : MIDDLE_M)} ${pick(rng, female ? GIVEN_F : GIVEN_M)}`;
  const born = 1950 + Math.floor(rng() * 56);
  const century = born >= 2000 ? (female ? 3 : 2) : female ? 1 : 0;
  const idNumber = `${pick(rng, BIRTH_PROVINCES)}${century}${String(born % 100).padStart(2, '0')}${String(Math.floor(rng() * 1_000_000)).padStart(6, '0')}`;
  const phone = `0${pick(rng, ['3', '5', '7', '8', '9'])}${String(Math.floor(rng() * 100_000_000)).padStart(8, '0')}`;
  const address = `Số ${1 + Math.floor(rng() * 200)} đường ${pick(rng, STREETS)}, ${commune.name_vi}, tỉnh Ninh Bình`;
  return { applicant: { idNumber, name, phone, address, communeCode: commune.code } };
}

/** A minimal, valid one-page PDF carrying a title (stands in for a scanned page in the demo). */
export function samplePdf(title: string): Buffer {
  const ascii = title
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/[()\\]/g, '');
  const stream = `BT /F1 14 Tf 72 760 Td (${ascii}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
