import { http } from "../request";

export interface DepartmentNode {
  id: number;
  name: string;
  sortOrder: number;
  userCount: number;
}

export interface UnitNode {
  id: number;
  parentId: number | null;
  code: string;
  name: string;
  shortName: string | null;
  kind: string;
  sortOrder: number;
  departments: DepartmentNode[];
  children: UnitNode[];
  userCount: number;
}

export interface OrgTree {
  units: UnitNode[];
  abilities: { manage: boolean };
}

export interface UnitCreate {
  name: string;
  code: string;
  shortName?: string;
  kind: string;
  parentId: number | null;
}

export type UnitUpdate = Partial<UnitCreate> & { sortOrder?: number };

export interface Department {
  id: number;
  unitId: number;
  name: string;
  sortOrder: number;
}

export interface Position {
  id: number;
  name: string;
  rank: number;
}

export const getOrgTree = () => http.get<OrgTree>("/api/org/tree");

export const createUnit = (body: UnitCreate) => http.post<UnitNode>("/api/org/units", body);

export const updateUnit = (id: number, body: UnitUpdate) => http.patch<UnitNode>(`/api/org/units/${id}`, body);

export const deleteUnit = (id: number) => http.delete(`/api/org/units/${id}`);

export const createDepartment = (body: { unitId: number; name: string }) =>
  http.post<Department>("/api/org/departments", body);

export const updateDepartment = (id: number, body: { name?: string; unitId?: number; sortOrder?: number }) =>
  http.patch<Department>(`/api/org/departments/${id}`, body);

export const deleteDepartment = (id: number) => http.delete(`/api/org/departments/${id}`);

export const listPositions = () => http.get<{ items: Position[] }>("/api/org/positions");
