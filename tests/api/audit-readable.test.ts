import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL, URL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { User } from "../../server/org/models/index.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import type { ApiClient } from "../helpers/apiClient.js";

let server: TestServer;
let sysadmin: ApiClient;
let secadmin: ApiClient;
let auditor: ApiClient;

interface Item {
  seq: number;
  action: string;
  outcome: string;
  actorId: number | null;
  targetType: string | null;
  targetId: string | null;
  routine: boolean;
  detail: Record<string, unknown> | null;
  changes: { field: string; before?: unknown; after: unknown }[];
}

type Names = Record<string, Record<string, unknown>>;
interface Refs {
  users: Names;
  units: Names;
  departments: Names;
  roles: Names;
  positions: Names;
}

beforeAll(async () => {
  server = await startTestServer();
  sysadmin = await server.signIn("sysadmin");
  secadmin = await server.signIn("secadmin");
  auditor = await server.signIn("auditor");
});
afterAll(async () => {
  await server?.stop();
});

const events = async (query: string) => {
  const res = await auditor.get(`/api/audit/events?pageSize=200&${query}`);
  expect(res.status).toBe(200);
  return res.body as { items: Item[]; total: number; refs: Refs };
};

async function roleId(code: string): Promise<number> {
  const roles = (await secadmin.get("/api/org/roles")).body.items as { id: number; code: string }[];
  const role = roles.find((r) => r.code === code);
  if (!role) throw new Error(`no role ${code}`);
  return role.id;
}

describe("the audit log names what it is about", () => {
  it("resolves targets and detail ids to names, one query per kind for the whole page", async () => {
    const people = await Promise.all(
      ["aud.one", "aud.two", "aud.three", "aud.four", "aud.five"].map((username) => server.newUser({ username })),
    );
    // New accounts already hold "staff" in their unit (the default role): grant another.
    const staff = await roleId("leader");
    const tree = (await sysadmin.get("/api/org/tree")).body.units;
    const unitId: number = tree[0].children[0].id;
    for (const p of people) {
      const res = await secadmin.post(`/api/org/users/${p.id}/roles`, { roleId: staff, unitId });
      expect(res.status).toBe(200);
    }

    let userQueries = 0;
    const count = () => {
      userQueries += 1;
    };
    User.addHook("beforeFind", "audit-count", count);
    let page;
    try {
      page = await events("action=role.assign");
    } finally {
      User.removeHook("beforeFind", "audit-count");
    }
    // Authentication reads the auditor once; the page's five targets and the actor cost one more query.
    expect(userQueries).toBeLessThanOrEqual(2);

    const assigned = page.items.filter((e) => people.some((p) => String(p.id) === e.targetId));
    expect(assigned).toHaveLength(5);
    for (const e of assigned) {
      expect(page.refs.users[e.targetId!]).toMatchObject({ name: "测试用户" });
      expect(page.refs.users[String(e.actorId)]).toMatchObject({ username: "secadmin", adminKind: "security" });
      expect(page.refs.roles[String(staff)]).toMatchObject({ code: "leader" });
      expect(page.refs.units[String(unitId)]).toMatchObject({ name: "南宁市人民政府办公室" });
    }
  });
});

describe("changes read as before → after", () => {
  it("records the old values of a user's changed fields", async () => {
    const { id } = await server.newUser({ username: "aud.rename" });
    const res = await sysadmin.patch(`/api/org/users/${id}`, { displayName: "王小明", phone: "0771-1234567" });
    expect(res.status).toBe(200);
    const page = await events("action=user.update");
    const event = page.items.find((e) => e.targetId === String(id));
    expect(event?.changes).toEqual([
      { field: "displayName", before: "测试用户", after: "王小明" },
      { field: "phone", before: null, after: "0771-1234567" },
    ]);
  });

  it("records the old values of a security policy change", async () => {
    const res = await secadmin.patch("/api/settings/security", { lockoutThreshold: 6, lockoutMinutes: 15 });
    expect(res.status).toBe(200);
    const page = await events("action=security.policy.update");
    // lockoutMinutes did not change: it is left out.
    expect(page.items[0]?.changes).toEqual([{ field: "lockoutThreshold", before: 5, after: 6 }]);
  });
});

describe("routine page views are kept apart", () => {
  it("hides successful administrator page views unless asked for", async () => {
    for (let i = 0; i < 3; i++) expect((await sysadmin.get("/api/org/users")).status).toBe(200);
    const all = await events("routine=include");
    expect(all.items.some((e) => e.action === "admin.request" && e.routine)).toBe(true);

    const changes = await events("");
    expect(changes.items.length).toBeGreaterThan(0);
    expect(changes.items.some((e) => e.routine)).toBe(false);
    expect(changes.total).toBeLessThan(all.total);

    const only = await events("routine=only");
    expect(only.items.length).toBeGreaterThan(0);
    expect(only.items.every((e) => e.routine)).toBe(true);
    // Naming the action shows them whatever the switch says.
    expect((await events("action=admin.request")).items.length).toBeGreaterThan(0);
  });

  it("keeps denied administrator requests with the changes", async () => {
    expect((await sysadmin.get("/api/audit/events")).status).toBe(403);
    const page = await events("outcome=denied");
    expect(page.items.some((e) => e.actorId !== null && e.outcome === "denied")).toBe(true);
  });
});

describe("三员 refusals are denials", () => {
  it("records a separation-of-duties refusal with the user and the role", async () => {
    const me = (await sysadmin.get("/api/auth/me")).body.user;
    const auditorRole = await roleId("auditor");
    const res = await secadmin.post(`/api/org/users/${me.id}/roles`, { roleId: auditorRole });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("separation_of_duties");
    const page = await events("outcome=denied");
    const denial = page.items.find((e) => e.detail?.reason === "separation_of_duties");
    expect(denial).toMatchObject({ action: "authz.denied", targetType: "user", targetId: String(me.id) });
    expect(denial?.detail?.roleId).toBe(auditorRole);
    expect(page.refs.roles[String(auditorRole)]).toMatchObject({ code: "auditor" });
  });

  it("records a self-assignment refusal", async () => {
    const me = (await secadmin.get("/api/auth/me")).body.user;
    const res = await secadmin.post(`/api/org/users/${me.id}/roles`, { roleId: await roleId("secadmin") });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("self_assignment");
    const page = await events("outcome=denied");
    const denial = page.items.find((e) => e.detail?.reason === "self_assignment");
    expect(denial).toMatchObject({ action: "authz.denied", targetId: String(me.id) });
  });
});

describe("date ranges", () => {
  const shanghaiDate = (d: Date) => new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(d);

  it("a range from one date to the same date holds that whole day", async () => {
    const today = shanghaiDate(new Date());
    // The auditor's own requests are audited too, so each later query sees at least as many events.
    const everything = await events("routine=include");
    const day = await events(`from=${today}&to=${today}&routine=include`);
    expect(everything.total).toBeGreaterThan(0);
    expect(day.total).toBeGreaterThanOrEqual(everything.total);
    const yesterday = shanghaiDate(new Date(Date.now() - 24 * 3600 * 1000));
    expect((await events(`from=${yesterday}&to=${yesterday}&routine=include`)).total).toBe(0);
    // Explicit instants still work as before.
    const start = new Date(Date.now() - 3600 * 1000).toISOString();
    expect((await events(`from=${start}&routine=include`)).total).toBeGreaterThanOrEqual(day.total);
  });
});

describe("every action the server writes has words in three languages", () => {
  const serverDir = fileURLToPath(new URL("../../server", import.meta.url));

  function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return sources(path);
      return name.endsWith(".ts") && !name.endsWith(".test.ts") ? [path] : [];
    });
  }

  /** Dotted literals given to `action` / `auditAction` (ternaries included) anywhere in the server. */
  function writtenActions(): Set<string> {
    const found = new Set<string>();
    for (const file of sources(serverDir)) {
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(/\b(?:action|auditAction)\s*[:=]/g)) {
        const tail = text.slice(match.index + match[0].length, match.index + match[0].length + 240);
        const statement = tail.split(/;|\boutcome\b|\}/)[0] ?? "";
        for (const literal of statement.matchAll(/"([a-z_]+(?:\.[a-z_]+)+)"/g)) found.add(literal[1]!);
      }
    }
    return found;
  }

  it("finds the writers", () => {
    const actions = writtenActions();
    for (const known of ["auth.login", "user.move", "role.assign", "security.policy.update", "authz.denied"])
      expect(actions).toContain(known);
  });

  // Loaded by path: the client's sources are not part of the server's type check.
  const AuditMessages = z.object({
    default: z.object({ audit: z.object({ actions: z.record(z.string(), z.string()) }) }),
  });

  it.each(["zh-CN", "zh-TW", "en"])("%s names every action", async (locale) => {
    const file = fileURLToPath(new URL(`../../client/src/locales/${locale}/audit.ts`, import.meta.url));
    const words = AuditMessages.parse(await import(pathToFileURL(file).href)).default.audit.actions;
    const missing = [...writtenActions()].filter((a) => !words[a.replace(/\./g, "_")]);
    expect(missing).toEqual([]);
  });
});
