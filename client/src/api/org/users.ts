import { http, requestStream, type StreamEvent } from "../request";
import type { Page, PageQuery, UserSummary } from "../types";

export type UserStatus = "active" | "disabled" | "locked";

export interface UserQuery extends PageQuery {
  q?: string;
  unitId?: number;
  departmentId?: number;
  includeSubunits?: boolean;
  status?: UserStatus;
  /** Only people holding no role at all. */
  withoutRoles?: boolean;
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

/** A row error: `code` and `params` for the translated sentence, `message` as the server's English fallback. */
export interface ImportRowError {
  row: number;
  column?: string;
  code: string;
  params?: Record<string, string | number>;
  message: string;
}

export interface ImportResult {
  rows: number;
  valid: number;
  encoding: "utf-8" | "gb18030" | "utf-16le" | "utf-16be" | null;
  errors: ImportRowError[];
  sample: { row: number; username: string; displayName: string; unit: string; department: string | null }[];
  created: { username: string; displayName: string; initialPassword: string }[];
}

/** The uploaded file's raw bytes (base64), so the server can tell GBK from UTF-8, or pasted text. */
export type ImportSource = { file: string } | { csv: string };

export interface ImportProgress {
  phase: "hash" | "save";
  done: number;
  total: number;
}

function isImportProgress(event: StreamEvent): event is StreamEvent & ImportProgress {
  return (
    event.type === "progress" &&
    (event.phase === "hash" || event.phase === "save") &&
    typeof event.done === "number" &&
    typeof event.total === "number"
  );
}

export interface DirectoryEntry {
  id: number;
  displayName: string;
  unit: { id: number; name: string };
  department: { id: number; name: string } | null;
  position: { id: number; name: string } | null;
  phone: string | null;
  email: string | null;
}

export const listUsers = (query: UserQuery) => http.get<UserList>("/api/org/users", { ...query });

export const getUser = (id: number) => http.get<UserSummary>(`/api/org/users/${id}`);

export const createUser = (body: UserCreate) =>
  http.post<{ user: UserSummary; initialPassword: string }>("/api/org/users", body);

export const updateUser = (id: number, body: UserUpdate) => http.patch<UserSummary>(`/api/org/users/${id}`, body);

export const resetUserPassword = (id: number) =>
  http.post<{ initialPassword: string }>(`/api/org/users/${id}/reset-password`, {});

export const previewImport = (source: ImportSource) =>
  http.post<ImportResult>("/api/org/users/import", { ...source, commit: false });

/** Imports for real; the server streams hashing progress (minutes for a large file) before the result. */
export const commitImport = (source: ImportSource, onProgress: (progress: ImportProgress) => void) =>
  requestStream<ImportResult>("POST", "/api/org/users/import", { ...source, commit: true }, (event) => {
    if (isImportProgress(event)) onProgress(event);
  });

/** A download by navigation: the browser saves the CSV with the session cookie. */
export const IMPORT_TEMPLATE_URL = "/api/org/users/import/template";

export const assignRole = (userId: number, body: { roleId: number; unitId?: number | null }) =>
  http.post<UserSummary>(`/api/org/users/${userId}/roles`, body);

export const unassignRole = (userId: number, assignmentId: number) =>
  http.delete<UserSummary>(`/api/org/users/${userId}/roles/${assignmentId}`);

export const searchDirectory = (query: { q?: string; unitId?: number; departmentId?: number } & PageQuery) =>
  http.get<Page<DirectoryEntry>>("/api/org/directory", { ...query });
