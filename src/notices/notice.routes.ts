import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import type { HttpApp } from '../platform/http.js';
import { problems } from '../platform/http.schema.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import { citizenOf, requireCitizen } from '../citizens/citizen.hook.js';
import { CodeParam } from '../dossiers/dossier.schema.js';
import { DomainError } from '../platform/errors.js';
import type { Services } from '../services.js';
import {
  CitizenOptOutBody,
  DossierNoticeSchema,
  OptOutResult,
  PreviewBody,
  PreviewSchema,
  SigQuery,
  SmsReportSchema,
  StaffOptOutBody,
  TemplateBody,
  TemplateParams,
  TemplateSchema,
  TokenQuery,
} from './notice.schema.js';

const TAG = ['notices'];
const CHANNEL_WORDS = { sms: { vi: 'tin nhắn SMS', en: 'SMS messages' }, email: { vi: 'thư điện tử', en: 'e-mails' } } as const;

const wantsPage = (accept: string | undefined) => (accept ?? '').includes('text/html');

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The opt-out page: Vietnamese first, English second; no script (the page's CSP allows none inline). */
function page(reply: FastifyReply, status: number, title: string, lines: string[], form?: string) {
  const html = `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body>
<h1>${escapeHtml(title)}</h1>
${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n')}
${form ?? ''}
</body></html>`;
  return reply.code(status).type('text/html; charset=utf-8').send(html);
}

export async function noticeRoutes(app: HttpApp, s: Services): Promise<void> {
  const onRequest = requireStaff(s.auth);

  app.get(
    '/notices/templates',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Every notice text in force, per kind, channel and language (administrator)',
        response: { 200: Type.Array(TemplateSchema), ...problems(401, 403) },
      },
    },
    async (req) => s.notices.listTemplates(actorOf(req)),
  );

  app.put(
    '/notices/templates/:kind/:channel/:lang',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Sets a notice text (administrator; audited)',
        description:
          'Mustache {{variables}} only, from the kind’s list; an SMS at most 335 characters with long sample values. Refusals are VALIDATION naming the field, with details.reason: unknown_variable, too_long, unsupported_tag, syntax, required, not_allowed.',
        params: TemplateParams,
        body: TemplateBody,
        response: { 200: TemplateSchema, ...problems(400, 401, 403) },
      },
    },
    async (req) =>
      s.notices.putTemplate(actorOf(req), req.params.kind, req.params.channel, req.params.lang, {
        subject: req.body.subject ?? null,
        body: req.body.body,
      }),
  );

  app.delete(
    '/notices/templates/:kind/:channel/:lang',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Goes back to the default notice text (administrator; audited)',
        params: TemplateParams,
        response: { 200: TemplateSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => s.notices.resetTemplate(actorOf(req), req.params.kind, req.params.channel, req.params.lang),
  );

  app.post(
    '/notices/templates/preview',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'A notice text rendered with sample values (administrator)',
        body: PreviewBody,
        response: { 200: PreviewSchema, ...problems(400, 401, 403) },
      },
    },
    async (req) => s.notices.preview(actorOf(req), req.body),
  );

  app.get(
    '/dossiers/:code/notices',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'The notices sent to the applicant of a dossier (SMS and e-mail), recipients masked',
        params: CodeParam,
        response: { 200: Type.Array(DossierNoticeSchema), ...problems(401, 404) },
      },
    },
    async (req) => s.notices.ofDossier(actorOf(req), req.params.code),
  );

  app.post(
    '/dossiers/:code/notices/opt-out',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: "Stops a channel of notices for the applicant's address (the citizen asked a clerk; audited)",
        params: CodeParam,
        body: StaffOptOutBody,
        response: { 200: OptOutResult, ...problems(400, 401, 404) },
      },
    },
    async (req) => s.notices.optOutByStaff(actorOf(req), req.params.code, req.body.channel),
  );

  app.post(
    '/citizen/notices/opt-out',
    {
      onRequest: requireCitizen(s.citizens),
      schema: {
        tags: TAG,
        summary: 'A citizen logged in with VNeID stops a channel of notices for the address of one of their dossiers (audited)',
        body: CitizenOptOutBody,
        response: { 200: OptOutResult, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const c = citizenOf(req);
      if (!c.idNumber) throw new DomainError('CITIZEN_LEVEL_2_REQUIRED', 'A VNeID account of level 2 is needed');
      return s.notices.optOutByCitizen(c.idNumber, req.body.code, req.body.channel, (code) => s.dossiers.findByCode(code));
    },
  );

  // The SMS gateway's delivery reports: eSMS calls back by GET with query parameters; our simulator POSTs JSON.
  const report = (r: { sig: string; SMSID: string; RequestId: string; SendStatus: string }) => s.notices.smsReport(r);
  const reportResponse = {
    200: Type.Object({ stored: Type.Boolean({ description: 'false: stored before, or not final' }) }),
    ...problems(400, 401, 404),
  };
  app.post(
    '/notices/sms/reports',
    {
      schema: {
        tags: TAG,
        summary: "The SMS gateway's delivery report (signed: sig in the callback URL; idempotent; audited)",
        querystring: SigQuery,
        body: SmsReportSchema,
        response: reportResponse,
      },
    },
    async (req) => report({ ...req.body, sig: req.query.sig }),
  );
  app.get(
    '/notices/sms/reports',
    {
      schema: {
        tags: TAG,
        summary: "The SMS gateway's delivery report as eSMS sends it (GET with query parameters)",
        querystring: Type.Intersect([SigQuery, SmsReportSchema]),
        response: reportResponse,
      },
    },
    async (req) => report(req.query),
  );

  // The opt-out link of every e-mail: a page, then a form that posts back (no script).
  await app.register(async (plugin) => {
    const scope = plugin as HttpApp;
    // The page's form posts an empty urlencoded body; nothing in it is read.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, _body, done) =>
      done(null, undefined),
    );
    const invalid = (reply: FastifyReply) =>
      page(reply, 404, 'Liên kết không hợp lệ / Invalid link', [
        'Liên kết hủy nhận thông báo này không hợp lệ hoặc đã bị thay đổi.',
        'This opt-out link is not valid or was altered.',
      ]);
    scope.get(
      '/notices/opt-out',
      {
        schema: {
          tags: TAG,
          summary: 'The opt-out page of an e-mail’s link (HTML for a browser; JSON otherwise)',
          querystring: TokenQuery,
          response: { 200: OptOutResult, ...problems(404) },
        },
      },
      async (req, reply) => {
        // An API client gets JSON and problems; a browser (Accept: text/html) the page.
        if (!wantsPage(req.headers.accept)) return s.notices.optOutInfo(req.query.token);
        let info: Awaited<ReturnType<typeof s.notices.optOutInfo>>;
        try {
          info = await s.notices.optOutInfo(req.query.token);
        } catch (e) {
          if (e instanceof DomainError && e.code === 'NOT_FOUND') return invalid(reply);
          throw e;
        }
        const w = CHANNEL_WORDS[info.channel];
        if (info.optedOut)
          return page(reply, 200, 'Đã hủy nhận thông báo / Already stopped', [
            `Bạn đã hủy nhận ${w.vi} thông báo về hồ sơ.`,
            `You no longer receive dossier notices by ${w.en}.`,
          ]);
        return page(
          reply,
          200,
          'Hủy nhận thông báo / Stop notices',
          [
            `Bạn sẽ không nhận ${w.vi} thông báo về các bước giải quyết hồ sơ nữa.`,
            `You will no longer receive dossier notices by ${w.en}.`,
          ],
          `<form method="post" action="/notices/opt-out?token=${encodeURIComponent(req.query.token)}"><button type="submit">Hủy nhận / Stop</button></form>`,
        );
      },
    );
    scope.post(
      '/notices/opt-out',
      {
        schema: {
          tags: TAG,
          summary: 'Stops the channel of an e-mail’s opt-out link (audited; HTML for a browser, JSON otherwise)',
          querystring: TokenQuery,
          response: { 200: OptOutResult, ...problems(404) },
        },
      },
      async (req, reply) => {
        const html = wantsPage(req.headers.accept);
        let r: Awaited<ReturnType<typeof s.notices.optOutByToken>>;
        try {
          r = await s.notices.optOutByToken(req.query.token);
        } catch (e) {
          if (html && e instanceof DomainError && e.code === 'NOT_FOUND') return invalid(reply);
          throw e;
        }
        if (!html) return r;
        const w = CHANNEL_WORDS[r.channel];
        return page(reply, 200, 'Đã hủy nhận thông báo / Notices stopped', [
          `Bạn sẽ không nhận ${w.vi} thông báo về hồ sơ nữa.`,
          `You will no longer receive dossier notices by ${w.en}.`,
        ]);
      },
    );
  });
}
