import type { MailFolder, MailMessage } from "../models/index.js";
import type { MessageContent, MessagePart } from "../services/reading.js";
import type {
  MessageBody,
  MessagePartBody,
  MessageSourceBody,
  MessageSummaryBody,
  MailSearchHitBody,
} from "./readShapes.js";
import type { MailHit } from "../services/mailSearch.js";

/** The images a browser shows itself, safely, from an <img>: no SVG (a document that can carry script). */
export const INLINE_IMAGE_TYPES: ReadonlySet<string> = new Set([
  "image/png",
  "image/jpeg",
  "image/pjpeg",
  "image/gif",
  "image/webp",
  "image/bmp",
  "image/avif",
]);

export const messagePath = (m: Pick<MailMessage, "mailboxId" | "id">) =>
  `/api/mail/mailboxes/${m.mailboxId}/messages/${m.id}`;

export function presentMessageSummary(m: MailMessage): MessageSummaryBody {
  return {
    id: m.id,
    mailboxId: m.mailboxId,
    folderId: m.folderId,
    uid: m.uid,
    subject: m.subject,
    from: m.fromAddress || m.fromName ? { name: m.fromName ?? "", address: m.fromAddress ?? "" } : null,
    toText: m.toText,
    sentAt: m.sentAt ? m.sentAt.toISOString() : null,
    receivedAt: m.receivedAt.toISOString(),
    size: m.size,
    hasAttachments: m.hasAttachments,
    seen: m.seen,
    flagged: m.flagged,
    answered: m.answered,
    // A message that answers none starts its own thread.
    threadId: m.threadId ?? m.id,
    unreadable: m.parseError !== null,
  };
}

export function presentHit(hit: MailHit): MailSearchHitBody {
  return { ...presentMessageSummary(hit.message), match: hit.match };
}

function presentPart(m: MailMessage, part: MessagePart): MessagePartBody {
  const base = messagePath(m);
  return {
    index: part.index,
    filename: part.filename,
    contentType: part.contentType,
    size: part.size,
    cid: part.cid,
    inline: part.inline,
    url: `${base}/attachments/${part.index}`,
    inlineUrl: INLINE_IMAGE_TYPES.has(part.contentType) ? `${base}/inline/${part.index}` : null,
  };
}

export function presentMessage(
  m: MailMessage,
  props: {
    folder: MailFolder;
    /** Null when it could not be parsed: `source` then shows it. */
    content: MessageContent | null;
    parseError: string | null;
    source: MessageSourceBody | null;
    thread: readonly MailMessage[];
  },
): MessageBody {
  const { content } = props;
  const base = messagePath(m);
  return {
    ...presentMessageSummary(m),
    unreadable: props.parseError !== null,
    messageId: content?.messageId ?? null,
    folder: { id: props.folder.id, name: props.folder.name, role: props.folder.role },
    headers: {
      from: content?.from ?? [],
      to: content?.to ?? [],
      cc: content?.cc ?? [],
      replyTo: content?.replyTo ?? [],
      date: content?.date ? content.date.toISOString() : null,
      subject: content?.subject ?? m.subject,
      inReplyTo: content?.inReplyTo ?? null,
      references: content?.references ?? [],
    },
    text: content?.text ?? null,
    html: content?.html ?? null,
    attachments: (content?.attachments ?? []).map((part) => presentPart(m, part)),
    parseError: props.parseError,
    source: props.source,
    thread: props.thread.map(presentMessageSummary),
    links: { raw: `${base}/raw`, source: `${base}/source` },
  };
}
