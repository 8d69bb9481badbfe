import type { Actor } from "../../core/actor.js";

/**
 * Notifications belong to their recipient alone. Everyone signed in has a
 * notification centre (it holds only what was sent to them); nobody, the three
 * administrators included, reads or marks another person's. Routes answer 404
 * for another person's notification, so ids reveal nothing about who has which.
 */
export const notificationPolicy = {
  own: (actor: Actor, notification: { userId: number }) => notification.userId === actor.id,
};
