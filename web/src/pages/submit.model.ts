import type { Intake, Problem, ProcedureComponent } from '../api/client';

export type ApplicantKey = 'idNumber' | 'name' | 'phone' | 'email' | 'address' | 'communeCode';
export type Applicant = Record<ApplicantKey, string>;
/** Message keys of the form's own checks (i18n: submit.errors.*). */
export type CheckKey =
  | 'idNumberRequired'
  | 'idNumberDigits'
  | 'nameRequired'
  | 'phoneRequired'
  | 'phoneInvalid'
  | 'emailInvalid'
  | 'addressRequired'
  | 'communeRequired';

/** A citizen ID (CCCD) number is 12 digits; the server checks the rest (province and century digits). */
export function checkApplicant(key: ApplicantKey, value: string): CheckKey | null {
  const v = value.trim();
  switch (key) {
    case 'idNumber':
      if (!v) return 'idNumberRequired';
      return /^\d{12}$/.test(v) ? null : 'idNumberDigits';
    case 'name':
      return v.length >= 2 ? null : 'nameRequired';
    case 'phone':
      if (!v) return 'phoneRequired';
      return /^(0\d{9}|\+84\d{9})$/.test(v.replace(/[\s.-]/g, '')) ? null : 'phoneInvalid';
    case 'email':
      return !v || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? null : 'emailInvalid';
    case 'address':
      return v.length >= 3 ? null : 'addressRequired';
    case 'communeCode':
      return v ? null : 'communeRequired';
  }
}

export type UploadState =
  | { status: 'idle' }
  | { status: 'uploading'; name: string; size: number }
  | { status: 'done'; name: string; size: number; sha256: string; mime: string }
  | { status: 'error'; name: string; size: number; problem: Problem };

/**
 * The components of the request: the population database's by reference, documents of the citizen's store by their
 * id (`fromStore`, a logged-in citizen's choice), uploaded files by their hash.
 */
export function componentsPayload(
  components: ProcedureComponent[],
  uploads: Record<string, UploadState>,
  fromStore: Record<string, number> = {},
): Intake['components'] {
  return components.flatMap((c): Intake['components'] => {
    if (c.supply === 'population_db') return [{ code: c.code, source: 'population_db' }];
    const stored = fromStore[c.code];
    if (stored !== undefined) return [{ code: c.code, source: 'store', storeDocumentId: stored }];
    const u = uploads[c.code];
    return u?.status === 'done' ? [{ code: c.code, source: 'upload', fileSha256: u.sha256 }] : [];
  });
}

/** Where a problem from POST /public/dossiers belongs on the form. */
export type Target =
  { kind: 'applicant'; key: ApplicantKey } | { kind: 'component'; code: string } | { kind: 'returnPoint' } | { kind: 'form' };

/** Maps the API's `field` (body.applicant.idNumber, body.components.2.fileSha256, …) to the form's field. */
export function targetOf(field: string | undefined, sent: Intake['components']): Target {
  if (!field) return { kind: 'form' };
  const applicant = /^body\.applicant\.(idNumber|name|phone|email|address|communeCode)\b/.exec(field);
  if (applicant) return { kind: 'applicant', key: applicant[1] as ApplicantKey };
  const component = /^body\.components\.(\d+)\b/.exec(field);
  if (component) {
    const c = sent[Number(component[1])];
    return c ? { kind: 'component', code: c.code } : { kind: 'form' };
  }
  if (field.startsWith('body.returnPointId')) return { kind: 'returnPoint' };
  return { kind: 'form' };
}

/** Every place a problem points at: its own field, each field of a validation list, and each missing component. */
export function targetsOf(p: Problem, sent: Intake['components']): { target: Target; message: string | null }[] {
  const out: { target: Target; message: string | null }[] = [];
  const missing = (p.details as { missing?: unknown } | undefined)?.missing;
  if (Array.isArray(missing))
    for (const code of missing) if (typeof code === 'string') out.push({ target: { kind: 'component', code }, message: null });
  if (p.errors?.length) for (const e of p.errors) out.push({ target: targetOf(e.field, sent), message: e.message });
  if (out.length === 0) out.push({ target: targetOf(p.field, sent), message: null });
  return out;
}
