/**
 * The one notification service every module calls (DESIGN.md, "Shared
 * services: Notifications"). In-app delivery is built in: a row per recipient,
 * inserted in the caller's transaction, so a notification exists exactly when
 * the change that caused it commits. Other channels (e-mail, once the mailbox
 * exists) register here and are handed the same notifications, so callers never
 * change when a channel is added.
 */
import type { Transaction } from "sequelize";
import { z } from "zod";
import {
  NOTIFICATION_KINDS,
  isNotificationKind,
  type NotificationKind,
  type NotificationMessage,
  type NotificationParamsInput,
} from "../kinds.js";
import { insertRows } from "../../core/rows.js";
import { Notification } from "../models/index.js";

export interface NotifyProps<K extends NotificationKind> {
  /** User ids; duplicates are sent once, and the actor is left out. */
  recipients: readonly number[];
  kind: K;
  /** The values the kind's message needs (kinds.ts); never secrets: every recipient's client receives them. */
  params: NotificationParamsInput<K>;
  /** Where clicking the notification leads: a path inside the SPA ("/oa/documents/12"), or null. */
  link: string | null;
  /** Who caused it; they are not told about their own action. */
  actorId?: number | null;
}

/** A notification as written (and, once the transaction commits, committed): what channels receive. */
export type SentNotification = NotificationMessage & {
  id: number;
  userId: number;
  link: string | null;
  actorId: number | null;
  createdAt: Date;
};

/**
 * A way of reaching people besides the notification centre. Both hooks get
 * the notifications of one `notify` call.
 */
export interface NotificationChannel {
  readonly name: string;
  /**
   * In the caller's transaction, before it commits: for work that must commit
   * or roll back with the change, such as queueing a mail job (a crash right
   * after the commit would lose anything done only in `deliver`). A failure
   * here rolls the change back, as any other error in the transaction does.
   */
  withinTransaction?(notifications: readonly SentNotification[], transaction: Transaction): Promise<void>;
  /** After the transaction commits; never when it rolls back. */
  deliver?(notifications: readonly SentNotification[]): Promise<void>;
  /** A failed `deliver`: the change has committed by then, so it is reported here instead of thrown. */
  onError(error: unknown, notifications: readonly SentNotification[]): void;
}

const channels: NotificationChannel[] = [];

/** Adds a channel for every later `notify`; returns the function that removes it again. */
export function registerNotificationChannel(channel: NotificationChannel): () => void {
  if (channels.some((c) => c.name === channel.name)) throw new Error(`notification channel ${channel.name} exists`);
  channels.push(channel);
  return () => {
    const at = channels.indexOf(channel);
    if (at >= 0) channels.splice(at, 1);
  };
}

/** The channels besides the built-in in-app one, by name. */
export function notificationChannels(): string[] {
  return channels.map((c) => c.name);
}

/** A path inside the SPA: one leading slash (not a protocol-relative "//host"), no backslash, no control character. */
const SpaLink = z
  .string()
  .max(255)
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  .regex(/^\/(?![/\\])[^\\\u0000-\u001F\u007F]*$/, "must be a path inside the application");

/** The recipients once each, without the actor, as positive integers. */
function recipientsOf(recipients: readonly number[], actorId: number | null): number[] {
  const unique = new Set<number>();
  for (const id of recipients) {
    if (!Number.isSafeInteger(id) || id <= 0) throw new Error(`notify: recipient ${String(id)} is not a user id`);
    if (id !== actorId) unique.add(id);
  }
  return [...unique];
}

/**
 * Tells `recipients` about something that happened, in the caller's
 * transaction: the notifications commit or roll back with the change. The kind
 * and its params are checked against the catalogue (a wrong kind, a missing
 * value or an unknown key throws: a caller's mistake, found by its tests).
 * Registered channels run their `withinTransaction` now and `deliver` after commit.
 * Answers the notifications written (none when the actor was the only recipient).
 */
export async function notify<K extends NotificationKind>(
  props: NotifyProps<K>,
  transaction: Transaction,
): Promise<SentNotification[]> {
  const { kind } = props;
  if (!isNotificationKind(kind)) throw new Error(`notify: unknown kind ${String(kind)}`);
  const parsed = NOTIFICATION_KINDS[kind].safeParse(props.params);
  if (!parsed.success) throw new Error(`notify: params of ${kind}: ${z.prettifyError(parsed.error)}`);
  const link = props.link === null ? null : SpaLink.safeParse(props.link);
  if (link && !link.success)
    throw new Error(`notify: link ${JSON.stringify(props.link)} is not a path of the application`);
  const actorId = props.actorId ?? null;
  const userIds = recipientsOf(props.recipients, actorId);
  if (userIds.length === 0) return [];

  const createdAt = new Date();
  const paramsJson = JSON.stringify(parsed.data);
  // One plain INSERT (core/rows.ts): every approval notifies, and the values were checked above.
  const rows = await insertRows(
    Notification,
    userIds.map((userId) => ({
      userId,
      kind,
      params: paramsJson,
      link: link?.data ?? null,
      actorId,
      readAt: null,
      createdAt,
    })),
    transaction,
  );
  // The kind and its params were checked together above; TypeScript cannot follow that pairing through a generic.
  const message = { kind, params: parsed.data } as NotificationMessage;
  const sent: SentNotification[] = rows.map((row) => ({
    ...message,
    id: row.id,
    userId: row.userId,
    link: row.link,
    actorId,
    createdAt,
  }));

  // The channels as they are now: one registered while the transaction runs starts with the next notify.
  const current = [...channels];
  for (const channel of current) await channel.withinTransaction?.(sent, transaction);
  const deliverers = current.filter((c) => c.deliver);
  if (deliverers.length) {
    transaction.afterCommit(() => {
      for (const channel of deliverers) {
        Promise.resolve()
          .then(() => channel.deliver?.(sent))
          .catch((error: unknown) => channel.onError(error, sent));
      }
    });
  }
  return sent;
}
