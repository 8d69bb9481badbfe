/**
 * Browsing the catalogue: the 中图法 tree with counts, lists (new arrivals,
 * most borrowed), full-text search through the shared search interface, and
 * a title's licence state (copies free, queue) for its page.
 *
 * A title counts in its own class and in every class above it that the tree
 * has: K204.2 counts in K2 (历史各国史 中国史) and in K. Filters by class
 * follow the same rule, for a list (from the database) as for a search (from
 * the index, whose documents carry every level in keywords.classCode).
 */
import type { BlobStore } from "../../core/blobStore.js";
import { databaseOf, plainQuery } from "../../core/rows.js";
import type { FacetCount, Marked, SearchBackend, SearchHit } from "../../search/types.js";
import { LibraryClass, LibraryFile, LibraryTitle } from "../models/index.js";
import { levelTwoClassOf, topClassOf } from "./classification.js";
import { LIBRARY_COLLECTION, splitAuthors } from "./titles.js";

/** How far back "most borrowed" counts loans. */
export const POPULAR_DAYS = 90;
const DAY_MS = 24 * 3600_000;
/**
 * A search sorted by something the index does not hold (arrival, loans) is
 * ordered in the database over its first matches, as many as this: a reader
 * who needs more narrows the search.
 */
export const SORTED_MATCH_LIMIT = 500;
/** The index's own page size limit (search/embedded.ts, search/elasticsearch.ts). */
const INDEX_PAGE = 100;

export type TitleSort = "relevance" | "new" | "popular";

/** The classes of the tree a class number counts in: its top class and its second-level class, as they exist. */
export function classPathOf(classNumber: string | null): string[] {
  if (!classNumber) return [];
  return [topClassOf(classNumber), levelTwoClassOf(classNumber)].filter((c): c is string => c !== null);
}

/** Authors and subjects are each kept in one column, joined as services/titles.ts joins them. */
export const splitList = (value: string | null | undefined): string[] => splitAuthors(value ?? "");

const sequelize = () => databaseOf(LibraryTitle);

/** Titles per class number as stored, with language and licence: what counts and facets are made of. */
async function groupedTitles(where: Where = LIVE) {
  const { rows } = await plainQuery(
    sequelize(),
    `SELECT t.classCode, t.language, t.licenceModel, COUNT(*) AS n FROM library_titles t${where.sql}
      GROUP BY t.classCode, t.language, t.licenceModel`,
    where.values,
    null,
  );
  return rows.map((r) => ({
    classCode: r.classCode === null ? null : String(r.classCode),
    language: String(r.language),
    licenceModel: String(r.licenceModel),
    n: Number(r.n),
  }));
}

/** How many titles each class of the tree holds, itself and below. */
export async function classCounts(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const group of await groupedTitles())
    for (const code of classPathOf(group.classCode)) counts.set(code, (counts.get(code) ?? 0) + group.n);
  return counts;
}

export interface ClassNode {
  code: string;
  name: string;
  count: number;
  children: { code: string; name: string; count: number }[];
}

/** The 中图法 tree (22 top classes, their second-level classes) with counts. */
export async function classTree(): Promise<ClassNode[]> {
  const [classes, counts] = await Promise.all([LibraryClass.findAll({ order: [["sortOrder", "ASC"]] }), classCounts()]);
  const tops = classes
    .filter((c) => c.level === 1)
    .map((c): ClassNode => ({ code: c.code, name: c.name, count: counts.get(c.code) ?? 0, children: [] }));
  const byCode = new Map(tops.map((t) => [t.code, t]));
  for (const c of classes)
    if (c.level === 2 && c.parentCode)
      byCode.get(c.parentCode)?.children.push({ code: c.code, name: c.name, count: counts.get(c.code) ?? 0 });
  return tops;
}

/** A class with its parent and children, for its page; null when the tree has no such class. */
export async function classWithContext(code: string) {
  const found = await LibraryClass.findByPk(code);
  if (!found) return null;
  const [parent, children, counts] = await Promise.all([
    found.parentCode ? LibraryClass.findByPk(found.parentCode) : null,
    LibraryClass.findAll({ where: { parentCode: code }, order: [["sortOrder", "ASC"]] }),
    classCounts(),
  ]);
  const node = (c: LibraryClass) => ({ code: c.code, name: c.name, count: counts.get(c.code) ?? 0 });
  return { ...node(found), parent: parent ? node(parent) : null, children: children.map(node) };
}

/** The names of the classes above and including a class number: K204.2 → [K 历史、地理, K2 中国史]. */
export async function classNamePath(classNumber: string | null): Promise<{ code: string; name: string }[]> {
  const path = classPathOf(classNumber);
  if (!path.length) return [];
  const found = new Map((await LibraryClass.findAll({ where: { code: path } })).map((c) => [c.code, c.name]));
  return path.flatMap((code) => (found.has(code) ? [{ code, name: found.get(code)! }] : []));
}

export interface TitleSearch {
  q: string;
  classCode?: string;
  language?: string;
  licence?: string;
  sort: TitleSort;
  page: number;
  pageSize: number;
}

export interface TitleFound {
  title: LibraryTitle;
  /** Marked where the query matched; the plain title for a list. */
  marked: Marked;
  snippet: Marked | null;
}

export interface TitleSearchResult {
  items: TitleFound[];
  total: number;
  facets: { classCode: FacetCount[]; language: FacetCount[]; licenceModel: FacetCount[] };
}

/** A WHERE clause over library_titles as `t`, with its values. */
interface Where {
  sql: string;
  values: unknown[];
}
/** Titles withdrawn from the catalogue are in no count, list or search answer. */
const LIVE: Where = { sql: " WHERE t.withdrawnAt IS NULL", values: [] };

/** Class numbers stored in the catalogue that count in `code` (a class of the tree). */
async function classNumbersUnder(code: string): Promise<string[]> {
  const { rows } = await plainQuery(
    sequelize(),
    "SELECT DISTINCT classCode FROM library_titles WHERE classCode IS NOT NULL AND withdrawnAt IS NULL",
    [],
    null,
  );
  return rows.map((r) => String(r.classCode)).filter((c) => classPathOf(c).includes(code));
}

async function listWhere(search: TitleSearch, ids?: number[]): Promise<Where> {
  const clauses = ["t.withdrawnAt IS NULL"];
  const values: unknown[] = [];
  if (search.classCode) {
    const numbers = await classNumbersUnder(search.classCode);
    if (!numbers.length) return { sql: " WHERE 1 = 0", values: [] };
    clauses.push("t.classCode IN (?)");
    values.push(numbers);
  }
  if (search.language) {
    clauses.push("t.language = ?");
    values.push(search.language);
  }
  if (search.licence) {
    clauses.push("t.licenceModel = ?");
    values.push(search.licence);
  }
  if (ids) {
    if (!ids.length) return { sql: " WHERE 1 = 0", values: [] };
    clauses.push("t.id IN (?)");
    values.push(ids);
  }
  return { sql: ` WHERE ${clauses.join(" AND ")}`, values };
}

/** Facet counts of the titles a list shows: top class, language, licence. */
async function listFacets(where: Where): Promise<TitleSearchResult["facets"]> {
  const tally = { classCode: new Map<string, number>(), language: new Map<string, number>(), licenceModel: new Map() };
  const add = (map: Map<string, number>, key: string, n: number) => map.set(key, (map.get(key) ?? 0) + n);
  for (const g of await groupedTitles(where)) {
    const top = g.classCode ? topClassOf(g.classCode) : null;
    if (top) add(tally.classCode, top, g.n);
    add(tally.language, g.language, g.n);
    add(tally.licenceModel, g.licenceModel, g.n);
  }
  const sorted = (map: Map<string, number>): FacetCount[] =>
    [...map]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
  return {
    classCode: sorted(tally.classCode),
    language: sorted(tally.language),
    licenceModel: sorted(tally.licenceModel),
  };
}

const ORDER: Record<Exclude<TitleSort, "relevance">, string> = {
  new: "t.createdAt DESC, t.id DESC",
  popular: "loans DESC, t.createdAt DESC, t.id DESC",
};

/** Ids of a page of titles in list order (newest arrivals, or most loans in the last POPULAR_DAYS). */
async function orderedIds(where: Where, sort: "new" | "popular", offset: number, limit: number, now: Date) {
  const since = new Date(now.getTime() - POPULAR_DAYS * DAY_MS);
  const { rows } = await plainQuery(
    sequelize(),
    `SELECT t.id AS id, (SELECT COUNT(*) FROM library_loans l WHERE l.titleId = t.id AND l.borrowedAt >= ?) AS loans
       FROM library_titles t${where.sql}
      ORDER BY ${ORDER[sort]} LIMIT ? OFFSET ?`,
    [since, ...where.values, limit, offset],
    null,
  );
  return rows.map((r) => Number(r.id));
}

/** Live titles by id, in the order given (a hit the index still has for a title withdrawn since is dropped). */
async function titlesInOrder(ids: number[]): Promise<LibraryTitle[]> {
  const found = new Map((await LibraryTitle.findAll({ where: { id: ids, withdrawnAt: null } })).map((t) => [t.id, t]));
  return ids.flatMap((id) => (found.has(id) ? [found.get(id)!] : []));
}

const plain = (text: string): Marked => ({ text, marks: [] });

/** The catalogue without a query: filtered in the database, in arrival or loan order. */
async function listTitles(search: TitleSearch, now: Date): Promise<TitleSearchResult> {
  const where = await listWhere(search);
  const { rows } = await plainQuery(
    sequelize(),
    `SELECT COUNT(*) AS n FROM library_titles t${where.sql}`,
    where.values,
    null,
  );
  const sort = search.sort === "popular" ? "popular" : "new";
  const ids = await orderedIds(where, sort, (search.page - 1) * search.pageSize, search.pageSize, now);
  const titles = await titlesInOrder(ids);
  return {
    items: titles.map((title) => ({ title, marked: plain(title.title), snippet: null })),
    total: Number(rows[0]?.n ?? 0),
    facets: await listFacets(where),
  };
}

function indexQuery(search: TitleSearch, page: number, pageSize: number) {
  const filters: Record<string, string[]> = {};
  if (search.classCode) filters.classCode = [search.classCode];
  if (search.language) filters.language = [search.language];
  if (search.licence) filters.licenceModel = [search.licence];
  return {
    collection: LIBRARY_COLLECTION,
    text: search.q,
    filters,
    sort: "relevance" as const,
    page,
    pageSize,
    facets: ["classCode", "language", "licenceModel"],
  };
}

/** Only top classes in the class facet: a title's document carries its second-level class as well. */
function searchFacets(facets: Record<string, FacetCount[]>): TitleSearchResult["facets"] {
  return {
    classCode: (facets.classCode ?? []).filter((f) => /^[A-Z]$/.test(f.value)),
    language: facets.language ?? [],
    licenceModel: facets.licenceModel ?? [],
  };
}

const found = (title: LibraryTitle, hit: SearchHit): TitleFound => ({
  title,
  marked: hit.title,
  snippet: hit.snippet.text ? hit.snippet : null,
});

/**
 * Titles matching a query, highlighted: by relevance straight from the index,
 * or, sorted by arrival or loans, the first SORTED_MATCH_LIMIT matches
 * ordered in the database. A hit whose title was deleted since is skipped.
 */
async function searchTitlesByText(backend: SearchBackend, search: TitleSearch, now: Date): Promise<TitleSearchResult> {
  if (search.sort === "relevance") {
    const result = await backend.search(indexQuery(search, search.page, search.pageSize));
    const titles = new Map((await titlesInOrder(result.hits.map((h) => Number(h.id)))).map((t) => [t.id, t]));
    return {
      items: result.hits.flatMap((h) => (titles.has(Number(h.id)) ? [found(titles.get(Number(h.id))!, h)] : [])),
      total: result.total,
      facets: searchFacets(result.facets),
    };
  }
  const hits = new Map<number, SearchHit>();
  let facets: Record<string, FacetCount[]> = {};
  let total = 0;
  for (let page = 1; (page - 1) * INDEX_PAGE < SORTED_MATCH_LIMIT; page++) {
    const result = await backend.search(indexQuery(search, page, INDEX_PAGE));
    if (page === 1) {
      facets = result.facets;
      total = result.total;
    }
    for (const h of result.hits) hits.set(Number(h.id), h);
    if (result.hits.length < INDEX_PAGE) break;
  }
  const where = await listWhere(search, [...hits.keys()]);
  const ids = await orderedIds(where, search.sort, (search.page - 1) * search.pageSize, search.pageSize, now);
  const titles = await titlesInOrder(ids);
  return {
    items: titles.map((t) => found(t, hits.get(t.id)!)),
    total: Math.min(total, hits.size),
    facets: searchFacets(facets),
  };
}

/** The catalogue's search and lists (GET /api/library/titles). */
export function searchTitles(backend: SearchBackend, search: TitleSearch, now = new Date()) {
  return search.q.trim() ? searchTitlesByText(backend, search, now) : listTitles(search, now);
}

/** The first titles of a list, for the library's home page. */
export async function titleShelf(sort: "new" | "popular", limit: number, now = new Date()) {
  return titlesInOrder(await orderedIds(LIVE, sort, 0, limit, now));
}

export interface LicenceState {
  /** Copies not lent nor kept for a ready hold; null for open access. */
  available: number | null;
  /** Patrons in the queue (waiting, not yet offered a copy). */
  waiting: number;
}

async function countOf(sql: string, values: unknown[]): Promise<number> {
  const { rows } = await plainQuery(sequelize(), sql, values, null);
  return Number(rows[0]?.n ?? 0);
}

/** Copies free now and the queue, counted as lending.ts counts them (active loans + copies kept for ready holds). */
export async function licenceState(title: LibraryTitle, now = new Date()): Promise<LicenceState> {
  const waiting = await countOf("SELECT COUNT(*) AS n FROM library_holds WHERE titleId = ? AND state = 'waiting'", [
    title.id,
  ]);
  if (title.licenceModel === "open") return { available: null, waiting };
  const loans = await countOf("SELECT COUNT(*) AS n FROM library_loans WHERE titleId = ? AND state = 'active'", [
    title.id,
  ]);
  const kept = await countOf(
    "SELECT COUNT(*) AS n FROM library_holds WHERE titleId = ? AND state = 'ready' AND claimUntil > ?",
    [title.id, now],
  );
  return { available: Math.max(0, title.copies - loans - kept), waiting };
}

export interface PatronState {
  loan: { id: number; dueAt: Date; renewals: number } | null;
  hold: { id: number; state: "waiting" | "ready"; position: number; claimUntil: Date | null } | null;
}

/** A patron's active loan and open hold of a title, with the hold's place in the queue (1 = next). */
export async function patronState(titleId: number, userId: number): Promise<PatronState> {
  const { rows: loans } = await plainQuery(
    sequelize(),
    "SELECT id, dueAt, renewals FROM library_loans WHERE titleId = ? AND userId = ? AND state = 'active'",
    [titleId, userId],
    null,
  );
  const { rows: holds } = await plainQuery(
    sequelize(),
    "SELECT id, state, createdAt, claimUntil FROM library_holds WHERE titleId = ? AND userId = ? AND state IN ('waiting', 'ready')",
    [titleId, userId],
    null,
  );
  const loan = loans[0];
  const hold = holds[0];
  let position = 0;
  if (hold?.state === "waiting")
    // Those who queued before (first come first served, ties by id as lending.ts promotes them), plus this one.
    position =
      1 +
      (await countOf(
        "SELECT COUNT(*) AS n FROM library_holds WHERE titleId = ? AND state = 'waiting' AND (createdAt < ? OR (createdAt = ? AND id < ?))",
        [titleId, hold.createdAt, hold.createdAt, hold.id],
      ));
  return {
    loan: loan ? { id: Number(loan.id), dueAt: asDate(loan.dueAt), renewals: Number(loan.renewals) } : null,
    hold: hold
      ? {
          id: Number(hold.id),
          state: hold.state === "ready" ? "ready" : "waiting",
          position,
          claimUntil: hold.claimUntil ? asDate(hold.claimUntil) : null,
        }
      : null,
  };
}

/** A date column as plainQuery answers it (a Date on MariaDB, SQLite's text on SQLite). */
function asDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}

export async function filesOf(titleId: number): Promise<LibraryFile[]> {
  return LibraryFile.findAll({ where: { titleId }, order: [["id", "ASC"]] });
}

/** Image types a cover may be stored as, by their first bytes (the title keeps only the cover's hash). */
const IMAGE_SIGNATURES: [type: string, offset: number, bytes: number[]][] = [
  ["image/png", 0, [0x89, 0x50, 0x4e, 0x47]],
  ["image/jpeg", 0, [0xff, 0xd8, 0xff]],
  ["image/gif", 0, [0x47, 0x49, 0x46, 0x38]],
  ["image/webp", 8, [0x57, 0x45, 0x42, 0x50]],
];

/** The media type of a stored cover from its first bytes; null when it is no image a browser should show. */
export async function coverMediaType(blobs: BlobStore, sha256: string): Promise<string | null> {
  const stat = await blobs.stat(sha256);
  if (!stat || stat.size === 0) return null;
  const head: Buffer[] = [];
  for await (const chunk of await blobs.open(sha256, { start: 0, end: Math.min(11, stat.size - 1) }))
    head.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const bytes = Buffer.concat(head);
  const match = IMAGE_SIGNATURES.find(([, offset, sig]) => sig.every((b, i) => bytes[offset + i] === b));
  return match?.[0] ?? null;
}
