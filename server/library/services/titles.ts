/**
 * The catalogue as librarians change it: titles created, edited and withdrawn,
 * files added and removed. Every change writes the title's search document to
 * the outbox in the caller's transaction (server/search/outbox.ts), so the
 * index follows the database and can be rebuilt from it (libraryReindexSource):
 * a file's full text is kept in library_file_texts for that.
 *
 * The caller opens the transaction with catalogueTransaction (READ COMMITTED
 * on MariaDB, as lending's): raising a title's copies offers them to the
 * patrons waiting in the same transaction, and a withdrawal counts the active
 * loans after taking the title's row lock that every borrow takes first.
 */
import { Op, type Transaction, type WhereOptions } from "sequelize";
import { z } from "zod";
import { badRequest, conflict, notFound } from "../../core/errors.js";
import { databaseOf, plainQuery } from "../../core/rows.js";
import { nameText, plainText } from "../../core/validate.js";
import { enqueueIndexing, type DocumentLoader } from "../../search/outbox.js";
import type { ReindexSource } from "../../search/reindex.js";
import type { SearchDocument } from "../../search/types.js";
import { likeSafe } from "../../core/db.js";
import {
  LibraryClass,
  LibraryFile,
  LibraryHold,
  LibraryLoan,
  LibraryTitle,
  LICENCE_MODELS,
  type LicenceModel,
} from "../models/index.js";
import { LibraryFileText } from "../models/catalogue.js";
import { levelTwoClassOf, topClassOf } from "./classification.js";
import { parseIsbn } from "./isbn.js";
import { lendingTransaction, offerFreeCopies } from "./lending.js";

/** The search collection of the catalogue; document ids are title ids. */
export const LIBRARY_COLLECTION = "library";

/** Authors are kept in one column, separated by this; splitAuthors reads them back. */
export const AUTHOR_SEPARATOR = "; ";

/** The authors of a title as a list (the column keeps them joined by AUTHOR_SEPARATOR). */
export function splitAuthors(authors: string): string[] {
  return authors
    .split(/[;；]/)
    .map((a) => a.trim())
    .filter(Boolean);
}

/** A transaction for catalogue changes: the lending one, since copies and withdrawals meet the loans. */
export const catalogueTransaction = lendingTransaction;

const currentYear = () => new Date().getFullYear();

/** An ISBN as typed, kept as ISBN-13; "" or null clears it. */
const IsbnField = z
  .string()
  .trim()
  .max(32)
  .nullable()
  .transform((value, ctx) => {
    if (value === null || value === "") return null;
    const parsed = parseIsbn(value);
    if (!parsed.ok) {
      ctx.addIssue({
        code: "custom",
        message: parsed.reason === "check_digit" ? "the ISBN's check digit is wrong" : "not an ISBN",
        params: { code: `isbn_${parsed.reason}` },
      });
      return z.NEVER;
    }
    return parsed.isbn13;
  });

/** Each field a librarian sets, without defaults (a change gives only some). */
const FIELDS = {
  title: nameText().trim().min(1).max(500),
  authors: z.array(nameText().trim().min(1).max(120)).max(20),
  publisher: nameText().trim().max(200).nullable(),
  year: z
    .number()
    .int()
    .min(1)
    .refine((y) => y <= currentYear() + 1, { message: "the year is in the future" })
    .nullable(),
  isbn: IsbnField,
  /** A language tag: zh, zh-Hant, en … */
  language: z
    .string()
    .trim()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "a language tag such as zh, zh-Hant or en")
    .max(16),
  subjects: z.array(nameText().trim().min(1).max(60)).max(30),
  summary: plainText({ multiline: true }).trim().max(20_000).nullable(),
  /** A 中图法 class number (K204.2); its top class must be in the tree. */
  classCode: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{1,2}[0-9A-Z./:=()\-"<>+]*$/, "a 中图法 class number such as K204.2")
    .max(32)
    .nullable(),
  licenceModel: z.enum(LICENCE_MODELS),
  copies: z.number().int().min(1).max(10_000),
  titleCategory: z
    .string()
    .trim()
    .regex(/^[a-z0-9_-]{1,32}$/),
};

/** A new title's fields. */
export const TitleFieldsSchema = z.object({
  ...FIELDS,
  authors: FIELDS.authors.default([]),
  publisher: FIELDS.publisher.default(null),
  year: FIELDS.year.default(null),
  isbn: FIELDS.isbn.default(null),
  language: FIELDS.language.default("zh"),
  subjects: FIELDS.subjects.default([]),
  summary: FIELDS.summary.default(null),
  classCode: FIELDS.classCode.default(null),
  copies: FIELDS.copies.default(1),
  titleCategory: FIELDS.titleCategory.default("general"),
});
export type TitleFields = z.infer<typeof TitleFieldsSchema>;
export type TitleInput = z.input<typeof TitleFieldsSchema>;

/** A change to some of a title's fields: only those given. */
export const TitlePatchSchema = z.object(FIELDS).partial();
export type TitlePatch = z.infer<typeof TitlePatchSchema>;

/** A file already in the blob store, with what was read from it. */
export interface StoredBookFile {
  sha256: string;
  size: number;
  mediaType: string;
  pageCount: number | null;
  fileName: string | null;
  /** Extracted full text (NFKC); null when none could be read (EPUB, a scan). */
  text: string | null;
}

/** The classes a class number files under that the tree has: its top class and second-level class. */
export async function classPath(classCode: string, t?: Transaction): Promise<string[]> {
  const candidates = [topClassOf(classCode), levelTwoClassOf(classCode)].filter((c): c is string => c !== null);
  if (candidates.length === 0) return [];
  const found = await LibraryClass.findAll({ attributes: ["code"], where: { code: candidates }, transaction: t });
  const codes = new Set(found.map((c) => c.code));
  return candidates.filter((c) => codes.has(c));
}

async function checkClass(classCode: string | null | undefined, t: Transaction): Promise<void> {
  if (!classCode) return;
  if ((await classPath(classCode, t)).length === 0) {
    throw badRequest("library_unknown_class", `No 中图法 class ${classCode} in the catalogue's tree`, { classCode });
  }
}

async function checkIsbnFree(isbn: string | null | undefined, exceptId: number | null, t: Transaction) {
  if (!isbn) return;
  const other = await LibraryTitle.findOne({
    attributes: ["id"],
    where: { isbn, ...(exceptId ? { id: { [Op.ne]: exceptId } } : {}) },
    transaction: t,
  });
  if (other) throw conflict("library_isbn_taken", `Another title has the ISBN ${isbn}`, { titleId: other.id });
}

function columnsOf(fields: Partial<TitleFields>) {
  const { authors, subjects, ...rest } = fields;
  return {
    ...rest,
    ...(authors ? { authors: authors.join(AUTHOR_SEPARATOR) } : {}),
    ...(subjects ? { subjects: subjects.join(AUTHOR_SEPARATOR) } : {}),
  };
}

/** The title's row locked until the commit (the lock every lending change takes first), or 404. */
async function lockTitle(titleId: number, t: Transaction): Promise<LibraryTitle> {
  await plainQuery(databaseOf(LibraryTitle), "UPDATE library_titles SET copies = copies WHERE id = ?", [titleId], t);
  const title = await LibraryTitle.findByPk(titleId, { transaction: t });
  if (!title || title.withdrawnAt) throw notFound("Title");
  return title;
}

/** Records the files of a title and their text. */
async function addFileRows(titleId: number, files: readonly StoredBookFile[], t: Transaction): Promise<LibraryFile[]> {
  const rows: LibraryFile[] = [];
  for (const f of files) {
    const row = await LibraryFile.create(
      {
        titleId,
        sha256: f.sha256,
        size: f.size,
        mediaType: f.mediaType,
        pageCount: f.pageCount,
        fileName: f.fileName,
        fullText: Boolean(f.text),
      },
      { transaction: t },
    );
    if (f.text) await LibraryFileText.create({ fileId: row.id, text: f.text }, { transaction: t });
    rows.push(row);
  }
  return rows;
}

/** Creates a title with its files (already in the blob store) and queues its search document. */
export async function createTitle(
  props: { fields: TitleFields; files: readonly StoredBookFile[]; coverSha256?: string | null },
  t: Transaction,
): Promise<{ title: LibraryTitle; files: LibraryFile[] }> {
  await checkClass(props.fields.classCode, t);
  await checkIsbnFree(props.fields.isbn, null, t);
  const title = await LibraryTitle.create(
    {
      ...columnsOf(props.fields),
      title: props.fields.title,
      licenceModel: props.fields.licenceModel,
      coverSha256: props.coverSha256 ?? null,
    },
    { transaction: t },
  );
  const files = await addFileRows(title.id, props.files, t);
  await enqueueIndexing(LIBRARY_COLLECTION, [title.id], "upsert", t);
  return { title, files };
}

/**
 * Changes a title's fields (and cover). More copies than before are offered
 * at once to the patrons waiting, first come first served. Answers the
 * fields that changed, for the audit log.
 */
export async function updateTitle(
  titleId: number,
  patch: TitlePatch & { coverSha256?: string | null },
  t: Transaction,
): Promise<{ title: LibraryTitle; changed: string[] }> {
  const title = await lockTitle(titleId, t);
  if (patch.classCode !== undefined) await checkClass(patch.classCode, t);
  if (patch.isbn !== undefined) await checkIsbnFree(patch.isbn, titleId, t);
  const before = { copies: title.copies, licenceModel: title.licenceModel };
  title.set(columnsOf(patch));
  const changed = title.changed() || [];
  if (changed.length === 0) return { title, changed: [] };
  await title.save({ transaction: t });
  const moreCopies =
    title.licenceModel !== "open" && (title.copies > before.copies || before.licenceModel !== title.licenceModel);
  if (moreCopies) await offerFreeCopies(title.id, t);
  await enqueueIndexing(LIBRARY_COLLECTION, [title.id], "upsert", t);
  return { title, changed: changed.map(String) };
}

/**
 * Takes a title out of the catalogue: refused (409 library_title_on_loan)
 * while a patron has it on loan; the patrons waiting for it lose their holds.
 * The row stays for the loan history.
 */
export async function withdrawTitle(titleId: number, t: Transaction, now = new Date()): Promise<LibraryTitle> {
  const title = await lockTitle(titleId, t);
  const onLoan = await LibraryLoan.count({ where: { titleId, state: "active" }, transaction: t });
  if (onLoan > 0) {
    throw conflict("library_title_on_loan", `The title is on loan to ${onLoan} patron(s); withdraw it once returned`, {
      activeLoans: onLoan,
    });
  }
  await LibraryHold.update(
    { state: "cancelled" },
    { where: { titleId, state: { [Op.in]: ["waiting", "ready"] } }, transaction: t },
  );
  title.withdrawnAt = now;
  await title.save({ transaction: t });
  await enqueueIndexing(LIBRARY_COLLECTION, [titleId], "delete", t);
  return title;
}

/** Adds files (already in the blob store) to a title. */
export async function addTitleFiles(
  titleId: number,
  files: readonly StoredBookFile[],
  t: Transaction,
): Promise<LibraryFile[]> {
  await lockTitle(titleId, t);
  const rows = await addFileRows(titleId, files, t);
  await enqueueIndexing(LIBRARY_COLLECTION, [titleId], "upsert", t);
  return rows;
}

/** Removes a file of a title; the last one stays (409 library_last_file): a title is read from its files. */
export async function removeTitleFile(titleId: number, fileId: number, t: Transaction): Promise<LibraryFile> {
  await lockTitle(titleId, t);
  const file = await LibraryFile.findOne({ where: { id: fileId, titleId }, transaction: t });
  if (!file) throw notFound("File");
  const count = await LibraryFile.count({ where: { titleId }, transaction: t });
  if (count <= 1) throw conflict("library_last_file", "A title keeps at least one file; upload another first");
  await LibraryFileText.destroy({ where: { fileId }, transaction: t });
  await file.destroy({ transaction: t });
  await enqueueIndexing(LIBRARY_COLLECTION, [titleId], "upsert", t);
  return file;
}

/** A live title or 404. */
export async function findTitleOr404(titleId: number, t?: Transaction): Promise<LibraryTitle> {
  const title = await LibraryTitle.findByPk(titleId, { transaction: t });
  if (!title || title.withdrawnAt) throw notFound("Title");
  return title;
}

/** The search document of a title (the shape the catalogue's browsing reads). */
export function toLibraryDocument(
  title: LibraryTitle,
  texts: readonly string[],
  classes: readonly string[],
): SearchDocument {
  const authors = splitAuthors(title.authors);
  const body = [authors.join(" "), title.subjects, title.summary ?? "", ...texts]
    .filter((part) => part.trim() !== "")
    .join("\n")
    .normalize("NFKC");
  return {
    id: String(title.id),
    collection: LIBRARY_COLLECTION,
    title: title.title,
    body,
    date: title.year ? `${String(title.year).padStart(4, "0")}-01-01` : null,
    keywords: {
      classCode: classes,
      language: title.language,
      licenceModel: title.licenceModel,
      authors,
    },
  };
}

/** For the outbox drainer and the reindex: the current documents of the titles named (withdrawn ones left out). */
export const loadLibraryDocuments: DocumentLoader = async (ids) => {
  const titles = await LibraryTitle.findAll({ where: { id: ids.map(Number), withdrawnAt: null } });
  if (titles.length === 0) return [];
  const files = await LibraryFile.findAll({
    attributes: ["id", "titleId"],
    where: { titleId: titles.map((t) => t.id) },
    order: [["id", "ASC"]],
  });
  const texts = await LibraryFileText.findAll({ where: { fileId: files.map((f) => f.id) } });
  const textOf = new Map(texts.map((x) => [x.fileId, x.text]));
  const known = new Set((await LibraryClass.findAll({ attributes: ["code"] })).map((c) => c.code));
  return titles.map((title) => {
    const own = files.filter((f) => f.titleId === title.id).map((f) => textOf.get(f.id) ?? "");
    const code = title.classCode;
    const classes = code
      ? [topClassOf(code), levelTwoClassOf(code)].filter((c): c is string => !!c && known.has(c))
      : [];
    return toLibraryDocument(title, own, classes);
  });
};

/** Live title ids after `afterId`, in order: what a reindex walks. */
export async function libraryIdsAfter(afterId: number, limit: number): Promise<number[]> {
  const rows = await LibraryTitle.findAll({
    attributes: ["id"],
    where: { id: { [Op.gt]: afterId }, withdrawnAt: null },
    order: [["id", "ASC"]],
    limit,
  });
  return rows.map((r) => r.id);
}

/** The catalogue's collection, as `npm run search:reindex` rebuilds it. */
export const libraryReindexSource: ReindexSource = {
  collection: LIBRARY_COLLECTION,
  idsAfter: libraryIdsAfter,
  load: loadLibraryDocuments,
};

/** Which of `hashes` the catalogue refers to (files and covers): what the blob sweep keeps. */
export async function libraryBlobReferences(hashes: readonly string[]): Promise<ReadonlySet<string>> {
  if (hashes.length === 0) return new Set();
  const [files, covers] = await Promise.all([
    LibraryFile.findAll({ attributes: ["sha256"], where: { sha256: hashes } }),
    LibraryTitle.findAll({ attributes: ["coverSha256"], where: { coverSha256: hashes } }),
  ]);
  return new Set([...files.map((f) => f.sha256), ...covers.map((c) => c.coverSha256 ?? "")].filter(Boolean));
}

export interface ManagedTitleQuery {
  /** Part of the title or of an author's name, or an ISBN (any form parseIsbn takes). */
  q?: string;
  /** A class and everything filed under it (K finds K204.2). */
  classCode?: string;
  licenceModel?: LicenceModel;
  /** The titles withdrawn from the catalogue instead of the live ones (kept for the loan history). */
  withdrawn?: boolean;
  page: number;
  pageSize: number;
}

/** The librarian's list of live (or withdrawn) titles, newest first, with their files. */
export async function listManagedTitles(query: ManagedTitleQuery) {
  const and: WhereOptions<LibraryTitle>[] = [{ withdrawnAt: query.withdrawn ? { [Op.ne]: null } : null }];
  const q = query.q?.trim();
  if (q) {
    const isbn = parseIsbn(q);
    const like = { [Op.like]: `%${likeSafe(q)}%` };
    and.push(isbn.ok ? { isbn: isbn.isbn13 } : { [Op.or]: [{ title: like }, { authors: like }] });
  }
  if (query.classCode) and.push({ classCode: { [Op.like]: `${likeSafe(query.classCode.toUpperCase())}%` } });
  if (query.licenceModel) and.push({ licenceModel: query.licenceModel });
  const { rows, count } = await LibraryTitle.findAndCountAll({
    where: { [Op.and]: and },
    order: [["id", "DESC"]],
    offset: (query.page - 1) * query.pageSize,
    limit: query.pageSize,
  });
  const files = rows.length
    ? await LibraryFile.findAll({ where: { titleId: rows.map((r) => r.id) }, order: [["id", "ASC"]] })
    : [];
  return { rows: rows.map((title) => ({ title, files: files.filter((f) => f.titleId === title.id) })), count };
}

/** A live title with its files, for the librarian's form. */
export async function managedTitle(titleId: number, t?: Transaction) {
  const title = await findTitleOr404(titleId, t);
  const files = await LibraryFile.findAll({ where: { titleId }, order: [["id", "ASC"]], transaction: t });
  return { title, files };
}
