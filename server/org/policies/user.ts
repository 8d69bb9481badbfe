import type { Actor, Grant } from "../../core/actor.js";
import { categoryOf } from "../permissions.js";
import type { Unit } from "../models/index.js";

type Place = Pick<Unit, "path"> | undefined;

/** The account a management action is aimed at: who it is, where it sits, what it holds. */
export interface TargetAccount {
  id: number;
  unit: Place;
  grants: readonly Grant[];
}

/**
 * True when `target` is out of reach of the ordinary user routes for `actor`
 * (edit, move, disable, reset password). The rule:
 *  - a holder of a 三员 role is always out of reach, whoever asks and even for
 *    themselves: otherwise one administrator could take over another's account
 *    (reset secadmin's password and sign in as secadmin). Only someone with access
 *    to the server itself can reset them (`npm run admin:reset-password`);
 *  - so is anyone holding more power than the caller: an administrator-category
 *    permission (system, security or audit) that the caller does not hold in the
 *    same scope or a wider one. A grant that applies everywhere needs the caller to
 *    hold the permission everywhere; a grant limited to a unit needs the caller to
 *    hold it for that unit (or a unit above it).
 * Business permissions (the directory, the four modules) are the use of the
 * system, not power over other accounts, and do not count.
 */
export function isProtectedAccount(actor: Actor, target: readonly Grant[]): boolean {
  if (target.some((g) => g.adminKind !== null)) return true;
  return target.some((g) =>
    [...g.permissions].some((code) => {
      if (categoryOf(code) === "business") return false;
      return g.unit ? !actor.can(code, g.unit) : actor.scopeOf(code) !== "all";
    }),
  );
}

/** Who may do what with user accounts. */
export const userPolicy = {
  // The security administrator must find people to give them roles, so may list them (read only).
  list: (actor: Actor) => actor.can("org.user.read") || actor.can("security.role.assign"),
  read: (actor: Actor, unit: Place) => actor.can("org.user.read", unit) || actor.can("security.role.assign"),
  /** "all" or the unit paths whose users the actor may list. */
  listScope: (actor: Actor): "all" | string[] =>
    actor.can("security.role.assign") ? "all" : actor.scopeOf("org.user.read"),
  create: (actor: Actor, unit: Place) => actor.can("org.user.manage", unit),
  /** May manage accounts in this unit at all (also checked for the unit a user is moved into). */
  update: (actor: Actor, unit: Place) => actor.can("org.user.manage", unit),
  /** May edit or move this account. */
  updateAccount: (actor: Actor, target: TargetAccount) =>
    actor.can("org.user.manage", target.unit) && !isProtectedAccount(actor, target.grants),
  /** May disable or enable this account; never one's own. */
  disable: (actor: Actor, target: TargetAccount) => target.id !== actor.id && userPolicy.updateAccount(actor, target),
  /** May issue a new initial password; never one's own (that is the change-password form). */
  resetPassword: (actor: Actor, target: TargetAccount) =>
    target.id !== actor.id && userPolicy.updateAccount(actor, target),
  import: (actor: Actor) => actor.can("org.user.import"),
  assignRoles: (actor: Actor) => actor.can("security.role.assign"),
  searchDirectory: (actor: Actor) => actor.can("org.directory.read") || actor.can("org.user.read"),
};
