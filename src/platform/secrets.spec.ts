import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditKey } from './audit-chain.model.js';
import { loadConfig } from './config.js';
import { loadAppPassword, loadAuditKey, readOrCreateSecret } from './secrets.js';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-secrets-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('secrets of a data directory', () => {
  it('are created once, 0600 in a 0700 directory; processes starting together all read the same one', async () => {
    const dir = tmp();
    let made = 0;
    const all = await Promise.all(Array.from({ length: 12 }, () => readOrCreateSecret(dir, 's', () => `v${++made}`)));
    expect(new Set(all).size).toBe(1);
    expect(fs.statSync(path.join(dir, 'secrets')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, 'secrets', 's')).mode & 0o777).toBe(0o600);
    // No temporary file is left behind.
    expect(fs.readdirSync(path.join(dir, 'secrets'))).toEqual(['s']);
    expect(await readOrCreateSecret(dir, 's', () => 'other')).toBe(all[0]);
  });

  it('give an audit key of 32 random bytes on first start, the same afterwards; MOTCUA_AUDIT_KEY wins', async () => {
    const dir = tmp();
    const first = await loadAuditKey({ auditKey: undefined, dataDir: dir });
    expect(first.toHex()).toMatch(/^[0-9a-f]{64}$/);
    expect((await loadAuditKey({ auditKey: undefined, dataDir: dir })).toHex()).toBe(first.toHex());
    const given = AuditKey.generate();
    expect(await loadAuditKey({ auditKey: given, dataDir: dir })).toBe(given);
    fs.writeFileSync(path.join(dir, 'secrets', 'audit-hmac.key'), 'not a key\n');
    await expect(loadAuditKey({ auditKey: undefined, dataDir: dir })).rejects.toThrow('does not hold an audit key (64 to 128 hex digits)');
  });

  it('give the app role a URL-safe password', async () => {
    expect(await loadAppPassword(tmp())).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('never show the audit key in JSON or a log line', () => {
    const key = AuditKey.generate();
    const text = `${JSON.stringify({ key })} ${String(JSON.stringify(loadConfig({ MOTCUA_AUDIT_KEY: key.toHex() })))}`;
    expect(text).not.toContain(key.toHex());
    expect(text).toContain('[audit key]');
  });
});

describe('the configuration of roles and the audit key', () => {
  it('lists every bad value at once, without echoing the key', () => {
    const bad = 'abc123';
    try {
      loadConfig({ MOTCUA_AUDIT_KEY: bad, MOTCUA_APP_ROLE: 'Robert"; drop', MOTCUA_APP_DATABASE_URL: 'mysql://x' });
      expect.unreachable();
    } catch (e) {
      const message = (e as Error).message;
      expect(message).toContain('- MOTCUA_AUDIT_KEY must be 64 to 128 hex digits (32 to 64 bytes)');
      expect(message).toContain('- MOTCUA_APP_ROLE must be a lower-case SQL name (letters, digits, _)');
      expect(message).toContain('- MOTCUA_APP_DATABASE_URL must start with postgres:// or postgresql://');
      expect(message).toContain('- MOTCUA_APP_DATABASE_URL needs DATABASE_URL (the owner connection, for migrations)');
      expect(message).not.toContain(bad);
    }
  });

  it('defaults to the role motcua_app and a key from the data directory', () => {
    expect(loadConfig({})).toMatchObject({ appRole: 'motcua_app', auditKey: undefined, appDatabaseUrl: undefined });
  });
});
