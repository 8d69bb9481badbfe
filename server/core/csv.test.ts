import { describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { csvSafeOptions, escapeCsvCell } from "./csv.js";

describe("CSV cells a spreadsheet would run as formulas", () => {
  it("prefixes cells starting with = + - @ tab or CR with an apostrophe", () => {
    for (const cell of ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]) {
      expect(escapeCsvCell(cell)).toBe(`'${cell}`);
    }
  });

  it("leaves other text alone, formula characters later in the cell included", () => {
    for (const cell of ["张三", "a=b", "zhang.san@example.gov.cn", "0771-5550000", "", " =1", '{"a":1}']) {
      expect(escapeCsvCell(cell)).toBe(cell);
    }
  });

  it("escapes every text cell csv-stringify writes and keeps the rest of the row readable", () => {
    const out = stringify([{ name: '=HYPERLINK("http://x")', n: 5, note: "line\nbreak" }], {
      ...csvSafeOptions,
      header: true,
      columns: ["name", "n", "note"],
    });
    expect(parse(out, { columns: true })).toEqual([{ name: '\'=HYPERLINK("http://x")', n: "5", note: "line\nbreak" }]);
  });
});
