import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig, type Config } from './platform/config.js';
import { LocalBlobStore } from './platform/blob-store.js';
import type { Database } from './platform/database.js';
import type { Services } from './services.js';
import { DEMO_OFFICE_HOURS, formatLocalIso, WorkingCalendar, type LimitUnit } from './calendar/calendar.model.js';

// Database, HTTP and demo modules load inside the commands that need them, so `motcua due` starts fast.
const openDatabase = async (...args: Parameters<typeof import('./platform/database.js').openDatabase>) => (await import('./platform/database.js')).openDatabase(...args);

const UNITS: LimitUnit[] = ['working-hours', 'working-days', 'days', 'months'];

async function open(config: Config): Promise<{ database: Database; services: Services }> {
  const { migrateToLatest } = await import('./platform/migrate.js');
  const { createServices } = await import('./services.js');
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.poolSize });
  await migrateToLatest(database.db);
  const services = createServices({
    db: database.db,
    blobs: new LocalBlobStore(path.join(config.dataDir, 'blobs')),
    clock: () => new Date(),
    sessionTtlMinutes: config.sessionTtlMinutes,
    maxUploadBytes: config.maxUploadBytes,
    publicUrl: config.publicUrl,
  });
  return { database, services };
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
    const { database, services } = await open(config);
    if (opts.seed && (await services.org.listUnits()).length === 0) {
      log.info('empty database: generating the demo province (first run only)…');
      const t = Date.now();
      const r = await seedDemo(database.db, new LocalBlobStore(path.join(config.dataDir, 'blobs')), { log: (m) => log.info(m) });
      await services.org.reload();
      log.info(`demo province ready in ${((Date.now() - t) / 1000).toFixed(1)} s: ${r.units} units, ${r.procedures} procedures, ${r.staff} staff, ${r.dossiers} dossiers`);
    }
    const app = await buildApp({ config, database, services });
    const lateTimer = setInterval(() => {
      services.dossiers.detectLate().then(
        (r) => r.flagged.length && app.log.info({ flagged: r.flagged.length }, 'late dossiers flagged'),
        (e) => app.log.error({ err: e }, 'late detection failed'),
      );
    }, 60_000);
    const shutdown = async () => {
      clearInterval(lateTimer);
      await app.close();
      await database.close();
      process.exit(0);
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
    await app.listen({ host: config.host, port: config.port });
    const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${(app.server.address() as { port: number }).port}`;
    console.log(`\nMotcua is running on ${database.kind === 'pglite' ? `embedded PGlite (${config.dataDir})` : 'PostgreSQL'}`);
    console.log(`  Portal:    ${url}/          (staff console: ${url}/can-bo)`);
    console.log(`  API docs:  ${url}/docs   (OpenAPI: ${url}/openapi.json)`);
    console.log(`  Logins:    admin, ql.tinh, cb.tinh1, cv.stp, ld.stp … — password "${DEMO_PASSWORD}" (see README)\n`);
  });

program
  .command('migrate')
  .description('Apply pending database migrations')
  .action(async () => {
    const config = loadConfig();
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    const { migrateToLatest } = await import('./platform/migrate.js');
    const applied = await migrateToLatest(database.db);
    console.log(JSON.stringify({ applied }));
    await database.close();
  });

program
  .command('seed')
  .description('Generate the demo province into an empty database')
  .option('--dossiers <n>', 'number of historical dossiers', (v) => Number(v), 2000)
  .action(async (opts: { dossiers: number }) => {
    const config = loadConfig();
    const { database, services } = await open(config);
    const { seedDemo } = await import('./demo/seed.js');
    const r = await seedDemo(database.db, new LocalBlobStore(path.join(config.dataDir, 'blobs')), { dossiers: opts.dossiers, log: (m) => console.error(m) });
    console.log(JSON.stringify(r));
    await database.close();
  });

const audit = program.command('audit').description('Audit trail tools');
audit
  .command('verify')
  .description('Verify every hash chain of the audit trail; exits 1 if tampering is found')
  .action(async () => {
    const config = loadConfig();
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    const { verifyAudit } = await import('./audit/audit.service.js');
    const r = await verifyAudit(database.db);
    console.log(JSON.stringify(r, null, 2));
    await database.close();
    process.exitCode = r.ok ? 0 : 1;
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

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
