import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueryTypes, type Sequelize } from "sequelize";
import { openDatabase } from "../../core/db.js";
import { createMigrator } from "../../core/migrator.js";
import { createTestDatabase, type TestDatabase } from "../../../tests/helpers/testDatabase.js";

let db: TestDatabase;
let sequelize: Sequelize;

beforeAll(async () => {
  db = await createTestDatabase();
  sequelize = openDatabase(db.url);
});
afterAll(async () => {
  await sequelize?.close();
  await db?.drop();
});

async function grants(): Promise<string[]> {
  const rows = await sequelize.query<{ role: string; code: string }>(
    "SELECT r.code AS role, rp.permissionCode AS code FROM role_permissions rp JOIN roles r ON r.id = rp.roleId ORDER BY r.code, rp.permissionCode",
    { type: QueryTypes.SELECT },
  );
  return rows.map((r) => `${r.role}:${r.code}`);
}

describe("migration 0013: the OA's defaults for existing databases", () => {
  it("gives the built-in leader and registrar of a database made before the OA their new permissions", async () => {
    const migrator = createMigrator(sequelize);
    await migrator.up({ to: "0012-archive-intake" });
    // A database as the catalogue left it before the OA: identical business roles, and a custom one.
    const now = new Date();
    const business = ["org.directory.read", "oa.use", "mail.use", "archive.use", "library.use"];
    await sequelize.getQueryInterface().bulkInsert(
      "permissions",
      business.map((code) => ({ code, category: "business", createdAt: now, updatedAt: now })),
    );
    const roles = [
      ["staff", "工作人员", true],
      ["leader", "单位领导", true],
      ["registrar", "文书", true],
      ["leader.copy", "自建领导", false],
    ] as const;
    await sequelize.getQueryInterface().bulkInsert(
      "roles",
      roles.map(([code, name, builtin]) => ({
        code,
        name,
        description: null,
        adminKind: null,
        builtin,
        createdAt: now,
        updatedAt: now,
      })),
    );
    const ids = await sequelize.query<{ id: number; code: string }>("SELECT id, code FROM roles", {
      type: QueryTypes.SELECT,
    });
    await sequelize.getQueryInterface().bulkInsert(
      "role_permissions",
      ids.flatMap((r) => business.map((permissionCode) => ({ roleId: r.id, permissionCode }))),
    );
    const before = await grants();

    await migrator.up({ to: "0013-oa-roles" });
    const after = await grants();
    expect(after.filter((g) => !before.includes(g)).sort()).toEqual(
      ["leader:oa.document.sign", "leader:oa.supervise", "registrar:oa.document.register"].sort(),
    );
    // Running it again (a second instance racing, or a re-run) adds nothing twice; down takes back only these.
    await migrator.down({ to: "0012-archive-intake" });
    expect(await grants()).toEqual(before);
    await migrator.up({ to: "0013-oa-roles" });
    expect(await grants()).toEqual(after);
  });
});
