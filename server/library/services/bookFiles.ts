/**
 * What the catalogue reads out of an uploaded book file before anything is
 * stored: its kind (by its bytes, not its name), page count, metadata from
 * the PDF's info dictionary and XMP, a cover rendered from the first page,
 * and the full text (archive-importer/extract.ts: NFKC, vertical columns
 * joined, in reader processes with a memory limit and a deadline).
 *
 * Metadata and the cover are read in the same bounded reader processes
 * (archive-importer/pdfText.ts, inspectPdf): a hostile file (a decompression
 * bomb in the first page) costs a reader, never the server.
 */
import { open } from "node:fs/promises";
import { basename, extname } from "node:path";
import { AppError } from "../../core/errors.js";
import { extractText } from "../../../archive-importer/extract.js";
import { inspectPdf } from "../../../archive-importer/pdfText.js";
import { ImportFileError } from "../../../archive-importer/types.js";

export type BookKind = "pdf" | "epub";

export const MEDIA_TYPES: Record<BookKind, string> = { pdf: "application/pdf", epub: "application/epub+zip" };

/** Metadata found in a file; each field only when the file has it. */
export interface BookMetadata {
  title?: string;
  authors?: string[];
  subjects?: string[];
  summary?: string;
  year?: number;
  language?: string;
}

export interface BookReading {
  kind: BookKind;
  mediaType: string;
  pageCount: number | null;
  /** Extracted text (NFKC); null when none (an EPUB, a scan without a text layer). */
  text: string | null;
  metadata: BookMetadata;
  /** The first page as a JPEG about COVER_WIDTH wide; null for an EPUB. */
  cover: Buffer | null;
}

export const COVER_WIDTH = 400;
const INSPECT_TIMEOUT_MS = 30_000;

/** A file that is not a book the catalogue takes: 400 for the wrong kind, 422 for a PDF that cannot be read. */
export const bookFileError = {
  unsupported: (file: string) =>
    new AppError(400, "library_file_unsupported", "Only PDF and EPUB files can be added to the catalogue", { file }),
  encrypted: (file: string) =>
    new AppError(422, "library_file_encrypted", "The PDF is protected by a password", { file }),
  tooLarge: (message: string, file: string) => new AppError(422, "library_file_too_large", message, { file }),
  corrupt: (reason: string, file: string) =>
    new AppError(422, "library_file_corrupt", `The PDF cannot be read: ${reason}`, { file }),
};

/** The kind of a file by its first bytes: %PDF, or a ZIP whose first entry says it is an EPUB. */
export async function sniffBook(path: string): Promise<BookKind | null> {
  const handle = await open(path);
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, 64, 0);
    const bytes = head.subarray(0, bytesRead);
    // A PDF may have a few bytes of junk before its header; readers look in the first KB, we in the first 64 bytes.
    if (bytes.includes(Buffer.from("%PDF-"))) return "pdf";
    if (bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) && bytes.includes(Buffer.from("epub+zip")))
      return "epub";
    return null;
  } finally {
    await handle.close();
  }
}

/** Image kinds a cover may be, by their first bytes. */
export async function sniffImage(path: string): Promise<"image/jpeg" | "image/png" | "image/webp" | null> {
  const handle = await open(path);
  try {
    const head = Buffer.alloc(12);
    await handle.read(head, 0, 12, 0);
    if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return "image/jpeg";
    if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "image/png";
    if (head.subarray(0, 4).toString("latin1") === "RIFF" && head.subarray(8, 12).toString("latin1") === "WEBP")
      return "image/webp";
    return null;
  } finally {
    await handle.close();
  }
}

/**
 * A title made from a file name: no extension, no leading numbering ("001",
 * "12."), book-title marks 《》 turned into spaces ("001《史記》卷一.pdf" → "史記 卷一").
 */
export function titleFromFileName(name: string): string {
  const stem = basename(name, extname(name));
  return stem
    .replace(/^\s*[0-9０-９]+[\s._\-、．]*/, "")
    .replace(/[《〈]/g, " ")
    .replace(/[》〉]/g, " ")
    .replace(/[_]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Authors as a PDF's Author field lists them: separated by ; , 、 or, in
 * Chinese classics, each with its dynasty in 【】 ("【漢】司馬遷著【宋】裴駰集解").
 */
export function splitAuthorField(value: string): string[] {
  return value
    .split(/[;；,，、]|(?=【)/)
    .map((a) => a.trim())
    .filter(Boolean);
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value.normalize("NFKC").trim() : undefined;

/** The year of an XMP date (2025-07-15T…, or a list of them: the first). */
function yearOf(value: unknown): number | undefined {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  const match = typeof first === "string" ? /^(\d{4})/.exec(first) : null;
  const year = match ? Number(match[1]) : NaN;
  return year >= 1 && year <= new Date().getFullYear() + 1 ? year : undefined;
}

/** The catalogue's fields from a PDF's information dictionary, or its XMP where the dictionary is silent. */
function bookMetadata(info: Record<string, unknown>, xmp: Record<string, unknown>): BookMetadata {
  const xmpCreators = xmp["dc:creator"];
  const authorField = text(info.Author) ?? (Array.isArray(xmpCreators) ? xmpCreators.join("; ") : text(xmpCreators));
  const keywords = text(info.Keywords) ?? text(xmp["pdf:keywords"]);
  const xmpSubject = xmp["dc:subject"];
  return {
    title: text(info.Title) ?? text(xmp["dc:title"]),
    authors: authorField ? splitAuthorField(authorField) : undefined,
    subjects: keywords ? splitAuthorField(keywords) : Array.isArray(xmpSubject) ? xmpSubject.map(String) : undefined,
    summary: text(info.Subject) ?? text(xmp["dc:description"]),
    // The publication date is Dublin Core's dc:date; CreationDate and xmp:CreateDate say when the PDF was
    // made (a 2025 scan of a Han dynasty text), which a librarian would have to correct by hand.
    year: yearOf(xmp["dc:date"]),
  };
}

/** The import report's codes for a file the text extraction could not read. */
function fromImportError(error: ImportFileError, file: string): AppError {
  switch (error.code) {
    case "encrypted":
      return bookFileError.encrypted(file);
    case "too_large":
      return bookFileError.tooLarge(error.message, file);
    default:
      return bookFileError.corrupt(error.message, file);
  }
}

/**
 * Reads an uploaded file: what it is, its pages, metadata, cover and text.
 * `file` is the name the librarian knows it by (for error details). The path
 * must end in .pdf or .epub as its content does (the upload route names it so).
 */
export async function readBookFile(path: string, file: string): Promise<BookReading> {
  const kind = await sniffBook(path);
  if (kind === null) {
    throw bookFileError.unsupported(file);
  }
  if (kind === "epub") {
    // Stored as it is: readers open it with their own apps (no EPUB reader in the browser yet).
    return { kind, mediaType: MEDIA_TYPES.epub, pageCount: null, text: null, metadata: {}, cover: null };
  }
  try {
    const { pages, info, xmp, cover } = await inspectPdf(path, {
      timeoutMs: INSPECT_TIMEOUT_MS,
      coverWidth: COVER_WIDTH,
    });
    const { text: extracted } = await extractText(path, { timeoutMs: 120_000 });
    return {
      kind,
      mediaType: MEDIA_TYPES.pdf,
      pageCount: pages,
      metadata: bookMetadata(info, xmp),
      cover: cover ? Buffer.from(cover) : null,
      text: extracted || null,
    };
  } catch (error) {
    if (error instanceof ImportFileError) throw fromImportError(error, file);
    throw error;
  }
}
