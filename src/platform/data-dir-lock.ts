import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * One process at a time per embedded database directory. PGlite does not lock its directory: a second process
 * opening it (a `motcua backup` beside a running `serve`, two servers) works on its own copy of the pages and
 * silently corrupts the files. The lock is a file created exclusively, naming its holder; a holder that died
 * (same host, process gone) leaves a stale lock, which the next opener takes over.
 */

export const LOCK_FILE = 'motcua.lock';

interface Holder {
  pid: number;
  host: string;
  since: string;
  command: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): Holder | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Holder;
  } catch {
    return null;
  }
}

/** Takes the lock of `dir` (created if missing) or throws naming the process that holds it; returns its release. */
export function lockDataDir(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const me: Holder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString(), command: process.argv.slice(2).join(' ') };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${JSON.stringify(me)}\n`, { flag: 'wx' });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = readHolder(file);
      // A holder with this process's id from before it started is a previous life of it (PID 1 in a container).
      const previousLife = holder?.pid === process.pid && Date.parse(holder.since) < Date.now() - process.uptime() * 1000;
      if (holder && !previousLife && (holder.host !== me.host || alive(holder.pid))) {
        throw new Error(
          `The data directory ${dir} is in use by process ${holder.pid} on ${holder.host} (motcua ${holder.command}, since ${holder.since}): ` +
            `stop it first. If no such process runs, remove ${file}.`,
        );
      }
      // Its holder is gone (or the file is unreadable, a crash while writing it): take it over.
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not lock the data directory ${dir}: another process keeps taking ${file}`);
}
