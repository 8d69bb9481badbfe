import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueryTypes, type Sequelize } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, prepareSqlite } from "./db.js";

// SQLite only: the read connections are how the embedded default spreads reads over the cores.
let sequelize: Sequelize;
const dir = mkdtempSync(join(tmpdir(), "yong-db-"));

beforeAll(async () => {
  sequelize = openDatabase(`sqlite:${join(dir, "db.sqlite")}`);
  await prepareSqlite(sequelize);
  await sequelize.query("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)");
});

afterAll(async () => {
  await sequelize.close();
  rmSync(dir, { recursive: true, force: true });
});

const texts = async (options: { transaction?: never } = {}) =>
  (
    await sequelize.query<{ text: string }>("SELECT text FROM notes ORDER BY id", {
      type: QueryTypes.SELECT,
      ...options,
    })
  ).map((r) => r.text);

describe("SQLite reads outside transactions", () => {
  it("run on read connections of their own, not the connection Sequelize writes through", async () => {
    // A temporary table lives on one connection only: the write connection has it, a read connection does not.
    await sequelize.query("CREATE TEMP TABLE only_here (x INTEGER)");
    await expect(sequelize.query("SELECT x FROM only_here", { type: QueryTypes.SELECT })).rejects.toThrow(
      /no such table/,
    );
    await sequelize.query("DROP TABLE only_here");
  });

  it("see every write that has returned, and nothing a transaction has not committed", async () => {
    await sequelize.query("INSERT INTO notes (text) VALUES ('one')");
    expect(await texts()).toEqual(["one"]);
    await sequelize.transaction(async (t) => {
      await sequelize.query("INSERT INTO notes (text) VALUES ('two')", { transaction: t });
      // The transaction reads its own write on its own connection; others do not see it yet.
      const inside = await sequelize.query<{ text: string }>("SELECT text FROM notes ORDER BY id", {
        type: QueryTypes.SELECT,
        transaction: t,
      });
      expect(inside.map((r) => r.text)).toEqual(["one", "two"]);
      expect(await texts()).toEqual(["one"]);
    });
    expect(await texts()).toEqual(["one", "two"]);
    // Many at once, spread over the read connections, all the same.
    const all = await Promise.all(Array.from({ length: 20 }, () => texts()));
    expect(new Set(all.map((r) => r.join()))).toEqual(new Set(["one,two"]));
  });
});
