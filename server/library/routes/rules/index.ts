import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { PATRON_CATEGORIES } from "../../models/index.js";
import { lendingPolicy } from "../../policies/lending.js";
import { presentRule } from "../../presenters/lending.js";
import { listRules, replaceRules, titleCategories } from "../../services/loanRules.js";
import { RulesUpdateSchema } from "./schema.js";

/** Loan rules per patron category × title category, set by librarians. */
export function libraryRulesRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/library", sensitive: true, strict: true });

  router.get("/rules", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(lendingPolicy.manage(actor), "see the loan rules");
    ctx.body = {
      items: (await listRules()).map(presentRule),
      patronCategories: PATRON_CATEGORIES,
      titleCategories: await titleCategories(),
    };
  });

  router.put("/rules", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(lendingPolicy.manage(actor), "change the loan rules");
    const { body } = parseRequest(ctx, RulesUpdateSchema);
    const rules = await ctx.services.sequelize.transaction(async (t) => {
      const before = (await listRules(t)).map(presentRule);
      const after = (await replaceRules(body.rules, t)).map(presentRule);
      await ctx.audit(
        {
          action: "library.rules.update",
          outcome: "success",
          targetType: "library_rules",
          targetId: null,
          detail: { before, after },
        },
        t,
      );
      return after;
    });
    ctx.body = { items: rules, patronCategories: PATRON_CATEGORIES, titleCategories: await titleCategories() };
  });

  return router;
}
