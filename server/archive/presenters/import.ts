import type { ArchiveImport } from "../models/index.js";

/** A run as the list shows it: progress and counts. */
export function presentImportRun(run: ArchiveImport) {
  return {
    id: run.id,
    source: run.source,
    operator: run.operator,
    folder: run.folder,
    status: run.status,
    dryRun: run.dryRun,
    total: run.total,
    done: run.done,
    created: run.created,
    updated: run.updated,
    unchanged: run.unchanged,
    failed: run.failed,
    needsOcr: run.needsOcr,
    skipped: run.skipped,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}

/** A run with its report: every file that failed (and why) or awaits OCR. */
export function presentImportReport(run: ArchiveImport) {
  return {
    ...presentImportRun(run),
    problems: run.problems.map((p) => ({
      file: p.file,
      failed: p.outcome === "failed",
      code: p.code ?? (p.needsOcr ? "needs_ocr" : null),
      message: p.message ?? null,
    })),
  };
}
