import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import { Op } from "sequelize";
import { AuditEvent } from "../../server/audit/models/auditEvent.js";
import { checkpointAuditChain, unkeyedEventHash } from "../../server/audit/services/auditChain.js";
import { dropAuditTriggers } from "../../migrations/0004-audit-integrity.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe("the auditor's CSV export", () => {
  it("writes a user name that is a spreadsheet formula as text", async () => {
    const payload = "=cmd|' /C calc'!A0";
    const login = await server.client().post("/api/auth/login", { username: payload, password: "wrong-password" });
    expect(login.status).toBe(401);
    await server.client().post("/api/auth/login", { username: "@SUM(1+1)*cmd|' /C calc'!A0", password: "x" });
    const auditor = await server.signIn("auditor");
    const csv = await auditor.get("/api/audit/events.csv");
    expect(csv.status).toBe(200);
    const rows: string[][] = parse(csv.text.replace(/^\uFEFF/, ""), { relax_column_count: false });
    const cells = rows.flat();
    expect(cells).toContain(`'${payload}`);
    expect(cells.filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
  });
});

describe("the auditor's verify button", () => {
  // Runs last in this file: it leaves the log broken on purpose.
  it("reports a log rewritten without the key, then truncated, then emptied", async () => {
    const auditor = await server.signIn("auditor");
    const intact = await auditor.get("/api/audit/verify");
    expect(intact.body).toMatchObject({ ok: true });
    expect(intact.body.checkpoints).toBeGreaterThanOrEqual(1);
    expect(await checkpointAuditChain()).toBe(true);
    const events = await AuditEvent.findAll({ order: [["seq", "ASC"]] });
    expect(events.length).toBeGreaterThan(6);
    const q = server.sequelize.getQueryInterface();

    // Someone with database rights deletes event k and re-hashes everything after it, as the old chain allowed.
    await dropAuditTriggers(q);
    const k = events.length - 2;
    const kept = events.filter((e) => e.seq !== k);
    await AuditEvent.destroy({ where: { seq: { [Op.gte]: k } } });
    let prevHash = events[k - 2]?.hash ?? "";
    for (const [index, e] of kept.slice(k - 1).entries()) {
      const forged = { ...e.get({ plain: true }), seq: k + index, prevHash };
      forged.hash = unkeyedEventHash(forged);
      prevHash = forged.hash;
      await AuditEvent.create(forged);
    }
    await server.sequelize.query(`UPDATE audit_head SET seq = ${kept.length}, hash = '${prevHash}'`);
    const rewritten = await auditor.get("/api/audit/verify");
    expect(rewritten.body).toMatchObject({ ok: false, problem: { kind: "edited", seq: k } });

    // ... then cuts the log back to event m, before the rewrite, with a head to match.
    const m = k - 3;
    await AuditEvent.destroy({ where: { seq: { [Op.gt]: m } } });
    await server.sequelize.query(`UPDATE audit_head SET seq = ${m}, hash = '${events[m - 1]?.hash}'`);
    const truncated = await auditor.get("/api/audit/verify");
    expect(truncated.body).toMatchObject({ ok: false, problem: { kind: "truncated", seq: m + 1 } });

    // ... then empties it.
    await AuditEvent.destroy({ where: {} });
    await server.sequelize.query(`UPDATE audit_head SET seq = 0, hash = '${"0".repeat(64)}'`);
    const emptied = await auditor.get("/api/audit/verify");
    expect(emptied.body).toMatchObject({ ok: false, problem: { kind: "emptied" } });
  });
});
