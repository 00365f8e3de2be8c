import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AuditKey } from './audit-chain.model.js';

/** The directory of a data directory's secrets (the audit key, the app role's database password). */
export function secretsDir(dataDir: string): string {
  return path.join(dataDir, 'secrets');
}

/**
 * Reads `<dataDir>/secrets/<name>`, creating it with make() the first time: the directory 0700, the file 0600, written
 * to a temporary name, fsynced and linked into place. Linking fails when the name exists, so two processes starting
 * at once never overwrite each other's secret: the loser reads the winner's, never a half-written file.
 */
export async function readOrCreateSecret(dataDir: string, name: string, make: () => string): Promise<string> {
  const dir = secretsDir(dataDir);
  const file = path.join(dir, name);
  try {
    return (await fs.promises.readFile(file, 'utf8')).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}`);
  const fh = await fs.promises.open(tmp, 'wx', 0o600);
  try {
    await fh.write(`${make()}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.promises.link(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    await fs.promises.unlink(tmp);
  }
  return (await fs.promises.readFile(file, 'utf8')).trim();
}

export const AUDIT_KEY_FILE = 'audit-hmac.key';
export const APP_PASSWORD_FILE = 'db-app-password';

/** The audit key: MOTCUA_AUDIT_KEY when given, else <dataDir>/secrets/audit-hmac.key (32 random bytes on first start). */
export async function loadAuditKey(config: { auditKey: AuditKey | undefined; dataDir: string }): Promise<AuditKey> {
  if (config.auditKey) return config.auditKey;
  const text = await readOrCreateSecret(config.dataDir, AUDIT_KEY_FILE, () => AuditKey.generate().toHex());
  const key = AuditKey.fromHex(text);
  if (!key) throw new Error(`${path.join(secretsDir(config.dataDir), AUDIT_KEY_FILE)} does not hold an audit key (64 to 128 hex digits)`);
  return key;
}

/** The app role's database password, created on first start (URL-safe, so it goes into a connection string as it is). */
export function loadAppPassword(dataDir: string): Promise<string> {
  return readOrCreateSecret(dataDir, APP_PASSWORD_FILE, () => randomBytes(24).toString('base64url'));
}
