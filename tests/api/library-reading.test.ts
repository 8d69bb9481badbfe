// Reading a title's files and keeping one's place (server/library/routes/reading), on SQLite and
// on MariaDB (DATABASE_URL=mysql://…): byte ranges, the loan that opens a book, positions and bookmarks.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LibraryFile, LibraryLoan, LibraryTitle, type LicenceModel } from "../../server/library/models/index.js";
import { borrow, expireLoans, returnLoan } from "../../server/library/services/lending.js";
import { User } from "../../server/org/models/index.js";
import { SESSION_COOKIE } from "../../server/core/auth.js";
import { UsageEvent } from "../../server/stats/models/index.js";
import type { ApiClient } from "../helpers/apiClient.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

const BOOK = join(import.meta.dirname, "../../../shared/corpus/books/001《史記》卷一.pdf");
const OPEN_BOOK = join(import.meta.dirname, "../../../shared/corpus/books/《紅樓夢評論》王國維.pdf");

let server: TestServer;
let dataDir: string;
let staff1: ApiClient;
let staff2: ApiClient;
let staff1Id: number;
let staff2Id: number;
const bookBytes = readFileSync(BOOK);

async function addTitle(name: string, licenceModel: LicenceModel, path: string) {
  const title = await LibraryTitle.create({ title: name, licenceModel, copies: 2, classCode: "K204.2" });
  const { sha256, size } = await server.blobs.put(path);
  const file = await LibraryFile.create({
    titleId: title.id,
    sha256,
    size,
    mediaType: "application/pdf",
    pageCount: null,
  });
  return { title, file, url: `/api/library/titles/${title.id}/files/${file.id}/content` };
}

/** The response as bytes (ApiClient reads text), with the client's session. */
function fetchAs(client: ApiClient, path: string, headers: Record<string, string>) {
  const session = client.cookie(SESSION_COOKIE);
  return fetch(server.url + path, {
    headers: { ...headers, ...(session ? { cookie: `${SESSION_COOKIE}=${session}` } : {}) },
  });
}

const userId = async (username: string) => (await User.findOne({ where: { username } }))!.id;

let borrowed: Awaited<ReturnType<typeof addTitle>>;
let open: Awaited<ReturnType<typeof addTitle>>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "yong-reading-"));
  server = await startTestServer({ DATA_DIR: dataDir });
  staff1 = await server.signIn("office.staff1");
  staff2 = await server.signInAs("office.staff2");
  staff1Id = await userId("office.staff1");
  staff2Id = await userId("office.staff2");
  borrowed = await addTitle("史記 卷一", "copies", BOOK);
  open = await addTitle("紅樓夢評論", "open", OPEN_BOOK);
  await borrow(staff1Id, borrowed.title.id, "staff");
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("a borrowed title's file", () => {
  it("answers a range with 206 and exactly those bytes, uncompressed though gzip is accepted", async () => {
    const res = await fetchAs(staff1, borrowed.url, {
      range: "bytes=1000-66535",
      "accept-encoding": "gzip, deflate, br",
    });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes 1000-66535/${bookBytes.length}`);
    expect(res.headers.get("content-encoding")).toBeNull();
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toMatch(/^inline/);
    expect(Number(res.headers.get("content-length"))).toBe(65536);
    expect(Buffer.from(await res.arrayBuffer()).equals(bookBytes.subarray(1000, 66536))).toBe(true);
    // The last bytes, where pdf.js looks for the cross-reference table of a file that is not linearised.
    const tail = await fetchAs(staff1, borrowed.url, { range: "bytes=-1024", "accept-encoding": "gzip" });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(bookBytes.subarray(bookBytes.length - 1024))).toBe(true);
  });

  it("answers the whole file uncompressed, and 304 for the copy the client has", async () => {
    const res = await fetchAs(staff1, borrowed.url, { "accept-encoding": "gzip, br" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-encoding")).toBeNull();
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(Buffer.from(await res.arrayBuffer()).equals(bookBytes)).toBe(true);
    const again = await staff1.request("GET", borrowed.url, { headers: { "if-none-match": res.headers.get("etag")! } });
    expect(again.status).toBe(304);
  });

  it("answers 416 for a range past the end", async () => {
    const res = await staff1.request("GET", borrowed.url, { headers: { range: `bytes=${bookBytes.length}-` } });
    expect(res.status).toBe(416);
    expect(res.headers.get("content-range")).toBe(`bytes */${bookBytes.length}`);
  });

  it("refuses a patron without a loan and the anonymous with 403", async () => {
    const res = await staff2.request("GET", borrowed.url, { headers: { range: "bytes=0-99" } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("library_loan_required");
    expect((await server.client().get(borrowed.url)).status).toBe(403);
    expect((await staff2.get(`/api/library/titles/${borrowed.title.id}/reading`)).status).toBe(403);
  });

  it("refuses the download of a borrowed title, even to its borrower", async () => {
    const res = await staff1.get(`${borrowed.url}?download=1`);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("library_download_open_only");
  });

  it("does not serve another title's file under this title", async () => {
    const res = await staff1.get(`/api/library/titles/${borrowed.title.id}/files/${open.file.id}/content`);
    expect(res.status).toBe(404);
  });
});

describe("an open-access title's file", () => {
  it("is read and downloaded by anyone, signed in or not", async () => {
    const counted = (kind: string) => UsageEvent.count({ where: { kind, subject: String(open.title.id) } });
    const anonymous = server.client();
    const range = await anonymous.request("GET", open.url, { headers: { range: "bytes=0-9" } });
    expect(range.status).toBe(206);
    expect(range.text).toBe(readFileSync(OPEN_BOOK).subarray(0, 10).toString("latin1"));
    const download = await fetch(`${server.url}${open.url}?download=1`, { headers: { "accept-encoding": "gzip" } });
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toMatch(/^attachment/);
    expect(download.headers.get("content-encoding")).toBeNull();
    expect(Buffer.from(await download.arrayBuffer()).equals(readFileSync(OPEN_BOOK))).toBe(true);
    // One download counted for the whole file; the ranges a reader asks for are not downloads.
    expect(await counted("library.download")).toBe(1);
    const reading = await anonymous.get(`/api/library/titles/${open.title.id}/reading`);
    expect(reading.status).toBe(200);
    expect(reading.body.can).toEqual({ download: true, keepPlace: false });
    expect(reading.body.watermark).toBeNull();
    expect(await counted("library.read")).toBe(1);
    // No place is kept for someone not signed in.
    expect(
      (
        await anonymous.request("PUT", `/api/library/titles/${open.title.id}/reading`, {
          body: { fileId: open.file.id, page: 2, zoom: "fit-width" },
        })
      ).status,
    ).toBe(401);
  });
});

describe("reading position and bookmarks", () => {
  const base = () => `/api/library/titles/${borrowed.title.id}`;

  it("opens with the reader's name for the watermark and no place yet", async () => {
    const res = await staff1.get(`${base()}/reading`);
    expect(res.status).toBe(200);
    expect(res.body.access.kind).toBe("loan");
    expect(res.body.can).toEqual({ download: false, keepPlace: true });
    expect(res.body.watermark).toBe((await User.findByPk(staff1Id))!.displayName);
    expect(res.body.files).toEqual([
      expect.objectContaining({ id: borrowed.file.id, url: borrowed.url, size: bookBytes.length }),
    ]);
    expect(res.body.position).toBeNull();
  });

  it("keeps the place per patron, restored from another session", async () => {
    const put = await staff1.request("PUT", `${base()}/reading`, {
      body: { fileId: borrowed.file.id, page: 5, zoom: "1.25" },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ fileId: borrowed.file.id, page: 5, zoom: "1.25" });
    const moved = await staff1.request("PUT", `${base()}/reading`, {
      body: { fileId: borrowed.file.id, page: 7, zoom: "fit-page" },
    });
    expect(moved.body.page).toBe(7);
    // Another device: a new session of the same patron.
    const elsewhere = await server.signIn("office.staff1");
    const res = await elsewhere.get(`${base()}/reading?file=${borrowed.file.id}`);
    expect(res.body.position).toMatchObject({ fileId: borrowed.file.id, page: 7, zoom: "fit-page" });
  });

  it("refuses a bad zoom or page, and a file of another title", async () => {
    for (const body of [
      { fileId: borrowed.file.id, page: 0, zoom: "fit-width" },
      { fileId: borrowed.file.id, page: 3, zoom: "9" },
      { fileId: borrowed.file.id, page: 3, zoom: "huge" },
    ]) {
      const res = await staff1.request("PUT", `${base()}/reading`, { body });
      expect(res.status).toBe(400);
    }
    const other = await staff1.request("PUT", `${base()}/reading`, {
      body: { fileId: open.file.id, page: 3, zoom: "fit-width" },
    });
    expect(other.status).toBe(404);
  });

  it("adds, lists and deletes bookmarks; someone else's is not found", async () => {
    const added = await staff1.post(`${base()}/bookmarks`, { fileId: borrowed.file.id, page: 5, label: "本紀" });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ page: 5, label: "本紀" });
    await staff1.post(`${base()}/bookmarks`, { fileId: borrowed.file.id, page: 2, label: "" });
    const list = await staff1.get(`${base()}/bookmarks`);
    expect(list.body.items.map((b: { page: number }) => b.page)).toEqual([2, 5]);

    // office.staff2 borrows too (2 copies), and sees only their own.
    await borrow(staff2Id, borrowed.title.id, "staff");
    expect((await staff2.get(`${base()}/bookmarks`)).body.items).toEqual([]);
    expect((await staff2.get(`${base()}/reading`)).body.position).toBeNull();
    expect((await staff2.delete(`${base()}/bookmarks/${added.body.id}`)).status).toBe(404);
    // Nor is it found under another title.
    expect((await staff1.delete(`/api/library/titles/${open.title.id}/bookmarks/${added.body.id}`)).status).toBe(404);

    expect((await staff1.delete(`${base()}/bookmarks/${added.body.id}`)).status).toBe(204);
    const after = await staff1.get(`${base()}/bookmarks`);
    expect(after.body.items.map((b: { page: number }) => b.page)).toEqual([2]);
  });

  it("refuses positions and bookmarks to a patron without a loan", async () => {
    const staff3 = await server.signInAs("office.staff3");
    const put = await staff3.request("PUT", `${base()}/reading`, {
      body: { fileId: borrowed.file.id, page: 2, zoom: "fit-width" },
    });
    expect(put.status).toBe(403);
    expect((await staff3.post(`${base()}/bookmarks`, { fileId: borrowed.file.id, page: 1 })).status).toBe(403);
  });
});

describe("an ended loan", () => {
  it("no longer opens the file once it is past due and expired by the job (403)", async () => {
    const before = await staff1.request("GET", borrowed.url, { headers: { range: "bytes=0-99" } });
    expect(before.status).toBe(206);
    await LibraryLoan.update(
      { dueAt: new Date(Date.now() - 60_000) },
      { where: { userId: staff1Id, titleId: borrowed.title.id, state: "active" } },
    );
    // Past due already refuses, before the job has run.
    const due = await staff1.request("GET", borrowed.url, { headers: { range: "bytes=0-99" } });
    expect(due.status).toBe(403);
    expect(await expireLoans()).toBeGreaterThanOrEqual(1);
    const loan = await LibraryLoan.findOne({ where: { userId: staff1Id, titleId: borrowed.title.id } });
    expect(loan!.state).toBe("expired");
    const after = await staff1.request("GET", borrowed.url, { headers: { range: "bytes=0-99" } });
    expect(after.status).toBe(403);
    expect(after.body.error.code).toBe("library_loan_required");
    expect((await staff1.get(`/api/library/titles/${borrowed.title.id}/reading`)).status).toBe(403);
  });

  it("no longer opens the file once returned (403)", async () => {
    const loan = await LibraryLoan.findOne({
      where: { userId: staff2Id, titleId: borrowed.title.id, state: "active" },
    });
    expect((await staff2.request("GET", borrowed.url, { headers: { range: "bytes=0-99" } })).status).toBe(206);
    await returnLoan(loan!.id, staff2Id);
    expect((await staff2.request("GET", borrowed.url, { headers: { range: "bytes=0-99" } })).status).toBe(403);
  });
});
