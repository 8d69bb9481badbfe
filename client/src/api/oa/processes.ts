import { http, request } from "../request";
import type { Ref } from "../types";
// The graph format and the problems are the server's own types (pure declarations), so they cannot drift.
import type { AssigneeRule, Flow, ProcessGraph, ProcessNode, TaskNode } from "../../../../server/oa/engine/definition";
import type { BpmnProblem, BpmnProblemCode } from "../../../../server/oa/engine/bpmnProblem";

export type { AssigneeRule, BpmnProblem, BpmnProblemCode, Flow, ProcessGraph, ProcessNode, TaskNode };

export type ProcessCategory = "outgoing" | "incoming" | "general";
export const PROCESS_CATEGORIES: readonly ProcessCategory[] = ["outgoing", "incoming", "general"];

export interface ProcessItem {
  id: number;
  key: string;
  name: string;
  category: ProcessCategory;
  /** The unit it was adapted for; null for the city-wide default. */
  unit: Ref | null;
  latestVersion: number;
  enabled: boolean;
  updatedAt: string;
  abilities: { update: boolean; adapt: boolean };
}

export interface ProcessList {
  items: ProcessItem[];
  /** `units`: where the caller may adapt processes — everywhere, or these units and those below them. */
  abilities: { createCityWide: boolean; units: "all" | Ref[] };
}

export interface ProcessDetail extends ProcessItem {
  version: number;
  graph: ProcessGraph;
  bpmnXml: string;
  versions: { version: number; createdAt: string; createdBy: Ref | null }[];
  /** Names for the people and units the graph mentions, and the roles a rule may name. */
  refs: { users: Ref[]; units: Ref[]; roles: { code: string; name: string }[] };
  /** Step behaviours the 公文 module knows. */
  knownActions: string[];
}

export interface ProcessVersionDetail {
  processId: number;
  key: string;
  name: string;
  category: ProcessCategory;
  version: number;
  createdAt: string;
  graph: ProcessGraph;
  bpmnXml: string;
}

export interface ValidationResult {
  graph: ProcessGraph | null;
  problems: BpmnProblem[];
  /** With `layout`: the process drawn anew, when it is valid. */
  xml?: string;
}

/** A unit's adaptation of a process, or a new process from a graph or a BPMN document. */
export type ProcessCreate =
  | { copyOf: number; unitId: number; name?: string }
  | ({ name: string; category: ProcessCategory; unitId: number | null; key?: string } & (
      { graph: ProcessGraph } | { xml: string }
    ));

export const listProcesses = (query: { category?: ProcessCategory; unit?: number | "city" } = {}) =>
  http.get<ProcessList>("/api/oa/processes", { ...query });

export const getProcess = (id: number) => http.get<ProcessDetail>(`/api/oa/processes/${id}`);

export const getProcessVersion = (id: number, version: number) =>
  http.get<ProcessVersionDetail>(`/api/oa/processes/${id}/versions/${version}`);

export const createProcess = (body: ProcessCreate) =>
  http.post<ProcessItem & { version: number }>("/api/oa/processes", body);

export const updateProcess = (id: number, body: { xml?: string; name?: string; enabled?: boolean }) =>
  request<ProcessItem & { version: number; created: boolean }>("PUT", `/api/oa/processes/${id}`, { body });

export const validateBpmn = (xml: string, layout = false) =>
  http.post<ValidationResult>("/api/oa/processes/validate", { xml, ...(layout ? { layout } : {}) });

/** Where the browser downloads a version's .bpmn file (a plain link: the server names the file). */
export const bpmnDownloadUrl = (id: number, version?: number) =>
  `/api/oa/processes/${id}/bpmn${version ? `?version=${version}` : ""}`;
