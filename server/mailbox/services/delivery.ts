import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import { simpleParser, type AddressObject } from "mailparser";
import { QueryTypes, UniqueConstraintError, type Sequelize } from "sequelize";
import type { BlobStore } from "../../core/blobStore.js";
import { MailDelivery, MailFolder, MailMessage, type Mailbox } from "../models/index.js";
import { traceHeaders, type Arrival, type Resolver } from "./authentication.js";

/** What the lists show of a message, read from its headers; what cannot be read stays null. */
export interface MessageSummary {
  messageId: string | null;
  subject: string | null;
  fromAddress: string | null;
  fromName: string | null;
  toText: string | null;
  sentAt: Date | null;
  hasAttachments: boolean;
  parseError: string | null;
}

const clip = (text: string | null | undefined, max: number) =>
  text === null || text === undefined ? null : text.length > max ? text.slice(0, max) : text;

const addressesOf = (value: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((a) => a.value);

/**
 * Reads a stored message with mailparser: encoded words and charsets such as
 * GB2312, GBK, GB18030 and Big5 decoded. A message that does not parse is still
 * kept (it shows its raw source); `parseError` says why.
 */
export async function summarise(source: Readable): Promise<MessageSummary> {
  try {
    const parsed = await simpleParser(source, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
    const from = addressesOf(parsed.from)[0];
    const to = addressesOf(parsed.to)
      .map((a) => (a.name ? `${a.name} <${a.address ?? ""}>` : (a.address ?? "")))
      .join(", ");
    const sentAt = parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : null;
    return {
      messageId: clip(parsed.messageId, 255),
      subject: clip(parsed.subject, 500),
      fromAddress: clip(from?.address?.toLowerCase(), 320),
      fromName: clip(from?.name || null, 200),
      toText: clip(to || null, 2000),
      sentAt,
      hasAttachments: parsed.attachments.some((a) => a.contentDisposition !== "inline" || !a.cid),
      parseError: null,
    };
  } catch (error) {
    return {
      messageId: null,
      subject: null,
      fromAddress: null,
      fromName: null,
      toText: null,
      sentAt: null,
      hasAttachments: false,
      parseError: clip(error instanceof Error ? error.message : String(error), 500),
    };
  }
}

export interface Delivered {
  /** The id given in the 250 answer ("queued as"). */
  queueId: string;
  sha256: string;
  size: number;
  /** The mailboxes that received it now (a mailbox that had these very bytes already is left out). */
  mailboxIds: number[];
}

/**
 * Delivers a message to the INBOX of each mailbox: the raw bytes go to the
 * blob store (streamed, written to a temp file, fsynced and renamed, refused
 * past `maxBytes`), then one transaction adds a message row per mailbox with
 * the next UID of its INBOX and counts its size against the quota. When it
 * returns, the message is durable: the SMTP answer may say 250. When it
 * throws, nothing refers to the blob, and the sender is told to try again.
 */
export async function deliverToMailboxes(
  sequelize: Sequelize,
  blobs: BlobStore,
  source: Readable,
  mailboxes: readonly Mailbox[],
  options: { maxBytes: number; arrival: Omit<Arrival, "queueId" | "at">; mta: string; resolver?: Resolver },
): Promise<Delivered> {
  const queueId = randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase();
  const receivedAt = new Date();
  const { sha256, size } = await blobs.put(source, { maxBytes: options.maxBytes });
  const summary = await summarise(await blobs.open(sha256));
  const arrival: Arrival = { ...options.arrival, queueId, at: receivedAt };
  const trace = await traceHeaders(await blobs.open(sha256), arrival, options).catch(
    // The checks themselves failed (not a sender failing them): the message is kept, saying so.
    (error: unknown) =>
      `Authentication-Results: ${options.mta}; none (the checks could not run: ${
        error instanceof Error ? error.message.replace(/[\r\n]+/g, " ").slice(0, 100) : "error"
      })\r\n`,
  );
  const delivered: number[] = [];
  await sequelize.transaction(async (t) => {
    // One mailbox after another, in id order, each locked first: the rows below take shared locks on their
    // mailbox and folder (foreign keys), and deliveries to one mailbox at once would otherwise deadlock.
    for (const mailbox of [...mailboxes].sort((a, b) => a.id - b.id)) {
      await sequelize.query("UPDATE mailboxes SET updatedAt = ? WHERE id = ?", {
        replacements: [receivedAt, mailbox.id],
        type: QueryTypes.UPDATE,
        transaction: t,
      });
      try {
        // Savepoint-free "once": a second delivery of the same bytes fails on the unique index, before anything else.
        const exists = await MailDelivery.findOne({ where: { mailboxId: mailbox.id, sha256 }, transaction: t });
        if (exists) continue;
        await MailDelivery.create({ mailboxId: mailbox.id, sha256 }, { transaction: t });
      } catch (error) {
        if (error instanceof UniqueConstraintError) continue;
        throw error;
      }
      const inbox = await MailFolder.findOne({ where: { mailboxId: mailbox.id, role: "inbox" }, transaction: t });
      if (!inbox) throw new Error(`mailbox ${mailbox.address} has no INBOX`);
      // The folder's row is locked by this update until the commit: UIDs are given one at a time, without gaps.
      await MailFolder.update(
        { uidNext: sequelize.literal("uidNext + 1") as unknown as number },
        { where: { id: inbox.id }, transaction: t },
      );
      const [row] = await sequelize.query<{ uidNext: number }>("SELECT uidNext FROM mail_folders WHERE id = ?", {
        replacements: [inbox.id],
        type: QueryTypes.SELECT,
        transaction: t,
      });
      await MailMessage.create(
        {
          mailboxId: mailbox.id,
          folderId: inbox.id,
          uid: Number(row!.uidNext) - 1,
          sha256,
          size,
          ...summary,
          traceHeaders: trace,
          receivedAt,
        },
        { transaction: t },
      );
      await sequelize.query("UPDATE mailboxes SET usedBytes = usedBytes + ? WHERE id = ?", {
        replacements: [size, mailbox.id],
        type: QueryTypes.UPDATE,
        transaction: t,
      });
      delivered.push(mailbox.id);
    }
  });
  return { queueId, sha256, size, mailboxIds: delivered };
}

/** For the blob sweep: which of `hashes` are the raw source of a message some mailbox holds. */
export async function mailBlobReferences(hashes: readonly string[]): Promise<Set<string>> {
  if (!hashes.length) return new Set();
  const rows = await MailMessage.findAll({ attributes: ["sha256"], where: { sha256: [...hashes] } });
  return new Set(rows.map((row) => row.sha256));
}
