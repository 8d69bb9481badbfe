import { describe, expect, it } from "vitest";
import { classPathOf, splitList } from "./catalogueBrowser.js";

describe("classPathOf", () => {
  it("names the classes of the tree a class number counts in: its top class and second-level class", () => {
    // 史記 K204.2 (中国史), a biography K810.1 (传记: K81 beats K8), 诗经 I222.2 (中国文学).
    expect(classPathOf("K204.2")).toEqual(["K", "K2"]);
    expect(classPathOf("K810.1")).toEqual(["K", "K81"]);
    expect(classPathOf("I222.2")).toEqual(["I", "I2"]);
    // A number under a range class (D73/77 各国政治) and a bare top class.
    expect(classPathOf("D731")).toEqual(["D", "D73/77"]);
    expect(classPathOf("K")).toEqual(["K"]);
  });

  it("is empty for no class or a letter outside the 22 top classes", () => {
    expect(classPathOf(null)).toEqual([]);
    expect(classPathOf("W123")).toEqual([]);
  });
});

describe("splitList", () => {
  it("reads authors and subjects back as the catalogue joins them", () => {
    expect(splitList("司馬遷; 裴駰")).toEqual(["司馬遷", "裴駰"]);
    expect(splitList("紀傳體；中國歷史")).toEqual(["紀傳體", "中國歷史"]);
    expect(splitList("")).toEqual([]);
    expect(splitList(null)).toEqual([]);
  });
});
