import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { loadGrants } from "../../../core/actor.js";
import { Position, User } from "../../models/index.js";
import { userPolicy } from "../../policies/user.js";
import { presentDirectoryEntry, presentUser } from "../../presenters/user.js";
import {
  createUser,
  findUserOr404,
  newInitialCredential,
  resolvePlacement,
  searchUsers,
} from "../../services/users.js";
import { newOneTimePassword, setOneTimePassword } from "../../services/passwordReset.js";
import { endOtherSessions } from "../../services/sessions.js";
import { pinyinKeys } from "../../services/pinyin.js";
import { commitUserImport, importHasErrors, importTemplate, planUserImport } from "../../services/userImporter.js";
import { streamNdjson, wantsNdjson, type NdjsonChannel } from "../../../core/ndjson.js";
import { valuesBefore } from "../../../audit/services/auditDetail.js";
import { AppError, badRequest } from "../../../core/errors.js";
import { PUBLIC_UNIT_KIND } from "../../models/unit.js";
import { assignRole, unassignRole } from "../../services/roleAssigner.js";
import type { Actor } from "../../../core/actor.js";
import {
  DirectorySchema,
  IdParamSchema,
  RoleAssignSchema,
  RoleUnassignSchema,
  UserCreateSchema,
  UserImportSchema,
  UserListSchema,
  UserUpdateSchema,
} from "./schema.js";

// The 三员 accounts and those of people with more rights than the caller are out of
// reach of these routes (see isProtectedAccount); the break-glass CLI handles them.
const PROTECTED_ACCOUNT =
  "change this account: it belongs to a 三员 administrator, to someone with more rights than you, or to a unit outside yours";

async function presentUserById(id: number, viewer: Actor) {
  const user = await findUserOr404(id);
  return presentUser(user, await loadGrants(id), viewer);
}

export function usersRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/org", sensitive: true, strict: true });

  // Every signed-in user may read the list of positions (forms, directory).
  router.get("/positions", async (ctx: AppContext) => {
    actorOf(ctx);
    const positions = await Position.findAll({
      order: [
        ["rank", "DESC"],
        ["id", "ASC"],
      ],
    });
    ctx.body = { items: positions.map((p) => ({ id: p.id, name: p.name, rank: p.rank })) };
  });

  router.get("/directory", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(userPolicy.searchDirectory(actor), "search the staff directory");
    const { query } = parseRequest(ctx, DirectorySchema);
    // The 三员 accounts are not colleagues to look up, and usernames are sign-in names, not contact details.
    const { rows, count } = await searchUsers({
      ...query,
      includeSubunits: true,
      status: "active",
      scope: "all",
      excludeAdministrators: true,
      excludePublic: true,
      matchUsername: false,
    });
    ctx.body = { items: rows.map(presentDirectoryEntry), total: count, page: query.page, pageSize: query.pageSize };
  });

  router.get("/users", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(userPolicy.list(actor), "list user accounts");
    const { query } = parseRequest(ctx, UserListSchema);
    const { rows, count, grants } = await searchUsers({
      ...query,
      scope: userPolicy.listScope(actor),
      withGrants: true,
    });
    const items = rows.map((u) => presentUser(u, grants.get(u.id) ?? [], actor));
    ctx.body = {
      items,
      total: count,
      page: query.page,
      pageSize: query.pageSize,
      abilities: { create: actor.can("org.user.manage"), import: userPolicy.import(actor) },
    };
  });

  router.post("/users", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(actor.can("org.user.manage"), "create user accounts");
    const { body } = parseRequest(ctx, UserCreateSchema);
    const { initialPassword, passwordHash } = await newInitialCredential(ctx.services.env.PASSWORD_HASH_MEMORY_KIB);
    const user = await ctx.services.sequelize.transaction(async (t) => {
      const placement = await resolvePlacement(body, t);
      authorize(userPolicy.create(actor, placement.unit), "create users in this unit");
      const created = await createUser({ ...body, passwordHash }, placement, t);
      await ctx.audit(
        {
          action: "user.create",
          outcome: "success",
          targetType: "user",
          targetId: created.user.id,
          detail: {
            username: body.username,
            unitId: body.unitId,
            departmentId: body.departmentId ?? null,
            defaultRoles: created.defaultRoles,
          },
        },
        t,
      );
      return created.user;
    });
    ctx.status = 201;
    ctx.body = { user: await presentUserById(user.id, actor), initialPassword };
  });

  router.get("/users/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(userPolicy.list(actor), "read user accounts");
    const { params } = parseRequest(ctx, IdParamSchema);
    const user = await findUserOr404(params.id);
    authorize(userPolicy.read(actor, user.unit), "read this user");
    ctx.body = presentUser(user, await loadGrants(user.id), actor);
  });

  router.patch("/users/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(actor.can("org.user.manage"), "change user accounts");
    const { params, body } = parseRequest(ctx, UserUpdateSchema);
    await ctx.services.sequelize.transaction(async (t) => {
      const user = await findUserOr404(params.id, t);
      const target = { id: user.id, unit: user.unit, grants: await loadGrants(user.id, t) };
      authorize(userPolicy.updateAccount(actor, target), PROTECTED_ACCOUNT);
      if (body.disabled !== undefined) authorize(userPolicy.disable(actor, target), "disable your own account");
      const unitId = body.unitId ?? user.unitId;
      // Moving to another unit without naming a department leaves the old department behind.
      const departmentId =
        body.departmentId !== undefined ? body.departmentId : unitId === user.unitId ? user.departmentId : null;
      // A self-registered patron is not staff: their account stays in the public unit.
      if (unitId !== user.unitId && user.unit?.kind === PUBLIC_UNIT_KIND)
        throw badRequest("patron_not_movable", "A self-registered library patron cannot be moved into a unit");
      const placement = await resolvePlacement(
        { unitId, departmentId, positionId: body.positionId !== undefined ? body.positionId : user.positionId },
        t,
        user.unitId,
      );
      authorize(userPolicy.update(actor, placement.unit), "move users into that unit");
      const changes = { ...body, unitId, departmentId };
      if (body.displayName) Object.assign(changes, pinyinKeys(body.displayName));
      await User.update(changes, { where: { id: user.id }, transaction: t });
      const action =
        body.disabled === true
          ? "user.disable"
          : body.disabled === false
            ? "user.enable"
            : unitId !== user.unitId || departmentId !== user.departmentId
              ? "user.move"
              : "user.update";
      await ctx.audit(
        {
          action,
          outcome: "success",
          targetType: "user",
          targetId: user.id,
          // Before → after for the auditor: the old value of every field the request set.
          detail: { before: valuesBefore(user, body), changes: body },
        },
        t,
      );
    });
    if (body.disabled) await endOtherSessions(params.id);
    ctx.body = await presentUserById(params.id, actor);
  });

  router.post("/users/:id/reset-password", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(actor.can("org.user.manage"), "reset passwords");
    const { params } = parseRequest(ctx, IdParamSchema);
    const otp = await newOneTimePassword(ctx.services.env.PASSWORD_HASH_MEMORY_KIB);
    await ctx.services.sequelize.transaction(async (t) => {
      const user = await findUserOr404(params.id, t);
      const target = { id: user.id, unit: user.unit, grants: await loadGrants(user.id, t) };
      authorize(userPolicy.updateAccount(actor, target), PROTECTED_ACCOUNT);
      authorize(userPolicy.resetPassword(actor, target), "reset your own password here");
      await setOneTimePassword(user.id, otp, t);
      await ctx.audit({ action: "user.password.reset", outcome: "success", targetType: "user", targetId: user.id }, t);
    });
    await endOtherSessions(params.id);
    ctx.body = { initialPassword: otp.password };
  });

  router.get("/users/import/template", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(userPolicy.import(actor) && actor.can("org.user.manage"), "import users");
    ctx.set("Content-Disposition", 'attachment; filename="users-import-template.csv"');
    ctx.type = "text/csv; charset=utf-8";
    ctx.body = await importTemplate(actor);
  });

  router.post("/users/import", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(userPolicy.import(actor) && actor.can("org.user.manage"), "import users");
    const { body } = parseRequest(ctx, UserImportSchema);
    const input = body.file !== undefined ? { bytes: Buffer.from(body.file, "base64") } : { text: body.csv ?? "" };
    const plan = await planUserImport({ input, actor });
    if (!body.commit) {
      ctx.body = plan.report;
      return;
    }
    // A file with errors is refused before any stream opens, like a preview.
    if (plan.report.errors.length) throw importHasErrors(plan.report);
    const commit = (channel?: NdjsonChannel) =>
      commitUserImport({
        plan,
        sequelize: ctx.services.sequelize,
        hashCost: ctx.services.env.PASSWORD_HASH_MEMORY_KIB,
        audit: (entry, t) => ctx.audit(entry, t),
        onProgress: channel && ((progress) => channel.send({ type: "progress", ...progress })),
        stillWanted: channel?.open,
      });
    if (!wantsNdjson(ctx)) {
      ctx.body = await commit();
      return;
    }
    // Hashing a large file takes minutes: stream progress. The outcome is audited
    // here, after the response has started, so the request itself is not.
    ctx.state.audited = true;
    streamNdjson(ctx, (channel) =>
      commit(channel).catch(async (err: unknown) => {
        const code = err instanceof AppError ? err.code : "internal_error";
        await ctx.audit({ action: "user.import", outcome: "failure", targetType: "user", detail: { reason: code } });
        throw err;
      }),
    );
  });

  router.post("/users/:id/roles", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(userPolicy.assignRoles(actor), "assign roles");
    const { params, body } = parseRequest(ctx, RoleAssignSchema);
    await ctx.services.sequelize.transaction(async (t) => {
      const assignment = await assignRole(
        { actorId: actor.id, userId: params.id, roleId: body.roleId, unitId: body.unitId },
        t,
      );
      await ctx.audit(
        {
          action: "role.assign",
          outcome: "success",
          targetType: "user",
          targetId: params.id,
          detail: { roleId: body.roleId, unitId: body.unitId, assignmentId: assignment.id },
        },
        t,
      );
    });
    ctx.body = await presentUserById(params.id, actor);
  });

  router.delete("/users/:id/roles/:assignmentId", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(userPolicy.assignRoles(actor), "remove roles");
    const { params } = parseRequest(ctx, RoleUnassignSchema);
    await ctx.services.sequelize.transaction(async (t) => {
      const removed = await unassignRole(
        { actorId: actor.id, userId: params.id, assignmentId: params.assignmentId },
        t,
      );
      await ctx.audit(
        {
          action: "role.unassign",
          outcome: "success",
          targetType: "user",
          targetId: params.id,
          detail: { roleId: removed.roleId, unitId: removed.unitId },
        },
        t,
      );
    });
    ctx.body = await presentUserById(params.id, actor);
  });

  return router;
}
