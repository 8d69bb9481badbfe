import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { statsPolicy } from "../../policies/stats.js";
import { presentLibraryStatistics } from "../../presenters/libraryStats.js";
import { libraryStatistics } from "../../services/libraryStats.js";
import { LibraryStatsSchema } from "./schema.js";

export function statsLibraryRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/stats", sensitive: true, strict: true });

  // Reads only: no transaction (each figure is one statement), nothing to audit.
  router.get("/library", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(statsPolicy.library(actor), "see the library's statistics");
    const { query } = parseRequest(ctx, LibraryStatsSchema);
    ctx.body = presentLibraryStatistics(await libraryStatistics(ctx.services.sequelize, query));
  });

  return router;
}
