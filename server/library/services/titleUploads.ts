/**
 * Books uploaded by librarians: a multipart form streamed to a folder under
 * DATA_DIR (core/multipart.ts), every file read (services/bookFiles.ts)
 * before anything is kept, then put in the blob store; the title's rows are
 * written by the route's transaction (services/titles.ts). A file that cannot
 * be read refuses the whole upload, and the folder is removed either way, so
 * nothing is half-stored: blobs put before a failed transaction are
 * referenced by nothing and go with the blob sweep.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { BlobStore } from "../../core/blobStore.js";
import { badRequest, validationError } from "../../core/errors.js";
import type { UploadLimits, UploadedFile } from "../../core/multipart.js";
import { readBookFile, sniffImage, titleFromFileName, type BookMetadata, type BookReading } from "./bookFiles.js";
import {
  TitleFieldsSchema,
  TitlePatchSchema,
  type StoredBookFile,
  type TitleFields,
  type TitlePatch,
} from "./titles.js";

const MB = 1024 * 1024;

/** A book of up to 500 MB (scans of large works), up to 20 files and a cover in one form. */
export const TITLE_UPLOAD_LIMITS: UploadLimits = {
  maxFileBytes: 500 * MB,
  maxTotalBytes: 2048 * MB,
  maxFiles: 21,
  maxFields: 30,
  maxFieldBytes: 20_000,
};

/** A batch: a folder of up to 1,000 books and its CSV list. */
export const IMPORT_UPLOAD_LIMITS: UploadLimits = {
  maxFileBytes: 500 * MB,
  maxTotalBytes: 20 * 1024 * MB,
  maxFiles: 1001,
  maxFieldBytes: 1000,
};

/** A batch's parts: the folder's books under files/ (as the browser names them), the list as list.csv. */
export function placeImportUpload(field: string, name: string): string | null {
  if (field === "files") {
    const ext = extensionOf(name);
    return (ext === ".pdf" || ext === ".epub") && !name.split("/").some((s) => s.startsWith("."))
      ? `files/${name}`
      : null;
  }
  if (field === "csv") return "list.csv";
  return null;
}

/** Where uploads wait while they are read. */
export const libraryUploadsRoot = (dataDir: string) => join(dataDir, "uploads", "library");
export const newLibraryUploadFolder = (dataDir: string) => join(libraryUploadsRoot(dataDir), randomUUID());

const extensionOf = (name: string) => {
  const dot = name.lastIndexOf(".");
  return dot > name.lastIndexOf("/") ? name.slice(dot).toLowerCase() : "";
};

/**
 * Where the parts of a title's form go: books under files/ as <n>.pdf or
 * <n>.epub (the text extraction goes by the extension; the content is
 * checked by its bytes), the cover under cover/; other parts are read past.
 */
export function placeTitleUpload(): (field: string, name: string) => string | null {
  let n = 0;
  return (field, name) => {
    if (field === "files") return `files/${++n}${extensionOf(name) === ".epub" ? ".epub" : ".pdf"}`;
    if (field === "cover") return `cover/cover`;
    return null;
  };
}

export interface ReadUpload {
  books: { file: UploadedFile; reading: BookReading; path: string }[];
  cover: { path: string } | null;
}

/** Reads every book of an upload (and checks the cover is an image); the first bad file refuses it. */
export async function readUploadedBooks(dir: string, files: readonly UploadedFile[]): Promise<ReadUpload> {
  const books: ReadUpload["books"] = [];
  for (const file of files.filter((f) => f.field === "files")) {
    const path = join(dir, ...file.path.split("/"));
    books.push({ file, reading: await readBookFile(path, file.name), path });
  }
  const coverPart = files.find((f) => f.field === "cover");
  let cover: ReadUpload["cover"] = null;
  if (coverPart) {
    const path = join(dir, ...coverPart.path.split("/"));
    if (!(await sniffImage(path))) {
      throw badRequest("library_cover_not_image", "The cover is a JPEG, PNG or WebP image", { file: coverPart.name });
    }
    cover = { path };
  }
  return { books, cover };
}

/** Puts the books (and the cover, given or rendered from the first PDF) into the blob store. */
export async function storeUploadedBooks(
  blobs: BlobStore,
  read: ReadUpload,
  options: { renderCover: boolean },
): Promise<{ files: StoredBookFile[]; coverSha256: string | null }> {
  const files: StoredBookFile[] = [];
  for (const { file, reading, path } of read.books) {
    const { sha256, size } = await blobs.put(path);
    files.push({
      sha256,
      size,
      mediaType: reading.mediaType,
      pageCount: reading.pageCount,
      fileName: file.name.split("/").pop() ?? file.name,
      text: reading.text,
    });
  }
  let coverSha256: string | null = null;
  if (read.cover) coverSha256 = (await blobs.put(read.cover.path)).sha256;
  else if (options.renderCover) {
    const rendered = read.books.find((b) => b.reading.cover)?.reading.cover;
    if (rendered) coverSha256 = (await blobs.put((await import("node:stream")).Readable.from([rendered]))).sha256;
  }
  return { files, coverSha256 };
}

/** A list typed in one field: separated by ; or new lines. */
const listOf = (value: string | undefined) =>
  value === undefined
    ? undefined
    : value
        .split(/[;；\n]/)
        .map((v) => v.trim())
        .filter(Boolean);

const numberOf = (value: string | undefined) =>
  value === undefined || value.trim() === "" ? undefined : Number(value);
const textOf = (value: string | undefined) => (value === undefined || value.trim() === "" ? undefined : value);

/** The title fields of a form's text fields, as given (absent ones left out). */
export function formFields(fields: Record<string, string | undefined>): Record<string, unknown> {
  const given: Record<string, unknown> = {
    title: textOf(fields.title),
    authors: listOf(fields.authors),
    publisher: textOf(fields.publisher),
    year: numberOf(fields.year),
    isbn: textOf(fields.isbn),
    language: textOf(fields.language),
    subjects: listOf(fields.subjects),
    summary: textOf(fields.summary),
    classCode: textOf(fields.classCode),
    licenceModel: textOf(fields.licenceModel),
    copies: numberOf(fields.copies),
    titleCategory: textOf(fields.titleCategory),
  };
  return Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
}

/**
 * A new title's fields: what the form gives, else what the first book's
 * metadata says, else its file name for the title; a copies licence of one
 * copy unless told otherwise.
 */
export function newTitleFields(
  fields: Record<string, string | undefined>,
  metadata: BookMetadata,
  fileName: string,
): TitleFields {
  const fromFile = {
    title: metadata.title ?? titleFromFileName(fileName),
    authors: metadata.authors,
    subjects: metadata.subjects,
    summary: metadata.summary,
    year: metadata.year,
    language: metadata.language,
  };
  const merged = {
    licenceModel: "copies",
    ...Object.fromEntries(Object.entries(fromFile).filter(([, v]) => v !== undefined)),
    ...formFields(fields),
  };
  const parsed = TitleFieldsSchema.safeParse(merged);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

/** The fields a form changes (only those it gives). */
export function patchFields(fields: Record<string, string | undefined>): TitlePatch {
  const parsed = TitlePatchSchema.safeParse(formFields(fields));
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}
