/**
 * Batch imports of the catalogue: a librarian uploads a folder of books and a
 * CSV list; the job queue (server/jobs) files each row, with progress (rows
 * done of the total) and a report of every row. The CSV's columns (header
 * row, UTF-8, any order; only `file` is required):
 *
 *   file          the book's path in the folder ("史記/001《史記》卷一.pdf") or its name alone
 *   title         else the PDF's Title, else the file name
 *   authors       separated by ; (else the PDF's Author)
 *   publisher, year, isbn (ISBN-10 or -13), language (zh, zh-Hant, en …)
 *   subjects      separated by ; (else the PDF's Keywords)
 *   summary
 *   classCode     a 中图法 class number (K204.2)
 *   licenceModel  copies | pool | open (default copies)
 *   copies        readers at once (default 1)
 *   titleCategory the loan rules' category (default general)
 *
 * A row whose file is already in the catalogue (same SHA-256), or whose ISBN
 * a title has, updates that title with the fields the row gives instead of
 * adding another: a second run of the same folder adds nothing. A bad row (a
 * missing or unreadable file, an invalid field) is reported and the run goes on.
 */
import { readFile, readdir, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { Readable } from "node:stream";
import { parse } from "csv-parse/sync";
import type { Transaction } from "sequelize";
import { z } from "zod";
import type { BlobStore } from "../../core/blobStore.js";
import { AppError, badRequest } from "../../core/errors.js";
import { enqueueJob } from "../../jobs/services/queue.js";
import { PermanentJobError, type JobHandler, type JobServices } from "../../jobs/services/runner.js";
import { sweepUploadFolders } from "../../jobs/services/uploadSweep.js";
import { LibraryFile, LibraryTitle } from "../models/index.js";
import { LibraryImport, type ImportReportRow } from "../models/catalogue.js";
import { readBookFile } from "./bookFiles.js";
import { catalogueTransaction, createTitle, updateTitle } from "./titles.js";
import { libraryUploadsRoot, newTitleFields, patchFields } from "./titleUploads.js";

export const LIBRARY_IMPORT_JOB = "library.import";

export const IMPORT_COLUMNS = [
  "file",
  "title",
  "authors",
  "publisher",
  "year",
  "isbn",
  "language",
  "subjects",
  "summary",
  "classCode",
  "licenceModel",
  "copies",
  "titleCategory",
] as const;

export type ImportRow = { line: number } & Partial<Record<(typeof IMPORT_COLUMNS)[number], string>>;

/** The rows of a CSV list; a list without a `file` column, or with columns it does not know, is refused. */
export function parseImportCsv(text: string): ImportRow[] {
  let records: Record<string, string>[];
  try {
    records = parse(text.replace(/^\uFEFF/, ""), { columns: true, skip_empty_lines: true, trim: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw badRequest("library_import_bad_csv", `The CSV list cannot be read: ${reason}`, { reason });
  }
  const header = Object.keys(records[0] ?? {});
  const unknown = header.filter((c) => !(IMPORT_COLUMNS as readonly string[]).includes(c));
  if (!header.includes("file") || unknown.length) {
    const reason = !header.includes("file") ? "no file column" : `unknown columns: ${unknown.join(", ")}`;
    throw badRequest("library_import_bad_csv", `The CSV list cannot be read: ${reason}`, { reason });
  }
  return records.map((r, i) => {
    const row: ImportRow = { line: i + 2 };
    for (const column of IMPORT_COLUMNS) if (r[column] !== undefined && r[column] !== "") row[column] = r[column];
    return row;
  });
}

/** Every file under a folder, by its path relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split("\\").join("/"));
}

/** The uploaded file a row names: its path in the folder, the same path below the folder's top, or a unique name. */
function findFile(files: readonly string[], wanted: string): string | null {
  const clean = wanted.replace(/^\.?\/+/, "").normalize("NFC");
  const exact = files.find((f) => f === clean || f.split("/").slice(1).join("/") === clean);
  if (exact) return exact;
  const byName = files.filter((f) => f.split("/").pop() === clean.split("/").pop());
  return byName.length === 1 ? byName[0]! : null;
}

const JobPayload = z.object({ importId: z.number().int().positive(), dir: z.string().min(1) });
type JobPayload = z.infer<typeof JobPayload>;

/** Queues an uploaded batch (folder under dir/files, list at dir/list.csv) in the upload's transaction. */
export async function queueCatalogueImport(
  props: { operator: string; dir: string; rows: number },
  t: Transaction,
): Promise<LibraryImport> {
  const run = await LibraryImport.create(
    { operator: props.operator, status: "queued", total: props.rows, report: [] },
    { transaction: t },
  );
  await enqueueJob(LIBRARY_IMPORT_JOB, { importId: run.id, dir: props.dir } satisfies JobPayload, {
    transaction: t,
    maxAttempts: 3,
  });
  return run;
}

/** Files one row: creates its title, or updates the one with the same file or ISBN. */
async function importRow(
  blobs: BlobStore,
  dir: string,
  files: readonly string[],
  row: ImportRow,
): Promise<ImportReportRow> {
  const wanted = row.file ?? "";
  const found = findFile(files, wanted);
  if (!found) {
    return {
      line: row.line,
      file: wanted,
      outcome: "failed",
      code: "library_import_file_missing",
      message: "not in the folder",
    };
  }
  const path = join(dir, "files", ...found.split("/"));
  const reading = await readBookFile(path, found);
  const { sha256, size } = await blobs.put(path);
  const fields: Record<string, string | undefined> = Object.fromEntries(IMPORT_COLUMNS.map((c) => [c, row[c]]));
  // The live title that has this file already (a withdrawn one may have had it too).
  const holders = await LibraryFile.findAll({ attributes: ["titleId"], where: { sha256 } });
  const sameTitle = holders.length
    ? await LibraryTitle.findOne({
        where: { id: holders.map((h) => h.titleId), withdrawnAt: null },
        order: [["id", "ASC"]],
      })
    : null;
  const patch = patchFields(fields);
  const byIsbn =
    !sameTitle && patch.isbn ? await LibraryTitle.findOne({ where: { isbn: patch.isbn, withdrawnAt: null } }) : null;
  const existing = sameTitle ?? byIsbn;
  if (existing) {
    const title = await catalogueTransaction(async (t) => (await updateTitle(existing.id, patch, t)).title);
    return { line: row.line, file: found, outcome: "updated", titleId: title.id, title: title.title };
  }
  const titleFields = newTitleFields(fields, reading.metadata, found);
  const cover = reading.cover ? await blobs.put(Readable.from([reading.cover])) : null;
  const { title } = await catalogueTransaction((t) =>
    createTitle(
      {
        fields: titleFields,
        files: [
          {
            sha256,
            size,
            mediaType: reading.mediaType,
            pageCount: reading.pageCount,
            fileName: found.split("/").pop() ?? found,
            text: reading.text,
          },
        ],
        coverSha256: cover?.sha256 ?? null,
      },
      t,
    ),
  );
  return { line: row.line, file: found, outcome: "created", titleId: title.id, title: title.title };
}

/** Runs an import: every row, progress saved after each; a failed row is reported and the run goes on. */
export async function runCatalogueImport(
  deps: Pick<JobServices, "blobs">,
  run: LibraryImport,
  dir: string,
  signal?: AbortSignal,
): Promise<LibraryImport> {
  const rows = parseImportCsv(await readFile(join(dir, "list.csv"), "utf8"));
  const files = await filesUnder(join(dir, "files"));
  // A run taken again after a crash starts over: rows done before update what they created.
  run.set({ status: "running", total: rows.length, done: 0, created: 0, updated: 0, failed: 0, report: [] });
  await run.save();
  const report: ImportReportRow[] = [];
  for (const row of rows) {
    if (signal?.aborted) throw new Error("the import was interrupted");
    let entry: ImportReportRow;
    try {
      entry = await importRow(deps.blobs, dir, files, row);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      entry = { line: row.line, file: row.file ?? "", outcome: "failed", code: error.code, message: error.message };
    }
    report.push(entry);
    run.set({
      done: report.length,
      created: report.filter((r) => r.outcome === "created").length,
      updated: report.filter((r) => r.outcome === "updated").length,
      failed: report.filter((r) => r.outcome === "failed").length,
      report,
    });
    await run.save();
  }
  run.set({ status: "done", finishedAt: new Date() });
  await run.save();
  return run;
}

/** The job that runs an uploaded batch, then removes its folder. */
export function catalogueImportJob(deps: Pick<JobServices, "blobs" | "drainSearch">): JobHandler {
  return {
    concurrency: 1,
    leaseMs: 120_000,
    async run(raw, { signal }) {
      const parsed = JobPayload.safeParse(raw);
      if (!parsed.success) throw new PermanentJobError(`bad library import job: ${parsed.error.message}`);
      const run = await LibraryImport.findByPk(parsed.data.importId);
      if (!run) throw new PermanentJobError(`library import ${parsed.data.importId} is gone`);
      const { closePdfReaders } = await import("../../../archive-importer/pdfText.js");
      try {
        await runCatalogueImport(deps, run, parsed.data.dir, signal);
      } finally {
        await closePdfReaders();
      }
      await rm(parsed.data.dir, { recursive: true, force: true });
      await deps.drainSearch();
    },
    async onFailed(raw, error) {
      const parsed = JobPayload.safeParse(raw);
      if (!parsed.success) return;
      const run = await LibraryImport.findByPk(parsed.data.importId);
      if (run) {
        run.set({
          status: "failed",
          error: error instanceof Error ? error.message : String(error),
          finishedAt: new Date(),
        });
        await run.save();
      }
      await rm(parsed.data.dir, { recursive: true, force: true });
    },
  };
}

/**
 * The library's upload folders (DATA_DIR/uploads/library) that nothing will
 * remove: a title's upload or a batch cut off by a crash before its request
 * ended or its job was queued. A batch's folder stays while its job waits or runs.
 */
export function sweepLibraryUploads(dataDir: string, graceMs: number): Promise<number> {
  return sweepUploadFolders(
    {
      root: libraryUploadsRoot(dataDir),
      jobKind: LIBRARY_IMPORT_JOB,
      folderOf: (payload) => {
        const parsed = JobPayload.safeParse(payload);
        return parsed.success ? parsed.data.dir : null;
      },
    },
    graceMs,
  );
}
