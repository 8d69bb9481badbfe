import type { Actor } from "../../core/actor.js";

export const settingsPolicy = {
  system: (actor: Actor) => actor.can("settings.manage"),
  security: (actor: Actor) => actor.can("security.policy.manage"),
  // Choosing the roles of every future account is assigning roles in advance.
  defaultRoles: (actor: Actor) => actor.can("security.role.assign"),
};
