import { QueryTypes, type Transaction } from "sequelize";
import { Department, Position, Unit } from "../models/index.js";
import { PUBLIC_UNIT_KIND } from "../models/unit.js";
import { isPermissionCode, type AdminKind, type PermissionCode } from "../permissions.js";
import type { DepartmentFields, UnitFields } from "../presenters/unit.js";

/** A role as grants use it; shared between every grant of the role. */
export interface RoleDefinition {
  code: string;
  name: string;
  adminKind: AdminKind | null;
  permissions: ReadonlySet<PermissionCode>;
}

/**
 * What every request needs besides its own session and user: roles with their
 * permissions, and the units, departments and positions that grants and the
 * signed-in user point to. Read-only, shared by all requests of the instance.
 */
export interface OrgSnapshot {
  roles: ReadonlyMap<number, RoleDefinition>;
  units: ReadonlyMap<number, Unit>;
  departments: ReadonlyMap<number, Department>;
  positions: ReadonlyMap<number, Position>;
  /** Units and departments as plain rows in tree order (sortOrder, id), for the organisation tree. */
  treeUnits: readonly UnitFields[];
  treeDepartments: readonly DepartmentFields[];
}

const bySortOrder = (a: { sortOrder: number; id: number }, b: { sortOrder: number; id: number }) =>
  a.sortOrder - b.sortOrder || a.id - b.id;

/**
 * Each instance keeps one snapshot per `authz_version`: a counter the database
 * raises (by trigger, migration 0006) in the same transaction as any change to
 * roles, role permissions, units, departments or positions. Every request
 * reads the counter in the statement that loads its session, user and
 * assignments, so a change counts on every instance from its next request.
 * Sessions, users and assignments themselves are never cached.
 */
let cached: { version: number; snapshot: Promise<OrgSnapshot> } | null = null;

async function loadSnapshot(transaction?: Transaction): Promise<OrgSnapshot> {
  const sequelize = Unit.sequelize;
  if (!sequelize) throw new Error("models are not initialised");
  const [roleRows, units, departments, positions] = await Promise.all([
    sequelize.query<{
      id: number;
      code: string;
      name: string;
      adminKind: AdminKind | null;
      permissionCode: string | null;
    }>(
      "SELECT r.id, r.code, r.name, r.adminKind, rp.permissionCode FROM roles r LEFT JOIN role_permissions rp ON rp.roleId = r.id",
      { type: QueryTypes.SELECT, transaction },
    ),
    Unit.findAll({ transaction }),
    Department.findAll({ transaction }),
    Position.findAll({ transaction }),
  ]);
  const roles = new Map<number, RoleDefinition>();
  const permissions = new Map<number, Set<PermissionCode>>();
  for (const row of roleRows) {
    const id = Number(row.id);
    let set = permissions.get(id);
    if (!set) {
      set = new Set();
      permissions.set(id, set);
      roles.set(id, { code: row.code, name: row.name, adminKind: row.adminKind, permissions: set });
    }
    if (row.permissionCode && isPermissionCode(row.permissionCode)) set.add(row.permissionCode);
  }
  return {
    roles,
    units: new Map(units.map((u) => [u.id, u])),
    departments: new Map(departments.map((d) => [d.id, d])),
    positions: new Map(positions.map((p) => [p.id, p])),
    // The public patrons' unit (PUBLIC_UNIT_KIND) is no part of the organisation chart or its pickers.
    treeUnits: units
      .filter((u) => u.kind !== PUBLIC_UNIT_KIND)
      .map(({ id, parentId, code, name, shortName, kind, sortOrder }) => ({
        id,
        parentId,
        code,
        name,
        shortName,
        kind,
        sortOrder,
      }))
      .sort(bySortOrder),
    treeDepartments: departments
      .map(({ id, unitId, name, sortOrder }) => ({ id, unitId, name, sortOrder }))
      .sort(bySortOrder),
  };
}

/**
 * The snapshot as of `version` (read before this call, so what is loaded is at
 * least that new). Inside a transaction it may hold changes that are not
 * committed, so it is then loaded for that transaction alone and never shared.
 */
export function snapshotAt(version: number, transaction?: Transaction): Promise<OrgSnapshot> {
  if (cached?.version === version) return cached.snapshot;
  if (transaction) return loadSnapshot(transaction);
  const snapshot = loadSnapshot();
  cached = { version, snapshot };
  snapshot.catch(() => {
    if (cached?.snapshot === snapshot) cached = null;
  });
  return snapshot;
}

/** The current authz_version, as a column of any query. */
export const AUTHZ_VERSION_COLUMN = "(SELECT version FROM authz_version WHERE id = 1) AS authzVersion";
