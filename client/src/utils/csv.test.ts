import { describe, expect, it } from "vitest";
import { csvCell, csvLines } from "./csv";

describe("CSV the browser builds", () => {
  it("prefixes cells a spreadsheet would run as formulas with an apostrophe", () => {
    expect(csvCell("=cmd|' /C calc'!A0")).toBe("'=cmd|' /C calc'!A0");
    for (const cell of ["+1", "-1+1", "@SUM(A1)"]) expect(csvCell(cell)).toBe(`'${cell}`);
    expect(csvCell("\t=1")).toBe("'\t=1");
    expect(csvCell("\r=1")).toBe('"\'\r=1"');
  });

  it("quotes commas, quotes and line breaks and leaves ordinary text alone", () => {
    expect(csvCell("张三")).toBe("张三");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell(42)).toBe("42");
    expect(csvCell(null)).toBe("");
    expect(
      csvLines([
        ["username", "initialPassword"],
        ["zhang.san", "-Ab3#xyz"],
      ]),
    ).toBe("username,initialPassword\r\nzhang.san,'-Ab3#xyz\r\n");
  });
});
