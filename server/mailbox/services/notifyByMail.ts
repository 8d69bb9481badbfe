import MailComposer from "nodemailer/lib/mail-composer/index.js";
import type { Sequelize, Transaction } from "sequelize";
import { z } from "zod";
import type { BlobStore } from "../../core/blobStore.js";
import { enqueueJob } from "../../jobs/services/queue.js";
import type { JobHandler } from "../../jobs/services/runner.js";
import { Notification, NotificationChannelSetting } from "../../notify/models/index.js";
import type { NotificationChannel } from "../../notify/services/notifier.js";
import { Unit, User } from "../../org/models/index.js";
import { PUBLIC_UNIT_KIND } from "../../org/models/unit.js";
import { personalMailbox } from "./addresses.js";
import { storeMessage } from "./delivery.js";
import { sendStored } from "./sending.js";

/**
 * The e-mail channel of the notification service: notifications also go to
 * the personal mailbox of each recipient who turned the channel on in the
 * notification centre (off by default: an approval notifies its next person,
 * and most people read those in the centre already). Queued as a job in the notifying transaction (so nothing is sent for a
 * change that rolled back, and nothing lost if the instance stops after the
 * commit), written in Chinese from the same messages the notification centre
 * shows, with a link back into the application.
 */

export const MAIL_CHANNEL = "email";
export const NOTIFY_MAIL_JOB = "mail.notify";

/** Which of `userIds` get notifications by e-mail (those who turned it on). */
export async function mailChannelUsers(userIds: readonly number[], transaction?: Transaction): Promise<Set<number>> {
  if (!userIds.length) return new Set();
  const settings = await NotificationChannelSetting.findAll({
    where: { userId: [...new Set(userIds)], channel: MAIL_CHANNEL, enabled: true },
    attributes: ["userId"],
    transaction,
  });
  return new Set(settings.map((s) => s.userId));
}

export function mailNotificationChannel(onError: (error: unknown) => void): NotificationChannel {
  return {
    name: MAIL_CHANNEL,
    async withinTransaction(notifications, transaction) {
      const wanted = await mailChannelUsers(
        notifications.map((n) => n.userId),
        transaction,
      );
      const ids = notifications.filter((n) => wanted.has(n.userId)).map((n) => n.id);
      if (ids.length) await enqueueJob(NOTIFY_MAIL_JOB, { ids }, { transaction });
    },
    onError,
  };
}

type Messages = Record<string, string>;
let kindsText: Promise<Messages> | null = null;

/**
 * The notification centre's own Chinese messages (client/src/locales/zh-CN/notify.ts), loaded by a
 * computed path: the server's tsc must not follow client imports.
 */
function messages(): Promise<Messages> {
  kindsText ??= import(/* @vite-ignore */ `../../../client/src/locales/${"zh-CN"}/notify.ts`).then(
    (module: { default: { notify: { kinds: Messages } } }) => module.default.notify.kinds,
  );
  return kindsText;
}

const shanghai = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai",
  dateStyle: "medium",
  timeStyle: "short",
});

/** A notification's text: its kind's message with the values filled in (moments in Beijing time). */
export async function notificationText(kind: string, params: Record<string, unknown>): Promise<string> {
  const template = (await messages())[kind.replaceAll(".", "_")] ?? kind;
  return template.replace(/\{(\w+)\}/g, (_all, key: string) => {
    const value = params[key];
    if (value === undefined || value === null) return "";
    if (typeof value === "string" && /^\d{4}-\d\d-\d\dT/.test(value)) return shanghai.format(new Date(value));
    return String(value);
  });
}

/**
 * Where a person's notification mail goes: their personal mailbox (none when
 * it is full), or, for a public patron of the library, who has no mailbox
 * here, the e-mail address they registered with (through the outbound queue).
 */
async function notificationAddressOf(
  user: Pick<User, "id" | "username" | "email" | "unitId">,
  defaults: { domain: string; quotaBytes: number },
): Promise<string | null> {
  const unit = await Unit.findByPk(user.unitId, { attributes: ["kind"] });
  if (unit?.kind === PUBLIC_UNIT_KIND) return user.email;
  const mailbox = await personalMailbox(user, defaults);
  return mailbox.usedBytes >= mailbox.quotaBytes ? null : mailbox.address;
}

const PayloadSchema = z.object({ ids: z.array(z.number().int().positive()).min(1).max(10_000) });

/** The job that writes the e-mails of one `notify` call. */
export function notifyByMailJob(deps: {
  sequelize: Sequelize;
  blobs: BlobStore;
  defaults: { domain: string; quotaBytes: number };
  publicUrl: string | undefined;
}): JobHandler {
  return {
    concurrency: 2,
    async run(payload) {
      const { ids } = PayloadSchema.parse(payload);
      const notifications = await Notification.findAll({ where: { id: ids }, order: [["id", "ASC"]] });
      // Asked again now: someone who turned it off since is not written to.
      const wanted = await mailChannelUsers(notifications.map((n) => n.userId));
      for (const notification of notifications) {
        if (!wanted.has(notification.userId)) continue;
        const user = await User.findByPk(notification.userId, {
          attributes: ["id", "username", "disabled", "email", "unitId"],
        });
        if (!user || user.disabled) continue;
        const address = await notificationAddressOf(user, deps.defaults);
        if (!address) continue;
        const text = await notificationText(
          notification.kind,
          JSON.parse(notification.params) as Record<string, unknown>,
        );
        const link = notification.link && deps.publicUrl ? new URL(notification.link, deps.publicUrl).toString() : null;
        const body = [
          text,
          "",
          link ? `查看：${link}` : "请登录邕政通，在通知中心查看。",
          "",
          "——",
          "这是邕政通发出的通知邮件，请勿回复。不想再收到通知邮件，可在通知中心关闭“同时发送到我的邮箱”。",
        ].join("\n");
        const noreply = `noreply@${deps.defaults.domain}`;
        const composer = new MailComposer({
          from: { name: "邕政通", address: noreply },
          to: address,
          subject: text.length > 120 ? `${text.slice(0, 119)}…` : text,
          text: body,
          // The same notification is one message however often the job runs: its Message-ID names it.
          messageId: `<notification-${notification.id}@${deps.defaults.domain}>`,
          date: notification.createdAt,
          headers: { "Auto-Submitted": "auto-generated", "X-Yong-Notification": notification.kind },
        });
        const stored = await storeMessage(deps.blobs, composer.compile().createReadStream(), 1024 * 1024);
        await sendStored(
          deps.sequelize,
          {
            from: null,
            envelopeFrom: noreply,
            recipients: [address],
            message: { ...stored, trace: null, receivedAt: new Date() },
            keepCopy: false,
          },
          deps.defaults,
        );
      }
    },
  };
}
