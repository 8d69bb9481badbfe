import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closePdfReaders, extractPdfText } from "../../archive-importer/pdfText.js";
import { createHash } from "node:crypto";
import { LibraryLoan, LibraryTitle, type LicenceModel } from "../../server/library/models/index.js";
import { borrow, placeHold } from "../../server/library/services/lending.js";
import {
  catalogueTransaction,
  createTitle,
  TitleFieldsSchema,
  withdrawTitle,
} from "../../server/library/services/titles.js";
import { UsageEvent } from "../../server/stats/models/index.js";
import type { ApiClient } from "../helpers/apiClient.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

const BOOKS = join(import.meta.dirname, "..", "..", "..", "shared", "corpus", "books");
const DAY_MS = 24 * 3600_000;

let server: TestServer;
let staff1: ApiClient;
let staff2: ApiClient;
let staff1Id = 0;
let staff2Id = 0;
const ids: Record<string, number> = {};
/** The 史記's text as its PDF's text layer has it: Kangxi radicals (⼈ U+2F08), not yet NFKC. */
let shijiText = "";
let tongjianText = "";

const dataDir = mkdtempSync(join(tmpdir(), "yong-library-catalogue-"));

interface Book {
  key: string;
  title: string;
  authors: string[];
  classCode: string | null;
  licenceModel: LicenceModel;
  copies?: number;
  language?: string;
  subjects?: string[];
  summary?: string;
  year?: number;
  /** The text of its one file, as extracted. */
  text: string;
  daysAgo: number;
}

/**
 * A title through the catalogue's own service, its search document through the outbox (what an upload
 * does, without the upload); arrived `daysAgo`.
 */
async function addBook(book: Book): Promise<number> {
  const fields = TitleFieldsSchema.parse({
    title: book.title,
    authors: book.authors,
    publisher: "中華書局",
    year: book.year ?? 1959,
    language: book.language ?? "zh",
    subjects: book.subjects ?? [],
    summary: book.summary ?? null,
    classCode: book.classCode,
    licenceModel: book.licenceModel,
    copies: book.copies ?? 1,
  });
  const bytes = Buffer.from(book.text);
  const { title } = await catalogueTransaction((t) =>
    createTitle(
      {
        fields,
        files: [
          {
            sha256: createHash("sha256").update(bytes).digest("hex"),
            size: bytes.length,
            mediaType: "application/pdf",
            pageCount: 26,
            fileName: `${book.key}.pdf`,
            text: book.text,
          },
        ],
      },
      t,
    ),
  );
  const createdAt = new Date(Date.now() - book.daysAgo * DAY_MS);
  await LibraryTitle.update({ createdAt }, { where: { id: title.id }, silent: true });
  ids[book.key] = title.id;
  return title.id;
}

beforeAll(async () => {
  server = await startTestServer({ DATA_DIR: dataDir });
  staff1 = await server.signIn("office.staff1");
  staff2 = await server.signInAs("office.staff2");
  staff1Id = (await staff1.get("/api/auth/me")).body.user.id;
  staff2Id = (await staff2.get("/api/auth/me")).body.user.id;
  shijiText = (await extractPdfText(join(BOOKS, "001《史記》卷一.pdf"))).text;
  tongjianText = (await extractPdfText(join(BOOKS, "001《資治通鑑》卷一.pdf"))).text;
  await closePdfReaders();
  await addBook({
    key: "shiji",
    title: "史記 卷一",
    authors: ["司馬遷", "裴駰"],
    classCode: "K204.2",
    licenceModel: "copies",
    copies: 1,
    subjects: ["紀傳體", "中國歷史"],
    summary: "五帝本紀",
    text: shijiText,
    daysAgo: 3,
  });
  await addBook({
    key: "tongjian",
    title: "資治通鑑 卷一",
    authors: ["司馬光"],
    classCode: "K204.3",
    licenceModel: "pool",
    copies: 3,
    text: tongjianText,
    daysAgo: 2,
  });
  await addBook({
    key: "geography",
    title: "中国历史地理概论",
    authors: ["邹逸麟"],
    classCode: "K928.6",
    licenceModel: "open",
    year: 2005,
    text: "本书论述中国历代疆域政区、人口与城市的变迁。",
    daysAgo: 1,
  });
  await addBook({
    key: "education",
    title: "Education in Guangxi",
    authors: ["Li Hua"],
    classCode: "G42",
    licenceModel: "copies",
    copies: 2,
    language: "en",
    year: 2019,
    text: "A survey of schools in Nanning and the province.",
    daysAgo: 10,
  });
  await addBook({
    key: "unclassed",
    title: "未分类资料",
    authors: [],
    classCode: null,
    licenceModel: "open",
    text: "资料汇编",
    daysAgo: 20,
  });
  // Loans: tongjian twice and education once in the last 90 days; the unclassed title 5 times, but long ago.
  const loan = (titleId: number, userId: number, daysAgo: number, state: "active" | "returned" = "returned") =>
    LibraryLoan.create({
      titleId,
      userId,
      patronCategory: "staff",
      state,
      borrowedAt: new Date(Date.now() - daysAgo * DAY_MS),
      dueAt: new Date(Date.now() - (daysAgo - 14) * DAY_MS),
      returnedAt: state === "returned" ? new Date(Date.now() - (daysAgo - 1) * DAY_MS) : null,
    });
  await loan(ids.tongjian!, staff2Id, 30);
  await loan(ids.tongjian!, staff2Id, 5);
  await loan(ids.education!, staff2Id, 40);
  for (let i = 0; i < 5; i++) await loan(ids.unclassed!, staff2Id, 200 + i);
  await server.drainSearch();
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const titlesOf = (res: { body: { items: { title: string }[] } }) => res.body.items.map((i) => i.title);

describe("the 中图法 tree with counts", () => {
  it("has the 22 top classes with their second-level classes, a title counted in its class and every ancestor", async () => {
    const res = await server.client().get("/api/library/classes");
    expect(res.status).toBe(200);
    const tree: { code: string; count: number; children: { code: string; count: number }[] }[] = res.body.items;
    expect(tree.map((c) => c.code)).toHaveLength(22);
    const k = tree.find((c) => c.code === "K")!;
    expect(k.count).toBe(3);
    expect(k.children.find((c) => c.code === "K2")!.count).toBe(2);
    expect(k.children.find((c) => c.code === "K9")!.count).toBe(1);
    expect(tree.find((c) => c.code === "G")!.count).toBe(1);
    expect(tree.find((c) => c.code === "G")!.children.find((c) => c.code === "G4")!.count).toBe(1);
    expect(tree.find((c) => c.code === "A")!.count).toBe(0);
    // The unclassed title is in no class; the five classed ones are counted once each among the top classes.
    expect(tree.reduce((sum, c) => sum + c.count, 0)).toBe(4);
  });

  it("answers a class's page with its parent and subclasses, a range class written with a hyphen", async () => {
    const k2 = await server.client().get("/api/library/classes/K2");
    expect(k2.body).toMatchObject({ code: "K2", count: 2, parent: { code: "K" }, children: [] });
    const d = await server.client().get("/api/library/classes/D33-37");
    expect(d.status).toBe(200);
    expect(d.body.code).toBe("D33/37");
    expect((await server.client().get("/api/library/classes/K99")).status).toBe(404);
    expect((await server.client().get("/api/library/classes/%E4%BA%BA")).status).toBe(400);
  });
});

describe("search", () => {
  it("finds 史記 by 人, which its text layer has only as the Kangxi radical ⼈ (U+2F08)", async () => {
    expect(shijiText).toContain("\u2f08");
    expect(shijiText).not.toContain("人");
    const res = await server.client().get(`/api/library/titles?q=${encodeURIComponent("人")}`);
    expect(res.status).toBe(200);
    expect(titlesOf(res)).toContain("史記 卷一");
    const hit = res.body.items.find((i: { id: number }) => i.id === ids.shiji);
    const [start, end] = hit.snippet.marks[0];
    expect(hit.snippet.text.slice(start, end)).toBe("人");
  });

  it("finds two-character words as words, in the full text", async () => {
    // 裴駰 (the 史記's commentator): found in the texts that have it, marked where it is.
    const res = await server.client().get(`/api/library/titles?q=${encodeURIComponent("裴駰")}`);
    const expected = [
      ["史記 卷一", shijiText],
      ["資治通鑑 卷一", tongjianText],
    ].flatMap(([title, text]) => (text!.normalize("NFKC").includes("裴駰") ? [title] : []));
    expect(expected).toContain("史記 卷一");
    expect(titlesOf(res).sort()).toEqual(expected.sort());
    for (const hit of res.body.items) {
      const [start, end] = hit.snippet.marks[0];
      expect(hit.snippet.text.slice(start, end).normalize("NFKC")).toBe("裴駰");
    }
    // Its two characters apart are not the word: 裴 alone is in more places than 裴駰.
    const apart = await server.client().get(`/api/library/titles?q=${encodeURIComponent("駰裴")}`);
    expect(apart.body.total).toBe(0);
  });

  it("finds Traditional with Simplified and Simplified with Traditional, in titles, authors and text", async () => {
    const simplified = await server.client().get(`/api/library/titles?q=${encodeURIComponent("史记")}`);
    expect(titlesOf(simplified)).toContain("史記 卷一");
    const title = simplified.body.items.find((i: { id: number }) => i.id === ids.shiji).marked;
    expect(title.text.slice(title.marks[0][0], title.marks[0][1])).toBe("史記");
    const traditional = await server.client().get(`/api/library/titles?q=${encodeURIComponent("歷史地理")}`);
    expect(titlesOf(traditional)).toEqual(["中国历史地理概论"]);
    const author = await server.client().get(`/api/library/titles?q=${encodeURIComponent("司马迁")}`);
    expect(titlesOf(author)).toContain("史記 卷一");
    expect(titlesOf(author)).not.toContain("中国历史地理概论");
  });

  it("filters by class (any level), language and licence, with facets by top class, language and licence", async () => {
    const q = encodeURIComponent("人");
    const all = await server.client().get(`/api/library/titles?q=${q}`);
    const k = await server.client().get(`/api/library/titles?q=${q}&classCode=K2`);
    expect(k.body.items.every((i: { classCode: string }) => i.classCode.startsWith("K2"))).toBe(true);
    expect(k.body.total).toBeLessThan(all.body.total);
    expect(all.body.facets.classCode.every((f: { value: string }) => /^[A-Z]$/.test(f.value))).toBe(true);
    const kFacet = all.body.facets.classCode.find((f: { value: string }) => f.value === "K");
    expect(kFacet.count).toBe(k.body.total + (titlesOf(all).includes("中国历史地理概论") ? 1 : 0));
    const open = await server.client().get(`/api/library/titles?q=${q}&licence=open`);
    expect(open.body.items.every((i: { licenceModel: string }) => i.licenceModel === "open")).toBe(true);
    expect((await server.client().get("/api/library/titles?q=schools&language=en")).body.total).toBe(1);
    expect((await server.client().get("/api/library/titles?q=schools&language=zh")).body.total).toBe(0);
  });

  it("lists without a query: new arrivals newest first, most borrowed over the last 90 days", async () => {
    const fresh = await server.client().get("/api/library/titles");
    expect(fresh.body.sort).toBe("new");
    expect(titlesOf(fresh)).toEqual([
      "中国历史地理概论",
      "資治通鑑 卷一",
      "史記 卷一",
      "Education in Guangxi",
      "未分类资料",
    ]);
    expect(fresh.body.total).toBe(5);
    const popular = await server.client().get("/api/library/titles?sort=popular");
    // Loans older than 90 days do not count: the unclassed title's five are 200 days old.
    expect(titlesOf(popular).slice(0, 2)).toEqual(["資治通鑑 卷一", "Education in Guangxi"]);
    const page2 = await server.client().get("/api/library/titles?pageSize=2&page=2");
    expect(titlesOf(page2)).toEqual(["史記 卷一", "Education in Guangxi"]);
    const inK = await server.client().get("/api/library/titles?classCode=K");
    expect(titlesOf(inK)).toEqual(["中国历史地理概论", "資治通鑑 卷一", "史記 卷一"]);
    expect(inK.body.facets.licenceModel).toEqual([
      { value: "copies", count: 1 },
      { value: "open", count: 1 },
      { value: "pool", count: 1 },
    ]);
  });

  it("sorts a query's matches by arrival or by loans", async () => {
    const q = encodeURIComponent("人");
    const byArrival = await server.client().get(`/api/library/titles?q=${q}&sort=new`);
    const arrived = titlesOf(byArrival);
    expect(arrived.indexOf("資治通鑑 卷一")).toBeLessThan(arrived.indexOf("史記 卷一"));
    const byLoans = await server.client().get(`/api/library/titles?q=${q}&sort=popular`);
    expect(titlesOf(byLoans)[0]).toBe("資治通鑑 卷一");
    expect(byLoans.body.items[0].marked).toBeTruthy();
  });

  it("refuses what is not a search", async () => {
    expect((await server.client().get("/api/library/titles?sort=oldest")).status).toBe(400);
    expect((await server.client().get("/api/library/titles?licence=stolen")).status).toBe(400);
    expect((await server.client().get("/api/library/titles?pageSize=1000")).status).toBe(400);
  });
});

describe("a title's page and what each viewer may do", () => {
  it("shows metadata, class path, files without storage names, and licence state", async () => {
    const res = await server.client().get(`/api/library/titles/${ids.shiji}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      title: "史記 卷一",
      authors: ["司馬遷", "裴駰"],
      subjects: ["紀傳體", "中國歷史"],
      publisher: "中華書局",
      year: 1959,
      class: { code: "K204.2", path: [{ code: "K" }, { code: "K2" }] },
      files: [{ mediaType: "application/pdf", size: Buffer.byteLength(shijiText), pageCount: 26 }],
      licence: { model: "copies", copies: 1, available: 1, waiting: 0 },
      signedIn: false,
      loan: null,
      hold: null,
    });
    expect(res.text).not.toContain(createHash("sha256").update(shijiText).digest("hex"));
    expect(res.text).not.toContain("sha256");
    expect(res.body.class.path[0].name).toBe("历史、地理");
    expect((await server.client().get("/api/library/titles/999999")).status).toBe(404);
  });

  it("anonymous: nothing but browsing (the page says to sign in)", async () => {
    const res = await server.client().get(`/api/library/titles/${ids.shiji}`);
    expect(Object.values(res.body.abilities).some(Boolean)).toBe(false);
  });

  it("a civil servant borrows a free copy; open access is read and downloaded; the 三员 borrow nothing", async () => {
    const free = await staff1.get(`/api/library/titles/${ids.shiji}`);
    expect(free.body.signedIn).toBe(true);
    expect(free.body.abilities).toEqual({
      borrow: true,
      hold: false,
      read: false,
      download: false,
      renew: false,
      return: false,
      manage: false,
    });
    const open = await staff1.get(`/api/library/titles/${ids.geography}`);
    expect(open.body.licence).toMatchObject({ model: "open", copies: null, available: null });
    expect(open.body.abilities).toMatchObject({ borrow: false, hold: false, read: true, download: true });
    const sysadmin = await server.signIn("sysadmin");
    const admin = await sysadmin.get(`/api/library/titles/${ids.shiji}`);
    expect(Object.values(admin.body.abilities).some(Boolean)).toBe(false);
  });

  it("a borrower reads, renews and returns; the next patron holds, and renewal stops while they wait", async () => {
    const loan = await borrow(staff1Id, ids.shiji!, "staff");
    const mine = await staff1.get(`/api/library/titles/${ids.shiji}`);
    expect(mine.body.loan).toEqual({ id: loan.id, dueAt: loan.dueAt.toISOString() });
    expect(mine.body.abilities).toMatchObject({ read: true, renew: true, return: true, borrow: false, hold: false });
    expect(mine.body.licence.available).toBe(0);
    const other = await staff2.get(`/api/library/titles/${ids.shiji}`);
    expect(other.body.abilities).toMatchObject({ borrow: false, hold: true, read: false });
    const hold = await placeHold(staff2Id, ids.shiji!, "staff");
    const queued = await staff2.get(`/api/library/titles/${ids.shiji}`);
    expect(queued.body.hold).toEqual({ id: hold.id, state: "waiting", position: 1, claimUntil: null });
    expect(queued.body.abilities).toMatchObject({ borrow: false, hold: false });
    expect(queued.body.licence.waiting).toBe(1);
    const waitedFor = await staff1.get(`/api/library/titles/${ids.shiji}`);
    expect(waitedFor.body.abilities).toMatchObject({ read: true, renew: false, return: true });
  });

  it("a librarian manages", async () => {
    const { client, id } = await server.newUser({ username: "catalogue.librarian" });
    await server.grantRole(id, "librarian");
    const res = await client.get(`/api/library/titles/${ids.education}`);
    expect(res.body.abilities).toMatchObject({ manage: true, borrow: true });
  });
});

describe("covers and the home page", () => {
  it("serves a cover to anyone, cacheable at its versioned address; 404 without one", async () => {
    // The smallest PNG: a 1×1 image.
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
      "base64",
    );
    const { sha256 } = await server.blobs.put(Readable.from([png]));
    await LibraryTitle.update({ coverSha256: sha256 }, { where: { id: ids.tongjian! } });
    const detail = await server.client().get(`/api/library/titles/${ids.tongjian}`);
    expect(detail.body.cover).toBe(`/api/library/titles/${ids.tongjian}/cover?v=${sha256.slice(0, 12)}`);
    const cover = await server.client().get(detail.body.cover);
    expect(cover.status).toBe(200);
    expect(cover.headers.get("content-type")).toBe("image/png");
    expect(cover.headers.get("cache-control")).toContain("immutable");
    expect((await server.client().get(`/api/library/titles/${ids.shiji}/cover`)).status).toBe(404);
  });

  it("shows new arrivals, most borrowed and the class counts", async () => {
    const res = await server.client().get("/api/library/home");
    expect(res.status).toBe(200);
    expect(titlesOf({ body: { items: res.body.newArrivals } })[0]).toBe("中国历史地理概论");
    expect(res.body.mostBorrowed[0].title).toBe("資治通鑑 卷一");
    expect(res.body.mostBorrowed[0].cover).toMatch(/\/cover\?v=/);
    expect(res.body.classes.find((c: { code: string }) => c.code === "K").count).toBe(3);
    expect(res.body.total).toBe(4);
  });
});

describe("usage and withdrawn titles", () => {
  it("counts a class page opened and a search typed (not a list, not the next page of a search)", async () => {
    const before = await UsageEvent.count({ where: { kind: "library.search" } });
    await staff1.get(`/api/library/classes/K2`);
    await staff1.get(`/api/library/titles?q=${encodeURIComponent("通鑑")}`);
    await staff1.get(`/api/library/titles?q=${encodeURIComponent("通鑑")}&page=2`);
    await staff1.get("/api/library/titles?classCode=K2");
    expect(await UsageEvent.count({ where: { kind: "library.search" } })).toBe(before + 1);
    expect(await UsageEvent.findOne({ where: { kind: "library.search", subject: "通鑑" } })).toMatchObject({
      userId: staff1Id,
    });
    expect(await UsageEvent.count({ where: { kind: "library.navigate", subject: "K2", userId: staff1Id } })).toBe(1);
    await server.client().get("/api/library/classes/G");
    expect(await UsageEvent.findOne({ where: { kind: "library.navigate", subject: "G" } })).toMatchObject({
      userId: null,
    });
  });

  it("leaves a withdrawn title out of counts, lists, searches and its page", async () => {
    await catalogueTransaction((t) => withdrawTitle(ids.education!, t));
    await server.drainSearch();
    const tree = (await server.client().get("/api/library/classes")).body.items;
    expect(tree.find((c: { code: string }) => c.code === "G").count).toBe(0);
    expect(titlesOf(await server.client().get("/api/library/titles"))).not.toContain("Education in Guangxi");
    expect((await server.client().get("/api/library/titles?q=schools")).body.total).toBe(0);
    expect((await server.client().get(`/api/library/titles/${ids.education}`)).status).toBe(404);
  });
});
