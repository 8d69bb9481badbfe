import type { InboxBox, InboxItem } from "@/api/oa/inbox";

/** The columns a list can show; each list shows the ones that mean something for it. */
export type InboxColumn =
  "docNumber" | "title" | "docType" | "node" | "drafter" | "unit" | "assignee" | "status" | "at" | "dueAt";

export interface ColumnSpec {
  key: InboxColumn;
  /** i18n key of the header. */
  label: string;
  minWidth: number;
}

const COLUMNS: Record<InboxColumn, ColumnSpec> = {
  docNumber: { key: "docNumber", label: "oa.list.docNumber", minWidth: 150 },
  title: { key: "title", label: "oa.list.title", minWidth: 260 },
  docType: { key: "docType", label: "oa.list.docType", minWidth: 70 },
  node: { key: "node", label: "oa.list.node", minWidth: 100 },
  drafter: { key: "drafter", label: "oa.list.drafter", minWidth: 90 },
  unit: { key: "unit", label: "oa.list.unit", minWidth: 140 },
  assignee: { key: "assignee", label: "oa.list.assignee", minWidth: 90 },
  status: { key: "status", label: "oa.list.status", minWidth: 90 },
  at: { key: "at", label: "oa.list.receivedAt", minWidth: 140 },
  dueAt: { key: "dueAt", label: "oa.list.dueAt", minWidth: 140 },
};

const columns = (...keys: InboxColumn[]) => keys.map((key) => COLUMNS[key]);

/** Which columns each list shows, in order. The urgency tag and whom one acts for (代) go with the title. */
export const BOX_COLUMNS: Record<InboxBox, ColumnSpec[]> = {
  todo: columns("title", "docNumber", "docType", "node", "drafter", "unit", "at", "dueAt"),
  toRead: columns("title", "docNumber", "docType", "drafter", "unit", "at"),
  done: columns("title", "docNumber", "docType", "status", "drafter", "unit", "at"),
  drafts: columns("title", "docType", "at"),
  overdue: columns("title", "docNumber", "node", "assignee", "unit", "at", "dueAt"),
};

/** The time column's header differs: received (待办), acted (已办), saved (草稿). */
export const AT_LABEL: Record<InboxBox, string> = {
  todo: "oa.list.receivedAt",
  toRead: "oa.list.receivedAt",
  done: "oa.list.actedAt",
  drafts: "oa.list.savedAt",
  overdue: "oa.list.receivedAt",
};

export const PAGE_SIZES = [10, 20, 50, 100];

/** Where a row leads: the document page. */
export const documentRoute = (row: InboxItem) => ({ name: "oa-document", params: { id: row.documentId } });
