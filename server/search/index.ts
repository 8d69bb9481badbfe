import { join } from "node:path";
import { openEmbeddedSearch } from "./embedded.js";
import type { SearchBackend } from "./types.js";

/** What server/search/elasticsearch.ts exports (built beside this one). */
interface ElasticsearchModule {
  openElasticsearchSearch(url: string): Promise<SearchBackend>;
}

/** The file of the embedded index: its own SQLite file, whatever database holds the records. */
export function embeddedSearchFile(dataDir: string): string {
  return join(dataDir, "search", "index.sqlite");
}

/**
 * The search backend the configuration asks for: Elasticsearch when
 * ELASTICSEARCH_URL is set, else the embedded FTS5 index under DATA_DIR.
 * Elasticsearch's client is loaded only when it is used.
 */
export async function openSearch(env: { DATA_DIR: string; ELASTICSEARCH_URL?: string }): Promise<SearchBackend> {
  if (env.ELASTICSEARCH_URL) {
    // A computed specifier keeps this file independent of the client until the backend is asked for.
    const specifier = "./elasticsearch.js";
    const module = (await import(specifier)) as ElasticsearchModule;
    return module.openElasticsearchSearch(env.ELASTICSEARCH_URL);
  }
  return openEmbeddedSearch(embeddedSearchFile(env.DATA_DIR));
}
