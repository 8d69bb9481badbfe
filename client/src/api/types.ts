/** Shapes shared by several endpoints (docs/api.md). */

export interface Ref {
  id: number;
  name: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface PageQuery {
  page?: number;
  pageSize?: number;
}

export type AdminKind = "system" | "security" | "audit";

export interface RoleAssignment {
  assignmentId: number;
  roleId: number;
  code: string;
  name: string;
  adminKind: AdminKind | null;
  unit: Ref | null;
}

export interface UserAbilities {
  update: boolean;
  disable: boolean;
  resetPassword: boolean;
  assignRoles: boolean;
}

export interface UserSummary {
  id: number;
  username: string;
  displayName: string;
  email: string | null;
  phone: string | null;
  unit: Ref;
  department: Ref | null;
  position: Ref | null;
  disabled: boolean;
  locked: boolean;
  mustChangePassword: boolean;
  totpEnabled: boolean;
  lastLoginAt: string | null;
  /** The sign-in before the latest one: 上次登录 for the person signed in. */
  previousLoginAt: string | null;
  roles: RoleAssignment[];
  abilities: UserAbilities;
}

export interface ValidationIssue {
  path: string;
  message: string;
}
