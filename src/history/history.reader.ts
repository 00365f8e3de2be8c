import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';

/** One line of a file: its number (from 1), its text or why it has none, and the byte offset just after it. */
export interface FileLine {
  line: number;
  text: string | null;
  /** Why the line has no text: longer than the bound, or not UTF-8. */
  unreadable?: string;
  end: number;
}

const NEWLINE = 0x0a;
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The lines of a file from a byte offset (the start of line `firstLine`), without ever holding more than `maxBytes` of
 * one line: a longer line is skipped to its end and reported. A trailing carriage return is dropped; blank lines are
 * yielded as empty text (their numbers count).
 */
export async function* readLines(file: string, from: { byte: number; line: number }, maxBytes: number): AsyncGenerator<FileLine> {
  let line = from.line;
  let offset = from.byte;
  let parts: Buffer[] = [];
  let length = 0;
  let oversized = false;
  const finish = (end: number): FileLine => {
    let text: string | null = null;
    let unreadable: string | undefined;
    if (oversized) unreadable = `the line is longer than ${maxBytes} bytes`;
    else {
      const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
      try {
        text = decoder.decode(buf.at(-1) === 0x0d ? buf.subarray(0, buf.length - 1) : buf);
      } catch {
        unreadable = 'the line is not UTF-8 text';
      }
    }
    parts = [];
    length = 0;
    oversized = false;
    return unreadable ? { line, text: null, unreadable, end } : { line, text, end };
  };
  for await (const chunk of createReadStream(file, { start: from.byte, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      const piece = chunk.subarray(start, nl < 0 ? chunk.length : nl);
      if (!oversized) {
        if (length + piece.length > maxBytes) {
          oversized = true;
          parts = [];
          length = 0;
        } else if (piece.length) {
          parts.push(piece);
          length += piece.length;
        }
      }
      if (nl < 0) {
        offset += chunk.length - start;
        break;
      }
      offset += nl - start + 1;
      line += 1;
      yield finish(offset);
      start = nl + 1;
    }
  }
  if (length || oversized) {
    line += 1;
    yield finish(offset);
  }
}

/** The SHA-256 of a file's bytes (hex) and its size. */
export async function fileDigest(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}
