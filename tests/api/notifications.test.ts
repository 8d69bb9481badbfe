// The notification centre over HTTP: a person lists, counts and marks their own
// notifications, and nobody else's, whatever spelling of the path they try.
// Notifications are created through the service, as the OA module will.
import { readFileSync } from "node:fs";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Notification } from "../../server/notify/models/index.js";
import { notify } from "../../server/notify/services/notifier.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import type { ApiClient } from "../helpers/apiClient.js";

/** Document titles: real law names from the corpus. */
const laws = (
  JSON.parse(readFileSync(new URL("../../../shared/corpus/laws/metadata.json", import.meta.url), "utf8")) as {
    name: string;
  }[]
).map((law) => law.name);

let server: TestServer;
let staff: ApiClient;
let registrar: ApiClient;
let staffId: number;
let registrarId: number;

/** One notification per title to `userId`, oldest first; answers their ids. */
async function send(userId: number, titles: string[], actorId: number | null = null): Promise<number[]> {
  const ids: number[] = [];
  for (const documentTitle of titles) {
    const [sent] = await server.sequelize.transaction((t) =>
      notify(
        {
          recipients: [userId],
          kind: "oa.task.assigned",
          params: { documentTitle, nodeName: "部门核稿" },
          link: "/oa/documents/1",
          actorId,
        },
        t,
      ),
    );
    ids.push(sent!.id);
  }
  return ids;
}

async function auditEventsOf(username: string): Promise<number> {
  const [row] = await server.sequelize.query<{ n: number }>(
    "SELECT COUNT(*) AS n FROM audit_events WHERE actorName = :username",
    { replacements: { username }, type: QueryTypes.SELECT },
  );
  return Number(row?.n ?? 0);
}

beforeAll(async () => {
  server = await startTestServer();
  staff = await server.signIn("office.staff1");
  registrar = await server.signIn("office.registrar");
  staffId = (await staff.get("/api/auth/me")).body.user.id;
  registrarId = (await registrar.get("/api/auth/me")).body.user.id;
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(async () => {
  await Notification.destroy({ where: {} });
});

describe("the notification centre", () => {
  it("refuses anonymous callers on every route (401)", async () => {
    const anonymous = server.client();
    const [id] = await send(staffId, laws.slice(0, 1));
    for (const [method, path] of [
      ["GET", "/api/notifications"],
      ["GET", "/api/notifications/unread-count"],
      ["POST", `/api/notifications/${id}/read`],
      ["POST", "/api/notifications/read-all"],
    ] as const) {
      const res = await anonymous.request(method, path, { body: method === "POST" ? {} : undefined });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
    expect((await staff.get("/api/notifications/unread-count")).body.unreadCount).toBe(1);
  });

  it("lists the caller's notifications newest first, with the total and the unread count", async () => {
    const titles = laws.slice(0, 7);
    const ids = await send(staffId, titles, registrarId);
    await send(registrarId, laws.slice(10, 12));

    const first = await staff.get("/api/notifications?page=1&pageSize=5");
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total: 7, page: 1, pageSize: 5, unreadCount: 7, latestId: ids[6] });
    expect(first.body.items.map((n: { id: number }) => n.id)).toEqual(ids.slice(2).reverse());
    expect(first.body.items[0]).toEqual({
      id: ids[6],
      kind: "oa.task.assigned",
      params: { documentTitle: titles[6], nodeName: "部门核稿" },
      link: "/oa/documents/1",
      actorId: registrarId,
      readAt: null,
      createdAt: expect.any(String),
    });
    const second = await staff.get("/api/notifications?page=2&pageSize=5");
    expect(second.body.items.map((n: { id: number }) => n.id)).toEqual(ids.slice(0, 2).reverse());

    // Read one: gone from the unread tab, still in "all", counted once less.
    const read = await staff.post(`/api/notifications/${ids[3]}/read`);
    expect(read.status).toBe(200);
    expect(read.body.item.readAt).toEqual(expect.any(String));
    expect(read.body.unreadCount).toBe(6);
    const unread = await staff.get("/api/notifications?unread=1&pageSize=100");
    expect(unread.body.total).toBe(6);
    expect(unread.body.items.map((n: { id: number }) => n.id)).not.toContain(ids[3]);
    expect((await staff.get("/api/notifications?pageSize=100")).body.total).toBe(7);
    expect((await staff.get("/api/notifications/unread-count")).body).toEqual({ unreadCount: 6, latestId: ids[6] });

    // Again is harmless and keeps the first time it was read.
    const again = await staff.post(`/api/notifications/${ids[3]}/read`);
    expect(again.status).toBe(200);
    expect(again.body.item.readAt).toBe(read.body.item.readAt);
  });

  it("marks all read up to what the person saw, and then all", async () => {
    const ids = await send(staffId, laws.slice(20, 24));
    const seen = await staff.post("/api/notifications/read-all", { upToId: ids[1] });
    expect(seen.status).toBe(200);
    expect(seen.body).toEqual({ marked: 2, unreadCount: 2, latestId: ids[3] });
    const rest = await staff.post("/api/notifications/read-all", {});
    expect(rest.body).toEqual({ marked: 2, unreadCount: 0, latestId: null });
    expect((await staff.get("/api/notifications?unread=1")).body.items).toEqual([]);
  });

  it("keeps each person to their own: another's notification is not found, in every spelling of the path", async () => {
    const [theirs] = await send(registrarId, laws.slice(30, 31));
    const [mine] = await send(staffId, laws.slice(31, 32));
    const digits = String(theirs);
    const encoded = [...digits].map((d) => `%3${d}`).join("");
    const spellings = [
      `/api/notifications/${digits}/read`,
      `/api/notifications/${encoded}/read`,
      `/api/notifications/0${digits}/read`,
      `/api/notifications/${digits}/read?userId=${registrarId}`,
      `/api/notifications/${digits}/READ`,
      `/api/notifications/${digits}/read/`,
      `/api/Notifications/${digits}/read`,
      `/API/notifications/${digits}/read`,
      `/%61pi/notifications/${digits}/read`,
      `/api//notifications/${digits}/read`,
      `/api/notifications/${digits}%2Fread`,
      `/api/notifications/x/../${digits}/read`,
    ];
    for (const path of spellings) {
      const res = await staff.request("POST", path, { body: {} });
      expect(res.status, path).toBe(404);
    }
    // The registrar's stays unread; the staff member's read-all leaves it alone too.
    expect((await staff.post("/api/notifications/read-all", { upToId: theirs! + 1 })).body.marked).toBe(1);
    expect((await registrar.get("/api/notifications/unread-count")).body).toEqual({ unreadCount: 1, latestId: theirs });
    // Lists show only one's own, whatever the query asks for.
    const list = await staff.get(`/api/notifications?userId=${registrarId}&pageSize=100`);
    expect(list.body.items.map((n: { id: number }) => n.id)).toEqual([mine]);
    // The owner can.
    expect((await registrar.post(`/api/notifications/${theirs}/read`)).status).toBe(200);
  });

  it("answers 400 for malformed input and 404 for an id nobody has", async () => {
    expect((await staff.post("/api/notifications/abc/read")).status).toBe(400);
    expect((await staff.post("/api/notifications/0/read")).status).toBe(400);
    expect((await staff.post("/api/notifications/99999999/read")).status).toBe(404);
    expect((await staff.get("/api/notifications?pageSize=1000")).status).toBe(400);
    expect((await staff.get("/api/notifications?unread=maybe")).status).toBe(400);
    expect((await staff.post("/api/notifications/read-all", { upToId: -1 })).status).toBe(400);
  });

  it("records a 三员's look at the list, but not the bell's poll the SPA sends by itself", async () => {
    const sysadmin = await server.signIn("sysadmin");
    const recorded = async (targetId: string) => {
      await server.flushAudit();
      const [row] = await server.sequelize.query<{ n: number }>(
        "SELECT COUNT(*) AS n FROM audit_events WHERE actorName = 'sysadmin' AND action = 'admin.request' AND targetId = :targetId",
        { replacements: { targetId }, type: QueryTypes.SELECT },
      );
      return Number(row?.n ?? 0);
    };
    for (let i = 0; i < 3; i++) expect((await sysadmin.get("/api/notifications/unread-count")).status).toBe(200);
    expect(await recorded("GET /api/notifications/unread-count")).toBe(0);
    expect((await sysadmin.get("/api/notifications")).status).toBe(200);
    expect(await recorded("GET /api/notifications")).toBe(1);
  });

  it("does not put the reader's own view state on the audit log", async () => {
    const ids = await send(staffId, laws.slice(40, 42));
    const before = await auditEventsOf("office.staff1");
    expect((await staff.post(`/api/notifications/${ids[0]}/read`)).status).toBe(200);
    expect((await staff.post("/api/notifications/read-all", {})).status).toBe(200);
    expect(await auditEventsOf("office.staff1")).toBe(before);
  });
});
