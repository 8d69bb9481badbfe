import Router from "@koa/router";
import { col, fn } from "sequelize";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { Role, RoleAssignment, RolePermission } from "../../models/index.js";
import { PERMISSIONS, PERMISSION_CODES } from "../../permissions.js";
import { rolePolicy } from "../../policies/role.js";
import { createRole, deleteRole, findRoleOr404, updateRole } from "../../services/roles.js";
import { IdParamSchema, RoleCreateSchema, RoleUpdateSchema } from "./schema.js";

function presentRole(role: Role, userCount = 0) {
  return {
    id: role.id,
    code: role.code,
    name: role.name,
    description: role.description,
    adminKind: role.adminKind,
    builtin: role.builtin,
    permissions: (role.grants ?? []).map((g) => g.permissionCode).sort(),
    userCount,
  };
}

export function rolesRouter(): Router<AppState, AppContextExtras> {
  // Paths spell out /roles: under strict matching a "/" route would answer only "/api/org/roles/".
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/org", sensitive: true, strict: true });

  router.get("/roles", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(rolePolicy.list(actor), "see roles");
    const [roles, counts] = await Promise.all([
      Role.findAll({ include: [{ model: RolePermission, as: "grants" }], order: [["id", "ASC"]] }),
      RoleAssignment.findAll({
        attributes: ["roleId", [fn("COUNT", col("id")), "n"]],
        group: ["roleId"],
        raw: true,
      }) as unknown as Promise<{ roleId: number; n: number }[]>,
    ]);
    const byRole = new Map(counts.map((c) => [Number(c.roleId), Number(c.n)]));
    ctx.body = {
      items: roles.map((r) => presentRole(r, byRole.get(r.id))),
      permissions: PERMISSION_CODES.map((code) => ({ code, category: PERMISSIONS[code] })),
      abilities: { manage: rolePolicy.manage(actor), assign: rolePolicy.assign(actor) },
    };
  });

  router.post("/roles", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(rolePolicy.manage(actor), "create roles");
    const { body } = parseRequest(ctx, RoleCreateSchema);
    const role = await ctx.services.sequelize.transaction(async (t) => {
      const created = await createRole(body, t);
      await ctx.audit(
        {
          action: "role.create",
          outcome: "success",
          targetType: "role",
          targetId: created.id,
          detail: { code: body.code, permissions: body.permissions },
        },
        t,
      );
      return created;
    });
    ctx.status = 201;
    ctx.body = presentRole(role);
  });

  router.patch("/roles/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(rolePolicy.manage(actor), "change roles");
    const { params, body } = parseRequest(ctx, RoleUpdateSchema);
    const role = await ctx.services.sequelize.transaction(async (t) => {
      const found = await findRoleOr404(params.id, t);
      const before = presentRole(found).permissions;
      const updated = await updateRole(found, body, t);
      await ctx.audit(
        {
          action: "role.update",
          outcome: "success",
          targetType: "role",
          targetId: found.id,
          detail: { before, changes: body },
        },
        t,
      );
      return updated;
    });
    ctx.body = presentRole(role);
  });

  router.delete("/roles/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(rolePolicy.manage(actor), "delete roles");
    const { params } = parseRequest(ctx, IdParamSchema);
    await ctx.services.sequelize.transaction(async (t) => {
      const role = await findRoleOr404(params.id, t);
      await deleteRole(role, t);
      await ctx.audit(
        {
          action: "role.delete",
          outcome: "success",
          targetType: "role",
          targetId: role.id,
          detail: { code: role.code },
        },
        t,
      );
    });
    ctx.status = 204;
  });

  return router;
}
