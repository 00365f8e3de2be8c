import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { Block, FormDocument, FormHeader, Line, Run, Signature } from './form.model.js';

type Pdf = PDFKit.PDFDocument;
type Style = 'regular' | 'bold' | 'italic' | 'boldItalic';

const MM = 72 / 25.4;

/** Margins of an administrative document (Decree 30/2020: left 30–35 mm, right 15–20 mm, top and bottom 20–25 mm), a little tighter for the landscape book. */
const MARGINS = {
  portrait: { top: 20 * MM, bottom: 18 * MM, left: 25 * MM, right: 15 * MM },
  landscape: { top: 12 * MM, bottom: 12 * MM, left: 12 * MM, right: 10 * MM },
};

interface Sizes {
  normal: number;
  small: number;
  /** The agency names and the national title of the header. */
  header: number;
  title: number;
  note: number;
  /** Inner padding of a table cell. */
  pad: number;
  /** Room left for a handwritten signature. */
  signGap: number;
}

/**
 * Type sizes in Times (Decree 30/2020, Appendix I: body 13–14 pt, the national title 12–13 pt, the motto 13–14 pt):
 * the numbered forms at the official size, reports a size smaller, the tracking book as a register (10–11 pt).
 */
const SIZES: Record<'letter' | 'report' | 'register', Sizes> = {
  letter: { normal: 13, small: 11.5, header: 12.5, title: 14, note: 10.5, pad: 3, signGap: 50 },
  report: { normal: 11.5, small: 9.5, header: 11, title: 13, note: 9, pad: 3, signGap: 58 },
  register: { normal: 11, small: 10, header: 11, title: 13, note: 9, pad: 1.5, signGap: 40 },
};

/** Steps down from the official size when a form must fit one page (the receipt): the smallest is still 9.4 pt body. */
const ONE_PAGE_SCALES = [1, 0.96, 0.92, 0.88, 0.84, 0.8, 0.77, 0.74, 0.72];

const QR_SIZE = 78;
const PARA_GAP = 3.5;
const ROWS_PER_TURN = 25;

// Official documents are set in Times New Roman (Decree 30/2020); Tinos has its metrics and every Vietnamese letter
// with its tone marks (and ₫, …, –, —). The files are read once.
let fontFiles: Record<Style, Buffer> | undefined;
function fonts(): Record<Style, Buffer> {
  if (!fontFiles) {
    const require = createRequire(import.meta.url);
    const file = (name: string) => readFileSync(require.resolve(`@expo-google-fonts/tinos/${name}/Tinos_${name}.ttf`));
    fontFiles = {
      regular: file('400Regular'),
      bold: file('700Bold'),
      italic: file('400Regular_Italic'),
      boldItalic: file('700Bold_Italic'),
    };
  }
  return fontFiles;
}

/** Precomposed letters (NFC) so each accented letter is one glyph; control characters other than line breaks dropped. */
function clean(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, ' ');
}

const styleOf = (run: Pick<Run, 'bold' | 'italic'>): Style =>
  run.bold ? (run.italic ? 'boldItalic' : 'bold') : run.italic ? 'italic' : 'regular';

/** The QR code modules of a payload: true = dark. */
export function qrModules(payload: string): boolean[][] {
  const qr = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  return Array.from({ length: n }, (_, row) => Array.from({ length: n }, (_, col) => Boolean(qr.modules.get(row, col))));
}

// ---------- agency names in the header ----------

/** Words of two or three syllables found in agency names ("TRUNG TÂM", "HÀNH CHÍNH CÔNG"): a line never breaks inside one. */
const COMPOUNDS = new Set(
  [
    'ỦY BAN | UỶ BAN | NHÂN DÂN | TRUNG TÂM | PHỤC VỤ | HÀNH CHÍNH | CHI NHÁNH | VĂN PHÒNG',
    'ĐĂNG KÝ | ĐẤT ĐAI | NÔNG NGHIỆP | MÔI TRƯỜNG | TƯ PHÁP | XÂY DỰNG | TÀI CHÍNH | Y TẾ',
    'GIÁO DỤC | ĐÀO TẠO | NỘI VỤ | CÔNG THƯƠNG | VĂN HÓA | VĂN HOÁ | THỂ THAO | DU LỊCH',
    'KHOA HỌC | CÔNG NGHỆ | DÂN TỘC | TÔN GIÁO | CÔNG AN | BẢO HIỂM | XÃ HỘI | HỘI ĐỒNG',
    'BỘ PHẬN | TIẾP NHẬN | KẾT QUẢ | MỘT CỬA | THÔNG TIN | TRUYỀN THÔNG | KẾ HOẠCH | ĐẦU TƯ',
    'LAO ĐỘNG | THƯƠNG BINH | GIAO THÔNG | VẬN TẢI | TÀI NGUYÊN | NGOẠI VỤ | THANH TRA | QUẢN LÝ',
    'KINH TẾ | PHÁT TRIỂN | DỊCH VỤ | HỘ TỊCH | CƯ TRÚ | PHÒNG BAN | CHỨNG THỰC | DOANH NGHIỆP',
    'KHU VỰC | CÔNG CHỨNG | HÀNH CHÍNH CÔNG',
  ]
    .flatMap((group) => group.split(' | '))
    .map((w) => w.normalize('NFC')),
);

/** Kinds of unit whose proper name follows them: the name is kept whole with its kind ("TỈNH NINH BÌNH", "CHI NHÁNH PHỦ LÝ"). */
const NAME_KINDS_2 = new Set(['THÀNH PHỐ', 'THỊ TRẤN', 'THỊ XÃ', 'ĐẶC KHU', 'CHI NHÁNH'].map((w) => w.normalize('NFC')));
const NAME_KINDS_1 = new Set(['TỈNH', 'XÃ', 'PHƯỜNG', 'HUYỆN', 'QUẬN'].map((w) => w.normalize('NFC')));

interface Chunk {
  text: string;
  /** A natural place to break before: a proper name, what follows a dash, a parenthesis. */
  strong: boolean;
}

const isDash = (w: string) => w === '–' || w === '-' || w === '—';
const closesName = (w: string) => /[,)]$/.test(w);

/** The pieces of a name no line may split: proper names with their kind, two-syllable words, the rest word by word. */
function chunksOf(name: string, fine: boolean): Chunk[] {
  const words = name.normalize('NFC').split(/\s+/).filter(Boolean);
  const up = words.map((w) => w.toLocaleUpperCase('vi-VN'));
  const out: Chunk[] = [];
  const kindAt = (k: number) =>
    NAME_KINDS_2.has(`${up[k]} ${up[k + 1]}`) ? 2 : COMPOUNDS.has(`${up[k]} ${up[k + 1]}`) ? 0 : NAME_KINDS_1.has(up[k]!) ? 1 : 0;
  let afterDash = false;
  for (let k = 0; k < words.length;) {
    const w = words[k]!;
    if (isDash(w) && out.length) {
      // The dash ends its line: "CHI NHÁNH PHỦ LÝ –" / "TRUNG TÂM …".
      out[out.length - 1]!.text += ` ${w}`;
      afterDash = true;
      k++;
      continue;
    }
    const strong = afterDash || w.startsWith('(');
    afterDash = false;
    const kind = kindAt(k);
    if (kind && !fine) {
      // The kind and the proper name after it, up to a dash, a comma, a parenthesis or the next kind.
      let end = k + kind;
      while (end < words.length && !isDash(words[end]!) && !words[end]!.startsWith('(') && !kindAt(end)) {
        end++;
        if (closesName(words[end - 1]!)) break;
      }
      out.push({ text: words.slice(k, Math.max(end, k + kind + 1)).join(' '), strong: true });
      k = Math.max(end, k + kind + 1);
      continue;
    }
    const compound = [3, 2].find(
      (len) => k + len <= words.length && COMPOUNDS.has(up.slice(k, k + len).join(' ')) && !words.slice(k, k + len - 1).some(closesName),
    );
    if (compound) {
      out.push({ text: words.slice(k, k + compound).join(' '), strong: strong || kind > 0 });
      k += compound;
      continue;
    }
    out.push({ text: w, strong: strong || kind > 0 });
    k++;
  }
  return out;
}

/** The best lines for chunks in a width: breaks at natural places, then lines of even length. */
function breakChunks(chunks: Chunk[], width: number, widthOf: (text: string) => number, weakBreaks = true): string[] | null {
  const n = chunks.length;
  const text = (i: number, j: number) =>
    chunks
      .slice(i, j)
      .map((c) => c.text)
      .join(' ');
  const weak = 1.5 * width ** 2;
  // best[j]: the lines of chunks [0, j) as [number of lines, cost, start of the last line].
  const best: ([number, number, number] | null)[] = [[0, 0, -1], ...Array<null>(n).fill(null)];
  for (let j = 1; j <= n; j++) {
    for (let i = j - 1; i >= 0; i--) {
      const w = widthOf(text(i, j));
      if (w > width) break;
      const prev = best[i];
      if (!prev || (i > 0 && !weakBreaks && !chunks[i]!.strong)) continue;
      // A break inside a run of common words costs more than a line: "CHI NHÁNH DUY TIÊN –" / "TRUNG TÂM … CÔNG" / "TỈNH NINH BÌNH".
      const cost = prev[1] + (width - w) ** 2 + (i > 0 && !chunks[i]!.strong ? weak : 0);
      const cur = best[j];
      if (!cur || cost < cur[1]) best[j] = [prev[0] + 1, cost, i];
    }
  }
  if (!best[n]) return null;
  const lines: string[] = [];
  for (let j = n; j > 0; j = best[j]![2]) lines.unshift(text(best[j]![2], j));
  return lines;
}

/**
 * How an agency name of the header is set in its column: broken only between whole words (a proper name with its
 * kind, a two-syllable word), never inside one, in at most `maxLines` lines, a size smaller when it does not fit.
 */
export function agencyLines(
  name: string,
  width: number,
  widthAt: (text: string, size: number) => number,
  opts: { size: number; minSize: number; maxLines: number },
): { lines: string[]; size: number } {
  const attempt = (fine: boolean, maxLines: number, minSize = opts.minSize, weakBreaks = true) => {
    for (let size = opts.size; size >= minSize - 1e-9; size -= 0.25) {
      const lines = breakChunks(chunksOf(name, fine), width, (t) => widthAt(t, size), weakBreaks);
      if (lines && lines.length <= maxLines) return { lines, size };
    }
    return null;
  };
  return (
    // Natural breaks only, a little smaller if need be; then any break between whole words; then word by word.
    attempt(false, opts.maxLines, Math.max(opts.minSize, opts.size * 0.88), false) ??
    attempt(false, opts.maxLines) ??
    attempt(true, opts.maxLines) ?? {
      // More lines than it should take even at the smallest size: as few as that size allows.
      lines: breakChunks(chunksOf(name, true), width, (t) => widthAt(t, opts.minSize)) ?? name.split(/\s+/),
      size: opts.minSize,
    }
  );
}

// ---------- the layout ----------

const A4 = { portrait: { width: 595.28, height: 841.89 }, landscape: { width: 841.89, height: 595.28 } };
/** The share of the header's width the issuing agency takes (the national title has the rest). */
const AGENCY_SHARE = { portrait: 0.45, landscape: 0.38 };

/** The width an agency name of the header may take on a page of this orientation, and its official size there. */
export function agencyColumn(
  orientation: 'portrait' | 'landscape',
  kind: 'letter' | 'report' | 'register' = 'letter',
): { width: number; size: number } {
  const m = MARGINS[orientation];
  const share = (A4[orientation].width - m.left - m.right) * AGENCY_SHARE[orientation];
  return { width: share - 10, size: SIZES[orientation === 'landscape' ? 'register' : kind].header };
}

function sizesOf(form: FormDocument, scale: number): Sizes {
  const p =
    form.orientation === 'landscape'
      ? SIZES.register
      : form.form === 'monthly-report' || form.form === 'e-receipt'
        ? SIZES.report
        : SIZES.letter;
  return {
    normal: p.normal * scale,
    small: p.small * scale,
    header: p.header * scale,
    title: p.title * scale,
    note: p.note * scale,
    pad: p.pad,
    signGap: p.signGap * scale,
  };
}

class Layout {
  readonly m: (typeof MARGINS)['portrait'];
  readonly s: Sizes;
  readonly left: number;
  readonly width: number;
  /** Line gap inside table cells: none in the register, whose rows must be tight. */
  readonly cellGap: number;
  /** The payload of a QR code to draw beside the next title. */
  titleQr: string | null;

  constructor(
    readonly doc: Pdf,
    readonly form: FormDocument,
    readonly scale: number,
  ) {
    this.m = MARGINS[form.orientation];
    this.s = sizesOf(form, scale);
    this.left = this.m.left;
    this.width = doc.page.width - this.m.left - this.m.right;
    this.cellGap = form.orientation === 'landscape' ? 0 : 0.5;
    const qr = form.blocks.find((b) => b.kind === 'qr' && b.atTitle);
    this.titleQr = qr?.kind === 'qr' ? qr.payload : null;
  }

  get maxY(): number {
    return this.doc.page.height - this.m.bottom;
  }

  font(style: Style, size: number): Pdf {
    return this.doc.font(style).fontSize(size);
  }

  /** Starts a new page when less than `height` is left on this one. */
  ensure(height: number): void {
    if (this.doc.y + height > this.maxY) {
      this.doc.addPage();
      this.doc.x = this.left;
      this.doc.y = this.m.top;
    }
  }

  /** One line of runs centred at (cx, y) in a column of the given width; wraps when it does not fit. Returns the y below it. */
  centred(line: Line, cx: number, colWidth: number, y: number, size: number): number {
    const runs = line.filter((r) => r.text).map((r) => ({ ...r, text: clean(r.text) }));
    if (!runs.length) return y;
    const widths = runs.map((r) => this.font(styleOf(r), size).widthOfString(r.text));
    const total = widths.reduce((a, b) => a + b, 0);
    if (total <= colWidth && !runs.some((r) => r.text.includes('\n'))) {
      let x = cx - total / 2;
      runs.forEach((r, k) => {
        this.font(styleOf(r), size).text(r.text, x, y, { lineBreak: false });
        x += widths[k]!;
      });
      return y + this.doc.currentLineHeight(true);
    }
    return this.flow(runs, cx - colWidth / 2, y, colWidth, size, 'center');
  }

  /** Runs flowing as one paragraph from (x, y); returns the y below it. */
  flow(runs: Run[], x: number, y: number, width: number, size: number, align: 'left' | 'center' | 'justify', indent = 0): number {
    const parts: Run[] = [];
    for (const r of runs) {
      let text = clean(r.text);
      // PDFKit drops the leading spaces of a continued fragment: they go to the end of the one before.
      const lead = /^ +/.exec(text)?.[0] ?? '';
      const prev = parts[parts.length - 1];
      if (lead && prev) {
        prev.text += lead;
        text = text.slice(lead.length);
      }
      if (text) parts.push({ ...r, text });
    }
    if (!parts.length) return y;
    this.doc.x = x;
    this.doc.y = y;
    parts.forEach((r, k) => {
      const last = k === parts.length - 1;
      const opts = { width: width - indent, align, continued: !last, lineGap: 1.5 * this.scale };
      this.font(styleOf(r), size);
      if (k === 0) this.doc.text(r.text, x + indent, y, opts);
      else this.doc.text(r.text, opts);
    });
    this.doc.x = this.left;
    return this.doc.y;
  }

  /** An agency name centred in the header's left column, whole words to a line; returns the y below it and its widest line. */
  agency(text: string, style: Style, cx: number, colW: number, y: number, maxLines: number): { y: number; widest: number } {
    const size = this.s.header;
    const fit = agencyLines(clean(text), colW, (t, sz) => this.font(style, sz).widthOfString(t), {
      size,
      minSize: size * 0.8,
      maxLines,
    });
    let widest = 0;
    for (const line of fit.lines) {
      const w = this.font(style, fit.size).widthOfString(line);
      widest = Math.max(widest, w);
      this.doc.text(line, cx - w / 2, y, { lineBreak: false });
      y += this.doc.currentLineHeight(true);
    }
    return { y, widest };
  }

  /** A one-line text centred at cx, a size smaller when it would overflow the column. */
  fitted(text: string, style: Style, size: number, cx: number, colW: number, y: number): { y: number; width: number } {
    let sz = size;
    while (sz > size * 0.8 && this.font(style, sz).widthOfString(text) > colW) sz -= 0.25;
    const w = this.font(style, sz).widthOfString(text);
    this.doc.text(text, cx - w / 2, y, { lineBreak: false });
    return { y: y + this.doc.currentLineHeight(true), width: w };
  }

  header(h: FormHeader): void {
    const { doc, left, width, s } = this;
    const top = this.m.top;
    if (this.form.formNo)
      this.font('italic', s.note).text(this.form.formNo, left, top - s.note - 5, { width, align: 'right', lineBreak: false });
    const leftW = width * AGENCY_SHARE[this.form.orientation];
    const rightW = width - leftW;
    const lcx = left + leftW / 2;
    const rcx = left + leftW + rightW / 2;
    let ly = top;
    if (h.superior) ly = this.agency(h.superior, 'regular', lcx, leftW - 10, ly, 2).y;
    const unit = this.agency(h.unit, 'bold', lcx, leftW - 10, ly, 3);
    ly = unit.y;
    // Decree 30/2020: a rule under the unit's name, a third to a half of its length.
    const half = Math.max(24, Math.min(unit.widest, leftW) / 4);
    this.rule(lcx - half, lcx + half, ly + 1);
    let ry = this.fitted('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'bold', s.header, rcx, rightW - 6, top).y;
    const motto = this.fitted('Độc lập - Tự do - Hạnh phúc', 'bold', s.header + 1, rcx, rightW - 6, ry);
    ry = motto.y;
    this.rule(rcx - motto.width / 2, rcx + motto.width / 2, ry + 1);
    // The number of the document on the left and its place and date on the right share a line; without a number the
    // date follows the motto.
    const row = (h.number ? Math.max(ly + 5, ry + 5) : ry + 5) + 4 * this.scale;
    let bottom = Math.max(ly + 4, ry + 4);
    if (h.number) bottom = Math.max(bottom, this.centred([{ text: h.number }], lcx, leftW, row, s.header));
    if (h.placeDate) bottom = Math.max(bottom, this.centred([{ text: h.placeDate, italic: true }], rcx, rightW, row, s.header + 0.5));
    doc.x = left;
    doc.y = bottom + 14 * this.scale;
  }

  rule(x1: number, x2: number, y: number): void {
    this.doc.save().lineWidth(0.6).moveTo(x1, y).lineTo(x2, y).stroke().restore();
  }

  async block(blk: Block): Promise<void> {
    switch (blk.kind) {
      case 'title': {
        this.ensure(60);
        const y0 = this.doc.y;
        // A QR code kept beside the title sits at the right margin; the title stays centred on the page, clear of it.
        const qr = this.titleQr;
        this.titleQr = null;
        const qrSize = qr ? 60 * Math.max(0.9, this.scale) : 0;
        const textW = this.width - 2 * (qrSize + (qr ? 8 : 0));
        let y = this.centred([{ text: blk.text, bold: true }], this.left + this.width / 2, textW, y0, this.s.title);
        y += 2;
        for (const line of blk.lines) y = this.centred(line, this.left + this.width / 2, textW, y, this.s.normal);
        if (qr) {
          this.symbol(qr, this.left + this.width - qrSize, y0 - 4, qrSize);
          y = Math.max(y, y0 - 4 + qrSize);
        }
        this.doc.y = y + 10 * this.scale;
        return;
      }
      case 'para': {
        const size = blk.size === 'small' ? this.s.note : this.s.normal;
        this.ensure(Math.max(size * 1.6, blk.keep ?? 0));
        const y = this.doc.y + (blk.gapBefore ?? 0);
        // PDFKit justifies each styled fragment on its own, which opens gaps: only one-style paragraphs are justified.
        const align = blk.align ?? (blk.runs.filter((x) => x.text).length === 1 ? 'justify' : 'left');
        const end =
          align === 'center'
            ? this.centred(blk.runs, this.left + this.width / 2, this.width, y, size)
            : this.flow(blk.runs, this.left, y, this.width, size, align, blk.indent ?? 0);
        this.doc.y = end + PARA_GAP * this.scale;
        return;
      }
      case 'table':
        await this.table(blk);
        return;
      case 'signatures':
        this.signatures(blk.left, blk.right);
        return;
      case 'qr':
        if (blk.atTitle) this.qrLines(blk.lines);
        else this.qr(blk.payload, blk.lines);
        return;
    }
  }

  /**
   * Column widths from the content, for the shortest rows: for a budget of L lines a row, each column takes the
   * width its cells need to wrap into L lines (all of them, or all but the longest tenth or quarter), the smallest
   * budget that fits the page wins, and the room left goes to the columns that could still use it.
   */
  contentWidths(t: Extract<Block, { kind: 'table' }>, size: number): number[] {
    const space = this.font('regular', size).widthOfString(' ');
    const pad = 2 * this.s.pad + 1;
    const cache = new Map<string, number>();
    const wordW = (w: string) => {
      let x = cache.get(w);
      if (x === undefined) cache.set(w, (x = this.font('regular', size).widthOfString(w)));
      return x;
    };
    // Up to 300 rows, evenly spread, stand for a long book.
    const step = Math.max(1, Math.ceil(t.rows.length / 300));
    // The column titles count as a row: a heading squeezed into many lines is as tall as a row would be.
    const sample = [t.columns.map((c) => c.title), ...t.rows.filter((_, n) => n % step === 0)];
    // Each cell as paragraphs of word widths.
    // Each cell as paragraphs of word widths, a word but the last with its space: PDFKit wraps a word when it and
    // the space after it pass the edge.
    const cells = t.columns.map((_, k) =>
      sample.map((row) =>
        clean(row[k] ?? '')
          .split('\n')
          .map((p) => {
            const words = p.split(/\s+/).filter(Boolean);
            return words.map((w, n) => wordW(w) + (n < words.length - 1 ? space : 0));
          }),
      ),
    );
    const linesOf = (paras: number[][], w: number) => {
      let n = 0;
      for (const words of paras) {
        n++;
        let x = 0;
        for (const ww of words) {
          if (x + ww > w && x > 0) {
            n++;
            x = ww;
          } else x += ww;
        }
      }
      return n;
    };
    const minW = t.columns.map((c, k) => {
      let w = Math.max(
        0,
        ...clean(c.title)
          .split(/\s+/)
          .map((x) => this.font('bold', size).widthOfString(`${x} `)),
      );
      for (const paras of cells[k]!) for (const words of paras) w = Math.max(w, ...words);
      return w;
    });
    const natural = cells.map((col, k) =>
      Math.max(minW[k]!, ...col.map((paras) => Math.max(0, ...paras.map((ws) => ws.reduce((a, b) => a + b, 0))))),
    );
    /** The narrowest width at which the cell wraps into `lines` lines. */
    const need = (paras: number[][], k: number, lines: number) => {
      let lo = minW[k]!;
      let hi = natural[k]!;
      if (linesOf(paras, lo) <= lines) return lo;
      for (let i = 0; i < 14 && hi - lo > 0.5; i++) {
        const mid = (lo + hi) / 2;
        if (linesOf(paras, mid) <= lines) hi = mid;
        else lo = mid;
      }
      return hi;
    };
    const W = this.width - pad * t.columns.length;
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const fill = (base: number[]) => {
      const left = W - sum(base);
      const want = base.map((w, k) => Math.max(0, natural[k]! - w));
      const spread = sum(want);
      return base.map((w, k) => w + (spread > 0 ? (left * want[k]!) / spread : left / base.length));
    };
    const cost = (ws: number[]) => {
      let total = 0;
      for (let n = 0; n < sample.length; n++) total += Math.max(...cells.map((col, k) => linesOf(col[n]!, ws[k]!)));
      return total;
    };
    let best: number[] = sum(minW) >= W ? minW.map((w) => (w / sum(minW)) * W) : fill(minW);
    let bestCost = cost(best);
    for (let lines = 1; lines <= 8; lines++) {
      for (const q of [1, 0.9, 0.75]) {
        const base = cells.map((col, k) => {
          const needs = col.map((paras) => need(paras, k, lines)).sort((a, b) => a - b);
          return needs.length ? needs[Math.min(needs.length - 1, Math.ceil(q * needs.length) - 1)]! : minW[k]!;
        });
        if (sum(base) > W) continue;
        const ws = fill(base);
        const c = cost(ws);
        if (c < bestCost) [best, bestCost] = [ws, c];
      }
    }
    return best.map((w) => w + pad);
  }

  async table(t: Extract<Block, { kind: 'table' }>): Promise<void> {
    const { doc, left, width } = this;
    const pad = this.s.pad;
    const gap = this.cellGap;
    const size = t.size === 'small' ? this.s.small : this.s.normal;
    const total = t.columns.reduce((a, c) => a + c.weight, 0);
    const widths = t.autoWidth && t.rows.length ? this.contentWidths(t, size) : t.columns.map((c) => (c.weight / total) * width);
    const xs = widths.map((_, k) => left + widths.slice(0, k).reduce((a, w) => a + w, 0));
    // Paragraph by paragraph: PDFKit measures a line break as a glyph, which would wrap a full line before it.
    const paras = (text: string) => (clean(text) || ' ').split('\n').map((p) => p || ' ');
    const paraH = (p: string, w: number, style: Style) => this.font(style, size).heightOfString(p, { width: w - 2 * pad, lineGap: gap });
    const measure = (text: string, w: number, style: Style) => paras(text).reduce((a, p) => a + paraH(p, w, style), 0);
    const cell = (text: string, x: number, y: number, w: number, h: number, style: Style, align: 'left' | 'center', middle = false) => {
      doc.save().lineWidth(0.5).rect(x, y, w, h).stroke().restore();
      const th = measure(text, w, style);
      let ty = middle ? y + (h - th) / 2 : y + pad;
      for (const p of paras(text)) {
        this.font(style, size).text(p, x + pad, ty, { width: w - 2 * pad, align, lineGap: gap });
        ty += paraH(p, w, style);
      }
    };
    const grouped = new Set<number>();
    for (const g of t.groups ?? []) for (let k = g.from; k <= g.to; k++) grouped.add(k);
    const groupH = Math.max(0, ...(t.groups ?? []).map((g) => measure(g.title, xs[g.to]! + widths[g.to]! - xs[g.from]!, 'bold') + 2 * pad));
    const titleH = (k: number) => measure(t.columns[k]!.title, widths[k]!, 'bold') + 2 * pad;
    const headH = Math.max(groupH + Math.max(0, ...[...grouped].map(titleH)), ...t.columns.map((_, k) => (grouped.has(k) ? 0 : titleH(k))));
    const drawHead = () => {
      const y = doc.y;
      t.columns.forEach((c, k) => {
        if (grouped.has(k)) cell(c.title, xs[k]!, y + groupH, widths[k]!, headH - groupH, 'bold', 'center', true);
        else cell(c.title, xs[k]!, y, widths[k]!, headH, 'bold', 'center', true);
      });
      for (const g of t.groups ?? [])
        cell(g.title, xs[g.from]!, y, xs[g.to]! + widths[g.to]! - xs[g.from]!, groupH, 'bold', 'center', true);
      doc.y = y + headH;
    };
    const room = () => this.maxY - this.m.top - headH - 2;
    this.ensure(headH + 24);
    drawHead();
    const rows = t.rows.length ? t.rows : null;
    if (!rows) {
      const h = measure(t.empty ?? '', width, 'italic') + 2 * pad;
      cell(t.empty ?? '', left, doc.y, width, h, 'italic', 'center');
      doc.y += h;
    }
    const strong = new Set(t.strong ?? []);
    for (const [n, raw] of (rows ?? []).entries()) {
      // Laying out is synchronous work: a long book lets other requests through every few rows.
      if (n % ROWS_PER_TURN === ROWS_PER_TURN - 1) await new Promise((resolve) => setImmediate(resolve));
      const style: Style = strong.has(n) ? 'bold' : 'regular';
      // A row taller than a page is cut, so no row ever splits across pages.
      const row = raw.map((text, k) => this.fit(text, widths[k]!, room() - 2 * pad, measure, style));
      const h = Math.max((t.minRowHeight ?? 0) * this.scale, Math.max(...row.map((text, k) => measure(text, widths[k]!, style))) + 2 * pad);
      if (doc.y + h > this.maxY) {
        doc.addPage();
        doc.y = this.m.top;
        drawHead();
      }
      const y = doc.y;
      row.forEach((text, k) => cell(text, xs[k]!, y, widths[k]!, h, style, t.columns[k]!.align ?? 'left'));
      doc.y = y + h;
    }
    doc.x = left;
    doc.y += 8 * this.scale;
  }

  /** Cuts text to fit a height, ending with an ellipsis. */
  fit(text: string, w: number, maxH: number, measure: (text: string, w: number, style: Style) => number, style: Style = 'regular'): string {
    if (measure(text, w, style) <= maxH) return text;
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (measure(`${text.slice(0, mid)}…`, w, style) <= maxH) lo = mid;
      else hi = mid - 1;
    }
    return `${text.slice(0, lo)}…`;
  }

  signatures(l: Signature | { recipients: string[] } | null, r: Signature | null): void {
    const { left, width, s } = this;
    const line = s.normal * 1.2;
    this.ensure(3 * line + s.signGap + 16);
    const top = this.doc.y + 6 * this.scale;
    const colW = width / 2;
    let bottom = top;
    const sign = (sig: Signature, x: number) => {
      const cx = x + colW / 2;
      let y = this.centred([{ text: sig.title, bold: true }], cx, colW, top, s.normal);
      y = this.centred([{ text: sig.hint, italic: true }], cx, colW, y, s.normal - 1);
      y += s.signGap;
      // The name of the person who signs, printed under the room left for the signature (Decree 30/2020).
      if (sig.name) y = this.centred([{ text: sig.name, bold: true }], cx, colW, y, s.normal);
      else y += line;
      bottom = Math.max(bottom, y);
    };
    if (l && 'recipients' in l) {
      let y = this.flow([{ text: 'Nơi nhận:', bold: true, italic: true }], left, top, colW, s.small, 'left');
      for (const x of l.recipients) y = this.flow([{ text: `- ${x}` }], left, y, colW, s.note + 0.5, 'left');
      bottom = Math.max(bottom, y);
    } else if (l) sign(l, left);
    if (r) sign(r, left + colW);
    this.doc.x = left;
    this.doc.y = bottom + 10 * this.scale;
  }

  /** The lines of a QR block whose symbol is beside the title, in small type across the page. */
  qrLines(lines: Line[]): void {
    let y = this.doc.y;
    // The heading and the instruction share a line.
    const [head, ...rest] = lines;
    const joined = head && rest.length ? [[...head, { text: ' ' }, ...rest[0]!], ...rest.slice(1)] : lines;
    for (const line of joined) y = this.flow(line, this.left, y, this.width, this.s.note, 'left') + 0.5;
    this.doc.y = y + PARA_GAP * this.scale;
  }

  qr(payload: string, lines: Line[]): void {
    const { doc, left, width, s } = this;
    const size = QR_SIZE * Math.max(0.85, this.scale);
    this.ensure(size + 8);
    const unit = size / qrModules(payload).length;
    const x0 = left;
    const y0 = doc.y + 4;
    this.symbol(payload, x0, y0, size);
    // The quiet zone (4 modules) stays blank: the text starts past it.
    const tx = x0 + size + 4 * unit + 4;
    let y = y0 + 4;
    for (const line of lines) y = this.flow(line, tx, y, left + width - tx, s.small, 'left') + 1;
    doc.x = left;
    doc.y = Math.max(y, y0 + size) + 10 * this.scale;
  }

  /** A QR code drawn as vector squares, `size` points wide, its top left at (x0, y0). */
  symbol(payload: string, x0: number, y0: number, size: number): void {
    const { doc } = this;
    const modules = qrModules(payload);
    const n = modules.length;
    const unit = size / n;
    // Marked, so a reader (or a test) can find the symbol among the page's drawings.
    doc.markContent('QRCode');
    doc.save();
    modules.forEach((row, r) => {
      for (let c = 0; c < n;) {
        if (!row[c]) {
          c++;
          continue;
        }
        let end = c;
        while (end < n && row[end]) end++;
        doc.rect(x0 + c * unit, y0 + r * unit, (end - c) * unit, unit);
        c = end;
      }
    });
    doc.fillColor('black').fill();
    doc.restore();
    doc.endMarkedContent();
  }

  pageNumbers(): void {
    const { doc } = this;
    const range = doc.bufferedPageRange();
    if (range.count < 2) return;
    for (let p = range.start; p < range.start + range.count; p++) {
      doc.switchToPage(p);
      const bottom = doc.page.margins.bottom;
      doc.page.margins.bottom = 0; // writing inside the bottom margin must not start a new page
      this.font('regular', this.s.note).text(
        `Trang ${p - range.start + 1}/${range.count}`,
        this.left,
        doc.page.height - this.m.bottom + Math.min(10, this.m.bottom - this.s.note - 6),
        { width: this.width, align: 'center', lineBreak: false },
      );
      doc.page.margins.bottom = bottom;
    }
  }
}

/** Lays a form out on A4 at a scale of its type sizes; the pages stay buffered until `finish`. */
async function layOut(form: FormDocument, producedAt: Date, scale: number): Promise<{ doc: Pdf; layout: Layout; pages: number }> {
  const f = fonts();
  const doc = new PDFDocument({
    size: 'A4',
    layout: form.orientation,
    margins: MARGINS[form.orientation],
    bufferPages: true,
    autoFirstPage: true,
    lang: 'vi-VN',
    displayTitle: true,
    info: {
      Title: clean(`${form.title}`),
      Subject: clean(form.subject),
      Author: clean(form.header.unit),
      Creator: 'Motcua',
      Producer: 'Motcua (PDFKit)',
      CreationDate: producedAt,
    },
  });
  doc.registerFont('regular', f.regular);
  doc.registerFont('bold', f.bold);
  doc.registerFont('italic', f.italic);
  doc.registerFont('boldItalic', f.boldItalic);
  const layout = new Layout(doc, form, scale);
  doc.fillColor('black').strokeColor('black');
  layout.header(form.header);
  for (const blk of form.blocks) await layout.block(blk);
  return { doc, layout, pages: doc.bufferedPageRange().count };
}

/** Lays out a form on A4 with embedded Tinos (Times New Roman metrics) and returns the PDF bytes; a one-page form is set smaller until it fits. */
export async function renderForm(form: FormDocument, opts: { producedAt: Date }): Promise<Buffer> {
  const scales = form.onePage ? ONE_PAGE_SCALES : [1];
  const full = await layOut(form, opts.producedAt, scales[0]!);
  let laid = full;
  for (const scale of scales.slice(1)) {
    if (laid.pages <= 1) break;
    // The larger attempt is dropped unfinished: nothing of it was read.
    laid = await layOut(form, opts.producedAt, scale);
  }
  // Too long for one page even in small type: two pages at the official size read better.
  if (laid.pages > 1) laid = full;
  const { doc, layout } = laid;
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  layout.pageNumbers();
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
