/**
 * A person's notifications: the list, the unread figures the bell polls, and
 * marking as read. Every question names the user, so each is a range of one
 * index of migration 0015, however many rows the table holds.
 */
import { Op, QueryTypes, type Transaction, type WhereOptions } from "sequelize";
import { notFound } from "../../core/errors.js";
import { Notification } from "../models/index.js";

export interface NotificationPage {
  rows: Notification[];
  total: number;
}

/** One page of a user's notifications, newest first; only unread ones when asked. */
export async function listNotifications(
  userId: number,
  query: { unread: boolean; page: number; pageSize: number },
): Promise<NotificationPage> {
  const where: WhereOptions<Notification> = query.unread ? { userId, readAt: null } : { userId };
  const [rows, total] = await Promise.all([
    Notification.findAll({
      where,
      order: [["id", "DESC"]],
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
    }),
    Notification.count({ where }),
  ]);
  return { rows, total };
}

export interface UnreadSummary {
  unreadCount: number;
  /** The newest unread notification's id (null when none): the client sees that something new came. */
  latestId: number | null;
}

/** How many unread notifications a user has, and the newest one's id: one index range (userId, readAt IS NULL). */
export async function unreadSummary(userId: number): Promise<UnreadSummary> {
  const sequelize = Notification.sequelize;
  if (!sequelize) throw new Error("models are not initialised");
  const [row] = await sequelize.query<{ n: number | string; latest: number | string | null }>(
    "SELECT COUNT(*) AS n, MAX(id) AS latest FROM notifications WHERE userId = ? AND readAt IS NULL",
    { replacements: [userId], type: QueryTypes.SELECT },
  );
  // mysql2 answers COUNT(*) as a string (BIGINT).
  return { unreadCount: Number(row?.n ?? 0), latestId: row?.latest == null ? null : Number(row.latest) };
}

/** The notification, or 404. Whose it is, is the policy's question. */
export async function findNotificationOr404(id: number, transaction?: Transaction): Promise<Notification> {
  const found = await Notification.findByPk(id, { transaction });
  if (!found) throw notFound("Notification");
  return found;
}

/** Marks one notification read (again is harmless: the first time stays). */
export async function markRead(notification: Notification, transaction: Transaction): Promise<Notification> {
  if (notification.readAt) return notification;
  return notification.update({ readAt: new Date() }, { transaction });
}

/**
 * Marks a user's unread notifications read, up to `upToId` when given: what
 * arrived after the person looked at the list stays unread until they see it.
 * Answers how many changed.
 */
export async function markAllRead(
  userId: number,
  upToId: number | undefined,
  transaction: Transaction,
): Promise<number> {
  const [changed] = await Notification.update(
    { readAt: new Date() },
    {
      where: { userId, readAt: null, ...(upToId === undefined ? {} : { id: { [Op.lte]: upToId } }) },
      transaction,
    },
  );
  return changed;
}
