import type { StaffRole } from '../platform/db.types.js';
import { DomainError } from '../platform/errors.js';

export const ROLES = ['clerk', 'specialist', 'approver', 'manager', 'admin'] as const satisfies readonly StaffRole[];

/** Who is acting: a logged-in staff member, with the units their role lets them see. */
export interface Actor {
  staffId: number;
  username: string;
  fullName: string;
  role: StaffRole;
  unitId: number;
  unitKind: string;
  provinceCode: string;
  /** Units in scope: the clerk's point, the agency, the manager's center and its branches; null = whole province (admin). */
  scopeUnitIds: number[] | null;
}

/** Throws FORBIDDEN unless the actor has one of the roles. */
export function requireRole(actor: Actor, ...roles: StaffRole[]): void {
  if (!roles.includes(actor.role)) {
    throw new DomainError('FORBIDDEN', `Role ${actor.role} may not do this; it needs ${roles.join(' or ')}`);
  }
}

/** Whether a unit is inside the actor's scope. */
export function inScope(actor: Actor, unitId: number | null | undefined): boolean {
  if (actor.scopeUnitIds === null) return true;
  return unitId != null && actor.scopeUnitIds.includes(unitId);
}

/** Which unit kinds each role's account may belong to. */
export const ROLE_UNIT_KINDS: Record<StaffRole, string[]> = {
  clerk: ['center', 'branch', 'commune_center'],
  specialist: ['department', 'commune_committee'],
  approver: ['department', 'commune_committee'],
  manager: ['center', 'commune_center'],
  admin: ['province'],
};
