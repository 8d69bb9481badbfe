import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import { simpleParser, type AddressObject } from "mailparser";
import { Op, QueryTypes, UniqueConstraintError, type Sequelize, type Transaction } from "sequelize";
import type { BlobStore } from "../../core/blobStore.js";
import { notify } from "../../notify/services/notifier.js";
import {
  MailDelivery,
  Mailbox,
  MailboxMember,
  MailFolder,
  MailMessage,
  MailOutbound,
  MailUpload,
  type FolderRole,
} from "../models/index.js";
import { traceHeaders, type Arrival, type Resolver } from "./authentication.js";
import { enqueueIndexing } from "../../search/outbox.js";
import { MAIL_COLLECTION } from "./mailSearch.js";

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
  /** The Message-IDs it answers (In-Reply-To first, then References), space-separated. */
  inReplyTo: string | null;
}

const clip = (text: string | null | undefined, max: number) =>
  text === null || text === undefined ? null : text.length > max ? text.slice(0, max) : text;

const addressesOf = (value: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((a) => a.value);

/** In-Reply-To then References, each id once, as long as the column holds whole ids. */
function answeredIds(inReplyTo: string | undefined, references: string | string[] | undefined): string | null {
  const ids = [...(inReplyTo?.match(/<[^<>\s]+>/g) ?? []), ...[references ?? []].flat()];
  const unique = [...new Set(ids.map((id) => id.trim()).filter((id) => id.length > 2 && id.length <= 255))];
  let text = "";
  for (const id of unique) {
    if (text.length + id.length + 1 > 2000) break;
    text = text ? `${text} ${id}` : id;
  }
  return text || null;
}

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
      inReplyTo: answeredIds(parsed.inReplyTo, parsed.references),
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
      inReplyTo: null,
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

/** A message whose bytes are in the blob store, as read once for every folder it goes to. */
export interface StoredMessage {
  sha256: string;
  size: number;
  summary: MessageSummary;
  /** Trace lines this server puts on top of the bytes when they are read (Received, Authentication-Results). */
  trace: string | null;
  receivedAt: Date;
}

/** A new queue id: 16 hexadecimal capitals, as in the 250 answer and the Received line. */
export function newQueueId(): string {
  return randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase();
}

/** Streams a message into the blob store (refused past `maxBytes`) and reads its summary. */
export async function storeMessage(
  blobs: BlobStore,
  source: Readable,
  maxBytes: number,
): Promise<Pick<StoredMessage, "sha256" | "size" | "summary">> {
  const { sha256, size } = await blobs.put(source, { maxBytes });
  return { sha256, size, summary: await summarise(await blobs.open(sha256)) };
}

/**
 * Locks a mailbox's row for the rest of the transaction. Every transaction
 * that files messages locks its mailboxes first, in id order: the rows it adds
 * take shared locks on their mailbox and folder (foreign keys), and two
 * deliveries to one mailbox at once would otherwise deadlock on MariaDB.
 */
export async function lockMailboxes(ids: readonly number[], t: Transaction): Promise<void> {
  const sequelize = MailMessage.sequelize as Sequelize;
  for (const id of [...new Set(ids)].sort((a, b) => a - b))
    await sequelize.query("UPDATE mailboxes SET updatedAt = ? WHERE id = ?", {
      replacements: [new Date(), id],
      type: QueryTypes.UPDATE,
      transaction: t,
    });
}

/**
 * Files a stored message in a folder of a locked mailbox (see
 * `lockMailboxes`): the folder's next UID, the thread it answers, the bytes
 * counted against the quota. Answers the new row.
 */
export async function fileMessage(
  message: StoredMessage,
  mailboxId: number,
  folderRole: FolderRole,
  t: Transaction,
  extra: { seen?: boolean; draft?: string | null } = {},
): Promise<MailMessage> {
  const sequelize = MailMessage.sequelize as Sequelize;
  const folder = await MailFolder.findOne({ where: { mailboxId, role: folderRole }, transaction: t });
  if (!folder) throw new Error(`mailbox ${mailboxId} has no ${folderRole} folder`);
  // The folder's row is locked by this update until the commit: UIDs are given one at a time, without gaps.
  await MailFolder.update(
    { uidNext: sequelize.literal("uidNext + 1") as unknown as number },
    { where: { id: folder.id }, transaction: t },
  );
  const [row] = await sequelize.query<{ uidNext: number }>("SELECT uidNext FROM mail_folders WHERE id = ?", {
    replacements: [folder.id],
    type: QueryTypes.SELECT,
    transaction: t,
  });
  const answered = message.summary.inReplyTo?.split(" ").filter(Boolean) ?? [];
  const parent = answered.length
    ? await MailMessage.findOne({
        attributes: ["id", "threadId"],
        where: { mailboxId, messageId: answered.slice(0, 50) },
        order: [["id", "ASC"]],
        transaction: t,
      })
    : null;
  const created = await MailMessage.create(
    {
      mailboxId,
      folderId: folder.id,
      uid: Number(row!.uidNext) - 1,
      sha256: message.sha256,
      size: message.size,
      ...message.summary,
      threadId: parent ? (parent.threadId ?? parent.id) : null,
      traceHeaders: message.trace,
      receivedAt: message.receivedAt,
      seen: extra.seen ?? false,
      draft: extra.draft ?? null,
    },
    { transaction: t },
  );
  // Searchable once the outbox is drained: written in this transaction, so the index never misses a message.
  await enqueueIndexing(MAIL_COLLECTION, [created.id], "upsert", t);
  await sequelize.query("UPDATE mailboxes SET usedBytes = usedBytes + ? WHERE id = ?", {
    replacements: [message.size, mailboxId],
    type: QueryTypes.UPDATE,
    transaction: t,
  });
  await watchQuota(mailboxId, t);
  return created;
}

/** Past this share of its quota a mailbox's holders are warned, once; below the second it may warn again. */
const QUOTA_WARN = 0.9;
export const QUOTA_REARM = 0.8;

/**
 * Warns the holders of a mailbox (its owner, or a unit mailbox's members) in
 * the notification centre when it passes 90% of its quota, once until it has
 * fallen below 80% again: a full mailbox turns mail away (452).
 */
async function watchQuota(mailboxId: number, t: Transaction): Promise<void> {
  const mailbox = await Mailbox.findByPk(mailboxId, {
    attributes: ["id", "address", "kind", "userId", "usedBytes", "quotaBytes", "quotaWarnedAt"],
    transaction: t,
  });
  if (!mailbox || mailbox.quotaBytes <= 0) return;
  const share = mailbox.usedBytes / mailbox.quotaBytes;
  if (share < QUOTA_REARM && mailbox.quotaWarnedAt) {
    await Mailbox.update({ quotaWarnedAt: null }, { where: { id: mailbox.id }, transaction: t });
    return;
  }
  if (share < QUOTA_WARN || mailbox.quotaWarnedAt) return;
  await Mailbox.update({ quotaWarnedAt: new Date() }, { where: { id: mailbox.id }, transaction: t });
  const holders =
    mailbox.kind === "personal" && mailbox.userId !== null
      ? [mailbox.userId]
      : (await MailboxMember.findAll({ where: { mailboxId }, attributes: ["userId"], transaction: t })).map(
          (m) => m.userId,
        );
  if (!holders.length) return;
  await notify(
    {
      recipients: holders,
      kind: "mail.quota.warning",
      params: { address: mailbox.address, percent: Math.min(100, Math.floor(share * 100)) },
      link: "/mail",
    },
    t,
  );
}

/**
 * Files a message in each mailbox's INBOX (or Junk) once: a mailbox that already
 * received these very bytes (a client resending after a lost 250) is left
 * out. The mailboxes must be locked (`lockMailboxes`). Answers the ids of
 * those that received it now.
 */
export async function fileInInboxes(
  message: StoredMessage,
  mailboxIds: readonly number[],
  t: Transaction,
  role: "inbox" | "junk" = "inbox",
): Promise<number[]> {
  const delivered: number[] = [];
  for (const mailboxId of [...new Set(mailboxIds)].sort((a, b) => a - b)) {
    try {
      // Savepoint-free "once": a second delivery of the same bytes fails on the unique index, before anything else.
      const exists = await MailDelivery.findOne({ where: { mailboxId, sha256: message.sha256 }, transaction: t });
      if (exists) continue;
      await MailDelivery.create({ mailboxId, sha256: message.sha256 }, { transaction: t });
    } catch (error) {
      if (error instanceof UniqueConstraintError) continue;
      throw error;
    }
    await fileMessage(message, mailboxId, role, t);
    delivered.push(mailboxId);
  }
  return delivered;
}

/**
 * Delivers a message received by the MX to the INBOX of each mailbox: the raw
 * bytes go to the blob store (streamed, written to a temp file, fsynced and
 * renamed, refused past `maxBytes`), then one transaction adds a message row
 * per mailbox. When it returns, the message is durable: the SMTP answer may
 * say 250. When it throws, nothing refers to the blob, and the sender is told
 * to try again.
 */
export async function deliverToMailboxes(
  sequelize: Sequelize,
  blobs: BlobStore,
  source: Readable,
  mailboxes: readonly Mailbox[],
  options: { maxBytes: number; arrival: Omit<Arrival, "queueId" | "at">; mta: string; resolver?: Resolver },
): Promise<Delivered> {
  const queueId = newQueueId();
  const receivedAt = new Date();
  const { sha256, size, summary } = await storeMessage(blobs, source, options.maxBytes);
  const arrival: Arrival = { ...options.arrival, queueId, at: receivedAt };
  const { headers: trace, junk } = await traceHeaders(await blobs.open(sha256), arrival, options).catch(
    // The checks themselves failed (not a sender failing them): the message is kept, saying so.
    (error: unknown) => ({
      headers: `Authentication-Results: ${options.mta}; none (the checks could not run: ${
        error instanceof Error ? error.message.replace(/[\r\n]+/g, " ").slice(0, 100) : "error"
      })\r\n`,
      junk: false,
    }),
  );
  const stored: StoredMessage = { sha256, size, summary, trace, receivedAt };
  const ids = mailboxes.map((m) => m.id);
  const delivered = await sequelize.transaction(async (t) => {
    await lockMailboxes(ids, t);
    return fileInInboxes(stored, ids, t, junk ? "junk" : "inbox");
  });
  return { queueId, sha256, size, mailboxIds: delivered };
}

/**
 * For the blob sweep: which of `hashes` the mail store still needs — the raw
 * source of a message some mailbox holds, a file uploaded for a message being
 * written, or a message still on its way to a remote recipient.
 */
export async function mailBlobReferences(hashes: readonly string[]): Promise<Set<string>> {
  if (!hashes.length) return new Set();
  const where = { sha256: [...hashes] };
  const [messages, uploads, outbound] = await Promise.all([
    MailMessage.findAll({ attributes: ["sha256"], where }),
    MailUpload.findAll({ attributes: ["sha256"], where }),
    MailOutbound.findAll({ attributes: ["sha256"], where: { ...where, state: "queued" } }),
  ]);
  return new Set([...messages, ...uploads, ...outbound].map((row) => row.sha256));
}

/**
 * Removes what the mail store keeps only for a while: uploads never sent
 * (after `uploadMs`; a draft that still names one asks for it again),
 * finished outbound rows (after `outboundMs`; a DSN has told the sender), and
 * the record of which bytes a mailbox received (after `deliveryMs`: it is there
 * for a client resending after a lost 250, which happens within hours, not to
 * turn away the same message sent again next month after it was deleted).
 */
export async function pruneMailStore(uploadMs: number, outboundMs: number, deliveryMs: number): Promise<void> {
  const now = Date.now();
  await MailDelivery.destroy({ where: { createdAt: { [Op.lt]: new Date(now - deliveryMs) } } });
  await MailUpload.destroy({ where: { createdAt: { [Op.lt]: new Date(now - uploadMs) } } });
  await MailOutbound.destroy({
    where: { state: ["sent", "bounced"], finishedAt: { [Op.lt]: new Date(now - outboundMs) } },
  });
}
