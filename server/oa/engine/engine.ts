import { Op, QueryTypes, Transaction, type CreationAttributes, type Sequelize } from "sequelize";
import { AppError, conflict, forbidden, notFound } from "../../core/errors.js";
import {
  columnsOf,
  databaseOf,
  insertInstances,
  insertRows,
  plainQuery,
  selectInstances,
  updateChanged,
} from "../../core/rows.js";
import { User } from "../../org/models/index.js";
import {
  HistoryEntry,
  Instance,
  ProcessVersion,
  Task,
  type HistoryAction,
  type TaskOutcome,
  type TaskRole,
} from "../models/engine.js";
import { assigneesFor, withDelegates, type AssigneeContext } from "./assignees.js";
import {
  isTaskNode,
  ProcessGraphSchema,
  type Flow,
  type ProcessGraph,
  type ProcessNode,
  type TaskNode,
} from "./definition.js";
import { holds } from "./expression.js";

/**
 * The workflow engine: walks a process version's graph for one instance.
 * Every operation runs inside the caller's transaction and starts by bumping
 * the instance's `rev` — a write, so on MariaDB the row lock and on SQLite the
 * write lock make operations on one instance run one after another, and
 * everything read afterwards is what the previous operation committed. A
 * stale click (the task was done meanwhile) then finds its task closed: 409.
 *
 * The engine knows nothing of 公文; it returns what changed (EngineEffects)
 * so the caller can notify people and run its own step behaviour.
 */

export interface EngineEffects {
  instance: Instance;
  /** Tasks that became open: their assignees have new work. */
  opened: Task[];
  /** Tasks closed without their assignee acting. */
  closed: Task[];
  /** The node the instance waits at now; null once it has ended. */
  currentNodeId: string | null;
  /** Task nodes completed by this operation, in order (the caller's step behaviour runs on these). */
  completedNodes: TaskNode[];
  ended: boolean;
}

type HistoryRow = CreationAttributes<HistoryEntry>;

/** Whether a delegate may be given an owner's task at this node (签发 needs a signer, say); by default yes. */
export type MayDelegate = (node: TaskNode, delegateId: number) => Promise<boolean>;

interface Run {
  /** History rows of this operation, written at its end. */
  history: HistoryRow[];
  mayDelegate?: MayDelegate;
  instance: Instance;
  graph: Graph;
  t: Transaction;
  now: Date;
  actorId: number | null;
  effects: EngineEffects;
  /**
   * Every task to do (kind "do") of the instance, when the operation has read
   * them all at once (completeTask: its pending tasks and the next round come
   * from one statement); tasks it creates are added.
   */
  doTasks?: Task[];
  /** Owners' delegates found while their accounts were checked (see resolveRule); null: none. */
  delegates?: Map<number, number | null>;
}

/** A version's graph with its lookups; versions never change, so each is parsed once. */
export class Graph {
  readonly nodes = new Map<string, ProcessNode>();
  private readonly out = new Map<string, Flow[]>();

  constructor(readonly definition: ProcessGraph) {
    for (const node of definition.nodes) this.nodes.set(node.id, node);
    for (const flow of definition.flows) this.out.set(flow.from, [...(this.out.get(flow.from) ?? []), flow]);
  }

  node(id: string): ProcessNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`the process has no node ${id}`);
    return node;
  }

  taskNode(id: string): TaskNode {
    const node = this.node(id);
    if (!isTaskNode(node)) throw new Error(`${id} is not a task node`);
    return node;
  }

  get start(): ProcessNode {
    return this.definition.nodes.find((n) => n.type === "start")!;
  }

  /** The node after a start or task node (they have exactly one outgoing flow). */
  next(id: string): string {
    return this.out.get(id)![0]!.to;
  }

  /** The flow an exclusive gateway takes for this form. */
  branch(id: string, form: Readonly<Record<string, unknown>>): Flow {
    const flows = this.out.get(id) ?? [];
    for (const flow of flows) if (!flow.isDefault && flow.condition && holds(flow.condition, form)) return flow;
    return flows.find((f) => f.isDefault)!;
  }
}

const graphs = new Map<number, Graph>();

export async function graphOf(processVersionId: number, t?: Transaction): Promise<Graph> {
  const cached = graphs.get(processVersionId);
  if (cached) return cached;
  const version = await ProcessVersion.findByPk(processVersionId, { transaction: t });
  if (!version) throw new Error(`process version ${processVersionId} is missing`);
  const graph = new Graph(ProcessGraphSchema.parse(JSON.parse(version.graph)));
  graphs.set(processVersionId, graph);
  return graph;
}

function formOf(instance: Instance): Record<string, unknown> {
  const parsed: unknown = JSON.parse(instance.form);
  return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}

async function drafterOf(instance: Instance, t: Transaction): ReturnType<AssigneeContext["drafter"]> {
  const drafter = await User.findByPk(instance.drafterId, {
    attributes: ["id", "unitId", "departmentId"],
    transaction: t,
  });
  if (!drafter) throw new Error(`the drafter of instance ${instance.id} is missing`);
  return { id: drafter.id, unitId: drafter.unitId, departmentId: drafter.departmentId };
}

const alreadyHandled = () =>
  conflict("task_already_handled", "This task has already been handled (by you in another window, or by someone else)");
const notRunning = () => conflict("instance_not_running", "This process has already ended or was withdrawn");

/**
 * Opens a transaction for engine operations. On MariaDB it reads committed
 * data (READ COMMITTED): under the default REPEATABLE READ the first read
 * would fix the transaction's snapshot before the instance is locked, and a
 * locking read of the task instead (S locks) deadlocks two people approving
 * the same task. SQLite's IMMEDIATE transactions already run one at a time.
 */
export function workflowTransaction<T>(sequelize: Sequelize, work: (t: Transaction) => Promise<T>): Promise<T> {
  const isolationLevel = sequelize.getDialect() === "sqlite" ? undefined : Transaction.ISOLATION_LEVELS.READ_COMMITTED;
  return sequelize.transaction({ isolationLevel }, work);
}

/**
 * Takes the instance for this operation (see the file comment), by the
 * instance or by one of its tasks (whose instance never changes).
 */
/** What an operation names: an instance, or a task (with its instance when the caller already knows it). */
type Target = { instanceId: number } | { taskId: number; instanceId?: number };

/**
 * The task and its instance as the caller read them together (one statement)
 * before the transaction. When the instance's revision is still the one read,
 * nothing has changed either since (every operation bumps it), so they are
 * used as they are instead of being read again.
 */
export interface KnownTask {
  task: Task;
  instance: Instance;
}

/**
 * Bumps a running instance's revision (see the file comment), or only if it is
 * still `expectedRev`: true when it did.
 */
async function bumpRevision(instanceId: number, t: Transaction, expectedRev?: number): Promise<boolean> {
  checkIsolation(t);
  const { affectedRows } = await plainQuery(
    databaseOf(Instance),
    `UPDATE oa_instances SET rev = rev + 1 WHERE id = ? AND status = ?${expectedRev === undefined ? "" : " AND rev = ?"}`,
    expectedRev === undefined ? [instanceId, "running"] : [instanceId, "running", expectedRev],
    t,
  );
  return affectedRows === 1;
}

/** Bumps the revision if it is still the one `instance` was read with: true when it was. */
async function lockIfUnchanged(instance: Instance, t: Transaction): Promise<boolean> {
  if (!(await bumpRevision(instance.id, t, instance.rev))) return false;
  instance.setDataValue("rev", instance.rev + 1);
  instance.changed("rev", false);
  return true;
}

function checkIsolation(t: Transaction): void {
  // A programming error, not the user's: every caller must open the transaction with workflowTransaction.
  const options: unknown = Reflect.get(t, "options");
  const isolation = options && typeof options === "object" ? Reflect.get(options, "isolationLevel") : undefined;
  if (Instance.sequelize?.getDialect() !== "sqlite" && isolation !== Transaction.ISOLATION_LEVELS.READ_COMMITTED) {
    throw new Error("engine operations run in workflowTransaction()");
  }
}

async function lock(by: Target, t: Transaction): Promise<void> {
  let instanceId: number;
  if (by.instanceId !== undefined) instanceId = by.instanceId;
  else if ("taskId" in by) {
    const task = await Task.findByPk(by.taskId, { attributes: ["instanceId"], transaction: t });
    if (!task) throw notFound("Task");
    instanceId = task.instanceId;
  } else instanceId = by.instanceId;
  if (await bumpRevision(instanceId, t)) return;
  if (!(await Instance.findByPk(instanceId, { attributes: ["id"], transaction: t }))) throw notFound("Process");
  throw "taskId" in by ? alreadyHandled() : notRunning();
}

interface Begun extends Run {
  /** The task the operation names, when it names one. */
  task: Task | null;
}

const taskColumns = () => columnsOf(Task, "oa_tasks", "").join(", ");
const instanceColumns = () => columnsOf(Instance, "oa_instances", "").join(", ");

async function begin(by: Target, actorId: number | null, t: Transaction, known?: KnownTask): Promise<Begun> {
  const current =
    known && "taskId" in by && known.task.id === by.taskId && (await lockIfUnchanged(known.instance, t)) ? known : null;
  if (!current) await lock(by, t);
  const task =
    current?.task ??
    ("taskId" in by
      ? ((await selectInstances(Task, `SELECT ${taskColumns()} FROM oa_tasks WHERE id = ?`, [by.taskId], t))[0] ?? null)
      : null);
  const instanceId = task ? task.instanceId : (by as { instanceId: number }).instanceId;
  const instance =
    current?.instance ??
    (
      await selectInstances(Instance, `SELECT ${instanceColumns()} FROM oa_instances WHERE id = ?`, [instanceId], t)
    )[0] ??
    null;
  // A task named with another instance than its own is as unknown as one that does not exist (and its own
  // instance was not the one locked).
  const mismatch = "taskId" in by && (!task || (by.instanceId !== undefined && task.instanceId !== by.instanceId));
  if (!instance || mismatch) throw notFound("Task");
  const graph = await graphOf(instance.processVersionId, t);
  return {
    history: [],
    instance,
    graph,
    t,
    now: new Date(),
    actorId,
    task,
    effects: {
      instance,
      opened: [],
      closed: [],
      currentNodeId: instance.currentNodeId,
      completedNodes: [],
      ended: false,
    },
  };
}

async function record(
  run: Run,
  entry: {
    action: HistoryAction;
    task?: Task | null;
    node?: ProcessNode | null;
    comment?: string | null;
    detail?: Record<string, unknown> | null;
    actorId?: number | null;
  },
): Promise<HistoryRow> {
  const task = entry.task ?? null;
  const node = entry.node ?? (task ? run.graph.nodes.get(task.nodeId) : null) ?? null;
  const actorId = entry.actorId === undefined ? run.actorId : entry.actorId;
  const row: HistoryRow = {
    instanceId: run.instance.id,
    taskId: task?.id ?? null,
    nodeId: node?.id ?? null,
    nodeName: node?.name ?? null,
    action: entry.action,
    actorId,
    onBehalfOfId: task && actorId !== null && task.ownerId !== actorId ? task.ownerId : null,
    comment: entry.comment?.trim() || null,
    detail: entry.detail ? JSON.stringify(entry.detail) : null,
  };
  // Written together when the operation finishes (one statement), in the order they happened.
  run.history.push(row);
  return row;
}

async function close(run: Run, tasks: readonly Task[], outcome: TaskOutcome): Promise<void> {
  for (const task of tasks) {
    task.status = "cancelled";
    task.outcome = outcome;
    task.completedAt = run.now;
    await updateChanged(task, run.t);
    run.effects.closed.push(task);
  }
}

/** Open and waiting tasks of the node the instance is at, in the order a one-after-another 会签 runs them. */
async function pendingTasks(run: Run): Promise<Task[]> {
  const nodeId = run.instance.currentNodeId;
  if (!nodeId) return [];
  if (run.doTasks) {
    return run.doTasks
      .filter((x) => x.nodeId === nodeId && (x.status === "open" || x.status === "waiting"))
      .sort((a, b) => a.seq - b.seq || a.id - b.id);
  }
  return selectInstances(
    Task,
    `SELECT ${taskColumns()} FROM oa_tasks
      WHERE instanceId = ? AND nodeId = ? AND status IN ('open', 'waiting') AND kind = 'do'
      ORDER BY seq, id`,
    [run.instance.id, run.instance.currentNodeId],
    run.t,
  );
}

function deadlines(node: TaskNode, from: Date, own?: Date): { dueAt: Date | null; remindAt: Date | null } {
  const hours = own ? (own.getTime() - from.getTime()) / 3600_000 : node.deadlineHours;
  if (!hours) return { dueAt: null, remindAt: null };
  const dueAt = own ?? new Date(from.getTime() + hours * 3600_000);
  const before = node.remindBeforeHours ?? 0;
  return { dueAt, remindAt: before > 0 && before < hours ? new Date(dueAt.getTime() - before * 3600_000) : dueAt };
}

/** Opens a task that was waiting its turn (the next signer of a one-after-another 会签). */
async function openWaiting(run: Run, task: Task): Promise<void> {
  const node = run.graph.taskNode(task.nodeId);
  Object.assign(task, { status: "open", ...deadlines(node, run.now) });
  await updateChanged(task, run.t);
  run.effects.opened.push(task);
}

/** What the previous actor decided for one of the people they chose: 主办 or 协办, and their own deadline. */
export interface Assignment {
  userId: number;
  role?: TaskRole;
  dueAt?: Date;
}

async function createTasks(
  run: Run,
  node: TaskNode,
  owners: readonly number[],
  round: number,
  firstSeq = 0,
  allWaiting = false,
  assignments: readonly Assignment[] = [],
): Promise<Task[]> {
  const delegated = await withDelegates(
    owners,
    run.now,
    run.t,
    (delegateId) => (run.mayDelegate ? run.mayDelegate(node, delegateId) : Promise.resolve(true)),
    run.delegates,
  );
  // One task per person: a delegate who is also chosen in their own right keeps their own task only.
  const own = new Set(delegated.filter((p) => p.ownerId === p.assigneeId).map((p) => p.assigneeId));
  const kept = delegated.filter((p) => p.ownerId === p.assigneeId || !own.has(p.assigneeId));
  const people = kept.filter((p, i) => kept.findIndex((q) => q.assigneeId === p.assigneeId) === i);
  const decided = new Map(assignments.map((a) => [a.userId, a]));
  const sequential = node.type === "countersign" && node.mode === "sequential";
  const rows = people.map((person, i): CreationAttributes<Task> => {
    const open = !allWaiting && (!sequential || i === 0);
    return {
      instanceId: run.instance.id,
      nodeId: node.id,
      nodeName: node.name,
      action: node.action ?? null,
      kind: "do",
      round,
      seq: sequential ? firstSeq + i : 0,
      ownerId: person.ownerId,
      assigneeId: person.assigneeId,
      status: open ? "open" : "waiting",
      role: decided.get(person.ownerId)?.role ?? null,
      outcome: null,
      comment: null,
      ...(open ? deadlines(node, run.now, decided.get(person.ownerId)?.dueAt) : { dueAt: null, remindAt: null }),
      remindedAt: null,
      overdueNotifiedAt: null,
      completedAt: null,
      createdAt: run.now,
    };
  });
  // One INSERT for all of them (a 会签 of twenty departments is twenty rows).
  const created = await insertInstances(Task, rows, run.t);
  run.doTasks?.push(...created);
  for (const task of created) if (task.status === "open") run.effects.opened.push(task);
  return created;
}

async function nextRound(run: Run, nodeId: string): Promise<number> {
  if (run.doTasks) return Math.max(0, ...run.doTasks.filter((x) => x.nodeId === nodeId).map((x) => x.round)) + 1;
  const [row] = await databaseOf(Instance).query<{ last: number | null }>(
    "SELECT MAX(round) AS last FROM oa_tasks WHERE instanceId = ? AND nodeId = ?",
    { replacements: [run.instance.id, nodeId], type: QueryTypes.SELECT, transaction: run.t },
  );
  return Number(row?.last ?? 0) + 1;
}

/**
 * Walks from `nodeId` until the instance waits at a task node or ends.
 * `owners` overrides the node's rule (a return goes back to whoever did the step).
 */
async function enter(
  run: Run,
  nodeId: string,
  options: { chosen?: readonly number[]; owners?: number[]; assignments?: readonly Assignment[] } = {},
) {
  let id = nodeId;
  const form = formOf(run.instance);
  for (let hops = 0; hops < run.graph.nodes.size + 1; hops++) {
    const node = run.graph.node(id);
    if (node.type === "end") {
      Object.assign(run.instance, { status: "completed", currentNodeId: null, endedAt: run.now });
      await record(run, { action: "end", node, actorId: null });
      run.effects.currentNodeId = null;
      run.effects.ended = true;
      return;
    }
    if (node.type === "exclusive") {
      const flow = run.graph.branch(node.id, form);
      await record(run, { action: "enter", node, actorId: null, detail: { flow: flow.id, to: flow.to } });
      id = flow.to;
      continue;
    }
    if (node.type === "start") {
      id = run.graph.next(node.id);
      continue;
    }
    const owners =
      options.owners ??
      (await assigneesFor(
        node,
        {
          drafterId: run.instance.drafterId,
          drafter: () => drafterOf(run.instance, run.t),
          form,
          chosen: options.chosen,
          delegatesAt: run.now,
          delegates: (run.delegates ??= new Map()),
        },
        run.t,
      ));
    run.instance.currentNodeId = node.id;
    run.effects.currentNodeId = node.id;
    await createTasks(run, node, owners, await nextRound(run, node.id), 0, false, options.assignments);
    await record(run, { action: "enter", node, actorId: null, detail: { owners } });
    return;
  }
  throw new Error("the process loops through branches without reaching a task");
}

async function finish(run: Run): Promise<EngineEffects> {
  await updateChanged(run.instance, run.t);
  if (run.history.length) await insertRows(HistoryEntry, run.history, run.t);
  run.history = [];
  return run.effects;
}

function mustAct(task: Task, actorId: number): void {
  if (task.status === "waiting") throw conflict("not_your_turn", "The signers before you have not signed yet");
  if (task.status !== "open") throw alreadyHandled();
  if (task.assigneeId !== actorId) throw forbidden("This task is not yours", "not_assignee");
}

export interface StartProps {
  processVersionId: number;
  businessType: string;
  businessId: number;
  drafterId: number;
  form: Record<string, unknown>;
}

/** Starts an instance: it waits at the first task node (for a 发文, the drafter's own 拟稿 task). */
export async function startInstance(props: StartProps, t: Transaction): Promise<EngineEffects> {
  const graph = await graphOf(props.processVersionId, t);
  const now = new Date();
  const instance = await Instance.create(
    {
      processVersionId: props.processVersionId,
      businessType: props.businessType,
      businessId: props.businessId,
      drafterId: props.drafterId,
      status: "running",
      currentNodeId: graph.start.id,
      form: JSON.stringify(props.form),
      startedAt: now,
      endedAt: null,
    },
    { transaction: t },
  );
  const run: Run = {
    history: [],
    instance,
    graph,
    t,
    now,
    actorId: props.drafterId,
    effects: { instance, opened: [], closed: [], currentNodeId: null, completedNodes: [], ended: false },
  };
  await record(run, { action: "start", node: graph.start });
  await enter(run, graph.next(graph.start.id));
  return finish(run);
}

export interface CompleteProps {
  taskId: number;
  /** The task's instance, when the caller has read it already (saves a read; checked against the task). */
  instanceId?: number;
  actorId: number;
  comment?: string | null;
  /** For a next node whose rule is "chosen": the people the actor picks. */
  chosen?: number[];
  /**
   * Instead of `chosen`, the people with what the actor decided for each: 主办 (exactly one, when roles are
   * given) or 协办, and a deadline of their own (承办 after 批办).
   */
  assignments?: Assignment[];
  /** Fields of the form to change before branches are taken. */
  form?: Record<string, unknown>;
  mayDelegate?: MayDelegate;
  /** The task and its instance as the caller has just read them (see KnownTask). */
  known?: KnownTask;
  /**
   * Runs after the task is closed and before the instance moves on, when this
   * completion finishes the node; the 公文 module checks and does its step here.
   */
  onNodeComplete?: (node: TaskNode, instance: Instance) => Promise<void>;
}

/** Approves (同意/提交) a task; moves the instance on when the node is complete. */
function checkAssignments(assignments: readonly Assignment[] | undefined, now: Date): void {
  if (!assignments?.length) return;
  const leads = assignments.filter((a) => a.role === "lead").length;
  if (assignments.some((a) => a.role) && leads !== 1) {
    throw new AppError(400, "one_lead_required", "Name exactly one lead handler (主办); the others assist (协办)");
  }
  if (assignments.some((a) => a.dueAt && a.dueAt.getTime() <= now.getTime())) {
    throw new AppError(400, "assignment_due_past", "A handler's deadline must be in the future");
  }
}

export async function completeTask(props: CompleteProps, t: Transaction): Promise<EngineEffects> {
  checkAssignments(props.assignments, new Date());
  const run = await begin({ taskId: props.taskId, instanceId: props.instanceId }, props.actorId, t, props.known);
  run.mayDelegate = props.mayDelegate;
  const task = run.task!;
  mustAct(task, props.actorId);
  if (task.kind === "read") {
    Object.assign(task, {
      status: "done",
      outcome: "read",
      comment: props.comment?.trim() || null,
      completedAt: run.now,
    });
    await updateChanged(task, t);
    await record(run, { action: "read", task, comment: props.comment });
    return finish(run);
  }
  const node = run.graph.taskNode(task.nodeId);
  Object.assign(task, {
    status: "done",
    outcome: "approved",
    comment: props.comment?.trim() || null,
    completedAt: run.now,
  });
  await updateChanged(task, t);
  // The node's pending tasks and, if the instance moves on, the next node's round: one statement for both.
  run.doTasks = await selectInstances(
    Task,
    `SELECT ${taskColumns()} FROM oa_tasks WHERE instanceId = ? AND kind = 'do'`,
    [run.instance.id],
    t,
  );
  if (props.form) run.instance.form = JSON.stringify({ ...formOf(run.instance), ...props.form });

  const pending = (await pendingTasks(run)).filter((p) => p.round === task.round);
  let nodeDone: boolean;
  if (node.type === "userTask" || (node.type === "countersign" && node.mode === "any")) {
    await close(run, pending, "superseded");
    nodeDone = true;
  } else if (node.type === "countersign" && node.mode === "sequential") {
    const next = pending.find((p) => p.status === "waiting");
    if (next && !pending.some((p) => p.status === "open")) await openWaiting(run, next);
    nodeDone = pending.length === 0;
  } else {
    nodeDone = pending.length === 0;
  }
  const entry = await record(run, {
    action: task.nodeId === graph1stTask(run.graph) ? "submit" : "approve",
    task,
    comment: props.comment,
  });
  if (nodeDone) {
    run.effects.completedNodes.push(node);
    await props.onNodeComplete?.(node, run.instance);
    await enter(run, run.graph.next(node.id), {
      chosen: props.assignments?.length ? props.assignments.map((a) => a.userId) : props.chosen,
      assignments: props.assignments,
    });
  }
  // What withdrawing this approval has to undo: the tasks it opened.
  entry.detail = JSON.stringify({ nodeDone, opened: run.effects.opened.map((o) => o.id) });
  return finish(run);
}

/** The step right after the start: submitting it is 提交 rather than 同意. */
function graph1stTask(graph: Graph): string | null {
  const node = graph.node(graph.next(graph.start.id));
  return isTaskNode(node) ? node.id : null;
}

/** Task nodes the instance has entered, oldest first, each once (its latest visit). */
function visitedTaskNodes(run: Run): Promise<string[]> {
  return passedTaskNodes(run.instance.id, run.graph, run.t);
}

/** Who did a node the last time it was done (the owners of its approved tasks in its latest round). */
async function lastHandlers(run: Run, nodeId: string): Promise<number[]> {
  const round = await Task.max<number, Task>("round", {
    where: { instanceId: run.instance.id, nodeId, status: "done", outcome: "approved" },
    transaction: run.t,
  });
  if (round === null) return [];
  const tasks = await Task.findAll({
    where: { instanceId: run.instance.id, nodeId, round, status: "done", outcome: "approved" },
    order: [
      ["seq", "ASC"],
      ["id", "ASC"],
    ],
    transaction: run.t,
  });
  return [...new Set(tasks.map((task) => task.ownerId))];
}

export interface ReturnProps {
  taskId: number;
  actorId: number;
  comment: string;
  /** "previous" step, the "drafter"'s step, or the id of any earlier step. */
  to: "previous" | "drafter" | string;
}

/** 退回: closes the current step (the whole 会签 when it is one) and sends the document back. */
export async function returnTask(props: ReturnProps, t: Transaction): Promise<EngineEffects> {
  if (!props.comment.trim()) throw new AppError(400, "comment_required", "Say why the document goes back");
  const run = await begin({ taskId: props.taskId }, props.actorId, t);
  const task = run.task!;
  mustAct(task, props.actorId);
  if (task.kind !== "do") throw conflict("cannot_return", "A document sent for reading cannot be returned");
  const earlier = (await visitedTaskNodes(run)).filter((id) => id !== task.nodeId);
  let target: string | undefined;
  if (props.to === "previous") target = earlier.at(-1);
  else if (props.to === "drafter") target = earlier[0];
  else target = earlier.includes(props.to) ? props.to : undefined;
  if (!target) {
    throw conflict("return_target_invalid", "The document can go back only to a step it has already passed", {
      steps: earlier,
    });
  }
  Object.assign(task, {
    status: "cancelled",
    outcome: "returned",
    comment: props.comment.trim(),
    completedAt: run.now,
  });
  await updateChanged(task, t);
  await close(run, await pendingTasks(run), "superseded");
  const owners = await lastHandlers(run, target);
  await record(run, { action: "return", task, comment: props.comment, detail: { to: target } });
  await enter(run, target, owners.length ? { owners } : {});
  return finish(run);
}

/**
 * 撤回: the actor takes back their last approval while nobody it reached has
 * acted: the tasks it opened are closed and the actor's step is open again.
 */
export async function withdraw(
  props: { instanceId: number; actorId: number; comment?: string | null },
  t: Transaction,
): Promise<EngineEffects> {
  const run = await begin({ instanceId: props.instanceId }, props.actorId, t);
  const found = await withdrawal(run.instance.id, props.actorId, t);
  if (found === "not_last") {
    throw conflict("cannot_withdraw", "Only your last step can be withdrawn, while nobody after you has acted");
  }
  if (found === "acted") {
    throw conflict("cannot_withdraw", "Someone after you has already acted; ask them to return it instead");
  }
  const { taskId, opened } = found;
  const mine = await Task.findByPk(taskId, { transaction: t });
  if (!mine) throw notFound("Task");
  const node = run.graph.taskNode(mine.nodeId);
  // A next signer of the same one-after-another 会签 goes back to waiting; other steps' tasks close.
  for (const task of opened) {
    if (task.status !== "open" && task.status !== "waiting") continue;
    if (task.nodeId === mine.nodeId && task.round === mine.round) {
      Object.assign(task, { status: "waiting", dueAt: null, remindAt: null });
      await task.save({ transaction: t });
      run.effects.closed.push(task);
    } else {
      await close(run, [task], "withdrawn");
    }
  }
  // Anything else still pending at the node the approval led to (e.g. other 会签 signers) closes too.
  if (run.instance.currentNodeId !== mine.nodeId) await close(run, await pendingTasks(run), "withdrawn");
  const again = await Task.create(
    {
      instanceId: run.instance.id,
      nodeId: mine.nodeId,
      nodeName: mine.nodeName,
      action: mine.action,
      kind: "do",
      round: mine.round,
      seq: mine.seq,
      ownerId: mine.ownerId,
      assigneeId: props.actorId,
      status: "open",
      outcome: null,
      comment: null,
      ...deadlines(node, run.now),
      remindedAt: null,
      overdueNotifiedAt: null,
      completedAt: null,
    },
    { transaction: t },
  );
  run.effects.opened.push(again);
  if (run.instance.currentNodeId === null) Object.assign(run.instance, { status: "running", endedAt: null });
  run.instance.currentNodeId = mine.nodeId;
  run.effects.currentNodeId = mine.nodeId;
  await record(run, { action: "withdraw", task: again, comment: props.comment, detail: { task: mine.id } });
  return finish(run);
}

/** 转办: hands an open task to someone else, who then owns it. */
export async function transferTask(
  props: { taskId: number; actorId: number; toUserId: number; comment?: string | null },
  t: Transaction,
): Promise<EngineEffects> {
  const run = await begin({ taskId: props.taskId }, props.actorId, t);
  const task = run.task!;
  mustAct(task, props.actorId);
  if (props.toUserId === props.actorId) throw conflict("transfer_to_self", "The task is already yours");
  const to = await User.findByPk(props.toUserId, { transaction: t });
  if (!to || to.disabled)
    throw conflict("user_unavailable", "That person cannot take tasks (no such account, or disabled)");
  const [person] = await withDelegates([to.id], run.now, t);
  Object.assign(task, { ownerId: to.id, assigneeId: person!.assigneeId, remindedAt: null, overdueNotifiedAt: null });
  await task.save({ transaction: t });
  run.effects.opened.push(task);
  await record(run, {
    action: "transfer",
    task,
    comment: props.comment,
    detail: { to: to.id },
    actorId: props.actorId,
  });
  return finish(run);
}

/** 加签: more signers on the running 会签 (after the others, in a one-after-another one). */
export async function addSigners(
  props: { instanceId: number; actorId: number; userIds: number[]; comment?: string | null },
  t: Transaction,
): Promise<EngineEffects> {
  const run = await begin({ instanceId: props.instanceId }, props.actorId, t);
  const node = run.instance.currentNodeId ? run.graph.node(run.instance.currentNodeId) : null;
  if (!node || node.type !== "countersign")
    throw conflict("not_countersign", "Signers can be added only to a running 会签");
  const round =
    (await Task.max<number, Task>("round", {
      where: { instanceId: run.instance.id, nodeId: node.id },
      transaction: t,
    })) ?? 1;
  const inRound = await Task.findAll({
    where: { instanceId: run.instance.id, nodeId: node.id, round },
    transaction: t,
  });
  const already = new Set(inRound.filter((x) => x.status !== "cancelled").map((x) => x.ownerId));
  const users = await User.findAll({
    where: { id: props.userIds, disabled: false },
    attributes: ["id"],
    transaction: t,
  });
  const found = new Set(users.map((u) => u.id));
  const missing = props.userIds.filter((id) => !found.has(id));
  if (missing.length)
    throw conflict("user_unavailable", "Some of these people cannot take tasks", { userIds: missing });
  const fresh = [...new Set(props.userIds)].filter((id) => !already.has(id));
  if (!fresh.length) throw conflict("already_signers", "These people are already signing");
  const firstSeq = Math.max(0, ...inRound.map((x) => x.seq)) + 1;
  const sequentialBusy = node.mode === "sequential" && inRound.some((x) => x.status === "open");
  await createTasks(run, node, fresh, round, firstSeq, sequentialBusy);
  await record(run, { action: "addSigner", node, comment: props.comment, detail: { userIds: fresh } });
  return finish(run);
}

/** 减签: takes signers off the running 会签; the 会签 completes if everyone left has signed. */
export async function removeSigners(
  props: {
    instanceId: number;
    actorId: number;
    userIds: number[];
    comment?: string | null;
    onNodeComplete?: CompleteProps["onNodeComplete"];
  },
  t: Transaction,
): Promise<EngineEffects> {
  const run = await begin({ instanceId: props.instanceId }, props.actorId, t);
  const node = run.instance.currentNodeId ? run.graph.node(run.instance.currentNodeId) : null;
  if (!node || node.type !== "countersign")
    throw conflict("not_countersign", "Signers can be removed only from a running 会签");
  const pending = await pendingTasks(run);
  const removing = pending.filter((x) => props.userIds.includes(x.ownerId) || props.userIds.includes(x.assigneeId));
  if (!removing.length) throw conflict("not_signers", "None of these people has a signature pending");
  const left = pending.filter((x) => !removing.includes(x));
  const signed = await Task.count({
    where: { instanceId: run.instance.id, nodeId: node.id, round: removing[0]!.round, status: "done" },
    transaction: t,
  });
  if (!left.length && !signed) throw conflict("cannot_remove_all_signers", "At least one signer must remain");
  await close(run, removing, "removed");
  await record(run, {
    action: "removeSigner",
    node,
    comment: props.comment,
    detail: { userIds: removing.map((x) => x.ownerId) },
  });
  if (left.length) {
    if (node.mode === "sequential" && !left.some((x) => x.status === "open")) await openWaiting(run, left[0]!);
  } else {
    run.effects.completedNodes.push(node);
    await props.onNodeComplete?.(node, run.instance);
    await enter(run, run.graph.next(node.id));
  }
  return finish(run);
}

/** 催办: a message to everyone the instance waits for. Returns their tasks (the caller notifies). */
export async function urge(
  props: { instanceId: number; actorId: number; message: string },
  t: Transaction,
): Promise<{ instance: Instance; tasks: Task[] }> {
  const run = await begin({ instanceId: props.instanceId }, props.actorId, t);
  const tasks = (await pendingTasks(run)).filter((x) => x.status === "open");
  await record(run, { action: "urge", comment: props.message, detail: { userIds: tasks.map((x) => x.assigneeId) } });
  await finish(run);
  return { instance: run.instance, tasks };
}

/** Ends an instance at once (an administrator's decision); every pending task closes. */
export async function terminate(
  props: { instanceId: number; actorId: number; comment: string },
  t: Transaction,
): Promise<EngineEffects> {
  if (!props.comment.trim()) throw new AppError(400, "comment_required", "Say why the process is terminated");
  const run = await begin({ instanceId: props.instanceId }, props.actorId, t);
  const pending = await Task.findAll({
    where: { instanceId: run.instance.id, status: ["open", "waiting"] },
    transaction: t,
  });
  await close(run, pending, "terminated");
  Object.assign(run.instance, { status: "terminated", currentNodeId: null, endedAt: run.now });
  run.effects.currentNodeId = null;
  run.effects.ended = true;
  await record(run, { action: "terminate", comment: props.comment });
  return finish(run);
}

/** 传阅: reading tasks for these people; they do not hold up the flow. */
export async function requestReading(
  props: { instanceId: number; actorId: number; userIds: number[]; comment?: string | null },
  t: Transaction,
): Promise<Task[]> {
  const run = await begin({ instanceId: props.instanceId }, props.actorId, t);
  const already = await Task.findAll({
    where: { instanceId: run.instance.id, kind: "read", status: "open", assigneeId: props.userIds },
    attributes: ["assigneeId"],
    transaction: t,
  });
  const skip = new Set(already.map((x) => x.assigneeId));
  const users = await User.findAll({
    where: { id: props.userIds.filter((id) => !skip.has(id)), disabled: false },
    attributes: ["id"],
    transaction: t,
  });
  const created: Task[] = [];
  for (const user of users) {
    created.push(
      await Task.create(
        {
          instanceId: run.instance.id,
          nodeId: run.instance.currentNodeId ?? "read",
          nodeName: run.instance.currentNodeId ? run.graph.node(run.instance.currentNodeId).name : "传阅",
          action: "read",
          kind: "read",
          round: 0,
          seq: 0,
          ownerId: user.id,
          assigneeId: user.id,
          status: "open",
          outcome: null,
          comment: null,
          dueAt: null,
          remindAt: null,
          remindedAt: null,
          overdueNotifiedAt: null,
          completedAt: null,
        },
        { transaction: t },
      ),
    );
  }
  await record(run, { action: "enter", comment: props.comment, detail: { readers: created.map((x) => x.assigneeId) } });
  await finish(run);
  return created;
}

/** Tasks of an instance still waiting for someone, for the document page. */
export function openTasksOf(instanceId: number, t?: Transaction): Promise<Task[]> {
  return Task.findAll({
    where: { instanceId, status: { [Op.in]: ["open", "waiting"] } },
    order: [
      ["seq", "ASC"],
      ["id", "ASC"],
    ],
    transaction: t,
  });
}

/**
 * What withdrawing the actor's last step would undo: that step's task and
 * the tasks it opened; or why it cannot be withdrawn — it is not the
 * last transition or not the actor's, or someone it reached has acted.
 */
async function withdrawal(
  instanceId: number,
  actorId: number,
  t?: Transaction,
): Promise<{ taskId: number; opened: Task[] } | "not_last" | "acted"> {
  const last = await HistoryEntry.findOne({
    where: {
      instanceId,
      action: ["submit", "approve", "return", "withdraw", "transfer", "addSigner", "removeSigner"],
    },
    order: [["id", "DESC"]],
    transaction: t,
  });
  if (!last || last.actorId !== actorId || !["submit", "approve"].includes(last.action) || last.taskId === null) {
    return "not_last";
  }
  const detail = JSON.parse(last.detail ?? "{}") as { opened?: number[] };
  const opened = await Task.findAll({ where: { id: detail.opened ?? [] }, transaction: t });
  if (opened.some((o) => o.status === "done" || (o.status === "cancelled" && o.outcome !== "superseded"))) {
    return "acted";
  }
  return { taskId: last.taskId, opened };
}

/** Whether `withdraw` would succeed for this actor now (for the buttons; the operation checks again). */
export async function withdrawable(instanceId: number, actorId: number, t?: Transaction): Promise<boolean> {
  const instance = await Instance.findByPk(instanceId, { attributes: ["status"], transaction: t });
  if (instance?.status !== "running") return false;
  return typeof (await withdrawal(instanceId, actorId, t)) === "object";
}

/** The task node the instance reaches after `nodeId` for this form (through branches), or null at the end. */
export function peekNext(graph: Graph, nodeId: string, form: Readonly<Record<string, unknown>>): TaskNode | null {
  let id = graph.next(nodeId);
  for (let hops = 0; hops <= graph.nodes.size; hops++) {
    const node = graph.node(id);
    if (isTaskNode(node)) return node;
    if (node.type === "end") return null;
    id = node.type === "exclusive" ? graph.branch(node.id, form).to : graph.next(node.id);
  }
  return null;
}

/** Task nodes the instance has passed, oldest first (the steps a return may go back to). */
export async function passedTaskNodes(instanceId: number, graph: Graph, t?: Transaction): Promise<string[]> {
  const entries = await HistoryEntry.findAll({
    where: { instanceId, action: "enter" },
    order: [["id", "ASC"]],
    attributes: ["nodeId"],
    transaction: t,
  });
  const order: string[] = [];
  for (const e of entries) {
    const node = e.nodeId ? graph.nodes.get(e.nodeId) : undefined;
    if (!node || !isTaskNode(node)) continue;
    const at = order.indexOf(node.id);
    if (at !== -1) order.splice(at, 1);
    order.push(node.id);
  }
  return order;
}
