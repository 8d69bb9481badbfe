import { describe, expect, it } from "vitest";
import { formatSize, listDate, searchFromQuery, searchToQuery } from "./data";

describe("webmail helpers", () => {
  it("writes sizes as people read them", () => {
    expect(formatSize(12)).toBe("12 B");
    expect(formatSize(1536)).toBe("1.5 KB");
    expect(formatSize(50 * 1024 * 1024)).toBe("50 MB");
    expect(formatSize(2048 * 1024 * 1024)).toBe("2 GB");
  });

  it("keeps a search in the address and reads it back", () => {
    const search = { q: "教师", from: "电力网", dateFrom: "2006-03-01", hasAttachments: true, folderId: 7 };
    const query = searchToQuery(search);
    expect(query).toMatchObject({ q: "教师", from: "电力网", dateFrom: "2006-03-01", att: "1", sf: "7" });
    const read = searchFromQuery(
      Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as Record<string, string>,
    );
    expect(read).toEqual(search);
    expect(searchFromQuery({ q: "  ", page: "2" })).toBeNull();
    expect(searchFromQuery({ sf: "x" })).toBeNull();
  });

  it("dates a list row by how recent it is", () => {
    const now = new Date(2026, 10, 28, 15, 0);
    expect(listDate(new Date(2026, 10, 28, 9, 5).toISOString(), "en-GB", now)).toBe("09:05");
    expect(listDate(new Date(2026, 2, 7, 9, 5).toISOString(), "en-GB", now)).toBe("7 Mar");
    expect(listDate(new Date(2006, 2, 7, 9, 5).toISOString(), "en-GB", now)).toBe("07/03/2006");
  });
});
