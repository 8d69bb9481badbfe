import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../../core/context.js";
import { notFound } from "../../../../core/errors.js";
import { actorOf, authorize } from "../../../../core/policy.js";
import { parseRequest } from "../../../../core/validate.js";
import { MailDomain } from "../../../models/index.js";
import { mailboxPolicy } from "../../../policies/mailbox.js";
import { presentDkimRecord, presentDomain } from "../../../presenters/admin.js";
import type { MailDomainList } from "../../../presenters/adminShapes.js";
import { createDomain, domainUsage, removeDomain } from "../../../services/administration.js";
import { dkimDnsRecord } from "../../../services/dkim.js";
import { DomainCreateSchema, IdParamSchema } from "./schema.js";

/** The domains mail is received for: mail administrators list, add and remove them. */
export function mailDomainsRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/mail/admin", sensitive: true, strict: true });

  router.get("/domains", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.administer(actor), "manage mail domains");
    const domains = await MailDomain.findAll({ order: [["name", "ASC"]] });
    const usage = await domainUsage(domains.map((d) => d.name));
    const configured = ctx.services.env.MAIL_DOMAINS;
    const body: MailDomainList = {
      items: domains.map((d) =>
        presentDomain(d, usage.get(d.name), { configured: configured.includes(d.name), canAdminister: true }),
      ),
      abilities: { create: true },
    };
    ctx.body = body;
  });

  router.post("/domains", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.administer(actor), "add mail domains");
    const { body } = parseRequest(ctx, DomainCreateSchema);
    const domain = await ctx.services.sequelize.transaction(async (t) => {
      const created = await createDomain(body.name, t);
      await ctx.audit(
        {
          action: "mail.domain.create",
          outcome: "success",
          targetType: "mail_domain",
          targetId: created.id,
          detail: { name: created.name },
        },
        t,
      );
      return created;
    });
    ctx.status = 201;
    ctx.body = presentDomain(domain, undefined, { configured: false, canAdminister: true });
  });

  // The TXT record to publish for the domain's DKIM key; asking the first time makes the key.
  router.get("/domains/:id/dkim", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.administer(actor), "see DKIM records");
    const { params } = parseRequest(ctx, IdParamSchema);
    const domain = await MailDomain.findByPk(params.id);
    if (!domain) throw notFound("Mail domain");
    const hadKey = Boolean(domain.dkimSelector);
    // dkimDnsRecord writes the key on its own (another instance may be making it at the same moment).
    const record = await dkimDnsRecord(domain);
    if (!hadKey) {
      await ctx.services.sequelize.transaction((t) =>
        ctx.audit(
          {
            action: "mail.domain.dkim",
            outcome: "success",
            targetType: "mail_domain",
            targetId: domain.id,
            detail: { name: domain.name, selector: domain.dkimSelector },
          },
          t,
        ),
      );
    }
    ctx.body = presentDkimRecord(domain, record);
  });

  router.delete("/domains/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.administer(actor), "remove mail domains");
    const { params } = parseRequest(ctx, IdParamSchema);
    await ctx.services.sequelize.transaction(async (t) => {
      const domain = await MailDomain.findByPk(params.id, { transaction: t });
      if (!domain) throw notFound("Mail domain");
      await removeDomain(domain, ctx.services.env.MAIL_DOMAINS, t);
      await ctx.audit(
        {
          action: "mail.domain.delete",
          outcome: "success",
          targetType: "mail_domain",
          targetId: domain.id,
          detail: { name: domain.name },
        },
        t,
      );
    });
    ctx.status = 204;
  });

  return router;
}
