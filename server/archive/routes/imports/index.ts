import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { rm } from "node:fs/promises";
import { badRequest, notFound, validationError } from "../../../core/errors.js";
import { receiveUpload } from "../../../core/multipart.js";
import { parseRequest } from "../../../core/validate.js";
import { ArchiveImport } from "../../models/index.js";
import { recordPolicy } from "../../policies/record.js";
import { presentImportReport, presentImportRun } from "../../presenters/import.js";
import { listImportRuns } from "../../services/imports.js";
import {
  checkUploadedMetadata,
  newUploadFolder,
  placeImportUpload,
  queueUploadedImport,
} from "../../services/importJobs.js";
import { ImportIdSchema, ImportListSchema, ImportUploadFieldsSchema } from "./schema.js";

const MB = 1024 * 1024;

/** Import runs and their reports, for archivists. */
export function archiveImportsRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/archive", sensitive: true, strict: true });

  router.get("/imports", async (ctx: AppContext) => {
    authorize(recordPolicy.manage(actorOf(ctx)), "see archive imports");
    const { query } = parseRequest(ctx, ImportListSchema);
    const { rows, count } = await listImportRuns(query.page, query.pageSize);
    ctx.body = { items: rows.map(presentImportRun), total: count, page: query.page, pageSize: query.pageSize };
  });

  // A folder (or files) chosen on the archivist's screen: streamed to disk, then imported by the job queue.
  router.post("/imports", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(recordPolicy.manage(actor), "import into the archive");
    const { env, sequelize } = ctx.services;
    const dir = newUploadFolder(env.DATA_DIR);
    const upload = await receiveUpload(
      ctx,
      dir,
      {
        maxFileBytes: env.ARCHIVE_UPLOAD_MAX_FILE_MB * MB,
        maxTotalBytes: env.ARCHIVE_UPLOAD_MAX_MB * MB,
        maxFiles: env.ARCHIVE_UPLOAD_MAX_FILES,
      },
      placeImportUpload,
    );
    try {
      const fields = ImportUploadFieldsSchema.safeParse(upload.fields);
      if (!fields.success) throw validationError(fields.error);
      const documents = upload.files.filter((file) => file.field === "files");
      if (documents.length === 0) {
        throw badRequest(
          "upload_no_files",
          "The upload holds no file the importer reads (PDF, DOCX, HTML, Markdown, text)",
        );
      }
      await checkUploadedMetadata(dir, upload.files);
      const run = await sequelize.transaction(async (t) => {
        const queued = await queueUploadedImport(
          {
            operator: actor.user.username,
            dir,
            files: upload.files,
            skipped: upload.ignored,
            openness: fields.data.openness,
            dryRun: fields.data.dryRun,
            displayName: fields.data.folder ?? null,
          },
          t,
        );
        await ctx.audit(
          {
            action: "archive.import.upload",
            outcome: "success",
            targetType: "archive_import",
            targetId: queued.id,
            detail: {
              folder: queued.folder,
              files: documents.length,
              bytes: documents.reduce((sum, file) => sum + file.bytes, 0),
              skipped: upload.ignored,
              openness: fields.data.openness,
              dryRun: fields.data.dryRun,
            },
          },
          t,
        );
        return queued;
      });
      ctx.status = 202;
      ctx.body = presentImportRun(run);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  });

  router.get("/imports/:id", async (ctx: AppContext) => {
    authorize(recordPolicy.manage(actorOf(ctx)), "see archive imports");
    const { params } = parseRequest(ctx, ImportIdSchema);
    const run = await ArchiveImport.findByPk(params.id);
    if (!run) throw notFound("Import");
    ctx.body = presentImportReport(run);
  });

  return router;
}
