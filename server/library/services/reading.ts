/**
 * Reading in the browser: who may open a title's files now, and each
 * patron's place in them (the page and zoom per file, bookmarks), kept on the
 * server so that a book opens where it was left on any device.
 */
import { Op, UniqueConstraintError, type Transaction } from "sequelize";
import { conflict, notFound } from "../../core/errors.js";
import { LibraryFile, LibraryLoan, LibraryTitle } from "../models/index.js";
import { LibraryBookmark, LibraryReadingPosition, type ReaderZoom } from "../models/reading.js";
import type { ReadAccess } from "../policies/reading.js";

/** Bookmarks one patron keeps in one title: plenty for a reader, a bound for a script. */
export const MAX_BOOKMARKS_PER_TITLE = 500;

export async function findTitleOr404(id: number, t?: Transaction): Promise<LibraryTitle> {
  const title = await LibraryTitle.findByPk(id, { transaction: t });
  if (!title) throw notFound("Title");
  return title;
}

/** A file of this title (a file id of another title is not found here, whatever it is). */
export async function findTitleFileOr404(titleId: number, fileId: number, t?: Transaction): Promise<LibraryFile> {
  const file = await LibraryFile.findOne({ where: { id: fileId, titleId }, transaction: t });
  if (!file) throw notFound("File");
  return file;
}

/** The title's files in the order they were added (the first is what the reader opens by default). */
export function filesOf(titleId: number, t?: Transaction): Promise<LibraryFile[]> {
  return LibraryFile.findAll({
    attributes: ["id", "titleId", "sha256", "size", "mediaType", "pageCount", "createdAt"],
    where: { titleId },
    order: [["id", "ASC"]],
    transaction: t,
  });
}

/**
 * Open access for everyone; otherwise a loan that is active and not yet due.
 * The due time is compared here rather than trusting the state alone: the
 * expiry job runs once a minute, and a loan past its time is over already.
 */
export async function readAccessOf(
  userId: number | undefined,
  title: Pick<LibraryTitle, "id" | "licenceModel">,
  now = new Date(),
  t?: Transaction,
): Promise<ReadAccess> {
  if (title.licenceModel === "open") return { kind: "open" };
  if (userId === undefined) return { kind: "none" };
  const loan = await LibraryLoan.findOne({
    attributes: ["dueAt"],
    where: { titleId: title.id, userId, state: "active", dueAt: { [Op.gt]: now } },
    transaction: t,
  });
  return loan ? { kind: "loan", dueAt: loan.dueAt } : { kind: "none" };
}

/** The place kept for a file, or else the one the patron touched last in any file of the title. */
export async function positionOf(
  userId: number,
  titleId: number,
  fileId: number | undefined,
  t?: Transaction,
): Promise<LibraryReadingPosition | null> {
  return LibraryReadingPosition.findOne({
    where: { userId, titleId, ...(fileId === undefined ? {} : { fileId }) },
    order: [
      ["updatedAt", "DESC"],
      ["id", "DESC"],
    ],
    transaction: t,
  });
}

/**
 * Keeps the patron's place in a file: one row per patron × file, updated in
 * place. Two devices saving at once for the first time both try the insert;
 * the unique index lets one win and the other updates its row.
 */
export async function savePosition(
  props: { userId: number; titleId: number; fileId: number; page: number; zoom: ReaderZoom; now?: Date },
  t: Transaction,
): Promise<LibraryReadingPosition> {
  const { userId, titleId, fileId, page, zoom } = props;
  const updatedAt = props.now ?? new Date();
  const update = async () => {
    const [count] = await LibraryReadingPosition.update(
      { page, zoom, updatedAt },
      { where: { userId, fileId }, transaction: t },
    );
    return count > 0;
  };
  if (!(await update())) {
    try {
      await LibraryReadingPosition.create({ userId, titleId, fileId, page, zoom, updatedAt }, { transaction: t });
    } catch (error) {
      // Only a race with another insert for the same patron and file (the unique index); within a transaction
      // on SQLite that cannot happen, and MariaDB's duplicate key leaves the transaction usable.
      if (!(error instanceof UniqueConstraintError)) throw error;
      await update();
    }
  }
  const saved = await LibraryReadingPosition.findOne({ where: { userId, fileId }, transaction: t });
  if (!saved) throw new Error("the reading position just saved is not there");
  return saved;
}

export function bookmarksOf(
  userId: number,
  titleId: number,
  fileId: number | undefined,
  t?: Transaction,
): Promise<LibraryBookmark[]> {
  return LibraryBookmark.findAll({
    where: { userId, titleId, ...(fileId === undefined ? {} : { fileId }) },
    order: [
      ["page", "ASC"],
      ["id", "ASC"],
    ],
    transaction: t,
  });
}

export async function addBookmark(
  props: { userId: number; titleId: number; fileId: number; page: number; label: string; now?: Date },
  t: Transaction,
): Promise<LibraryBookmark> {
  const { userId, titleId } = props;
  const count = await LibraryBookmark.count({ where: { userId, titleId }, transaction: t });
  if (count >= MAX_BOOKMARKS_PER_TITLE)
    throw conflict("library_bookmark_limit", `You may keep ${MAX_BOOKMARKS_PER_TITLE} bookmarks in a title`, {
      max: MAX_BOOKMARKS_PER_TITLE,
    });
  return LibraryBookmark.create(
    {
      userId,
      titleId,
      fileId: props.fileId,
      page: props.page,
      label: props.label,
      createdAt: props.now ?? new Date(),
    },
    { transaction: t },
  );
}

/** Removes one of the patron's own bookmarks in this title; someone else's is not found (404), as if it did not exist. */
export async function removeBookmark(userId: number, titleId: number, bookmarkId: number, t: Transaction) {
  const removed = await LibraryBookmark.destroy({ where: { id: bookmarkId, userId, titleId }, transaction: t });
  if (removed === 0) throw notFound("Bookmark");
}
