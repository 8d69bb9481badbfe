import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Secret, TOTP } from "otpauth";
import { AuditEvent } from "../../server/audit/models/auditEvent.js";
import { Session, User } from "../../server/org/models/index.js";
import { startTestServer, STRONG_PASSWORD, type TestServer } from "../helpers/testServer.js";
import { ApiClient } from "../helpers/apiClient.js";
import { spawnServerProcess } from "../helpers/serverProcess.js";

let server: TestServer;
let sysadmin: ApiClient;

beforeAll(async () => {
  server = await startTestServer();
  sysadmin = await server.signIn("sysadmin");
});
afterAll(async () => {
  await server?.stop();
});

async function userRow(username: string): Promise<User> {
  const user = await User.findOne({ where: { username } });
  if (!user) throw new Error(`no user ${username}`);
  return user;
}

/** Runs `npm run admin:reset-password` the way an operator would, against the test database. */
function runResetCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "server/cli/admin-reset-password.ts", ...args], {
      env: { ...process.env, DATABASE_URL: server.db.url, PASSWORD_HASH_MEMORY_KIB: "1024", LOG_LEVEL: "silent" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("三员 accounts are out of reach of the user routes", () => {
  it("refuses the system administrator resetting, disabling, editing or moving secadmin and auditor", async () => {
    await server.signIn("secadmin");
    await server.signIn("auditor");
    const tree = await sysadmin.get("/api/org/tree");
    const otherUnit = tree.body.units[0].children[1];
    for (const username of ["secadmin", "auditor"]) {
      const before = await userRow(username);
      const attempts = [
        await sysadmin.post(`/api/org/users/${before.id}/reset-password`),
        await sysadmin.patch(`/api/org/users/${before.id}`, { disabled: true }),
        await sysadmin.patch(`/api/org/users/${before.id}`, { displayName: "傀儡" }),
        await sysadmin.patch(`/api/org/users/${before.id}`, { unitId: otherUnit.id, departmentId: null }),
        await sysadmin.patch(`/api/org/users/${before.id}`, { email: "attacker@example.com" }),
      ];
      for (const res of attempts) {
        expect(res.status, res.text).toBe(403);
        expect(res.body.error.code).toBe("forbidden");
        expect(res.text).not.toContain("initialPassword");
      }
      const after = await userRow(username);
      expect(after.passwordHash).toBe(before.passwordHash);
      expect(after.disabled).toBe(false);
      expect(after.displayName).toBe(before.displayName);
      expect(after.unitId).toBe(before.unitId);
      expect(after.email).toBe(before.email);
      // The old password still works: nobody took the account over.
      expect((await server.client().post("/api/auth/login", { username, password: STRONG_PASSWORD })).status).toBe(200);

      // The refusals are on record as denials.
      const denials = await AuditEvent.count({
        where: {
          action: "authz.denied",
          actorName: "sysadmin",
          targetId: `POST /api/org/users/${before.id}/reset-password`,
        },
      });
      expect(denials).toBeGreaterThanOrEqual(1);
    }
  });

  it("refuses the same to the system administrator on his own account", async () => {
    const self = await userRow("sysadmin");
    expect((await sysadmin.patch(`/api/org/users/${self.id}`, { displayName: "自己" })).status).toBe(403);
    expect((await sysadmin.post(`/api/org/users/${self.id}/reset-password`)).status).toBe(403);
  });

  it("tells the UI which buttons to hide", async () => {
    for (const username of ["secadmin", "auditor", "sysadmin"]) {
      const id = (await userRow(username)).id;
      const res = await sysadmin.get(`/api/org/users/${id}`);
      expect(res.status).toBe(200);
      expect(res.body.abilities, username).toMatchObject({ update: false, disable: false, resetPassword: false });
    }
    const list = await sysadmin.get("/api/org/users?q=secadmin");
    const row = list.body.items.find((u: { username: string }) => u.username === "secadmin");
    expect(row.abilities).toMatchObject({ update: false, disable: false, resetPassword: false });
  });

  it("still lets the system administrator manage ordinary accounts", async () => {
    const { id } = await server.newUser({ username: "plainstaff" });
    const detail = await sysadmin.get(`/api/org/users/${id}`);
    expect(detail.body.abilities).toMatchObject({ update: true, disable: true, resetPassword: true });
    expect((await sysadmin.patch(`/api/org/users/${id}`, { displayName: "普通人" })).status).toBe(200);
    const reset = await sysadmin.post(`/api/org/users/${id}/reset-password`);
    expect(reset.status).toBe(200);
    expect(reset.body.initialPassword).toEqual(expect.any(String));
    expect((await sysadmin.patch(`/api/org/users/${id}`, { disabled: true })).status).toBe(200);
  });
});

describe("break-glass password reset from the server", () => {
  it("resets a 三员 account, lifts its lockout, ends its sessions and audits the operator", async () => {
    const auditor = await server.signIn("auditor");
    const before = await userRow("auditor");
    await User.update(
      { failedLogins: 3, lockedUntil: new Date(Date.now() + 10 * 60_000) },
      { where: { id: before.id } },
    );
    expect(await Session.count({ where: { userId: before.id } })).toBeGreaterThan(0);

    const run = await runResetCli(["auditor"]);
    expect(run.code, run.stderr).toBe(0);
    const password = /one-time password for auditor: (\S+)/.exec(run.stdout)?.[1];
    expect(password).toBeTruthy();

    const after = await userRow("auditor");
    expect(after.passwordHash).not.toBe(before.passwordHash);
    expect(after.mustChangePassword).toBe(true);
    expect(after.lockedUntil).toBeNull();
    expect(after.failedLogins).toBe(0);
    expect(await Session.count({ where: { userId: before.id } })).toBe(0);
    expect((await auditor.get("/api/auth/me")).status).toBe(401);

    const login = await server.client().post("/api/auth/login", { username: "auditor", password });
    expect(login.status).toBe(200);
    expect(login.body.mustChangePassword).toBe(true);

    const event = await AuditEvent.findOne({
      where: { action: "user.password.reset", targetId: String(before.id) },
      order: [["seq", "DESC"]],
    });
    expect(event?.actorName).toMatch(/^cli:.+/);
    expect(event?.actorId).toBeNull();
    expect(JSON.parse(event?.detail ?? "{}")).toMatchObject({ via: "cli" });
  });

  it("says so when the account does not exist", async () => {
    const run = await runResetCli(["nobody-here"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no account named nobody-here");
  });
});

/** The reasons the server recorded for one account's failed logins, by count. */
async function failureReasons(userId: number): Promise<Record<string, number>> {
  const events = await AuditEvent.findAll({
    where: { action: "auth.login", outcome: "failure", targetId: String(userId) },
  });
  const counts: Record<string, number> = {};
  for (const e of events) {
    const reason = String((JSON.parse(e.detail ?? "{}") as { reason?: string }).reason);
    counts[reason] = (counts[reason] ?? 0) + 1;
  }
  return counts;
}

describe("lockout under parallel logins", () => {
  it("30 parallel attempts with the right password at position 25 never sign in once the budget is spent", async () => {
    const { id } = await server.newUser({ username: "racer" });
    const attempts = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        server
          .client()
          .post("/api/auth/login", { username: "racer", password: i === 24 ? STRONG_PASSWORD : `Wrong#Pass${i}` }),
      ),
    );
    expect(attempts.map((r) => r.status)).toEqual(Array(30).fill(401));
    expect(new Set(attempts.map((r) => r.body.error.code))).toEqual(new Set(["invalid_credentials"]));
    // Exactly `threshold` passwords were checked; every other attempt was refused unchecked.
    expect(await failureReasons(id)).toEqual({ invalid_credentials: 5, account_locked: 25 });
    const row = await User.findByPk(id);
    expect(row?.lockedUntil?.getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
    const after = await server.client().post("/api/auth/login", { username: "racer", password: STRONG_PASSWORD });
    expect(after.status).toBe(401);
  });

  it("30 parallel wrong attempts: exactly `threshold` are checked, the rest refused, one lockout recorded", async () => {
    const { id } = await server.newUser({ username: "racer2" });
    const attempts = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        server.client().post("/api/auth/login", { username: "racer2", password: `Wrong#Pass${i}` }),
      ),
    );
    expect(attempts.every((r) => r.status === 401 && r.body.error.code === "invalid_credentials")).toBe(true);
    expect(await failureReasons(id)).toEqual({ invalid_credentials: 5, account_locked: 25 });
    expect(await AuditEvent.count({ where: { action: "auth.lockout", targetId: String(id) } })).toBe(1);
  });
});

describe("no username enumeration", () => {
  it("answers an unknown user exactly like a known user with a wrong password", async () => {
    await server.newUser({ username: "knownperson" });
    const known = await server.client().post("/api/auth/login", { username: "knownperson", password: "Wrong#Pass1" });
    const unknown = await server
      .client()
      .post("/api/auth/login", { username: "nosuchperson", password: "Wrong#Pass1" });
    expect(unknown.status).toBe(known.status);
    expect(unknown.body).toEqual(known.body);
    expect(unknown.body.error.code).toBe("invalid_credentials");
  });

  it("answers a locked account like a wrong password, and still keeps the right password out", async () => {
    const { id } = await server.newUser({ username: "lockedperson" });
    await User.update({ lockedUntil: new Date(Date.now() + 10 * 60_000) }, { where: { id } });
    const wrongOnLocked = await server
      .client()
      .post("/api/auth/login", { username: "lockedperson", password: "Wrong#Pass1" });
    const wrongOnUnknown = await server
      .client()
      .post("/api/auth/login", { username: "ghost", password: "Wrong#Pass1" });
    expect(wrongOnLocked.status).toBe(401);
    expect(wrongOnLocked.body).toEqual(wrongOnUnknown.body);
    const rightOnLocked = await server
      .client()
      .post("/api/auth/login", { username: "lockedperson", password: STRONG_PASSWORD });
    expect(rightOnLocked.status).toBe(401);
    expect(rightOnLocked.body).toEqual(wrongOnUnknown.body);
  });

  it("names a disabled account only to someone who knows its password", async () => {
    const { id } = await server.newUser({ username: "disabledperson" });
    await User.update({ disabled: true }, { where: { id } });
    const wrong = await server
      .client()
      .post("/api/auth/login", { username: "disabledperson", password: "Wrong#Pass1" });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("invalid_credentials");
    const right = await server
      .client()
      .post("/api/auth/login", { username: "disabledperson", password: STRONG_PASSWORD });
    expect(right.body.error.code).toBe("account_disabled");
  });
});

describe("sign-in rate limits, shared by app instances", () => {
  // Two more app instances on the same database, behind a "load balancer" that sets X-Forwarded-For.
  let instances: { url: string; stop(): Promise<void> }[] = [];
  beforeAll(async () => {
    const env = {
      DATABASE_URL: server.db.url,
      SEED_DEMO: "false",
      PASSWORD_HASH_MEMORY_KIB: "1024",
      TRUST_PROXY: "true",
      LOGIN_LIMIT_PER_IP: "6",
      LOGIN_LIMIT_PER_ACCOUNT: "4",
      LOGIN_LIMIT_WINDOW_SECONDS: "120",
    };
    instances = await Promise.all([spawnServerProcess(env), spawnServerProcess(env)]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
  });

  /** A login through instance `n % 2`, as if from `ip`. */
  function login(n: number, ip: string, username: string, password = "Wrong#Pass1") {
    const client = new ApiClient(instances[n % 2]?.url ?? "");
    return client.request("POST", "/api/auth/login", {
      body: { username, password },
      headers: { "x-forwarded-for": ip },
    });
  }

  it("answers 429 with Retry-After once one IP has used its attempts, on whichever instance", async () => {
    for (let n = 0; n < 6; n++) expect((await login(n, "10.1.1.1", `someone${n}`)).status).toBe(401);
    const limited = await login(6, "10.1.1.1", "someone-else");
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(120);
    expect(limited.body.error.details.retryAfterSeconds).toBe(retryAfter);
    // Another client is not affected.
    expect((await login(7, "10.1.1.2", "someone0")).status).toBe(401);
  });

  it("answers 429 once one username has used its attempts, from any IP, known or not", async () => {
    for (const username of ["office.staff2", "no.such.user"]) {
      for (let n = 0; n < 4; n++) expect((await login(n, `10.2.${n}.1`, username)).status).toBe(401);
      const limited = await login(4, "10.2.9.9", username);
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe("rate_limited");
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    // The limit counts per username: another one from the same IP still gets an answer.
    expect((await login(5, "10.2.9.9", "office.staff3")).status).toBe(401);
  });

  it("lets the break-glass reset clear a username's limit", async () => {
    for (let n = 0; n < 4; n++) await login(n, `10.3.${n}.1`, "office.staff4");
    expect((await login(4, "10.3.9.1", "office.staff4")).status).toBe(429);
    const run = await runResetCli(["office.staff4"]);
    expect(run.code, run.stderr).toBe(0);
    const password = /one-time password for office.staff4: (\S+)/.exec(run.stdout)?.[1];
    const after = await login(5, "10.3.9.2", "office.staff4", password);
    expect(after.status).toBe(200);
  });
});

describe("smaller holes around sign-in", () => {
  it("counts wrong current passwords on password change and TOTP off towards the lockout, and signs out when locked", async () => {
    const { client, id } = await server.newUser({ username: "fumbler" });
    const other = await server.client().post("/api/auth/login", { username: "fumbler", password: STRONG_PASSWORD });
    expect(other.status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 2; i++)
      statuses.push((await client.post("/api/auth/totp/disable", { password: `Wrong#Pass${i}` })).status);
    for (let i = 0; i < 2; i++) {
      const res = await client.post("/api/auth/password", {
        currentPassword: `Wrong#Pass${i}`,
        newPassword: "New#Pass2026x",
      });
      statuses.push(res.status);
      expect(res.body.error.code).toBe("wrong_password");
    }
    expect(statuses).toEqual([400, 400, 400, 400]);
    const fifth = await client.post("/api/auth/password", {
      currentPassword: "Wrong#Pass9",
      newPassword: "New#Pass2026x",
    });
    expect(fifth.status).toBe(401);
    expect(fifth.body.error.code).toBe("account_locked");
    expect((await User.findByPk(id))?.lockedUntil?.getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
    // Every session of the account ended, and the right password does not get back in while locked.
    expect(await Session.count({ where: { userId: id } })).toBe(0);
    expect((await client.get("/api/auth/me")).status).toBe(401);
    expect(
      (await server.client().post("/api/auth/login", { username: "fumbler", password: STRONG_PASSWORD })).status,
    ).toBe(401);
    expect(await AuditEvent.count({ where: { action: "auth.lockout", targetId: String(id) } })).toBe(1);
  });

  it("a right current password resets the count", async () => {
    const { client, id } = await server.newUser({ username: "recoverer" });
    for (let i = 0; i < 3; i++) await client.post("/api/auth/totp/disable", { password: `Wrong#Pass${i}` });
    expect((await User.findByPk(id))?.failedLogins).toBe(3);
    const ok = await client.post("/api/auth/password", {
      currentPassword: STRONG_PASSWORD,
      newPassword: "New#Pass2026x",
    });
    expect(ok.status).toBe(204);
    expect((await User.findByPk(id))?.failedLogins).toBe(0);
  });

  it("accepts a TOTP code only once, even when two sign-ins race with it", async () => {
    const { client } = await server.newUser({ username: "replayed" });
    const setup = await client.post("/api/auth/totp/setup");
    const totp = new TOTP({ secret: Secret.fromBase32(setup.body.secret), digits: 6, period: 30 });
    const enableCode = totp.generate();
    expect((await client.post("/api/auth/totp/enable", { code: enableCode })).status).toBe(200);
    // The code that turned TOTP on is spent.
    const withEnableCode = await server
      .client()
      .post("/api/auth/login", { username: "replayed", password: STRONG_PASSWORD, totp: enableCode });
    expect(withEnableCode.body.error.code).toBe("invalid_totp");

    // A code of the next time step (accepted for clock drift) has not been used yet.
    const code = totp.generate({ timestamp: Date.now() + totp.period * 1000 });
    const race = await Promise.all(
      [1, 2, 3].map(() =>
        server.client().post("/api/auth/login", { username: "replayed", password: STRONG_PASSWORD, totp: code }),
      ),
    );
    expect(race.map((r) => r.status).sort()).toEqual([200, 401, 401]);
    const replay = await server
      .client()
      .post("/api/auth/login", { username: "replayed", password: STRONG_PASSWORD, totp: code });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe("invalid_totp");
  });

  it("refuses anyone giving themselves a role, business roles included", async () => {
    const secadmin = await server.signIn("secadmin");
    const me = await secadmin.get("/api/auth/me");
    const roles = await secadmin.get("/api/org/roles");
    const staffRole = roles.body.items.find((r: { code: string }) => r.code === "staff");
    const before = me.body.user.roles.length;
    const res = await secadmin.post(`/api/org/users/${me.body.user.id}/roles`, {
      roleId: staffRole.id,
      unitId: me.body.user.unit.id,
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("self_assignment");
    expect((await secadmin.get("/api/auth/me")).body.user.roles).toHaveLength(before);
  });

  it("signing in as someone else in the same browser ends the earlier session", async () => {
    await server.newUser({ username: "firstperson" });
    await server.newUser({ username: "secondperson" });
    const browser = server.client();
    expect((await browser.post("/api/auth/login", { username: "firstperson", password: STRONG_PASSWORD })).status).toBe(
      200,
    );
    const firstCookie = browser.cookie("yo_sid") ?? "";
    const first = await userRow("firstperson");
    // newUser's own client holds one session, this browser the other.
    expect(await Session.count({ where: { userId: first.id } })).toBe(2);

    const second = await browser.post("/api/auth/login", { username: "secondperson", password: "Wrong#Pass1" });
    expect(second.status).toBe(401);
    // A failed attempt leaves the earlier session alone.
    expect(await Session.count({ where: { userId: first.id } })).toBe(2);

    const signedIn = await browser.post("/api/auth/login", { username: "secondperson", password: STRONG_PASSWORD });
    expect(signedIn.status).toBe(200);
    expect(await Session.count({ where: { userId: first.id } })).toBe(1);
    const replay = server.client();
    replay.setCookie("yo_sid", firstCookie);
    expect((await replay.get("/api/auth/me")).status).toBe(401);
    expect(
      await AuditEvent.count({
        where: { action: "auth.logout", actorName: "firstperson", targetId: String(first.id) },
      }),
    ).toBe(1);
  });
});

describe("上次登录", () => {
  it("shows the sign-in before this one, not the current one", async () => {
    const { id } = await server.newUser({ username: "returning" });
    // newUser signed in once already; that sign-in is the "previous" one for the next. Set it an hour
    // back so the two times differ even where the database keeps whole seconds.
    expect((await userRow("returning")).lastLoginAt).not.toBeNull();
    await User.update({ lastLoginAt: new Date(Date.now() - 3_600_000) }, { where: { id } });
    const first = await userRow("returning");

    const browser = server.client();
    const login = await browser.post("/api/auth/login", { username: "returning", password: STRONG_PASSWORD });
    expect(login.status).toBe(200);
    const me = await browser.get("/api/auth/me");
    for (const body of [login.body, me.body]) {
      expect(body.user.previousLoginAt).toBe(first.lastLoginAt?.toISOString());
      expect(new Date(body.user.lastLoginAt).getTime()).toBeGreaterThan(first.lastLoginAt?.getTime() ?? 0);
    }
    const row = await User.findByPk(id);
    expect(row?.previousLoginAt?.toISOString()).toBe(first.lastLoginAt?.toISOString());
  });

  it("is empty on a first sign-in", async () => {
    const created = await sysadmin.post("/api/org/users", {
      username: "newcomer",
      displayName: "新人",
      unitId: (await userRow("sysadmin")).unitId,
    });
    const login = await server
      .client()
      .post("/api/auth/login", { username: "newcomer", password: created.body.initialPassword });
    expect(login.status).toBe(200);
    expect(login.body.user.previousLoginAt).toBeNull();
    expect(login.body.user.lastLoginAt).not.toBeNull();
  });
});
