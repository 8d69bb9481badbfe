import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { GRID } from "./compose.js";
import { loadFonts } from "./fonts.js";
import { loadMetrics } from "./gbt9704.js";
import {
  breakLines,
  breakTitle,
  lineRuns,
  MissingGlyphError,
  shape,
  styled,
  type FontMetrics,
  type Line,
} from "./lines.js";
import { parseLaw, SAMPLE_LAW } from "./sample.js";

let metrics: FontMetrics;
let articles: string[];
/** CI installs fonts-noto-cjk; a fresh machine has only the npm fonts. */
const systemFonts = (await loadFonts()).source === "system";

beforeAll(async () => {
  metrics = await loadMetrics();
  articles = parseLaw(await readFile(SAMPLE_LAW, "utf8"))
    .paragraphs.filter((p) => !p.heading)
    .map((p) => p.text);
});

const body = (text: string) => shape(styled(text, "fangsong"), 16, GRID.cell, metrics);
const textOf = (line: Line) => line.glyphs.map((g) => g.ch).join("");
const width = 156 * (72 / 25.4);

describe("breakLines on the 28-character grid", () => {
  it("sets a regulation's articles without losing a character, 28 cells a line, justified to the edge", () => {
    let lines = 0;
    for (const article of articles) {
      const broken = breakLines(body(article), width - 2 * GRID.cell, width, true);
      expect(broken.map(textOf).join("")).toBe(article);
      broken.forEach((line, i) => {
        lines += 1;
        const cells = line.glyphs.reduce((n, g) => n + (g.wide ? 1 : 0), 0);
        expect(cells).toBeLessThanOrEqual(i === 0 ? 26 : 28);
        // Every line but the last ends at the edge; the last is left as it falls.
        if (i < broken.length - 1) expect(line.width).toBeCloseTo(i === 0 ? width - 2 * GRID.cell : width, 1);
        else expect(line.width).toBeLessThanOrEqual(width + 0.01);
      });
    }
    expect(lines).toBeGreaterThan(150);
  });

  it("never starts a line with closing punctuation nor ends one with opening punctuation", () => {
    for (const article of articles) {
      for (const line of breakLines(body(article), width - 2 * GRID.cell, width, true)) {
        const text = textOf(line);
        expect(text).not.toMatch(/^[，。、；：？！）》”’]/);
        expect(text).not.toMatch(/[（《“‘]$/);
      }
    }
  });

  it("keeps numbers whole and widens only the gaps beside Chinese characters", () => {
    const text =
      "普查对象有本条第一款所列违法行为的，由县级以上人民政府处以20000元以下罚款，对农业生产经营户处1000元以下罚款。";
    for (const line of breakLines(body(text), width, width, true)) {
      const s = textOf(line);
      expect(s.endsWith("2") || s.endsWith("1")).toBe(false);
      line.glyphs.forEach((g, i) => {
        const next = line.glyphs[i + 1];
        if (next && !g.wide && !next.wide) {
          expect(line.xs[i + 1]! - line.xs[i]!).toBeCloseTo(g.slot, 5);
        }
      });
    }
  });

  it("breaks where a <br> forces it and leaves that line unjustified", () => {
    const lines = breakLines(body("第一行\n第二行"), width, width, true);
    expect(lines.map(textOf)).toEqual(["第一行", "第二行"]);
    expect(lines[0]!.width).toBeCloseTo(3 * GRID.cell, 5);
  });

  it("draws each line in few runs that land every glyph on its cell", () => {
    const [line] = breakLines(body(articles[0]!), width, width, true);
    const runs = lineRuns(line!);
    expect(runs.map((r) => r.text).join("")).toBe(textOf(line!));
    // Few runs per font: with the npm fonts each slice a line draws from needs runs of its own.
    const fonts = line!.glyphs.filter((g, i) => i === 0 || g.face !== line!.glyphs[i - 1]!.face).length;
    expect(runs.length).toBeLessThan(fonts + 9);
    // Replaying the runs as PDF's Tc does puts each glyph where the layout meant it.
    let i = 0;
    for (const run of runs) {
      let x = run.x;
      for (const _ of run.text) {
        const g = line!.glyphs[i]!;
        const expected = line!.xs[i]! + (g.wide ? (g.slot - g.advance) / 2 : 0);
        expect(x).toBeCloseTo(expected, 3);
        x += g.advance + run.charSpacing;
        i += 1;
      }
    }
  });
});

describe("shape", () => {
  // The npm fonts (a machine without fonts-noto-cjk) have neither character in either face.
  it.runIf(systemFonts)("takes a character the first face lacks from the next face of its role, glyph by glyph", () => {
    // 鿫 and 鿬 (oganesson, tennessine; named in 2017) are in Noto Sans CJK but not yet in Noto Serif CJK.
    const glyphs = body("第118号元素鿫与第117号元素鿬");
    expect(glyphs.map((g) => g.ch).join("")).toBe("第118号元素鿫与第117号元素鿬");
    const faces = new Map(glyphs.map((g) => [g.ch, g.face]));
    expect(faces.get("鿫")).toBe("sans");
    expect(faces.get("鿬")).toBe("sans");
    expect(faces.get("元")).toBe("serif");
    expect(faces.get("1")).toBe("serif");
    // Still one cell each on the grid.
    expect(glyphs.find((g) => g.ch === "鿫")!.slot).toBe(GRID.cell);
  });

  it("refuses a character that no face has", () => {
    expect(() => body("笑😀")).toThrow(MissingGlyphError);
  });
});

describe("breakTitle", () => {
  const title = (text: string) => shape(styled(text, "xiaobiaosong"), 22, null, metrics);

  it("keeps a short title on one line", () => {
    expect(breakTitle(title("南宁市人民政府关于表彰先进的通知"), width).map(textOf)).toEqual([
      "南宁市人民政府关于表彰先进的通知",
    ]);
  });

  it("breaks at a bracket rather than inside 贯彻执行", () => {
    expect(breakTitle(title("南宁市人民政府关于认真贯彻执行《全国农业普查条例》的通知"), width).map(textOf)).toEqual([
      "南宁市人民政府关于认真贯彻执行",
      "《全国农业普查条例》的通知",
    ]);
  });

  it("breaks a long title into balanced lines between words", () => {
    const text =
      "南宁市人民政府关于申请第二次全国农业普查专项经费补助并同步开展全市农业农村基本情况调查工作有关事项的请示";
    const lines = breakTitle(title(text), width);
    expect(lines.map(textOf).join("")).toBe(text);
    expect(lines).toHaveLength(3);
    const lengths = lines.map((l) => l.glyphs.length);
    expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(4);
    for (const line of lines) expect(line.width).toBeLessThanOrEqual(width);
    // Between words: no line starts inside one that the segmenter found.
    const words = [...new Intl.Segmenter("zh-CN", { granularity: "word" }).segment(text)].map((s) => s.index);
    let offset = 0;
    for (const line of lines) {
      expect(words).toContain(offset);
      offset += textOf(line).length;
    }
  });
});

describe("shape with the npm fonts", () => {
  it("gives a dash a grid cell although the slices have no full-width form of it", async () => {
    const empty = await mkdtemp(join(tmpdir(), "lines-no-fonts-"));
    try {
      const npm = await loadMetrics({ fontDirs: [empty] });
      const glyphs = shape(styled("说明——如下", "fangsong"), 16, GRID.cell, npm);
      const dashes = glyphs.filter((g) => g.ch === "—");
      expect(dashes).toHaveLength(2);
      for (const dash of dashes) {
        // Drawn narrower than the cell (0.89 em), centred in it.
        expect(dash.advance).toBeLessThan(16);
        expect(dash.wide).toBe(true);
        expect(dash.slot).toBe(GRID.cell);
      }
      const [line] = breakLines(glyphs, width, width, false);
      expect(line!.width).toBeCloseTo(6 * GRID.cell, 5);
      // The same as with the default fonts (the system's, with a full-width form, where installed).
      expect(shape(styled("说明——如下", "fangsong"), 16, GRID.cell, metrics).map((g) => g.slot)).toEqual(
        glyphs.map((g) => g.slot),
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
