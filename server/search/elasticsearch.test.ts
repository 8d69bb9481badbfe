import { randomBytes } from "node:crypto";
import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalise } from "./analysis.js";
import {
  ElasticsearchSearch,
  ElasticsearchSearchError,
  MAX_OFFSET,
  openElasticsearchSearch,
  TRACK_TOTAL_HITS,
} from "./elasticsearch.js";
import { contains, describeSearchBackend, lawSample } from "./suite.js";
import type { SearchDocument } from "./types.js";

/**
 * Runs the shared suite against a real Elasticsearch node (ELASTICSEARCH_URL;
 * .ci/run starts one with ../shared/tools/elasticsearch/start-es.sh). Without
 * the variable the file is skipped on a developer's machine, but under CI a
 * node that did not start is a failure, never a silent skip.
 */
const url = process.env.ELASTICSEARCH_URL;
const inCi = Boolean(process.env.CI) && process.env.CI !== "false" && process.env.CI !== "0";
/** Every index and template of this run starts with it, so the run removes exactly its own. */
const prefix = `test-${randomBytes(4).toString("hex")}-`;

async function removeOwnIndexes(): Promise<void> {
  const client = new Client({ node: url! });
  try {
    const indexes = Object.keys(await client.indices.get({ index: `${prefix}*`, expand_wildcards: "all" }));
    for (const index of indexes) await client.indices.delete({ index });
    const templates = await client.indices
      .getIndexTemplate({ name: `${prefix}*` })
      .catch(() => ({ index_templates: [] }));
    for (const template of templates.index_templates) await client.indices.deleteIndexTemplate({ name: template.name });
  } finally {
    await client.close();
  }
}

if (!url) {
  if (inCi) {
    describe("search backend: elasticsearch", () => {
      it("has a node to run against (ELASTICSEARCH_URL)", () => {
        throw new Error("CI is set but ELASTICSEARCH_URL is not: the Elasticsearch node did not start (see .ci/run)");
      });
    });
  } else {
    describe.skip("search backend: elasticsearch (set ELASTICSEARCH_URL to run)", () => {
      it("runs the shared suite", () => undefined);
    });
  }
} else {
  afterAll(removeOwnIndexes, 60_000);

  describeSearchBackend("elasticsearch", () => openElasticsearchSearch(url, { indexPrefix: prefix }));

  describe("elasticsearch backend", () => {
    let backend: ElasticsearchSearch;
    let client: Client;
    const sample = lawSample(16, "laws");

    beforeAll(async () => {
      backend = await ElasticsearchSearch.open(url, { indexPrefix: prefix });
      client = new Client({ node: url });
      await backend.upsert(sample);
    }, 120_000);

    afterAll(async () => {
      await backend?.close();
      await client?.close();
    });

    it("creates the collection's index with an explicit mapping, and keeps only the original text in _source", async () => {
      const index = backend.indexName("laws");
      const mapping = (await client.indices.getMapping({ index }))[index]!.mappings;
      expect(mapping.dynamic).toBe("strict");
      expect(mapping.properties).toMatchObject({
        title: { type: "text", analyzer: "whitespace" },
        body: { type: "text", analyzer: "whitespace" },
        date: { type: "date" },
        year: { type: "integer" },
        original: { type: "object", enabled: false },
      });
      const keywords = mapping.properties!.kw as { properties: Record<string, { type: string }> };
      expect(keywords.properties.category!.type).toBe("keyword");
      expect(keywords.properties.issuer!.type).toBe("keyword");
      const stored = await client.get<Record<string, unknown>>({ index, id: sample[0]!.id });
      expect(Object.keys(stored._source!).sort()).toEqual(["date", "id", "kw", "original", "year"]);
      expect(stored._source!.original).toEqual({ title: sample[0]!.title, body: sample[0]!.body });
    });

    it("indexes the tokens of analysis.ts, so a two-character word is one term", async () => {
      const index = backend.indexName("laws");
      const word = "人民";
      const withWord = sample.filter((document) => contains(document, word)).length;
      const count = await client.count({ index, query: { term: { body: word } } });
      expect(withWord).toBeGreaterThan(10);
      expect(count.count).toBe(sample.filter((document) => normalise(document.body).includes(word)).length);
    });

    it("ranks every document with the words in its title first, even against a body full of them", async () => {
      const word = "鉴定";
      const longTitle = `关于${"其他事项".repeat(400)}和${word}工作的说明`;
      const documents: SearchDocument[] = [
        { ...sample[0]!, id: "long-title", title: longTitle, body: "正文不含该词。", date: "1990-01-01" },
        { ...sample[1]!, id: "full-body", title: "无关标题", body: `${word}。`.repeat(40), date: "2020-01-01" },
      ];
      await backend.upsert(documents);
      try {
        const result = await backend.search({ collection: "laws", text: word, pageSize: 100 });
        const ids = result.hits.map((hit) => hit.id);
        const inTitle = result.hits.map((hit) => normalise(hit.title.text).includes(word));
        expect(ids).toContain("long-title");
        expect(ids).toContain("full-body");
        // Title matches (the long title among them) form an unbroken run at the top.
        expect(inTitle.indexOf(false)).toBe(inTitle.filter(Boolean).length);
        for (const hit of result.hits) expect(hit.score).toBeGreaterThan(0);
      } finally {
        await backend.remove("laws", ["long-title", "full-body"]);
      }
    });

    it("serves no page beyond the result window, but still the total", async () => {
      const result = await backend.search({ collection: "laws", text: "", page: MAX_OFFSET / 10 + 1, pageSize: 10 });
      expect(result.hits).toEqual([]);
      expect(result.total).toBe(sample.length);
    });

    it("takes a page or page size that is not a number as the default", async () => {
      const first = await backend.search({ collection: "laws", text: "" });
      for (const odd of [Number.NaN, Number.POSITIVE_INFINITY]) {
        const result = await backend.search({ collection: "laws", text: "", page: odd, pageSize: odd });
        expect(result.hits.map((hit) => hit.id)).toEqual(first.hits.map((hit) => hit.id));
        expect(result.hits).toHaveLength(20);
      }
    });

    it("sees a collection another process cleared and wrote to again", async () => {
      const other = await ElasticsearchSearch.open(url, { indexPrefix: prefix });
      await other.upsert(sample.slice(0, 3));
      // This process deletes the index behind the other's back; its next write must recreate it, mapped.
      await backend.clear("laws");
      await client.indices.delete({ index: backend.indexName("laws") });
      await other.upsert(sample.slice(3, 5));
      const result = await backend.search({ collection: "laws", text: "", facets: ["category"] });
      expect(result.total).toBe(2);
      expect(result.facets.category!.reduce((sum, facet) => sum + facet.count, 0)).toBe(2);
      await other.close();
      await backend.upsert(sample);
    });

    it("reports what Elasticsearch refused, naming the document", async () => {
      const bad = { ...sample[0]!, id: "x".repeat(600) };
      await expect(backend.upsert([bad])).rejects.toThrow(ElasticsearchSearchError);
      await expect(backend.upsert([bad])).rejects.toThrow(/Elasticsearch upsert failed: .*id \[x+\] is too long/);
      await expect(backend.search({ collection: "Laws!", text: "" })).rejects.toThrow(/collection name/);
    });

    it("says when it cannot reach the node", async () => {
      await expect(openElasticsearchSearch("http://127.0.0.1:9")).rejects.toThrow(
        /Elasticsearch connection to http:\/\/127\.0\.0\.1:9 failed/,
      );
    });

    it("counts exactly up to the tracking bound and estimates beyond it, unless facets are asked for", async () => {
      const titles = sample.map((document) => document.title);
      const many: SearchDocument[] = Array.from({ length: TRACK_TOTAL_HITS + 50 }, (_, i) => ({
        id: `t-${i}`,
        collection: "many",
        title: titles[i % titles.length]!,
        body: "",
        date: `${1983 + (i % 40)}-01-01`,
        keywords: { openness: i % 3 === 0 ? "内部" : "公开" },
      }));
      await backend.upsert(many);
      const plain = await backend.search({ collection: "many", text: "" });
      expect(plain.totalExact).toBe(false);
      expect(plain.total).toBe(TRACK_TOTAL_HITS);
      const faceted = await backend.search({ collection: "many", text: "", facets: ["openness", "year"] });
      expect(faceted.totalExact).toBe(true);
      expect(faceted.total).toBe(many.length);
      expect(faceted.facets.year).toHaveLength(40);
      expect(faceted.facets.openness).toEqual([
        { value: "公开", count: many.filter((d) => d.keywords.openness === "公开").length },
        { value: "内部", count: many.filter((d) => d.keywords.openness === "内部").length },
      ]);
      await backend.clear("many");
    }, 120_000);
  });
}
