import type { CreationAttributes, Transaction } from "sequelize";
import { conflict, notFound, badRequest } from "../../core/errors.js";
import { columnsOf } from "../../core/rows.js";
import { assignmentsColumn, assignmentsIn, grantsFrom, type Grant } from "../../core/actor.js";
import { Department, Position, Unit, User } from "../models/index.js";
import { PUBLIC_UNIT_KIND } from "../models/unit.js";
import { generatePassword, hashPassword } from "./passwords.js";
import { pinyinKeys } from "./pinyin.js";
import { findUsers } from "./userSearch.js";
import { AUTHZ_VERSION_COLUMN, snapshotAt } from "./orgSnapshot.js";
import { grantDefaultRoles } from "./roles.js";

export interface UserPlacement {
  unitId: number;
  departmentId?: number | null;
  positionId?: number | null;
}

export interface Placement {
  unit: Unit;
  department: Department | null;
  position: Position | null;
}

/**
 * Checks that the unit, department and position exist and fit together. The
 * public patrons' unit is no placement for staff: only self-registration puts
 * people there, and they stay there (`currentUnitId`, the account's own unit,
 * lets an edit of a patron that does not move them through).
 */
export async function resolvePlacement(
  placement: UserPlacement,
  transaction?: Transaction,
  currentUnitId?: number,
): Promise<Placement> {
  const unit = await Unit.findByPk(placement.unitId, { transaction });
  if (!unit) throw badRequest("unknown_unit", `Unit ${placement.unitId} does not exist`);
  if (unit.kind === PUBLIC_UNIT_KIND && unit.id !== currentUnitId)
    throw badRequest("unknown_unit", `Unit ${placement.unitId} does not exist`);
  let department: Department | null = null;
  if (placement.departmentId) {
    department = await Department.findByPk(placement.departmentId, { transaction });
    if (!department) throw badRequest("unknown_department", `Department ${placement.departmentId} does not exist`);
    if (department.unitId !== unit.id) {
      throw badRequest("department_not_in_unit", `Department ${department.name} does not belong to ${unit.name}`);
    }
  }
  let position: Position | null = null;
  if (placement.positionId) {
    position = await Position.findByPk(placement.positionId, { transaction });
    if (!position) throw badRequest("unknown_position", `Position ${placement.positionId} does not exist`);
  }
  return { unit, department, position };
}

export interface NewUser extends UserPlacement {
  username: string;
  displayName: string;
  email?: string | null;
  phone?: string | null;
}

/**
 * The row of a new account: search keys from the name, no second factor, and
 * an initial password (or none yet) that must be changed at first login.
 * Every path that creates users (form, CSV import, demo, generator) builds it here.
 */
export function newUserRow(props: NewUser & { passwordHash: string }): CreationAttributes<User> {
  return {
    username: props.username,
    displayName: props.displayName,
    ...pinyinKeys(props.displayName),
    email: props.email ?? null,
    phone: props.phone ?? null,
    unitId: props.unitId,
    departmentId: props.departmentId ?? null,
    positionId: props.positionId ?? null,
    passwordHash: props.passwordHash,
    mustChangePassword: true,
    passwordChangedAt: null,
    lockedUntil: null,
    totpSecret: null,
    recoveryCodes: null,
    lastLoginAt: null,
  };
}

/** A random initial password and its hash, made before any transaction opens (argon2id: ~12 ms of a core and 19 MiB). */
export async function newInitialCredential(
  hashCost: number,
): Promise<{ initialPassword: string; passwordHash: string }> {
  const initialPassword = generatePassword();
  return { initialPassword, passwordHash: await hashPassword(initialPassword, hashCost) };
}

/**
 * Creates an account with an initial password from `newInitialCredential`,
 * hashed beforehand so the transaction (SQLite's one write lock) is not held
 * through the hash. The placement must come from `resolvePlacement`, which the
 * caller also needs for authorization. Returns the default roles it granted.
 */
export async function createUser(
  props: NewUser & { passwordHash: string },
  placement: Placement,
  transaction: Transaction,
): Promise<{ user: User; defaultRoles: string[] }> {
  const taken = await User.findOne({ where: { username: props.username }, transaction });
  if (taken) throw conflict("username_taken", `The username ${props.username} is already in use`);
  const row = newUserRow({
    ...props,
    unitId: placement.unit.id,
    departmentId: placement.department?.id ?? null,
    positionId: placement.position?.id ?? null,
  });
  const user = await User.create(row, { transaction });
  const { roleCodes } = await grantDefaultRoles([user], transaction);
  return { user, defaultRoles: roleCodes };
}

export async function findUserOr404(id: number, transaction?: Transaction): Promise<User> {
  const user = await User.findByPk(id, {
    include: [
      { model: Unit, as: "unit" },
      { model: Department, as: "department" },
      { model: Position, as: "position" },
    ],
    transaction,
  });
  if (!user) throw notFound("User");
  return user;
}

export interface UserQuery {
  q?: string;
  unitId?: number;
  departmentId?: number;
  includeSubunits?: boolean;
  status?: "active" | "disabled" | "locked";
  /** Only people who hold no role at all (accounts created before default roles existed). */
  withoutRoles?: boolean;
  /** Leave out the holders of the 三员 roles (the staff directory never lists them). */
  excludeAdministrators?: boolean;
  /** Match the search text against usernames too; the directory, which never shows usernames, does not. */
  matchUsername?: boolean;
  /** Leave out the library's self-registered patrons (the public unit): they are not colleagues to look up. */
  excludePublic?: boolean;
  /** "all" or the unit paths the caller may see. */
  scope: "all" | string[];
  page: number;
  pageSize: number;
  /** Read each listed user's role grants too, in the same statement. */
  withGrants?: boolean;
}

/**
 * A user as a list shows them: the columns the presenters read, as plain data.
 * A page is built from rows by hand because a Sequelize instance per row cost
 * more CPU than the rest of the request (`npm run bench:api`, users routes).
 */
export interface ListedUser {
  id: number;
  username: string;
  displayName: string;
  email: string | null;
  phone: string | null;
  unitId: number;
  departmentId: number | null;
  positionId: number | null;
  disabled: boolean;
  lockedUntil: Date | null;
  mustChangePassword: boolean;
  totpEnabled: boolean;
  lastLoginAt: Date | null;
  previousLoginAt: Date | null;
  createdAt: Date;
  unit: Unit | undefined;
  department: Department | null;
  position: Position | null;
}

/** What a list reads of a user; never secrets nor the search keys only the database uses. */
const LISTED = [
  "id",
  "username",
  "displayName",
  "email",
  "phone",
  "unitId",
  "departmentId",
  "positionId",
  "disabled",
  "lockedUntil",
  "mustChangePassword",
  "totpEnabled",
  "lastLoginAt",
  "previousLoginAt",
  "createdAt",
] as const satisfies readonly (keyof ListedUser)[];
let listColumns: string | null = null;
const GRANTS_COLUMN = "u_grants";

/** SQLite answers dates as text, MariaDB as Date; booleans as 0/1 from both (as Sequelize itself would type them). */
const dateOf = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));
const optionalDateOf = (value: unknown): Date | null => (value === null || value === undefined ? null : dateOf(value));
const booleanOf = (value: unknown): boolean => Boolean(Number(value));
const idOf = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
const textOf = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** The units a query may return users from, or null for every unit. */
async function unitIdsFor(query: UserQuery): Promise<number[] | null> {
  if (!query.unitId && query.scope === "all" && !query.excludePublic) return null;
  let units = await Unit.findAll({ attributes: ["id", "path", "kind"], raw: true });
  if (query.excludePublic) units = units.filter((u) => u.kind !== PUBLIC_UNIT_KIND);
  if (query.unitId) {
    if (query.includeSubunits) {
      const unit = units.find((u) => u.id === query.unitId);
      if (!unit) throw badRequest("unknown_unit", `Unit ${query.unitId} does not exist`);
      units = units.filter((u) => u.path.startsWith(unit.path));
    } else {
      units = units.filter((u) => u.id === query.unitId);
    }
  }
  const scope = query.scope;
  if (scope !== "all") units = units.filter((u) => scope.some((path) => u.path.startsWith(path)));
  return units.map((u) => u.id);
}

/**
 * Searches by a prefix of the username, full pinyin or pinyin initials, or
 * any part of the name, within a unit (optionally with its subunits) or a
 * department, in list order (unit, department, id). The page is picked from
 * the search index (userSearch.ts) in the statement that reads it.
 */
export async function searchUsers(
  query: UserQuery,
): Promise<{ rows: ListedUser[]; count: number; grants: Map<number, Grant[]> }> {
  const sequelize = User.sequelize;
  if (!sequelize) throw new Error("models are not initialised");
  if (!listColumns) {
    const skip = new Set(
      Object.keys(User.getAttributes()).filter((name) => !(LISTED as readonly string[]).includes(name)),
    );
    listColumns = [...columnsOf(User, "u", "u_", skip), AUTHZ_VERSION_COLUMN].join(", ");
  }
  const { rows, count } = await findUsers(
    sequelize,
    {
      text: query.q,
      matchUsername: query.matchUsername !== false,
      unitIds: await unitIdsFor(query),
      departmentId: query.departmentId,
      status: query.status,
      withoutRoles: query.withoutRoles,
      excludeAdministrators: query.excludeAdministrators,
    },
    {
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
      columns: query.withGrants
        ? `${listColumns}, ${assignmentsColumn(sequelize.getDialect(), "u.id", GRANTS_COLUMN)}`
        : listColumns,
    },
  );
  if (rows.length === 0) return { rows: [], count, grants: new Map() };
  // Units, departments and positions from the instance's snapshot (shared, read-only): no join, no per-row instances.
  const snapshot = await snapshotAt(Number(rows[0]?.authzVersion ?? 0));
  const users = rows.map((row): ListedUser => {
    const unitId = Number(row.u_unitId);
    const departmentId = idOf(row.u_departmentId);
    const positionId = idOf(row.u_positionId);
    return {
      id: Number(row.u_id),
      username: String(row.u_username),
      displayName: String(row.u_displayName),
      email: textOf(row.u_email),
      phone: textOf(row.u_phone),
      unitId,
      departmentId,
      positionId,
      disabled: booleanOf(row.u_disabled),
      lockedUntil: optionalDateOf(row.u_lockedUntil),
      mustChangePassword: booleanOf(row.u_mustChangePassword),
      totpEnabled: booleanOf(row.u_totpEnabled),
      lastLoginAt: optionalDateOf(row.u_lastLoginAt),
      previousLoginAt: optionalDateOf(row.u_previousLoginAt),
      createdAt: dateOf(row.u_createdAt),
      unit: snapshot.units.get(unitId),
      department: departmentId === null ? null : (snapshot.departments.get(departmentId) ?? null),
      position: positionId === null ? null : (snapshot.positions.get(positionId) ?? null),
    };
  });
  const grants = query.withGrants
    ? grantsFrom(
        rows.flatMap((row) => assignmentsIn(Number(row.u_id), row[GRANTS_COLUMN])),
        snapshot,
      )
    : new Map<number, Grant[]>();
  return { rows: users, count, grants };
}
