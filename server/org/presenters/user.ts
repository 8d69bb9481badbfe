import type { Actor, Grant } from "../../core/actor.js";
import type { Department, Position, Unit } from "../models/index.js";
import { userPolicy } from "../policies/user.js";
import type { ListedUser } from "../services/users.js";

/** A user instance or a list row (plain data): what the presenters read. */
export type PresentedUser = Omit<ListedUser, "unit" | "department" | "position"> & {
  unit?: Unit;
  department?: Department | null;
  position?: Position | null;
};

const ref = (x: { id: number; name: string } | null | undefined) => (x ? { id: x.id, name: x.name } : null);

export function presentGrant(g: Grant) {
  return {
    assignmentId: g.assignmentId,
    roleId: g.roleId,
    code: g.roleCode,
    name: g.roleName,
    adminKind: g.adminKind,
    unit: g.unit ? { id: g.unit.id, name: g.unit.name } : null,
  };
}

/** The fields of a user that leave the server; secrets and hashes never do. */
export function presentUser(user: PresentedUser, grants: readonly Grant[], viewer: Actor) {
  const unit = user.unit;
  const target = { id: user.id, unit, grants };
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    email: user.email,
    phone: user.phone,
    unit: ref(unit) ?? { id: user.unitId, name: "" },
    department: ref(user.department),
    position: ref(user.position),
    disabled: user.disabled,
    locked: Boolean(user.lockedUntil && user.lockedUntil.getTime() > Date.now()),
    mustChangePassword: user.mustChangePassword,
    totpEnabled: user.totpEnabled,
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    /** The sign-in before the latest: what "上次登录" means to the person who just signed in. */
    previousLoginAt: user.previousLoginAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
    roles: grants.map(presentGrant),
    abilities: {
      update: userPolicy.updateAccount(viewer, target),
      disable: userPolicy.disable(viewer, target),
      resetPassword: userPolicy.resetPassword(viewer, target),
      assignRoles: userPolicy.assignRoles(viewer),
    },
  };
}

export type UserPresentation = ReturnType<typeof presentUser>;

/** A colleague in the staff directory: how to reach them, never the username or account state. */
export function presentDirectoryEntry(user: PresentedUser) {
  return {
    id: user.id,
    displayName: user.displayName,
    unit: ref(user.unit),
    department: ref(user.department),
    position: ref(user.position),
    phone: user.phone,
    email: user.email,
  };
}
