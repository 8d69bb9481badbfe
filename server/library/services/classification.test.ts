import { describe, expect, it } from "vitest";
import { LIBRARY_CLASSES, levelTwoClassOf, topClassOf } from "./classification.js";

describe("the 中图法 tree", () => {
  it("has the 22 top classes, A to Z without L, M, W and Y", () => {
    const tops = LIBRARY_CLASSES.filter((c) => c.level === 1).map((c) => c.code);
    expect(tops.join("")).toBe("ABCDEFGHIJKNOPQRSTUVXZ");
  });

  it("gives every second-level class a top class it starts with, and no code twice", () => {
    const codes = LIBRARY_CLASSES.map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of LIBRARY_CLASSES.filter((entry) => entry.level === 2)) {
      expect(c.parentCode, c.code).not.toBeNull();
      expect(c.code.startsWith(c.parentCode!), c.code).toBe(true);
    }
    const k = LIBRARY_CLASSES.filter((c) => c.parentCode === "K").map((c) => `${c.code} ${c.name}`);
    expect(k).toContain("K2 中国史");
    expect(k).toContain("K81 传记");
    expect(LIBRARY_CLASSES.filter((c) => c.parentCode === "T").length).toBe(16);
  });

  it("files a class number under the longest second-level class, ranges included", () => {
    expect(levelTwoClassOf("K204.2")).toBe("K2");
    expect(levelTwoClassOf("K810.1")).toBe("K81");
    expect(levelTwoClassOf("k928.9")).toBe("K9");
    expect(levelTwoClassOf("TP311.13")).toBe("TP");
    expect(levelTwoClassOf("D731.3")).toBe("D73/77");
    expect(levelTwoClassOf("D351")).toBe("D33/37");
    expect(levelTwoClassOf("D922.1")).toBe("D9");
    expect(levelTwoClassOf("I313.45")).toBe("I3/7");
    expect(levelTwoClassOf("I247.5")).toBe("I2");
    expect(levelTwoClassOf("E993")).toBe("E99");
    expect(levelTwoClassOf("K")).toBeNull();
    expect(levelTwoClassOf("L12")).toBeNull();
    expect(topClassOf("TP311")).toBe("T");
    expect(topClassOf("W1")).toBeNull();
  });
});
