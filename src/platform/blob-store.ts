import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256Hex } from './ids.js';

/** Content-addressed file storage: a file's name is its SHA-256, so scans are immutable and verifiable. */
export interface BlobStore {
  put(content: Uint8Array): Promise<string>;
  get(sha256: string): Promise<Buffer>;
  has(sha256: string): Promise<boolean>;
}

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
    return fs.readFile(this.pathOf(sha256));
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await fs.access(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
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
  async get(sha256: string): Promise<Buffer> {
    const f = this.files.get(sha256);
    if (!f) throw new Error('blob not found');
    return f;
  }
  async has(sha256: string): Promise<boolean> {
    return this.files.has(sha256);
  }
}
