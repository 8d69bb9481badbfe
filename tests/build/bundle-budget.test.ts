// The first load's script budget, checked on a real production build: the login page must stay
// within 150 kB of gzipped JavaScript and the signed-in home within 250 kB (issue 5). The figures
// as a browser receives them come from `npm run bench:bundle`; this test guards the build itself,
// so a global UI-kit import or an eager dependency on the login path fails here first.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, URL } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface ManifestChunk {
  file: string;
  imports?: string[];
  isEntry?: boolean;
  isDynamicEntry?: boolean;
}

const configFile = fileURLToPath(new URL("../../client/vite.config.ts", import.meta.url));
let outDir = "";
let manifest: Record<string, ManifestChunk> = {};

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), "yong-bundle-"));
  // Vitest sets NODE_ENV=test, which would make Vite bundle Vue's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({ configFile, logLevel: "silent", build: { outDir, emptyOutDir: true, manifest: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  manifest = JSON.parse(readFileSync(join(outDir, ".vite/manifest.json"), "utf8"));
}, 120_000);

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** Every script a page needs before it can render: the entry, the route's views and what they import. */
function scriptsOf(keys: string[]): string[] {
  const files = new Set<string>();
  const visit = (key: string) => {
    const chunk = manifest[key];
    if (!chunk) throw new Error(`${key} is not in the build manifest`);
    if (files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const next of chunk.imports ?? []) visit(next);
  };
  for (const key of keys) visit(key);
  return [...files].filter((file) => file.endsWith(".js"));
}

function gzippedBytes(files: string[]): number {
  return files.reduce((sum, file) => sum + gzipSync(readFileSync(join(outDir, file))).length, 0);
}

describe("first-load script budget", () => {
  it("keeps the login page within 150 kB of gzipped JavaScript", () => {
    const files = scriptsOf(["index.html", "src/views/auth/login/index.vue"]);
    expect(gzippedBytes(files)).toBeLessThanOrEqual(150_000);
  });

  it("keeps the signed-in home within 250 kB of gzipped JavaScript", () => {
    const files = scriptsOf(["index.html", "src/layouts/basic-layout.vue", "src/views/home/index.vue"]);
    expect(gzippedBytes(files)).toBeLessThanOrEqual(250_000);
  });
});
