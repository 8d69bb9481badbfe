import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { notFound } from "../../../core/errors.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { Unit } from "../../../org/models/index.js";
import { NumberCode } from "../../models/document.js";
import { processPolicy } from "../../policies/process.js";
import type { NumberCodeBody, NumberLogBody } from "../../presenters/shapes.js";
import { createNumberCode, numberLogOf, unitIdsWhere } from "../../services/numberCodes.js";
import { CreateNumberCodeSchema, NumberLogSchema, UpdateNumberCodeSchema } from "./schema.js";

function presentCode(code: NumberCode, unit: Unit | undefined, manage: boolean): NumberCodeBody {
  return {
    id: code.id,
    unitId: code.unitId,
    unitName: unit?.name ?? null,
    code: code.code,
    name: code.name,
    enabled: code.enabled,
    abilities: { manage },
  };
}

/**
 * 机关代字: the registrars of a unit number with its codes and see the numbers
 * given and voided; OA administrators of the unit create and retire codes.
 */
export function oaNumberCodesRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/oa", sensitive: true, strict: true });

  router.get("/number-codes", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(actor.can("oa.document.register") || actor.can("oa.process.manage"), "see issuer codes");
    const [registers, manages] = await Promise.all([
      unitIdsWhere(actor, "oa.document.register"),
      unitIdsWhere(actor, "oa.process.manage"),
    ]);
    const all = registers === "all" || manages === "all";
    const ids = all ? [] : [...new Set([...(registers as number[]), ...(manages as number[])])];
    const codes = await NumberCode.findAll({ where: all ? {} : { unitId: ids }, order: [["id", "ASC"]] });
    const units = new Map((await Unit.findAll({ where: { id: codes.map((c) => c.unitId) } })).map((u) => [u.id, u]));
    const canManage = (unitId: number) => manages === "all" || manages.includes(unitId);
    ctx.body = {
      items: codes.map((c) => presentCode(c, units.get(c.unitId), canManage(c.unitId))),
      // Where new codes may be made: everywhere, or these units and the units below them.
      abilities: { create: actor.can("oa.process.manage"), units: processPolicy.manageUnits(actor) },
    };
  });

  router.post("/number-codes", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(actor.can("oa.process.manage"), "create issuer codes");
    const { body } = parseRequest(ctx, CreateNumberCodeSchema);
    const created = await ctx.services.sequelize.transaction(async (t) => {
      const unit = await Unit.findByPk(body.unitId, { transaction: t });
      if (!unit) throw notFound("Unit");
      authorize(actor.can("oa.process.manage", unit), "create issuer codes for this unit");
      const code = await createNumberCode(body, t);
      await ctx.audit(
        {
          action: "oa.number_code.create",
          outcome: "success",
          targetType: "oa_number_code",
          targetId: code.id,
          detail: { code: code.code, unit: unit.name },
        },
        t,
      );
      return { code, unit };
    });
    ctx.status = 201;
    ctx.body = presentCode(created.code, created.unit, true);
  });

  router.patch("/number-codes/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(actor.can("oa.process.manage"), "change issuer codes");
    const { params, body } = parseRequest(ctx, UpdateNumberCodeSchema);
    const updated = await ctx.services.sequelize.transaction(async (t) => {
      const code = await NumberCode.findByPk(params.id, { transaction: t });
      const unit = code ? await Unit.findByPk(code.unitId, { transaction: t }) : null;
      if (!code || !unit) throw notFound("Issuer code");
      authorize(actor.can("oa.process.manage", unit), "change this unit's issuer codes");
      Object.assign(code, body);
      await code.save({ transaction: t });
      await ctx.audit(
        {
          action: "oa.number_code.update",
          outcome: "success",
          targetType: "oa_number_code",
          targetId: code.id,
          detail: { code: code.code, ...body },
        },
        t,
      );
      return { code, unit };
    });
    ctx.body = presentCode(updated.code, updated.unit, true);
  });

  router.get("/number-codes/:id/log", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(actor.can("oa.document.register") || actor.can("oa.process.manage"), "see numbers given");
    const { params, query } = parseRequest(ctx, NumberLogSchema);
    const code = await NumberCode.findByPk(params.id);
    const unit = code ? await Unit.findByPk(code.unitId) : null;
    if (!code || !unit || !(actor.can("oa.document.register", unit) || actor.can("oa.process.manage", unit))) {
      throw notFound("Issuer code");
    }
    const rows = await numberLogOf(code.id, query.year);
    ctx.body = {
      items: rows.map((r): NumberLogBody => ({
        year: r.year,
        seq: r.seq,
        docNumber: r.docNumber,
        documentId: r.documentId,
        status: r.status,
        reason: r.reason,
        at: r.updatedAt.toISOString(),
      })),
    };
  });

  return router;
}
