import { http, uploadForm, type UploadProgress } from "./request";

// Writing mail (webmail): recipients, uploads, reply/forward forms, drafts, sending. Type-only from
// the server's shapes (erased from the bundle, never copied).
import type {
  ComposeFormBody as ComposeForm,
  ComposeMode,
  ComposeStartBody as ComposeStart,
  ComposeUploadBody as ComposeUpload,
  DraftBody,
  RecipientBody as Recipient,
  RecipientKind,
  SavedDraftBody as SavedDraft,
  SendResultBody as SendResult,
} from "../../../server/mailbox/presenters/composeShapes";

export type {
  ComposeForm,
  ComposeMode,
  ComposeStart,
  ComposeUpload,
  DraftBody,
  Recipient,
  RecipientKind,
  SavedDraft,
  SendResult,
};

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
