import { QueryTypes, type QueryInterface } from "sequelize";

type Migration = { context: QueryInterface };

/**
 * Distinct defaults for the built-in business roles, for databases made before
 * the OA existed (a fresh database gets them from the catalogue at start-up,
 * which never changes a business role that already exists): the registrar
 * (文书) registers, numbers, distributes, signs for and archives; the leader
 * signs off (签发), writes 批示 and supervises (督办). The OA administrator role
 * itself is created by the catalogue sync like every built-in role.
 */
const GRANTS: [roleCode: string, permissionCode: string][] = [
  ["registrar", "oa.document.register"],
  ["leader", "oa.document.sign"],
  ["leader", "oa.supervise"],
];
const CODES = ["oa.document.register", "oa.document.sign", "oa.supervise", "oa.process.manage"];

export async function up({ context: q }: Migration): Promise<void> {
  const sequelize = q.sequelize;
  const now = new Date();
  const known = await sequelize.query<{ code: string }>("SELECT code FROM permissions WHERE code IN (:codes)", {
    replacements: { codes: CODES },
    type: QueryTypes.SELECT,
  });
  const missing = CODES.filter((c) => !known.some((k) => k.code === c));
  if (missing.length) {
    await q.bulkInsert(
      "permissions",
      missing.map((code) => ({ code, category: "business", createdAt: now, updatedAt: now })),
    );
  }
  for (const [roleCode, permissionCode] of GRANTS) {
    const roles = await sequelize.query<{ id: number }>(
      "SELECT id FROM roles WHERE code = :roleCode AND builtin = :yes",
      {
        replacements: { roleCode, yes: true },
        type: QueryTypes.SELECT,
      },
    );
    for (const role of roles) {
      const held = await sequelize.query(
        "SELECT 1 FROM role_permissions WHERE roleId = :id AND permissionCode = :code",
        {
          replacements: { id: role.id, code: permissionCode },
          type: QueryTypes.SELECT,
        },
      );
      if (!held.length) await q.bulkInsert("role_permissions", [{ roleId: role.id, permissionCode }]);
    }
  }
}

export async function down({ context: q }: Migration): Promise<void> {
  const sequelize = q.sequelize;
  for (const [roleCode, permissionCode] of GRANTS) {
    await sequelize.query(
      "DELETE FROM role_permissions WHERE permissionCode = :permissionCode AND roleId IN (SELECT id FROM roles WHERE code = :roleCode AND builtin = :yes)",
      { replacements: { roleCode, permissionCode, yes: true } },
    );
  }
}
