import type { Transaction } from "sequelize";
import type { BlobStore } from "../../core/blobStore.js";
import { notFound } from "../../core/errors.js";
import { ArchiveIntake, ArchiveRecord } from "../models/index.js";

/** An original file kept in the blob store, as a record refers to it. */
export interface StoredOriginal {
  sha256: string;
  size: number;
  /** MIME type the file route answers with. */
  type: string;
}

/** MIME types of the formats the archive takes in (the importer's formats, archive-importer/extract.ts). */
export const ORIGINAL_TYPES: Readonly<Record<string, string>> = {
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  html: "text/html",
  markdown: "text/markdown",
  text: "text/plain",
};

export const originalType = (format: string): string => ORIGINAL_TYPES[format] ?? "application/octet-stream";

/**
 * Puts a record's original file into the blob store. `sha256` is the hash the
 * caller already computed (the importer's change check): a file stored before
 * is not read again, and one that changed since it was hashed is refused.
 * Called before the transaction that refers to the blob; the sweep's grace
 * period keeps the blob until that row has committed.
 */
export async function storeOriginal(
  blobs: BlobStore,
  path: string,
  file: { sha256: string; format: string },
): Promise<StoredOriginal> {
  const { sha256, size } = await blobs.put(path, { sha256: file.sha256 });
  return { sha256, size, type: originalType(file.format) };
}

/** The columns a record keeps its original in (none: all null). */
export const originalColumns = (original: StoredOriginal | null) => ({
  fileSha256: original?.sha256 ?? null,
  fileSize: original?.size ?? null,
  fileType: original?.type ?? null,
});

/**
 * Gives a record whose file is unchanged its original: records imported before
 * originals were kept get theirs on the next run, without their text being read
 * again. The file's fields are not indexed, so the search outbox is not involved.
 */
export async function attachOriginal(record: ArchiveRecord, original: StoredOriginal, transaction: Transaction) {
  return record.update(originalColumns(original), { transaction });
}

/** The record's original as the API shows it, or null when it has none. */
export function originalOf(record: ArchiveRecord): StoredOriginal | null {
  if (!record.fileSha256 || record.fileSize === null || !record.fileType) return null;
  return { sha256: record.fileSha256, size: Number(record.fileSize), type: record.fileType };
}

/**
 * A record with only what serving its file needs: a PDF viewer asks for dozens
 * of byte ranges, and none of them needs the record's full text.
 */
export async function findRecordFileOr404(id: number): Promise<ArchiveRecord> {
  const record = await ArchiveRecord.findByPk(id, {
    attributes: ["id", "openness", "fileName", "fileSha256", "fileSize", "fileType"],
  });
  if (!record) throw notFound("Record");
  return record;
}

/**
 * For the blob sweep: which of `hashes` the archive refers to — the originals
 * of its records, and those of hand-overs not yet filed (or failed), which
 * must stay until they are.
 */
export async function archiveBlobReferences(hashes: readonly string[]): Promise<Set<string>> {
  if (!hashes.length) return new Set();
  const where = { fileSha256: [...hashes] };
  const rows = await Promise.all([
    ArchiveRecord.findAll({ attributes: ["fileSha256"], where }),
    ArchiveIntake.findAll({ attributes: ["fileSha256"], where }),
  ]);
  return new Set(rows.flat().flatMap((r) => (r.fileSha256 ? [r.fileSha256] : [])));
}
