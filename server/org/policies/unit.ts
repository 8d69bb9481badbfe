import type { Actor } from "../../core/actor.js";
import type { Unit } from "../models/index.js";

/** Who may see and change the organisation tree. */
export const unitPolicy = {
  readTree: (actor: Actor) =>
    actor.can("org.unit.manage") ||
    actor.can("org.user.read") ||
    actor.can("org.directory.read") ||
    actor.can("security.role.assign"),
  manage: (actor: Actor, unit?: Pick<Unit, "path">) => actor.can("org.unit.manage", unit),
};
