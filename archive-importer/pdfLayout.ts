/**
 * How a page's text items become lines of text: the part of PDF reading that
 * runs inside the reader process (archive-importer/pdfWorker.ts), kept apart
 * from pdfText.ts so that the reader's bundle carries no process management.
 */
/** One text item of a page as pdf.js's getTextContent returns it (the fields the layout uses). */
export interface PdfTextItem {
  str: string;
  /** [a, b, c, d, e, f]: the glyph's text matrix in page space; e, f is where it starts. */
  transform: readonly number[];
  /** Advance along the baseline, in page space units. */
  width: number;
  hasEOL: boolean;
}

interface Placed {
  str: string;
  x: number;
  y: number;
  /** Unit vector of the baseline. */
  ux: number;
  uy: number;
  size: number;
  width: number;
  hasEOL: boolean;
}

function place(item: PdfTextItem): Placed {
  const [a = 1, b = 0, c = 0, d = 1, e = 0, f = 0] = item.transform;
  const scaleX = Math.hypot(a, b);
  const size = Math.hypot(c, d) || scaleX || 1;
  return {
    str: item.str,
    x: e,
    y: f,
    ux: scaleX ? a / scaleX : 1,
    uy: scaleX ? b / scaleX : 0,
    size,
    width: item.width,
    hasEOL: item.hasEOL,
  };
}

/** Where b starts seen from a: along a's baseline and across it (up is positive). */
function offset(a: Placed, b: Placed): { along: number; across: number } {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  return { along: dx * a.ux + dy * a.uy, across: -dx * a.uy + dy * a.ux };
}

/**
 * b is the next glyph down the same column as a: vertical writing as pdf.js
 * returns it when a page places each glyph itself (the books' text layers):
 * one single-glyph item per character, same x, each one em or so lower.
 */
function isColumnStep(a: Placed, b: Placed): boolean {
  if ([...a.str].length > 1 || [...b.str].length > 1) return false;
  const { along, across } = offset(a, b);
  const size = Math.max(a.size, b.size);
  return Math.abs(along) <= 0.5 * size && across < 0;
}

/**
 * In vertical writing a full stop sits beside the last glyph it follows, in a
 * smaller size (紅樓夢評論 sets 。 at the glyph's height, half an em to its right):
 * it belongs to the column, and the column goes on below that glyph.
 */
function isSideMark(a: Placed, b: Placed): boolean {
  if ([...b.str].length !== 1) return false;
  const { along, across } = offset(a, b);
  const beside = Math.abs(across) <= 0.5 * a.size && along > 0 && along <= 1.5 * a.size;
  return beside && (b.size < a.size || /\p{P}/u.test(b.str));
}

/** Same baseline (within half an em, so sub- and superscripts stay on the line). */
function isSameLine(a: Placed, b: Placed): boolean {
  return Math.abs(offset(a, b).across) <= 0.5 * Math.max(a.size, b.size);
}

const CJK =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u2E80-\u2FDF\u3000-\u303F\uFF00-\uFFEF]/u;

function needsSpace(left: string, right: string): boolean {
  const l = left.at(-1) ?? "";
  const r = right[0] ?? "";
  if (!l || !r || /\s/.test(l) || /\s/.test(r)) return false;
  // Chinese has no spaces between words; one here would split a phrase for search.
  return !(CJK.test(l) || CJK.test(r));
}

/**
 * A page reads as vertical when most steps between consecutive single-glyph
 * items go down a column rather than along a line. Deciding per page keeps a
 * horizontal table's column of one-digit cells on separate lines.
 */
function isVerticalPage(placed: readonly Placed[]): boolean {
  let column = 0;
  let line = 0;
  for (let i = 1; i < placed.length; i++) {
    const a = placed[i - 1]!;
    const b = placed[i]!;
    if (!a.str.trim() || !b.str.trim()) continue;
    if (isColumnStep(a, b)) column++;
    else if (isSameLine(a, b)) line++;
  }
  return column >= 3 && column > line;
}

/**
 * Joins a page's text items into lines the way a reader reads them. Items come
 * in content-stream order, which is reading order for the files we meet; what
 * needs deciding is where one line (or column) ends. On horizontal pages pdf.js
 * marks that itself (hasEOL); on vertical pages it marks every glyph, so the
 * glyphs of one column are joined by position and a line break goes where the
 * column changes.
 */
export function joinTextItems(items: readonly PdfTextItem[]): string {
  const placed = items.map(place);
  const vertical = isVerticalPage(placed);
  const lines: string[] = [];
  let line = "";
  let prev: Placed | null = null;
  let eolPending = false;
  for (const item of placed) {
    // Empty items are pdf.js's line-break markers (or font changes); they carry hasEOL only.
    if (item.str === "") {
      eolPending ||= item.hasEOL;
      continue;
    }
    if (prev && vertical && isSideMark(prev, item)) {
      // Keep prev: the next glyph of the column is placed below prev, not below the mark.
      line += item.str;
      continue;
    }
    if (prev) {
      const sameColumn = vertical && isColumnStep(prev, item);
      const sameLine = !sameColumn && !eolPending && isSameLine(prev, item);
      if (sameColumn) {
        // A skipped slot in a column is a space the typesetter left (between title and author).
        const gap = -offset(prev, item).across - prev.size;
        if (gap > 0.8 * prev.size && needsSpace(line, item.str)) line += " ";
      } else if (sameLine) {
        const gap = offset(prev, item).along - prev.width;
        if (gap > 0.25 * prev.size && needsSpace(line, item.str)) line += " ";
      } else {
        lines.push(line);
        line = "";
      }
    }
    line += item.str;
    prev = item;
    eolPending = item.hasEOL;
  }
  if (line) lines.push(line);
  return lines.map((l) => l.replace(/[ \t]+/g, " ").trim()).join("\n");
}
