import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { documentPolicy } from "../../policies/document.js";
import { presentInboxRow } from "../../presenters/document.js";
import { inboxCounts, inboxPage } from "../../services/inbox.js";
import { InboxSchema } from "./schema.js";

/** 待办, 待阅, 已办, 我的草稿, 督办 and the menu's badges: each person's own lists. */
export function oaInboxRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/oa", sensitive: true, strict: true });

  router.get("/inbox/counts", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "use the OA");
    const counts = await inboxCounts(ctx.services.sequelize, actor);
    ctx.body = { ...counts, abilities: { supervise: actor.can("oa.supervise") } };
  });

  router.get("/inbox/:box", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "use the OA");
    const { params, query } = parseRequest(ctx, InboxSchema);
    if (params.box === "overdue") authorize(actor.can("oa.supervise"), "supervise overdue work");
    const page = await inboxPage(ctx.services.sequelize, actor, params.box, {
      offset: (query.page - 1) * query.pageSize,
      limit: query.pageSize,
    });
    ctx.body = {
      items: page.items.map(presentInboxRow),
      total: page.total,
      page: query.page,
      pageSize: query.pageSize,
    };
  });

  return router;
}
