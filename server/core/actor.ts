import { QueryTypes, type Transaction } from "sequelize";
import { RoleAssignment, type User } from "../org/models/index.js";
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

/** A role as grants use it; shared between every grant of the role. */
interface RoleDefinition {
  code: string;
  name: string;
  adminKind: AdminKind | null;
  permissions: ReadonlySet<PermissionCode>;
}

/**
 * Role → permission maps are the same for every request, so each instance keeps
 * one copy per `authz_version`: a counter the database raises (by trigger) in
 * the same transaction as any change to roles or their permissions. Every
 * request reads the counter in the statement that loads its session and
 * assignments, so a change takes effect on every instance with the next
 * request. Assignments, users and sessions are never cached.
 */
let cachedRoles: { version: number; roles: Promise<Map<number, RoleDefinition>> } | null = null;

async function loadRoles(transaction?: Transaction): Promise<Map<number, RoleDefinition>> {
  const rows = await database().query<{
    id: number;
    code: string;
    name: string;
    adminKind: AdminKind | null;
    permissionCode: string | null;
  }>(
    "SELECT r.id, r.code, r.name, r.adminKind, rp.permissionCode FROM roles r LEFT JOIN role_permissions rp ON rp.roleId = r.id",
    { type: QueryTypes.SELECT, transaction },
  );
  const permissions = new Map<number, Set<PermissionCode>>();
  const roles = new Map<number, RoleDefinition>();
  for (const row of rows) {
    const id = Number(row.id);
    let set = permissions.get(id);
    if (!set) {
      set = new Set();
      permissions.set(id, set);
      roles.set(id, { code: row.code, name: row.name, adminKind: row.adminKind, permissions: set });
    }
    if (row.permissionCode && isPermissionCode(row.permissionCode)) set.add(row.permissionCode);
  }
  return roles;
}

/**
 * The roles as of `version` (read before this call, so the loaded maps are at
 * least that new). Inside a transaction the maps may hold changes that are not
 * committed, so they are loaded for that transaction alone and never shared.
 */
function rolesAt(version: number, transaction?: Transaction): Promise<Map<number, RoleDefinition>> {
  if (cachedRoles?.version === version) return cachedRoles.roles;
  if (transaction) return loadRoles(transaction);
  const roles = loadRoles();
  cachedRoles = { version, roles };
  roles.catch(() => {
    if (cachedRoles?.roles === roles) cachedRoles = null;
  });
  return roles;
}

function database() {
  const sequelize = RoleAssignment.sequelize;
  if (!sequelize) throw new Error("models are not initialised");
  return sequelize;
}

/** One role assignment with the unit it is limited to, as the queries below select it. */
export interface AssignmentRow {
  assignmentId: number;
  userId: number;
  roleId: number;
  unitId: number | null;
  unitName: string | null;
  unitPath: string | null;
}

/** SQL columns of an AssignmentRow, for `role_assignments ra LEFT JOIN units au ON au.id = ra.unitId`. */
export const ASSIGNMENT_COLUMNS =
  "ra.id AS assignmentId, ra.userId AS userId, ra.roleId AS roleId, au.id AS unitId, au.name AS unitName, au.path AS unitPath";
/** The current authz_version, as a column of any query. */
export const AUTHZ_VERSION_COLUMN = "(SELECT version FROM authz_version WHERE id = 1) AS authzVersion";

/** Turns assignment rows (ordered by assignment id) into grants, keyed by user id. */
export async function grantsFromAssignments(
  rows: readonly AssignmentRow[],
  version: number,
  transaction?: Transaction,
): Promise<Map<number, Grant[]>> {
  const byUser = new Map<number, Grant[]>();
  if (rows.length === 0) return byUser;
  const roles = await rolesAt(version, transaction);
  for (const row of rows) {
    const role = roles.get(Number(row.roleId));
    if (!role) continue;
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
      unit:
        row.unitId === null || row.unitName === null || row.unitPath === null
          ? null
          : { id: Number(row.unitId), name: row.unitName, path: row.unitPath },
    });
  }
  return byUser;
}

/** The grants of several users in one query (user lists), keyed by user id. */
export async function loadGrantsByUser(userIds: number[], transaction?: Transaction): Promise<Map<number, Grant[]>> {
  const byUser = new Map<number, Grant[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return byUser;
  const rows = await database().query<AssignmentRow & { authzVersion: number | string }>(
    `SELECT ${ASSIGNMENT_COLUMNS}, ${AUTHZ_VERSION_COLUMN}` +
      " FROM role_assignments ra LEFT JOIN units au ON au.id = ra.unitId WHERE ra.userId IN (:userIds) ORDER BY ra.id",
    { replacements: { userIds }, type: QueryTypes.SELECT, transaction },
  );
  const version = Number(rows[0]?.authzVersion ?? 0);
  for (const [userId, grants] of await grantsFromAssignments(rows, version, transaction)) byUser.set(userId, grants);
  return byUser;
}

export async function loadGrants(userId: number, transaction?: Transaction): Promise<Grant[]> {
  return (await loadGrantsByUser([userId], transaction)).get(userId) ?? [];
}

export async function loadActor(user: User, transaction?: Transaction): Promise<Actor> {
  return new Actor(user, await loadGrants(user.id, transaction));
}
