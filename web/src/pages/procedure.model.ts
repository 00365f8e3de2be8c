import type { ProcedureDetail, Unit } from '../api/client';

/** Which service points accept a procedure: any of the province's (non-territorial), the commune centers, or the agency's receiving point. */
export function filingPoints(detail: ProcedureDetail, points: Unit[], agencies: Unit[]): { main: Unit[]; communes: Unit[] } {
  const v = detail.version;
  const main = points.filter((u) => u.kind === 'center' || u.kind === 'branch');
  const communes = points.filter((u) => u.kind === 'commune_center');
  if (v.nonTerritorial) return { main, communes };
  if (v.level === 'commune') return { main: [], communes };
  const agency = agencies.find((a) => a.key === v.agencyKey);
  const receiving = points.filter((u) => u.id === agency?.receivingUnitId);
  return { main: receiving.length ? receiving : main.filter((u) => u.kind === 'center'), communes: [] };
}

/** Online submission is offered for every online level the catalog knows (full and partial). */
export const canSubmitOnline = (online: string): boolean => online === 'full' || online === 'partial';
