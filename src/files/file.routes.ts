import type { FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { Type } from 'typebox';
import type { HttpApp } from '../platform/http.js';
import { IdempotencyHeaders, problems, SubmissionHeaders } from '../platform/http.schema.js';
import { DomainError } from '../platform/errors.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import { FILE_CSP } from '../platform/security-headers.js';
import type { Services } from '../services.js';

const StoredFileSchema = Type.Object({ sha256: Type.String(), size: Type.Integer(), mime: Type.String() });
const SubmissionSchema = Type.Object({
  submissionToken: Type.String({ description: 'Send it as X-Submission-Token with every upload and with the submission itself' }),
  expiresAt: Type.String({ format: 'date-time' }),
});
const description =
  'Send multipart/form-data with one part named "file", or the raw bytes as application/octet-stream. The type is judged from the content (PDF, JPEG, PNG, TIFF), never from the name.';

/** Reads the uploaded bytes from a multipart part or a raw body; every malformed upload is a 400 naming the problem. */
async function uploadedBytes(req: FastifyRequest): Promise<Buffer> {
  if (req.isMultipart()) {
    let part: Awaited<ReturnType<FastifyRequest['file']>>;
    let buf: Buffer;
    try {
      part = await req.file();
      if (!part) throw new DomainError('INVALID_FILE', 'No file part in the upload', { field: 'body.file' });
      if (part.fieldname !== 'file')
        throw new DomainError('INVALID_FILE', `The file part must be named "file" (got "${part.fieldname.slice(0, 40)}")`, {
          field: 'body.file',
        });
      buf = await part.toBuffer();
    } catch (e) {
      if (e instanceof DomainError) throw e;
      const fe = e as { statusCode?: number; code?: string; message?: string };
      if (fe.statusCode === 413 || fe.code === 'FST_REQ_FILE_TOO_LARGE')
        throw new DomainError('FILE_TOO_LARGE', 'The file exceeds the upload limit', { field: 'body.file' });
      // A missing or broken boundary, too many parts or fields, a truncated body: the request is malformed.
      throw new DomainError('INVALID_FILE', `The multipart upload is malformed: ${String(fe.message ?? e).slice(0, 120)}`, {
        field: 'body',
      });
    }
    if (part.file.truncated) throw new DomainError('FILE_TOO_LARGE', 'The file exceeds the upload limit', { field: 'body.file' });
    return buf;
  }
  if (Buffer.isBuffer(req.body)) return req.body;
  throw new DomainError('INVALID_FILE', 'Send multipart/form-data or application/octet-stream', { field: 'body' });
}

export async function fileRoutes(root: HttpApp, s: Services, maxBytes: number): Promise<void> {
  // Multipart parsing in this plugin's own scope: its per-request hook (removing temporary uploads after every
  // response) then runs for these routes only, not for every request of the API.
  await root.register(async (app: HttpApp) => {
    await app.register(multipart, { limits: { fileSize: maxBytes, files: 1, fields: 5 }, throwFileSizeLimit: true });
    app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: maxBytes }, (_req, body, done) =>
      done(null, body),
    );

    app.post(
      '/files',
      {
        onRequest: requireStaff(s.auth),
        schema: {
          tags: ['files'],
          security: SECURED,
          summary: 'Upload a scan or a result file (staff)',
          description,
          headers: IdempotencyHeaders,
          response: { 201: StoredFileSchema, ...problems(400, 401, 409, 413, 415) },
        },
      },
      async (req, reply) =>
        reply.code(201).send(await s.files.upload(await uploadedBytes(req), { staff: actorOf(req) }, req.headers['idempotency-key'])),
    );

    app.post(
      '/public/submissions',
      {
        config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
        schema: {
          tags: ['public'],
          summary: 'Open an online submission: its token owns the files uploaded under it',
          description:
            'The files of an online submission belong to it: upload each with X-Submission-Token, then send the submission (POST /public/dossiers) with the same token. Knowing a file hash grants nothing. The token expires after 24 hours.',
          response: { 201: SubmissionSchema, ...problems(429) },
        },
      },
      async (_req, reply) => {
        const { submissionToken, expiresAt } = await s.files.openSubmission();
        return reply.code(201).send({ submissionToken, expiresAt: expiresAt.toISOString() });
      },
    );

    app.post(
      '/public/files',
      {
        config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
        schema: {
          tags: ['public'],
          summary: 'Upload a component file for an online submission',
          description: `${description} Requires X-Submission-Token (POST /public/submissions).`,
          headers: SubmissionHeaders,
          response: { 201: StoredFileSchema, ...problems(400, 409, 413, 415, 429) },
        },
      },
      async (req, reply) =>
        reply
          .code(201)
          .send(
            await s.files.upload(
              await uploadedBytes(req),
              { submissionToken: req.headers['x-submission-token'] },
              req.headers['idempotency-key'],
            ),
          ),
    );

    app.get(
      '/files/:sha256',
      {
        onRequest: requireStaff(s.auth),
        schema: {
          tags: ['files'],
          security: SECURED,
          summary: 'Download a stored file',
          params: Type.Object({ sha256: Type.String({ minLength: 64, maxLength: 64, pattern: '^[0-9a-f]{64}$' }) }),
          response: {
            200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'The file bytes' }),
            ...problems(400, 401, 404),
          },
        },
      },
      async (req, reply) => {
        const f = await s.files.download(actorOf(req), req.params.sha256);
        // Downloaded, never rendered in the API's origin; not kept by any cache (a citizen's documents).
        const ext = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png', 'image/tiff': 'tif' }[f.mime] ?? 'bin';
        return reply
          .type(f.mime)
          .header('content-disposition', `attachment; filename="${req.params.sha256.slice(0, 16)}.${ext}"`)
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'no-store')
          .header('content-security-policy', FILE_CSP)
          .send(f.content);
      },
    );
  });
}
