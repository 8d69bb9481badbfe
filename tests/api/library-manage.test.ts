// Librarians keep the catalogue: uploads of the real books in ../shared/corpus/books, edits, files,
// withdrawal, and who may do it. SQLite by default, MariaDB with DATABASE_URL=mysql://….
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import type { ApiClient } from "../helpers/apiClient.js";
import { addBook } from "../helpers/library.js";
import { LibraryFile, LibraryTitle } from "../../server/library/models/index.js";
import { libraryUploadsRoot } from "../../server/library/services/titleUploads.js";

const books = join(import.meta.dirname, "../../../shared/corpus/books");
const SHIJING = "《詩經集傳》卷一.pdf";
const SHIJI = "001《史記》卷一.pdf";
const ZIZHI = "001《資治通鑑》卷一.pdf";

function form(files: [string, Buffer][], fields: Record<string, string> = {}, cover?: Buffer): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  for (const [name, bytes] of files) body.append("files", new Blob([new Uint8Array(bytes)]), name);
  if (cover) body.append("cover", new Blob([new Uint8Array(cover)]), "cover.png");
  return body;
}
const book = (name: string): [string, Buffer] => [name, readFileSync(join(books, name))];

let server: TestServer;
const dataDir = mkdtempSync(join(tmpdir(), "yong-library-manage-"));
let librarian: ApiClient;
let staff: ApiClient;

beforeAll(async () => {
  server = await startTestServer({ DATA_DIR: dataDir });
  const made = await server.newUser({ username: "catalogue.librarian" });
  await server.grantRole(made.id, "librarian");
  librarian = made.client;
  staff = await server.signIn("office.staff1");
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describe("uploading a title", () => {
  let id = 0;

  it("reads title, authors, pages and a cover from the PDF where the form says nothing", async () => {
    const res = await librarian.upload("/api/library/titles", form([book(SHIJING)]));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    id = res.body.id;
    expect(res.body).toMatchObject({
      title: "詩經集傳",
      authors: ["【宋】朱熹著"],
      licenceModel: "copies",
      copies: 1,
      classCode: null,
      files: [{ fileName: SHIJING, mediaType: "application/pdf", pageCount: 14, fullText: true }],
    });
    expect(res.body.cover).toMatch(new RegExp(`^/api/library/titles/${id}/cover\\?v=`));
    // No internal path or hash leaves the server.
    expect(JSON.stringify(res.body)).not.toMatch(/sha256|uploads|blobs/);
    const cover = await librarian.get(res.body.cover);
    expect(cover.status).toBe(200);
    expect(cover.headers.get("content-type")).toBe("image/jpeg");
    // The upload's folder is gone.
    expect(readdirSync(libraryUploadsRoot(dataDir))).toEqual([]);
  });

  it("the form's fields win over the PDF's", async () => {
    const res = await librarian.upload(
      "/api/library/titles",
      form([book(SHIJI)], { title: "史記 卷一", classCode: "K204.2", copies: "2", isbn: "7-101-00304-4" }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ title: "史記 卷一", classCode: "K204.2", copies: 2, isbn: "9787101003048" });
    expect(res.body.authors).toHaveLength(4);
  });

  it("edits a title, and the change is audited", async () => {
    const res = await librarian.patch(`/api/library/titles/${id}`, { classCode: "I222.2", copies: 3, year: 1958 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ classCode: "I222.2", copies: 3, year: 1958, title: "詩經集傳" });
    const auditor = await server.signIn("auditor");
    const events = await auditor.get("/api/audit/events?action=library.title.update");
    expect(events.body.items[0]).toMatchObject({ targetId: String(id) });
    expect((await librarian.patch(`/api/library/titles/${id}`, { classCode: "W1" })).body.error.code).toBe(
      "library_unknown_class",
    );
    expect((await librarian.patch(`/api/library/titles/${id}`, { isbn: "978-7-101-00304-9" })).status).toBe(400);
  });

  it("refuses a file that is not a PDF (400) and a broken one (422), and keeps nothing of either", async () => {
    const titles = await LibraryTitle.count();
    const files = await LibraryFile.count();
    const text = await librarian.upload("/api/library/titles", form([["说明.pdf", Buffer.from("这不是PDF")]]));
    expect(text.status).toBe(400);
    expect(text.body.error).toMatchObject({ code: "library_file_unsupported", details: { file: "说明.pdf" } });
    const cut = readFileSync(join(books, SHIJI)).subarray(0, 3000);
    const broken = await librarian.upload("/api/library/titles", form([book(SHIJING), ["残缺.pdf", cut]]));
    expect(broken.status).toBe(422);
    expect(broken.body.error.code).toBe("library_file_corrupt");
    expect(await LibraryTitle.count()).toBe(titles);
    expect(await LibraryFile.count()).toBe(files);
    expect(readdirSync(libraryUploadsRoot(dataDir))).toEqual([]);
  });

  it("adds and removes files, keeps the last, and lists titles by ISBN, class and licence", async () => {
    const added = await librarian.upload(`/api/library/titles/${id}/files`, form([book(SHIJI)]));
    expect(added.status).toBe(201);
    const fileId = added.body.items[0].id;
    expect((await librarian.delete(`/api/library/titles/${id}/files/${fileId}`)).status).toBe(204);
    const detail = await librarian.get(`/api/library/manage/titles/${id}`);
    expect(detail.body.files).toHaveLength(1);
    const last = await librarian.delete(`/api/library/titles/${id}/files/${detail.body.files[0].id}`);
    expect(last.body.error.code).toBe("library_last_file");
    const byIsbn = await librarian.get("/api/library/manage/titles?q=7101003044");
    expect(byIsbn.body.items.map((t: { title: string }) => t.title)).toEqual(["史記 卷一"]);
    const byClass = await librarian.get("/api/library/manage/titles?classCode=I&licenceModel=copies");
    expect(byClass.body.items.map((t: { id: number }) => t.id)).toEqual([id]);
    // An author's name as the PDF gives it (【宋】朱熹著) is found by part of it.
    const byAuthor = await librarian.get(`/api/library/manage/titles?q=${encodeURIComponent("朱熹")}`);
    expect(byAuthor.body.items.map((t: { id: number }) => t.id)).toEqual([id]);
    expect(byAuthor.body.items[0].withdrawnAt).toBeNull();
  });

  it("withdraws a title: gone from the manage list, listed among the withdrawn ones", async () => {
    expect((await librarian.delete(`/api/library/titles/${id}`)).status).toBe(204);
    expect((await librarian.get(`/api/library/manage/titles/${id}`)).status).toBe(404);
    const live = await librarian.get("/api/library/manage/titles?pageSize=100");
    expect(live.body.items.map((t: { id: number }) => t.id)).not.toContain(id);
    const withdrawn = await librarian.get("/api/library/manage/titles?withdrawn=true");
    expect(withdrawn.body.items.map((t: { id: number }) => t.id)).toEqual([id]);
    expect(Date.parse(withdrawn.body.items[0].withdrawnAt)).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe("who may manage the catalogue", () => {
  it("a civil servant without library.manage gets 403 however the path is spelled, and nothing is kept", async () => {
    const before = await LibraryTitle.count();
    for (const path of ["/api/library/titles", "/API/library/titles", "/api/Library/titles", "/api/library/titles/"]) {
      const res = await staff.upload(path, form([book(SHIJI)]));
      expect([403, 404], path).toContain(res.status);
    }
    for (const path of ["/api/library/manage/titles", "/api/library/%6danage/titles", "/api/library/MANAGE/titles"]) {
      expect([403, 404], path).toContain((await staff.get(path)).status);
    }
    expect(await LibraryTitle.count()).toBe(before);
  });
});

describe("demo data", () => {
  it("the demo librarian manages the catalogue, and addBook files 史記 卷一 in class K, found by its text", async () => {
    const demo = await server.signIn("librarian");
    const me = await demo.get("/api/auth/me");
    expect(me.body.permissions).toContain("library.manage");
    const title = await addBook(server, SHIJI, { title: "史記 卷一（演示）", classCode: "K204.2", copies: 1 });
    const listed = await demo.get("/api/library/manage/titles?classCode=K");
    expect(listed.body.items.map((t: { id: number }) => t.id)).toContain(title.id);
    const found = await server.search.search({ collection: "library", text: "黃帝", filters: { classCode: ["K"] } });
    expect(found.hits.map((h) => h.id)).toContain(String(title.id));
  });
});

describe("batch import", () => {
  const csv = [
    "file,title,authors,classCode,licenceModel,copies,isbn",
    `古籍/${ZIZHI},資治通鑑 卷一,司馬光,K204.3,copies,2,`,
    `古籍/《紅樓夢評論》王國維.pdf,,王國維,I207.411,open,,`,
    "古籍/不存在.pdf,无此书,,K,copies,1,",
    `古籍/残缺.pdf,残缺,,K,copies,1,`,
    `古籍/${SHIJING},詩經集傳 卷一（批量）,朱熹,I222.2,pool,0,`,
  ].join("\n");
  const batch = () => {
    const body = new FormData();
    for (const name of [ZIZHI, "《紅樓夢評論》王國維.pdf", SHIJING])
      body.append("files", new Blob([new Uint8Array(readFileSync(join(books, name)))]), `古籍/${name}`);
    body.append(
      "files",
      new Blob([new Uint8Array(readFileSync(join(books, SHIJI)).subarray(0, 3000))]),
      "古籍/残缺.pdf",
    );
    body.append("csv", new Blob([csv]), "list.csv");
    return body;
  };
  async function finished(id: number) {
    const until = Date.now() + 120_000;
    for (;;) {
      const res = await librarian.get(`/api/library/imports/${id}`);
      if (res.body.status === "done" || res.body.status === "failed") return res.body;
      if (Date.now() > until) throw new Error(`import ${id} still ${res.body.status}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it("files every good row, reports each bad one without stopping, and a second run adds nothing", async () => {
    const queued = await librarian.upload("/api/library/imports", batch());
    expect(queued.status, JSON.stringify(queued.body)).toBe(202);
    expect(queued.body).toMatchObject({ status: "queued", total: 5, done: 0 });
    const run = await finished(queued.body.id);
    expect(run).toMatchObject({ status: "done", total: 5, done: 5, created: 2, updated: 0, failed: 3 });
    expect(run.report.map((r: { outcome: string; code?: string }) => r.code ?? r.outcome)).toEqual([
      "created",
      "created",
      "library_import_file_missing",
      "library_file_corrupt",
      "validation_failed",
    ]);
    const titles = await LibraryTitle.count();
    const again = await finished((await librarian.upload("/api/library/imports", batch())).body.id);
    expect(again).toMatchObject({ created: 0, updated: 2, failed: 3 });
    expect(await LibraryTitle.count()).toBe(titles);
    const open = await LibraryTitle.findByPk(run.report[1].titleId);
    expect(open).toMatchObject({ title: "紅樓夢評論", licenceModel: "open", classCode: "I207.411" });
  }, 200_000);

  it("refuses a list without a file column before anything is queued", async () => {
    const body = new FormData();
    body.append("csv", new Blob(["title\n史記\n"]), "list.csv");
    const res = await librarian.upload("/api/library/imports", body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("library_import_bad_csv");
    expect((await staff.get("/api/library/imports")).status).toBe(403);
  });
});
