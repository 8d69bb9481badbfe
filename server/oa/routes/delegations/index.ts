import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { User } from "../../../org/models/index.js";
import type { Delegation } from "../../models/engine.js";
import { documentPolicy } from "../../policies/document.js";
import type { DelegationBody } from "../../presenters/shapes.js";
import { createDelegation, delegationsOf, revokeDelegation } from "../../services/delegations.js";
import { CreateDelegationSchema, DelegationIdSchema } from "./schema.js";

function present(d: Delegation, names: Map<number, string>, me: number): DelegationBody {
  const now = Date.now();
  return {
    id: d.id,
    fromUserId: d.fromUserId,
    fromName: names.get(d.fromUserId) ?? null,
    toUserId: d.toUserId,
    toName: names.get(d.toUserId) ?? null,
    startsAt: d.startsAt.toISOString(),
    endsAt: d.endsAt.toISOString(),
    reason: d.reason,
    revokedAt: d.revokedAt?.toISOString() ?? null,
    active: !d.revokedAt && d.startsAt.getTime() <= now && d.endsAt.getTime() > now,
    abilities: { revoke: d.fromUserId === me && !d.revokedAt && d.endsAt.getTime() > now },
  };
}

async function namesOf(list: Delegation[]): Promise<Map<number, string>> {
  const ids = [...new Set(list.flatMap((d) => [d.fromUserId, d.toUserId]))];
  const users = await User.findAll({ where: { id: ids }, attributes: ["id", "displayName"] });
  return new Map(users.map((u) => [u.id, u.displayName]));
}

/** 委托: one's own standing delegations, given and received. */
export function oaDelegationsRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/oa", sensitive: true, strict: true });

  router.get("/delegations", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "use the OA");
    const list = await delegationsOf(actor.id);
    const names = await namesOf(list);
    ctx.body = { items: list.map((d) => present(d, names, actor.id)) };
  });

  router.post("/delegations", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "delegate one's tasks");
    const { body } = parseRequest(ctx, CreateDelegationSchema);
    const { delegation, moved, kept, signStaysWithOwner } = await ctx.services.sequelize.transaction(async (t) => {
      const made = await createDelegation(actor, body, t);
      await ctx.audit(
        {
          action: "oa.delegation.create",
          outcome: "success",
          targetType: "oa_delegation",
          targetId: made.delegation.id,
          detail: {
            toUserId: body.toUserId,
            startsAt: body.startsAt,
            endsAt: body.endsAt,
            moved: made.moved,
            kept: made.kept,
          },
        },
        t,
      );
      return made;
    });
    ctx.status = 201;
    ctx.body = { ...present(delegation, await namesOf([delegation]), actor.id), moved, kept, signStaysWithOwner };
  });

  router.post("/delegations/:id/revoke", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(documentPolicy.use(actor), "revoke delegations");
    const { params } = parseRequest(ctx, DelegationIdSchema);
    const delegation = await ctx.services.sequelize.transaction(async (t) => {
      const revoked = await revokeDelegation(actor, params.id, t);
      await ctx.audit(
        {
          action: "oa.delegation.revoke",
          outcome: "success",
          targetType: "oa_delegation",
          targetId: revoked.id,
          detail: {},
        },
        t,
      );
      return revoked;
    });
    ctx.body = present(delegation, await namesOf([delegation]), actor.id);
  });

  return router;
}
