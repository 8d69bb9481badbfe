// The OPDS 1.2 catalogue (server/library/routes/opds) as a reader app sees it, on SQLite and on MariaDB
// (DATABASE_URL=mysql://…): every feed reached from the root is valid Atom (xmllint against the Atom
// RELAX NG grammar in tests/fixtures/atom.rng, plus the rules a grammar cannot say), every link in it
// answers with the patron's HTTP Basic credentials, and sign-in keeps the web's lockout.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LibraryLoan } from "../../server/library/models/index.js";
import { catalogueTransaction, createTitle, TitleFieldsSchema } from "../../server/library/services/titles.js";
import { User } from "../../server/org/models/index.js";
import { UsageEvent } from "../../server/stats/models/index.js";
import type { ApiClient } from "../helpers/apiClient.js";
import { startTestServer, STRONG_PASSWORD, type TestServer } from "../helpers/testServer.js";

const BOOKS = join(import.meta.dirname, "../../../shared/corpus/books");
const ATOM_RNG = join(import.meta.dirname, "../fixtures/atom.rng");
const ROOT = "/api/library/opds";

let server: TestServer;
let dataDir: string;
let work: string;
const ids: Record<string, number> = {};

/** A public patron registered through the API, as a reader app's user would be. */
async function registerPatron(login: string): Promise<void> {
  const res = await server.client().post("/api/library/patrons", {
    login,
    displayName: "读者",
    password: STRONG_PASSWORD,
  });
  if (res.status !== 201) throw new Error(`register ${login}: ${res.status} ${res.text}`);
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;

/** A GET as a reader app makes it: Basic credentials, no cookies, redirects not followed. */
function opds(path: string, auth: string | null, headers: Record<string, string> = {}) {
  return fetch(new URL(path, server.url), {
    headers: { ...(auth ? { authorization: auth } : {}), ...headers },
    redirect: "manual",
  });
}

async function addBook(
  key: string,
  props: {
    title: string;
    authors: string[];
    classCode: string;
    licenceModel: "copies" | "pool" | "open";
    file: string;
    isbn?: string;
  },
) {
  const { sha256, size } = await server.blobs.put(join(BOOKS, props.file));
  const fields = TitleFieldsSchema.parse({
    title: props.title,
    authors: props.authors,
    publisher: "中華書局",
    year: 1959,
    language: "zh-Hant",
    subjects: ["中國歷史"],
    summary: `${props.title}，據宋刻本影印。`,
    classCode: props.classCode,
    licenceModel: props.licenceModel,
    copies: 1,
    isbn: props.isbn ?? null,
  });
  const { title } = await catalogueTransaction((t) =>
    createTitle(
      {
        fields,
        files: [
          { sha256, size, mediaType: "application/pdf", pageCount: null, fileName: props.file, text: props.title },
        ],
        // The cover: a page image would do; a PDF's own bytes are no image, so this one gets none (tested below).
        coverSha256: null,
      },
      t,
    ),
  );
  ids[key] = title.id;
}

/** Validates a document against the Atom grammar with xmllint; answers its errors (empty when valid). */
function atomErrors(xml: string, name: string): string {
  const file = join(work, `${name.replace(/[^a-z0-9]+/gi, "_")}.xml`);
  writeFileSync(file, xml);
  try {
    execFileSync("xmllint", ["--noout", "--nonet", "--relaxng", ATOM_RNG, file], { stdio: "pipe" });
    return "";
  } catch (err) {
    return String((err as { stderr?: Buffer }).stderr ?? err);
  }
}

const unescape = (v: string) =>
  v
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&#13;/g, "\r")
    .replace(/&amp;/g, "&");

/** The attributes of every element named `name` in a document that xmllint found well formed. */
function elements(xml: string, name: string): Record<string, string>[] {
  return [...xml.matchAll(new RegExp(`<${name}\\b([^>]*?)/?>`, "g"))].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/([\w:.-]+)="([^"]*)"/g)].map((a) => [a[1]!, unescape(a[2]!)])),
  );
}

/** The entries of a feed, each as its own text. */
const entriesOf = (xml: string) => [...xml.matchAll(/<entry>[\s\S]*?<\/entry>/g)].map((m) => m[0]);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "yong-opds-"));
  work = mkdtempSync(join(tmpdir(), "yong-opds-xml-"));
  server = await startTestServer({ DATA_DIR: dataDir });
  await registerPatron("reader@example.cn");
  await registerPatron("locked@example.cn");
  await registerPatron("second@example.cn");
  await addBook("shiji", {
    title: "史記 卷一",
    authors: ["司馬遷", "裴駰"],
    classCode: "K204.2",
    licenceModel: "copies",
    file: "001《史記》卷一.pdf",
    isbn: "9787101003048",
  });
  await addBook("tongjian", {
    title: "資治通鑑 卷一",
    authors: ["司馬光"],
    classCode: "K204.3",
    licenceModel: "pool",
    file: "001《資治通鑑》卷一.pdf",
  });
  await addBook("honglou", {
    title: "紅樓夢評論",
    authors: ["王國維"],
    classCode: "I207.411",
    licenceModel: "open",
    file: "《紅樓夢評論》王國維.pdf",
  });
  await addBook("shijing", {
    title: "詩經集傳 卷一",
    authors: ["朱熹"],
    classCode: "I222.2",
    licenceModel: "copies",
    file: "《詩經集傳》卷一.pdf",
  });
  await server.drainSearch();
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe("signing in", () => {
  it("asks anonymous callers for Basic credentials (401 with a challenge), and /opds leads to the catalogue", async () => {
    const res = await opds(ROOT, null);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic realm="[^"]+"/);
    const short = await opds("/opds", null);
    expect(short.status).toBe(308);
    expect(short.headers.get("location")).toBe(ROOT);
  });

  it("refuses a wrong password with 401, and locks the account after the policy's limit, as the web does", async () => {
    const login = "locked@example.cn";
    const threshold = 5; // the default security policy's lockoutThreshold (org/services/settings.ts)
    for (let i = 0; i < threshold; i++) {
      const res = await opds(ROOT, basic(login, `Wrong#Password${i}`));
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Basic /);
    }
    // Locked now: the right password is refused too, here and on the web's sign-in.
    expect((await opds(ROOT, basic(login, STRONG_PASSWORD))).status).toBe(401);
    const web = await server.client().post("/api/auth/login", { username: login, password: STRONG_PASSWORD });
    expect(web.status).toBe(401);
    const user = await User.findOne({ where: { username: login } });
    expect(user?.lockedUntil?.getTime()).toBeGreaterThan(Date.now());
    await server.flushAudit();
    const [events] = await server.sequelize.query(
      "SELECT action, detail FROM audit_events WHERE action IN ('library.opds_auth', 'auth.lockout') AND targetId = ?",
      { replacements: [String(user!.id)] },
    );
    const actions = (events as { action: string; detail: string }[]).map((e) => e.action);
    expect(actions.filter((a) => a === "library.opds_auth").length).toBeGreaterThanOrEqual(threshold);
    expect(actions).toContain("auth.lockout");
  });

  it("refuses an account that must change its password, or may not use the library, with 403", async () => {
    const auditor = server.account("auditor");
    // The auditor's printed password must be changed first.
    expect((await opds(ROOT, basic("auditor", auditor.password))).status).toBe(403);
    // Changed (signIn does it), the auditor still holds no library.use.
    await server.signIn("auditor");
    expect((await opds(ROOT, basic("auditor", STRONG_PASSWORD))).status).toBe(403);
  });
});

describe("the catalogue", () => {
  const auth = () => basic("reader@example.cn", STRONG_PASSWORD);

  it("is valid Atom everywhere, each link answering with the patron's credentials", async () => {
    const seen = new Set<string>();
    const queue = [ROOT];
    const checked = new Set<string>();
    const linkTypes = new Set<string>();
    while (queue.length && seen.size < 80) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await opds(path, auth());
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toMatch(
        /^application\/atom\+xml;\s*profile=opds-catalog;\s*kind=(navigation|acquisition)/,
      );
      const xml = await res.text();
      expect(atomErrors(xml, path), path).toBe("");
      // What the grammar cannot say (RFC 4287 4.1.1): an entry without content has an alternate link.
      for (const entry of entriesOf(xml))
        expect(/<content\b/.test(entry) || /rel="alternate"/.test(entry), `${path}: ${entry.slice(0, 80)}`).toBe(true);
      for (const link of elements(xml, "link")) {
        const href = link.href!;
        const type = link.type ?? "";
        linkTypes.add(link.rel ?? "");
        if (type.startsWith("application/atom+xml")) {
          if (!seen.has(href)) queue.push(href);
          continue;
        }
        if (link.rel === "alternate" || checked.has(href)) continue; // the SPA's page, not served in this test
        checked.add(href);
        const target = await opds(href, auth(), { range: "bytes=0-1023" });
        if (link.rel === "http://opds-spec.org/acquisition/borrow") {
          // Borrowed, then on to the file, which the same credentials open.
          expect(target.status, href).toBe(303);
          const file = await opds(target.headers.get("location")!, auth(), { range: "bytes=0-1023" });
          expect(file.status, href).toBe(206);
          expect(file.headers.get("content-type")).toBe("application/pdf");
          continue;
        }
        expect([200, 206], `${link.rel} ${href}`).toContain(target.status);
        if (link.rel === "search") {
          const description = await target.text();
          expect(description).toMatch(/<OpenSearchDescription xmlns="http:\/\/a9.com\/-\/spec\/opensearch\/1.1\/">/);
          const template = elements(description, "Url")[0]!.template!;
          expect(template).toContain("{searchTerms}");
          queue.push(
            new URL(template.replace("{searchTerms}", encodeURIComponent("史記"))).pathname +
              "?q=" +
              encodeURIComponent("史記"),
          );
        }
      }
    }
    // The crawl reached classes, lists, a search, and every kind of link OPDS needs.
    expect([...seen].some((p) => p.startsWith(`${ROOT}/classes/K`))).toBe(true);
    expect([...seen].some((p) => p.startsWith(`${ROOT}/search?q=`))).toBe(true);
    for (const rel of [
      "start",
      "search",
      "http://opds-spec.org/acquisition/open-access",
      "http://opds-spec.org/acquisition/borrow",
      "http://opds-spec.org/acquisition",
    ])
      expect(linkTypes, rel).toContain(rel);
    // Borrowing through a link made loans (through lending.ts, with its rules).
    const reader = await User.findOne({ where: { username: "reader@example.cn" } });
    expect(await LibraryLoan.count({ where: { userId: reader!.id, state: "active" } })).toBeGreaterThan(0);
  });

  it("has a grammar that refuses what is not Atom (no id, a date that is no date, a link without href)", async () => {
    const xml = await (await opds(ROOT, auth())).text();
    expect(atomErrors(xml, "root")).toBe("");
    expect(atomErrors(xml.replace(/<id>[^<]*<\/id>/, ""), "no-id")).not.toBe("");
    expect(atomErrors(xml.replace(/<updated>[^<]*<\/updated>/, "<updated>yesterday</updated>"), "bad-date")).not.toBe(
      "",
    );
    expect(atomErrors(xml.replace(/<link rel="self" href="[^"]*"/, '<link rel="self"'), "no-href")).not.toBe("");
  });

  it("walks the 中图法 tree: top classes → K's second-level classes → K2's titles, paged", async () => {
    const top = await (await opds(`${ROOT}/classes`, auth())).text();
    const k = elements(top, "link").find((l) => l.href === `${ROOT}/classes/K`);
    expect(k?.type).toMatch(/kind=navigation/);
    expect(k?.["thr:count"]).toBe("2");
    const second = await (await opds(`${ROOT}/classes/K`, auth())).text();
    const k2 = elements(second, "link").find((l) => l.href === `${ROOT}/classes/K2/titles`);
    expect(k2?.type).toMatch(/kind=acquisition/);
    const titles = await (await opds(`${ROOT}/classes/K2/titles`, auth())).text();
    const names = entriesOf(titles).map((e) => /<title>([^<]*)<\/title>/.exec(e)?.[1]);
    expect(names.sort()).toEqual(["史記 卷一", "資治通鑑 卷一"]);
    expect(titles).toContain("<opensearch:totalResults>2</opensearch:totalResults>");
    // One page of 20: no next page; a page past the end links back.
    expect(elements(titles, "link").some((l) => l.rel === "next")).toBe(false);
    const beyond = await (await opds(`${ROOT}/classes/K2/titles?page=2`, auth())).text();
    expect(elements(beyond, "link").find((l) => l.rel === "previous")?.href).toBe(`${ROOT}/classes/K2/titles`);
  });

  it("describes a title with its ISBN, authors, language, date, class and summary", async () => {
    const xml = await (await opds(`${ROOT}/classes/K2/titles`, auth())).text();
    const entry = entriesOf(xml).find((e) => e.includes("史記 卷一"))!;
    expect(entry).toContain("<dc:identifier>urn:isbn:9787101003048</dc:identifier>");
    expect(entry).toContain("<author><name>司馬遷</name></author><author><name>裴駰</name></author>");
    expect(entry).toContain("<dc:language>zh-Hant</dc:language>");
    expect(entry).toContain("<dc:issued>1959</dc:issued>");
    expect(elements(entry, "category").find((c) => c.term === "K204.2")?.label).toMatch(/^K .+ › K2 /);
    expect(entry).toContain('<summary type="text">史記 卷一，據宋刻本影印。</summary>');
  });

  it("answers a search from the OpenSearch template with an acquisition feed, and counts it", async () => {
    const res = await opds(`${ROOT}/search?q=${encodeURIComponent("紅樓夢")}`, auth());
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(atomErrors(xml, "search")).toBe("");
    const entries = entriesOf(xml);
    expect(entries).toHaveLength(1);
    const open = elements(entries[0]!, "link").find((l) => l.rel === "http://opds-spec.org/acquisition/open-access");
    expect(open?.href).toMatch(/^\/api\/library\/titles\/\d+\/files\/\d+\/content\?download=1$/);
    const reader = await User.findOne({ where: { username: "reader@example.cn" } });
    expect(await UsageEvent.count({ where: { kind: "library.search", userId: reader!.id, subject: "紅樓夢" } })).toBe(
      1,
    );
    expect(await UsageEvent.count({ where: { kind: "library.opds", userId: reader!.id } })).toBeGreaterThan(5);
  });

  it("lists the patron's loans with a plain acquisition link, and refuses a borrow link to a session cookie", async () => {
    const loans = await (await opds(`${ROOT}/loans`, auth())).text();
    const links = entriesOf(loans).flatMap((e) => elements(e, "link"));
    const acquire = links.filter((l) => l.rel === "http://opds-spec.org/acquisition");
    expect(acquire.length).toBeGreaterThan(0);
    for (const l of acquire) expect((await opds(l.href!, auth(), { range: "bytes=0-99" })).status).toBe(206);
    // Without credentials the borrowed file is refused (it is not open access).
    expect((await opds(acquire[0]!.href!, null)).status).toBe(403);
    // A web session cannot borrow by GET (a page elsewhere could make the browser send it).
    const web: ApiClient = server.client();
    expect(
      (await web.post("/api/auth/login", { username: "second@example.cn", password: STRONG_PASSWORD })).status,
    ).toBe(200);
    const borrowLink = `${ROOT}/titles/${ids.shijing}/borrow?file=1`;
    expect((await web.get(borrowLink)).status).toBe(401);
  });
});
