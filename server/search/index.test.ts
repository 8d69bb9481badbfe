import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { embeddedSearchFile, openSearch } from "./index.js";
import { lawSample } from "./suite.js";

const dir = mkdtempSync(join(tmpdir(), "yong-search-index-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("openSearch", () => {
  it("opens the embedded index in DATA_DIR/search when no Elasticsearch is configured", async () => {
    const dataDir = join(dir, "data");
    const backend = await openSearch({ DATA_DIR: dataDir });
    expect(backend.name).toBe("embedded");
    const documents = lawSample(100, "archive");
    await backend.upsert(documents);
    expect(existsSync(join(dataDir, "search", "index.sqlite"))).toBe(true);
    expect((await backend.search({ collection: "archive", text: "" })).total).toBe(documents.length);
    await backend.close();
  });

  it("keeps one file per namespace, so two databases never share an index", async () => {
    const dataDir = join(dir, "shared-data");
    const first = await openSearch({ DATA_DIR: dataDir, namespace: "first" });
    const second = await openSearch({ DATA_DIR: dataDir, namespace: "second" });
    await first.upsert(lawSample(100, "archive"));
    expect((await second.search({ collection: "archive", text: "" })).total).toBe(0);
    expect(embeddedSearchFile({ DATA_DIR: dataDir, namespace: "first" })).toBe(join(dataDir, "search", "first.sqlite"));
    expect(existsSync(join(dataDir, "search", "first.sqlite"))).toBe(true);
    await Promise.all([first.close(), second.close()]);
  });

  it.skipIf(!process.env.ELASTICSEARCH_URL)("opens Elasticsearch when ELASTICSEARCH_URL is set", async () => {
    const namespace = `opensearch-${process.pid}`;
    const backend = await openSearch({ DATA_DIR: dir, ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL, namespace });
    expect(backend.name).toBe("elasticsearch");
    const documents = lawSample(100, "archive");
    await backend.upsert(documents);
    expect((await backend.search({ collection: "archive", text: "" })).total).toBe(documents.length);
    await backend.clear("archive");
    await backend.close();
    expect(existsSync(embeddedSearchFile({ DATA_DIR: dir, namespace }))).toBe(false);
  });
});
