import type { Actor } from "../../core/actor.js";

/** Only the audit administrator reads the log; the system administrator never does. */
export const auditPolicy = {
  read: (actor: Actor) => actor.can("audit.read"),
  export: (actor: Actor) => actor.can("audit.export"),
};
