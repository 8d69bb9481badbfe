import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { lendingPolicy } from "../../policies/lending.js";
import { presentHold } from "../../presenters/lending.js";
import { cancelHold, placeHold } from "../../services/lending.js";
import { holdsOf, loanContext } from "../../services/loanLists.js";
import { patronCategoryOf } from "../../services/patrons.js";
import { HoldIdSchema, PlaceHoldSchema } from "./schema.js";

/** A patron's place in the queue for titles whose copies are all lent. */
export function libraryHoldsRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/library", sensitive: true, strict: true });

  router.get("/holds", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(lendingPolicy.use(actor), "use the library");
    const { holds, positions, context } = await holdsOf(actor.id);
    ctx.body = { items: holds.map((h) => presentHold(h, context, positions.get(h.id))) };
  });

  router.post("/holds", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(lendingPolicy.use(actor), "place a hold");
    const { body } = parseRequest(ctx, PlaceHoldSchema);
    const category = await patronCategoryOf(actor.user);
    const hold = await placeHold(actor.id, body.titleId, category, new Date(), (made, t) =>
      ctx.audit(
        {
          action: "library.hold.place",
          outcome: "success",
          targetType: "library_hold",
          targetId: made.id,
          detail: { titleId: made.titleId, patronCategory: category },
        },
        t,
      ),
    );
    // Its place is read after the commit: others may have joined or left the queue meanwhile.
    const { positions } = await holdsOf(actor.id);
    ctx.status = 201;
    ctx.body = presentHold(hold, await loanContext([hold]), positions.get(hold.id));
  });

  router.delete("/holds/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(lendingPolicy.use(actor), "cancel a hold");
    const { params } = parseRequest(ctx, HoldIdSchema);
    await cancelHold(params.id, actor.id, new Date(), (hold, t) =>
      ctx.audit(
        {
          action: "library.hold.cancel",
          outcome: "success",
          targetType: "library_hold",
          targetId: hold.id,
          detail: { titleId: hold.titleId, state: hold.state },
        },
        t,
      ),
    );
    ctx.status = 204;
  });

  return router;
}
