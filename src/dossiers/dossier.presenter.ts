import type { Dossier } from '../platform/db.types.js';
import type { ProcedureVersion } from '../catalog/catalog.service.js';
import type { Actor } from '../auth/auth.model.js';
import { allowedActions, processingSteps, promisedDueAt, STATUS_LABELS, type DossierStatus } from './dossier.model.js';

type ComponentRow = {
  component_code: string;
  name_vi: string;
  form: string;
  count: number;
  required: boolean;
  source: string;
  blob_sha256: string | null;
  store_document_id: number | null;
  digitized: boolean;
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Staff view of a dossier (full applicant data; staff endpoints only), with the actions the viewer may take now. */
export function presentDossier(
  d: Dossier,
  version: ProcedureVersion,
  components: ComponentRow[],
  name: (unitId: number) => string,
  viewer?: Actor,
) {
  const status = d.status as DossierStatus;
  return {
    code: d.code,
    status,
    statusVi: STATUS_LABELS[status].vi,
    statusEn: STATUS_LABELS[status].en,
    portalStatus: d.portal_status,
    channel: d.channel,
    procedure: {
      code: version.code,
      nameVi: version.body.nameVi,
      nameEn: version.body.nameEn,
      versionEffectiveFrom: version.effectiveFrom,
    },
    applicant: {
      idNumber: d.applicant_id_number,
      name: d.applicant_name,
      phone: d.applicant_phone,
      email: d.applicant_email,
      address: d.applicant_address,
      communeCode: d.applicant_commune_code,
    },
    receivingUnit: { id: d.receiving_unit_id, nameVi: name(d.receiving_unit_id) },
    competentAgency: { id: d.competent_agency_id, nameVi: name(d.competent_agency_id) },
    currentUnit: d.current_unit_id ? { id: d.current_unit_id, nameVi: name(d.current_unit_id) } : null,
    currentStep: d.current_step,
    returnPoint: { id: d.return_point_id, nameVi: name(d.return_point_id) },
    fastTrack: d.fast_track,
    timeLimit: { value: d.limit_value, unit: d.limit_unit },
    feeTotalVnd: d.fee_total_vnd,
    submittedAt: iso(d.submitted_at),
    receivedAt: iso(d.received_at),
    dueAt: iso(d.due_at),
    originalDueAt: iso(d.original_due_at),
    pausedAt: iso(d.paused_at),
    pausedWorkingMs: d.paused_ms,
    supplementCount: d.supplement_count,
    paidAt: iso(d.paid_at),
    decidedAt: iso(d.decided_at),
    returnedAt: iso(d.returned_at),
    lateFlaggedAt: iso(d.late_flagged_at),
    apologyDueAt: iso(d.apology_due_at),
    // Staff only: an anonymous online submitter is not told whether the ID number typed has another open dossier.
    duplicateOf: viewer ? d.duplicate_of : null,
    promisedDueAt: iso(promisedDueAt(d)),
    resultDocumentId: d.result_document_id,
    trackingToken: d.tracking_token,
    components: components.map((c) => ({
      code: c.component_code,
      nameVi: c.name_vi,
      form: c.form,
      count: c.count,
      required: c.required,
      source: c.source,
      fileSha256: c.blob_sha256,
      storeDocumentId: c.store_document_id,
      digitized: c.digitized,
    })),
    version: d.version,
    allowedActions: viewer
      ? allowedActions(
          {
            status,
            receivingUnitId: d.receiving_unit_id,
            currentUnitId: d.current_unit_id,
            returnPointId: d.return_point_id,
            currentStep: d.current_step,
            supplementCount: d.supplement_count,
            apologyDueAt: d.apology_due_at,
          },
          { role: viewer.role, unitId: viewer.unitId, scopeUnitIds: viewer.scopeUnitIds },
          processingSteps(version.body.steps),
        )
      : [],
  };
}

export type DossierView = ReturnType<typeof presentDossier>;
