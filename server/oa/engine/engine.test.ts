import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sequelize, Transaction } from "sequelize";
import { parseEnv } from "../../env.js";
import { createLogger } from "../../core/logger.js";
import { AppError } from "../../core/errors.js";
import { prepareDatabase } from "../../server.js";
import { createTestDatabase, type TestDatabase } from "../../../tests/helpers/testDatabase.js";
import { Department, Position, Role, RoleAssignment, User } from "../../org/models/index.js";
import { createUnit } from "../../org/services/units.js";
import { newUserRow } from "../../org/services/users.js";
import { NO_PASSWORD } from "../../org/services/passwords.js";
import { Delegation, HistoryEntry, Instance, Process, ProcessVersion, Task } from "../models/engine.js";
import type { ProcessGraph } from "./definition.js";
import {
  addSigners,
  completeTask,
  removeSigners,
  requestReading,
  returnTask,
  startInstance,
  terminate,
  transferTask,
  withdraw,
  workflowTransaction,
  type EngineEffects,
} from "./engine.js";

let db: TestDatabase;
let sequelize: Sequelize;
const people: Record<string, number> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  sequelize = await prepareDatabase(parseEnv({ DATABASE_URL: db.url }), createLogger("silent"));
  await sequelize.transaction(async (t) => {
    const unit = await createUnit({ name: "测试局", code: "test", shortName: "测", kind: "bureau", parent: null }, t);
    const office = await Department.create({ unitId: unit.id, name: "办公室" }, { transaction: t });
    const business = await Department.create({ unitId: unit.id, name: "业务科" }, { transaction: t });
    const chief = await Position.create({ name: "科长", rank: 50 }, { transaction: t });
    const clerk = await Position.create({ name: "科员", rank: 20 }, { transaction: t });
    const roles = new Map((await Role.findAll({ transaction: t })).map((r) => [r.code, r.id]));
    const add = async (username: string, department: Department, position: Position, role: string) => {
      const user = await User.create(
        newUserRow({
          username,
          displayName: username,
          unitId: unit.id,
          departmentId: department.id,
          positionId: position.id,
          passwordHash: NO_PASSWORD,
        }),
        { transaction: t },
      );
      await RoleAssignment.create({ userId: user.id, roleId: roles.get(role)!, unitId: unit.id }, { transaction: t });
      people[username] = user.id;
    };
    await add("drafter", business, clerk, "staff");
    await add("head", business, chief, "staff");
    await add("leader", office, chief, "leader");
    await add("registrar", office, clerk, "registrar");
    for (const name of ["s1", "s2", "s3", "s4", "deputy"]) await add(name, office, clerk, "staff");
  });
});

afterAll(async () => {
  await sequelize?.close();
  await db?.drop();
});

let processes = 0;
async function version(graph: ProcessGraph): Promise<number> {
  const process = await Process.create({
    key: `p${++processes}`,
    name: "测试流程",
    category: "general",
    unitId: null,
    latestVersion: 1,
  });
  const v = await ProcessVersion.create({
    processId: process.id,
    version: 1,
    graph: JSON.stringify(graph),
    bpmnXml: null,
    createdById: null,
  });
  return v.id;
}

const start = { id: "start", type: "start", name: "开始" } as const;
const end = { id: "end", type: "end", name: "结束" } as const;
const draft = { id: "draft", type: "userTask", name: "拟稿", assignee: { kind: "drafter" } } as const;
const review = { id: "review", type: "userTask", name: "核稿", assignee: { kind: "departmentHead" } } as const;
const sign = { id: "sign", type: "userTask", name: "签发", assignee: { kind: "unitLeader" } } as const;
const chain = (...ids: string[]) => ids.slice(1).map((to, i) => ({ id: `f${i}`, from: ids[i]!, to }));

function countersign(mode: "all" | "any" | "sequential"): ProcessGraph {
  return {
    nodes: [
      start,
      draft,
      { id: "cs", type: "countersign", name: "会签", mode, assignee: { kind: "chosen" } },
      sign,
      end,
    ],
    flows: chain("start", "draft", "cs", "sign", "end"),
  };
}

const tx = <T>(work: (t: Transaction) => Promise<T>) => workflowTransaction(sequelize, work);

async function begin(graph: ProcessGraph, form: Record<string, unknown> = {}): Promise<EngineEffects> {
  const processVersionId = await version(graph);
  return tx((t) =>
    startInstance({ processVersionId, businessType: "test", businessId: 1, drafterId: people.drafter!, form }, t),
  );
}

async function openTasks(instanceId: number, nodeId?: string) {
  return Task.findAll({
    where: { instanceId, status: "open", ...(nodeId ? { nodeId } : {}) },
    order: [["id", "ASC"]],
  });
}

async function taskOf(instanceId: number, user: string): Promise<Task> {
  const task = await Task.findOne({ where: { instanceId, status: "open", assigneeId: people[user]! } });
  if (!task) throw new Error(`${user} has no open task`);
  return task;
}

const approve = (instanceId: number, user: string, extra: { chosen?: number[]; form?: Record<string, unknown> } = {}) =>
  taskOf(instanceId, user).then((task) =>
    tx((t) => completeTask({ taskId: task.id, actorId: people[user]!, comment: "同意", ...extra }, t)),
  );

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return "ok";
}

describe("the workflow engine", () => {
  it("walks a document from the drafter through the department head and the leader to the end", async () => {
    const { instance } = await begin({
      nodes: [start, draft, review, sign, end],
      flows: chain("start", "draft", "review", "sign", "end"),
    });
    expect((await openTasks(instance.id)).map((x) => x.assigneeId)).toEqual([people.drafter]);
    await approve(instance.id, "drafter");
    expect((await openTasks(instance.id)).map((x) => x.assigneeId)).toEqual([people.head]);
    await approve(instance.id, "head");
    expect((await openTasks(instance.id)).map((x) => x.assigneeId)).toEqual([people.leader]);
    const last = await approve(instance.id, "leader");
    expect(last.ended).toBe(true);
    await instance.reload();
    expect(instance.status).toBe("completed");
    const history = await HistoryEntry.findAll({ where: { instanceId: instance.id }, order: [["id", "ASC"]] });
    expect(history.filter((h) => h.actorId !== null).map((h) => h.action)).toEqual([
      "start",
      "submit",
      "approve",
      "approve",
    ]);
  });

  it("takes the branch whose condition holds for the form", async () => {
    const graph: ProcessGraph = {
      nodes: [start, draft, { id: "gw", type: "exclusive", name: "是否会签" }, review, sign, end],
      flows: [
        ...chain("start", "draft", "gw"),
        { id: "yes", from: "gw", to: "review", condition: 'needsReview == true && urgency != "特急"' },
        { id: "no", from: "gw", to: "sign", isDefault: true },
        ...chain("review", "sign", "end").map((f) => ({ ...f, id: `r${f.id}` })),
      ],
    };
    const a = await begin(graph, { needsReview: true, urgency: "加急" });
    await approve(a.instance.id, "drafter");
    expect((await openTasks(a.instance.id))[0]!.nodeId).toBe("review");
    const b = await begin(graph, { needsReview: true });
    // The drafter changes the form when submitting: now 特急, the branch skips review.
    await approve(b.instance.id, "drafter", { form: { urgency: "特急" } });
    expect((await openTasks(b.instance.id))[0]!.nodeId).toBe("sign");
  });

  it("makes exactly one transition when the same task is approved ten times at once", async () => {
    const { instance } = await begin({
      nodes: [start, draft, review, sign, end],
      flows: chain("start", "draft", "review", "sign", "end"),
    });
    const task = await taskOf(instance.id, "drafter");
    const codes = await Promise.all(
      Array.from({ length: 10 }, () =>
        codeOf(tx((t) => completeTask({ taskId: task.id, actorId: people.drafter!, comment: "提交" }, t))),
      ),
    );
    expect(codes.filter((c) => c === "ok")).toHaveLength(1);
    expect(codes.filter((c) => c === "task_already_handled")).toHaveLength(9);
    expect(await Task.count({ where: { instanceId: instance.id, nodeId: "review" } })).toBe(1);
    expect(await HistoryEntry.count({ where: { instanceId: instance.id, action: "submit" } })).toBe(1);
  });

  it("moves an all-must-agree 会签 on once when every signer approves at the same moment", async () => {
    const { instance } = await begin(countersign("all"));
    const signers = ["s1", "s2", "s3", "s4"];
    await approve(instance.id, "drafter", { chosen: signers.map((s) => people[s]!) });
    expect(await openTasks(instance.id, "cs")).toHaveLength(4);
    const codes = await Promise.all(signers.map((s) => codeOf(approve(instance.id, s))));
    expect(codes).toEqual(["ok", "ok", "ok", "ok"]);
    expect(await Task.count({ where: { instanceId: instance.id, nodeId: "sign" } })).toBe(1);
  });

  it("needs someone chosen for a step whose rule is the previous actor's choice", async () => {
    const { instance } = await begin(countersign("all"));
    expect(await codeOf(approve(instance.id, "drafter"))).toBe("assignee_required");
    // Nothing moved: the drafter still holds the task.
    expect((await openTasks(instance.id)).map((x) => x.nodeId)).toEqual(["draft"]);
  });

  it("completes an any-one 会签 with the first agreement and closes the others", async () => {
    const { instance } = await begin(countersign("any"));
    await approve(instance.id, "drafter", { chosen: [people.s1!, people.s2!] });
    await approve(instance.id, "s2");
    expect((await openTasks(instance.id)).map((x) => x.nodeId)).toEqual(["sign"]);
    const other = await Task.findOne({ where: { instanceId: instance.id, assigneeId: people.s1! } });
    expect([other?.status, other?.outcome]).toEqual(["cancelled", "superseded"]);
  });

  it("runs a one-after-another 会签 in order; a later signer waits for their turn", async () => {
    const { instance } = await begin(countersign("sequential"));
    await approve(instance.id, "drafter", { chosen: [people.s1!, people.s2!] });
    const waiting = await Task.findOne({ where: { instanceId: instance.id, assigneeId: people.s2! } });
    expect(waiting?.status).toBe("waiting");
    expect(await codeOf(tx((t) => completeTask({ taskId: waiting!.id, actorId: people.s2!, comment: "" }, t)))).toBe(
      "not_your_turn",
    );
    await approve(instance.id, "s1");
    await approve(instance.id, "s2");
    expect((await openTasks(instance.id)).map((x) => x.nodeId)).toEqual(["sign"]);
  });

  it("returns from inside a 会签 to the previous step's own handler, to the drafter, or to a chosen earlier step", async () => {
    const graph: ProcessGraph = {
      nodes: [
        start,
        draft,
        review,
        { id: "cs", type: "countersign", name: "会签", mode: "all", assignee: { kind: "chosen" } },
        sign,
        end,
      ],
      flows: chain("start", "draft", "review", "cs", "sign", "end"),
    };
    const { instance } = await begin(graph);
    await approve(instance.id, "drafter");
    await approve(instance.id, "head", { chosen: [people.s1!, people.s2!] });
    await approve(instance.id, "s1");
    const s2 = await taskOf(instance.id, "s2");
    // One signer returns: the whole 会签 goes back to the head who reviewed it.
    await tx((t) => returnTask({ taskId: s2.id, actorId: people.s2!, comment: "第三条表述不准确", to: "previous" }, t));
    expect((await openTasks(instance.id)).map((x) => [x.nodeId, x.assigneeId])).toEqual([["review", people.head]]);
    const head = await taskOf(instance.id, "head");
    expect(
      await codeOf(tx((t) => returnTask({ taskId: head.id, actorId: people.head!, comment: "退回", to: "sign" }, t))),
    ).toBe("return_target_invalid");
    await tx((t) => returnTask({ taskId: head.id, actorId: people.head!, comment: "请修改", to: "drafter" }, t));
    expect((await openTasks(instance.id)).map((x) => [x.nodeId, x.assigneeId])).toEqual([["draft", people.drafter]]);
    await approve(instance.id, "drafter");
    await approve(instance.id, "head", { chosen: [people.s1!, people.s2!] });
    await approve(instance.id, "s1");
    const again = await taskOf(instance.id, "s2");
    await tx((t) => returnTask({ taskId: again.id, actorId: people.s2!, comment: "仍需修改", to: "draft" }, t));
    expect((await openTasks(instance.id)).map((x) => x.nodeId)).toEqual(["draft"]);
    const returned = await HistoryEntry.findAll({ where: { instanceId: instance.id, action: "return" } });
    expect(returned.map((h) => h.comment)).toEqual(["第三条表述不准确", "请修改", "仍需修改"]);
  });

  it("lets the sender withdraw while the next person has not acted, and not after", async () => {
    const { instance } = await begin({
      nodes: [start, draft, review, sign, end],
      flows: chain("start", "draft", "review", "sign", "end"),
    });
    await approve(instance.id, "drafter");
    await tx((t) => withdraw({ instanceId: instance.id, actorId: people.drafter!, comment: "补充附件" }, t));
    expect((await openTasks(instance.id)).map((x) => x.assigneeId)).toEqual([people.drafter]);
    const cancelled = await Task.findOne({ where: { instanceId: instance.id, nodeId: "review" } });
    expect(cancelled?.outcome).toBe("withdrawn");
    await approve(instance.id, "drafter");
    expect(await codeOf(tx((t) => withdraw({ instanceId: instance.id, actorId: people.head! }, t)))).toBe(
      "cannot_withdraw",
    );
    await approve(instance.id, "head");
    // The head acted: the drafter can no longer take it back.
    expect(await codeOf(tx((t) => withdraw({ instanceId: instance.id, actorId: people.drafter! }, t)))).toBe(
      "cannot_withdraw",
    );
  });

  it("transfers a task, and gives tasks to the delegate while a delegation runs", async () => {
    const hour = 3600_000;
    await Delegation.create({
      fromUserId: people.leader!,
      toUserId: people.deputy!,
      startsAt: new Date(Date.now() - hour),
      endsAt: new Date(Date.now() + hour),
      reason: "出差",
      revokedAt: null,
    });
    const { instance } = await begin({
      nodes: [start, draft, review, sign, end],
      flows: chain("start", "draft", "review", "sign", "end"),
    });
    await approve(instance.id, "drafter");
    const head = await taskOf(instance.id, "head");
    await tx((t) =>
      transferTask({ taskId: head.id, actorId: people.head!, toUserId: people.s3!, comment: "请代为核稿" }, t),
    );
    expect(await Task.count({ where: { instanceId: instance.id, status: "open", assigneeId: people.head! } })).toBe(0);
    expect(await codeOf(tx((t) => completeTask({ taskId: head.id, actorId: people.head!, comment: "同意" }, t)))).toBe(
      "not_assignee",
    );
    await approve(instance.id, "s3");
    const signTask = (await openTasks(instance.id))[0]!;
    expect([signTask.ownerId, signTask.assigneeId]).toEqual([people.leader, people.deputy]);
    await approve(instance.id, "deputy");
    const entry = await HistoryEntry.findOne({
      where: { instanceId: instance.id, taskId: signTask.id, action: "approve" },
    });
    expect([entry?.actorId, entry?.onBehalfOfId]).toEqual([people.deputy, people.leader]);
    await Delegation.destroy({ where: {} });
  });

  it("gives a delegate who is also chosen in their own right one task, not two", async () => {
    const hour = 3600_000;
    await Delegation.create({
      fromUserId: people.leader!,
      toUserId: people.deputy!,
      startsAt: new Date(Date.now() - hour),
      endsAt: new Date(Date.now() + hour),
      reason: "休假",
      revokedAt: null,
    });
    const graph: ProcessGraph = {
      nodes: [
        start,
        draft,
        {
          id: "both",
          type: "userTask",
          name: "审批",
          assignee: { kind: "users", userIds: [people.leader!, people.deputy!] },
        },
        end,
      ],
      flows: chain("start", "draft", "both", "end"),
    };
    const { instance } = await begin(graph);
    await approve(instance.id, "drafter");
    const tasks = await openTasks(instance.id, "both");
    expect(tasks.map((x) => [x.ownerId, x.assigneeId])).toEqual([[people.deputy, people.deputy]]);
    await Delegation.destroy({ where: {} });
  });

  it("adds and removes signers on a running 会签", async () => {
    const { instance } = await begin(countersign("all"));
    await approve(instance.id, "drafter", { chosen: [people.s1!] });
    await tx((t) => addSigners({ instanceId: instance.id, actorId: people.s1!, userIds: [people.s2!, people.s3!] }, t));
    expect((await openTasks(instance.id, "cs")).map((x) => x.assigneeId)).toEqual([people.s1, people.s2, people.s3]);
    expect(
      await codeOf(tx((t) => addSigners({ instanceId: instance.id, actorId: people.s1!, userIds: [people.s2!] }, t))),
    ).toBe("already_signers");
    await approve(instance.id, "s1");
    await approve(instance.id, "s2");
    // Taking off the last one still pending completes the 会签.
    await tx((t) => removeSigners({ instanceId: instance.id, actorId: people.s1!, userIds: [people.s3!] }, t));
    expect((await openTasks(instance.id)).map((x) => x.nodeId)).toEqual(["sign"]);
  });

  it("gives 承办 a lead and assisting handlers with deadlines of their own, as the one who assigns decides", async () => {
    const { instance } = await begin(countersign("all"));
    // Whole seconds: MariaDB keeps DATETIME to the second.
    const at = (hours: number) => new Date(Math.floor(Date.now() / 1000) * 1000 + hours * 3600_000);
    const inTwoDays = at(48);
    const inFiveDays = at(120);
    const task = await taskOf(instance.id, "drafter");
    const twoLeads = tx((t) =>
      completeTask(
        {
          taskId: task.id,
          actorId: people.drafter!,
          assignments: [
            { userId: people.s1!, role: "lead" },
            { userId: people.s2!, role: "lead" },
          ],
        },
        t,
      ),
    );
    expect(await codeOf(twoLeads)).toBe("one_lead_required");
    await tx((t) =>
      completeTask(
        {
          taskId: task.id,
          actorId: people.drafter!,
          assignments: [
            { userId: people.s1!, role: "lead", dueAt: inTwoDays },
            { userId: people.s2!, role: "assist", dueAt: inFiveDays },
            { userId: people.s3!, role: "assist" },
          ],
        },
        t,
      ),
    );
    const handling = await openTasks(instance.id, "cs");
    expect(handling.map((x) => [x.assigneeId, x.role, x.dueAt?.getTime() ?? null])).toEqual([
      [people.s1, "lead", inTwoDays.getTime()],
      [people.s2, "assist", inFiveDays.getTime()],
      [people.s3, "assist", null],
    ]);
  });

  it("keeps a running instance on the version it started with", async () => {
    const { instance } = await begin({
      nodes: [start, draft, review, sign, end],
      flows: chain("start", "draft", "review", "sign", "end"),
    });
    const v1 = await ProcessVersion.findByPk(instance.processVersionId);
    await ProcessVersion.create({
      processId: v1!.processId,
      version: 2,
      graph: JSON.stringify({ nodes: [start, draft, end], flows: chain("start", "draft", "end") }),
      bpmnXml: null,
      createdById: null,
    });
    await approve(instance.id, "drafter");
    expect((await openTasks(instance.id)).map((x) => x.nodeId)).toEqual(["review"]);
  });

  it("sends a document for reading without holding up the flow, and terminates an instance", async () => {
    const { instance } = await begin({
      nodes: [start, draft, review, sign, end],
      flows: chain("start", "draft", "review", "sign", "end"),
    });
    await tx((t) => requestReading({ instanceId: instance.id, actorId: people.drafter!, userIds: [people.s4!] }, t));
    await approve(instance.id, "drafter");
    const read = await Task.findOne({ where: { instanceId: instance.id, kind: "read" } });
    expect(read?.status).toBe("open");
    await tx((t) => completeTask({ taskId: read!.id, actorId: people.s4!, comment: "已阅" }, t));
    expect((await openTasks(instance.id)).map((x) => x.nodeId)).toEqual(["review"]);
    await tx((t) => terminate({ instanceId: instance.id, actorId: people.leader!, comment: "撤销此文" }, t));
    await instance.reload();
    expect(instance.status).toBe("terminated");
    expect(await openTasks(instance.id)).toEqual([]);
    const stale = await Task.findOne({ where: { instanceId: instance.id, nodeId: "review" } });
    expect(
      await codeOf(tx((t) => completeTask({ taskId: stale!.id, actorId: people.head!, comment: "同意" }, t))),
    ).toBe("task_already_handled");
    expect(await Instance.count({ where: { id: instance.id, status: "terminated" } })).toBe(1);
  });
});
