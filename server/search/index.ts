import { join } from "node:path";
import { openEmbeddedSearch } from "./embedded.js";
import type { SearchBackend } from "./types.js";

export interface SearchConfig {
  DATA_DIR: string;
  ELASTICSEARCH_URL?: string;
  /**
   * Keeps two databases from sharing an index (two deployments, two test
   * runs): it names the embedded file and prefixes the Elasticsearch indices.
   */
  namespace?: string;
}

/** The file of the embedded index: its own SQLite file, whatever database holds the records. */
export function embeddedSearchFile(config: Pick<SearchConfig, "DATA_DIR" | "namespace">): string {
  return join(config.DATA_DIR, "search", `${config.namespace ?? "index"}.sqlite`);
}

/**
 * The search backend the configuration asks for: Elasticsearch when
 * ELASTICSEARCH_URL is set, else the embedded FTS5 index under DATA_DIR.
 */
export async function openSearch(config: SearchConfig): Promise<SearchBackend> {
  if (config.ELASTICSEARCH_URL) {
    // The client library is loaded only by deployments that use it.
    const { openElasticsearchSearch } = await import("./elasticsearch.js");
    return openElasticsearchSearch(
      config.ELASTICSEARCH_URL,
      config.namespace ? { indexPrefix: `yong-${config.namespace}-` } : {},
    );
  }
  return openEmbeddedSearch(embeddedSearchFile(config));
}
