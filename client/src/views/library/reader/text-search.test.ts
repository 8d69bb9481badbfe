// The reader's search on the real text layer of a corpus book: pdf.js (the legacy build, as in Node) reads
// the 史記's first pages, whose vertical Traditional text uses Kangxi radical code points (⼈ U+2F08 for 人).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { findInPage, searchForm } from "./text-search";

const BOOK = join(import.meta.dirname, "../../../../../../shared/corpus/books/001《史記》卷一.pdf");
const pdfjsRoot = dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));

/** The strings of each page's text items that have text, in order: what the text layer's spans hold. */
const pages: string[][] = [];

beforeAll(async () => {
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const doc = await pdfjs.getDocument({
    data: new Uint8Array(readFileSync(BOOK)),
    cMapUrl: `${join(pdfjsRoot, "cmaps")}/`,
    cMapPacked: true,
    standardFontDataUrl: `${join(pdfjsRoot, "standard_fonts")}/`,
    isEvalSupported: false,
  }).promise;
  for (let n = 1; n <= Math.min(8, doc.numPages); n += 1) {
    const content = await (await doc.getPage(n)).getTextContent();
    pages.push(content.items.flatMap((item) => ("str" in item ? [item.str] : [])));
  }
  await doc.destroy();
}, 60_000);

describe("search within the text layer", () => {
  it("finds 人 in the 史記, whose text layer holds ⼈ (U+2F08) and not 人", () => {
    const raw = pages.flat().join("");
    expect(raw).toContain("\u2F08");
    const hits = pages.flatMap((items, i) => findInPage(i + 1, items, "人"));
    expect(hits.length).toBeGreaterThan(0);
    for (const hit of hits) {
      expect(hit.excerpt).toContain("人");
      // The items a hit covers hold the character as the page has it.
      expect(hit.items.some((i) => pages[hit.page - 1]![i]!.normalize("NFKC").includes("人"))).toBe(true);
    }
    // Without NFKC the query would find nothing where the page has only the radical.
    const literal = pages.filter((items) => items.join("").includes("人")).length;
    expect(new Set(hits.map((h) => h.page)).size).toBeGreaterThan(literal);
  });

  it("finds a two-character phrase that runs across text items", () => {
    const page = pages.findIndex((items) => searchForm(items.join("")).includes("史記"));
    expect(page).toBeGreaterThanOrEqual(0);
    const hits = findInPage(page + 1, pages[page]!, "史記");
    expect(hits.length).toBeGreaterThan(0);
  });

  it("folds width and case and ignores whitespace", () => {
    expect(findInPage(1, ["Ｈｅｌｌｏ ", "wor", "ld"], "hello world")).toEqual([
      { page: 1, items: [0, 1, 2], excerpt: "helloworld" },
    ]);
    expect(findInPage(1, ["abc"], "   ")).toEqual([]);
  });
});
