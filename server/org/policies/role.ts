import type { Actor } from "../../core/actor.js";

/** Roles and permissions belong to the security administrator. */
export const rolePolicy = {
  list: (actor: Actor) => actor.can("security.role.manage") || actor.can("security.role.assign"),
  manage: (actor: Actor) => actor.can("security.role.manage"),
  assign: (actor: Actor) => actor.can("security.role.assign"),
};
