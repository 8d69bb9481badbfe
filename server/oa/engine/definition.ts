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
    for (const problem of graphProblems(graph)) ctx.addIssue({ code: "custom", message: problem.message });
  });
export type ProcessGraph = z.infer<typeof ProcessGraphSchema>;

/** What is wrong with a graph as a whole: a code the designer words in the reader's language. */
export type GraphProblemCode =
  | "duplicate_node"
  | "start_count"
  | "no_end"
  | "duplicate_flow"
  | "flow_unknown_node"
  | "end_outgoing"
  | "branch_flows"
  | "branch_default"
  | "branch_condition_missing"
  | "condition_invalid"
  | "outgoing_count"
  | "condition_outside_branch"
  | "unreachable"
  | "dead_end";

export interface GraphProblem {
  code: GraphProblemCode;
  /** The node or flow at fault, when there is one. */
  elementId?: string;
  /** Values the message mentions. */
  params: Record<string, string>;
  /** In English, for the API's callers and the logs. */
  message: string;
}

/** Problems of a graph as a whole: ids, one start, ends, branches and their conditions, reachability. */
export function graphProblems(graph: { nodes: ProcessNode[]; flows: Flow[] }): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const add = (code: GraphProblemCode, message: string, elementId?: string, params: Record<string, string> = {}) =>
    problems.push({
      code,
      message,
      params: elementId ? { id: elementId, ...params } : params,
      ...(elementId ? { elementId } : {}),
    });
  const nodes = new Map<string, ProcessNode>();
  for (const node of graph.nodes) {
    if (nodes.has(node.id)) add("duplicate_node", `two nodes have the id ${node.id}`, node.id);
    nodes.set(node.id, node);
  }
  const starts = graph.nodes.filter((n) => n.type === "start");
  if (starts.length !== 1) {
    add("start_count", `a process has exactly one start (found ${starts.length})`, undefined, {
      found: String(starts.length),
    });
  }
  if (!graph.nodes.some((n) => n.type === "end")) add("no_end", "a process needs an end");
  const out = new Map<string, Flow[]>();
  const flowIds = new Set<string>();
  for (const flow of graph.flows) {
    if (flowIds.has(flow.id)) add("duplicate_flow", `two flows have the id ${flow.id}`, flow.id);
    flowIds.add(flow.id);
    for (const end of [flow.from, flow.to]) {
      if (!nodes.has(end)) {
        add("flow_unknown_node", `flow ${flow.id} connects the unknown node ${end}`, flow.id, { node: end });
      }
    }
    out.set(flow.from, [...(out.get(flow.from) ?? []), flow]);
  }
  for (const node of graph.nodes) {
    const leaving = out.get(node.id) ?? [];
    const named = { name: node.name };
    if (node.type === "end") {
      if (leaving.length) add("end_outgoing", `the end ${node.name} has outgoing flows`, node.id, named);
      continue;
    }
    if (node.type === "exclusive") {
      const defaults = leaving.filter((f) => f.isDefault);
      if (leaving.length < 2) {
        add("branch_flows", `the branch ${node.name} needs at least two outgoing flows`, node.id, named);
      }
      if (defaults.length !== 1) {
        add("branch_default", `the branch ${node.name} needs exactly one default flow`, node.id, named);
      }
      for (const flow of leaving) {
        if (flow.isDefault) continue;
        if (!flow.condition) {
          add(
            "branch_condition_missing",
            `flow ${flow.id} out of the branch ${node.name} needs a condition`,
            flow.id,
            named,
          );
          continue;
        }
        try {
          parseExpression(flow.condition);
        } catch (error) {
          const reason = (error as Error).message;
          add("condition_invalid", `the condition of flow ${flow.id} does not parse: ${reason}`, flow.id, {
            condition: flow.condition,
            reason,
          });
        }
      }
      continue;
    }
    if (leaving.length !== 1) {
      add("outgoing_count", `${node.name} needs exactly one outgoing flow (found ${leaving.length})`, node.id, {
        ...named,
        found: String(leaving.length),
      });
    }
    for (const flow of leaving) {
      if (flow.condition) add("condition_outside_branch", "only flows out of a branch carry conditions", flow.id);
    }
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
    for (const node of graph.nodes) {
      if (!seen.has(node.id)) {
        add("unreachable", `${node.name} cannot be reached from the start`, node.id, { name: node.name });
      }
    }
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
  for (const node of graph.nodes) {
    if (!finishing.has(node.id)) add("dead_end", `${node.name} cannot reach an end`, node.id, { name: node.name });
  }
  return problems;
}

export function isTaskNode(node: ProcessNode): node is TaskNode {
  return node.type === "userTask" || node.type === "countersign";
}
