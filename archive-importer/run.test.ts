import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
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
import { createTestDatabase, type TestDatabase } from "../tests/helpers/testDatabase.js";
import { readSidecar } from "./sidecar.js";
import { runImport, type ImportOptions } from "./run.js";

/** ../shared beside the checkout, as in CI. */
const CORPUS = fileURLToPath(new URL("../../shared/corpus/", import.meta.url));
const corpus = (path: string) => join(CORPUS, path);

let db: TestDatabase;
let sequelize: Sequelize;
let folder: string;

beforeAll(async () => {
  db = await createTestDatabase();
  sequelize = await prepareDatabase(
    parseEnv({ DATABASE_URL: db.url, LOG_LEVEL: "silent", SEED_DEMO: "false" }),
    createLogger("silent"),
  );
  folder = mkdtempSync(join(tmpdir(), "yong-import-"));
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
});

const options = (over: Partial<ImportOptions> = {}): ImportOptions => ({
  folder,
  sidecar: null,
  openness: "内部",
  dryRun: false,
  concurrency: 2,
  timeoutMs: 30_000,
  ...over,
});

describe("runImport", () => {
  it("writes nothing on a dry run, and says what it would do", async () => {
    const report = await runImport(sequelize, options({ dryRun: true }));
    expect(report).toMatchObject({ files: 7, created: 5, failed: 2, skipped: 1 });
    expect(await ArchiveRecord.count()).toBe(0);
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

  it("adds nothing on a second run, and updates only a file that changed", async () => {
    expect(await runImport(sequelize, options())).toMatchObject({ created: 0, updated: 0, unchanged: 5, failed: 2 });
    appendFileSync(join(folder, "通知.txt"), "此页无正文。\n");
    const report = await runImport(sequelize, options());
    expect(report).toMatchObject({ created: 0, updated: 1, unchanged: 4 });
    expect((await ArchiveRecord.findOne({ where: { fileName: "通知.txt" } }))?.body).toContain("此页无正文");
    expect(await ArchiveRecord.count()).toBe(5);
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
