import type { ProcedureVersionInput } from './catalog.schema.js';

/** Folds Vietnamese text for search: no diacritics, đ → d, lower case, single spaces. */
export function foldVietnamese(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, ' ')
    .trim();
}

/** The text a procedure version is found by: folded Vietnamese name, English name and code. */
export function searchTextOf(code: string, v: Pick<ProcedureVersionInput, 'nameVi' | 'nameEn'>): string {
  return `${foldVietnamese(v.nameVi)} ${foldVietnamese(v.nameEn)} ${code}`;
}

/** Problems in a procedure version that the JSON schema cannot express. */
export function versionProblems(code: string, v: ProcedureVersionInput, knownAgencyKeys: Set<string> | null, knownFields: Set<string>): string[] {
  const problems: string[] = [];
  const where = `${code}@${v.effectiveFrom}`;
  const codes = new Set<string>();
  for (const c of v.components) {
    if (codes.has(c.code)) problems.push(`${where}: component code ${c.code} appears twice`);
    codes.add(c.code);
  }
  const share = v.steps.reduce((s, x) => s + x.share, 0);
  if (Math.abs(share - 1) > 0.001) problems.push(`${where}: step shares add up to ${share.toFixed(3)}, not 1`);
  if (v.level === 'province' && !v.agencyKey) problems.push(`${where}: a province-level procedure needs agencyKey`);
  if (v.level === 'commune' && v.agencyKey) problems.push(`${where}: a commune-level procedure is routed to the applicant's commune; agencyKey must be null`);
  if (!knownFields.has(v.fieldCode)) problems.push(`${where}: unknown field ${v.fieldCode}`);
  if (knownAgencyKeys) {
    if (v.agencyKey && !knownAgencyKeys.has(v.agencyKey)) problems.push(`${where}: unknown agency ${v.agencyKey}`);
    for (const s of v.steps) if (s.agency !== 'competent' && !knownAgencyKeys.has(s.agency)) problems.push(`${where}: step at unknown agency ${s.agency}`);
  }
  if (!Number.isInteger(v.timeLimit.value) && v.timeLimit.unit !== 'working-hours' && v.timeLimit.unit !== 'working-days') {
    problems.push(`${where}: ${v.timeLimit.unit} limits must be whole numbers`);
  }
  return problems;
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
    return { vi: 'Nộp tại bất kỳ Trung tâm, chi nhánh hoặc điểm tiếp nhận nào trong tỉnh, hoặc trực tuyến', en: 'At any service center, branch or service point in the province, or online' };
  }
  return level === 'commune'
    ? { vi: 'Chỉ nộp tại Trung tâm Phục vụ hành chính công của xã, phường nơi cư trú, hoặc trực tuyến', en: "Only at the service center of the applicant's commune or ward, or online" }
    : { vi: 'Chỉ nộp tại Trung tâm Phục vụ hành chính công tỉnh, hoặc trực tuyến', en: 'Only at the provincial public administration service center, or online' };
}
