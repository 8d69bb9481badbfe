// Reading real files: the books of ../shared/corpus/books (vertical Traditional text, CID fonts) and
// the pdf-samples (a password-protected PDF, XMP metadata).
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadImage } from "@napi-rs/canvas";
import { AppError } from "../../core/errors.js";
import { decompressionBomb } from "../../../archive-importer/pdfBomb.testing.js";
import { closePdfReaders } from "../../../archive-importer/pdfText.js";
import { COVER_WIDTH, readBookFile, splitAuthorField, titleFromFileName } from "./bookFiles.js";

const corpus = join(import.meta.dirname, "../../../../shared/corpus");
const SHIJI = join(corpus, "books/001《史記》卷一.pdf");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "yong-bookfiles-"));
});
afterAll(async () => {
  await closePdfReaders();
  await rm(dir, { recursive: true, force: true });
});

async function errorOf(work: Promise<unknown>): Promise<AppError> {
  try {
    await work;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("no error");
}

describe("titles and authors from names", () => {
  it("makes a title of a file name without numbering or 《》", () => {
    expect(titleFromFileName("001《史記》卷一.pdf")).toBe("史記 卷一");
    expect(titleFromFileName("《詩經集傳》卷一.pdf")).toBe("詩經集傳 卷一");
    expect(titleFromFileName("books/12. Annual_report.pdf")).toBe("Annual report");
  });

  it("splits an Author field at separators and at each dynasty mark", () => {
    expect(splitAuthorField("【漢】司馬遷著【宋】裴駰集解【唐】司馬貞索隱")).toEqual([
      "【漢】司馬遷著",
      "【宋】裴駰集解",
      "【唐】司馬貞索隱",
    ]);
    expect(splitAuthorField("王國維; 俞平伯、胡適")).toEqual(["王國維", "俞平伯", "胡適"]);
  });
});

describe("readBookFile", () => {
  it("reads 史記 卷一: pages, its Title and Author (not its scan's date as a year), its text and a cover about 400 px wide", async () => {
    const book = await readBookFile(SHIJI, "001《史記》卷一.pdf");
    expect(book).toMatchObject({ kind: "pdf", mediaType: "application/pdf", pageCount: 26 });
    expect(book.metadata.title).toBe("史記");
    expect(book.metadata.authors?.[0]).toBe("【漢】司馬遷著");
    expect(book.metadata.authors).toHaveLength(4);
    // Its CreationDate (2025) is when the scan was made, not when the book was published: no year.
    expect(book.metadata.year).toBeUndefined();
    // NFKC: the text layer's Kangxi radicals are ordinary characters.
    expect(book.text).toContain("黃帝");
    expect(book.text).not.toMatch(/[\u2f00-\u2fdf]/);
    const cover = await loadImage(book.cover!);
    expect(cover.width).toBe(COVER_WIDTH);
    // The books are scanned as two-page spreads: wider than tall.
    expect(cover.height).toBeGreaterThan(200);
  }, 60_000);

  it("draws the page, not a blank: the cover has ink (its title, the red seals and picture)", async () => {
    const { createCanvas } = await import("@napi-rs/canvas");
    const book = await readBookFile(join(corpus, "books/《詩經集傳》卷一.pdf"), "《詩經集傳》卷一.pdf");
    const image = await loadImage(book.cover!);
    const canvas = createCanvas(image.width, image.height);
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    const pixels = context.getImageData(0, 0, image.width, image.height).data;
    let dark = 0;
    for (let i = 0; i < pixels.length; i += 4) if (Math.min(pixels[i]!, pixels[i + 1]!, pixels[i + 2]!) < 128) dark++;
    expect(dark / (pixels.length / 4)).toBeGreaterThan(0.01);
    expect(book.pageCount).toBe(14);
  }, 60_000);

  it("refuses what is not a PDF (400), a password-protected PDF and a cut-off one (422)", async () => {
    const text = join(dir, "notes.pdf");
    await writeFile(text, "这不是PDF文件");
    expect(await errorOf(readBookFile(text, "notes.pdf"))).toMatchObject({
      status: 400,
      code: "library_file_unsupported",
    });
    const locked = join(dir, "locked.pdf");
    await copyFile(join(corpus, "pdf-samples/005-libreoffice-writer-password_libreoffice-writer-password.pdf"), locked);
    expect(await errorOf(readBookFile(locked, "locked.pdf"))).toMatchObject({
      status: 422,
      code: "library_file_encrypted",
    });
    const cut = join(dir, "cut.pdf");
    const bytes = await readFile(SHIJI);
    await writeFile(cut, bytes.subarray(0, 2000));
    expect(await errorOf(readBookFile(cut, "cut.pdf"))).toMatchObject({ status: 422, code: "library_file_corrupt" });
  }, 60_000);

  it("refuses a decompression bomb (422) in a reader process, without the server's memory growing", async () => {
    const bomb = join(dir, "bomb.pdf");
    await writeFile(bomb, await decompressionBomb(1024));
    const rssBefore = process.memoryUsage.rss();
    const started = Date.now();
    expect(await errorOf(readBookFile(bomb, "bomb.pdf"))).toMatchObject({
      status: 422,
      code: "library_file_too_large",
    });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(process.memoryUsage.rss() - rssBefore).toBeLessThan(100 * 1024 * 1024);
  }, 60_000);
});
