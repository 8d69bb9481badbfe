import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { spawnServerProcess } from "../helpers/serverProcess.js";
import { ApiClient } from "../helpers/apiClient.js";
import { SESSION_CACHE_MS } from "../../server/org/services/sessions.js";
import { User } from "../../server/org/models/index.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface UnitNode {
  id: number;
  name: string;
  userCount: number;
  departments: { id: number; name: string; userCount: number }[];
  children: UnitNode[];
}

let server: TestServer;
let sysadmin: ApiClient;
let secadmin: ApiClient;
let city: UnitNode;
let office: UnitNode;
let bureau: UnitNode;

const flatten = (units: UnitNode[]): UnitNode[] => units.flatMap((u) => [u, ...flatten(u.children)]);

/** The SQL statements the server runs while `action` runs (the test's own requests are the only load). */
async function statementsDuring(action: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  // Audit and rate-limit bookkeeping may be written in the background (batches); they are not this request's reads.
  const hook = (_options: unknown, query: object) => {
    const sql = "sql" in query ? query.sql : undefined; // set by Sequelize's Query.run, not in its types
    if (typeof sql === "string" && !/audit|rate_limit/i.test(sql)) seen.push(sql);
  };
  server.sequelize.addHook("afterQuery", "capture", hook);
  try {
    await action();
  } finally {
    server.sequelize.removeHook("afterQuery", "capture");
  }
  return seen;
}

async function usernamesFor(query: string): Promise<string[]> {
  const res = await sysadmin.get(`/api/org/users?pageSize=200&${query}`);
  expect(res.status, res.text).toBe(200);
  expect(res.body.total, query).toBe(res.body.items.length);
  return res.body.items.map((u: { username: string }) => u.username);
}

const search = (q: string, extra = "") => usernamesFor(`q=${encodeURIComponent(q)}${extra}`);

async function createUser(username: string, displayName: string, unit: UnitNode): Promise<number> {
  const res = await sysadmin.post("/api/org/users", {
    username,
    displayName,
    unitId: unit.id,
    departmentId: unit.departments[0]?.id ?? null,
  });
  expect(res.status, res.text).toBe(201);
  return res.body.user.id;
}

beforeAll(async () => {
  server = await startTestServer();
  sysadmin = await server.signIn("sysadmin");
  secadmin = await server.signIn("secadmin");
  const tree = await sysadmin.get("/api/org/tree");
  city = tree.body.units[0];
  office = city.children[0]!;
  bureau = city.children.find((u) => u.name === "南宁市教育局")!;
});

afterAll(async () => {
  await server?.stop();
});

describe("request cost", () => {
  it("authenticates with one statement (session, user, roles and policy together), shared by requests within a second", async () => {
    const staff = await server.signIn("office.staff1");
    await staff.get("/api/auth/me"); // the org snapshot is loaded once per authz version, not per request
    await sleep(SESSION_CACHE_MS + 100);
    const answers: Awaited<ReturnType<ApiClient["get"]>>[] = [];
    const statements = await statementsDuring(async () => {
      for (let i = 0; i < 3; i++) answers.push(await staff.get("/api/auth/me"));
    });
    for (const me of answers) {
      expect(me.status).toBe(200);
      expect(me.body.user.username).toBe("office.staff1");
      expect(me.body.user.unit.name).toBe(office.name);
      expect(me.body.permissions).toContain("org.directory.read");
      expect(me.body.idleTimeoutMinutes).toBe(30);
    }
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/FROM sessions/);
  });

  it("reads the session again at once after this instance changes what authentication reads", async () => {
    const { client, id } = await server.newUser({ username: "cost.local" });
    expect((await client.get("/api/auth/me")).status).toBe(200);
    expect((await sysadmin.patch(`/api/org/users/${id}`, { disabled: true })).status).toBe(200);
    expect((await client.get("/api/auth/me")).status).toBe(401);
  });

  it("lists and searches users without leading-wildcard scans, joined counts or secret columns", async () => {
    const statements = await statementsDuring(async () => {
      for (const q of ["", "?q=zhang", "?q=zw", `?q=${encodeURIComponent("张伟")}`, `?q=${encodeURIComponent("伟")}`]) {
        expect((await sysadmin.get(`/api/org/users${q}`)).status).toBe(200);
      }
    });
    const reads = statements.filter((s) => /^\s*SELECT/i.test(s));
    expect(reads.length).toBeGreaterThan(0);
    for (const sql of reads) {
      expect(sql).not.toMatch(/recoveryCodes|passwordHash|totpSecret/);
      expect(sql).not.toMatch(/LIKE '%/);
      expect(sql).not.toMatch(/COUNT\(DISTINCT[^)]*\)[^]*JOIN/i);
    }
  });

  it("counts the tree's users without grouping the users table, and sends no unit id twice", async () => {
    let tree: Awaited<ReturnType<ApiClient["get"]>> | undefined;
    const statements = await statementsDuring(async () => {
      tree = await sysadmin.get("/api/org/tree");
    });
    expect(tree?.status).toBe(200);
    for (const sql of statements) expect(sql).not.toMatch(/FROM `?users`?[^]*GROUP BY/i);
    const department = tree?.body.units[0].children[0].departments[0];
    expect(Object.keys(department).sort()).toEqual(["id", "name", "sortOrder", "userCount"]);
  });
});

describe("user search", () => {
  let alpha: number;
  let beta: number;

  beforeAll(async () => {
    alpha = await createUser("search.alpha", "欧阳明华", office);
    beta = await createUser("search.beta", "李明", bureau);
  });

  it("finds any part of a Chinese name", async () => {
    expect(await search("明华")).toEqual(["search.alpha"]);
    expect(await search("华")).toContain("search.alpha");
    expect(await search("欧阳明华")).toEqual(["search.alpha"]);
    const ming = await search("明");
    expect(ming).toEqual(expect.arrayContaining(["search.alpha", "search.beta"]));
    expect(await search("阳华")).toEqual([]);
  });

  it("matches pinyin and initials by prefix, ignoring case and spaces", async () => {
    expect(await search("ouyang")).toEqual(["search.alpha"]);
    expect(await search("OuYang Ming")).toEqual(["search.alpha"]);
    expect(await search("oymh")).toEqual(["search.alpha"]);
    expect(await search("oy")).toContain("search.alpha");
    expect(await search("yangming")).toEqual([]);
    expect(await search("ymh")).toEqual([]);
  });

  it("matches usernames by prefix of the whole name or of a part after '.', '_' or '-'", async () => {
    expect(await search("search.al")).toEqual(["search.alpha"]);
    expect(await search("alpha")).toEqual(["search.alpha"]);
    expect(await search("lpha")).toEqual([]);
    expect(await search("search.")).toEqual(["search.alpha", "search.beta"]);
  });

  it("keeps to the unit asked for and to the caller's scope, in list order", async () => {
    expect(await search("明", `&unitId=${bureau.id}&includeSubunits=false`)).toEqual(["search.beta"]);
    expect(await search("search.", `&unitId=${city.id}&includeSubunits=true`)).toEqual(["search.alpha", "search.beta"]);
    expect(await search("search.", `&unitId=${city.id}&includeSubunits=false`)).toEqual([]);
    expect(await search("search.", `&departmentId=${office.departments[0]!.id}`)).toEqual(["search.alpha"]);
    // The directory never matches usernames.
    const staff = await server.signIn("office.staff1");
    const dir = await staff.get(`/api/org/directory?q=${encodeURIComponent("search.al")}`);
    expect(dir.body.total).toBe(0);
    const byName = await staff.get(`/api/org/directory?q=${encodeURIComponent("明华")}`);
    expect(byName.body.items.map((u: { id: number }) => u.id)).toEqual([alpha]);
  });

  it("follows renames and moves", async () => {
    expect((await sysadmin.patch(`/api/org/users/${alpha}`, { displayName: "欧阳振华" })).status).toBe(200);
    expect(await search("明华")).toEqual([]);
    expect(await search("振华")).toEqual(["search.alpha"]);
    expect(await search("oyzh")).toEqual(["search.alpha"]);
    expect((await sysadmin.patch(`/api/org/users/${beta}`, { unitId: office.id })).status).toBe(200);
    expect(await search("李明", `&unitId=${office.id}&includeSubunits=false`)).toEqual(["search.beta"]);
    expect(await search("李明", `&unitId=${bureau.id}&includeSubunits=false`)).toEqual([]);
  });

  it("keeps the tree's counts equal to the users there, after creations and moves", async () => {
    const all: { unit: { id: number }; department: { id: number } | null }[] = [];
    for (let page = 1; ; page++) {
      const res = await sysadmin.get(`/api/org/users?pageSize=200&page=${page}`);
      all.push(...res.body.items);
      if (all.length >= res.body.total) break;
    }
    const units = flatten((await sysadmin.get("/api/org/tree")).body.units);
    for (const unit of units) {
      expect(unit.userCount, unit.name).toBe(all.filter((u) => u.unit.id === unit.id).length);
      for (const d of unit.departments) {
        expect(d.userCount, `${unit.name} ${d.name}`).toBe(all.filter((u) => u.department?.id === d.id).length);
      }
    }
  });
});

describe("authorization caches across instances", () => {
  let other: { url: string; stop(): Promise<void> };

  beforeAll(async () => {
    other = await spawnServerProcess({
      DATABASE_URL: server.db.url,
      SEED_DEMO: "false",
      PASSWORD_HASH_MEMORY_KIB: "1024",
    });
  });

  afterAll(async () => {
    await other?.stop();
  });

  /** The same browser session, sent to the second instance. */
  function onOther(client: ApiClient): ApiClient {
    const copy = new ApiClient(other.url);
    for (const name of ["yo_sid", "yo_csrf"]) {
      const value = client.cookie(name);
      if (value) copy.setCookie(name, value);
    }
    return copy;
  }

  /** Milliseconds until `check` holds on the other instance (asked every 50 ms), failing after twice the bound. */
  async function takesEffect(check: () => Promise<boolean>): Promise<number> {
    const started = Date.now();
    while (!(await check())) {
      if (Date.now() - started > 2 * SESSION_CACHE_MS) throw new Error("not in effect within the bound");
      await sleep(50);
    }
    return Date.now() - started;
  }

  it("serves the other instance's tree from its cache only while nothing in the organisation changed", async () => {
    const adminThere = onOther(sysadmin);
    const officeThere = async () => (await adminThere.get("/api/org/tree")).body.units[0].children[0] as UnitNode;
    const before = await officeThere();
    const [first, second] = before.departments;
    if (!first || !second) throw new Error("the office needs two departments");
    expect(await officeThere()).toEqual(before);

    // A user created here counts there at once: no bound, the next request rebuilds.
    const { id } = await server.newUser({ username: "tree.cache", unitId: before.id, departmentId: first.id });
    let office = await officeThere();
    expect(office.userCount).toBe(before.userCount + 1);
    expect(office.departments[0]?.userCount).toBe(first.userCount + 1);

    // Moved to the other department.
    expect((await sysadmin.patch(`/api/org/users/${id}`, { departmentId: second.id })).status).toBe(200);
    office = await officeThere();
    expect(office.departments.slice(0, 2).map((d) => d.userCount)).toEqual([first.userCount, second.userCount + 1]);

    // A department renamed, and one written by raw SQL as another tool would: both are seen.
    expect((await sysadmin.patch(`/api/org/departments/${first.id}`, { name: "缓存测试科" })).status).toBe(200);
    expect((await officeThere()).departments[0]?.name).toBe("缓存测试科");
    await User.update({ departmentId: first.id }, { where: { id } });
    office = await officeThere();
    expect(office.departments.slice(0, 2).map((d) => d.userCount)).toEqual([first.userCount + 1, second.userCount]);
  });

  it(`a changed role, a revoked role, a disabled user and an ended session count on the other instance within ${SESSION_CACHE_MS} ms`, async () => {
    const { client, id } = await server.newUser({ username: "cache.person" });
    const there = onOther(client);
    const role = await secadmin.post("/api/org/roles", {
      code: "cache.reader",
      name: "通讯录查阅",
      permissions: ["org.directory.read"],
    });
    expect(role.status, role.text).toBe(201);
    for (const grant of (await secadmin.get(`/api/org/users/${id}`)).body.roles) {
      expect((await secadmin.delete(`/api/org/users/${id}/roles/${grant.assignmentId}`)).status).toBe(200);
    }
    const assigned = await secadmin.post(`/api/org/users/${id}/roles`, { roleId: role.body.id, unitId: null });
    expect(assigned.status, assigned.text).toBe(200);
    const assignmentId = assigned.body.roles[0].assignmentId;

    // The other instance has loaded its snapshot and this session.
    await takesEffect(async () => (await there.get("/api/org/directory")).status === 200);
    expect((await there.get("/api/auth/me")).body.permissions).toEqual(["org.directory.read"]);
    const bound = SESSION_CACHE_MS + 250; // the cache's lifetime, and a request's time

    // A role's permissions and name change on this instance.
    const changed = await secadmin.patch(`/api/org/roles/${role.body.id}`, { name: "办公", permissions: ["oa.use"] });
    expect(changed.status, changed.text).toBe(200);
    expect(await takesEffect(async () => (await there.get("/api/org/directory")).status === 403)).toBeLessThan(bound);
    const me = await there.get("/api/auth/me");
    expect(me.body.permissions).toEqual(["oa.use"]);
    expect(me.body.user.roles.map((r: { name: string }) => r.name)).toEqual(["办公"]);

    // The role is taken away.
    expect((await secadmin.delete(`/api/org/users/${id}/roles/${assignmentId}`)).status).toBe(200);
    const noRoles = async () => (await there.get("/api/auth/me")).body.permissions.length === 0;
    expect(await takesEffect(noRoles)).toBeLessThan(bound);

    // The account is disabled.
    expect((await sysadmin.patch(`/api/org/users/${id}`, { disabled: true })).status).toBe(200);
    expect(await takesEffect(async () => (await there.get("/api/auth/me")).status === 401)).toBeLessThan(bound);

    // A session ended on this instance.
    const admin = await server.signIn("sysadmin");
    const adminThere = onOther(admin);
    expect((await adminThere.get("/api/auth/me")).status).toBe(200);
    expect((await admin.post("/api/auth/logout")).status).toBe(204);
    expect(await takesEffect(async () => (await adminThere.get("/api/auth/me")).status === 401)).toBeLessThan(bound);
  });
});
