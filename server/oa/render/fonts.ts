import { readFileSync } from "node:fs";
import { access, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { woffToSfnt } from "./woff.js";

/**
 * The typefaces of a 公文 and the free fonts that stand in for them.
 *
 * GB/T 9704-2012 names 仿宋 (body), 小标宋 (发文机关标志, 标题), 黑体 (份号,
 * 紧急程度, first-level headings) and 楷体 (second-level headings, 签发人's
 * names). No freely licensed 仿宋 or 小标宋 with Simplified Chinese coverage is
 * to be had whole from npm or Debian (cwTeX 仿宋 covers Big5 only), so the
 * renderer uses Noto: a serif for 仿宋 and 宋体, its Bold for 小标宋 and 楷体,
 * a sans for 黑体. A character one face lacks is taken from the next face of
 * its role (ROLE_FACES).
 *
 * The fonts come from one of two places, in this order:
 * 1. Noto Serif CJK SC and Noto Sans CJK SC from Debian's fonts-noto-cjk (or
 *    another system's package of them): three whole fonts covering GB 18030's
 *    ideographs, each embedded once per PDF.
 * 2. Otherwise the npm packages @fontsource/noto-serif-sc and
 *    @fontsource/noto-sans-sc, installed with the app: Google Fonts' Noto
 *    Serif SC and Noto Sans SC, the same designs, cut into about a hundred
 *    slices per weight by unicode-range: about 13,700 characters, every
 *    hanzi of GB 2312 and 12,250 of GBK's 20,934, but neither Roman numerals
 *    (Ⅱ) nor Greek. A document embeds each slice it draws from.
 * Both are under the SIL Open Font License 1.1.
 */

export type FaceName = "serif" | "serifBold" | "sans";

export type FontRole = "fangsong" | "xiaobiaosong" | "hei" | "kai" | "song" | "bold";

/**
 * A font as the layout and pdfkit know it: a system face by its name
 * ("serif"), or one slice of an npm face ("serif/117").
 */
export type FontKey = string;

/** Each role's faces, first choice first: a glyph missing from one is taken from the next. */
export const ROLE_FACES: Readonly<Record<FontRole, readonly FaceName[]>> = {
  fangsong: ["serif", "sans"],
  song: ["serif", "sans"],
  xiaobiaosong: ["serifBold", "serif", "sans"],
  kai: ["serifBold", "serif", "sans"],
  bold: ["serifBold", "serif", "sans"],
  hei: ["sans", "serif"],
};

const FACE_NAMES: readonly FaceName[] = ["serif", "serifBold", "sans"];

/** A font file's contents, to register with pdfkit under its key. */
export interface FontFile {
  key: FontKey;
  data: Buffer;
  /** The face inside a TrueType/OpenType collection; absent for a file of one font. */
  postscriptName?: string;
}

/** The fonts a render draws from. */
export interface FontSet {
  readonly source: "system" | "npm";
  /** Reads what these characters need (the npm slices they fall in), so that candidates() has it at hand. */
  prepare(text: string): Promise<void>;
  /** The fonts of a face that may have a glyph for the code point, in the order to ask them; their cmap decides. */
  candidates(face: FaceName, codePoint: number): readonly FontFile[];
}

// ------------------------------------------------------------------ 1. system fonts

const SYSTEM_FILES: Readonly<Record<FaceName, { file: string; postscriptName: string }>> = {
  serif: { file: "NotoSerifCJK-Regular.ttc", postscriptName: "NotoSerifCJKsc-Regular" },
  serifBold: { file: "NotoSerifCJK-Bold.ttc", postscriptName: "NotoSerifCJKsc-Bold" },
  sans: { file: "NotoSansCJK-Regular.ttc", postscriptName: "NotoSansCJKsc-Regular" },
};

export const FONT_PACKAGE = "fonts-noto-cjk";

/** Where Debian/Ubuntu, Fedora, Arch and Alpine put Noto CJK, and a user's own font folders. */
const FONT_DIRS = [
  "/usr/share/fonts/opentype/noto",
  "/usr/share/fonts/noto-cjk",
  "/usr/share/fonts/google-noto-cjk",
  "/usr/share/fonts/google-noto-serif-cjk-fonts",
  "/usr/share/fonts/google-noto-sans-cjk-fonts",
  "/usr/share/fonts/noto",
  "/usr/local/share/fonts",
  ...(process.env.HOME ? [join(process.env.HOME, ".local/share/fonts"), join(process.env.HOME, ".fonts")] : []),
];

class SystemFonts implements FontSet {
  readonly source = "system";

  constructor(private readonly faces: Readonly<Record<FaceName, FontFile>>) {}

  prepare(): Promise<void> {
    return Promise.resolve();
  }

  candidates(face: FaceName): readonly FontFile[] {
    return [this.faces[face]];
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function findFile(file: string, dirs: readonly string[]): Promise<string | null> {
  for (const dir of dirs) {
    const path = join(dir, file);
    if (await exists(path)) return path;
  }
  return null;
}

/** The system fonts' paths, or the files not found. */
async function findSystemFonts(
  dirs: readonly string[],
): Promise<{ paths: Record<FaceName, string> } | { missing: string[] }> {
  const found = await Promise.all(FACE_NAMES.map((face) => findFile(SYSTEM_FILES[face].file, dirs)));
  const [serif, serifBold, sans] = found;
  if (serif && serifBold && sans) return { paths: { serif, serifBold, sans } };
  return { missing: FACE_NAMES.filter((_, i) => !found[i]).map((face) => SYSTEM_FILES[face].file) };
}

async function readSystemFonts(paths: Record<FaceName, string>): Promise<SystemFonts> {
  const [serif, serifBold, sans] = await Promise.all(
    FACE_NAMES.map(async (face): Promise<FontFile> => ({
      key: face,
      data: await readFile(paths[face]),
      postscriptName: SYSTEM_FILES[face].postscriptName,
    })),
  );
  if (!serif || !serifBold || !sans) throw new Error("three faces read, fewer returned");
  return new SystemFonts({ serif, serifBold, sans });
}

// ------------------------------------------------------------------ 2. npm fonts

/** The npm package and weight of each face. */
const NPM_FACES: Readonly<Record<FaceName, { name: string; weight: number }>> = {
  serif: { name: "noto-serif-sc", weight: 400 },
  serifBold: { name: "noto-serif-sc", weight: 700 },
  sans: { name: "noto-sans-sc", weight: 400 },
};

export const NPM_PACKAGES = ["@fontsource/noto-serif-sc", "@fontsource/noto-sans-sc"] as const;

/** Code points of a CSS unicode-range list ("U+4e00-4e0f, U+3000"). */
export function parseUnicodeRange(list: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const part of list.split(",")) {
    const match = /^\s*U\+([0-9a-f]+)(?:-([0-9a-f]+))?\s*$/i.exec(part);
    if (!match?.[1]) throw new Error(`not a unicode-range: ${part}`);
    const from = parseInt(match[1], 16);
    ranges.push([from, match[2] ? parseInt(match[2], 16) : from]);
  }
  return ranges;
}

interface Slice {
  key: FontKey;
  path: string;
}

/**
 * One face of an npm package: its slices and which slices each code point
 * may be in (from the package's unicode.json, the ranges of its CSS). Where
 * ranges overlap the slice declared last comes first, as in CSS.
 */
class SlicedFace {
  private readonly index = new Map<number, Slice[]>();

  constructor(
    readonly name: FaceName,
    packageDir: string,
    unicode: Readonly<Record<string, string>>,
  ) {
    const { name: family, weight } = NPM_FACES[name];
    for (const [id, ranges] of Object.entries(unicode)) {
      // "[117]" for the numbered slices, "latin" and the like for the others.
      const slice = id.replace(/^\[(\d+)\]$/, "$1");
      const entry: Slice = {
        key: `${name}/${slice}`,
        path: join(packageDir, "files", `${family}-${slice}-${weight}-normal.woff`),
      };
      for (const [from, to] of parseUnicodeRange(ranges)) {
        for (let cp = from; cp <= to; cp++) {
          const list = this.index.get(cp);
          if (list) list.unshift(entry);
          else this.index.set(cp, [entry]);
        }
      }
    }
  }

  slicesOf(codePoint: number): readonly Slice[] {
    return this.index.get(codePoint) ?? [];
  }
}

/**
 * The npm fonts, with the slices read so far. Slices are read when a
 * document first needs them and kept for the life of the process (at most
 * the 303 slices of the three faces, 18 MB as TrueType), so later
 * renders only look them up.
 */
class NpmFonts implements FontSet {
  readonly source = "npm";
  private readonly files = new Map<string, FontFile>();
  private readonly reading = new Map<string, Promise<void>>();

  constructor(private readonly faces: Readonly<Record<FaceName, SlicedFace>>) {}

  private static file(slice: Slice, woff: Buffer): FontFile {
    return { key: slice.key, data: woffToSfnt(woff) };
  }

  async prepare(text: string): Promise<void> {
    const wanted = new Map<string, Slice>();
    for (const ch of new Set(text)) {
      const cp = ch.codePointAt(0) ?? 0;
      for (const face of FACE_NAMES) {
        for (const slice of this.faces[face].slicesOf(cp))
          if (!this.files.has(slice.path)) wanted.set(slice.path, slice);
      }
    }
    await Promise.all(
      [...wanted.values()].map((slice) => {
        let pending = this.reading.get(slice.path);
        if (!pending) {
          pending = readFile(slice.path)
            .then((woff) => {
              this.files.set(slice.path, NpmFonts.file(slice, woff));
            })
            .finally(() => this.reading.delete(slice.path));
          this.reading.set(slice.path, pending);
        }
        return pending;
      }),
    );
  }

  candidates(face: FaceName, codePoint: number): readonly FontFile[] {
    return this.faces[face].slicesOf(codePoint).map((slice) => {
      let file = this.files.get(slice.path);
      if (!file) {
        // prepare() reads every slice of the characters a document prints; a character it was not
        // told of (a new element whose text printedText() leaves out) still renders, read here.
        file = NpmFonts.file(slice, readFileSync(slice.path));
        this.files.set(slice.path, file);
      }
      return file;
    });
  }
}

/** Where node_modules has the packages, found from this file as Node would. */
function defaultPackagesDir(): string | null {
  try {
    const serif = createRequire(import.meta.url).resolve(`${NPM_PACKAGES[0]}/package.json`);
    // node_modules/@fontsource/noto-serif-sc/package.json → node_modules
    return dirname(dirname(dirname(serif)));
  } catch {
    return null;
  }
}

async function readNpmFonts(packagesDir: string): Promise<NpmFonts | null> {
  const unicode = new Map<string, Record<string, string>>();
  for (const pkg of NPM_PACKAGES) {
    const path = join(packagesDir, pkg, "unicode.json");
    if (!(await exists(path))) return null;
    const parsed: unknown = JSON.parse(await readFile(path, "utf8"));
    if (parsed === null || typeof parsed !== "object") throw new Error(`${path}: not an object`);
    const ranges: Record<string, string> = {};
    for (const [id, value] of Object.entries(parsed)) {
      if (typeof value !== "string") throw new Error(`${path}: ${id} is not a unicode-range`);
      ranges[id] = value;
    }
    unicode.set(pkg.replace("@fontsource/", ""), ranges);
  }
  const face = (name: FaceName) => {
    const family = NPM_FACES[name].name;
    return new SlicedFace(name, join(packagesDir, "@fontsource", family), unicode.get(family) ?? {});
  };
  return new NpmFonts({ serif: face("serif"), serifBold: face("serifBold"), sans: face("sans") });
}

// ------------------------------------------------------------------ choosing

export class FontUnavailableError extends Error {
  constructor(missing: string[], dirs: readonly string[], packagesDir: string | null) {
    super(
      `The 公文 renderer found no fonts: not the Noto CJK fonts (${missing.join(", ")}), looked for in ` +
        `${dirs.join(", ")}, nor the npm packages ${NPM_PACKAGES.join(" and ")}` +
        `${packagesDir ? ` in ${packagesDir}` : ""}. Run npm install, or install the Debian package ` +
        `${FONT_PACKAGE} (apt-get install ${FONT_PACKAGE}) or its equivalent.`,
    );
    this.name = "FontUnavailableError";
  }
}

export interface FontOptions {
  /** Folders to look for the system's Noto CJK in instead of the usual ones (tests; unusual installations). */
  fontDirs?: readonly string[];
  /** The node_modules folder with the npm font packages, instead of the app's own (tests). */
  fontPackagesDir?: string;
}

/**
 * The system fonts, read once per process and shared by every render (73 MB,
 * held as Buffers that fontkit parses lazily): reading them per document
 * would cost that much again for each render running at the time.
 */
let systemFonts: Promise<SystemFonts> | null = null;
/** The npm fonts by the folder they are in, each with the slices read so far. */
const npmFonts = new Map<string, Promise<NpmFonts | null>>();

/**
 * The fonts to render with: the system's Noto CJK when all three are
 * installed, else the npm packages' slices. Until the system fonts are
 * found they are looked for again at each render (a few stat calls), so
 * installing fonts-noto-cjk takes effect without a restart.
 */
export async function loadFonts(options: FontOptions = {}): Promise<FontSet> {
  const dirs = options.fontDirs ?? FONT_DIRS;
  const custom = options.fontDirs !== undefined;
  if (!custom && systemFonts) return systemFonts;
  const system = await findSystemFonts(dirs);
  if ("paths" in system) {
    if (custom) return readSystemFonts(system.paths);
    systemFonts ??= readSystemFonts(system.paths).catch((error: unknown) => {
      systemFonts = null;
      throw error;
    });
    return systemFonts;
  }
  const packagesDir = options.fontPackagesDir ?? defaultPackagesDir();
  if (packagesDir !== null) {
    let npm = npmFonts.get(packagesDir);
    if (!npm) {
      npm = readNpmFonts(packagesDir);
      npmFonts.set(packagesDir, npm);
      // Neither a missing package nor a broken unicode.json is kept: npm install may fix either.
      npm.then(
        (fonts) => fonts ?? npmFonts.delete(packagesDir),
        () => npmFonts.delete(packagesDir),
      );
    }
    const fonts = await npm;
    if (fonts) return fonts;
  }
  throw new FontUnavailableError(system.missing, dirs, packagesDir);
}
