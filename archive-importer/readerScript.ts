/**
 * The PDF reader process's code (pdfWorker.ts with both halves of pdf.js) as
 * one classic script, bundled by esbuild and kept on disk, and the V8 code
 * cache a reader leaves beside it for the readers after it.
 *
 * Measured on the 250 pages of the books and pdf-samples (bench:import): a new
 * reader loading pdf.js as ES modules through tsx spent ~0.3 s starting and
 * compiled pdf.js's functions itself as it met them. Loaded as one script with
 * the code cache of an earlier reader, it skips the TypeScript loader, the
 * module graph and most of the compiling.
 *
 * The bundle is rebuilt when one of its inputs changes (the list, with sizes
 * and times, is kept beside it), so the cache follows the code as `tsx` does.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, version as esbuildVersion, type Plugin } from "esbuild";
import { writeFileAtomically } from "../server/core/atomicFile.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const entry = fileURLToPath(new URL("./pdfWorker.ts", import.meta.url));

export interface ReaderScript {
  /** The script: evaluated, it is a function of `require` that starts the reader. */
  path: string;
  /** How long bundling took, when this process had to bundle; null when the bundle on disk was current. */
  bundledMs: number | null;
  /** Where the V8 code cache for readers started with these flags is kept. */
  codeCachePath(flags: readonly string[]): string;
}

interface Manifest {
  esbuild: string;
  /** Every file the bundle was built from, relative to the project: [path, size, mtimeMs]. */
  inputs: [string, number, number][];
}

/**
 * Each module keeps its own import.meta.url: pdf.js finds its optional modules
 * (and the reader its CMaps) from where its files are, as when run unbundled.
 */
const ownImportMetaUrl: Plugin = {
  name: "own-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\.(m?js|ts)$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const contents = source.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href));
      return { contents, loader: args.path.endsWith(".ts") ? "ts" : "js" };
    });
  },
};

/** PDF_READER_CACHE_DIR if set; else beside the project's packages; else the user's temporary folder. */
async function cacheDirectory(): Promise<string> {
  const chosen = process.env.PDF_READER_CACHE_DIR;
  if (chosen) {
    await mkdir(chosen, { recursive: true });
    return chosen;
  }
  const candidates = [
    join(root, "node_modules", ".cache", "yong-pdf-reader"),
    // A read-only install: the user's own temporary folder.
    join(tmpdir(), `yong-pdf-reader-${process.getuid?.() ?? "user"}`),
  ];
  let lastError: unknown;
  for (const dir of candidates) {
    try {
      await mkdir(dir, { recursive: true });
      return dir;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function isCurrent(scriptPath: string, manifestPath: string): Promise<boolean> {
  let manifest: Manifest;
  try {
    await stat(scriptPath);
    manifest = JSON.parse(await readFile(manifestPath, "utf8")) as Manifest;
  } catch {
    return false;
  }
  if (manifest.esbuild !== esbuildVersion || !Array.isArray(manifest.inputs) || !manifest.inputs.length) return false;
  const checks = await Promise.all(
    manifest.inputs.map(([path, size, mtimeMs]) =>
      stat(resolve(root, path)).then(
        (s) => s.size === size && s.mtimeMs === mtimeMs,
        () => false,
      ),
    ),
  );
  return checks.every(Boolean);
}

async function bundle(scriptPath: string, manifestPath: string): Promise<void> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: `node${process.versions.node.split(".")[0]}`,
    write: false,
    metafile: true,
    logLevel: "silent",
    plugins: [ownImportMetaUrl],
    // The reader runs it as a function of `require`; ES modules are strict, and so is the bundle.
    banner: { js: '(function (require) {\n"use strict";' },
    footer: { js: "})" },
  });
  const inputs = await Promise.all(
    Object.keys(result.metafile.inputs).map(async (path): Promise<[string, number, number]> => {
      const s = await stat(resolve(root, path));
      return [path, s.size, s.mtimeMs];
    }),
  );
  await writeFileAtomically(scriptPath, result.outputFiles[0]!.text);
  await writeFileAtomically(manifestPath, JSON.stringify({ esbuild: esbuildVersion, inputs } satisfies Manifest));
}

/** Bundles the reader into `dir` unless the bundle there is current. */
export async function prepareReaderScript(dir: string): Promise<ReaderScript> {
  const path = join(dir, "reader.cjs");
  const manifestPath = join(dir, "reader.json");
  let bundledMs: number | null = null;
  if (!(await isCurrent(path, manifestPath))) {
    const start = performance.now();
    await bundle(path, manifestPath);
    bundledMs = performance.now() - start;
    // Code caches of the bundle before are of no use to anyone.
    const stale = (await readdir(dir)).filter((name) => /^reader-.*\.v8cache$/.test(name));
    await Promise.all(stale.map((name) => rm(join(dir, name), { force: true })));
  }
  // V8 takes a code cache only for the same source, V8 and flags; the name says which it is for.
  const sourceHash = createHash("sha256")
    .update(await readFile(path))
    .digest("hex");
  return {
    path,
    bundledMs,
    codeCachePath(flags) {
      const key = createHash("sha256")
        .update([sourceHash, process.version, ...flags].join("\n"))
        .digest("hex")
        .slice(0, 16);
      return join(dir, `reader-${key}.v8cache`);
    },
  };
}

let prepared: Promise<ReaderScript> | null = null;

/** The reader's script, bundled once per change of its inputs (and looked at once per process). */
export function readerScript(): Promise<ReaderScript> {
  prepared ??= cacheDirectory()
    .then(prepareReaderScript)
    .catch((error: unknown) => {
      prepared = null;
      throw error;
    });
  return prepared;
}
