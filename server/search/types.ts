/**
 * The one search interface of the suite (DESIGN.md, "Shared services"): the
 * archive and the library index their records through it, and either backend
 * answers — the embedded SQLite FTS5 index (default, a file under DATA_DIR) or
 * Elasticsearch (ELASTICSEARCH_URL). Both pass the same test suite (suite.ts).
 *
 * Documents belong to a collection ("archive", "library"); each collection has
 * its own keyword fields for filters and facets. Text is analysed the same way
 * in both backends (analysis.ts): NFKC (full-width → half-width, Kangxi
 * radicals → ordinary characters), lower case, Traditional → Simplified, CJK
 * runs as overlapping bigrams, Latin and digit runs as words.
 */

/** A keyword field's value(s); a document may have several (two issuing organs). */
export type KeywordValue = string | readonly string[] | null;

export interface SearchDocument {
  /** Unique within the collection; the caller's record id as text. */
  id: string;
  collection: string;
  title: string;
  /** Full text; may be long (a whole law, a book). */
  body: string;
  /** Date for sorting ("newest") and the year facet and range: YYYY-MM-DD, or null. */
  date: string | null;
  /**
   * Keyword fields for exact filters and facets, e.g. {issuer: ["国务院"], docType: "条例",
   * validity: "有效", openness: "公开", category: "行政法规", docNumber: "国发〔1985〕12号"}.
   */
  keywords: Record<string, KeywordValue>;
}

export interface SearchQuery {
  collection: string;
  /**
   * What the person typed: words separated by spaces must all match; a quoted
   * part is one phrase. A CJK word matches as a phrase (its bigrams in order),
   * never as bigrams scattered over the text. Empty: every document (filters only).
   */
  text: string;
  /**
   * Terms parsed as `text` is (spaces, "quotes"); a document in which any of
   * them matches, where `fields` says, is left out (不包含). Alone, without
   * text or filters, it leaves out those documents from every document.
   */
  exclude?: string;
  /**
   * Where the terms of `text` and `exclude` must be: in the title or the body
   * ("all", the default), or in the title ("title": 标题检索).
   */
  fields?: "all" | "title";
  /** Keyword filters: a document matches if, for every field given, one of its values is in the list. */
  filters?: Record<string, readonly string[]>;
  /** Inclusive year range over `date`. */
  yearFrom?: number;
  yearTo?: number;
  /**
   * Inclusive date range over `date` (YYYY-MM-DD; anything else is ignored),
   * narrowing the year range when both are given; any bound leaves undated
   * documents out.
   */
  dateFrom?: string;
  dateTo?: string;
  sort?: "relevance" | "newest";
  page?: number;
  pageSize?: number;
  /** Keyword fields (and "year") to count values of among the matches. */
  facets?: readonly string[];
}

/** A stretch of text with the places (UTF-16 offsets, [start, end)) that matched the query. */
export interface Marked {
  text: string;
  marks: [number, number][];
}

export interface SearchHit {
  id: string;
  score: number;
  /** The title with the matches marked. */
  title: Marked;
  /** A stretch of the body around the first match (the beginning when only the title matched). */
  snippet: Marked;
}

export interface FacetCount {
  value: string;
  count: number;
}

export interface SearchResult {
  total: number;
  /** False when the total is an estimate (a very common term with bounded work). */
  totalExact: boolean;
  hits: SearchHit[];
  facets: Record<string, FacetCount[]>;
}

export interface SearchBackend {
  readonly name: "embedded" | "elasticsearch";
  /** Adds or replaces documents (by collection and id). */
  upsert(documents: readonly SearchDocument[]): Promise<void>;
  remove(collection: string, ids: readonly string[]): Promise<void>;
  search(query: SearchQuery): Promise<SearchResult>;
  /** Drops every document of a collection (before a reindex). */
  clear(collection: string): Promise<void>;
  close(): Promise<void>;
}
