import { createHash } from "node:crypto";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  appendFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Sequelize } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../server/core/logger.js";
import { parseEnv } from "../server/env.js";
import { prepareDatabase } from "../server/server.js";
import { ArchiveRecord } from "../server/archive/models/index.js";
import { SearchOutbox } from "../server/search/outbox.js";
import { LocalBlobStore } from "../server/core/blobStore.js";
import { archiveBlobReferences } from "../server/archive/services/originals.js";
import { createTestDatabase, type TestDatabase } from "../tests/helpers/testDatabase.js";
import { readSidecar } from "./sidecar.js";
import { runImport, type ImportOptions } from "./run.js";

/** ../shared beside the checkout, as in CI. */
const CORPUS = fileURLToPath(new URL("../../shared/corpus/", import.meta.url));
const corpus = (path: string) => join(CORPUS, path);

let db: TestDatabase;
let sequelize: Sequelize;
let folder: string;
let blobs: LocalBlobStore;

/** The blobs in the store, by name. */
const storedBlobs = () =>
  readdirSync(blobs.root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /^[0-9a-f]{64}$/.test(e.name))
    .map((e) => e.name)
    .sort();
const sha256Of = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

beforeAll(async () => {
  db = await createTestDatabase();
  sequelize = await prepareDatabase(
    parseEnv({ DATABASE_URL: db.url, LOG_LEVEL: "silent", SEED_DEMO: "false" }),
    createLogger("silent"),
  );
  folder = mkdtempSync(join(tmpdir(), "yong-import-"));
  blobs = new LocalBlobStore(mkdtempSync(join(tmpdir(), "yong-import-blobs-")));
  mkdirSync(join(folder, "行政法"));
  for (const name of ["义务教育法(2018-12-29).md", "教育法(2021-04-29).md"]) {
    copyFileSync(corpus(`laws/行政法/${name}`), join(folder, "行政法", name));
  }
  copyFileSync(corpus("pdf-samples/001-trivial_minimal-document.pdf"), join(folder, "minimal.pdf"));
  copyFileSync(
    corpus("pdf-samples/005-libreoffice-writer-password_libreoffice-writer-password.pdf"),
    join(folder, "locked.pdf"),
  );
  copyFileSync(corpus("pdf-samples/019-grayscale-image_grayscale-image.pdf"), join(folder, "scan.pdf"));
  writeFileSync(join(folder, "broken.pdf"), "%PDF-1.7\nthis is not a PDF body at all\n");
  writeFileSync(
    join(folder, "通知.txt"),
    "南宁市人民政府关于做好2006年防汛工作的通知\n南府发[2006]12号\n各县、区人民政府：现就做好防汛工作通知如下。\n二〇〇六年三月七日\n",
  );
  writeFileSync(join(folder, "notes.docx.bak"), "not imported");
  writeFileSync(join(folder, "_index.md"), "# 索引\n");
});

afterAll(async () => {
  await sequelize?.close();
  await db?.drop();
  rmSync(folder, { recursive: true, force: true });
  rmSync(blobs.root, { recursive: true, force: true });
});

const options = (over: Partial<ImportOptions> = {}): ImportOptions => ({
  folder,
  sidecar: null,
  openness: "内部",
  dryRun: false,
  blobs,
  concurrency: 2,
  timeoutMs: 30_000,
  ...over,
});

describe("runImport", () => {
  it("writes nothing on a dry run, and says what it would do", async () => {
    const report = await runImport(sequelize, options({ dryRun: true }));
    expect(report).toMatchObject({ files: 7, created: 5, failed: 2, skipped: 1 });
    expect(await ArchiveRecord.count()).toBe(0);
    expect(storedBlobs()).toEqual([]);
  });

  it("imports each file as a record, reports the files it cannot read, and never stops for them", async () => {
    const report = await runImport(sequelize, options());
    expect(report).toMatchObject({
      files: 7,
      created: 5,
      updated: 0,
      unchanged: 0,
      failed: 2,
      skipped: 1,
      needsOcr: 1,
    });
    const problems = Object.fromEntries(report.problems.map((p) => [p.file, p.code ?? "ocr"]));
    expect(problems).toEqual({ "broken.pdf": "corrupt", "locked.pdf": "encrypted", "scan.pdf": "ocr" });
    const notice = await ArchiveRecord.findOne({ where: { fileName: "通知.txt" } });
    expect(notice?.docNumber).toBe("南府发〔2006〕12号");
    expect(notice?.issuedOn).toBe("2006-03-07");
    expect(notice?.openness).toBe("内部");
    const law = await ArchiveRecord.findOne({ where: { sourceKey: "import:行政法/义务教育法(2018-12-29).md" } });
    expect(law?.title).toContain("义务教育法");
    expect(law?.body).toContain("第二条 国家实行九年义务教育制度。");
    // Every change went to the search outbox in its transaction.
    expect(await SearchOutbox.count()).toBe(5);
  });

  it("keeps each imported file as its record's original in the blob store, and no file it could not import", async () => {
    const pdf = await ArchiveRecord.findOne({ where: { fileName: "minimal.pdf" } });
    const hash = sha256Of(join(folder, "minimal.pdf"));
    expect(pdf).toMatchObject({ fileSha256: hash, fileType: "application/pdf", contentHash: hash });
    expect(Number(pdf?.fileSize)).toBe(readFileSync(join(folder, "minimal.pdf")).length);
    expect(readFileSync(blobs.pathOf(hash)).equals(readFileSync(join(folder, "minimal.pdf")))).toBe(true);
    // The scan without text is kept too: its original is all there is to read.
    const scan = await ArchiveRecord.findOne({ where: { fileName: "scan.pdf" } });
    expect(scan?.fileSha256).toBe(sha256Of(join(folder, "scan.pdf")));
    const notice = await ArchiveRecord.findOne({ where: { fileName: "通知.txt" } });
    expect(notice?.fileType).toBe("text/plain");
    const records = await ArchiveRecord.findAll();
    expect(storedBlobs()).toEqual(records.map((r) => r.fileSha256).sort());
    expect(storedBlobs()).not.toContain(sha256Of(join(folder, "broken.pdf")));
  });

  it("adds nothing on a second run, and updates only a file that changed", async () => {
    expect(await runImport(sequelize, options())).toMatchObject({ created: 0, updated: 0, unchanged: 5, failed: 2 });
    const before = sha256Of(join(folder, "通知.txt"));
    appendFileSync(join(folder, "通知.txt"), "此页无正文。\n");
    const report = await runImport(sequelize, options());
    expect(report).toMatchObject({ created: 0, updated: 1, unchanged: 4 });
    const notice = await ArchiveRecord.findOne({ where: { fileName: "通知.txt" } });
    expect(notice?.body).toContain("此页无正文");
    expect(notice?.fileSha256).toBe(sha256Of(join(folder, "通知.txt")));
    expect(await ArchiveRecord.count()).toBe(5);
    // The earlier version's blob is referenced by nothing now: the sweep takes it, once past its grace period.
    expect(storedBlobs()).toContain(before);
    const tomorrow = Date.now() + 86_400_000;
    const sweep = await blobs.sweep({ referenced: archiveBlobReferences, graceMs: 3_600_000, now: tomorrow });
    expect(sweep.removed).toBe(1);
    expect(storedBlobs()).not.toContain(before);
    expect(storedBlobs()).toEqual((await ArchiveRecord.findAll()).map((r) => r.fileSha256).sort());
  });

  it("stores the originals of records imported before originals were kept, without reading their text again", async () => {
    const law = await ArchiveRecord.findOne({ where: { fileName: "义务教育法(2018-12-29).md" } });
    const hash = law?.fileSha256 ?? "";
    await ArchiveRecord.update(
      { fileSha256: null, fileSize: null, fileType: null, body: "旧的正文" },
      { where: { id: law?.id } },
    );
    rmSync(blobs.pathOf(hash));
    const dry = await runImport(sequelize, options({ dryRun: true }));
    expect(dry).toMatchObject({ updated: 1, unchanged: 4 });
    expect(await blobs.has(hash)).toBe(false);
    expect(await runImport(sequelize, options())).toMatchObject({ created: 0, updated: 1, unchanged: 4 });
    const after = await ArchiveRecord.findByPk(law?.id);
    expect(after).toMatchObject({ fileSha256: hash, fileType: "text/markdown", body: "旧的正文" });
    expect(await blobs.has(hash)).toBe(true);
  });

  it("takes metadata from a CSV sidecar over what the text says, openness included", async () => {
    const csv = join(folder, "..", `sidecar-${Date.now()}.csv`);
    writeFileSync(
      csv,
      "fileName,title,docNumber,issuer,docType,issuedOn,effectiveOn,validity,subjects,category,openness\n" +
        "教育法(2021-04-29).md,中华人民共和国教育法,,全国人民代表大会常务委员会,法,2021-04-29,,有效,教育;学校,法律,公开\n",
    );
    appendFileSync(join(folder, "行政法", "教育法(2021-04-29).md"), "\n");
    const report = await runImport(sequelize, options({ sidecar: await readSidecar(csv) }));
    rmSync(csv);
    expect(report.updated).toBe(1);
    const law = await ArchiveRecord.findOne({ where: { sourceKey: "import:行政法/教育法(2021-04-29).md" } });
    expect(law?.issuers).toEqual(["全国人民代表大会常务委员会"]);
    expect(law?.subjects).toEqual(["教育", "学校"]);
    expect(law?.category).toBe("法律");
    // Openness belongs to the archivist once the record exists; a new record would take the sidecar's.
    expect(law?.openness).toBe("内部");
  });
});
