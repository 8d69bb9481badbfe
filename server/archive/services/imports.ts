import type { Sequelize, Transaction } from "sequelize";
import { recordAuditEvent } from "../../audit/services/auditChain.js";
import { ArchiveImport, type ImportProblem } from "../models/index.js";

/** The counts and problems of a finished run (archive-importer/run.ts ImportReport). */
export interface ImportRunReport {
  dryRun: boolean;
  files: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  needsOcr: number;
  skipped: number;
  problems: ImportProblem[];
}

/** Opens the record of a run, so archivists see it while it runs. */
export async function startImportRun(props: {
  source: "cli" | "upload";
  operator: string;
  folder: string;
  dryRun: boolean;
}): Promise<ArchiveImport> {
  return ArchiveImport.create({
    ...props,
    folder: props.folder.slice(-1024),
    status: "running",
    problems: [],
    startedAt: new Date(),
    finishedAt: null,
  });
}

/**
 * Opens the record of an uploaded folder's run, queued until the job queue
 * takes it (services/importJobs.ts), in the upload's transaction.
 */
export async function queueImportRun(
  props: { operator: string; folder: string; dryRun: boolean },
  transaction: Transaction,
): Promise<ArchiveImport> {
  return ArchiveImport.create(
    {
      ...props,
      source: "upload",
      folder: props.folder.slice(-1024),
      status: "queued",
      problems: [],
      startedAt: new Date(),
      finishedAt: null,
    },
    { transaction },
  );
}

/** A queued run (or one whose instance stopped and is taken again) starts from the beginning. */
export async function restartImportRun(run: ArchiveImport): Promise<void> {
  await run.update({ status: "running", done: 0, total: 0, problems: [], startedAt: new Date(), finishedAt: null });
}

/** How far a run has got; called at most every few seconds. */
export async function reportImportProgress(run: ArchiveImport, done: number, total: number): Promise<void> {
  await ArchiveImport.update({ done, total }, { where: { id: run.id } });
}

/** Closes the record of a run with its report and puts the run on the audit log (a dry run changes nothing and is not). */
export async function finishImportRun(
  sequelize: Sequelize,
  run: ArchiveImport,
  report: ImportRunReport,
): Promise<void> {
  // Only the counts: a report may carry more (its folder and times), which the run already has.
  const { problems, files, dryRun } = report;
  const counts = {
    created: report.created,
    updated: report.updated,
    unchanged: report.unchanged,
    failed: report.failed,
    needsOcr: report.needsOcr,
    skipped: report.skipped,
  };
  await sequelize.transaction(async (t) => {
    await ArchiveImport.update(
      { ...counts, total: files, done: files, status: "done", problems, finishedAt: new Date() },
      { where: { id: run.id }, transaction: t },
    );
    if (dryRun) return;
    await recordAuditEvent(
      sequelize,
      {
        action: "archive.import",
        outcome: "success",
        actorId: null,
        actorName: run.operator,
        ip: null,
        targetType: "archive_import",
        targetId: run.id,
        detail: { folder: run.folder, files, ...counts },
      },
      t,
    );
  });
}

/** A run that stopped on an error of its own (not a bad file: those are in the report). */
export async function failImportRun(run: ArchiveImport, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await ArchiveImport.update(
    { status: "failed", finishedAt: new Date(), problems: [{ file: "", outcome: "failed", code: "error", message }] },
    { where: { id: run.id } },
  );
}

export async function listImportRuns(page: number, pageSize: number) {
  return ArchiveImport.findAndCountAll({
    attributes: { exclude: ["problems"] },
    order: [["id", "DESC"]],
    limit: pageSize,
    offset: (page - 1) * pageSize,
  });
}
