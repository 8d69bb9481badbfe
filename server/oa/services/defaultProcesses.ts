import type { ProcessGraph, ProcessNode } from "../engine/definition.js";
import type { ProcessCategory } from "../models/engine.js";

/**
 * The processes every installation starts with: 发文 and 收文 as 党政机关公文处理
 * 工作条例 (2012) describes them. Units adapt them in the designer (a copy with
 * their unit), and the OA administrator may change these city-wide ones; the
 * start-up seed only creates a process whose key does not exist yet.
 *
 * `action` names what the 公文 module does at the step (documentSteps.ts):
 * "sign" records the 签发人, "number" needs a 文号, "distribute" sends the
 * copies, "archive" hands the document to the archive, and so on.
 */
export interface DefaultProcess {
  key: string;
  name: string;
  category: ProcessCategory;
  graph: ProcessGraph;
}

const registrar = { kind: "role", roleCode: "registrar", within: "drafterUnit" } as const;

function chain(nodes: ProcessNode[], extraFlows: ProcessGraph["flows"] = [], skip: ReadonlySet<string> = new Set()) {
  const flows: ProcessGraph["flows"] = [];
  for (let i = 0; i + 1 < nodes.length; i++) {
    const from = nodes[i]!;
    if (skip.has(from.id)) continue;
    flows.push({ id: `f_${from.id}`, from: from.id, to: nodes[i + 1]!.id });
  }
  return { nodes, flows: [...flows, ...extraFlows] };
}

/** 发文: 拟稿 → 部门核稿 → 办公室审核 → 会签 (optional) → 领导签发 → 复核 → 登记/编号 → 用印 → 分发 → 归档. */
const OUTGOING: DefaultProcess = {
  key: "outgoing",
  name: "发文办理",
  category: "outgoing",
  graph: chain(
    [
      { id: "start", type: "start", name: "开始" },
      { id: "draft", type: "userTask", name: "拟稿", action: "draft", assignee: { kind: "drafter" } },
      {
        id: "review",
        type: "userTask",
        name: "部门核稿",
        action: "review",
        assignee: { kind: "departmentHead" },
        deadlineHours: 24,
        remindBeforeHours: 4,
      },
      {
        id: "officeReview",
        type: "userTask",
        name: "办公室审核",
        action: "officeReview",
        assignee: registrar,
        deadlineHours: 24,
        remindBeforeHours: 4,
      },
      { id: "needsCountersign", type: "exclusive", name: "是否会签" },
      {
        id: "countersign",
        type: "countersign",
        name: "会签",
        mode: "all",
        action: "countersign",
        assignee: { kind: "chosen" },
        deadlineHours: 48,
        remindBeforeHours: 8,
      },
      {
        id: "sign",
        type: "userTask",
        name: "领导签发",
        action: "sign",
        assignee: { kind: "unitLeader" },
        deadlineHours: 48,
        remindBeforeHours: 8,
      },
      { id: "check", type: "userTask", name: "复核", action: "check", assignee: registrar, deadlineHours: 24 },
      { id: "number", type: "userTask", name: "登记编号", action: "number", assignee: registrar, deadlineHours: 24 },
      { id: "seal", type: "userTask", name: "用印", action: "seal", assignee: registrar, deadlineHours: 24 },
      {
        id: "distribute",
        type: "userTask",
        name: "分发",
        action: "distribute",
        assignee: registrar,
        deadlineHours: 24,
      },
      { id: "archive", type: "userTask", name: "归档", action: "archive", assignee: registrar, deadlineHours: 72 },
      { id: "end", type: "end", name: "结束" },
    ],
    [
      {
        id: "f_needsCountersign_yes",
        from: "needsCountersign",
        to: "countersign",
        name: "需要会签",
        condition: "needsCountersign == true",
      },
      { id: "f_needsCountersign_no", from: "needsCountersign", to: "sign", name: "无需会签", isDefault: true },
    ],
    new Set(["needsCountersign"]),
  ),
};

/** 收文: 签收 → 登记 → 初审 → 拟办 → 领导批办 → 承办 → 传阅 → 办结 → 归档. */
const INCOMING: DefaultProcess = {
  key: "incoming",
  name: "收文办理",
  category: "incoming",
  graph: chain([
    { id: "start", type: "start", name: "开始" },
    { id: "receive", type: "userTask", name: "签收", action: "receive", assignee: { kind: "drafter" } },
    { id: "register", type: "userTask", name: "登记", action: "register", assignee: { kind: "drafter" } },
    {
      id: "screen",
      type: "userTask",
      name: "初审",
      action: "screen",
      assignee: { kind: "drafter" },
      deadlineHours: 24,
    },
    {
      id: "propose",
      type: "userTask",
      name: "拟办",
      action: "propose",
      assignee: { kind: "departmentHead" },
      deadlineHours: 24,
      remindBeforeHours: 4,
    },
    {
      id: "instruct",
      type: "userTask",
      name: "领导批办",
      action: "instruct",
      assignee: { kind: "unitLeader" },
      deadlineHours: 48,
      remindBeforeHours: 8,
    },
    {
      id: "handle",
      type: "countersign",
      name: "承办",
      mode: "all",
      action: "handle",
      assignee: { kind: "chosen" },
      deadlineHours: 120,
      remindBeforeHours: 24,
    },
    { id: "circulate", type: "userTask", name: "传阅", action: "circulate", assignee: { kind: "drafter" } },
    { id: "complete", type: "userTask", name: "办结", action: "complete", assignee: { kind: "drafter" } },
    {
      id: "archive",
      type: "userTask",
      name: "归档",
      action: "archive",
      assignee: { kind: "drafter" },
      deadlineHours: 72,
    },
    { id: "end", type: "end", name: "结束" },
  ]),
};

export const DEFAULT_PROCESSES: readonly DefaultProcess[] = [OUTGOING, INCOMING];
