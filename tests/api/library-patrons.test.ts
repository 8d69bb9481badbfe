// Public patrons register themselves (POST /api/library/patrons), sign in with
// their e-mail address or mobile number, and reach the library and nothing of
// the staff's: every route an anonymous caller is refused, a patron is refused
// too unless it is their own account's or the library's.
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRouters } from "../../server/app.js";
import { startTestServer, STRONG_PASSWORD, type TestServer } from "../helpers/testServer.js";
import type { ApiClient } from "../helpers/apiClient.js";

/** The sign-ups one IP may make per window in this file (each well-formed attempt counts). */
const LIMIT = 6;

let server: TestServer;
let signups = 0;

/** A registration; counts it against the IP's limit when it is well formed (the route counts those). */
async function register(client: ApiClient, body: { login: string; displayName: string; password: string }) {
  const res = await client.post("/api/library/patrons", body);
  if (res.status !== 400) signups++;
  return res;
}

async function signInAs(login: string, password = STRONG_PASSWORD) {
  const client = server.client();
  const res = await client.post("/api/auth/login", { username: login, password });
  return { client, res };
}

beforeAll(async () => {
  server = await startTestServer({ LIBRARY_SIGNUP_LIMIT_PER_IP: String(LIMIT), LIBRARY_SIGNUP_WINDOW_SECONDS: "3600" });
});
afterAll(async () => {
  await server?.stop();
});

describe("self-registration", () => {
  it("refuses a sign-up without the CSRF token, as every state change", async () => {
    const res = await server.client().request("POST", "/api/library/patrons", {
      body: { login: "li.ming@example.com", displayName: "李明", password: STRONG_PASSWORD },
      csrf: false,
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("csrf_failed");
  });

  it("refuses a login that is neither an e-mail address nor a mobile number, and a weak password", async () => {
    const client = server.client();
    for (const login of ["li.ming", "12345", "2380013800", "a@b", "li ming@example.com"]) {
      const res = await register(client, { login, displayName: "李明", password: STRONG_PASSWORD });
      expect(res.status, login).toBe(400);
      expect(res.body.error.code, login).toBe("library_patron_login_invalid");
    }
    // The staff's password policy: length, three classes of character, not the login.
    for (const password of ["Sh0rt!", "alllowercaseletters", "li.ming@example.com1A"]) {
      const res = await register(client, { login: "li.ming@example.com", displayName: "李明", password });
      expect(res.status, password).toBe(400);
      expect(res.body.error.code, password).toBe("weak_password");
    }
    const rows = await server.sequelize.query("SELECT id FROM users WHERE username = 'li.ming@example.com'", {
      type: QueryTypes.SELECT,
    });
    expect(rows).toHaveLength(0);
  });

  it("registers with an e-mail address (in lower case), audits it and signs in with it", async () => {
    const res = await register(server.client(), {
      login: " Li.Ming@Example.com ",
      displayName: "李明",
      password: STRONG_PASSWORD,
    });
    expect(res.status).toBe(201);
    expect(res.body.patron).toMatchObject({ login: "li.ming@example.com", displayName: "李明", loginKind: "email" });
    const { client, res: login } = await signInAs("li.ming@example.com");
    expect(login.status).toBe(200);
    expect(login.body.mustChangePassword).toBe(false);
    expect(login.body.permissions).toEqual(["library.use"]);
    expect(login.body.user.unit.name).toBe("公众读者");
    expect(login.body.user.email).toBe("li.ming@example.com");
    expect((await client.get("/api/library/loans")).status).toBe(200);
    const [event] = await server.sequelize.query<{ actorId: number; detail: string }>(
      "SELECT actorId, detail FROM audit_events WHERE action = 'library.patron.register' ORDER BY seq DESC",
      { type: QueryTypes.SELECT },
    );
    expect(Number(event?.actorId)).toBe(res.body.patron.id);
    expect(event?.detail).toContain('"email"');
    const usage = await server.sequelize.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM usage_events WHERE kind = 'library.register' AND userId = ?",
      { replacements: [res.body.patron.id], type: QueryTypes.SELECT },
    );
    expect(Number(usage[0]?.n)).toBe(1);
  });

  it("registers with a mobile number, and refuses a login already taken by anyone", async () => {
    const res = await register(server.client(), {
      login: "138-0013-8000",
      displayName: "王芳",
      password: STRONG_PASSWORD,
    });
    expect(res.status).toBe(201);
    expect(res.body.patron).toMatchObject({ login: "13800138000", loginKind: "phone" });
    expect((await signInAs("13800138000")).res.status).toBe(200);
    for (const login of ["LI.MING@example.com", "13800138000"]) {
      const again = await register(server.client(), { login, displayName: "冒名", password: STRONG_PASSWORD });
      expect(again.status, login).toBe(409);
      expect(again.body.error.code, login).toBe("library_patron_taken");
    }
  });

  it("keeps patrons out of the organisation: not in the tree, the directory or a unit's pages", async () => {
    const staff = await server.signIn("office.staff1");
    const tree = await staff.get("/api/org/tree");
    expect(JSON.stringify(tree.body)).not.toContain("公众读者");
    const directory = await staff.get(`/api/org/directory?q=${encodeURIComponent("李明")}`);
    expect(directory.status).toBe(200);
    expect(directory.body.items.map((u: { displayName: string }) => u.displayName)).not.toContain("李明");
    const all = await staff.get("/api/org/directory?pageSize=200");
    expect(all.body.items.some((u: { unit: { name: string } }) => u.unit?.name === "公众读者")).toBe(false);
    // The unit's own routes do not know it either.
    const [unit] = await server.sequelize.query<{ id: number }>("SELECT id FROM units WHERE kind = 'public'", {
      type: QueryTypes.SELECT,
    });
    const sysadmin = await server.signIn("sysadmin");
    expect((await sysadmin.patch(`/api/org/units/${unit!.id}`, { name: "改名" })).status).toBe(404);
    expect((await sysadmin.delete(`/api/org/units/${unit!.id}`)).status).toBe(404);
  });

  it("lets nobody put staff into the public unit, or move a patron out of it", async () => {
    const [unit] = await server.sequelize.query<{ id: number }>("SELECT id FROM units WHERE kind = 'public'", {
      type: QueryTypes.SELECT,
    });
    const [office] = await server.sequelize.query<{ id: number }>(
      "SELECT unitId AS id FROM users WHERE username = 'office.staff1'",
      {
        type: QueryTypes.SELECT,
      },
    );
    const sysadmin = await server.signIn("sysadmin");
    const created = await sysadmin.post("/api/org/users", {
      username: "not.a.patron",
      displayName: "张三",
      unitId: unit!.id,
    });
    expect([created.status, created.body.error?.code]).toEqual([400, "unknown_unit"]);
    const staff = (await sysadmin.get("/api/org/users?q=office.staff2")).body.items[0];
    const moved = await sysadmin.patch(`/api/org/users/${staff.id}`, { unitId: unit!.id });
    expect([moved.status, moved.body.error?.code]).toEqual([400, "unknown_unit"]);
    const patron = await register(server.client(), {
      login: "move.me@example.com",
      displayName: "王五",
      password: STRONG_PASSWORD,
    });
    expect(patron.status).toBe(201);
    const found = (await sysadmin.get("/api/org/users?q=move.me")).body.items[0];
    const out = await sysadmin.patch(`/api/org/users/${found.id}`, { unitId: office!.id });
    expect([out.status, out.body.error?.code]).toEqual([400, "patron_not_movable"]);
  });

  it("lets the system administrator find and disable a patron like any account", async () => {
    const sysadmin = await server.signIn("sysadmin");
    const found = await sysadmin.get(`/api/org/users?q=${encodeURIComponent("13800138000")}`);
    const patron = found.body.items.find((u: { username: string }) => u.username === "13800138000");
    expect(patron?.abilities.disable).toBe(true);
    const disabled = await sysadmin.patch(`/api/org/users/${patron.id}`, { disabled: true });
    expect(disabled.status).toBe(200);
    const { res } = await signInAs("13800138000");
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("account_disabled");
  });
});

describe("a patron reaches nothing of the staff's", () => {
  it("gets 403 or 404 on every route refused to anonymous callers, except their own account's and the library's", async () => {
    const { client: patron } = await signInAs("li.ming@example.com");
    const anonymous = server.client();
    const own = (path: string) =>
      path.startsWith("/api/library/") || path.startsWith("/api/auth/") || path.startsWith("/api/notifications");
    let checked = 0;
    for (const router of apiRouters()) {
      for (const layer of router.stack) {
        for (const method of layer.methods) {
          if (method === "HEAD") continue;
          const path = String(layer.path).replace(/:[a-zA-Z]+/g, "1");
          if (own(path) || path === "/api/org/positions") continue;
          const body = method === "GET" ? undefined : {};
          if ((await anonymous.request(method, path, { body })).status !== 401) continue;
          const res = await patron.request(method, path, { body });
          expect([403, 404], `${method} ${layer.path}`).toContain(res.status);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(60);
  });

  it("lands in the library: the staff home's modules answer 403", async () => {
    const { client: patron } = await signInAs("li.ming@example.com");
    for (const path of ["/api/org/directory", "/api/oa/inbox/counts", "/api/mail/mailboxes", "/api/org/tree"]) {
      expect((await patron.get(path)).status, path).toBe(403);
    }
  });
});

describe("the limit on sign-ups per IP", () => {
  it(`answers 429 with rate_limited and Retry-After after ${LIMIT} sign-ups from one address`, async () => {
    const client = server.client();
    let n = 0;
    while (signups < LIMIT) {
      n++;
      const res = await register(client, {
        login: `reader${n}@example.org`,
        displayName: `读者${n}`,
        password: STRONG_PASSWORD,
      });
      expect(res.status).toBe(201);
    }
    const refused = await client.post("/api/library/patrons", {
      login: "one.too.many@example.org",
      displayName: "多余",
      password: STRONG_PASSWORD,
    });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    const rows = await server.sequelize.query("SELECT id FROM users WHERE username = 'one.too.many@example.org'", {
      type: QueryTypes.SELECT,
    });
    expect(rows).toHaveLength(0);
  });
});
