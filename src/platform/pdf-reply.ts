import type { FastifyReply } from 'fastify';

/** Sends a printed PDF (a form, a report, an e-receipt) to open in the browser, never cached. */
export function sendPdf(reply: FastifyReply, form: { fileName: string; pdf: Buffer }) {
  return reply
    .type('application/pdf')
    .header('content-disposition', `inline; filename="${form.fileName}"`)
    .header('cache-control', 'no-store')
    .send(form.pdf);
}
