import type * as PdfJsModule from "pdfjs-dist/build/pdf.mjs";
import type { PDFPageProxy, PageViewport, RenderTask } from "pdfjs-dist";
import type { DocumentInitParameters } from "pdfjs-dist/types/src/display/api";
import workerUrl from "pdfjs-dist/build/pdf.worker.min.mjs?url";

/** 100 % shows a page at its printed size: PDF points (1/72 in) to CSS pixels (1/96 in). */
export const PDF_TO_CSS = 96 / 72;
/** A page's canvas is drawn at a lower resolution past this many pixels: memory on phones. */
export const MAX_CANVAS_PIXELS = 16_777_216;

export type PdfJs = typeof PdfJsModule;

/**
 * pdf.js, loaded when a PDF is first shown (not with the screen), with its
 * worker and the run-time files it reads while it draws: CMaps of the CJK
 * fonts that are not embedded, the standard 14 fonts and the image decoders,
 * copied into the build by client/vite-pdfjs-assets.ts under the version of
 * this very library.
 */
export async function loadPdfJs(): Promise<PdfJs> {
  const pdfjs = await import("pdfjs-dist/build/pdf.mjs");
  pdfjs.GlobalWorkerOptions.workerSrc = workerUrl;
  return pdfjs;
}

/**
 * The parameters every viewer opens a served PDF with: by byte ranges only
 * (the server answers them), never the whole file behind the reader's back,
 * so the first page shows before the rest has arrived.
 */
export function rangedDocument(pdfjs: PdfJs, url: string, rangeChunkSize = 65_536): DocumentInitParameters {
  const assets = `${import.meta.env.BASE_URL}assets/pdfjs-${pdfjs.version}/`;
  return {
    url,
    cMapUrl: `${assets}cmaps/`,
    cMapPacked: true,
    standardFontDataUrl: `${assets}standard_fonts/`,
    wasmUrl: `${assets}wasm/`,
    disableAutoFetch: true,
    disableStream: true,
    rangeChunkSize,
    withCredentials: true,
    // The page's Content-Security-Policy allows no eval; pdf.js then draws fonts without compiling them.
    isEvalSupported: false,
  };
}

/** The device pixel ratio a page of this size is drawn at, lowered for very large pages (memory on phones). */
export function canvasRatio(width: number, height: number): number {
  return Math.min(window.devicePixelRatio || 1, Math.sqrt(MAX_CANVAS_PIXELS / Math.max(1, width * height)));
}

/** An answer other than the range asked for (a loan that ended while the book was open answers 403). */
export class RangeRequestError extends Error {
  override readonly name = "RangeRequestError";
  constructor(readonly status: number) {
    super(`the range request answered ${status}`);
  }
}

/**
 * A served PDF of known size read only by byte ranges, through pdf.js's range
 * transport: unlike `url`, which first asks for the whole file and drops the
 * answer once it sees Accept-Ranges, no byte is fetched that a page does not
 * need. A refused range is reported to `onError` (pdf.js itself has no way
 * to be told, and would wait for the bytes).
 */
export function rangeTransport(
  pdfjs: PdfJs,
  url: string,
  size: number,
  onError: (error: unknown) => void,
): InstanceType<PdfJs["PDFDataRangeTransport"]> {
  const transport = new pdfjs.PDFDataRangeTransport(size, null);
  transport.requestDataRange = (begin: number, end: number) => {
    fetch(url, { headers: { Range: `bytes=${begin}-${end - 1}` }, credentials: "same-origin" })
      .then(async (res) => {
        if (res.status !== 206) throw new RangeRequestError(res.status);
        transport.onDataRange(begin, new Uint8Array(await res.arrayBuffer()));
      })
      .catch(onError);
  };
  return transport;
}

/**
 * Watches the page slots (`[data-page]`) of a scrolling viewer so that only
 * the pages near the view hold a canvas: a page coming within `near` pixels
 * of the view joins `wanted` (then `changed` draws what is wanted), one
 * leaving it drops out, and one beyond `far` pixels is `release`d (its canvas
 * given back). Answers the function that stops watching.
 */
export function watchPageSlots(
  root: HTMLElement,
  wanted: Set<number>,
  margins: { near: number; far: number },
  on: { changed: () => void; release: (page: number) => void },
): () => void {
  const pageOf = (entry: IntersectionObserverEntry) => Number((entry.target as HTMLElement).dataset.page);
  const near = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) wanted.add(pageOf(entry));
        else wanted.delete(pageOf(entry));
      }
      on.changed();
    },
    { root, rootMargin: `${margins.near}px 0px` },
  );
  const far = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) if (!entry.isIntersecting) on.release(pageOf(entry));
    },
    { root, rootMargin: `${margins.far}px 0px` },
  );
  for (const slot of root.querySelectorAll<HTMLElement>("[data-page]")) {
    near.observe(slot);
    far.observe(slot);
  }
  return () => {
    near.disconnect();
    far.disconnect();
  };
}

/**
 * Starts drawing a page at `zoom` (1 = the page's size in CSS pixels) on a new
 * canvas as sharp as the screen allows (canvasRatio), labelled for screen
 * readers. The caller places the canvas and awaits `task.promise`.
 */
export function renderPageCanvas(
  page: PDFPageProxy,
  zoom: number,
  label: string,
): { canvas: HTMLCanvasElement; task: RenderTask; viewport: PageViewport } {
  const viewport = page.getViewport({ scale: PDF_TO_CSS * zoom });
  const ratio = canvasRatio(viewport.width, viewport.height);
  const canvas = document.createElement("canvas");
  canvas.width = Math.floor(viewport.width * ratio);
  canvas.height = Math.floor(viewport.height * ratio);
  canvas.style.width = `${Math.floor(viewport.width)}px`;
  canvas.style.height = `${Math.floor(viewport.height)}px`;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", label);
  const task = page.render({ canvas, viewport, transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0] });
  return { canvas, task, viewport };
}
