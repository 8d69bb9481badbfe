import { http } from "./request";
// Type-only: the shapes are the server's own presenters' (erased from the bundle, never copied).
import type {
  DeleteResultBody,
  FlagsResultBody,
  FolderDeleteResultBody,
  FolderRole,
  MailAddressBody,
  MailboxBody,
  MailboxListBody,
  MailFolderBody,
  MailSearchBody,
  MailSearchHitBody,
  Marked,
  MessageBody,
  MessagePageBody,
  MessagePartBody,
  MessageSourceBody,
  MessageSummaryBody,
  MoveResultBody,
} from "../../../server/mailbox/presenters/readShapes";

export type {
  FolderRole,
  MailAddressBody as MailAddress,
  MailboxBody as Mailbox,
  MailFolderBody as MailFolder,
  MailSearchHitBody as MailSearchHit,
  Marked,
  MessageBody as MailMessage,
  MessagePartBody as MailPart,
  MessageSourceBody as MailSource,
  MessageSummaryBody as MailSummary,
};

// ---------------------------------------------------------------------------------------------
// Reading: mailboxes, folders, lists, one message, flags, moves, deletion, search (webmail).
// ---------------------------------------------------------------------------------------------

const mailboxPath = (mailboxId: number) => `/api/mail/mailboxes/${mailboxId}`;

/** GET /api/mail/mailboxes: the caller's own mailbox and the unit mailboxes they are a member of. */
export function listMailboxes(): Promise<MailboxListBody> {
  return http.get<MailboxListBody>("/api/mail/mailboxes");
}

export interface MessageListQuery {
  page?: number;
  pageSize?: number;
  unread?: boolean;
}

/** GET …/folders/:folderId/messages: newest first. */
export function listMessages(mailboxId: number, folderId: number, query: MessageListQuery = {}) {
  return http.get<MessagePageBody>(`${mailboxPath(mailboxId)}/folders/${folderId}/messages`, {
    page: query.page,
    pageSize: query.pageSize,
    unread: query.unread ? 1 : undefined,
  });
}

export interface MailSearchQuery {
  /** Words in the subject or the text. */
  q?: string;
  subject?: string;
  body?: string;
  /** Part of the sender's address or name. */
  from?: string;
  /** Part of a recipient's address or name. */
  to?: string;
  /** Received from / to, YYYY-MM-DD. */
  dateFrom?: string;
  dateTo?: string;
  hasAttachments?: boolean;
  /** One folder; all folders when absent. */
  folderId?: number;
  page?: number;
  pageSize?: number;
}

/** GET …/search. */
export function searchMail(mailboxId: number, query: MailSearchQuery): Promise<MailSearchBody> {
  return http.get<MailSearchBody>(`${mailboxPath(mailboxId)}/search`, {
    q: query.q,
    subject: query.subject,
    body: query.body,
    from: query.from,
    to: query.to,
    dateFrom: query.dateFrom,
    dateTo: query.dateTo,
    hasAttachments: query.hasAttachments ? 1 : undefined,
    folderId: query.folderId,
    page: query.page,
    pageSize: query.pageSize,
  });
}

/** GET …/messages/:messageId: one message, which the server marks seen. */
export function getMessage(mailboxId: number, messageId: number): Promise<MessageBody> {
  return http.get<MessageBody>(`${mailboxPath(mailboxId)}/messages/${messageId}`);
}

/** GET …/messages/:messageId/source: the beginning of the raw source as text. */
export function getMessageSource(mailboxId: number, messageId: number): Promise<MessageSourceBody> {
  return http.get<MessageSourceBody>(`${mailboxPath(mailboxId)}/messages/${messageId}/source`);
}

/** POST …/messages/flags: the reader's own marks, for several messages at once. */
export function setFlags(mailboxId: number, ids: number[], flags: { seen?: boolean; flagged?: boolean }) {
  return http.post<FlagsResultBody>(`${mailboxPath(mailboxId)}/messages/flags`, { ids, ...flags });
}

/** POST …/messages/move: into another folder of the same mailbox. */
export function moveMessages(mailboxId: number, ids: number[], folderId: number): Promise<MoveResultBody> {
  return http.post<MoveResultBody>(`${mailboxPath(mailboxId)}/messages/move`, { ids, folderId });
}

/** POST …/messages/delete: to the Trash; from the Trash, for good. */
export function deleteMessages(mailboxId: number, ids: number[]): Promise<DeleteResultBody> {
  return http.post<DeleteResultBody>(`${mailboxPath(mailboxId)}/messages/delete`, { ids });
}

/** POST …/folders. */
export function createFolder(mailboxId: number, name: string): Promise<MailFolderBody> {
  return http.post<MailFolderBody>(`${mailboxPath(mailboxId)}/folders`, { name });
}

/** PATCH …/folders/:folderId. */
export function renameFolder(mailboxId: number, folderId: number, name: string): Promise<MailFolderBody> {
  return http.patch<MailFolderBody>(`${mailboxPath(mailboxId)}/folders/${folderId}`, { name });
}

/** DELETE …/folders/:folderId: its messages go to the Trash. */
export function deleteFolder(mailboxId: number, folderId: number): Promise<FolderDeleteResultBody> {
  return http.delete<FolderDeleteResultBody>(`${mailboxPath(mailboxId)}/folders/${folderId}`);
}

/** The empty document the reading pane's frame loads; `images`: remote images allowed by its policy. */
export function mailFrameUrl(images: boolean): string {
  return `/api/mail/frame?images=${images ? 1 : 0}`;
}
