import { Op, UniqueConstraintError, type Sequelize, type Transaction } from "sequelize";
import { AppError, conflict } from "../../core/errors.js";
import { Unit } from "../../org/models/index.js";
import { bpmnToGraph, graphToBpmn } from "../engine/bpmn.js";
import { ProcessGraphSchema, isTaskNode, type ProcessGraph } from "../engine/definition.js";
import { Process, ProcessVersion, type ProcessCategory } from "../models/engine.js";
import { DEFAULT_PROCESSES } from "./defaultProcesses.js";

/**
 * Process definitions as data: a process (key, name, category, the unit it
 * was adapted for) and its versions, each a graph the engine runs and the
 * BPMN it was drawn as. Saving makes a new version; a running instance keeps
 * the one it started on (it holds the version's id).
 */

export interface ProcessWithVersion {
  process: Process;
  version: ProcessVersion;
}

/** Where a new version's graph comes from: the graph itself (its diagram is then generated) or a BPMN document. */
export type ProcessSource = { graph: ProcessGraph } | { bpmnXml: string };

/**
 * Categories the engine looks up by unit (findProcessForUnit) hold one enabled
 * process per unit and one city-wide; "general" processes are started by key
 * and may be many.
 */
const ONE_PER_UNIT: ReadonlySet<ProcessCategory> = new Set(["outgoing", "incoming"]);

/** The step behaviours the 公文 module knows (the actions of the default processes), offered by the designer. */
export const KNOWN_ACTIONS: readonly string[] = [
  ...new Set(
    DEFAULT_PROCESSES.flatMap((p) => p.graph.nodes.filter(isTaskNode).flatMap((n) => (n.action ? [n.action] : []))),
  ),
];

/** The graph, checked as the engine will read it; 400 with the problems otherwise. */
export function checkedGraph(graph: unknown): ProcessGraph {
  const parsed = ProcessGraphSchema.safeParse(graph);
  if (parsed.success) return parsed.data;
  throw new AppError(400, "process_graph_invalid", "The process cannot run as drawn", {
    problems: parsed.error.issues.map((i) => i.message),
  });
}

/** The graph a BPMN document describes; 400 with its problems (each naming its element) otherwise. */
export async function graphFromBpmn(xml: string): Promise<ProcessGraph> {
  const { graph, problems } = await bpmnToGraph(xml);
  if (graph) return graph;
  throw new AppError(400, "process_bpmn_invalid", "The BPMN document is not a process this system can run", {
    problems,
  });
}

/** The graph and diagram of a version as the engine and the designer read them. */
export function graphOfVersion(version: ProcessVersion): ProcessGraph {
  return ProcessGraphSchema.parse(JSON.parse(version.graph));
}

/** A version's BPMN; versions saved without one (by the engine's tests, by hand) get a generated diagram. */
export async function bpmnOfVersion(process: Process, version: ProcessVersion): Promise<string> {
  return version.bpmnXml ?? (await graphToBpmn(graphOfVersion(version), process));
}

async function resolveSource(
  source: ProcessSource,
  meta: { key: string; name: string },
  previousXml: string | null,
): Promise<{ graph: ProcessGraph; bpmnXml: string }> {
  if ("bpmnXml" in source) return { graph: await graphFromBpmn(source.bpmnXml), bpmnXml: source.bpmnXml };
  const graph = checkedGraph(source.graph);
  return { graph, bpmnXml: await graphToBpmn(graph, meta, previousXml) };
}

/** Refuses a second enabled process of a one-per-unit category for the same unit (or city-wide). */
async function ensureOnlyEnabled(
  props: { category: ProcessCategory; unitId: number | null; exceptId?: number },
  t: Transaction,
): Promise<void> {
  if (!ONE_PER_UNIT.has(props.category)) return;
  const other = await Process.findOne({
    where: {
      category: props.category,
      unitId: props.unitId,
      enabled: true,
      ...(props.exceptId ? { id: { [Op.ne]: props.exceptId } } : {}),
    },
    transaction: t,
  });
  if (other) {
    throw conflict("process_exists_for_unit", "This unit already has an enabled process of this kind", {
      name: other.name,
      id: other.id,
    });
  }
}

/** `base`, or base-2, base-3 … whichever no process has yet. */
async function freeKey(base: string, t: Transaction): Promise<string> {
  const stem = base.slice(0, 56);
  const taken = new Set(
    (await Process.findAll({ attributes: ["key"], where: { key: { [Op.like]: `${stem}%` } }, transaction: t })).map(
      (p) => p.key,
    ),
  );
  if (!taken.has(stem)) return stem;
  for (let n = 2; ; n++) if (!taken.has(`${stem}-${n}`)) return `${stem}-${n}`;
}

/**
 * A new process with its first version. `key` defaults to one made from the
 * category and unit. Enabled at once; for 发文/收文 that needs the unit to have
 * no other enabled process of the kind (409 process_exists_for_unit).
 */
export async function createProcess(
  props: {
    key?: string;
    name: string;
    category: ProcessCategory;
    unitId: number | null;
    source: ProcessSource;
    createdById: number | null;
  },
  t: Transaction,
): Promise<ProcessWithVersion> {
  await ensureOnlyEnabled(props, t);
  let key = props.key;
  if (key) {
    if (await Process.findOne({ where: { key }, transaction: t }))
      throw conflict("process_key_taken", "Another process has this key", { key });
  } else key = await freeKey(`${props.category}.${props.unitId ? `u${props.unitId}` : "city"}`, t);
  const { graph, bpmnXml } = await resolveSource(props.source, { key, name: props.name }, null);
  const process = await Process.create(
    { key, name: props.name, category: props.category, unitId: props.unitId, latestVersion: 1, enabled: true },
    { transaction: t },
  );
  const version = await ProcessVersion.create(
    { processId: process.id, version: 1, graph: JSON.stringify(graph), bpmnXml, createdById: props.createdById },
    { transaction: t },
  );
  return { process, version };
}

/**
 * A unit's own copy of a process (usually the city-wide default), starting
 * from the source's latest version and its layout; the unit then adapts it
 * in the designer. Documents of the unit and the units below it use the copy.
 */
export async function adaptProcess(
  props: { source: Process; unit: Pick<Unit, "id">; name?: string; createdById: number | null },
  t: Transaction,
): Promise<ProcessWithVersion> {
  const latest = await processVersion(props.source.id, props.source.latestVersion, t);
  if (!latest) throw new Error(`process ${props.source.id} has no version ${props.source.latestVersion}`);
  const key = await freeKey(`${props.source.key}.u${props.unit.id}`, t);
  const name = props.name ?? props.source.name;
  const graph = graphOfVersion(latest);
  return createProcess(
    {
      key,
      name,
      category: props.source.category,
      unitId: props.unit.id,
      source: { bpmnXml: await graphToBpmn(graph, { key, name }, latest.bpmnXml) },
      createdById: props.createdById,
    },
    t,
  );
}

/**
 * Saves a new version of `process` from a graph or a BPMN document and makes
 * it the latest. The same graph again (and, from BPMN, the same document)
 * makes no version: `created` is false and the latest is returned. Two saves
 * at once take turns on the process row and get consecutive versions.
 */
export async function saveProcessVersion(
  props: { process: Process; source: ProcessSource; createdById: number | null },
  t: Transaction,
): Promise<{ version: ProcessVersion; created: boolean }> {
  const process = await Process.findByPk(props.process.id, { transaction: t, lock: t.LOCK.UPDATE });
  if (!process) throw new AppError(404, "not_found", "Process not found");
  const latest = await processVersion(process.id, process.latestVersion, t);
  const { graph, bpmnXml } = await resolveSource(props.source, process, latest?.bpmnXml ?? null);
  const text = JSON.stringify(graph);
  // Compared as parsed, so JSON written with its keys in another order (by hand, by a test) still counts as the same.
  const same = latest && JSON.stringify(graphOfVersion(latest)) === text;
  if (latest && same && ("graph" in props.source || latest.bpmnXml === bpmnXml)) {
    return { version: latest, created: false };
  }
  const number = process.latestVersion + 1;
  const version = await ProcessVersion.create(
    { processId: process.id, version: number, graph: text, bpmnXml, createdById: props.createdById },
    { transaction: t },
  );
  await process.update({ latestVersion: number }, { transaction: t });
  props.process.set({ latestVersion: number, updatedAt: process.updatedAt });
  return { version, created: true };
}

/** Renames, enables or disables a process (enabling checks that its unit has no other enabled one of the kind). */
export async function updateProcess(
  process: Process,
  changes: { name?: string; enabled?: boolean },
  t: Transaction,
): Promise<void> {
  if (changes.enabled && !process.enabled)
    await ensureOnlyEnabled({ category: process.category, unitId: process.unitId, exceptId: process.id }, t);
  await process.update(changes, { transaction: t });
}

/** One version of a process, or null. */
export async function processVersion(
  processId: number,
  version: number,
  t?: Transaction,
): Promise<ProcessVersion | null> {
  return ProcessVersion.findOne({ where: { processId, version }, transaction: t });
}

/** Ids of the units on the way from the root down to `unit`, from its materialised path ("/1/5/"). */
function lineage(unit: Pick<Unit, "id" | "path">): number[] {
  const ids = unit.path.split("/").filter(Boolean).map(Number);
  return ids.includes(unit.id) ? ids : [...ids, unit.id];
}

/**
 * The process a document of `unit` starts on: the enabled process of the
 * category adapted for the nearest unit up the tree (the unit itself first),
 * else the enabled city-wide one; with its latest version. Null when there is
 * none (every candidate disabled).
 */
export async function findProcessForUnit(
  category: ProcessCategory,
  unit: Pick<Unit, "id" | "path">,
  t?: Transaction,
): Promise<ProcessWithVersion | null> {
  const chain = lineage(unit);
  const candidates = await Process.findAll({
    where: { category, enabled: true, unitId: { [Op.or]: [{ [Op.in]: chain }, { [Op.is]: null }] } },
    order: [["id", "ASC"]],
    transaction: t,
  });
  const depth = (p: Process) => (p.unitId === null ? -1 : chain.indexOf(p.unitId));
  const nearest = candidates.reduce<Process | null>((best, p) => (!best || depth(p) > depth(best) ? p : best), null);
  if (!nearest) return null;
  const version = await processVersion(nearest.id, nearest.latestVersion, t);
  if (!version) throw new Error(`process ${nearest.id} has no version ${nearest.latestVersion}`);
  return { process: nearest, version };
}

/**
 * Creates each default process (defaultProcesses.ts) whose key does not
 * exist yet, as version 1 with a generated diagram. Runs at every start;
 * idempotent, and safe when several instances start at once: the unique key
 * lets one insert win and the others pass. Returns the keys it created.
 */
export async function ensureDefaultProcesses(sequelize: Sequelize): Promise<string[]> {
  const existing = new Set(
    (await Process.findAll({ attributes: ["key"], where: { key: DEFAULT_PROCESSES.map((p) => p.key) } })).map(
      (p) => p.key,
    ),
  );
  const created: string[] = [];
  for (const definition of DEFAULT_PROCESSES) {
    if (existing.has(definition.key)) continue;
    const bpmnXml = await graphToBpmn(definition.graph, definition);
    try {
      await sequelize.transaction(async (t) => {
        const process = await Process.create(
          {
            key: definition.key,
            name: definition.name,
            category: definition.category,
            unitId: null,
            latestVersion: 1,
            enabled: true,
          },
          { transaction: t },
        );
        await ProcessVersion.create(
          {
            processId: process.id,
            version: 1,
            graph: JSON.stringify(checkedGraph(definition.graph)),
            bpmnXml,
            createdById: null,
          },
          { transaction: t },
        );
      });
      created.push(definition.key);
    } catch (error) {
      // Another instance created it first.
      if (!(error instanceof UniqueConstraintError)) throw error;
    }
  }
  return created;
}

/** Processes for the list page, oldest first, optionally of one category or unit (null: the city-wide ones). */
export async function listProcesses(filter: {
  category?: ProcessCategory;
  unitId?: number | null;
}): Promise<Process[]> {
  return Process.findAll({
    where: {
      ...(filter.category ? { category: filter.category } : {}),
      ...(filter.unitId !== undefined ? { unitId: filter.unitId } : {}),
    },
    order: [
      ["category", "ASC"],
      ["id", "ASC"],
    ],
  });
}

/** The units processes are adapted for, by id (their names and paths for the list and the policy). */
export async function unitsOf(processes: readonly Process[], t?: Transaction): Promise<Map<number, Unit>> {
  const ids = [...new Set(processes.map((p) => p.unitId).filter((id): id is number => id !== null))];
  if (!ids.length) return new Map();
  const units = await Unit.findAll({ where: { id: ids }, transaction: t });
  return new Map(units.map((u) => [u.id, u]));
}
