import type { Transaction } from "sequelize";
import { badRequest, conflict, notFound } from "../../core/errors.js";
import { Role, RoleAssignment, RolePermission } from "../models/index.js";
import { categoryOf, isPermissionCode, type PermissionCode } from "../permissions.js";

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
  const holders = await RoleAssignment.count({ where: { roleId: role.id }, transaction });
  if (holders) throw conflict("role_in_use", "Remove the role from its users first", { users: holders });
  await RolePermission.destroy({ where: { roleId: role.id }, transaction });
  await role.destroy({ transaction });
}
