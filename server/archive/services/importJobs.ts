/**
 * Folders uploaded by archivists, imported by the job queue (server/jobs).
 *
 * The upload route streams the folder to DATA_DIR/uploads/archive-imports/<id>/
 * (files/ and, when given, metadata/), then queues a run (archive_imports,
 * status queued) and its job in one transaction. The job runs the importer on
 * that folder exactly as `npm run import` would (archive-importer/run.ts), so
 * an upload and the CLI give the same records, keys and report; then it
 * removes the folder (the originals are in the blob store by then). A job
 * taken again after its instance stopped starts the run again: files already
 * imported are skipped as unchanged.
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Transaction } from "sequelize";
import { z } from "zod";
import { badRequest } from "../../core/errors.js";
import { IMPORTED_EXTENSIONS } from "../../../archive-importer/types.js";
import type { UploadedFile } from "../../core/multipart.js";
import { enqueueJob } from "../../jobs/services/queue.js";
import { PermanentJobError, type JobHandler, type JobServices } from "../../jobs/services/runner.js";
import { sweepUploadFolders } from "../../jobs/services/uploadSweep.js";
import { ArchiveImport, OPENNESS, type Openness } from "../models/index.js";
import { failImportRun, queueImportRun } from "./imports.js";

export const ARCHIVE_IMPORT_JOB = "archive.import";

const METADATA_EXTENSIONS = new Set([".csv", ".json"]);

const extensionOf = (name: string) => {
  const dot = name.lastIndexOf(".");
  return dot > name.lastIndexOf("/") ? name.slice(dot).toLowerCase() : "";
};
const hidden = (name: string) => name.split("/").some((segment) => segment.startsWith("."));

/** Where uploads wait for their import. */
export const uploadsRoot = (dataDir: string) => join(dataDir, "uploads", "archive-imports");

/** A new folder for one upload. */
export const newUploadFolder = (dataDir: string) => join(uploadsRoot(dataDir), randomUUID());

/**
 * Where a part of the upload form goes: the folder's files under files/ (only
 * the formats the importer reads; anything else is counted as skipped), the
 * metadata file under metadata/; anything else is read past.
 */
export function placeImportUpload(field: string, name: string): string | null {
  if (field === "files") {
    return IMPORTED_EXTENSIONS.has(extensionOf(name)) && !hidden(name) ? `files/${name}` : null;
  }
  if (field === "metadata") {
    if (!METADATA_EXTENSIONS.has(extensionOf(name))) {
      throw badRequest("upload_bad_metadata", "The metadata file is a .csv or a .json file");
    }
    return `metadata/${name.split("/").pop()}`;
  }
  return null;
}

const JobPayload = z.object({
  importId: z.number().int().positive(),
  /** The upload's folder (newUploadFolder). */
  dir: z.string().min(1),
  /** The folder to import, relative to dir: files/, or files/<top> when everything came in one folder. */
  folder: z.string().min(1),
  /** The metadata file, relative to dir. */
  metadata: z.string().min(1).nullable(),
  openness: z.enum(OPENNESS),
  dryRun: z.boolean(),
  /** Files of the upload that are not in a format the importer reads. */
  skipped: z.number().int().min(0),
});
type JobPayload = z.infer<typeof JobPayload>;

/**
 * The folder to import and the name to show for it: a folder chosen in the
 * browser arrives as "<folder>/…" for every file, and importing from inside
 * it gives each record the same key as `npm run import -- <folder>` would.
 */
export function importFolderOf(files: readonly UploadedFile[]): { folder: string; name: string | null } {
  const tops = new Set(files.map((file) => (file.name.includes("/") ? file.name.split("/")[0] : "")));
  const [top] = tops;
  return tops.size === 1 && top ? { folder: `files/${top}`, name: top } : { folder: "files", name: null };
}

/** The sidecar of an upload, read from where the job will read it; a file it cannot read is the uploader's error. */
async function readUploadedSidecar(dir: string, metadata: string, folder: string) {
  const { readSidecar } = await import("../../../archive-importer/sidecar.js");
  try {
    return await readSidecar(join(dir, metadata), join(dir, folder));
  } catch (error) {
    // Its messages name the file by its path on the server: the uploader knows it by its name.
    const message = error instanceof Error ? error.message.replaceAll(`${join(dir, "metadata")}/`, "") : String(error);
    throw badRequest("upload_bad_metadata", `The metadata file cannot be read: ${message}`, { reason: message });
  }
}

/** Checks an upload's metadata file at once, so the archivist hears of a mistake in it before anything is queued. */
export async function checkUploadedMetadata(dir: string, files: readonly UploadedFile[]): Promise<void> {
  const metadata = files.find((file) => file.field === "metadata");
  if (!metadata) return;
  const documents = files.filter((file) => file.field === "files");
  await readUploadedSidecar(dir, metadata.path, importFolderOf(documents).folder);
}

/** Queues the import of an uploaded folder, in the upload's transaction: its run (shown at once) and its job. */
export async function queueUploadedImport(
  upload: {
    operator: string;
    dir: string;
    files: readonly UploadedFile[];
    skipped: number;
    openness: Openness;
    dryRun: boolean;
    displayName: string | null;
  },
  transaction: Transaction,
): Promise<ArchiveImport> {
  const documents = upload.files.filter((file) => file.field === "files");
  const { folder, name } = importFolderOf(documents);
  const metadata = upload.files.find((file) => file.field === "metadata")?.path ?? null;
  const run = await queueImportRun(
    { operator: upload.operator, folder: upload.displayName ?? name ?? "", dryRun: upload.dryRun },
    transaction,
  );
  const payload: JobPayload = {
    importId: run.id,
    dir: upload.dir,
    folder,
    metadata,
    openness: upload.openness,
    dryRun: upload.dryRun,
    skipped: upload.skipped,
  };
  await enqueueJob(ARCHIVE_IMPORT_JOB, payload, { transaction, maxAttempts: 3 });
  return run;
}

function parsePayload(payload: unknown): JobPayload {
  const parsed = JobPayload.safeParse(payload);
  if (!parsed.success) throw new PermanentJobError(`bad archive import job: ${parsed.error.message}`);
  return parsed.data;
}

/** The job that imports an uploaded folder. One at a time per instance: the importer uses both cores itself. */
export function archiveImportJob(deps: Pick<JobServices, "sequelize" | "blobs" | "drainSearch">): JobHandler {
  return {
    concurrency: 1,
    leaseMs: 120_000,
    async run(raw, { signal }) {
      const payload = parsePayload(raw);
      const run = await ArchiveImport.findByPk(payload.importId);
      if (!run) throw new PermanentJobError(`archive import ${payload.importId} is gone`);
      // The importer and its PDF readers are loaded by the instances that import, when they first do.
      const [{ recordedImport }, { closePdfReaders }] = await Promise.all([
        import("../../../archive-importer/run.js"),
        import("../../../archive-importer/pdfText.js"),
      ]);
      let sidecar = null;
      if (payload.metadata) {
        try {
          sidecar = await readUploadedSidecar(payload.dir, payload.metadata, payload.folder);
        } catch (error) {
          // Checked at upload: only a file changed or lost since can fail here, and trying again will not help.
          throw new PermanentJobError(error instanceof Error ? error.message : String(error));
        }
      }
      try {
        await recordedImport(
          deps.sequelize,
          {
            folder: join(payload.dir, payload.folder),
            sidecar,
            openness: payload.openness,
            dryRun: payload.dryRun,
            blobs: deps.blobs,
            skippedBefore: payload.skipped,
            signal,
          },
          run,
        );
      } finally {
        await closePdfReaders();
      }
      await rm(payload.dir, { recursive: true, force: true });
      if (!payload.dryRun) await deps.drainSearch();
    },
    async onFailed(raw, error) {
      const parsed = JobPayload.safeParse(raw);
      if (!parsed.success) return;
      const run = await ArchiveImport.findByPk(parsed.data.importId);
      if (run && run.status !== "failed") await failImportRun(run, error);
      await rm(parsed.data.dir, { recursive: true, force: true });
    },
  };
}

/**
 * Upload folders that no waiting or running import job refers to and that are
 * older than `graceMs` (an upload cut off by a crash before its job was queued).
 */
export function sweepImportUploads(dataDir: string, graceMs: number): Promise<number> {
  return sweepUploadFolders(
    {
      root: uploadsRoot(dataDir),
      jobKind: ARCHIVE_IMPORT_JOB,
      folderOf: (payload) => {
        const parsed = JobPayload.safeParse(payload);
        return parsed.success ? parsed.data.dir : null;
      },
    },
    graceMs,
  );
}
