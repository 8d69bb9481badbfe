import { readdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closePdfReaders, extractPdfText, pdfReaderStarts, setPdfReaderLimit } from "./pdfText.js";
import { prepareReaderScript, readerScript } from "./readerScript.js";

const GEOTOPO = fileURLToPath(
  new URL("../../shared/corpus/pdf-samples/009-pdflatex-geotopo_GeoTopo-komprimiert.pdf", import.meta.url),
);

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "reader-script-"));
  // This file's readers (a process of its own) use a cache nobody else writes to.
  process.env.PDF_READER_CACHE_DIR = join(tmp, "readers");
});
afterAll(async () => {
  await closePdfReaders();
  await rm(tmp, { recursive: true, force: true });
});

describe("the PDF reader's script", () => {
  it("is bundled once, and again when one of its inputs changes", async () => {
    const first = await prepareReaderScript(tmp);
    expect(first.bundledMs).toBeGreaterThan(0);
    const built = await stat(first.path);
    const manifestPath = join(tmp, "reader.json");
    const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as { inputs: [string, number, number][] };
    expect(manifest.inputs.map(([path]) => path)).toEqual(
      expect.arrayContaining(["archive-importer/pdfWorker.ts", "node_modules/pdfjs-dist/legacy/build/pdf.worker.mjs"]),
    );

    expect((await prepareReaderScript(tmp)).bundledMs).toBeNull();
    expect((await stat(first.path)).mtimeMs).toBe(built.mtimeMs);

    // As if pdfWorker.ts had been edited since: the bundle is made again, and old code caches go.
    await writeFile(join(tmp, "reader-0000.v8cache"), "stale");
    manifest.inputs = manifest.inputs.map(([path, size, mtimeMs]) =>
      path === "archive-importer/pdfWorker.ts" ? [path, size, mtimeMs - 1000] : [path, size, mtimeMs],
    );
    await writeFile(manifestPath, JSON.stringify(manifest));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await prepareReaderScript(tmp)).bundledMs).toBeGreaterThan(0);
    expect((await stat(first.path)).mtimeMs).toBeGreaterThan(built.mtimeMs);
    expect(await readdir(tmp)).not.toContain("reader-0000.v8cache");
  });

  it("gives each set of flags its own code cache", async () => {
    const script = await prepareReaderScript(tmp);
    expect(script.codeCachePath(["--max-old-space-size=512"])).not.toBe(
      script.codeCachePath(["--max-old-space-size=256"]),
    );
    expect(script.codeCachePath(["--a"])).toBe(script.codeCachePath(["--a"]));
  });

  it("lets a reader start from the code an earlier reader compiled", async () => {
    setPdfReaderLimit(1);
    const { path } = await readerScript();
    const dir = join(path, "..");
    expect(dir).toBe(join(tmp, "readers"));
    const caches = async () => (await readdir(dir)).filter((name) => name.endsWith(".v8cache"));
    expect(await caches()).toEqual([]);

    const before = pdfReaderStarts();
    const { pages } = await extractPdfText(GEOTOPO);
    expect(pages).toBeGreaterThan(64);
    await closePdfReaders();
    // The reader left its compiled code once it had read 64 pages.
    expect(await caches()).toHaveLength(1);
    await extractPdfText(GEOTOPO);
    await closePdfReaders();
    const after = pdfReaderStarts();
    expect(after.readers - before.readers).toBe(2);
    expect(after.withCodeCache - before.withCodeCache).toBe(1);
  });
});
