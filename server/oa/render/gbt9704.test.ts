import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { getDocument, OPS } from "pdfjs-dist/legacy/build/pdf.mjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GRID, MM, PAGE, RED, TYPE_AREA, type DrawOp, type PageSink } from "./compose.js";
import { FontUnavailableError, loadFonts } from "./fonts.js";
import { composeOfficialDocument, MissingGlyphError, renderOfficialDocument, type RenderOptions } from "./gbt9704.js";
import { loadSampleNotice, parseLaw, SAMPLE_LAW, type LawText } from "./sample.js";
import type { PrintableDocument } from "./types.js";

const pdfjsRoot = dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));

interface Item {
  str: string;
  x: number;
  /** Baseline, from the page's bottom (PDF space). */
  y: number;
  width: number;
  size: number;
  /** The text matrix's skew: not 0 for rotated text. */
  b: number;
}

interface ReadPage {
  width: number;
  height: number;
  items: Item[];
  /** Text shown while the fill colour was red, and strokes painted in red (their boxes in PDF space: minX, minY, maxX, maxY). */
  redText: string;
  redStrokes: number[][];
  /** Glyphs shown with character code 0: pdfkit's code for .notdef, the box a font draws for a character it lacks. */
  notdef: number;
  /** Names of the fonts the page's text is shown in. */
  fonts: Set<string>;
}

/** What pdf.js tells of a glyph a text operator shows. */
interface ShownGlyph {
  unicode?: string;
  originalCharCode?: number;
}

/** Reads a PDF back with pdf.js: page sizes, text items and what was painted red. */
async function readPdf(path: string): Promise<ReadPage[]> {
  const data = new Uint8Array(await readFile(path));
  const task = getDocument({
    data,
    cMapUrl: join(pdfjsRoot, "cmaps") + "/",
    cMapPacked: true,
    standardFontDataUrl: join(pdfjsRoot, "standard_fonts") + "/",
    disableFontFace: true,
    isEvalSupported: false,
    useSystemFonts: false,
    verbosity: 0,
  });
  const pdf = await task.promise;
  const pages: ReadPage[] = [];
  try {
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = page.view;
      const content = await page.getTextContent();
      const items: Item[] = [];
      for (const item of content.items) {
        if (!("str" in item) || item.str.length === 0) continue;
        const [a, b, , d, e, f] = item.transform;
        items.push({ str: item.str, x: e, y: f, width: item.width, size: Math.hypot(a, b) || d, b });
      }
      const ops = await page.getOperatorList();
      let fill = "#000000";
      let stroke = "#000000";
      // pdfkit draws in a y-down user space (a flipping cm at each page's start): track the CTM to get page coordinates.
      let ctm = [1, 0, 0, 1, 0, 0];
      const stack: [string, string, number[]][] = [];
      const apply = (m: number[], x: number, y: number) => [
        m[0]! * x + m[2]! * y + m[4]!,
        m[1]! * x + m[3]! * y + m[5]!,
      ];
      let redText = "";
      const redStrokes: number[][] = [];
      let notdef = 0;
      const fonts = new Set<string>();
      ops.fnArray.forEach((fn, i) => {
        const args = ops.argsArray[i];
        if (fn === OPS.save) stack.push([fill, stroke, ctm]);
        else if (fn === OPS.restore) [fill, stroke, ctm] = stack.pop() ?? [fill, stroke, ctm];
        else if (fn === OPS.transform) {
          const [a, b, c, d, e, f] = args as number[];
          ctm = [
            a! * ctm[0]! + b! * ctm[2]!,
            a! * ctm[1]! + b! * ctm[3]!,
            c! * ctm[0]! + d! * ctm[2]!,
            c! * ctm[1]! + d! * ctm[3]!,
            e! * ctm[0]! + f! * ctm[2]! + ctm[4]!,
            e! * ctm[1]! + f! * ctm[3]! + ctm[5]!,
          ];
        } else if (fn === OPS.setFillRGBColor) fill = String(args[0]).toLowerCase();
        else if (fn === OPS.setStrokeRGBColor) stroke = String(args[0]).toLowerCase();
        else if (fn === OPS.setFont) {
          const font: unknown = page.commonObjs.get(String(args[0]));
          fonts.add(String(font !== null && typeof font === "object" ? Reflect.get(font, "name") : font));
        } else if (fn === OPS.showText) {
          // Numbers between glyphs are spacing adjustments.
          const glyphs = (args[0] as (ShownGlyph | number)[]).filter((g): g is ShownGlyph => typeof g !== "number");
          notdef += glyphs.filter((g) => g.originalCharCode === 0).length;
          if (fill === RED.toLowerCase()) redText += glyphs.map((g) => g.unicode ?? "").join("");
        } else if (fn === OPS.constructPath && args[0] === OPS.stroke && stroke === RED.toLowerCase()) {
          const [minX, minY, maxX, maxY] = Array.from(args[2] as ArrayLike<number>);
          const [x1, y1] = apply(ctm, minX!, minY!);
          const [x2, y2] = apply(ctm, maxX!, maxY!);
          redStrokes.push([Math.min(x1!, x2!), Math.min(y1!, y2!), Math.max(x1!, x2!), Math.max(y1!, y2!)]);
        }
      });
      pages.push({ width: x1 - x0, height: y1 - y0, items, redText, redStrokes, notdef, fonts });
    }
  } finally {
    await task.destroy();
  }
  return pages;
}

const noSpace = (s: string) => s.replace(/\s+/g, "");
const PAGE_NUMBER = /^— (\d+) —$/;
/** Full-width characters (CJK and Chinese punctuation), which each take a grid cell. */
const WIDE = /[\u2E80-\u9FFF\uF900-\uFAFF\uFF00-\uFF60“”‘’…—]/u;

/** Text lines of a page: items grouped by baseline, left to right. */
function linesOf(page: ReadPage, filter: (item: Item) => boolean = () => true): Item[][] {
  const rows = new Map<number, Item[]>();
  for (const item of page.items.filter(filter)) {
    const key = Math.round(item.y * 10) / 10;
    rows.set(key, [...(rows.get(key) ?? []), item]);
  }
  return [...rows.entries()].sort((a, b) => b[0] - a[0]).map(([, items]) => items.sort((a, b) => a.x - b.x));
}

const lineText = (items: Item[]) => items.map((i) => i.str).join("");
/** The 草稿 watermark's text items: nothing else is printed larger than 100 pt. */
const watermarkOf = (page: ReadPage) => page.items.filter((i) => i.size > 100);
const isPageNumber = (item: Item) => PAGE_NUMBER.test(item.str.trim());

/** The text of all pages but their page numbers, without spaces. */
function printedText(read: ReadPage[]): string {
  return noSpace(
    read
      .map((page) =>
        page.items
          .filter((i) => !isPageNumber(i))
          .map((i) => i.str)
          .join(""),
      )
      .join(""),
  );
}

/** Every element of the sample 通知 and the law's whole text, in order, without spaces. */
function expectedText(doc: PrintableDocument, text: LawText): string {
  return noSpace(
    [
      doc.copyNo ?? "",
      doc.urgency ?? "",
      doc.issuerMark,
      doc.docNumber ?? "",
      doc.title,
      `${doc.mainRecipients}：`,
      ...text.paragraphs.map((p) => p.text),
      `附件：1. ${doc.attachments[0]}2. ${doc.attachments[1]}`,
      "南宁市人民政府",
      "2006年3月7日",
      "（此件公开发布）",
      "抄送：市委各部门，市人大常委会办公厅，市政协办公厅。",
      "南宁市人民政府办公厅",
      "2006年3月8日印发",
    ].join(""),
  );
}

let dir: string;
let law: LawText;
let sample: PrintableDocument;
let samplePath: string;
let pages: ReadPage[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gbt9704-"));
  law = parseLaw(await readFile(SAMPLE_LAW, "utf8"));
  sample = await loadSampleNotice();
  samplePath = join(dir, "notice.pdf");
  const result = await renderOfficialDocument(sample, samplePath);
  pages = await readPdf(samplePath);
  expect(result.pages).toBe(pages.length);
  expect(result.bytes).toBe((await readFile(samplePath)).length);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("a 通知 rendered to GB/T 9704-2012", () => {
  it("is on A4 pages, several of them, its 版头 and title on the first", () => {
    expect(pages.length).toBeGreaterThanOrEqual(6);
    for (const page of pages) {
      expect(page.width).toBeCloseTo(PAGE.width, 1);
      expect(page.height).toBeCloseTo(PAGE.height, 1);
      expect(page.width).toBeCloseTo(595.28, 1);
    }
    const first = noSpace(pages[0]!.items.map((i) => i.str).join(""));
    expect(first).toContain("南宁市人民政府文件");
    expect(first).toContain("南府发〔2006〕12号");
    expect(first).toContain(noSpace(sample.title));
    expect(first).toContain("000128");
    expect(first).toContain("特急");
  });

  it("centres the 发文字号 on the type area", () => {
    const line = linesOf(pages[0]!).find((items) => lineText(items) === "南府发〔2006〕12号");
    expect(line).toBeDefined();
    const left = Math.min(...line!.map((i) => i.x));
    const right = Math.max(...line!.map((i) => i.x + i.width));
    const centre = TYPE_AREA.left + TYPE_AREA.width / 2;
    expect(Math.abs((left + right) / 2 - centre)).toBeLessThan(1);
    // And well inside the type area, not merely spanning it.
    expect(right - left).toBeLessThan(TYPE_AREA.width / 2);
  });

  it("prints the 发文机关标志 and the separator line in red, and nothing else", () => {
    const first = pages[0]!;
    expect(first.redText).toBe("南宁市人民政府文件");
    expect(first.redStrokes).toHaveLength(1);
    const [minX, minY, maxX, maxY] = first.redStrokes[0]!;
    expect(maxX! - minX!).toBeCloseTo(TYPE_AREA.width, 1);
    expect(maxY).toBeCloseTo(minY!, 3);
    expect(minX).toBeCloseTo(TYPE_AREA.left, 1);
    // 4 mm below the 发文字号's em box (which ends 0.12 em below its baseline), above the title.
    // (A line, not an item: with the npm fonts each slice's characters are an item of their own.)
    const number = linesOf(first).find((items) => lineText(items) === "南府发〔2006〕12号")![0]!;
    const title = first.items.find((i) => i.size === 22)!;
    expect(number.y - 0.12 * 16 - minY!).toBeCloseTo(4 * MM, 1);
    expect(minY!).toBeGreaterThan(title.y + 22);
    for (const page of pages.slice(1)) {
      expect(page.redText).toBe("");
      expect(page.redStrokes).toHaveLength(0);
    }
  });

  it("numbers every page — n —, odd pages on the right and even pages on the left, 7 mm below the type area", () => {
    pages.forEach((page, i) => {
      const numbers = page.items.filter(isPageNumber);
      expect(numbers.map((n) => n.str.trim())).toEqual([`— ${i + 1} —`]);
      const item = numbers[0]!;
      if ((i + 1) % 2 === 1) {
        expect(item.x + item.width).toBeGreaterThan(TYPE_AREA.left + TYPE_AREA.width - 2 * 14);
        expect(item.x + item.width).toBeLessThan(TYPE_AREA.left + TYPE_AREA.width);
      } else {
        expect(item.x).toBeGreaterThan(TYPE_AREA.left);
        expect(item.x).toBeLessThan(TYPE_AREA.left + 2 * 14);
      }
      // Below the type area (PDF y grows upwards from the page's bottom).
      const typeBottom = PAGE.height - TYPE_AREA.top - TYPE_AREA.height;
      expect(item.y).toBeLessThan(typeBottom - 5 * MM);
      expect(item.y).toBeGreaterThan(typeBottom - 12 * MM);
    });
  });

  it("ends with the 版记 (抄送, 印发) at the foot of an even last page", () => {
    expect(pages.length % 2).toBe(0);
    const last = pages[pages.length - 1]!;
    const lines = linesOf(last, (i) => !isPageNumber(i)).map(lineText);
    expect(noSpace(lines[lines.length - 2]!)).toBe("抄送：市委各部门，市人大常委会办公厅，市政协办公厅。");
    expect(noSpace(lines[lines.length - 1]!)).toBe("南宁市人民政府办公厅2006年3月8日印发");
    for (const page of pages.slice(0, -1)) expect(noSpace(lineText(page.items))).not.toContain("抄送");
    // The 印发 line sits on the type area's last grid line.
    const printed = linesOf(last).find((items) => lineText(items).includes("印发"))![0]!;
    const typeBottom = PAGE.height - TYPE_AREA.top - TYPE_AREA.height;
    expect(printed.y).toBeGreaterThan(typeBottom);
    expect(printed.y).toBeLessThan(typeBottom + GRID.pitch);
  });

  it("prints every element and the whole body once, in order, across page breaks", () => {
    expect(printedText(pages)).toBe(expectedText(sample, law));
  });

  it("keeps the body to the grid: at most 28 characters a line and 22 lines a page", () => {
    let bodyLines = 0;
    for (const page of pages) {
      const lines = linesOf(page, (i) => !isPageNumber(i));
      expect(lines.length).toBeLessThanOrEqual(GRID.rows);
      for (const items of lines) {
        if (items.some((i) => i.size !== 16)) continue;
        bodyLines += 1;
        const text = lineText(items);
        expect([...text].filter((ch) => WIDE.test(ch)).length).toBeLessThanOrEqual(GRID.columns);
        const left = Math.min(...items.map((i) => i.x));
        const right = Math.max(...items.map((i) => i.x + i.width));
        expect(left).toBeGreaterThanOrEqual(TYPE_AREA.left - 0.5);
        expect(right).toBeLessThanOrEqual(TYPE_AREA.left + TYPE_AREA.width + 0.5);
        // 行首禁则: no line of the body starts with closing punctuation.
        expect(text.trim()).not.toMatch(/^[，。、；：？！）》”]/);
      }
    }
    expect(bodyLines).toBeGreaterThan(100);
    // A full page of body text fills all 22 lines, and its justified lines the whole width.
    const full = pages[2]!;
    const lines = linesOf(full, (i) => !isPageNumber(i));
    expect(lines).toHaveLength(GRID.rows);
    const widths = lines.map((items) => Math.max(...items.map((i) => i.x + i.width)));
    expect(widths.filter((r) => r > TYPE_AREA.left + TYPE_AREA.width - 1).length).toBeGreaterThan(10);
  });
});

/** Records composed pages for the page plans, without writing a PDF. */
class RecordingSink implements PageSink {
  pages: DrawOp[][] = [];
  startPage(): Promise<void> {
    this.pages.push([]);
    return Promise.resolve();
  }
  draw(op: DrawOp): void {
    this.pages[this.pages.length - 1]?.push(op);
  }
}

describe("the 版记 page", () => {
  it("follows a blank page, both without numbers, when an even page has no room left for it", async () => {
    // Attachments one line each move the text's end down a line at a time until it ends low on an even page.
    let found: PrintableDocument | null = null;
    for (let n = 1; n <= 30 && !found; n++) {
      const doc = { ...sample, attachments: Array.from({ length: n }, (_, i) => `附件材料${i + 1}`) };
      const sink = new RecordingSink();
      const count = await composeOfficialDocument(doc, sink);
      if (sink.pages[count - 2]?.length === 0) found = doc;
    }
    expect(found).not.toBeNull();
    const path = join(dir, "blank.pdf");
    const { pages: count } = await renderOfficialDocument(found!, path);
    const read = await readPdf(path);
    expect(count % 2).toBe(0);
    expect(read[count - 2]!.items).toEqual([]);
    const last = read[count - 1]!;
    expect(last.items.some(isPageNumber)).toBe(false);
    expect(noSpace(lineText(last.items))).toContain("印发");
    // The pages before are numbered as usual, and the text ended on the even page before the blank one.
    read.slice(0, count - 2).forEach((page, i) => {
      expect(page.items.filter(isPageNumber).map((n) => n.str.trim())).toEqual([`— ${i + 1} —`]);
    });
    expect((count - 2) % 2).toBe(0);
  });
});

describe("a 函 in the 信函格式 (10.1)", () => {
  let letter: ReadPage[];
  const number = "南府办函〔2006〕45号";

  beforeAll(async () => {
    const path = join(dir, "letter.pdf");
    await renderOfficialDocument(
      {
        ...sample,
        docType: "函",
        issuerMark: "南宁市人民政府办公厅文件",
        docNumber: number,
        signatureOrg: "南宁市人民政府办公厅",
      },
      path,
    );
    letter = await readPdf(path);
  });

  it("heads the first page with the organ's name in red, 30 mm from the top, between red double lines", () => {
    const first = letter[0]!;
    expect(first.redText).toBe("南宁市人民政府办公厅");
    const mark = first.items.find((i) => i.str.includes("南宁"))!;
    // The mark's em box starts 30 mm below the page's top (PDF y grows upwards from the bottom).
    expect(PAGE.height - (mark.y + 0.88 * mark.size)).toBeCloseTo(30 * MM, 0);
    const strokes = first.redStrokes;
    expect(strokes).toHaveLength(4);
    for (const [minX, minY, maxX, maxY] of strokes) {
      expect(maxX! - minX!).toBeCloseTo(170 * MM, 1);
      expect(minX).toBeCloseTo((PAGE.width - 170 * MM) / 2, 1);
      expect(maxY).toBeCloseTo(minY!, 3);
    }
    const ys = strokes.map((box) => box[1]!).sort((a, b) => b - a);
    // Two lines 4 mm under the mark (thick, then thin), two ending 20 mm above the page's foot (thin, then thick).
    expect(mark.y - 0.12 * mark.size - ys[0]!).toBeGreaterThan(4 * MM);
    expect(mark.y - 0.12 * mark.size - ys[0]!).toBeLessThan(4 * MM + 3);
    expect(ys[3]!).toBeGreaterThan(20 * MM);
    expect(ys[3]!).toBeLessThan(20 * MM + 3);
    for (const page of letter.slice(1)) expect([page.redText, page.redStrokes.length]).toEqual(["", 0]);
  });

  it("puts the 文号 flush right under the first double line, and 份号 and 紧急程度 flush left", () => {
    const first = letter[0]!;
    // The 文号 shares its line with the 份号 on the left.
    const shared = linesOf(first).find((items) => noSpace(lineText(items)).endsWith(number))!;
    expect(shared).toBeDefined();
    const numberLine = shared.filter((i) => i.x > TYPE_AREA.left + TYPE_AREA.width / 3);
    expect(noSpace(lineText(numberLine))).toBe(number);
    const right = Math.max(...numberLine.map((i) => i.x + i.width));
    expect(right).toBeCloseTo(TYPE_AREA.left + TYPE_AREA.width, 0);
    const copy = first.items.find((i) => i.str.includes("000128"))!;
    expect(copy.x).toBeCloseTo(TYPE_AREA.left, 0);
    expect(copy.y).toBeCloseTo(numberLine[0]!.y, 1);
    const urgent = first.items.find((i) => i.str.includes("特急"))!;
    expect(urgent.y).toBeLessThan(copy.y);
    // The title below them all.
    const title = first.items.find((i) => i.size === 22)!;
    expect(title.y).toBeLessThan(urgent.y - GRID.pitch);
  });

  it("shows no page number on the first page, numbers the others, and ends with 抄送 alone", () => {
    expect(letter[0]!.items.some(isPageNumber)).toBe(false);
    letter.slice(1).forEach((page, i) => {
      expect(page.items.filter(isPageNumber).map((n) => n.str.trim())).toEqual([`— ${i + 2} —`]);
    });
    const last = letter[letter.length - 1]!;
    const lines = linesOf(last, (i) => !isPageNumber(i)).map(lineText);
    expect(noSpace(lines[lines.length - 1]!)).toBe("抄送：市委各部门，市人大常委会办公厅，市政协办公厅。");
    expect(noSpace(letter.map((page) => lineText(page.items)).join(""))).not.toContain("印发");
  });
});

describe("drafts and long titles", () => {
  it("prints （未编号） for a document without 文号 and a 草稿 watermark on every page", async () => {
    const path = join(dir, "draft.pdf");
    await renderOfficialDocument({ ...sample, docNumber: null, copyNo: null }, path);
    const read = await readPdf(path);
    expect(linesOf(read[0]!).map(lineText)).toContain("（未编号）");
    expect(noSpace(lineText(read[0]!.items))).not.toContain("南府发");
    for (const page of read) {
      const mark = watermarkOf(page);
      expect(mark.map((i) => i.str).join("")).toBe("草稿");
      // Rotated.
      for (const item of mark) expect(Math.abs(item.b)).toBeGreaterThan(10);
    }
    // A numbered document carries no watermark.
    expect(pages.some((page) => watermarkOf(page).length > 0)).toBe(false);
  });

  it("also watermarks a numbered document marked draft", async () => {
    const path = join(dir, "numbered-draft.pdf");
    await renderOfficialDocument({ ...sample, draft: true }, path);
    const read = await readPdf(path);
    expect(linesOf(read[0]!).map(lineText)).toContain("南府发〔2006〕12号");
    expect(
      read.every(
        (page) =>
          watermarkOf(page)
            .map((i) => i.str)
            .join("") === "草稿",
      ),
    ).toBe(true);
  });

  it("wraps an 80-character title into centred lines of at most 20 characters", async () => {
    const title =
      "南宁市人民政府关于印发南宁市第二次全国农业普查工作实施方案和南宁市农村基本情况调查暨农业普查数据质量控制办法以及全市农业普查宣传动员工作安排和经费管理意见的通知";
    expect([...title]).toHaveLength(80);
    const path = join(dir, "title.pdf");
    await renderOfficialDocument({ ...sample, title }, path);
    const read = await readPdf(path);
    const lines = linesOf(read[0]!, (i) => i.size === 22);
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(lines.map(lineText).join("")).toBe(title);
    const centre = TYPE_AREA.left + TYPE_AREA.width / 2;
    for (const items of lines) {
      const left = Math.min(...items.map((i) => i.x));
      const right = Math.max(...items.map((i) => i.x + i.width));
      expect(Math.abs((left + right) / 2 - centre)).toBeLessThan(1);
      expect([...lineText(items)].length).toBeLessThanOrEqual(20);
    }
    // Balanced: no line less than half as long as the longest.
    const lengths = lines.map((items) => [...lineText(items)].length);
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(Math.max(...lengths) / 2);
  });
});

describe("single-line fields", () => {
  it("print line breaks typed into them as the body would: nothing between Chinese characters", async () => {
    const path = join(dir, "fields.pdf");
    await renderOfficialDocument(
      {
        ...sample,
        title: "南宁市人民政府关于\n表彰2006年度\t先进单位的通知",
        mainRecipients: "各县、区人民政府，\r\n市直各单位",
        cc: ["市委办公厅\n", "  市人大常委会办公厅"],
      },
      path,
    );
    const read = await readPdf(path);
    const first = linesOf(read[0]!).map(lineText);
    const title = linesOf(read[0]!, (i) => i.size === 22).map(lineText);
    expect(title.join("")).toBe("南宁市人民政府关于表彰2006年度 先进单位的通知");
    expect(first).toContain("各县、区人民政府，市直各单位：");
    const last = linesOf(read[read.length - 1]!).map(lineText);
    expect(last).toContain("抄送：市委办公厅，市人大常委会办公厅。");
  });
});

describe("上行文", () => {
  it("puts 签发人 on the right of the 发文字号, which moves left one character", async () => {
    const path = join(dir, "request.pdf");
    const doc: PrintableDocument = {
      ...sample,
      docType: "请示",
      signers: ["张三", "欧阳明月", "李四"],
      title: "南宁市人民政府关于申请第二次全国农业普查经费补助的请示",
      mainRecipients: "自治区人民政府",
    };
    await renderOfficialDocument(doc, path);
    const lines = linesOf((await readPdf(path))[0]!);
    const numberLine = lines.find((items) => lineText(items).includes("南府发〔2006〕12号"))!;
    expect(lineText(numberLine)).toContain("李四");
    expect(lineText(numberLine)).toMatch(/^南府发/);
    const number = numberLine[0]!;
    expect(number.x).toBeCloseTo(TYPE_AREA.left + GRID.cell, 0);
    const above = lines[lines.indexOf(numberLine) - 1]!;
    expect(noSpace(lineText(above))).toBe("签发人：张三欧阳明月");
    const right = Math.max(...above.map((i) => i.x + i.width));
    expect(right).toBeCloseTo(TYPE_AREA.left + TYPE_AREA.width - GRID.cell, 0);
  });
});

describe("refusals", () => {
  it("refuses characters no font has, before creating the file", async () => {
    const path = join(dir, "emoji.pdf");
    const error = await renderOfficialDocument({ ...sample, title: "关于表彰先进的通知😀" }, path).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MissingGlyphError);
    expect((error as MissingGlyphError).characters).toEqual(["😀"]);
    expect(existsSync(path)).toBe(false);
  });

  it("rejects, leaving no file, when the file cannot be written", async () => {
    const path = join(dir, "no-such-folder", "notice.pdf");
    await expect(renderOfficialDocument(sample, path)).rejects.toThrow(/ENOENT/);
    expect(existsSync(path)).toBe(false);
  });

  it("names both places it looked in when neither the system's fonts nor the npm packages are there", async () => {
    const path = join(dir, "nofont.pdf");
    const error = await renderOfficialDocument(sample, path, { fontDirs: [dir], fontPackagesDir: dir }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FontUnavailableError);
    expect(String(error)).toContain("fonts-noto-cjk");
    expect(String(error)).toContain("@fontsource/noto-serif-sc");
    expect(existsSync(path)).toBe(false);
  });
});

describe("without the system's Noto CJK", () => {
  /** A font folder without the system fonts, as on a machine without fonts-noto-cjk. */
  let noSystemFonts: RenderOptions;
  let npmPath: string;
  let npmPages: ReadPage[];

  beforeAll(async () => {
    noSystemFonts = { fontDirs: [await mkdtemp(join(dir, "no-fonts-"))] };
    npmPath = join(dir, "npm-fonts.pdf");
    const result = await renderOfficialDocument(sample, npmPath, noSystemFonts);
    npmPages = await readPdf(npmPath);
    expect(result.pages).toBe(npmPages.length);
  });

  it("renders the 通知 from the npm packages' slices: all its text, no glyph missing, the red mark and page numbers", async () => {
    // The system's fonts drew the first render; these are Google Fonts' Noto Serif SC and Sans SC.
    const fonts = new Set(npmPages.flatMap((page) => [...page.fonts]));
    expect([...fonts].some((name) => name.includes("CJK"))).toBe(false);
    expect([...fonts].filter((name) => /NotoSerifSC-Regular/.test(name)).length).toBeGreaterThan(10);
    expect([...fonts].some((name) => /NotoSerifSC-Bold/.test(name))).toBe(true);
    expect([...fonts].some((name) => /NotoSansSC-Regular/.test(name))).toBe(true);
    // Where fonts-noto-cjk is installed (as in CI), the first render took it.
    if ((await loadFonts()).source === "system") {
      expect([...pages[0]!.fonts].some((name) => name.includes("NotoSerifCJKsc"))).toBe(true);
    }

    expect(printedText(npmPages)).toBe(expectedText(sample, law));
    for (const page of npmPages) expect(page.notdef).toBe(0);
    expect(npmPages[0]!.redText).toBe("南宁市人民政府文件");
    expect(npmPages[0]!.redStrokes).toHaveLength(1);
    npmPages.forEach((page, i) => {
      expect(page.items.filter(isPageNumber).map((n) => n.str.trim())).toEqual([`— ${i + 1} —`]);
    });
    // The same designs with the same metrics: the same lines on the same pages.
    expect(npmPages.map((page) => linesOf(page).map(lineText))).toEqual(
      pages.map((page) => linesOf(page).map(lineText)),
    );
  });

  it("draws a rare ideograph from a slice the 通知 did not need, in the serif, its bold and the sans", async () => {
    // 龘 (U+9F98, dá): in GBK, not in GB 2312.
    const rare = "龘";
    const fonts = await loadFonts(noSystemFonts);
    const sampleSlices = new Set(
      [...printedText(npmPages)].flatMap((ch) =>
        (["serif", "serifBold", "sans"] as const).flatMap((face) =>
          fonts.candidates(face, ch.codePointAt(0)!).map((file) => file.key),
        ),
      ),
    );
    const rareSlices = (["serif", "serifBold", "sans"] as const).map(
      (face) => fonts.candidates(face, rare.codePointAt(0)!)[0]?.key,
    );
    expect(rareSlices).toHaveLength(3);
    for (const key of rareSlices) {
      expect(key).toBeDefined();
      expect(sampleSlices.has(key!)).toBe(false);
    }

    const path = join(dir, "rare.pdf");
    const doc: PrintableDocument = {
      ...sample,
      title: `关于${rare}字写法的通知`,
      bodyHtml: `<h1>一、${rare}的字形</h1><p>${rare}字从三龙。</p>`,
    };
    await renderOfficialDocument(doc, path, noSystemFonts);
    const read = await readPdf(path);
    expect(read.every((page) => page.notdef === 0)).toBe(true);
    const text = printedText(read);
    expect(text).toContain(`关于${rare}字写法的通知`);
    expect(text).toContain(`一、${rare}的字形${rare}字从三龙。`);
    // The title (小标宋: the serif bold) on its own line, the heading (黑体: the sans) and the body (仿宋: the serif).
    expect(linesOf(read[0]!, (i) => i.size === 22).map(lineText)).toEqual([doc.title]);
  });

  it("refuses, naming them, the characters the npm fonts lack", async () => {
    // Roman numerals (Ⅱ级响应) are in GB 2312 and in Noto CJK, but not in Google Fonts' slices of Noto SC.
    const path = join(dir, "roman.pdf");
    const error = await renderOfficialDocument(
      { ...sample, title: "关于启动Ⅱ级应急响应的通知" },
      path,
      noSystemFonts,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingGlyphError);
    expect((error as MissingGlyphError).characters).toEqual(["Ⅱ"]);
    expect(existsSync(path)).toBe(false);
  });
});
