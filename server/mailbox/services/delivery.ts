import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import { simpleParser, type AddressObject } from "mailparser";
import { Op, type Sequelize, type Transaction } from "sequelize";
import { databaseOf, insertInstances, insertRows, isUniqueViolation, plainQuery } from "../../core/rows.js";
import type { BlobStore } from "../../core/blobStore.js";
import { notify } from "../../notify/services/notifier.js";
import {
  MailDelivery,
  MailboxMember,
  MailMessage,
  MailOutbound,
  MailUpload,
  type FolderRole,
  type Mailbox,
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
  const sequelize = databaseOf(MailMessage);
  const now = new Date();
  for (const id of [...new Set(ids)].sort((a, b) => a - b))
    await plainQuery(sequelize, "UPDATE mailboxes SET updatedAt = ? WHERE id = ?", [now, id], t);
}

/**
 * Files a stored message in a folder of a locked mailbox (see
 * `lockMailboxes`): the folder's next UID, the thread it answers, the bytes
 * counted against the quota. Answers the new row. Plain statements
 * (core/rows.ts): the MX files every message through here.
 */
export async function fileMessage(
  message: StoredMessage,
  mailboxId: number,
  folderRole: FolderRole,
  t: Transaction,
  extra: { seen?: boolean; draft?: string | null } = {},
): Promise<MailMessage> {
  const sequelize = databaseOf(MailMessage);
  // The folder's row is locked by this update until the commit: UIDs are given one at a time, without gaps.
  await plainQuery(
    sequelize,
    "UPDATE mail_folders SET uidNext = uidNext + 1 WHERE mailboxId = ? AND role = ?",
    [mailboxId, folderRole],
    t,
  );
  const {
    rows: [folder],
  } = await plainQuery(
    sequelize,
    "SELECT id, uidNext FROM mail_folders WHERE mailboxId = ? AND role = ?",
    [mailboxId, folderRole],
    t,
  );
  if (!folder) throw new Error(`mailbox ${mailboxId} has no ${folderRole} folder`);
  const answered = message.summary.inReplyTo?.split(" ").filter(Boolean) ?? [];
  const {
    rows: [parent],
  } = answered.length
    ? await plainQuery(
        sequelize,
        "SELECT id, threadId FROM mail_messages WHERE mailboxId = ? AND messageId IN (?) ORDER BY id LIMIT 1",
        [mailboxId, answered.slice(0, 50)],
        t,
      )
    : { rows: [] };
  const [created] = await insertInstances<MailMessage>(
    MailMessage,
    [
      {
        mailboxId,
        folderId: Number(folder.id),
        uid: Number(folder.uidNext) - 1,
        sha256: message.sha256,
        size: message.size,
        ...message.summary,
        threadId: parent ? Number(parent.threadId ?? parent.id) : null,
        traceHeaders: message.trace,
        receivedAt: message.receivedAt,
        seen: extra.seen ?? false,
        flagged: false,
        answered: false,
        deleted: false,
        draft: extra.draft ?? null,
      },
    ],
    t,
  );
  // Searchable once the outbox is drained: written in this transaction, so the index never misses a message.
  await enqueueIndexing(MAIL_COLLECTION, [created!.id], "upsert", t);
  await plainQuery(
    sequelize,
    "UPDATE mailboxes SET usedBytes = usedBytes + ? WHERE id = ?",
    [message.size, mailboxId],
    t,
  );
  await watchQuota(mailboxId, t);
  return created!;
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
  const sequelize = databaseOf(MailMessage);
  const {
    rows: [row],
  } = await plainQuery(
    sequelize,
    "SELECT address, kind, userId, usedBytes, quotaBytes, quotaWarnedAt FROM mailboxes WHERE id = ?",
    [mailboxId],
    t,
  );
  if (!row || Number(row.quotaBytes) <= 0) return;
  const share = Number(row.usedBytes) / Number(row.quotaBytes);
  const warned = row.quotaWarnedAt !== null;
  if (share < QUOTA_REARM && warned) {
    await plainQuery(sequelize, "UPDATE mailboxes SET quotaWarnedAt = NULL WHERE id = ?", [mailboxId], t);
    return;
  }
  if (share < QUOTA_WARN || warned) return;
  await plainQuery(sequelize, "UPDATE mailboxes SET quotaWarnedAt = ? WHERE id = ?", [new Date(), mailboxId], t);
  const holders =
    row.kind === "personal" && row.userId !== null
      ? [Number(row.userId)]
      : (await MailboxMember.findAll({ where: { mailboxId }, attributes: ["userId"], transaction: t })).map(
          (m) => m.userId,
        );
  if (!holders.length) return;
  await notify(
    {
      recipients: holders,
      kind: "mail.quota.warning",
      params: { address: String(row.address), percent: Math.min(100, Math.floor(share * 100)) },
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
      // "Once" without a savepoint: a second delivery of the same bytes fails on the unique index, before
      // anything else of it is written (both databases undo only the failed statement).
      await insertRows(MailDelivery, [{ mailboxId, sha256: message.sha256 }], t);
    } catch (error) {
      if (isUniqueViolation(error)) continue;
      throw error;
    }
    await fileMessage(message, mailboxId, role, t);
    delivered.push(mailboxId);
  }
  return delivered;
}

interface Filing {
  message: StoredMessage;
  mailboxIds: readonly number[];
  role: "inbox" | "junk";
  done: (delivered: number[]) => void;
  failed: (error: unknown) => void;
}

/** At most this many messages share one transaction. */
const FILING_BATCH = 64;
const filers = new WeakMap<Sequelize, (filing: Omit<Filing, "done" | "failed">) => Promise<number[]>>();

/**
 * Group commit: messages that arrive while a filing transaction runs wait and
 * are filed together in the next one, with one commit (one fsync) for all of
 * them; a message that arrives alone is filed at once. Each caller is answered
 * only after the commit that holds its rows. When a shared transaction fails,
 * its messages are filed again one by one, so one bad message costs only
 * itself a 451.
 */
function filerOf(sequelize: Sequelize) {
  let filer = filers.get(sequelize);
  if (filer) return filer;
  const waiting: Filing[] = [];
  let running = false;
  const fileAll = (batch: readonly Filing[]) =>
    sequelize.transaction(async (t) => {
      await lockMailboxes(
        batch.flatMap((f) => f.mailboxIds),
        t,
      );
      const results: number[][] = [];
      for (const f of batch) results.push(await fileInInboxes(f.message, f.mailboxIds, t, f.role));
      return results;
    });
  const drain = async () => {
    running = true;
    try {
      while (waiting.length) {
        const batch = waiting.splice(0, FILING_BATCH);
        try {
          const results = await fileAll(batch);
          batch.forEach((f, i) => f.done(results[i]!));
        } catch (error) {
          if (batch.length === 1) batch[0]!.failed(error);
          else for (const f of batch) await fileAll([f]).then(([result]) => f.done(result!), f.failed);
        }
      }
    } finally {
      running = false;
    }
  };
  filer = (filing) =>
    new Promise<number[]>((done, failed) => {
      waiting.push({ ...filing, done, failed });
      if (!running) void drain();
    });
  filers.set(sequelize, filer);
  return filer;
}

/**
 * Delivers a message received by the MX to the INBOX of each mailbox: the raw
 * bytes go to the blob store (streamed, written to a temp file, fsynced and
 * renamed, refused past `maxBytes`), then a transaction (shared with the
 * messages arriving at the same moment, see filerOf) adds a message row per
 * mailbox. When it returns, the message is durable: the SMTP answer may say
 * 250. When it throws, nothing refers to the blob, and the sender is told to
 * try again.
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
  const delivered = await filerOf(sequelize)({
    message: stored,
    mailboxIds: mailboxes.map((m) => m.id),
    role: junk ? "junk" : "inbox",
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
