// Recording usage on a real database: SQLite by default, MariaDB with DATABASE_URL=mysql://… (createTestDatabase).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sequelize } from "sequelize";
import { parseEnv } from "../../env.js";
import { createLogger } from "../../core/logger.js";
import { prepareDatabase } from "../../server.js";
import { createTestDatabase, type TestDatabase } from "../../../tests/helpers/testDatabase.js";
import { UsageEvent } from "../models/index.js";
import { onUsageError, recordUsage } from "./usage.js";

let db: TestDatabase;
let sequelize: Sequelize;

beforeAll(async () => {
  db = await createTestDatabase();
  sequelize = await prepareDatabase(parseEnv({ DATABASE_URL: db.url }), createLogger("silent"));
}, 60_000);

afterAll(async () => {
  await sequelize?.close();
  await db?.drop();
});

describe("recordUsage", () => {
  it("keeps the kind, patron, subject and time to the millisecond", async () => {
    const at = new Date("2026-03-04T05:06:07.891Z");
    await recordUsage({ kind: "library.navigate", userId: 7, subject: "K2", at });
    const row = await UsageEvent.findOne({ where: { kind: "library.navigate", subject: "K2" } });
    expect(row?.userId).toBe(7);
    expect(row?.at.toISOString()).toBe(at.toISOString());
  });

  it("cuts a long subject to 200 characters without splitting a character", async () => {
    // A real title's words repeated past the column's width, with a character outside the BMP at the cut.
    const subject = "史記卷一".repeat(49) + "史記𠀀𠀀𠀀";
    await recordUsage({ kind: "library.search", subject });
    const row = await UsageEvent.findOne({ where: { kind: "library.search" }, order: [["id", "DESC"]] });
    expect([...(row?.subject ?? "")]).toHaveLength(200);
    expect(row?.subject?.endsWith("𠀀𠀀")).toBe(true);
  });

  it("commits and rolls back with the caller's transaction", async () => {
    await sequelize.transaction(async (t) => {
      await recordUsage({ kind: "library.borrow", userId: 1, subject: "committed" }, t);
    });
    await sequelize
      .transaction(async (t) => {
        await recordUsage({ kind: "library.borrow", userId: 1, subject: "rolled-back" }, t);
        throw new Error("the borrowing failed");
      })
      .catch(() => {});
    expect(await UsageEvent.count({ where: { subject: "committed" } })).toBe(1);
    expect(await UsageEvent.count({ where: { subject: "rolled-back" } })).toBe(0);
  });

  it("outside a transaction, a failure is reported and never thrown", async () => {
    const reported: string[] = [];
    onUsageError((_err, kind) => reported.push(kind));
    await sequelize.getQueryInterface().renameTable("usage_events", "usage_events_away");
    try {
      await expect(recordUsage({ kind: "library.download", userId: 3 })).resolves.toBeUndefined();
    } finally {
      await sequelize.getQueryInterface().renameTable("usage_events_away", "usage_events");
      onUsageError(() => {});
    }
    expect(reported).toEqual(["library.download"]);
  });
});
