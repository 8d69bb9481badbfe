import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sequelize } from "sequelize";
import { parseEnv } from "../env.js";
import { createLogger } from "./logger.js";
import { prepareDatabase } from "../server.js";
import { createTestDatabase, type TestDatabase } from "../../tests/helpers/testDatabase.js";
import { AuditPending } from "../audit/models/auditEvent.js";
import { columnsOf, insertInstances, insertRows, selectInstances, updateChanged } from "./rows.js";

let db: TestDatabase;
let sequelize: Sequelize;

beforeAll(async () => {
  db = await createTestDatabase();
  sequelize = await prepareDatabase(parseEnv({ DATABASE_URL: db.url }), createLogger("silent"));
});

afterAll(async () => {
  await sequelize?.close();
  await db?.drop();
});

const row = (i: number) => ({
  at: new Date(Date.UTC(2026, 10, 27, 9, 30, i, 457)),
  actorId: null,
  actorName: `名字${i}`,
  ip: null,
  action: "rows.test",
  targetType: null,
  targetId: String(i),
  outcome: "success" as const,
  detail: i % 2 ? JSON.stringify({ i, text: "引号'与\\反斜杠" }) : null,
});

const select = (where: string, replacements: unknown[]) =>
  selectInstances(
    AuditPending,
    `SELECT ${columnsOf(AuditPending, "p", "").join(", ")} FROM audit_pending p WHERE ${where} ORDER BY p.id`,
    replacements,
    undefined,
  );

describe("plain statements with model instances", () => {
  it("inserts many rows in one statement and answers their ids, with milliseconds and quotes kept", async () => {
    const written = await sequelize.transaction((t) => insertRows(AuditPending, [row(1), row(2), row(3)], t));
    const read = await select("p.action = ?", ["rows.test"]);
    expect(read.map((r) => r.id)).toEqual(written.map((w) => w.id));
    expect(written[1]!.id - written[0]!.id).toBe(1);
    expect(read.map((r) => [r.targetId, r.at.toISOString(), r.actorName, r.detail])).toEqual([
      ["1", "2026-11-27T09:30:01.457Z", "名字1", JSON.stringify({ i: 1, text: "引号'与\\反斜杠" })],
      ["2", "2026-11-27T09:30:02.457Z", "名字2", null],
      ["3", "2026-11-27T09:30:03.457Z", "名字3", JSON.stringify({ i: 3, text: "引号'与\\反斜杠" })],
    ]);
    expect(read[0]!.at).toBeInstanceOf(Date);
  });

  it("updates only the columns changed since the row was read, and nothing when none changed", async () => {
    const [made] = await sequelize.transaction((t) => insertInstances(AuditPending, [row(7)], t));
    const [copy] = await select("p.id = ?", [made!.id]);
    // Someone else changes another column meanwhile: writing ours must not put the old value back.
    await AuditPending.update({ actorName: "别人改的" }, { where: { id: made!.id } });
    copy!.outcome = "failure";
    copy!.at = new Date(Date.UTC(2027, 0, 2, 3, 4, 5, 678));
    // Counted in Sequelize's SQL log, which plain statements on MariaDB's fast path also go to.
    const statements: string[] = [];
    const options = Reflect.get(sequelize, "options") as { logging: unknown };
    const logging = options.logging;
    options.logging = (sql: string) => statements.push(sql);
    try {
      await sequelize.transaction(async (t) => {
        await updateChanged(copy!, t);
        await updateChanged(copy!, t); // nothing changed since: no statement
      });
    } finally {
      options.logging = logging;
    }
    expect(statements.filter((sql) => /\bUPDATE\b/i.test(sql))).toHaveLength(1);
    expect(copy!.changed()).toBe(false);
    const [stored] = await select("p.id = ?", [made!.id]);
    expect([stored!.outcome, stored!.actorName, stored!.at.toISOString()]).toEqual([
      "failure",
      "别人改的",
      "2027-01-02T03:04:05.678Z",
    ]);
  });

  it("reads the same rows, typed the same, inside a transaction (MariaDB's direct path) as outside", async () => {
    const written = await sequelize.transaction((t) => insertRows(AuditPending, [row(11), row(12)], t));
    const ids = written.map((w) => w.id);
    const sql = `SELECT ${columnsOf(AuditPending, "p", "").join(", ")} FROM audit_pending p WHERE p.id IN (?) ORDER BY p.id`;
    const outside = await selectInstances(AuditPending, sql, [ids], undefined);
    const inside = await sequelize.transaction((t) => selectInstances(AuditPending, sql, [ids], t));
    expect(inside.map((r) => r.get({ plain: true }))).toEqual(outside.map((r) => r.get({ plain: true })));
    expect(inside[0]!.at.toISOString()).toBe("2026-11-27T09:30:11.457Z");
    expect(typeof inside[0]!.id).toBe("number");
  });
});
