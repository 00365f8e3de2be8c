import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

/** Where the checkpoints of a data directory are kept: outside the database, beside its secrets. */
export function checkpointFile(dataDir: string): string {
  return path.join(dataDir, 'audit', 'checkpoints.jsonl');
}

/**
 * Appends one line and fsyncs it. A single write on a file opened for appending lands whole at its end, so two writers
 * (serve and `motcua audit checkpoint`) never interleave within a line; each line stands alone, so their order is free.
 */
export async function appendCheckpointLine(file: string, line: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const fh = await fs.promises.open(file, 'a', 0o600);
  try {
    await fh.write(`${line}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The lines of the file with their numbers (from 1), read as a stream; none when there is no file yet. */
export async function* checkpointLines(file: string): AsyncGenerator<{ n: number; line: string }> {
  let input: fs.ReadStream;
  try {
    await fs.promises.access(file, fs.constants.R_OK);
    input = fs.createReadStream(file, { encoding: 'utf8' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  let n = 0;
  for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
    n++;
    if (line.trim() !== '') yield { n, line };
  }
}
