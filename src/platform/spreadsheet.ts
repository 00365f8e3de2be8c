import { PassThrough, Readable, pipeline } from 'node:stream';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';

/** A cell: text, a number, an instant (shown in Vietnam time) or nothing. */
export type Cell = string | number | Date | null;

/** How a column's numbers or instants are shown in a spreadsheet (CSV writes the plain value). */
export type ColumnKind = 'text' | 'integer' | 'number' | 'percent' | 'datetime';

export interface Column {
  header: string;
  kind: ColumnKind;
  /** Width in characters (XLSX). */
  width?: number;
}

/** One table to write: its sheet name (XLSX), its columns and its rows, read as they come. */
export interface Table {
  name: string;
  columns: readonly Column[];
  rows: AsyncIterable<readonly Cell[]> | Iterable<readonly Cell[]>;
}

export const SPREADSHEET_FORMATS = ['csv', 'xlsx'] as const;
export type SpreadsheetFormat = (typeof SPREADSHEET_FORMATS)[number];

export const CONTENT_TYPES: Record<SpreadsheetFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Vietnam time, the system's local time everywhere (UTC+7, no daylight saving). */
const LOCAL_OFFSET_MS = 7 * 3_600_000;

/** Rows buffered before the writer waits for the reader: bounds memory on a slow client. */
const ROWS_PER_FLUSH = 500;

/**
 * Neutralizes spreadsheet formula injection (OWASP "CSV injection"): a text cell that starts with = + - @, a tab or a
 * carriage return gets a leading apostrophe, so a spreadsheet shows it as text instead of evaluating it.
 */
export function neutralize(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** An instant as Vietnam wall-clock time, YYYY-MM-DD HH:mm:ss. */
export function localDateTime(at: Date): string {
  return new Date(at.getTime() + LOCAL_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Content-Disposition of a download: an ASCII fallback (diacritics dropped, anything else a hyphen) and the real name
 * in UTF-8 (RFC 6266 / RFC 8187), which every current browser prefers.
 */
export function attachment(fileName: string): string {
  const ascii = fileName
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * Reads the first row before anything is sent, so that a failure to start (the database away) is still an error
 * response with its status; later failures can only cut the download short.
 */
export async function primed<T>(rows: AsyncIterable<T> | Iterable<T>): Promise<AsyncIterable<T>> {
  const it = Symbol.asyncIterator in rows ? rows[Symbol.asyncIterator]() : (rows as Iterable<T>)[Symbol.iterator]();
  const first = await it.next();
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (let r = first; !r.done; r = await it.next()) yield r.value;
      } finally {
        await it.return?.();
      }
    },
  };
}

/** The table as a readable stream of the given format. */
export function spreadsheetStream(format: SpreadsheetFormat, table: Table): Readable {
  return format === 'csv' ? csvStream(table) : xlsxStream(table);
}

function csvCell(c: Cell): string | number {
  if (c === null) return '';
  if (c instanceof Date) return localDateTime(c);
  return typeof c === 'string' ? neutralize(c) : c;
}

/** CSV (RFC 4180, CRLF) in UTF-8 with a byte order mark, so that Excel reads Vietnamese; rows pulled as the client reads. */
export function csvStream(table: Table): Readable {
  async function* records() {
    yield table.columns.map((c) => neutralize(c.header));
    for await (const row of table.rows) yield row.map(csvCell);
  }
  const out = new PassThrough();
  pipeline(Readable.from(records()), stringify({ bom: true, record_delimiter: 'windows' }), out, () => undefined);
  return out;
}

const NUMBER_FORMATS: Partial<Record<ColumnKind, string>> = {
  integer: '#,##0',
  number: '#,##0.00',
  percent: '0.0%',
  datetime: 'yyyy-mm-dd hh:mm:ss',
};

/** XML waiting for the zip's compression past which the writer waits for it. */
const ZIP_BACKLOG_BYTES = 1 << 20;

type Backlogged = { _writableState: { length: number }; on(e: string, f: () => void): unknown; off(e: string, f: () => void): unknown };

/**
 * The input of the zip entry a sheet writes its XML to. exceljs's stream buffer (lib/utils/stream-buf.js) writes to it
 * without waiting for it, so a page of rows made faster than it is compressed would pile up there: the writer waits on
 * it instead. Undefined if a later exceljs is built otherwise (then only the output is waited for).
 */
function zipInput(sheet: unknown): Backlogged | undefined {
  const pipe = (sheet as { stream?: { pipes?: unknown[] } }).stream?.pipes?.[0] as Partial<Backlogged> | undefined;
  return typeof pipe?._writableState?.length === 'number' ? (pipe as Backlogged) : undefined;
}

/** Resolves once the stream can take more, or is closed (a client that went away never drains). */
function drainedOrClosed(s: Pick<Backlogged, 'on' | 'off'>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      s.off('drain', done);
      s.off('close', done);
      resolve();
    };
    s.on('drain', done);
    s.on('close', done);
  });
}

function xlsxCell(c: Cell): ExcelJS.CellValue {
  if (c === null) return null;
  // Excel has no time zones: the cell holds Vietnam wall-clock time.
  if (c instanceof Date) return new Date(c.getTime() + LOCAL_OFFSET_MS);
  return typeof c === 'string' ? neutralize(c) : c;
}

/**
 * XLSX through exceljs's streaming writer: each row is committed (serialized and zipped) as it comes and never kept,
 * strings are written inline (no shared-string table growing with the rows), and the writer waits for the client
 * whenever the output buffer is full.
 */
export function xlsxStream(table: Table): Readable {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  // A sheet's name has at most 31 characters and none of * ? : \ / [ ].
  const sheet = workbook.addWorksheet(table.name.replace(/[*?:\\/[\]]/g, '-').slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = table.columns.map((c, i) => ({
    key: String(i),
    width: c.width ?? (c.kind === 'text' ? 30 : c.kind === 'datetime' ? 20 : 14),
    ...(NUMBER_FORMATS[c.kind] ? { style: { numFmt: NUMBER_FORMATS[c.kind] } } : {}),
  }));
  const write = async () => {
    const header = sheet.addRow(table.columns.map((c) => neutralize(c.header)));
    header.font = { bold: true };
    header.commit();
    let n = 0;
    for await (const row of table.rows) {
      sheet.addRow(row.map(xlsxCell)).commit();
      if (++n % ROWS_PER_FLUSH === 0) {
        // Rows of a page arrive without a turn of the event loop; the zip's compression (and the socket) need one,
        // or exceljs's buffer would hold the whole page's XML.
        await new Promise((resolve) => setImmediate(resolve));
        const zip = zipInput(sheet);
        if (zip && zip._writableState.length > ZIP_BACKLOG_BYTES) await drainedOrClosed(zip);
        if (out.writableNeedDrain) await drainedOrClosed(out);
      }
      // The client went away: stop reading (leaving the loop ends the rows' query too).
      if (out.destroyed) return;
    }
    sheet.commit();
    await workbook.commit();
  };
  write().catch((e: unknown) => out.destroy(e instanceof Error ? e : new Error(String(e))));
  return out;
}
