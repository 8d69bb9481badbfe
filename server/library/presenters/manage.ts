import type { LibraryFile, LibraryTitle } from "../models/index.js";
import type { LibraryImport } from "../models/catalogue.js";
import { splitAuthors } from "../services/titles.js";
import { coverUrl } from "./catalogue.js";

/** A file of a title as librarians see it: its name, kind, size and pages, not where it is kept. */
export function presentManagedFile(f: LibraryFile) {
  return {
    id: f.id,
    fileName: f.fileName,
    mediaType: f.mediaType,
    size: f.size,
    pageCount: f.pageCount,
    fullText: f.fullText,
    createdAt: f.createdAt.toISOString(),
  };
}

/** A title as the librarian's list and form show it. */
export function presentManagedTitle(t: LibraryTitle, files?: readonly LibraryFile[]) {
  return {
    id: t.id,
    title: t.title,
    authors: splitAuthors(t.authors),
    publisher: t.publisher,
    year: t.year,
    isbn: t.isbn,
    language: t.language,
    subjects: splitAuthors(t.subjects),
    summary: t.summary,
    classCode: t.classCode,
    licenceModel: t.licenceModel,
    copies: t.copies,
    titleCategory: t.titleCategory,
    cover: coverUrl(t),
    /** When the title left the catalogue (null while it is in it). */
    withdrawnAt: t.withdrawnAt?.toISOString() ?? null,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    ...(files ? { files: files.map(presentManagedFile) } : {}),
  };
}

export type ManagedTitleShape = ReturnType<typeof presentManagedTitle>;
export type ManagedFileShape = ReturnType<typeof presentManagedFile>;

/** A batch import: its progress; with the report when asked for one run. */
export function presentImport(run: LibraryImport, withReport = false) {
  return {
    id: run.id,
    operator: run.operator,
    status: run.status,
    total: run.total,
    done: run.done,
    created: run.created,
    updated: run.updated,
    failed: run.failed,
    error: run.error,
    createdAt: run.createdAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    ...(withReport ? { report: run.report } : {}),
  };
}

export type ImportShape = ReturnType<typeof presentImport>;
