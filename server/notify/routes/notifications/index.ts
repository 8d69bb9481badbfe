import Router from "@koa/router";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { notFound } from "../../../core/errors.js";
import { actorOf } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { notificationPolicy } from "../../policies/notification.js";
import { presentNotification } from "../../presenters/notification.js";
import {
  findNotificationOr404,
  listNotifications,
  markAllRead,
  markRead,
  unreadSummary,
} from "../../services/notifications.js";
import { NotificationChannelSetting } from "../../models/index.js";
import {
  CHANNELS,
  ChannelUpdateSchema,
  NotificationIdSchema,
  NotificationListSchema,
  NotificationReadAllSchema,
} from "./schema.js";

/**
 * The signed-in person's notification centre. Every route acts on the caller's
 * own notifications only (self-service: no permission needed, nothing of anyone else's).
 *
 * Marking as read is not written to the audit log. It is the reader's own view
 * state, like a mail client's unread flag: it changes no business data and
 * nothing any other person sees or relies on (an OA document's 已阅 is the OA's
 * own read task, audited there). Auditing it would put the most frequent click
 * of the application on the hash chain's single head row. The three
 * administrators' requests are still recorded by app.ts (admin.request), as
 * everything they do is.
 */
export function notificationsRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api", sensitive: true, strict: true });

  router.get("/notifications", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    const { query } = parseRequest(ctx, NotificationListSchema);
    const [{ rows, total }, summary] = await Promise.all([listNotifications(actor.id, query), unreadSummary(actor.id)]);
    ctx.body = {
      items: rows.map(presentNotification),
      total,
      page: query.page,
      pageSize: query.pageSize,
      ...summary,
    };
  });

  // Polled by every open tab (once a minute and on each page change): one index range, no transaction.
  router.get("/notifications/unread-count", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    ctx.body = await unreadSummary(actor.id);
  });

  router.post("/notifications/read-all", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    const { body } = parseRequest(ctx, NotificationReadAllSchema);
    const marked = await ctx.services.sequelize.transaction((t) => markAllRead(actor.id, body.upToId, t));
    ctx.body = { marked, ...(await unreadSummary(actor.id)) };
  });

  // Which other channels notifications also reach the caller by (e-mail to their personal mailbox); off by default.
  router.get("/notifications/channels", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    const settings = await NotificationChannelSetting.findAll({ where: { userId: actor.id } });
    const enabled = new Map(settings.map((s) => [s.channel, s.enabled]));
    ctx.body = { items: CHANNELS.map((channel) => ({ channel, enabled: enabled.get(channel) ?? false })) };
  });

  router.patch("/notifications/channels/:channel", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    const { params, body } = parseRequest(ctx, ChannelUpdateSchema);
    await ctx.services.sequelize.transaction(async (t) => {
      const [setting] = await NotificationChannelSetting.findOrCreate({
        where: { userId: actor.id, channel: params.channel },
        defaults: { userId: actor.id, channel: params.channel, enabled: body.enabled },
        transaction: t,
      });
      if (setting.enabled !== body.enabled) await setting.update({ enabled: body.enabled }, { transaction: t });
    });
    ctx.body = { channel: params.channel, enabled: body.enabled };
  });

  router.post("/notifications/:id/read", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    const { params } = parseRequest(ctx, NotificationIdSchema);
    const notification = await ctx.services.sequelize.transaction(async (t) => {
      const found = await findNotificationOr404(params.id, t);
      // Another person's notification is "not found": an id tells nothing about whose it is.
      if (!notificationPolicy.own(actor, found)) throw notFound("Notification");
      return markRead(found, t);
    });
    ctx.body = { item: presentNotification(notification), ...(await unreadSummary(actor.id)) };
  });

  return router;
}
