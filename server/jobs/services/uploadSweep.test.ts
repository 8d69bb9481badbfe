// The prune job's sweep of upload folders nothing will remove, for the archive's imports and the library's uploads.
import { copyFile, mkdir, mkdtemp, readdir, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Sequelize } from "sequelize";
import { parseEnv } from "../../env.js";
import { createLogger } from "../../core/logger.js";
import { prepareDatabase } from "../../server.js";
import { createTestDatabase, type TestDatabase } from "../../../tests/helpers/testDatabase.js";
import { ARCHIVE_IMPORT_JOB, sweepImportUploads, uploadsRoot } from "../../archive/services/importJobs.js";
import { LIBRARY_IMPORT_JOB, sweepLibraryUploads } from "../../library/services/catalogueImport.js";
import { libraryUploadsRoot } from "../../library/services/titleUploads.js";
import { Job } from "../models/index.js";
import { enqueueJob } from "./queue.js";

const BOOK = join(import.meta.dirname, "../../../../shared/corpus/books/《詩經集傳》卷一.pdf");
const DAY_MS = 24 * 60 * 60 * 1000;
/** An archive import's payload as routes/imports queues it. */
const archivePayload = (importId: number, dir: string) => ({
  importId,
  dir,
  folder: "files",
  metadata: null,
  openness: "内部",
  dryRun: false,
  skipped: 0,
});

let db: TestDatabase;
let sequelize: Sequelize;
let dataDir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  sequelize = await prepareDatabase(parseEnv({ DATABASE_URL: db.url }), createLogger("silent"));
});

afterAll(async () => {
  await sequelize?.close();
  await db?.drop();
});

beforeEach(async () => {
  await Job.destroy({ where: {} });
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  dataDir = await mkdtemp(join(tmpdir(), "yong-upload-sweep-"));
});

/** An upload folder holding a real book, last changed `ageMs` ago. */
async function upload(root: string, name: string, ageMs: number): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, "files"), { recursive: true });
  await copyFile(BOOK, join(dir, "files", "1.pdf"));
  const when = new Date(Date.now() - ageMs);
  await utimes(dir, when, when);
  return dir;
}

describe("the library's upload folders", () => {
  it("go after a day unless a waiting or running import names them; a fresh one stays", async () => {
    const root = libraryUploadsRoot(dataDir);
    const crashed = await upload(root, "crashed-title-upload", 2 * DAY_MS);
    const queued = await upload(root, "queued-batch", 2 * DAY_MS);
    const running = await upload(root, "running-batch", 2 * DAY_MS);
    const finished = await upload(root, "finished-batch", 2 * DAY_MS);
    await upload(root, "arriving", 60_000);
    await enqueueJob(LIBRARY_IMPORT_JOB, { importId: 1, dir: queued });
    const run = await enqueueJob(LIBRARY_IMPORT_JOB, { importId: 2, dir: running });
    await run.update({ state: "running" });
    const done = await enqueueJob(LIBRARY_IMPORT_JOB, { importId: 3, dir: finished });
    await done.update({ state: "done" });
    // The archive's job naming a library folder does not keep it: each module's own jobs count.
    await enqueueJob(ARCHIVE_IMPORT_JOB, archivePayload(4, crashed));

    expect(await sweepLibraryUploads(dataDir, DAY_MS)).toBe(2);
    expect((await readdir(root)).sort()).toEqual(["arriving", "queued-batch", "running-batch"]);
    expect(await sweepLibraryUploads(dataDir, DAY_MS)).toBe(0);
  });

  it("a data folder without uploads is nothing to sweep", async () => {
    expect(await sweepLibraryUploads(dataDir, DAY_MS)).toBe(0);
  });
});

describe("the archive's upload folders (the same sweep)", () => {
  it("go after a day unless a waiting import names them", async () => {
    const root = uploadsRoot(dataDir);
    await upload(root, "crashed", 2 * DAY_MS);
    const waiting = await upload(root, "waiting", 2 * DAY_MS);
    await upload(root, "arriving", 60_000);
    await enqueueJob(ARCHIVE_IMPORT_JOB, archivePayload(1, waiting));
    expect(await sweepImportUploads(dataDir, DAY_MS)).toBe(1);
    expect((await readdir(root)).sort()).toEqual(["arriving", "waiting"]);
  });
});
