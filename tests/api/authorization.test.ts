import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRouters } from "../../server/app.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import type { ApiClient } from "../helpers/apiClient.js";
import { Readable } from "node:stream";
import { lookUpAddress } from "../../server/mailbox/services/addresses.js";
import { deliverToMailboxes } from "../../server/mailbox/services/delivery.js";

let server: TestServer;
let staff: ApiClient;
let sysadmin: ApiClient;
let secadmin: ApiClient;
let auditor: ApiClient;

/** Routes anyone may call without a session, and why. */
const PUBLIC = new Set([
  "GET /api/auth/csrf", // hands out the CSRF token the login form needs
  "POST /api/auth/login", // signing in
  "POST /api/auth/logout", // harmless without a session
  "GET /api/settings/site", // the site name the login page shows; nothing else
  "GET /api/archive/search", // 政府信息公开: 公开 records only without a session (tests/api/archive.test.ts)
  "GET /api/archive/suggest", // titles as the public types, 公开 only (tests/api/archive.test.ts)
  "GET /api/archive/records/:id", // the same, one record; 内部 ones answer 404
  "GET /api/archive/records/:id/file", // its original file, with the record's visibility (tests/api/archive.test.ts)
  // A title's file and what the reader opens with: anyone for open access, else only a current borrower (403)
  // (tests/api/library-reading.test.ts).
  "GET /api/library/titles/:id/files/:fileId/content",
  "GET /api/library/titles/:id/reading",
  // The library's catalogue, browsed before registering as in a Koha OPAC (tests/api/library-catalogue.test.ts);
  // a title's page adds the viewer's own loan and hold only when signed in.
  "GET /api/library/home",
  "GET /api/library/classes",
  "GET /api/library/classes/:code",
  "GET /api/library/titles",
  "GET /api/library/titles/:id",
  "GET /api/library/titles/:id/cover",
  // A member of the public registers as a patron: CSRF-checked, limited per IP (tests/api/library-patrons.test.ts).
  "POST /api/library/patrons",
]);

/** Routes every signed-in user may call: they act on the caller's own account. */
const SELF_SERVICE = new Set([
  "GET /api/auth/me",
  "POST /api/auth/password",
  "POST /api/auth/totp/setup",
  "POST /api/auth/totp/enable",
  "POST /api/auth/totp/disable",
  "GET /api/auth/sessions",
  "GET /api/org/positions",
  // The caller's own notifications; another person's answer 404 (tests/api/notifications.test.ts).
  "GET /api/notifications",
  "GET /api/notifications/unread-count",
  "POST /api/notifications/read-all",
  "POST /api/notifications/:id/read",
  // The caller's own choice of channels (e-mail) notifications also reach them by (tests/api/notify-mail.test.ts).
  "GET /api/notifications/channels",
  "PATCH /api/notifications/channels/:channel",
]);

/** Routes ordinary staff may use: the staff directory and the tree it is browsed by. */
const STAFF = new Set([
  "GET /api/org/tree",
  "GET /api/org/directory",
  // The flow diagram of the version a document runs, for its page (tests/api/oa-processes.test.ts).
  "GET /api/oa/processes/:id/versions/:version",
  "GET /api/oa/process-versions/:id",
  // The OA: every member of staff drafts and has their own lists (tests/api/oa-documents.test.ts
  // checks that other people's documents answer 404 and that staff without the OA get 403).
  "POST /api/oa/documents",
  "GET /api/oa/inbox/counts",
  "GET /api/oa/inbox/:box",
  "GET /api/oa/delegations",
  "POST /api/oa/delegations",
  // Webmail: the caller's own mailbox and the unit mailboxes they are a member of; any other mailbox
  // or message answers 404 ("webmail" below, and tests/api/mail-read.test.ts route by route).
  "GET /api/mail/mailboxes",
  "GET /api/mail/frame",
  "POST /api/mail/mailboxes/:mailboxId/folders",
  "PATCH /api/mail/mailboxes/:mailboxId/folders/:folderId",
  "DELETE /api/mail/mailboxes/:mailboxId/folders/:folderId",
  "GET /api/mail/mailboxes/:mailboxId/folders/:folderId/messages",
  "GET /api/mail/mailboxes/:mailboxId/search",
  "POST /api/mail/mailboxes/:mailboxId/messages/flags",
  "POST /api/mail/mailboxes/:mailboxId/messages/move",
  "POST /api/mail/mailboxes/:mailboxId/messages/delete",
  "GET /api/mail/mailboxes/:mailboxId/messages/:messageId",
  "GET /api/mail/mailboxes/:mailboxId/messages/:messageId/source",
  "GET /api/mail/mailboxes/:mailboxId/messages/:messageId/raw",
  "GET /api/mail/mailboxes/:mailboxId/messages/:messageId/attachments/:index",
  "GET /api/mail/mailboxes/:mailboxId/messages/:messageId/inline/:index",
  // Writing mail: recipients and uploads need mail.use; uploads are the uploader's own (another person's
  // answers 404); mailbox routes as above, and 403 without send-as (tests/api/mail-compose.test.ts).
  "GET /api/mail/recipients",
  "POST /api/mail/uploads",
  "DELETE /api/mail/uploads/:id",
  "GET /api/mail/mailboxes/:mailboxId/messages/:messageId/compose",
  "GET /api/mail/mailboxes/:mailboxId/drafts/:draftId",
  "POST /api/mail/mailboxes/:mailboxId/drafts",
  "POST /api/mail/mailboxes/:mailboxId/send",
  // The OPDS catalogue for reader apps: library.use, and HTTP Basic only — a web session gets 401 like an
  // anonymous caller; an account without library.use 403 (tests/api/library-opds.test.ts).
  "GET /api/library/opds",
  "GET /api/library/opds/classes",
  "GET /api/library/opds/classes/:code",
  "GET /api/library/opds/classes/:code/titles",
  "GET /api/library/opds/new",
  "GET /api/library/opds/popular",
  "GET /api/library/opds/loans",
  "GET /api/library/opds/search",
  "GET /api/library/opds/opensearch",
  "GET /api/library/opds/titles/:id/borrow",
  // Lending: every member of staff borrows with library.use; another patron's loan or hold answers 404
  // (tests/api/library-lending.test.ts).
  "GET /api/library/loans",
  "POST /api/library/loans",
  "POST /api/library/loans/:id/return",
  "POST /api/library/loans/:id/renew",
  "GET /api/library/holds",
  "POST /api/library/holds",
  "DELETE /api/library/holds/:id",
]);

interface RouteRef {
  method: string;
  path: string;
  key: string;
}

function allRoutes(): RouteRef[] {
  const routes: RouteRef[] = [];
  for (const router of apiRouters()) {
    for (const layer of router.stack) {
      for (const method of layer.methods) {
        if (method === "HEAD") continue;
        const path = String(layer.path).replace(/\/$/, "") || String(layer.path);
        routes.push({ method, path, key: `${method} ${path}` });
      }
    }
  }
  return routes;
}

/** Fills path parameters with ids that exist, so a 403 is about the right and not the row. */
function concrete(path: string): string {
  return path
    .replace(":assignmentId", "1")
    .replace(":id", "1")
    .replace(":version", "1")
    .replace(":userId", "1")
    .replace(":mailboxId", "1");
}

async function call(client: ApiClient, route: RouteRef) {
  return client.request(route.method, concrete(route.path), { body: route.method === "GET" ? undefined : {} });
}

beforeAll(async () => {
  server = await startTestServer();
  staff = await server.signIn("office.staff1");
  sysadmin = await server.signIn("sysadmin");
  secadmin = await server.signIn("secadmin");
  auditor = await server.signIn("auditor");
});
afterAll(async () => {
  await server?.stop();
});

describe("every route has an authorization policy", () => {
  const routes = allRoutes();

  it("finds the routes to check", () => {
    expect(routes.length).toBeGreaterThan(30);
  });

  it("refuses anonymous callers on every non-public route (401)", async () => {
    const anonymous = server.client();
    for (const route of routes.filter((r) => !PUBLIC.has(r.key))) {
      const res = await call(anonymous, route);
      expect([401], route.key).toContain(res.status);
    }
  });

  it("refuses a staff member without the permission on every admin route (403/404)", async () => {
    for (const route of routes.filter((r) => !PUBLIC.has(r.key) && !SELF_SERVICE.has(r.key) && !STAFF.has(r.key))) {
      const res = await call(staff, route);
      expect([403, 404], route.key).toContain(res.status);
    }
  });

  it("records permission denials in the audit log", async () => {
    const res = await staff.get("/api/audit/events");
    expect(res.status).toBe(403);
    const events = await auditor.get("/api/audit/events?action=authz.denied");
    expect(
      events.body.items.some(
        (e: { actorName: string; targetId: string }) =>
          e.actorName === "office.staff1" && e.targetId === "GET /api/audit/events",
      ),
    ).toBe(true);
  });
});

describe("webmail: nobody opens another's mailbox", () => {
  let registrar: ApiClient;
  let mailboxId = 0;
  let folderId = 0;
  let messageId = 0;
  let draftId = 0;

  beforeAll(async () => {
    registrar = await server.signIn("office.registrar");
    const [own] = (await staff.get("/api/mail/mailboxes")).body.items;
    mailboxId = own.id;
    folderId = own.folders.find((f: { role: string }) => f.role === "inbox").id;
    const found = await lookUpAddress(own.address, 1024 * 1024);
    if (found.kind !== "mailbox") throw new Error("no mailbox");
    // A text and an image part, so that every route has something to answer the owner with.
    const raw = [
      "From: jyj@nanning.gov.cn",
      `To: ${own.address}`,
      "Subject: =?UTF-8?B?5YaF6YOo6YCa55+l?=",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="b1"',
      "",
      "--b1",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "请查收。",
      "--b1",
      'Content-Type: image/png; name="seal.png"',
      "Content-Transfer-Encoding: base64",
      "",
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
      "--b1--",
      "",
    ].join("\r\n");
    await deliverToMailboxes(server.sequelize, server.blobs, Readable.from([Buffer.from(raw)]), [found.mailbox], {
      maxBytes: 1024 * 1024,
      arrival: { ip: "127.0.0.1", helo: "localhost", sender: "jyj@nanning.gov.cn", recipients: [own.address] },
      mta: "nanning.gov.cn",
      resolver: () => Promise.reject(new Error("no DNS in tests")),
    });
    const list = await staff.get(`/api/mail/mailboxes/${mailboxId}/folders/${folderId}/messages`);
    messageId = list.body.items[0].id;
    const draft = await staff.post(`/api/mail/mailboxes/${mailboxId}/drafts`, {
      form: { to: [own.address], subject: "草稿" },
      draftId: null,
    });
    draftId = draft.body.draftId;
  });

  const fill = (path: string) =>
    path
      .replace(":mailboxId", String(mailboxId))
      .replace(":folderId", String(folderId))
      .replace(":messageId", String(messageId))
      .replace(":draftId", String(draftId))
      .replace(":index", "0");

  it("every reading route with a mailbox in its path answers 404 to another person", async () => {
    const reads = allRoutes().filter((r) => r.method === "GET" && r.path.includes(":mailboxId"));
    expect(reads.length).toBeGreaterThanOrEqual(7);
    for (const route of reads) {
      expect((await registrar.get(fill(route.path))).status, route.key).toBe(404);
      expect((await staff.get(fill(route.path))).status, route.key).toBe(200);
    }
  });

  it("in every spelling of the path, and for every change", async () => {
    const digits = String(messageId);
    const encoded = [...digits].map((d) => `%3${d}`).join("");
    const base = `/api/mail/mailboxes/${mailboxId}`;
    const spellings = [
      `${base}/messages/${digits}`,
      `${base}/messages/${encoded}`,
      `${base}/messages/0${digits}`,
      `${base}/messages/${digits}?mailboxId=${mailboxId}`,
      `${base}/MESSAGES/${digits}`,
      `${base}/messages/${digits}/`,
      `/api/Mail/mailboxes/${mailboxId}/messages/${digits}`,
      `/API/mail/mailboxes/${mailboxId}/messages/${digits}`,
      `/%61pi/mail/mailboxes/${mailboxId}/messages/${digits}`,
      `/api//mail/mailboxes/${mailboxId}/messages/${digits}`,
      `/api/mail/mailboxes%2F${mailboxId}/messages/${digits}`,
      `/api/mail/mailboxes/x/../${mailboxId}/messages/${digits}`,
      `${base}/messages/${digits}/raw`,
      `${base}/messages/${digits}/RAW`,
      `${base}/messages/${digits}%2Fraw`,
    ];
    for (const path of spellings) expect((await registrar.get(path)).status, path).toBe(404);
    const changes: [string, string, unknown][] = [
      ["POST", `${base}/messages/flags`, { ids: [messageId], seen: true }],
      ["POST", `${base}/messages/move`, { ids: [messageId], folderId }],
      ["POST", `${base}/messages/delete`, { ids: [messageId] }],
      ["POST", `${base}/folders`, { name: "他人" }],
      ["PATCH", `${base}/folders/${folderId}`, { name: "他人" }],
      ["DELETE", `${base}/folders/${folderId}`, {}],
      ["POST", `/API/mail/mailboxes/${mailboxId}/messages/delete`, { ids: [messageId] }],
      ["POST", `${base}/Messages/delete`, { ids: [messageId] }],
    ];
    for (const [method, path, body] of changes)
      expect((await registrar.request(method, path, { body })).status, `${method} ${path}`).toBe(404);
    // The owner's message is where it was, unread.
    const read = await staff.get(`${base}/messages/${messageId}`);
    expect(read.body).toMatchObject({ subject: "内部通知", folder: { role: "inbox" } });
  });
});

describe("三员分立", () => {
  it("the system administrator cannot read or verify the audit log", async () => {
    for (const path of ["/api/audit/events", "/api/audit/events.csv", "/api/audit/verify", "/api/audit/actions"]) {
      expect((await sysadmin.get(path)).status, path).toBe(403);
    }
  });

  it("the system administrator cannot assign roles or change the security policy", async () => {
    expect((await sysadmin.post("/api/org/users/1/roles", { roleId: 1 })).status).toBe(403);
    expect((await sysadmin.patch("/api/settings/security", { lockoutThreshold: 3 })).status).toBe(403);
  });

  it("the security administrator finds people to give roles to, but cannot create or change users", async () => {
    expect((await secadmin.get("/api/org/users?q=zw")).status).toBe(200);
    const tree = await secadmin.get("/api/org/tree");
    expect(tree.status).toBe(200);
    expect(tree.body.abilities.manage).toBe(false);
    expect((await secadmin.patch("/api/org/users/1", { displayName: "改名" })).status).toBe(403);
    expect((await secadmin.post("/api/org/users/1/reset-password")).status).toBe(403);
    const res = await secadmin.post("/api/org/users", { username: "sneaky", displayName: "某人", unitId: 1 });
    expect(res.status).toBe(403);
  });

  it("the audit administrator changes nothing: every state-changing route is refused", async () => {
    const mutating = allRoutes().filter((r) => r.method !== "GET" && !PUBLIC.has(r.key) && !SELF_SERVICE.has(r.key));
    expect(mutating.length).toBeGreaterThan(10);
    for (const route of mutating) {
      const res = await call(auditor, route);
      expect([403, 404], route.key).toContain(res.status);
    }
  });

  it("none of the three administers mail: domains, mailboxes, aliases and lists are the mail administrators'", async () => {
    const mailAdmin = allRoutes().filter((r) => r.path.startsWith("/api/mail/admin/"));
    expect(mailAdmin.length).toBeGreaterThanOrEqual(15);
    for (const admin of [sysadmin, secadmin, auditor]) {
      for (const route of mailAdmin) expect((await call(admin, route)).status, route.key).toBe(403);
    }
  });

  it("the audit administrator reads, exports and verifies the log, and those reads are audited", async () => {
    expect((await auditor.get("/api/audit/events")).status).toBe(200);
    const csv = await auditor.get("/api/audit/events.csv");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
    expect(csv.text.replace(/^\uFEFF/, "").split("\n")[0]).toBe(
      "seq,at,actorId,actorName,ip,action,targetType,targetId,outcome,detail",
    );
    const verify = await auditor.get("/api/audit/verify");
    expect(verify.body.ok).toBe(true);
    // Successful reads are routine: the list shows them when asked to.
    const own = await auditor.get("/api/audit/events?actor=auditor&routine=include");
    const actions = own.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["admin.request", "audit.export", "audit.verify"]));
  });

  it("refuses to give one person two of the three administrator roles", async () => {
    const roles = await secadmin.get("/api/org/roles");
    const byCode = new Map<string, number>(roles.body.items.map((r: { code: string; id: number }) => [r.code, r.id]));
    const { id } = await server.newUser({ username: "twohats" });
    const first = await secadmin.post(`/api/org/users/${id}/roles`, { roleId: byCode.get("auditor") });
    expect(first.status).toBe(200);
    const second = await secadmin.post(`/api/org/users/${id}/roles`, { roleId: byCode.get("sysadmin") });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe("separation_of_duties");
    const me = await secadmin.get("/api/auth/me");
    const self = await secadmin.post(`/api/org/users/${me.body.user.id}/roles`, { roleId: byCode.get("auditor") });
    expect(self.status).toBe(409);
  });

  it("refuses two of the three even when both assignments race", async () => {
    const roles = await secadmin.get("/api/org/roles");
    const byCode = new Map<string, number>(roles.body.items.map((r: { code: string; id: number }) => [r.code, r.id]));
    const { id } = await server.newUser({ username: "racehats" });
    const results = await Promise.all(
      ["sysadmin", "secadmin", "auditor"].map((code) =>
        secadmin.post(`/api/org/users/${id}/roles`, { roleId: byCode.get(code) }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const user = await sysadmin.get(`/api/org/users/${id}`);
    expect(user.body.roles.filter((r: { adminKind: string | null }) => r.adminKind).length).toBe(1);
  });

  it("custom roles cannot carry administrator permissions", async () => {
    const res = await secadmin.post("/api/org/roles", {
      code: "superuser",
      name: "超级",
      permissions: ["org.user.manage", "audit.read"],
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("separation_of_duties");
    const ok = await secadmin.post("/api/org/roles", {
      code: "reader",
      name: "档案查阅",
      permissions: ["archive.use"],
    });
    expect(ok.status).toBe(201);
  });

  it("each administrator changes only their own settings, and the change is audited", async () => {
    const policy = await secadmin.patch("/api/settings/security", { lockoutMinutes: 20 });
    expect(policy.status).toBe(200);
    expect(policy.body.lockoutMinutes).toBe(20);
    expect((await secadmin.patch("/api/settings/security", { minPasswordLength: 6 })).status).toBe(400);
    expect((await secadmin.patch("/api/settings/system", { siteName: "x" })).status).toBe(403);
    const site = await sysadmin.patch("/api/settings/system", { siteName: "南宁市政务办公" });
    expect(site.body.siteName).toBe("南宁市政务办公");
    expect((await sysadmin.get("/api/settings/security")).status).toBe(403);
    const events = await auditor.get("/api/audit/events?action=security.policy.update");
    expect(events.body.items[0]).toMatchObject({ actorName: "secadmin", targetId: "security.policy" });
    expect((await secadmin.patch("/api/settings/security", { lockoutMinutes: 15 })).status).toBe(200);
  });

  it("tells the client which actions the caller may take", async () => {
    const me = await sysadmin.get("/api/auth/me");
    expect(me.body.adminKind).toBe("system");
    expect(me.body.permissions).toContain("org.user.manage");
    expect(me.body.permissions).not.toContain("audit.read");
    const users = await sysadmin.get("/api/org/users?pageSize=1");
    expect(users.body.abilities).toEqual({ create: true, import: true });
    expect(users.body.items[0].abilities.assignRoles).toBe(false);
  });
});

describe("the library's catalogue: open to anyone, in its one spelling only", () => {
  it("answers anonymous callers on the canonical paths and 404 on every other spelling", async () => {
    const anonymous = server.client();
    expect((await anonymous.get("/api/library/classes")).status).toBe(200);
    expect((await anonymous.get("/api/library/classes/K")).status).toBe(200);
    expect((await anonymous.get("/api/library/titles?q=史记")).status).toBe(200);
    const spellings = [
      "/api/Library/classes",
      "/API/library/classes",
      "/api/library/CLASSES",
      "/api/library/classes/",
      "/%61pi/library/classes",
      "/api//library/classes",
      "/api/library/classes/K%2F",
      "/api/library/titles/1%2Fcover",
    ];
    for (const path of spellings) expect((await anonymous.get(path)).status, path).toBe(404);
  });
});
