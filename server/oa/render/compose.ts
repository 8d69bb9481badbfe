import type { FontRole } from "./fonts.js";
import { BLANK_DATE, chineseDate } from "./format.js";
import { htmlToBlocks, normaliseRuns, type ParagraphBlock, type TableBlock, type TextRun } from "./html.js";
import {
  breakLines,
  breakTitle,
  lineRuns,
  shape,
  styled,
  type FontMetrics,
  type GlyphRun,
  type Line,
  type StyledChar,
} from "./lines.js";
import { LETTER_DOC_TYPES, UPWARD_DOC_TYPES, type PrintableDocument } from "./types.js";

/**
 * The page layout of GB/T 9704-2012 (党政机关公文格式), in points, y downwards
 * from the top of the page. Section numbers below are the standard's.
 */
export const MM = 72 / 25.4;
/** 5.1: A4. */
export const PAGE = { width: 210 * MM, height: 297 * MM };
/** 5.2.1: 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm. */
export const TYPE_AREA = { left: 28 * MM, top: 37 * MM, width: 156 * MM, height: 225 * MM };
const TYPE_RIGHT = TYPE_AREA.left + TYPE_AREA.width;
const TYPE_BOTTOM = TYPE_AREA.top + TYPE_AREA.height;
/**
 * 5.2.3: 22 lines of 28 characters filling the type area. A 3号 character is
 * 16 pt; the cell is 15.79 pt, so glyphs sit 0.2 pt tighter than set solid, as
 * word processors' document grids do, and the line pitch is 28.99 pt.
 */
export const GRID = { columns: 28, rows: 22, cell: TYPE_AREA.width / 28, pitch: TYPE_AREA.height / 22 };
/** 号 sizes in points: 2号 22, 3号 16, 4号 14. */
export const SIZE = { title: 22, body: 16, imprint: 14, pageNumber: 14 } as const;
/** The 发文机关标志's size: the standard leaves it to the organ (醒目、美观、庄重); 52 pt is common. */
const MARK_SIZE = 52;
/** 10.1: a letter's mark is the organ's name, smaller than a 文件's; its top 30 mm below the page's. */
const LETTER_MARK_SIZE = 36;
/** 10.1: the red double lines of a letter, 170 mm long and centred: a thick and a thin line (widths in points). */
const LETTER_RULE = { length: 170 * MM, thick: 2.25, thin: 0.75, gap: 1.5 };
/** The mark never takes more than this share of the type area's width; longer ones are condensed. */
const MARK_MAX_WIDTH = 0.94;
/** 5.2.4, 7.2.4, 7.2.7: red, as printed with Y80 M80 ink. */
export const RED = "#E60012";
const BLACK = "#000000";
/** Ideographic em box of the Noto CJK fonts: 0.88 em above the baseline, 0.12 below. */
const ASCENT = 0.88;
const DESCENT = 0.12;

/** Baseline that centres a size's em box in a grid line. */
function rowBaseline(row: number, size: number): number {
  return TYPE_AREA.top + row * GRID.pitch + (GRID.pitch - size) / 2 + ASCENT * size;
}

export type DrawOp =
  | {
      kind: "text";
      x: number;
      baseline: number;
      runs: GlyphRun[];
      color: string;
      /** Horizontal scaling in percent (PDF Tz), for a condensed 发文机关标志. */
      hScale?: number;
      /** Degrees anticlockwise about (x, baseline), and the fill opacity: the 草稿 watermark. */
      rotate?: number;
      opacity?: number;
    }
  | { kind: "rule"; x1: number; y1: number; x2: number; y2: number; width: number; color: string };

/** Where the composed pages go: pdfkit in gbt9704.ts, or a recorder in tests. */
export interface PageSink {
  /** Starts the next page; the previous one is complete and may be written out. */
  startPage(): Promise<void>;
  draw(op: DrawOp): void;
}

/** A line of text on the grid, kept until its page is written so that it can still move to the next page. */
interface GridItem {
  x: number;
  runs: GlyphRun[];
  size: number;
  color: string;
}

interface GridRow {
  row: number;
  items: GridItem[];
  /** Body and 附件说明 lines, which may move to the next page to keep the signature company (7.3.5.5). */
  movable: boolean;
}

/** Where the 版记 goes, given the page the document's text ends on (7.4, 7.5). */
export interface ImprintPlan {
  /** Pages to add before the 版记's page: 0 (it fits below the text), 1 or 2 (a blank page, then its own). */
  addPages: 0 | 1 | 2;
  /** Whether the added pages carry page numbers. */
  numbered: boolean;
}

/**
 * The 版记 is the last element of the last page, and a 公文 is printed on both
 * sides (5.2), so the last page is an even page (封四). When the text ends on an
 * even page with room below it, the 版记 goes there; ending on an odd page, the
 * 版记 takes the next (even) page; ending on an even page without room, a blank
 * page and then the 版记's page follow — and those two carry no page number,
 * as 7.5 says (公文的版记页前有空白页的，空白页和版记页均不编排页码).
 */
export function planImprint(page: number, usedRows: number, imprintRows: number, rows = GRID.rows): ImprintPlan {
  // One blank line between the last text and the 版记's first rule.
  const fits = usedRows + 1 + imprintRows <= rows;
  if (page % 2 === 0 && fits) return { addPages: 0, numbered: true };
  if (page % 2 === 1) return { addPages: 1, numbered: true };
  return { addPages: 2, numbered: false };
}

/**
 * Column widths of a table (the automatic layout of HTML tables, simplified):
 * columns whose text fits in an equal share get what they need, the others
 * share what is left in proportion to their text; spare width is spread evenly.
 */
export function columnWidths(natural: readonly number[], total: number): number[] {
  const widths = new Array<number | null>(natural.length).fill(null);
  for (;;) {
    const open = widths.flatMap((w, i) => (w === null ? [i] : []));
    if (open.length === 0) break;
    const left = total - widths.reduce<number>((s, w) => s + (w ?? 0), 0);
    const share = left / open.length;
    const fitting = open.filter((i) => (natural[i] ?? 0) <= share);
    if (fitting.length === 0) {
      const wanted = open.reduce((s, i) => s + (natural[i] ?? 0), 0);
      for (const i of open) widths[i] = ((natural[i] ?? 0) / wanted) * left;
      break;
    }
    for (const i of fitting) widths[i] = natural[i] ?? 0;
  }
  const used = widths.reduce<number>((s, w) => s + (w ?? 0), 0);
  return widths.map((w) => (w ?? 0) + (total - used) / natural.length);
}

/**
 * A field printed as one line (or wrapped by the layout): whitespace collapsed
 * as in the body (a line break between Chinese characters is nothing, other
 * runs of whitespace one space), with no forced breaks.
 */
function oneLine(text: string): string {
  const [run] = normaliseRuns([{ text, bold: false, italic: false, underline: false }]);
  return (run?.text ?? "").replace(/\n/g, " ");
}

/** Characters of a paragraph's runs in the roles its level and inline styles ask for. */
function paragraphChars(block: ParagraphBlock): StyledChar[] {
  const base: FontRole = block.level === 1 ? "hei" : block.level === 2 ? "kai" : "fangsong";
  return block.runs.flatMap((run: TextRun) =>
    styled(run.text, run.bold && base === "fangsong" ? "bold" : base, run.underline),
  );
}

export class Composer {
  private page = 0;
  private row = 0;
  private rows: GridRow[] = [];
  private readonly draft: boolean;
  /** 信函格式 (10.1). */
  private readonly letter: boolean;

  constructor(
    private readonly doc: PrintableDocument,
    private readonly metrics: FontMetrics,
    private readonly sink: PageSink,
  ) {
    this.draft = doc.draft === true || doc.docNumber === null;
    this.letter = LETTER_DOC_TYPES.has(doc.docType);
  }

  /** Lays out the whole document; returns the number of pages. */
  async compose(): Promise<number> {
    // 10.1: a letter's first page shows no page number.
    await this.newPage(!this.letter);
    if (this.letter) this.letterHeader();
    else this.header();
    this.title();
    await this.mainRecipients();
    for (const block of htmlToBlocks(this.doc.bodyHtml)) {
      if (block.kind === "paragraph") await this.paragraph(block);
      else await this.table(block);
    }
    await this.attachments();
    await this.signature();
    await this.note();
    await this.imprint();
    this.flushRows();
    return this.page;
  }

  // ------------------------------------------------------------------ pages

  private async newPage(numbered: boolean): Promise<void> {
    this.flushRows();
    await this.sink.startPage();
    this.page += 1;
    this.row = 0;
    if (this.draft) this.watermark();
    if (numbered) this.pageNumber();
  }

  /** Draws the rows kept for the current page. */
  private flushRows(): void {
    for (const { row, items } of this.rows) {
      for (const item of items) {
        this.sink.draw({
          kind: "text",
          x: item.x,
          baseline: rowBaseline(row, item.size),
          runs: item.runs,
          color: item.color,
        });
      }
    }
    this.rows = [];
  }

  private async ensureRows(count: number): Promise<void> {
    if (this.row + count > GRID.rows) await this.newPage(true);
  }

  /** Blank lines; those that would fall past the page's end are dropped, not carried to the next page's top. */
  private skipRows(count: number): void {
    this.row = Math.min(GRID.rows, this.row + count);
  }

  private async placeRow(items: GridItem[], movable: boolean): Promise<void> {
    await this.ensureRows(1);
    this.rows.push({ row: this.row, items, movable });
    this.row += 1;
  }

  /** 7.5: 4号 半角宋体 numerals between 一字线, 7 mm below the type area; odd pages right, even pages left, one character in. */
  private pageNumber(): void {
    const size = SIZE.pageNumber;
    const glyphs = shape(styled(`— ${this.page} —`, "song"), size, null, this.metrics);
    const line: Line = { glyphs, xs: [], width: 0 };
    let x = 0;
    for (const g of glyphs) {
      line.xs.push(x);
      x += g.slot;
    }
    line.width = x;
    const left = this.page % 2 === 1 ? TYPE_RIGHT - size - line.width : TYPE_AREA.left + size;
    // The 一字线 sits at the middle of the em box, 0.38 em above the baseline.
    const baseline = TYPE_BOTTOM + 7 * MM + ((ASCENT - DESCENT) / 2) * size;
    this.sink.draw({ kind: "text", x: left, baseline, runs: lineRuns(line), color: BLACK });
  }

  private watermark(): void {
    const size = 150;
    const glyphs = shape(styled("草稿", "hei"), size, null, this.metrics);
    const line = breakLines(glyphs, PAGE.width * 2, PAGE.width * 2, false)[0];
    if (!line) return;
    const angle = 35;
    const rad = (angle * Math.PI) / 180;
    // Centre the word on the page: start half its width back along the rotated baseline.
    const cx = PAGE.width / 2;
    const cy = PAGE.height / 2;
    const half = line.width / 2;
    const x = cx - half * Math.cos(rad) - (size / 3) * Math.sin(rad);
    const baseline = cy + half * Math.sin(rad) + (size / 3) * Math.cos(rad);
    this.sink.draw({ kind: "text", x, baseline, runs: lineRuns(line), color: "#B0B0B0", rotate: angle, opacity: 0.35 });
  }

  // ------------------------------------------------------------------ 版头 (7.2)

  private textOp(text: string, role: FontRole, size: number): Line {
    const glyphs = shape(styled(text, role), size, null, this.metrics);
    return (
      breakLines(glyphs, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, false)[0] ?? {
        glyphs: [],
        xs: [],
        width: 0,
      }
    );
  }

  private drawLine(line: Line, x: number, baseline: number, color: string, hScale?: number): void {
    this.sink.draw({ kind: "text", x, baseline, runs: lineRuns(line), color, ...(hScale ? { hScale } : {}) });
  }

  private separatorY = 0;

  private header(): void {
    const { doc } = this;
    // 7.2.1–7.2.3: 份号, then 紧急程度, each on its own line at the top left, 3号黑体.
    let row = 0;
    if (doc.copyNo) {
      this.drawLine(
        this.textOp(oneLine(doc.copyNo), "hei", SIZE.body),
        TYPE_AREA.left,
        rowBaseline(row, SIZE.body),
        BLACK,
      );
      row += 1;
    }
    if (doc.urgency) {
      this.drawLine(this.textOp(doc.urgency, "hei", SIZE.body), TYPE_AREA.left, rowBaseline(row, SIZE.body), BLACK);
    }

    // 7.2.4: the mark centred, its top 35 mm below the type area's top, red 小标宋.
    const mark = this.textOp(oneLine(doc.issuerMark), "xiaobiaosong", MARK_SIZE);
    const maxWidth = TYPE_AREA.width * MARK_MAX_WIDTH;
    const hScale = mark.width > maxWidth ? (maxWidth / mark.width) * 100 : undefined;
    const markWidth = hScale ? maxWidth : mark.width;
    const markTop = TYPE_AREA.top + 35 * MM;
    this.drawLine(mark, TYPE_AREA.left + (TYPE_AREA.width - markWidth) / 2, markTop + ASCENT * MARK_SIZE, RED, hScale);

    // 7.2.5, 7.2.6: 发文字号 two lines below the mark; for 上行文 with 签发人 on the right.
    const size = SIZE.body;
    const firstTop = markTop + MARK_SIZE + 2 * GRID.pitch;
    const number = this.textOp(oneLine(doc.docNumber ?? "（未编号）"), "fangsong", size);
    const upward = UPWARD_DOC_TYPES.has(doc.docType) && doc.signers.length > 0;
    let numberTop = firstTop;
    if (upward) {
      numberTop = this.signers(firstTop);
      this.drawLine(number, TYPE_AREA.left + GRID.cell, numberTop + (GRID.pitch - size) / 2 + ASCENT * size, BLACK);
    } else {
      this.drawLine(
        number,
        TYPE_AREA.left + (TYPE_AREA.width - number.width) / 2,
        numberTop + (GRID.pitch - size) / 2 + ASCENT * size,
        BLACK,
      );
    }
    // 7.2.7: the red separator 4 mm below the 发文字号, as wide as the type area.
    const numberBottom = numberTop + (GRID.pitch - size) / 2 + size;
    this.separatorY = numberBottom + 4 * MM;
    this.sink.draw({
      kind: "rule",
      x1: TYPE_AREA.left,
      y1: this.separatorY,
      x2: TYPE_RIGHT,
      y2: this.separatorY,
      width: 1.5,
      color: RED,
    });
  }

  /**
   * 10.1 信函格式: the organ's name (the mark without "文件") centred 30 mm
   * below the page's top; 4 mm under it a red double line, thick above thin,
   * and 20 mm above the page's foot another, thin above thick, both 170 mm
   * long and centred. Under the first, 7/8 of a 3号 character down: 份号 and
   * 紧急程度 on the left, one a line, and the 发文字号 on the right.
   */
  private letterHeader(): void {
    const { doc } = this;
    const name = oneLine(doc.issuerMark).replace(/文件$/, "");
    const mark = this.textOp(name, "xiaobiaosong", LETTER_MARK_SIZE);
    const maxWidth = TYPE_AREA.width * MARK_MAX_WIDTH;
    const hScale = mark.width > maxWidth ? (maxWidth / mark.width) * 100 : undefined;
    const markWidth = hScale ? maxWidth : mark.width;
    const markTop = 30 * MM;
    this.drawLine(
      mark,
      TYPE_AREA.left + (TYPE_AREA.width - markWidth) / 2,
      markTop + ASCENT * LETTER_MARK_SIZE,
      RED,
      hScale,
    );
    const upperBottom = this.doubleRule(markTop + LETTER_MARK_SIZE + 4 * MM, true);
    this.doubleRule(PAGE.height - 20 * MM - (LETTER_RULE.thick + LETTER_RULE.gap + LETTER_RULE.thin), false);

    const size = SIZE.body;
    const firstTop = upperBottom + (7 / 8) * size;
    let top = firstTop;
    for (const text of [doc.copyNo ? oneLine(doc.copyNo) : null, doc.urgency]) {
      if (!text) continue;
      this.drawLine(this.textOp(text, "hei", size), TYPE_AREA.left, top + ASCENT * size, BLACK);
      top += GRID.pitch;
    }
    const number = this.textOp(oneLine(doc.docNumber ?? "（未编号）"), "fangsong", size);
    this.drawLine(number, TYPE_RIGHT - number.width, firstTop + ASCENT * size, BLACK);
    // The title comes two lines below the last of these (title() counts from here).
    this.separatorY = Math.max(top, firstTop + GRID.pitch) - GRID.pitch + size;
  }

  /** A red double line of a letter from `top`, thick above thin or the reverse; returns its bottom. */
  private doubleRule(top: number, thickFirst: boolean): number {
    const { length, thick, thin, gap } = LETTER_RULE;
    const x1 = (PAGE.width - length) / 2;
    const [first, second] = thickFirst ? [thick, thin] : [thin, thick];
    const rule = (y: number, width: number) =>
      this.sink.draw({ kind: "rule", x1, y1: y, x2: x1 + length, y2: y, width, color: RED });
    rule(top + first / 2, first);
    rule(top + first + gap + second / 2, second);
    return top + first + gap + second;
  }

  /**
   * 7.2.6: "签发人" and a full-width colon, then the names, two to a line, one
   * character apart; the first line right aligned one character in, later
   * lines starting under the first name. Returns the top of the last line,
   * which the 发文字号 shares.
   */
  private signers(top: number): number {
    const size = SIZE.body;
    const label = this.textOp("签发人：", "fangsong", size);
    const names = this.doc.signers.map((name) => this.textOp(oneLine(name), "kai", size));
    const gap = GRID.cell;
    const lineWidth = (line: Line[]) => line.reduce((w, n) => w + n.width, 0) + (line.length - 1) * gap;
    const firstLine = names.slice(0, 2);
    const namesLeft = TYPE_RIGHT - GRID.cell - lineWidth(firstLine);
    let lineTop = top;
    for (let i = 0; i < names.length; i += 2) {
      if (i > 0) lineTop += GRID.pitch;
      const baseline = lineTop + (GRID.pitch - size) / 2 + ASCENT * size;
      if (i === 0) this.drawLine(label, namesLeft - label.width, baseline, BLACK);
      let x = namesLeft;
      for (const name of names.slice(i, i + 2)) {
        this.drawLine(name, x, baseline, BLACK);
        x += name.width + gap;
      }
    }
    return lineTop;
  }

  // ------------------------------------------------------------------ 主体 (7.3)

  /** 7.3.1: 2号小标宋, centred, two lines below the red separator, in lines shaped as 7.3.1 asks. */
  private title(): void {
    const size = SIZE.title;
    const glyphs = shape(styled(oneLine(this.doc.title), "xiaobiaosong"), size, null, this.metrics);
    const lines = breakTitle(glyphs, TYPE_AREA.width);
    // The grid line nearest to two lines below the separator.
    this.row = Math.round((this.separatorY - TYPE_AREA.top) / GRID.pitch + 2);
    for (const line of lines) {
      this.rows.push({
        row: this.row,
        items: [{ x: TYPE_AREA.left + (TYPE_AREA.width - line.width) / 2, runs: lineRuns(line), size, color: BLACK }],
        movable: false,
      });
      this.row += 1;
    }
  }

  /** Grid lines of text: full-width characters in cells, justified; the first line indented. */
  private gridLines(chars: StyledChar[], indent: number, firstIndent: number): Line[] {
    const glyphs = shape(chars, SIZE.body, GRID.cell, this.metrics);
    const first = TYPE_AREA.width - (indent + firstIndent) * GRID.cell;
    const rest = TYPE_AREA.width - indent * GRID.cell;
    return breakLines(glyphs, first, rest, true);
  }

  private async placeLines(lines: Line[], x: number, firstX: number, movable: boolean): Promise<void> {
    for (const [i, line] of lines.entries()) {
      const item = { x: i === 0 ? firstX : x, runs: lineRuns(line), size: SIZE.body, color: BLACK };
      await this.placeRow([item], movable);
    }
  }

  /** 7.3.2: one line below the title, flush left, also when it wraps, ending with a full-width colon. */
  private async mainRecipients(): Promise<void> {
    const text = oneLine(this.doc.mainRecipients).replace(/[:：]$/, "");
    if (!text) return;
    this.skipRows(1);
    const lines = this.gridLines(styled(`${text}：`, "fangsong"), 0, 0);
    await this.placeLines(lines, TYPE_AREA.left, TYPE_AREA.left, false);
  }

  /** 7.3.3: each paragraph indented two characters, wrapped lines flush left. */
  private async paragraph(block: ParagraphBlock): Promise<void> {
    const lines = this.gridLines(paragraphChars(block), block.indent, 2);
    const x = TYPE_AREA.left + block.indent * GRID.cell;
    await this.placeLines(lines, x, x + 2 * GRID.cell, true);
  }

  /**
   * 8: a table as wide as the type area, columns as wide as their longest
   * text allows, cells wrapped on the grid's lines; a row is not split unless
   * it is taller than a page.
   */
  private async table(block: TableBlock): Promise<void> {
    const columns = Math.max(...block.rows.map((r) => r.reduce((n, c) => n + c.colSpan, 0)));
    const pad = GRID.cell / 4;
    const cellGlyphs = block.rows.map((r) =>
      r.map((c) =>
        shape(
          c.runs.flatMap((run) => styled(run.text, c.header ? "hei" : run.bold ? "bold" : "fangsong", run.underline)),
          SIZE.body,
          GRID.cell,
          this.metrics,
        ),
      ),
    );
    // Natural widths of single-column cells decide the columns' shares; at least two characters each.
    const natural = new Array<number>(columns).fill(2 * GRID.cell);
    block.rows.forEach((r, ri) => {
      let col = 0;
      r.forEach((c, ci) => {
        if (c.colSpan === 1) {
          const width = (cellGlyphs[ri]?.[ci] ?? []).reduce((s, g) => s + g.slot, 0) + 2 * pad;
          natural[col] = Math.max(natural[col] ?? 0, width);
        }
        col += c.colSpan;
      });
    });
    const widths = columnWidths(natural, TYPE_AREA.width);
    const edges = [TYPE_AREA.left];
    for (const w of widths) edges.push((edges[edges.length - 1] ?? 0) + w);

    for (const [ri, r] of block.rows.entries()) {
      let col = 0;
      const cells = r.map((c, ci) => {
        const left = edges[col] ?? TYPE_AREA.left;
        const right = edges[Math.min(columns, col + c.colSpan)] ?? TYPE_RIGHT;
        col += c.colSpan;
        const inner = right - left - 2 * pad;
        const lines = breakLines(cellGlyphs[ri]?.[ci] ?? [], inner, inner, false);
        return { left, right, lines, header: c.header };
      });
      const height = Math.max(1, ...cells.map((c) => c.lines.length));
      if (height <= GRID.rows) await this.ensureRows(height);
      for (let k = 0; k < height; k++) {
        await this.ensureRows(1);
        const top = TYPE_AREA.top + this.row * GRID.pitch;
        const items: GridItem[] = [];
        for (const c of cells) {
          const line = c.lines[k];
          if (!line || line.glyphs.length === 0) continue;
          const x = c.header ? c.left + (c.right - c.left - line.width) / 2 : c.left + pad;
          items.push({ x, runs: lineRuns(line), size: SIZE.body, color: BLACK });
        }
        const firstOfPiece = k === 0 || this.row === 0;
        const lastOfPiece = k === height - 1 || this.row === GRID.rows - 1;
        this.tableBorders(cells, edges, top, firstOfPiece, lastOfPiece);
        // Not movable: its borders are already drawn on this page.
        await this.placeRow(items, false);
      }
    }
  }

  /** Borders of one grid line of a table row: its verticals, and rules where the row (or a page's piece of it) starts and ends. */
  private tableBorders(
    cells: { left: number; right: number }[],
    edges: number[],
    top: number,
    first: boolean,
    last: boolean,
  ): void {
    const width = 0.75;
    const bottom = top + GRID.pitch;
    const left = edges[0] ?? TYPE_AREA.left;
    const right = edges[edges.length - 1] ?? TYPE_RIGHT;
    if (first) this.sink.draw({ kind: "rule", x1: left, y1: top, x2: right, y2: top, width, color: BLACK });
    if (last) this.sink.draw({ kind: "rule", x1: left, y1: bottom, x2: right, y2: bottom, width, color: BLACK });
    for (const x of new Set([left, ...cells.map((c) => c.right)])) {
      this.sink.draw({ kind: "rule", x1: x, y1: top, x2: x, y2: bottom, width, color: BLACK });
    }
  }

  /**
   * 7.3.4: one line below the body, two characters in: 附件：1. name, later
   * numbers under the first, wrapped names aligned with the name's first character.
   */
  private async attachments(): Promise<void> {
    const names = this.doc.attachments.map((n) => oneLine(n).replace(/[。.，,；;]$/, "")).filter((n) => n.length > 0);
    if (names.length === 0) return;
    this.skipRows(1);
    const size = SIZE.body;
    const labelX = TYPE_AREA.left + 2 * GRID.cell;
    const label = shape(styled("附件：", "fangsong"), size, GRID.cell, this.metrics);
    const labelWidth = label.reduce((s, g) => s + g.slot, 0);
    for (const [i, name] of names.entries()) {
      const prefix = names.length > 1 ? `${i + 1}. ` : "";
      const prefixGlyphs = shape(styled(prefix, "fangsong"), size, GRID.cell, this.metrics);
      const prefixWidth = prefixGlyphs.reduce((s, g) => s + g.slot, 0);
      const nameX = labelX + labelWidth + prefixWidth;
      const width = TYPE_RIGHT - nameX;
      const lines = breakLines(shape(styled(name, "fangsong"), size, GRID.cell, this.metrics), width, width, true);
      for (const [k, line] of lines.entries()) {
        const items: GridItem[] = [];
        if (k === 0) {
          if (i === 0) items.push(this.gridItem(label, labelX));
          if (prefix) items.push(this.gridItem(prefixGlyphs, labelX + labelWidth));
        }
        items.push({ x: nameX, runs: lineRuns(line), size, color: BLACK });
        await this.placeRow(items, true);
      }
    }
  }

  private gridItem(glyphs: ReturnType<typeof shape>, x: number): GridItem {
    const line = breakLines(glyphs, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, false)[0];
    return { x, runs: line ? lineRuns(line) : [], size: SIZE.body, color: BLACK };
  }

  /**
   * 7.3.5.1 (加盖印章的公文): 成文日期 right aligned four characters in, the
   * 署名 centred above it. Two blank lines above the 署名 leave room for the
   * seal, whose top must come within a line of the text above and which
   * presses on both. 7.3.5.5: 署名 and date never stand alone on a page —
   * when they do not fit below the text, the last two lines of text move
   * over with them.
   */
  private async signature(): Promise<void> {
    const size = SIZE.body;
    const needed = 4;
    if (this.row + needed > GRID.rows) {
      const tail: GridRow[] = [];
      while (tail.length < 2 && this.rows.length > 0 && this.rows[this.rows.length - 1]?.movable) {
        const last = this.rows.pop();
        if (last) tail.unshift(last);
      }
      await this.newPage(true);
      for (const moved of tail) {
        this.rows.push({ ...moved, row: this.row });
        this.row += 1;
      }
    }
    this.skipRows(2);
    const date = this.textOp(this.doc.writtenOn ? chineseDate(this.doc.writtenOn) : BLANK_DATE, "fangsong", size);
    const dateRight = TYPE_RIGHT - 4 * GRID.cell;
    const dateLeft = dateRight - date.width;
    const org = this.textOp(oneLine(this.doc.signatureOrg), "fangsong", size);
    const centre = dateLeft + date.width / 2;
    // A 署名 much longer than the date keeps one character from the right edge.
    const orgLeft = Math.min(centre - org.width / 2, TYPE_RIGHT - GRID.cell - org.width);
    await this.placeRow([{ x: orgLeft, runs: lineRuns(org), size, color: BLACK }], false);
    await this.placeRow([{ x: dateLeft, runs: lineRuns(date), size, color: BLACK }], false);
  }

  /** 7.3.6: on the line below the date, two characters in, in full-width parentheses. */
  private async note(): Promise<void> {
    const note = oneLine(this.doc.note ?? "").replace(/^[（(]|[）)]$/g, "");
    if (!note) return;
    const lines = this.gridLines(styled(`（${note}）`, "fangsong"), 0, 2);
    await this.placeLines(lines, TYPE_AREA.left, TYPE_AREA.left + 2 * GRID.cell, false);
  }

  // ------------------------------------------------------------------ 版记 (7.4)

  /**
   * 7.4: at the foot of the last (even) page, 4号仿宋: 抄送 one character in
   * from both sides, wrapped names under the first; 印发机关 left and 印发日期
   * right, one character in; a thick rule above, a thin one between, a thick
   * one on the type area's bottom edge.
   */
  private async imprint(): Promise<void> {
    const { doc } = this;
    const size = SIZE.imprint;
    const inset = size;
    const cc = doc.cc.map(oneLine).filter((c) => c.length > 0);
    const ccLines: Line[] = [];
    let ccLabel: Line | null = null;
    if (cc.length > 0) {
      ccLabel = this.textOp("抄送：", "fangsong", size);
      const width = TYPE_AREA.width - 2 * inset - ccLabel.width;
      ccLines.push(
        ...breakLines(shape(styled(`${cc.join("，")}。`, "fangsong"), size, null, this.metrics), width, width, true),
      );
    }
    // 10.1: a letter's 版记 has neither 印发机关 and 印发日期 nor rules.
    const printed = !this.letter && (doc.printedBy !== null || doc.printedOn !== null);
    const imprintRows = ccLines.length + (printed ? 1 : 0);
    if (imprintRows === 0) return;

    const plan = planImprint(this.page, this.row, imprintRows);
    for (let i = 0; i < plan.addPages; i++) await this.newPage(plan.numbered);
    const firstRow = GRID.rows - imprintRows;
    const rule = (row: number, width: number) => {
      if (this.letter) return;
      const y = TYPE_AREA.top + row * GRID.pitch;
      this.sink.draw({ kind: "rule", x1: TYPE_AREA.left, y1: y, x2: TYPE_RIGHT, y2: y, width, color: BLACK });
    };
    const thick = 0.35 * MM;
    const thin = 0.25 * MM;
    rule(firstRow, thick);
    ccLines.forEach((line, i) => {
      const items: GridItem[] = [];
      const labelWidth = ccLabel?.width ?? 0;
      if (i === 0 && ccLabel) items.push({ x: TYPE_AREA.left + inset, runs: lineRuns(ccLabel), size, color: BLACK });
      items.push({ x: TYPE_AREA.left + inset + labelWidth, runs: lineRuns(line), size, color: BLACK });
      this.rows.push({ row: firstRow + i, items, movable: false });
    });
    if (printed) {
      const row = GRID.rows - 1;
      if (ccLines.length > 0) rule(row, thin);
      const items: GridItem[] = [];
      if (doc.printedBy) {
        items.push({
          x: TYPE_AREA.left + inset,
          runs: lineRuns(this.textOp(oneLine(doc.printedBy), "fangsong", size)),
          size,
          color: BLACK,
        });
      }
      const date = this.textOp(`${doc.printedOn ? chineseDate(doc.printedOn) : BLANK_DATE}印发`, "fangsong", size);
      items.push({ x: TYPE_RIGHT - inset - date.width, runs: lineRuns(date), size, color: BLACK });
      this.rows.push({ row, items, movable: false });
    }
    rule(GRID.rows, thick);
    this.row = GRID.rows;
  }
}
