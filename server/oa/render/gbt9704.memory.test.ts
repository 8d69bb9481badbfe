import { statSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import v8 from "node:v8";
import vm from "node:vm";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderOfficialDocument } from "./gbt9704.js";
import { lawToHtml, loadSampleNotice, parseLaw, type LawText } from "./sample.js";
import type { PrintableDocument } from "./types.js";

/**
 * A file of its own, so that the process's memory is not what earlier tests
 * left behind (vitest runs each file in a fresh worker process).
 */
const LAWS = fileURLToPath(new URL("../../../../shared/corpus/laws/行政法规/", import.meta.url));

let dir: string;
let sample: PrintableDocument;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gbt9704-memory-"));
  sample = await loadSampleNotice();
  // Loads the fonts, which every later render shares.
  await renderOfficialDocument(sample, join(dir, "warm-up.pdf"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A collection before each baseline, so that it measures what the render holds, not earlier garbage. */
v8.setFlagsFromString("--expose-gc");
const collect = vm.runInNewContext("gc") as () => void;

/** Paragraphs of regulations of the corpus, up to about so many characters. */
async function bodyOf(characters: number): Promise<string> {
  const paragraphs: LawText["paragraphs"] = [];
  for (const name of ["专利法实施细则(2023-12-11).md", "危险化学品安全管理条例(2013-12-07).md"]) {
    for (const p of parseLaw(await readFile(join(LAWS, name), "utf8")).paragraphs) {
      if (paragraphs.reduce((n, q) => n + q.text.length, 0) < characters) paragraphs.push(p);
    }
  }
  return lawToHtml({ title: "", paragraphs });
}

interface Measured {
  pages: number;
  bytes: number;
  /** Peak growth of what JavaScript holds (heap and array buffers) over the baseline. */
  held: number;
  rss: number;
  /** Sizes of the file seen while rendering, short of its final size. */
  partialSizes: number;
}

async function measure(doc: PrintableDocument, path: string): Promise<Measured> {
  collect();
  const start = process.memoryUsage();
  let held = 0;
  let rss = 0;
  const sizes = new Set<number>();
  const sampleNow = () => {
    const now = process.memoryUsage();
    held = Math.max(held, now.heapUsed + now.arrayBuffers - start.heapUsed - start.arrayBuffers);
    rss = Math.max(rss, now.rss - start.rss);
    try {
      sizes.add(statSync(path).size);
    } catch {
      // Not created yet.
    }
  };
  const timer = setInterval(sampleNow, 2);
  const result = await renderOfficialDocument(doc, path).finally(() => clearInterval(timer));
  sampleNow();
  const partialSizes = [...sizes].filter((size) => size > 0 && size < result.bytes).length;
  return { ...result, held, rss, partialSizes };
}

const MiB = 1024 * 1024;

describe("a 50-page body", () => {
  it("renders with bounded memory, streamed to the file as it goes", async () => {
    // 50 pages of 22 × 28 characters are 30,800 characters; a tenth of that for the short one.
    const short = await measure({ ...sample, bodyHtml: await bodyOf(3_000) }, join(dir, "short.pdf"));
    const long = await measure({ ...sample, bodyHtml: await bodyOf(32_000) }, join(dir, "long.pdf"));
    console.log(
      `short: ${short.pages} pages, held +${(short.held / MiB).toFixed(1)} MiB, rss +${(short.rss / MiB).toFixed(1)} MiB; ` +
        `long: ${long.pages} pages, ${(long.bytes / 1024).toFixed(0)} KiB, held +${(long.held / MiB).toFixed(1)} MiB, ` +
        `rss +${(long.rss / MiB).toFixed(1)} MiB, ${long.partialSizes} partial file sizes seen`,
    );
    expect(short.pages).toBeLessThanOrEqual(10);
    expect(long.pages).toBeGreaterThanOrEqual(50);
    // Written page by page: the file was seen at many sizes short of its last.
    expect(long.partialSizes).toBeGreaterThan(10);
    // Memory does not grow with the length: parsing the fonts' tables costs each render the same,
    // and five times the pages hold at most a little more than the short document did.
    expect(long.held).toBeLessThan(short.held + 48 * MiB);
    expect(long.rss).toBeLessThan(128 * MiB);
  });
});
