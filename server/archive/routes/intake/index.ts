import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { conflict, notFound } from "../../../core/errors.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { ArchiveIntake } from "../../models/index.js";
import { recordPolicy } from "../../policies/record.js";
import { presentIntake } from "../../presenters/intake.js";
import { listIntake, retryIntake } from "../../services/intake.js";
import { IntakeIdSchema, IntakeListSchema } from "./schema.js";

/** Documents handed to the archive by the OA's 归档 step, for archivists: filed, waiting, or failed and why. */
export function archiveIntakeRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/archive", sensitive: true, strict: true });

  router.get("/intake", async (ctx: AppContext) => {
    authorize(recordPolicy.manage(actorOf(ctx)), "see documents handed to the archive");
    const { query } = parseRequest(ctx, IntakeListSchema);
    const { rows, count } = await listIntake(query.state, query.page, query.pageSize);
    ctx.body = { items: rows.map(presentIntake), total: count, page: query.page, pageSize: query.pageSize };
  });

  router.post("/intake/:id/retry", async (ctx: AppContext) => {
    authorize(recordPolicy.manage(actorOf(ctx)), "retry a document handed to the archive");
    const { params } = parseRequest(ctx, IntakeIdSchema);
    const row = await ctx.services.sequelize.transaction(async (t) => {
      const found = await ArchiveIntake.findByPk(params.id, { transaction: t });
      if (!found) throw notFound("Hand-over");
      if (found.state !== "failed") throw conflict("intake_not_failed", "Only a hand-over that failed can be retried");
      await retryIntake(found, t);
      await ctx.audit(
        {
          action: "archive.intake.retry",
          outcome: "success",
          targetType: "archive_intake",
          targetId: found.id,
          detail: { sourceKey: found.sourceKey, title: found.title },
        },
        t,
      );
      return found;
    });
    ctx.body = presentIntake(row);
  });

  return router;
}
