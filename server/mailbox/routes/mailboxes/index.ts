import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { notFound } from "../../../core/errors.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { Unit } from "../../../org/models/index.js";
import { Mailbox } from "../../models/index.js";
import { mailboxPolicy } from "../../policies/mailbox.js";
import { presentFolder, presentMailbox } from "../../presenters/mailbox.js";
import { presentHit, presentMessageSummary } from "../../presenters/message.js";
import type {
  DeleteResultBody,
  FlagsResultBody,
  FolderDeleteResultBody,
  MailboxListBody,
  MailFolderBody,
  MailSearchBody,
  MessagePageBody,
  MoveResultBody,
} from "../../presenters/readShapes.js";
import { mailboxesOf } from "../../services/access.js";
import {
  createFolder,
  deleteFolder,
  findFolderOr404,
  foldersWithCounts,
  renameFolder,
} from "../../services/folders.js";
import { lockMailboxes } from "../../services/delivery.js";
import { searchMailbox } from "../../services/mailSearch.js";
import {
  deleteMessages,
  findMessagesOr404,
  listFolderMessages,
  moveMessages,
  openMailboxOr404,
  setFlags,
  SUMMARY_ATTRIBUTES,
} from "../../services/messages.js";
import {
  DeleteSchema,
  FlagsSchema,
  FolderCreateSchema,
  FolderParamSchema,
  FolderRenameSchema,
  MailSearchSchema,
  MessageListSchema,
  MoveSchema,
} from "./schema.js";

/**
 * Webmail over the mailboxes a person can open: their own and the unit
 * mailboxes they are a member of (policies/mailbox.ts). Any other mailbox, a
 * mail administrator's included, answers 404 as if it did not exist.
 *
 * Folder changes, moves and deletions are audited; seen and flagged are not:
 * they are the reader's own view of their mail, as a notification's read mark
 * is (notify/routes/notifications), and would put the most frequent clicks of
 * webmail on the audit chain's single head row. Subjects and addresses never
 * go into the audit log: the auditors may not read mail either.
 */
export function mailMailboxesRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/mail", sensitive: true, strict: true });

  router.get("/mailboxes", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.use(actor), "use mail");
    const { env } = ctx.services;
    const held = await mailboxesOf(actor.user, {
      domain: env.MAIL_DOMAINS[0]!,
      quotaBytes: env.MAIL_DEFAULT_QUOTA_MB * 1024 * 1024,
    });
    const { folders, counts } = await foldersWithCounts(held.map((h) => h.mailbox.id));
    const unitIds = held.flatMap((h) => (h.mailbox.unitId ? [h.mailbox.unitId] : []));
    const units = unitIds.length ? await Unit.findAll({ where: { id: unitIds }, attributes: ["id", "name"] }) : [];
    const unitNames = new Map(units.map((u) => [u.id, u.name]));
    const body: MailboxListBody = {
      items: held.map(({ mailbox, access }) =>
        presentMailbox(mailbox, {
          name: mailbox.unitId ? (unitNames.get(mailbox.unitId) ?? mailbox.address) : actor.user.displayName,
          access,
          folders: folders.filter((f) => f.mailboxId === mailbox.id),
          counts,
        }),
      ),
    };
    ctx.body = body;
  });

  router.post("/mailboxes/:mailboxId/folders", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.use(actor), "use mail");
    const { params, body } = parseRequest(ctx, FolderCreateSchema);
    const folder = await ctx.services.sequelize.transaction(async (t) => {
      await openMailboxOr404(actor, params.mailboxId, t);
      const made = await createFolder(params.mailboxId, body.name, t);
      await ctx.audit(
        {
          action: "mail.folder.create",
          outcome: "success",
          targetType: "mail_folder",
          targetId: made.id,
          detail: { mailboxId: params.mailboxId, name: made.name },
        },
        t,
      );
      return made;
    });
    ctx.status = 201;
    ctx.body = presentFolder(folder, undefined) satisfies MailFolderBody;
  });

  router.patch("/mailboxes/:mailboxId/folders/:folderId", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.use(actor), "use mail");
    const { params, body } = parseRequest(ctx, FolderRenameSchema);
    const folder = await ctx.services.sequelize.transaction(async (t) => {
      await openMailboxOr404(actor, params.mailboxId, t);
      const found = await findFolderOr404(params.mailboxId, params.folderId, t);
      const before = found.name;
      await renameFolder(found, body.name, t);
      await ctx.audit(
        {
          action: "mail.folder.rename",
          outcome: "success",
          targetType: "mail_folder",
          targetId: found.id,
          detail: { mailboxId: params.mailboxId, before, name: found.name },
        },
        t,
      );
      return found;
    });
    const { counts } = await foldersWithCounts([params.mailboxId]);
    ctx.body = presentFolder(folder, counts.get(folder.id)) satisfies MailFolderBody;
  });

  router.delete("/mailboxes/:mailboxId/folders/:folderId", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.use(actor), "use mail");
    const { params } = parseRequest(ctx, FolderParamSchema);
    const result = await ctx.services.sequelize.transaction(async (t) => {
      await openMailboxOr404(actor, params.mailboxId, t);
      const found = await findFolderOr404(params.mailboxId, params.folderId, t);
      const { moved } = await deleteFolder(found, t);
      await ctx.audit(
        {
          action: "mail.folder.delete",
          outcome: "success",
          targetType: "mail_folder",
          targetId: found.id,
          detail: { mailboxId: params.mailboxId, name: found.name, moved },
        },
        t,
      );
      return { moved };
    });
    void ctx.services.searchOutbox.kick();
    ctx.body = result satisfies FolderDeleteResultBody;
  });

  router.get("/mailboxes/:mailboxId/folders/:folderId/messages", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.use(actor), "use mail");
    const { params, query } = parseRequest(ctx, MessageListSchema);
    await openMailboxOr404(actor, params.mailboxId);
    const folder = await findFolderOr404(params.mailboxId, params.folderId);
    const { rows, total } = await listFolderMessages(folder.id, query);
    const body: MessagePageBody = {
      items: rows.map(presentMessageSummary),
      total,
      page: query.page,
      pageSize: query.pageSize,
    };
    ctx.body = body;
  });

  router.get("/mailboxes/:mailboxId/search", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.use(actor), "use mail");
    const { params, query } = parseRequest(ctx, MailSearchSchema);
    await openMailboxOr404(actor, params.mailboxId);
    if (query.folderId) await findFolderOr404(params.mailboxId, query.folderId);
    const result = await searchMailbox(ctx.services.search, params.mailboxId, query, SUMMARY_ATTRIBUTES);
    const body: MailSearchBody = {
      items: result.items.map(presentHit),
      total: result.total,
      page: query.page,
      pageSize: query.pageSize,
    };
    ctx.body = body;
  });

  // The reader's own marks: not audited (see above).
  router.post("/mailboxes/:mailboxId/messages/flags", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.use(actor), "use mail");
    const { params, body } = parseRequest(ctx, FlagsSchema);
    const changed = await ctx.services.sequelize.transaction(async (t) => {
      await openMailboxOr404(actor, params.mailboxId, t);
      await findMessagesOr404(params.mailboxId, body.ids, t);
      return setFlags(params.mailboxId, body.ids, body, t);
    });
    ctx.body = { changed } satisfies FlagsResultBody;
  });

  router.post("/mailboxes/:mailboxId/messages/move", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.use(actor), "use mail");
    const { params, body } = parseRequest(ctx, MoveSchema);
    const moved = await ctx.services.sequelize.transaction(async (t) => {
      await openMailboxOr404(actor, params.mailboxId, t);
      await lockMailboxes([params.mailboxId], t);
      const target = await findFolderOr404(params.mailboxId, body.folderId, t);
      const messages = await findMessagesOr404(params.mailboxId, body.ids, t);
      const ids = await moveMessages(messages, target, t);
      await ctx.audit(
        {
          action: "mail.message.move",
          outcome: "success",
          targetType: "mail_folder",
          targetId: target.id,
          detail: { mailboxId: params.mailboxId, folder: target.name, count: ids.length, ids },
        },
        t,
      );
      return ids;
    });
    void ctx.services.searchOutbox.kick();
    ctx.body = { moved } satisfies MoveResultBody;
  });

  router.post("/mailboxes/:mailboxId/messages/delete", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.use(actor), "use mail");
    const { params, body } = parseRequest(ctx, DeleteSchema);
    const result = await ctx.services.sequelize.transaction(async (t) => {
      await openMailboxOr404(actor, params.mailboxId, t);
      await lockMailboxes([params.mailboxId], t);
      const messages = await findMessagesOr404(params.mailboxId, body.ids, t);
      const deletion = await deleteMessages(params.mailboxId, messages, t);
      await ctx.audit(
        {
          action: "mail.message.delete",
          outcome: "success",
          targetType: "mailbox",
          targetId: params.mailboxId,
          detail: {
            trashed: deletion.trashed.length,
            removed: deletion.removed.length,
            freedBytes: deletion.freedBytes,
            ids: [...deletion.trashed, ...deletion.removed],
          },
        },
        t,
      );
      const mailbox = await Mailbox.findByPk(params.mailboxId, { transaction: t });
      if (!mailbox) throw notFound("Mailbox");
      return { ...deletion, quota: { usedBytes: mailbox.usedBytes, quotaBytes: mailbox.quotaBytes } };
    });
    void ctx.services.searchOutbox.kick();
    ctx.body = result satisfies DeleteResultBody;
  });

  return router;
}
