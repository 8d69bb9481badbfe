import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { Unit } from "../../models/index.js";
import { unitPolicy } from "../../policies/unit.js";
import { presentDepartment, presentUnit } from "../../presenters/unit.js";
import {
  createDepartment,
  createUnit,
  deleteDepartment,
  deleteUnit,
  findDepartmentOr404,
  findUnitOr404,
  requireUnit,
  updateDepartment,
  updateUnit,
  treeJson,
} from "../../services/units.js";
import {
  DepartmentCreateSchema,
  DepartmentUpdateSchema,
  IdParamSchema,
  UnitCreateSchema,
  UnitUpdateSchema,
} from "./schema.js";

export function unitsRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/org", sensitive: true, strict: true });

  router.get("/tree", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(unitPolicy.readTree(actor), "see the organisation");
    // The tree as the instance last built it for this state of the organisation (see treeJson).
    const units = await treeJson();
    ctx.type = "json";
    ctx.body = `{"units":${units},"abilities":${JSON.stringify({ manage: unitPolicy.manage(actor) })}}`;
  });

  router.post("/units", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(unitPolicy.manage(actor), "manage the organisation");
    const { body } = parseRequest(ctx, UnitCreateSchema);
    const unit = await ctx.services.sequelize.transaction(async (t) => {
      const parent = body.parentId === null ? null : await requireUnit(body.parentId, t);
      // A new root unit needs the right everywhere; otherwise the right over the parent.
      authorize(
        parent ? unitPolicy.manage(actor, parent) : actor.scopeOf("org.unit.manage") === "all",
        "create units here",
      );
      const created = await createUnit({ ...body, parent }, t);
      await ctx.audit(
        {
          action: "unit.create",
          outcome: "success",
          targetType: "unit",
          targetId: created.id,
          detail: { name: created.name },
        },
        t,
      );
      return created;
    });
    ctx.status = 201;
    ctx.body = presentUnit(unit);
  });

  router.patch("/units/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(unitPolicy.manage(actor), "manage the organisation");
    const { params, body } = parseRequest(ctx, UnitUpdateSchema);
    const unit = await ctx.services.sequelize.transaction(async (t) => {
      const found = await findUnitOr404(params.id, t);
      authorize(unitPolicy.manage(actor, found), "change this unit");
      const before = presentUnit(found);
      const updated = await updateUnit(found, body, t);
      const action = body.parentId !== undefined && body.parentId !== before.parentId ? "unit.move" : "unit.update";
      await ctx.audit(
        { action, outcome: "success", targetType: "unit", targetId: found.id, detail: { before, changes: body } },
        t,
      );
      return updated;
    });
    ctx.body = presentUnit(unit);
  });

  router.delete("/units/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(unitPolicy.manage(actor), "manage the organisation");
    const { params } = parseRequest(ctx, IdParamSchema);
    await ctx.services.sequelize.transaction(async (t) => {
      const unit = await findUnitOr404(params.id, t);
      authorize(unitPolicy.manage(actor, unit), "delete this unit");
      await deleteUnit(unit, t);
      await ctx.audit(
        {
          action: "unit.delete",
          outcome: "success",
          targetType: "unit",
          targetId: unit.id,
          detail: { name: unit.name },
        },
        t,
      );
    });
    ctx.status = 204;
  });

  router.post("/departments", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(unitPolicy.manage(actor), "manage the organisation");
    const { body } = parseRequest(ctx, DepartmentCreateSchema);
    const department = await ctx.services.sequelize.transaction(async (t) => {
      const unit = await requireUnit(body.unitId, t);
      authorize(unitPolicy.manage(actor, unit), "add departments here");
      const created = await createDepartment({ unit, name: body.name }, t);
      await ctx.audit(
        {
          action: "department.create",
          outcome: "success",
          targetType: "department",
          targetId: created.id,
          detail: { name: created.name, unitId: created.unitId },
        },
        t,
      );
      return created;
    });
    ctx.status = 201;
    ctx.body = presentDepartment(department);
  });

  router.patch("/departments/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(unitPolicy.manage(actor), "manage the organisation");
    const { params, body } = parseRequest(ctx, DepartmentUpdateSchema);
    const department = await ctx.services.sequelize.transaction(async (t) => {
      const found = await findDepartmentOr404(params.id, t);
      const [from, to] = await Promise.all([
        Unit.findByPk(found.unitId, { transaction: t }),
        body.unitId ? Unit.findByPk(body.unitId, { transaction: t }) : null,
      ]);
      authorize(
        unitPolicy.manage(actor, from ?? undefined) && (!to || unitPolicy.manage(actor, to)),
        "change this department",
      );
      const before = presentDepartment(found);
      const updated = await updateDepartment(found, body, t);
      const action =
        body.unitId !== undefined && body.unitId !== before.unitId ? "department.move" : "department.update";
      await ctx.audit(
        { action, outcome: "success", targetType: "department", targetId: found.id, detail: { before, changes: body } },
        t,
      );
      return updated;
    });
    ctx.body = presentDepartment(department);
  });

  router.delete("/departments/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(unitPolicy.manage(actor), "manage the organisation");
    const { params } = parseRequest(ctx, IdParamSchema);
    await ctx.services.sequelize.transaction(async (t) => {
      const department = await findDepartmentOr404(params.id, t);
      const unit = await Unit.findByPk(department.unitId, { transaction: t });
      authorize(unitPolicy.manage(actor, unit ?? undefined), "delete this department");
      await deleteDepartment(department, t);
      await ctx.audit(
        {
          action: "department.delete",
          outcome: "success",
          targetType: "department",
          targetId: department.id,
          detail: { name: department.name },
        },
        t,
      );
    });
    ctx.status = 204;
  });

  return router;
}
