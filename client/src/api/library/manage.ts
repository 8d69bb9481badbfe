import { http, uploadForm, type UploadProgress } from "../request";
// Type-only: the shapes are the server's own presenters' and services' (erased from the bundle, never copied).
import type { ImportShape, ManagedFileShape, ManagedTitleShape } from "../../../../server/library/presenters/manage";
import type { TitlePatch } from "../../../../server/library/services/titles";
import type { LicenceModel } from "./catalogue";

export type ManagedTitle = ManagedTitleShape;
export type ManagedFile = ManagedFileShape;
/** A batch import; `report` only on GET /api/library/imports/:id. */
export type CatalogueImport = ImportShape;
export type ImportReportRow = NonNullable<ImportShape["report"]>[number];
/** A title's fields as PATCH takes them (the ISBN as typed: the server checks and keeps it as ISBN-13). */
export type TitleChange = Partial<Omit<TitlePatch, "isbn">> & { isbn?: string | null; cover?: null };

export interface Paged<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface ManagedTitleQuery {
  /** Part of the title or an author's name, or an ISBN. */
  q?: string;
  classCode?: string;
  licenceModel?: LicenceModel;
  withdrawn?: boolean;
  page?: number;
  pageSize?: number;
}

export const listManagedTitles = (query: ManagedTitleQuery) =>
  http.get<Paged<ManagedTitle>>("/api/library/manage/titles", {
    ...query,
    withdrawn: query.withdrawn ? "true" : undefined,
  });

export const getManagedTitle = (id: number) => http.get<ManagedTitle>(`/api/library/manage/titles/${id}`);

/** The fields a new title's form may give; what it leaves out the server reads from the first PDF. */
export interface NewTitleFields {
  classCode?: string;
  licenceModel?: LicenceModel;
  copies?: number;
  titleCategory?: string;
}

/**
 * POST /api/library/titles: the books (one title, several files for several
 * volumes) streamed as multipart; the server creates the title at once and
 * answers it with what it read from the PDF (201).
 */
export function uploadTitle(
  files: readonly File[],
  fields: NewTitleFields,
  onProgress?: (p: UploadProgress) => void,
): Promise<ManagedTitle> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined && value !== "") form.append(name, String(value));
  }
  for (const file of files) form.append("files", file, file.name);
  return uploadForm<ManagedTitle>("/api/library/titles", form, onProgress);
}

export const updateTitle = (id: number, change: TitleChange) =>
  http.patch<ManagedTitle>(`/api/library/titles/${id}`, change);

/** Withdrawal (204); 409 library_title_on_loan while a patron has it. */
export const withdrawTitle = (id: number) => http.delete(`/api/library/titles/${id}`);

export function replaceCover(id: number, image: File): Promise<ManagedTitle> {
  const form = new FormData();
  form.append("cover", image, image.name);
  return uploadForm<ManagedTitle>(`/api/library/titles/${id}/cover`, form);
}

export function addTitleFiles(
  id: number,
  files: readonly File[],
  onProgress?: (p: UploadProgress) => void,
): Promise<{ items: ManagedFile[] }> {
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  return uploadForm<{ items: ManagedFile[] }>(`/api/library/titles/${id}/files`, form, onProgress);
}

/** 409 library_last_file for a title's only file. */
export const removeTitleFile = (id: number, fileId: number) => http.delete(`/api/library/titles/${id}/files/${fileId}`);

/** A file's path as the CSV's `file` column names it: inside the chosen folder when one was chosen. */
const pathOf = (file: File) => file.webkitRelativePath || file.name;

/** POST /api/library/imports: a folder (or some files) of books and the CSV list; the job queue files them (202). */
export function uploadImport(
  books: readonly File[],
  csv: File,
  onProgress?: (p: UploadProgress) => void,
): Promise<CatalogueImport> {
  const form = new FormData();
  // The list first: the server refuses a batch without one before it reads a thousand books.
  form.append("csv", csv, csv.name);
  for (const file of books) form.append("files", file, pathOf(file));
  return uploadForm<CatalogueImport>("/api/library/imports", form, onProgress);
}

export const listImports = (page = 1, pageSize = 10) =>
  http.get<Paged<CatalogueImport>>("/api/library/imports", { page, pageSize });

export const getImport = (id: number) => http.get<CatalogueImport>(`/api/library/imports/${id}`);
