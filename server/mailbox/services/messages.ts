import { Op, QueryTypes, type Sequelize, type Transaction } from "sequelize";
import type { Actor } from "../../core/actor.js";
import { notFound } from "../../core/errors.js";
import { enqueueIndexing } from "../../search/outbox.js";
import { MailFolder, MailMessage } from "../models/index.js";
import { mailboxPolicy, type MailboxAccess } from "../policies/mailbox.js";
import { accessTo } from "./access.js";
import { MAIL_COLLECTION } from "./mailSearch.js";

/**
 * The messages of a mailbox as webmail handles them: lists, flags, moving
 * between folders and deleting. Every move or deletion first locks the
 * mailbox row (lockMailboxes), as filing a message does, so a move and a
 * delivery to one mailbox queue instead of deadlocking on the rows both touch.
 */

const sequelizeOf = () => MailMessage.sequelize as Sequelize;

/**
 * How the actor holds a mailbox they may read, or 404: another person's
 * mailbox, a unit mailbox they are not a member of, and one that does not
 * exist all look the same, so ids tell nothing.
 */
export async function openMailboxOr404(
  actor: Actor,
  mailboxId: number,
  transaction?: Transaction,
): Promise<MailboxAccess> {
  const access = await accessTo(actor.id, mailboxId, transaction);
  if (!mailboxPolicy.read(actor, access)) throw notFound("Mailbox");
  return access;
}

/**
 * Reserves `count` UIDs of a folder and returns the first: the row is locked
 * by the update until the commit, so UIDs are given once each, without gaps.
 */
async function takeUids(folderId: number, count: number, transaction: Transaction): Promise<number> {
  const sequelize = sequelizeOf();
  await sequelize.query("UPDATE mail_folders SET uidNext = uidNext + ? WHERE id = ?", {
    replacements: [count, folderId],
    type: QueryTypes.UPDATE,
    transaction,
  });
  const [row] = await sequelize.query<{ uidNext: number }>("SELECT uidNext FROM mail_folders WHERE id = ?", {
    replacements: [folderId],
    type: QueryTypes.SELECT,
    transaction,
  });
  return Number(row!.uidNext) - count;
}

/** A message of this mailbox, or 404 (another mailbox's message is not found either). */
export async function findMessageOr404(
  mailboxId: number,
  messageId: number,
  transaction?: Transaction,
): Promise<MailMessage> {
  const message = await MailMessage.findOne({ where: { id: messageId, mailboxId }, transaction });
  if (!message) throw notFound("Message");
  return message;
}

/** The messages named, all of this mailbox, or 404 when any is not: nothing is done to some of them only. */
export async function findMessagesOr404(
  mailboxId: number,
  ids: readonly number[],
  transaction: Transaction,
): Promise<MailMessage[]> {
  const unique = [...new Set(ids)];
  const messages = await MailMessage.findAll({
    where: { id: unique, mailboxId },
    attributes: ["id", "folderId", "size", "seen", "flagged"],
    transaction,
  });
  if (messages.length !== unique.length) throw notFound("Message");
  return messages;
}

export interface MessagePage {
  rows: MailMessage[];
  total: number;
}

/** What lists show; the raw source's trace headers and a draft's form stay behind. */
export const SUMMARY_ATTRIBUTES = [
  "id",
  "mailboxId",
  "folderId",
  "uid",
  "size",
  "subject",
  "fromAddress",
  "fromName",
  "toText",
  "sentAt",
  "receivedAt",
  "hasAttachments",
  "parseError",
  "seen",
  "flagged",
  "answered",
  "threadId",
] as const;

/** A folder's messages, newest first, a page at a time; `unread` keeps those not yet seen. */
export async function listFolderMessages(
  folderId: number,
  query: { page: number; pageSize: number; unread: boolean },
): Promise<MessagePage> {
  const where = { folderId, ...(query.unread ? { seen: false } : {}) };
  const [rows, total] = await Promise.all([
    MailMessage.findAll({
      attributes: [...SUMMARY_ATTRIBUTES],
      where,
      order: [
        ["receivedAt", "DESC"],
        ["id", "DESC"],
      ],
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
    }),
    MailMessage.count({ where }),
  ]);
  return { rows, total };
}

/**
 * The other messages of a message's thread in the same mailbox, oldest first
 * (at most 100): those filed under the same first message, and that one.
 */
export async function threadOf(message: MailMessage): Promise<MailMessage[]> {
  const first = message.threadId ?? message.id;
  return MailMessage.findAll({
    attributes: [...SUMMARY_ATTRIBUTES],
    where: {
      mailboxId: message.mailboxId,
      id: { [Op.ne]: message.id },
      [Op.or]: [{ threadId: first }, { id: first }],
    },
    order: [
      ["receivedAt", "ASC"],
      ["id", "ASC"],
    ],
    limit: 100,
  });
}

/**
 * Seen and flagged: the reader's own view of their mail. Not audited (see
 * routes/messages), and the search index holds neither.
 */
export async function setFlags(
  mailboxId: number,
  ids: readonly number[],
  flags: { seen?: boolean; flagged?: boolean },
  transaction?: Transaction,
): Promise<number> {
  const values = {
    ...(flags.seen === undefined ? {} : { seen: flags.seen }),
    ...(flags.flagged === undefined ? {} : { flagged: flags.flagged }),
  };
  if (!ids.length || !Object.keys(values).length) return 0;
  const [changed] = await MailMessage.update(values, { where: { id: [...ids], mailboxId }, transaction });
  return changed;
}

/** At most this many rows are given new UIDs by one statement. */
const MOVE_BATCH = 500;

/**
 * Moves messages into a folder of the same mailbox: each gets the folder's
 * next UID (IMAP gives a moved message a new one), and its search document
 * the new folder. Messages already there stay as they are.
 */
export async function moveMessages(
  messages: readonly Pick<MailMessage, "id" | "folderId">[],
  target: MailFolder,
  transaction: Transaction,
): Promise<number[]> {
  // In id order, the order they arrived in: UIDs in the new folder keep it.
  const moving = messages
    .filter((m) => m.folderId !== target.id)
    .map((m) => m.id)
    .sort((a, b) => a - b);
  for (let start = 0; start < moving.length; start += MOVE_BATCH) {
    const batch = moving.slice(start, start + MOVE_BATCH);
    const first = await takeUids(target.id, batch.length, transaction);
    // One statement a batch: CASE gives each row its UID, on SQLite and MariaDB alike.
    const cases = batch.map(() => "WHEN ? THEN ?").join(" ");
    await sequelizeOf().query(
      `UPDATE mail_messages SET folderId = ?, uid = CASE id ${cases} END WHERE id IN (${batch.map(() => "?").join(", ")})`,
      {
        replacements: [target.id, ...batch.flatMap((id, i) => [id, first + i]), ...batch],
        type: QueryTypes.UPDATE,
        transaction,
      },
    );
  }
  await enqueueIndexing(MAIL_COLLECTION, moving, "upsert", transaction);
  return moving;
}

export interface Deletion {
  /** Moved to the Trash. */
  trashed: number[];
  /** Deleted for good (they were in the Trash already). */
  removed: number[];
  /** Bytes given back to the mailbox's quota. */
  freedBytes: number;
}

/**
 * Deletes as mail clients do: a message goes to the Trash; one already in the
 * Trash is removed for good, and its size given back to the quota in the same
 * transaction. Its raw source is left to the blob sweep, which keeps a blob
 * while any message still refers to it (mailBlobReferences).
 */
export async function deleteMessages(
  mailboxId: number,
  messages: readonly Pick<MailMessage, "id" | "folderId" | "size">[],
  transaction: Transaction,
): Promise<Deletion> {
  const trash = await MailFolder.findOne({ where: { mailboxId, role: "trash" }, transaction });
  const inTrash = messages.filter((m) => !trash || m.folderId === trash.id);
  const elsewhere = messages.filter((m) => trash && m.folderId !== trash.id);
  const trashed = trash ? await moveMessages(elsewhere, trash, transaction) : [];
  const removed = inTrash.map((m) => m.id);
  const freedBytes = inTrash.reduce((sum, m) => sum + m.size, 0);
  if (removed.length) {
    await MailMessage.destroy({ where: { id: removed, mailboxId }, transaction });
    await sequelizeOf().query(
      "UPDATE mailboxes SET usedBytes = CASE WHEN usedBytes > ? THEN usedBytes - ? ELSE 0 END WHERE id = ?",
      { replacements: [freedBytes, freedBytes, mailboxId], type: QueryTypes.UPDATE, transaction },
    );
    await enqueueIndexing(MAIL_COLLECTION, removed, "delete", transaction);
  }
  return { trashed, removed, freedBytes };
}
