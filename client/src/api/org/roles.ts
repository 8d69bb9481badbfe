import { http } from "../request";
import type { AdminKind } from "../types";

export type PermissionCategory = AdminKind | "business";

export interface Role {
  id: number;
  code: string;
  name: string;
  description: string | null;
  adminKind: AdminKind | null;
  builtin: boolean;
  permissions: string[];
  userCount: number;
}

export interface RoleList {
  items: Role[];
  permissions: { code: string; category: PermissionCategory }[];
}

export interface RoleCreate {
  code: string;
  name: string;
  description?: string;
  permissions: string[];
}

export const listRoles = () => http.get<RoleList>("/api/org/roles");

export const createRole = (body: RoleCreate) => http.post<Role>("/api/org/roles", body);

export const updateRole = (id: number, body: { name?: string; description?: string; permissions?: string[] }) =>
  http.patch<Role>(`/api/org/roles/${id}`, body);

export const deleteRole = (id: number) => http.delete(`/api/org/roles/${id}`);
