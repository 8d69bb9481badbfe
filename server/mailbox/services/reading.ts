import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { MailParser, type AddressObject, type AttachmentStream, type EmailAddress, type MessageText } from "mailparser";
import type { BlobStore } from "../../core/blobStore.js";
import type { MailMessage } from "../models/index.js";

/**
 * Reading a stored message: its raw source is the trace headers this server
 * added on arrival followed by the bytes as received (the blob). Parsed as a
 * stream with mailparser's MailParser, so an attachment is counted or piped
 * out as it is decoded and a 50 MB message is never held whole in memory;
 * only the text and HTML bodies are kept.
 */

/** One mailbox of an address header. */
export interface MailAddress {
  name: string;
  address: string;
}

/** A part of a message that is not its text: a file, or an image the HTML shows (cid). */
export interface MessagePart {
  /** Its place among the message's parts, in the order mailparser meets them: what downloads ask for. */
  index: number;
  filename: string | null;
  contentType: string;
  /** Decoded bytes. */
  size: number;
  /** The Content-ID without angle brackets, for the HTML's cid: links. */
  cid: string | null;
  /** Shown in the text (an embedded image) rather than a file attached to it. */
  inline: boolean;
}

/** What a reader sees of a message, and what replying to or forwarding it needs. */
export interface MessageContent {
  messageId: string | null;
  subject: string | null;
  date: Date | null;
  from: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  replyTo: MailAddress[];
  inReplyTo: string | null;
  references: string[];
  /** The plain text (made from the HTML when the message has none), or null. */
  text: string | null;
  /** The HTML as sent: never shown unsanitised, never served as text/html. */
  html: string | null;
  attachments: MessagePart[];
}

/** Parsing limits: an HTML body longer than this is not turned into text (the HTML itself is still shown). */
const PARSER_OPTIONS = {
  checksumAlgo: false,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  maxHtmlLengthToParse: 4 * 1024 * 1024,
} as const;

/** The raw source as it is downloaded and parsed: the trace headers on top of the bytes received. */
export async function openSource(blobs: BlobStore, message: Pick<MailMessage, "sha256" | "traceHeaders">) {
  const body = await blobs.open(message.sha256);
  if (!message.traceHeaders) return body;
  const trace = Buffer.from(message.traceHeaders, "utf8");
  return Readable.from(
    (async function* () {
      yield trace;
      yield* body;
    })(),
  );
}

const addresses = (value: AddressObject | AddressObject[] | undefined): MailAddress[] =>
  (Array.isArray(value) ? value : value ? [value] : [])
    .flatMap((header) => header.value)
    // A group (undisclosed-recipients:;) lists its members; an empty one adds nobody.
    .flatMap((entry: EmailAddress) => (entry.group ? entry.group : [entry]))
    .filter((entry) => entry.address || entry.name)
    .map((entry) => ({ name: entry.name ?? "", address: entry.address ?? "" }));

const messageIds = (value: string | string[] | undefined): string[] =>
  (Array.isArray(value) ? value : value ? value.split(/\s+/) : []).map((id) => id.trim()).filter(Boolean);

function partOf(attachment: AttachmentStream, index: number, size: number): MessagePart {
  const disposition = attachment.contentDisposition?.toLowerCase();
  return {
    index,
    filename: attachment.filename?.trim() || null,
    contentType: attachment.contentType.toLowerCase(),
    size,
    cid: attachment.cid ?? null,
    // Embedded in multipart/related, or marked inline with a Content-ID the HTML can point at.
    inline: Boolean(attachment.cid && (attachment.related || disposition === "inline")),
  };
}

/** Reads a stream to its end, counting the bytes. */
async function drain(stream: Readable): Promise<number> {
  let size = 0;
  for await (const chunk of stream) size += (chunk as Buffer).length;
  return size;
}

/**
 * Walks a message: `visit` handles each attachment (it must read or drain
 * its content) and says whether to go on. The parser waits for each
 * attachment to be released, so whatever `visit` pipes out sets the pace.
 */
async function walk(
  source: Readable,
  visit: (attachment: AttachmentStream, index: number) => Promise<boolean>,
): Promise<{ parser: MailParser; text: MessageText | null }> {
  const parser = new MailParser(PARSER_OPTIONS);
  const piping = pipeline(source, parser);
  // A failure of either stream also ends the iteration below, which reports it.
  piping.catch(() => undefined);
  let text: MessageText | null = null;
  let index = 0;
  for await (const data of parser as AsyncIterable<AttachmentStream | MessageText>) {
    if (data.type === "text") {
      text = data;
      continue;
    }
    let more: boolean;
    try {
      more = await visit(data, index++);
    } finally {
      data.release?.();
    }
    if (!more) {
      source.destroy();
      parser.destroy();
      return { parser, text };
    }
  }
  await piping;
  return { parser, text };
}

/** Parses a message for reading: headers, text, HTML and the list of its parts (their content is only counted). */
export async function readContent(source: Readable): Promise<MessageContent> {
  const attachments: MessagePart[] = [];
  const { parser, text } = await walk(source, async (attachment, index) => {
    attachments.push(partOf(attachment, index, await drain(attachment.content)));
    return true;
  });
  const date = parser.date && !Number.isNaN(parser.date.getTime()) ? parser.date : null;
  return {
    messageId: parser.messageId ?? null,
    subject: parser.subject ?? null,
    date,
    from: addresses(parser.from),
    to: addresses(parser.to),
    cc: addresses(parser.cc),
    replyTo: addresses(parser.replyTo),
    inReplyTo: messageIds(parser.inReplyTo)[0] ?? null,
    references: messageIds(parser.references),
    text: text?.text ?? null,
    html: typeof text?.html === "string" ? text.html : null,
    attachments,
  };
}

/**
 * One part's content as a stream, piped as it is decoded (and as fast as the
 * reader takes it), or null when the message has no part `index`. Parsing
 * stops once that part has been read.
 */
export function openPart(source: Readable, index: number): Promise<{ part: MessagePart; stream: Readable } | null> {
  return new Promise((resolve, reject) => {
    let found = false;
    walk(source, async (attachment, at) => {
      if (at !== index) {
        await drain(attachment.content);
        return true;
      }
      found = true;
      const stream = new PassThrough();
      // The size is not known before the part is decoded: the answer is sent chunked.
      resolve({ part: partOf(attachment, at, 0), stream });
      await pipeline(attachment.content, stream);
      return false;
    }).then(
      () => {
        if (!found) resolve(null);
      },
      (error: unknown) => {
        // Once the stream was handed out, a failure (the reader went away) ends that stream, which is enough.
        if (!found) reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** The most of a raw source shown as text in the reading pane; the .eml download has it all. */
export const SOURCE_PREVIEW_BYTES = 1024 * 1024;

/**
 * The beginning of a raw source as text: UTF-8 when it is (7-bit MIME always
 * is), else GB18030, the superset of GB2312 and GBK that 8-bit Chinese mail
 * of the 2000s was written in; what neither decodes shows as U+FFFD.
 */
export async function sourcePreview(source: Readable): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let length = 0;
  let truncated = false;
  for await (const chunk of source) {
    const buffer = chunk as Buffer;
    chunks.push(buffer);
    length += buffer.length;
    if (length > SOURCE_PREVIEW_BYTES) {
      truncated = true;
      break;
    }
  }
  source.destroy();
  const bytes = Buffer.concat(chunks).subarray(0, SOURCE_PREVIEW_BYTES);
  try {
    // stream: a character cut at the end is left out rather than read as an error.
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true }), truncated };
  } catch {
    return { text: new TextDecoder("gb18030").decode(bytes), truncated };
  }
}
