import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { Readable } from "node:stream";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Sequelize } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger.js";
import { LocalBlobStore } from "../../core/blobStore.js";
import { createMigrator } from "../../core/migrator.js";
import { parseEnv } from "../../env.js";
import { prepareDatabase } from "../../server.js";
import { createTestDatabase, type TestDatabase } from "../../../tests/helpers/testDatabase.js";
import { ArchiveRecord, ArchiveRecordLink } from "../models/index.js";
import { archiveBlobReferences, originalOf, storeOriginal } from "./originals.js";
import { handOverToArchive } from "./intake.js";
import { importRecord, linkRecords, type RecordFields } from "./records.js";

const PDF = fileURLToPath(
  new URL("../../../../shared/corpus/pdf-samples/004-pdflatex-4-pages_pdflatex-4-pages.pdf", import.meta.url),
);

let db: TestDatabase;
let sequelize: Sequelize;
let blobs: LocalBlobStore;
let dataDir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  sequelize = await prepareDatabase(
    parseEnv({ DATABASE_URL: db.url, LOG_LEVEL: "silent", SEED_DEMO: "false" }),
    createLogger("silent"),
  );
  dataDir = mkdtempSync(join(tmpdir(), "yong-originals-"));
  // Where the server and the CLIs keep blobs: DATA_DIR/blobs.
  blobs = new LocalBlobStore(join(dataDir, "blobs"));
});

afterAll(async () => {
  await sequelize?.close();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const fields = (title: string): RecordFields => ({
  title,
  docNumber: null,
  issuers: ["南宁市人民政府"],
  docType: "通知",
  issuedOn: "2006-03-07",
  effectiveOn: null,
  subjects: [],
  category: null,
  body: `${title}的正文`,
  validity: "有效",
});

const file = (key: string, contentHash: string) => ({
  sourceKey: `import:${key}.pdf`,
  contentHash,
  fileName: `${key}.pdf`,
  fileFormat: "pdf",
  pages: 4,
  needsOcr: false,
  openness: "公开" as const,
});

describe("archive originals", () => {
  it("are kept with a record, and a record whose original arrives later counts as updated", async () => {
    const first = await blobs.put(PDF);
    const original = await storeOriginal(blobs, PDF, { sha256: first.sha256, format: "pdf" });
    expect(original).toEqual({ sha256: first.sha256, size: readFileSync(PDF).length, type: "application/pdf" });

    const made = await sequelize.transaction((t) =>
      importRecord(fields("甲"), { ...file("a", first.sha256), original }, "import", t),
    );
    expect(made.outcome).toBe("created");
    expect(originalOf(made.record)).toEqual(original);

    // Imported with no original, then again with one: only the original changes.
    const bare = await sequelize.transaction((t) => importRecord(fields("乙"), file("b", "b-hash"), "import", t));
    expect(originalOf(bare.record)).toBeNull();
    const again = await sequelize.transaction((t) => importRecord(fields("乙"), file("b", "b-hash"), "import", t));
    expect(again.outcome).toBe("unchanged");
    const attached = await sequelize.transaction((t) =>
      importRecord(fields("乙"), { ...file("b", "b-hash"), original }, "import", t),
    );
    expect(attached.outcome).toBe("updated");
    expect(originalOf((await ArchiveRecord.findByPk(bare.record.id))!)).toEqual(original);
  });

  it("tell the blob sweep which blobs the archive refers to", async () => {
    const [referenced] = (await ArchiveRecord.findAll({ where: { sourceKey: "import:a.pdf" } })).map(
      (r) => r.fileSha256,
    );
    const other = "0".repeat(64);
    expect(await archiveBlobReferences([referenced!, other])).toEqual(new Set([referenced]));
    expect(await archiveBlobReferences([])).toEqual(new Set());
    // The original of a hand-over not filed yet stays too.
    const waiting = "1".repeat(64);
    await sequelize.transaction((t) =>
      handOverToArchive(
        {
          sourceKey: "oa:document:1",
          title: "待归档的公文",
          body: "正文",
          original: { sha256: waiting, size: 1, fileName: "公文.pdf", format: "pdf" },
          openness: "内部",
          retention: "永久",
          fondsCode: "J001",
          submittedBy: "registrar",
        },
        t,
      ),
    );
    expect(await archiveBlobReferences([referenced!, waiting, other])).toEqual(new Set([referenced, waiting]));
  });

  it("npm run blobs:sweep removes blobs nothing refers to past the grace period, and keeps the archive's", async () => {
    const kept = (await ArchiveRecord.findOne({ where: { sourceKey: "import:a.pdf" } }))?.fileSha256 ?? "";
    const orphan = await blobs.put(Readable.from([Buffer.from("一份被替换的旧文件")]));
    const fresh = await blobs.put(Readable.from([Buffer.from("一份刚上传、记录尚未提交的文件")]));
    const twoDaysAgo = new Date(Date.now() - 48 * 3_600_000);
    for (const sha256 of [kept, orphan.sha256]) utimesSync(blobs.pathOf(sha256), twoDaysAgo, twoDaysAgo);
    const cli = spawnSync(process.execPath, ["--import", "tsx", "server/cli/blobs-sweep.ts", "--grace-hours", "24"], {
      env: { ...process.env, DATABASE_URL: db.url, DATA_DIR: dataDir, LOG_LEVEL: "silent", SEED_DEMO: "false" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^3 blobs examined, 1 removed/);
    expect(await blobs.has(kept)).toBe(true);
    expect(await blobs.has(orphan.sha256)).toBe(false);
    expect(await blobs.has(fresh.sha256)).toBe(true);
    const tooShort = spawnSync(
      process.execPath,
      ["--import", "tsx", "server/cli/blobs-sweep.ts", "--grace-hours", "0"],
      {
        encoding: "utf8",
      },
    );
    expect(tooShort.status).toBe(2);
  });

  it("migration 0010 goes down without touching the records or their version links, and up again", async () => {
    const [a, b] = await ArchiveRecord.findAll({ order: [["id", "ASC"]] });
    await sequelize.transaction((t) => linkRecords(b!, a!, "修订", t));
    const migrator = createMigrator(sequelize);
    const executed = (await migrator.executed()).map((m) => m.name);
    const at = executed.indexOf("0010-archive-originals");
    expect(at).toBeGreaterThan(0);
    await migrator.down({ to: "0010-archive-originals" });
    const columns = Object.keys(await sequelize.getQueryInterface().describeTable("archive_records"));
    expect(columns).not.toContain("fileSha256");
    expect(columns).toContain("fileName");
    const [rows] = await sequelize.query("SELECT COUNT(*) AS n FROM archive_records");
    expect(Number((rows as { n: number }[])[0]?.n)).toBe(2);
    const [links] = await sequelize.query("SELECT COUNT(*) AS n FROM archive_record_links");
    expect(Number((links as { n: number }[])[0]?.n)).toBe(1);
    await migrator.up();
    expect(await ArchiveRecordLink.count()).toBe(1);
    expect((await ArchiveRecord.findByPk(a!.id))?.fileSha256).toBeNull();
  });
});
