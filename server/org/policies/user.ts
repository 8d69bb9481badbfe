import type { Actor } from "../../core/actor.js";
import type { Unit } from "../models/index.js";

type Place = Pick<Unit, "path"> | undefined;

/** Who may do what with user accounts. */
export const userPolicy = {
  // The security administrator must find people to give them roles, so may list them (read only).
  list: (actor: Actor) => actor.can("org.user.read") || actor.can("security.role.assign"),
  read: (actor: Actor, unit: Place) => actor.can("org.user.read", unit) || actor.can("security.role.assign"),
  /** "all" or the unit paths whose users the actor may list. */
  listScope: (actor: Actor): "all" | string[] =>
    actor.can("security.role.assign") ? "all" : actor.scopeOf("org.user.read"),
  create: (actor: Actor, unit: Place) => actor.can("org.user.manage", unit),
  update: (actor: Actor, unit: Place) => actor.can("org.user.manage", unit),
  import: (actor: Actor) => actor.can("org.user.import"),
  assignRoles: (actor: Actor) => actor.can("security.role.assign"),
  searchDirectory: (actor: Actor) => actor.can("org.directory.read") || actor.can("org.user.read"),
};
