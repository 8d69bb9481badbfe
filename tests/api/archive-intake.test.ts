import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArchiveIntake, ArchiveRecord } from "../../server/archive/models/index.js";
import { archiveIntakeJob, handOverToArchive, type HandOver } from "../../server/archive/services/intake.js";
import { createLogger } from "../../server/core/logger.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import type { ApiClient } from "../helpers/apiClient.js";

const PDF = join(import.meta.dirname, "../../../shared/corpus/pdf-samples/004-pdflatex-4-pages_pdflatex-4-pages.pdf");

let server: TestServer;
let archivist: ApiClient;
let staff: ApiClient;
const dataDir = mkdtempSync(join(tmpdir(), "yong-archive-intake-"));

/** A 发文 as the OA's 归档 step would hand it over. */
const document = (n: number, over: Partial<HandOver> = {}): HandOver => ({
  sourceKey: `oa:document:${n}`,
  title: `南宁市教育局关于做好第${n}批校舍安全检查的通知`,
  docNumber: `南教发〔2006〕${n}号`,
  issuers: ["南宁市教育局"],
  docType: "通知",
  issuedOn: "2006-05-10",
  body: `各县区教育局：现就第${n}批校舍安全检查工作通知如下。`,
  openness: "公开",
  retention: "永久",
  fondsCode: "J001",
  organCode: "BGS",
  submittedBy: "jyj.registrar",
  ...over,
});

const handOver = (input: HandOver) => server.sequelize.transaction((t) => handOverToArchive(input, t));

async function settled() {
  const until = Date.now() + 30_000;
  while ((await ArchiveIntake.count({ where: { state: "pending" } })) > 0) {
    if (Date.now() > until) throw new Error("hand-overs still pending");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const codeOf = async (sourceKey: string) =>
  (await ArchiveRecord.findOne({ where: { sourceKey }, attributes: ["archiveCode"] }))?.archiveCode;

beforeAll(async () => {
  server = await startTestServer({ DATA_DIR: dataDir, JOB_POLL_MS: "100" });
  staff = await server.signIn("office.staff1");
  const keeper = await server.newUser({ username: "intake.keeper" });
  await server.grantRole(keeper.id, "archivist");
  archivist = keeper.client;
});

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("documents handed over by the OA's 归档 step", () => {
  it("become records with gap-free 档号 per DA/T 22, their original kept; a second hand-over updates the record", async () => {
    const original = await server.blobs.put(PDF);
    await handOver(
      document(1, { original: { sha256: original.sha256, size: original.size, fileName: "通知.pdf", format: "pdf" } }),
    );
    await handOver(document(2));
    await handOver(document(3, { openness: "内部" }));
    await handOver(document(4, { retention: "30年" }));
    await settled();
    expect(await codeOf("oa:document:1")).toBe("J001-2006-Y-BGS-0001");
    expect(await codeOf("oa:document:2")).toBe("J001-2006-Y-BGS-0002");
    expect(await codeOf("oa:document:3")).toBe("J001-2006-Y-BGS-0003");
    expect(await codeOf("oa:document:4")).toBe("J001-2006-D30-BGS-0001");
    const first = (await ArchiveRecord.findOne({ where: { sourceKey: "oa:document:1" } }))!;
    expect(first).toMatchObject({ source: "oa", openness: "公开", retention: "永久", docNumber: "南教发〔2006〕1号" });
    const file = await server.client().get(`/api/archive/records/${first.id}/file`);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("application/pdf");

    await server.drainSearch();
    const found = await server.client().get(`/api/archive/search?q=${encodeURIComponent("校舍安全")}`);
    const ids = found.body.items.map((i: { id: number }) => i.id);
    expect(ids).toContain(first.id);
    const internal = (await ArchiveRecord.findOne({ where: { sourceKey: "oa:document:3" } }))!;
    expect(ids).not.toContain(internal.id);

    await handOver(document(1, { title: "南宁市教育局关于做好第1批校舍安全检查的通知（更正）" }));
    await settled();
    const again = (await ArchiveRecord.findOne({ where: { sourceKey: "oa:document:1" } }))!;
    expect(again.id).toBe(first.id);
    expect(again.title).toContain("更正");
    expect(again.archiveCode).toBe("J001-2006-Y-BGS-0001");

    const auditor = await server.signIn("auditor");
    const events = await auditor.get("/api/audit/events?action=archive.intake");
    expect(events.body.items[0].detail).toMatchObject({ sourceKey: "oa:document:1", submittedBy: "jyj.registrar" });
  });

  it("numbers hand-overs filed by two workers at once exactly once each, without gaps", async () => {
    // Not through the running server's queue: two filers race over the same pending rows.
    await server.jobs.stop();
    try {
      const docs = Array.from({ length: 24 }, (_, i) => document(100 + i, { fondsCode: "J002", organCode: null }));
      await Promise.all(docs.map(handOver));
      const job = archiveIntakeJob({ sequelize: server.sequelize, blobs: server.blobs, drainSearch: async () => {} });
      const context = () => ({
        job: undefined as never,
        signal: new AbortController().signal,
        logger: createLogger("silent"),
      });
      await Promise.all([job.run(null, context()), job.run(null, context())]);
      const codes = await Promise.all(docs.map((d) => codeOf(d.sourceKey)));
      expect([...codes].sort()).toEqual(docs.map((_, i) => `J002-2006-Y-${String(i + 1).padStart(4, "0")}`));
    } finally {
      server.jobs.start();
    }
  });

  it("passes over a 档号 an archivist typed by hand", async () => {
    await handOver(document(200, { fondsCode: "J003", organCode: null, issuedOn: "2007-01-01" }));
    await settled();
    const taken = (await ArchiveRecord.findOne({ where: { sourceKey: "oa:document:200" } }))!;
    expect(taken.archiveCode).toBe("J003-2007-Y-0001");
    const typed = await archivist.patch(`/api/archive/records/${taken.id}`, { archiveCode: "J003-2007-Y-0002" });
    expect(typed.status, typed.text).toBe(200);
    await handOver(document(201, { fondsCode: "J003", organCode: null, issuedOn: "2007-02-01" }));
    await settled();
    expect(await codeOf("oa:document:201")).toBe("J003-2007-Y-0003");
  });

  it("shows archivists a hand-over that failed and why, and files it when retried after the cause is fixed", async () => {
    const missing = "0".repeat(64);
    await handOver(
      document(300, {
        original: { sha256: missing, size: 10, fileName: "缺失.pdf", format: "pdf" },
        fondsCode: "J004",
      }),
    );
    await settled();
    expect((await staff.get("/api/archive/intake")).status).toBe(403);
    expect((await server.client().get("/api/archive/intake")).status).toBe(401);
    const failed = await archivist.get("/api/archive/intake?state=failed");
    expect(failed.status).toBe(200);
    const row = failed.body.items.find((i: { sourceKey: string }) => i.sourceKey === "oa:document:300");
    expect(row).toMatchObject({ state: "failed", archiveCode: null, recordId: null });
    expect(row.errorCode).toBe("original_missing");
    expect(row).not.toHaveProperty("body");
    expect(await ArchiveRecord.count({ where: { sourceKey: "oa:document:300" } })).toBe(0);
    expect((await staff.post(`/api/archive/intake/${row.id}/retry`)).status).toBe(403);
    // Other documents were filed meanwhile, and the failed one did not use up a number.
    await handOver(document(301, { fondsCode: "J004" }));
    await settled();
    expect(await codeOf("oa:document:301")).toBe("J004-2006-Y-BGS-0001");

    const blob = await server.blobs.put(PDF);
    await ArchiveIntake.update({ fileSha256: blob.sha256 }, { where: { id: row.id } });
    const retried = await archivist.post(`/api/archive/intake/${row.id}/retry`);
    expect(retried.status, retried.text).toBe(200);
    await settled();
    expect(await codeOf("oa:document:300")).toBe("J004-2006-Y-BGS-0002");
    const twice = await archivist.post(`/api/archive/intake/${row.id}/retry`);
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe("intake_not_failed");
    expect((await archivist.post("/api/archive/intake/999999/retry")).status).toBe(404);
  });
});
