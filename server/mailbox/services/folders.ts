import { QueryTypes, UniqueConstraintError, type Sequelize, type Transaction } from "sequelize";
import { conflict, notFound } from "../../core/errors.js";
import { MailFolder, MailMessage } from "../models/index.js";
import { lockMailboxes } from "./delivery.js";
import { moveMessages } from "./messages.js";

/**
 * Folders of a mailbox: the standard ones (INBOX, Sent, Drafts, Trash, Junk,
 * by `role`), which every client relies on and which cannot be renamed or
 * deleted, and the user's own. Names are unique in a mailbox whatever their
 * case: IMAP clients treat INBOX so, and MariaDB's collation would refuse
 * "Work" beside "work" while SQLite would not.
 */

/** How many messages a folder holds, and how many of them are unread. */
export interface FolderCounts {
  total: number;
  unread: number;
}

/** The folders of these mailboxes, each with its counts: one query for the folders, one for the counts. */
export async function foldersWithCounts(
  mailboxIds: readonly number[],
): Promise<{ folders: MailFolder[]; counts: Map<number, FolderCounts> }> {
  if (!mailboxIds.length) return { folders: [], counts: new Map() };
  const sequelize = MailFolder.sequelize as Sequelize;
  const [folders, rows] = await Promise.all([
    MailFolder.findAll({ where: { mailboxId: [...mailboxIds] }, order: [["id", "ASC"]] }),
    sequelize.query<{ folderId: number; total: number | string; unread: number | string | null }>(
      `SELECT folderId, COUNT(*) AS total, SUM(CASE WHEN seen THEN 0 ELSE 1 END) AS unread
         FROM mail_messages WHERE mailboxId IN (${mailboxIds.map(() => "?").join(", ")}) GROUP BY folderId`,
      { replacements: [...mailboxIds], type: QueryTypes.SELECT },
    ),
  ]);
  // MariaDB answers COUNT and SUM as strings (DECIMAL); SQLite as numbers.
  const counts = new Map(
    rows.map((r) => [Number(r.folderId), { total: Number(r.total), unread: Number(r.unread ?? 0) }]),
  );
  return { folders, counts };
}

export async function findFolderOr404(mailboxId: number, folderId: number, transaction?: Transaction) {
  const folder = await MailFolder.findOne({ where: { id: folderId, mailboxId }, transaction });
  if (!folder) throw notFound("Folder");
  return folder;
}

const sameName = (a: string, b: string) => a.normalize("NFKC").toLowerCase() === b.normalize("NFKC").toLowerCase();

async function refuseTakenName(mailboxId: number, name: string, except: number | null, transaction: Transaction) {
  const folders = await MailFolder.findAll({ where: { mailboxId }, attributes: ["id", "name"], transaction });
  if (folders.some((f) => f.id !== except && sameName(f.name, name)))
    throw conflict("mail_folder_exists", "The mailbox has a folder of this name already", { name });
}

/** A new folder of the user's; a name another folder has (in any case) is refused. */
export async function createFolder(mailboxId: number, name: string, transaction: Transaction): Promise<MailFolder> {
  await lockMailboxes([mailboxId], transaction);
  await refuseTakenName(mailboxId, name, null, transaction);
  try {
    return await MailFolder.create({ mailboxId, name, role: null }, { transaction });
  } catch (error) {
    if (error instanceof UniqueConstraintError)
      throw conflict("mail_folder_exists", "The mailbox has a folder of this name already", { name });
    throw error;
  }
}

function refuseStandard(folder: MailFolder): void {
  if (folder.role)
    throw conflict("mail_folder_standard", "INBOX, Sent, Drafts, Trash and Junk cannot be renamed or deleted", {
      name: folder.name,
    });
}

/** Renames one of the user's folders (its messages keep their UIDs). */
export async function renameFolder(folder: MailFolder, name: string, transaction: Transaction): Promise<MailFolder> {
  refuseStandard(folder);
  await lockMailboxes([folder.mailboxId], transaction);
  await refuseTakenName(folder.mailboxId, name, folder.id, transaction);
  await folder.update({ name }, { transaction });
  return folder;
}

/** Deletes one of the user's folders; its messages go to the Trash, nothing is lost. */
export async function deleteFolder(folder: MailFolder, transaction: Transaction): Promise<{ moved: number }> {
  refuseStandard(folder);
  await lockMailboxes([folder.mailboxId], transaction);
  const trash = await MailFolder.findOne({ where: { mailboxId: folder.mailboxId, role: "trash" }, transaction });
  if (!trash) throw conflict("mail_folder_standard", "The mailbox has no Trash to keep the folder's messages");
  const messages = await MailMessage.findAll({
    where: { folderId: folder.id },
    attributes: ["id", "folderId"],
    transaction,
  });
  const moved = await moveMessages(messages, trash, transaction);
  await folder.destroy({ transaction });
  return { moved: moved.length };
}
