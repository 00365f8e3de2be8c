import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256Hex } from './ids.js';

/** Content-addressed file storage: a file's name is its SHA-256, so scans are immutable and verifiable. */
export interface BlobStore {
  put(content: Uint8Array): Promise<string>;
  /** The bytes, also while they are retired and not yet discarded (a purge that did not commit leaves them there). */
  get(sha256: string): Promise<Buffer>;
  has(sha256: string): Promise<boolean>;
  /**
   * Moves a blob out of the way of `put` and `has` before its row's deletion commits (a `put` of the same bytes after
   * that writes them anew); `restore` undoes it if the deletion did not commit, `discard` removes the bytes once it did.
   * False if there was nothing to retire.
   */
  retire(sha256: string): Promise<boolean>;
  restore(sha256: string): Promise<void>;
  discard(sha256: string): Promise<void>;
}

const RETIRED = '.retired';

/** Local-directory blob store: <root>/ab/cd/<sha256>, written atomically (temp file + rename). */
export class LocalBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  private pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('invalid blob id');
    return path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(content: Uint8Array): Promise<string> {
    const sha = sha256Hex(content);
    const target = this.pathOf(sha);
    if (await this.has(sha)) return sha;
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(content);
      await handle.sync(); // an acknowledged upload survives a crash
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, target);
    return sha;
  }

  async get(sha256: string): Promise<Buffer> {
    const file = this.pathOf(sha256);
    try {
      return await fs.readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      return fs.readFile(file + RETIRED);
    }
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await fs.access(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  async retire(sha256: string): Promise<boolean> {
    const file = this.pathOf(sha256);
    try {
      await fs.rename(file, file + RETIRED);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  async restore(sha256: string): Promise<void> {
    const file = this.pathOf(sha256);
    // A put of the same bytes meanwhile wrote them anew: the retired copy is the same bytes.
    if (await this.has(sha256)) return this.discard(sha256);
    await fs.rename(file + RETIRED, file);
  }

  async discard(sha256: string): Promise<void> {
    await fs.rm(this.pathOf(sha256) + RETIRED, { force: true });
  }
}

/** In-memory blob store for tests. */
export class MemoryBlobStore implements BlobStore {
  private readonly files = new Map<string, Buffer>();
  async put(content: Uint8Array): Promise<string> {
    const sha = sha256Hex(content);
    this.files.set(sha, Buffer.from(content));
    return sha;
  }
  private readonly retired = new Map<string, Buffer>();
  async get(sha256: string): Promise<Buffer> {
    const f = this.files.get(sha256) ?? this.retired.get(sha256);
    if (!f) throw new Error('blob not found');
    return f;
  }
  async has(sha256: string): Promise<boolean> {
    return this.files.has(sha256);
  }
  async retire(sha256: string): Promise<boolean> {
    const f = this.files.get(sha256);
    if (!f) return false;
    this.files.delete(sha256);
    this.retired.set(sha256, f);
    return true;
  }
  async restore(sha256: string): Promise<void> {
    const f = this.retired.get(sha256);
    this.retired.delete(sha256);
    if (f && !this.files.has(sha256)) this.files.set(sha256, f);
  }
  async discard(sha256: string): Promise<void> {
    this.retired.delete(sha256);
  }
}
