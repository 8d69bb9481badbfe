import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import type { ApiClient } from "../helpers/apiClient.js";

interface UnitNode {
  id: number;
  name: string;
  userCount: number;
  departments: { id: number; name: string; userCount: number }[];
  children: UnitNode[];
}

let server: TestServer;
let sysadmin: ApiClient;
let city: UnitNode;
let office: UnitNode;
let bureau: UnitNode;

const flatten = (units: UnitNode[]): UnitNode[] => units.flatMap((u) => [u, ...flatten(u.children)]);

/** The SQL statements the server runs while `action` runs (the test's own requests are the only load). */
async function statementsDuring(action: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  // Audit and rate-limit bookkeeping may be written in the background (batches); they are not this request's reads.
  const hook = (_options: unknown, query: { sql?: string }) => {
    if (query.sql && !/audit|rate_limit/i.test(query.sql)) seen.push(query.sql);
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
  const tree = await sysadmin.get("/api/org/tree");
  city = tree.body.units[0];
  office = city.children[0]!;
  bureau = city.children.find((u) => u.name === "南宁市教育局")!;
});

afterAll(async () => {
  await server?.stop();
});

describe("request cost", () => {
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
