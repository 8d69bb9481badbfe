import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sequelize } from "sequelize";
import { createLogger } from "./logger.js";
import { parseEnv } from "../env.js";
import { prepareDatabase } from "../server.js";
import { createTestDatabase, type TestDatabase } from "../../tests/helpers/testDatabase.js";
import { Role, RoleAssignment, RolePermission, Unit, User } from "../org/models/index.js";
import { NO_PASSWORD } from "../org/services/passwords.js";
import { createUnit } from "../org/services/units.js";
import { newUserRow } from "../org/services/users.js";
import { loadGrants } from "./actor.js";

let db: TestDatabase;
let sequelize: Sequelize;
let userId: number;
let roleId: number;

const permissionsOf = async (transaction?: Parameters<typeof loadGrants>[1]) =>
  (await loadGrants(userId, transaction)).flatMap((g) => [...g.permissions]);

beforeAll(async () => {
  db = await createTestDatabase();
  sequelize = await prepareDatabase(parseEnv({ DATABASE_URL: db.url }), createLogger("silent"));
  const unit = await sequelize.transaction((t) =>
    createUnit({ name: "市", code: "a.root", kind: "government", parent: null }, t),
  );
  const user = await User.create(
    newUserRow({ username: "a.person", displayName: "某人", unitId: unit.id, passwordHash: NO_PASSWORD }),
  );
  const role = await Role.create({ code: "a.role", name: "角色", description: null, adminKind: null });
  await RolePermission.create({ roleId: role.id, permissionCode: "oa.use" });
  await RoleAssignment.create({ userId: user.id, roleId: role.id, unitId: null });
  userId = user.id;
  roleId = role.id;
});

afterAll(async () => {
  await sequelize?.close();
  await db?.drop();
});

describe("cached role maps", () => {
  it("see a committed change at once, and never keep what a transaction saw but did not commit", async () => {
    expect(await permissionsOf()).toEqual(["oa.use"]);

    await expect(
      sequelize.transaction(async (t) => {
        await RolePermission.destroy({ where: { roleId }, transaction: t });
        await RolePermission.create({ roleId, permissionCode: "mail.use" }, { transaction: t });
        expect(await permissionsOf(t)).toEqual(["mail.use"]);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await permissionsOf()).toEqual(["oa.use"]);

    await RolePermission.create({ roleId, permissionCode: "library.use" });
    expect((await permissionsOf()).sort()).toEqual(["library.use", "oa.use"]);
    await Role.update({ name: "新名" }, { where: { id: roleId } });
    expect((await loadGrants(userId))[0]?.roleName).toBe("新名");
  });

  it("follow a unit that moves or is renamed", async () => {
    const unit = await sequelize.transaction((t) =>
      createUnit({ name: "区", code: "a.district", kind: "district", parent: null }, t),
    );
    const scoped = await RoleAssignment.create({ userId, roleId, unitId: unit.id });
    const scopeOf = async () => (await loadGrants(userId)).find((g) => g.assignmentId === scoped.id)?.unit;
    expect(await scopeOf()).toEqual({ id: unit.id, name: "区", path: unit.path });
    await Unit.update({ name: "新区", path: "/99/" }, { where: { id: unit.id } });
    expect(await scopeOf()).toEqual({ id: unit.id, name: "新区", path: "/99/" });
  });
});
