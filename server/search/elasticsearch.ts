/**
 * The Elasticsearch search backend (ELASTICSEARCH_URL), with the official
 * @elastic/elasticsearch 8 client. It passes the same suite as the embedded
 * index (suite.ts) because it matches the same tokens: the text is analysed in
 * JavaScript by analysis.ts, exactly as for FTS5, and Elasticsearch only splits
 * the token list on its spaces (the built-in `whitespace` analyzer).
 *
 * Why not Elasticsearch's own cjk analyzer: it gives bigrams without each CJK
 * run's last character, so a one-character query (税) or a query ending inside
 * a document's run (2006年 in 2006年度) would need a second, unigram field;
 * its standard tokenizer keeps 3.5 and a.b as one word where analysis.ts makes
 * two; and it drops English stop words (the T of GB/T). Tokenising here needs
 * nothing beyond Elasticsearch's core, so the same mapping works on a node
 * without the analysis-common module or any plugin.
 *
 * Layout: one index per collection, `<prefix><collection>` (prefix "yong-" by
 * default), single shard (scores and totals need no cross-shard merging at the
 * archive's size). An index template with the same settings and mapping backs
 * the explicit creation, so that an index deleted by a clear in another
 * process and auto-created by a concurrent write still gets the right mapping.
 * - title, body: the token lists (text, whitespace analyzer, positions for
 *   phrases); not kept in _source.
 * - original.title, original.body: the text as given, for marks and snippets
 *   (not indexed).
 * - kw.<field>: keyword fields (dynamic template → keyword) for filters and
 *   facets; date (yyyy-MM-dd) and year (integer) for sorting, the range and
 *   the year facet; id (keyword) as the last tie-breaker of every sort.
 *
 * Queries: every term of parseQuery must match in the title or the body; a
 * term is a match_phrase over its tokens, or, when it ends in a prefix token, a
 * span_near whose last clause is a prefix (a one-token term: a prefix query).
 * A title-only search (fields: "title") looks for the terms in the title
 * alone; excluded terms (exclude) are a must_not over the same fields.
 * Nothing the person typed reaches a query parser. Ranking is the embedded
 * backend's: documents with every term in the title first, then BM25 with the
 * title weighted TITLE_WEIGHT, then newest. The title tier is a constant added
 * to the score that is larger than any BM25 score the query can reach (see
 * tierBoost), so the tier never depends on the scores.
 *
 * Writes are refreshed explicitly before upsert/remove return, so a following
 * search sees them (see refreshAfterWrite).
 */
import { Client, errors, type estypes } from "@elastic/elasticsearch";
import { markAll, normalise, parseQuery, snippet, tokensOfNormalised, type QueryTerm } from "./analysis.js";
import { calendarDate } from "./dates.js";
import type { FacetCount, SearchBackend, SearchDocument, SearchHit, SearchQuery, SearchResult } from "./types.js";

/** BM25 weight of a title match over a body match (as in embedded.ts). */
const TITLE_WEIGHT = 10;
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;
/** Elasticsearch's index.max_result_window: deeper pages are not served (the embedded backend stops there too). */
export const MAX_OFFSET = 10_000;
/** Totals are counted exactly up to here when no facet is asked for; beyond, totalExact is false. */
export const TRACK_TOTAL_HITS = 10_000;
/** Values returned per facet; a facet is a list to choose from, not a report. */
const FACET_SIZE = 500;
/** One bulk request carries about this many bytes of JSON (Elasticsearch refuses bodies over 100 MB). */
const BULK_BYTES = 8 * 1024 * 1024;
/** Lucene refuses a keyword term over 32,766 bytes; longer values are kept in _source but not indexed. */
const KEYWORD_IGNORE_ABOVE = 8_000;

/** A name Elasticsearch accepts as part of an index name (lower case, no separators or wildcards). */
const INDEX_PART = /^[a-z0-9][a-z0-9_-]*$/;
/** Keyword field names: a dot would make Elasticsearch read the name as a path. */
const FIELD_NAME = /^[^.\s]+$/;

/** Thrown for anything Elasticsearch refused or could not be reached for; never a 4xx for the API's caller. */
export class ElasticsearchSearchError extends Error {
  override readonly name = "ElasticsearchSearchError";
}

function describeError(error: unknown): string {
  if (error instanceof errors.ResponseError) {
    const body: unknown = error.body;
    const cause = isRecord(body) && isRecord(body.error) ? body.error : undefined;
    const root =
      cause && Array.isArray(cause.root_cause) && isRecord(cause.root_cause[0]) ? cause.root_cause[0] : cause;
    const reason = root ? `${String(root.type)}: ${String(root.reason)}` : error.message;
    return `HTTP ${error.statusCode ?? "?"} ${reason}`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function failure(action: string, error: unknown): ElasticsearchSearchError {
  return new ElasticsearchSearchError(`Elasticsearch ${action} failed: ${describeError(error)}`, { cause: error });
}

const SETTINGS: estypes.IndicesIndexSettings = {
  number_of_shards: 1,
  // One copy per extra node: a single development or CI node stays green, a cluster keeps a replica.
  auto_expand_replicas: "0-1",
};

const TOKENS: estypes.MappingProperty = {
  type: "text",
  // The text is tokenised by analysis.ts; the field only splits its space-separated tokens.
  analyzer: "whitespace",
};

const MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: "strict",
  // The token lists are ~3 times the text and only the index needs them.
  _source: { excludes: ["title", "body"] },
  dynamic_templates: [
    { keywords: { path_match: "kw.*", mapping: { type: "keyword", ignore_above: KEYWORD_IGNORE_ABOVE } } },
  ],
  properties: {
    id: { type: "keyword" },
    title: TOKENS,
    body: TOKENS,
    original: { type: "object", enabled: false },
    date: { type: "date", format: "yyyy-MM-dd" },
    year: { type: "integer" },
    kw: { type: "object", dynamic: true },
  },
};

/** A whole number from the caller, or the default when it is missing or not a number (as embedded.ts). */
function whole(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) ? Math.floor(value) : fallback;
}

function keywordSource(document: SearchDocument): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [field, value] of Object.entries(document.keywords)) {
    if (value === null || value === undefined) continue;
    if (!FIELD_NAME.test(field))
      throw new ElasticsearchSearchError(`keyword field name ${JSON.stringify(field)} has a dot or a space`);
    const values = [...new Set(typeof value === "string" ? [value] : value)];
    if (values.length > 0) result[field] = values;
  }
  return result;
}

function documentSource(document: SearchDocument): Record<string, unknown> {
  const date = calendarDate(document.date);
  return {
    id: document.id,
    title: tokensOfNormalised(normalise(document.title)).join(" "),
    body: tokensOfNormalised(normalise(document.body)).join(" "),
    original: { title: document.title, body: document.body },
    date,
    year: date ? Number(date.slice(0, 4)) : null,
    kw: keywordSource(document),
  };
}

/**
 * Named clauses of the body: a hit lists them in matched_queries when some
 * term is in its body, so that the body of a document found by its title
 * alone (a whole book, perhaps) is not searched for a snippet.
 */
const IN_BODY = "in-body";

/** The clause that matches one term exactly in one field. */
function termInField(term: QueryTerm, field: "title" | "body", boost = 1): estypes.QueryDslQueryContainer {
  const tokens = term.tokens;
  const last = tokens[tokens.length - 1]!;
  const name = field === "body" ? { _name: IN_BODY } : {};
  if (!last.prefix) {
    return { match_phrase: { [field]: { query: tokens.map((token) => token.text).join(" "), boost, ...name } } };
  }
  if (tokens.length === 1) return { prefix: { [field]: { value: last.text, boost, ...name } } };
  return {
    span_near: {
      clauses: [
        ...tokens.slice(0, -1).map((token) => ({ span_term: { [field]: token.text } })),
        { span_multi: { match: { prefix: { [field]: { value: last.text } } } } },
      ],
      slop: 0,
      in_order: true,
      boost,
      ...name,
    },
  };
}

/** The term in the title, or in the title or the body: a clause that only matches (no score). */
function termAnywhere(term: QueryTerm, titleOnly: boolean): estypes.QueryDslQueryContainer {
  if (titleOnly) return termInField(term, "title");
  return { bool: { should: [termInField(term, "title"), termInField(term, "body")], minimum_should_match: 1 } };
}

/**
 * One term: it must match in the title or the body (or in the title, for a
 * title-only search); the score is BM25 with the title weighted. A term that
 * ends in a prefix token matches through span or prefix queries, whose scores
 * would sum the statistics of every expanded term; it is scored by the phrase
 * of its other tokens instead, which keeps every score within tierBoost's
 * bound.
 */
function termClause(term: QueryTerm, titleOnly = false): estypes.QueryDslQueryContainer {
  const last = term.tokens[term.tokens.length - 1]!;
  if (titleOnly) {
    if (!last.prefix) return termInField(term, "title");
    const rest = term.tokens.slice(0, -1).map((token) => token.text);
    if (rest.length === 0) return { constant_score: { filter: termInField(term, "title"), boost: 1 } };
    return { bool: { filter: [termInField(term, "title")], should: [{ match_phrase: { title: rest.join(" ") } }] } };
  }
  if (!last.prefix) {
    return {
      bool: { should: [termInField(term, "title", TITLE_WEIGHT), termInField(term, "body")], minimum_should_match: 1 },
    };
  }
  const either = termAnywhere(term, false);
  const rest = term.tokens.slice(0, -1).map((token) => token.text);
  if (rest.length === 0) return { constant_score: { filter: either, boost: 1 } };
  const phrase = rest.join(" ");
  return {
    bool: {
      filter: [either],
      should: [
        { match_phrase: { title: { query: phrase, boost: TITLE_WEIGHT } } },
        { match_phrase: { body: { query: phrase } } },
      ],
    },
  };
}

/**
 * A constant larger than any score the query's term clauses can sum to, so
 * that adding it to documents with every term in the title puts all of them
 * first whatever their BM25. Lucene's BM25 is idf · tf-part with tf-part < 1
 * (below k1 + 1 = 2.2 in older versions: the bound uses that) and a phrase's
 * idf the sum of its terms' idf, each at most ln(1 + 2·maxDocs) < 22.2 for a
 * shard's 2^31 documents; each token counts in the title (weight 10) and the
 * body. A power of two keeps the score's float32 precision predictable: with
 * a bound of a few thousand, BM25 is still resolved to ~0.001.
 */
function tierBoost(terms: readonly QueryTerm[]): number {
  const tokens = terms.reduce((sum, term) => sum + term.tokens.length + 1, 0);
  const bound = tokens * 22.2 * 2.2 * (TITLE_WEIGHT + 1);
  return 2 ** Math.ceil(Math.log2(bound + 1));
}

/** Every term in the title: the embedded backend's "title matches first". */
function titleAll(terms: readonly QueryTerm[]): estypes.QueryDslQueryContainer {
  return { bool: { filter: terms.map((term) => termInField(term, "title")) } };
}

const NEWEST: estypes.SortCombinations[] = [{ date: { order: "desc", missing: "_last" } }, { id: { order: "desc" } }];

interface Source {
  id: string;
  original?: { title?: string; body?: string };
}

function sortFacet(field: string, counts: FacetCount[]): FacetCount[] {
  return counts.sort(
    (a, b) =>
      b.count - a.count || (field === "year" ? Number(b.value) - Number(a.value) : a.value.localeCompare(b.value)),
  );
}

function bucketsOf(aggregation: estypes.AggregationsAggregate | undefined): FacetCount[] {
  if (!aggregation || !("buckets" in aggregation) || !Array.isArray(aggregation.buckets)) return [];
  const buckets: unknown[] = aggregation.buckets;
  return buckets.flatMap((bucket) => {
    if (!isRecord(bucket) || typeof bucket.doc_count !== "number") return [];
    const value = bucket.key_as_string ?? bucket.key;
    return bucket.doc_count > 0 ? [{ value: String(value), count: bucket.doc_count }] : [];
  });
}

export interface ElasticsearchSearchOptions {
  /** Prepended to each collection's name to name its index; lower case, e.g. "yong-". */
  indexPrefix?: string;
}

export class ElasticsearchSearch implements SearchBackend {
  readonly name = "elasticsearch" as const;
  /** Indexes this process has created or seen; another process's clear is caught on the next write. */
  private readonly known = new Set<string>();

  private constructor(
    private readonly client: Client,
    private readonly prefix: string,
  ) {}

  static async open(url: string, options: ElasticsearchSearchOptions = {}): Promise<ElasticsearchSearch> {
    const prefix = options.indexPrefix ?? "yong-";
    if (prefix !== "" && !INDEX_PART.test(prefix)) {
      throw new ElasticsearchSearchError(
        `index prefix ${JSON.stringify(prefix)} must be lower-case letters, digits, - or _`,
      );
    }
    const client = new Client({ node: url });
    try {
      // One attempt: a node that is down should fail the start at once, not after the client's retries.
      const info = await client.info({}, { maxRetries: 0 });
      const major = Number(info.version.number.split(".")[0]);
      if (major !== 8) throw new Error(`version ${info.version.number}; this client speaks to Elasticsearch 8`);
    } catch (error) {
      await client.close();
      throw failure(`connection to ${url}`, error);
    }
    return new ElasticsearchSearch(client, prefix);
  }

  indexName(collection: string): string {
    if (!INDEX_PART.test(collection)) {
      throw new ElasticsearchSearchError(
        `collection name ${JSON.stringify(collection)} must be lower-case letters, digits, - or _`,
      );
    }
    return `${this.prefix}${collection}`;
  }

  /** Creates the index (and its template) unless this process knows it exists. */
  private async ensureIndex(index: string): Promise<void> {
    if (this.known.has(index)) return;
    try {
      await this.client.indices.putIndexTemplate({
        name: index,
        index_patterns: [index],
        // Above the catch-all templates a cluster may have, so these settings win for this exact name.
        priority: 500,
        template: { settings: SETTINGS, mappings: MAPPINGS },
      });
      await this.client.indices.create({ index, settings: SETTINGS, mappings: MAPPINGS });
    } catch (error) {
      // Another process (or a concurrent call) created it first: what it created came from the same template.
      if (!describeError(error).includes("resource_already_exists_exception")) {
        throw failure(`creating index ${index}`, error);
      }
    }
    this.known.add(index);
  }

  async upsert(documents: readonly SearchDocument[]): Promise<void> {
    if (documents.length === 0) return;
    const indexes = new Set<string>();
    const operations: { index: string; lines: [object, object]; bytes: number }[] = [];
    for (const document of documents) {
      const index = this.indexName(document.collection);
      indexes.add(index);
      const source = documentSource(document);
      // UTF-8 of CJK text is 3 bytes per UTF-16 unit; the estimate only sizes the bulk requests.
      const bytes = (document.title.length + document.body.length) * 9 + 512;
      operations.push({ index, lines: [{ index: { _index: index, _id: document.id } }, source], bytes });
    }
    for (const index of indexes) await this.ensureIndex(index);
    await this.bulk(operations, "upsert");
    await this.refreshAfterWrite(indexes);
  }

  async remove(collection: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const index = this.indexName(collection);
    if (!(await this.exists(index))) return;
    const operations = ids.map((id) => ({
      index,
      lines: [{ delete: { _index: index, _id: id } }] as [object],
      bytes: 128,
    }));
    await this.bulk(operations, "remove");
    await this.refreshAfterWrite(new Set([index]));
  }

  /** Deleting the index is the one way to drop every document without the reindex module's delete-by-query. */
  async clear(collection: string): Promise<void> {
    const index = this.indexName(collection);
    try {
      await this.client.indices.delete({ index, ignore_unavailable: true });
    } catch (error) {
      throw failure(`clearing ${index}`, error);
    }
    this.known.delete(index);
    await this.ensureIndex(index);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async exists(index: string): Promise<boolean> {
    if (this.known.has(index)) return true;
    try {
      return await this.client.indices.exists({ index });
    } catch (error) {
      throw failure(`checking index ${index}`, error);
    }
  }

  /**
   * Bulk requests of at most BULK_BYTES; an item Elasticsearch refuses fails
   * the call with its reason (a delete of a missing document is not an error).
   * An index that vanished (another process's clear) is created again and the
   * request retried once.
   */
  private async bulk(
    operations: { index: string; lines: object[]; bytes: number }[],
    action: string,
    retry = true,
  ): Promise<void> {
    let start = 0;
    while (start < operations.length) {
      let end = start;
      let bytes = 0;
      while (end < operations.length && (end === start || bytes + operations[end]!.bytes <= BULK_BYTES)) {
        bytes += operations[end]!.bytes;
        end += 1;
      }
      const chunk = operations.slice(start, end);
      let response: estypes.BulkResponse;
      try {
        response = await this.client.bulk({ operations: chunk.flatMap((operation) => operation.lines) });
      } catch (error) {
        throw failure(action, error);
      }
      if (response.errors) {
        const failed = response.items.flatMap((item) => {
          const result = item.index ?? item.delete ?? item.create ?? item.update;
          return result?.error ? [result] : [];
        });
        if (
          retry &&
          failed.length > 0 &&
          failed.every((result) => result.error?.type === "index_not_found_exception")
        ) {
          for (const index of new Set(chunk.map((operation) => operation.index))) this.known.delete(index);
          for (const index of new Set(chunk.map((operation) => operation.index))) await this.ensureIndex(index);
          await this.bulk(chunk, action, false);
        } else if (failed.length > 0) {
          const first = failed[0]!;
          throw new ElasticsearchSearchError(
            `Elasticsearch ${action} failed for ${failed.length} of ${chunk.length} documents; ` +
              `first: ${first._id}: ${first.error?.type}: ${first.error?.reason}`,
          );
        }
      }
      start = end;
    }
  }

  /**
   * An explicit refresh once the whole call is written, rather than bulk's
   * refresh=wait_for: wait_for costs up to the refresh interval (1 s) per call,
   * which is minutes on a reindex that writes a batch of 200 at a time, and the
   * interface promises that a following search sees the change. A refresh per
   * batch makes one small segment per batch, which the merge policy folds.
   */
  private async refreshAfterWrite(indexes: Set<string>): Promise<void> {
    try {
      await this.client.indices.refresh({ index: [...indexes], ignore_unavailable: true });
    } catch (error) {
      throw failure("refresh", error);
    }
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const index = this.indexName(query.collection);
    const fields = query.facets ?? [];
    const empty: SearchResult = { total: 0, totalExact: true, hits: [], facets: {} };
    for (const field of fields) empty.facets[field] = [];

    const terms = parseQuery(query.text);
    const filter: estypes.QueryDslQueryContainer[] = [];
    for (const [field, values] of Object.entries(query.filters ?? {})) {
      // A field no document can have (or no value allowed) matches nothing, as in the embedded backend.
      if (values.length === 0 || !FIELD_NAME.test(field)) return empty;
      filter.push({ terms: { [`kw.${field}`]: [...values] } });
    }
    const from =
      query.yearFrom !== undefined && Number.isFinite(query.yearFrom)
        ? Math.max(1, Math.floor(query.yearFrom))
        : undefined;
    const to =
      query.yearTo !== undefined && Number.isFinite(query.yearTo)
        ? Math.min(9999, Math.floor(query.yearTo))
        : undefined;
    if (from !== undefined && to !== undefined && from > to) return empty;
    if (from !== undefined || to !== undefined) filter.push({ range: { year: { gte: from, lte: to } } });
    const dateFrom = calendarDate(query.dateFrom) ?? undefined;
    const dateTo = calendarDate(query.dateTo) ?? undefined;
    if (dateFrom && dateTo && dateFrom > dateTo) return empty;
    if (dateFrom || dateTo) filter.push({ range: { date: { gte: dateFrom, lte: dateTo } } });

    const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, whole(query.pageSize, DEFAULT_PAGE_SIZE)));
    const offset = (Math.min(MAX_OFFSET, Math.max(1, whole(query.page, 1))) - 1) * pageSize;
    const size = Math.max(0, Math.min(pageSize, MAX_OFFSET - offset));

    const titleOnly = query.fields === "title";
    const excluded = parseQuery(query.exclude ?? "");
    // A document with any excluded term where the terms are looked for is left out.
    const mustNot = excluded.map((term) => termAnywhere(term, titleOnly));
    const relevance = terms.length > 0 && (query.sort ?? "relevance") === "relevance";
    // Title-only: every match is in the title, so there is no tier to put first.
    const tier = relevance && !titleOnly ? tierBoost(terms) : 0;
    // Title-only, the body is not searched; this clause (no score) only names the hits with a term in the body
    // too, for their snippets, as the embedded backend looks for one.
    const bodyProbe: estypes.QueryDslQueryContainer[] =
      titleOnly && terms.length > 0
        ? [
            {
              constant_score: {
                filter: { bool: { should: terms.map((term) => termInField(term, "body")) } },
                boost: 0,
              },
            },
          ]
        : [];
    let esQuery: estypes.QueryDslQueryContainer;
    if (relevance) {
      esQuery = {
        bool: {
          must: terms.map((term) => termClause(term, titleOnly)),
          filter,
          must_not: mustNot,
          should: tier > 0 ? [{ constant_score: { filter: titleAll(terms), boost: tier } }] : bodyProbe,
        },
      };
    } else {
      // Newest first needs no scores: everything is a filter.
      esQuery = {
        bool: {
          filter: [...terms.map((term) => termAnywhere(term, titleOnly)), ...filter],
          must_not: mustNot,
          should: bodyProbe,
        },
      };
    }

    const aggregations: Record<string, estypes.AggregationsAggregationContainer> = {};
    for (const field of fields) {
      if (field !== "year" && !FIELD_NAME.test(field)) continue;
      aggregations[field] = { terms: { field: field === "year" ? "year" : `kw.${field}`, size: FACET_SIZE } };
    }

    let response: estypes.SearchResponse<Source>;
    try {
      response = await this.client.search<Source>({
        index,
        // A collection never written to (or just cleared by another process) has no index yet: no matches.
        ignore_unavailable: true,
        query: esQuery,
        from: size > 0 ? offset : 0,
        size,
        sort: relevance ? [{ _score: { order: "desc" } }, ...NEWEST] : NEWEST,
        // Facets make Elasticsearch visit every match anyway, so the exact count costs nothing more.
        track_total_hits: fields.length > 0 ? true : TRACK_TOTAL_HITS,
        aggregations: Object.keys(aggregations).length > 0 ? aggregations : undefined,
        _source: ["id", "original"],
      });
    } catch (error) {
      throw failure(`search in ${index}`, error);
    }

    const totalHits = response.hits.total;
    const total = typeof totalHits === "number" ? totalHits : (totalHits?.value ?? 0);
    const totalExact = typeof totalHits === "number" || totalHits?.relation !== "gte";
    const facets: Record<string, FacetCount[]> = {};
    for (const field of fields) facets[field] = sortFacet(field, bucketsOf(response.aggregations?.[field]));
    const hits: SearchHit[] = response.hits.hits.map((hit) => {
      const source = hit._source;
      const title = source?.original?.title ?? "";
      const body = source?.original?.body ?? "";
      const raw = hit._score ?? 0;
      const matched = hit.matched_queries;
      const inBody = Array.isArray(matched) ? matched.includes(IN_BODY) : matched !== undefined && IN_BODY in matched;
      return {
        id: source?.id ?? hit._id ?? "",
        score: raw >= tier && tier > 0 ? raw - tier : raw,
        title: markAll(title, terms),
        snippet: snippet(body, terms, 120, inBody),
      };
    });
    return { total, totalExact, hits, facets };
  }
}

export async function openElasticsearchSearch(
  url: string,
  options: ElasticsearchSearchOptions = {},
): Promise<SearchBackend> {
  return ElasticsearchSearch.open(url, options);
}
