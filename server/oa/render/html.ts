import { Parser } from "htmlparser2";

/**
 * 正文 HTML (the editor's sanitised subset) as the blocks the GB/T 9704 layout
 * sets: paragraphs with a heading level, and tables. Inline markup survives as
 * runs with bold/italic/underline; everything else (classes, styles, links,
 * unknown tags) is reduced to its text, since the standard leaves no room for it.
 */

export interface TextRun {
  /** May contain "\n": a forced line break (<br>). */
  text: string;
  bold: boolean;
  italic: boolean;
  underline: boolean;
}

/**
 * 0: body text; 1–4: the four levels of 结构层次序数 (一、 （一） 1. （1）),
 * which the author numbers in the text itself; the level picks the typeface.
 */
export type HeadingLevel = 0 | 1 | 2 | 3 | 4;

export interface ParagraphBlock {
  kind: "paragraph";
  level: HeadingLevel;
  runs: TextRun[];
  /** Left indent of every line, in characters (block quotes, nested lists). */
  indent: number;
}

export interface TableCell {
  runs: TextRun[];
  header: boolean;
  colSpan: number;
}

export interface TableBlock {
  kind: "table";
  rows: TableCell[][];
}

export type BodyBlock = ParagraphBlock | TableBlock;

const HEADINGS: Readonly<Record<string, HeadingLevel>> = { h1: 1, h2: 2, h3: 3, h4: 4, h5: 4, h6: 4 };
/** Elements whose content is not text a reader sees. */
const HIDDEN = new Set(["script", "style", "template", "noscript", "head", "svg", "math", "object", "title"]);
/** Block containers that only end the paragraph before them. */
const PARAGRAPH_BREAKS = new Set(["p", "div", "section", "article", "pre", "dd", "dt", "figure", "figcaption", "hr"]);

/** Wide (East Asian full-width) characters, between which a collapsed line break is no space (CSS Text 3 §4.1.3). */
const WIDE =
  /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{20000}-\u{3FFFD}]/u;

function isWide(ch: string | undefined): boolean {
  return ch !== undefined && WIDE.test(ch);
}

/** A forced line break (<br>) while parsing, apart from the source's own line breaks. */
const BREAK = "\u2028";

/**
 * Collapses HTML whitespace across a paragraph's runs as a browser shows it:
 * a run of spaces and line breaks becomes one space, except that a line break
 * of the source between two wide characters is no gap at all (Chinese is
 * written without spaces; CSS Text 3 segment break transformation). Spaces
 * at the start and end of lines go, and so does an ideographic-space indent at
 * the start (the layout indents every paragraph itself, and authors who paste
 * text often bring their own two U+3000).
 */
export function normaliseRuns(runs: readonly TextRun[]): TextRun[] {
  const chars: { ch: string; run: TextRun }[] = [];
  for (const run of runs) for (const ch of run.text) chars.push({ ch, run });
  const kept: { ch: string; run: TextRun }[] = [];
  for (let i = 0; i < chars.length;) {
    const cur = chars[i]!;
    if (!/[ \t\n\r\f]/.test(cur.ch)) {
      kept.push(cur.ch === BREAK ? { ch: "\n", run: cur.run } : cur);
      i += 1;
      continue;
    }
    let j = i;
    let segmentBreak = false;
    while (j < chars.length && /[ \t\n\r\f]/.test(chars[j]!.ch)) {
      if (/[\n\r]/.test(chars[j]!.ch)) segmentBreak = true;
      j += 1;
    }
    const prev = kept[kept.length - 1];
    const next = chars[j];
    i = j;
    if (!prev || prev.ch === "\n" || !next || next.ch === BREAK) continue;
    if (segmentBreak && isWide(prev.ch) && isWide(next.ch)) continue;
    kept.push({ ch: " ", run: cur.run });
  }
  while (kept.length > 0 && /[\u3000 ]/.test(kept[0]!.ch)) kept.shift();
  while (kept.length > 0 && /[\u3000 \n]/.test(kept[kept.length - 1]!.ch)) kept.pop();
  const out: TextRun[] = [];
  for (const { ch, run } of kept) {
    const last = out[out.length - 1];
    if (last && last.bold === run.bold && last.italic === run.italic && last.underline === run.underline) {
      last.text += ch;
    } else {
      out.push({ text: ch, bold: run.bold, italic: run.italic, underline: run.underline });
    }
  }
  return out;
}

export function runsText(runs: readonly TextRun[]): string {
  return runs.map((r) => r.text).join("");
}

interface ListFrame {
  ordered: boolean;
  next: number;
}

/** Turns 正文 HTML into blocks; never throws on malformed markup (htmlparser2 reads it as a browser would). */
export function htmlToBlocks(html: string): BodyBlock[] {
  const blocks: BodyBlock[] = [];
  let runs: TextRun[] = [];
  let level: HeadingLevel = 0;
  let bold = 0;
  let italic = 0;
  let underline = 0;
  let hidden = 0;
  let quote = 0;
  const lists: ListFrame[] = [];
  let table: TableCell[][] | null = null;
  let row: TableCell[] | null = null;
  let cell: TableCell | null = null;

  const indent = () => quote * 2 + Math.max(0, lists.length - 1) * 2;

  const flush = () => {
    const normalised = normaliseRuns(runs);
    runs = [];
    if (cell) {
      if (normalised.length > 0 && cell.runs.length > 0) cell.runs.push(plain("\n"));
      cell.runs.push(...normalised);
      return;
    }
    if (normalised.length === 0) return;
    blocks.push({ kind: "paragraph", level, runs: normalised, indent: indent() });
  };
  const plain = (text: string): TextRun => ({ text, bold: false, italic: false, underline: false });
  const addText = (text: string) => {
    runs.push({ text, bold: bold > 0, italic: italic > 0, underline: underline > 0 });
  };

  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (HIDDEN.has(name)) {
          hidden += 1;
          return;
        }
        if (hidden > 0) return;
        if (name === "strong" || name === "b") bold += 1;
        else if (name === "em" || name === "i") italic += 1;
        else if (name === "u") underline += 1;
        else if (name === "br") runs.push(plain(BREAK));
        else if (name in HEADINGS) {
          flush();
          level = HEADINGS[name] ?? 0;
        } else if (PARAGRAPH_BREAKS.has(name)) flush();
        else if (name === "blockquote") {
          flush();
          quote += 1;
        } else if (name === "ol" || name === "ul") {
          flush();
          const start = Number.parseInt(attribs.start ?? "1", 10);
          lists.push({ ordered: name === "ol", next: Number.isFinite(start) ? start : 1 });
        } else if (name === "li") {
          flush();
          const list = lists[lists.length - 1];
          if (list) {
            addText(list.ordered ? `${list.next}.` : "•");
            list.next += 1;
          }
        } else if (name === "table") {
          flush();
          table = [];
        } else if (name === "tr" && table) {
          row = [];
          table.push(row);
        } else if ((name === "td" || name === "th") && table) {
          flush();
          if (!row) {
            row = [];
            table.push(row);
          }
          const span = Number.parseInt(attribs.colspan ?? "1", 10);
          cell = { runs: [], header: name === "th", colSpan: Number.isFinite(span) && span > 1 ? span : 1 };
          row.push(cell);
        }
      },
      ontext(text) {
        if (hidden > 0) return;
        // Text between table cells (indentation of the markup) is no content.
        if (table && !cell) return;
        addText(text);
      },
      onclosetag(name) {
        if (HIDDEN.has(name)) {
          hidden = Math.max(0, hidden - 1);
          return;
        }
        if (hidden > 0) return;
        if (name === "strong" || name === "b") bold = Math.max(0, bold - 1);
        else if (name === "em" || name === "i") italic = Math.max(0, italic - 1);
        else if (name === "u") underline = Math.max(0, underline - 1);
        else if (name in HEADINGS) {
          flush();
          level = 0;
        } else if (PARAGRAPH_BREAKS.has(name) || name === "li") flush();
        else if (name === "blockquote") {
          flush();
          quote = Math.max(0, quote - 1);
        } else if (name === "ol" || name === "ul") {
          flush();
          lists.pop();
        } else if (name === "td" || name === "th") {
          flush();
          cell = null;
        } else if (name === "tr") {
          row = null;
        } else if (name === "table" && table) {
          flush();
          cell = null;
          row = null;
          const rows = table.filter((r) => r.length > 0);
          table = null;
          if (rows.length > 0) blocks.push({ kind: "table", rows });
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  flush();
  return blocks;
}

/** Text as HTML text content, for building 正文 from plain text. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
