import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig, type Config } from './platform/config.js';
import { LocalBlobStore } from './platform/blob-store.js';
import type { AppDatabase } from './platform/database-roles.js';
import type { AuditKey } from './platform/audit-chain.model.js';
import type { Services } from './services.js';
import { MAX_PRIORITY_STREAK } from './queue/ticket.model.js';
import { DEMO_OFFICE_HOURS, formatLocalIso, WorkingCalendar, type LimitUnit } from './calendar/calendar.model.js';

// Database, HTTP and demo modules load inside the commands that need them, so `motcua due` starts fast.

const UNITS: LimitUnit[] = ['working-hours', 'working-days', 'days', 'months'];
/** How long `serve` waits for requests in flight on SIGTERM before closing their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * The database as the app uses it: migrated by its owner, the grants of the app role (re)applied, the pool running as
 * that role (platform/database-roles.ts); and the audit key, from MOTCUA_AUDIT_KEY or its file (created on first start).
 */
async function openApp(config: Config, onConnectionError?: (error: Error) => void): Promise<{ database: AppDatabase; auditKey: AuditKey }> {
  const { openAppDatabase } = await import('./platform/database-roles.js');
  const { loadAppPassword, loadAuditKey } = await import('./platform/secrets.js');
  const auditKey = await loadAuditKey(config);
  const database = await openAppDatabase({
    databaseUrl: config.databaseUrl,
    appDatabaseUrl: config.appDatabaseUrl,
    appRole: config.appRole,
    appPassword: () => loadAppPassword(config.dataDir),
    dataDir: config.dataDir,
    poolSize: config.poolSize,
    onConnectionError,
  });
  return { database, auditKey };
}

/** Where the portal sync goes: MOTCUA_PORTAL_URL, else the demo's simulator; null when 'off'. */
function portalUrlOf(config: Config): string | null {
  if (config.portalUrl === 'off') return null;
  return config.portalUrl ?? `http://127.0.0.1:${config.portalSimulatorPort}`;
}

/** Where the payment gateway is: MOTCUA_PAYMENTS_URL, else the demo's simulator; null when 'off'. */
function paymentsUrlOf(config: Config): string | null {
  if (config.paymentsUrl === 'off') return null;
  return config.paymentsUrl ?? `http://127.0.0.1:${config.paymentsSimulatorPort}`;
}

/** Where the SMS gateway is: MOTCUA_SMS_URL, else the demo's simulator; null when 'off' (SMS to the log). */
function smsUrlOf(config: Config): string | null {
  if (config.smsUrl === 'off') return null;
  return config.smsUrl ?? `http://127.0.0.1:${config.smsSimulatorPort}`;
}

/** Where e-mail notices go: MOTCUA_SMTP_URL, else the demo's mail sink; null when 'off' (e-mails wait). */
function smtpUrlOf(config: Config): string | null {
  if (config.smtpUrl === 'off') return null;
  return config.smtpUrl ?? `smtp://127.0.0.1:${config.mailSimulatorSmtpPort}`;
}

/** Where VNeID and the population database are: MOTCUA_VNEID_URL, else the demo's simulator; null when 'off'. */
function vneidUrlOf(config: Config): string | null {
  if (config.vneidUrl === 'off') return null;
  return config.vneidUrl ?? `http://127.0.0.1:${config.vneidSimulatorPort}`;
}

async function open(
  config: Config,
  opts: { smsLog?: (line: string) => void; onConnectionError?: (error: Error) => void } = {},
): Promise<{ database: AppDatabase; services: Services; auditKey: AuditKey }> {
  const { createServices } = await import('./services.js');
  const { trackingCacheTtlFor } = await import('./tracking/tracking.service.js');
  const { PortalClient } = await import('./portal/portal.client.js');
  const { database, auditKey } = await openApp(config, opts.onConnectionError);
  const portalUrl = portalUrlOf(config);
  let services: Services;
  const portal = portalUrl
    ? new PortalClient({
        baseUrl: portalUrl,
        authPath: config.portalAuthPath,
        integrationPath: config.portalIntegrationPath,
        username: config.portalUser,
        password: config.portalPassword,
        unitCode:
          config.portalUnitCode || (async () => (await services.org.listUnits(['province']))[0]?.agency_code ?? config.provinceCode),
        timeoutMs: config.portalTimeoutMs,
      })
    : null;
  const vneidUrl = vneidUrlOf(config);
  const population = vneidUrl
    ? (await import('./vneid/vneid.client.js')).createVneidClient({
        issuer: vneidUrl,
        clientId: config.vneidClientId,
        clientSecret: config.vneidClientSecret,
        redirectUri: config.vneidRedirectUri,
        populationUrl: config.vneidPopulationUrl,
        timeoutMs: config.vneidTimeoutMs,
      })
    : null;
  const paymentsUrl = paymentsUrlOf(config);
  const payments = paymentsUrl
    ? (await import('./payments/gateway.client.js')).createGateway({
        baseUrl: paymentsUrl,
        tmnCode: config.paymentsTmnCode,
        hashSecret: config.paymentsHashSecret,
        returnUrl: config.paymentsReturnUrl,
        timeoutMs: config.paymentsTimeoutMs,
      })
    : null;
  services = createServices({
    portal,
    population,
    payments,
    paymentExpireMinutes: config.paymentsExpireMinutes,
    // The same adapter logs citizens in (its redirect URI is our callback, config.vneidRedirectUri).
    vneid: population,
    db: database.db,
    blobs: new LocalBlobStore(path.join(config.dataDir, 'blobs')),
    clock: () => new Date(),
    auditKey,
    sessionTtlMinutes: config.sessionTtlMinutes,
    maxUploadBytes: config.maxUploadBytes,
    feed: database.feed,
    trackingCacheTtlMs: trackingCacheTtlFor(database.kind),
    publicUrl: config.publicUrl,
    sms: smsUrlOf(config)
      ? new (await import('./notifications/sms.client.js')).EsmsSmsSender({
          baseUrl: smsUrlOf(config)!,
          apiKey: config.smsApiKey,
          secretKey: config.smsSecretKey,
          brandname: config.smsBrandname,
          timeoutMs: config.smsTimeoutMs,
        })
      : new (await import('./notifications/notification.service.js')).LogSmsSender(opts.smsLog),
    mail: smtpUrlOf(config)
      ? new (await import('./notifications/mail.client.js')).SmtpMailSender(smtpUrlOf(config)!, config.mailFrom)
      : null,
    noticeSecret: config.noticeSecret,
    // The gateway calls back the address served (the demo's simulator) or the public one (a real gateway).
    smsReportUrl:
      config.smsUrl === undefined
        ? `http://127.0.0.1:${config.port}/notices/sms/reports`
        : `${config.publicUrl.replace(/\/+$/, '')}/notices/sms/reports`,
    mailHost: /@([^>\s]+)/.exec(config.mailFrom)?.[1] ?? 'motcua.local',
    lookupBudget: {
      perKeyFailures: config.lookupCodeFailures,
      perAddressFailures: config.lookupAddressFailures,
      windowMs: config.lookupWindowMinutes * 60_000,
    },
    loginThrottle: {
      ...(await import('./auth/login-throttle.model.js')).DEFAULT_LOGIN_THROTTLE,
      accountFailures: config.loginAccountFailures,
      addressFailures: config.loginAddressFailures,
      firstLockMs: config.loginLockSeconds * 1000,
      maxLockMs: config.loginMaxLockMinutes * 60_000,
    },
  });
  return { database, services, auditKey };
}

const program = new Command('motcua').description('Motcua — one-stop public administration service system').showHelpAfterError();

program
  .command('serve')
  .description('Serve the API (migrates, and seeds the demo province into an empty database)')
  .option('--no-seed', 'do not seed the demo province into an empty database')
  .action(async (opts: { seed: boolean }) => {
    const config = loadConfig();
    const { default: pino } = await import('pino');
    const { loggerOptions } = await import('./platform/logger.js');
    const { buildApp } = await import('./app.js');
    const { DEMO_PASSWORD, seedDemo } = await import('./demo/seed.js');
    const log = pino(loggerOptions(config.logLevel));
    // The demo syncs with the portal's simulator, a process of its own (MOTCUA_PORTAL_URL names a real portal instead).
    const simulator = config.portalUrl === undefined ? await startSimulatorProcess('portal', config.portalSimulatorPort, log) : null;
    // And looks people up in the population database through VNeID's simulator (MOTCUA_VNEID_URL names the real one).
    // It registers our callback on the address served (and the public one), so citizens log in with VNeID end to end.
    const vneidSimulator =
      config.vneidUrl === undefined
        ? await startSimulatorProcess('vneid', config.vneidSimulatorPort, log, [
            '--redirect-uri',
            ...new Set([config.vneidRedirectUri, `${config.publicUrl}/auth/vneid/callback`]),
          ])
        : null;
    // And takes online payments through the payment gateway's simulator (MOTCUA_PAYMENTS_URL names a real gateway).
    const paymentsSimulator =
      config.paymentsUrl === undefined ? await startSimulatorProcess('payments', config.paymentsSimulatorPort, log) : null;
    // And sends notices through the SMS gateway's simulator and the mail sink (MOTCUA_SMS_URL, MOTCUA_SMTP_URL name real ones).
    const smsSimulator = config.smsUrl === undefined ? await startSimulatorProcess('sms', config.smsSimulatorPort, log) : null;
    const mailSimulator =
      config.smtpUrl === undefined
        ? await startSimulatorProcess('mail', config.mailSimulatorPort, log, ['--smtp-port', String(config.mailSimulatorSmtpPort)])
        : null;
    const { database, services, auditKey } = await open(config, {
      smsLog: (line) => log.info(line),
      // Each connection a restarting server breaks says so once; the requests it served answer 503 meanwhile.
      onConnectionError: (e) => log.warn({ code: (e as { code?: unknown }).code, reason: e.message }, 'database connection lost'),
    });
    if (opts.seed && (await services.org.listUnits()).length === 0) {
      log.info('empty database: generating the demo province (first run only)…');
      const t = Date.now();
      const r = await seedDemo(database.db, new LocalBlobStore(path.join(config.dataDir, 'blobs')), auditKey, { log: (m) => log.info(m) });
      await services.org.reload();
      log.info(
        `demo province ready in ${((Date.now() - t) / 1000).toFixed(1)} s: ${r.units} units, ${r.procedures} procedures, ${r.staff} staff, ${r.dossiers} dossiers and ${r.imported} imported`,
      );
    }
    const app = await buildApp({ config, database, services });
    const { startPeriodic } = await import('./platform/jobs.js');
    // The chain heads, outside the database (what a TRUNCATE of the audit tables cannot undo): now and every minute.
    const { AuditCheckpointer } = await import('./audit/audit.service.js');
    const { checkpointFile } = await import('./audit/checkpoint.store.js');
    const checkpoints = new AuditCheckpointer({
      db: database.db,
      key: auditKey,
      file: checkpointFile(config.dataDir),
      clock: () => new Date(),
    });
    await checkpoints.checkpoint().catch((e: unknown) => app.log.error({ err: e }, 'audit checkpoint failed'));
    const jobs = [
      startPeriodic({ name: 'audit-checkpoint', everyMs: 60_000, log: app.log, run: async () => void (await checkpoints.checkpoint()) }),
      // Notices of the dossiers' steps: the queue written with each event becomes notifications (one per channel).
      startPeriodic({ name: 'notices', everyMs: 1_000, log: app.log, run: async () => void (await services.notices.expandDue()) }),
      // The notification outbox (notices, booking confirmations and reminders), sent through the SMS and e-mail adapters.
      startPeriodic({
        name: 'notifications',
        everyMs: 1_000,
        log: app.log,
        run: async () => void (await services.notifications.dispatchDue()),
      }),
      startPeriodic({
        name: 'detect-late',
        everyMs: 60_000,
        log: app.log,
        run: async () => {
          const r = await services.dossiers.detectLate();
          if (r.flagged.length) app.log.info({ flagged: r.flagged.length }, 'late dossiers flagged');
        },
      }),
      // Feedback whose current deadline is within 1 working day or past: escalated to the unit's leader.
      startPeriodic({
        name: 'escalate-feedback',
        everyMs: 60_000,
        log: app.log,
        run: async () => {
          const r = await services.feedback.escalateDue();
          if (r.escalated.length) app.log.info({ escalated: r.escalated.length }, 'feedback escalated');
        },
      }),
      // The National Public Service Portal: the outbox's dossiers, delivered in order per dossier (lag of about a second).
      startPeriodic({
        name: 'portal-sync',
        everyMs: 500,
        log: app.log,
        run: async () => {
          const r = await services.portal.deliverDue();
          if (r.unavailable) app.log.warn({ reason: r.unavailable }, 'portal sync: portal unavailable, changes kept in the outbox');
          if (r.rejected)
            app.log.warn({ rejected: r.rejected }, 'portal sync: dossiers refused by the portal (see motcua portal reconcile)');
        },
      }),
      // Inward: the dossiers citizens filed on the portal, taken every 30 seconds (status 1 at their service point).
      startPeriodic({
        name: 'portal-pull',
        everyMs: 30_000,
        log: app.log,
        run: async () => {
          const r = await services.portalInbound.pullNew();
          if (r.unavailable) app.log.warn({ reason: r.unavailable }, 'portal pull: portal unavailable, its new dossiers taken later');
          if (r.created || r.refused)
            app.log.info(
              { created: r.created, refused: r.refused },
              'portal pull: new portal dossiers (refusals: see motcua portal reconcile)',
            );
        },
      }),
      // Refunds of online payments (processing stopped, or paid twice), asked of the gateway until it takes them.
      startPeriodic({
        name: 'payment-refunds',
        everyMs: 60_000,
        log: app.log,
        run: async () => {
          const r = await services.payments.refundDue();
          if (r.unavailable) app.log.warn({ reason: r.unavailable }, 'payment refunds: gateway unavailable, tried again later');
        },
      }),
      // Yesterday's online payments against the gateway's records, once a day (an IPN lost is settled then).
      startPeriodic({
        name: 'payment-reconcile',
        everyMs: 60 * 60_000,
        log: app.log,
        run: async () => {
          if (!services.payments.online) return;
          const { localDate } = await import('./kpi/kpi.model.js');
          const yesterday = localDate(new Date(Date.now() - 86_400_000));
          if ((await services.payments.reconciliations(yesterday, yesterday)).length) return;
          const r = await services.payments.reconcile(yesterday);
          if (r.mismatches.length)
            app.log.warn({ day: yesterday, mismatches: r.mismatches.length }, 'payments: differences with the gateway');
        },
      }),
      // The leaders' figures: rollups of the events of every transaction that has ended (a lag of about a second).
      startPeriodic({ name: 'kpi-rollups', everyMs: 1_000, log: app.log, run: async () => void (await services.kpi.catchUp()) }),
      // Housekeeping: look-up budgets whose window has ended, log-in failures long forgotten, online submissions
      // expired unused with the files only they had uploaded.
      startPeriodic({
        name: 'housekeeping',
        everyMs: 10 * 60_000,
        log: app.log,
        run: async () =>
          void (await Promise.all([
            services.lookups.purge(),
            services.auth.purgeLoginThrottle(),
            services.files.purgeExpiredSubmissions(),
            services.citizens.purgeExpired(),
          ])),
      }),
    ];
    let stopping = false;
    const shutdown = (signal: NodeJS.Signals) => {
      // A repeated signal changes nothing (a process group's signal can arrive twice: once sent, once relayed by
      // tsx or npm); the grace period below bounds the wait anyway.
      if (stopping) return;
      stopping = true;
      app.log.info({ signal }, 'stopping: no new connections; finishing the requests in flight');
      // Requests still open after the grace period (a stuck client, a query on a vanished server) lose their
      // connection, and a close that still hangs ends the process: a supervisor's stop always completes.
      const force = setTimeout(() => {
        app.log.warn(`requests still open after ${SHUTDOWN_GRACE_MS / 1000} s: closing their connections`);
        app.server.closeAllConnections();
      }, SHUTDOWN_GRACE_MS).unref();
      setTimeout(() => {
        app.log.error('shutdown did not complete: exiting');
        process.exit(1);
      }, SHUTDOWN_GRACE_MS + 5_000).unref();
      // Node closes the connections idle when closing starts; a keep-alive connection whose request finishes later
      // would stay open until its client leaves: close each as soon as it goes idle.
      const idle = setInterval(() => app.server.closeIdleConnections(), 50).unref();
      (async () => {
        // app.close() stops accepting, ends the board's event streams, answers new requests on open connections
        // with 503 and waits for the requests in flight; the jobs finish their run; then the pool closes.
        await Promise.all([app.close(), ...jobs.map((j) => j.stop())]);
        clearTimeout(force);
        clearInterval(idle);
        await database.close();
        simulator?.kill('SIGTERM');
        vneidSimulator?.kill('SIGTERM');
        paymentsSimulator?.kill('SIGTERM');
        smsSimulator?.kill('SIGTERM');
        mailSimulator?.kill('SIGTERM');
      })().then(
        () => {
          app.log.info('stopped');
          process.exit(0);
        },
        (e: unknown) => {
          app.log.error({ err: e }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
    await app.listen({ host: config.host, port: config.port });
    const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${(app.server.address() as { port: number }).port}`;
    console.log(`\nMotcua is running on ${database.kind === 'pglite' ? `embedded PGlite (${config.dataDir})` : 'PostgreSQL'}`);
    console.log(`  Portal:    ${url}/          (staff console: ${url}/can-bo)`);
    console.log(`  API docs:  ${url}/docs   (OpenAPI: ${url}/openapi.json)`);
    // Where the receipts' QR codes and the notices' links lead: the address served, unless MOTCUA_PUBLIC_URL says.
    console.log(`  Links:     ${config.publicUrl}/tra-cuu/…   (QR codes and notices; MOTCUA_PUBLIC_URL to change)`);
    console.log(`  Logins:    admin, ql.tinh, cb.tinh1, cv.stp, ld.stp … — password "${DEMO_PASSWORD}" (see README)`);
    const portalUrl = portalUrlOf(config);
    console.log(
      `  DVCQG:     ${portalUrl ? `${portalUrl}${simulator ? '   (simulator, its own process)' : ''}` : 'sync off (MOTCUA_PORTAL_URL=off)'}`,
    );
    const paymentsUrl = paymentsUrlOf(config);
    if (paymentsUrl && config.paymentsUrl === undefined) {
      // The demo's gateway calls this server back (its IPN) on the port actually served.
      const ipnUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/payments/gateway/ipn`;
      await fetch(`${paymentsUrl}/_sim/merchants`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tmnCode: config.paymentsTmnCode, hashSecret: config.paymentsHashSecret, ipnUrl }),
        signal: AbortSignal.timeout(5_000),
      }).catch((e: unknown) => app.log.warn({ reason: String(e) }, 'payment gateway simulator: could not register the IPN address'));
    }
    if (simulator && opts.seed) await fileDemoDossiersAtPortal(services, `http://127.0.0.1:${config.portalSimulatorPort}`, app.log);
    console.log(
      `  Payments:  ${paymentsUrl ? `${paymentsUrl}${paymentsSimulator ? '   (gateway simulator, its own process)' : ''}` : 'online payment off (MOTCUA_PAYMENTS_URL=off)'}`,
    );
    const smsUrl = smsUrlOf(config);
    console.log(
      `  SMS:       ${smsUrl ? `${smsUrl}${smsSimulator ? `   (gateway simulator, its own process: ${smsUrl}/_sim/messages)` : ''}` : 'to the log (MOTCUA_SMS_URL=off)'}`,
    );
    const smtpUrl = smtpUrlOf(config);
    console.log(
      `  E-mail:    ${smtpUrl ? `${smtpUrl.replace(/\/\/[^@/]*@/, '//')}${mailSimulator ? `   (mail sink, its own process: http://127.0.0.1:${config.mailSimulatorPort}/_sim/messages)` : ''}` : 'off (MOTCUA_SMTP_URL=off): e-mails wait'}`,
    );
    const vneidUrl = vneidUrlOf(config);
    console.log(
      `  VNeID:     ${vneidUrl ? `${vneidUrl}${vneidSimulator ? `   (simulator, its own process: citizens log in at ${url}/auth/vneid/login; population look-ups at the counter)` : ''}` : 'not connected (MOTCUA_VNEID_URL=off)'}\n`,
    );
  });

program
  .command('migrate')
  .description("Apply pending database migrations (as DATABASE_URL's owner) and the app role's grants")
  .action(async () => {
    const config = loadConfig();
    const { database } = await openApp(config);
    console.log(JSON.stringify({ applied: database.migrated, appRole: database.role }));
    await database.close();
  });

program
  .command('seed')
  .description('Generate the demo province into an empty database')
  .option('--dossiers <n>', 'number of historical dossiers', (v) => Number(v), 2000)
  .option(
    '--queue-days <n>',
    'working days of counter-queue ticket history',
    (v: string) => {
      if (!/^\d{1,3}$/.test(v) || Number(v) > 250) throw new InvalidArgumentError('expected a whole number from 0 to 250');
      return Number(v);
    },
    15,
  )
  .option('--history-dossiers <n>', 'dossiers of the imported year before the live window (default 5000; 0 for none)', (v: string) => {
    if (!/^\d{1,6}$/.test(v)) throw new InvalidArgumentError('expected a whole number from 0 to 999999');
    return Number(v);
  })
  .action(async (opts: { dossiers: number; queueDays: number; historyDossiers?: number }) => {
    const config = loadConfig();
    const { database, services, auditKey } = await open(config);
    const { seedDemo } = await import('./demo/seed.js');
    const r = await seedDemo(database.db, new LocalBlobStore(path.join(config.dataDir, 'blobs')), auditKey, {
      dossiers: opts.dossiers,
      queueDays: opts.queueDays,
      historyDossiers: opts.historyDossiers,
      log: (m) => console.error(m),
    });
    console.log(JSON.stringify(r));
    await database.close();
  });

const audit = program.command('audit').description('Audit trail tools');
audit
  .command('verify')
  .description(
    'Verify every HMAC chain of the audit trail, the dossier events it covers and the checkpoints outside the database; ' +
      'prints each problem as a JSON line, then a summary line; exits 1 if any',
  )
  .action(async () => {
    const config = loadConfig();
    const { database, auditKey } = await openApp(config);
    try {
      const { verifyAudit } = await import('./audit/audit.service.js');
      const { checkpointFile } = await import('./audit/checkpoint.store.js');
      const r = await verifyAudit(database.db, auditKey, {
        checkpoints: checkpointFile(config.dataDir),
        keepProblems: false,
        onProblem: (p) => console.log(JSON.stringify(p)),
      });
      const { problems: _kept, problemCount, ...summary } = r;
      console.log(JSON.stringify({ ...summary, problems: problemCount }));
      process.exitCode = r.ok ? 0 : 1;
    } finally {
      await database.close();
    }
  });
audit
  .command('checkpoint')
  .description('Append the chain heads to <data dir>/audit/checkpoints.jsonl (serve does it every minute)')
  .action(async () => {
    const config = loadConfig();
    const { database, auditKey } = await openApp(config);
    try {
      const { AuditCheckpointer } = await import('./audit/audit.service.js');
      const { checkpointFile } = await import('./audit/checkpoint.store.js');
      const file = checkpointFile(config.dataDir);
      const r = await new AuditCheckpointer({ db: database.db, key: auditKey, file, clock: () => new Date() }).checkpoint();
      console.log(JSON.stringify({ ...r, file }));
    } finally {
      await database.close();
    }
  });

// Backups (src/platform/backup.ts): the database, the blob store, secrets/ and audit/ in one archive.
const pgBinOption = () =>
  new Option('--pg-bin <dir>', "directory of PostgreSQL's pg_dump and pg_restore, at least as new as the server (default: from PATH)");

program
  .command('backup <file>')
  .description('Write the database and the uploaded files to one archive (PostgreSQL: while serving; PGlite: stop the server first)')
  .addOption(pgBinOption())
  .action(async (file: string, opts: { pgBin?: string }) => {
    const config = loadConfig();
    const { createBackup } = await import('./platform/backup.js');
    const { VERSION } = await import('./app.js');
    // Not migrated: a backup copies the database as it is.
    const { openDatabase } = await import('./platform/database.js');
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
    try {
      const r = await createBackup({
        database,
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        file,
        appVersion: VERSION,
        pgBinDir: opts.pgBin,
      });
      console.log(JSON.stringify(r, null, 2));
      // The archive is written either way (the best copy there is); a monitoring job sees the exit code.
      if (r.problems.length > 0) {
        console.error(`backup written with ${r.problems.length} problem(s) in the blob store:\n- ${r.problems.slice(0, 20).join('\n- ')}`);
        process.exitCode = 1;
      }
    } finally {
      await database.close();
    }
  });

program
  .command('restore <file>')
  .description('Restore an archive of `motcua backup` into an empty data directory (and, for PostgreSQL, an empty database)')
  .addOption(pgBinOption())
  .action(async (file: string, opts: { pgBin?: string }) => {
    const config = loadConfig();
    const { restoreBackup } = await import('./platform/backup.js');
    const r = await restoreBackup({ file, dataDir: config.dataDir, databaseUrl: config.databaseUrl, pgBinDir: opts.pgBin });
    let kpi: { applied: number; renumbered: number } | undefined;
    if (r.database === 'postgres') {
      // pg_restore wrote the rows into another cluster: their transaction ids are renumbered for the KPI rollups.
      const { openDatabase } = await import('./platform/database.js');
      const { rebaseRestoredRollups } = await import('./kpi/kpi.service.js');
      const owner = await openDatabase({ databaseUrl: config.databaseUrl, poolSize: 1 });
      try {
        kpi = await rebaseRestoredRollups(owner.db);
      } finally {
        await owner.close();
      }
    }
    console.log(JSON.stringify(kpi ? { ...r, kpi } : r, null, 2));
  });

const catalogCmd = program.command('catalog').description('Procedure catalog as JSON (format motcua.catalog/1)');
catalogCmd
  .command('export')
  .description('Print the whole catalog, every version, as JSON')
  .action(async () => {
    const config = loadConfig();
    const { database, services } = await open(config);
    process.stdout.write(`${JSON.stringify(await services.catalog.exportCatalog(), null, 2)}\n`);
    await database.close();
  });
catalogCmd
  .command('import <file>')
  .description('Import a catalog file; unchanged versions are skipped, versions in use never change')
  .action(async (file: string) => {
    const config = loadConfig();
    const { database, services } = await open(config);
    try {
      const doc = JSON.parse(await readFile(file, 'utf8')) as unknown;
      console.log(JSON.stringify(await services.catalog.importCatalog(null, doc)));
    } finally {
      await database.close();
    }
  });

const kpiCmd = program.command('kpi').description("The leaders' figures: rollups of the dossiers' events");
kpiCmd
  .command('rebuild')
  .description('Recompute every rollup from the events (the same statements the server applies as it goes: the same numbers)')
  .action(async () => {
    const config = loadConfig();
    const { database, services } = await open(config);
    const t = Date.now();
    const r = await services.kpi.rebuild();
    console.log(JSON.stringify({ rollupRows: r.rows, seconds: (Date.now() - t) / 1000 }));
    await database.close();
  });

const wholeNumber = (max: number) => (v: string) => {
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1 || Number(v) > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
  return Number(v);
};

program
  .command('import-history <file>')
  .description(
    'Import dossiers with their whole history from a motcua.history/1 file (docs/HISTORY-FORMAT.md): idempotent by dossier code, resumable; a JSON summary on stdout',
  )
  .option(
    '--skip-invalid',
    'store the valid lines and report the bad ones (default: check the whole file first, store nothing if a line is bad)',
  )
  .option('--batch-size <n>', 'dossiers per transaction', wholeNumber(5000), 500)
  .action(async (file: string, opts: { skipInvalid?: boolean; batchSize: number }) => {
    const config = loadConfig();
    const { database, services } = await open(config);
    try {
      // A progress bar on a terminal (bytes of the file, per phase); bad lines are printed above it as they are found.
      const { MultiBar, Presets } = await import('cli-progress');
      const bars = process.stderr.isTTY
        ? new MultiBar(
            { format: ' {phase} [{bar}] {percentage}% | {eta_formatted} left', hideCursor: true, stream: process.stderr },
            Presets.shades_classic,
          )
        : null;
      let bar: ReturnType<InstanceType<typeof MultiBar>['create']> | null = null;
      let phase = '';
      const r = await services.history.importFile(file, {
        skipInvalid: Boolean(opts.skipInvalid),
        batchSize: opts.batchSize,
        onProgress: (p, bytes, total) => {
          if (!bars) return;
          if (p !== phase) {
            phase = p;
            bar?.update(bar.getTotal());
            bar = bars.create(total, 0, { phase: p === 'validate' ? 'checking ' : 'importing' });
          }
          bar!.update(bytes);
        },
        onProblem: (p) => {
          const text = `line ${p.line}: ${p.field || '(the line)'}: ${p.message}`;
          if (bars) bars.log(`${text}\n`);
          else console.error(text);
        },
      });
      bars?.stop();
      // The figures include the import at once (the server's worker would within a second).
      await services.kpi.catchUp();
      const { problems: _, ...summary } = r;
      console.log(JSON.stringify(summary));
      if (r.aborted || r.invalid > 0 || r.conflicts > 0) process.exitCode = 1;
    } finally {
      await database.close();
    }
  });

const historyCmd = program.command('history').description('Imported history (motcua.history/1)');
historyCmd
  .command('generate')
  .description("Write a deterministic history of the demo province's dossiers as motcua.history/1 to stdout")
  .requiredOption('--dossiers <n>', 'number of dossiers', wholeNumber(1_000_000))
  .requiredOption('--from <date>', 'first day of receipts, YYYY-MM-DD (local)')
  .requiredOption('--to <date>', 'the day after the last receipts, YYYY-MM-DD (local)')
  .option('--seed <n>', 'seed of the pseudo-random generator', wholeNumber(0xffffffff), 1)
  .action(async (opts: { dossiers: number; from: string; to: string; seed: number }, cmd: Command) => {
    const day = (v: string, name: string) => {
      const d = new Date(`${v}T00:00:00+07:00`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(d.getTime()))
        cmd.error(`error: option '--${name} <date>' must be a date YYYY-MM-DD`);
      return d;
    };
    const from = day(opts.from, 'from');
    const to = day(opts.to, 'to');
    if (to <= from) cmd.error("error: option '--to <date>' must be after --from");
    const { demoFiles } = await import('./demo/seed.js');
    const { generateHistory } = await import('./demo/history-demo.js');
    const { once } = (await import('node:events')).EventEmitter;
    const { province, catalog } = demoFiles();
    for (const line of generateHistory({ dossiers: opts.dossiers, from, to, now: new Date(), seed: opts.seed, province, catalog })) {
      if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain');
    }
  });

/** A unit given on the command line by id or by key (TTPVHCC, CN-A, …). */
async function unitArg(services: Awaited<ReturnType<typeof open>>['services'], v: string | undefined): Promise<number | undefined> {
  if (v === undefined) return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  const u = await services.org.unitByKey(v);
  if (!u) throw new InvalidArgumentError(`no unit with key ${v}`);
  return u.id;
}

for (const [name, description] of [
  ['scorecard', 'The Decision 766 scorecard of a unit over a period, as JSON (brings the rollups up to date first)'],
  ['report', "A unit's figures over a period, as JSON, grouped by --by (brings the rollups up to date first)"],
] as const) {
  const cmd = program
    .command(name)
    .description(description)
    .option('--unit <id|key>', 'unit id or key (default: the province)')
    .requiredOption('--from <date>', 'first local day, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last local day, YYYY-MM-DD');
  if (name === 'report') cmd.option('--by <grouping>', 'day, week, month, quarter, year, procedure, point or agency');
  cmd.action(async (opts: { unit?: string; from: string; to: string; by?: string }) => {
    const config = loadConfig();
    const { database, services } = await open(config);
    try {
      await services.kpi.catchUp();
      const q = { unitId: await unitArg(services, opts.unit), from: opts.from, to: opts.to };
      const { GROUPINGS } = await import('./kpi/kpi.model.js');
      if (opts.by !== undefined && !(GROUPINGS as readonly string[]).includes(opts.by))
        throw new InvalidArgumentError(`--by must be one of ${GROUPINGS.join(', ')}`);
      const r =
        name === 'scorecard' ? await services.kpi.scorecard(null, q) : await services.kpi.figures(null, { ...q, by: opts.by as never });
      console.log(JSON.stringify(r, null, 2));
    } finally {
      await database.close();
    }
  });
}

program
  .command('report-pdf')
  .description(
    "A unit's monthly report of results as PDF in the official style, as GET /kpi/report.pdf (brings the rollups up to date first)",
  )
  .option('--unit <id|key>', 'unit id or key (default: the province)')
  .requiredOption('--month <yyyy-mm>', 'the month reported on, begun already (Vietnam time)')
  .requiredOption('--out <file>', 'where to write the PDF')
  .action(async (opts: { unit?: string; month: string; out: string }) => {
    const config = loadConfig();
    const { database, services } = await open(config);
    try {
      await services.kpi.catchUp();
      const { pdf } = await services.forms.monthlyReport(null, { unitId: await unitArg(services, opts.unit), month: opts.month });
      const fs = await import('node:fs/promises');
      // Written whole under a temporary name and renamed, so a scheduled copy never picks up half a file.
      const tmp = `${opts.out}.${process.pid}.tmp`;
      await fs.writeFile(tmp, pdf);
      await fs.rename(tmp, opts.out);
      console.log(JSON.stringify({ file: opts.out, bytes: pdf.length, month: opts.month }));
    } finally {
      await database.close();
    }
  });

program
  .command('detect-late')
  .description('Flag open dossiers past their due date')
  .action(async () => {
    const config = loadConfig();
    const { database, services } = await open(config);
    console.log(JSON.stringify(await services.dossiers.detectLate()));
    await database.close();
  });

program
  .command('due')
  .description("Due date under the demo province's calendar (Civil Code arts. 147–148)")
  .requiredOption('--received <iso>', 'receipt instant, ISO 8601 with its UTC offset', (v) => {
    const d = new Date(v);
    // Without an offset, Date would read the time in the server's own zone, not the office's.
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) || Number.isNaN(d.getTime())) {
      throw new InvalidArgumentError('expected an ISO 8601 date-time with its UTC offset, such as 2025-03-14T10:00:00+07:00');
    }
    return d;
  })
  .requiredOption('--limit <n>', 'time limit', (v) => {
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v) || n > 10_000) throw new InvalidArgumentError('expected a number from 0 to 10000');
    return n;
  })
  .requiredOption('--unit <unit>', UNITS.join(' | '), (v) => {
    if (!UNITS.includes(v as LimitUnit)) throw new InvalidArgumentError(`expected one of ${UNITS.join(', ')}`);
    return v as LimitUnit;
  })
  .action((opts: { received: Date; limit: number; unit: LimitUnit }, cmd: Command) => {
    if (opts.unit !== 'working-hours' && !Number.isInteger(opts.limit)) {
      cmd.error(`error: option '--limit <n>' argument '${opts.limit}' is invalid. a limit in ${opts.unit} must be a whole number`);
    }
    const calendar = new WorkingCalendar({ officeHours: DEMO_OFFICE_HOURS });
    const due = calendar.dueDate(opts.received, opts.limit, opts.unit);
    console.log(JSON.stringify({ due: formatLocalIso(due, 420) }));
  });

// Counter planning (src/queue/*.model.ts): pure math, loaded only when these commands run; no database.
const plainNumber = (v: string) => (/^(\d+(\.\d*)?|\.\d+)$/.test(v.trim()) ? Number(v) : Number.NaN);
const numberArg =
  (expected: string, ok: (n: number) => boolean = () => true) =>
  (v: string) => {
    const n = plainNumber(v);
    if (!Number.isFinite(n) || !ok(n)) throw new InvalidArgumentError(`expected ${expected}`);
    return n;
  };
const numberListArg =
  (expected: string, ok: (n: number) => boolean = () => true) =>
  (v: string) =>
    v.split(',').map((part) => {
      const n = plainNumber(part);
      if (!Number.isFinite(n) || !ok(n)) throw new InvalidArgumentError(`expected ${expected}`);
      return n;
    });
const share = (n: number) => n > 0 && n < 1;
// Commander reads a "--no-" prefix as the negation of a flag; "--no-show-share" is a value of its own.
const valueOption = (o: Option) => Object.assign(o, { negate: false });

// A DomainError from the model names a parameter; say which option carried it, as commander does.
async function planning<T>(cmd: Command, aliases: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const { DomainError } = await import('./platform/errors.js');
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof DomainError) || !e.extra.field) throw e;
    const root = /^[A-Za-z]+/.exec(e.extra.field)?.[0] ?? '';
    const long = `--${(aliases[root] ?? root).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    const flags = cmd.options.find((o) => o.long === long)?.flags ?? long;
    return cmd.error(`error: option '${flags}' is invalid: ${e.message}`);
  }
}

interface StaffingOptions {
  arrivalsPerHour: number;
  serviceSeconds: number;
  clerks?: number;
  targetSeconds?: number;
  targetShare?: number;
  maxOccupancy?: number;
  absence?: number;
}

program
  .command('staffing')
  .description('Erlang C figures of a service point in one hour for a clerk count, or the clerks it needs (JSON)')
  .requiredOption('--arrivals-per-hour <λ>', 'tickets per hour', numberArg('a number ≥ 0'))
  .requiredOption(
    '--service-seconds <s>',
    'mean service time in seconds',
    numberArg('a number > 0', (n) => n > 0),
  )
  .option(
    '--clerks <n>',
    'clerks on duty: print the figures for this count instead of recommending one',
    numberArg('a whole number ≥ 0', Number.isInteger),
  )
  .option(
    '--target-seconds <t>',
    'with --target-share: the wait within which that share must be called; alone: the mean wait target (default 900)',
    numberArg('a number ≥ 0'),
  )
  .option(
    '--target-share <p>',
    'share to be called within --target-seconds (900 s if not given), 0 < p < 1',
    numberArg('a number between 0 and 1, both excluded', share),
  )
  .option(
    '--max-occupancy <x>',
    'largest share of their time clerks may be busy, 0 < x ≤ 1 (default 0.85)',
    numberArg('a number above 0 and at most 1', (n) => n > 0 && n <= 1),
  )
  .option(
    '--absence <x>',
    'share of rostered clerks expected away, 0 ≤ x < 1 (default 0)',
    numberArg('a number from 0 to below 1', (n) => n < 1),
  )
  .addHelpText(
    'after',
    `
Without --clerks, prints the fewest clerks that meet every target ("clerks"), the roster that leaves that many
present after absence ("scheduled" = ceil(clerks / (1 − absence))) and the figures at that count.
With no target given, the target is a mean wait of at most 900 s (the published 15-minute goal) and the
occupancy cap is 0.85. M/M/n model: Poisson arrivals, exponential service, one queue, no abandonment.
Figures: pWait (Erlang C), meanWaitSeconds (C·s/(n − a), null when a ≥ n), shareWithinTarget
(1 − C·e^(−(n − a)·t/s), 0 when a ≥ n), occupancy (a/n), where a = λ·s/3600.`,
  )
  .action(async (opts: StaffingOptions, cmd: Command) => {
    const out = await planning(cmd, { targetMeanWaitSeconds: 'targetSeconds' }, async () => {
      const { evaluateClerks, recommendClerks } = await import('./queue/erlang.model.js');
      const targets = {
        // Alone, the time is a mean-wait target; with a share, the time within which that share must be called.
        targetMeanWaitSeconds: opts.targetShare === undefined ? opts.targetSeconds : undefined,
        targetSeconds: opts.targetSeconds,
        targetShare: opts.targetShare,
        maxOccupancy: opts.maxOccupancy,
        absence: opts.absence,
      };
      const demand = { arrivalsPerHour: opts.arrivalsPerHour, serviceSeconds: opts.serviceSeconds };
      if (opts.clerks === undefined) {
        const {
          clerks,
          scheduled,
          pWait,
          meanWaitSeconds,
          shareWithinTarget,
          targetSeconds,
          occupancy,
          offeredLoad,
          stable,
          limitedBy,
          targets: applied,
        } = recommendClerks({ ...demand, ...targets });
        return {
          clerks,
          scheduled,
          pWait,
          meanWaitSeconds,
          shareWithinTarget,
          targetSeconds,
          occupancy,
          offeredLoad,
          stable,
          limitedBy,
          targets: applied,
          ...demand,
        };
      }
      const {
        clerks,
        scheduled,
        pWait,
        meanWaitSeconds,
        shareWithinTarget,
        targetSeconds,
        occupancy,
        offeredLoad,
        stable,
        broken,
        targets: applied,
      } = evaluateClerks({ ...demand, clerks: opts.clerks, ...targets });
      return {
        clerks,
        scheduled,
        pWait,
        meanWaitSeconds,
        shareWithinTarget,
        targetSeconds,
        occupancy,
        offeredLoad,
        stable,
        broken,
        targets: applied,
        ...demand,
      };
    });
    console.log(JSON.stringify(out, null, 2));
  });

interface SimulateOptions {
  sessions: string;
  arrivalsPerHour?: number[];
  serviceSeconds?: number;
  serviceCv?: number;
  clerks?: number[];
  priorityShare: number;
  maxPriorityInARow: number;
  noShowShare: number;
  recallSeconds: number;
  targetSeconds: number;
  days: number;
  seed: number;
  point?: string;
  date?: string;
  historyDays: number;
}

program
  .command('simulate-queue')
  .description(
    "Simulate a service point's days from parameters, or from its ticket history with --point and --date (seeded discrete-event simulation; JSON summary)",
  )
  .option(
    '--point <id|key|agency code>',
    'a service point: its demand (arrivals by hour, service time, priority and no-show shares) and clerks come from the ticket history of the working days before --date',
  )
  .option('--date <yyyy-mm-dd>', 'with --point: the day simulated (history from the same weekday when there is enough)', (v: string) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
      throw new InvalidArgumentError('expected a date YYYY-MM-DD');
    return v;
  })
  .option(
    '--history-days <n>',
    'with --point: working days of history',
    numberArg('a whole number from 1 to 250', (n) => Number.isInteger(n) && n >= 1 && n <= 250),
    20,
  )
  .option('--sessions <list>', 'office sessions, HH:MM-HH:MM separated by commas', '07:30-11:30,13:00-17:00')
  .option(
    '--arrivals-per-hour <λ>',
    'tickets per hour (required without --point): one number, or a comma list with one per clock hour the sessions touch (7,8,9,10,11,13,14,15,16 for the default sessions) or 24 (hours 0–23)',
    numberListArg('numbers ≥ 0 separated by commas'),
  )
  .option(
    '--service-seconds <s>',
    'mean service time in seconds (required without --point)',
    numberArg('a number > 0', (n) => n > 0),
  )
  .option(
    '--service-cv <cv>',
    'lognormal service times with this coefficient of variation (default: exponential)',
    numberArg('a number above 0 and at most 10', (n) => n > 0 && n <= 10),
  )
  .option(
    '--clerks <n>',
    'clerks on duty: one number or a list per hour as for --arrivals-per-hour (default: the fewest per hour for a 900 s mean wait at 85% occupancy)',
    numberListArg('whole numbers ≥ 0 separated by commas', Number.isInteger),
  )
  .option(
    '--priority-share <p>',
    'share of priority tickets (elderly, disabled, pregnant), 0–1',
    numberArg('a number from 0 to 1', (n) => n <= 1),
    0,
  )
  .option(
    '--max-priority-in-a-row <k>',
    'priority tickets called in a row at most while a normal one waits',
    numberArg('a whole number ≥ 1', (n) => Number.isInteger(n) && n >= 1),
    MAX_PRIORITY_STREAK,
  )
  .addOption(
    valueOption(
      new Option('--no-show-share <p>', 'share of called tickets whose holder does not come, 0 ≤ p < 1')
        .argParser(numberArg('a number from 0 to below 1', (n) => n < 1))
        .default(0),
    ),
  )
  .option('--recall-seconds <s>', 'seconds a clerk waits for a no-show before calling the next', numberArg('a number ≥ 0'), 60)
  .option('--target-seconds <t>', 'wait within which a ticket counts as served in time', numberArg('a number ≥ 0'), 900)
  .option(
    '--days <n>',
    'days to simulate, one after another',
    numberArg('a whole number ≥ 1', (n) => Number.isInteger(n) && n >= 1),
    1,
  )
  .option(
    '--seed <n>',
    'seed of the pseudo-random generator (same seed, same result)',
    numberArg('a whole number from 0 to 4294967295', (n) => Number.isInteger(n) && n <= 0xffffffff),
    1,
  )
  .addHelpText(
    'after',
    `
Tickets are issued only inside the sessions, as a Poisson stream with the given rate in each clock hour; at a
session's end the clerks on duty serve everyone still waiting. Priority tickets are called first, but after
--max-priority-in-a-row of them a waiting normal ticket is called. Prints arrivals, served, no-shows, mean and
90th-percentile wait, share within the target, mean service, utilization, and the same per clock hour.`,
  )
  .action(async (opts: SimulateOptions, cmd: Command) => {
    if (opts.point !== undefined || opts.date !== undefined) {
      if (opts.point === undefined || opts.date === undefined) cmd.error("error: options '--point' and '--date' go together");
      console.log(JSON.stringify(await simulatePoint(opts, cmd), null, 2));
      return;
    }
    if (opts.arrivalsPerHour === undefined)
      cmd.error("error: required option '--arrivals-per-hour <λ>' not specified (or give --point and --date)");
    if (opts.serviceSeconds === undefined)
      cmd.error("error: required option '--service-seconds <s>' not specified (or give --point and --date)");
    const out = await planning(cmd, {}, async () => {
      const { simulateQueue, simulationInput } = await import('./queue/simulation.model.js');
      const input = simulationInput({
        sessions: opts.sessions,
        arrivalsPerHour: opts.arrivalsPerHour!,
        serviceSeconds: opts.serviceSeconds!,
        serviceCv: opts.serviceCv,
        clerks: opts.clerks,
        priorityShare: opts.priorityShare,
        maxPriorityInARow: opts.maxPriorityInARow,
        noShowShare: opts.noShowShare,
        recallSeconds: opts.recallSeconds,
        targetSeconds: opts.targetSeconds,
        days: opts.days,
        seed: opts.seed,
      });
      return { sessions: opts.sessions, serviceSeconds: opts.serviceSeconds, serviceCv: opts.serviceCv ?? null, ...simulateQueue(input) };
    });
    console.log(JSON.stringify(out, null, 2));
  });

/** simulate-queue --point --date: the point's demand from its ticket history, its clerks as seen there unless --clerks. */
async function simulatePoint(opts: SimulateOptions, cmd: Command) {
  const config = loadConfig();
  const { database, services } = await open(config);
  try {
    const units = await services.org.listUnits(['center', 'branch', 'commune_center']);
    const p = opts.point!;
    const unit = units.find((u) => String(u.id) === p || u.key === p || u.agency_code === p);
    if (!unit) return cmd.error(`error: option '--point <id|key|agency code>' is invalid: no service point ${p}`);
    return await planning(cmd, {}, async () => {
      const h = await services.planner.pointDemand(unit.id, opts.date!, opts.historyDays);
      const clerks = opts.clerks;
      const byHour = (hour: number) =>
        clerks === undefined
          ? Math.max(1, h.clerksSeen)
          : clerks.length === 1
            ? clerks[0]!
            : (clerks[h.hours.findIndex((x) => x.hour === hour)] ?? 0);
      if (clerks && clerks.length !== 1 && clerks.length !== h.hours.length)
        throw new (await import('./platform/errors.js')).DomainError(
          'VALIDATION',
          `must be one number or ${h.hours.length} (one per open hour: ${h.hours.map((x) => `${x.hour}h`).join(', ')})`,
          { field: 'clerks' },
        );
      const r = services.planner.simulate(h, byHour, opts.targetSeconds, opts.seed, opts.days);
      return {
        point: { id: unit.id, key: unit.key, nameVi: unit.name_vi },
        date: opts.date,
        history: { days: h.days, priorityShare: h.priorityShare, noShowShare: h.noShowShare, clerksSeen: h.clerksSeen },
        demand: h.hours.map((x) => ({
          hour: x.hour,
          arrivalsPerHour: x.arrivalsPerHour,
          serviceSeconds: x.serviceSeconds,
          openMinutes: x.openMinutes,
          clerks: byHour(x.hour),
        })),
        ...r,
      };
    });
  } finally {
    await database.close();
  }
}

/** Procedures the demo's citizens file on the portal (online in full, at their commune). */
const DEMO_PORTAL_PROCEDURES = ['1.001193', '1.000656', '1.004873', '2.000635', '1.004194'];

/**
 * The demo's citizens file a few dossiers on the portal's simulator, and the inward sync takes them at once: the
 * commune clerks find them among their new online dossiers, and the reconciliation page shows them pulled. The
 * simulator also publishes the national procedure database, a few updates ahead of the demo catalog.
 */
async function fileDemoDossiersAtPortal(services: Services, simUrl: string, log: { warn(o: object, m: string): void }): Promise<void> {
  const { demoPortalFilings, demoNationalCatalog } = await import('./demo/portal-filings.js');
  const { mulberry32 } = await import('./demo/demo.model.js');
  try {
    const now = new Date();
    const procedures = [];
    for (const code of DEMO_PORTAL_PROCEDURES) {
      const v = await services.catalog.versionOn(code, now).catch(() => null);
      if (v) procedures.push({ code, nameVi: v.body.nameVi, components: v.body.components });
    }
    const communes = await services.org.listCommunes();
    if (!procedures.length || !communes.length) return;
    const run = now.getTime().toString(36).toUpperCase();
    // The same citizens on a fresh demo (scenarios see the same province), others at each later start.
    const earlier = (await services.portalInbound.state(1)).received;
    for (const body of demoPortalFilings(mulberry32(20261209 + earlier), procedures, communes, 4, run, now)) {
      const res = await fetch(`${simUrl}/_sim/submit`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(5_000) });
      if (!res.ok) throw new Error(`the simulator answered ${res.status}`);
    }
    await services.portalInbound.pullNew();
    // And publishes the national procedure database, for the administrator's comparison of the catalog.
    const national = demoNationalCatalog(await services.catalog.exportCatalog());
    const put = await fetch(`${simUrl}/_sim/procedures`, {
      method: 'PUT',
      body: JSON.stringify(national),
      signal: AbortSignal.timeout(5_000),
    });
    if (!put.ok) throw new Error(`the simulator answered ${put.status}`);
  } catch (e) {
    log.warn({ reason: String(e) }, 'portal simulator: the demo filings could not be made');
  }
}

const LABEL = { portal: 'portal (DVCQG)', vneid: 'VNeID', payments: 'payment gateway', sms: 'SMS gateway', mail: 'mail sink' } as const;

/**
 * Starts a simulator as a process of its own (`motcua simulate portal|vneid`), for the demo; it ends with this
 * process (its stdin closes). Null when it could not start: the portal sync then waits (changes kept in the outbox),
 * population look-ups answer 503.
 */
async function startSimulatorProcess(
  name: 'portal' | 'vneid' | 'payments' | 'sms' | 'mail',
  port: number,
  log: { info(msg: string): void; warn(obj: object, msg: string): void },
  args: string[] = [],
): Promise<import('node:child_process').ChildProcess | null> {
  const { spawn } = await import('node:child_process');
  const child = spawn(
    process.execPath,
    [...process.execArgv, process.argv[1]!, 'simulate', name, '--port', String(port), '--exit-with-parent', ...args],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const started = await new Promise<boolean>((resolve) => {
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('listening on')) resolve(true);
    });
    child.once('exit', () => resolve(false));
  });
  if (started) {
    log.info(`${LABEL[name]} simulator running as process ${child.pid} on 127.0.0.1:${port}`);
    process.once('exit', () => child.kill('SIGTERM'));
    return child;
  }
  // Another server's simulator may hold the port already: it serves this one as well.
  const there = await fetch(`http://127.0.0.1:${port}/_sim/stats`, { signal: AbortSignal.timeout(2_000) }).then(
    (r) => r.ok,
    () => false,
  );
  if (there) log.info(`${LABEL[name]} simulator: using the one already on 127.0.0.1:${port}`);
  else
    log.warn(
      { reason: stderr.trim().split('\n').pop() ?? '' },
      name === 'portal'
        ? 'portal simulator could not start: the sync waits, changes kept in the outbox'
        : name === 'vneid'
          ? 'VNeID simulator could not start: population database look-ups answer 503'
          : name === 'payments'
            ? 'payment gateway simulator could not start: online payments answer 503, counter payments work'
            : `${LABEL[name]} simulator could not start: notices wait in the outbox and are retried`,
    );
  return null;
}

const simulate = program.command('simulate').description('Local simulators of the outside services, each a process of its own');
simulate
  .command('portal')
  .description('The National Public Service Portal (DVCQG) integration API, with switches for its faults')
  .option(
    '--port <n>',
    'port',
    numberArg('a port number', (n) => Number.isInteger(n) && n >= 0 && n <= 65535),
    3101,
  )
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option(
    '--down-for <seconds>',
    'be away for this long from the start',
    numberArg('a number ≥ 0', (n) => n >= 0),
    0,
  )
  .addOption(new Option('--down-mode <mode>', 'how it is away').choices(['503', 'reset']).default('503'))
  .option(
    '--slow-ms <ms>',
    'delay of every answer',
    numberArg('a number ≥ 0', (n) => n >= 0),
    0,
  )
  .option(
    '--fail-rate <share>',
    'share of requests answered 500',
    numberArg('a share from 0 to 1', (n) => n >= 0 && n <= 1),
    0,
  )
  .option(
    '--drop-answer-rate <share>',
    'share of sync requests taken but answered 502',
    numberArg('a share from 0 to 1', (n) => n >= 0 && n <= 1),
    0,
  )
  .option(
    '--duplicate-rate <share>',
    'share of sync requests applied twice',
    numberArg('a share from 0 to 1', (n) => n >= 0 && n <= 1),
    0,
  )
  .option('--reject-procedure <code...>', 'procedure codes (MaTTHC) the portal does not know')
  .option(
    '--session-ttl <seconds>',
    'session lifetime',
    numberArg('a number > 0', (n) => n > 0),
    1800,
  )
  .option('--seed <n>', 'seed of the fault dice', numberArg('an integer', Number.isInteger), 766)
  .option('--exit-with-parent', 'end when standard input closes (started by another process)')
  .action(
    async (o: {
      port: number;
      host: string;
      downFor: number;
      downMode: '503' | 'reset';
      slowMs: number;
      failRate: number;
      dropAnswerRate: number;
      duplicateRate: number;
      rejectProcedure?: string[];
      sessionTtl: number;
      seed: number;
      exitWithParent?: boolean;
    }) => {
      const { startPortalSimulator } = await import('./simulators/portal.simulator.js');
      const sim = await startPortalSimulator({
        port: o.port,
        host: o.host,
        seed: o.seed,
        faults: {
          downUntil: o.downFor ? Date.now() + o.downFor * 1000 : 0,
          downMode: o.downMode,
          slowMs: o.slowMs,
          failRate: o.failRate,
          dropAnswerRate: o.dropAnswerRate,
          duplicateRate: o.duplicateRate,
          rejectProcedures: o.rejectProcedure ?? [],
          sessionTtlMs: o.sessionTtl * 1000,
        },
      });
      console.log(`portal simulator listening on ${sim.url} (account motcua / motcua-sim; its window: ${sim.url}/_sim/stats)`);
      runUntilStopped(sim, o.exitWithParent);
    },
  );
simulate
  .command('vneid')
  .description('VNeID, the national electronic identity (OpenID Connect, authorization code + PKCE), and the population database look-up')
  .option(
    '--port <n>',
    'port',
    numberArg('a port number', (n) => Number.isInteger(n) && n >= 0 && n <= 65535),
    3103,
  )
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--issuer-url <url>', 'the issuer as clients see it (behind a proxy); default the address served')
  .option('--client-id <id>', 'the registered client', 'motcua')
  .option('--client-secret <secret>', "the client's secret", 'motcua-vneid-sim')
  .option('--redirect-uri <uri...>', "the client's callback addresses", [
    'http://127.0.0.1:3000/auth/vneid/callback',
    'http://localhost:3000/auth/vneid/callback',
  ])
  .option(
    '--down-for <seconds>',
    'be away (503) for this long from the start',
    numberArg('a number ≥ 0', (n) => n >= 0),
    0,
  )
  .option(
    '--slow-ms <ms>',
    'delay of every answer',
    numberArg('a number ≥ 0', (n) => n >= 0),
    0,
  )
  .option('--exit-with-parent', 'end when standard input closes (started by another process)')
  .action(
    async (o: {
      port: number;
      host: string;
      issuerUrl?: string;
      clientId: string;
      clientSecret: string;
      redirectUri: string[];
      downFor: number;
      slowMs: number;
      exitWithParent?: boolean;
    }) => {
      const { startVneidSimulator, TEST_PASSWORD } = await import('./simulators/vneid.simulator.js');
      const sim = await startVneidSimulator({
        port: o.port,
        host: o.host,
        issuerUrl: o.issuerUrl,
        clients: [{ clientId: o.clientId, clientSecret: o.clientSecret, redirectUris: o.redirectUri }],
        faults: { downUntil: o.downFor ? Date.now() + o.downFor * 1000 : 0, slowMs: o.slowMs },
      });
      console.log(
        `VNeID simulator listening on ${sim.url} (client ${o.clientId}; the test citizens' password ${TEST_PASSWORD}; its window: ${sim.url}/_sim/stats)`,
      );
      runUntilStopped(sim, o.exitWithParent);
    },
  );
simulate
  .command('payments')
  .description('An online payment gateway of the usual Vietnamese shape (signed redirect, signed IPN callback, query and refund API)')
  .option(
    '--port <n>',
    'port',
    numberArg('a port number', (n) => Number.isInteger(n) && n >= 0 && n <= 65535),
    3102,
  )
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--tmn-code <code>', "the merchant's terminal code", 'MOTCUA01')
  .option('--hash-secret <secret>', "the merchant's signing secret", 'MOTCUASIMULATORHASHSECRET0000000')
  .option('--ipn-url <url>', 'where the signed server-to-server callbacks go')
  .option(
    '--down-for <seconds>',
    'be away (503) for this long from the start',
    numberArg('a number ≥ 0', (n) => n >= 0),
    0,
  )
  .option(
    '--decline-rate <share>',
    'share of payments declined (cancelled or insufficient funds)',
    numberArg('a share from 0 to 1', (n) => n >= 0 && n <= 1),
    0,
  )
  .option(
    '--duplicate-ipn-rate <share>',
    'share of payments whose callback is sent twice',
    numberArg('a share from 0 to 1', (n) => n >= 0 && n <= 1),
    0,
  )
  .option(
    '--ipn-delay-ms <ms>',
    'delay of the first callback after the redirect (late callbacks)',
    numberArg('a number ≥ 0', (n) => n >= 0),
    0,
  )
  .option(
    '--bad-signature-rate <share>',
    'share of callbacks first sent with a corrupted signature (the merchant must refuse them; the retries carry the right one)',
    numberArg('a share from 0 to 1', (n) => n >= 0 && n <= 1),
    0,
  )
  .option(
    '--slow-ms <ms>',
    'delay of every answer of the payment page and the merchant API',
    numberArg('a number ≥ 0', (n) => n >= 0),
    0,
  )
  .option('--seed <n>', 'seed of the dice', numberArg('an integer', Number.isInteger), 766)
  .option('--exit-with-parent', 'end when standard input closes (started by another process)')
  .action(
    async (o: {
      port: number;
      host: string;
      tmnCode: string;
      hashSecret: string;
      ipnUrl?: string;
      downFor: number;
      declineRate: number;
      duplicateIpnRate: number;
      ipnDelayMs: number;
      badSignatureRate: number;
      slowMs: number;
      seed: number;
      exitWithParent?: boolean;
    }) => {
      const { startPaymentsSimulator } = await import('./simulators/payments.simulator.js');
      const sim = await startPaymentsSimulator({
        port: o.port,
        host: o.host,
        seed: o.seed,
        merchants: [{ tmnCode: o.tmnCode, hashSecret: o.hashSecret, ipnUrl: o.ipnUrl }],
        faults: {
          downUntil: o.downFor ? Date.now() + o.downFor * 1000 : 0,
          declineRate: o.declineRate,
          duplicateIpnRate: o.duplicateIpnRate,
          ipnDelayMs: o.ipnDelayMs,
          badSignatureRate: o.badSignatureRate,
          slowMs: o.slowMs,
        },
      });
      console.log(`payments simulator listening on ${sim.url} (merchant ${o.tmnCode}; its window: ${sim.url}/_sim/stats)`);
      runUntilStopped(sim, o.exitWithParent);
    },
  );

simulate
  .command('sms')
  .description('An SMS brandname gateway of the eSMS.vn contract (RequestId dedup, delivery reports to the CallbackUrl)')
  .option(
    '--port <n>',
    'port',
    numberArg('a port number', (n) => Number.isInteger(n) && n >= 0 && n <= 65535),
    3104,
  )
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--api-key <key>', "the account's ApiKey", 'MOTCUA-SIM-KEY')
  .option('--secret-key <key>', "the account's SecretKey", 'MOTCUA-SIM-SECRET')
  .option('--fail <phones...>', 'numbers whose messages are reported failed')
  .option('--exit-with-parent', 'end when standard input closes (started by another process)')
  .action(async (o: { port: number; host: string; apiKey: string; secretKey: string; fail?: string[]; exitWithParent?: boolean }) => {
    const { startSmsSimulator } = await import('./simulators/sms.simulator.js');
    const sim = await startSmsSimulator({ port: o.port, host: o.host, apiKey: o.apiKey, secretKey: o.secretKey });
    if (o.fail) sim.failNumbers(o.fail);
    console.log(`sms simulator listening on ${sim.url} (its window: ${sim.url}/_sim/messages, ${sim.url}/_sim/stats)`);
    runUntilStopped(sim, o.exitWithParent);
  });

simulate
  .command('mail')
  .description('A mail sink: an SMTP server keeping every message in memory, read back over HTTP (/_sim/messages)')
  .option(
    '--port <n>',
    'port of the HTTP window',
    numberArg('a port number', (n) => Number.isInteger(n) && n >= 0 && n <= 65535),
    3105,
  )
  .option(
    '--smtp-port <n>',
    'port of the SMTP server',
    numberArg('a port number', (n) => Number.isInteger(n) && n >= 0 && n <= 65535),
    2525,
  )
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--exit-with-parent', 'end when standard input closes (started by another process)')
  .action(async (o: { port: number; smtpPort: number; host: string; exitWithParent?: boolean }) => {
    const { startMailSimulator } = await import('./simulators/mail.simulator.js');
    const sim = await startMailSimulator({ port: o.port, smtpPort: o.smtpPort, host: o.host });
    console.log(`mail simulator listening on ${sim.url} (SMTP ${sim.smtpUrl}; its window: ${sim.url}/_sim/messages)`);
    runUntilStopped(sim, o.exitWithParent);
  });

/** A simulator's process: it closes on SIGTERM or SIGINT, and with --exit-with-parent when standard input closes. */
simulate
  .command('all')
  .description(
    "Every outside service's simulator in one process, at the ports `serve` uses (portal 3101, payments 3102, VNeID 3103), with their defaults: for a server started with MOTCUA_*_URL pointing at them, or to look at them",
  )
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--exit-with-parent', 'end when standard input closes (started by another process)')
  .action(async (o: { host: string; exitWithParent?: boolean }) => {
    const [{ startPortalSimulator }, { startVneidSimulator, TEST_PASSWORD }, { startPaymentsSimulator }] = await Promise.all([
      import('./simulators/portal.simulator.js'),
      import('./simulators/vneid.simulator.js'),
      import('./simulators/payments.simulator.js'),
    ]);
    const config = loadConfig();
    const portal = await startPortalSimulator({ port: config.portalSimulatorPort, host: o.host });
    const payments = await startPaymentsSimulator({ port: config.paymentsSimulatorPort, host: o.host });
    const vneid = await startVneidSimulator({
      port: config.vneidSimulatorPort,
      host: o.host,
      clients: [{ clientId: config.vneidClientId, clientSecret: config.vneidClientSecret, redirectUris: [config.vneidRedirectUri] }],
    });
    console.log(`portal simulator listening on ${portal.url} (account motcua / motcua-sim)`);
    console.log(`payments simulator listening on ${payments.url} (merchant MOTCUA01; register the IPN address with POST /_sim/merchants)`);
    console.log(`VNeID simulator listening on ${vneid.url} (the test citizens' password ${TEST_PASSWORD})`);
    runUntilStopped({ close: async () => void (await Promise.all([portal.close(), payments.close(), vneid.close()])) }, o.exitWithParent);
  });

function runUntilStopped(sim: { close(): Promise<void> }, exitWithParent: boolean | undefined): void {
  const stop = () => void sim.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (exitWithParent) {
    process.stdin.on('end', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }
}

const portalCmd = program.command('portal').description('Sync with the National Public Service Portal (DVCQG)');
portalCmd
  .command('reconcile')
  .description('What the portal has not acknowledged, with the reason, the outbox counts, and the portal dossiers refused inward (JSON)')
  .option(
    '--limit <n>',
    'dossiers listed',
    numberArg('a whole number from 1 to 100000', (n) => Number.isInteger(n) && n >= 1 && n <= 100_000),
    1000,
  )
  .action(async (o: { limit: number }) => {
    const { database, services } = await open(loadConfig());
    try {
      const outward = await services.portal.reconciliation('system', o.limit);
      console.log(JSON.stringify({ ...outward, inbound: await services.portalInbound.state(o.limit) }, null, 2));
    } finally {
      await database.close();
    }
  });
portalCmd
  .command('deliver')
  .description('Deliver what is due now, until nothing is or the portal is away (JSON); `serve` does this every half second')
  .action(async () => {
    const { database, services } = await open(loadConfig());
    try {
      console.log(JSON.stringify(await services.portal.deliverDue()));
    } finally {
      await database.close();
    }
  });
portalCmd
  .command('pull')
  .description("Take the portal's new dossiers now (JSON: listed, created, confirmed, refused…); `serve` does this every 30 seconds")
  .action(async () => {
    const { database, services } = await open(loadConfig());
    try {
      console.log(JSON.stringify(await services.portalInbound.pullNew()));
    } finally {
      await database.close();
    }
  });
portalCmd
  .command('compare <code>')
  .description("The portal's own view of a dossier against ours, field by field (JSON)")
  .action(async (code: string) => {
    const { database, services } = await open(loadConfig());
    try {
      console.log(JSON.stringify(await services.portal.compare(code), null, 2));
    } finally {
      await database.close();
    }
  });

const paymentsCmd = program.command('payments').description('Fees and online payments (the payment gateway)');
paymentsCmd
  .command('reconcile')
  .description(
    "A day's online payments against the gateway's records (JSON): an IPN lost is settled, differences listed; `serve` does yesterday's every night",
  )
  .option('--day <yyyy-mm-dd>', 'the local day (default: yesterday)')
  .action(async (o: { day?: string }) => {
    const { database, services } = await open(loadConfig());
    try {
      const { localDate } = await import('./kpi/kpi.model.js');
      console.log(JSON.stringify(await services.payments.reconcile(o.day ?? localDate(new Date(Date.now() - 86_400_000))), null, 2));
    } finally {
      await database.close();
    }
  });
paymentsCmd
  .command('refunds')
  .description('Ask the gateway for the online refunds due now (JSON); `serve` does this every minute')
  .action(async () => {
    const { database, services } = await open(loadConfig());
    try {
      console.log(JSON.stringify(await services.payments.refundDue()));
    } finally {
      await database.close();
    }
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
