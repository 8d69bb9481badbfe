import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { settingsPolicy } from "../../policies/settings.js";
import { readSetting, writeSetting } from "../../services/settings.js";
import { SecurityPolicyPatchSchema, SystemSettingsPatchSchema } from "./schema.js";

export function settingsRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/settings" });

  router.get("/system", async (ctx: AppContext) => {
    authorize(settingsPolicy.system(actorOf(ctx)), "see system settings");
    ctx.body = await readSetting("system");
  });

  router.patch("/system", async (ctx: AppContext) => {
    authorize(settingsPolicy.system(actorOf(ctx)), "change system settings");
    const { body } = parseRequest(ctx, SystemSettingsPatchSchema);
    ctx.body = await ctx.services.sequelize.transaction(async (t) => {
      const next = await writeSetting("system", body, t);
      await ctx.audit(
        {
          action: "settings.update",
          outcome: "success",
          targetType: "settings",
          targetId: "system",
          detail: { changes: body },
        },
        t,
      );
      return next;
    });
  });

  router.get("/security", async (ctx: AppContext) => {
    authorize(settingsPolicy.security(actorOf(ctx)), "see the security policy");
    ctx.body = await readSetting("security.policy");
  });

  router.patch("/security", async (ctx: AppContext) => {
    authorize(settingsPolicy.security(actorOf(ctx)), "change the security policy");
    const { body } = parseRequest(ctx, SecurityPolicyPatchSchema);
    ctx.body = await ctx.services.sequelize.transaction(async (t) => {
      const next = await writeSetting("security.policy", body, t);
      await ctx.audit(
        {
          action: "security.policy.update",
          outcome: "success",
          targetType: "settings",
          targetId: "security.policy",
          detail: { changes: body },
        },
        t,
      );
      return next;
    });
  });

  return router;
}
