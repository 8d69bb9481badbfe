import { http } from "../request";
import type { Page, PageQuery, UserSummary } from "../types";

export type UserStatus = "active" | "disabled" | "locked";

export interface UserQuery extends PageQuery {
  q?: string;
  unitId?: number;
  departmentId?: number;
  includeSubunits?: boolean;
  status?: UserStatus;
}

export interface UserList extends Page<UserSummary> {
  abilities: { create: boolean; import: boolean };
}

export interface UserCreate {
  username: string;
  displayName: string;
  unitId: number;
  departmentId?: number;
  positionId?: number;
  email?: string;
  phone?: string;
}

export interface UserUpdate {
  displayName?: string;
  email?: string;
  phone?: string;
  unitId?: number;
  departmentId?: number | null;
  positionId?: number | null;
  disabled?: boolean;
}

export interface ImportResult {
  rows: number;
  valid: number;
  errors: { row: number; column?: string; message: string }[];
  created: { username: string; displayName: string; initialPassword: string }[];
}

export interface DirectoryEntry {
  id: number;
  displayName: string;
  unit: { id: number; name: string };
  department: { id: number; name: string } | null;
  position: { id: number; name: string } | null;
}

export const listUsers = (query: UserQuery) => http.get<UserList>("/api/org/users", { ...query });

export const getUser = (id: number) => http.get<UserSummary>(`/api/org/users/${id}`);

export const createUser = (body: UserCreate) =>
  http.post<{ user: UserSummary; initialPassword: string }>("/api/org/users", body);

export const updateUser = (id: number, body: UserUpdate) => http.patch<UserSummary>(`/api/org/users/${id}`, body);

export const resetUserPassword = (id: number) =>
  http.post<{ initialPassword: string }>(`/api/org/users/${id}/reset-password`, {});

export const importUsers = (csv: string, commit: boolean) =>
  http.post<ImportResult>("/api/org/users/import", { csv, commit });

export const assignRole = (userId: number, body: { roleId: number; unitId?: number | null }) =>
  http.post<UserSummary>(`/api/org/users/${userId}/roles`, body);

export const unassignRole = (userId: number, assignmentId: number) =>
  http.delete<UserSummary>(`/api/org/users/${userId}/roles/${assignmentId}`);

export const searchDirectory = (query: { q?: string; unitId?: number; departmentId?: number }) =>
  http.get<Page<DirectoryEntry>>("/api/org/directory", { ...query });
