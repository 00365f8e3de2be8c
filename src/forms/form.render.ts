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
  landscape: { top: 14 * MM, bottom: 14 * MM, left: 15 * MM, right: 12 * MM },
};

const SIZES = {
  portrait: { normal: 10.5, small: 8.5, header: 10, title: 13, note: 8 },
  landscape: { normal: 9.5, small: 7.2, header: 9.5, title: 13, note: 7.5 },
};

const QR_SIZE = 78;
const PARA_GAP = 3.5;
const CELL_PAD = 3;
const ROWS_PER_TURN = 25;

// DejaVu Sans covers every Vietnamese letter with its tone marks; the files are read once.
let fontFiles: Record<Style, Buffer> | undefined;
function fonts(): Record<Style, Buffer> {
  if (!fontFiles) {
    const require = createRequire(import.meta.url);
    const file = (name: string) => readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${name}`));
    fontFiles = {
      regular: file('DejaVuSans.ttf'),
      bold: file('DejaVuSans-Bold.ttf'),
      italic: file('DejaVuSans-Oblique.ttf'),
      boldItalic: file('DejaVuSans-BoldOblique.ttf'),
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

class Layout {
  readonly m: (typeof MARGINS)['portrait'];
  readonly s: (typeof SIZES)['portrait'];
  readonly left: number;
  readonly width: number;

  constructor(
    readonly doc: Pdf,
    readonly form: FormDocument,
  ) {
    this.m = MARGINS[form.orientation];
    this.s = SIZES[form.orientation];
    this.left = this.m.left;
    this.width = doc.page.width - this.m.left - this.m.right;
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
    if (total <= colWidth) {
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
      const opts = { width: width - indent, align, continued: !last, lineGap: 1.5 };
      this.font(styleOf(r), size);
      if (k === 0) this.doc.text(r.text, x + indent, y, opts);
      else this.doc.text(r.text, opts);
    });
    this.doc.x = this.left;
    return this.doc.y;
  }

  header(h: FormHeader): void {
    const { doc, left, width, s } = this;
    const top = this.m.top;
    if (this.form.formNo)
      this.font('italic', this.s.note).text(this.form.formNo, left, top - 13, { width, align: 'right', lineBreak: false });
    const leftW = width * (this.form.orientation === 'portrait' ? 0.42 : 0.4);
    const rightW = width - leftW;
    const lcx = left + leftW / 2;
    const rcx = left + leftW + rightW / 2;
    let ly = top;
    if (h.superior) ly = this.flow([{ text: h.superior }], left, ly, leftW, s.header, 'center');
    ly = this.flow([{ text: h.unit, bold: true }], left, ly, leftW, s.header, 'center');
    this.rule(lcx - 28, lcx + 28, ly + 2);
    let ry = top;
    ry = this.centred([{ text: 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', bold: true }], rcx, rightW, ry, s.header);
    const motto = 'Độc lập - Tự do - Hạnh phúc';
    const mottoW = this.font('bold', s.header + 0.5).widthOfString(motto);
    ry = this.centred([{ text: motto, bold: true }], rcx, rightW, ry, s.header + 0.5);
    this.rule(rcx - mottoW / 2, rcx + mottoW / 2, ry + 2);
    ry += 10;
    if (h.placeDate) ry = this.centred([{ text: h.placeDate, italic: true }], rcx, rightW, ry, s.header);
    doc.x = left;
    doc.y = Math.max(ly + 8, ry) + 12;
  }

  rule(x1: number, x2: number, y: number): void {
    this.doc.save().lineWidth(0.6).moveTo(x1, y).lineTo(x2, y).stroke().restore();
  }

  async block(blk: Block): Promise<void> {
    switch (blk.kind) {
      case 'title': {
        this.ensure(60);
        let y = this.centred([{ text: blk.text, bold: true }], this.left + this.width / 2, this.width, this.doc.y, this.s.title);
        y += 2;
        for (const line of blk.lines) y = this.centred(line, this.left + this.width / 2, this.width, y, this.s.normal);
        this.doc.y = y + 10;
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
        this.doc.y = end + PARA_GAP;
        return;
      }
      case 'table':
        await this.table(blk);
        return;
      case 'signatures':
        this.signatures(blk.left, blk.right);
        return;
      case 'qr':
        this.qr(blk.payload, blk.lines);
        return;
    }
  }

  async table(t: Extract<Block, { kind: 'table' }>): Promise<void> {
    const { doc, left, width } = this;
    const size = t.size === 'small' ? this.s.small : this.s.normal;
    const total = t.columns.reduce((a, c) => a + c.weight, 0);
    const widths = t.columns.map((c) => (c.weight / total) * width);
    const xs = widths.map((_, k) => left + widths.slice(0, k).reduce((a, w) => a + w, 0));
    const measure = (text: string, w: number, style: Style) =>
      this.font(style, size).heightOfString(clean(text) || ' ', { width: w - 2 * CELL_PAD, lineGap: 0.5 });
    const cell = (text: string, x: number, y: number, w: number, h: number, style: Style, align: 'left' | 'center', middle = false) => {
      doc.save().lineWidth(0.5).rect(x, y, w, h).stroke().restore();
      const th = measure(text, w, style);
      const ty = middle ? y + (h - th) / 2 : y + CELL_PAD;
      this.font(style, size).text(clean(text), x + CELL_PAD, ty, { width: w - 2 * CELL_PAD, align, lineGap: 0.5 });
    };
    const grouped = new Set<number>();
    for (const g of t.groups ?? []) for (let k = g.from; k <= g.to; k++) grouped.add(k);
    const groupH = Math.max(
      0,
      ...(t.groups ?? []).map((g) => measure(g.title, xs[g.to]! + widths[g.to]! - xs[g.from]!, 'bold') + 2 * CELL_PAD),
    );
    const titleH = (k: number) => measure(t.columns[k]!.title, widths[k]!, 'bold') + 2 * CELL_PAD;
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
      const h = measure(t.empty ?? '', width, 'italic') + 2 * CELL_PAD;
      cell(t.empty ?? '', left, doc.y, width, h, 'italic', 'center');
      doc.y += h;
    }
    const strong = new Set(t.strong ?? []);
    for (const [n, raw] of (rows ?? []).entries()) {
      // Laying out is synchronous work: a long book lets other requests through every few rows.
      if (n % ROWS_PER_TURN === ROWS_PER_TURN - 1) await new Promise((resolve) => setImmediate(resolve));
      const style: Style = strong.has(n) ? 'bold' : 'regular';
      // A row taller than a page is cut, so no row ever splits across pages.
      const row = raw.map((text, k) => this.fit(text, widths[k]!, room() - 2 * CELL_PAD, measure, style));
      const h = Math.max(t.minRowHeight ?? 0, Math.max(...row.map((text, k) => measure(text, widths[k]!, style))) + 2 * CELL_PAD);
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
    doc.y += 8;
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
    this.ensure(118);
    const top = this.doc.y + 6;
    const colW = width / 2;
    let bottom = top;
    const sign = (sig: Signature, x: number) => {
      const cx = x + colW / 2;
      let y = this.centred([{ text: sig.title, bold: true }], cx, colW, top, s.normal);
      y = this.centred([{ text: sig.hint, italic: true }], cx, colW, y, s.normal - 1);
      y += 58;
      if (sig.name) y = this.centred([{ text: sig.name, bold: true }], cx, colW, y, s.normal);
      bottom = Math.max(bottom, y);
    };
    if (l && 'recipients' in l) {
      let y = this.flow([{ text: 'Nơi nhận:', bold: true, italic: true }], left, top, colW, s.note + 0.5, 'left');
      for (const x of l.recipients) y = this.flow([{ text: `- ${x}` }], left, y, colW, s.note, 'left');
      bottom = Math.max(bottom, y);
    } else if (l) sign(l, left);
    if (r) sign(r, left + colW);
    this.doc.x = left;
    this.doc.y = bottom + 12;
  }

  qr(payload: string, lines: Line[]): void {
    const { doc, left, width, s } = this;
    this.ensure(QR_SIZE + 8);
    const modules = qrModules(payload);
    const n = modules.length;
    const unit = QR_SIZE / n;
    const x0 = left;
    const y0 = doc.y + 6;
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
    // The quiet zone (4 modules) stays blank: the text starts past it.
    const tx = x0 + QR_SIZE + 4 * unit + 4;
    let y = y0 + 4;
    for (const line of lines) y = this.flow(line, tx, y, left + width - tx, s.normal - 1, 'left') + 1.5;
    doc.x = left;
    doc.y = Math.max(y, y0 + QR_SIZE) + 12;
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
        doc.page.height - this.m.bottom + 10,
        { width: this.width, align: 'center', lineBreak: false },
      );
      doc.page.margins.bottom = bottom;
    }
  }
}

/** Lays out a form on A4 with embedded DejaVu Sans and returns the PDF bytes. */
export async function renderForm(form: FormDocument, opts: { producedAt: Date }): Promise<Buffer> {
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
      CreationDate: opts.producedAt,
    },
  });
  doc.registerFont('regular', f.regular);
  doc.registerFont('bold', f.bold);
  doc.registerFont('italic', f.italic);
  doc.registerFont('boldItalic', f.boldItalic);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  const layout = new Layout(doc, form);
  doc.fillColor('black').strokeColor('black');
  layout.header(form.header);
  for (const blk of form.blocks) await layout.block(blk);
  layout.pageNumbers();
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
