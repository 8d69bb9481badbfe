import { literal, Op, type CreationAttributes, type Transaction, type WhereOptions } from "sequelize";
import { likeSafe } from "../../core/db.js";
import { conflict, notFound, badRequest } from "../../core/errors.js";
import { Department, Position, Unit, User } from "../models/index.js";
import { generatePassword, hashPassword } from "./passwords.js";
import { pinyinKeys } from "./pinyin.js";
import { grantDefaultRoles } from "./roles.js";

export interface UserPlacement {
  unitId: number;
  departmentId?: number | null;
  positionId?: number | null;
}

/** Checks that the unit, department and position exist and fit together. */
export interface Placement {
  unit: Unit;
  department: Department | null;
  position: Position | null;
}

export async function resolvePlacement(placement: UserPlacement, transaction?: Transaction): Promise<Placement> {
  const unit = await Unit.findByPk(placement.unitId, { transaction });
  if (!unit) throw badRequest("unknown_unit", `Unit ${placement.unitId} does not exist`);
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

/**
 * Creates an account with a random initial password. The placement must come
 * from `resolvePlacement`, which the caller also needs for authorization.
 */
export async function createUser(
  props: NewUser & { hashCost: number },
  placement: Placement,
  transaction: Transaction,
): Promise<{ user: User; initialPassword: string }> {
  const taken = await User.findOne({ where: { username: props.username }, transaction });
  if (taken) throw conflict("username_taken", `The username ${props.username} is already in use`);
  const initialPassword = generatePassword();
  const row = newUserRow({
    ...props,
    unitId: placement.unit.id,
    departmentId: placement.department?.id ?? null,
    positionId: placement.position?.id ?? null,
    passwordHash: await hashPassword(initialPassword, props.hashCost),
  });
  const user = await User.create(row, { transaction });
  await grantDefaultRoles([user], transaction);
  return { user, initialPassword };
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
  /** "all" or the unit paths the caller may see. */
  scope: "all" | string[];
  page: number;
  pageSize: number;
}

/**
 * Searches by name, username, full pinyin or pinyin initials, within a unit
 * (optionally with its subunits) or a department. Every condition is an
 * indexed column or a LIKE that both SQLite and MySQL run the same way.
 */
export async function searchUsers(query: UserQuery): Promise<{ rows: User[]; count: number }> {
  const and: WhereOptions<User>[] = [];
  const unitWhere: WhereOptions<Unit>[] = [];
  if (query.q) {
    const q = likeSafe(query.q.trim().toLowerCase());
    const like = `%${q}%`;
    const compact = q.replace(/\s+/g, "");
    and.push({
      [Op.or]: [
        { displayName: { [Op.like]: like } },
        ...(query.matchUsername === false ? [] : [{ username: { [Op.like]: like } }]),
        { pinyin: { [Op.like]: `${compact}%` } },
        { pinyinInitials: { [Op.like]: `${compact}%` } },
      ],
    });
  }
  // Sub-selects rather than joins: the page and its count stay one row per user.
  if (query.withoutRoles) and.push({ id: { [Op.notIn]: literal("(SELECT userId FROM role_assignments)") } });
  if (query.excludeAdministrators) {
    and.push({
      id: {
        [Op.notIn]: literal(
          "(SELECT ra.userId FROM role_assignments ra JOIN roles r ON r.id = ra.roleId WHERE r.adminKind IS NOT NULL)",
        ),
      },
    });
  }
  if (query.departmentId) and.push({ departmentId: query.departmentId });
  if (query.unitId) {
    if (query.includeSubunits) {
      const unit = await Unit.findByPk(query.unitId);
      if (!unit) throw badRequest("unknown_unit", `Unit ${query.unitId} does not exist`);
      unitWhere.push({ path: { [Op.like]: `${unit.path}%` } });
    } else {
      and.push({ unitId: query.unitId });
    }
  }
  if (query.scope !== "all") {
    if (query.scope.length === 0) return { rows: [], count: 0 };
    unitWhere.push({ [Op.or]: query.scope.map((path) => ({ path: { [Op.like]: `${path}%` } })) });
  }
  const now = new Date();
  if (query.status === "disabled") and.push({ disabled: true });
  if (query.status === "active") and.push({ disabled: false });
  if (query.status === "locked") and.push({ lockedUntil: { [Op.gt]: now } });
  return User.findAndCountAll({
    where: { [Op.and]: and },
    include: [
      { model: Unit, as: "unit", where: unitWhere.length ? { [Op.and]: unitWhere } : undefined, required: true },
      { model: Department, as: "department" },
      { model: Position, as: "position" },
    ],
    order: [
      ["unitId", "ASC"],
      ["departmentId", "ASC"],
      ["id", "ASC"],
    ],
    limit: query.pageSize,
    offset: (query.page - 1) * query.pageSize,
    distinct: true,
  });
}
