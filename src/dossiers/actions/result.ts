import { DomainError } from '../../platform/errors.js';
import { roleForStep } from '../dossier.model.js';
import * as repo from '../dossier.repository.js';
import { notUploadedError } from '../intake.service.js';
import { closeOpenStep, openStep, type ActionHandler } from './action.js';

/** Issue the result at the last step (→ 9): the file is archived in the applicant's document store, and the dossier goes to the return point. */
export const result: ActionHandler = async (ctx) => {
  const { dossier: d, steps, actor, version, now } = ctx;
  const last = steps[steps.length - 1];
  if (last && d.current_step !== last.index)
    throw new DomainError('INVALID_TRANSITION', 'The result is issued at the last processing step; forward the dossier first');
  if (last && roleForStep(last) !== actor.role)
    throw new DomainError('FORBIDDEN', `The result of this step is issued by a ${roleForStep(last)}`);
  const resultFile = ctx.input.resultFileSha256!;
  // The issuer's own upload: a hash uploaded elsewhere grants nothing.
  if (!(await repo.ownedUploads(ctx.db, [resultFile], `unit:${actor.unitId}`)).has(resultFile))
    throw notUploadedError(resultFile, 'body.resultFileSha256', 'counter');
  return {
    patch: { decided_at: now, current_unit_id: d.return_point_id },
    effects: [
      closeOpenStep(ctx),
      async (trx, updated) => {
        // Archived in the applicant's document store, so nobody asks for this paper again.
        const doc = await repo.insertStoreDocument(trx, {
          owner_id_number: d.applicant_id_number,
          kind: 'result',
          title: version.body.resultNameVi,
          // Typed as the catalog names the result, so it stands in only for a component of that type.
          document_type: version.body.resultDocumentType ?? null,
          blob_sha256: resultFile,
          issuer_unit_id: d.competent_agency_id,
          source_dossier_id: d.id,
          issued_at: now,
        });
        await repo.setResultDocument(trx, updated.id, doc.id);
        updated.result_document_id = doc.id;
      },
      openStep(ctx, { role: 'return', fromUnitId: d.current_unit_id, toUnitId: d.return_point_id, dueAt: d.due_at }),
    ],
  };
};
