import { readFileSync, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { joinTextItems, type PdfTextItem } from "./pdfLayout.js";
import { closePdfReaders, extractPdfText, setPdfReaderLimit } from "./pdfText.js";
import { normaliseText } from "./text.js";
import { ImportFileError } from "./types.js";
import { decompressionBomb } from "./pdfBomb.testing.js";

const CORPUS = fileURLToPath(new URL("../../shared/corpus/", import.meta.url));
const BOOKS = join(CORPUS, "books");
const SAMPLES = join(CORPUS, "pdf-samples");
const KANGXI = /[\u2F00-\u2FDF]/gu;

async function failure(promise: Promise<unknown>): Promise<ImportFileError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImportFileError);
  return error as ImportFileError;
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "pdftext-"));
});
afterAll(async () => {
  await closePdfReaders();
  await rm(tmp, { recursive: true, force: true });
});

describe("extractPdfText on the books (vertical Traditional Chinese, CID fonts)", () => {
  it("reads 史記 column by column: phrases contiguous, Kangxi radicals only until normalised", async () => {
    const { text, pages } = await extractPdfText(join(BOOKS, "001《史記》卷一.pdf"));
    expect(pages).toBe(26);
    // The text layer spells 人 as ⼈ U+2F08 and so on, in 4,405 places.
    expect(text.match(KANGXI)?.length).toBe(4405);
    const normalised = normaliseText(text);
    expect(normalised.match(KANGXI)).toBeNull();
    // As printed on page 2: the title column, 班固's words, and a long main-text column.
    for (const phrase of ["史記集解序", "班固有言曰", "其文直其事核不虛美不隱惡故謂之實錄", "裴駰"]) {
      expect(normalised).toContain(phrase);
    }
    // The 索隱 note in small type beside 裴駰 is a column of its own.
    expect(normalised).toContain("裴駰\n索隱駰字龍駒河東聞喜人宋中郎外兵曹參軍父松之字世期\n");
  });

  it("joins every book's columns: lines hold whole columns, not one glyph each", async () => {
    for (const book of [
      "001《史記》卷一.pdf",
      "001《資治通鑑》卷一.pdf",
      "《詩經集傳》卷一.pdf",
      "《紅樓夢評論》王國維.pdf",
    ]) {
      const text = normaliseText((await extractPdfText(join(BOOKS, book))).text);
      const lines = text.split("\n").filter((l) => l.trim());
      const han = [...text].filter((c) => /\p{Script=Han}/u.test(c)).length;
      expect(han, book).toBeGreaterThan(9000);
      expect(han / lines.length, book).toBeGreaterThan(10);
      expect(lines.filter((l) => [...l].length === 1).length / lines.length, book).toBeLessThan(0.05);
      expect(text.match(KANGXI), book).toBeNull();
    }
  });

  it("keeps 紅樓夢評論's full stops, set beside the column, in the sentence", async () => {
    const text = normaliseText((await extractPdfText(join(BOOKS, "《紅樓夢評論》王國維.pdf"))).text);
    expect(text).toContain("老子曰。人之大患在我有身。莊子曰。大塊載我以形。勞我以生。");
    expect(text).toContain("紅樓夢評論\n王國維\n");
  });

  it("reads 詩經集傳's preface in the order printed", async () => {
    const text = normaliseText((await extractPdfText(join(BOOKS, "《詩經集傳》卷一.pdf"))).text);
    expect(text).toContain("或有問於予曰詩何為而作也予應之曰人生而靜天之性也\n感於物而動性之欲也");
  });
});

describe("extractPdfText on awkward PDFs", () => {
  it("reads horizontal text line by line", async () => {
    const { text, pages } = await extractPdfText(join(SAMPLES, "004-pdflatex-4-pages_pdflatex-4-pages.pdf"));
    expect(pages).toBe(4);
    expect(text.split("\n")[0]).toBe(
      "Hello, here is some text without a meaning. This text should show what a printed text",
    );
  });

  it("reports a password-protected PDF as encrypted", async () => {
    const error = await failure(
      extractPdfText(join(SAMPLES, "005-libreoffice-writer-password_libreoffice-writer-password.pdf")),
    );
    expect(error.code).toBe("encrypted");
  });

  it("reports a PDF with a broken document catalogue as corrupt", async () => {
    const error = await failure(extractPdfText(join(SAMPLES, "017-unreadable-meta-data_unreadablemetadata.pdf")));
    expect(error.code).toBe("corrupt");
  });

  it("gives empty text, not an error, for pages that are only images", async () => {
    const { text, pages } = await extractPdfText(join(SAMPLES, "007-imagemagick-images_imagemagick-images.pdf"));
    expect(pages).toBe(6);
    expect(normaliseText(text)).toBe("");
  });

  it("kills a reader at the deadline, and the next file still reads", async () => {
    const geoTopo = join(SAMPLES, "009-pdflatex-geotopo_GeoTopo-komprimiert.pdf");
    // A reader is started and warm, so the deadline cuts into pdf.js at work on 117 pages (~1 s).
    await extractPdfText(join(SAMPLES, "001-trivial_minimal-document.pdf"));
    const started = Date.now();
    const error = await failure(extractPdfText(geoTopo, { timeoutMs: 150 }));
    expect(error.code).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(1000);
    const { pages } = await extractPdfText(geoTopo);
    expect(pages).toBe(117);
  });

  it("stops a decompression bomb at the memory limit without the importer's memory growing", async () => {
    const path = join(tmp, "bomb.pdf");
    await writeFile(path, await decompressionBomb(1024));
    const rssBefore = process.memoryUsage.rss();
    const started = Date.now();
    const error = await failure(extractPdfText(path, { maxMemoryMb: 256 }));
    expect(error.code).toBe("too_large");
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(process.memoryUsage.rss() - rssBefore).toBeLessThan(100 * 1024 * 1024);
  });

  it("fails with a plain Error, not a file's error, when the reader cannot start", async () => {
    // 8 MB of heap is too little for pdf.js itself to load: the setting is wrong, not the file.
    const error = await extractPdfText(join(SAMPLES, "001-trivial_minimal-document.pdf"), { maxMemoryMb: 8 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ImportFileError);
    expect(String(error)).toMatch(/did not start/u);
  });

  it("reads past a stream that inflates to 32 MB when the limit allows it", async () => {
    const path = join(tmp, "small-bomb.pdf");
    await writeFile(path, await decompressionBomb(32));
    const { text } = await extractPdfText(path);
    expect(text).toBe("after the bomb");
  });
});

/** Reader processes of this process that are running now (Linux: from /proc). */
function runningReaders(): number {
  let count = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [state, parent] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(parent) === process.pid && state !== "Z") count++;
    } catch {
      // Gone while we looked.
    }
  }
  return count;
}

describe("extractPdfText with two readers", () => {
  const geoTopo = join(SAMPLES, "009-pdflatex-geotopo_GeoTopo-komprimiert.pdf");

  afterAll(async () => {
    await closePdfReaders();
    setPdfReaderLimit(availableParallelism());
  });

  it("reads a long PDF with both when nothing else waits, into the same text as one reader", async () => {
    await closePdfReaders();
    setPdfReaderLimit(1);
    const alone = await extractPdfText(geoTopo);
    // A reader an earlier test had killed may take a moment to be gone under load.
    await vi.waitFor(() => expect(runningReaders()).toBe(1), { timeout: 3000 });

    await closePdfReaders();
    setPdfReaderLimit(2);
    const shared = await extractPdfText(geoTopo);
    // The second reader was started for this file and read part of it; both are kept for the next files.
    await vi.waitFor(() => expect(runningReaders()).toBe(2), { timeout: 3000 });
    expect(shared.pages).toBe(117);
    expect(shared.text).toBe(alone.text);
  });

  it("starts a file's time when a reader is free for it, not while it waits its turn", async () => {
    await closePdfReaders();
    setPdfReaderLimit(1);
    const started = Date.now();
    const long = [extractPdfText(geoTopo), extractPdfText(geoTopo), extractPdfText(geoTopo)];
    // Queued behind three long files, longer than its own time allows; then read in a few milliseconds.
    const short = await extractPdfText(join(SAMPLES, "001-trivial_minimal-document.pdf"), { timeoutMs: 1000 });
    expect(Date.now() - started).toBeGreaterThan(1000);
    expect(short.pages).toBe(1);
    await Promise.all(long);
  });

  it("gives a file that arrives meanwhile the second reader after its part, not after the long PDF", async () => {
    await closePdfReaders();
    setPdfReaderLimit(2);
    const order: string[] = [];
    const long = extractPdfText(geoTopo).then(() => order.push("GeoTopo"));
    // Both readers on GeoTopo: the first, and the one started to help.
    while (runningReaders() < 2 && !order.length) await new Promise((resolve) => setTimeout(resolve, 5));
    const short = extractPdfText(join(SAMPLES, "001-trivial_minimal-document.pdf")).then(() => order.push("trivial"));
    await Promise.all([long, short]);
    expect(order).toEqual(["trivial", "GeoTopo"]);
  });
});

describe("joinTextItems", () => {
  const glyph = (str: string, x: number, y: number, size = 10, hasEOL = false): PdfTextItem => ({
    str,
    transform: [size, 0, 0, size, x, y],
    width: size * [...str].length,
    hasEOL,
  });

  it("keeps a horizontal table's column of one-digit cells on separate lines", () => {
    const items = [
      glyph("No.", 72, 700, 10, true),
      glyph("1", 72, 686, 10, true),
      glyph("2", 72, 672, 10, true),
      glyph("3", 72, 658, 10, true),
      glyph("Total", 72, 644),
      glyph("6", 140, 644),
    ];
    expect(joinTextItems(items)).toBe("No.\n1\n2\n3\nTotal 6");
  });

  it("joins one-glyph items down a column and breaks where the column changes", () => {
    const items = [
      glyph("國", 500, 700, 10, true),
      glyph("務", 500, 689, 10, true),
      glyph("院", 500, 678, 10, true),
      glyph("令", 485, 700, 10, true),
      glyph("第", 485, 689, 10, true),
    ];
    expect(joinTextItems(items)).toBe("國務院\n令第");
  });
});
