import type { LocationQuery, LocationQueryRaw } from "vue-router";
import type { ArchiveSearchQuery } from "@/api/archive/records";

/**
 * What an archive search asks for, as the page's URL keeps it: one query
 * parameter per condition (the API's names), lists repeated, so that a search
 * can be bookmarked and shared and the back button returns to the one before.
 */
export const LIST_FIELDS = ["issuer", "docType", "validity", "category"] as const;
export type ListField = (typeof LIST_FIELDS)[number];
export type Scope = "all" | "title";
/** auto: by relevance when there is text, newest first when there is none (the server's default). */
export type SortChoice = "auto" | "relevance" | "newest";

export interface SearchConditions {
  /** 全部词: every word must match. */
  q: string;
  /** 精确短语. */
  phrase: string;
  /** 不包含: any of these words leaves a record out. */
  not: string;
  /** 检索范围: title and text, or the title only. */
  scope: Scope;
  /** 文号, looked up exactly. */
  docNumber: string;
  filters: Record<ListField, string[]>;
  yearFrom?: number;
  yearTo?: number;
  /** 成文日期, YYYY-MM-DD or "". */
  dateFrom: string;
  dateTo: string;
  sort: SortChoice;
}

export const VALIDITIES = ["有效", "已修订", "已废止"] as const;

export function emptyConditions(): SearchConditions {
  return {
    q: "",
    phrase: "",
    not: "",
    scope: "all",
    docNumber: "",
    filters: { issuer: [], docType: [], validity: [], category: [] },
    yearFrom: undefined,
    yearTo: undefined,
    dateFrom: "",
    dateTo: "",
    sort: "auto",
  };
}

export function cloneConditions(c: SearchConditions): SearchConditions {
  return {
    ...c,
    filters: {
      issuer: [...c.filters.issuer],
      docType: [...c.filters.docType],
      validity: [...c.filters.validity],
      category: [...c.filters.category],
    },
  };
}

type QueryValue = LocationQuery[string] | undefined;

const list = (v: QueryValue): string[] =>
  (Array.isArray(v) ? v : v ? [v] : []).filter((x): x is string => typeof x === "string" && x !== "");
const first = (v: QueryValue): string => list(v)[0] ?? "";
const year = (v: QueryValue) => {
  const n = Number(first(v));
  return Number.isInteger(n) && n >= 1900 && n <= 2100 ? n : undefined;
};

/** A YYYY-MM-DD that names a real day, else "" (a hand-edited URL should not end in an error). */
export function calendarDay(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return "";
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value ? value : "";
}

export function readConditions(query: LocationQuery): SearchConditions {
  const c = emptyConditions();
  c.q = first(query.q);
  c.phrase = first(query.phrase);
  c.not = first(query.not);
  c.scope = first(query.in) === "title" ? "title" : "all";
  c.docNumber = first(query.docNumber);
  for (const field of LIST_FIELDS) c.filters[field] = list(query[field]);
  c.yearFrom = year(query.yearFrom);
  c.yearTo = year(query.yearTo);
  c.dateFrom = calendarDay(first(query.dateFrom));
  c.dateTo = calendarDay(first(query.dateTo));
  // A range typed backwards means the same range.
  if (c.yearFrom && c.yearTo && c.yearFrom > c.yearTo) [c.yearFrom, c.yearTo] = [c.yearTo, c.yearFrom];
  if (c.dateFrom && c.dateTo && c.dateFrom > c.dateTo) [c.dateFrom, c.dateTo] = [c.dateTo, c.dateFrom];
  const sort = first(query.sort);
  c.sort = sort === "relevance" || sort === "newest" ? sort : "auto";
  return c;
}

/** The page's URL query for the conditions: only what is set, so a plain search keeps a short URL. */
export function conditionsQuery(c: SearchConditions, page: number): LocationQueryRaw {
  const text = (v: string) => v.trim() || undefined;
  return {
    q: text(c.q),
    phrase: text(c.phrase),
    not: text(c.not),
    in: c.scope === "title" ? "title" : undefined,
    docNumber: text(c.docNumber),
    sort: c.sort === "auto" ? undefined : c.sort,
    page: page > 1 ? String(page) : undefined,
    yearFrom: c.yearFrom ? String(c.yearFrom) : undefined,
    yearTo: c.yearTo ? String(c.yearTo) : undefined,
    dateFrom: c.dateFrom || undefined,
    dateTo: c.dateTo || undefined,
    ...Object.fromEntries(LIST_FIELDS.map((f) => [f, c.filters[f].length ? c.filters[f] : undefined])),
  };
}

export function apiQuery(c: SearchConditions, page: number, pageSize: number): ArchiveSearchQuery {
  return {
    q: c.q.trim() || undefined,
    phrase: c.phrase.trim() || undefined,
    not: c.not.trim() || undefined,
    in: c.scope === "title" ? "title" : undefined,
    docNumber: c.docNumber.trim() || undefined,
    sort: c.sort === "auto" ? undefined : c.sort,
    page,
    pageSize,
    yearFrom: c.yearFrom,
    yearTo: c.yearTo,
    dateFrom: c.dateFrom || undefined,
    dateTo: c.dateTo || undefined,
    ...c.filters,
  };
}

/** One condition in effect, shown as a tag that removes it. */
export type ConditionTag =
  | { kind: "q" | "phrase" | "not" | "scope" | "docNumber" | "years" | "dates"; key: string }
  | { kind: ListField; key: string; value: string };

export function conditionTags(c: SearchConditions): ConditionTag[] {
  const tags: ConditionTag[] = [];
  for (const kind of ["q", "phrase", "not", "docNumber"] as const) {
    if (c[kind].trim()) tags.push({ kind, key: kind });
  }
  if (c.scope === "title") tags.push({ kind: "scope", key: "scope" });
  for (const field of LIST_FIELDS) {
    for (const value of c.filters[field]) tags.push({ kind: field, key: `${field}:${value}`, value });
  }
  if (c.yearFrom || c.yearTo) tags.push({ kind: "years", key: "years" });
  if (c.dateFrom || c.dateTo) tags.push({ kind: "dates", key: "dates" });
  return tags;
}

export function withoutTag(c: SearchConditions, tag: ConditionTag): SearchConditions {
  const next = cloneConditions(c);
  switch (tag.kind) {
    case "q":
    case "phrase":
    case "not":
    case "docNumber":
      next[tag.kind] = "";
      break;
    case "scope":
      next.scope = "all";
      break;
    case "years":
      next.yearFrom = undefined;
      next.yearTo = undefined;
      break;
    case "dates":
      next.dateFrom = "";
      next.dateTo = "";
      break;
    default:
      next.filters[tag.kind] = next.filters[tag.kind].filter((v) => v !== tag.value);
  }
  return next;
}

/** Every condition but the order: what "clear all" removes. */
export function withoutConditions(c: SearchConditions): SearchConditions {
  return { ...emptyConditions(), sort: c.sort };
}
