import { describe, expect, it } from "vitest";
import { columnWidths, GRID, MM, planImprint, TYPE_AREA } from "./compose.js";
import { chineseDate } from "./format.js";

describe("the grid of GB/T 9704-2012", () => {
  it("fills the 156 × 225 mm type area with 22 lines of 28 characters", () => {
    expect(GRID.cell * GRID.columns).toBeCloseTo(156 * MM, 6);
    expect(GRID.pitch * GRID.rows).toBeCloseTo(225 * MM, 6);
    // A 3号 (16 pt) character is just wider than its cell, as in word processors' document grids.
    expect(GRID.cell).toBeGreaterThan(15.7);
    expect(GRID.cell).toBeLessThan(16);
    expect(TYPE_AREA.left).toBeCloseTo(28 * MM, 6);
    expect(TYPE_AREA.top).toBeCloseTo(37 * MM, 6);
  });
});

describe("planImprint", () => {
  it("puts the 版记 below the text of an even page with room", () => {
    expect(planImprint(4, 12, 2)).toEqual({ addPages: 0, numbered: true });
    expect(planImprint(2, 19, 2)).toEqual({ addPages: 0, numbered: true });
  });

  it("gives it the next, even, page when the text ends on an odd page, numbered", () => {
    expect(planImprint(1, 5, 2)).toEqual({ addPages: 1, numbered: true });
    expect(planImprint(3, 21, 3)).toEqual({ addPages: 1, numbered: true });
  });

  it("adds a blank page and then its own, neither numbered, when an even page is too full", () => {
    expect(planImprint(2, 20, 2)).toEqual({ addPages: 2, numbered: false });
    expect(planImprint(6, 22, 1)).toEqual({ addPages: 2, numbered: false });
  });
});

describe("columnWidths", () => {
  it("gives narrow columns what they need and the rest to the wide ones", () => {
    const widths = columnWidths([80, 100, 300], 440);
    expect(widths[0]).toBeCloseTo(80, 6);
    expect(widths[1]).toBeCloseTo(100, 6);
    expect(widths[2]).toBeCloseTo(260, 6);
  });

  it("spreads spare width evenly and always adds up to the table's width", () => {
    expect(columnWidths([40, 60], 200)).toEqual([90, 110]);
    const squeezed = columnWidths([300, 300, 300], 440);
    expect(squeezed.reduce((a, b) => a + b, 0)).toBeCloseTo(440, 6);
  });
});

describe("chineseDate", () => {
  it("writes dates with Arabic numerals, the year in full and no leading zeros", () => {
    expect(chineseDate("2006-03-07")).toBe("2006年3月7日");
    expect(chineseDate("2006-12-31")).toBe("2006年12月31日");
  });

  it("reads a Date or a date-time in China Standard Time", () => {
    // 16:30 UTC on 6 March is 00:30 on 7 March in Nanning.
    expect(chineseDate(new Date("2006-03-06T16:30:00Z"))).toBe("2006年3月7日");
    expect(chineseDate("2006-03-06T16:30:00Z")).toBe("2006年3月7日");
    expect(() => chineseDate("三月七日")).toThrow(RangeError);
  });
});
