/**
 * Upload folders left behind: a module streams an upload to a folder of its
 * own (core/multipart.ts) and queues a job that reads it and removes it, or
 * removes it itself when the request ends. A crash between the two leaves a
 * folder nothing will remove; the prune job sweeps those. A folder a waiting
 * or running job names is kept, and so is any folder younger than the grace
 * period (an upload still arriving, or one whose job is being queued).
 */
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Job } from "../models/index.js";
import { payloadOf } from "./queue.js";

export interface UploadFolders {
  /** The folder whose sub-folders are the uploads (DATA_DIR/uploads/<module>). */
  root: string;
  /** The job kind that reads these uploads. */
  jobKind: string;
  /** The upload folder a job's payload names (null when it names none). */
  folderOf: (payload: unknown) => string | null;
}

/** Removes the upload folders under `root` that no live job names and that are older than `graceMs`; answers how many. */
export async function sweepUploadFolders(uploads: UploadFolders, graceMs: number, now = Date.now()): Promise<number> {
  const names = await readdir(uploads.root).catch(() => [] as string[]);
  if (names.length === 0) return 0;
  const jobs = await Job.findAll({
    attributes: ["payload"],
    where: { kind: uploads.jobKind, state: ["queued", "running"] },
  });
  const inUse = new Set(jobs.map((job) => uploads.folderOf(payloadOf(job))).filter((dir): dir is string => !!dir));
  let removed = 0;
  for (const name of names) {
    const dir = join(uploads.root, name);
    if (inUse.has(dir)) continue;
    const info = await stat(dir).catch(() => null);
    if (!info || now - info.mtimeMs < graceMs) continue;
    await rm(dir, { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}
