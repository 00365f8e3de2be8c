import type { ProcedureVersionInput } from './catalog.schema.js';

/** Vietnamese text without diacritics, case kept (đ → d, Đ → D): for search folding and SMS text. */
export function stripDiacritics(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D');
}

/** Folds Vietnamese text for search: no diacritics, đ → d, lower case, single spaces. */
export function foldVietnamese(text: string): string {
  return stripDiacritics(text)
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, ' ')
    .trim();
}

/** The text a procedure version is found by: folded Vietnamese name, English name and code. */
export function searchTextOf(code: string, v: Pick<ProcedureVersionInput, 'nameVi' | 'nameEn'>): string {
  return `${foldVietnamese(v.nameVi)} ${foldVietnamese(v.nameEn)} ${code}`;
}

/** A problem in a procedure version, with the path of the offending value inside the version. */
export interface VersionIssue {
  /** Dotted path inside the version, e.g. 'steps' or 'components.1.code'. */
  path: string;
  message: string;
}

/** Problems in a procedure version that the JSON schema cannot express, each with the field at fault. */
export function versionIssues(
  code: string,
  v: ProcedureVersionInput,
  knownAgencyKeys: Set<string> | null,
  knownFields: Set<string>,
  knownDocumentTypes: Set<string> = new Set(),
): VersionIssue[] {
  const issues: VersionIssue[] = [];
  const where = `${code}@${v.effectiveFrom}`;
  const add = (path: string, message: string) => issues.push({ path, message: `${where}: ${message}` });
  const codes = new Set<string>();
  v.components.forEach((c, i) => {
    if (codes.has(c.code)) add(`components.${i}.code`, `component code ${c.code} appears twice`);
    codes.add(c.code);
    if (c.documentType && !knownDocumentTypes.has(c.documentType))
      add(`components.${i}.documentType`, `unknown document type ${c.documentType} (list it in documentTypes)`);
  });
  if (v.resultDocumentType && !knownDocumentTypes.has(v.resultDocumentType))
    add('resultDocumentType', `unknown document type ${v.resultDocumentType} (list it in documentTypes)`);
  const share = v.steps.reduce((s, x) => s + x.share, 0);
  if (Math.abs(share - 1) > 0.001) add('steps', `step shares add up to ${share.toFixed(3)}, not 1`);
  if (v.level === 'province' && !v.agencyKey) add('agencyKey', 'a province-level procedure needs agencyKey');
  if (v.level === 'commune' && v.agencyKey)
    add('agencyKey', "a commune-level procedure is routed to the applicant's commune; agencyKey must be null");
  if (!knownFields.has(v.fieldCode)) add('fieldCode', `unknown field ${v.fieldCode}`);
  if (knownAgencyKeys) {
    if (v.agencyKey && !knownAgencyKeys.has(v.agencyKey)) add('agencyKey', `unknown agency ${v.agencyKey}`);
    v.steps.forEach((s, i) => {
      if (s.agency !== 'competent' && !knownAgencyKeys.has(s.agency)) add(`steps.${i}.agency`, `step at unknown agency ${s.agency}`);
    });
  }
  if (!Number.isInteger(v.timeLimit.value) && v.timeLimit.unit !== 'working-hours' && v.timeLimit.unit !== 'working-days') {
    add('timeLimit.value', `${v.timeLimit.unit} limits must be whole numbers`);
  }
  return issues;
}

/** Problems in a procedure version that the JSON schema cannot express. */
export function versionProblems(
  code: string,
  v: ProcedureVersionInput,
  knownAgencyKeys: Set<string> | null,
  knownFields: Set<string>,
  knownDocumentTypes: Set<string> = new Set(),
): string[] {
  return versionIssues(code, v, knownAgencyKeys, knownFields, knownDocumentTypes).map((i) => i.message);
}

/** A version without its document types: what a dossier received under it depends on (the types only say what the store may supply). */
export function withoutDocumentTypes(v: ProcedureVersionInput): ProcedureVersionInput {
  const { resultDocumentType: _result, ...rest } = v;
  return { ...rest, components: v.components.map(({ documentType: _type, ...c }) => c) };
}

/** JSON text with object keys sorted at every level, so equal documents compare equal whatever their key order (jsonb reorders keys). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Chooses the version in force on a date: the latest effectiveFrom not after it. */
export function versionInForce<T extends { effectiveFrom: string }>(versions: T[], date: string): T | undefined {
  let best: T | undefined;
  for (const v of versions) if (v.effectiveFrom <= date && (!best || v.effectiveFrom > best.effectiveFrom)) best = v;
  return best;
}

/** Where a procedure may be filed, in both languages. */
export function filingText(nonTerritorial: boolean, level: 'province' | 'commune'): { vi: string; en: string } {
  if (nonTerritorial) {
    return {
      vi: 'Nộp tại bất kỳ Trung tâm, chi nhánh hoặc điểm tiếp nhận nào trong tỉnh, hoặc trực tuyến',
      en: 'At any service center, branch or service point in the province, or online',
    };
  }
  return level === 'commune'
    ? {
        vi: 'Chỉ nộp tại Trung tâm Phục vụ hành chính công của xã, phường nơi cư trú, hoặc trực tuyến',
        en: "Only at the service center of the applicant's commune or ward, or online",
      }
    : {
        vi: 'Chỉ nộp tại Trung tâm Phục vụ hành chính công tỉnh, hoặc trực tuyến',
        en: 'Only at the provincial public administration service center, or online',
      };
}
