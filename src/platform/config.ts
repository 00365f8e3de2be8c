import path from 'node:path';
import { AuditKey } from './audit-chain.model.js';

/** Typed runtime configuration, parsed once at start-up. */
export interface Config {
  /** PostgreSQL connection string of the tables' owner (migrations); absent = embedded PGlite under dataDir. */
  databaseUrl: string | undefined;
  /**
   * PostgreSQL connection string of the role the app runs as (owns nothing; may not change the audit trail). Absent:
   * the owner creates `appRole`, its password kept in <dataDir>/secrets/db-app-password.
   */
  appDatabaseUrl: string | undefined;
  /** The role the app runs as when appDatabaseUrl is not given (PostgreSQL), and on PGlite. */
  appRole: string;
  /** The audit chain's HMAC key from MOTCUA_AUDIT_KEY; absent = <dataDir>/secrets/audit-hmac.key (created on first start). */
  auditKey: AuditKey | undefined;
  /** Directory for the embedded database and the blob store. */
  dataDir: string;
  host: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Staff session lifetime. */
  sessionTtlMinutes: number;
  /** Largest accepted component file. */
  maxUploadBytes: number;
  /** Public tracking look-ups allowed per client address per minute. */
  trackingPerMinute: number;
  /** Province the deployment serves (its administrative code). */
  provinceCode: string;
  /** PostgreSQL pool size. */
  poolSize: number;
  /**
   * Which X-Forwarded-For hops to believe for the client address (rate limits, logs): false (none,
   * the default), a number of proxy hops, or the proxies' addresses. Trusting every hop would let a
   * client pick its own address and escape the log-in and tracking limits.
   */
  trustProxy: boolean | number | string[];
  /** Public address of the web app (no trailing slash); printed forms carry a QR code to `${publicUrl}/tra-cuu/<code>#<token>`. */
  publicUrl: string;
  /** Wrong guesses at one dossier or booking code (phone digits, tracking token) in a window before it locks. */
  lookupCodeFailures: number;
  /** Wrong guesses from one client address, over every public look-up, in a window before it locks. */
  lookupAddressFailures: number;
  /** The look-up window, from a key's first wrong guess; a locked key stays locked until it ends. */
  lookupWindowMinutes: number;
  /** Failed log-ins of one account name in a row before it locks (then every failure doubles the lock). */
  loginAccountFailures: number;
  /** Failed log-ins from one client address in a row before it locks. */
  loginAddressFailures: number;
  /** The first log-in lock. */
  loginLockSeconds: number;
  /** The longest log-in lock. */
  loginMaxLockMinutes: number;
  /**
   * The National Public Service Portal's integration API (MOTCUA_PORTAL_URL). Absent: the demo's simulator at
   * 127.0.0.1:portalSimulatorPort, which `serve` starts as a process of its own; 'off': no sync (changes wait in the outbox).
   */
  portalUrl: string | undefined;
  /** Port of the demo's portal simulator (MOTCUA_PORTAL_SIM_PORT). */
  portalSimulatorPort: number;
  /** Paths of the portal's log-in and integration endpoints. */
  portalAuthPath: string;
  portalIntegrationPath: string;
  /** The province system's account at the portal. */
  portalUser: string;
  portalPassword: string;
  /** The province's unit code at the portal (madonvi); empty = the province unit's agency code. */
  portalUnitCode: string;
  /** One portal request's time limit. */
  portalTimeoutMs: number;
  /**
   * VNeID's issuer (MOTCUA_VNEID_URL), which also serves the population database look-up. Absent: the demo's
   * simulator at 127.0.0.1:vneidSimulatorPort, which `serve` starts as a process of its own; 'off': not connected.
   */
  vneidUrl: string | undefined;
  /** Port of the demo's VNeID simulator (MOTCUA_VNEID_SIM_PORT). */
  vneidSimulatorPort: number;
  /** Our client at VNeID. */
  vneidClientId: string;
  vneidClientSecret: string;
  /** The population look-up's address when it is not `<issuer>/population/lookup`. */
  vneidPopulationUrl: string | undefined;
  /** One VNeID request's time limit. */
  vneidTimeoutMs: number;
  /**
   * Our callback as registered at VNeID (MOTCUA_VNEID_REDIRECT_URI): by default the public address's
   * /auth/vneid/callback when MOTCUA_PUBLIC_URL is given, else the address served (HOST, PORT).
   */
  vneidRedirectUri: string;
  /**
   * The online payment gateway (MOTCUA_PAYMENTS_URL). Absent: the demo's simulator at
   * 127.0.0.1:paymentsSimulatorPort, which `serve` starts as a process of its own; 'off': online payment not offered.
   */
  paymentsUrl: string | undefined;
  /** Port of the demo's payment gateway simulator (MOTCUA_PAYMENTS_SIM_PORT). */
  paymentsSimulatorPort: number;
  /** Our terminal code at the gateway and the secret that signs everything (never logged). */
  paymentsTmnCode: string;
  paymentsHashSecret: string;
  /** Where the citizen's browser comes back from the gateway (MOTCUA_PAYMENTS_RETURN_URL): our /thanh-toan/ket-qua page. */
  paymentsReturnUrl: string;
  /** One merchant API request's time limit. */
  paymentsTimeoutMs: number;
  /** Minutes a citizen has to complete an online payment. */
  paymentsExpireMinutes: number;
  /**
   * The SMS brandname gateway of the eSMS.vn contract (MOTCUA_SMS_URL, its base address). Absent: the demo's simulator
   * at 127.0.0.1:smsSimulatorPort, which `serve` starts as a process of its own; 'off': SMS only to the log.
   */
  smsUrl: string | undefined;
  /** Port of the demo's SMS gateway simulator (MOTCUA_SMS_SIM_PORT). */
  smsSimulatorPort: number;
  smsApiKey: string;
  smsSecretKey: string;
  smsBrandname: string;
  smsTimeoutMs: number;
  /**
   * The SMTP server of e-mail notices (MOTCUA_SMTP_URL, smtp:// or smtps://, credentials in the URL). Absent: the
   * demo's mail sink at 127.0.0.1:mailSimulatorSmtpPort (its window on mailSimulatorPort); 'off': e-mails wait.
   */
  smtpUrl: string | undefined;
  mailSimulatorPort: number;
  mailSimulatorSmtpPort: number;
  /** The From of e-mail notices (MOTCUA_MAIL_FROM); its domain is the host of their Message-IDs. */
  mailFrom: string;
  /** The key of opt-out tokens, address digests and SMS delivery-report signatures (MOTCUA_NOTICE_SECRET). */
  noticeSecret: string;
}

/** MOTCUA_SMTP_URL: smtp:// or smtps://, or 'off'. */
function parseSmtpUrl(raw: string | undefined, problems: string[]): string | undefined {
  const v = raw?.trim();
  if (!v) return undefined;
  if (v === 'off') return 'off';
  try {
    const u = new URL(v);
    if (u.protocol === 'smtp:' || u.protocol === 'smtps:') return v;
  } catch {
    // reported below
  }
  problems.push('MOTCUA_SMTP_URL must be an smtp:// or smtps:// URL, or off');
  return undefined;
}

/** The citizens' VNeID callback: as configured, else on the public address, else on the address served. */
function parseVneidRedirectUri(env: NodeJS.ProcessEnv, publicUrl: string, problems: string[]): string {
  return parseOwnUrl(env, 'MOTCUA_VNEID_REDIRECT_URI', '/auth/vneid/callback', publicUrl, problems);
}

/** An address of ours an outside service sends browsers to: as configured, else on the public address, else on the address served. */
function parseOwnUrl(env: NodeJS.ProcessEnv, name: string, pathname: string, publicUrl: string, problems: string[]): string {
  const raw = env[name]?.trim();
  if (raw) {
    let url: URL | undefined;
    try {
      url = new URL(raw);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.hash || url.username || url.password) {
      problems.push(`${name} must be an http:// or https:// URL without fragment or credentials (got "${raw.slice(0, 60)}")`);
      return `${publicUrl}${pathname}`;
    }
    return url.href;
  }
  return `${publicUrl}${pathname}`;
}

/** The address served (HOST, PORT) as a browser on this machine reaches it: what links point to without MOTCUA_PUBLIC_URL. */
function servedUrl(env: NodeJS.ProcessEnv): string {
  const host = env.HOST?.trim() || '127.0.0.1';
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${env.PORT?.trim() || 3000}`;
}

function parsePortalUrl(raw: string | undefined, problems: string[], name = 'MOTCUA_PORTAL_URL'): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  if (value === 'off') return 'off';
  try {
    const u = new URL(value);
    if (['http:', 'https:'].includes(u.protocol) && !u.search && !u.hash) return u.toString().replace(/\/+$/, '');
  } catch {
    // reported below
  }
  problems.push(`${name} must be an http:// or https:// URL without query or fragment, or "off" (got "${value.slice(0, 60)}")`);
  return undefined;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
    return fallback;
  }
  return n;
}

/**
 * An absolute http(s) URL without query, fragment or trailing slash. Without one, the address served: the QR codes
 * of a local try-out then point where the app answers, on whatever port it was given.
 */
function parsePublicUrl(env: NodeJS.ProcessEnv, problems: string[]): string {
  const fallback = servedUrl(env);
  const raw = env.MOTCUA_PUBLIC_URL;
  const value = raw?.trim();
  if (!value) return fallback;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || !url.hostname || url.search || url.hash || url.username || url.password) {
    problems.push(
      `MOTCUA_PUBLIC_URL must be an http:// or https:// URL without query, fragment or credentials (got "${value.slice(0, 60)}")`,
    );
    return fallback;
  }
  return url.toString().replace(/\/+$/, '');
}

/** Parses the environment into a Config; throws listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const problems: string[] = [];
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push(`DATABASE_URL must start with postgres:// or postgresql:// (got "${databaseUrl.slice(0, 20)}…")`);
  }
  const appDatabaseUrl = env.MOTCUA_APP_DATABASE_URL?.trim() || undefined;
  if (appDatabaseUrl && !/^postgres(ql)?:\/\//.test(appDatabaseUrl)) {
    problems.push('MOTCUA_APP_DATABASE_URL must start with postgres:// or postgresql://');
  }
  if (appDatabaseUrl && !databaseUrl) problems.push('MOTCUA_APP_DATABASE_URL needs DATABASE_URL (the owner connection, for migrations)');
  const appRole = env.MOTCUA_APP_ROLE?.trim() || 'motcua_app';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(appRole)) problems.push('MOTCUA_APP_ROLE must be a lower-case SQL name (letters, digits, _)');
  // The key's text is never echoed back, not even in part.
  const auditKeyText = env.MOTCUA_AUDIT_KEY?.trim() || undefined;
  const auditKey = auditKeyText ? AuditKey.fromHex(auditKeyText) : undefined;
  if (auditKeyText && !auditKey) problems.push('MOTCUA_AUDIT_KEY must be 64 to 128 hex digits (32 to 64 bytes)');
  const logLevel = (env.LOG_LEVEL ?? 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const provinceCode = env.MOTCUA_PROVINCE ?? '37';
  if (!/^\d{2}$/.test(provinceCode)) problems.push('MOTCUA_PROVINCE must be a 2-digit province code');
  const trustRaw = env.MOTCUA_TRUST_PROXY?.trim() ?? '';
  let trustProxy: Config['trustProxy'] = false;
  if (trustRaw === '' || trustRaw === 'false') trustProxy = false;
  else if (trustRaw === 'true') trustProxy = true;
  else if (/^\d+$/.test(trustRaw)) trustProxy = Number(trustRaw);
  else if (/^[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*$/.test(trustRaw.replace(/\s+/g, ''))) trustProxy = trustRaw.replace(/\s+/g, '').split(',');
  else problems.push('MOTCUA_TRUST_PROXY must be false, true, a number of proxy hops, or comma-separated proxy addresses');
  const publicUrl = parsePublicUrl(env, problems);
  const config: Config = {
    databaseUrl,
    appDatabaseUrl,
    appRole,
    auditKey: auditKey ?? undefined,
    dataDir: path.resolve(env.MOTCUA_DATA_DIR ?? 'data'),
    host: env.HOST ?? '127.0.0.1',
    port: intFrom(env, 'PORT', 3000, 0, 65535, problems),
    logLevel,
    sessionTtlMinutes: intFrom(env, 'MOTCUA_SESSION_TTL_MINUTES', 8 * 60, 1, 30 * 24 * 60, problems),
    maxUploadBytes: intFrom(env, 'MOTCUA_MAX_UPLOAD_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024, problems),
    trackingPerMinute: intFrom(env, 'MOTCUA_TRACKING_PER_MINUTE', 30, 1, 1_000_000, problems),
    provinceCode,
    poolSize: intFrom(env, 'MOTCUA_DB_POOL', 10, 1, 200, problems),
    trustProxy,
    publicUrl,
    lookupCodeFailures: intFrom(env, 'MOTCUA_LOOKUP_CODE_FAILURES', 5, 1, 1000, problems),
    lookupAddressFailures: intFrom(env, 'MOTCUA_LOOKUP_ADDRESS_FAILURES', 30, 1, 1_000_000, problems),
    lookupWindowMinutes: intFrom(env, 'MOTCUA_LOOKUP_WINDOW_MINUTES', 15, 1, 24 * 60, problems),
    loginAccountFailures: intFrom(env, 'MOTCUA_LOGIN_ACCOUNT_FAILURES', 5, 1, 1000, problems),
    loginAddressFailures: intFrom(env, 'MOTCUA_LOGIN_ADDRESS_FAILURES', 30, 1, 1_000_000, problems),
    loginLockSeconds: intFrom(env, 'MOTCUA_LOGIN_LOCK_SECONDS', 60, 1, 24 * 3600, problems),
    loginMaxLockMinutes: intFrom(env, 'MOTCUA_LOGIN_MAX_LOCK_MINUTES', 60, 1, 7 * 24 * 60, problems),
    portalUrl: parsePortalUrl(env.MOTCUA_PORTAL_URL, problems),
    portalSimulatorPort: intFrom(env, 'MOTCUA_PORTAL_SIM_PORT', 3101, 1, 65535, problems),
    portalAuthPath: env.MOTCUA_PORTAL_AUTH_PATH?.trim() || '/api/auth',
    portalIntegrationPath: env.MOTCUA_PORTAL_INTEGRATION_PATH?.trim() || '/api/integration',
    portalUser: env.MOTCUA_PORTAL_USER?.trim() || 'motcua',
    portalPassword: env.MOTCUA_PORTAL_PASSWORD ?? 'motcua-sim',
    portalUnitCode: env.MOTCUA_PORTAL_UNIT?.trim() ?? '',
    portalTimeoutMs: intFrom(env, 'MOTCUA_PORTAL_TIMEOUT_MS', 15_000, 100, 300_000, problems),
    vneidUrl: parsePortalUrl(env.MOTCUA_VNEID_URL, problems, 'MOTCUA_VNEID_URL'),
    vneidSimulatorPort: intFrom(env, 'MOTCUA_VNEID_SIM_PORT', 3103, 1, 65535, problems),
    vneidClientId: env.MOTCUA_VNEID_CLIENT_ID?.trim() || 'motcua',
    vneidClientSecret: env.MOTCUA_VNEID_CLIENT_SECRET ?? 'motcua-vneid-sim',
    vneidPopulationUrl: env.MOTCUA_VNEID_POPULATION_URL?.trim() || undefined,
    vneidTimeoutMs: intFrom(env, 'MOTCUA_VNEID_TIMEOUT_MS', 10_000, 100, 300_000, problems),
    vneidRedirectUri: parseVneidRedirectUri(env, publicUrl, problems),
    paymentsUrl: parsePortalUrl(env.MOTCUA_PAYMENTS_URL, problems, 'MOTCUA_PAYMENTS_URL'),
    paymentsSimulatorPort: intFrom(env, 'MOTCUA_PAYMENTS_SIM_PORT', 3102, 1, 65535, problems),
    paymentsTmnCode: env.MOTCUA_PAYMENTS_TMN_CODE?.trim() || 'MOTCUA01',
    paymentsHashSecret: env.MOTCUA_PAYMENTS_HASH_SECRET ?? 'MOTCUASIMULATORHASHSECRET0000000',
    paymentsReturnUrl: parseOwnUrl(env, 'MOTCUA_PAYMENTS_RETURN_URL', '/thanh-toan/ket-qua', publicUrl, problems),
    paymentsTimeoutMs: intFrom(env, 'MOTCUA_PAYMENTS_TIMEOUT_MS', 10_000, 100, 300_000, problems),
    paymentsExpireMinutes: intFrom(env, 'MOTCUA_PAYMENTS_EXPIRE_MINUTES', 15, 5, 24 * 60, problems),
    smsUrl: parsePortalUrl(env.MOTCUA_SMS_URL, problems, 'MOTCUA_SMS_URL'),
    smsSimulatorPort: intFrom(env, 'MOTCUA_SMS_SIM_PORT', 3104, 1, 65535, problems),
    smsApiKey: env.MOTCUA_SMS_API_KEY?.trim() || 'MOTCUA-SIM-KEY',
    smsSecretKey: env.MOTCUA_SMS_SECRET_KEY ?? 'MOTCUA-SIM-SECRET',
    smsBrandname: env.MOTCUA_SMS_BRANDNAME?.trim() || 'MOTCUA',
    smsTimeoutMs: intFrom(env, 'MOTCUA_SMS_TIMEOUT_MS', 10_000, 100, 300_000, problems),
    smtpUrl: parseSmtpUrl(env.MOTCUA_SMTP_URL, problems),
    mailSimulatorPort: intFrom(env, 'MOTCUA_MAIL_SIM_PORT', 3105, 1, 65535, problems),
    mailSimulatorSmtpPort: intFrom(env, 'MOTCUA_MAIL_SIM_SMTP_PORT', 2525, 1, 65535, problems),
    mailFrom: env.MOTCUA_MAIL_FROM?.trim() || 'Motcua <thongbao@motcua.local>',
    noticeSecret: env.MOTCUA_NOTICE_SECRET ?? 'motcua-notice-secret-for-development-only',
    ...overrides,
  };
  if (config.loginMaxLockMinutes * 60 < config.loginLockSeconds)
    problems.push(
      'MOTCUA_LOGIN_MAX_LOCK_MINUTES must be at least MOTCUA_LOGIN_LOCK_SECONDS (the longest lock is never shorter than the first)',
    );
  if (problems.length > 0) {
    throw new Error(`Invalid configuration:\n- ${problems.join('\n- ')}`);
  }
  return config;
}
