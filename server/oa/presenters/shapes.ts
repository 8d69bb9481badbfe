/**
 * What the OA's document, inbox, delegation and 机关代字 answers look like on
 * the wire. The presenters are typed with these, so the compiler holds them to
 * it; the SPA imports this file type-only (client/src/api/oa/*), so its types
 * are the server's own and cannot drift. Imports nothing but types.
 */
import type {
  AttachmentKind,
  Direction,
  DistributionKind,
  DocType,
  DocumentStatus,
  NumberStatus,
  RecipientUnit,
  Urgency,
} from "../models/document.js";
import type { HistoryAction, InstanceStatus, TaskKind, TaskOutcome, TaskStatus, TaskRole } from "../models/engine.js";

export type { AttachmentKind, Direction, DistributionKind, DocType, DocumentStatus, NumberStatus, RecipientUnit };
export type { HistoryAction, InstanceStatus, TaskKind, TaskOutcome, TaskRole, TaskStatus, Urgency };

/** One of the actor's open tasks on the document, with what acting on it needs. */
export interface MyTask {
  id: number;
  kind: TaskKind;
  nodeId: string;
  nodeName: string;
  /** What the 公文 does at the step (draft, review, countersign, sign, number, receive, instruct …). */
  action: string | null;
  /** Steps the document may go back to from here. */
  returnTargets: { nodeId: string; name: string }[];
  /** The next step, and whether the actor must choose its people (several for a 会签). */
  next: { nodeId: string; name: string; choose: boolean; countersign: boolean } | null;
  /** The person the actor acts for (委托), by name. */
  onBehalfOf: string | null;
}

/** What the actor may do on the document now; the page shows buttons from these and from myTasks only. */
export interface DocumentAbilities {
  edit: boolean;
  submit: boolean;
  withdraw: boolean;
  changeSigners: boolean;
  urge: boolean;
  terminate: boolean;
  number: boolean;
  voidNumber: boolean;
  renderPdf: boolean;
  circulate: boolean;
  attach: boolean;
  /** 初审: send a received document back to its sender with a reason. */
  sendBack: boolean;
}

export interface AttachmentBody {
  id: number;
  kind: AttachmentKind;
  name: string;
  size: number;
  mime: string;
  createdAt: string | null;
}

/** The GB/T 9704 elements and the state of a document. */
export interface DocumentFieldsBody {
  id: number;
  direction: Direction;
  status: DocumentStatus;
  unitId: number;
  departmentId: number | null;
  drafterId: number;
  docType: DocType;
  title: string;
  urgency: Urgency | null;
  copyNo: string | null;
  issuerMark: string | null;
  docNumber: string | null;
  signers: string[];
  mainRecipients: RecipientUnit[];
  ccRecipients: RecipientUnit[];
  signatureOrg: string | null;
  writtenOn: string | null;
  note: string | null;
  printedBy: string | null;
  printedOn: string | null;
  needsCountersign: boolean;
  bodyHtml: string;
  bodyRevision: number;
  sourceDocumentId: number | null;
  fromUnitId: number | null;
  receivedAt: string | null;
  hasPdf: boolean;
  archivedAt: string | null;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface DocumentTaskBody {
  id: number;
  kind: TaskKind;
  nodeId: string;
  nodeName: string;
  action: string | null;
  status: TaskStatus;
  /** 承办: lead (主办) or assisting (协办) handler. */
  role: TaskRole | null;
  outcome: TaskOutcome | null;
  assigneeName: string | null;
  /** Whose task it is (a 会签 signer to remove is named by it). */
  ownerId: number;
  /** Whose task it is when someone else holds it (委托). */
  ownerName: string | null;
  comment: string | null;
  createdAt: string | null;
  dueAt: string | null;
  completedAt: string | null;
}

export interface HistoryEntryBody {
  id: number;
  action: HistoryAction;
  nodeId: string | null;
  nodeName: string | null;
  actorName: string | null;
  onBehalfOfName: string | null;
  comment: string | null;
  detail: Record<string, unknown> | null;
  at: string | null;
}

/** GET /api/oa/documents/:id: the document page. */
export interface DocumentViewBody extends DocumentFieldsBody {
  unitName: string;
  drafterName: string | null;
  fromUnitName: string | null;
  process: {
    instanceId: number;
    processVersionId: number;
    status: InstanceStatus;
    currentNodeId: string | null;
    doneNodeIds: string[];
  } | null;
  tasks: DocumentTaskBody[];
  history: HistoryEntryBody[];
  revisions: { revision: number; authorName: string | null; at: string | null }[];
  attachments: AttachmentBody[];
  distributions: {
    unitId: number;
    unitName: string | null;
    kind: DistributionKind;
    signedAt: string | null;
    signedByName: string | null;
    /** When and why the receiving unit sent it back (初审), if it did. */
    returnedAt: string | null;
    returnReason: string | null;
  }[];
  myTasks: MyTask[];
  abilities: DocumentAbilities;
}

export type InboxBox = "todo" | "toRead" | "done" | "drafts" | "overdue";

/** A row of 待办, 待阅, 已办, 我的草稿 or 督办. */
export interface InboxItem {
  taskId: number | null;
  nodeName: string | null;
  action: string | null;
  /** When the task reached the person, or when they last acted (已办), or last saved (草稿). */
  at: string | null;
  dueAt: string | null;
  documentId: number;
  title: string;
  docType: string;
  urgency: string | null;
  docNumber: string | null;
  direction: string;
  status: string;
  drafterName: string;
  unitName: string;
  /** 督办: who the task waits for. */
  assigneeName?: string;
  /** The person acts for this owner (委托). */
  onBehalfOfName?: string | null;
}

export interface DelegationBody {
  id: number;
  fromUserId: number;
  fromName: string | null;
  toUserId: number;
  toName: string | null;
  startsAt: string;
  endsAt: string;
  reason: string | null;
  revokedAt: string | null;
  active: boolean;
  abilities: { revoke: boolean };
}

export interface NumberCodeBody {
  id: number;
  unitId: number;
  unitName: string | null;
  code: string;
  name: string;
  enabled: boolean;
  abilities: { manage: boolean };
}

/** A 文号 given to a document, or voided since. */
export interface DocumentNumberBody {
  docNumber: string;
  status: NumberStatus;
  reason: string | null;
  at: string;
}

/** A 文号 in a 机关代字's log. */
export interface NumberLogBody extends DocumentNumberBody {
  year: number;
  seq: number;
  documentId: number | null;
}

export interface DiffPartBody {
  change: "same" | "added" | "removed";
  text: string;
}
