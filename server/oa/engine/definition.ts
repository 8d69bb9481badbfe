import { z } from "zod";
import { parseExpression } from "./expression.js";

/**
 * A process definition as data: the graph the engine walks. Stored as JSON in
 * `oa_process_versions.graph`; a BPMN 2.0 document of the supported subset
 * converts to and from it (bpmn.ts).
 *
 * The engine knows nothing of 公文: a user task names an `action`, a key the
 * module on top (server/oa/services) uses to attach its own step behaviour
 * (the registrar numbers the document at the node whose action is "number").
 */

/** Who gets the tasks of a node, resolved when the node is entered. */
export const AssigneeRuleSchema = z.discriminatedUnion("kind", [
  /** These users. */
  z.object({ kind: z.literal("users"), userIds: z.array(z.number().int().positive()).min(1).max(200) }),
  /**
   * Holders of a role (by code) within the drafter's unit or department, or
   * within a named unit. A business role is given per unit; "department"
   * narrows the unit's holders to the drafter's department.
   */
  z.object({
    kind: z.literal("role"),
    roleCode: z.string().min(1).max(64),
    within: z.enum(["drafterUnit", "drafterDepartment", "unit"]),
    unitId: z.number().int().positive().optional(),
  }),
  /** The head of the drafter's department. */
  z.object({ kind: z.literal("departmentHead") }),
  /** The leaders (holders of the leader role) of the drafter's unit. */
  z.object({ kind: z.literal("unitLeader") }),
  /** Whoever the previous actor chose when completing their task. */
  z.object({ kind: z.literal("chosen") }),
  /** The user id(s) in a field of the form. */
  z.object({ kind: z.literal("field"), field: z.string().min(1).max(64) }),
  /** The person who started the instance. */
  z.object({ kind: z.literal("drafter") }),
]);
export type AssigneeRule = z.infer<typeof AssigneeRuleSchema>;

const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, "an id is a letter or _ followed by letters, digits, _ . -");
const name = z.string().trim().min(1).max(100);

const taskFields = {
  assignee: AssigneeRuleSchema,
  /** What the module does at this step ("review", "sign", "number", …); free text to the engine. */
  action: z
    .string()
    .max(32)
    .regex(/^[a-z][a-zA-Z]*$/)
    .optional(),
  /** Hours from entering the node until the task is due; none means no deadline. */
  deadlineHours: z
    .number()
    .positive()
    .max(24 * 365)
    .optional(),
  /** Hours before the deadline when the assignee is reminded. */
  remindBeforeHours: z
    .number()
    .positive()
    .max(24 * 30)
    .optional(),
};

export const NodeSchema = z.discriminatedUnion("type", [
  z.object({ id, type: z.literal("start"), name }),
  z.object({ id, type: z.literal("end"), name }),
  z.object({ id, type: z.literal("userTask"), name, ...taskFields }),
  /**
   * 会签: one task per signer. "all": every signer must agree (one return
   * returns the whole node); "any": the first agreement completes it (the other
   * tasks are cancelled); "sequential": one after another in the resolved order.
   */
  z.object({ id, type: z.literal("countersign"), name, mode: z.enum(["all", "any", "sequential"]), ...taskFields }),
  /** Takes the first outgoing flow whose condition holds, else the default flow. */
  z.object({ id, type: z.literal("exclusive"), name }),
]);
export type ProcessNode = z.infer<typeof NodeSchema>;
export type TaskNode = Extract<ProcessNode, { type: "userTask" | "countersign" }>;

export const FlowSchema = z.object({
  id,
  from: id,
  to: id,
  name: z.string().max(100).optional(),
  /** An expression over the form's fields (expression.ts); only on flows leaving an exclusive gateway. */
  condition: z.string().max(500).optional(),
  /** The flow an exclusive gateway takes when no condition holds. */
  isDefault: z.boolean().optional(),
});
export type Flow = z.infer<typeof FlowSchema>;

export const ProcessGraphSchema = z
  .object({
    nodes: z.array(NodeSchema).min(2).max(200),
    flows: z.array(FlowSchema).min(1).max(400),
  })
  .superRefine((graph, ctx) => {
    for (const problem of graphProblems(graph)) ctx.addIssue({ code: "custom", message: problem });
  });
export type ProcessGraph = z.infer<typeof ProcessGraphSchema>;

/**
 * What makes a graph unrunnable, in words an administrator can act on: one
 * start, at least one end, flows between known nodes, every node reachable
 * from the start and able to reach an end, gateways with conditions that
 * parse and exactly one default, no two flows out of a task.
 */
export function graphProblems(graph: { nodes: ProcessNode[]; flows: Flow[] }): string[] {
  const problems: string[] = [];
  const nodes = new Map<string, ProcessNode>();
  for (const node of graph.nodes) {
    if (nodes.has(node.id)) problems.push(`two nodes have the id ${node.id}`);
    nodes.set(node.id, node);
  }
  const starts = graph.nodes.filter((n) => n.type === "start");
  if (starts.length !== 1) problems.push(`a process has exactly one start (found ${starts.length})`);
  if (!graph.nodes.some((n) => n.type === "end")) problems.push("a process needs an end");
  const out = new Map<string, Flow[]>();
  const flowIds = new Set<string>();
  for (const flow of graph.flows) {
    if (flowIds.has(flow.id)) problems.push(`two flows have the id ${flow.id}`);
    flowIds.add(flow.id);
    if (!nodes.has(flow.from)) problems.push(`flow ${flow.id} leaves the unknown node ${flow.from}`);
    if (!nodes.has(flow.to)) problems.push(`flow ${flow.id} enters the unknown node ${flow.to}`);
    out.set(flow.from, [...(out.get(flow.from) ?? []), flow]);
  }
  for (const node of graph.nodes) {
    const leaving = out.get(node.id) ?? [];
    if (node.type === "end") {
      if (leaving.length) problems.push(`the end ${node.name} has outgoing flows`);
      continue;
    }
    if (node.type === "exclusive") {
      const defaults = leaving.filter((f) => f.isDefault);
      if (leaving.length < 2) problems.push(`the branch ${node.name} needs at least two outgoing flows`);
      if (defaults.length !== 1) problems.push(`the branch ${node.name} needs exactly one default flow`);
      for (const flow of leaving) {
        if (flow.isDefault) continue;
        if (!flow.condition) {
          problems.push(`flow ${flow.id} out of the branch ${node.name} needs a condition`);
          continue;
        }
        try {
          parseExpression(flow.condition);
        } catch (error) {
          problems.push(`the condition of flow ${flow.id} does not parse: ${(error as Error).message}`);
        }
      }
      continue;
    }
    if (leaving.length !== 1) problems.push(`${node.name} needs exactly one outgoing flow (found ${leaving.length})`);
    if (leaving.some((f) => f.condition)) problems.push(`only flows out of a branch carry conditions`);
  }
  // Reachability: from the start, and to an end.
  const start = starts[0];
  if (start) {
    const seen = new Set<string>([start.id]);
    const queue = [start.id];
    while (queue.length) {
      for (const flow of out.get(queue.shift()!) ?? []) {
        if (!seen.has(flow.to) && nodes.has(flow.to)) {
          seen.add(flow.to);
          queue.push(flow.to);
        }
      }
    }
    for (const node of graph.nodes)
      if (!seen.has(node.id)) problems.push(`${node.name} cannot be reached from the start`);
  }
  const into = new Map<string, string[]>();
  for (const flow of graph.flows) into.set(flow.to, [...(into.get(flow.to) ?? []), flow.from]);
  const finishing = new Set(graph.nodes.filter((n) => n.type === "end").map((n) => n.id));
  const queue = [...finishing];
  while (queue.length) {
    for (const from of into.get(queue.shift()!) ?? []) {
      if (!finishing.has(from)) {
        finishing.add(from);
        queue.push(from);
      }
    }
  }
  for (const node of graph.nodes) if (!finishing.has(node.id)) problems.push(`${node.name} cannot reach an end`);
  return problems;
}

export function isTaskNode(node: ProcessNode): node is TaskNode {
  return node.type === "userTask" || node.type === "countersign";
}
