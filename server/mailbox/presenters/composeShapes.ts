/**
 * What the compose routes (routes/compose) take and answer, as types only:
 * the SPA imports them type-only (client/src/api/mailCompose.ts), so the two
 * sides cannot drift apart. Imports nothing: the client's typecheck must not
 * reach the mail store.
 */

export type RecipientKind = "person" | "unit" | "list" | "alias";

/** One suggestion of GET /api/mail/recipients. */
export interface RecipientBody {
  kind: RecipientKind;
  name: string;
  address: string;
  /** A person's unit; null for the others. */
  detail: string | null;
}

/** What a message is composed from (services/compose.ts ComposeFormSchema). Addresses are bare (a@b). */
export interface ComposeFormBody {
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
export interface ComposeUploadBody {
  id: number;
  filename: string;
  contentType: string;
  size: number;
}

export type ComposeMode = "reply" | "replyAll" | "forward";

/** The form a reply, reply-all or forward starts from, with who wrote the original and when. */
export interface ComposeStartBody {
  form: ComposeFormBody & { attribution: { date: string | null; from: string } };
}

export interface DraftBody {
  draftId: number;
  form: ComposeFormBody;
  uploads: ComposeUploadBody[];
}

export interface SavedDraftBody {
  draftId: number;
  savedAt: string;
}

export interface SendResultBody {
  queueId: string;
  /** Recipients on this server, delivered at once. */
  local: number;
  /** Recipients elsewhere, queued. */
  remote: number;
  /** The copy in Sent (null when the same bytes were sent from this mailbox before). */
  sentId: number | null;
}
