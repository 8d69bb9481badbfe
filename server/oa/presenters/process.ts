import type { ProcessGraph } from "../engine/definition.js";
import type { Process, ProcessVersion } from "../models/engine.js";

type Ref = { id: number; name: string };

/** A process in the list: what it is, where it applies, its latest version, and what the viewer may do with it. */
export function presentProcess(process: Process, unit: Ref | null, abilities: { update: boolean; adapt: boolean }) {
  return {
    id: process.id,
    key: process.key,
    name: process.name,
    category: process.category,
    unit: unit ? { id: unit.id, name: unit.name } : null,
    latestVersion: process.latestVersion,
    enabled: process.enabled,
    updatedAt: process.updatedAt,
    abilities,
  };
}

export function presentVersionSummary(version: ProcessVersion, createdBy: Ref | null) {
  return { version: version.version, createdAt: version.createdAt, createdBy };
}

/** One version as the designer and the document page draw it: the graph the engine runs and its diagram. */
export function presentProcessVersion(process: Process, version: ProcessVersion, graph: ProcessGraph, bpmnXml: string) {
  return {
    processId: process.id,
    key: process.key,
    name: process.name,
    category: process.category,
    version: version.version,
    createdAt: version.createdAt,
    graph,
    bpmnXml,
  };
}
