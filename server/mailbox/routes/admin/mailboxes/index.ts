import Router from "@koa/router";
import { UniqueConstraintError } from "sequelize";
import type { AppContext, AppContextExtras, AppState } from "../../../../core/context.js";
import { conflict, notFound } from "../../../../core/errors.js";
import { actorOf, authorize } from "../../../../core/policy.js";
import { parseRequest } from "../../../../core/validate.js";
import { Unit } from "../../../../org/models/index.js";
import { mailboxPolicy } from "../../../policies/mailbox.js";
import { presentAdminMailbox, presentMember } from "../../../presenters/admin.js";
import type { AdminMailboxList, MailboxMembersBody } from "../../../presenters/adminShapes.js";
import { ensureMailbox } from "../../../services/addresses.js";
import {
  MB,
  addMember,
  findMailboxOr404,
  findMemberOr404,
  findUnitMailboxOr404,
  managedUnitIds,
  memberCounts,
  membersOf,
  ownersOf,
  searchMailboxes,
  setQuota,
  unitMailboxAddress,
  unitsManagedBy,
} from "../../../services/administration.js";
import {
  IdParamSchema,
  MailboxListSchema,
  MemberAddSchema,
  MemberParamSchema,
  MemberUpdateSchema,
  QuotaUpdateSchema,
  UnitMailboxCreateSchema,
} from "./schema.js";

/**
 * Mailboxes as administrators see them (never their mail): a mail
 * administrator sees every mailbox and sets quotas; a unit's mail
 * administrator sees the unit mailboxes of their units and decides who shares
 * them, and who of those may send as the unit.
 */
export function mailAdminMailboxesRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/mail/admin", sensitive: true, strict: true });

  router.get("/mailboxes", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.manageAny(actor), "manage mailboxes");
    const { query } = parseRequest(ctx, MailboxListSchema);
    const unitIds = await managedUnitIds(actor);
    const { rows, count } = await searchMailboxes({ ...query, unitIds });
    const [owners, members] = await Promise.all([ownersOf(rows), memberCounts(rows.map((m) => m.id))]);
    const administer = mailboxPolicy.administer(actor);
    const body: AdminMailboxList = {
      items: rows.map((mailbox) =>
        presentAdminMailbox(mailbox, {
          owners,
          members: members.get(mailbox.id) ?? 0,
          editQuota: administer,
          // Listed for a unit mail administrator only when the unit is theirs.
          manageMembers: true,
        }),
      ),
      total: count,
      page: query.page,
      pageSize: query.pageSize,
      abilities: { administer, editQuota: administer, createFor: unitsManagedBy(actor) },
    };
    ctx.body = body;
  });

  // A unit's mailbox ahead of its first mail, so that its people can be added before anyone writes to it.
  router.post("/mailboxes", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.manageAny(actor), "open unit mailboxes");
    const { body } = parseRequest(ctx, UnitMailboxCreateSchema);
    const unit = await Unit.findByPk(body.unitId);
    if (!unit) throw notFound("Unit");
    authorize(mailboxPolicy.manageUnit(actor, unit), "open this unit's mailbox");
    const { env } = ctx.services;
    const address = await unitMailboxAddress(unit, body.domain ?? env.MAIL_DOMAINS[0] ?? "");
    // Made in this transaction with its audit event; an address taken meanwhile (the MX making it for a
    // first message at this moment) is refused by the unique index and answered as one that exists.
    const mailbox = await ctx.services.sequelize
      .transaction(async (t) => {
        const made = await ensureMailbox(address, "unit", unit.id, env.MAIL_DEFAULT_QUOTA_MB * MB, t);
        await ctx.audit(
          {
            action: "mail.mailbox.create",
            outcome: "success",
            targetType: "mailbox",
            targetId: made.id,
            detail: { address: made.address, unitId: unit.id },
          },
          t,
        );
        return made;
      })
      .catch((error: unknown) => {
        if (error instanceof UniqueConstraintError)
          throw conflict("mail_mailbox_exists", `${address} is open already`, { address });
        throw error;
      });
    ctx.status = 201;
    ctx.body = presentAdminMailbox(mailbox, {
      owners: await ownersOf([mailbox]),
      members: 0,
      editQuota: mailboxPolicy.administer(actor),
      manageMembers: true,
    });
  });

  router.patch("/mailboxes/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.administer(actor), "change quotas");
    const { params, body } = parseRequest(ctx, QuotaUpdateSchema);
    const mailbox = await ctx.services.sequelize.transaction(async (t) => {
      const found = await findMailboxOr404(params.id, t);
      const before = found.quotaBytes;
      const updated = await setQuota(found, body.quotaMb, t);
      await ctx.audit(
        {
          action: "mail.mailbox.quota",
          outcome: "success",
          targetType: "mailbox",
          targetId: found.id,
          detail: { address: found.address, quotaMb: body.quotaMb, beforeMb: Math.round(before / MB) },
        },
        t,
      );
      return updated;
    });
    const [owners, members] = await Promise.all([ownersOf([mailbox]), memberCounts([mailbox.id])]);
    ctx.body = presentAdminMailbox(mailbox, {
      owners,
      members: members.get(mailbox.id) ?? 0,
      editQuota: true,
      manageMembers: true,
    });
  });

  router.get("/mailboxes/:id/members", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.manageAny(actor), "manage unit mailboxes");
    const { params } = parseRequest(ctx, IdParamSchema);
    const { mailbox, unit } = await findUnitMailboxOr404(params.id);
    authorize(mailboxPolicy.manageUnit(actor, unit), "manage this unit's mailbox");
    const members = await membersOf(mailbox);
    const body: MailboxMembersBody = {
      mailbox: presentAdminMailbox(mailbox, {
        owners: await ownersOf([mailbox]),
        members: members.length,
        editQuota: mailboxPolicy.administer(actor),
        manageMembers: true,
      }),
      items: members.map(({ member, user }) => presentMember(member, user)),
      abilities: { manage: true },
    };
    ctx.body = body;
  });

  router.post("/mailboxes/:id/members", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.manageAny(actor), "manage unit mailboxes");
    const { params, body } = parseRequest(ctx, MemberAddSchema);
    const added = await ctx.services.sequelize.transaction(async (t) => {
      const { mailbox, unit } = await findUnitMailboxOr404(params.id, t);
      authorize(mailboxPolicy.manageUnit(actor, unit), "manage this unit's mailbox");
      const result = await addMember(mailbox, { userId: body.userId, canSendAs: body.canSendAs ?? false }, t);
      await ctx.audit(
        {
          action: "mail.member.add",
          outcome: "success",
          targetType: "mailbox",
          targetId: mailbox.id,
          detail: { address: mailbox.address, userId: result.user.id, canSendAs: result.member.canSendAs },
        },
        t,
      );
      return result;
    });
    ctx.status = 201;
    ctx.body = presentMember(added.member, added.user);
  });

  router.patch("/mailboxes/:id/members/:userId", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.manageAny(actor), "manage unit mailboxes");
    const { params, body } = parseRequest(ctx, MemberUpdateSchema);
    const updated = await ctx.services.sequelize.transaction(async (t) => {
      const { mailbox, unit } = await findUnitMailboxOr404(params.id, t);
      authorize(mailboxPolicy.manageUnit(actor, unit), "manage this unit's mailbox");
      const { member, user } = await findMemberOr404(mailbox, params.userId, t);
      member.canSendAs = body.canSendAs;
      await member.save({ transaction: t });
      await ctx.audit(
        {
          action: "mail.member.update",
          outcome: "success",
          targetType: "mailbox",
          targetId: mailbox.id,
          detail: { address: mailbox.address, userId: member.userId, canSendAs: member.canSendAs },
        },
        t,
      );
      return presentMember(member, user);
    });
    ctx.body = updated;
  });

  router.delete("/mailboxes/:id/members/:userId", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.manageAny(actor), "manage unit mailboxes");
    const { params } = parseRequest(ctx, MemberParamSchema);
    await ctx.services.sequelize.transaction(async (t) => {
      const { mailbox, unit } = await findUnitMailboxOr404(params.id, t);
      authorize(mailboxPolicy.manageUnit(actor, unit), "manage this unit's mailbox");
      const { member } = await findMemberOr404(mailbox, params.userId, t);
      await member.destroy({ transaction: t });
      await ctx.audit(
        {
          action: "mail.member.remove",
          outcome: "success",
          targetType: "mailbox",
          targetId: mailbox.id,
          detail: { address: mailbox.address, userId: member.userId },
        },
        t,
      );
    });
    ctx.status = 204;
  });

  return router;
}
