import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import { Op } from "sequelize";
import { AuditEvent, AuditHead } from "../../server/audit/models/auditEvent.js";
import { checkpointAuditChain, unkeyedEventHash } from "../../server/audit/services/auditChain.js";
import { dropAuditTriggers } from "../../migrations/0004-audit-integrity.js";
import { ApiClient } from "../helpers/apiClient.js";
import { spawnServerProcess } from "../helpers/serverProcess.js";
import { STRONG_PASSWORD, startTestServer, type TestServer } from "../helpers/testServer.js";

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

async function adminRequests(actorName: string): Promise<number> {
  return AuditEvent.count({ where: { actorName, action: "admin.request" } });
}

/** Rejects when `promise` takes longer than `ms`. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms)),
  ]);
}

describe("三员 page views", () => {
  it("are answered without waiting for the audit head, and all reach the chain in batches", async () => {
    const sysadmin = await server.signIn("sysadmin");
    await server.flushAudit();
    const before = await adminRequests("sysadmin");
    // A long append elsewhere holds the head of the chain: reads must not queue behind it.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = () => {};
    const locked = new Promise<void>((resolve) => (holding = resolve));
    const holder = server.sequelize.transaction(async (t) => {
      await AuditHead.findByPk(1, { transaction: t, lock: t.LOCK.UPDATE });
      holding();
      await held;
    });
    await locked;
    const views = 60;
    try {
      const answers = await within(
        5000,
        Promise.all(Array.from({ length: views }, () => sysadmin.get("/api/org/positions"))),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(views).fill(200));
    } finally {
      release();
      await holder;
    }
    await server.flushAudit();
    expect((await adminRequests("sysadmin")) - before).toBe(views);
    const rows = await AuditEvent.findAll({
      where: { actorName: "sysadmin", action: "admin.request" },
      order: [["seq", "ASC"]],
    });
    expect(rows.slice(-views).every((r) => r.targetId === "GET /api/org/positions")).toBe(true);
    const auditor = await server.signIn("auditor");
    expect((await auditor.get("/api/audit/verify")).body).toMatchObject({ ok: true });
  });

  it("are all written by a clean shutdown of an instance", async () => {
    // A second app instance on the same database, stopped the way an operator stops it (SIGTERM).
    const instance = await spawnServerProcess({ DATABASE_URL: server.db.url, SEED_DEMO: "false" });
    await server.signIn("sysadmin");
    const sysadmin = new ApiClient(instance.url);
    const login = await sysadmin.post("/api/auth/login", { username: "sysadmin", password: STRONG_PASSWORD });
    expect(login.status).toBe(200);
    const before = await adminRequests("sysadmin");
    const views = 25;
    const answers = await Promise.all(Array.from({ length: views }, () => sysadmin.get("/api/org/positions")));
    expect(answers.map((a) => a.status)).toEqual(Array(views).fill(200));
    await instance.stop();
    expect((await adminRequests("sysadmin")) - before).toBe(views);
  });
});

describe("refusals", () => {
  it("counts anonymous ones per caller, route and reason instead of writing one event each", async () => {
    await server.flushAudit();
    const firstSeq = (await AuditEvent.max<number, AuditEvent>("seq")) ?? 0;
    const anonymous = server.client();
    await anonymous.get("/api/auth/csrf");
    const refusals = await Promise.all(
      Array.from({ length: 200 }, () => anonymous.request("POST", "/api/org/units", { body: {}, csrf: false })),
    );
    expect(refusals.every((r) => r.status === 403 && r.body.error.code === "csrf_failed")).toBe(true);
    for (let i = 0; i < 20; i++) expect((await anonymous.get("/api/org/users")).status).toBe(401);
    const staff = await server.signIn("office.staff1");
    for (let i = 0; i < 5; i++) {
      expect((await staff.request("POST", "/api/org/units", { body: {}, csrf: false })).status).toBe(403);
    }
    await server.flushAudit();

    const written = await AuditEvent.findAll({ where: { seq: { [Op.gt]: firstSeq } }, order: [["seq", "ASC"]] });
    const counted = written.filter((e) => e.action === "authz.denied.anonymous");
    const total = (route: string, reason: string) =>
      counted
        .filter((e) => e.targetId === route && JSON.parse(e.detail ?? "{}").reason === reason)
        .reduce((sum, e) => sum + Number(JSON.parse(e.detail ?? "{}").count), 0);
    expect(total("POST /api/org/units", "csrf_failed")).toBe(200);
    expect(total("GET /api/org/users", "unauthenticated")).toBe(20);
    // A window may close during the run: a few events, never one per refusal.
    expect(counted.length).toBeLessThanOrEqual(4);
    expect(written.filter((e) => e.action === "authz.denied" && e.actorName === null)).toEqual([]);
    // Signed-in refusals keep one event each, with the user.
    const named = written.filter((e) => e.action === "authz.denied" && e.actorName === "office.staff1");
    expect(named).toHaveLength(5);
    expect(named.every((e) => JSON.parse(e.detail ?? "{}").reason === "csrf_failed")).toBe(true);
  });
});

describe("the auditor's verify button", () => {
  // Runs last in this file: it leaves the log broken on purpose.
  it("reports a log rewritten without the key, then truncated, then emptied", async () => {
    const auditor = await server.signIn("auditor");
    // Enough events to cut from, however many the tests before this one wrote.
    for (let i = 0; i < 8; i++) await auditor.get("/api/audit/actions");
    await server.flushAudit();
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
