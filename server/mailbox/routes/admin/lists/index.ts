import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../../core/context.js";
import { notFound } from "../../../../core/errors.js";
import { actorOf, authorize } from "../../../../core/policy.js";
import { parseRequest } from "../../../../core/validate.js";
import { MailListMember, type MailList, type Mailbox } from "../../../models/index.js";
import { mailboxPolicy } from "../../../policies/mailbox.js";
import { presentList, presentMailboxRef } from "../../../presenters/admin.js";
import type { MailListDetailBody, MailListList } from "../../../presenters/adminShapes.js";
import {
  MB,
  addListMember,
  createList,
  findListOr404,
  listMemberCounts,
  listMembersOf,
  mailboxAt,
  mailboxesById,
  searchLists,
  unitsById,
  updateList,
} from "../../../services/administration.js";
import {
  IdParamSchema,
  ListCreateSchema,
  ListListSchema,
  ListMemberAddSchema,
  ListMemberParamSchema,
  ListUpdateSchema,
} from "./schema.js";

/** A list with its named members, as the list page's dialog shows it. */
async function detailOf(list: MailList): Promise<MailListDetailBody> {
  const [units, members] = await Promise.all([unitsById([list.unitId]), listMembersOf([list.id])]);
  const { mailboxes, owners } = await mailboxesById(members.map((m) => m.mailboxId));
  const memberList = members.flatMap((m) => {
    const mailbox = mailboxes.get(m.mailboxId);
    return mailbox ? [presentMailboxRef(mailbox, owners)] : [];
  });
  return {
    ...presentList(list, { unit: list.unitId ? units.get(list.unitId) : undefined, members: memberList.length }),
    memberList,
  };
}

/**
 * Distribution lists: their address, who receives (named mailboxes, every unit
 * mailbox, or a unit's leaders) and who may write to them. Only stored here;
 * delivery expands them when mail arrives.
 */
export function mailListsRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/mail/admin", sensitive: true, strict: true });

  router.get("/lists", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.administer(actor), "manage mailing lists");
    const { query } = parseRequest(ctx, ListListSchema);
    const { rows, count } = await searchLists(query);
    const [units, members] = await Promise.all([
      unitsById(rows.map((l) => l.unitId)),
      listMemberCounts(rows.map((l) => l.id)),
    ]);
    const body: MailListList = {
      items: rows.map((l) =>
        presentList(l, { unit: l.unitId ? units.get(l.unitId) : undefined, members: members.get(l.id) ?? 0 }),
      ),
      total: count,
      page: query.page,
      pageSize: query.pageSize,
      abilities: { create: true },
    };
    ctx.body = body;
  });

  router.get("/lists/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.administer(actor), "manage mailing lists");
    const { params } = parseRequest(ctx, IdParamSchema);
    ctx.body = await detailOf(await findListOr404(params.id));
  });

  router.post("/lists", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.administer(actor), "create mailing lists");
    const { body } = parseRequest(ctx, ListCreateSchema);
    const quota = ctx.services.env.MAIL_DEFAULT_QUOTA_MB * MB;
    // Members' mailboxes are made on first use, like the MX does, before the list's own transaction.
    const members: Mailbox[] = [];
    for (const address of new Set(body.members ?? [])) members.push(await mailboxAt(address, quota));
    const list = await ctx.services.sequelize.transaction(async (t) => {
      const created = await createList({ ...body, unitId: body.unitId ?? null, members }, t);
      await ctx.audit(
        {
          action: "mail.list.create",
          outcome: "success",
          targetType: "mail_list",
          targetId: created.id,
          detail: {
            address: created.address,
            name: created.name,
            kind: created.kind,
            unitId: created.unitId,
            senders: created.senders,
            members: members.map((m) => m.address),
          },
        },
        t,
      );
      return created;
    });
    ctx.status = 201;
    ctx.body = await detailOf(list);
  });

  router.patch("/lists/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.administer(actor), "change mailing lists");
    const { params, body } = parseRequest(ctx, ListUpdateSchema);
    const list = await ctx.services.sequelize.transaction(async (t) => {
      const found = await findListOr404(params.id, t);
      const before = { name: found.name, kind: found.kind, unitId: found.unitId, senders: found.senders };
      const { list: updated, droppedMembers } = await updateList(found, body, t);
      await ctx.audit(
        {
          action: "mail.list.update",
          outcome: "success",
          targetType: "mail_list",
          targetId: updated.id,
          detail: { address: updated.address, before, changes: body, droppedMembers },
        },
        t,
      );
      return updated;
    });
    ctx.body = await detailOf(list);
  });

  router.delete("/lists/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.administer(actor), "remove mailing lists");
    const { params } = parseRequest(ctx, IdParamSchema);
    await ctx.services.sequelize.transaction(async (t) => {
      const list = await findListOr404(params.id, t);
      await list.destroy({ transaction: t });
      await ctx.audit(
        {
          action: "mail.list.delete",
          outcome: "success",
          targetType: "mail_list",
          targetId: list.id,
          detail: { address: list.address, name: list.name },
        },
        t,
      );
    });
    ctx.status = 204;
  });

  router.post("/lists/:id/members", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.administer(actor), "change mailing lists");
    const { params, body } = parseRequest(ctx, ListMemberAddSchema);
    await findListOr404(params.id);
    const mailbox = await mailboxAt(body.address, ctx.services.env.MAIL_DEFAULT_QUOTA_MB * MB);
    const list = await ctx.services.sequelize.transaction(async (t) => {
      const found = await findListOr404(params.id, t);
      await addListMember(found, mailbox, t);
      await ctx.audit(
        {
          action: "mail.list.member.add",
          outcome: "success",
          targetType: "mail_list",
          targetId: found.id,
          detail: { address: found.address, member: mailbox.address },
        },
        t,
      );
      return found;
    });
    ctx.status = 201;
    ctx.body = await detailOf(list);
  });

  router.delete("/lists/:id/members/:mailboxId", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.administer(actor), "change mailing lists");
    const { params } = parseRequest(ctx, ListMemberParamSchema);
    const list = await ctx.services.sequelize.transaction(async (t) => {
      const found = await findListOr404(params.id, t);
      const member = await MailListMember.findOne({
        where: { listId: found.id, mailboxId: params.mailboxId },
        transaction: t,
      });
      if (!member) throw notFound("List member");
      await member.destroy({ transaction: t });
      await ctx.audit(
        {
          action: "mail.list.member.remove",
          outcome: "success",
          targetType: "mail_list",
          targetId: found.id,
          detail: { address: found.address, mailboxId: params.mailboxId },
        },
        t,
      );
      return found;
    });
    ctx.body = await detailOf(list);
  });

  return router;
}
