import { createWriteStream, type WriteStream } from "node:fs";
import { unlink } from "node:fs/promises";
import PDFDocument from "pdfkit";
import { Composer, PAGE, type DrawOp, type PageSink } from "./compose.js";

export type { DrawOp, PageSink } from "./compose.js";
export { FontUnavailableError } from "./fonts.js";
export { MissingGlyphError } from "./lines.js";
import {
  loadFonts,
  ROLE_FACES,
  type FaceName,
  type FontFile,
  type FontKey,
  type FontOptions,
  type FontRole,
  type FontSet,
} from "./fonts.js";
import { htmlToBlocks, runsText } from "./html.js";
import { MissingGlyphError, type FontMetrics } from "./lines.js";
import type { PrintableDocument, RenderResult } from "./types.js";

/**
 * Renders a 公文 as a PDF in the layout of GB/T 9704-2012 (党政机关公文格式),
 * streamed to a file page by page: each page is written out before the next
 * is laid out, and the renderer waits for the file to take it, so memory holds
 * one page and the fonts, never the whole PDF.
 */

/**
 * pdfkit hands `features` to fontkit, which also takes an object of feature
 * tags switched on or off; @types/pdfkit knows only the array form. Kerning
 * is off because the layout places every character on its own grid cell and
 * measures each character alone (fonts kern only Latin pairs here).
 */
type Features = NonNullable<PDFKit.Mixins.TextOptions["features"]>;
const PLAIN_FEATURES = { kern: false } as unknown as Features;
const FULL_WIDTH_FEATURES = { kern: false, fwid: true } as unknown as Features;

/** Just below the ideographic em box (which ends 0.12 em under the baseline). */
const UNDERLINE_OFFSET = 0.16;

interface GlyphCoverage {
  hasGlyphForCodePoint(codePoint: number): boolean;
}

/**
 * The fontkit font behind pdfkit's current font, for its character map:
 * pdfkit exposes no coverage query of its own, and reading the font with
 * fontkit separately would parse the 26 MB collections a second time.
 */
function coverageOf(doc: PDFKit.PDFDocument, key: FontKey): GlyphCoverage {
  const embedded: unknown = Reflect.get(doc, "_font");
  // pdfkit takes a font it already has in place of a new one with the same PostScript name and
  // checksum (all slices of a face share the name), which would draw with another slice's glyphs.
  const families: unknown = Reflect.get(doc, "_fontFamilies");
  const registered: unknown = families !== null && typeof families === "object" ? Reflect.get(families, key) : null;
  if (registered !== embedded) throw new Error(`pdfkit drew ${key} with another font`);
  const font: unknown = embedded !== null && typeof embedded === "object" ? Reflect.get(embedded, "font") : null;
  if (font === null || typeof font !== "object") throw new Error("pdfkit did not load a fontkit font");
  const has: unknown = Reflect.get(font, "hasGlyphForCodePoint");
  if (typeof has !== "function") throw new Error("pdfkit's font has no character map query");
  return { hasGlyphForCodePoint: (cp) => Reflect.apply(has, font, [cp]) === true };
}

/**
 * Font metrics and coverage read through pdfkit, cached per character for
 * this document. A font is registered with the document when a character
 * first asks for it, so a PDF embeds only the npm slices it draws from; the
 * glyph is measured and drawn with the same font.
 */
class PdfkitMetrics implements FontMetrics {
  private readonly coverage = new Map<FontKey, GlyphCoverage>();
  private readonly advances = new Map<string, number>();
  private readonly keys = new Map<string, FontKey | null>();

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly fonts: FontSet,
  ) {}

  private select(key: FontKey): void {
    this.doc.font(key).fontSize(1);
  }

  private covers(file: FontFile, codePoint: number): boolean {
    let coverage = this.coverage.get(file.key);
    if (!coverage) {
      this.doc.registerFont(file.key, file.data, file.postscriptName);
      this.select(file.key);
      coverage = coverageOf(this.doc, file.key);
      this.coverage.set(file.key, coverage);
    }
    return coverage.hasGlyphForCodePoint(codePoint);
  }

  /** The font of a face that draws the code point, or null when the face lacks it. */
  fontOf(face: FaceName, codePoint: number): FontKey | null {
    const cacheKey = `${face}\u0000${codePoint}`;
    let key = this.keys.get(cacheKey);
    if (key === undefined) {
      key = this.fonts.candidates(face, codePoint).find((file) => this.covers(file, codePoint))?.key ?? null;
      this.keys.set(cacheKey, key);
    }
    return key;
  }

  faceFor(role: FontRole, codePoint: number): FontKey | null {
    for (const face of ROLE_FACES[role]) {
      const key = this.fontOf(face, codePoint);
      if (key !== null) return key;
    }
    return null;
  }

  advance(key: FontKey, ch: string, fwid: boolean): number {
    const cacheKey = `${key}\u0000${fwid ? 1 : 0}\u0000${ch}`;
    let width = this.advances.get(cacheKey);
    if (width === undefined) {
      this.select(key);
      width = this.doc.widthOfString(ch, { features: fwid ? FULL_WIDTH_FEATURES : PLAIN_FEATURES });
      this.advances.set(cacheKey, width);
    }
    return width;
  }
}

/** Every character the document prints, to check before writing anything that the fonts have them all. */
function printedText(doc: PrintableDocument): string {
  const body = htmlToBlocks(doc.bodyHtml)
    .map((block) =>
      block.kind === "paragraph"
        ? runsText(block.runs)
        : block.rows.flatMap((row) => row.map((cell) => runsText(cell.runs))).join(""),
    )
    .join("");
  return [
    doc.copyNo ?? "",
    doc.urgency ?? "",
    doc.issuerMark,
    doc.docNumber ?? "（未编号）",
    doc.signers.join(""),
    "签发人：",
    doc.title,
    doc.mainRecipients,
    "：",
    body,
    "附件：1. ",
    doc.attachments.join(""),
    doc.signatureOrg,
    "0123456789年月日　",
    doc.note ?? "",
    "（）",
    "抄送：，。",
    doc.cc.join(""),
    doc.printedBy ?? "",
    "印发— 草稿",
  ].join("");
}

function missingCharacters(text: string, metrics: PdfkitMetrics): string[] {
  const missing = new Set<string>();
  for (const ch of new Set(text)) {
    // Tabs and line breaks are collapsed into spaces or break lines; they are never drawn.
    if (/[\t\n\v\f\r\u2028\u2029]/.test(ch)) continue;
    const cp = ch.codePointAt(0) ?? 0;
    if (metrics.fontOf("serif", cp) === null && metrics.fontOf("sans", cp) === null) missing.add(ch);
  }
  return [...missing];
}

/** Draws composed pages into pdfkit and waits at each page boundary until the file has taken what was written. */
class PdfkitSink implements PageSink {
  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly out: WriteStream,
  ) {}

  async startPage(): Promise<void> {
    // pdfkit writes a page's content when the next page is added (bufferPages is off).
    this.doc.addPage({ size: [PAGE.width, PAGE.height], margin: 0 });
    await this.drain();
    // Lets the server answer other requests between pages: a long document is seconds of layout.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Waits while the file stream holds more than its high-water mark or pdfkit holds output not yet piped. */
  async drain(): Promise<void> {
    for (;;) {
      if (this.out.errored) throw this.out.errored;
      if (this.out.writableNeedDrain) {
        await new Promise<void>((resolve, reject) => {
          const done = () => {
            this.out.off("error", fail);
            resolve();
          };
          const fail = (error: Error) => {
            this.out.off("drain", done);
            reject(error);
          };
          this.out.once("drain", done);
          this.out.once("error", fail);
        });
      } else if (this.doc.readableLength > 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
      } else {
        return;
      }
    }
  }

  draw(op: DrawOp): void {
    const { doc } = this;
    if (op.kind === "rule") {
      doc.save().lineWidth(op.width).strokeColor(op.color).moveTo(op.x1, op.y1).lineTo(op.x2, op.y2).stroke().restore();
      return;
    }
    doc.save();
    if (op.rotate) doc.rotate(-op.rotate, { origin: [op.x, op.baseline] });
    doc.fillColor(op.color, op.opacity ?? 1);
    const scale = (op.hScale ?? 100) / 100;
    for (const run of op.runs) {
      doc
        .font(run.face)
        .fontSize(run.size)
        .text(run.text, op.x + run.x * scale, op.baseline, {
          lineBreak: false,
          baseline: "alphabetic",
          characterSpacing: run.charSpacing,
          features: run.fwid ? FULL_WIDTH_FEATURES : PLAIN_FEATURES,
          ...(op.hScale ? { horizontalScaling: op.hScale } : {}),
        });
      // pdfkit puts its underline a line's height below the y it is given, which here is the baseline.
      if (run.underline) {
        const y = op.baseline + UNDERLINE_OFFSET * run.size;
        const x = op.x + run.x * scale;
        doc
          .lineWidth(run.size / 20)
          .strokeColor(op.color)
          .moveTo(x, y)
          .lineTo(x + run.width * scale, y)
          .stroke();
      }
    }
    doc.restore();
  }
}

/** Where to look for fonts instead of the usual places (tests; unusual installations). */
export type RenderOptions = FontOptions;

function newPdf(doc: Pick<PrintableDocument, "title" | "signatureOrg" | "docNumber">): PDFKit.PDFDocument {
  const pdf = new PDFDocument({
    autoFirstPage: false,
    size: [PAGE.width, PAGE.height],
    margin: 0,
    compress: true,
    lang: "zh-CN",
    displayTitle: true,
    info: {
      Title: doc.title,
      Author: doc.signatureOrg,
      Subject: doc.docNumber ?? "",
      Creator: "邕政通 Yong Office",
      Producer: "邕政通 Yong Office (pdfkit)",
    },
  });
  return pdf;
}

/** Checks the fonts cover the document, before anything is written. */
async function prepare(
  doc: PrintableDocument,
  options: RenderOptions,
): Promise<{ pdf: PDFKit.PDFDocument; metrics: PdfkitMetrics }> {
  const fonts = await loadFonts(options);
  const text = printedText(doc);
  await fonts.prepare(text);
  const pdf = newPdf(doc);
  const metrics = new PdfkitMetrics(pdf, fonts);
  const missing = missingCharacters(text, metrics);
  if (missing.length > 0) throw new MissingGlyphError(missing);
  return { pdf, metrics };
}

/** The installed fonts' metrics, as the layout sees them (tests of the line breaking). */
export async function loadMetrics(options: RenderOptions = {}): Promise<FontMetrics> {
  const fonts = await loadFonts(options);
  return new PdfkitMetrics(newPdf({ title: "", signatureOrg: "", docNumber: null }), fonts);
}

/** Lays the document out into a sink of one's own instead of a PDF (tests, page-count previews); returns the page count. */
export async function composeOfficialDocument(
  doc: PrintableDocument,
  sink: PageSink,
  options: RenderOptions = {},
): Promise<number> {
  const { metrics } = await prepare(doc, options);
  return new Composer(doc, metrics, sink).compose();
}

/**
 * Renders the document to outputPath (created or replaced). Refuses, before
 * writing anything, a document with characters no installed font has
 * (MissingGlyphError), so a 公文 never goes out with a blank box in it. On any
 * failure the partial file is removed.
 */
export async function renderOfficialDocument(
  doc: PrintableDocument,
  outputPath: string,
  options: RenderOptions = {},
): Promise<RenderResult> {
  const { pdf, metrics } = await prepare(doc, options);
  const out = createWriteStream(outputPath);
  const finished = new Promise<void>((resolve, reject) => {
    out.once("finish", resolve);
    out.once("error", reject);
    pdf.once("error", reject);
  });
  // Rejections are awaited below; this keeps an early one from being reported as unhandled.
  finished.catch(() => undefined);
  pdf.pipe(out);
  try {
    const sink = new PdfkitSink(pdf, out);
    const pages = await new Composer(doc, metrics, sink).compose();
    pdf.end();
    await finished;
    return { pages, bytes: out.bytesWritten };
  } catch (error) {
    pdf.unpipe(out);
    out.destroy();
    await unlink(outputPath).catch(() => undefined);
    throw error;
  }
}
