import type { FormRules } from "element-plus";
import type {
  DocType,
  DocumentCreate,
  DocumentFields,
  DocumentUpdate,
  DocumentView,
  HistoryEntry,
  RecipientUnit,
  Urgency,
} from "@/api/oa/documents";

/**
 * The 15 types of 党政机关公文处理工作条例 (2012), in its order. A record over the
 * server's DocType, so a type missing or extra here fails the type check.
 */
const TYPES: Record<DocType, true> = {
  决议: true,
  决定: true,
  命令: true,
  公报: true,
  公告: true,
  通告: true,
  意见: true,
  通知: true,
  通报: true,
  报告: true,
  请示: true,
  批复: true,
  议案: true,
  函: true,
  纪要: true,
};
export const DOC_TYPES = Object.keys(TYPES).filter((key): key is DocType => key in TYPES);

export const URGENCIES: readonly Urgency[] = ["特急", "加急"];

/** A 主送/抄送 recipient in the picker: a unit of the organisation by id, or a name typed in. */
export type RecipientValue = number | string;

export interface DocumentFormModel {
  docType: DocType;
  title: string;
  urgency: Urgency | "";
  copyNo: string;
  issuerMark: string;
  mainRecipients: RecipientValue[];
  ccRecipients: RecipientValue[];
  signatureOrg: string;
  writtenOn: string;
  note: string;
  printedBy: string;
  printedOn: string;
  needsCountersign: boolean;
}

export function emptyForm(): DocumentFormModel {
  return {
    docType: "通知",
    title: "",
    urgency: "",
    copyNo: "",
    issuerMark: "",
    mainRecipients: [],
    ccRecipients: [],
    signatureOrg: "",
    writtenOn: "",
    note: "",
    printedBy: "",
    printedOn: "",
    needsCountersign: false,
  };
}

const valuesOf = (list: RecipientUnit[]): RecipientValue[] => list.map((r) => r.unitId ?? r.name);

export function formOf(view: DocumentFields): DocumentFormModel {
  return {
    docType: view.docType,
    title: view.title,
    urgency: view.urgency ?? "",
    copyNo: view.copyNo ?? "",
    issuerMark: view.issuerMark ?? "",
    mainRecipients: valuesOf(view.mainRecipients),
    ccRecipients: valuesOf(view.ccRecipients),
    signatureOrg: view.signatureOrg ?? "",
    writtenOn: view.writtenOn ?? "",
    note: view.note ?? "",
    printedBy: view.printedBy ?? "",
    printedOn: view.printedOn ?? "",
    needsCountersign: view.needsCountersign,
  };
}

/** Recipients as the server keeps them; a unit's name from the tree (or as the document had it). */
export function recipientsOf(values: RecipientValue[], unitName: (id: number) => string | undefined): RecipientUnit[] {
  return values.flatMap((value): RecipientUnit[] => {
    if (typeof value === "number") return [{ unitId: value, name: unitName(value) ?? `#${value}` }];
    const name = value.trim();
    return name ? [{ unitId: null, name }] : [];
  });
}

const orNull = (value: string) => value.trim() || null;

/** The body of POST /documents from the form and the 正文. */
export function createBody(
  form: DocumentFormModel,
  bodyHtml: string,
  unitName: (id: number) => string | undefined,
): DocumentCreate {
  return {
    docType: form.docType,
    title: form.title.trim(),
    urgency: form.urgency || null,
    copyNo: orNull(form.copyNo),
    issuerMark: orNull(form.issuerMark),
    mainRecipients: recipientsOf(form.mainRecipients, unitName),
    ccRecipients: recipientsOf(form.ccRecipients, unitName),
    signatureOrg: orNull(form.signatureOrg),
    writtenOn: orNull(form.writtenOn),
    note: orNull(form.note),
    printedBy: orNull(form.printedBy),
    printedOn: orNull(form.printedOn),
    needsCountersign: form.needsCountersign,
    bodyHtml,
  };
}

/** Only what changed, for PATCH /documents/:id (an unchanged 正文 makes no new revision). */
export function changedFields(before: DocumentCreate, after: DocumentCreate): DocumentUpdate {
  const patch: DocumentUpdate = {};
  const keys = Object.keys(after).filter((key): key is keyof DocumentCreate => key in after);
  for (const key of keys) {
    if (JSON.stringify(after[key]) !== JSON.stringify(before[key])) Object.assign(patch, { [key]: after[key] });
  }
  return patch;
}

/** The form's checks, in the reader's language (`t` is vue-i18n's). */
export function formRules(t: (key: string, params?: Record<string, unknown>) => string): FormRules {
  return {
    title: [{ required: true, message: t("common.required", { field: t("oa.form.title") }), trigger: "blur" }],
    docType: [{ required: true, message: t("common.required", { field: t("oa.form.docType") }), trigger: "change" }],
    copyNo: [{ pattern: /^\d{6}$/, message: t("oa.form.copyNoRule"), trigger: "blur" }],
  };
}

/** 批示 a leader picks and edits (领导批办); XX is for the name to fill in. */
export const INSTRUCT_PHRASES = [
  "同意。",
  "阅。",
  "请按规定办理。",
  "请XX阅处。",
  "请XX牵头，XX配合办理。",
  "请抓紧落实，办理结果报我。",
  "已阅，请有关部门研究提出意见。",
];

/** 拟办 phrases: the office proposes who should handle it. */
export const PROPOSE_PHRASES = ["拟请XX阅示。", "拟请XX部门办理。", "拟送XX同志阅。", "拟存档备查。"];

/** Everyday comments for an approval step. */
export const COMMON_PHRASES = ["同意。", "已核。", "已阅。", "请按规定办理。", "请修改后再报。"];

export function phrasesFor(action: string | null): string[] {
  if (action === "instruct") return INSTRUCT_PHRASES;
  if (action === "propose") return PROPOSE_PHRASES;
  return COMMON_PHRASES;
}

/** Step actions with a button label of their own (签发, 签收, 分发 …); others say 同意. */
const OWN_LABEL = new Set([
  "draft",
  "review",
  "officeReview",
  "countersign",
  "sign",
  "check",
  "number",
  "seal",
  "distribute",
  "archive",
  "receive",
  "register",
  "screen",
  "propose",
  "instruct",
  "handle",
  "circulate",
  "complete",
]);

/** The i18n key of the main button for a task: 提交, 同意, 签发, 签收, 已阅 … */
export function approveLabel(task: { kind: string; action: string | null }): string {
  if (task.kind === "read") return "oa.approve.read";
  return task.action && OWN_LABEL.has(task.action) ? `oa.approve.by.${task.action}` : "oa.approve.default";
}

/** The most recent 退回 that sent the document to the person who now holds it (shown above the page). */
export function lastReturn(view: DocumentView): HistoryEntry | null {
  const mine = new Set(view.myTasks.map((task) => task.nodeId));
  for (let i = view.history.length - 1; i >= 0; i--) {
    const entry = view.history[i]!;
    if (entry.action === "return") {
      const to = typeof entry.detail?.to === "string" ? entry.detail.to : null;
      return to !== null && mine.has(to) ? entry : null;
    }
    if (["submit", "approve", "withdraw", "transfer"].includes(entry.action)) return null;
  }
  return null;
}

/** The leaders' 批示: comments made at an 'instruct' step, newest last. */
export function instructions(view: DocumentView): HistoryEntry[] {
  const instructNodes = new Set(view.tasks.filter((task) => task.action === "instruct").map((task) => task.nodeId));
  return view.history.filter(
    (entry) => entry.action === "approve" && entry.comment && entry.nodeId && instructNodes.has(entry.nodeId),
  );
}

/** The open tasks of the step the document is at, whoever holds them (the flow's "now"). */
export function currentNodeIds(view: DocumentView): string[] {
  const open = view.tasks.filter((task) => task.kind === "do" && task.status === "open").map((task) => task.nodeId);
  return [...new Set(open.length ? open : view.process?.currentNodeId ? [view.process.currentNodeId] : [])];
}
