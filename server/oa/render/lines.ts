import type { FontKey, FontRole } from "./fonts.js";

/**
 * Line breaking for Chinese official documents: characters on a grid of
 * full-width cells (GB/T 9704-2012 4.2.3: 28 characters a line), the line-start
 * and line-end prohibitions of Chinese typesetting (no 。，、 at the start of a
 * line, no （《“ at its end; GB/T 15834-2011 and JIS X 4051's 行頭/行末禁則),
 * Latin words and numbers kept whole, and justification that widens the gaps
 * next to Chinese characters, never inside a Latin word or a number.
 */

/** What the layout needs to know of the fonts (implemented over pdfkit in gbt9704.ts). */
export interface FontMetrics {
  /** The font of the first face of the role that has a glyph for the code point, or null when none has. */
  faceFor(role: FontRole, codePoint: number): FontKey | null;
  /** Advance width of one character at 1 pt in that font, with full-width forms when fwid is set. */
  advance(face: FontKey, ch: string, fwid: boolean): number;
}

export interface StyledChar {
  ch: string;
  role: FontRole;
  underline: boolean;
}

export interface Glyph {
  ch: string;
  face: FontKey;
  size: number;
  /** The glyph's own advance in points. */
  advance: number;
  /** The width it takes on the line: a grid cell for full-width characters, else its advance. */
  slot: number;
  wide: boolean;
  /** Drawn with the font's full-width form (the 一字线 —, which fonts draw narrower than an em). */
  fwid: boolean;
  underline: boolean;
  /** A forced line break (<br>), drawn as nothing. */
  newline: boolean;
  space: boolean;
}

/** Characters that take a full-width form although fonts draw them narrower (dashes of 破折号 and 一字线). */
const FULL_WIDTH_FORMS = new Set(["\u2014", "\u2015"]);

/** 行首禁则: closing punctuation and marks that may not begin a line. */
const NO_LINE_START = new Set([..."，。、；：？！）》〉」』”’〕］】｝…—―·％‰℃°々〃～ー・,.;:?!)]}%"]);
/** 行末禁则: opening punctuation that may not end a line. */
const NO_LINE_END = new Set([..."（《〈「『“‘〔［【｛([{￥$＄£€"]);

export class MissingGlyphError extends Error {
  constructor(readonly characters: string[]) {
    super(
      `No installed font has a glyph for ${characters.map((c) => `${c} (U+${c.codePointAt(0)?.toString(16).toUpperCase()})`).join(", ")}`,
    );
    this.name = "MissingGlyphError";
  }
}

/**
 * Glyphs for styled characters at a size. With a cell, full-width characters
 * take exactly one cell (the grid); without, their own advance.
 */
export function shape(chars: readonly StyledChar[], size: number, cell: number | null, metrics: FontMetrics): Glyph[] {
  const glyphs: Glyph[] = [];
  for (const { ch, role, underline } of chars) {
    if (ch === "\n") {
      glyphs.push({
        ch,
        face: "serif",
        size,
        advance: 0,
        slot: 0,
        wide: false,
        fwid: false,
        underline,
        newline: true,
        space: false,
      });
      continue;
    }
    const face = metrics.faceFor(role, ch.codePointAt(0) ?? 0);
    if (face === null) throw new MissingGlyphError([ch]);
    const fwid = FULL_WIDTH_FORMS.has(ch);
    const advance = metrics.advance(face, ch, fwid) * size;
    // The fonts draw CJK characters and Chinese punctuation (“”…、) one em wide, Latin narrower. A dash
    // of FULL_WIDTH_FORMS takes a cell even in a font without full-width forms (the npm slices have no
    // fwid feature and draw — 0.89 em wide): centred in its cell, as the grid needs.
    const wide = fwid || advance >= size * 0.9;
    const slot = wide && cell !== null ? cell : advance;
    const space = ch === " " || ch === "\u00a0";
    glyphs.push({ ch, face, size, advance, slot, wide, fwid, underline, newline: false, space });
  }
  return glyphs;
}

/** A run of glyphs that must not be split across lines. */
interface Unit {
  glyphs: Glyph[];
  width: number;
}

function isPunctuation(g: Glyph): boolean {
  return NO_LINE_START.has(g.ch) || NO_LINE_END.has(g.ch);
}

function isWordChar(g: Glyph): boolean {
  return !g.wide && !g.space && !g.newline && !NO_LINE_START.has(g.ch) && !NO_LINE_END.has(g.ch);
}

/**
 * Units of line breaking: one per Chinese character, one per Latin word or
 * number, closing punctuation glued to what precedes it and opening
 * punctuation to what follows; each space and each forced break on its own.
 */
function units(glyphs: readonly Glyph[]): Unit[] {
  const out: Unit[] = [];
  let prev: Glyph | null = null;
  for (const g of glyphs) {
    const last = out[out.length - 1];
    const glue =
      last !== undefined &&
      prev !== null &&
      !g.newline &&
      !g.space &&
      !prev.space &&
      !prev.newline &&
      (NO_LINE_START.has(g.ch) || NO_LINE_END.has(prev.ch) || (isWordChar(prev) && isWordChar(g)));
    if (glue && last) {
      last.glyphs.push(g);
      last.width += g.slot;
    } else {
      out.push({ glyphs: [g], width: g.slot });
    }
    prev = g;
  }
  return out;
}

export interface Line {
  glyphs: Glyph[];
  /** Each glyph's x, relative to the start of the line. */
  xs: number[];
  /** From the start of the line to the end of its last glyph's slot. */
  width: number;
}

/** Extra space for the gaps of a line, only beside full-width characters (or between words when there are none). */
function justify(glyphs: readonly Glyph[], room: number): number[] {
  const xs: number[] = [];
  const gaps: number[] = [];
  for (let i = 0; i + 1 < glyphs.length; i++) {
    const a = glyphs[i]!;
    const b = glyphs[i + 1]!;
    if (a.wide || b.wide) gaps.push(i);
  }
  if (gaps.length === 0) {
    for (let i = 0; i + 1 < glyphs.length; i++) if (glyphs[i]!.space) gaps.push(i);
  }
  const extra = gaps.length > 0 && room > 0 ? room / gaps.length : 0;
  const widened = new Set(gaps);
  let x = 0;
  for (let i = 0; i < glyphs.length; i++) {
    xs.push(x);
    x += glyphs[i]!.slot + (widened.has(i) ? extra : 0);
  }
  return xs;
}

function finishLine(glyphs: Glyph[], width: number, justified: boolean): Line {
  while (glyphs.length > 0 && glyphs[glyphs.length - 1]!.space) glyphs.pop();
  const natural = glyphs.reduce((sum, g) => sum + g.slot, 0);
  const xs = justified ? justify(glyphs, width - natural) : justify(glyphs, 0);
  const lastX = xs[xs.length - 1] ?? 0;
  const last = glyphs[glyphs.length - 1];
  return { glyphs, xs, width: last ? lastX + last.slot : 0 };
}

/**
 * Breaks glyphs into lines of the given widths (the first line may be
 * shorter: an indent) and, when justify is set, stretches every line but the
 * last and those ended by a forced break to the full width.
 */
export function breakLines(
  glyphs: readonly Glyph[],
  firstWidth: number,
  restWidth: number,
  justified: boolean,
): Line[] {
  const lines: Line[] = [];
  let current: Glyph[] = [];
  let used = 0;
  const capacity = () => (lines.length === 0 ? firstWidth : restWidth);
  const epsilon = 0.01;
  const push = (forced: boolean) => {
    lines.push(finishLine(current, capacity(), justified && !forced));
    current = [];
    used = 0;
  };
  for (const unit of units(glyphs)) {
    const first = unit.glyphs[0]!;
    if (first.newline) {
      push(true);
      continue;
    }
    // A space never begins a line.
    if (first.space && current.length === 0) continue;
    if (used + unit.width <= capacity() + epsilon) {
      current.push(...unit.glyphs);
      used += unit.width;
      continue;
    }
    if (first.space) {
      push(false);
      continue;
    }
    if (current.length > 0) push(false);
    // A unit wider than a whole line (a long URL) is cut wherever it must be.
    for (const g of unit.glyphs) {
      if (used + g.slot > capacity() + epsilon && current.length > 0) push(false);
      current.push(g);
      used += g.slot;
    }
  }
  if (current.length > 0 || lines.length === 0) lines.push(finishLine(current, capacity(), false));
  return lines;
}

/** A run of glyphs one text operation draws: same face, size and form, evenly spaced. */
export interface GlyphRun {
  text: string;
  face: FontKey;
  size: number;
  fwid: boolean;
  underline: boolean;
  /** Relative to the line's start. */
  x: number;
  /** Added after every glyph (PDF Tc): the gap between slots plus the justification. */
  charSpacing: number;
  /** From x to the end of the last glyph. */
  width: number;
}

/**
 * A line's glyphs as runs: a glyph joins the run before it when it has the
 * same face, size, form and decoration and sits where that run, evenly spaced,
 * puts its next glyph; full-width glyphs narrower or wider than their cell are
 * centred in it.
 */
export function lineRuns(line: Line): GlyphRun[] {
  const runs: GlyphRun[] = [];
  let run: GlyphRun | null = null;
  let count = 0;
  let lastX = 0;
  let lastAdvance = 0;
  for (let i = 0; i < line.glyphs.length; i++) {
    const g = line.glyphs[i]!;
    if (g.newline) continue;
    const x = (line.xs[i] ?? 0) + (g.wide ? (g.slot - g.advance) / 2 : 0);
    const same =
      run !== null &&
      run.face === g.face &&
      run.size === g.size &&
      run.fwid === g.fwid &&
      run.underline === g.underline;
    if (run !== null && same && count === 1) {
      run.charSpacing = x - lastX - lastAdvance;
    }
    if (run !== null && same && Math.abs(lastX + lastAdvance + run.charSpacing - x) < 0.001) {
      run.text += g.ch;
      run.width = x + g.advance - run.x;
      count += 1;
    } else {
      run = {
        text: g.ch,
        face: g.face,
        size: g.size,
        fwid: g.fwid,
        underline: g.underline,
        x,
        charSpacing: 0,
        width: g.advance,
      };
      runs.push(run);
      count = 1;
    }
    lastX = x;
    lastAdvance = g.advance;
  }
  return runs;
}

/**
 * Breaks a title into centred lines as GB/T 9704-2012 7.3.1 asks (回行时要做到
 * 词意完整，排列对称，长短适宜，间距恰当，使用梯形或菱形): breaks only between
 * words (Intl.Segmenter's Chinese dictionary) outside the punctuation
 * prohibitions, as few lines as fit, of balanced lengths; a line longer than
 * the one below it (an inverted trapezoid, or the waist of an hourglass)
 * costs a little more; a break between two words rather than at a bracket
 * (the segmenter splits 贯彻执行, which a reader keeps together) costs more,
 * and so does a line that starts with 的 or is one character long.
 */
export function breakTitle(glyphs: readonly Glyph[], maxWidth: number): Line[] {
  const text = glyphs.map((g) => g.ch).join("");
  // Code-unit offsets where a word starts, mapped to glyph indices (a glyph may be two code units).
  const glyphAt = new Map<number, number>();
  let offset = 0;
  glyphs.forEach((g, i) => {
    glyphAt.set(offset, i);
    offset += g.ch.length;
  });
  const starts = new Set<number>();
  for (const segment of new Intl.Segmenter("zh-CN", { granularity: "word" }).segment(text)) {
    const index = glyphAt.get(segment.index);
    if (index !== undefined) starts.add(index);
  }
  // Break opportunities: word starts that are neither after an opening nor before a closing mark.
  const breaks: number[] = [0];
  for (let i = 1; i < glyphs.length; i++) {
    const g = glyphs[i]!;
    const prev = glyphs[i - 1]!;
    if (!starts.has(i) || NO_LINE_START.has(g.ch) || NO_LINE_END.has(prev.ch)) continue;
    if (isWordChar(prev) && isWordChar(g)) continue;
    breaks.push(i);
  }
  breaks.push(glyphs.length);
  const widthOf = (from: number, to: number) => glyphs.slice(from, to).reduce((sum, g) => sum + g.slot, 0);
  const total = widthOf(0, glyphs.length);
  const fallback = () => breakLines(glyphs, maxWidth, maxWidth, false);
  if (total <= maxWidth) return [finishLine([...glyphs], maxWidth, false)];
  // Past a hundred break opportunities (no real title has them) the search below grows too costly.
  if (breaks.length > 100) return fallback();
  // A word longer than a line: plain greedy breaking.
  for (let b = 1; b < breaks.length; b++) if (widthOf(breaks[b - 1]!, breaks[b]!) > maxWidth) return fallback();
  const em = glyphs[0]?.size ?? 1;
  for (let lineCount = Math.ceil(total / maxWidth); lineCount <= 8; lineCount++) {
    const target = total / lineCount;
    const memo = new Map<string, { cost: number; cuts: number[] } | null>();
    // Best way to set breaks[k..] in `left` lines, given the width of the line above.
    const best = (k: number, left: number, above: number | null): { cost: number; cuts: number[] } | null => {
      const key = `${k},${left},${above === null ? "-" : above.toFixed(2)}`;
      if (memo.has(key)) return memo.get(key) ?? null;
      let result: { cost: number; cuts: number[] } | null = null;
      const from = breaks[k]!;
      for (let e = k + 1; e < breaks.length; e++) {
        const to = breaks[e]!;
        const width = widthOf(from, to);
        if (width > maxWidth + 0.01) break;
        const last = e === breaks.length - 1;
        if (last !== (left === 1)) continue;
        let cost = 0.25 * ((width - target) / em) ** 2;
        if (above !== null && above > width + em / 2) cost += 1;
        if (from > 0 && !isPunctuation(glyphs[from - 1]!) && !isPunctuation(glyphs[from]!)) cost += 3;
        if (glyphs[from]?.ch === "的") cost += 6;
        if (to - from === 1) cost += 20;
        if (!last) {
          const rest = best(e, left - 1, width);
          if (rest === null) continue;
          cost += rest.cost;
          if (result === null || cost < result.cost) result = { cost, cuts: [to, ...rest.cuts] };
        } else if (result === null || cost < result.cost) result = { cost, cuts: [] };
      }
      memo.set(key, result);
      return result;
    };
    const plan = best(0, lineCount, null);
    if (plan === null) continue;
    const lines: Line[] = [];
    let from = 0;
    for (const to of [...plan.cuts, glyphs.length]) {
      lines.push(finishLine(glyphs.slice(from, to), maxWidth, false));
      from = to;
    }
    return lines;
  }
  return fallback();
}

/** Styled characters of plain text in one role. */
export function styled(text: string, role: FontRole, underline = false): StyledChar[] {
  return [...text].map((ch) => ({ ch, role, underline }));
}
