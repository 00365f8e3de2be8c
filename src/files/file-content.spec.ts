import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import PDFKit from 'pdfkit';
import sharp from 'sharp';
import { PDFDocument, PDFHexString, PDFName, PDFString, type PDFPage } from '@cantoo/pdf-lib';
import { DomainError } from '../platform/errors.js';
import { inspectFile, MAX_IMAGE_PIXELS } from './file-content.js';

// ---------------------------------------------------------------------------------------------------------------------
// Fixtures, all built here

function pdfkit(draw?: (doc: PDFKit.PDFDocument) => void, options: PDFKit.PDFDocumentOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFKit({ size: 'A4', ...options });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.fontSize(14).text('Don de nghi cap ban sao trich luc ho tich', 72, 72);
    draw?.(doc);
    doc.end();
  });
}

async function pdfLib(build?: (doc: PDFDocument, page: PDFPage) => void | Promise<void>, useObjectStreams = true): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  page.drawText('Giay xac nhan', { x: 72, y: 760, size: 14 });
  await build?.(doc, page);
  return Buffer.from(await doc.save({ useObjectStreams }));
}

/** Puts an action where a reader runs it on opening the document. */
const openAction = (action: Record<string, unknown>) => (doc: PDFDocument) => {
  doc.catalog.set(PDFName.of('OpenAction'), doc.context.obj(action as never));
};

/** Adds an annotation dictionary to the page's /Annots. */
const annotation = (annot: Record<string, unknown>) => (doc: PDFDocument, page: PDFPage) => {
  const ref = doc.context.register(doc.context.obj({ Type: 'Annot', Rect: [72, 600, 300, 640], ...annot } as never));
  page.node.set(PDFName.of('Annots'), doc.context.obj([ref]));
};

type RawObject = [number, string];

const stream = (data: string, dict = '') => `<< /Length ${Buffer.byteLength(data, 'latin1')} ${dict} >>\nstream\n${data}\nendstream`;

/** The three objects every raw fixture starts with: catalog (1), page tree (2), one page (3). */
const basics = (catalogExtra = ''): RawObject[] => [
  [1, `<< /Type /Catalog /Pages 2 0 R ${catalogExtra} >>`],
  [2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>'],
  [3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>'],
];

/**
 * A PDF written byte by byte, for shapes no library writes. The cross-reference table points at the FIRST definition
 * of each object number, as a file crafted for a reader that trusts the table would.
 */
function rawPdf(objects: RawObject[], { trailerExtra = '', xrefOverrides = new Map<number, number>() } = {}): Buffer {
  let body = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets = new Map<number, number>();
  for (const [num, content] of objects) {
    if (!offsets.has(num)) offsets.set(num, body.length);
    body += `${num} 0 obj\n${content}\nendobj\n`;
  }
  for (const [num, offset] of xrefOverrides) offsets.set(num, offset);
  const size = Math.max(...offsets.keys()) + 1;
  const xrefAt = body.length;
  body += `xref\n0 ${size}\n0000000000 65535 f \n`;
  for (let num = 1; num < size; num++) {
    const offset = offsets.get(num);
    body += offset === undefined ? '0000000000 00000 f \n' : `${String(offset).padStart(10, '0')} 00000 n \n`;
  }
  body += `trailer\n<< /Size ${size} /Root 1 0 R ${trailerExtra} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/** A one-file ZIP archive (stored, no compression). */
function tinyZip(name = 'payload.html', data = '<script>alert(1)</script>'): Buffer {
  const file = Buffer.from(data);
  const fileName = Buffer.from(name);
  const crc = crc32(file);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(file.length, 18);
  local.writeUInt32LE(file.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(file.length, 20);
  central.writeUInt32LE(file.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const localSize = local.length + fileName.length + file.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(localSize, 16);
  return Buffer.concat([local, fileName, file, central, fileName, end]);
}

const HTML = Buffer.from('<html><body><script>fetch("/api/staff").then(r => r.text()).then(alert)</script></body></html>\n');

const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } } });

/** A PNG whose header claims width × height but whose pixel data is a few bytes: a decompression bomb's shape. */
function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An uncompressed 8-bit grey TIFF with one page per size, written by hand (sharp writes only equal pages). */
function tiffPages(sizes: [number, number][]): Buffer {
  const header = Buffer.alloc(8);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(42, 2);
  header.writeUInt32LE(8, 4);
  const parts = [header];
  let offset = header.length;
  sizes.forEach(([width, height], index) => {
    const pixels = width * height;
    // [tag, type (3 short, 4 long), value]; 273 is the strip offset, filled in below.
    const entries: [number, number, number][] = [
      [256, 4, width],
      [257, 4, height],
      [258, 3, 8],
      [259, 3, 1],
      [262, 3, 1],
      [273, 4, 0],
      [277, 3, 1],
      [278, 4, height],
      [279, 4, pixels],
    ];
    const ifd = Buffer.alloc(2 + entries.length * 12 + 4);
    const dataAt = offset + ifd.length;
    ifd.writeUInt16LE(entries.length, 0);
    entries.forEach(([tag, type, value], i) => {
      const at = 2 + i * 12;
      ifd.writeUInt16LE(tag, at);
      ifd.writeUInt16LE(type, at + 2);
      ifd.writeUInt32LE(1, at + 4);
      if (type === 3) ifd.writeUInt16LE(value, at + 8);
      else ifd.writeUInt32LE(tag === 273 ? dataAt : value, at + 8);
    });
    ifd.writeUInt32LE(index === sizes.length - 1 ? 0 : dataAt + pixels, ifd.length - 4);
    parts.push(ifd, Buffer.alloc(pixels, 200));
    offset = dataAt + pixels;
  });
  return Buffer.concat(parts);
}

/** Deterministic noise (a linear congruential generator), so the test never depends on luck. */
function noise(length: number, seed = 7): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

async function refusal(content: Buffer): Promise<DomainError> {
  try {
    await inspectFile(content);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('the file was accepted');
}

async function expectRefused(content: Buffer, code: 'UNSUPPORTED_FILE_TYPE' | 'INVALID_FILE', ...fragments: string[]) {
  const error = await refusal(content);
  expect({ code: error.code, status: error.status, field: error.extra.field }).toEqual({
    code,
    status: code === 'UNSUPPORTED_FILE_TYPE' ? 415 : 400,
    field: 'body.file',
  });
  for (const fragment of fragments) expect(error.message).toContain(fragment);
  return error;
}

// ---------------------------------------------------------------------------------------------------------------------

describe('clean PDFs', () => {
  it('accepts a PDF written by pdfkit and returns its bytes unchanged', async () => {
    const pdf = await pdfkit();
    const result = await inspectFile(pdf);
    expect(result.mime).toBe('application/pdf');
    expect(result.content.equals(pdf)).toBe(true);
  });

  it('accepts a PDF with compressed object streams (PDF 1.5+) and one without', async () => {
    for (const useObjectStreams of [true, false]) {
      const pdf = await pdfLib(undefined, useObjectStreams);
      expect((await inspectFile(pdf)).content.equals(pdf)).toBe(true);
    }
  });

  it('accepts links to web pages and to pages of the same document', async () => {
    const pdf = await pdfkit((doc) => {
      doc.text('dichvucong.gov.vn', 72, 120, { link: 'https://dichvucong.gov.vn/' });
      doc.addNamedDestination('trang-2');
      doc.text('Xem trang 2', 72, 160, { goTo: 'trang-2' });
      doc.addPage().text('Trang 2');
    });
    expect((await inspectFile(pdf)).mime).toBe('application/pdf');
    const goTo = await pdfLib(openAction({ S: 'GoTo', D: [0, 'Fit'] }));
    expect((await inspectFile(goTo)).mime).toBe('application/pdf');
    const uri = await pdfLib(annotation({ Subtype: 'Link', A: { S: 'URI', URI: PDFString.of('https://example.vn/') } }));
    expect((await inspectFile(uri)).mime).toBe('application/pdf');
  });

  it('accepts an incrementally updated PDF (as a signing tool writes one)', async () => {
    const doc = await PDFDocument.load(await pdfLib(undefined, false), { forIncrementalUpdate: true });
    doc.setTitle('Ket qua giai quyet');
    const updated = Buffer.from(await doc.commit());
    expect(updated.toString('latin1').match(/%%EOF/g)).toHaveLength(2);
    expect((await inspectFile(updated)).content.equals(updated)).toBe(true);
  });

  it('accepts a hand-written PDF with whitespace after %%EOF', async () => {
    const pdf = Buffer.concat([rawPdf(basics()), Buffer.from('\r\n \t\n')]);
    expect((await inspectFile(pdf)).mime).toBe('application/pdf');
  });
});

describe('PDFs that run code or carry files', () => {
  it('refuses document-level JavaScript, naming the object', async () => {
    const pdf = await pdfLib((doc) => doc.addJavaScript('greet', 'app.alert("xin chao")'), false);
    const error = await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', 'The PDF contains JavaScript (object ');
    expect(error.message).toMatch(/\(object \d+ 0 R\); accepted PDFs carry no scripts/);
  });

  it('refuses JavaScript stored inside a compressed object stream', async () => {
    // The action is an object of its own, which pdf-lib compresses; the catalog only names its reference.
    const pdf = await pdfLib((doc) => {
      const action = doc.context.obj({ S: 'JavaScript', JS: PDFString.of('app.alert("xin chao")') });
      doc.catalog.set(PDFName.of('OpenAction'), doc.context.register(action));
    }, true);
    // The proof that the script is compressed away: no /JS or /JavaScript name is visible in the raw bytes.
    expect(pdf.includes('/JavaScript')).toBe(false);
    expect(pdf.includes('/JS')).toBe(false);
    expect(pdf.includes('/ObjStm')).toBe(true);
    await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', 'The PDF contains JavaScript');
  });

  it('refuses JavaScript in a page additional-action (/AA)', async () => {
    const pdf = await pdfLib((doc, page) => {
      page.node.set(PDFName.of('AA'), doc.context.obj({ O: { S: 'JavaScript', JS: PDFString.of('this.print()') } }));
    });
    await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', 'The PDF contains JavaScript');
  });

  it('refuses a /Launch action in /OpenAction and in a link annotation', async () => {
    await expectRefused(
      await pdfLib(openAction({ S: 'Launch', F: PDFString.of('cmd.exe') })),
      'UNSUPPORTED_FILE_TYPE',
      'The PDF contains a Launch action (object ',
    );
    await expectRefused(
      await pdfLib(annotation({ Subtype: 'Link', A: { S: 'Launch', F: PDFString.of('calc.exe') } }), false),
      'UNSUPPORTED_FILE_TYPE',
      'a Launch action',
    );
  });

  it.each(['ImportData', 'SubmitForm', 'GoToE', 'GoToR', 'RichMediaExecute', 'Rendition'])('refuses a %s action', async (action) => {
    const pdf = await pdfLib(openAction({ S: action, F: PDFString.of('x') }));
    await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', `The PDF contains a ${action} action`);
  });

  it.each(['javascript:app.alert(1)', 'JavaScript:void(0)', 'file:///C:/Windows/System32/calc.exe', '\\\\10.0.0.9\\share\\x'])(
    'refuses a link to %s',
    async (uri) => {
      // A hex string, so that the backslashes of a UNC path are not PDF escapes.
      const pdf = await pdfLib(annotation({ Subtype: 'Link', A: { S: 'URI', URI: PDFHexString.fromText(uri) } }));
      await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', `The PDF contains a link to ${JSON.stringify(uri)}`);
    },
  );

  it('refuses an embedded file', async () => {
    const pdf = await pdfLib((doc) =>
      doc.attach(Buffer.from('MZ not really a program'), 'setup.exe', { mimeType: 'application/octet-stream' }),
    );
    await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', 'The PDF contains an embedded file');
  });

  it('refuses a file attachment annotation even without an embedded stream', async () => {
    const pdf = await pdfLib(annotation({ Subtype: 'FileAttachment', FS: PDFString.of('\\\\server\\share\\a.exe') }));
    await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', 'The PDF contains a file attachment');
  });

  it('refuses an XFA form and rich media', async () => {
    await expectRefused(
      await pdfLib((doc) => doc.catalog.set(PDFName.of('AcroForm'), doc.context.obj({ Fields: [], XFA: PDFString.of('<xdp/>') }))),
      'UNSUPPORTED_FILE_TYPE',
      'an XFA form',
    );
    await expectRefused(await pdfLib(annotation({ Subtype: 'RichMedia' })), 'UNSUPPORTED_FILE_TYPE', 'rich media');
  });

  it('refuses JavaScript whose name is spelled with #xx escapes, nested deep in an array', async () => {
    const pdf = rawPdf([...basics('/OpenAction 4 0 R'), [4, '<< /Foo [ [ << /S /Java#53cript /J#53 (app.alert(1)) >> ] ] >>']]);
    expect(pdf.includes('/JS')).toBe(false);
    await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', 'The PDF contains JavaScript (object 4 0 R)');
  });

  it('refuses JavaScript in an object that nothing references', async () => {
    const pdf = rawPdf([...basics(), [9, '<< /S /JavaScript /JS (app.alert(1)) >>']]);
    await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', 'JavaScript (object 9 0 R)');
  });

  it('refuses JavaScript in object 0, which the parser drops', async () => {
    const pdf = rawPdf([[0, '<< /S /JavaScript /JS (app.alert(1)) >>'], ...basics()]);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', 'JavaScript (object 0 0 R)');
      expect(warn).toHaveBeenCalledWith('Removing parsed object: 0 0 R');
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses JavaScript in a stream dictionary', async () => {
    const pdf = rawPdf([...basics(), [4, stream('BT ET', '/JS (app.alert(1))')]]);
    await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', 'JavaScript (object 4 0 R)');
  });

  it('refuses JavaScript in an earlier definition that a later one hides from the parser', async () => {
    // The table points readers at the first definition; pdf-lib keeps the last one.
    const pdf = rawPdf([
      ...basics('/OpenAction 4 0 R'),
      [4, '<< /S /JavaScript /JS (app.alert(1)) >>'],
      [4, '<< /S /GoTo /D [3 0 R /Fit] >>'],
    ]);
    await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', 'JavaScript (object 4 0 R)');
  });

  it('refuses an incremental update that only unlinks an earlier script', async () => {
    const original = await pdfLib((doc) => doc.addJavaScript('greet', 'app.alert(1)'), false);
    const doc = await PDFDocument.load(original, { forIncrementalUpdate: true });
    doc.catalog.delete(PDFName.of('Names'));
    await expectRefused(Buffer.from(await doc.commit()), 'UNSUPPORTED_FILE_TYPE', 'JavaScript');
  });

  it('refuses an object hidden inside a stream, where only a reader following the table finds it', async () => {
    const hidden = '5 0 obj\n<< /S /JavaScript /JS (app.alert(1)) >>\nendobj\n';
    const objects: RawObject[] = [...basics('/OpenAction 5 0 R'), [4, stream(hidden)]];
    const plain = rawPdf(objects);
    const at = plain.indexOf('5 0 obj');
    const pdf = rawPdf(objects, { xrefOverrides: new Map([[5, at]]) });
    await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', `hidden inside other data or written unusually (at offset ${at})`);
  });

  it('refuses an object header written with comments between its tokens', async () => {
    const pdf = Buffer.from(
      rawPdf([...basics(), [4, '<< >>']])
        .toString('latin1')
        .replace('4 0 obj', '4 %x\n0 obj'),
      'latin1',
    );
    await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', 'written unusually');
  });
});

describe('PDFs with something else around them', () => {
  it('refuses HTML appended after %%EOF, naming its size', async () => {
    const pdf = Buffer.concat([await pdfkit(), HTML]);
    await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', `The PDF has data appended after its end (${HTML.length} bytes, looks like HTML)`);
  });

  it('refuses a ZIP archive appended after %%EOF', async () => {
    const zip = tinyZip();
    await expectRefused(
      Buffer.concat([await pdfkit(), zip]),
      'UNSUPPORTED_FILE_TYPE',
      `data appended after its end (${zip.length} bytes, looks like a ZIP archive)`,
    );
  });

  it('refuses NUL padding after %%EOF', async () => {
    await expectRefused(Buffer.concat([await pdfkit(), Buffer.alloc(64)]), 'UNSUPPORTED_FILE_TYPE', 'looks like padding');
  });

  it('refuses HTML slipped in before a second %%EOF', async () => {
    const pdf = Buffer.concat([await pdfkit(), HTML, Buffer.from('%%EOF\n')]);
    await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', 'The PDF holds data that is not part of it', 'looks like HTML');
  });

  it('refuses a ZIP archive slipped in before a second %%EOF', async () => {
    const pdf = Buffer.concat([await pdfkit(), tinyZip(), Buffer.from('\n%%EOF\n')]);
    await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', 'ZIP archive');
  });

  it('refuses a ZIP archive stored in the last stream, where unzip tools find its directory', async () => {
    const pdf = rawPdf([...basics(), [4, stream(tinyZip('note.txt', 'xin chao').toString('latin1'))]]);
    await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', 'The PDF ends with a ZIP archive directory');
  });

  it('refuses HTML in the first bytes, where browsers sniff', async () => {
    const pdf = Buffer.from(rawPdf(basics()).toString('latin1').replace('%\xe2\xe3\xcf\xd3', '%<html><script>alert(1)</script>'), 'latin1');
    await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', 'HTML in its first bytes');
  });

  it('refuses a truncated PDF', async () => {
    const pdf = await pdfkit();
    await expectRefused(pdf.subarray(0, pdf.length - 200), 'INVALID_FILE', 'The PDF is truncated (no %%EOF marker)');
  });

  it('refuses garbage after %PDF-', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-'), noise(2000), Buffer.from('\n%%EOF\n')]);
    await expectRefused(pdf, 'INVALID_FILE', 'The PDF cannot be parsed: ');
  });

  it('refuses a PDF without pages or without a catalog', async () => {
    await expectRefused(
      rawPdf([
        [1, '<< /Type /Catalog /Pages 2 0 R >>'],
        [2, '<< /Type /Pages /Kids [] /Count 0 >>'],
      ]),
      'INVALID_FILE',
      'The PDF has no pages',
    );
    await expectRefused(rawPdf([[1, '42']]), 'INVALID_FILE', 'no document catalog');
  });

  it('refuses nesting too deep to walk, and nesting that overflows the parser', async () => {
    const nested = (depth: number) => `<< /Deep ${'['.repeat(depth)}${']'.repeat(depth)} >>`;
    await expectRefused(rawPdf([...basics(), [4, nested(150)]]), 'INVALID_FILE', 'nested deeper than 100');
    await expectRefused(rawPdf([...basics(), [4, nested(200_000)]]), 'INVALID_FILE', 'The PDF cannot be parsed');
  });

  it('refuses an encrypted PDF', async () => {
    const pdf = await pdfkit(undefined, { userPassword: 'secret', ownerPassword: 'owner', pdfVersion: '1.7' });
    await expectRefused(pdf, 'UNSUPPORTED_FILE_TYPE', 'The PDF is encrypted; encrypted PDFs cannot be inspected');
  });
});

describe('images', () => {
  it('re-encodes a PNG, keeping its size in pixels', async () => {
    const png = await solid(64, 48).png().toBuffer();
    const result = await inspectFile(png);
    expect(result.mime).toBe('image/png');
    const meta = await sharp(result.content).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 48]);
  });

  it('neutralises a JPEG with HTML and a ZIP archive appended', async () => {
    const jpeg = await solid(320, 200).jpeg().toBuffer();
    const polyglot = Buffer.concat([jpeg, HTML, tinyZip()]);
    const result = await inspectFile(polyglot);
    expect(result.mime).toBe('image/jpeg');
    expect(result.content.includes('PK\x03\x04')).toBe(false);
    expect(result.content.includes('<script')).toBe(false);
    const meta = await sharp(result.content).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 320, 200]);
  });

  it('strips metadata from a JPEG, turning it upright by its EXIF orientation and keeping its dpi', async () => {
    const jpeg = await solid(40, 30)
      .withMetadata({ orientation: 6, density: 300 })
      .withExif({ IFD0: { ImageDescription: '<script>alert(1)</script>' } })
      .jpeg()
      .toBuffer();
    expect(jpeg.includes('<script>')).toBe(true);
    const result = await inspectFile(jpeg);
    expect(result.content.includes('<script>')).toBe(false);
    const meta = await sharp(result.content).metadata();
    // What EXIF is left is the one sharp writes for the resolution: upright, no description.
    expect({ width: meta.width, height: meta.height, orientation: meta.orientation ?? 1, density: meta.density }).toEqual({
      width: 30,
      height: 40,
      orientation: 1,
      density: 300,
    });
  });

  it('re-encodes a TIFF as a TIFF, keeping every page of a multi-page scan', async () => {
    const single = await solid(50, 70).tiff().toBuffer();
    const result = await inspectFile(single);
    expect(result.mime).toBe('image/tiff');
    expect((await sharp(result.content).metadata()).format).toBe('tiff');

    const page = await solid(50, 70).png().toBuffer();
    const bundle = await sharp([page, page, page], { join: { animated: true } })
      .tiff()
      .toBuffer();
    const meta = await sharp((await inspectFile(bundle)).content).metadata();
    expect([meta.pages, meta.width, meta.height]).toEqual([3, 50, 70]);
  });

  it('keeps a bilevel TIFF scan at one bit per pixel and at its dpi', async () => {
    const bilevel = await solid(200, 100)
      .toColourspace('b-w')
      .tiff({ bitdepth: 1, compression: 'ccittfax4', xres: 300 / 25.4, yres: 300 / 25.4 })
      .toBuffer();
    expect((await sharp(bilevel).metadata()).bitsPerSample).toBe(1);
    const meta = await sharp((await inspectFile(bilevel)).content).metadata();
    expect([meta.bitsPerSample, meta.channels, meta.width, Math.round(meta.density ?? 0)]).toEqual([1, 1, 200, 300]);
  });

  it('refuses a TIFF whose pages differ in size, which cannot be written back as one', async () => {
    const mixed = tiffPages([
      [30, 40],
      [40, 30],
    ]);
    expect(
      (
        await inspectFile(
          tiffPages([
            [30, 40],
            [30, 40],
          ]),
        )
      ).mime,
    ).toBe('image/tiff');
    await expectRefused(mixed, 'UNSUPPORTED_FILE_TYPE', 'The TIFF has pages of different sizes; send such a scan as a PDF');
  });

  it('refuses a PNG claiming more pixels than the limit (a decompression bomb)', async () => {
    await expectRefused(
      pngClaiming(100_000, 100_000),
      'UNSUPPORTED_FILE_TYPE',
      `The image has 100000×100000 pixels, more than the ${MAX_IMAGE_PIXELS / 1_000_000} megapixels accepted`,
    );
  });

  it('refuses an image that cannot be decoded', async () => {
    const png = await solid(300, 300).png({ compressionLevel: 0 }).toBuffer();
    await expectRefused(png.subarray(0, png.length / 2), 'INVALID_FILE', 'The image cannot be decoded: ');
    const jpeg = await solid(300, 300).jpeg().toBuffer();
    await expectRefused(Buffer.concat([jpeg.subarray(0, 200), noise(400)]), 'INVALID_FILE', 'The image cannot be decoded: ');
  });
});

describe('other content', () => {
  it('refuses HTML, whatever it would be called', async () => {
    await expectRefused(HTML, 'UNSUPPORTED_FILE_TYPE', "The file's content is not a recognised document; accepted: PDF, JPEG, PNG, TIFF");
  });

  it('refuses a ZIP archive, naming what it is', async () => {
    await expectRefused(tinyZip(), 'UNSUPPORTED_FILE_TYPE', "The file's content is application/zip; accepted: PDF, JPEG, PNG, TIFF");
  });

  it('refuses a GIF, an image type that is not accepted', async () => {
    await expectRefused(await solid(8, 8).gif().toBuffer(), 'UNSUPPORTED_FILE_TYPE', "The file's content is image/gif");
  });

  it('refuses random bytes', async () => {
    await expectRefused(noise(512), 'UNSUPPORTED_FILE_TYPE', 'not a recognised document');
  });
});
