import { inflateSync } from 'node:zlib';

// A small QR code reader for tests: it reads a symbol's modules back to text the way a scanner does
// after sampling (format information, unmasking, the zigzag placement, de-interleaving of the blocks,
// numeric / alphanumeric / byte segments). It applies no error correction, so the symbol must be intact,
// which a vector symbol drawn into a PDF is. Versions 1–10 at error-correction level M.

/** Data codewords per block and error-correction codewords per block, level M, by version (ISO/IEC 18004, table 9). */
const BLOCKS_M: Record<number, { data: number[]; ec: number }> = {
  1: { data: [16], ec: 10 },
  2: { data: [28], ec: 16 },
  3: { data: [44], ec: 26 },
  4: { data: [32, 32], ec: 18 },
  5: { data: [43, 43], ec: 24 },
  6: { data: [27, 27, 27, 27], ec: 16 },
  7: { data: [31, 31, 31, 31], ec: 18 },
  8: { data: [38, 38, 39, 39], ec: 22 },
  9: { data: [36, 36, 36, 37, 37], ec: 22 },
  10: { data: [43, 43, 43, 43, 44], ec: 26 },
};

/** Centres of the alignment patterns, by version. */
const ALIGNMENT: Record<number, number[]> = {
  1: [],
  2: [6, 18],
  3: [6, 22],
  4: [6, 26],
  5: [6, 30],
  6: [6, 34],
  7: [6, 22, 38],
  8: [6, 24, 42],
  9: [6, 26, 46],
  10: [6, 28, 50],
};

const MASKS: ((r: number, c: number) => boolean)[] = [
  (r, c) => (r + c) % 2 === 0,
  (r) => r % 2 === 0,
  (_r, c) => c % 3 === 0,
  (r, c) => (r + c) % 3 === 0,
  (r, c) => (Math.floor(r / 2) + Math.floor(c / 3)) % 2 === 0,
  (r, c) => ((r * c) % 2) + ((r * c) % 3) === 0,
  (r, c) => (((r * c) % 2) + ((r * c) % 3)) % 2 === 0,
  (r, c) => (((r + c) % 2) + ((r * c) % 3)) % 2 === 0,
];

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

/** The text a QR code symbol encodes (modules: rows of booleans, true = dark). */
export function decodeQr(m: boolean[][]): string {
  const n = m.length;
  const version = (n - 17) / 4;
  const layout = BLOCKS_M[version];
  if (!Number.isInteger(version) || !layout) throw new Error(`unsupported symbol size ${n}`);
  const dark = (r: number, c: number) => m[r]![c]!;

  // Format information: 15 bits, read from both copies, which must agree.
  let vertical = 0;
  let horizontal = 0;
  for (let i = 0; i < 15; i++) {
    const v = i < 6 ? dark(i, 8) : i < 8 ? dark(i + 1, 8) : dark(n - 15 + i, 8);
    const h = i < 8 ? dark(8, n - i - 1) : i < 9 ? dark(8, 15 - i) : dark(8, 14 - i);
    vertical |= Number(v) << i;
    horizontal |= Number(h) << i;
  }
  if (vertical !== horizontal) throw new Error('the two copies of the format information differ');
  const format = (vertical ^ 0x5412) >> 10;
  if (format >> 3 !== 0) throw new Error(`error-correction level bits ${format >> 3}, expected M (00)`);
  const mask = MASKS[format & 7]!;

  const centres = ALIGNMENT[version]!;
  const last = centres[centres.length - 1];
  const isFunction = (r: number, c: number): boolean => {
    if ((r < 9 && c < 9) || (r < 9 && c >= n - 8) || (r >= n - 8 && c < 9)) return true;
    if (r === 6 || c === 6) return true;
    for (const ar of centres) {
      for (const ac of centres) {
        if ((ar === 6 && ac === 6) || (ar === 6 && ac === last) || (ar === last && ac === 6)) continue;
        if (Math.abs(r - ar) <= 2 && Math.abs(c - ac) <= 2) return true;
      }
    }
    if (version >= 7 && ((r < 6 && c >= n - 11 && c < n - 8) || (c < 6 && r >= n - 11 && r < n - 8))) return true;
    return false;
  };

  // The zigzag: two-module columns from the right, upwards then downwards, skipping the vertical timing pattern.
  const bits: number[] = [];
  let upwards = true;
  for (let right = n - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    for (let k = 0; k < n; k++) {
      const r = upwards ? n - 1 - k : k;
      for (const c of [right, right - 1]) if (!isFunction(r, c)) bits.push(Number(dark(r, c) !== mask(r, c)));
    }
    upwards = !upwards;
  }
  const total = layout.data.reduce((a, b) => a + b, 0) + layout.data.length * layout.ec;
  const codewords: number[] = [];
  for (let k = 0; k < total; k++) codewords.push(bits.slice(k * 8, k * 8 + 8).reduce((a, bit) => (a << 1) | bit, 0));

  // Data codewords are interleaved block by block.
  const blocks: number[][] = layout.data.map(() => []);
  let at = 0;
  for (let k = 0; k < Math.max(...layout.data); k++) {
    layout.data.forEach((len, blk) => {
      if (k < len) blocks[blk]!.push(codewords[at++]!);
    });
  }
  const stream = blocks.flat().flatMap((byte) => Array.from({ length: 8 }, (_, k) => (byte >> (7 - k)) & 1));
  let pos = 0;
  const read = (count: number) => {
    let v = 0;
    for (let k = 0; k < count; k++) v = (v << 1) | (stream[pos++] ?? 0);
    return v;
  };
  const bytes: number[] = [];
  const small = version < 10;
  while (pos + 4 <= stream.length) {
    const mode = read(4);
    if (mode === 0) break;
    if (mode === 1) {
      let count = read(small ? 10 : 12);
      for (; count >= 3; count -= 3) bytes.push(...Buffer.from(String(read(10)).padStart(3, '0')));
      if (count === 2) bytes.push(...Buffer.from(String(read(7)).padStart(2, '0')));
      if (count === 1) bytes.push(...Buffer.from(String(read(4))));
    } else if (mode === 2) {
      let count = read(small ? 9 : 11);
      for (; count >= 2; count -= 2) {
        const v = read(11);
        bytes.push(ALNUM.charCodeAt(Math.floor(v / 45)), ALNUM.charCodeAt(v % 45));
      }
      if (count === 1) bytes.push(ALNUM.charCodeAt(read(6)));
    } else if (mode === 4) {
      const count = read(small ? 8 : 16);
      for (let k = 0; k < count; k++) bytes.push(read(8));
    } else {
      throw new Error(`unsupported segment mode ${mode}`);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The QR code symbols drawn in a PDF: the filled rectangles inside each `/QRCode BMC … EMC` marked-content
 * sequence of the page content streams, put back on the module grid.
 */
export function qrSymbolsInPdf(pdf: Buffer): boolean[][][] {
  const raw = pdf.toString('latin1');
  const symbols: boolean[][][] = [];
  const starts = /(?<!end)stream\r?\n/g;
  for (let s = starts.exec(raw); s; s = starts.exec(raw)) {
    const begin = s.index + s[0].length;
    const end = raw.indexOf('endstream', begin);
    let text: string;
    try {
      text = inflateSync(pdf.subarray(begin, end)).toString('latin1');
    } catch {
      continue;
    }
    for (const marked of text.matchAll(/\/QRCode BMC([\s\S]*?)EMC/g)) {
      const rects = [...marked[1]!.matchAll(/(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re/g)].map(
        (x) => x.slice(1, 5).map(Number) as [number, number, number, number],
      );
      const unit = Math.min(...rects.map((q) => q[3]));
      const x0 = Math.min(...rects.map((q) => q[0]));
      const y0 = Math.min(...rects.map((q) => q[1]));
      const size = Math.round((Math.max(...rects.map((q) => q[0] + q[2])) - x0) / unit);
      const grid = Array.from({ length: size }, () => Array.from({ length: size }, () => false));
      for (const [x, y, w] of rects) {
        const row = Math.round((y - y0) / unit);
        const col = Math.round((x - x0) / unit);
        for (let k = 0; k < Math.round(w / unit); k++) grid[row]![col + k] = true;
      }
      symbols.push(grid);
    }
  }
  return symbols;
}
