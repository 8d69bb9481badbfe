import type { Actor } from "../../core/actor.js";
import type { Unit } from "../models/index.js";

type Place = Pick<Unit, "path"> | undefined;

/** Who may do what with user accounts. */
export const userPolicy = {
  list: (actor: Actor) => actor.can("org.user.read"),
  read: (actor: Actor, unit: Place) => actor.can("org.user.read", unit),
  create: (actor: Actor, unit: Place) => actor.can("org.user.manage", unit),
  update: (actor: Actor, unit: Place) => actor.can("org.user.manage", unit),
  import: (actor: Actor) => actor.can("org.user.import"),
  assignRoles: (actor: Actor) => actor.can("security.role.assign"),
  searchDirectory: (actor: Actor) => actor.can("org.directory.read") || actor.can("org.user.read"),
};
