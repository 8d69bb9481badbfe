import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes, scryptSync } from "node:crypto";
import { TOTP, Secret } from "otpauth";
import { Session, User } from "../../server/org/models/index.js";
import { startTestServer, STRONG_PASSWORD, type TestServer } from "../helpers/testServer.js";
import { ApiClient } from "../helpers/apiClient.js";
import { spawnServerProcess } from "../helpers/serverProcess.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe("login and sessions", () => {
  it("signs in, sets an HttpOnly SameSite session cookie, and never returns secrets", async () => {
    const client = server.client();
    await client.get("/api/auth/csrf");
    const { username, password } = server.account("office.staff1");
    const res = await client.request("POST", "/api/auth/login", { body: { username, password } });
    expect(res.status).toBe(200);
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith("yo_sid="));
    expect(setCookie).toMatch(/httponly/i);
    expect(setCookie).toMatch(/samesite=lax/i);
    expect(res.body.user.username).toBe(username);
    expect(res.body.mustChangePassword).toBe(true);
    expect(res.text).not.toMatch(/passwordHash|scrypt\$|argon2id|totpSecret|recoveryCodes/);
  });

  it("forces the initial password to be changed before anything else", async () => {
    const client = server.client();
    const { username, password } = server.account("office.registrar");
    await client.post("/api/auth/login", { username, password });
    const blocked = await client.get("/api/org/directory?q=wang");
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.code).toBe("password_change_required");

    const weak = await client.post("/api/auth/password", { currentPassword: password, newPassword: "abcdefgh" });
    expect(weak.status).toBe(400);
    expect(weak.body.error.details.rules).toEqual(expect.arrayContaining(["classes"]));
    const named = await client.post("/api/auth/password", { currentPassword: password, newPassword: `${username}A1!` });
    expect(named.body.error.details.rules).toContain("username");
    const short = await client.post("/api/auth/password", { currentPassword: password, newPassword: "Ab1!" });
    expect(short.body.error.details.rules).toContain("length");
    const wrong = await client.post("/api/auth/password", { currentPassword: "nope", newPassword: STRONG_PASSWORD });
    expect(wrong.body.error.code).toBe("wrong_password");

    const ok = await client.post("/api/auth/password", { currentPassword: password, newPassword: STRONG_PASSWORD });
    expect(ok.status).toBe(204);
    expect((await client.get("/api/org/directory?q=wang")).status).toBe(200);
    const stored = await User.findOne({ where: { username } });
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(stored?.passwordHash).not.toContain(STRONG_PASSWORD);
  });

  it("replaces a scrypt hash of an earlier version with argon2id at the next sign-in, and keeps the password", async () => {
    const { username, password } = server.account("office.leader");
    const salt = randomBytes(16);
    const key = scryptSync(password, salt, 64, { N: 2 ** 10, r: 8, p: 1 });
    await User.update(
      { passwordHash: `scrypt$10$8$1$${salt.toString("base64")}$${key.toString("base64")}` },
      { where: { username } },
    );
    const wrong = await server.client().post("/api/auth/login", { username, password: "Wrong#Pass1" });
    expect(wrong.status).toBe(401);
    expect((await User.findOne({ where: { username } }))?.passwordHash).toMatch(/^scrypt\$/);
    const first = await server.client().post("/api/auth/login", { username, password });
    expect(first.status).toBe(200);
    expect((await User.findOne({ where: { username } }))?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=1024,t=2,p=1\$/);
    expect((await server.client().post("/api/auth/login", { username, password })).status).toBe(200);
  });

  it("refuses a state-changing request without the CSRF header", async () => {
    const client = await server.signIn("sysadmin");
    const tree = await client.get("/api/org/tree");
    const unitId = tree.body.units[0].id;
    const noHeader = await client.request("POST", "/api/org/departments", {
      body: { unitId, name: "无令牌科" },
      csrf: false,
    });
    expect(noHeader.status).toBe(403);
    expect(noHeader.body.error.code).toBe("csrf_failed");
    const wrongHeader = await client.request("POST", "/api/org/departments", {
      body: { unitId, name: "错令牌科" },
      csrf: false,
      headers: { "x-csrf-token": "forged" },
    });
    expect(wrongHeader.status).toBe(403);
    const after = await client.get("/api/org/tree");
    expect(JSON.stringify(after.body)).not.toMatch(/无令牌科|错令牌科/);
  });

  it("locks the account after 5 failures for 15 minutes, even with the right password, and audits it", async () => {
    const { client: victim } = await server.newUser({ username: "lockme" });
    await victim.post("/api/auth/logout");
    const attacker = server.client();
    const results = [];
    for (let i = 0; i < 5; i++)
      results.push((await attacker.post("/api/auth/login", { username: "lockme", password: "Wrong#Pass1" })).status);
    // A locked account answers like a wrong password (no enumeration), even with the right one.
    expect(results).toEqual([401, 401, 401, 401, 401]);
    const locked = await attacker.post("/api/auth/login", { username: "lockme", password: STRONG_PASSWORD });
    expect(locked.status).toBe(401);
    expect(locked.body.error.code).toBe("invalid_credentials");
    const until = (await User.findOne({ where: { username: "lockme" } }))?.lockedUntil?.getTime() ?? 0;
    expect(until - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(until - Date.now()).toBeLessThanOrEqual(15 * 60_000);

    const auditor = await server.signIn("auditor");
    const events = await auditor.get("/api/audit/events?action=auth.lockout");
    expect(events.body.items.some((e: { targetId: string; outcome: string }) => e.outcome === "success")).toBe(true);
    const failures = await auditor.get("/api/audit/events?action=auth.login&outcome=failure");
    expect(failures.body.total).toBeGreaterThanOrEqual(5);

    // An administrator's reset unlocks the account.
    const admin = await server.signIn("sysadmin");
    const user = await User.findOne({ where: { username: "lockme" } });
    const reset = await admin.post(`/api/org/users/${user?.id}/reset-password`);
    expect(reset.status).toBe(200);
    expect(
      (await server.client().post("/api/auth/login", { username: "lockme", password: reset.body.initialPassword }))
        .status,
    ).toBe(200);
  });

  it("counts concurrent wrong guesses atomically", async () => {
    await server.newUser({ username: "raceguess" });
    const attempts = await Promise.all(
      Array.from({ length: 8 }, () =>
        server.client().post("/api/auth/login", { username: "raceguess", password: "Wrong#Pass1" }),
      ),
    );
    expect(attempts.every((r) => r.status === 401)).toBe(true);
    const after = await server.client().post("/api/auth/login", { username: "raceguess", password: STRONG_PASSWORD });
    expect(after.status).toBe(401);
    const row = await User.findOne({ where: { username: "raceguess" } });
    expect(row?.lockedUntil?.getTime()).toBeGreaterThan(Date.now());
  });

  it("expires an idle session and says so", async () => {
    const { client, id } = await server.newUser({ username: "idler" });
    expect((await client.get("/api/auth/me")).status).toBe(200);
    await Session.update({ lastSeenAt: new Date(Date.now() - 31 * 60_000) }, { where: { userId: id } });
    const res = await client.get("/api/auth/me");
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("session_expired");
    expect(await Session.count({ where: { userId: id } })).toBe(0);
  });

  it("shares sessions between app instances through the database", async () => {
    const client = await server.signIn("office.staff1");
    const second = await spawnServerProcess({ DATABASE_URL: server.db.url, SEED_DEMO: "false" });
    try {
      const other = new ApiClient(second.url);
      other.setCookie("yo_sid", client.cookie("yo_sid") ?? "");
      const me = await other.get("/api/auth/me");
      expect(me.status).toBe(200);
      expect(me.body.user.username).toBe("office.staff1");
    } finally {
      await second.stop();
    }
  });

  it("logs out and the cookie no longer works", async () => {
    const client = await server.signIn("office.leader");
    const sid = client.cookie("yo_sid");
    expect((await client.post("/api/auth/logout")).status).toBe(204);
    const replay = server.client();
    replay.setCookie("yo_sid", sid ?? "");
    expect((await replay.get("/api/auth/me")).status).toBe(401);
  });
});

describe("TOTP second factor", () => {
  it("sets up, requires the code at login, accepts a recovery code once, and disables", async () => {
    const { client } = await server.newUser({ username: "totpuser" });
    const setup = await client.post("/api/auth/totp/setup");
    expect(setup.status).toBe(200);
    expect(setup.body.qrDataUrl).toMatch(/^data:image\/png;base64,/);
    const totp = new TOTP({ secret: Secret.fromBase32(setup.body.secret), digits: 6, period: 30 });
    expect((await client.post("/api/auth/totp/enable", { code: "000000" })).body.error.code).toBe("invalid_totp");
    const enabled = await client.post("/api/auth/totp/enable", { code: totp.generate() });
    expect(enabled.status).toBe(200);
    expect(enabled.body.recoveryCodes).toHaveLength(10);

    const fresh = server.client();
    const ask = await fresh.post("/api/auth/login", { username: "totpuser", password: STRONG_PASSWORD });
    expect(ask.status).toBe(401);
    expect(ask.body.error.code).toBe("totp_required");
    const bad = await fresh.post("/api/auth/login", {
      username: "totpuser",
      password: STRONG_PASSWORD,
      totp: "123456",
    });
    expect(bad.body.error.code).toBe("invalid_totp");
    const good = await fresh.post("/api/auth/login", {
      username: "totpuser",
      password: STRONG_PASSWORD,
      // The code that enabled TOTP is spent; the next time step's code is accepted for clock drift.
      totp: totp.generate({ timestamp: Date.now() + 30_000 }),
    });
    expect(good.status).toBe(200);

    const code = enabled.body.recoveryCodes[0];
    const withRecovery = await server
      .client()
      .post("/api/auth/login", { username: "totpuser", password: STRONG_PASSWORD, recoveryCode: code });
    expect(withRecovery.status).toBe(200);
    const reused = await server
      .client()
      .post("/api/auth/login", { username: "totpuser", password: STRONG_PASSWORD, recoveryCode: code });
    expect(reused.status).toBe(401);

    expect((await fresh.post("/api/auth/totp/disable", { password: STRONG_PASSWORD })).status).toBe(204);
    expect(
      (await server.client().post("/api/auth/login", { username: "totpuser", password: STRONG_PASSWORD })).status,
    ).toBe(200);
    const me = await fresh.get("/api/auth/me");
    expect(me.text).not.toContain(setup.body.secret);
  });
});
