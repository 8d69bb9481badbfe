/**
 * Reader process for extractPdfText: reads pages of one PDF at a time, as its
 * parent asks over IPC, and keeps that PDF open for the next pages asked for.
 * It runs with a heap limit and its parent kills it at the deadline or the
 * memory limit, so whatever pdf.js does with a hostile file stays inside this
 * process.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type * as NapiCanvas from "@napi-rs/canvas";
import { dirname, join } from "node:path";
// pdf.js's worker half, in this process: loading it sets globalThis.pdfjsWorker,
// which pdf.js then uses instead of starting a worker of its own.
import "pdfjs-dist/legacy/build/pdf.worker.mjs";
import {
  getDocument,
  PDFWorker,
  type PDFDocumentLoadingTask,
  type PDFDocumentProxy,
  type PDFPageProxy,
} from "pdfjs-dist/legacy/build/pdf.mjs";
import { writeFileAtomically } from "../server/core/atomicFile.js";
import { joinTextItems, type PdfTextItem } from "./pdfLayout.js";
import { SameThreadPort } from "./pdfPort.js";
import type { PdfInspection, PdfReaderReply, PdfReaderRequest } from "./pdfText.js";
import type { ImportFileErrorCode } from "./types.js";

// pdf.js inflates streams through DecompressionStream where there is one. In
// Node that is zlib behind web streams, and for the many small streams of a
// page (content, fonts) the streams' own machinery cost more than inflating
// in JavaScript: without it the 250 pages of the books and pdf-samples took
// 10% less CPU time, with the same text. pdf.js looks for it when it inflates.
Reflect.deleteProperty(globalThis, "DecompressionStream");

const pdfjsRoot = dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));
// pdf.js reads these from the file system in Node; the trailing slash is required.
const cMapUrl = join(pdfjsRoot, "cmaps") + "/";
const standardFontDataUrl = join(pdfjsRoot, "standard_fonts") + "/";

/** What pdf.js's worker half leaves on globalThis when it loads (above). */
declare global {
  var pdfjsWorker: { WorkerMessageHandler: { initializeFromPort(port: SameThreadPort): void } } | undefined;
}

const port = new SameThreadPort();
globalThis.pdfjsWorker!.WorkerMessageHandler.initializeFromPort(port);
/** One worker half for every file this reader opens; pdf.js keeps each document's state apart by its id. */
const worker = new PDFWorker({ port: port as unknown as null, verbosity: 0 });

/** Text items, not the marked-content markers pdf.js can put among them. */
function textItems(items: readonly object[]): PdfTextItem[] {
  const out: PdfTextItem[] = [];
  for (const item of items) {
    if ("str" in item && "transform" in item && typeof item.str === "string" && Array.isArray(item.transform)) {
      const width = "width" in item && typeof item.width === "number" ? item.width : 0;
      const hasEOL = "hasEOL" in item && item.hasEOL === true;
      out.push({ str: item.str, transform: item.transform.map(Number), width, hasEOL });
    }
  }
  return out;
}

/** pdf.js's exceptions as the import report's codes. */
function errorCode(error: unknown): ImportFileErrorCode {
  const name = error instanceof Error ? error.name : "";
  if (name === "PasswordException") return "encrypted";
  // An ArrayBuffer larger than the engine allows: a stream that inflates without end.
  if (error instanceof RangeError) return "too_large";
  return "corrupt";
}

/** The file this reader has open, kept between the parts of it that it is asked for. */
let open: { file: number; task: PDFDocumentLoadingTask; doc: PDFDocumentProxy } | null = null;

async function closeFile(): Promise<void> {
  const task = open?.task;
  open = null;
  await task?.destroy();
}

async function openFile(file: number, path: string): Promise<PDFDocumentProxy> {
  if (open?.file === file) return open.doc;
  await closeFile();
  const data = new Uint8Array(await readFile(path));
  const task = getDocument({
    data,
    cMapUrl,
    cMapPacked: true,
    standardFontDataUrl,
    // Text only: no fonts for rendering, no eval'd glyph programs, no warnings on stdout.
    disableFontFace: true,
    isEvalSupported: false,
    useSystemFonts: false,
    verbosity: 0,
    worker,
  });
  try {
    open = { file, task, doc: await task.promise };
    return open.doc;
  } catch (error) {
    await task.destroy();
    throw error;
  }
}

async function extract(
  file: number,
  path: string,
  first: number,
  last: number,
): Promise<{ text: string; pages: number }> {
  const doc = await openFile(file, path);
  const end = Math.min(last, doc.numPages);
  const pages: string[] = [];
  for (let n = first; n <= end; n++) {
    const page = await doc.getPage(n);
    const content = await page.getTextContent();
    pages.push(joinTextItems(textItems(content.items)));
    page.cleanup();
  }
  if (end >= doc.numPages) await closeFile();
  return { text: pages.join("\n\n"), pages: doc.numPages };
}

/** @napi-rs/canvas stands in for the DOM canvas pdf.js is typed for. */
type RenderParameters = Parameters<PDFPageProxy["render"]>[0];

/** The first page drawn `width` pixels wide, as a JPEG (pdf.js draws with @napi-rs/canvas in Node). */
async function drawCover(doc: PDFDocumentProxy, width: number): Promise<Uint8Array> {
  // Loaded where it is installed (a native module is not bundled); pdf.js has loaded it already.
  const { createCanvas } = createRequire(import.meta.url)("@napi-rs/canvas") as typeof NapiCanvas;
  const page = await doc.getPage(1);
  const viewport = page.getViewport({ scale: width / page.getViewport({ scale: 1 }).width });
  const canvas = createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
  const context = canvas.getContext("2d");
  // White under the page: a PDF page is transparent where nothing is drawn, and JPEG has no alpha.
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  await page.render({
    canvas: canvas as unknown as RenderParameters["canvas"],
    canvasContext: context as unknown as RenderParameters["canvasContext"],
    viewport,
  }).promise;
  page.cleanup();
  return canvas.toBuffer("image/jpeg", 85);
}

/** Page count, metadata and cover of a file, which is let go of after. */
async function inspect(file: number, path: string, coverWidth: number): Promise<PdfInspection> {
  const doc = await openFile(file, path);
  const { info, metadata } = await doc.getMetadata();
  const cover = doc.numPages > 0 ? await drawCover(doc, coverWidth) : null;
  await closeFile();
  return {
    pages: doc.numPages,
    info: info && typeof info === "object" ? { ...info } : {},
    xmp: metadata ? Object.fromEntries(metadata) : {},
    cover,
  };
}

/** Set by the reader's boot code (pdfText.ts, spawnReader) before this script runs. */
declare global {
  var pdfReaderCodeCache: { path: string; used: boolean; create: () => Buffer } | undefined;
}

/**
 * Pages read before this reader leaves its compiled code for the next readers:
 * by then pdf.js's functions for the common kinds of PDF have been compiled.
 */
const CODE_CACHE_AFTER_PAGES = 64;
let pagesRead = 0;

/**
 * Once, when this reader started without a usable code cache and has read
 * enough. Written before the reply that follows it, so that a reader stopped
 * as soon as its parent has the answer has left the cache whole.
 */
async function leaveCodeCache(pages: number): Promise<void> {
  const cache = globalThis.pdfReaderCodeCache;
  pagesRead += pages;
  if (!cache || cache.used || pagesRead < CODE_CACHE_AFTER_PAGES) return;
  cache.used = true;
  await writeFileAtomically(cache.path, cache.create()).catch(() => {
    // A read-only cache folder: the next reader compiles for itself.
  });
}

function reply(message: PdfReaderReply): void {
  process.send?.(message);
}

process.on("message", (request: PdfReaderRequest) => {
  if ("close" in request) {
    void closeFile();
    return;
  }
  const work =
    "inspect" in request
      ? inspect(request.file, request.path, request.inspect.coverWidth).then((inspection) =>
          reply({ id: request.id, ok: true, inspection }),
        )
      : extract(request.file, request.path, request.first, request.last).then(async ({ text, pages }) => {
          await leaveCodeCache(Math.min(request.last, pages) - request.first + 1);
          reply({ id: request.id, ok: true, text, pages });
        });
  void work.catch(async (error: unknown) => {
    // What pdf.js holds of a file it failed on is no use for another part.
    await closeFile().catch(() => {});
    reply({
      id: request.id,
      ok: false,
      code: errorCode(error),
      message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  });
});
// The importer went away: nothing is left to read for.
process.on("disconnect", () => process.exit(0));
reply({ ready: true, codeCache: globalThis.pdfReaderCodeCache?.used ?? false });
