import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sqlite3 from "sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalise } from "./analysis.js";
import { openEmbeddedSearch, periodTokens } from "./embedded.js";
import { contains, containsAny, describeSearchBackend, lawSample } from "./suite.js";
import type { SearchBackend, SearchDocument, SearchHit, SearchQuery } from "./types.js";

const dir = mkdtempSync(join(tmpdir(), "yong-search-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeSearchBackend("embedded", () => openEmbeddedSearch(join(dir, "suite", "index.sqlite")));

const sample = lawSample(8, "laws");
const byId = new Map(sample.map((document) => [document.id, document]));

async function everyPage(backend: SearchBackend, query: Omit<SearchQuery, "collection">, pageSize = 9) {
  const hits: SearchHit[] = [];
  for (let page = 1; page <= 100; page += 1) {
    const result = await backend.search({ collection: "laws", ...query, page, pageSize });
    hits.push(...result.hits);
    if (result.hits.length < pageSize) break;
  }
  return hits;
}

describe("embedded search file", () => {
  it("creates its folder and keeps its documents when reopened", async () => {
    const file = join(dir, "data", "search", "index.sqlite");
    const first = await openEmbeddedSearch(file);
    await first.upsert(sample.slice(0, 20));
    await first.close();
    expect(existsSync(file)).toBe(true);
    const second = await openEmbeddedSearch(file);
    const result = await second.search({ collection: "laws", text: "" });
    expect(result.total).toBe(20);
    const title = sample[3]!.title;
    const found = await second.search({ collection: "laws", text: `"${title}"` });
    expect(found.hits.map((hit) => hit.id)).toContain(sample[3]!.id);
    await second.close();
  });

  it("drops an index of another layout version, to be rebuilt, instead of misreading it", async () => {
    const file = join(dir, "old", "index.sqlite");
    const first = await openEmbeddedSearch(file);
    await first.upsert(sample.slice(0, 5));
    await first.close();
    const raw = new sqlite3.Database(file);
    await new Promise<void>((resolve, reject) =>
      raw.exec("PRAGMA user_version = 1", (e) => (e ? reject(e) : resolve())),
    );
    await new Promise<void>((resolve) => raw.close(() => resolve()));
    const second = await openEmbeddedSearch(file);
    expect((await second.search({ collection: "laws", text: "" })).total).toBe(0);
    await second.upsert(sample.slice(0, 3));
    expect((await second.search({ collection: "laws", text: "", facets: ["category"] })).total).toBe(3);
    await second.close();
  });

  it("sees what another connection wrote, even a collection cleared and indexed again", async () => {
    const file = join(dir, "shared", "index.sqlite");
    const writer = await openEmbeddedSearch(file);
    const reader = await openEmbeddedSearch(file);
    await writer.upsert(sample.slice(0, 10));
    expect((await reader.search({ collection: "laws", text: "" })).total).toBe(10);
    await writer.clear("laws");
    await writer.upsert(sample.slice(10, 15));
    const after = await reader.search({ collection: "laws", text: "" });
    expect(after.total).toBe(5);
    expect(after.hits.map((hit) => hit.id).sort()).toEqual(
      sample
        .slice(10, 15)
        .map((d) => d.id)
        .sort(),
    );
    await Promise.all([reader.close(), writer.close()]);
  });

  it("clamps paging values it cannot use instead of failing", async () => {
    const backend = await openEmbeddedSearch(join(dir, "paging", "index.sqlite"));
    await backend.upsert(sample.slice(0, 30));
    for (const [page, pageSize, expected] of [
      [Number.NaN, Number.NaN, 20],
      [0, 0, 1],
      [-3, 1e9, 30],
      [1e12, 10, 0],
      [2.7, 10.5, 10],
    ] as const) {
      const result = await backend.search({ collection: "laws", text: "", page, pageSize });
      expect(result.hits).toHaveLength(expected);
      expect(result.total).toBe(30);
    }
    await backend.close();
  });

  it("queues concurrent writes instead of failing", async () => {
    const backend = await openEmbeddedSearch(join(dir, "concurrent", "index.sqlite"));
    await Promise.all([0, 1, 2, 3, 4].map((k) => backend.upsert(sample.slice(k * 10, k * 10 + 10))));
    await Promise.all([backend.remove("laws", [sample[0]!.id]), backend.upsert([sample[1]!])]);
    expect((await backend.search({ collection: "laws", text: "" })).total).toBe(49);
    await backend.close();
  });
});

describe("period tokens", () => {
  it("cover a range of months with the fewest tokens: centuries, decades, years, then months", () => {
    expect(periodTokens(198301, 199012)).toEqual([
      "y1983",
      "y1984",
      "y1985",
      "y1986",
      "y1987",
      "y1988",
      "y1989",
      "y1990",
    ]);
    expect(periodTokens(198011, 200103)).toEqual([
      "m198011",
      "m198012",
      ...[1981, 1982, 1983, 1984, 1985, 1986, 1987, 1988, 1989].map((year) => `y${year}`),
      "d199",
      "y2000",
      "m200101",
      "m200102",
      "m200103",
    ]);
    expect(periodTokens(190001, 199912)).toEqual(["c19"]);
    expect(periodTokens(190501, 199912)).toEqual([
      "y1905",
      "y1906",
      "y1907",
      "y1908",
      "y1909",
      "d191",
      "d192",
      "d193",
      "d194",
      "d195",
      "d196",
      "d197",
      "d198",
      "d199",
    ]);
    expect(periodTokens(180001, 199912)).toEqual(["c18", "c19"]);
    expect(periodTokens(200603, 200603)).toEqual(["m200603"]);
  });
});

describe("embedded search with bounded work (a common term)", () => {
  let backend: SearchBackend;
  const word = "人民";
  const expected = sample.filter((document) => contains(document, word));

  beforeAll(async () => {
    // A limit of 20 makes 人民 (in nearly every law) a common term on a 200-document sample.
    backend = await openEmbeddedSearch(join(dir, "bounded", "index.sqlite"), { exactLimit: 20 });
    await backend.upsert(sample);
  }, 120_000);
  afterAll(() => backend.close());

  it("says the total is an estimate, of the right size", async () => {
    expect(expected.length).toBeGreaterThan(100);
    const result = await backend.search({ collection: "laws", text: word });
    expect(result.totalExact).toBe(false);
    expect(result.total).toBeGreaterThan(expected.length * 0.5);
    expect(result.total).toBeLessThanOrEqual(sample.length * 1.5);
    const rare = await backend.search({ collection: "laws", text: "资产评估" });
    expect(rare.totalExact).toBe(true);
  });

  it("still returns only phrase matches, each once, title matches first, across every page", async () => {
    const hits = await everyPage(backend, { text: word, sort: "relevance" });
    const ids = hits.map((hit) => hit.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(expected.map((document) => document.id).sort());
    const inTitle = (await everyPage(backend, { text: word })).map((hit) =>
      normalise(byId.get(hit.id)!.title).includes(word),
    );
    expect(inTitle.indexOf(false)).toBe(inTitle.filter(Boolean).length);
  });

  it("lists newest first and applies filters on the bounded path", async () => {
    const newest = await everyPage(backend, { text: word, sort: "newest" });
    const dates = newest.map((hit) => byId.get(hit.id)!.date ?? "");
    expect(dates.filter(Boolean)).toEqual(dates.filter(Boolean).sort().reverse());
    const filtered = await everyPage(backend, { text: word, filters: { category: ["司法解释"] } });
    expect(filtered.map((hit) => hit.id).sort()).toEqual(
      expected
        .filter((document) => document.keywords.category === "司法解释")
        .map((d) => d.id)
        .sort(),
    );
  });

  it("walks a range that ends before the newest documents by its period tags, with the same answer", async () => {
    const inRange = (document: SearchDocument, from: string, to: string) =>
      document.date !== null && document.date >= from && document.date <= to;
    for (const [query, from, to] of [
      [{ yearFrom: 1990, yearTo: 2005 }, "1990-01-01", "2005-12-31"],
      [{ yearTo: 1999 }, "0000-01-01", "1999-12-31"],
      [{ dateFrom: "1995-03-15", dateTo: "2008-07-04" }, "1995-03-15", "2008-07-04"],
    ] as const) {
      const want = expected.filter((document) => inRange(document, from, to));
      expect(want.length, JSON.stringify(query)).toBeGreaterThan(0);
      const relevance = await everyPage(backend, { text: word, ...query });
      expect(ids(relevance), JSON.stringify(query)).toEqual(ids(want));
      titleFirst(relevance, word);
      const newest = await everyPage(backend, { text: word, sort: "newest", ...query });
      const dates = newest.map((hit) => byId.get(hit.id)!.date!);
      expect(dates).toEqual([...dates].sort().reverse());
      const excluded = await everyPage(backend, { text: word, exclude: "规定", ...query });
      expect(ids(excluded)).toEqual(ids(want.filter((document) => !contains(document, "规定"))));
    }
  });

  it("estimates facets that add up to the estimated total", async () => {
    const result = await backend.search({ collection: "laws", text: word, facets: ["openness", "year", "category"] });
    const sum = (field: string) => result.facets[field]!.reduce((total, facet) => total + facet.count, 0);
    expect(Math.abs(sum("openness") - result.total)).toBeLessThanOrEqual(2);
    expect(Math.abs(sum("category") - result.total)).toBeLessThanOrEqual(result.facets.category!.length);
    const dated = expected.filter((document) => document.date).length;
    expect(sum("year")).toBeGreaterThan(dated * 0.5);
    expect(sum("year")).toBeLessThan(dated * 1.5);
  });

  const ids = (documents: { id: string }[]) => documents.map((document) => document.id).sort();
  const titleFirst = (hits: SearchHit[], text: string) => {
    const inTitle = hits.map((hit) => contains(byId.get(hit.id)!, text, "title"));
    expect(inTitle.some(Boolean)).toBe(true);
    expect(inTitle.indexOf(false)).toBe(inTitle.filter(Boolean).length);
  };

  it("leaves excluded documents out on the bounded path, title matches first when the exclusion is rare", async () => {
    // 税务 is in fewer documents than the limit (a rare exclusion); 法院 in more (a common one).
    expect(sample.filter((document) => contains(document, "税务")).length).toBeLessThanOrEqual(20);
    expect(sample.filter((document) => contains(document, "法院")).length).toBeGreaterThan(20);
    for (const exclude of ["税务", "法院"]) {
      const kept = expected.filter((document) => !containsAny(document, exclude));
      const first = await backend.search({ collection: "laws", text: word, exclude });
      expect(first.totalExact).toBe(false);
      expect(first.total).toBeGreaterThan(kept.length * 0.5);
      expect(first.total).toBeLessThanOrEqual(sample.length);
      const hits = await everyPage(backend, { text: word, exclude });
      expect(new Set(hits.map((hit) => hit.id)).size).toBe(hits.length);
      expect(hits.map((hit) => hit.id).sort()).toEqual(ids(kept));
      if (exclude === "税务") titleFirst(hits, word);
      const newest = await everyPage(backend, { text: word, exclude, sort: "newest" });
      expect(newest.map((hit) => hit.id).sort()).toEqual(ids(kept));
      const dates = newest.map((hit) => byId.get(hit.id)!.date ?? "");
      expect(dates.filter(Boolean)).toEqual(dates.filter(Boolean).sort().reverse());
      const filtered = await everyPage(backend, { text: word, exclude, filters: { category: ["司法解释"] } });
      expect(filtered.map((hit) => hit.id).sort()).toEqual(
        ids(kept.filter((document) => document.keywords.category === "司法解释")),
      );
    }
  });

  it("searches titles only on the bounded path, with and without an exclusion", async () => {
    for (const exclude of [undefined, "法院", "最高"]) {
      const kept = sample.filter(
        (document) => contains(document, word, "title") && !(exclude && containsAny(document, exclude, "title")),
      );
      expect(kept.length).toBeGreaterThan(20);
      for (const sort of ["relevance", "newest"] as const) {
        const hits = await everyPage(backend, { text: word, fields: "title", exclude, sort });
        expect(new Set(hits.map((hit) => hit.id)).size).toBe(hits.length);
        expect(hits.map((hit) => hit.id).sort()).toEqual(ids(kept));
      }
      const result = await backend.search({ collection: "laws", text: word, fields: "title", exclude });
      expect(result.totalExact).toBe(false);
      expect(result.total).toBeGreaterThan(kept.length * 0.5);
      expect(result.total).toBeLessThanOrEqual(sample.length);
    }
  });

  it("counts a date range exactly when nothing else narrows the list, months cut by the range too", async () => {
    const inRange = sample.filter((d) => d.date !== null && d.date >= "1999-10-09" && d.date <= "2012-06-15");
    expect(inRange.length).toBeGreaterThan(20);
    const result = await backend.search({
      collection: "laws",
      text: "",
      dateFrom: "1999-10-09",
      dateTo: "2012-06-15",
      facets: ["year"],
    });
    expect(result.totalExact).toBe(true);
    expect(result.total).toBe(inRange.length);
    const years: Record<string, number> = {};
    for (const document of inRange) years[document.date!.slice(0, 4)] = (years[document.date!.slice(0, 4)] ?? 0) + 1;
    expect(Object.fromEntries(result.facets.year!.map(({ value, count }) => [value, count]))).toEqual(years);
    const hits = await everyPage(backend, { text: "", dateFrom: "1999-10-09", dateTo: "2012-06-15" });
    expect(hits.map((hit) => hit.id).sort()).toEqual(ids(inRange));
  });

  it("counts every document and every year exactly when nothing narrows the list", async () => {
    const result = await backend.search({ collection: "laws", text: "", facets: ["year"] });
    expect(result.totalExact).toBe(true);
    expect(result.total).toBe(sample.length);
    const years: Record<string, number> = {};
    for (const document of sample) {
      if (document.date) years[document.date.slice(0, 4)] = (years[document.date.slice(0, 4)] ?? 0) + 1;
    }
    expect(Object.fromEntries(result.facets.year!.map(({ value, count }) => [value, count]))).toEqual(years);
    const ranged = await backend.search({ collection: "laws", text: "", yearFrom: 2000, yearTo: 2009 });
    expect(ranged.totalExact).toBe(true);
    expect(ranged.total).toBe(sample.filter((d) => d.date && d.date >= "2000" && d.date < "2010").length);
  });
});

describe("embedded search with exact counts but too many matches for bm25", () => {
  it("counts exactly and still puts title matches first, every match once", async () => {
    const backend = await openEmbeddedSearch(join(dir, "ranked", "index.sqlite"), { exactLimit: 1_000, rankLimit: 10 });
    await backend.upsert(sample);
    const word = "法院";
    const expected = sample.filter((document) => contains(document, word)).map((document) => document.id);
    expect(expected.length).toBeGreaterThan(10);
    const first = await backend.search({ collection: "laws", text: word });
    expect(first.totalExact).toBe(true);
    expect(first.total).toBe(expected.length);
    const hits = await everyPage(backend, { text: word });
    expect(hits.map((hit) => hit.id).sort()).toEqual(expected.sort());
    const inTitle = hits.map((hit) => normalise(byId.get(hit.id)!.title).includes(word));
    expect(inTitle.some(Boolean)).toBe(true);
    expect(inTitle.indexOf(false)).toBe(inTitle.filter(Boolean).length);

    // A rare exclusion keeps the title tier; titles only, there is nothing but title matches.
    const kept = expected.filter((id) => !containsAny(byId.get(id)!, "税务"));
    const excluding = await backend.search({ collection: "laws", text: word, exclude: "税务" });
    expect(excluding.totalExact).toBe(true);
    expect(excluding.total).toBe(kept.length);
    const excluded = await everyPage(backend, { text: word, exclude: "税务" });
    expect(excluded.map((hit) => hit.id).sort()).toEqual(kept.sort());
    const keptInTitle = excluded.map((hit) => normalise(byId.get(hit.id)!.title).includes(word));
    expect(keptInTitle.indexOf(false)).toBe(keptInTitle.filter(Boolean).length);
    const titleOnly = sample.filter((document) => contains(document, word, "title")).map((document) => document.id);
    expect(titleOnly.length).toBeGreaterThan(10);
    const titles = await everyPage(backend, { text: word, fields: "title" });
    expect(titles.map((hit) => hit.id).sort()).toEqual(titleOnly.sort());
    await backend.close();
  });
});
