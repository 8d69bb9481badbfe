/**
 * The embedded search backend: SQLite FTS5 in a file of its own (under
 * DATA_DIR), whatever database holds the records.
 *
 * Layout
 * - documents: the original title, body and date, for snippets and marks. Its
 *   rowid is the document's date (YYYYMMDD, 0 when undated) times 2^24 plus a
 *   sequence number, so that rowid order is date order: "newest"
 *   is FTS5's own descending rowid scan (it stops after a page), and a year
 *   range is a rowid range. FTS5 takes a rowid bound as where to stop, not
 *   where to start, though: a newest-first walk down to 1990 stepped over every
 *   newer match first (人民 in 1983–1990: 150 ms at 1M documents). So each
 *   document's tags also carry its century, decade, year and month (c19, d198,
 *   y1985, m198503), and a range that ends before the newest documents is
 *   ANDed into the MATCH as the fewest such tokens that cover it, through
 *   which FTS5 seeks as it does for a rare filter (periodMatch).
 * - fts_<n>, one contentless FTS5 table per collection (a search in one
 *   collection never walks the other's matches): the pre-tokenised title and
 *   body (analysis.ts), unicode61 only splitting on the spaces between tokens,
 *   detail=full for phrases, and a one-character prefix index for queries of
 *   one character (see below). Contentless, because the text is in documents
 *   already; contentless_delete so that rows can be replaced. A third column,
 *   tags, holds one token per keyword value (a hash of field and value), so
 *   that filters are part of the MATCH: FTS5 intersects them with the text's
 *   matches itself, instead of SQLite checking each match against a table (a
 *   rare filter on a common term would walk every match of the term).
 * - keyword_values (id, collection, field, value) and doc_keywords (doc,
 *   field, value) as ids: facets are counted by grouping integers.
 * - months (collection, month, n): documents per month, for estimated totals.
 *
 * One-character queries. analysis.ts makes every CJK character start one token
 * (bigrams plus each run's last character), so a query of one character is a
 * prefix query (税*). Without a prefix index FTS5 merges the doclists of every
 * bigram that starts with the character; prefix='1' indexes those merged
 * lists. Measured on the laws corpus (1,584 files, 8.7M characters): the file
 * grows from 61.7 to 76.3 MB (+24%) and 法 goes from 23 ms to 4.6 ms.
 *
 * Cost bound. FTS5's cost grows with the number of matches (issue 9 measured
 * ~1.5 µs per match for bm25, 0.45 µs for a year facet, 0.23 µs for a count at
 * 1M documents). Each search first walks at most EXACT_LIMIT matches, newest
 * first, counting facets as it goes (one statement). When that exhausts the
 * matches, the total and the facets are exact, and so is relevance (bm25,
 * title weight TITLE_WEIGHT, title matches first) up to RANK_LIMIT matches.
 * Beyond those limits the term is common and the work is bounded:
 * - order: documents matching every term in the title first (by bm25 when they
 *   are at most RANK_LIMIT, else newest first), then the rest newest first;
 *   title matches come from a second, title-only FTS5 table (titles_<n>),
 *   because a {title} column filter on the main table walks every body match
 *   of the terms' tokens (37 ms for 人民政府 at 1M documents);
 * - total: the share of matches among the newest documents walked, times the
 *   documents in range (from the monthly counts), flagged totalExact=false;
 * - facets: counted over the walked matches and scaled the same way (years
 *   before the walked stretch get the same share of their documents).
 * The answer is always made of real phrase matches; only the order of a common
 * term and the counts are approximate. The estimates assume a term is as
 * frequent in older documents as in the newest walked: on 1M documents built
 * from the laws they were within 4% for 人民, 人民政府 and 法, 10–15% off for
 * 第一条 and 中华人民共和国, and 17–36% off for 土地, 个人信息 and 教育, whose
 * frequency varies over time in that data. Sampling older stretches as well
 * would cost a pass over the newer matches (above).
 *
 * Title-only searches (fields: "title") match in titles_<n> throughout, for
 * the reason above. Exclusions (不包含) are FTS5's NOT in the MATCH, which seeks
 * the excluded phrases' doclists to each match instead of reading them; bm25
 * statements check them in SQL instead, because bm25 would count every
 * excluded phrase's documents for its IDF. A common term's title tier reads the
 * excluded documents' ids (the titles table has no body to check them
 * against), so when those are more than EXACT_LIMIT too, the order is newest
 * first without the tier. Date ranges are rowid ranges like years.
 *
 * Measured on this kind of machine (2 cores shared with other work), 20
 * queries with four keyword facets and years, relevance and newest, with and
 * without a filter:
 * - laws corpus (1,584 files, 8.7M characters): indexed in 5.4 s, 76.9 MB;
 *   p50 4 ms, p95 8 ms;
 * - 1M documents of 1,000 characters built from the laws: indexed in 37 min
 *   (niced, beside other work), 9.5 GB; p50 9.5 ms, p95 15–24 ms.
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import sqlite3 from "sqlite3";
import { markAll, parseQuery, snippet, tokensOfNormalised, normalise, type QueryTerm } from "./analysis.js";
import { calendarDate } from "./dates.js";
import type { FacetCount, SearchBackend, SearchDocument, SearchHit, SearchQuery, SearchResult } from "./types.js";

/** Matches walked before the search switches to bounded work (see above); ~8 ms with five facets. */
export const EXACT_LIMIT = 5_000;
/** bm25 weight of a title match over a body match. */
const TITLE_WEIGHT = 10;
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;
/** Pages deeper than this are not served: each costs a walk over everything before it. */
export const MAX_OFFSET = 10_000;
const SEQUENCE = 2 ** 24;
/**
 * Matches ranked by bm25 when there are at most this many (~6 µs each at 1M
 * documents: 4,400 matches took 26 ms); more are ordered title matches first,
 * then newest, as for a common term.
 */
export const RANK_LIMIT = 2_000;
/** Bodies longer than this are searched for a snippet only when FTS5 says they match (see present). */
const LONG_BODY = 32_768;
const MAX_DATE_KEY = 99_991_231;

type Param = string | number | null;

/** A connection with promises; rows come back typed by the caller's query. */
class Connection {
  constructor(private readonly db: sqlite3.Database) {}

  static open(file: string): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(file, (error) => (error ? reject(error) : resolve(new Connection(db))));
      db.configure("busyTimeout", 10_000);
    });
  }

  all<T>(sql: string, params: readonly Param[] = []): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.db.all(sql, params, (error: Error | null, rows: T[]) => (error ? reject(error) : resolve(rows)));
    });
  }

  async get<T>(sql: string, params: readonly Param[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  run(sql: string, params: readonly Param[] = []): Promise<void> {
    return new Promise((resolve, reject) => {
      this.db.run(sql, params, (error: Error | null) => (error ? reject(error) : resolve()));
    });
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.db.exec(sql, (error: Error | null) => (error ? reject(error) : resolve()));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve())));
  }
}

/** Bumped when the layout changes: an index of another version is dropped and must be rebuilt (search:reindex). */
const SCHEMA_VERSION = 4;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS collections (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS documents (
  rowid INTEGER PRIMARY KEY,
  collection INTEGER NOT NULL,
  id TEXT NOT NULL,
  date TEXT,
  title TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS documents_by_id ON documents (collection, id);
CREATE INDEX IF NOT EXISTS documents_by_collection ON documents (collection);
CREATE TABLE IF NOT EXISTS keyword_fields (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS keyword_values (
  id INTEGER PRIMARY KEY,
  collection INTEGER NOT NULL,
  field TEXT NOT NULL,
  value TEXT NOT NULL,
  UNIQUE (collection, field, value)
);
CREATE TABLE IF NOT EXISTS doc_keywords (
  doc INTEGER NOT NULL,
  field INTEGER NOT NULL,
  value INTEGER NOT NULL,
  PRIMARY KEY (doc, field, value)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS months (
  collection INTEGER NOT NULL,
  month INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (collection, month)
) WITHOUT ROWID;
`;

const TABLES = ["collections", "documents", "keyword_fields", "keyword_values", "doc_keywords", "months"];

const FTS_SETTINGS =
  "content='', contentless_delete=1, detail=full, prefix='1', " +
  "tokenize=\"unicode61 remove_diacritics 0 categories 'L* N* Co M*'\"";

/**
 * Creates the layout, or replaces one of another version: the index is
 * derived data, rebuilt from the records by a reindex.
 */
async function migrate(connection: Connection): Promise<void> {
  const version = (await connection.get<{ user_version: number }>("PRAGMA user_version"))?.user_version ?? 0;
  if (version !== SCHEMA_VERSION) {
    const tables = await connection.all<{ name: string }>(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND (name GLOB 'fts_*' OR name GLOB 'titles_*') AND sql LIKE 'CREATE VIRTUAL TABLE%'",
    );
    for (const { name } of tables) await connection.exec(`DROP TABLE IF EXISTS "${name}"`);
    for (const name of [...TABLES, "keywords"]) await connection.exec(`DROP TABLE IF EXISTS ${name}`);
  }
  await connection.exec(SCHEMA);
  if (version !== SCHEMA_VERSION) await connection.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
}

/** A whole number from the caller, or the default when it is missing or not a number. */
function whole(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) ? Math.floor(value) : fallback;
}

/** YYYYMMDD of a YYYY-MM-DD date; 0 when there is none (undated documents sort last). */
function dateKey(date: string | null): number {
  const match = date ? /^(\d{4})-(\d{2})-(\d{2})/.exec(date) : null;
  if (!match) return 0;
  const key = Number(match[1]) * 10_000 + Number(match[2]) * 100 + Number(match[3]);
  return key > 0 && key <= MAX_DATE_KEY ? key : 0;
}

const keyOf = (rowid: number) => Math.floor(rowid / SEQUENCE);
const monthOf = (key: number) => Math.floor(key / 100);

function keywordPairs(document: SearchDocument): [string, string][] {
  const pairs = new Set<string>();
  const result: [string, string][] = [];
  for (const [field, value] of Object.entries(document.keywords)) {
    if (value === null || value === undefined) continue;
    for (const item of typeof value === "string" ? [value] : value) {
      const key = `${field}\u0000${item}`;
      if (pairs.has(key)) continue;
      pairs.add(key);
      result.push([field, item]);
    }
  }
  return result;
}

/** A term as an FTS5 phrase: its tokens quoted, the last one a prefix when it must be. */
function phrase(term: QueryTerm): string {
  const last = term.tokens[term.tokens.length - 1];
  // Tokens hold only letters, digits and marks (analysis.ts), so nothing in them needs quoting.
  return `"${term.tokens.map((token) => token.text).join(" ")}"${last?.prefix ? " *" : ""}`;
}

/** The token of a keyword value in the tags column: letters and digits only, whatever the value. */
function tagToken(field: string, value: string): string {
  return `k${createHash("sha256").update(`${field}\u0000${value}`).digest("hex").slice(0, 20)}`;
}

/** An SQL condition on f.rowid (" AND …") with its parameters. */
type Condition = [string, Param[]];

const NO_CONDITION: Condition = ["", []];

/**
 * Tokens in the tags column that place a dated document in time: its century,
 * decade, year and month (c20, d202, y2024, m202403). A date range is then part
 * of the MATCH as well as a rowid range (see periodMatch).
 */
function periodTokensOf(key: number): string[] {
  if (key === 0) return [];
  const year = Math.floor(key / 10_000);
  const month = Math.floor(key / 100) % 100;
  return [
    `c${Math.floor(year / 100)}`,
    `d${Math.floor(year / 10)}`,
    `y${year}`,
    `m${year}${String(month).padStart(2, "0")}`,
  ];
}

/**
 * The fewest period tokens that cover the months from `from` to `to` (YYYYMM,
 * both included): whole centuries, decades and years as one token each, the
 * months at either end one by one. 1983-01 to 1990-12 is y1983 … y1989 y1990.
 */
export function periodTokens(from: number, to: number): string[] {
  const index = (month: number) => Math.floor(month / 100) * 12 + ((month % 100) - 1);
  const end = index(to);
  const tokens: string[] = [];
  for (let at = index(from); at <= end;) {
    const year = Math.floor(at / 12);
    const month = at % 12;
    if (month === 0 && year % 100 === 0 && (year + 100) * 12 - 1 <= end) {
      tokens.push(`c${year / 100}`);
      at += 1200;
    } else if (month === 0 && year % 10 === 0 && (year + 10) * 12 - 1 <= end) {
      tokens.push(`d${year / 10}`);
      at += 120;
    } else if (month === 0 && (year + 1) * 12 - 1 <= end) {
      tokens.push(`y${year}`);
      at += 12;
    } else {
      tokens.push(`m${year}${String(month + 1).padStart(2, "0")}`);
      at += 1;
    }
  }
  return tokens;
}

interface Plan {
  fts: string;
  titles: string;
  /** The table the search matches in: titles for a title-only search (fields: "title"), else fts. */
  table: string;
  titleOnly: boolean;
  collection: number;
  /** Every term as a phrase, ANDed, without a column filter; null for an empty query. */
  terms: string | null;
  /** The filters as tags ({tags} : (a OR b) AND …); null without filters. */
  filter: string | null;
  /** The date range as period tags, when it ends before the newest documents (periodMatch); else null. */
  period: string | null;
  /** The excluded terms as phrases, ORed, in the search's columns ({title body} or {title}); null without any. */
  exclude: string | null;
  /** FTS5 query of the whole search in `table`; null when it is every document in range (but the excluded). */
  match: string | null;
  /** The filters as an SQL condition on f.rowid (doc_keywords), for statements that keep tags out of the MATCH. */
  filterSql: string | null;
  filterParams: Param[];
  lo: number;
  hi: number;
}

function both(...parts: (string | null)[]): string | null {
  const present = parts.filter((part): part is string => part !== null);
  return present.length > 0 ? present.map((part) => `(${part})`).join(" AND ") : null;
}

/** Rowid bounds of a year range; any bound leaves undated documents out (as a date bound does). */
function rowidRange(yearFrom?: number, yearTo?: number): [number, number] {
  const from = yearFrom !== undefined && Number.isFinite(yearFrom) ? Math.max(1, Math.floor(yearFrom)) : undefined;
  const to = yearTo !== undefined && Number.isFinite(yearTo) ? Math.min(9999, Math.floor(yearTo)) : undefined;
  const lo = from !== undefined ? from * 10_000 + 101 : to !== undefined ? 1 : 0;
  const hi = to !== undefined ? to * 10_000 + 1231 : MAX_DATE_KEY;
  return [lo * SEQUENCE, hi * SEQUENCE + SEQUENCE - 1];
}

/** Rowid bounds of a date (YYYY-MM-DD) range; an impossible date is no bound; any bound leaves undated documents out. */
function dateRange(dateFrom?: string, dateTo?: string): [number, number] {
  const from = calendarDate(dateFrom);
  const to = calendarDate(dateTo);
  return [
    (from ? dateKey(from) : to ? 1 : 0) * SEQUENCE,
    to ? dateKey(to) * SEQUENCE + SEQUENCE - 1 : MAX_DATE_KEY * SEQUENCE + SEQUENCE - 1,
  ];
}

/** The rows of `table` that match an FTS5 query in the plan's range, as an SQL subquery. */
function matching(table: string, match: string, plan: Plan): Condition {
  return [`SELECT rowid FROM ${table} WHERE ${table} MATCH ? AND rowid BETWEEN ? AND ?`, [match, plan.lo, plan.hi]];
}

interface SourceOptions {
  /** FTS5 query; the plan's by default. */
  match?: string | null;
  /** More columns after `doc` (", bm25(…) AS score"), with their parameters. */
  select?: string;
  selectParams?: Param[];
  /** The table matched; the plan's by default. */
  table?: string;
  where?: Condition;
}

/**
 * The candidates of a plan, or of another FTS5 query over the same range, as
 * `SELECT f.rowid AS doc …` with its parameters: FTS matches, or every
 * document of the collection when there is nothing to match. An exclusion
 * with nothing to match (no terms, no filters: FTS5's NOT needs something to
 * take from) leaves out the excluded documents' rowids, which costs a pass
 * over all of them; the archive always filters (by openness), so it never
 * takes that way.
 */
function source(plan: Plan, options: SourceOptions = {}): [string, Param[]] {
  const { select = "", selectParams = [], table = plan.table } = options;
  const match = options.match === undefined ? plan.match : options.match;
  let [where, whereParams] = options.where ?? NO_CONDITION;
  if (match) {
    return [
      `SELECT f.rowid AS doc${select} FROM ${table} f WHERE f.${table} MATCH ? AND f.rowid BETWEEN ? AND ?${where}`,
      [...selectParams, match, plan.lo, plan.hi, ...whereParams],
    ];
  }
  if (plan.exclude) {
    const [excluded, excludedParams] = matching(plan.table, plan.exclude, plan);
    where = ` AND f.rowid NOT IN (${excluded})${where}`;
    whereParams = [...excludedParams, ...whereParams];
  }
  return [
    `SELECT f.rowid AS doc${select} FROM documents f WHERE f.collection = ? AND f.rowid BETWEEN ? AND ?${where}`,
    [...selectParams, plan.collection, plan.lo, plan.hi, ...whereParams],
  ];
}

export interface EmbeddedOptions {
  /** Matches walked before bounding the work; lowered only by tests, to reach the bounded path on a small corpus. */
  exactLimit?: number;
  /** Matches ranked by bm25 at most; lowered only by tests, like exactLimit. */
  rankLimit?: number;
}

interface Ranked {
  doc: number;
  score: number;
}

export class EmbeddedSearch implements SearchBackend {
  readonly name = "embedded" as const;
  private writes: Promise<unknown> = Promise.resolve();
  private collectionIds = new Map<string, number>();
  private monthCounts = new Map<number, Map<number, number>>();
  private dataVersion = -1;

  private constructor(
    private readonly writer: Connection,
    private readonly reader: Connection,
    private readonly exactLimit: number,
    private readonly rankLimit: number,
  ) {}

  static async open(file: string, options: EmbeddedOptions = {}): Promise<EmbeddedSearch> {
    mkdirSync(dirname(file), { recursive: true });
    const writer = await Connection.open(file);
    await writer.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    await migrate(writer);
    // Searches read through a second connection: they see committed data only, and never wait for a write.
    const reader = await Connection.open(file);
    return new EmbeddedSearch(
      writer,
      reader,
      options.exactLimit ?? EXACT_LIMIT,
      Math.min(options.exactLimit ?? EXACT_LIMIT, options.rankLimit ?? RANK_LIMIT),
    );
  }

  /** Writes one after another on the writer connection, each in its own transaction. */
  private write<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writes.then(async () => {
      await this.writer.exec("BEGIN IMMEDIATE");
      try {
        const result = await work();
        await this.writer.exec("COMMIT");
        return result;
      } catch (error) {
        await this.writer.exec("ROLLBACK");
        throw error;
      }
    });
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** Another process (a reindex) may have written: caches hold only while the file is unchanged. */
  private async refreshCaches(): Promise<void> {
    const row = await this.reader.get<{ data_version: number }>("PRAGMA data_version");
    const version = row?.data_version ?? 0;
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    this.collectionIds.clear();
    this.monthCounts.clear();
  }

  private async collectionId(name: string, create: boolean): Promise<number | undefined> {
    const connection = create ? this.writer : this.reader;
    const known = create ? undefined : this.collectionIds.get(name);
    if (known !== undefined) return known;
    const row = await connection.get<{ id: number }>("SELECT id FROM collections WHERE name = ?", [name]);
    if (row) {
      if (!create) this.collectionIds.set(name, row.id);
      return row.id;
    }
    if (!create) return undefined;
    await this.writer.run("INSERT INTO collections (name) VALUES (?)", [name]);
    const created = await this.writer.get<{ id: number }>("SELECT id FROM collections WHERE name = ?", [name]);
    await this.writer.exec(`CREATE VIRTUAL TABLE fts_${created!.id} USING fts5(title, body, tags, ${FTS_SETTINGS})`);
    await this.writer.exec(`CREATE VIRTUAL TABLE titles_${created!.id} USING fts5(title, tags, ${FTS_SETTINGS})`);
    return created!.id;
  }

  upsert(documents: readonly SearchDocument[]): Promise<void> {
    if (documents.length === 0) return Promise.resolve();
    return this.write(async () => {
      const months = new Map<string, number>();
      const nextSequence = new Map<number, number>();
      const ids = new Map<string, number>();
      const collections = new Map<string, number>();
      for (const document of documents) {
        let collection = collections.get(document.collection);
        if (collection === undefined) {
          collection = (await this.collectionId(document.collection, true))!;
          collections.set(document.collection, collection);
        }
        const old = await this.writer.get<{ rowid: number }>(
          "SELECT rowid FROM documents WHERE collection = ? AND id = ?",
          [collection, document.id],
        );
        const key = dateKey(document.date);
        let rowid: number;
        if (old) await this.deleteRow(collection, old.rowid, months);
        if (old && keyOf(old.rowid) === key) {
          rowid = old.rowid;
        } else {
          let next = nextSequence.get(key);
          if (next === undefined) {
            const last = await this.writer.get<{ last: number | null }>(
              "SELECT max(rowid) AS last FROM documents WHERE rowid BETWEEN ? AND ?",
              [key * SEQUENCE, key * SEQUENCE + SEQUENCE - 1],
            );
            next = last?.last != null ? last.last + 1 : key * SEQUENCE;
          }
          if (next >= key * SEQUENCE + SEQUENCE) throw new Error(`more than ${SEQUENCE} documents dated ${key}`);
          rowid = next;
          nextSequence.set(key, next + 1);
        }
        const pairs = keywordPairs(document);
        await this.writer.run(
          "INSERT INTO documents (rowid, collection, id, date, title, body) VALUES (?, ?, ?, ?, ?, ?)",
          [rowid, collection, document.id, document.date, document.title, document.body],
        );
        const title = tokensOfNormalised(normalise(document.title)).join(" ");
        const tags = [...pairs.map(([field, value]) => tagToken(field, value)), ...periodTokensOf(key)].join(" ");
        await this.writer.run(`INSERT INTO fts_${collection} (rowid, title, body, tags) VALUES (?, ?, ?, ?)`, [
          rowid,
          title,
          tokensOfNormalised(normalise(document.body)).join(" "),
          tags,
        ]);
        await this.writer.run(`INSERT INTO titles_${collection} (rowid, title, tags) VALUES (?, ?, ?)`, [
          rowid,
          title,
          tags,
        ]);
        for (const [field, value] of pairs) {
          const fieldId = await this.interned(
            ids,
            `f\u0000${field}`,
            "INSERT INTO keyword_fields (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
            [field],
          );
          const valueId = await this.interned(
            ids,
            `v\u0000${collection}\u0000${field}\u0000${value}`,
            "INSERT INTO keyword_values (collection, field, value) VALUES (?, ?, ?) " +
              "ON CONFLICT (collection, field, value) DO UPDATE SET value = excluded.value RETURNING id",
            [collection, field, value],
          );
          await this.writer.run("INSERT INTO doc_keywords (doc, field, value) VALUES (?, ?, ?)", [
            rowid,
            fieldId,
            valueId,
          ]);
        }
        const month = `${collection}:${monthOf(key)}`;
        months.set(month, (months.get(month) ?? 0) + 1);
      }
      await this.applyMonths(months);
    });
  }

  /** The id of a keyword field or value, created if new; remembered for one write only (a clear may drop it). */
  private async interned(cache: Map<string, number>, key: string, sql: string, params: Param[]): Promise<number> {
    const known = cache.get(key);
    if (known !== undefined) return known;
    const row = await this.writer.get<{ id: number }>(sql, params);
    cache.set(key, row!.id);
    return row!.id;
  }

  private async deleteRow(collection: number, rowid: number, months: Map<string, number>): Promise<void> {
    await this.writer.run(`DELETE FROM fts_${collection} WHERE rowid = ?`, [rowid]);
    await this.writer.run(`DELETE FROM titles_${collection} WHERE rowid = ?`, [rowid]);
    await this.writer.run("DELETE FROM doc_keywords WHERE doc = ?", [rowid]);
    await this.writer.run("DELETE FROM documents WHERE rowid = ?", [rowid]);
    const month = `${collection}:${monthOf(keyOf(rowid))}`;
    months.set(month, (months.get(month) ?? 0) - 1);
  }

  private async applyMonths(months: Map<string, number>): Promise<void> {
    for (const [key, delta] of months) {
      if (delta === 0) continue;
      const [collection, month] = key.split(":").map(Number);
      await this.writer.run(
        "INSERT INTO months (collection, month, n) VALUES (?, ?, ?) ON CONFLICT (collection, month) DO UPDATE SET n = n + excluded.n",
        [collection!, month!, delta],
      );
    }
    await this.writer.run("DELETE FROM months WHERE n <= 0");
  }

  remove(collectionName: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    return this.write(async () => {
      const collection = await this.writer.get<{ id: number }>("SELECT id FROM collections WHERE name = ?", [
        collectionName,
      ]);
      if (!collection) return;
      const months = new Map<string, number>();
      for (const id of ids) {
        const row = await this.writer.get<{ rowid: number }>(
          "SELECT rowid FROM documents WHERE collection = ? AND id = ?",
          [collection.id, id],
        );
        if (row) await this.deleteRow(collection.id, row.rowid, months);
      }
      await this.applyMonths(months);
    });
  }

  clear(collectionName: string): Promise<void> {
    return this.write(async () => {
      const collection = await this.writer.get<{ id: number }>("SELECT id FROM collections WHERE name = ?", [
        collectionName,
      ]);
      if (!collection) return;
      // Dropping the FTS table is far cheaper than deleting its rows one by one.
      await this.writer.exec(`DROP TABLE IF EXISTS fts_${collection.id}`);
      await this.writer.exec(`DROP TABLE IF EXISTS titles_${collection.id}`);
      await this.writer.run(
        "DELETE FROM doc_keywords WHERE doc IN (SELECT rowid FROM documents WHERE collection = ?)",
        [collection.id],
      );
      for (const table of ["documents", "keyword_values", "months"]) {
        await this.writer.run(`DELETE FROM ${table} WHERE collection = ?`, [collection.id]);
      }
      await this.writer.run("DELETE FROM collections WHERE id = ?", [collection.id]);
    });
  }

  async close(): Promise<void> {
    await this.writes;
    await this.reader.close();
    await this.writer.close();
  }

  /**
   * A range that ends before the collection's newest documents, as period tags
   * for the MATCH ({tags} : (y1983 OR … OR y1990)); null for any other range.
   *
   * FTS5 takes a rowid range as where to stop, not where to start: walking a
   * common term newest first down to 1990 stepped over every newer match
   * first (人民 in 1983–1990: 40–110 ms at 1M documents, growing with the
   * matches after the range), and an ascending walk from the lower bound does
   * the same with the older ones. ANDed with the period's tags instead, it
   * seeks through the doclists (as it does for a rare filter), and the rowid
   * range still trims the days at either end. Ranges open at the newest end
   * need nothing: the walk starts there and stops at the lower bound.
   */
  private async periodMatch(collection: number, lo: number, hi: number): Promise<string | null> {
    const counts = await this.months(collection);
    let newest = 0;
    let oldest = Infinity;
    for (const [month, n] of counts) {
      if (month === 0 || n <= 0) continue;
      newest = Math.max(newest, month);
      oldest = Math.min(oldest, month);
    }
    const toMonth = monthOf(keyOf(hi));
    if (newest === 0 || toMonth >= newest) return null;
    const fromMonth = Math.max(oldest, monthOf(keyOf(lo)));
    if (fromMonth > toMonth) return null;
    return `{tags} : (${periodTokens(fromMonth, toMonth).join(" OR ")})`;
  }

  private async months(collection: number): Promise<Map<number, number>> {
    let counts = this.monthCounts.get(collection);
    if (!counts) {
      const rows = await this.reader.all<{ month: number; n: number }>(
        "SELECT month, n FROM months WHERE collection = ?",
        [collection],
      );
      counts = new Map(rows.map((row) => [row.month, row.n]));
      this.monthCounts.set(collection, counts);
    }
    return counts;
  }

  /**
   * The monthly counts for a plan's range: a month the range only partly
   * covers (a date range that starts or ends inside it) counts the documents
   * of the covered days, counted exactly — a month's documents at most, where
   * prorating would make the total of an unnarrowed list wrong.
   */
  private async monthsInRange(collection: number, plan: Plan): Promise<Map<number, number>> {
    const counts = await this.months(collection);
    const edges = new Set<number>();
    const loKey = keyOf(plan.lo);
    const hiKey = keyOf(plan.hi);
    if (loKey > 0 && loKey % 100 > 1) edges.add(monthOf(loKey));
    if (hiKey < MAX_DATE_KEY && hiKey % 100 < 31) edges.add(monthOf(hiKey));
    if (edges.size === 0) return counts;
    const adjusted = new Map(counts);
    for (const month of edges) {
      if (!counts.has(month)) continue;
      const from = Math.max(plan.lo, month * 100 * SEQUENCE);
      const to = Math.min(plan.hi, (month * 100 + 99) * SEQUENCE + SEQUENCE - 1);
      const row = await this.reader.get<{ n: number }>(
        "SELECT count(*) AS n FROM documents WHERE collection = ? AND rowid BETWEEN ? AND ?",
        [collection, from, to],
      );
      adjusted.set(month, row?.n ?? 0);
    }
    return adjusted;
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    await this.refreshCaches();
    const empty: SearchResult = { total: 0, totalExact: true, hits: [], facets: {} };
    for (const field of query.facets ?? []) empty.facets[field] = [];
    const collection = await this.collectionId(query.collection, false);
    if (collection === undefined) return empty;

    const terms = parseQuery(query.text);
    const excluded = parseQuery(query.exclude ?? "");
    const [yearLo, yearHi] = rowidRange(query.yearFrom, query.yearTo);
    const [dateLo, dateHi] = dateRange(query.dateFrom, query.dateTo);
    const [lo, hi] = [Math.max(yearLo, dateLo), Math.min(yearHi, dateHi)];
    if (lo > hi) return empty;
    const filters = Object.entries(query.filters ?? {});
    if (filters.some(([, values]) => values.length === 0)) return empty;
    const termsMatch = terms.length > 0 ? terms.map(phrase).join(" AND ") : null;
    const filter =
      filters.length > 0
        ? filters
            .map(([field, values]) => `{tags} : (${values.map((value) => `"${tagToken(field, value)}"`).join(" OR ")})`)
            .join(" AND ")
        : null;
    const titleOnly = query.fields === "title";
    // The terms never match the tags column. A title-only search matches in the titles table, whose
    // title column is the main table's: {title} on the main table would walk every body match too.
    const columns = titleOnly ? "{title}" : "{title body}";
    const exclude = excluded.length > 0 ? `${columns} : (${excluded.map(phrase).join(" OR ")})` : null;
    const period = await this.periodMatch(collection, lo, hi);
    const matched = both(termsMatch && `${columns} : (${termsMatch})`, filter);
    // Every document in range (no terms, no filters) is read from the documents table, which seeks to the range.
    const positive = matched && period ? both(matched, period) : matched;
    const plan: Plan = {
      fts: `fts_${collection}`,
      titles: `titles_${collection}`,
      table: titleOnly ? `titles_${collection}` : `fts_${collection}`,
      titleOnly,
      collection,
      terms: termsMatch,
      filter,
      period,
      exclude,
      // FTS5's NOT walks the excluded phrases' doclists alongside the matches, seeking, never counting them.
      match: positive && exclude ? `(${positive}) NOT (${exclude})` : positive,
      filterSql:
        filters.length > 0
          ? filters
              .map(
                ([, values]) =>
                  "EXISTS (SELECT 1 FROM doc_keywords dk WHERE dk.doc = f.rowid AND dk.value IN " +
                  "(SELECT id FROM keyword_values WHERE collection = ? AND field = ? AND value IN " +
                  `(${values.map(() => "?").join(", ")})))`,
              )
              .join(" AND ")
          : null,
      filterParams: filters.flatMap(([field, values]) => [collection, field, ...values]),
      lo,
      hi,
    };
    const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, whole(query.pageSize, DEFAULT_PAGE_SIZE)));
    const offset = (Math.min(MAX_OFFSET, Math.max(1, whole(query.page, 1))) - 1) * pageSize;

    const fields = query.facets ?? [];
    const walk = await this.walk(plan, fields);
    const exact = walk.walked <= this.exactLimit;
    const passed = walk.walked;

    let total = passed;
    let totalExact = exact;
    let scale = 1;
    const facetCounts = walk.facets;
    if (!exact) {
      const counts = await this.monthsInRange(collection, plan);
      const estimate = estimateAbove(counts, walk.last, plan.lo, plan.hi);
      const density = estimate.above > 0 ? passed / estimate.above : 0;
      total = Math.min(estimate.inRange, Math.max(passed, Math.round(density * estimate.inRange)));
      const everything = !plan.match && !plan.exclude;
      if (everything) {
        // Every document in range: the monthly counts are exact.
        total = estimate.inRange;
        totalExact = true;
      }
      scale = passed > 0 ? total / passed : 0;
      const years = facetCounts.get("year");
      if (years) {
        if (everything) facetCounts.set("year", yearsInRange(counts, plan));
        else addUnwalkedYears(years, counts, plan, walk.last, estimate.aboveByMonth, density);
      }
    }
    const facets: Record<string, FacetCount[]> = {};
    for (const [field, values] of facetCounts) {
      facets[field] = [...values]
        .map(([value, count]) => ({ value, count: Math.round(field === "year" ? count : count * scale) }))
        .filter(({ count }) => count > 0)
        .sort(
          (a, b) =>
            b.count - a.count ||
            (field === "year" ? Number(b.value) - Number(a.value) : a.value.localeCompare(b.value)),
        );
    }
    const ranked =
      offset >= MAX_OFFSET
        ? []
        : await this.rank(plan, query.sort ?? "relevance", exact && total <= this.rankLimit, offset, pageSize);
    const hits = await this.present(plan, ranked, terms);
    return { total, totalExact, hits, facets };
  }

  /**
   * One statement walks at most exactLimit + 1 matches, newest first, once
   * (MATERIALIZED): how many there were, the oldest walked, and the facet
   * counts among them. When the walk ends before the limit, those are every
   * match and the counts are exact; otherwise they are counts of the newest
   * matches, scaled by the caller.
   */
  private async walk(
    plan: Plan,
    fields: readonly string[],
  ): Promise<{ walked: number; last: number; facets: Map<string, Map<string, number>> }> {
    const [walkSql, walkParams] = source(plan);
    const keywordFields = fields.filter((field) => field !== "year");
    const parts = ["SELECT 0 AS kind, NULL AS field, min(doc) AS value, count(*) AS n FROM w"];
    if (keywordFields.length > 0) {
      parts.push(
        `SELECT 1, v.field, v.value, c.n FROM (
           SELECT dk.value AS id, count(*) AS n FROM w JOIN doc_keywords dk ON dk.doc = w.doc
           WHERE dk.field IN (SELECT id FROM keyword_fields WHERE name IN (${keywordFields.map(() => "?").join(", ")}))
           GROUP BY dk.value
         ) c JOIN keyword_values v ON v.id = c.id`,
      );
    }
    if (fields.includes("year")) {
      parts.push(
        `SELECT 2, NULL, (doc / ${SEQUENCE}) / 10000 AS year, count(*) FROM w WHERE doc >= ${SEQUENCE} GROUP BY year`,
      );
    }
    const rows = await this.reader.all<{
      kind: number;
      field: string | null;
      value: string | number | null;
      n: number;
    }>(`WITH w AS MATERIALIZED (${walkSql} ORDER BY f.rowid DESC LIMIT ?) ${parts.join(" UNION ALL ")}`, [
      ...walkParams,
      this.exactLimit + 1,
      ...keywordFields,
    ]);
    const facets = new Map<string, Map<string, number>>(fields.map((field) => [field, new Map()]));
    let walked = 0;
    let last = 0;
    for (const row of rows) {
      if (row.kind === 0) {
        walked = row.n;
        last = Number(row.value ?? 0);
      } else if (row.kind === 1) facets.get(row.field!)?.set(String(row.value), row.n);
      else facets.get("year")!.set(String(row.value), row.n);
    }
    return { walked, last, facets };
  }

  /** The page's documents in order, with their scores; `ranked`: few enough matches for bm25 over all. */
  private async rank(
    plan: Plan,
    sort: "relevance" | "newest",
    ranked: boolean,
    offset: number,
    limit: number,
  ): Promise<Ranked[]> {
    const newest = async (options: SourceOptions, take: number, skip: number) => {
      const [sql, params] = source(plan, options);
      const rows = await this.reader.all<{ doc: number }>(`${sql} ORDER BY f.rowid DESC LIMIT ? OFFSET ?`, [
        ...params,
        take,
        skip,
      ]);
      return rows.map(({ doc }) => ({ doc, score: 0 }));
    };
    /** Matches of an FTS5 query, up to exactLimit + 1: whether there are few enough to rank or to list. */
    const countUpTo = async (options: SourceOptions) => {
      const [sql, params] = source(plan, options);
      const row = await this.reader.get<{ n: number }>(`SELECT count(*) AS n FROM (${sql} LIMIT ?)`, [
        ...params,
        this.exactLimit + 1,
      ]);
      return row!.n;
    };
    if (!plan.terms || sort === "newest") return newest({}, limit, offset);
    /**
     * bm25 over the matches of `terms` in `table`. bm25 counts the documents of every phrase in its MATCH
     * once per statement (the IDF), and a tag such as 公开 is in most documents (~20 ms at 1M). So when the
     * terms alone match few enough rows, the filters are checked in SQL instead of in the MATCH; an
     * exclusion is checked in SQL always, for the same reason (`keep`: the rows to keep).
     */
    const scored = async (
      table: string,
      terms: string,
      weights: string,
      order: string,
      keep: Condition,
      more = "",
      moreParams: Param[] = [],
    ) => {
      let match = both(terms, plan.filter);
      let where: Condition = keep;
      if (plan.filterSql && (await countUpTo({ match: terms, table })) <= this.exactLimit) {
        match = terms;
        where = [`${keep[0]} AND ${plan.filterSql}`, [...keep[1], ...plan.filterParams]];
      }
      const [sql, params] = source(plan, {
        match,
        select: `, bm25(f.${table}, ${weights}) AS score${more}`,
        selectParams: moreParams,
        table,
        where,
      });
      const rows = await this.reader.all<{ doc: number; score: number }>(`${sql} ORDER BY ${order} LIMIT ? OFFSET ?`, [
        ...params,
        limit,
        offset,
      ]);
      return rows.map(({ doc, score }) => ({ doc, score: -score }));
    };
    const inTitle = `{title} : (${plan.terms})`;
    if (ranked) {
      // Few matches (the walk counted them all): with an exclusion, the rows kept are the plan's own matches.
      // The unary + keeps SQLite from handing the IN to FTS5 as rowid lookups (~0.1–0.5 ms each).
      let keep = NO_CONDITION;
      if (plan.exclude && plan.match) {
        const [matchedSql, matchedParams] = matching(plan.table, plan.match, plan);
        keep = [` AND +f.rowid IN (${matchedSql})`, matchedParams];
      }
      if (plan.titleOnly) return scored(plan.titles, inTitle, "1.0, 0.0", "score, f.rowid DESC", keep);
      return scored(
        plan.fts,
        `{title body} : (${plan.terms})`,
        `${TITLE_WEIGHT}, 1.0, 0.0`,
        "inTitle DESC, score, f.rowid DESC",
        keep,
        `, f.rowid IN (SELECT rowid FROM ${plan.titles} WHERE ${plan.titles} MATCH ?) AS inTitle`,
        [inTitle],
      );
    }
    // A common term in titles only: every match is a title match, newest first.
    if (plan.titleOnly) return newest({}, limit, offset);
    /**
     * A common term: title matches first, then the rest newest first (see the top of the file). Title
     * matches come from the titles table: in the main one, {title} would walk every body match of the
     * terms' tokens. The titles table has no body to check an exclusion against, so the excluded rows
     * are left out in SQL, which reads them all: when there are more than exactLimit of them (a common
     * term excluded as well), the answer is newest first without the title tier.
     */
    let keep = NO_CONDITION;
    if (plan.exclude) {
      const excluded = both(plan.exclude, plan.period)!;
      if ((await countUpTo({ match: excluded, table: plan.fts })) > this.exactLimit) return newest({}, limit, offset);
      const [excludedSql, excludedParams] = matching(plan.fts, excluded, plan);
      keep = [` AND f.rowid NOT IN (${excludedSql})`, excludedParams];
    }
    const titles = { match: both(inTitle, plan.filter, plan.period)!, table: plan.titles, where: keep };
    const titleCount = await countUpTo(titles);
    const result =
      titleCount <= this.rankLimit
        ? await scored(plan.titles, inTitle, "1.0, 0.0", "score, f.rowid DESC", keep)
        : await newest(titles, limit, offset);
    if (result.length === limit) return result;
    let titleTotal = offset + result.length;
    if (result.length === 0 && offset > 0) {
      if (titleCount <= this.exactLimit) titleTotal = titleCount;
      else {
        const [sql, params] = source(plan, titles);
        titleTotal = (await this.reader.get<{ n: number }>(`SELECT count(*) AS n FROM (${sql})`, params))!.n;
      }
    }
    const rest = await newest(
      { match: `(${plan.match}) NOT ${inTitle}` },
      limit - result.length,
      Math.max(0, offset - titleTotal),
    );
    return [...result, ...rest];
  }

  private async present(plan: Plan, ranked: Ranked[], terms: readonly QueryTerm[]): Promise<SearchHit[]> {
    if (ranked.length === 0) return [];
    const places = ranked.map(() => "?").join(", ");
    const docs = ranked.map(({ doc }) => doc);
    const rows = await this.reader.all<{ rowid: number; id: string; title: string; body: string }>(
      `SELECT rowid, id, title, body FROM documents WHERE rowid IN (${places})`,
      docs,
    );
    const byRowid = new Map(rows.map((row) => [row.rowid, row]));
    // A long body (a book) that has no match, its document found by the title alone, would be scanned in
    // vain for a snippet: FTS5 says which have one. It costs a lookup per document (~0.1–0.5 ms each on a
    // common phrase), more than scanning a short body, so short bodies are simply scanned.
    const long = rows.filter((row) => row.body.length > LONG_BODY).map((row) => row.rowid);
    const inBody = new Set(rows.filter((row) => row.body.length <= LONG_BODY).map((row) => row.rowid));
    if (terms.length > 0 && long.length > 0) {
      const bodyRows = await this.reader.all<{ doc: number }>(
        `SELECT rowid AS doc FROM ${plan.fts} WHERE ${plan.fts} MATCH ? AND rowid IN (${long.map(() => "?").join(", ")})`,
        [`{body} : (${terms.map(phrase).join(" OR ")})`, ...long],
      );
      for (const { doc } of bodyRows) inBody.add(doc);
    }
    return ranked.flatMap(({ doc, score }) => {
      const row = byRowid.get(doc);
      if (!row) return [];
      return [
        {
          id: row.id,
          score,
          title: markAll(row.title, terms),
          snippet: snippet(row.body, terms, 120, inBody.has(doc)),
        },
      ];
    });
  }
}

/** Documents per year in the plan's range, from the monthly counts (exact). */
function yearsInRange(counts: Map<number, number>, plan: Plan): Map<string, number> {
  const years = new Map<string, number>();
  for (const [month, n] of counts) {
    if (month === 0 || !monthInRange(month, plan)) continue;
    const year = String(Math.floor(month / 100));
    years.set(year, (years.get(year) ?? 0) + n);
  }
  return years;
}

function monthInRange(month: number, plan: Plan): boolean {
  const key = month * 100;
  return (key + 99) * SEQUENCE + SEQUENCE - 1 >= plan.lo && key * SEQUENCE <= plan.hi;
}

/**
 * The year counts of a bounded walk cover the walked (newest) stretch only:
 * each month older than the walk adds its documents times the share of
 * matches among the documents walked.
 */
function addUnwalkedYears(
  years: Map<string, number>,
  counts: Map<number, number>,
  plan: Plan,
  last: number,
  aboveByMonth: Map<number, number>,
  density: number,
): void {
  const lastMonth = monthOf(keyOf(last));
  for (const [month, n] of counts) {
    if (month === 0 || month > lastMonth || !monthInRange(month, plan)) continue;
    const rest = n - (aboveByMonth.get(month) ?? 0);
    if (rest <= 0) continue;
    const year = String(Math.floor(month / 100));
    years.set(year, (years.get(year) ?? 0) + rest * density);
  }
}

/**
 * Documents in [last, hi] (what a newest-first walk that stopped at `last` has
 * passed over) and in [lo, hi], from the monthly counts; the month of `last`
 * counts by the share of its days that were walked.
 */
function estimateAbove(
  counts: Map<number, number>,
  last: number,
  lo: number,
  hi: number,
): { above: number; inRange: number; aboveByMonth: Map<number, number> } {
  const lastKey = keyOf(last);
  const lastMonth = monthOf(lastKey);
  let above = 0;
  let inRange = 0;
  const aboveByMonth = new Map<number, number>();
  for (const [month, n] of counts) {
    const monthLo = month === 0 ? 0 : month * 100 * SEQUENCE;
    const monthHi = month === 0 ? SEQUENCE - 1 : (month * 100 + 99) * SEQUENCE + SEQUENCE - 1;
    if (monthHi < lo || monthLo > hi) continue;
    inRange += n;
    let share = 0;
    if (month > lastMonth) share = n;
    else if (month === lastMonth) {
      // Undated documents have no days: count half of them as walked.
      share = month === 0 ? n / 2 : (n * (31 - (lastKey % 100) + 1)) / 31;
    }
    if (share > 0) {
      above += share;
      aboveByMonth.set(month, share);
    }
  }
  return { above, inRange, aboveByMonth: aboveByMonth };
}

export async function openEmbeddedSearch(file: string, options?: EmbeddedOptions): Promise<SearchBackend> {
  return EmbeddedSearch.open(file, options);
}
