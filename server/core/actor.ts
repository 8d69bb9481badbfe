import type { Transaction } from "sequelize";
import { RoleAssignment, Role, RolePermission, Unit, type User } from "../org/models/index.js";
import { isPermissionCode, type AdminKind, type PermissionCode } from "../org/permissions.js";

export interface Grant {
  assignmentId: number;
  roleId: number;
  roleCode: string;
  roleName: string;
  adminKind: AdminKind | null;
  permissions: ReadonlySet<PermissionCode>;
  /** The unit the assignment is limited to (with its subtree), or null for everywhere. */
  unit: { id: number; name: string; path: string } | null;
}

/** The signed-in user with the roles they hold; the single source for permission checks. */
export class Actor {
  constructor(
    readonly user: User,
    readonly grants: readonly Grant[],
  ) {}

  get id(): number {
    return this.user.id;
  }

  /** The 三员 role this user holds, if any (separation guarantees at most one). */
  get adminKind(): AdminKind | null {
    return this.grants.find((g) => g.adminKind)?.adminKind ?? null;
  }

  /**
   * True if some role grants `code` everywhere, or, when a target unit is given,
   * in a unit that contains it. Without a target any grant counts (menus, lists
   * that are then narrowed by `scopeOf`).
   */
  can(code: PermissionCode, target?: { path: string }): boolean {
    return this.grants.some(
      (g) => g.permissions.has(code) && (!g.unit || !target || target.path.startsWith(g.unit.path)),
    );
  }

  /** "all", or the unit paths under which `code` holds. */
  scopeOf(code: PermissionCode): "all" | string[] {
    const paths: string[] = [];
    for (const g of this.grants) {
      if (!g.permissions.has(code)) continue;
      if (!g.unit) return "all";
      paths.push(g.unit.path);
    }
    return paths;
  }

  permissionCodes(): PermissionCode[] {
    const codes = new Set<PermissionCode>();
    for (const g of this.grants) for (const c of g.permissions) codes.add(c);
    return [...codes].sort();
  }
}

/** The grants of several users in one query (user lists), keyed by user id. */
export async function loadGrantsByUser(userIds: number[], transaction?: Transaction): Promise<Map<number, Grant[]>> {
  const byUser = new Map<number, Grant[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return byUser;
  const assignments = await RoleAssignment.findAll({
    where: { userId: userIds },
    include: [
      { model: Role, as: "role", include: [{ model: RolePermission, as: "grants" }] },
      { model: Unit, as: "unit" },
    ],
    order: [["id", "ASC"]],
    transaction,
  });
  for (const a of assignments) {
    const role = a.role;
    if (!role) continue;
    const unit = (a as RoleAssignment & { unit?: Unit | null }).unit ?? null;
    byUser.get(a.userId)?.push({
      assignmentId: a.id,
      roleId: role.id,
      roleCode: role.code,
      roleName: role.name,
      adminKind: role.adminKind,
      permissions: new Set((role.grants ?? []).map((g) => g.permissionCode).filter(isPermissionCode)),
      unit: unit ? { id: unit.id, name: unit.name, path: unit.path } : null,
    });
  }
  return byUser;
}

export async function loadGrants(userId: number, transaction?: Transaction): Promise<Grant[]> {
  return (await loadGrantsByUser([userId], transaction)).get(userId) ?? [];
}

export async function loadActor(user: User, transaction?: Transaction): Promise<Actor> {
  return new Actor(user, await loadGrants(user.id, transaction));
}
