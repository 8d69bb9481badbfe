import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../../core/context.js";
import { actorOf, authorize } from "../../../../core/policy.js";
import { parseRequest } from "../../../../core/validate.js";
import { MailAlias } from "../../../models/index.js";
import { mailboxPolicy } from "../../../policies/mailbox.js";
import { presentAlias } from "../../../presenters/admin.js";
import type { MailAliasList } from "../../../presenters/adminShapes.js";
import {
  MB,
  findAliasOr404,
  freeAddress,
  mailboxAt,
  mailboxesById,
  searchAliases,
} from "../../../services/administration.js";
import { AliasCreateSchema, AliasListSchema, AliasUpdateSchema, IdParamSchema } from "./schema.js";

/**
 * Aliases: another address of a mailbox (bangongshi@ → office@). Mail
 * administrators make them on a local domain, at an address nothing else holds
 * or would be made for (a person's username, a unit's code).
 */
export function mailAliasesRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/mail/admin", sensitive: true, strict: true });

  router.get("/aliases", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.administer(actor), "manage aliases");
    const { query } = parseRequest(ctx, AliasListSchema);
    const { rows, count } = await searchAliases(query);
    const { mailboxes, owners } = await mailboxesById(rows.map((a) => a.mailboxId));
    const body: MailAliasList = {
      items: rows.map((a) => presentAlias(a, mailboxes.get(a.mailboxId), owners)),
      total: count,
      page: query.page,
      pageSize: query.pageSize,
      abilities: { create: true },
    };
    ctx.body = body;
  });

  router.post("/aliases", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.administer(actor), "create aliases");
    const { body } = parseRequest(ctx, AliasCreateSchema);
    // The target's mailbox is made on first use, like the MX does, before the alias's own transaction.
    const target = await mailboxAt(body.target, ctx.services.env.MAIL_DEFAULT_QUOTA_MB * MB);
    const alias = await ctx.services.sequelize.transaction(async (t) => {
      const address = await freeAddress(body.address, {}, t);
      const created = await MailAlias.create({ address, mailboxId: target.id }, { transaction: t });
      await ctx.audit(
        {
          action: "mail.alias.create",
          outcome: "success",
          targetType: "mail_alias",
          targetId: created.id,
          detail: { address, mailbox: target.address },
        },
        t,
      );
      return created;
    });
    const { mailboxes, owners } = await mailboxesById([alias.mailboxId]);
    ctx.status = 201;
    ctx.body = presentAlias(alias, mailboxes.get(alias.mailboxId), owners);
  });

  router.patch("/aliases/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.administer(actor), "change aliases");
    const { params, body } = parseRequest(ctx, AliasUpdateSchema);
    await findAliasOr404(params.id);
    const target = await mailboxAt(body.target, ctx.services.env.MAIL_DEFAULT_QUOTA_MB * MB);
    const alias = await ctx.services.sequelize.transaction(async (t) => {
      const found = await findAliasOr404(params.id, t);
      const before = found.mailboxId;
      found.mailboxId = target.id;
      await found.save({ transaction: t });
      await ctx.audit(
        {
          action: "mail.alias.update",
          outcome: "success",
          targetType: "mail_alias",
          targetId: found.id,
          detail: { address: found.address, mailbox: target.address, beforeMailboxId: before },
        },
        t,
      );
      return found;
    });
    const { mailboxes, owners } = await mailboxesById([alias.mailboxId]);
    ctx.body = presentAlias(alias, mailboxes.get(alias.mailboxId), owners);
  });

  router.delete("/aliases/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.administer(actor), "remove aliases");
    const { params } = parseRequest(ctx, IdParamSchema);
    await ctx.services.sequelize.transaction(async (t) => {
      const alias = await findAliasOr404(params.id, t);
      await alias.destroy({ transaction: t });
      await ctx.audit(
        {
          action: "mail.alias.delete",
          outcome: "success",
          targetType: "mail_alias",
          targetId: alias.id,
          detail: { address: alias.address },
        },
        t,
      );
    });
    ctx.status = 204;
  });

  return router;
}
