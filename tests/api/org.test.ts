import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { User } from "../../server/org/models/index.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import type { ApiClient } from "../helpers/apiClient.js";

let server: TestServer;
let admin: ApiClient;
let cityId: number;
let officeId: number;
let officeDeptId: number;

interface Node {
  id: number;
  name: string;
  code: string;
  children: Node[];
  departments: { id: number; name: string }[];
}

async function tree(): Promise<Node[]> {
  return (await admin.get("/api/org/tree")).body.units;
}
const find = (nodes: Node[], name: string): Node | undefined =>
  nodes
    .flatMap((n) => [n, ...(find(n.children, name) ? [find(n.children, name) as Node] : [])])
    .find((n) => n.name === name);

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.signIn("sysadmin");
  const units = await tree();
  cityId = units[0]!.id;
  const office = units[0]!.children.find((c) => c.code === "nanning.office")!;
  officeId = office.id;
  officeDeptId = office.departments[0]!.id;
});
afterAll(async () => {
  await server?.stop();
});

describe("demo organisation", () => {
  it("has the city government, its office, 6 districts, 6 counties and the bureaus", async () => {
    const [city] = await tree();
    expect(city?.name).toBe("南宁市人民政府");
    const names = city!.children.map((c) => c.name);
    for (const n of ["兴宁区", "青秀区", "江南区", "西乡塘区", "良庆区", "邕宁区"])
      expect(names).toContain(`南宁市${n}人民政府`);
    for (const n of ["武鸣县", "横县", "宾阳县", "上林县", "马山县", "隆安县"]) expect(names).toContain(`${n}人民政府`);
    for (const n of ["南宁市教育局", "南宁市财政局", "南宁市档案局", "南宁市外事侨务办公室"])
      expect(names).toContain(n);
    expect(city!.children.every((c) => c.departments.length > 0)).toBe(true);
    const registrars = await admin.get("/api/org/users?q=registrar&pageSize=100");
    expect(registrars.body.total).toBe(city!.children.length);
  });
});

describe("units and departments", () => {
  it("creates, moves (with its subtree), refuses cycles, and deletes only empty units", async () => {
    const a = await admin.post("/api/org/units", { name: "测试局", code: "test.a", kind: "bureau", parentId: cityId });
    expect(a.status).toBe(201);
    const b = await admin.post("/api/org/units", {
      name: "测试分局",
      code: "test.b",
      kind: "bureau",
      parentId: a.body.id,
    });
    const c = await admin.post("/api/org/units", {
      name: "测试所",
      code: "test.c",
      kind: "other",
      parentId: b.body.id,
    });
    expect(c.status).toBe(201);
    const cycle = await admin.patch(`/api/org/units/${a.body.id}`, { parentId: c.body.id });
    expect(cycle.status).toBe(409);
    expect(cycle.body.error.code).toBe("cycle");
    const moved = await admin.patch(`/api/org/units/${b.body.id}`, { parentId: officeId });
    expect(moved.status).toBe(200);
    const office = find(await tree(), "南宁市人民政府办公室")!;
    expect(find(office.children, "测试所")).toBeDefined();
    const dept = await admin.post("/api/org/departments", { unitId: c.body.id, name: "一科" });
    expect((await admin.delete(`/api/org/units/${c.body.id}`)).body.error.code).toBe("not_empty");
    expect((await admin.delete(`/api/org/departments/${dept.body.id}`)).status).toBe(204);
    expect((await admin.delete(`/api/org/units/${c.body.id}`)).status).toBe(204);
    const orphan = await admin.post("/api/org/units", {
      name: "孤儿",
      code: "test.orphan",
      kind: "other",
      parentId: 999999,
    });
    expect(orphan.body.error.code).toBe("unknown_unit");
    const lost = await admin.post("/api/org/departments", { unitId: 999999, name: "无主科" });
    expect(lost.status).toBe(400);
    expect(lost.body.error.code).toBe("unknown_unit");
    const dup = await admin.post("/api/org/units", { name: "重复", code: "test.a", kind: "bureau", parentId: cityId });
    expect(dup.status).toBe(409);
  });

  it("moves a department with its people to another unit", async () => {
    const unit = await admin.post("/api/org/units", {
      name: "搬迁局",
      code: "test.move",
      kind: "bureau",
      parentId: cityId,
    });
    const dept = await admin.post("/api/org/departments", { unitId: officeId, name: "搬迁科" });
    const user = await admin.post("/api/org/users", {
      username: "mover",
      displayName: "搬迁人",
      unitId: officeId,
      departmentId: dept.body.id,
    });
    const moved = await admin.patch(`/api/org/departments/${dept.body.id}`, { unitId: unit.body.id });
    expect(moved.status).toBe(200);
    expect((await admin.get(`/api/org/users/${user.body.user.id}`)).body.unit.id).toBe(unit.body.id);
  });
});

describe("users", () => {
  it("creates a user with a one-time initial password and finds them by name, pinyin and initials", async () => {
    const res = await admin.post("/api/org/users", {
      username: "zhangwei01",
      displayName: "张伟",
      unitId: officeId,
      departmentId: officeDeptId,
      email: "zw@nanning.gov.cn",
    });
    expect(res.status).toBe(201);
    expect(res.body.initialPassword).toMatch(/^.{14}$/);
    expect(res.body.user.mustChangePassword).toBe(true);
    for (const q of ["张伟", "zhangwei", "zw", "ZhangWei"]) {
      const found = await admin.get(`/api/org/users?q=${encodeURIComponent(q)}&pageSize=100`);
      expect(
        found.body.items.map((u: { username: string }) => u.username),
        q,
      ).toContain("zhangwei01");
    }
    // Usernames match by prefix (of the whole name or of a part after '.', '_' or '-').
    const admins = [
      ...(await admin.get("/api/org/users?q=sysadmin")).body.items,
      ...(await admin.get("/api/org/users?q=secadmin")).body.items,
    ];
    const roleOf = new Map(
      admins.map((u: { username: string; roles: { code: string }[] }) => [u.username, u.roles.map((r) => r.code)]),
    );
    expect(roleOf.get("sysadmin")).toEqual(["sysadmin"]);
    expect(roleOf.get("secadmin")).toEqual(["secadmin"]);
    const byDept = await admin.get(`/api/org/users?departmentId=${officeDeptId}&pageSize=100`);
    expect(byDept.body.items.every((u: { department: { id: number } }) => u.department.id === officeDeptId)).toBe(true);
    const staff = await server.signIn("office.staff1");
    const dir = await staff.get("/api/org/directory?q=zw");
    expect(dir.body.items.map((u: { displayName: string }) => u.displayName)).toContain("张伟");
    expect(JSON.stringify(dir.body)).not.toMatch(/username|lastLoginAt|roles/);
  });

  it("refuses a taken username, a department of another unit and unknown ids", async () => {
    const dup = await admin.post("/api/org/users", { username: "sysadmin", displayName: "重名", unitId: officeId });
    expect(dup.status).toBe(409);
    const other = find(await tree(), "南宁市教育局")!;
    const wrongDept = await admin.post("/api/org/users", {
      username: "wrongdept",
      displayName: "某",
      unitId: other.id,
      departmentId: officeDeptId,
    });
    expect(wrongDept.body.error.code).toBe("department_not_in_unit");
    const unknown = await admin.post("/api/org/users", { username: "nounit", displayName: "某", unitId: 999999 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("unknown_unit");
    expect(await User.count({ where: { username: ["wrongdept", "nounit"] } })).toBe(0);
  });

  it("gives exactly one account when the same username is created twice at once", async () => {
    const results = await Promise.all(
      [1, 2, 3].map(() => admin.post("/api/org/users", { username: "twin", displayName: "双胞胎", unitId: officeId })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(await User.count({ where: { username: "twin" } })).toBe(1);
  });

  it("disables and re-enables an account, ending its sessions", async () => {
    const { client, id } = await server.newUser({ username: "tobedisabled" });
    expect((await admin.patch(`/api/org/users/${id}`, { disabled: true })).body.disabled).toBe(true);
    expect((await client.get("/api/auth/me")).status).toBe(401);
    const login = await server
      .client()
      .post("/api/auth/login", { username: "tobedisabled", password: "Yong#Office2026" });
    expect(login.body.error.code).toBe("account_disabled");
    expect((await admin.patch(`/api/org/users/${id}`, { disabled: false })).body.disabled).toBe(false);
  });
});

describe("bad input", () => {
  it("answers malformed JSON, over-long fields and wrong types with a clear 400", async () => {
    const malformed = await admin.request("POST", "/api/org/users", { rawBody: '{"username": "x",' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("malformed_json");
    const long = await admin.post("/api/org/users", {
      username: "a".repeat(65),
      displayName: "某".repeat(65),
      unitId: officeId,
    });
    expect(long.status).toBe(400);
    expect(long.body.error.code).toBe("validation_failed");
    expect(long.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      "body.displayName",
      "body.username",
    ]);
    const types = await admin.patch("/api/org/units/abc", { parentId: "x" });
    expect(types.status).toBe(400);
    const big = await admin.request("POST", "/api/org/users/import", {
      rawBody: JSON.stringify({ csv: "x".repeat(11 * 1024 * 1024), commit: false }),
    });
    expect(big.status).toBe(413);
  });
});

describe("CSV import", () => {
  const header = "username,displayName,unitCode,department,position,email,phone";

  it("previews with a per-row report and writes nothing while any row is wrong", async () => {
    const csv = [
      header,
      "li.ming,李明,nanning.office,秘书科,科员,liming@nanning.gov.cn,0771-1234567",
      "bad name,王五,nanning.office,,,,", // invalid username
      "wang.wu,王五,nanning.nowhere,,,,", // unknown unit
      "zhao.liu,赵六,nanning.office,不存在科,,,", // unknown department
      "li.ming,李明二,nanning.office,,,,", // repeats row 2
      "sun.qi,孙七,nanning.office,,,not-an-email,", // bad email
    ].join("\n");
    const before = await User.count();
    const preview = await admin.post("/api/org/users/import", { csv, commit: false });
    expect(preview.status).toBe(200);
    expect(preview.body.rows).toBe(6);
    expect(preview.body.valid).toBe(1);
    expect(preview.body.errors.map((e: { row: number }) => e.row).sort()).toEqual([3, 4, 5, 6, 7]);
    const commit = await admin.post("/api/org/users/import", { csv, commit: true });
    expect(commit.status).toBe(422);
    expect(commit.body.error.code).toBe("import_has_errors");
    expect(await User.count()).toBe(before);
  });

  it("imports valid rows in one go and returns their initial passwords once", async () => {
    const csv = `\uFEFF${header}\nchen.yi,陈一,nanning.office,秘书科,科员,,\nchen.er,陈二,nanning.jyj,办公室,,,\n`;
    const res = await admin.post("/api/org/users/import", { csv, commit: true });
    expect(res.status).toBe(200);
    expect(res.body.created.map((c: { username: string }) => c.username)).toEqual(["chen.yi", "chen.er"]);
    const login = await server
      .client()
      .post("/api/auth/login", { username: "chen.er", password: res.body.created[1].initialPassword });
    expect(login.status).toBe(200);
    expect(login.body.user.unit.name).toBe("南宁市教育局");
  });

  it("rejects a file that is not CSV or lacks columns", async () => {
    expect((await admin.post("/api/org/users/import", { csv: "just one line", commit: false })).body.error.code).toBe(
      "csv_empty",
    );
    expect(
      (await admin.post("/api/org/users/import", { csv: "name,unit\n张三,x", commit: false })).body.error.code,
    ).toBe("csv_missing_columns");
    expect(
      (
        await admin.post("/api/org/users/import", {
          csv: 'username,displayName,unitCode\n"unterminated,x,y',
          commit: false,
        })
      ).body.error.code,
    ).toBe("csv_unreadable");
  });
});
