/**
 * npm run oa:render-sample -- <out.pdf> [--draft] [--law <file.md>]
 *
 * Renders the sample 通知 (a regulation of the corpus as its body) in the
 * GB/T 9704-2012 layout, for looking at: pdftoppm -png -r 60 out.pdf page
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { renderOfficialDocument } from "./gbt9704.js";
import { loadSampleNotice, SAMPLE_LAW } from "./sample.js";

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { draft: { type: "boolean", default: false }, law: { type: "string", default: SAMPLE_LAW } },
  });
  const out = positionals[0];
  if (!out) {
    console.error("usage: npm run oa:render-sample -- <out.pdf> [--draft] [--law <file.md>]");
    process.exitCode = 2;
    return;
  }
  const doc = await loadSampleNotice(values.law);
  if (values.draft) {
    doc.docNumber = null;
    doc.copyNo = null;
  }
  const { pages, bytes } = await renderOfficialDocument(doc, resolve(out));
  console.log(`${resolve(out)}: ${pages} pages, ${bytes} bytes`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
