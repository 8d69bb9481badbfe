/**
 * What webmail's reading answers look like on the wire (/api/mail/mailboxes…).
 * The presenters are typed with these, so the compiler holds them to it; the
 * SPA imports this file type-only (client/src/api/mail.ts), so its types are
 * the server's own and cannot drift. Imports nothing but types.
 */
import type { Marked } from "../../search/types.js";
import type { FolderRole, MailboxKind } from "../models/index.js";

export type { FolderRole, MailboxKind, Marked };

export interface MailFolderBody {
  id: number;
  name: string;
  /** inbox, sent, drafts, trash, junk; null for the user's own. */
  role: FolderRole | null;
  total: number;
  unread: number;
  abilities: { rename: boolean; remove: boolean };
}

export interface MailboxBody {
  id: number;
  address: string;
  kind: MailboxKind;
  /** The person's name, or the unit's. */
  name: string;
  /** How the caller holds it: their own, or a member of a unit mailbox (who may or may not send as it). */
  access: { as: "owner" | "member"; canSendAs: boolean };
  quota: { usedBytes: number; quotaBytes: number };
  /** Standard folders first (INBOX, Drafts, Sent, Junk, Trash), then the user's by name. */
  folders: MailFolderBody[];
}

export interface MailboxListBody {
  items: MailboxBody[];
}

export interface MailAddressBody {
  name: string;
  address: string;
}

/** A message as lists show it, from the columns read on arrival. */
export interface MessageSummaryBody {
  id: number;
  mailboxId: number;
  folderId: number;
  uid: number;
  subject: string | null;
  from: MailAddressBody | null;
  /** The To line as received ("Name <address>, …"). */
  toText: string | null;
  /** The Date header. */
  sentAt: string | null;
  receivedAt: string;
  size: number;
  hasAttachments: boolean;
  seen: boolean;
  flagged: boolean;
  answered: boolean;
  /** The first message of its thread in this mailbox (its own id when it answers none): what lists group by. */
  threadId: number;
  /** It could not be parsed on arrival: the reading pane shows its raw source. */
  unreadable: boolean;
}

export interface MessagePageBody {
  items: MessageSummaryBody[];
  total: number;
  page: number;
  pageSize: number;
}

export interface MailSearchHitBody extends MessageSummaryBody {
  /** Where the words matched (title = subject); null for a search without words. */
  match: { subject: Marked; snippet: Marked } | null;
}

export interface MailSearchBody {
  items: MailSearchHitBody[];
  total: number;
  page: number;
  pageSize: number;
}

/** A part of a message that is not its text. */
export interface MessagePartBody {
  /** What the download paths take. */
  index: number;
  filename: string | null;
  contentType: string;
  size: number;
  /** Content-ID without angle brackets: the HTML refers to it as cid:<cid>. */
  cid: string | null;
  /** An image the HTML shows, rather than a file attached. */
  inline: boolean;
  /** Downloads it (Content-Disposition: attachment). */
  url: string;
  /** Shows it in the reading pane: raster images only, else null. */
  inlineUrl: string | null;
}

/** One message as the reading pane shows it (GET marks it seen). */
export interface MessageBody extends MessageSummaryBody {
  messageId: string | null;
  folder: { id: number; name: string; role: FolderRole | null };
  headers: {
    from: MailAddressBody[];
    to: MailAddressBody[];
    cc: MailAddressBody[];
    replyTo: MailAddressBody[];
    date: string | null;
    subject: string | null;
    inReplyTo: string | null;
    references: string[];
  };
  /** The plain text (made from the HTML when there is none). */
  text: string | null;
  /** The HTML as sent, unsanitised: the client sanitises it and shows it in a sandboxed frame only. */
  html: string | null;
  attachments: MessagePartBody[];
  /** Why it could not be parsed (on arrival or now); `source` then holds its beginning. */
  parseError: string | null;
  source: MessageSourceBody | null;
  /** The other messages of its thread in this mailbox, oldest first. */
  thread: MessageSummaryBody[];
  /** The raw source: as an .eml download, and as text (JSON). */
  links: { raw: string; source: string };
}

/** The beginning of a raw source, as text. */
export interface MessageSourceBody {
  text: string;
  /** Only the first megabyte is here; the .eml download has it all. */
  truncated: boolean;
  size: number;
}

export interface FlagsResultBody {
  changed: number;
}

export interface MoveResultBody {
  /** The messages that changed folders (those there already are left out). */
  moved: number[];
}

export interface DeleteResultBody {
  /** Moved to the Trash. */
  trashed: number[];
  /** Deleted for good (they were in the Trash). */
  removed: number[];
  freedBytes: number;
  quota: { usedBytes: number; quotaBytes: number };
}

export interface FolderDeleteResultBody {
  /** Messages moved to the Trash. */
  moved: number;
}
