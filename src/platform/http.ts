import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Ajv, type Options as AjvOptions } from 'ajv';
import addFormats from 'ajv-formats';
import { randomUUID } from 'node:crypto';
import { DomainError, ERROR_STATUS } from './errors.js';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './database-errors.js';
import { ProblemSchema } from './http.schema.js';
import { DOCS_CSP, SECURITY_HEADERS } from './security-headers.js';

export type HttpApp = FastifyInstance<any, any, any, any, TypeBoxTypeProvider>;

const PROBLEM_BASE = 'https://motcua.dev/problems/';

/** An RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  field?: string;
  errors?: { field: string; message: string }[];
  instance?: string;
}

function makeAjv(opts: AjvOptions): Ajv {
  const ajv = new Ajv({ allErrors: true, removeAdditional: false, useDefaults: true, strict: false, ...opts });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

/** Turns an Ajv instance path ('/applicant/idNumber') plus its part into 'body.applicant.idNumber'. */
function fieldOf(part: string | undefined, instancePath: string, params: Record<string, unknown>): string {
  const segments = instancePath.split('/').filter(Boolean);
  if (typeof params.missingProperty === 'string') segments.push(params.missingProperty);
  if (typeof params.additionalProperty === 'string') segments.push(params.additionalProperty);
  return [part ?? 'body', ...segments].join('.');
}

/** Builds the Fastify instance: TypeBox types, strict body validation, OpenAPI 3.1, problem+json errors. */
export async function createHttpApp(opts: {
  logger: FastifyServerOptions['logger'] | FastifyBaseLogger;
  bodyLimit: number;
  title: string;
  version: string;
  trustProxy?: boolean | number | string[];
}): Promise<HttpApp> {
  // A ready logger (one with methods) goes in as loggerInstance; options or false as logger.
  const isInstance =
    typeof opts.logger === 'object' && opts.logger !== null && typeof (opts.logger as { info?: unknown }).info === 'function';
  const app = Fastify({
    ...(isInstance ? { loggerInstance: opts.logger as FastifyBaseLogger } : { logger: opts.logger as FastifyServerOptions['logger'] }),
    bodyLimit: opts.bodyLimit,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    disableRequestLogging: false,
    // A hop count becomes the function Fastify would build from it (its typings omit numbers).
    trustProxy:
      typeof opts.trustProxy === 'number'
        ? (
            (hops: number) => (_address: string, hop: number) =>
              hop < hops
          )(opts.trustProxy)
        : (opts.trustProxy ?? false),
    ajv: { customOptions: {} },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Bodies are validated strictly (no type coercion: "5" is not 5); URL parts arrive as strings and are coerced.
  const strict = makeAjv({ coerceTypes: false });
  const coercing = makeAjv({ coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));

  // Set when the request arrives (it stays through error replies); a callback hook, not an async one: every request pays it.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    // Security headers (security-headers.ts) on the raw response, so that hijacked answers (the boards' event
    // streams) carry them too; a route's own header of the same name (a page's or a download's CSP) replaces them.
    // HSTS only when the request came over TLS, directly or through a trusted proxy (req.protocol honours trustProxy).
    const headers = req.protocol === 'https' ? SECURITY_HEADERS.tls : SECURITY_HEADERS.plain;
    const raw = reply.raw;
    for (let i = 0; i < headers.length; i++) raw.setHeader(headers[i]![0], headers[i]![1]);
    done();
  });

  // Registered once and referenced by every route's error responses (problems() in http.schema.ts).
  app.addSchema(ProblemSchema);

  await app.register(swagger, {
    // Shared schemas keep their $id as their name in components.schemas.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: opts.title,
        version: opts.version,
        description:
          'Motcua — hệ thống thông tin giải quyết thủ tục hành chính một cửa. Staff endpoints need `Authorization: Bearer <token>` from `POST /auth/login`. Errors are RFC 9457 problem+json with a stable `code` and the offending `field`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { url: '/openapi.json', validatorUrl: null } as Record<string, unknown>,
    // Every answer under /docs (the page and its scripts) gets the policy Swagger UI works under.
    staticCSP: DOCS_CSP,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.setNotFoundHandler((req, reply) => {
    const problem: Problem = {
      type: `${PROBLEM_BASE}not-found`,
      title: 'Not Found',
      status: 404,
      detail: `No route ${req.method} ${req.url.split('?')[0]}`,
      code: 'NOT_FOUND',
      instance: req.id,
    };
    void reply.code(404).type('application/problem+json').send(problem);
  });

  app.setErrorHandler((error: FastifyError | DomainError, req, reply) => {
    let problem: Problem;
    if (error instanceof DomainError) {
      problem = {
        type: `${PROBLEM_BASE}${error.code.toLowerCase().replaceAll('_', '-')}`,
        title: error.code,
        status: error.status,
        detail: error.message,
        code: error.code,
        ...(error.extra.field ? { field: error.extra.field } : {}),
        ...(error.extra.details ? { details: error.extra.details } : {}),
        instance: req.id,
      };
    } else if ((error as FastifyError).validation) {
      const fe = error as FastifyError;
      const errors = (fe.validation ?? []).map((v) => ({
        field: fieldOf(fe.validationContext, v.instancePath, (v.params ?? {}) as Record<string, unknown>),
        message: v.message ?? 'is invalid',
      }));
      problem = {
        type: `${PROBLEM_BASE}validation`,
        title: 'Validation failed',
        status: 400,
        detail: errors.map((e) => `${e.field} ${e.message}`).join('; '),
        code: 'VALIDATION',
        ...(errors[0] ? { field: errors[0].field } : {}),
        errors,
        instance: req.id,
      };
    } else if (isDatabaseUnavailable(error)) {
      // The database is restarting or unreachable: the request may succeed if repeated, so say when (RFC 9110 §10.2.3).
      const e = error as { code?: unknown; message?: unknown };
      req.log.warn({ code: e.code, reason: e.message }, 'database unavailable');
      reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
      problem = {
        type: `${PROBLEM_BASE}database-unavailable`,
        title: 'Service Unavailable',
        status: 503,
        detail: `Hệ thống tạm thời không truy cập được cơ sở dữ liệu, vui lòng thử lại sau ${DATABASE_RETRY_AFTER_SECONDS} giây / The database is unavailable for a moment; try again in ${DATABASE_RETRY_AFTER_SECONDS} seconds.`,
        code: 'DATABASE_UNAVAILABLE',
        instance: req.id,
      };
    } else {
      const fe = error as FastifyError;
      const status = fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 500;
      if (status >= 500) req.log.error({ err: error }, 'request failed');
      const code =
        status === 413
          ? 'FILE_TOO_LARGE'
          : status === 415
            ? 'UNSUPPORTED_FILE_TYPE'
            : status === 429
              ? 'RATE_LIMITED'
              : status >= 500
                ? 'INTERNAL'
                : 'VALIDATION';
      problem = {
        type: `${PROBLEM_BASE}${code.toLowerCase().replaceAll('_', '-')}`,
        title: status >= 500 ? 'Internal Server Error' : code,
        status,
        // 5xx say nothing internal; 4xx keep their message (body too large, bad JSON, ...).
        detail: status >= 500 ? 'An internal error occurred; it has been logged with the request id.' : fe.message,
        code,
        instance: req.id,
      };
    }
    if (problem.status < 500 && problem.status !== 404) req.log.info({ code: problem.code, field: problem.field }, 'request refused');
    void reply.code(problem.status).type('application/problem+json').send(problem);
  });

  return app;
}

/** The HTTP status a domain error code maps to (for OpenAPI response declarations). */
export const statusOf = (code: keyof typeof ERROR_STATUS): number => ERROR_STATUS[code];
