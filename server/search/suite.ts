/**
 * The search tests every backend passes (types.ts: "Both pass the same test
 * suite"). A backend's test file calls describeSearchBackend with a function
 * that opens a fresh backend; the suite indexes ~200 laws of the corpus plus a
 * few small documents of its own and checks every answer against a plain scan
 * of the same texts, so that no expected result is written by hand.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalise, parseQuery } from "./analysis.js";
import type { SearchBackend, SearchDocument, SearchHit, SearchQuery, SearchResult } from "./types.js";

/** The corpus sits beside the repository (../shared), in CI as on a developer's machine. */
export const LAWS_DIR = fileURLToPath(new URL("../../../shared/corpus/laws", import.meta.url));
const COLLECTION = "suite";
const OTHER_COLLECTION = "suite-other";

function walk(dir: string): string[] {
  const result: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) result.push(...walk(path));
    else if (entry.name.endsWith(".md") && entry.name !== "_index.md") result.push(path);
  }
  return result;
}

const ISSUERS = ["最高人民法院", "最高人民检察院", "国务院", "全国人民代表大会常务委员会", "全国人民代表大会"];
const DOC_NUMBER = /[\u4e00-\u9fa5]{1,8}[〔[(（]\d{4}[〕\])）]\d+号/;

/** A law file as a search document: title from its first heading, date from `标题(YYYY-MM-DD).md`. */
export function lawDocument(path: string, index: number, collection = COLLECTION): SearchDocument {
  const text = readFileSync(path, "utf8");
  const name = path.slice(path.lastIndexOf(sep) + 1);
  const heading = /^#\s+(.+)$/m.exec(text);
  const date = /\((\d{4}-\d{2}-\d{2})\)\.md$/.exec(name);
  const head = text.slice(0, 400);
  const issuers = ISSUERS.filter((issuer) => head.includes(issuer)).slice(0, 2);
  const docNumber = DOC_NUMBER.exec(text);
  return {
    id: `law-${index}`,
    collection,
    title: heading ? heading[1]!.trim() : name.replace(/(\(\d{4}-\d{2}-\d{2}\))?\.md$/, ""),
    body: text,
    date: date ? date[1]! : null,
    keywords: {
      category: relative(LAWS_DIR, path).split(sep)[0]!,
      openness: index % 2 === 0 ? "公开" : "内部",
      issuer: issuers.length === 0 ? "其他" : issuers.length === 1 ? issuers[0]! : issuers,
      docNumber: docNumber ? docNumber[0] : null,
    },
  };
}

/** Every `step`-th law file in path order: a sample across all the folders. */
export function lawSample(step = 8, collection = COLLECTION): SearchDocument[] {
  return walk(LAWS_DIR)
    .sort()
    .filter((_, i) => i % step === 0)
    .map((path, i) => lawDocument(path, i, collection));
}

/** Small documents for what the laws do not show: mixed scripts and widths, Traditional text. */
function syntheticDocuments(): SearchDocument[] {
  const base = { collection: COLLECTION, keywords: { category: "测试", openness: "公开", issuer: "南宁市人民政府" } };
  return [
    {
      ...base,
      id: "syn-gb",
      title: "关于执行GB/T 9704-2012党政机关公文格式的通知",
      body: "各单位：公文格式按照GB/T 9704-2012执行，本通知自2006年起施行。",
      date: "2012-06-29",
    },
    {
      ...base,
      id: "syn-fullwidth",
      title: "全角文号示例",
      body: "本办法依据ＧＢ／Ｔ　９７０４制定，于２００６年３月１日印发，ＡＢＣ单位负责解释。",
      date: "2006-03-01",
    },
    {
      ...base,
      id: "syn-traditional",
      title: "國務院關於資治通鑑整理工作的條例",
      body: "為了做好資治通鑑的整理與出版，國務院辦公廳制定本條例。",
      date: "1985-03-07",
      keywords: { ...base.keywords, issuer: "国务院" },
    },
    {
      ...base,
      id: "syn-wrapped",
      title: "版面折行的通知",
      // A PDF's text layer: lines broken inside words, and an indented new paragraph.
      body: "各县区人民\n政府，市直各\r\n单位：现将有关事项通知如下。\n  税务登记\n工作另行部署。",
      date: "2007-08-01",
    },
    {
      ...base,
      id: "syn-kangxi",
      title: "康熙部首文本",
      body: "⼈民政府⽂件的⽂字层使用康熙部首码位。",
      date: null,
    },
  ];
}

function keywordValues(document: SearchDocument, field: string): string[] {
  const value = document.keywords[field];
  if (value === null || value === undefined) return [];
  return typeof value === "string" ? [value] : [...value];
}

function yearOf(document: SearchDocument): number | null {
  return document.date ? Number(document.date.slice(0, 4)) : null;
}

/** Where the terms are looked for: the title and the body, or the title only (SearchQuery.fields). */
type Where = "all" | "title";

/** The terms of a query, each as a regex over normalised text: what the index should match. */
function termPatterns(query: string): RegExp[] {
  return parseQuery(query).map((term) => {
    const pattern = term.segments
      .map((part) => {
        const escaped = part.text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        return part.cjk ? escaped : `(?<![a-z0-9])${escaped}(?![a-z0-9])`;
      })
      .join("[^\\p{L}\\p{N}]*");
    return new RegExp(pattern, "u");
  });
}

/**
 * The normalised text, with a line break inside a run of Han characters
 * removed (a PDF's line wrap: 人民 at the end of a line, 政府 at the start of
 * the next, is 人民政府); a blank line keeps the title apart from the body.
 */
function searchedText(document: SearchDocument, where: Where): string {
  return normalise(where === "title" ? document.title : `${document.title}\n\n${document.body}`).replace(
    /(\p{Script=Han})[ \t]*\r?\n(?=\p{Script=Han})/gu,
    "$1",
  );
}

/** Does the document contain every term of the query as the index should see it? Checked by a regex scan. */
export function contains(document: SearchDocument, query: string, where: Where = "all"): boolean {
  const text = searchedText(document, where);
  return termPatterns(query).every((pattern) => pattern.test(text));
}

/** Does the document contain any term of the query (an exclusion's test)? */
export function containsAny(document: SearchDocument, query: string, where: Where = "all"): boolean {
  const text = searchedText(document, where);
  return termPatterns(query).some((pattern) => pattern.test(text));
}

async function allHits(backend: SearchBackend, query: SearchQuery): Promise<{ hits: SearchHit[]; totals: number[] }> {
  const hits: SearchHit[] = [];
  const totals: number[] = [];
  for (let page = 1; page <= 100; page += 1) {
    const result = await backend.search({ ...query, page, pageSize: 50 });
    totals.push(result.total);
    hits.push(...result.hits);
    if (result.hits.length < 50) break;
  }
  return { hits, totals };
}

function sorted(ids: Iterable<string>): string[] {
  return [...ids].sort();
}

function countBy(documents: SearchDocument[], field: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const document of documents) {
    const values =
      field === "year" ? [yearOf(document)].filter((y) => y !== null).map(String) : keywordValues(document, field);
    for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  }
  return counts;
}

function facetMap(result: SearchResult, field: string): Record<string, number> {
  return Object.fromEntries((result.facets[field] ?? []).map(({ value, count }) => [value, count]));
}

export function describeSearchBackend(name: string, open: () => Promise<SearchBackend>): void {
  describe(`search backend: ${name}`, () => {
    let backend: SearchBackend;
    const documents = [...lawSample(), ...syntheticDocuments()];
    const byId = new Map(documents.map((document) => [document.id, document]));
    const expectedIds = (query: string, keep: (document: SearchDocument) => boolean = () => true) =>
      sorted(documents.filter((document) => keep(document) && contains(document, query)).map((d) => d.id));
    /** The ids a query should find, by a plain scan of the documents: the reference both backends are held to. */
    const expectedFor = (query: Omit<SearchQuery, "collection">) => {
      const where = query.fields ?? "all";
      return sorted(
        documents
          .filter((document) => {
            if (!contains(document, query.text, where)) return false;
            if (query.exclude && containsAny(document, query.exclude, where)) return false;
            for (const [field, values] of Object.entries(query.filters ?? {})) {
              if (!keywordValues(document, field).some((value) => values.includes(value))) return false;
            }
            const year = yearOf(document);
            if (query.yearFrom !== undefined && (year === null || year < query.yearFrom)) return false;
            if (query.yearTo !== undefined && (year === null || year > query.yearTo)) return false;
            if (query.dateFrom && (!document.date || document.date < query.dateFrom)) return false;
            if (query.dateTo && (!document.date || document.date > query.dateTo)) return false;
            return true;
          })
          .map((document) => document.id),
      );
    };
    const search = (query: Omit<SearchQuery, "collection">) => backend.search({ collection: COLLECTION, ...query });
    const searchAll = (query: Omit<SearchQuery, "collection">) =>
      allHits(backend, { collection: COLLECTION, ...query });

    beforeAll(async () => {
      backend = await open();
      await backend.clear(COLLECTION);
      await backend.clear(OTHER_COLLECTION);
      await backend.upsert(documents);
    }, 300_000);

    afterAll(async () => {
      await backend?.close();
    });

    it("indexes a sample that has what the tests need", () => {
      expect(documents.length).toBeGreaterThan(180);
      for (const word of ["教育", "税务", "土地"]) expect(expectedIds(word).length).toBeGreaterThan(3);
    });

    it.each(["教育", "税务", "土地"])(
      "finds exactly the documents that contain the two-character word %s",
      async (word) => {
        const { hits, totals } = await searchAll({ text: word });
        expect(sorted(hits.map((hit) => hit.id))).toEqual(expectedIds(word));
        expect(totals[0]).toBe(expectedIds(word).length);
      },
    );

    it("matches a longer word as a phrase, never as its bigrams scattered over a document", async () => {
      const phrase = "中华人民共和国";
      const { hits } = await searchAll({ text: phrase });
      expect(sorted(hits.map((hit) => hit.id))).toEqual(expectedIds(phrase));
      // Three characters whose two bigrams are both in one document, but never next to each other in any.
      const scattered = findScatteredTrigram(documents);
      expect(scattered).not.toBeNull();
      const { hits: scatteredHits } = await searchAll({ text: scattered!.trigram });
      expect(scatteredHits.map((hit) => hit.id)).not.toContain(scattered!.id);
      expect(scatteredHits).toEqual([]);
    });

    it("finds a phrase across a line wrap of a PDF's text, and marks it there", async () => {
      for (const phrase of ["人民政府", "市直各单位", "登记工作"]) {
        const { hits } = await searchAll({ text: phrase });
        expect(
          hits.map((hit) => hit.id),
          phrase,
        ).toContain("syn-wrapped");
        expect(sorted(hits.map((hit) => hit.id)), phrase).toEqual(expectedIds(phrase));
      }
      const { hits } = await searchAll({ text: "人民政府" });
      const wrapped = hits.find((hit) => hit.id === "syn-wrapped")!;
      const [mark] = wrapped.snippet.marks;
      expect(wrapped.snippet.text.slice(mark![0], mark![1])).toBe("人民\n政府");
      // An indented line starts a paragraph: 如下 and 税务 are not one run.
      const apart = await searchAll({ text: "如下税务" });
      expect(apart.hits.map((hit) => hit.id)).not.toContain("syn-wrapped");
    });

    it("finds a single CJK character wherever it stands in a run", async () => {
      const { hits } = await searchAll({ text: "鉴" });
      expect(sorted(hits.map((hit) => hit.id))).toEqual(expectedIds("鉴"));
      expect(hits.map((hit) => hit.id)).toContain("syn-traditional");
    });

    it("finds Simplified text with a Traditional query and the reverse", async () => {
      const traditional = await searchAll({ text: "國務院" });
      const simplified = await searchAll({ text: "国务院" });
      expect(sorted(traditional.hits.map((hit) => hit.id))).toEqual(expectedIds("国务院"));
      expect(sorted(simplified.hits.map((hit) => hit.id))).toEqual(expectedIds("国务院"));
      expect(simplified.hits.map((hit) => hit.id)).toContain("syn-traditional");
      const classic = await searchAll({ text: "资治通鉴" });
      expect(classic.hits.map((hit) => hit.id)).toEqual(["syn-traditional"]);
    });

    it("folds full-width and half-width forms and Kangxi radicals", async () => {
      const fullQuery = await searchAll({ text: '"ＧＢ／Ｔ　９７０４"' });
      expect(sorted(fullQuery.hits.map((hit) => hit.id))).toEqual(["syn-fullwidth", "syn-gb"]);
      const digits = await searchAll({ text: "２００６" });
      expect(sorted(digits.hits.map((hit) => hit.id))).toEqual(expectedIds("2006"));
      expect(digits.hits.map((hit) => hit.id)).toEqual(expect.arrayContaining(["syn-gb", "syn-fullwidth"]));
      const latin = await searchAll({ text: "abc单位" });
      expect(latin.hits.map((hit) => hit.id)).toEqual(["syn-fullwidth"]);
      const kangxi = await searchAll({ text: "人民政府文件" });
      expect(kangxi.hits.map((hit) => hit.id)).toContain("syn-kangxi");
    });

    it("matches mixed Chinese, Latin and digits: 2006年 and GB/T 9704", async () => {
      const year = await searchAll({ text: "2006年" });
      expect(sorted(year.hits.map((hit) => hit.id))).toEqual(expectedIds("2006年"));
      expect(year.hits.map((hit) => hit.id)).toEqual(expect.arrayContaining(["syn-gb", "syn-fullwidth"]));
      const standard = await searchAll({ text: "GB/T 9704" });
      expect(sorted(standard.hits.map((hit) => hit.id))).toEqual(expectedIds("GB/T 9704"));
      expect(sorted(standard.hits.map((hit) => hit.id))).toEqual(["syn-fullwidth", "syn-gb"]);
      const glued = await searchAll({ text: "9704-2012" });
      expect(glued.hits.map((hit) => hit.id)).toEqual(["syn-gb"]);
    });

    it("requires every space-separated word", async () => {
      const { hits } = await searchAll({ text: "土地　税务" });
      expect(sorted(hits.map((hit) => hit.id))).toEqual(expectedIds("土地 税务"));
    });

    it("ranks title matches first", async () => {
      for (const word of ["土地", "管理", "安全"]) {
        const { hits } = await searchAll({ text: word, sort: "relevance" });
        const inTitle = hits.map((hit) => normalise(byId.get(hit.id)!.title).includes(word));
        expect(inTitle.some(Boolean)).toBe(true);
        expect(inTitle.some((x) => !x)).toBe(true);
        expect(inTitle.indexOf(false)).toBe(inTitle.filter(Boolean).length);
      }
    });

    it("filters by keyword and by year range", async () => {
      const category = await searchAll({ text: "土地", filters: { category: ["行政法规"] } });
      expect(sorted(category.hits.map((hit) => hit.id))).toEqual(
        expectedIds("土地", (d) => d.keywords.category === "行政法规"),
      );
      const open = await searchAll({
        text: "教育",
        filters: { openness: ["公开"], category: ["行政法规", "司法解释"] },
      });
      expect(sorted(open.hits.map((hit) => hit.id))).toEqual(
        expectedIds(
          "教育",
          (d) => d.keywords.openness === "公开" && ["行政法规", "司法解释"].includes(String(d.keywords.category)),
        ),
      );
      const issuer = await searchAll({ text: "", filters: { issuer: ["最高人民检察院"] } });
      expect(sorted(issuer.hits.map((hit) => hit.id))).toEqual(
        expectedIds("", (d) => keywordValues(d, "issuer").includes("最高人民检察院")),
      );
      const years = await searchAll({ text: "规定", yearFrom: 2000, yearTo: 2010 });
      expect(sorted(years.hits.map((hit) => hit.id))).toEqual(
        expectedIds("规定", (d) => yearOf(d) !== null && yearOf(d)! >= 2000 && yearOf(d)! <= 2010),
      );
    });

    it("counts facets over the matches", async () => {
      const result = await search({ text: "规定", facets: ["category", "openness", "issuer", "year"], pageSize: 5 });
      const matched = documents.filter((document) => contains(document, "规定"));
      expect(result.total).toBe(matched.length);
      expect(result.totalExact).toBe(true);
      for (const field of ["category", "openness", "issuer", "year"]) {
        expect(facetMap(result, field)).toEqual(countBy(matched, field));
      }
      const filtered = await search({
        text: "规定",
        filters: { openness: ["内部"] },
        facets: ["openness", "category"],
      });
      const internal = matched.filter((document) => document.keywords.openness === "内部");
      expect(facetMap(filtered, "openness")).toEqual({ 内部: internal.length });
      expect(facetMap(filtered, "category")).toEqual(countBy(internal, "category"));
    });

    it("leaves out the documents with any excluded word, in the title or the body (不包含)", async () => {
      for (const query of [
        { text: "教育", exclude: "高等" },
        { text: "管理", exclude: "土地　税务" },
        { text: "法院", exclude: '"人民检察院"' },
        // Traditional leaves out Simplified; one character leaves out every word it starts.
        { text: "规定", exclude: "國務院" },
        { text: "规定", exclude: "鉴" },
        { text: "人民", exclude: "法院", filters: { openness: ["公开"] }, yearFrom: 1990 },
      ]) {
        const expected = expectedFor(query);
        expect(expected.length, query.exclude).toBeGreaterThan(0);
        expect(expected.length, query.exclude).toBeLessThan(expectedFor({ ...query, exclude: undefined }).length);
        const { hits, totals } = await searchAll(query);
        expect(sorted(hits.map((hit) => hit.id)), query.exclude).toEqual(expected);
        expect(totals[0], query.exclude).toBe(expected.length);
      }
      // The exclusion counts where the query does: 鉴 is in a title only here, and leaves that document out.
      expect((await searchAll({ text: "国务院", exclude: "鉴" })).hits.map((hit) => hit.id)).not.toContain(
        "syn-traditional",
      );
    });

    it("counts totals and facets without the excluded documents, title matches still first", async () => {
      const query = { text: "管理", exclude: "土地" };
      const matched = documents.filter((d) => contains(d, "管理") && !containsAny(d, "土地"));
      const result = await search({ ...query, facets: ["category", "issuer", "year"], pageSize: 5 });
      expect(result.total).toBe(matched.length);
      expect(result.totalExact).toBe(true);
      for (const field of ["category", "issuer", "year"])
        expect(facetMap(result, field)).toEqual(countBy(matched, field));
      const { hits } = await searchAll({ ...query, sort: "relevance" });
      const inTitle = hits.map((hit) => normalise(byId.get(hit.id)!.title).includes("管理"));
      expect(inTitle.some(Boolean)).toBe(true);
      expect(inTitle.indexOf(false)).toBe(inTitle.filter(Boolean).length);
      const newest = await searchAll({ ...query, sort: "newest" });
      expect(sorted(newest.hits.map((hit) => hit.id))).toEqual(expectedFor(query));
      const dates = newest.hits.map((hit) => byId.get(hit.id)!.date ?? "");
      expect(dates.filter(Boolean)).toEqual(dates.filter(Boolean).sort().reverse());
    });

    it("excludes from every document, or from a filtered list, when there is no text", async () => {
      for (const query of [
        { text: "", exclude: "人民" },
        { text: "", exclude: "人民", yearFrom: 1990 },
        { text: "", exclude: "土地", filters: { category: ["行政法规"] } },
        { text: "", exclude: "人民", fields: "title" as const },
      ]) {
        const expected = expectedFor(query);
        expect(expected.length).toBeGreaterThan(0);
        const { hits, totals } = await searchAll(query);
        expect(sorted(hits.map((hit) => hit.id))).toEqual(expected);
        expect(totals[0]).toBe(expected.length);
      }
      // An exclusion without a word in it leaves nothing out.
      const nothing = await searchAll({ text: "土地", exclude: ' "" ***, ' });
      expect(sorted(nothing.hits.map((hit) => hit.id))).toEqual(expectedIds("土地"));
    });

    it("searches titles only (标题检索), excluding by the title only", async () => {
      for (const text of ["条例", "法院", "人民 法院", "鉴", "GB/T 9704"]) {
        const query = { text, fields: "title" as const };
        const expected = expectedFor(query);
        expect(expected.length, text).toBeGreaterThan(0);
        const { hits, totals } = await searchAll(query);
        expect(sorted(hits.map((hit) => hit.id)), text).toEqual(expected);
        expect(totals[0], text).toBe(expected.length);
        for (const hit of hits) expect(hit.title.marks.length, hit.id).toBeGreaterThan(0);
      }
      expect(expectedFor({ text: "条例", fields: "title" }).length).toBeLessThan(expectedIds("条例").length);
      // 实施 in the body only does not leave a document out of a title search.
      const excluding = { text: "条例", fields: "title" as const, exclude: "实施" };
      const { hits } = await searchAll(excluding);
      expect(sorted(hits.map((hit) => hit.id))).toEqual(expectedFor(excluding));
      expect(hits.some((hit) => contains(byId.get(hit.id)!, "实施"))).toBe(true);
      expect(hits.every((hit) => !normalise(hit.title.text).includes("实施"))).toBe(true);

      const counted = await search({ ...excluding, facets: ["category", "year"], pageSize: 3 });
      const matched = expectedFor(excluding).map((id) => byId.get(id)!);
      expect(counted.total).toBe(matched.length);
      for (const field of ["category", "year"]) expect(facetMap(counted, field)).toEqual(countBy(matched, field));
      const newest = await searchAll({ ...excluding, sort: "newest" });
      const dates = newest.hits.map((hit) => byId.get(hit.id)!.date ?? "");
      expect(dates.filter(Boolean)).toEqual(dates.filter(Boolean).sort().reverse());
    });

    it("marks a title-only match in the body's snippet too, when the body has it", async () => {
      const result = await search({ text: "法院", fields: "title", pageSize: 30 });
      let inBody = 0;
      for (const hit of result.hits) {
        if (!normalise(byId.get(hit.id)!.body).includes("法院")) continue;
        inBody += 1;
        expect(hit.snippet.marks.length, hit.id).toBeGreaterThan(0);
        for (const [start, end] of hit.snippet.marks)
          expect(normalise(hit.snippet.text.slice(start, end))).toBe("法院");
      }
      expect(inBody).toBeGreaterThan(0);
    });

    it("narrows by a date range (成文日期), within a year range too", async () => {
      for (const query of [
        { text: "规定", dateFrom: "2000-03-15", dateTo: "2010-06-30" },
        { text: "规定", dateFrom: "2000-03-15", dateTo: "2010-06-30", yearFrom: 2005 },
        { text: "", dateFrom: "2015-07-02" },
        { text: "", dateTo: "1995-02-14", filters: { openness: ["公开"] } },
      ]) {
        const expected = expectedFor(query);
        expect(expected.length).toBeGreaterThan(0);
        const { hits, totals } = await searchAll(query);
        expect(sorted(hits.map((hit) => hit.id))).toEqual(expected);
        expect(totals[0]).toBe(expected.length);
      }
      const ranged = await search({ text: "", dateFrom: "1999-10-09", dateTo: "2012-06-29", facets: ["year"] });
      const inRange = expectedFor({ text: "", dateFrom: "1999-10-09", dateTo: "2012-06-29" }).map((id) =>
        byId.get(id)!,
      );
      expect(ranged.total).toBe(inRange.length);
      expect(ranged.totalExact).toBe(true);
      expect(facetMap(ranged, "year")).toEqual(countBy(inRange, "year"));
      // One day: the synthetic GB/T notice is dated 2012-06-29.
      const day = await searchAll({ text: "", dateFrom: "2012-06-29", dateTo: "2012-06-29" });
      expect(day.hits.map((hit) => hit.id)).toContain("syn-gb");
      expect(sorted(day.hits.map((hit) => hit.id))).toEqual(
        expectedFor({ text: "", dateFrom: "2012-06-29", dateTo: "2012-06-29" }),
      );
      expect((await search({ text: "", dateFrom: "2010-01-01", dateTo: "2009-12-31" })).total).toBe(0);
      // A date that is not a calendar day is no bound.
      const impossible = await searchAll({ text: "规定", dateFrom: "2001-02-30", dateTo: "2001-13-01" });
      expect(sorted(impossible.hits.map((hit) => hit.id))).toEqual(expectedIds("规定"));
    });

    it("sorts by date, newest first, undated last", async () => {
      const { hits } = await searchAll({ text: "法院", sort: "newest" });
      expect(hits.length).toBe(expectedIds("法院").length);
      const dates = hits.map((hit) => byId.get(hit.id)!.date);
      const firstNull = dates.indexOf(null);
      const dated = firstNull === -1 ? dates : dates.slice(0, firstNull);
      expect(dates.slice(dated.length).every((date) => date === null)).toBe(true);
      expect([...dated].sort().reverse()).toEqual(dated);
    });

    it("pages without overlaps and with a stable total", async () => {
      for (const sort of ["relevance", "newest"] as const) {
        const expected = expectedIds("人民");
        const seen: string[] = [];
        for (let page = 1; page <= Math.ceil(expected.length / 7); page += 1) {
          const result = await search({ text: "人民", sort, page, pageSize: 7 });
          expect(result.total).toBe(expected.length);
          expect(result.hits.length).toBe(Math.min(7, expected.length - seen.length));
          seen.push(...result.hits.map((hit) => hit.id));
        }
        expect(new Set(seen).size).toBe(seen.length);
        expect(sorted(seen)).toEqual(expected);
      }
    });

    it("lists every document by newest when the query is empty", async () => {
      const result = await searchAll({ text: "", filters: { category: ["司法解释"] } });
      const expected = documents.filter((document) => document.keywords.category === "司法解释");
      expect(sorted(result.hits.map((hit) => hit.id))).toEqual(sorted(expected.map((d) => d.id)));
      const dates = result.hits.map((hit) => byId.get(hit.id)!.date ?? "");
      expect(dates.filter(Boolean)).toEqual(dates.filter(Boolean).sort().reverse());
      const blank = await search({ text: "   " });
      expect(blank.total).toBe(documents.length);
    });

    it("marks the matched text in titles and snippets, on the original text", async () => {
      const result = await search({ text: "國務院 条例", pageSize: 20 });
      expect(result.hits.length).toBeGreaterThan(0);
      let marked = 0;
      for (const hit of result.hits) {
        for (const part of [hit.title, hit.snippet]) {
          for (const [start, end] of part.marks) {
            expect(["国务院", "条例"]).toContain(normalise(part.text.slice(start, end)));
            marked += 1;
          }
        }
        expect(hit.title.text).toBe(byId.get(hit.id)!.title);
        expect(byId.get(hit.id)!.body).toContain(hit.snippet.text);
        expect(hit.snippet.text.length).toBeLessThanOrEqual(200);
      }
      expect(marked).toBeGreaterThan(result.hits.length);
      const traditional = result.hits.find((hit) => hit.id === "syn-traditional")!;
      expect(traditional.title.marks.map(([s, e]) => traditional.title.text.slice(s, e))).toEqual(["國務院", "條例"]);
    });

    it("takes hostile query strings as text: results or nothing, never an error", async () => {
      const hostile = [
        '"',
        '"""',
        "*",
        "教育*",
        "NEAR(教育 税务)",
        "教育 OR 税务",
        "教育 NOT 税务",
        "-教育",
        "(((",
        ")",
        "{title}: 教育",
        "title:教育",
        "^教育",
        "教育 AND",
        "'; DROP TABLE documents; --",
        "\u0000\u0001",
        "𠮷".repeat(300),
        "a".repeat(5000),
      ];
      for (const text of hostile) {
        const result = await search({ text, facets: ["category", "year"] });
        expect(Array.isArray(result.hits)).toBe(true);
        expect(result.total).toBeGreaterThanOrEqual(result.hits.length);
        for (const fields of ["all", "title"] as const) {
          const excluding = await search({ text: "规定", exclude: text, fields, facets: ["category"] });
          expect(excluding.total).toBeGreaterThanOrEqual(excluding.hits.length);
          const titles = await search({ text, fields });
          expect(titles.total).toBeGreaterThanOrEqual(titles.hits.length);
        }
      }
      // Syntax characters mean nothing: "教育*" is the word 教育, not a prefix query.
      const star = await searchAll({ text: "教育*" });
      expect(sorted(star.hits.map((hit) => hit.id))).toEqual(expectedIds("教育"));
      const or = await searchAll({ text: "教育 OR 税务" });
      expect(sorted(or.hits.map((hit) => hit.id))).toEqual(expectedIds("教育 or 税务"));
    });

    it("replaces a document on upsert, removes it, and clears one collection only", async () => {
      const original = byId.get("syn-gb")!;
      await backend.upsert([{ ...original, title: "替换后的标题", body: "独一无二的替换正文" }]);
      expect((await searchAll({ text: "独一无二" })).hits.map((hit) => hit.id)).toEqual(["syn-gb"]);
      expect((await searchAll({ text: "公文格式" })).hits.map((hit) => hit.id)).not.toContain("syn-gb");
      expect((await search({ text: "" })).total).toBe(documents.length);
      await backend.upsert([original]);
      expect((await searchAll({ text: "独一无二" })).hits).toEqual([]);

      const other = lawSample(200, OTHER_COLLECTION);
      await backend.upsert(other);
      const otherTotal = (await backend.search({ collection: OTHER_COLLECTION, text: "" })).total;
      expect(otherTotal).toBe(other.length);
      await backend.remove(OTHER_COLLECTION, [other[0]!.id]);
      expect((await backend.search({ collection: OTHER_COLLECTION, text: "" })).total).toBe(other.length - 1);
      await backend.clear(OTHER_COLLECTION);
      expect((await backend.search({ collection: OTHER_COLLECTION, text: "" })).total).toBe(0);
      expect((await search({ text: "" })).total).toBe(documents.length);
    });
  });
}

/**
 * Three characters ABC such that one document has both AB and BC, and no
 * document has ABC: the query must not match that document.
 */
function findScatteredTrigram(documents: SearchDocument[]): { trigram: string; id: string } | null {
  const texts = documents.map((document) => normalise(`${document.title}\n${document.body}`));
  for (const [index, text] of texts.entries()) {
    const bigrams = new Set<string>();
    for (const match of text.matchAll(/(?=(\p{Script=Han}\p{Script=Han}))/gu)) bigrams.add(match[1]!);
    for (const first of ["人民", "国家", "法院", "政府"]) {
      if (!bigrams.has(first)) continue;
      for (const second of bigrams) {
        if (second[0] !== first[1]) continue;
        const trigram = first + second[1];
        if (!texts.some((other) => other.includes(trigram))) return { trigram, id: documents[index]!.id };
      }
    }
  }
  return null;
}
