import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sequelize } from "sequelize";
import { openDatabase } from "../../core/db.js";
import { createMigrator } from "../../core/migrator.js";
import { initModels } from "../../server.js";
import { createTestDatabase, type TestDatabase } from "../../../tests/helpers/testDatabase.js";
import { AuditEvent, AuditHead } from "../models/auditEvent.js";
import { appendAuditEvent, verifyAuditChain } from "./auditChain.js";

const run = promisify(execFile);
let db: TestDatabase;
let sequelize: Sequelize;

async function verifyCli(): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "server/cli/audit-verify.ts"], {
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: "silent" },
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

async function freshChain(n: number): Promise<void> {
  await AuditEvent.destroy({ where: {} });
  await AuditHead.update({ seq: 0, hash: "0".repeat(64) }, { where: { id: 1 } });
  for (let i = 0; i < n; i++) {
    await appendAuditEvent(sequelize, {
      action: "test.event",
      outcome: "success",
      actorName: `user${i}`,
      detail: { i },
    });
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  sequelize = openDatabase(db.url);
  initModels(sequelize);
  await createMigrator(sequelize).up();
});
afterAll(async () => {
  await sequelize?.close();
  await db?.drop();
});

describe("audit hash chain", () => {
  it("links concurrent appends into one gap-free chain", async () => {
    await freshChain(0);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        appendAuditEvent(sequelize, { action: "race", outcome: "success", detail: { i } }),
      ),
    );
    const seqs = (await AuditEvent.findAll({ order: [["seq", "ASC"]] })).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(await verifyAuditChain()).toEqual({ ok: true, checked: 40 });
  });

  it("detects an edited row, through the API's service and the CLI", async () => {
    await freshChain(5);
    expect((await verifyCli()).code).toBe(0);
    await sequelize.query("UPDATE audit_events SET outcome = 'failure' WHERE seq = 3");
    const report = await verifyAuditChain();
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ seq: 3, kind: "edited" });
    const cli = await verifyCli();
    expect(cli.code).toBe(2);
    expect(cli.out).toMatch(/BROKEN at event 3 \(edited\)/);
  });

  it("detects an edit whose hash was recomputed, by the broken link to the next event", async () => {
    await freshChain(5);
    const row = await AuditEvent.findByPk(2);
    if (!row) throw new Error("missing row");
    const { hashEvent } = await import("./auditChain.js");
    row.actorName = "someone-else";
    row.hash = hashEvent(row);
    await row.save();
    expect((await verifyAuditChain()).problem).toMatchObject({ seq: 3, kind: "broken_link" });
  });

  it("detects a deleted row in the middle and at the end", async () => {
    await freshChain(5);
    await sequelize.query("DELETE FROM audit_events WHERE seq = 2");
    expect((await verifyAuditChain()).problem).toMatchObject({ seq: 2, kind: "missing" });
    expect((await verifyCli()).code).toBe(2);
    await freshChain(5);
    await sequelize.query("DELETE FROM audit_events WHERE seq = 5");
    expect((await verifyAuditChain()).problem).toMatchObject({ kind: "truncated" });
  });
});
