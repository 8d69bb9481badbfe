import type { Notification } from "../models/index.js";

/**
 * What the client gets of a notification: the kind and params it renders the
 * message from (in the reader's language), where it leads, and whether it was read.
 */
export function presentNotification(n: Notification) {
  return {
    id: n.id,
    kind: n.kind,
    params: JSON.parse(n.params) as Record<string, unknown>,
    link: n.link,
    actorId: n.actorId,
    readAt: n.readAt,
    createdAt: n.createdAt,
  };
}
