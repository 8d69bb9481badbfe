import { execFile } from "node:child_process";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Sequelize } from "sequelize";
import { parseEnv } from "../../env.js";
import { createLogger } from "../../core/logger.js";
import { openDatabase } from "../../core/db.js";
import { createMigrator } from "../../core/migrator.js";
import { initModels, prepareDatabase } from "../../server.js";
import { createTestDatabase, type TestDatabase } from "../../../tests/helpers/testDatabase.js";
import { dropAuditTriggers } from "../../../migrations/0004-audit-integrity.js";
import { AuditEvent, AuditHead, AuditPending } from "../models/auditEvent.js";
import { databaseId, KEY_FILE } from "./auditAnchor.js";
import {
  appendAuditEvent,
  chainPendingAuditEvents,
  checkpointAuditChain,
  recordAuditEvent,
  unkeyedEventHash,
  verifyAuditChain,
  type ChainProblemKind,
} from "./auditChain.js";

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), "yong-audit-"));
let db: TestDatabase;
let sequelize: Sequelize;

const env = (extra: Record<string, string> = {}) =>
  parseEnv({ DATABASE_URL: db.url, DATA_DIR: dataDir, LOG_LEVEL: "silent", SEED_DEMO: "false", ...extra });

const checkpointDir = () => join(dataDir, "audit-checkpoints", databaseId(db.url));

async function verifyCli(extra: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "server/cli/audit-verify.ts"], {
      env: { ...process.env, DATABASE_URL: db.url, DATA_DIR: dataDir, LOG_LEVEL: "silent", ...extra },
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

async function append(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await appendAuditEvent(sequelize, {
      action: "test.event",
      outcome: "success",
      actorName: `user${i}`,
      detail: { i },
    });
  }
}

/** Someone with full rights on the database: drops the triggers first, as such a person would. */
async function asAttacker(...statements: string[]): Promise<void> {
  await dropAuditTriggers(sequelize.getQueryInterface());
  for (const sql of statements) await sequelize.query(sql);
}

async function expectProblem(kind: ChainProblemKind, seq?: number): Promise<void> {
  const report = await verifyAuditChain();
  expect(report.ok).toBe(false);
  expect(report.problem).toMatchObject(seq === undefined ? { kind } : { kind, seq });
}

beforeEach(async () => {
  db = await createTestDatabase();
  sequelize = await prepareDatabase(env(), createLogger("silent"));
});
afterEach(async () => {
  await sequelize?.close();
  await db?.drop();
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("audit hash chain", () => {
  it("links concurrent appends into one gap-free chain", async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        appendAuditEvent(sequelize, { action: "race", outcome: "success", detail: { i } }),
      ),
    );
    const seqs = (await AuditEvent.findAll({ order: [["seq", "ASC"]] })).map((e) => e.seq);
    // Event 1 is the seal written at first start.
    expect(seqs).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    expect(await verifyAuditChain()).toMatchObject({ ok: true, checked: 41 });
  });

  it("records the events of concurrent transactions, each committed with its change or not at all, in one chain", async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        sequelize
          .transaction(async (t) => {
            await recordAuditEvent(sequelize, { action: "race.tx", outcome: "success", detail: { i } }, t);
            if (i % 4 === 3) throw new Error("rolled back");
          })
          .catch(() => undefined),
      ),
    );
    // Each committed transaction's event is chained before its commit returns: nothing waits, none is missing.
    expect(await AuditPending.count()).toBe(0);
    const events = await AuditEvent.findAll({ where: { action: "race.tx" }, order: [["seq", "ASC"]] });
    const kept = events.map((e) => (JSON.parse(e.detail!) as { i: number }).i).sort((a, b) => a - b);
    expect(kept).toEqual(Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 4 !== 3));
    const seqs = (await AuditEvent.findAll({ order: [["seq", "ASC"]] })).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    expect(await verifyAuditChain()).toMatchObject({ ok: true, checked: 31 });
  });

  it("chains events left waiting by a crash between commit and chaining, at the next start and before a check", async () => {
    const waiting = (i: number) => ({
      at: new Date(Date.UTC(2026, 10, 27, 8, 0, i, 123)),
      actorId: null,
      actorName: "crashed",
      ip: "10.0.0.1",
      action: "left.waiting",
      targetType: "oa_document",
      targetId: String(i),
      outcome: "success" as const,
      detail: JSON.stringify({ i }),
    });
    await AuditPending.bulkCreate([waiting(1), waiting(2)]);
    expect(await verifyAuditChain()).toMatchObject({ ok: true, checked: 3 });
    await AuditPending.bulkCreate([waiting(3)]);
    await sequelize.close();
    sequelize = await prepareDatabase(env(), createLogger("silent"));
    expect(await AuditPending.count()).toBe(0);
    const events = await AuditEvent.findAll({ where: { action: "left.waiting" }, order: [["seq", "ASC"]] });
    expect(events.map((e) => [e.targetId, e.at.toISOString()])).toEqual([
      ["1", "2026-11-27T08:00:01.123Z"],
      ["2", "2026-11-27T08:00:02.123Z"],
      ["3", "2026-11-27T08:00:03.123Z"],
    ]);
    expect(await chainPendingAuditEvents(sequelize)).toBe(0);
    expect(await verifyAuditChain()).toMatchObject({ ok: true, checked: 4 });
  });

  it("detects an edited row, through the API's service and the CLI", async () => {
    await append(5);
    expect((await verifyCli()).code).toBe(0);
    await asAttacker("UPDATE audit_events SET outcome = 'failure' WHERE seq = 3");
    await expectProblem("edited", 3);
    const cli = await verifyCli();
    expect(cli.code).toBe(2);
    expect(cli.out).toMatch(/BROKEN at event 3 \(edited\)/);
  });

  it("detects an edit whose hash was recomputed without the key", async () => {
    await append(5);
    const row = await AuditEvent.findByPk(2);
    if (!row) throw new Error("missing row");
    row.actorName = "someone-else";
    await asAttacker(
      `UPDATE audit_events SET actorName = 'someone-else', hash = '${unkeyedEventHash(row)}' WHERE seq = 2`,
    );
    await expectProblem("edited", 2);
  });

  it("detects a deleted row in the middle", async () => {
    await append(5);
    await asAttacker("DELETE FROM audit_events WHERE seq = 3");
    await expectProblem("missing", 3);
    expect((await verifyCli()).code).toBe(2);
  });

  it("detects a deleted last row by the head", async () => {
    await append(5);
    await asAttacker("DELETE FROM audit_events WHERE seq = 6");
    await expectProblem("truncated");
  });

  it("detects a log rewritten without the key: a row deleted and the rest renumbered and re-hashed", async () => {
    await append(6);
    const rows = (await AuditEvent.findAll({ order: [["seq", "ASC"]] })).filter((e) => e.seq !== 4);
    await asAttacker("DELETE FROM audit_events");
    let prevHash = "0".repeat(64);
    for (const [index, row] of rows.entries()) {
      const forged = { ...row.get({ plain: true }), seq: index + 1, prevHash };
      forged.hash = unkeyedEventHash(forged);
      prevHash = forged.hash;
      await AuditEvent.create(forged);
    }
    await asAttacker(`UPDATE audit_head SET seq = ${rows.length}, hash = '${prevHash}'`);
    await expectProblem("edited", 1);
    const cli = await verifyCli();
    expect(cli.code).toBe(2);
    expect(cli.out).toMatch(/BROKEN/);
  });
});

describe("anchored outside the database", () => {
  it("refuses UPDATE and DELETE of events, and lowering or deleting the head, in the database itself", async () => {
    await append(3);
    /** The database's own message (Sequelize wraps SQLite's in a generic validation error). */
    const refusal = async (attempt: Promise<unknown>) => {
      const err: unknown = await attempt.then(
        () => null,
        (e: unknown) => e,
      );
      const cause = (err as { original?: Error } | null)?.original ?? err;
      return cause instanceof Error ? cause.message : "no error";
    };
    expect(await refusal(sequelize.query("UPDATE audit_events SET outcome = 'failure' WHERE seq = 2"))).toMatch(
      /append-only/,
    );
    expect(await refusal(sequelize.query("DELETE FROM audit_events WHERE seq = 4"))).toMatch(/append-only/);
    expect(await refusal(AuditEvent.destroy({ where: {} }))).toMatch(/append-only/);
    expect(await refusal(sequelize.query("UPDATE audit_head SET seq = 2"))).toMatch(/only moves forward/);
    expect(await refusal(sequelize.query("UPDATE audit_head SET hash = 'x'"))).toMatch(/only moves forward/);
    expect(await refusal(sequelize.query("UPDATE audit_head SET chainId = NULL"))).toMatch(/only moves forward/);
    expect(await refusal(sequelize.query("DELETE FROM audit_head"))).toMatch(/only moves forward/);
    expect(await verifyAuditChain()).toMatchObject({ ok: true, checked: 4 });
  });

  it("reports a truncated log whose head was rewound to match, from the checkpoint", async () => {
    await append(5);
    expect(await checkpointAuditChain()).toBe(true);
    const kept = await AuditEvent.findByPk(4);
    await asAttacker("DELETE FROM audit_events WHERE seq > 4", `UPDATE audit_head SET seq = 4, hash = '${kept?.hash}'`);
    await expectProblem("truncated", 5);
    const cli = await verifyCli();
    expect(cli.code).toBe(2);
    expect(cli.out).toMatch(/\(truncated\)/);
  });

  it("reports an emptied log, even one whose head was reset", async () => {
    await append(3);
    await checkpointAuditChain();
    await asAttacker("DELETE FROM audit_events", `UPDATE audit_head SET seq = 0, hash = '${"0".repeat(64)}'`);
    await expectProblem("emptied", 1);
    expect((await verifyCli()).out).toMatch(/\(emptied\)/);
  });

  it("reports a log emptied and re-sealed under a new chain at the next start", async () => {
    await append(3);
    await asAttacker(
      "DELETE FROM audit_events",
      `UPDATE audit_head SET seq = 0, hash = '${"0".repeat(64)}', chainId = NULL`,
    );
    await expectProblem("unanchored");
    await sequelize.close();
    sequelize = await prepareDatabase(env(), createLogger("silent"));
    await expectProblem("replaced");
    const seal = await AuditEvent.findByPk(1);
    expect(seal?.action).toBe("audit.chain.sealed");
    expect(JSON.parse(seal?.detail ?? "{}").replacedChains).toHaveLength(1);
  });

  it("reports missing, forged and foreign-key checkpoints", async () => {
    await append(2);
    await checkpointAuditChain();
    expect(await verifyAuditChain()).toMatchObject({ ok: true, checked: 3, checkpoints: 2 });
    const [file] = readdirSync(checkpointDir());
    if (!file) throw new Error("no checkpoint file");
    const path = join(checkpointDir(), file);
    const original = readFileSync(path, "utf8");

    const lines = original.trimEnd().split("\n");
    const last = JSON.parse(lines[1] ?? "{}");
    writeFileSync(path, `${lines[0]}\n${JSON.stringify({ ...last, seq: 2 })}\n`);
    await expectProblem("forged_checkpoint");

    // A line cut short by a crash is ignored; a full line is not.
    writeFileSync(path, original);
    appendFileSync(path, '{"v":1,"chain":');
    expect((await verifyAuditChain()).ok).toBe(true);

    const other = await verifyCli({ AUDIT_KEY: "a-different-key-of-at-least-32-characters" });
    expect(other.code).toBe(2);
    expect(other.out).toMatch(/\(wrong_key\)/);

    rmSync(path);
    await expectProblem("unanchored");
  });

  it("keeps the key in DATA_DIR readable by the server's user only, and never in the database", async () => {
    const keyFile = join(dataDir, KEY_FILE);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = readFileSync(keyFile, "utf8").trim();
    expect(key.length).toBeGreaterThanOrEqual(64);
    const dump = JSON.stringify([
      await AuditEvent.findAll({ raw: true }),
      await AuditHead.findAll({ raw: true }),
      await sequelize.query("SELECT * FROM settings"),
    ]);
    expect(dump).not.toContain(key);
  });
});

describe("upgrading a log written before the key", () => {
  it("seals the unkeyed events without rewriting them, verifies intact, and still detects edits to them", async () => {
    // The database as the previous release left it: migrated up to the audit log, events hashed without a key.
    await sequelize.close();
    await db.drop();
    db = await createTestDatabase();
    sequelize = openDatabase(db.url);
    initModels(sequelize);
    await createMigrator(sequelize).up({ to: "0003-login-security" });
    let prevHash = "0".repeat(64);
    for (let seq = 1; seq <= 4; seq++) {
      const draft = {
        seq,
        at: new Date(Date.UTC(2026, 0, seq)),
        actorId: null,
        actorName: "sysadmin",
        ip: "10.0.0.1",
        action: "user.create",
        targetType: "user",
        targetId: String(seq),
        outcome: "success" as const,
        detail: JSON.stringify({ seq }),
        prevHash,
      };
      prevHash = unkeyedEventHash(draft);
      await AuditEvent.create({ ...draft, hash: prevHash });
    }
    await AuditHead.update({ seq: 4, hash: prevHash }, { where: { id: 1 } });
    const before = await AuditEvent.findAll({ order: [["seq", "ASC"]], raw: true });
    await sequelize.close();

    sequelize = await prepareDatabase(env(), createLogger("silent"));
    const after = await AuditEvent.findAll({ order: [["seq", "ASC"]], raw: true });
    expect(after.slice(0, 4)).toEqual(before);
    expect(after[4]).toMatchObject({ seq: 5, action: "audit.chain.sealed", prevHash });
    await append(2);
    expect(await verifyAuditChain()).toMatchObject({ ok: true, checked: 7 });
    expect((await verifyCli()).code).toBe(0);

    // The unkeyed events are covered by the seal: re-hashing an edit to one breaks the link into the keyed part.
    const row = await AuditEvent.findByPk(4);
    if (!row) throw new Error("missing row");
    row.actorName = "nobody";
    await asAttacker(`UPDATE audit_events SET actorName = 'nobody', hash = '${unkeyedEventHash(row)}' WHERE seq = 4`);
    await expectProblem("broken_link", 5);
  });
});
