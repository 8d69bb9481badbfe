import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sequelize } from "sequelize";
import { createLogger } from "../../core/logger.js";
import { parseEnv } from "../../env.js";
import { prepareDatabase } from "../../server.js";
import { createTestDatabase, type TestDatabase } from "../../../tests/helpers/testDatabase.js";
import { type Department, type Unit, User } from "../models/index.js";
import { NO_PASSWORD } from "./passwords.js";
import { createDepartment, createUnit, updateDepartment, userCounts } from "./units.js";
import { newUserRow, searchUsers } from "./users.js";
import { totals } from "./userSearch.js";

let db: TestDatabase;
let sequelize: Sequelize;
let north: Unit;
let south: Unit;
let desk: Department;

const names = async (q: string, extra: Partial<Parameters<typeof searchUsers>[0]> = {}) => {
  const { rows, count } = await searchUsers({ q, scope: "all", page: 1, pageSize: 100, ...extra });
  expect(count).toBe(rows.length);
  return rows.map((u) => u.username);
};

beforeAll(async () => {
  db = await createTestDatabase();
  sequelize = await prepareDatabase(parseEnv({ DATABASE_URL: db.url }), createLogger("silent"));
  await sequelize.transaction(async (t) => {
    const root = await createUnit({ name: "市", code: "t.root", kind: "government", parent: null }, t);
    north = await createUnit({ name: "北区", code: "t.north", kind: "district", parent: root }, t);
    south = await createUnit({ name: "南区", code: "t.south", kind: "district", parent: root }, t);
    desk = await createDepartment({ unit: north, name: "办公室" }, t);
  });
});

afterAll(async () => {
  await sequelize?.close();
  await db?.drop();
});

describe("the search index and user counts, kept by the database", () => {
  it("indexes rows inserted in bulk (the CSV import's path) and counts them per unit and department", async () => {
    await User.bulkCreate([
      newUserRow({
        username: "t.zhang",
        displayName: "张晓明",
        unitId: north.id,
        departmentId: desk.id,
        passwordHash: NO_PASSWORD,
      }),
      newUserRow({ username: "t.li_hua", displayName: "李华", unitId: south.id, passwordHash: NO_PASSWORD }),
      newUserRow({ username: "anna-smith", displayName: "Anna Smith", unitId: south.id, passwordHash: NO_PASSWORD }),
    ]);
    expect(await names("晓明")).toEqual(["t.zhang"]);
    expect(await names("zhangxiao")).toEqual(["t.zhang"]);
    expect(await names("zxm")).toEqual(["t.zhang"]);
    expect(await names("hua")).toEqual(["t.li_hua"]);
    expect(await names("smith")).toEqual(["anna-smith"]);
    expect(await names("SMI")).toEqual(["anna-smith"]);
    expect(await names("th")).toEqual(["anna-smith"]);
    expect(await names("t.", { matchUsername: false })).toEqual([]);
    const counts = await userCounts();
    expect(counts.byUnit.get(north.id)).toBe(1);
    expect(counts.byUnit.get(south.id)).toBe(2);
    expect(counts.byDepartment.get(desk.id)).toBe(1);
    expect((await searchUsers({ scope: "all", page: 1, pageSize: 1 })).count).toBe(3);
  });

  it("follows renames, moves of users and of their department, and deletions", async () => {
    await User.update(
      { displayName: "张晓东", pinyin: "zhangxiaodong", pinyinInitials: "zxd" },
      { where: { username: "t.zhang" } },
    );
    expect(await names("晓明")).toEqual([]);
    expect(await names("晓东")).toEqual(["t.zhang"]);
    expect(await names("zxd")).toEqual(["t.zhang"]);

    // A department moves with its people (one UPDATE of many users).
    await sequelize.transaction((t) => updateDepartment(desk, { unitId: south.id }, t));
    expect(await names("晓东", { unitId: south.id })).toEqual(["t.zhang"]);
    expect(await names("晓东", { unitId: north.id })).toEqual([]);
    let counts = await userCounts();
    expect(counts.byUnit.get(north.id) ?? 0).toBe(0);
    expect(counts.byUnit.get(south.id)).toBe(3);
    expect((await searchUsers({ scope: "all", unitId: south.id, page: 1, pageSize: 10 })).count).toBe(3);

    await User.destroy({ where: { username: "anna-smith" } });
    expect(await names("smith")).toEqual([]);
    counts = await userCounts();
    expect(counts.byUnit.get(south.id)).toBe(2);
  });

  it("finds parts of names longer than the grams it keeps, and is not fooled by the first 32 characters", async () => {
    const long = "阿卜杜热合曼买买提艾尔肯阿不都拉吐尔逊买买提明阿布都热西提阿卜杜热合曼买买提艾尔肯";
    const similar = `${long.slice(0, 33)}甲`;
    await User.bulkCreate([
      newUserRow({ username: "t.long", displayName: long, unitId: north.id, passwordHash: NO_PASSWORD }),
      newUserRow({ username: "t.similar", displayName: similar, unitId: north.id, passwordHash: NO_PASSWORD }),
    ]);
    expect(await names(long.slice(5, 30))).toEqual(["t.long", "t.similar"]);
    expect(await names(long.slice(0, 33))).toEqual(["t.long", "t.similar"]);
    expect(await names(long.slice(0, 36))).toEqual(["t.long"]);
    expect(await names(long)).toEqual(["t.long"]);
    await User.destroy({ where: { username: ["t.long", "t.similar"] } });
  });

  it("pages in list order: unit, then department, then id", async () => {
    const page1 = await searchUsers({ scope: "all", page: 1, pageSize: 1 });
    const page2 = await searchUsers({ scope: "all", page: 2, pageSize: 1 });
    const all = await searchUsers({ scope: "all", page: 1, pageSize: 10 });
    expect([...page1.rows, ...page2.rows].map((u) => u.id)).toEqual(all.rows.slice(0, 2).map((u) => u.id));
    const order = all.rows.map((u) => [u.unitId, u.departmentId ?? 0, u.id]);
    expect(order).toEqual([...order].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!));
    expect(all.rows[0]?.unit?.name).toBeDefined();
    expect(all.rows.every((u) => !("passwordHash" in u) && !("totpSecret" in u) && !("recoveryCodes" in u))).toBe(true);
  });

  // A page is built by hand from rows (a model instance per row cost more CPU than the rest of the request).
  it("reads a page as plain data with the values and types Sequelize gives the same users", async () => {
    const first = (await searchUsers({ scope: "all", page: 1, pageSize: 1 })).rows[0];
    if (!first) throw new Error("no users");
    const before = await User.findByPk(first.id, { rejectOnEmpty: true });
    const { lockedUntil, lastLoginAt, disabled, totpEnabled, email } = before;
    // Whole seconds: MariaDB keeps no fractions in these columns.
    const at = new Date("2026-03-04T05:06:07.000Z");
    const changed = { lockedUntil: at, lastLoginAt: at, disabled: true, totpEnabled: true, email: "t@example.cn" };
    await before.update(changed);
    const { rows } = await searchUsers({ scope: "all", page: 1, pageSize: 100 });
    expect(rows.length).toBeGreaterThan(1);
    expect(rows[0]).toMatchObject(changed);
    for (const row of rows) {
      expect(row).not.toBeInstanceOf(User);
      const { unit, department, position, ...fields } = row;
      const user = await User.findByPk(row.id, { rejectOnEmpty: true });
      expect(user.get({ plain: true })).toMatchObject(fields);
      expect([unit?.id, department?.id ?? null, position?.id ?? null]).toEqual([
        user.unitId,
        user.departmentId,
        user.positionId,
      ]);
    }
    await before.update({ lockedUntil, lastLoginAt, disabled, totpEnabled, email });
  });
});

describe("totals of large result sets", () => {
  it("are exact up to the bound, and above it counted once and kept for a bounded time", async () => {
    const saved = { ...totals };
    Object.assign(totals, { exactUpTo: 2, largeTotalMs: 300 });
    try {
      const more = (n: number, from: number) =>
        User.bulkCreate(
          Array.from({ length: n }, (_, i) =>
            newUserRow({
              username: `t.total${from + i}`,
              displayName: `计数${from + i}`,
              unitId: south.id,
              passwordHash: NO_PASSWORD,
            }),
          ),
        );
      const total = async () => (await searchUsers({ q: "计数", scope: "all", page: 1, pageSize: 1 })).count;
      await more(2, 0);
      expect(await total()).toBe(2);
      await more(3, 2);
      expect(await total()).toBe(5);
      // Above the bound, a change shows in the total once the kept figure has expired.
      await more(1, 5);
      expect(await total()).toBe(5);
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect(await total()).toBe(6);
      // Past the last page the total is counted afresh.
      expect((await searchUsers({ q: "计数", scope: "all", page: 9, pageSize: 1 })).count).toBe(6);
      // Exact again below the bound, at once.
      await User.destroy({ where: { username: ["t.total0", "t.total1", "t.total2", "t.total3"] } });
      expect(await total()).toBe(2);
    } finally {
      Object.assign(totals, saved);
    }
  });
});
