import type { HttpApp } from '../platform/http.js';
import { sendPdf } from '../platform/pdf-reply.js';
import { problems } from '../platform/http.schema.js';
import { actorOf, requireStaff, SECURED } from '../auth/auth.hook.js';
import type { Services } from '../services.js';
import { DossierFormParams, MonthlyReportQuery, PdfResponse, TrackingBookQuery } from './form.schema.js';

const TAG = ['forms'];

export async function formRoutes(app: HttpApp, s: Services): Promise<void> {
  const onRequest = requireStaff(s.auth);

  app.get(
    '/dossiers/:code/forms/:form',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Print a form of a dossier (Circular 03/2025, forms 01–06) as PDF',
        description:
          'The dossier must be in the caller’s scope (404 otherwise). 409 FORM_NOT_APPLICABLE when the dossier has not reached the form: 01 and 06 need a received dossier, 02 a supplement request, 03 a refusal, 04 an apology, 05 a stop.',
        params: DossierFormParams,
        response: { 200: PdfResponse, ...problems(400, 401, 404, 409) },
      },
    },
    async (req, reply) => sendPdf(reply, await s.forms.dossierForm(actorOf(req), req.params.code, req.params.form)),
  );

  app.get(
    '/forms/07',
    {
      onRequest,
      schema: {
        tags: TAG,
        security: SECURED,
        summary: 'Print the dossier tracking book (form 07) of a service point for a period, as PDF',
        description:
          'Dossiers received at the unit from `from` to `to` (Vietnam time, at most 366 days), in order of receipt, numbered as in the unit’s book of each year. The unit must be in the caller’s scope (403 otherwise).',
        querystring: TrackingBookQuery,
        response: { 200: PdfResponse, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) => sendPdf(reply, await s.forms.trackingBook(actorOf(req), req.query)),
  );

  app.get(
    '/kpi/report.pdf',
    {
      onRequest,
      schema: {
        tags: ['kpi'],
        security: SECURED,
        summary: "A unit's monthly report of results in handling procedures, as PDF in the official style",
        description:
          'Figures by channel and outcome, the Decision 766 scorecard, the ranking of the points (or agencies) under the unit with the change from the month before, the procedures received most, and the month against the province’s targets — the numbers of GET /kpi/figures, /kpi/scorecard, /kpi/rankings and /kpi/trends for the month. Managers (their points), approvers (their agency) and the administrator, as those routes. No applicant’s data.',
        querystring: MonthlyReportQuery,
        response: { 200: PdfResponse, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) => sendPdf(reply, await s.forms.monthlyReport(actorOf(req), req.query)),
  );
}
