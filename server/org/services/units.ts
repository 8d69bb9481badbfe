import { Op, QueryTypes, type Transaction } from "sequelize";
import { badRequest, conflict, notFound } from "../../core/errors.js";
import { Department, Unit, User } from "../models/index.js";
import { presentTree } from "../presenters/unit.js";
import { AUTHZ_VERSION_COLUMN, snapshotAt } from "./orgSnapshot.js";
import { PUBLIC_UNIT_KIND, type UnitKind } from "../models/unit.js";

/** Whether the organisation has any unit yet (the public patrons' unit, made by a migration, does not count). */
export async function hasOrganisation(): Promise<boolean> {
  return (await Unit.count({ where: { kind: { [Op.ne]: PUBLIC_UNIT_KIND } } })) > 0;
}

/** The public patrons' unit (PUBLIC_UNIT_KIND) is not one the organisation's routes may see or change. */
const isOrganisationUnit = (unit: Unit | null): unit is Unit => unit !== null && unit.kind !== PUBLIC_UNIT_KIND;

export async function findUnitOr404(id: number, transaction?: Transaction): Promise<Unit> {
  const unit = await Unit.findByPk(id, { transaction });
  if (!isOrganisationUnit(unit)) throw notFound("Unit");
  return unit;
}

/** A unit named in a request body: unknown ids are the caller's mistake (400), not a missing page. */
export async function requireUnit(id: number, transaction: Transaction): Promise<Unit> {
  const unit = await Unit.findByPk(id, { transaction });
  if (!isOrganisationUnit(unit)) throw badRequest("unknown_unit", `Unit ${id} does not exist`);
  return unit;
}

const parentOrRoot = (parentId: number | null, transaction: Transaction) =>
  parentId === null ? Promise.resolve(null) : requireUnit(parentId, transaction);

async function assertCodeFree(code: string, exceptId: number | null, transaction: Transaction): Promise<void> {
  const other = await Unit.findOne({ where: { code }, transaction });
  if (other && other.id !== exceptId) throw conflict("code_taken", `The unit code ${code} is already in use`);
}

/** Creates a unit under `parent` (already loaded by the caller, who authorizes against it), or a root. */
export async function createUnit(
  props: { name: string; code: string; shortName?: string | null; kind: UnitKind; parent: Unit | null },
  transaction: Transaction,
): Promise<Unit> {
  const parent = props.parent;
  await assertCodeFree(props.code, null, transaction);
  const siblings = await Unit.count({ where: { parentId: parent?.id ?? null }, transaction });
  const unit = await Unit.create(
    {
      name: props.name,
      code: props.code,
      shortName: props.shortName ?? null,
      kind: props.kind,
      parentId: parent?.id ?? null,
      path: "/",
      sortOrder: siblings,
    },
    { transaction },
  );
  unit.path = `${parent?.path ?? "/"}${unit.id}/`;
  await unit.save({ transaction });
  return unit;
}

/**
 * Renames or moves a unit. A move rewrites the materialised path of the whole
 * subtree in one statement per descendant level; moving a unit under itself
 * or its own descendant is refused.
 */
export async function updateUnit(
  unit: Unit,
  patch: {
    name?: string;
    code?: string;
    shortName?: string | null;
    kind?: UnitKind;
    parentId?: number | null;
    sortOrder?: number;
  },
  transaction: Transaction,
): Promise<Unit> {
  if (patch.code !== undefined && patch.code !== unit.code) await assertCodeFree(patch.code, unit.id, transaction);
  if (patch.parentId !== undefined && patch.parentId !== unit.parentId) {
    const parent = await parentOrRoot(patch.parentId, transaction);
    if (parent && parent.path.startsWith(unit.path)) {
      throw conflict("cycle", "A unit cannot be moved under itself or one of its own subunits");
    }
    const oldPath = unit.path;
    const newPath = `${parent?.path ?? "/"}${unit.id}/`;
    const descendants = await Unit.findAll({
      where: { path: { [Op.like]: `${oldPath}%` }, id: { [Op.ne]: unit.id } },
      transaction,
    });
    for (const d of descendants) {
      await Unit.update({ path: newPath + d.path.slice(oldPath.length) }, { where: { id: d.id }, transaction });
    }
    unit.parentId = patch.parentId;
    unit.path = newPath;
  }
  if (patch.name !== undefined) unit.name = patch.name;
  if (patch.code !== undefined) unit.code = patch.code;
  if (patch.shortName !== undefined) unit.shortName = patch.shortName;
  if (patch.kind !== undefined) unit.kind = patch.kind;
  if (patch.sortOrder !== undefined) unit.sortOrder = patch.sortOrder;
  await unit.save({ transaction });
  return unit;
}

export async function deleteUnit(unit: Unit, transaction: Transaction): Promise<void> {
  const [children, departments, users] = await Promise.all([
    Unit.count({ where: { parentId: unit.id }, transaction }),
    Department.count({ where: { unitId: unit.id }, transaction }),
    User.count({ where: { unitId: unit.id }, transaction }),
  ]);
  if (children + departments + users > 0) {
    throw conflict("not_empty", "Move or delete the unit's subunits, departments and users first", {
      children,
      departments,
      users,
    });
  }
  await unit.destroy({ transaction });
}

export async function findDepartmentOr404(id: number, transaction?: Transaction): Promise<Department> {
  const department = await Department.findByPk(id, { transaction });
  if (!department) throw notFound("Department");
  return department;
}

async function assertDepartmentNameFree(
  unitId: number,
  name: string,
  exceptId: number | null,
  transaction: Transaction,
) {
  const other = await Department.findOne({ where: { unitId, name }, transaction });
  if (other && other.id !== exceptId) throw conflict("name_taken", `The unit already has a department named ${name}`);
}

export async function createDepartment(props: { unit: Unit; name: string }, transaction: Transaction) {
  const unitId = props.unit.id;
  await assertDepartmentNameFree(unitId, props.name, null, transaction);
  const sortOrder = await Department.count({ where: { unitId }, transaction });
  return Department.create({ unitId, name: props.name, sortOrder }, { transaction });
}

/** Renames a department or moves it, with its people, to another unit. */
export async function updateDepartment(
  department: Department,
  patch: { name?: string; unitId?: number; sortOrder?: number },
  transaction: Transaction,
): Promise<Department> {
  const unitId = patch.unitId ?? department.unitId;
  const name = patch.name ?? department.name;
  if (patch.unitId !== undefined) await requireUnit(patch.unitId, transaction);
  if (unitId !== department.unitId || name !== department.name) {
    await assertDepartmentNameFree(unitId, name, department.id, transaction);
  }
  if (unitId !== department.unitId) {
    await User.update({ unitId }, { where: { departmentId: department.id }, transaction });
  }
  department.unitId = unitId;
  department.name = name;
  if (patch.sortOrder !== undefined) department.sortOrder = patch.sortOrder;
  await department.save({ transaction });
  return department;
}

export async function deleteDepartment(department: Department, transaction: Transaction): Promise<void> {
  const users = await User.count({ where: { departmentId: department.id }, transaction });
  if (users > 0) throw conflict("not_empty", "Move the department's users first", { users });
  await department.destroy({ transaction });
}

/**
 * Users per unit and per department, from the counts the database keeps with
 * every insert, move and delete of a user (migration 0006): a few hundred
 * rows, instead of grouping every user on each request. With them, the
 * authz_version that the instance's snapshot of units and departments is
 * checked against.
 */
export async function userCounts(): Promise<{
  byUnit: Map<number, number>;
  byDepartment: Map<number, number>;
  version: number;
}> {
  const sequelize = User.sequelize;
  if (!sequelize) throw new Error("models are not initialised");
  const rows = await sequelize.query<{ unitId: number; departmentId: number; users: number; authzVersion: number }>(
    `SELECT unitId, departmentId, users, ${AUTHZ_VERSION_COLUMN} FROM unit_user_counts WHERE users > 0`,
    { type: QueryTypes.SELECT },
  );
  // An organisation without users has no count rows to carry the version.
  const version =
    rows[0]?.authzVersion ??
    (await sequelize.query<{ authzVersion: number }>(`SELECT ${AUTHZ_VERSION_COLUMN}`, { type: QueryTypes.SELECT }))[0]
      ?.authzVersion;
  const byUnit = new Map<number, number>();
  const byDepartment = new Map<number, number>();
  for (const row of rows) {
    const unitId = Number(row.unitId);
    const departmentId = Number(row.departmentId);
    const users = Number(row.users);
    byUnit.set(unitId, (byUnit.get(unitId) ?? 0) + users);
    if (departmentId) byDepartment.set(departmentId, users);
  }
  return { byUnit, byDepartment, version: Number(version ?? 0) };
}

/** The tree's units as JSON, with the state it was built from (authz_version:user_counts_version). */
let treeCache: { state: string; json: Promise<string> } | null = null;

/**
 * The organisation tree (units, their departments and user counts), as the JSON
 * of GET /api/org/tree sends it. Built once per state of the organisation: the
 * two counters the database raises with every change to units and departments
 * (authz_version) and to the users in them (user_counts_version, migration
 * 0007) are read first, so a tree is never kept under a state older than the
 * one it shows, and every instance rebuilds with its first request after a change.
 */
export async function treeJson(): Promise<string> {
  const sequelize = User.sequelize;
  if (!sequelize) throw new Error("models are not initialised");
  const [row] = await sequelize.query<{ authzVersion: number; countsVersion: number }>(
    `SELECT ${AUTHZ_VERSION_COLUMN}, (SELECT version FROM user_counts_version WHERE id = 1) AS countsVersion`,
    { type: QueryTypes.SELECT },
  );
  const state = `${row?.authzVersion}:${row?.countsVersion}`;
  if (treeCache?.state !== state) {
    const json = (async () => {
      const counts = await userCounts();
      const snapshot = await snapshotAt(counts.version);
      return JSON.stringify(
        presentTree(snapshot.treeUnits, snapshot.treeDepartments, counts.byUnit, counts.byDepartment),
      );
    })();
    treeCache = { state, json };
    // A failed build is not kept: the next request tries again.
    json.catch(() => {
      if (treeCache?.json === json) treeCache = null;
    });
  }
  return treeCache.json;
}
