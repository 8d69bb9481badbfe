import { http, uploadForm, type UploadProgress } from "./request";

// ---------------------------------------------------------------------------------------------
// Writing mail (webmail): recipients, uploads, reply/forward forms, drafts, sending.
// The server's types live in route and service files that import the whole mail store (a
// type-only import would make the SPA's typecheck compile the server), so these follow
// server/mailbox/services/compose.ts (ComposeFormSchema) and routes/compose/index.ts.
// ---------------------------------------------------------------------------------------------

export type RecipientKind = "person" | "unit" | "list" | "alias";

/** One suggestion of GET /api/mail/recipients. */
export interface Recipient {
  kind: RecipientKind;
  name: string;
  address: string;
  /** A person's unit; null for the others. */
  detail: string | null;
}

/** What the server composes a message from (ComposeFormSchema). Addresses are bare (a@b), no names. */
export interface ComposeForm {
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text: string;
  /** Files uploaded for this message (POST /api/mail/uploads). */
  uploads: number[];
  /** Parts of a message of the same mailbox passed on (a forward's files). */
  forwardParts: { messageId: number; index: number }[];
  /** The message of the same mailbox answered (threading and the answered mark). */
  replyTo: number | null;
}

/** A file uploaded for a message, the writer's own until it is sent. */
export interface ComposeUpload {
  id: number;
  filename: string;
  contentType: string;
  size: number;
}

export type ComposeMode = "reply" | "replyAll" | "forward";

/** The form a reply, reply-all or forward starts from, with who wrote the original and when. */
export interface ComposeStart {
  form: ComposeForm & { attribution: { date: string | null; from: string } };
}

export interface DraftBody {
  draftId: number;
  form: ComposeForm;
  uploads: ComposeUpload[];
}

export interface SavedDraft {
  draftId: number;
  savedAt: string;
}

export interface SendResult {
  queueId: string;
  /** Recipients on this server, delivered at once. */
  local: number;
  /** Recipients elsewhere, queued. */
  remote: number;
  /** The copy in Sent. */
  sentId: number;
}

const mailboxPath = (mailboxId: number) => `/api/mail/mailboxes/${mailboxId}`;

/** GET /api/mail/recipients: people (name, pinyin, username), unit mailboxes, lists and aliases. */
export function searchRecipients(q: string, limit = 8): Promise<{ items: Recipient[] }> {
  return http.get<{ items: Recipient[] }>("/api/mail/recipients", { q, limit });
}

/** POST /api/mail/uploads (multipart "files"): reports the bytes sent while it uploads. */
export function uploadFiles(
  files: readonly File[],
  onProgress?: (p: UploadProgress) => void,
): Promise<{ items: ComposeUpload[] }> {
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  return uploadForm<{ items: ComposeUpload[] }>("/api/mail/uploads", form, onProgress);
}

/** DELETE /api/mail/uploads/:id. */
export function removeUpload(id: number): Promise<void> {
  return http.delete(`/api/mail/uploads/${id}`);
}

/** GET …/messages/:messageId/compose?mode=: the form a reply, reply-all or forward starts from. */
export function startCompose(mailboxId: number, messageId: number, mode: ComposeMode): Promise<ComposeStart> {
  return http.get<ComposeStart>(`${mailboxPath(mailboxId)}/messages/${messageId}/compose`, { mode });
}

/** GET …/drafts/:draftId: a saved draft, with its files. */
export function getDraft(mailboxId: number, draftId: number): Promise<DraftBody> {
  return http.get<DraftBody>(`${mailboxPath(mailboxId)}/drafts/${draftId}`);
}

/** POST …/drafts: saves the form, replacing the draft it was saved as before (`draftId`). */
export function saveDraft(mailboxId: number, form: ComposeForm, draftId: number | null): Promise<SavedDraft> {
  return http.post<SavedDraft>(`${mailboxPath(mailboxId)}/drafts`, { form, draftId });
}

/** POST …/send: sends the form from the mailbox; the draft it was saved as goes. */
export function sendMail(mailboxId: number, form: ComposeForm, draftId: number | null): Promise<SendResult> {
  return http.post<SendResult>(`${mailboxPath(mailboxId)}/send`, { form, draftId });
}
