import { BpmnModdle, type BpmnTypeMap } from "bpmn-moddle";
import type { ModdleElement } from "moddle";
import type { BpmnDefinitions, BpmnExtensionElements, BpmnFlowElement } from "bpmn-moddle/types";
import {
  AssigneeRuleSchema,
  NodeSchema,
  ProcessGraphSchema,
  graphProblems,
  type AssigneeRule,
  type Flow,
  type ProcessGraph,
  type ProcessNode,
} from "./definition.js";
import { parseExpression } from "./expression.js";
import { yongModdlePackage } from "./bpmnExtension.js";
import type { BpmnProblem, BpmnProblemCode } from "./bpmnProblem.js";

/**
 * BPMN 2.0 XML of the subset the engine runs, to and from the graph format
 * (definition.ts), so definitions can be drawn in the designer (bpmn-js) or in
 * a standard tool (Camunda Modeler, bpmn.io) and exported back to them.
 *
 *   startEvent, endEvent                       start, end
 *   userTask (a plain task is read as one)     userTask
 *   userTask + multiInstanceLoopCharacteristics countersign: isSequential → "sequential";
 *                                              parallel with a one-of completionCondition → "any"; else "all"
 *   exclusiveGateway (its `default` flow)      exclusive (the flow's isDefault)
 *   sequenceFlow + conditionExpression         flow + condition (expression.ts, the body as it is)
 *
 * The assignee rule, action, deadline and reminder live in the `yong`
 * namespace (bpmnExtension.ts). Anything else that changes how a process runs
 * (parallel gateways, service tasks, timers, sub-processes, …) is reported as
 * a problem naming the element; documentation-only parts (lanes, annotations,
 * groups, data objects) are ignored.
 */

export type { BpmnProblem, BpmnProblemCode } from "./bpmnProblem.js";

type Bpmn<K extends keyof BpmnTypeMap> = BpmnTypeMap[K];

type Bounds = {
  x: number;
  y: number;
  width: number;
  height: number;
};
type Point = {
  x: number;
  y: number;
};

function moddle(): BpmnModdle {
  return new BpmnModdle({ yong: yongModdlePackage });
}

function is<K extends keyof BpmnTypeMap>(element: { $type: string } | undefined, type: K): element is Bpmn<K> {
  return element?.$type === type;
}

/** Camunda's completion condition for "the first one to finish completes the node", as bpmn.io users write it. */
const ONE_OF_CONDITION = "${nrOfCompletedInstances >= 1}";

/** A completion condition that means one completed instance suffices, in the spellings tools produce. */
function meansOneOf(body: string | undefined): boolean {
  if (!body) return false;
  const bare = body
    .trim()
    .replace(/^[$#]\{([\s\S]*)\}$/, "$1")
    .replace(/\s+/g, "");
  return /^(nrOfCompletedInstances(>=1|>0|==1|===1)|nrOfCompletedInstances\/nrOfInstances>0)$/.test(bare);
}

/** Expression bodies written for JUEL-speaking engines (`${amount > 1000}`) are read without the wrapper. */
function conditionBody(body: string | undefined): string | undefined {
  const trimmed = body?.trim();
  if (!trimmed) return undefined;
  const wrapped = /^\$\{([\s\S]*)\}$/.exec(trimmed);
  return wrapped ? wrapped[1]!.trim() : trimmed;
}

// ---------------------------------------------------------------------------------------------
// Graph → BPMN

const SIZE: Record<ProcessNode["type"], { width: number; height: number }> = {
  start: { width: 36, height: 36 },
  end: { width: 36, height: 36 },
  exclusive: { width: 50, height: 50 },
  userTask: { width: 100, height: 80 },
  countersign: { width: 100, height: 80 },
};
const BPMN_TYPE: Record<ProcessNode["type"], string> = {
  start: "bpmn:StartEvent",
  end: "bpmn:EndEvent",
  exclusive: "bpmn:ExclusiveGateway",
  userTask: "bpmn:UserTask",
  countersign: "bpmn:UserTask",
};
const COLUMN = 170;
const ROW = 140;
const ORIGIN = { x: 120, y: 140 };

/** The positions a previous version of the document had, by BPMN element id. */
interface PreviousLayout {
  shapes: Map<string, { bounds: Bounds; type: string; label?: Bounds }>;
  edges: Map<string, { from?: string; to?: string; waypoints: Point[]; label?: Bounds }>;
}

const boundsOf = (b: { x?: number; y?: number; width?: number; height?: number } | undefined): Bounds | undefined =>
  b ? { x: b.x ?? 0, y: b.y ?? 0, width: b.width ?? 0, height: b.height ?? 0 } : undefined;

async function previousLayout(xml: string | undefined): Promise<PreviousLayout> {
  const layout: PreviousLayout = { shapes: new Map(), edges: new Map() };
  if (!xml) return layout;
  let definitions: ModdleElement<BpmnDefinitions>;
  try {
    definitions = (await moddle().fromXML(xml)).rootElement;
  } catch {
    // An unreadable previous document only means there is no layout to keep.
    return layout;
  }
  for (const diagram of definitions.diagrams ?? []) {
    for (const item of diagram.plane?.planeElement ?? []) {
      if (is(item, "bpmndi:BPMNShape")) {
        const element = item.bpmnElement;
        const bounds = boundsOf(item.bounds);
        if (!element?.id || !bounds) continue;
        layout.shapes.set(element.id, { bounds, type: element.$type, label: boundsOf(item.label?.bounds) });
      } else if (is(item, "bpmndi:BPMNEdge")) {
        const flow = item.bpmnElement;
        if (!flow?.id) continue;
        layout.edges.set(flow.id, {
          from: is(flow, "bpmn:SequenceFlow") ? flow.sourceRef?.id : undefined,
          to: is(flow, "bpmn:SequenceFlow") ? flow.targetRef?.id : undefined,
          waypoints: (item.waypoint ?? []).map((p) => ({ x: p.x ?? 0, y: p.y ?? 0 })),
          label: boundsOf(item.label?.bounds),
        });
      }
    }
  }
  return layout;
}

/**
 * Columns by the longest path from the start (flows that loop back are left
 * out of the count), rows in the order the graph lists its nodes. Enough for a
 * readable left-to-right picture of an approval chain with a few branches.
 */
function columns(graph: ProcessGraph): Map<string, number> {
  const out = new Map<string, Flow[]>();
  for (const flow of graph.flows) out.set(flow.from, [...(out.get(flow.from) ?? []), flow]);
  const back = new Set<string>();
  const state = new Map<string, "open" | "done">();
  const visit = (root: string) => {
    const stack: { id: string; next: number }[] = [{ id: root, next: 0 }];
    state.set(root, "open");
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const flow = (out.get(top.id) ?? [])[top.next++];
      if (!flow) {
        state.set(top.id, "done");
        stack.pop();
        continue;
      }
      const seen = state.get(flow.to);
      if (seen === "open") back.add(flow.id);
      else if (!seen) {
        state.set(flow.to, "open");
        stack.push({ id: flow.to, next: 0 });
      }
    }
  };
  const start = graph.nodes.find((n) => n.type === "start");
  if (start) visit(start.id);
  for (const node of graph.nodes) if (!state.has(node.id)) visit(node.id);

  const forward = graph.flows.filter((f) => !back.has(f.id) && f.from !== f.to);
  const indegree = new Map(graph.nodes.map((n) => [n.id, 0]));
  for (const flow of forward) if (indegree.has(flow.to)) indegree.set(flow.to, indegree.get(flow.to)! + 1);
  const column = new Map(graph.nodes.map((n) => [n.id, 0]));
  const queue = graph.nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  while (queue.length) {
    const id = queue.shift()!;
    for (const flow of forward.filter((f) => f.from === id)) {
      if (!column.has(flow.to)) continue;
      column.set(flow.to, Math.max(column.get(flow.to)!, column.get(id)! + 1));
      indegree.set(flow.to, indegree.get(flow.to)! - 1);
      if (indegree.get(flow.to) === 0) queue.push(flow.to);
    }
  }
  return column;
}

function layoutShapes(
  graph: ProcessGraph,
  previous: PreviousLayout,
): { shapes: Map<string, Bounds>; kept: Set<string> } {
  const shapes = new Map<string, Bounds>();
  const kept = new Set<string>();
  for (const node of graph.nodes) {
    const old = previous.shapes.get(node.id);
    if (!old) continue;
    const size = SIZE[node.type];
    // The same kind of element keeps its size (a task may have been resized); another kind is centred where it was.
    shapes.set(
      node.id,
      old.type === BPMN_TYPE[node.type] || (old.type === "bpmn:Task" && BPMN_TYPE[node.type] === "bpmn:UserTask")
        ? old.bounds
        : {
            x: old.bounds.x + old.bounds.width / 2 - size.width / 2,
            y: old.bounds.y + old.bounds.height / 2 - size.height / 2,
            ...size,
          },
    );
    kept.add(node.id);
  }
  // New nodes go in their column, below whatever was kept so they never sit on top of it.
  const below = kept.size ? Math.max(...[...shapes.values()].map((b) => b.y + b.height)) + ROW / 2 : ORIGIN.y - ROW / 2;
  const column = columns(graph);
  const rowsUsed = new Map<number, number>();
  for (const node of graph.nodes) {
    if (shapes.has(node.id)) continue;
    const col = column.get(node.id) ?? 0;
    const row = rowsUsed.get(col) ?? 0;
    rowsUsed.set(col, row + 1);
    const size = SIZE[node.type];
    const cx = ORIGIN.x + col * COLUMN;
    const cy = below + ROW / 2 + row * ROW;
    shapes.set(node.id, { x: Math.round(cx - size.width / 2), y: Math.round(cy - size.height / 2), ...size });
  }
  return { shapes, kept };
}

const centre = (b: Bounds): Point => ({ x: Math.round(b.x + b.width / 2), y: Math.round(b.y + b.height / 2) });

/** Orthogonal waypoints: straight when in line and unobstructed, round the nodes in between otherwise. */
function route(from: Bounds, to: Bounds, others: Bounds[]): Point[] {
  const a = centre(from);
  const b = centre(to);
  const right = from.x + from.width;
  if (to.x >= right) {
    if (Math.abs(a.y - b.y) < 1) {
      const blocking = others.filter((o) => o.x < to.x && o.x + o.width > right && o.y < a.y && o.y + o.height > a.y);
      if (!blocking.length)
        return [
          { x: right, y: a.y },
          { x: to.x, y: b.y },
        ];
      const lane = Math.max(from.y + from.height, to.y + to.height, ...blocking.map((o) => o.y + o.height)) + 40;
      return [
        { x: a.x, y: from.y + from.height },
        { x: a.x, y: lane },
        { x: b.x, y: lane },
        { x: b.x, y: to.y + to.height },
      ];
    }
    const mid = Math.round((right + to.x) / 2);
    return [
      { x: right, y: a.y },
      { x: mid, y: a.y },
      { x: mid, y: b.y },
      { x: to.x, y: b.y },
    ];
  }
  // Backwards (a return to an earlier step): over the top of everything between.
  const lo = Math.min(from.x, to.x);
  const hi = Math.max(from.x + from.width, to.x + to.width);
  const between = others.filter((o) => o.x + o.width > lo && o.x < hi);
  const lane = Math.min(from.y, to.y, ...between.map((o) => o.y)) - 40;
  return [
    { x: a.x, y: from.y },
    { x: a.x, y: lane },
    { x: b.x, y: lane },
    { x: b.x, y: to.y },
  ];
}

/**
 * The graph as a BPMN 2.0 document with its diagram. Shapes of elements that
 * `previousXml` already showed stay where the administrator put them; new
 * ones are laid out left to right. `key` and `name` name the process element.
 */
export async function graphToBpmn(
  graph: ProcessGraph,
  meta: { key: string; name: string },
  previousXml?: string | null,
): Promise<string> {
  const bpmn = moddle();
  const process = bpmn.create("bpmn:Process", { id: meta.key, name: meta.name, isExecutable: true });
  const elements = new Map<string, ModdleElement>();

  for (const node of graph.nodes) {
    const element = bpmn.create(BPMN_TYPE[node.type], { id: node.id, name: node.name });
    if (node.type === "userTask" || node.type === "countersign") {
      if (node.action) element.set("yong:action", node.action);
      if (node.deadlineHours !== undefined) element.set("yong:deadlineHours", String(node.deadlineHours));
      if (node.remindBeforeHours !== undefined) element.set("yong:remindBeforeHours", String(node.remindBeforeHours));
      element.set(
        "extensionElements",
        bpmn.create("bpmn:ExtensionElements", {
          values: [bpmn.create("yong:Assignee", assigneeAttributes(node.assignee))],
        }),
      );
      if (node.type === "countersign") {
        const loop = bpmn.create("bpmn:MultiInstanceLoopCharacteristics", { isSequential: node.mode === "sequential" });
        if (node.mode === "any")
          loop.completionCondition = bpmn.create("bpmn:FormalExpression", { body: ONE_OF_CONDITION });
        element.set("loopCharacteristics", loop);
      }
    }
    elements.set(node.id, element);
  }

  const flows = new Map<string, Bpmn<"bpmn:SequenceFlow">>();
  for (const flow of graph.flows) {
    const source = elements.get(flow.from);
    const target = elements.get(flow.to);
    const element = bpmn.create("bpmn:SequenceFlow", { id: flow.id, sourceRef: source, targetRef: target });
    if (flow.name) element.name = flow.name;
    if (flow.condition) element.conditionExpression = bpmn.create("bpmn:FormalExpression", { body: flow.condition });
    // bpmn.io writes each node's incoming and outgoing flows; so do we, for tools that read them.
    if (source) source.set("outgoing", [...(source.get<ModdleElement[]>("outgoing") ?? []), element]);
    if (target) target.set("incoming", [...(target.get<ModdleElement[]>("incoming") ?? []), element]);
    if (flow.isDefault && source) source.set("default", element);
    flows.set(flow.id, element);
  }
  process.flowElements = [...elements.values(), ...flows.values()];

  const previous = await previousLayout(previousXml ?? undefined);
  const { shapes, kept } = layoutShapes(graph, previous);
  const planeElements: ModdleElement[] = [];
  for (const node of graph.nodes) {
    const bounds = shapes.get(node.id)!;
    const shape = bpmn.create("bpmndi:BPMNShape", {
      id: `${node.id}_di`,
      bpmnElement: elements.get(node.id),
      bounds: bpmn.create("dc:Bounds", bounds),
    });
    if (node.type === "exclusive") shape.isMarkerVisible = true;
    const label = kept.has(node.id) ? previous.shapes.get(node.id)?.label : undefined;
    if (label) shape.label = bpmn.create("bpmndi:BPMNLabel", { bounds: bpmn.create("dc:Bounds", label) });
    planeElements.push(shape);
  }
  const all = [...shapes.entries()];
  for (const flow of graph.flows) {
    const from = shapes.get(flow.from);
    const to = shapes.get(flow.to);
    if (!from || !to) continue;
    const old = previous.edges.get(flow.id);
    const keep = old && old.from === flow.from && old.to === flow.to && kept.has(flow.from) && kept.has(flow.to);
    const others = all.filter(([id]) => id !== flow.from && id !== flow.to).map(([, b]) => b);
    const waypoints = keep ? old.waypoints : route(from, to, others);
    const edge = bpmn.create("bpmndi:BPMNEdge", {
      id: `${flow.id}_di`,
      bpmnElement: flows.get(flow.id),
      waypoint: waypoints.map((p) => bpmn.create("dc:Point", p)),
    });
    if (keep && old.label)
      edge.label = bpmn.create("bpmndi:BPMNLabel", { bounds: bpmn.create("dc:Bounds", old.label) });
    planeElements.push(edge);
  }
  const plane = bpmn.create("bpmndi:BPMNPlane", {
    id: `BPMNPlane_${meta.key}`,
    bpmnElement: process,
    planeElement: planeElements,
  });
  const definitions = bpmn.create("bpmn:Definitions", {
    id: `Definitions_${meta.key}`,
    targetNamespace: "http://bpmn.io/schema/bpmn",
    exporter: "Yong Office",
    exporterVersion: "1",
    rootElements: [process],
    diagrams: [bpmn.create("bpmndi:BPMNDiagram", { id: `BPMNDiagram_${meta.key}`, plane })],
  });
  const { xml } = await bpmn.toXML(definitions, { format: true });
  return xml;
}

function assigneeAttributes(rule: AssigneeRule): Record<string, string> {
  switch (rule.kind) {
    case "users":
      return { kind: rule.kind, userIds: rule.userIds.join(",") };
    case "role":
      return {
        kind: rule.kind,
        roleCode: rule.roleCode,
        within: rule.within,
        ...(rule.unitId !== undefined ? { unitId: String(rule.unitId) } : {}),
      };
    case "field":
      return { kind: rule.kind, field: rule.field };
    default:
      return { kind: rule.kind };
  }
}

// ---------------------------------------------------------------------------------------------
// BPMN → graph

/** Flow elements that only document the process: read past without a word. */
const DOCUMENTATION_ONLY = new Set(["bpmn:DataObject", "bpmn:DataObjectReference", "bpmn:DataStoreReference"]);

const ID = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function nameOf(element: { name?: string; id?: string }): string {
  const name = element.name?.replace(/\s+/g, " ").trim();
  return name || element.id || "";
}

function problem(code: BpmnProblemCode, message: string, elementId?: string, params?: Record<string, string>) {
  return { code, message, ...(elementId ? { elementId } : {}), ...(params ? { params } : {}) };
}

/** A number of hours from a `yong:` attribute; absent is fine, anything but a positive number is a problem. */
function hours(
  element: ModdleElement<BpmnFlowElement>,
  attribute: "deadlineHours" | "remindBeforeHours",
  problems: BpmnProblem[],
): number | undefined {
  const raw = element.get<string | undefined>(`yong:${attribute}`);
  if (raw === undefined || raw.trim() === "") return undefined;
  const value = Number(raw.trim());
  if (!Number.isFinite(value) || value <= 0) {
    problems.push(
      problem(
        "invalid_attribute",
        `${attribute} of ${element.id ?? "?"} is not a number of hours: "${raw}"`,
        element.id,
        {
          attribute,
          value: raw,
        },
      ),
    );
    return undefined;
  }
  return value;
}

function assigneeOf(
  task: ModdleElement<BpmnFlowElement>,
  name: string,
  problems: BpmnProblem[],
): AssigneeRule | undefined {
  const id = task.id ?? "";
  const values = task.get<ModdleElement<BpmnExtensionElements> | undefined>("extensionElements")?.values;
  const found = (values ?? []).filter((v) => v.$type === "yong:Assignee");
  if (found.length === 0) {
    problems.push(problem("missing_assignee", `the task ${name} (${id}) has no assignee`, id, { name }));
    return undefined;
  }
  if (found.length > 1) {
    problems.push(
      problem("invalid_assignee", `the task ${name} (${id}) has ${found.length} assignees`, id, {
        name,
        reason: "more than one",
      }),
    );
    return undefined;
  }
  const element = found[0]!;
  const attr = (key: string) => {
    const value = element.get<string | undefined>(key)?.trim();
    return value ? value : undefined;
  };
  const unitId = attr("unitId");
  const candidate = {
    kind: attr("kind"),
    ...(attr("userIds") !== undefined
      ? {
          userIds: attr("userIds")!
            .split(/[\s,，]+/)
            .filter(Boolean)
            .map(Number),
        }
      : {}),
    ...(attr("roleCode") !== undefined ? { roleCode: attr("roleCode") } : {}),
    ...(attr("within") !== undefined ? { within: attr("within") } : {}),
    ...(unitId !== undefined ? { unitId: Number(unitId) } : {}),
    ...(attr("field") !== undefined ? { field: attr("field") } : {}),
  };
  const parsed = AssigneeRuleSchema.safeParse(candidate);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((i) => `${i.path.join(".") || "kind"}: ${i.message}`).join("; ");
    problems.push(
      problem("invalid_assignee", `the assignee of ${name} (${id}) is not valid: ${reason}`, id, { name, reason }),
    );
    return undefined;
  }
  return parsed.data;
}

/** A user task (or a plain task, read as one), with or without multi-instance, as a graph node. */
function taskNode(task: ModdleElement<BpmnFlowElement>, problems: BpmnProblem[]): ProcessNode | undefined {
  const id = task.id ?? "";
  const name = nameOf(task);
  const loop = task.get<ModdleElement | undefined>("loopCharacteristics");
  let mode: "all" | "any" | "sequential" | undefined;
  if (loop) {
    if (!is(loop, "bpmn:MultiInstanceLoopCharacteristics")) {
      problems.push(
        problem("unsupported_loop", `the task ${name} (${id}) repeats in a loop, which is not supported`, id, {
          name,
          type: loop.$type,
        }),
      );
      return undefined;
    }
    mode = loop.isSequential ? "sequential" : meansOneOf(loop.completionCondition?.body) ? "any" : "all";
  }
  const before = problems.length;
  const assignee = assigneeOf(task, name, problems);
  const action = task.get<string | undefined>("yong:action")?.trim();
  const deadlineHours = hours(task, "deadlineHours", problems);
  const remindBeforeHours = hours(task, "remindBeforeHours", problems);
  if (!assignee || problems.length > before) return undefined;
  const fields = {
    id,
    name,
    assignee,
    ...(action ? { action } : {}),
    ...(deadlineHours !== undefined ? { deadlineHours } : {}),
    ...(remindBeforeHours !== undefined ? { remindBeforeHours } : {}),
  };
  return mode ? { ...fields, type: "countersign", mode } : { ...fields, type: "userTask" };
}

function unsupported(element: ModdleElement<BpmnFlowElement>): BpmnProblem {
  const id = element.id ?? "";
  const name = nameOf(element);
  // A timer or message says more than "an intermediate event": name the definition too.
  const definition = element.get<ModdleElement[] | undefined>("eventDefinitions")?.[0]?.$type;
  const what = definition ? `${element.$type} (${definition})` : element.$type;
  return problem("unsupported_element", `${what} ${name} (${id}) is not supported`, id, {
    type: element.$type,
    name,
    ...(definition ? { definition } : {}),
  });
}

function eventNode(
  element: Bpmn<"bpmn:StartEvent"> | Bpmn<"bpmn:EndEvent">,
  type: "start" | "end",
  problems: BpmnProblem[],
): ProcessNode | undefined {
  const id = element.id ?? "";
  const definition = element.eventDefinitions?.[0];
  if (definition) {
    problems.push(
      problem(
        "unsupported_event",
        `${element.$type} ${nameOf(element)} (${id}) is a ${definition.$type}, which is not supported`,
        id,
        { type: definition.$type, name: nameOf(element) },
      ),
    );
    return undefined;
  }
  return { id, type, name: nameOf(element) };
}

/** The process of the document that holds the flow (a pool's process when drawn in a collaboration). */
function pickProcess(
  definitions: ModdleElement<BpmnDefinitions>,
  problems: BpmnProblem[],
): Bpmn<"bpmn:Process"> | undefined {
  const processes: Bpmn<"bpmn:Process">[] = [];
  for (const root of definitions.rootElements ?? []) {
    if (is(root, "bpmn:Process")) {
      if (root.flowElements?.length) processes.push(root);
    } else if (is(root, "bpmn:Collaboration")) {
      for (const message of root.messageFlows ?? []) problems.push(unsupported(message));
    }
  }
  if (processes.length === 0) {
    problems.push(problem("no_process", "the document has no process with elements"));
    return undefined;
  }
  if (processes.length > 1) {
    const ids = processes.map((p) => p.id ?? "?").join(", ");
    problems.push(
      problem(
        "several_processes",
        `the document has ${processes.length} processes (${ids}); one is supported`,
        undefined,
        { ids },
      ),
    );
    return undefined;
  }
  return processes[0];
}

/**
 * Reads a BPMN 2.0 document into the graph format. `graph` is null unless the
 * document is a runnable process of the supported subset; `problems` says
 * what stands in the way, each naming its element where there is one. Never
 * throws for bad input: XML that does not parse is a problem too.
 */
export async function bpmnToGraph(
  xml: string,
): Promise<{ graph: ProcessGraph | null; problems: BpmnProblem[]; process?: { key: string; name: string } }> {
  const problems: BpmnProblem[] = [];
  let definitions: ModdleElement<BpmnDefinitions>;
  try {
    const parsed = await moddle().fromXML(xml);
    definitions = parsed.rootElement;
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
    return {
      graph: null,
      problems: [problem("xml_invalid", `not a BPMN 2.0 document: ${reason}`, undefined, { reason })],
    };
  }
  if (!is(definitions, "bpmn:Definitions")) {
    return { graph: null, problems: [problem("xml_invalid", "not a BPMN 2.0 document", undefined, { reason: "" })] };
  }
  const process = pickProcess(definitions, problems);
  if (!process) return { graph: null, problems };

  const nodes: ProcessNode[] = [];
  /** Every node in its place, those with problems of their own included: what the structural checks read. */
  const shape: ProcessNode[] = [];
  const known = new Set<string>();
  /** Some element could not be read at all: checks of the whole would only repeat its absence. */
  let incomplete = false;
  const sequenceFlows: Bpmn<"bpmn:SequenceFlow">[] = [];
  const defaults = new Set<string>();
  for (const element of process.flowElements ?? []) {
    const id = element.id ?? "";
    if (DOCUMENTATION_ONLY.has(element.$type)) continue;
    if (!ID.test(id)) {
      problems.push(
        problem(
          "invalid_element",
          `the id "${id}" of ${element.$type} is not usable: a letter or _ first, then letters, digits, _ . -`,
          id,
          {
            type: element.$type,
            field: "id",
            reason: "format",
          },
        ),
      );
      incomplete = true;
      continue;
    }
    let node: ProcessNode | undefined;
    if (is(element, "bpmn:SequenceFlow")) {
      sequenceFlows.push(element);
      continue;
    } else if (is(element, "bpmn:StartEvent") || is(element, "bpmn:EndEvent")) {
      node = eventNode(element, element.$type === "bpmn:StartEvent" ? "start" : "end", problems);
      if (!node) incomplete = true;
    } else if (is(element, "bpmn:ExclusiveGateway")) {
      node = { id, type: "exclusive", name: nameOf(element) };
      if (element.default?.id) defaults.add(element.default.id);
    } else if (is(element, "bpmn:UserTask") || element.$type === "bpmn:Task") {
      node = taskNode(element, problems);
      // A task whose attributes need fixing still has its place in the flow: the structure is checked with it.
      if (!node) shape.push({ id, type: "userTask", name: nameOf(element), assignee: { kind: "drafter" } });
    } else {
      problems.push(unsupported(element));
      incomplete = true;
      continue;
    }
    if (!node) {
      known.add(id);
      continue;
    }
    const checked = NodeSchema.safeParse(node);
    if (!checked.success) {
      for (const issue of checked.error.issues)
        problems.push(
          problem("invalid_element", `${node.name} (${id}): ${issue.path.join(".")} ${issue.message}`, id, {
            type: element.$type,
            field: issue.path.join("."),
            reason: issue.message,
          }),
        );
      shape.push(node);
      known.add(id);
      continue;
    }
    nodes.push(checked.data);
    shape.push(checked.data);
    known.add(id);
  }

  const flows: Flow[] = [];
  const badConditions = new Set<string>();
  for (const element of sequenceFlows) {
    const id = element.id ?? "";
    const from = element.sourceRef?.id;
    const to = element.targetRef?.id;
    if (!from || !to) {
      problems.push(problem("flow_unconnected", `the flow ${id} is not connected at both ends`, id));
      incomplete = true;
      continue;
    }
    const condition = conditionBody(element.conditionExpression?.body);
    if (condition !== undefined) {
      try {
        parseExpression(condition);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        problems.push(
          problem("condition_invalid", `the condition of flow ${id} does not parse: ${reason}`, id, {
            condition,
            reason,
          }),
        );
        badConditions.add(id);
      }
    }
    const name = element.name?.replace(/\s+/g, " ").trim();
    const flow: Flow = {
      id,
      from,
      to,
      ...(name ? { name } : {}),
      ...(condition !== undefined ? { condition } : {}),
      ...(defaults.has(id) ? { isDefault: true } : {}),
    };
    // A flow into or out of an element already reported would only add "unknown node" noise.
    if (known.has(from) && known.has(to)) flows.push(flow);
  }

  for (const found of incomplete ? [] : graphProblems({ nodes: shape, flows })) {
    // The parser's own report of a bad condition, with the flow id, came first.
    if (found.code === "condition_invalid" && found.elementId && badConditions.has(found.elementId)) continue;
    problems.push(problem(found.code, found.message, found.elementId, found.params));
  }
  const candidate = { nodes, flows };
  if (problems.length) return { graph: null, problems };
  const parsed = ProcessGraphSchema.safeParse(candidate);
  if (!parsed.success) {
    return {
      graph: null,
      problems: parsed.error.issues.map((i) => problem("graph", `${i.path.join(".")} ${i.message}`.trim())),
    };
  }
  return {
    graph: parsed.data,
    problems,
    process: { key: process.id ?? "process", name: process.name?.trim() || process.id || "process" },
  };
}
