import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FontUnavailableError, loadFonts, parseUnicodeRange, type FaceName, type FontOptions } from "./fonts.js";
import { loadSampleNotice } from "./sample.js";

let empty: string;
let noSystemFonts: FontOptions;

beforeAll(async () => {
  empty = await mkdtemp(join(tmpdir(), "fonts-"));
  noSystemFonts = { fontDirs: [empty] };
});

afterAll(async () => {
  await rm(empty, { recursive: true, force: true });
});

const FACES: readonly FaceName[] = ["serif", "serifBold", "sans"];
/** CI installs fonts-noto-cjk; a fresh machine has only the npm fonts. */
const systemInstalled = (await loadFonts()).source === "system";
const cp = (ch: string) => ch.codePointAt(0) ?? 0;

describe("parseUnicodeRange", () => {
  it("reads single code points and ranges, as the packages' unicode.json writes them", () => {
    expect(parseUnicodeRange("U+4e00-4e0f, U+3000,U+1F004")).toEqual([
      [0x4e00, 0x4e0f],
      [0x3000, 0x3000],
      [0x1f004, 0x1f004],
    ]);
    expect(() => parseUnicodeRange("U+4e00-, latin")).toThrow(/unicode-range/);
  });
});

describe("loadFonts", () => {
  it.runIf(systemInstalled)("takes the system's Noto CJK when it is installed: one font a face", async () => {
    const fonts = await loadFonts();
    expect(fonts.source).toBe("system");
    for (const face of FACES) {
      expect(fonts.candidates(face, cp("国")).map((f) => f.key)).toEqual([face]);
    }
  });

  it("falls back to the npm packages' slices, a slice per range of each face", async () => {
    const fonts = await loadFonts(noSystemFonts);
    expect(fonts.source).toBe("npm");
    const unicode = JSON.parse(
      await readFile(
        join(dirname(createRequire(import.meta.url).resolve("@fontsource/noto-serif-sc/package.json")), "unicode.json"),
        "utf8",
      ),
    ) as Record<string, string>;
    // Every range of the package maps to its own slice, in the serif and its bold alike.
    for (const [id, ranges] of Object.entries(unicode)) {
      const slice = id.replace(/^\[(\d+)\]$/, "$1");
      for (const [from] of parseUnicodeRange(ranges)) {
        expect(fonts.candidates("serif", from).map((f) => f.key)).toContain(`serif/${slice}`);
        expect(fonts.candidates("serifBold", from).map((f) => f.key)).toContain(`serifBold/${slice}`);
      }
    }
    expect(fonts.candidates("sans", cp("国"))).toHaveLength(1);
    // Code points outside every range have no candidate at all: 😀, and Ⅱ, which Google's cut of Noto SC leaves out.
    for (const face of FACES) {
      expect(fonts.candidates(face, cp("😀"))).toEqual([]);
      expect(fonts.candidates(face, cp("Ⅱ"))).toEqual([]);
    }
  });

  it("reads a slice once per process: later renders get the same fonts", async () => {
    const doc = await loadSampleNotice();
    const text = `${doc.title}${doc.bodyHtml}`;
    const first = await loadFonts(noSystemFonts);
    await first.prepare(text);
    const before = FACES.flatMap((face) => first.candidates(face, cp("普")));
    const again = await loadFonts(noSystemFonts);
    expect(again).toBe(first);
    await again.prepare(text);
    const after = FACES.flatMap((face) => again.candidates(face, cp("普")));
    expect(after).toHaveLength(3);
    after.forEach((file, i) => expect(file).toBe(before[i]));
    // Each is a TrueType font (unwrapped from WOFF), ready for pdfkit.
    for (const file of after) expect(file.data.readUInt32BE(0)).toBe(0x00010000);
  });

  it("fails, naming fonts-noto-cjk and the npm packages, only when neither is there", async () => {
    const error = await loadFonts({ fontDirs: [empty], fontPackagesDir: empty }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FontUnavailableError);
    expect(String(error)).toContain("fonts-noto-cjk");
    expect(String(error)).toContain("NotoSerifCJK-Regular.ttc");
    expect(String(error)).toContain("@fontsource/noto-sans-sc");
  });
});
