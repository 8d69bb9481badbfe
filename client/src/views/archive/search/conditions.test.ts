import { describe, expect, it } from "vitest";
import type { LocationQuery, LocationQueryRaw } from "vue-router";
import {
  apiQuery,
  conditionsQuery,
  conditionTags,
  readConditions,
  withoutConditions,
  withoutTag,
  type SearchConditions,
} from "./conditions";

/** The URL's query as the router reads it back after a push: through a real URL, a key repeated as a list. */
function roundTrip(query: LocationQueryRaw): LocationQuery {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  const back: LocationQuery = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    back[key] = values.length === 1 ? values[0]! : values;
  }
  return back;
}

const advanced: LocationQuery = {
  q: "义务教育 学校",
  phrase: "适龄儿童",
  not: "高等",
  in: "title",
  docNumber: "南府发[2006]12号",
  issuer: ["南宁市人民政府", "南宁市教育局"],
  validity: "有效",
  yearFrom: "2000",
  yearTo: "2010",
  dateFrom: "2006-03-01",
  dateTo: "2006-03-31",
  sort: "newest",
  page: "3",
};

describe("archive search conditions in the URL", () => {
  it("reads every condition of the advanced form and writes the same URL back", () => {
    const c = readConditions(advanced);
    expect(c).toMatchObject({
      q: "义务教育 学校",
      phrase: "适龄儿童",
      not: "高等",
      scope: "title",
      docNumber: "南府发[2006]12号",
      filters: { issuer: ["南宁市人民政府", "南宁市教育局"], docType: [], validity: ["有效"], category: [] },
      yearFrom: 2000,
      yearTo: 2010,
      dateFrom: "2006-03-01",
      dateTo: "2006-03-31",
      sort: "newest",
    });
    expect(roundTrip(conditionsQuery(c, 3))).toEqual(advanced);
    expect(readConditions(roundTrip(conditionsQuery(c, 1)))).toEqual(c);
  });

  it("keeps a plain search's URL short and asks the API for nothing unset", () => {
    const c = readConditions({ q: "教育" });
    expect(roundTrip(conditionsQuery(c, 1))).toEqual({ q: "教育" });
    const query = apiQuery(c, 1, 20);
    expect(Object.entries(query).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))).toEqual([
      ["q", "教育"],
      ["page", 1],
      ["pageSize", 20],
    ]);
  });

  it("passes the advanced conditions to the API under its parameter names", () => {
    expect(apiQuery(readConditions(advanced), 3, 20)).toMatchObject({
      q: "义务教育 学校",
      phrase: "适龄儿童",
      not: "高等",
      in: "title",
      docNumber: "南府发[2006]12号",
      issuer: ["南宁市人民政府", "南宁市教育局"],
      validity: ["有效"],
      yearFrom: 2000,
      yearTo: 2010,
      dateFrom: "2006-03-01",
      dateTo: "2006-03-31",
      sort: "newest",
      page: 3,
    });
  });

  it("drops what a hand-edited URL gets wrong instead of sending it, and turns backward ranges round", () => {
    const c = readConditions({
      in: "body",
      dateFrom: "2006-02-30",
      dateTo: "2006-3-7",
      yearFrom: "2010",
      yearTo: "1999",
      sort: "oldest",
    });
    expect(c).toMatchObject({ scope: "all", dateFrom: "", dateTo: "", yearFrom: 1999, yearTo: 2010, sort: "auto" });
    const backwards = readConditions({ dateFrom: "2010-01-01", dateTo: "2009-12-31" });
    expect([backwards.dateFrom, backwards.dateTo]).toEqual(["2009-12-31", "2010-01-01"]);
  });
});

describe("archive search condition tags", () => {
  const c: SearchConditions = readConditions(advanced);

  it("shows one tag per condition in effect, one per chosen value", () => {
    expect(conditionTags(c).map((tag) => tag.key)).toEqual([
      "q",
      "phrase",
      "not",
      "docNumber",
      "scope",
      "issuer:南宁市人民政府",
      "issuer:南宁市教育局",
      "validity:有效",
      "years",
      "dates",
    ]);
    expect(conditionTags(readConditions({}))).toEqual([]);
  });

  it("removes exactly the condition of the tag closed, and clearing all keeps the order", () => {
    for (const tag of conditionTags(c)) {
      const left = conditionTags(withoutTag(c, tag)).map((t) => t.key);
      expect(left).toEqual(
        conditionTags(c)
          .map((t) => t.key)
          .filter((key) => key !== tag.key),
      );
    }
    const issuerTag = conditionTags(c).find((tag) => tag.key === "issuer:南宁市教育局")!;
    expect(withoutTag(c, issuerTag).filters.issuer).toEqual(["南宁市人民政府"]);
    // The conditions shown are not changed in place.
    expect(c.filters.issuer).toHaveLength(2);
    const cleared = withoutConditions(c);
    expect(conditionTags(cleared)).toEqual([]);
    expect(cleared.sort).toBe("newest");
  });
});
