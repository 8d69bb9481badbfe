import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueryTypes } from "sequelize";
import { apiRouters } from "../../server/app.js";
import { spawnServerProcess } from "../helpers/serverProcess.js";
import { STRONG_PASSWORD, startTestServer, type TestServer } from "../helpers/testServer.js";
import type { ApiClient } from "../helpers/apiClient.js";

let server: TestServer;

interface RawResponse {
  status: number;
  code?: string;
}

/**
 * Sends a path byte for byte: fetch() would normalise `.` segments and some
 * escapes, which is exactly what a hostile client does not do.
 */
function rawRequest(method: string, path: string, client: ApiClient, options: { csrf: boolean }): Promise<RawResponse> {
  const cookies = ["yo_sid", "yo_csrf"]
    .map((name) => [name, client.cookie(name)] as const)
    .filter(([, value]) => value)
    .map(([name, value]) => `${name}=${value}`)
    .join("; ");
  const url = new URL(server.url);
  const body = method === "GET" || method === "DELETE" ? undefined : "{}";
  const headers: Record<string, string> = { cookie: cookies };
  if (body) Object.assign(headers, { "content-type": "application/json", "content-length": String(body.length) });
  if (options.csrf) headers["x-csrf-token"] = client.cookie("yo_csrf") ?? "";
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => {
        let code: string | undefined;
        try {
          code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
        } catch {
          code = undefined;
        }
        resolve({ status: res.statusCode ?? 0, code });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

interface RouteRef {
  method: string;
  path: string;
}

function mutatingRoutes(): RouteRef[] {
  const routes: RouteRef[] = [];
  for (const router of apiRouters()) {
    for (const layer of router.stack) {
      for (const method of layer.methods) {
        if (["GET", "HEAD", "OPTIONS"].includes(method)) continue;
        routes.push({ method, path: String(layer.path).replace(":assignmentId", "1").replace(":id", "1") });
      }
    }
  }
  return routes;
}

/** Spellings of a canonical `/api/...` path that some reader could take for the same route. */
function variants(path: string): string[] {
  const rest = path.slice("/api/".length);
  const [first, ...others] = rest.split("/");
  const tail = others.length ? `/${others.join("/")}` : "";
  return [
    `/API/${rest}`,
    `/Api/${rest}`,
    `/%61pi/${rest}`,
    `/%41PI/${rest}`,
    `/%2561pi/${rest}`,
    `//api/${rest}`,
    `/api//${rest}`,
    `/api/${rest}/`,
    `/api%2F${rest}`,
    `/api/${first}%2F${others.join("/")}`,
    `/api/${first}%2f${others.join("/")}`,
    `/api/./${rest}`,
    `/api/%2e/${rest}`,
    `/api/x/../${rest}`,
    `/api\\${rest}`,
    `/api/${first?.toUpperCase()}${tail}`,
  ];
}

/** Everything a mutating route could change, as one digest. */
async function stateDigest(): Promise<string> {
  const queries = [
    ...["units", "departments", "positions", "users", "roles", "role_assignments"].map(
      (table) => `SELECT * FROM ${table} ORDER BY id`,
    ),
    "SELECT * FROM role_permissions ORDER BY roleId, permissionCode",
    "SELECT * FROM settings ORDER BY 1",
    "SELECT id, userId FROM sessions ORDER BY id",
  ];
  const parts: unknown[] = [];
  for (const sql of queries) parts.push(await server.sequelize.query(sql, { type: QueryTypes.SELECT }));
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

async function auditCount(actorName: string): Promise<number> {
  const [row] = await server.sequelize.query<{ n: number }>(
    "SELECT COUNT(*) AS n FROM audit_events WHERE actorName = :actorName",
    { replacements: { actorName }, type: QueryTypes.SELECT },
  );
  return Number(row?.n ?? 0);
}

/** Signs in with the initial password and leaves it unchanged: the forced change is pending. */
async function signInForced(username: string, password: string): Promise<ApiClient> {
  const client = server.client();
  const res = await client.post("/api/auth/login", { username, password });
  expect(res.status).toBe(200);
  expect(res.body.mustChangePassword).toBe(true);
  return client;
}

const METRICS_TOKEN = "metrics-token-for-the-test-0123456789";

beforeAll(async () => {
  server = await startTestServer({ METRICS_TOKEN, METRICS_PORT: "0" });
});
afterAll(async () => {
  await server?.stop();
});

describe("one spelling of every API path", () => {
  it("builds every router case-sensitive and strict", () => {
    for (const router of apiRouters()) expect(router.opts).toMatchObject({ sensitive: true, strict: true });
  });

  it("lets no spelling of a mutating route reach a handler, and audits the 三员 anyway", async () => {
    const sysadmin = await server.signIn("sysadmin");
    const created = await sysadmin.post("/api/org/users", {
      username: "pipeline.forced",
      displayName: "改密用户",
      unitId: (await sysadmin.get("/api/org/tree")).body.units[0].id,
    });
    expect(created.status).toBe(201);
    const forced = await signInForced("pipeline.forced", created.body.initialPassword);
    const auditor = await signInForced("auditor", server.account("auditor").password);
    const routes = mutatingRoutes();
    expect(routes.length).toBeGreaterThan(15);
    const before = await stateDigest();
    const auditorEventsBefore = await auditCount("auditor");
    let sent = 0;
    const leaks: string[] = [];
    const probe = async (route: RouteRef, path: string) => {
      // A forced password change pending and no CSRF header: both checks would refuse the canonical path.
      for (const client of [forced, auditor]) {
        const res = await rawRequest(route.method, path, client, { csrf: false });
        const refusedByPipeline =
          (res.status === 404 && res.code === "not_found") ||
          (res.status === 403 && (res.code === "csrf_failed" || res.code === "password_change_required"));
        if (!refusedByPipeline) leaks.push(`${route.method} ${path}: ${res.status} ${res.code}`);
      }
      sent += 1;
      // A fully entitled caller with a CSRF header proves the router itself does not answer the spelling.
      const res = await rawRequest(route.method, path, sysadmin, { csrf: true });
      if (res.status !== 404) leaks.push(`sysadmin ${route.method} ${path}: ${res.status} ${res.code}`);
    };
    for (const route of routes) await Promise.all(variants(route.path).map((path) => probe(route, path)));
    expect(leaks).toEqual([]);
    expect(await stateDigest()).toBe(before);
    // Every request of the 三员 account is on record, whatever its spelling.
    expect((await auditCount("auditor")) - auditorEventsBefore).toBe(sent);
    // The canonical paths are still served (sysadmin is still signed in).
    expect((await sysadmin.get("/api/auth/me")).status).toBe(200);
  }, 180_000);
});

describe("control and invisible characters", () => {
  const NUL = "\u0000";

  it("refuses a NUL byte in the login name, a search, a department name and a CSV username with 400", async () => {
    const anonymous = server.client();
    const login = await anonymous.post("/api/auth/login", { username: `sysadmin${NUL}`, password: "x" });
    expect([login.status, login.body?.error?.code]).toEqual([400, "control_characters"]);

    const sysadmin = await server.signIn("sysadmin");
    const search = await sysadmin.get(`/api/org/users?q=${encodeURIComponent(`zhang${NUL}`)}`);
    expect([search.status, search.body?.error?.code]).toEqual([400, "control_characters"]);
    const inPath = await sysadmin.get("/api/org/users/1%00");
    expect([inPath.status, inPath.body?.error?.code]).toEqual([400, "control_characters"]);

    const unitId = (await sysadmin.get("/api/org/tree")).body.units[0].id;
    const department = await sysadmin.post("/api/org/departments", { unitId, name: `办公${NUL}室` });
    expect([department.status, department.body?.error?.code]).toEqual([400, "control_characters"]);

    const header = "username,displayName,unitCode";
    const unitCode = (await sysadmin.get("/api/org/tree")).body.units[0].code;
    const csv = await sysadmin.post("/api/org/users/import", {
      csv: `${header}\nnul${NUL}user,空字符,${unitCode}\n`,
      commit: false,
    });
    expect([csv.status, csv.body?.error?.code]).toEqual([400, "control_characters"]);
    // Uploaded bytes are decoded on the server, after the request guard: the row check refuses them.
    const file = await sysadmin.post("/api/org/users/import", {
      file: Buffer.from(
        `${header}\r\nnul${NUL}user,空字符,${unitCode}\r\nrlo.user,\u202Eevil,${unitCode}\r\n`,
      ).toString("base64"),
      commit: false,
    });
    expect(file.status).toBe(200);
    expect(file.body.errors).toEqual([
      expect.objectContaining({ row: 2, column: "username", code: "control_characters" }),
      expect.objectContaining({ row: 3, column: "displayName", code: "invisible_characters" }),
    ]);
  });

  it("refuses bidi overrides and zero-width characters in names, and stores none of them", async () => {
    const sysadmin = await server.signIn("sysadmin");
    const unitId = (await sysadmin.get("/api/org/tree")).body.units[0].id;
    for (const displayName of ["张\u202E三", "李\u200B四", "\u2066王五\u2069", "赵\uFEFF六"]) {
      const res = await sysadmin.post("/api/org/users", { username: "bidi.user", displayName, unitId });
      expect([displayName, res.status, res.body?.error?.code]).toEqual([displayName, 400, "invisible_characters"]);
      expect(res.body.error.details).toEqual([expect.objectContaining({ path: "body.displayName" })]);
    }
    const tab = await sysadmin.post("/api/org/users", { username: "tab.user", displayName: "张\t三", unitId });
    expect([tab.status, tab.body?.error?.code]).toEqual([400, "control_characters"]);
    const c1 = await sysadmin.post("/api/org/units", {
      name: "单位\u0085",
      code: "c1-unit",
      kind: "unit",
      parentId: unitId,
    });
    expect([c1.status, c1.body?.error?.code]).toEqual([400, "control_characters"]);
    const created = await sysadmin.post("/api/org/users", { username: "plain.user", displayName: "周七", unitId });
    expect(created.status).toBe(201);
    const rename = await sysadmin.patch(`/api/org/users/${created.body.user.id}`, { displayName: "周\u200D七" });
    expect([rename.status, rename.body?.error?.code]).toEqual([400, "invisible_characters"]);
    const [row] = await server.sequelize.query<{ displayName: string }>(
      "SELECT displayName FROM users WHERE id = :id",
      { replacements: { id: created.body.user.id }, type: QueryTypes.SELECT },
    );
    expect(row?.displayName).toBe("周七");
    const [{ n } = { n: -1 }] = await server.sequelize.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM users WHERE username IN ('bidi.user', 'tab.user')",
      { type: QueryTypes.SELECT },
    );
    expect(Number(n)).toBe(0);
  });
});

describe("CSRF", () => {
  it("records a refusal under the signed-in user's name", async () => {
    const staff = await server.signIn("office.staff1");
    const refused = await staff.request("POST", "/api/org/units", { body: {}, csrf: false });
    expect([refused.status, refused.body.error.code]).toEqual([403, "csrf_failed"]);
    const [row] = await server.sequelize.query<{ actorName: string | null; detail: string }>(
      "SELECT actorName, detail FROM audit_events WHERE action = 'authz.denied' ORDER BY seq DESC LIMIT 1",
      { type: QueryTypes.SELECT },
    );
    expect(row?.actorName).toBe("office.staff1");
    expect(JSON.parse(row?.detail ?? "{}")).toMatchObject({ reason: "csrf_failed" });
  });

  it("binds the token to the session and issues a fresh one at sign-in and sign-out", async () => {
    await server.signIn("office.staff1");
    await server.signIn("secadmin");
    const login = async (username: string) => {
      const client = server.client();
      await client.get("/api/auth/csrf");
      const before = client.cookie("yo_csrf");
      const res = await client.post("/api/auth/login", { username, password: STRONG_PASSWORD });
      expect(res.status).toBe(200);
      return { client, before, after: client.cookie("yo_csrf") };
    };
    const a = await login("office.staff1");
    const b = await login("secadmin");
    expect(a.after).toBeTruthy();
    expect(a.after).not.toBe(a.before);
    expect(b.after).not.toBe(a.after);
    // With its own token a session passes the CSRF check (and meets the policy: staff may not create units).
    const own = await a.client.post("/api/org/units", {});
    expect(own.body.error.code).toBe("forbidden");
    // The token of another session, or the one from before signing in, is refused even sent as a matching pair.
    for (const foreign of [b.after, a.before]) {
      a.client.setCookie("yo_csrf", foreign ?? "");
      const res = await a.client.request("POST", "/api/org/units", {
        body: {},
        headers: { "x-csrf-token": foreign ?? "" },
        csrf: false,
      });
      expect([res.status, res.body.error.code]).toEqual([403, "csrf_failed"]);
    }
    // Any request puts the session's own token back in the cookie; signing out replaces it.
    await a.client.get("/api/auth/me");
    expect(a.client.cookie("yo_csrf")).toBe(a.after);
    expect((await a.client.post("/api/auth/logout")).status).toBe(204);
    const afterLogout = a.client.cookie("yo_csrf");
    expect(afterLogout).toBeTruthy();
    expect(afterLogout).not.toBe(a.after);
  });
});

describe("/metrics", () => {
  it("is served on the main port only with the bearer token", async () => {
    const anonymous = await fetch(`${server.url}/metrics`);
    expect(anonymous.status).toBe(401);
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(right.status).toBe(200);
    expect(await right.text()).toMatch(/yong_http_request_duration_seconds/);
  });

  it("is served without a token on the loopback listener of METRICS_PORT", async () => {
    expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await fetch(server.metricsUrl ?? "");
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/yong_login_attempts_total|yong_process/);
  });

  it("is not served at all without configuration", async () => {
    const instance = await spawnServerProcess({ DATABASE_URL: server.db.url, SEED_DEMO: "false" });
    try {
      const res = await fetch(`${instance.url}/metrics`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toMatch(/yong_/);
    } finally {
      await instance.stop();
    }
  });
});
