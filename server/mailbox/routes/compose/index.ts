import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import Router from "@koa/router";
import mimeFuncs from "nodemailer/lib/mime-funcs/index.js";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { likeSafe } from "../../../core/db.js";
import { badRequest, notFound } from "../../../core/errors.js";
import { receiveUpload } from "../../../core/multipart.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { Unit } from "../../../org/models/index.js";
import { searchUsers } from "../../../org/services/users.js";
import { MailAlias, MailList, MailUpload, Mailbox } from "../../models/index.js";
import { mailboxPolicy, type MailboxAccess } from "../../policies/mailbox.js";
import type {
  ComposeStartBody,
  DraftBody,
  RecipientBody,
  SavedDraftBody,
  SendResultBody,
} from "../../presenters/composeShapes.js";
import { findDraft, saveDraft, sendForm, startFrom } from "../../services/compose.js";
import { findMessageOr404, openMailboxOr404 } from "../../services/messages.js";
import { Op } from "sequelize";
import { ComposeFromSchema, ComposeSchema, DraftParamSchema, RecipientSearchSchema, UploadIdSchema } from "./schema.js";

/**
 * Writing mail in webmail: recipients looked up in the organisation, files
 * uploaded (multipart, streamed to disk, then into the blob store), drafts
 * saved as they are written, and sending from a mailbox the caller may send
 * as (their own, or a unit mailbox they hold send-as on). Mailboxes the caller
 * cannot open are 404; one they can read but not send as is 403.
 *
 * Drafts are not audited: they are the writer's own unfinished work, seen by
 * nobody else (a unit mailbox's drafts by its members). Sending is.
 */
export function mailComposeRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/mail", sensitive: true, strict: true });

  const MB = 1024 * 1024;
  const limits = (ctx: AppContext) => {
    const { env } = ctx.services;
    return {
      maxBytes: env.MAIL_MAX_MESSAGE_MB * MB,
      defaults: { domain: env.MAIL_DOMAINS[0]!, quotaBytes: env.MAIL_DEFAULT_QUOTA_MB * MB },
    };
  };

  /** The mailbox to write from: readable (else 404) and one the caller may send as (else 403). */
  const sendingMailbox = async (ctx: AppContext, mailboxId: number): Promise<[Mailbox, MailboxAccess]> => {
    const actor = actorOf(ctx);
    const access = await openMailboxOr404(actor, mailboxId);
    authorize(mailboxPolicy.sendAs(actor, access), "send as this mailbox");
    const mailbox = await Mailbox.findByPk(mailboxId);
    if (!mailbox) throw notFound("Mailbox");
    return [mailbox, access];
  };

  // Autocomplete of the compose form: people (by name, pinyin or username), unit mailboxes and lists.
  router.get("/recipients", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.use(actor), "use mail");
    const { query } = parseRequest(ctx, RecipientSearchSchema);
    const { defaults } = limits(ctx);
    const { rows } = await searchUsers({
      q: query.q,
      includeSubunits: true,
      status: "active",
      scope: "all",
      excludeAdministrators: true,
      matchUsername: true,
      page: 1,
      pageSize: query.limit,
    });
    const personal = rows.length
      ? await Mailbox.findAll({ where: { userId: rows.map((u) => u.id), kind: "personal" }, order: [["id", "ASC"]] })
      : [];
    const addressOf = new Map<number, string>();
    for (const m of personal) if (!addressOf.has(m.userId!)) addressOf.set(m.userId!, m.address);
    const like = `%${likeSafe(query.q)}%`;
    const [units, lists, aliases] = await Promise.all([
      Mailbox.findAll({ where: { kind: "unit", address: { [Op.like]: like } }, limit: query.limit }),
      MailList.findAll({
        where: { [Op.or]: [{ name: { [Op.like]: like } }, { address: { [Op.like]: like } }] },
        limit: query.limit,
      }),
      MailAlias.findAll({ where: { address: { [Op.like]: like } }, limit: query.limit }),
    ]);
    // Unit mailboxes by the unit's name too (教育局 finds jyj@…).
    const unitNames = await Unit.findAll({
      where: { name: { [Op.like]: like } },
      attributes: ["id", "name"],
      limit: query.limit,
    });
    const byUnitName = unitNames.length
      ? await Mailbox.findAll({ where: { kind: "unit", unitId: unitNames.map((u) => u.id) } })
      : [];
    const unitName = new Map(unitNames.map((u) => [u.id, u.name]));
    const seen = new Set<string>();
    const items = [
      ...rows.map((u) => ({
        kind: "person" as const,
        name: u.displayName,
        address: addressOf.get(u.id) ?? `${u.username.toLowerCase()}@${defaults.domain}`,
        detail: u.unit?.name ?? null,
      })),
      ...[...byUnitName, ...units].map((m) => ({
        kind: "unit" as const,
        name: (m.unitId !== null ? unitName.get(m.unitId) : null) ?? m.address,
        address: m.address,
        detail: null,
      })),
      ...lists.map((l) => ({ kind: "list" as const, name: l.name, address: l.address, detail: null })),
      ...aliases.map((a) => ({ kind: "alias" as const, name: a.address, address: a.address, detail: null })),
    ].filter((item) => !seen.has(item.address) && seen.add(item.address));
    ctx.body = { items: items.slice(0, query.limit * 2) satisfies RecipientBody[] };
  });

  // Files for a message being written: streamed to disk, then into the blob store; the caller's own until sent.
  router.post("/uploads", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.use(actor), "use mail");
    const { env, blobs } = ctx.services;
    const { maxBytes } = limits(ctx);
    const dir = join(env.DATA_DIR, "uploads", "mail", randomUUID());
    try {
      const upload = await receiveUpload(
        ctx,
        dir,
        { maxFileBytes: maxBytes, maxTotalBytes: maxBytes, maxFiles: 20 },
        (field, name) => (field === "files" ? `${randomUUID()}-${name.split("/").pop()}` : null),
      );
      if (!upload.files.length) throw badRequest("attachment_missing", "Choose at least one file to attach");
      const items = [];
      for (const file of upload.files) {
        const blob = await blobs.put(join(dir, file.path));
        const filename = file.name.split("/").pop() ?? file.name;
        const row = await MailUpload.create({
          userId: actor.id,
          sha256: blob.sha256,
          filename: filename.slice(0, 255),
          contentType: mimeFuncs.detectMimeType(filename),
          size: blob.size,
        });
        items.push({ id: row.id, filename: row.filename, contentType: row.contentType, size: row.size });
      }
      ctx.status = 201;
      ctx.body = { items };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  router.delete("/uploads/:id", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    const { params } = parseRequest(ctx, UploadIdSchema);
    // Another person's upload is not found: ids tell nothing.
    const removed = await MailUpload.destroy({ where: { id: params.id, userId: actor.id } });
    if (!removed) throw notFound("Upload");
    ctx.status = 204;
  });

  // The form a reply, reply-all or forward starts from.
  router.get("/mailboxes/:mailboxId/messages/:messageId/compose", async (ctx: AppContext) => {
    authorize(mailboxPolicy.use(actorOf(ctx)), "use mail");
    const { params, query } = parseRequest(ctx, ComposeFromSchema);
    const [mailbox] = await sendingMailbox(ctx, params.mailboxId);
    const message = await findMessageOr404(mailbox.id, params.messageId);
    ctx.body = { form: await startFrom(ctx.services.blobs, mailbox, message, query.mode) } satisfies ComposeStartBody;
  });

  router.get("/mailboxes/:mailboxId/drafts/:draftId", async (ctx: AppContext) => {
    authorize(mailboxPolicy.use(actorOf(ctx)), "use mail");
    const { params } = parseRequest(ctx, DraftParamSchema);
    const [mailbox] = await sendingMailbox(ctx, params.mailboxId);
    const found = await findDraft(mailbox.id, params.draftId);
    if (!found) throw notFound("Draft");
    const uploads = found.form.uploads.length ? await MailUpload.findAll({ where: { id: found.form.uploads } }) : [];
    ctx.body = {
      draftId: found.draft.id,
      form: found.form,
      uploads: uploads.map((u) => ({ id: u.id, filename: u.filename, contentType: u.contentType, size: u.size })),
    } satisfies DraftBody;
  });

  router.post("/mailboxes/:mailboxId/drafts", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.use(actor), "use mail");
    const { params, body } = parseRequest(ctx, ComposeSchema);
    const [mailbox] = await sendingMailbox(ctx, params.mailboxId);
    const draft = await saveDraft(
      { sequelize: ctx.services.sequelize, blobs: ctx.services.blobs, maxBytes: limits(ctx).maxBytes },
      mailbox,
      actor.id,
      body.form,
      body.draftId,
    );
    ctx.body = { draftId: draft.id, savedAt: draft.receivedAt.toISOString() } satisfies SavedDraftBody;
  });

  router.post("/mailboxes/:mailboxId/send", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(mailboxPolicy.use(actor), "use mail");
    const { params, body } = parseRequest(ctx, ComposeSchema);
    const [mailbox] = await sendingMailbox(ctx, params.mailboxId);
    const { sequelize, blobs } = ctx.services;
    const recipients = body.form.to.length + body.form.cc.length + body.form.bcc.length;
    const sent = await sendForm(
      { sequelize, blobs, ...limits(ctx) },
      mailbox,
      actor.id,
      body.form,
      body.draftId,
      (done, t) =>
        ctx.audit(
          {
            action: "mail.send",
            outcome: "success",
            targetType: "mailbox",
            targetId: mailbox.id,
            detail: { via: "webmail", queueId: done.queueId, recipients, local: done.local, remote: done.remote },
          },
          t,
        ),
    );
    ctx.body = {
      queueId: sent.queueId,
      local: sent.local,
      remote: sent.remote,
      sentId: sent.copyId,
    } satisfies SendResultBody;
  });

  return router;
}
