// The citizen's document store (kho quản lý dữ liệu điện tử của tổ chức, cá nhân): who may read it and which of its
// documents may stand in for a component. Pure rules: no clock, no database.

/** How long an intake in progress lets its clerk list the citizen's store: a counter session, with room to spare. */
export const INTAKE_TTL_MS = 2 * 3_600_000;

/** Intakes in progress a clerk may hold at once (one citizen at the counter, a family at most). */
export const MAX_OPEN_INTAKES = 5;

/** Listings of citizens' stores a staff member may make in an hour, whatever the purpose: no enumeration of citizens. */
export const MAX_STORE_LISTINGS_PER_HOUR = 60;

/** A document type as the catalog names it. */
export interface DocumentTypeName {
  code: string;
  nameVi: string;
  nameEn: string;
}

/** A document of the store as reuse needs to know it. */
export interface StoredDocument {
  id: number;
  ownerIdNumber: string;
  documentType: string | null;
}

const named = (types: Map<string, DocumentTypeName>, code: string) => types.get(code) ?? { code, nameVi: code, nameEn: code };

/**
 * Why a document of the store may not stand in for a component, or null when it may: it must be the applicant's own,
 * and of the document type the component accepts (a birth certificate is not a marital-status certificate). A component
 * whose catalog entry names no document type takes nothing from the store. Messages are Vietnamese / English.
 */
export function storeReuseProblem(
  doc: StoredDocument | undefined,
  applicantIdNumber: string,
  component: { code: string; documentType?: string | undefined },
  types: Map<string, DocumentTypeName>,
  documentId: number,
): string | null {
  if (!doc || doc.ownerIdNumber !== applicantIdNumber)
    return `Tài liệu ${documentId} không có trong kho dữ liệu của người nộp / Document ${documentId} is not in this applicant's document store`;
  if (!component.documentType)
    return `Thành phần ${component.code} không nhận tài liệu từ kho dữ liệu (danh mục không nêu loại giấy tờ) / Component ${component.code} takes no document from the store (the catalog names no document type for it)`;
  const wanted = named(types, component.documentType);
  if (!doc.documentType)
    return `Tài liệu ${documentId} chưa xác định loại giấy tờ, không dùng thay cho «${wanted.nameVi}» / Document ${documentId} has no document type, so it cannot stand in for a ${wanted.nameEn}`;
  if (doc.documentType !== component.documentType) {
    const given = named(types, doc.documentType);
    return `Tài liệu ${documentId} là «${given.nameVi}», thành phần ${component.code} cần «${wanted.nameVi}» / Document ${documentId} is a ${given.nameEn}; component ${component.code} takes a ${wanted.nameEn}`;
  }
  return null;
}
