import type { Sequelize } from "sequelize";
import { Permission, Role, RolePermission } from "../models/index.js";
import { BUILTIN_ROLES, PERMISSIONS, PERMISSION_CODES } from "../permissions.js";

/**
 * Keeps the permissions table and the built-in roles in step with the code's
 * catalogue. Runs at every start, after migrations; idempotent, and safe when
 * several instances start at once (upserts only).
 */
export async function syncPermissionCatalogue(sequelize: Sequelize): Promise<void> {
  await sequelize.transaction(async (transaction) => {
    for (const code of PERMISSION_CODES) {
      await Permission.upsert({ code, category: PERMISSIONS[code] }, { transaction });
    }
    for (const def of BUILTIN_ROLES) {
      const [role, created] = await Role.findOrCreate({
        where: { code: def.code },
        defaults: { code: def.code, name: def.name, description: null, adminKind: def.adminKind, builtin: true },
        transaction,
      });
      // The 三员 roles are fixed by law; business roles keep whatever the security admin gave them.
      if (!role.adminKind && !created) continue;
      await RolePermission.destroy({ where: { roleId: role.id }, transaction });
      await RolePermission.bulkCreate(
        def.permissions.map((permissionCode) => ({ roleId: role.id, permissionCode })),
        { transaction },
      );
    }
  });
}
