/**
 * Imports a folder of policy documents into the archive:
 *
 *   npm run import -- <folder> [--metadata <file.csv|json>] [--openness 公开|内部] [--dry-run]
 *                              [--concurrency N] [--timeout <seconds per PDF>]
 *
 * PDF (pdfjs-dist, in reader processes bounded in time and memory), DOCX, HTML, Markdown and text. Metadata
 * from the sidecar file when given, otherwise read from the text. Idempotent
 * and resumable (a file already imported and unchanged is skipped without
 * being read); each file is kept as the record's original in the blob store
 * (DATA_DIR/blobs). Ends with a report — also written as JSON under
 * DATA_DIR/import-reports — and brings the search index up to date.
 */
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { SingleBar } from "cli-progress";
import { env } from "../server/env.js";
import { createLogger } from "../server/core/logger.js";
import { createBlobStore } from "../server/core/blobStore.js";
import { openSearchServices, prepareDatabase } from "../server/server.js";
import { OPENNESS, type Openness } from "../server/archive/models/index.js";
import { closePdfReaders } from "./pdfText.js";
import { readSidecar } from "./sidecar.js";
import { operatorName } from "../server/cli/operator.js";
import { recordedImport } from "./run.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    metadata: { type: "string" },
    openness: { type: "string", default: "内部" },
    "dry-run": { type: "boolean", default: false },
    concurrency: { type: "string" },
    timeout: { type: "string", default: "60" },
  },
});

function fail(message: string): never {
  process.stderr.write(`import: ${message}\n`);
  process.exit(2);
}

const folder = positionals[0] ? resolve(positionals[0]) : fail("give the folder to import: npm run import -- <folder>");
if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) fail(`${folder} is not a folder`);
if (!(OPENNESS as readonly string[]).includes(values.openness)) fail("--openness is 公开 or 内部");
const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) fail("--concurrency is a number");
const timeoutSeconds = Number(values.timeout);
if (!(timeoutSeconds > 0)) fail("--timeout is a number of seconds");

const config = env();
const logger = createLogger("warn");
const sequelize = await prepareDatabase(config, logger);
const sidecar = values.metadata ? await readSidecar(resolve(values.metadata)) : null;

const bar = new SingleBar({
  format: "{bar} {percentage}% | {value}/{total} files | {speed} files/s | ETA {eta_formatted} | {file}",
  hideCursor: true,
  noTTYOutput: true,
  notTTYSchedule: 5000,
});
const started = Date.now();
let barStarted = false;
// Archivists follow the run on their screen (档案导入) while it goes, and read its report after.
const { report } = await recordedImport(
  sequelize,
  {
    folder,
    sidecar,
    openness: values.openness as Openness,
    dryRun: values["dry-run"],
    // The originals go where the server reads them: DATA_DIR/blobs.
    blobs: createBlobStore(config),
    concurrency,
    timeoutMs: timeoutSeconds * 1000,
    onProgress: ({ done, total, file }) => {
      if (!barStarted) {
        bar.start(total, 0, { speed: "0", file: "" });
        barStarted = true;
      }
      const speed = (done / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1);
      bar.update(done, { speed, file: file.length > 40 ? `…${file.slice(-39)}` : file });
    },
  },
  { source: "cli", operator: operatorName() },
);
if (barStarted) bar.stop();
await closePdfReaders();

if (!report.dryRun) {
  // The outbox holds every change of this run; a running server would drain it too, harmlessly.
  const { search, searchOutbox } = await openSearchServices(config, logger);
  await searchOutbox.kick();
  await search.close();
}

const reportsDir = join(config.DATA_DIR, "import-reports");
mkdirSync(reportsDir, { recursive: true });
const reportFile = join(reportsDir, `${report.startedAt.replace(/[:.]/g, "-")}.json`);
writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);

const seconds = (Date.now() - started) / 1000;
const lines = [
  `${report.dryRun ? "dry run: " : ""}${report.files} files in ${seconds.toFixed(1)} s (${(report.files / Math.max(seconds, 0.001)).toFixed(1)} files/s)`,
  `  created ${report.created}, updated ${report.updated}, unchanged ${report.unchanged}, failed ${report.failed}, without text (for OCR) ${report.needsOcr}, other files skipped ${report.skipped}`,
  ...report.problems.map(
    (p) =>
      `  ${p.outcome === "failed" ? `failed (${p.code})` : "needs OCR"}: ${p.file}${p.message ? ` — ${p.message}` : ""}`,
  ),
  `report: ${reportFile}`,
];
process.stdout.write(`${lines.join("\n")}\n`);
await sequelize.close();
