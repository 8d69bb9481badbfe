import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import type { ApiClient } from "../helpers/apiClient.js";

interface Grant {
  assignmentId: number;
  roleId: number;
  code: string;
  adminKind: string | null;
  unit: { id: number; name: string } | null;
}

let server: TestServer;
let sysadmin: ApiClient;
let secadmin: ApiClient;
let staff: ApiClient;
let roleIds: Map<string, number>;
let office: { id: number; departments: { id: number }[] };
let district: { id: number; code: string };

/** Creates an account as sysadmin; returns its id. */
async function createUser(username: string, displayName: string, unitId = office.id): Promise<number> {
  const res = await sysadmin.post("/api/org/users", { username, displayName, unitId, phone: "0771-5551234" });
  expect(res.status, res.text).toBe(201);
  return res.body.user.id;
}

async function rolesOf(id: number): Promise<Grant[]> {
  const res = await secadmin.get(`/api/org/users/${id}`);
  expect(res.status, res.text).toBe(200);
  return res.body.roles;
}

beforeAll(async () => {
  server = await startTestServer();
  sysadmin = await server.signIn("sysadmin");
  secadmin = await server.signIn("secadmin");
  staff = await server.signIn("office.staff1");
  const roles = await secadmin.get("/api/org/roles");
  roleIds = new Map(roles.body.items.map((r: { code: string; id: number }) => [r.code, r.id]));
  const tree = await sysadmin.get("/api/org/tree");
  office = tree.body.units[0].children[0];
  district = tree.body.units[0].children[1];
});
afterAll(async () => {
  await server?.stop();
});

describe("default roles of new accounts", () => {
  it("a new account is staff of its own unit, and can use the directory at once", async () => {
    const id = await createUser("new.default", "默认角色", district.id);
    const roles = await rolesOf(id);
    expect(roles.map((r) => [r.code, r.unit?.id])).toEqual([["staff", district.id]]);
    // The grant is on record with the account's creation.
    const auditor = await server.signIn("auditor");
    const log = await auditor.get("/api/audit/events?action=user.create&pageSize=5");
    const event = log.body.items.find((e: { targetId: string }) => e.targetId === String(id));
    expect(event?.detail?.defaultRoles).toEqual(["staff"]);
  });

  it("the security administrator reads and changes the default; others cannot", async () => {
    const current = await secadmin.get("/api/settings/default-roles");
    expect(current.status).toBe(200);
    expect(current.body).toEqual({ roleCodes: ["staff"] });
    expect((await sysadmin.get("/api/settings/default-roles")).status).toBe(403);
    expect((await sysadmin.patch("/api/settings/default-roles", { roleCodes: [] })).status).toBe(403);
    expect((await staff.get("/api/settings/default-roles")).status).toBe(403);

    const changed = await secadmin.patch("/api/settings/default-roles", { roleCodes: ["staff", "registrar"] });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.roleCodes).toEqual(["staff", "registrar"]);
    const id = await createUser("new.two", "两个角色");
    expect((await rolesOf(id)).map((r) => [r.code, r.unit?.id]).sort()).toEqual([
      ["registrar", office.id],
      ["staff", office.id],
    ]);
    const audited = await (
      await server.signIn("auditor")
    ).get("/api/audit/events?action=security.default_roles.update");
    expect(audited.body.items[0]).toMatchObject({ actorName: "secadmin", targetId: "security.defaultRoles" });
  });

  it("refuses 三员 roles and unknown roles as defaults", async () => {
    const admin = await secadmin.patch("/api/settings/default-roles", { roleCodes: ["staff", "sysadmin"] });
    expect(admin.status).toBe(400);
    expect(admin.body.error.code).toBe("admin_role_not_default");
    const unknown = await secadmin.patch("/api/settings/default-roles", { roleCodes: ["nobody"] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("unknown_role");
    expect((await secadmin.get("/api/settings/default-roles")).body.roleCodes).toEqual(["staff", "registrar"]);
  });

  it("a role that new accounts receive cannot be deleted", async () => {
    const created = await secadmin.post("/api/org/roles", { code: "newcomer", name: "新人", permissions: ["oa.use"] });
    expect(created.status).toBe(201);
    expect((await secadmin.patch("/api/settings/default-roles", { roleCodes: ["newcomer"] })).status).toBe(200);
    const refused = await secadmin.delete(`/api/org/roles/${created.body.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("role_is_default");
    expect((await secadmin.patch("/api/settings/default-roles", { roleCodes: ["staff"] })).status).toBe(200);
    expect((await secadmin.delete(`/api/org/roles/${created.body.id}`)).status).toBe(204);
  });

  it("imported accounts get the default roles in their own units", async () => {
    const csv = [
      "username,displayName,unitCode,department,position,email,phone",
      `imp.one,导入甲,${district.code},,,,`,
      "imp.two,导入乙,nanning.office,,,,",
    ].join("\n");
    const res = await sysadmin.post("/api/org/users/import", { csv, commit: true });
    expect(res.status, res.text).toBe(200);
    const found = await secadmin.get("/api/org/users?q=imp.&pageSize=10");
    const byName = new Map<string, { id: number; roles: Grant[] }>(
      found.body.items.map((u: { username: string; id: number; roles: Grant[] }) => [u.username, u]),
    );
    expect(byName.get("imp.one")?.roles.map((r) => [r.code, r.unit?.id])).toEqual([["staff", district.id]]);
    expect(byName.get("imp.two")?.roles.map((r) => [r.code, r.unit?.id])).toEqual([["staff", office.id]]);
  });

  it("an empty default leaves new accounts without roles; existing ones are not changed later", async () => {
    expect((await secadmin.patch("/api/settings/default-roles", { roleCodes: [] })).status).toBe(200);
    const id = await createUser("no.roles", "无角色者");
    expect(await rolesOf(id)).toEqual([]);
    expect((await secadmin.patch("/api/settings/default-roles", { roleCodes: ["staff"] })).status).toBe(200);
    expect(await rolesOf(id)).toEqual([]);

    // The security administrator finds the people without any role.
    const list = await secadmin.get("/api/org/users?withoutRoles=true&pageSize=200");
    expect(list.status).toBe(200);
    const usernames = list.body.items.map((u: { username: string }) => u.username);
    expect(usernames).toContain("no.roles");
    expect(usernames).not.toContain("office.staff1");
    expect(list.body.items.every((u: { roles: Grant[] }) => u.roles.length === 0)).toBe(true);
  });
});

describe("granting roles as the security administrator", () => {
  it("finds a person by pinyin, grants a role in a unit, and the person's permissions follow", async () => {
    const id = await createUser("grant.me", "欧阳明月");
    const found = await secadmin.get("/api/org/users?q=oymy");
    expect(found.status).toBe(200);
    expect(found.body.items.map((u: { id: number }) => u.id)).toContain(id);
    expect(found.body.items.find((u: { id: number }) => u.id === id).abilities.assignRoles).toBe(true);

    // A custom role carrying no business permission yet: the grant is what changes the menu.
    const role = await secadmin.post("/api/org/roles", {
      code: "archive_reader",
      name: "档案查阅员",
      permissions: ["archive.use"],
    });
    expect(role.status).toBe(201);
    expect((await secadmin.patch("/api/settings/default-roles", { roleCodes: [] })).status).toBe(200);
    const { client: user, id: bare } = await server.newUser({ username: "grant.bare" });
    expect((await secadmin.patch("/api/settings/default-roles", { roleCodes: ["staff"] })).status).toBe(200);
    expect((await user.get("/api/auth/me")).body.permissions).toEqual([]);

    const granted = await secadmin.post(`/api/org/users/${bare}/roles`, { roleId: role.body.id, unitId: office.id });
    expect(granted.status, granted.text).toBe(200);
    const grant = granted.body.roles.find((r: Grant) => r.code === "archive_reader");
    expect(grant.unit.id).toBe(office.id);
    expect((await user.get("/api/auth/me")).body.permissions).toEqual(["archive.use"]);

    const again = await secadmin.post(`/api/org/users/${bare}/roles`, { roleId: role.body.id, unitId: office.id });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("already_assigned");

    const revoked = await secadmin.delete(`/api/org/users/${bare}/roles/${grant.assignmentId}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.roles).toEqual([]);
    expect((await user.get("/api/auth/me")).body.permissions).toEqual([]);
  });

  it("a 三员 role cannot be limited to a unit", async () => {
    const id = await createUser("scoped.admin", "范围管理");
    const res = await secadmin.post(`/api/org/users/${id}/roles`, {
      roleId: roleIds.get("auditor"),
      unitId: office.id,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("admin_role_not_scoped");
  });
});

describe("the staff directory", () => {
  it("is open to staff and to new accounts with the default role, with the tree to browse it", async () => {
    expect((await staff.get("/api/org/tree")).status).toBe(200);
    expect((await staff.get("/api/org/directory")).status).toBe(200);
    const fresh = await server.newUser({ username: "fresh.staff" });
    expect((await fresh.client.get("/api/org/tree")).status).toBe(200);
    expect((await fresh.client.get("/api/org/directory?q=ouyang")).status).toBe(200);
  });

  it("never lists the three administrators, and never shows usernames", async () => {
    const admins = await Promise.all(
      ["sysadmin", "secadmin", "auditor"].map(async (name) => (await server.signIn(name)).get("/api/auth/me")),
    );
    const adminIds = admins.map((a) => a.body.user.id);
    const seen: { id: number }[] = [];
    for (let page = 1; ; page += 1) {
      const res = await staff.get(`/api/org/directory?pageSize=200&page=${page}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items);
      if (seen.length >= res.body.total || res.body.items.length === 0) break;
    }
    expect(seen.length).toBeGreaterThan(50);
    for (const id of adminIds) expect(seen.map((e) => e.id)).not.toContain(id);
    for (const entry of seen) expect(Object.keys(entry)).not.toContain("username");
    // Searching by an administrator's username or name finds nobody either.
    for (const a of admins) {
      expect((await staff.get(`/api/org/directory?q=${a.body.user.username}`)).body.total).toBe(0);
      const byName = await staff.get(`/api/org/directory?q=${encodeURIComponent(a.body.user.displayName)}`);
      expect(byName.body.items.map((e: { id: number }) => e.id)).not.toContain(a.body.user.id);
    }
  });

  it("finds a colleague by full pinyin and by initials, with position, phone and e-mail", async () => {
    for (const q of ["ouyang", "oymy", "欧阳"]) {
      const res = await staff.get(`/api/org/directory?q=${encodeURIComponent(q)}`);
      expect(res.status).toBe(200);
      const entry = res.body.items.find((e: { displayName: string }) => e.displayName === "欧阳明月");
      expect(entry, q).toMatchObject({ unit: { id: office.id }, phone: "0771-5551234", email: null });
    }
    const withPosition = await staff.get(`/api/org/directory?unitId=${office.id}&pageSize=200`);
    expect(
      withPosition.body.items.some((e: { position: { name: string } | null }) => e.position?.name === "主任"),
    ).toBe(true);
    // A username is not a search key in the directory.
    expect((await staff.get("/api/org/directory?q=grant.me")).body.total).toBe(0);
  });
});

describe("the site name", () => {
  it("is public, so the login page can show it", async () => {
    expect((await sysadmin.patch("/api/settings/system", { siteName: "南宁政务协同" })).status).toBe(200);
    const res = await server.client().get("/api/settings/site");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ siteName: "南宁政务协同" });
  });
});
