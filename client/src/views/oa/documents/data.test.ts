import { readFileSync } from "node:fs";
import { fileURLToPath, URL } from "node:url";
import { describe, expect, it } from "vitest";
import type { DocumentView, HistoryEntry } from "@/api/oa/documents";
import { DOC_TYPES as SERVER_DOC_TYPES } from "../../../../../server/oa/models/document";
import {
  approveLabel,
  changedFields,
  createBody,
  currentNodeIds,
  DOC_TYPES,
  formOf,
  instructions,
  lastReturn,
  phrasesFor,
  recipientsOf,
  INSTRUCT_PHRASES,
} from "./data";

/** A real 正文: the first articles of the 义务教育法 in the corpus, as the editor writes paragraphs. */
const law = readFileSync(
  fileURLToPath(new URL("../../../../../../shared/corpus/laws/行政法/义务教育法(2018-12-29).md", import.meta.url)),
  "utf8",
);
const articles = law
  .split("\n")
  .filter((line) => /^第[一二三四五六七八九十]+条 /.test(line))
  .slice(0, 6);
const BODY = articles.map((a) => `<p>${a}</p>`).join("");

/** Units as the organisation tree names them. */
const TREE = new Map([
  [16, "南宁市教育局"],
  [17, "南宁市财政局"],
]);
const unitName = (id: number) => TREE.get(id);

function entry(partial: Partial<HistoryEntry> & Pick<HistoryEntry, "id" | "action">): HistoryEntry {
  return {
    nodeId: null,
    nodeName: null,
    actorName: "陈红兰",
    onBehalfOfName: null,
    comment: null,
    detail: null,
    at: "2026-11-27T09:00:00.000Z",
    ...partial,
  };
}

function view(partial: Partial<DocumentView> = {}): DocumentView {
  return {
    id: 7,
    direction: "outgoing",
    status: "running",
    unitId: 2,
    departmentId: 3,
    drafterId: 40,
    docType: "通知",
    title: "关于认真贯彻实施《中华人民共和国义务教育法》的通知",
    urgency: "加急",
    copyNo: null,
    issuerMark: "南宁市人民政府办公室文件",
    docNumber: null,
    signers: [],
    mainRecipients: [
      { unitId: 16, name: "南宁市教育局" },
      { unitId: null, name: "广西大学" },
    ],
    ccRecipients: [{ unitId: 17, name: "南宁市财政局" }],
    signatureOrg: "南宁市人民政府办公室",
    writtenOn: null,
    note: null,
    printedBy: "南宁市人民政府办公室",
    printedOn: null,
    needsCountersign: true,
    bodyHtml: BODY,
    bodyRevision: 1,
    sourceDocumentId: null,
    fromUnitId: null,
    receivedAt: null,
    hasPdf: false,
    archivedAt: null,
    createdAt: "2026-11-27T08:00:00.000Z",
    updatedAt: "2026-11-27T08:00:00.000Z",
    unitName: "南宁市人民政府办公室",
    drafterName: "刘刚",
    fromUnitName: null,
    process: { instanceId: 5, processVersionId: 1, status: "running", currentNodeId: "draft", doneNodeIds: [] },
    tasks: [],
    history: [],
    revisions: [{ revision: 1, authorName: "刘刚", at: "2026-11-27T08:00:00.000Z" }],
    attachments: [],
    distributions: [],
    myTasks: [],
    abilities: {
      edit: true,
      submit: false,
      withdraw: false,
      changeSigners: false,
      urge: true,
      terminate: false,
      number: false,
      voidNumber: false,
      renderPdf: false,
      circulate: false,
      attach: true,
      sendBack: false,
    },
    ...partial,
  };
}

describe("the 公文 form", () => {
  it("offers the 15 types the server takes, in the regulation's order", () => {
    expect(DOC_TYPES).toEqual([...SERVER_DOC_TYPES]);
  });

  it("sends back what it loaded: units by id with the tree's names, typed names as they are", () => {
    const loaded = view();
    const form = formOf(loaded);
    expect(form.mainRecipients).toEqual([16, "广西大学"]);
    const body = createBody(form, loaded.bodyHtml, unitName);
    expect(body.mainRecipients).toEqual(loaded.mainRecipients);
    expect(body.ccRecipients).toEqual(loaded.ccRecipients);
    expect(body.urgency).toBe("加急");
    expect(body.copyNo).toBeNull();
    expect(body.bodyHtml).toBe(BODY);
    expect(changedFields(body, createBody(formOf(loaded), loaded.bodyHtml, unitName))).toEqual({});
  });

  it("keeps a unit the tree no longer has under the name the document gave it, and drops blank names", () => {
    expect(recipientsOf([99, "  ", " 自治区教育厅 "], (id) => (id === 99 ? "南宁市第九中学" : undefined))).toEqual([
      { unitId: 99, name: "南宁市第九中学" },
      { unitId: null, name: "自治区教育厅" },
    ]);
  });

  it("sends only what changed: a new paragraph of the 正文, a recipient added", () => {
    const loaded = view();
    const before = createBody(formOf(loaded), loaded.bodyHtml, unitName);
    const form = formOf(loaded);
    form.ccRecipients = [...form.ccRecipients, 16];
    const added = `${BODY}<p>${articles[5]}</p>`;
    const patch = changedFields(before, createBody(form, added, unitName));
    expect(Object.keys(patch).sort()).toEqual(["bodyHtml", "ccRecipients"]);
    expect(patch.bodyHtml).toBe(added);
    expect(patch.ccRecipients).toEqual([
      { unitId: 17, name: "南宁市财政局" },
      { unitId: 16, name: "南宁市教育局" },
    ]);
  });
});

describe("the document page", () => {
  const returned = entry({
    id: 12,
    action: "return",
    nodeId: "countersign",
    nodeName: "会签",
    comment: "请在正文中补充义务教育经费保障的要求后再报。",
    detail: { to: "draft" },
  });
  const draftTask = {
    id: 31,
    kind: "do" as const,
    nodeId: "draft",
    nodeName: "拟稿",
    action: "draft",
    returnTargets: [],
    next: { nodeId: "review", name: "部门核稿", choose: false, countersign: false },
    onBehalfOf: null,
  };

  it("shows the reason of the return that sent the document to the person now holding it", () => {
    const history = [entry({ id: 10, action: "submit" }), returned, entry({ id: 13, action: "enter" })];
    expect(lastReturn(view({ history, myTasks: [draftTask] }))?.comment).toBe(returned.comment);
    // Someone else's return (to another step), or one already answered by a new submission, is not shown.
    expect(lastReturn(view({ history, myTasks: [{ ...draftTask, nodeId: "review" }] }))).toBeNull();
    expect(lastReturn(view({ history: [...history, entry({ id: 14, action: "submit" })], myTasks: [] }))).toBeNull();
  });

  it("collects the leaders' 批示: comments made at an 'instruct' step only", () => {
    const task = (nodeId: string, action: string) => ({
      id: nodeId.length,
      kind: "do" as const,
      nodeId,
      nodeName: nodeId,
      action,
      status: "done" as const,
      outcome: "approved" as const,
      role: null,
      assigneeName: "覃局长",
      ownerId: 1,
      ownerName: null,
      comment: null,
      createdAt: null,
      dueAt: null,
      completedAt: null,
    });
    const words = INSTRUCT_PHRASES[3]!.replace("XX", "教育科");
    const found = instructions(
      view({
        tasks: [task("propose", "propose"), task("instruct", "instruct")],
        history: [
          entry({ id: 1, action: "approve", nodeId: "propose", comment: "拟请局长阅示。" }),
          entry({ id: 2, action: "approve", nodeId: "instruct", comment: words }),
          entry({ id: 3, action: "approve", nodeId: "instruct", comment: null }),
        ],
      }),
    );
    expect(found.map((e) => e.comment)).toEqual([words]);
  });

  it("marks the steps with open work as current, else the step the process says", () => {
    const open = (id: number, nodeId: string, status: "open" | "waiting" | "done") => ({
      ...{ kind: "do" as const, nodeName: nodeId, action: "countersign", outcome: null, role: null },
      ...{ assigneeName: null, ownerId: id, ownerName: null, comment: null, createdAt: null, dueAt: null },
      ...{ completedAt: null, id, nodeId, status },
    });
    expect(currentNodeIds(view({ tasks: [open(1, "review", "done"), open(2, "countersign", "open")] }))).toEqual([
      "countersign",
    ]);
    expect(currentNodeIds(view({ tasks: [open(1, "review", "done")] }))).toEqual(["draft"]);
  });

  it("names the main button after the step: 提交, 签发, 签收, 已阅, else 同意", () => {
    expect(approveLabel({ kind: "do", action: "draft" })).toBe("oa.approve.by.draft");
    expect(approveLabel({ kind: "do", action: "receive" })).toBe("oa.approve.by.receive");
    expect(approveLabel({ kind: "read", action: "read" })).toBe("oa.approve.read");
    expect(approveLabel({ kind: "do", action: "custom-step" })).toBe("oa.approve.default");
    expect(approveLabel({ kind: "do", action: null })).toBe("oa.approve.default");
    expect(phrasesFor("instruct")).toBe(INSTRUCT_PHRASES);
    expect(phrasesFor("review")).toContain("同意。");
  });
});
