import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { notFound } from "../../../core/errors.js";
import { parseRequest } from "../../../core/validate.js";
import { ArchiveImport } from "../../models/index.js";
import { recordPolicy } from "../../policies/record.js";
import { presentImportReport, presentImportRun } from "../../presenters/import.js";
import { listImportRuns } from "../../services/imports.js";
import { ImportIdSchema, ImportListSchema } from "./schema.js";

/** Import runs and their reports, for archivists. */
export function archiveImportsRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/archive", sensitive: true, strict: true });

  router.get("/imports", async (ctx: AppContext) => {
    authorize(recordPolicy.manage(actorOf(ctx)), "see archive imports");
    const { query } = parseRequest(ctx, ImportListSchema);
    const { rows, count } = await listImportRuns(query.page, query.pageSize);
    ctx.body = { items: rows.map(presentImportRun), total: count, page: query.page, pageSize: query.pageSize };
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
