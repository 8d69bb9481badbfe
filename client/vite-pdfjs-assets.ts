import { createReadStream, readFileSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, normalize, sep } from "node:path";
import type { Plugin } from "vite";

const pdfjsRoot = dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));
const { version } = JSON.parse(readFileSync(join(pdfjsRoot, "package.json"), "utf8")) as { version: string };

/**
 * The files pdf.js fetches while it reads a PDF, beside the script: the Adobe
 * CMaps of CJK fonts that are not embedded (UniGB-UCS2-H …), the standard 14
 * fonts, and the JPEG 2000 / JBIG2 decoders of scanned pages.
 */
const FOLDERS = ["cmaps", "standard_fonts", "wasm"];

/**
 * Where they are served: under /assets/ (cached for good) in a folder named
 * after the pdf.js version, which the viewer reads from the library itself
 * (client/src/views/archive/record/pdf-viewer.vue), so the two always agree.
 */
export const PDFJS_ASSETS = `assets/pdfjs-${version}`;

/** Copies pdf.js's run-time files into the build, and serves them from node_modules under `vite` dev. */
export function pdfjsAssets(): Plugin {
  return {
    name: "yong:pdfjs-assets",
    async generateBundle() {
      for (const folder of FOLDERS) {
        for (const name of await readdir(join(pdfjsRoot, folder))) {
          this.emitFile({
            type: "asset",
            fileName: `${PDFJS_ASSETS}/${folder}/${name}`,
            source: await readFile(join(pdfjsRoot, folder, name)),
          });
        }
      }
    },
    configureServer(server) {
      server.middlewares.use(`/${PDFJS_ASSETS}/`, (req, res, next) => {
        const relative = normalize(decodeURIComponent((req.url ?? "").split("?")[0] ?? "")).replace(/^[/\\]+/, "");
        const [folder] = relative.split(sep);
        if (!folder || !FOLDERS.includes(folder)) return next();
        const path = join(pdfjsRoot, relative);
        stat(path).then(
          (s) => (s.isFile() ? createReadStream(path).pipe(res) : next()),
          () => next(),
        );
      });
    },
  };
}
