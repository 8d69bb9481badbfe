import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, extname, join, relative, sep } from "node:path";
import type { Sequelize } from "sequelize";
import { ArchiveImport, ArchiveRecord, type Openness } from "../server/archive/models/index.js";
import { importRecord, type ImportOutcome, type RecordFields } from "../server/archive/services/records.js";
import { attachOriginal, storeOriginal } from "../server/archive/services/originals.js";
import type { BlobStore } from "../server/core/blobStore.js";
import {
  failImportRun,
  finishImportRun,
  reportImportProgress,
  restartImportRun,
  startImportRun,
  type ImportRunReport,
} from "../server/archive/services/imports.js";
import { extractText } from "./extract.js";
import { metadataFromText } from "./metadata.js";
import type { Sidecar } from "./sidecar.js";
import { IMPORTED_EXTENSIONS, ImportFileError, type ImportFileErrorCode } from "./types.js";

export interface ImportOptions {
  folder: string;
  sidecar: Sidecar | null;
  /** For new records without an openness in the sidecar. */
  openness: Openness;
  dryRun: boolean;
  /** Where the imported files themselves are kept (a dry run stores nothing). */
  blobs: BlobStore;
  /** Files worked on at once (PDFs are read in worker threads); default: the machine's cores. */
  concurrency?: number;
  /** Per-file bounds for PDF reading. */
  timeoutMs?: number;
  onProgress?: (progress: ImportProgress) => void;
  /** Files left out before the run (an upload keeps only the formats the importer reads); added to `skipped`. */
  skippedBefore?: number;
  /** Stops the run between files (the server is stopping); the files done so far stay imported. */
  signal?: AbortSignal;
}

export interface ImportProgress {
  done: number;
  total: number;
  file: string;
}

export type FileOutcome = ImportOutcome | "failed";

export interface FileResult {
  file: string;
  outcome: FileOutcome;
  /** For failures: why, as a code the report and the screens translate, and the reader's message. */
  code?: ImportFileErrorCode | "no_text" | "error";
  message?: string;
  needsOcr?: boolean;
  recordId?: number;
}

/** A run's counts and problems (what archive_imports keeps), with where and when it ran. */
export interface ImportReport extends ImportRunReport {
  folder: string;
  startedAt: string;
  finishedAt: string;
  /** Files that failed, and files imported without text (listed for OCR). */
  problems: FileResult[];
}

/** Every importable file under `folder`, in a stable order; hidden files and `_`-prefixed index files are skipped. */
export async function listFiles(folder: string): Promise<{ files: string[]; skipped: number }> {
  const files: string[] = [];
  let skipped = 0;
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.name.startsWith(".") || entry.name.startsWith("_")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && IMPORTED_EXTENSIONS.has(extname(entry.name).toLowerCase())) files.push(path);
      else if (entry.isFile()) skipped += 1;
    }
  };
  await walk(folder);
  return { files, skipped };
}

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

/** The record key of a file: its path inside the imported folder, with forward slashes. */
export const sourceKeyOf = (folder: string, file: string) => `import:${relative(folder, file).split(sep).join("/")}`;

const FALLBACK_DATE = /\((\d{4}-\d{2}-\d{2})\)$/;

async function importOne(sequelize: Sequelize, options: ImportOptions, file: string): Promise<FileResult> {
  const name = relative(options.folder, file);
  const sourceKey = sourceKeyOf(options.folder, file);
  const contentHash = await sha256(file);
  // Unchanged since the last run: nothing to read, which is what makes a second run fast and an interrupted one resumable.
  const existing = await ArchiveRecord.findOne({
    where: { sourceKey },
    attributes: ["id", "contentHash", "fileSha256", "fileFormat"],
  });
  if (existing?.contentHash === contentHash) {
    if (existing.fileSha256 === contentHash) return { file: name, outcome: "unchanged", recordId: existing.id };
    // Imported before originals were kept: the file goes into the blob store, its text is not read again.
    if (!options.dryRun) {
      const original = await storeOriginal(options.blobs, file, {
        sha256: contentHash,
        format: existing.fileFormat ?? "",
      });
      await sequelize.transaction((t) => attachOriginal(existing, original, t));
    }
    return { file: name, outcome: "updated", recordId: existing.id };
  }

  const extracted = await extractText(file, { timeoutMs: options.timeoutMs });
  const fromText = metadataFromText(extracted.text, basename(file));
  const side = options.sidecar?.lookup(file, fromText.title) ?? null;
  const stem = basename(file, extname(file));
  const title = side?.title ?? fromText.title ?? stem.replace(FALLBACK_DATE, "").trim();
  if (!extracted.text.trim() && !extracted.needsOcr) {
    return { file: name, outcome: "failed", code: "no_text", message: "the file holds no text" };
  }
  const fields: RecordFields = {
    title: title || stem,
    docNumber: side?.docNumber ?? fromText.docNumber,
    issuers: side?.issuer ?? fromText.issuer,
    docType: side?.docType ?? fromText.docType,
    issuedOn: side?.issuedOn ?? fromText.issuedOn,
    effectiveOn: side?.effectiveOn ?? fromText.effectiveOn,
    subjects: side?.subjects ?? fromText.subjects,
    category: side?.category ?? fromText.category,
    body: extracted.text,
    validity: side?.validity ?? fromText.validity ?? "有效",
  };
  if (options.dryRun) {
    return { file: name, outcome: existing ? "updated" : "created", needsOcr: extracted.needsOcr };
  }
  // Stored before the row that refers to it commits (the blob sweep's grace period covers the gap);
  // with the hash known, the copy is checked against it, so a file changed since is refused.
  const original = await storeOriginal(options.blobs, file, { sha256: contentHash, format: extracted.format });
  const { outcome, record } = await sequelize.transaction((t) =>
    importRecord(
      fields,
      {
        sourceKey,
        contentHash,
        fileName: basename(file),
        fileFormat: extracted.format,
        pages: extracted.pages,
        needsOcr: extracted.needsOcr,
        openness: side?.openness ?? options.openness,
        original,
      },
      "import",
      t,
    ),
  );
  return { file: name, outcome, needsOcr: extracted.needsOcr, recordId: record.id };
}

/**
 * Imports a folder: every file becomes (or updates) one record, a few at a
 * time. A file that cannot be read is reported and the run goes on; a run
 * repeated adds nothing, and one interrupted can be started again.
 */
export async function runImport(sequelize: Sequelize, options: ImportOptions): Promise<ImportReport> {
  const startedAt = new Date().toISOString();
  const { files, skipped } = await listFiles(options.folder);
  const results: FileResult[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < files.length) {
      options.signal?.throwIfAborted();
      const file = files[next++] as string;
      let result: FileResult;
      try {
        result = await importOne(sequelize, options, file);
      } catch (err) {
        const known = err instanceof ImportFileError;
        result = {
          file: relative(options.folder, file),
          outcome: "failed",
          code: known ? err.code : "error",
          message: err instanceof Error ? err.message : String(err),
        };
      }
      results.push(result);
      done += 1;
      options.onProgress?.({ done, total: files.length, file: result.file });
    }
  };
  const concurrency = Math.max(1, options.concurrency ?? availableParallelism());
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length || 1) }, worker));
  const count = (outcome: FileOutcome) => results.filter((r) => r.outcome === outcome).length;
  return {
    folder: options.folder,
    startedAt,
    finishedAt: new Date().toISOString(),
    dryRun: options.dryRun,
    files: files.length,
    created: count("created"),
    updated: count("updated"),
    unchanged: count("unchanged"),
    failed: count("failed"),
    needsOcr: results.filter((r) => r.needsOcr).length,
    skipped: skipped + (options.skippedBefore ?? 0),
    problems: results.filter((r) => r.outcome === "failed" || r.needsOcr).sort((a, b) => a.file.localeCompare(b.file)),
  };
}

/**
 * runImport with a record of the run (archive_imports) that archivists follow
 * on their screen: opened before the first file (or, for an upload, the
 * queued record restarted), its progress saved every two seconds, closed with
 * the report (and put on the audit log), or marked failed if the run itself
 * stops on an error. A run stopped by its signal goes back to queued: the job
 * queue runs it again, and the files already imported are skipped as unchanged.
 */
export async function recordedImport(
  sequelize: Sequelize,
  options: ImportOptions,
  run: { source: "cli" | "upload"; operator: string } | ArchiveImport,
): Promise<{ report: ImportReport; runId: number }> {
  let record: ArchiveImport;
  if (run instanceof ArchiveImport) {
    record = run;
    await restartImportRun(record);
  } else {
    record = await startImportRun({ ...run, folder: options.folder, dryRun: options.dryRun });
  }
  let saved = 0;
  try {
    const report = await runImport(sequelize, {
      ...options,
      onProgress: (progress) => {
        options.onProgress?.(progress);
        if (Date.now() - saved < 2000) return;
        saved = Date.now();
        void reportImportProgress(record, progress.done, progress.total);
      },
    });
    await finishImportRun(sequelize, record, report);
    return { report, runId: record.id };
  } catch (err) {
    if (options.signal?.aborted) await record.update({ status: "queued" });
    else await failImportRun(record, err);
    throw err;
  }
}
