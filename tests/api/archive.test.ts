import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArchiveRecord } from "../../server/archive/models/index.js";
import { importRecord, type RecordFields } from "../../server/archive/services/records.js";
import { storeOriginal } from "../../server/archive/services/originals.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { ARCHIVE_COLLECTION } from "../../server/archive/services/records.js";
import { REINDEX_SOURCES } from "../../server/server.js";
import { spawnServerProcess } from "../helpers/serverProcess.js";
import { reindex, type ReindexSource } from "../../server/search/reindex.js";
import { enqueueIndexing, SearchOutbox } from "../../server/search/outbox.js";
import type { ApiClient } from "../helpers/apiClient.js";

let server: TestServer;
let staff: ApiClient;
let archivist: ApiClient;
const ids: Record<string, number> = {};

const fields = (over: Partial<RecordFields> & Pick<RecordFields, "title" | "body">): RecordFields => ({
  docNumber: null,
  issuers: ["南宁市人民政府"],
  docType: "通知",
  issuedOn: "2006-03-07",
  effectiveOn: null,
  subjects: [],
  category: "教育",
  validity: "有效",
  ...over,
});

async function seed(key: string, f: RecordFields, openness: "公开" | "内部") {
  const { record } = await server.sequelize.transaction((t) =>
    importRecord(
      f,
      {
        sourceKey: `import:${key}.md`,
        contentHash: key,
        fileName: `${key}.md`,
        fileFormat: "markdown",
        pages: null,
        needsOcr: false,
        openness,
      },
      "import",
      t,
    ),
  );
  ids[key] = record.id;
}

// Originals go to DATA_DIR/blobs: a folder of this file's own, not the checkout's data/.
const dataDir = mkdtempSync(join(tmpdir(), "yong-archive-data-"));

beforeAll(async () => {
  server = await startTestServer({ DATA_DIR: dataDir });
  await seed(
    "school",
    fields({
      title: "关于加强义务教育学校管理的通知",
      docNumber: "南府发[2006]12号",
      body: "各县区人民政府：为了保障适龄儿童接受义务教育的权利，现就加强学校管理通知如下。",
    }),
    "公开",
  );
  await seed(
    "tax",
    fields({
      title: "南宁市税务征收管理办法",
      docNumber: "南府发〔1985〕3号",
      issuers: ["南宁市人民政府", "南宁市税务局"],
      docType: "办法",
      issuedOn: "1985-05-10",
      category: "财税",
      body: "第一条 为加强税收征收管理，规范税务机关的征收行为，制定本办法。",
    }),
    "公开",
  );
  await seed(
    "internal",
    fields({
      title: "关于教育经费内部核算的意见",
      docNumber: "南府办〔2006〕40号",
      docType: "意见",
      body: "本意见仅限内部使用：教育经费的核算口径与拨付流程。",
    }),
    "内部",
  );
  await server.drainSearch();
  staff = await server.signIn("office.staff1");
  // An archivist: a new member of staff given the built-in 档案管理员 role by the security administrator.
  const keeper = await server.newUser({ username: "archive.keeper" });
  const secadmin = await server.signIn("secadmin");
  const roles = await secadmin.get("/api/org/roles");
  const role = roles.body.items.find((r: { code: string }) => r.code === "archivist");
  const granted = await secadmin.post(`/api/org/users/${keeper.id}/roles`, { roleId: role.id, unitId: null });
  expect(granted.status, granted.text).toBe(200);
  archivist = keeper.client;
});

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const titles = (res: { body: { items: { title: string }[] } }) => res.body.items.map((i) => i.title).sort();

describe("archive search for the public (政府信息公开)", () => {
  it("answers without a session, with 公开 records only, in items, totals and facets", async () => {
    const res = await server.client().get(`/api/archive/search?q=${encodeURIComponent("教育")}`);
    expect(res.status).toBe(200);
    expect(titles(res)).toEqual(["关于加强义务教育学校管理的通知"]);
    expect(res.body.total).toBe(1);
    const docTypes = res.body.facets.docType.map((f: { value: string }) => f.value);
    expect(docTypes).not.toContain("意见");
    const item = res.body.items[0];
    expect(Object.keys(item)).toEqual(
      expect.arrayContaining(["id", "docNumber", "title", "issuer", "issuedOn", "validity", "openness", "snippet"]),
    );
    expect(item.docNumber).toBe("南府发〔2006〕12号");
    const [start, end] = item.snippet.marks[0];
    expect(item.snippet.text.slice(start, end)).toBe("教育");
  });

  it("finds a record by its 文号 whatever brackets are typed", async () => {
    for (const typed of ["南府发[1985]3号", "南府发（1985）3号", "南府发〔1985〕3号"]) {
      const res = await server.client().get(`/api/archive/search?q=${encodeURIComponent(typed)}`);
      expect(titles(res), typed).toEqual(["南宁市税务征收管理办法"]);
      expect(res.body.docNumber).toBe("南府发〔1985〕3号");
    }
    // An 内部 record's 文号 finds nothing for the public.
    const hidden = await server.client().get(`/api/archive/search?q=${encodeURIComponent("南府办[2006]40号")}`);
    expect(hidden.body.total).toBe(0);
  });

  it("filters by facets and years, and counts them", async () => {
    const all = await server.client().get("/api/archive/search");
    expect(all.body.total).toBe(2);
    const years = Object.fromEntries(
      all.body.facets.year.map((f: { value: string; count: number }) => [f.value, f.count]),
    );
    expect(years).toEqual({ "2006": 1, "1985": 1 });
    const old = await server.client().get("/api/archive/search?yearTo=1990");
    expect(titles(old)).toEqual(["南宁市税务征收管理办法"]);
    const byIssuer = await server.client().get(`/api/archive/search?issuer=${encodeURIComponent("南宁市税务局")}`);
    expect(titles(byIssuer)).toEqual(["南宁市税务征收管理办法"]);
  });

  it("shows a 公开 record, and answers 404 for an 内部 one as for one that does not exist", async () => {
    const open = await server.client().get(`/api/archive/records/${ids.school}`);
    expect(open.status).toBe(200);
    expect(open.body.body).toContain("义务教育");
    expect(open.body.abilities.manage).toBe(false);
    expect((await server.client().get(`/api/archive/records/${ids.internal}`)).status).toBe(404);
    expect((await server.client().get("/api/archive/records/999999")).status).toBe(404);
  });

  it("refuses bad input with 400", async () => {
    expect((await server.client().get("/api/archive/search?page=0")).status).toBe(400);
    expect((await server.client().get("/api/archive/search?yearFrom=abc")).status).toBe(400);
    expect((await server.client().get(`/api/archive/search?q=${"长".repeat(201)}`)).status).toBe(400);
    expect((await server.client().get("/api/archive/records/abc")).status).toBe(400);
  });

  it("takes any query text without breaking: search syntax is only text", async () => {
    for (const q of ['"', "教育 OR 税务", "NEAR(教育", "*", "-教育", "教育)", "\\", "'; DROP TABLE x; --"]) {
      const res = await server.client().get(`/api/archive/search?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
    }
  });
});

describe("advanced search (高级检索)", () => {
  const search = (client: ApiClient, params: Record<string, string>) =>
    client.get(`/api/archive/search?${new URLSearchParams(params)}`);
  const publicSearch = (params: Record<string, string>) => search(server.client(), params);

  it("narrows by the exact phrase, excluded words, title only, 文号 and 成文日期", async () => {
    // 不包含: 学校 is in the 公开 notice's title; the 内部 opinion on 教育经费 has no 学校.
    expect(titles(await publicSearch({ q: "教育", not: "学校" }))).toEqual([]);
    expect(titles(await search(staff, { q: "教育", not: "学校" }))).toEqual(["关于教育经费内部核算的意见"]);
    expect(titles(await search(staff, { q: "教育", not: "核算 学校" }))).toEqual([]);
    // 检索范围: 管理 is in both 公开 titles; 儿童 only in a body.
    expect(titles(await publicSearch({ q: "管理", in: "title" }))).toEqual([
      "关于加强义务教育学校管理的通知",
      "南宁市税务征收管理办法",
    ]);
    expect(titles(await publicSearch({ q: "儿童", in: "title" }))).toEqual([]);
    expect(titles(await publicSearch({ q: "儿童", in: "all" }))).toEqual(["关于加强义务教育学校管理的通知"]);
    // 精确短语: the words in this order, next to each other.
    expect(titles(await publicSearch({ phrase: "适龄儿童" }))).toEqual(["关于加强义务教育学校管理的通知"]);
    expect(titles(await publicSearch({ phrase: "儿童 适龄" }))).toEqual([]);
    // Quotation marks typed in the phrase field are dropped, never the end of the phrase.
    expect(titles(await publicSearch({ phrase: "“适龄”儿童" }))).toEqual(["关于加强义务教育学校管理的通知"]);
    expect(titles(await publicSearch({ q: "儿童 适龄" }))).toEqual(["关于加强义务教育学校管理的通知"]);
    expect(titles(await publicSearch({ q: "税务", phrase: "征收管理" }))).toEqual(["南宁市税务征收管理办法"]);
    // 文号, exact, whatever brackets are typed; with the words, and never with another 文号 in the box.
    for (const docNumber of ["南府发(1985)3号", "南府发［1985］3号", "南府发〔1985〕3号"]) {
      const res = await publicSearch({ docNumber });
      expect(titles(res), docNumber).toEqual(["南宁市税务征收管理办法"]);
      expect(res.body.docNumber).toBe("南府发〔1985〕3号");
    }
    expect(titles(await publicSearch({ docNumber: "南府发[1985]3号", q: "税务" }))).toEqual(["南宁市税务征收管理办法"]);
    expect(titles(await publicSearch({ docNumber: "南府发[1985]3号", q: "教育" }))).toEqual([]);
    expect((await publicSearch({ docNumber: "南府发[1985]3号", q: "南府发[2006]12号" })).body.total).toBe(0);
    expect((await publicSearch({ docNumber: "南府发[1985]", q: "" })).body.total).toBe(0);
    // 成文日期: inclusive days.
    expect(titles(await publicSearch({ dateFrom: "1985-05-10", dateTo: "1985-05-10" }))).toEqual([
      "南宁市税务征收管理办法",
    ]);
    expect((await publicSearch({ dateFrom: "1985-05-11", dateTo: "2006-03-06" })).body.total).toBe(0);
    expect(titles(await publicSearch({ dateFrom: "2006-03-07" }))).toEqual(["关于加强义务教育学校管理的通知"]);
    // A field of the form left empty is no condition.
    const blank = await publicSearch({ q: "", phrase: "", not: " ", docNumber: "", dateFrom: "", dateTo: "" });
    expect(blank.status).toBe(200);
    expect(blank.body.total).toBe(2);
  });

  it("refuses bad advanced parameters with 400, naming the field", async () => {
    const refused = async (params: Record<string, string>, path: string, code = "validation_failed") => {
      const res = await publicSearch(params);
      expect(res.status, JSON.stringify(params)).toBe(400);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    };
    await refused({ in: "body" }, "query.in");
    await refused({ dateFrom: "2006-02-30" }, "query.dateFrom");
    await refused({ dateTo: "2006-3-7" }, "query.dateTo");
    await refused({ dateFrom: "2010-01-01", dateTo: "2009-12-31" }, "query.dateTo");
    await refused({ yearFrom: "2010", yearTo: "2000" }, "query.yearTo");
    await refused({ not: "长".repeat(201) }, "query.not");
    await refused({ q: "长".repeat(100), phrase: "短".repeat(101) }, "query.phrase");
    await refused({ docNumber: "南府发\u0007[1985]3号" }, "query.docNumber", "control_characters");
    await refused({ docNumber: "南府发\u200b[1985]3号" }, "query.docNumber", "invisible_characters");
    const twice = await server.client().get(`/api/archive/search?not=${encodeURIComponent("学校")}&not=x`);
    expect(twice.status).toBe(400);
  });

  it("never shows the public an 内部 record through them, in items, totals or facets", async () => {
    const docTypes = (res: { body: { facets: { docType: { value: string }[] } } }) =>
      res.body.facets.docType.map((f) => f.value);
    const conditions: Record<string, string>[] = [
      { docNumber: "南府办[2006]40号" },
      { q: "核算", in: "title" },
      { phrase: "教育经费" },
      { q: "核算", not: "学校" },
      { q: "", not: "学校" },
      { dateFrom: "2006-03-07", dateTo: "2006-03-07" },
    ];
    for (const params of conditions) {
      const open = await publicSearch(params);
      expect(open.status).toBe(200);
      expect(titles(open), JSON.stringify(params)).not.toContain("关于教育经费内部核算的意见");
      expect(docTypes(open), JSON.stringify(params)).not.toContain("意见");
      const internal = await search(staff, params);
      expect(titles(internal), JSON.stringify(params)).toContain("关于教育经费内部核算的意见");
      expect(internal.body.total).toBe(open.body.total + 1);
    }
  });
});

describe("suggestions as a person types", () => {
  const suggest = (client: ApiClient, q: string) => client.get(`/api/archive/suggest?q=${encodeURIComponent(q)}`);
  const suggested = (res: { body: { items: { titleMarked: { text: string } }[] } }) =>
    res.body.items.map((i) => i.titleMarked.text).sort();

  it("offers the titles that match what is typed so far, its last character as the start of a word", async () => {
    const res = await suggest(server.client(), "义务教");
    expect(res.status).toBe(200);
    expect(suggested(res)).toEqual(["关于加强义务教育学校管理的通知"]);
    expect(res.body.items[0]).toMatchObject({ id: ids.school, docNumber: "南府发〔2006〕12号", validity: "有效" });
    expect(res.body.items[0].titleMarked.marks).toEqual([[4, 7]]);
    // Title words only: 适龄儿童 is in the school notice's text, not its title.
    expect(suggested(await suggest(server.client(), "适龄儿童"))).toEqual([]);
  });

  it("never offers an 内部 record to the public, by a word or by its 文号; staff get it", async () => {
    expect(suggested(await suggest(server.client(), "教育经费"))).toEqual([]);
    expect(suggested(await suggest(server.client(), "南府办[2006]40号"))).toEqual([]);
    expect(suggested(await suggest(staff, "教育经费"))).toEqual(["关于教育经费内部核算的意见"]);
    expect(suggested(await suggest(staff, "南府办(2006)40号"))).toEqual(["关于教育经费内部核算的意见"]);
  });

  it("refuses an empty or overlong query", async () => {
    expect((await suggest(server.client(), " ")).status).toBe(400);
    expect((await suggest(server.client(), "教".repeat(101))).status).toBe(400);
  });
});

describe("archive for staff", () => {
  it("shows 内部 records to staff with the archive", async () => {
    const res = await staff.get(`/api/archive/search?q=${encodeURIComponent("教育")}`);
    expect(titles(res)).toEqual(["关于加强义务教育学校管理的通知", "关于教育经费内部核算的意见"]);
    expect((await staff.get(`/api/archive/records/${ids.internal}`)).status).toBe(200);
  });

  it("lets only archivists edit; the change is audited and reaches the public search", async () => {
    expect((await staff.patch(`/api/archive/records/${ids.internal}`, { openness: "公开" })).status).toBe(403);
    expect((await server.client().patch(`/api/archive/records/${ids.internal}`, { openness: "公开" })).status).toBe(
      401,
    );
    const res = await archivist.patch(`/api/archive/records/${ids.internal}`, {
      openness: "公开",
      docNumber: "南府办[2006]41号",
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.docNumber).toBe("南府办〔2006〕41号");
    expect(res.body.abilities.manage).toBe(true);
    await server.drainSearch();
    const open = await server.client().get(`/api/archive/search?q=${encodeURIComponent("核算")}`);
    expect(titles(open)).toEqual(["关于教育经费内部核算的意见"]);
    const auditor = await server.signIn("auditor");
    const events = await auditor.get("/api/audit/events?action=archive.record.update");
    expect(events.body.items[0].changes).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: "openness", before: "内部", after: "公开" })]),
    );
    // Back to 内部: gone from the public search at once, even before the index catches up.
    await server.sequelize.transaction((t) =>
      ArchiveRecord.update({ openness: "内部" }, { where: { id: ids.internal }, transaction: t }),
    );
    const hidden = await server.client().get(`/api/archive/search?q=${encodeURIComponent("核算")}`);
    expect(hidden.body.items).toEqual([]);
  });

  it("links a newer version to the one it repeals and marks the older one", async () => {
    const res = await archivist.post(`/api/archive/records/${ids.school}/links`, { olderId: ids.tax, kind: "废止" });
    expect(res.status, res.text).toBe(200);
    expect(res.body.related).toEqual([expect.objectContaining({ id: ids.tax, kind: "废止", direction: "older" })]);
    const older = await server.client().get(`/api/archive/records/${ids.tax}`);
    expect(older.body.validity).toBe("已废止");
    expect(older.body.related).toEqual([expect.objectContaining({ id: ids.school, direction: "newer" })]);
    const self = await archivist.post(`/api/archive/records/${ids.school}/links`, {
      olderId: ids.school,
      kind: "修订",
    });
    expect(self.status).toBe(400);
  });
});

describe("rebuilding the index", () => {
  it("brings back every record from the database after the index was lost, and empties the outbox", async () => {
    const count = async () => (await staff.get("/api/archive/search")).body.total as number;
    const before = await count();
    expect(before).toBe(3);
    await server.search.clear(ARCHIVE_COLLECTION);
    expect(await count()).toBe(0);
    // A change waiting in the outbox is covered by the rebuild.
    await server.sequelize.transaction((t) => enqueueIndexing(ARCHIVE_COLLECTION, [ids.tax as number], "upsert", t));
    expect(await reindex(server.search, REINDEX_SOURCES[0] as ReindexSource)).toBe(3);
    expect(await count()).toBe(before);
    expect(await SearchOutbox.count()).toBe(0);
  });

  it("is started by a server that finds the index without the records the database holds", async () => {
    const count = async () => (await staff.get("/api/archive/search")).body.total as number;
    const before = await count();
    await server.search.clear(ARCHIVE_COLLECTION);
    expect(await count()).toBe(0);
    // Another instance starting on the same database and files sees the gap and queues the rebuild.
    const other = await spawnServerProcess({
      DATABASE_URL: server.db.url,
      DATA_DIR: dataDir,
      SEED_DEMO: "false",
      JOB_POLL_MS: "100",
      ...(process.env.ELASTICSEARCH_URL ? { ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL } : {}),
    });
    try {
      await expect.poll(count, { timeout: 30_000, interval: 100 }).toBe(before);
    } finally {
      await other.stop();
    }
  });
});

describe("import runs for archivists", () => {
  it("lists a run of npm run import with its counts, and its report names every file that failed", async () => {
    const folder = mkdtempSync(join(tmpdir(), "yong-import-run-"));
    writeFileSync(
      join(folder, "通知.txt"),
      "南宁市人民政府关于做好防汛工作的通知\n南府发[2006]15号\n各县、区人民政府：……\n",
    );
    writeFileSync(join(folder, "broken.pdf"), "%PDF-1.7\nnot a PDF\n");
    // Run without blocking this process: the test server in it keeps answering (and closing idle connections).
    const cli = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "archive-importer/cli.ts", folder, "--openness", "公开"],
      {
        env: { ...process.env, DATABASE_URL: server.db.url, DATA_DIR: folder, LOG_LEVEL: "silent", SEED_DEMO: "false" },
        encoding: "utf8",
        timeout: 120_000,
      },
    ).finally(() => rmSync(folder, { recursive: true, force: true }));
    expect(cli.stdout).toMatch(/created 1, updated 0, unchanged 0, failed 1/);

    expect((await staff.get("/api/archive/imports")).status).toBe(403);
    const list = await archivist.get("/api/archive/imports");
    expect(list.status).toBe(200);
    const run = list.body.items[0];
    expect(run).toMatchObject({ source: "cli", status: "done", total: 2, done: 2, created: 1, failed: 1 });
    expect(run.operator).toMatch(/^cli:/);
    const report = await archivist.get(`/api/archive/imports/${run.id}`);
    expect(report.body.problems).toEqual([
      expect.objectContaining({ file: "broken.pdf", failed: true, code: "corrupt" }),
    ]);
    expect((await archivist.get("/api/archive/imports/999999")).status).toBe(404);
    const auditor = await server.signIn("auditor");
    const events = await auditor.get("/api/audit/events?action=archive.import");
    expect(events.body.items[0]).toMatchObject({ actorName: run.operator, targetId: String(run.id) });
  });
});

describe("original files", () => {
  const PDF = join(import.meta.dirname, "../../../shared/corpus/pdf-samples/004-pdflatex-4-pages_pdflatex-4-pages.pdf");
  const INTERNAL_PDF = join(
    import.meta.dirname,
    "../../../shared/corpus/pdf-samples/011-google-doc-document_google-doc-document.pdf",
  );
  const LAW = join(import.meta.dirname, "../../../shared/corpus/laws/行政法/义务教育法(2018-12-29).md");
  const pdf = readFileSync(PDF);
  const sha256 = createHash("sha256").update(pdf).digest("hex");
  const files: Record<string, number> = {};
  const fileUrl = (key: string) => `${server.url}/api/archive/records/${files[key]}/file`;

  /** A record imported with its original put in the server's blob store, as the importer does. */
  async function seedWithFile(key: string, path: string, format: string, fileName: string, openness: "公开" | "内部") {
    const hash = createHash("sha256").update(readFileSync(path)).digest("hex");
    const original = await storeOriginal(server.blobs, path, { sha256: hash, format });
    const { record } = await server.sequelize.transaction((t) =>
      importRecord(
        fields({ title: `${key}的原件`, body: "原件测试" }),
        {
          sourceKey: `import:${fileName}`,
          contentHash: hash,
          fileName,
          fileFormat: format,
          pages: null,
          needsOcr: false,
          openness,
          original,
        },
        "import",
        t,
      ),
    );
    files[key] = record.id;
  }

  beforeAll(async () => {
    await seedWithFile("public", PDF, "pdf", "南宁市义务教育实施办法（2006年修订）.pdf", "公开");
    await seedWithFile("internal", INTERNAL_PDF, "pdf", "内部文件.pdf", "内部");
    await seedWithFile("markdown", LAW, "markdown", "义务教育法.md", "公开");
  });

  it("sends a 公开 record's PDF to anyone, whole, inline, with its type, name, ETag and nothing compressed", async () => {
    const detail = await server.client().get(`/api/archive/records/${files.public}`);
    expect(detail.body.original).toEqual({
      url: `/api/archive/records/${files.public}/file`,
      type: "application/pdf",
      size: pdf.length,
    });
    const res = await fetch(fileUrl("public"), { headers: { "accept-encoding": "br, gzip" } });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(pdf)).toBe(true);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-length")).toBe(String(pdf.length));
    expect(res.headers.get("content-encoding")).toBeNull();
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("etag")).toBe(`"${sha256}"`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const name = "南宁市义务教育实施办法（2006年修订）.pdf";
    // An ASCII stand-in for old clients, then the real name RFC 5987-encoded.
    expect(res.headers.get("content-disposition")).toBe(
      `inline; filename="${name.replace(/[^\x20-\x7e]/g, "?")}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    );
  });

  it("answers a byte range with 206, the last bytes too, and a range past the end with 416", async () => {
    const first = await fetch(fileUrl("public"), { headers: { range: "bytes=0-1023" } });
    expect(first.status).toBe(206);
    expect(first.headers.get("content-range")).toBe(`bytes 0-1023/${pdf.length}`);
    expect(first.headers.get("content-length")).toBe("1024");
    expect(Buffer.from(await first.arrayBuffer()).equals(pdf.subarray(0, 1024))).toBe(true);
    const tail = await fetch(fileUrl("public"), { headers: { range: "bytes=-100" } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(pdf.subarray(-100))).toBe(true);
    const beyond = await fetch(fileUrl("public"), { headers: { range: `bytes=${pdf.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${pdf.length}`);
    expect(((await beyond.json()) as { error: { code: string } }).error.code).toBe("range_not_satisfiable");
    // A range for another version of the file (If-Range) gets the whole current one.
    const stale = await fetch(fileUrl("public"), { headers: { range: "bytes=0-9", "if-range": '"0000"' } });
    expect(stale.status).toBe(200);
    expect((await stale.arrayBuffer()).byteLength).toBe(pdf.length);
  });

  it("answers 304 to a client whose copy is current, and HEAD with the headers only", async () => {
    const cached = await fetch(fileUrl("public"), { headers: { "if-none-match": `"${sha256}"` } });
    expect(cached.status).toBe(304);
    expect(cached.headers.get("etag")).toBe(`"${sha256}"`);
    expect(await cached.text()).toBe("");
    const other = await fetch(fileUrl("public"), { headers: { "if-none-match": '"another"' } });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
    const head = await fetch(fileUrl("public"), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(pdf.length));
  });

  it("keeps an 内部 record's file from the public (404) and gives it to staff", async () => {
    const anonymous = await fetch(fileUrl("internal"));
    expect(anonymous.status).toBe(404);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe("not_found");
    const res = await staff.get(`/api/archive/records/${files.internal}/file`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(readFileSync(INTERNAL_PDF).length));
    expect(res.headers.get("content-disposition")).toMatch(/^inline; /);
  });

  it("answers 404 for a record without a stored original, and sends other originals as downloads", async () => {
    const none = await server.client().get(`/api/archive/records/${ids.tax}/file`);
    expect(none.status).toBe(404);
    expect((await server.client().get(`/api/archive/records/${ids.tax}`)).body.original).toBeNull();
    const md = await fetch(fileUrl("markdown"));
    expect(md.status).toBe(200);
    expect(md.headers.get("content-type")).toBe("text/markdown");
    expect(md.headers.get("content-disposition")).toMatch(/^attachment; /);
    expect(md.headers.get("content-security-policy")).toContain("sandbox");
    expect(Buffer.from(await md.arrayBuffer()).equals(readFileSync(LAW))).toBe(true);
    expect((await fetch(`${server.url}/api/archive/records/999999/file`)).status).toBe(404);
  });
});
