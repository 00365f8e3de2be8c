import { DomainError } from '../../platform/errors.js';
import { inScope } from '../../auth/auth.model.js';
import * as repo from '../queue.repository.js';
import type { TicketActionHandler } from './action.js';

/** The service is over, linking the dossiers it received: each must exist and have been received at the ticket's point. */
export const finish: TicketActionHandler = {
  plan: async ({ ticket: t, actor, now, input, queue }) => {
    const codes = [...new Set(input.dossierCodes ?? [])];
    const rows = await repo.dossiersByCode(queue.db, codes);
    for (const [i, code] of codes.entries()) {
      const d = rows.find((r) => r.code === code);
      if (!d || !inScope(actor, d.receiving_unit_id))
        throw new DomainError('NOT_FOUND', `Dossier ${code} not found`, { field: `body.dossierCodes.${i}` });
      if (d.receiving_unit_id !== t.unit_id)
        throw new DomainError('VALIDATION', `Dossier ${code} was not received at this service point`, { field: `body.dossierCodes.${i}` });
    }
    return {
      // Finished straight from "called": the service started at the call.
      patch: { status: 'done', ended_at: now, started_at: t.started_at ?? t.called_at },
      links: rows.map((r) => r.id),
      ...(rows.length ? { audit: { dossiers: input.dossierCodes } } : {}),
    };
  },
};
