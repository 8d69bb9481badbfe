import { QueryTypes, type Transaction } from "sequelize";
import { RoleAssignment, type User } from "../org/models/index.js";
import type { AdminKind, PermissionCode } from "../org/permissions.js";
import { AUTHZ_VERSION_COLUMN, snapshotAt, type OrgSnapshot } from "../org/services/orgSnapshot.js";

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

function database() {
  const sequelize = RoleAssignment.sequelize;
  if (!sequelize) throw new Error("models are not initialised");
  return sequelize;
}

/** One role assignment, as the queries below select it. */
export interface AssignmentRow {
  assignmentId: number;
  userId: number;
  roleId: number;
  /** The unit the assignment is limited to, or null for everywhere. */
  unitId: number | null;
}

/** SQL columns of an AssignmentRow, for `role_assignments ra`. */
export const ASSIGNMENT_COLUMNS =
  "ra.id AS assignmentId, ra.userId AS userId, ra.roleId AS roleId, ra.unitId AS unitId";

/**
 * A column holding every assignment of the user `userId` names, as
 * "id:roleId:unitId" joined by ",", so a list reads its people's grants in the
 * statement that reads the people (read with `assignmentsIn`).
 */
export function assignmentsColumn(dialect: string, userId: string, alias: string): string {
  const item =
    dialect === "sqlite"
      ? "ra.id || ':' || ra.roleId || ':' || COALESCE(ra.unitId, '')"
      : "CONCAT(ra.id, ':', ra.roleId, ':', COALESCE(ra.unitId, ''))";
  const joined = dialect === "sqlite" ? `GROUP_CONCAT(${item}, ',')` : `GROUP_CONCAT(${item} SEPARATOR ',')`;
  return `(SELECT ${joined} FROM role_assignments ra WHERE ra.userId = ${userId}) AS ${alias}`;
}

/** The assignment rows of one user from an `assignmentsColumn` value, in assignment order. */
export function assignmentsIn(userId: number, value: unknown): AssignmentRow[] {
  if (value === null || value === undefined || value === "") return [];
  return String(value)
    .split(",")
    .map((item) => {
      const [id, roleId, unitId] = item.split(":");
      return { assignmentId: Number(id), userId, roleId: Number(roleId), unitId: unitId ? Number(unitId) : null };
    })
    .sort((a, b) => a.assignmentId - b.assignmentId);
}

/** Turns assignment rows (ordered by assignment id) into grants, keyed by user id. */
export function grantsFrom(rows: readonly AssignmentRow[], snapshot: OrgSnapshot): Map<number, Grant[]> {
  const byUser = new Map<number, Grant[]>();
  for (const row of rows) {
    const role = snapshot.roles.get(Number(row.roleId));
    if (!role) continue;
    const unit = row.unitId === null ? null : snapshot.units.get(Number(row.unitId));
    // A scope that no longer exists grants nothing rather than everything.
    if (unit === undefined) continue;
    const userId = Number(row.userId);
    let list = byUser.get(userId);
    if (!list) {
      list = [];
      byUser.set(userId, list);
    }
    list.push({
      assignmentId: Number(row.assignmentId),
      roleId: Number(row.roleId),
      roleCode: role.code,
      roleName: role.name,
      adminKind: role.adminKind,
      permissions: role.permissions,
      unit: unit ? { id: unit.id, name: unit.name, path: unit.path } : null,
    });
  }
  return byUser;
}

/** The grants of several users in one query (user lists), keyed by user id. */
export async function loadGrantsByUser(userIds: number[], transaction?: Transaction): Promise<Map<number, Grant[]>> {
  const byUser = new Map<number, Grant[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return byUser;
  const rows = await database().query<AssignmentRow & { authzVersion: number | string }>(
    `SELECT ${ASSIGNMENT_COLUMNS}, ${AUTHZ_VERSION_COLUMN} FROM role_assignments ra WHERE ra.userId IN (:userIds) ORDER BY ra.id`,
    { replacements: { userIds }, type: QueryTypes.SELECT, transaction },
  );
  if (rows.length === 0) return byUser;
  const snapshot = await snapshotAt(Number(rows[0]?.authzVersion ?? 0), transaction);
  for (const [userId, grants] of grantsFrom(rows, snapshot)) byUser.set(userId, grants);
  return byUser;
}

export async function loadGrants(userId: number, transaction?: Transaction): Promise<Grant[]> {
  return (await loadGrantsByUser([userId], transaction)).get(userId) ?? [];
}

export async function loadActor(user: User, transaction?: Transaction): Promise<Actor> {
  return new Actor(user, await loadGrants(user.id, transaction));
}
