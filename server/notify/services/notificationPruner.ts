/**
 * Keeps the notifications table to what people may still look at: read
 * notifications go 180 days after they were read, unread ones after two years.
 * Run hourly by the job queue (server.ts), once across all instances.
 */
import { Op, type WhereOptions } from "sequelize";
import type { JobHandler } from "../../jobs/services/runner.js";
import { Notification } from "../models/index.js";

export const NOTIFY_PRUNE_JOB = "notify.prune";
/** How often the prune runs: hourly, so each run deletes about an hour's worth. */
export const NOTIFY_PRUNE_EVERY_SECONDS = 3600;

const DAY_MS = 24 * 3600_000;
export const READ_KEPT_DAYS = 180;
export const UNREAD_KEPT_DAYS = 730;
/** Rows per DELETE: each is a short statement of its own, so the bell's reads and new notifications never wait long. */
const BATCH = 1_000;

/**
 * Deletes by primary key in batches of ids found through the retention index
 * ((readAt, createdAt), migration 0015), not with one DELETE over the whole
 * range: `DELETE … LIMIT` is not portable to SQLite, and one huge delete would
 * hold its locks (and grow MariaDB's undo log) for as long as it runs.
 */
async function deleteInBatches(where: WhereOptions<Notification>, batch: number, signal?: AbortSignal) {
  let deleted = 0;
  for (;;) {
    signal?.throwIfAborted();
    const ids = (await Notification.findAll({ attributes: ["id"], where, limit: batch, raw: true })).map((r) => r.id);
    if (ids.length === 0) return deleted;
    deleted += await Notification.destroy({ where: { id: ids } });
    if (ids.length < batch) return deleted;
  }
}

/**
 * Removes expired notifications as of `now`. A notification read 180 days ago
 * is at least that old; one read only recently stays 180 days from its reading,
 * so the read tab never loses what was looked at last week.
 */
export async function pruneNotifications(
  options: { now?: Date; batchSize?: number; signal?: AbortSignal } = {},
): Promise<{ read: number; unread: number }> {
  const now = (options.now ?? new Date()).getTime();
  const batch = options.batchSize ?? BATCH;
  const read = await deleteInBatches(
    { readAt: { [Op.lt]: new Date(now - READ_KEPT_DAYS * DAY_MS) } },
    batch,
    options.signal,
  );
  const unread = await deleteInBatches(
    { readAt: null, createdAt: { [Op.lt]: new Date(now - UNREAD_KEPT_DAYS * DAY_MS) } },
    batch,
    options.signal,
  );
  return { read, unread };
}

/** The job that runs the prune (registered in server.ts's jobHandlers). */
export function notificationPruneJob(): JobHandler {
  return {
    leaseMs: 300_000,
    run: async (_payload, { signal, logger }) => {
      const removed = await pruneNotifications({ signal });
      if (removed.read + removed.unread > 0) logger.info(removed, "expired notifications removed");
    },
  };
}
