import type { FastifyBaseLogger } from 'fastify';
import { Type } from 'typebox';
import rateLimit from '@fastify/rate-limit';
import type { Config } from './platform/config.js';
import { pingDatabase, type Database } from './platform/database.js';
import { createHttpApp, type HttpApp } from './platform/http.js';
import { DATABASE_RETRY_AFTER_SECONDS } from './platform/database-errors.js';
import { loggerOptions } from './platform/logger.js';
import type { Services } from './services.js';
import { authRoutes } from './auth/auth.routes.js';
import { catalogRoutes } from './catalog/catalog.routes.js';
import { nationalCatalogRoutes } from './catalog/national-catalog.routes.js';
import { orgRoutes } from './org/org.routes.js';
import { dossierRoutes } from './dossiers/dossier.routes.js';
import { fileRoutes } from './files/file.routes.js';
import { trackingRoutes } from './tracking/tracking.routes.js';
import { formRoutes } from './forms/form.routes.js';
import { webRoutes } from './web/web.routes.js';
import { statsRoutes } from './stats/stats.routes.js';
import { kpiRoutes } from './kpi/kpi.routes.js';
import { kpiExportRoutes } from './kpi/export.routes.js';
import { queueRoutes } from './queue/queue.routes.js';
import { portalRoutes } from './portal/portal.routes.js';
import { paymentRoutes } from './payments/payment.routes.js';
import { populationRoutes } from './population/population.routes.js';
import { citizenRoutes } from './citizens/citizen.routes.js';
import { noticeRoutes } from './notices/notice.routes.js';
import { feedbackRoutes } from './feedback/feedback.routes.js';

export const VERSION = '0.1.0';

/** Builds the HTTP API over the given services; loggerInstance replaces the logger built from config (tests capture logs with it); webDistDir replaces web/dist. */
export async function buildApp(opts: {
  config: Config;
  database: Database;
  services: Services;
  logger?: boolean;
  loggerInstance?: FastifyBaseLogger;
  webDistDir?: string;
}): Promise<HttpApp> {
  const { config, database, services } = opts;
  const app = await createHttpApp({
    logger: opts.loggerInstance ?? (opts.logger === false ? false : loggerOptions(config.logLevel)),
    bodyLimit: 1024 * 1024,
    trustProxy: config.trustProxy,
    title: 'Motcua API',
    version: VERSION,
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      code: 'RATE_LIMITED',
      message: `Quá nhiều yêu cầu, vui lòng thử lại sau ${ctx.after} / Too many requests: at most ${ctx.max} a minute; try again in ${ctx.after}`,
    }),
  });

  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process answers',
        response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String() }) },
      },
    },
    async () => ({ status: 'ok' as const, version: VERSION }),
  );
  const Readiness = Type.Object({
    status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
    database: Type.Union([Type.Literal('postgres'), Type.Literal('pglite')]),
  });
  app.get(
    '/ready',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the database answers (503 with Retry-After while it is away; a load balancer stops sending requests)',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_req, reply) => {
      try {
        await pingDatabase(database.db);
        return { status: 'ready' as const, database: database.kind };
      } catch {
        return reply
          .code(503)
          .header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS))
          .send({ status: 'unavailable' as const, database: database.kind });
      }
    },
  );

  await authRoutes(app, services);
  await orgRoutes(app, services);
  await catalogRoutes(app, services);
  await nationalCatalogRoutes(app, services);
  await fileRoutes(app, services, config.maxUploadBytes);
  await dossierRoutes(app, services);
  await trackingRoutes(app, services, config.trackingPerMinute);
  await formRoutes(app, services);
  await webRoutes(app, { distDir: opts.webDistDir });
  await statsRoutes(app, services);
  await kpiRoutes(app, services);
  await kpiExportRoutes(app, services);
  await queueRoutes(app, services, config.trackingPerMinute);
  await portalRoutes(app, services);
  await populationRoutes(app, services);
  await paymentRoutes(app, services, config.trackingPerMinute);
  await citizenRoutes(app, services, config.trackingPerMinute);
  await noticeRoutes(app, services);
  await feedbackRoutes(app, services, config.trackingPerMinute);
  return app;
}
