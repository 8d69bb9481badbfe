import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sequelize } from "sequelize";
import { openDatabase } from "./db.js";
import { createMigrator } from "./migrator.js";
import { MIGRATIONS } from "../../migrations/index.js";
import { createTestDatabase, type TestDatabase } from "../../tests/helpers/testDatabase.js";

let db: TestDatabase;
let sequelize: Sequelize;

async function tables(): Promise<string[]> {
  const names = await sequelize.getQueryInterface().showAllTables();
  return names.map((t) => (typeof t === "string" ? t : (t as { tableName: string }).tableName)).sort();
}

beforeAll(async () => {
  db = await createTestDatabase();
  sequelize = openDatabase(db.url);
});
afterAll(async () => {
  await sequelize?.close();
  await db?.drop();
});

describe("migrations", () => {
  it("lists every migration file", () => {
    const files = readdirSync(new URL("../../migrations/", import.meta.url)).filter((f) => /^\d{4}-.*\.ts$/.test(f));
    expect(MIGRATIONS.map(([name]) => `${name}.ts`)).toEqual(files.sort());
  });

  it(`run up, down and up again (${process.env.DATABASE_URL?.split(":")[0] ?? "sqlite"})`, async () => {
    const migrator = createMigrator(sequelize);
    await migrator.up();
    const afterUp = await tables();
    expect(afterUp).toEqual(
      expect.arrayContaining(["users", "units", "audit_events", "audit_head", "sessions", "role_assignments"]),
    );
    await migrator.down({ to: 0 });
    expect(await tables()).toEqual(["schema_migrations"]);
    await migrator.up();
    expect(await tables()).toEqual(afterUp);
    expect((await migrator.pending()).length).toBe(0);
  });
});
