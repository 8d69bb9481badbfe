import { describe, expect, it } from "vitest";
import { normaliseText } from "./text.js";

describe("normaliseText", () => {
  it("folds Kangxi radicals and full-width forms into the characters people type", () => {
    // ⼈ U+2F08, ⼤ U+2F24, ⽂ U+2F42: how the books' text layers spell 人, 大, 文.
    expect(normaliseText("⼈⺠⼤會 ⽂件")).toBe("人⺠大會 文件");
    expect(normaliseText("ＧＢ／Ｔ　９７０４－２０１２")).toBe("GB/T 9704-2012");
  });

  it("removes NUL and other control characters but keeps tabs and line breaks", () => {
    expect(normaliseText("a\u0000b\u0001c\td\r\ne\rf\u0085g\u200B\uFEFFh\u007F\u009F")).toBe("abc\td\ne\nf\ngh");
  });

  it("keeps one blank line between paragraphs and none at either end", () => {
    expect(normaliseText("\n\n  \n第一条 \n\n \n\t\n\n第二条\n\n\n")).toBe("第一条\n\n第二条");
  });

  it("leaves indentation inside a line alone", () => {
    expect(normaliseText("　　第一条　为了")).toBe("  第一条 为了");
  });
});
