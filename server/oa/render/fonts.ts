import { access, readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The typefaces of a 公文 and the free fonts that stand in for them.
 *
 * GB/T 9704-2012 names 仿宋 (body), 小标宋 (发文机关标志, 标题), 黑体 (份号,
 * 紧急程度, first-level headings) and 楷体 (second-level headings, 签发人's
 * names). No freely licensed 仿宋 or 小标宋 with Simplified Chinese coverage is
 * to be had whole from npm or Debian (cwTeX 仿宋 covers Big5 only; the npm
 * packages of Zhuque Fangsong and Noto Serif SC ship web-font slices), so the
 * renderer uses Noto CJK (SIL Open Font License 1.1, Debian's fonts-noto-cjk):
 * Noto Serif CJK SC for 仿宋 and 宋体, its Bold for 小标宋 and 楷体, Noto Sans
 * CJK SC for 黑体. Each covers GB 18030's ideographs; a character one face
 * lacks is taken from the next face of its role (fallbacks below).
 */

export type FaceName = "serif" | "serifBold" | "sans";

export type FontRole = "fangsong" | "xiaobiaosong" | "hei" | "kai" | "song" | "bold";

interface FaceFile {
  file: string;
  /** The face's PostScript name inside the TrueType/OpenType collection. */
  postscriptName: string;
}

const FACE_FILES: Readonly<Record<FaceName, FaceFile>> = {
  serif: { file: "NotoSerifCJK-Regular.ttc", postscriptName: "NotoSerifCJKsc-Regular" },
  serifBold: { file: "NotoSerifCJK-Bold.ttc", postscriptName: "NotoSerifCJKsc-Bold" },
  sans: { file: "NotoSansCJK-Regular.ttc", postscriptName: "NotoSansCJKsc-Regular" },
};

/** Each role's faces, first choice first: a glyph missing from one is taken from the next. */
export const ROLE_FACES: Readonly<Record<FontRole, readonly FaceName[]>> = {
  fangsong: ["serif", "sans"],
  song: ["serif", "sans"],
  xiaobiaosong: ["serifBold", "serif", "sans"],
  kai: ["serifBold", "serif", "sans"],
  bold: ["serifBold", "serif", "sans"],
  hei: ["sans", "serif"],
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

export class FontUnavailableError extends Error {
  constructor(missing: string[]) {
    super(
      `The 公文 renderer needs the Noto CJK fonts (${missing.join(", ")}), looked for in ${FONT_DIRS.join(", ")}. ` +
        `Install the Debian package ${FONT_PACKAGE} (apt-get install ${FONT_PACKAGE}) or its equivalent.`,
    );
    this.name = "FontUnavailableError";
  }
}

export interface LoadedFace {
  name: FaceName;
  path: string;
  postscriptName: string;
  data: Buffer;
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

/**
 * The three collections are read once per process and shared by every render
 * (73 MB, held as Buffers that fontkit parses lazily): reading them per
 * document would cost that much again for each render running at the time.
 */
let loading: Promise<Readonly<Record<FaceName, LoadedFace>>> | null = null;

export function loadFaces(dirs: readonly string[] = FONT_DIRS): Promise<Readonly<Record<FaceName, LoadedFace>>> {
  if (dirs !== FONT_DIRS) return readFaces(dirs);
  loading ??= readFaces(dirs).catch((error: unknown) => {
    // A font installed after a failed attempt is found on the next render.
    loading = null;
    throw error;
  });
  return loading;
}

async function readFaces(dirs: readonly string[]): Promise<Readonly<Record<FaceName, LoadedFace>>> {
  const names = Object.keys(FACE_FILES).filter((n): n is FaceName => n in FACE_FILES);
  const paths = await Promise.all(names.map((name) => findFile(FACE_FILES[name].file, dirs)));
  const missing = names.filter((_, i) => paths[i] === null).map((name) => FACE_FILES[name].file);
  if (missing.length > 0) throw new FontUnavailableError(missing);
  const faces = await Promise.all(
    names.map(async (name, i): Promise<LoadedFace> => {
      const path = paths[i] ?? "";
      return { name, path, postscriptName: FACE_FILES[name].postscriptName, data: await readFile(path) };
    }),
  );
  const byName: Partial<Record<FaceName, LoadedFace>> = {};
  for (const face of faces) byName[face.name] = face;
  const { serif, serifBold, sans } = byName;
  if (!serif || !serifBold || !sans) throw new FontUnavailableError(missing);
  return { serif, serifBold, sans };
}
