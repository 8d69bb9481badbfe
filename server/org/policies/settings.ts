import type { Actor } from "../../core/actor.js";

export const settingsPolicy = {
  system: (actor: Actor) => actor.can("settings.manage"),
  security: (actor: Actor) => actor.can("security.policy.manage"),
};
