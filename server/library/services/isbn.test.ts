import { describe, expect, it } from "vitest";
import { parseIsbn } from "./isbn.js";

describe("parseIsbn", () => {
  it("takes an ISBN-13 with hyphens or spaces and keeps it as is", () => {
    // A 中华书局 (publisher prefix 7-101) number and O'Reilly's "Programming Perl", 3rd ed.
    expect(parseIsbn("978-7-101-00304-8")).toEqual({ ok: true, isbn13: "9787101003048" });
    expect(parseIsbn("978 0 596 00027 1")).toEqual({ ok: true, isbn13: "9780596000271" });
    expect(parseIsbn("ISBN 978-0-596-00027-1")).toEqual({ ok: true, isbn13: "9780596000271" });
  });

  it("turns an ISBN-10 into its ISBN-13, an X check character included", () => {
    expect(parseIsbn("7-101-00304-4")).toEqual({ ok: true, isbn13: "9787101003048" });
    expect(parseIsbn("0-596-00027-8")).toEqual({ ok: true, isbn13: "9780596000271" });
    // "The C Programming Language", 2nd ed.: 0-13-110362-8 → 978-0-13-110362-7; and a number ending in X.
    expect(parseIsbn("0131103628")).toEqual({ ok: true, isbn13: "9780131103627" });
    expect(parseIsbn("0-8044-2957-x")).toEqual({ ok: true, isbn13: "9780804429573" });
  });

  it("refuses a wrong check digit", () => {
    expect(parseIsbn("978-7-101-00304-9")).toEqual({ ok: false, reason: "check_digit" });
    expect(parseIsbn("7-101-00304-5")).toEqual({ ok: false, reason: "check_digit" });
    expect(parseIsbn("0-8044-2957-1")).toEqual({ ok: false, reason: "check_digit" });
  });

  it("catches every single mistyped digit", () => {
    const good = "9787101003048";
    for (let at = 0; at < good.length; at++) {
      for (let digit = 0; digit <= 9; digit++) {
        const typo = good.slice(0, at) + String(digit) + good.slice(at + 1);
        if (typo === good) continue;
        expect(parseIsbn(typo).ok, typo).toBe(false);
      }
    }
  });

  it("refuses what is not an ISBN at all", () => {
    for (const text of ["", "12345", "97871010030481", "977-7-101-00304-8", "X101003044", "7-101-0030X-4", "史记"]) {
      expect(parseIsbn(text), text).toEqual({ ok: false, reason: "format" });
    }
  });
});
