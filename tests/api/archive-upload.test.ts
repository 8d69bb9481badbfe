import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArchiveRecord } from "../../server/archive/models/index.js";
import { uploadsRoot } from "../../server/archive/services/importJobs.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import type { ApiClient } from "../helpers/apiClient.js";

const corpus = join(import.meta.dirname, "../../../shared/corpus");
const read = (path: string) => readFileSync(join(corpus, path));

/** The folder an archivist picks: paths as the browser sends them for a chosen folder. */
const FOLDER: [string, Buffer][] = [
  ["法规选编/宪法/宪法修正案（1988年）.md", read("laws/宪法/宪法修正案（1988年）.md")],
  ["法规选编/行政法/义务教育法(2018-12-29).md", read("laws/行政法/义务教育法(2018-12-29).md")],
  ["法规选编/样本/四页.pdf", read("pdf-samples/004-pdflatex-4-pages_pdflatex-4-pages.pdf")],
  ["法规选编/样本/加密.pdf", read("pdf-samples/005-libreoffice-writer-password_libreoffice-writer-password.pdf")],
  ["法规选编/防汛通知.txt", Buffer.from("南宁市人民政府关于做好防汛工作的通知\n各县、区人民政府：汛期将至……\n")],
  ["法规选编/封面.png", Buffer.from([0x89, 0x50, 0x4e, 0x47])],
  ["法规选编/.DS_Store", Buffer.from("junk")],
];

function form(
  files: [string, Buffer][],
  fields: Record<string, string> = {},
  metadata?: [string, string | Buffer],
): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  for (const [path, bytes] of files) body.append("files", new Blob([new Uint8Array(bytes)]), path);
  if (metadata)
    body.append(
      "metadata",
      new Blob([typeof metadata[1] === "string" ? metadata[1] : new Uint8Array(metadata[1])]),
      metadata[0],
    );
  return body;
}

let server: TestServer;
let archivist: ApiClient;
let staff: ApiClient;
const dataDir = mkdtempSync(join(tmpdir(), "yong-archive-upload-"));
const uploads = () => readdirSync(uploadsRoot(dataDir), { withFileTypes: true }).map((e) => e.name);

async function until(check: () => boolean) {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function finished(id: number) {
  const until = Date.now() + 90_000;
  for (;;) {
    const res = await archivist.get(`/api/archive/imports/${id}`);
    if (res.body.status === "done" || res.body.status === "failed") return res.body;
    if (Date.now() > until) throw new Error(`import ${id} still ${res.body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  server = await startTestServer({ DATA_DIR: dataDir, JOB_POLL_MS: "200", ARCHIVE_UPLOAD_MAX_FILE_MB: "1" });
  staff = await server.signIn("office.staff1");
  const keeper = await server.newUser({ username: "upload.keeper" });
  await server.grantRole(keeper.id, "archivist");
  archivist = keeper.client;
});

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("an archivist uploads a folder for import", () => {
  it("imports it through the job queue as npm run import would, and a second upload changes nothing", async () => {
    const res = await archivist.upload("/api/archive/imports", form(FOLDER, { openness: "公开" }));
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({
      source: "upload",
      status: "queued",
      folder: "法规选编",
      operator: "upload.keeper",
    });
    const report = await finished(res.body.id);
    expect(report).toMatchObject({ status: "done", total: 5, created: 4, failed: 1, skipped: 2 });
    expect(report.problems).toEqual([
      expect.objectContaining({ file: "样本/加密.pdf", failed: true, code: "encrypted" }),
    ]);
    // The record keys are the CLI's (paths inside the chosen folder), and each original is in the blob store.
    const law = await ArchiveRecord.findOne({ where: { sourceKey: "import:行政法/义务教育法(2018-12-29).md" } });
    expect(law?.openness).toBe("公开");
    expect(law?.fileSha256).toMatch(/^[0-9a-f]{64}$/);
    // The job removes the uploaded folder once the run is recorded.
    await until(() => uploads().length === 0);

    await server.drainSearch();
    const found = await server.client().get(`/api/archive/search?q=${encodeURIComponent("义务教育")}`);
    expect(found.body.items.map((i: { id: number }) => i.id)).toContain(law!.id);
    const file = await server.client().get(`/api/archive/records/${law!.id}/file`);
    expect(file.status).toBe(200);

    const auditor = await server.signIn("auditor");
    const events = await auditor.get("/api/audit/events?action=archive.import.upload");
    expect(events.body.items[0]).toMatchObject({ actorName: "upload.keeper", targetId: String(res.body.id) });

    const again = await archivist.upload("/api/archive/imports", form(FOLDER, { openness: "公开" }));
    expect(again.status).toBe(202);
    expect(await finished(again.body.id)).toMatchObject({ status: "done", created: 0, unchanged: 4, failed: 1 });
  });

  it("takes metadata from a CSV sidecar whose paths are inside the chosen folder", async () => {
    const csv =
      "fileName,title,docNumber,issuedOn,validity\n通知/防寒.txt,关于做好防寒工作的通知,南府办[2007]8号,2007年1月5日,有效\n";
    const files: [string, Buffer][] = [["冬季/通知/防寒.txt", Buffer.from("天气转冷，各单位做好防寒工作。")]];
    const res = await archivist.upload("/api/archive/imports", form(files, { openness: "内部" }, ["元数据.csv", csv]));
    expect(res.status, res.text).toBe(202);
    expect(await finished(res.body.id)).toMatchObject({ status: "done", created: 1 });
    const record = await ArchiveRecord.findOne({ where: { sourceKey: "import:通知/防寒.txt" } });
    expect(record).toMatchObject({
      title: "关于做好防寒工作的通知",
      docNumber: "南府办〔2007〕8号",
      issuedOn: "2007-01-05",
      openness: "内部",
    });
  });

  it("refuses what it cannot take with a clear error, and leaves nothing behind", async () => {
    const before = (await archivist.get("/api/archive/imports")).body.total;
    const one: [string, Buffer][] = [["a/ok.txt", Buffer.from("正文")]];
    const refused = async (client: ApiClient, body: FormData) => client.upload("/api/archive/imports", body);

    expect((await refused(staff, form(one))).status).toBe(403);
    expect((await server.client().upload("/api/archive/imports", form(one))).status).toBe(401);
    const json = await archivist.post("/api/archive/imports", { files: [] });
    expect(json.status).toBe(415);
    expect(json.body.error.code).toBe("unsupported_media_type");
    for (const name of ["../../escape.txt", "a/../../escape.txt", "a\\..\\..\\escape.txt", "a/b|c.txt"]) {
      const res = await refused(archivist, form([[name, Buffer.from("x")]]));
      expect(res.status, name).toBe(400);
      expect(res.body.error.code, name).toBe("upload_bad_name");
    }
    // A control character in a part's header: busboy refuses the part itself.
    const control = await refused(archivist, form([["a/b\u0001.txt", Buffer.from("x")]]));
    expect(control.status).toBe(400);
    const twice = await refused(archivist, form([...one, ["a/OK.txt", Buffer.from("y")]]));
    expect(twice.body.error.code).toBe("upload_duplicate");
    const nothing = await refused(archivist, form([["a/picture.png", Buffer.from("x")]]));
    expect(nothing.body.error.code).toBe("upload_no_files");
    const sheet = await refused(archivist, form(one, {}, ["meta.xlsx", "x"]));
    expect(sheet.body.error.code).toBe("upload_bad_metadata");
    const badCsv = await refused(archivist, form(one, {}, ["meta.csv", "fileName,validity\nok.txt,作废\n"]));
    expect(badCsv.status, badCsv.text).toBe(400);
    expect(badCsv.body.error.code).toBe("upload_bad_metadata");
    expect(badCsv.body.error.message).toMatch(/^The metadata file cannot be read: meta\.csv, row 2, column validity/);
    const secret = await refused(archivist, form(one, { openness: "秘密" }));
    expect(secret.status).toBe(400);
    expect(secret.body.error.code).toBe("validation_failed");
    const big = await refused(archivist, form([["a/big.txt", Buffer.alloc(1024 * 1024 + 10, 0x41)]]));
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe("upload_too_large");

    expect(uploads()).toEqual([]);
    expect((await archivist.get("/api/archive/imports")).body.total).toBe(before);
  });
});
