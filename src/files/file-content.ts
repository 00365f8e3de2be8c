import { fileTypeFromBuffer } from 'file-type';
import sharp, { type Metadata } from 'sharp';
import { PDFArray, PDFDict, PDFHexString, PDFName, PDFNumber, PDFParser, PDFRef, PDFStream, PDFString } from '@cantoo/pdf-lib';
import type { PDFContext, PDFObject } from '@cantoo/pdf-lib';
import { DomainError, type ErrorCode } from '../platform/errors.js';

// Every upload is a different image, decoded once: libvips's operation cache (up to 50 MB by default) would only hold
// memory a server needs for the next request.
sharp.cache(false);

/** What scans and results may be: judged by content (magic bytes), never by name or declared type. */
export const ALLOWED_MIME = ['application/pdf', 'image/jpeg', 'image/png', 'image/tiff'] as const;
export type AllowedMime = (typeof ALLOWED_MIME)[number];

export interface InspectedFile {
  content: Buffer;
  mime: AllowedMime;
}

/** A 600 dpi A3 colour scan is about 70 megapixels; beyond this an image is a decompression bomb, not a document. */
export const MAX_IMAGE_PIXELS = 100_000_000;

const ACCEPTED = 'accepted: PDF, JPEG, PNG, TIFF';
const PDF_RULE = 'accepted PDFs carry no scripts, launching actions, embedded files, rich media or XFA forms';

const refuse = (code: ErrorCode, message: string) => new DomainError(code, message, { field: 'body.file' });

/** Judges bytes by content; returns the bytes to store (a PDF as sent, an image re-encoded) or throws DomainError. */
export async function inspectFile(content: Buffer): Promise<InspectedFile> {
  const mime = (await fileTypeFromBuffer(content))?.mime;
  if (!mime || !(ALLOWED_MIME as readonly string[]).includes(mime)) {
    throw refuse('UNSUPPORTED_FILE_TYPE', `The file's content is ${mime ?? 'not a recognised document'}; ${ACCEPTED}`);
  }
  if (mime === 'application/pdf') {
    await inspectPdf(content);
    return { content, mime };
  }
  return { content: await reencodeImage(content, mime as Exclude<AllowedMime, 'application/pdf'>), mime: mime as AllowedMime };
}

// ---------------------------------------------------------------------------------------------------------------------
// PDF

/**
 * Action types that run code, open or import other files, or send data away. GoTo (a page of this file), URI (a
 * link the reader asks about), Named (menu commands), Hide, ResetForm, SetOCGState and Thread only move around in the
 * document or change its view, so they stay allowed: refusing them would refuse ordinary tables of contents and links.
 * GoToR opens another file, which may sit on a network share and leak the reader's credentials.
 */
const DANGEROUS_ACTIONS = new Set(['JavaScript', 'Launch', 'ImportData', 'SubmitForm', 'GoToE', 'GoToR', 'RichMediaExecute', 'Rendition']);

/** A URI action may go to the web, mail or a phone; javascript:, file: or a UNC path is code or a local file. */
const SAFE_URI = /^(?:https?:|mailto:|tel:|[^:\\/]*(?:[/?#]|$))/i;

/** Nesting of direct objects (dictionaries and arrays inside one object); real files stay below 20. */
const MAX_NESTING = 100;

/** PDF whitespace (ISO 32000 7.2.3) less NUL: a NUL run after %%EOF is padding in which nothing should hide. */
const TRAILING_WHITESPACE = new Set([0x09, 0x0a, 0x0c, 0x0d, 0x20]);

/**
 * An `N G obj` object header as writers emit it. pdf-lib would also accept comments between the tokens, but no writer
 * puts them there; a header written so does not match and is refused as one the parser read where the scan sees none.
 * Character classes only (no repeated groups), so the scan stays linear on any input.
 */
const OBJECT_HEADER = /(?<!\d)\d+[\0\t\n\f\r ]+\d+[\0\t\n\f\r ]*obj/g;

/** Zip readers look for the end-of-central-directory record in the last 64 KiB + 22 bytes. */
const ZIP_TAIL = 65_557;

async function inspectPdf(content: Buffer): Promise<void> {
  if (content.subarray(0, 5).toString('latin1') !== '%PDF-') {
    throw refuse('UNSUPPORTED_FILE_TYPE', `The PDF does not start with %PDF-; ${ACCEPTED}`);
  }
  const eof = content.lastIndexOf('%%EOF');
  if (eof < 0) throw refuse('INVALID_FILE', 'The PDF is truncated (no %%EOF marker)');
  let end = eof + 5;
  while (end < content.length && TRAILING_WHITESPACE.has(content[end]!)) end++;
  if (end < content.length) {
    const extra = content.subarray(end);
    throw refuse(
      'UNSUPPORTED_FILE_TYPE',
      `The PDF has data appended after its end (${extra.length} bytes, looks like ${await describe(extra)}); ` +
        'accepted PDFs end at %%EOF',
    );
  }
  // Old browsers sniffed HTML in a file's first bytes whatever its magic number; nothing in a PDF's header needs tags.
  if (/<(?:html|script|body|iframe|svg)\b/i.test(content.subarray(0, 1024).toString('latin1'))) {
    throw refuse('UNSUPPORTED_FILE_TYPE', 'The PDF carries HTML in its first bytes; accepted PDFs are PDF only');
  }
  if (content.subarray(Math.max(0, content.length - ZIP_TAIL)).includes('PK\x05\x06')) {
    throw refuse('UNSUPPORTED_FILE_TYPE', 'The PDF ends with a ZIP archive directory; accepted PDFs are PDF only');
  }

  const parsed = await parsePdf(content);
  const { context } = parsed;
  if (context.lookup(context.trailerInfo.Encrypt)) {
    throw refuse('UNSUPPORTED_FILE_TYPE', 'The PDF is encrypted; encrypted PDFs cannot be inspected');
  }
  if (parsed.junk) {
    const { start, end: junkEnd } = parsed.junk;
    const junk = content.subarray(start, junkEnd);
    throw refuse(
      'UNSUPPORTED_FILE_TYPE',
      `The PDF holds data that is not part of it (${junk.length} bytes at offset ${start}, looks like ` +
        `${await describe(junk)}); accepted PDFs are PDF only`,
    );
  }
  // pdf-lib reads the body front to back, while readers follow the cross-reference table: an object header hidden in a
  // stream or a string is invisible to the first and may be what the second executes.
  const hidden = unparsedObjectHeader(content, parsed.headerOffsets);
  if (hidden !== undefined) {
    throw refuse(
      'UNSUPPORTED_FILE_TYPE',
      `The PDF has an object definition hidden inside other data or written unusually (at offset ${hidden}); ${PDF_RULE}`,
    );
  }
  const catalog = context.lookup(context.trailerInfo.Root);
  if (!(catalog instanceof PDFDict)) throw refuse('INVALID_FILE', 'The PDF cannot be parsed: it has no document catalog');
  const pages = context.lookup(catalog.get(PDFName.of('Pages')));
  const count = pages instanceof PDFDict ? context.lookup(pages.get(PDFName.of('Count'))) : undefined;
  if (!(count instanceof PDFNumber) || count.asNumber() < 1) throw refuse('INVALID_FILE', 'The PDF has no pages');

  // Every object, reachable or not, and every earlier version of a redefined one (an incremental update keeps the
  // previous revision readable, and a reader may open it).
  const finding = findDanger([...context.enumerateIndirectObjects(), ...parsed.shadowed]);
  if (finding === 'too deep') throw refuse('INVALID_FILE', `The PDF cannot be parsed: objects nested deeper than ${MAX_NESTING}`);
  if (finding) throw refuse('UNSUPPORTED_FILE_TYPE', `The PDF contains ${finding.what} (object ${finding.ref}); ${PDF_RULE}`);
}

/** The parts of pdf-lib's parser that are private in its types but which the inspection observes. */
interface ParserInternals {
  context: PDFContext;
  bytes: { offset(): number };
  parseIndirectObject(): Promise<PDFRef>;
  skipJibberish(): void;
}

interface ParsedPdf {
  context: PDFContext;
  /** Where each object parsed from an `N G obj` header in the body starts (object streams' members have none). */
  headerOffsets: number[];
  /** Earlier definitions of an object that a later one replaced in the context. */
  shadowed: [PDFRef, PDFObject][];
  /** The first stretch of bytes the parser skipped that is neither whitespace nor a comment. */
  junk?: { start: number; end: number };
}

/**
 * Parses with pdf-lib's own parser (the one PDFDocument.load runs), strict about broken objects, and watches it: where
 * each body object it read starts, which definitions a later one replaced, and what it skipped as "jibberish".
 * PDFDocument.load is not used because it hides all three; the checks it adds (catalog, encryption) are made above.
 */
async function parsePdf(content: Buffer): Promise<ParsedPdf> {
  const bytes = new Uint8Array(content.buffer, content.byteOffset, content.byteLength);
  // throwOnInvalidObject: an object pdf-lib cannot read is one whose meaning readers may disagree on.
  const parser = PDFParser.forBytesWithOptions(bytes, 1000, true, false, false);
  const internals = parser as unknown as ParserInternals;
  if (
    typeof internals.parseIndirectObject !== 'function' ||
    typeof internals.skipJibberish !== 'function' ||
    typeof internals.bytes?.offset !== 'function' ||
    typeof internals.context?.assign !== 'function'
  ) {
    // Fail closed: an upgrade of pdf-lib that renames these must not silently switch the checks off.
    throw new Error('pdf-lib parser internals changed; the PDF inspection needs updating');
  }
  const result: ParsedPdf = { context: internals.context, headerOffsets: [], shadowed: [] };
  const parseIndirectObject = internals.parseIndirectObject.bind(parser);
  internals.parseIndirectObject = () => {
    result.headerOffsets.push(internals.bytes.offset());
    return parseIndirectObject();
  };
  const skipJibberish = internals.skipJibberish.bind(parser);
  internals.skipJibberish = () => {
    const start = internals.bytes.offset();
    skipJibberish();
    const end = internals.bytes.offset();
    if (!result.junk && end > start && !onlyWhitespaceAndComments(content, start, end)) result.junk = { start, end };
  };
  const context = internals.context;
  const assign = context.assign.bind(context);
  context.assign = (ref, object) => {
    const previous = context.lookup(ref);
    if (previous) result.shadowed.push([ref, previous]);
    // The parser deletes an object numbered 0 once it is done; it is walked all the same.
    if (ref.objectNumber === 0) result.shadowed.push([ref, object]);
    assign(ref, object);
  };

  try {
    await parser.parseDocument();
  } catch (error) {
    // Encrypted object streams cannot be expanded without the key; name the real reason.
    if (/\/Encrypt\b/.test(content.subarray(Math.max(0, content.length - 4096)).toString('latin1'))) {
      throw refuse('UNSUPPORTED_FILE_TYPE', 'The PDF is encrypted; encrypted PDFs cannot be inspected');
    }
    throw refuse('INVALID_FILE', `The PDF cannot be parsed: ${firstLine(error)}`);
  }
  return result;
}

function onlyWhitespaceAndComments(content: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const byte = content[i]!;
    if (byte === 0x25 /* % */) {
      while (i < end && content[i] !== 0x0a && content[i] !== 0x0d) i++;
    } else if (!TRAILING_WHITESPACE.has(byte) && byte !== 0x00) {
      return false;
    }
  }
  return true;
}

/** The offset of an object header in the bytes that the parser did not read as one, or of one it read that the scan does not see. */
function unparsedObjectHeader(content: Buffer, parsedOffsets: number[]): number | undefined {
  const parsed = new Set(parsedOffsets);
  const raw = new Set<number>();
  for (const match of content.toString('latin1').matchAll(OBJECT_HEADER)) {
    if (!parsed.has(match.index)) return match.index;
    raw.add(match.index);
  }
  return raw.size === parsed.size ? undefined : parsedOffsets.find((offset) => !raw.has(offset));
}

interface Finding {
  what: string;
  ref: PDFRef;
}

/** The first dangerous construct in the objects, walking each one's nested dictionaries, arrays and stream dictionaries. */
function findDanger(objects: [PDFRef, PDFObject][]): Finding | 'too deep' | undefined {
  // Iterative, and references are not followed (every indirect object is in the list anyway): no cycles, no recursion.
  const stack: { object: PDFObject; depth: number; ref: PDFRef }[] = [];
  for (const [ref, object] of objects) {
    stack.push({ object, depth: 0, ref });
    while (stack.length > 0) {
      const { object: node, depth } = stack.pop()!;
      if (depth > MAX_NESTING) return 'too deep';
      if (node instanceof PDFStream) {
        stack.push({ object: node.dict, depth: depth + 1, ref });
      } else if (node instanceof PDFArray) {
        for (const item of node.asArray()) stack.push({ object: item, depth: depth + 1, ref });
      } else if (node instanceof PDFDict) {
        const what = dangerIn(node);
        if (what) return { what, ref };
        for (const [, value] of node.entries()) stack.push({ object: value, depth: depth + 1, ref });
      }
    }
  }
  return undefined;
}

function nameOf(object: PDFObject | undefined): string | undefined {
  return object instanceof PDFName ? object.decodeText() : undefined;
}

/** What a single dictionary is or carries, by its keys and its /S, /Type and /Subtype (names arrive decoded). */
function dangerIn(dict: PDFDict): string | undefined {
  for (const [key] of dict.entries()) {
    switch (key.decodeText()) {
      case 'JS':
      case 'JavaScript':
        return 'JavaScript';
      case 'EmbeddedFiles':
      case 'EF':
        return 'an embedded file';
      case 'RichMedia':
      case 'RichMediaContent':
      case 'RichMediaSettings':
        return 'rich media (Flash or 3D content that runs code)';
      case 'XFA':
        return 'an XFA form (XFA forms run scripts)';
    }
  }
  const action = nameOf(dict.get(PDFName.of('S')));
  if (action && DANGEROUS_ACTIONS.has(action)) return action === 'JavaScript' ? 'JavaScript' : `a ${action} action`;
  if (action === 'URI') {
    const uri = dict.lookup(PDFName.of('URI'));
    const text = uri instanceof PDFString || uri instanceof PDFHexString ? uri.decodeText().trim() : '';
    if (!SAFE_URI.test(text)) return `a link to ${JSON.stringify(text.slice(0, 60))}`;
  }
  if (nameOf(dict.get(PDFName.of('Type'))) === 'EmbeddedFile') return 'an embedded file';
  const subtype = nameOf(dict.get(PDFName.of('Subtype')));
  if (subtype === 'RichMedia') return 'rich media (Flash or 3D content that runs code)';
  if (subtype === 'FileAttachment') return 'a file attachment';
  return undefined;
}

/** A short name for bytes that should not be there, for the refusal message. */
async function describe(bytes: Buffer): Promise<string> {
  const start = bytes.findIndex((byte) => !TRAILING_WHITESPACE.has(byte) && byte !== 0);
  const data = start < 0 ? bytes : bytes.subarray(start);
  const head = data.subarray(0, 1024).toString('latin1');
  // Magic numbers first: a ZIP's members may well be HTML.
  if (head.startsWith('PK\x03\x04') || head.startsWith('PK\x05\x06')) return 'a ZIP archive';
  if (head.startsWith('%PDF-')) return 'another PDF';
  const detected = (await fileTypeFromBuffer(data))?.mime;
  if (detected) return detected;
  if (/<(?:!doctype\s+html|html|head|body|script|iframe|svg)\b/i.test(head)) return 'HTML';
  if (/<script\b/i.test(data.toString('latin1'))) return 'HTML';
  if (data.includes('PK\x03\x04')) return 'a ZIP archive';
  return start < 0 ? 'padding' : 'unrecognised data';
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? '').slice(0, 200) || 'unknown error';
}

// ---------------------------------------------------------------------------------------------------------------------
// Images

type ImageMime = Exclude<AllowedMime, 'application/pdf'>;

const SHARP_FORMAT: Record<ImageMime, string> = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/tiff': 'tiff' };

/**
 * Decodes and encodes the image again, so only pixels survive: whatever was appended or hidden in metadata (a ZIP,
 * HTML, a script in a comment or EXIF field) is gone. The resolution (dpi) is kept, since a scan prints by it.
 */
async function reencodeImage(content: Buffer, mime: ImageMime): Promise<Buffer> {
  let meta: Metadata;
  try {
    // Only the header is read here, so no pixel limit yet: the check below names the dimensions.
    meta = await sharp(content, { failOn: 'warning', limitInputPixels: false }).metadata();
  } catch (error) {
    throw refuse('INVALID_FILE', `The image cannot be decoded: ${firstLine(error)}`);
  }
  if (meta.format !== SHARP_FORMAT[mime]) {
    throw refuse('UNSUPPORTED_FILE_TYPE', `The file looks like ${mime} but decodes as ${meta.format}; ${ACCEPTED}`);
  }
  const pages = mime === 'image/tiff' ? (meta.pages ?? 1) : 1;
  const pixels = (meta.width ?? 0) * (meta.height ?? 0) * pages;
  if (pixels > MAX_IMAGE_PIXELS) {
    throw refuse(
      'UNSUPPORTED_FILE_TYPE',
      `The image has ${meta.width}×${meta.height} pixels${pages > 1 ? ` on ${pages} pages` : ''}, more than the ` +
        `${MAX_IMAGE_PIXELS / 1_000_000} megapixels accepted`,
    );
  }

  // A multi-page TIFF (a scanned bundle) keeps every page: libvips stacks them and writes them back as pages.
  let image = sharp(content, { failOn: 'warning', limitInputPixels: MAX_IMAGE_PIXELS, pages: pages > 1 ? -1 : 1 });
  // Turning the pixels upright is what keeps the orientation once the EXIF tag is stripped; a page stack cannot turn.
  if (pages === 1 && meta.orientation && meta.orientation !== 1) image = image.rotate();
  const dpi = meta.density;
  if (mime === 'image/jpeg') {
    // withDensity alone would keep the input's whole EXIF block; an empty one replaces it, leaving only the resolution.
    if (dpi) image = image.withDensity(dpi).withExif({});
    image = image.jpeg({ quality: 90 });
  } else if (mime === 'image/png') {
    // PNG keeps its resolution (pHYs) when re-encoded; a palette image stays one (with 256 colours at most, exactly).
    image = image.png(meta.isPalette ? { palette: true, dither: 0 } : {});
  } else {
    // Lossless for TIFF: a bilevel scan stays CCITT G4 (a few kB a page), anything else deflate.
    const resolution = dpi ? { xres: dpi / 25.4, yres: dpi / 25.4, resolutionUnit: 'inch' as const } : {};
    image =
      meta.bitsPerSample === 1 && meta.channels === 1
        ? image.toColourspace('b-w').tiff({ compression: 'ccittfax4', bitdepth: 1, ...resolution })
        : image.tiff({ compression: 'deflate', predictor: 'horizontal', ...resolution });
  }
  try {
    return await image.toBuffer();
  } catch (error) {
    const message = firstLine(error);
    if (/pixel limit/i.test(message)) {
      throw refuse('UNSUPPORTED_FILE_TYPE', `The image has more than the ${MAX_IMAGE_PIXELS / 1_000_000} megapixels accepted`);
    }
    if (/differs from page|pages are the same size/i.test(message)) {
      // libvips writes pages back only as a stack of equal pages; a scanner mixing A4 and A3 makes a PDF instead.
      throw refuse('UNSUPPORTED_FILE_TYPE', 'The TIFF has pages of different sizes; send such a scan as a PDF');
    }
    throw refuse('INVALID_FILE', `The image cannot be decoded: ${message}`);
  }
}
