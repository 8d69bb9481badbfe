import type { z } from "zod";
import { http, uploadForm, type UploadProgress } from "../request";
// The shapes are the server's own (a types-only module the presenters are typed with), the request
// bodies its zod schemas' inputs: erased from the bundle, never copied by hand.
import type {
  AttachmentBody,
  DiffPartBody,
  DocType,
  DocumentAbilities,
  DocumentFieldsBody,
  DocumentNumberBody,
  DocumentStatus,
  DocumentTaskBody,
  DocumentViewBody,
  HistoryAction,
  HistoryEntryBody,
  MyTask,
  RecipientUnit,
  Urgency,
} from "../../../../server/oa/presenters/shapes";
import type {
  CirculateSchema,
  CreateDocumentSchema,
  NumberSchema,
  UpdateDocumentSchema,
} from "../../../../server/oa/routes/documents/schema";
import type { ApproveSchema, ReturnSchema } from "../../../../server/oa/routes/tasks/schema";
import type { ProcessVersionDetail } from "./processes";

export type {
  AttachmentBody as DocumentAttachment,
  DiffPartBody as DiffPart,
  DocType,
  DocumentAbilities,
  DocumentFieldsBody as DocumentFields,
  DocumentNumberBody as DocumentNumber,
  DocumentStatus,
  DocumentTaskBody as DocumentTask,
  DocumentViewBody as DocumentView,
  HistoryAction,
  HistoryEntryBody as HistoryEntry,
  MyTask,
  RecipientUnit,
  Urgency,
};

// Request bodies as the server's schemas parse them (ids as numbers, defaults filled in): what the
// client sends is what the server works with. Moments the server turns into Dates are sent as ISO strings.
export type DocumentCreate = z.output<typeof CreateDocumentSchema>["body"];
export type DocumentUpdate = z.output<typeof UpdateDocumentSchema>["body"];
export type NumberRequest = z.output<typeof NumberSchema>["body"];
export type CirculateRequest = z.output<typeof CirculateSchema>["body"];
export type ReturnRequest = z.output<typeof ReturnSchema>["body"];
type ParsedApproval = z.output<typeof ApproveSchema>["body"];
/** 承办 after 批办: a handler as 主办 (lead) or 协办 (assist), with a deadline of their own. */
export type Assignment = Omit<NonNullable<ParsedApproval["assignments"]>[number], "dueAt"> & { dueAt?: string };
/** 同意 …: a comment, the people of the next step, or — for 承办 after 批办 — each with a role and deadline. */
export type ApproveRequest = Omit<ParsedApproval, "assignments"> & { assignments?: Assignment[] };

/** What an approval, return or transfer answers: where the document is now. */
export interface TaskResult {
  documentId: number;
  currentNodeId?: string | null;
  ended?: boolean;
}

const doc = (id: number) => `/api/oa/documents/${id}`;

export const getDocument = (id: number) => http.get<DocumentViewBody>(doc(id));

export const createDocument = (body: DocumentCreate) => http.post<DocumentViewBody>("/api/oa/documents", body);

export const updateDocument = (id: number, body: DocumentUpdate) => http.patch<DocumentViewBody>(doc(id), body);

export const submitDocument = (id: number, body: { comment?: string | null; chosen?: number[] }) =>
  http.post<DocumentViewBody>(`${doc(id)}/submit`, body);

export const withdrawDocument = (id: number, comment: string | null) =>
  http.post<DocumentViewBody>(`${doc(id)}/withdraw`, { comment });

/** 加签 (add) or 减签 (remove) on the running 会签; one of the two at a time. */
export const changeSigners = (id: number, body: { add: number[] } | { remove: number[] }) =>
  http.post<DocumentViewBody>(`${doc(id)}/signers`, body);

export const urgeDocument = (id: number, message: string) =>
  http.post<{ urged: number }>(`${doc(id)}/urge`, { message });

export const terminateDocument = (id: number, comment: string) =>
  http.post<DocumentViewBody>(`${doc(id)}/terminate`, { comment });

/** 退回来文单位: a received document goes back to its sender with the reason (签收, 登记 or 初审). */
export const sendBackDocument = (id: number, comment: string) =>
  http.post<DocumentViewBody>(`${doc(id)}/send-back`, { comment });

export const circulateDocument = (id: number, body: CirculateRequest) =>
  http.post<DocumentViewBody>(`${doc(id)}/circulate`, body);

export const numberDocument = (id: number, body: NumberRequest) =>
  http.post<DocumentViewBody>(`${doc(id)}/number`, body);

export const voidDocumentNumber = (id: number, reason: string) =>
  http.post<DocumentViewBody>(`${doc(id)}/void-number`, { reason });

export const listDocumentNumbers = (id: number) => http.get<{ items: DocumentNumberBody[] }>(`${doc(id)}/numbers`);

export const renderDocumentPdf = (id: number) => http.post<DocumentViewBody>(`${doc(id)}/pdf`);

/** The rendered PDF, shown inline by the browser. */
export const documentPdfUrl = (id: number) => `${doc(id)}/pdf`;

export const documentFileUrl = (id: number, fileId: number) => `${doc(id)}/files/${fileId}`;

/** Uploads attachments (multipart, field "files"), reporting the bytes sent. */
export function uploadAttachments(
  id: number,
  files: File[],
  onProgress?: (p: UploadProgress) => void,
): Promise<{ items: AttachmentBody[] }> {
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  return uploadForm<{ items: AttachmentBody[] }>(`${doc(id)}/attachments`, form, onProgress);
}

export const diffRevisions = (id: number, from: number, to: number) =>
  http.get<{ from: number; to: number; parts: DiffPartBody[] }>(`${doc(id)}/revisions/diff`, { from, to });

/** 同意/提交/已阅; `chosen`: the people of the next step when the actor picks them (`assignments` for 承办). */
export const approveTask = (taskId: number, body: ApproveRequest) =>
  http.post<TaskResult>(`/api/oa/tasks/${taskId}/approve`, body);

/** 退回 with the reason, to the previous step, the drafter, or an earlier step's node id. */
export const returnTask = (taskId: number, body: ReturnRequest) =>
  http.post<TaskResult>(`/api/oa/tasks/${taskId}/return`, body);

/** 转办 to someone else, who then owns the task. */
export const transferTask = (taskId: number, body: { toUserId: number; comment?: string | null }) =>
  http.post<TaskResult>(`/api/oa/tasks/${taskId}/transfer`, body);

/** The process version a document runs (its processVersionId), for the flow diagram. */
export const getProcessVersionById = (versionId: number) =>
  http.get<ProcessVersionDetail>(`/api/oa/process-versions/${versionId}`);
