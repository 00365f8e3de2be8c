import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Ajv, type Options as AjvOptions } from 'ajv';
import addFormats from 'ajv-formats';
import { randomUUID } from 'node:crypto';
import { DomainError, ERROR_STATUS } from './errors.js';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './database-errors.js';
import { ProblemSchema } from './http.schema.js';
import { DOCS_CSP, DOCUMENT_HEADERS, SECURITY_HEADERS, type HeaderList } from './security-headers.js';

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

/**
 * Characters no text of ours may hold: NUL (PostgreSQL text refuses it), the other C0 controls but tab, line feed and
 * carriage return, and the non-characters U+FFFE and U+FFFF. Lone UTF-16 surrogates (stored, they would silently become
 * U+FFFD) are found by String.prototype.isWellFormed, natively (a regular expression with look-arounds for them cost
 * about twice as much on Vietnamese text).
 */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const badText = (s: string): boolean => CONTROL.test(s) || !s.isWellFormed();

/**
 * The path below `value` to its first string (or key) holding an invalid character, or null. The path is built only
 * once something is found: every request is walked, and the usual answer is null.
 */
function invalidAt(value: unknown, depth: number): string[] | null {
  if (typeof value === 'string') return badText(value) ? [] : null;
  // Deeper than any schema of ours: the schema refuses such a body anyway.
  if (value === null || typeof value !== 'object' || depth > 64) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = invalidAt(value[i], depth + 1);
      if (at) {
        at.unshift(String(i));
        return at;
      }
    }
    return null;
  }
  if (Buffer.isBuffer(value)) return null;
  for (const key in value) {
    // A bad key is named with its control characters as '?' and broken surrogates as U+FFFD (the answer is valid text).
    if (badText(key)) return [key.toWellFormed().replace(CONTROLS, '?')];
    const at = invalidAt((value as Record<string, unknown>)[key], depth + 1);
    if (at) {
      at.unshift(key);
      return at;
    }
  }
  return null;
}

/** The first string inside `value` holding an invalid character, as a field path ('body.applicant.name'), or null. */
export function invalidTextField(value: unknown, path: string): string | null {
  const at = invalidAt(value, 0);
  return at === null ? null : [path, ...at].join('.');
}

/**
 * The security headers a response to `req` carries (security-headers.ts): HSTS only when the request came over TLS,
 * directly or through a trusted proxy (req.protocol honours trustProxy). Set on every reply by createHttpApp; a route
 * that hijacks its reply writes them itself.
 */
export function securityHeaders(req: FastifyRequest): HeaderList {
  return req.protocol === 'https' ? SECURITY_HEADERS.tls : SECURITY_HEADERS.plain;
}

/** The 400 of a string holding a character no text of ours may hold, naming its field. */
function badTextError(field: string): DomainError {
  return new DomainError(
    'VALIDATION',
    `${field} contains a character that is not allowed (a NUL, a control character or a broken surrogate pair)`,
    { field },
  );
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
    // A hop count becomes the function Fastify would build from it (its typings omit numbers).
    trustProxy:
      typeof opts.trustProxy === 'number'
        ? (
            (hops: number) => (_address: string, hop: number) =>
              hop < hops
          )(opts.trustProxy)
        : (opts.trustProxy ?? false),
    ajv: { customOptions: {} },
    // Errors of the router itself (a path that is not valid percent-encoded UTF-8, a path part too long) are
    // problem documents like every other answer.
    frameworkErrors: (error, req, reply) => {
      const status = error.statusCode === 414 ? 414 : 400;
      const code = status === 414 ? 'URI_TOO_LONG' : 'VALIDATION';
      const problem: Problem = {
        type: `${PROBLEM_BASE}${code.toLowerCase().replaceAll('_', '-')}`,
        title: code,
        status,
        detail: status === 414 ? 'A part of the address is too long' : 'The address is not valid percent-encoded UTF-8',
        code,
        field: 'params',
        instance: req.id,
      };
      void (reply as unknown as FastifyReply).code(status).type('application/problem+json').send(problem);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Bodies are validated strictly (no type coercion: "5" is not 5); URL parts arrive as strings and are coerced.
  // Every string of a request, wherever it is, is text PostgreSQL can store as it was sent: checked before the schema,
  // so the answer names the field (a 400, never a 500 from the database). In the validator of each part that has a
  // schema (no hook for Fastify to run on every request), and by a route hook for the parts of a route that have none.
  const strict = makeAjv({ coerceTypes: false });
  const coercing = makeAjv({ coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const validate = (httpPart === 'body' ? strict : coercing).compile(schema);
    const part = httpPart ?? 'body';
    // Fastify's contract: false with the errors on the function, or { error }.
    const checked = (data: unknown): boolean | { error: DomainError } => {
      const bad = invalidTextField(data, part);
      if (bad !== null) return { error: badTextError(bad) };
      const ok = validate(data) as boolean;
      checked.errors = validate.errors;
      return ok;
    };
    checked.errors = null as typeof validate.errors;
    return checked;
  });
  app.addHook('onRoute', (route) => {
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    const methods = ([] as string[]).concat(route.method);
    const withBody = methods.some((m) => m !== 'GET' && m !== 'HEAD' && m !== 'OPTIONS');
    const unchecked: [part: string, read: (req: FastifyRequest) => unknown][] = [];
    if (!schema.params) unchecked.push(['params', (req) => req.params]);
    if (!schema.querystring) unchecked.push(['querystring', (req) => req.query]);
    // A creating request's body and its Idempotency-Key (stored with the answer); other headers are never stored.
    if (withBody && !schema.body) unchecked.push(['body', (req) => req.body]);
    if (withBody && !schema.headers) unchecked.push(['headers.idempotency-key', (req) => req.headers['idempotency-key']]);
    if (unchecked.length === 0) return;
    const textCheck = (req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
      for (const [part, read] of unchecked) {
        const bad = invalidTextField(read(req), part);
        if (bad !== null) return done(badTextError(bad));
      }
      done();
    };
    // First, before the route's own preValidation (a callback hook: no promise on the way).
    route.preValidation = [textCheck, ...([] as unknown[]).concat(route.preValidation ?? [])] as typeof route.preValidation;
  });

  // Set when the request arrives (it stays through error replies); a callback hook, not an async one: every request pays it.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    // Security headers (security-headers.ts); a route's own header of the same name (a page's or a download's CSP)
    // replaces them. On Fastify's reply rather than the raw response: a raw header makes Node take its slow path for
    // every other header of the answer (about 4 µs of a look-up's CPU on a 2-core machine, bench/README.md), so a
    // route that hijacks the reply writes them itself (securityHeaders, as the boards' event streams do).
    const headers = securityHeaders(req);
    for (let i = 0; i < headers.length; i++) reply.header(headers[i]![0], headers[i]![1]);
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
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          // A citizen logged in with VNeID (src/citizens/): the HttpOnly session cookie set by /auth/vneid/callback.
          citizenSession: { type: 'apiKey', in: 'cookie', name: 'motcua_citizen' },
        },
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { url: '/openapi.json', validatorUrl: null } as Record<string, unknown>,
    // Every answer under /docs (the page and its scripts) gets the policy Swagger UI works under, and the headers
    // only documents need.
    staticCSP: DOCS_CSP,
    uiHooks: {
      onRequest: (_req, reply, done) => {
        void reply.headers(DOCUMENT_HEADERS);
        done();
      },
    },
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
      if (error.extra.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.extra.retryAfterSeconds));
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
