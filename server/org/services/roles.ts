import type { Transaction } from "sequelize";
import { badRequest, conflict, notFound } from "../../core/errors.js";
import { Role, RoleAssignment, RolePermission } from "../models/index.js";
import { categoryOf, isPermissionCode, type PermissionCode } from "../permissions.js";
import { readSetting } from "./settings.js";

/**
 * Custom roles carry business permissions only: administrator permissions
 * stay with the three built-in 三员 roles, so a custom role can never merge
 * two of them or widen one.
 */
function checkPermissions(codes: string[]): PermissionCode[] {
  const unknown = codes.filter((c) => !isPermissionCode(c));
  if (unknown.length) throw badRequest("unknown_permission", `Unknown permission codes: ${unknown.join(", ")}`);
  const valid = [...new Set(codes.filter(isPermissionCode))];
  const admin = valid.filter((c) => categoryOf(c) !== "business");
  if (admin.length) {
    throw conflict(
      "separation_of_duties",
      `Administrator permissions belong to the built-in 三员 roles: ${admin.join(", ")}`,
    );
  }
  return valid;
}

export async function findRoleOr404(id: number, transaction?: Transaction): Promise<Role> {
  const role = await Role.findByPk(id, { include: [{ model: RolePermission, as: "grants" }], transaction });
  if (!role) throw notFound("Role");
  return role;
}

export async function createRole(
  props: { code: string; name: string; description?: string | null; permissions: string[] },
  transaction: Transaction,
): Promise<Role> {
  const permissions = checkPermissions(props.permissions);
  if (await Role.findOne({ where: { code: props.code }, transaction })) {
    throw conflict("code_taken", `The role code ${props.code} is already in use`);
  }
  const role = await Role.create(
    { code: props.code, name: props.name, description: props.description ?? null, adminKind: null, builtin: false },
    { transaction },
  );
  await RolePermission.bulkCreate(
    permissions.map((permissionCode) => ({ roleId: role.id, permissionCode })),
    { transaction },
  );
  return findRoleOr404(role.id, transaction);
}

export async function updateRole(
  role: Role,
  patch: { name?: string; description?: string | null; permissions?: string[] },
  transaction: Transaction,
): Promise<Role> {
  if (role.adminKind) throw conflict("builtin_role", "The 三员 administrator roles cannot be changed");
  if (patch.permissions) {
    const permissions = checkPermissions(patch.permissions);
    await RolePermission.destroy({ where: { roleId: role.id }, transaction });
    await RolePermission.bulkCreate(
      permissions.map((permissionCode) => ({ roleId: role.id, permissionCode })),
      { transaction },
    );
  }
  if (patch.name !== undefined) role.name = patch.name;
  if (patch.description !== undefined) role.description = patch.description;
  await role.save({ transaction });
  return findRoleOr404(role.id, transaction);
}

export async function deleteRole(role: Role, transaction: Transaction): Promise<void> {
  if (role.builtin) throw conflict("builtin_role", "Built-in roles cannot be deleted");
  const { roleCodes } = await readSetting("security.defaultRoles", transaction);
  if (roleCodes.includes(role.code)) {
    throw conflict("role_is_default", "New accounts receive this role; take it out of the default roles first");
  }
  const holders = await RoleAssignment.count({ where: { roleId: role.id }, transaction });
  if (holders) throw conflict("role_in_use", "Remove the role from its users first", { users: holders });
  await RolePermission.destroy({ where: { roleId: role.id }, transaction });
  await role.destroy({ transaction });
}

/**
 * Checks a list of default role codes: each must name an existing business
 * role. A 三员 role is never handed out automatically — that would make every
 * new account an administrator and break the separation of duties.
 */
export async function checkDefaultRoles(codes: readonly string[], transaction: Transaction): Promise<string[]> {
  const unique = [...new Set(codes)];
  const roles = await Role.findAll({ where: { code: unique }, transaction });
  const known = new Map(roles.map((r) => [r.code, r]));
  const unknown = unique.filter((c) => !known.has(c));
  if (unknown.length) throw badRequest("unknown_role", `Unknown role codes: ${unknown.join(", ")}`);
  const admin = roles.filter((r) => r.adminKind);
  if (admin.length) {
    throw badRequest(
      "admin_role_not_default",
      `Administrator roles are never given automatically: ${admin.map((r) => r.code).join(", ")}`,
    );
  }
  return unique;
}

/**
 * Gives new accounts the default roles, each limited to the account's own
 * unit. Called wherever accounts are created for real people (form, CSV
 * import); the demo seed sets its roles itself. A default role deleted since
 * it was configured is skipped, as is any 三员 role (checked again here, so a
 * hand-edited settings row cannot create administrators).
 */
export async function grantDefaultRoles(
  users: readonly { id: number; unitId: number }[],
  transaction: Transaction,
): Promise<{ roleCodes: string[] }> {
  if (users.length === 0) return { roleCodes: [] };
  const { roleCodes } = await readSetting("security.defaultRoles", transaction);
  if (roleCodes.length === 0) return { roleCodes: [] };
  const roles = (await Role.findAll({ where: { code: roleCodes }, transaction })).filter((r) => !r.adminKind);
  await RoleAssignment.bulkCreate(
    users.flatMap((u) => roles.map((r) => ({ userId: u.id, roleId: r.id, unitId: u.unitId }))),
    { transaction },
  );
  return { roleCodes: roles.map((r) => r.code) };
}
