import Router from "@koa/router";
import type { z } from "zod";
import type { Actor } from "../../../core/actor.js";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import type { Transaction } from "sequelize";
import { settingsPolicy } from "../../policies/settings.js";
import { checkDefaultRoles } from "../../services/roles.js";
import { readSetting, writeSetting, type Key, type ValueOf } from "../../services/settings.js";
import { DefaultRolesPatchSchema, SecurityPolicyPatchSchema, SystemSettingsPatchSchema } from "./schema.js";

type SettingsRouter = Router<AppState, AppContextExtras>;

/** GET and PATCH for one settings record, each behind its policy; a change is audited in its transaction. */
function mountSetting<K extends Key>(
  router: SettingsRouter,
  def: {
    path: string;
    key: K;
    patchSchema: z.ZodType<{ body: Partial<ValueOf<K>> }>;
    allowed: (actor: Actor) => boolean;
    noun: string;
    auditAction: string;
    /** Checks that need the database (the schema checks the shape). */
    check?: (patch: Partial<ValueOf<K>>, transaction: Transaction) => Promise<void>;
  },
): void {
  router.get(def.path, async (ctx: AppContext) => {
    authorize(def.allowed(actorOf(ctx)), `see ${def.noun}`);
    ctx.body = await readSetting(def.key);
  });

  router.patch(def.path, async (ctx: AppContext) => {
    authorize(def.allowed(actorOf(ctx)), `change ${def.noun}`);
    const { body } = parseRequest(ctx, def.patchSchema);
    ctx.body = await ctx.services.sequelize.transaction(async (t) => {
      await def.check?.(body, t);
      // The old values go on record too, so the auditor reads each change as before → after.
      const before = await readSetting(def.key, t);
      const next = await writeSetting(def.key, body, t);
      await ctx.audit(
        {
          action: def.auditAction,
          outcome: "success",
          targetType: "settings",
          targetId: def.key,
          detail: { before, changes: body },
        },
        t,
      );
      return next;
    });
  });
}

export function settingsRouter(): SettingsRouter {
  const router: SettingsRouter = new Router<AppState, AppContextExtras>({
    prefix: "/api/settings",
    sensitive: true,
    strict: true,
  });
  // Public: the login page shows the site name before anyone signs in. Only the name leaves.
  router.get("/site", async (ctx: AppContext) => {
    const { siteName } = await readSetting("system");
    ctx.body = { siteName };
  });
  mountSetting(router, {
    path: "/system",
    key: "system",
    patchSchema: SystemSettingsPatchSchema,
    allowed: settingsPolicy.system,
    noun: "system settings",
    auditAction: "settings.update",
  });
  mountSetting(router, {
    path: "/security",
    key: "security.policy",
    patchSchema: SecurityPolicyPatchSchema,
    allowed: settingsPolicy.security,
    noun: "the security policy",
    auditAction: "security.policy.update",
  });
  mountSetting(router, {
    path: "/default-roles",
    key: "security.defaultRoles",
    patchSchema: DefaultRolesPatchSchema,
    allowed: settingsPolicy.defaultRoles,
    noun: "the roles of new accounts",
    auditAction: "security.default_roles.update",
    check: async (patch, t) => {
      if (patch.roleCodes) await checkDefaultRoles(patch.roleCodes, t);
    },
  });
  return router;
}
