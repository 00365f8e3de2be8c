import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, rm, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalBlobStore } from '../src/platform/blob-store.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function store() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'motcua-blobs-'));
  dirs.push(dir);
  return { dir, blobs: new LocalBlobStore(dir) };
}

describe('the local blob store retiring a blob (a purge)', () => {
  it('keeps the bytes readable while retired, out of the way of put and has, and gone once discarded', async () => {
    const { dir, blobs } = await store();
    const bytes = Buffer.from('an abandoned scan');
    const sha = await blobs.put(bytes);
    expect(await blobs.retire(sha)).toBe(true);
    expect(await blobs.has(sha)).toBe(false);
    expect((await blobs.get(sha)).equals(bytes)).toBe(true);
    await blobs.discard(sha);
    await expect(blobs.get(sha)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(path.join(dir, sha.slice(0, 2), sha.slice(2, 4)))).toEqual([]);
    expect(await blobs.retire(sha)).toBe(false);
  });

  it('puts it back when the deletion did not commit, and keeps one copy when the bytes were put again meanwhile', async () => {
    const { dir, blobs } = await store();
    const bytes = Buffer.from('a scan a dossier took meanwhile');
    const sha = await blobs.put(bytes);
    await blobs.retire(sha);
    await blobs.restore(sha);
    expect(await blobs.has(sha)).toBe(true);
    expect((await blobs.get(sha)).equals(bytes)).toBe(true);
    await blobs.retire(sha);
    expect(await blobs.put(bytes)).toBe(sha);
    await blobs.restore(sha);
    expect(await readdir(path.join(dir, sha.slice(0, 2), sha.slice(2, 4)))).toEqual([sha]);
    expect((await blobs.get(sha)).equals(bytes)).toBe(true);
  });
});
