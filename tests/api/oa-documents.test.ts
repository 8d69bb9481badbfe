import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import type { ApiClient } from "../helpers/apiClient.js";
import { sendDeadlineNotices } from "../../server/oa/services/deadlines.js";
import { Task } from "../../server/oa/models/engine.js";
import { OaDocument } from "../../server/oa/models/document.js";
import { referencedBlobs } from "../../server/server.js";
import type { LocalBlobStore } from "../../server/core/blobStore.js";
import { utimesSync } from "node:fs";
import { Readable } from "node:stream";

let server: TestServer;
let units: Map<string, { id: number; name: string }>;

interface Unit {
  id: number;
  code: string;
  name: string;
  children?: Unit[];
}

beforeAll(async () => {
  server = await startTestServer();
  const admin = await server.signIn("sysadmin");
  const tree = await admin.get("/api/org/tree");
  units = new Map();
  const walk = (list: Unit[]) => {
    for (const u of list) {
      units.set(u.code, { id: u.id, name: u.name });
      walk(u.children ?? []);
    }
  };
  walk(tree.body.units);
});

afterAll(async () => {
  await server?.stop();
});

const BODY =
  "<p>为进一步规范全市政务公开工作，现将有关事项通知如下：</p><h2>一、工作目标</h2><p>到2006年底，全市各级行政机关全面推行政务公开。</p><h2>二、工作要求</h2><p>各单位要高度重视，认真组织实施。</p>";

async function draft(client: ApiClient, extra: Record<string, unknown> = {}) {
  const res = await client.post("/api/oa/documents", {
    docType: "通知",
    title: "关于进一步做好政务公开工作的通知",
    urgency: "加急",
    mainRecipients: [
      { unitId: units.get("nanning.jyj")!.id, name: "市教育局" },
      { unitId: units.get("nanning.czj")!.id, name: "市财政局" },
    ],
    ccRecipients: [{ unitId: units.get("nanning.gaj")!.id, name: "市公安局" }],
    bodyHtml: BODY,
    ...extra,
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: number; myTasks: { id: number }[]; abilities: Record<string, boolean> };
}

async function myTask(client: ApiClient, documentId: number) {
  const view = await client.get(`/api/oa/documents/${documentId}`);
  expect(view.status, view.text).toBe(200);
  const task = view.body.myTasks[0];
  expect(task, `no task for this user on ${documentId}`).toBeTruthy();
  return { task, view: view.body };
}

async function approve(client: ApiClient, documentId: number, body: Record<string, unknown> = {}) {
  const { task } = await myTask(client, documentId);
  const res = await client.post(`/api/oa/tasks/${task.id}/approve`, { comment: "同意", ...body });
  expect(res.status, res.text).toBe(200);
  return res.body;
}

describe("公文: an outgoing document from draft to archive", () => {
  it("is drafted, reviewed, signed, numbered, sealed, distributed, signed for and archived", async () => {
    const drafter = await server.signIn("office.staff1");
    const leader = await server.signIn("office.leader");
    const registrar = await server.signIn("office.registrar");
    const doc = await draft(drafter);
    expect(doc.abilities.submit).toBe(true);

    const submitted = await drafter.post(`/api/oa/documents/${doc.id}/submit`, { comment: "请审核" });
    expect(submitted.status, submitted.text).toBe(200);
    expect(submitted.body.status).toBe("running");
    // The drafter's own list is empty now; the department head (the office's director) has it.
    expect((await drafter.get("/api/oa/inbox/todo")).body.total).toBe(0);
    const todo = await leader.get("/api/oa/inbox/todo");
    expect(todo.body.items.map((i: { documentId: number }) => i.documentId)).toContain(doc.id);
    const counts = await leader.get("/api/oa/inbox/counts");
    expect(counts.body.todo).toBe(todo.body.total);
    // Each task says what its step does, so the page can tell a 批示 or a 签收 from an approval.
    const atReview = await leader.get(`/api/oa/documents/${doc.id}`);
    expect(atReview.body.tasks.map((t: { action: string | null }) => t.action)).toEqual(["draft", "review"]);
    // … and whose it is: a 会签 signer is removed (减签) by that id.
    const leaderId = (await leader.get("/api/auth/me")).body.user.id;
    expect(atReview.body.tasks[1].ownerId).toBe(leaderId);

    await approve(leader, doc.id); // 部门核稿
    await approve(registrar, doc.id); // 办公室审核 (no 会签)
    await approve(leader, doc.id); // 领导签发
    const signed = await registrar.get(`/api/oa/documents/${doc.id}`);
    expect(signed.body.signers.length).toBe(1);
    expect(signed.body.writtenOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await approve(registrar, doc.id); // 复核

    // 登记编号: finishing the step without a number is refused; the registrar numbers it first.
    const { task: numberTask } = await myTask(registrar, doc.id);
    const early = await registrar.post(`/api/oa/tasks/${numberTask.id}/approve`, {});
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe("number_required");
    const codes = await registrar.get("/api/oa/number-codes");
    const code = codes.body.items.find((c: { unitId: number }) => c.unitId === units.get("nanning.office")!.id);
    const numbered = await registrar.post(`/api/oa/documents/${doc.id}/number`, { codeId: code.id, year: 2006 });
    expect(numbered.status, numbered.text).toBe(200);
    expect(numbered.body.docNumber).toBe(`${code.code}〔2006〕1号`);
    await approve(registrar, doc.id);

    await approve(registrar, doc.id); // 用印: the PDF is rendered
    const pdf = await registrar.get(`/api/oa/documents/${doc.id}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(pdf.text.startsWith("%PDF-")).toBe(true);
    // The blob sweep keeps the document's PDF long after it was written (the OA tells it what it refers to), also before the archive has it.
    const { pdfSha256 } = (await OaDocument.findByPk(doc.id))!;
    expect(pdfSha256).toBeTruthy();
    const orphan = await server.blobs.put(Readable.from([Buffer.from("一份无人引用的旧文件")]));
    const twoDaysAgo = new Date(Date.now() - 48 * 3_600_000);
    const local = server.blobs as LocalBlobStore;
    for (const sha256 of [pdfSha256!, orphan.sha256]) utimesSync(local.pathOf(sha256), twoDaysAgo, twoDaysAgo);
    const swept = await server.blobs.sweep({ referenced: referencedBlobs, graceMs: 24 * 3_600_000 });
    expect(swept.removed).toBeGreaterThanOrEqual(1);
    expect(await server.blobs.has(orphan.sha256)).toBe(false);
    expect(await server.blobs.has(pdfSha256!)).toBe(true);
    expect((await registrar.get(`/api/oa/documents/${doc.id}/pdf`)).status).toBe(200);

    await approve(registrar, doc.id); // 分发
    const sent = await drafter.get(`/api/oa/documents/${doc.id}`);
    expect(sent.body.distributions.map((d: { unitName: string }) => d.unitName).sort()).toEqual(
      ["南宁市公安局", "南宁市教育局", "南宁市财政局"].sort(),
    );
    expect(sent.body.distributions.every((d: { signedAt: string | null }) => d.signedAt === null)).toBe(true);

    // The education bureau's registrar finds it in their queue and signs for it.
    const jyj = await server.signInAs("jyj.registrar");
    const incoming = (await jyj.get("/api/oa/inbox/todo")).body.items.find(
      (i: { title: string; direction: string }) => i.direction === "incoming" && i.title === sent.body.title,
    );
    expect(incoming).toBeTruthy();
    await approve(jyj, incoming.documentId); // 签收
    const after = await drafter.get(`/api/oa/documents/${doc.id}`);
    const education = after.body.distributions.find((d: { unitName: string }) => d.unitName === "南宁市教育局");
    expect(education.signedAt).not.toBeNull();
    expect(education.signedByName).toBeTruthy();

    // The finance bureau's registrar sends it back at 签收 with a reason: the sender sees which unit and why.
    const czj = await server.signInAs("czj.registrar");
    const theirs = (await czj.get("/api/oa/inbox/todo")).body.items.find(
      (i: { title: string; direction: string }) => i.direction === "incoming" && i.title === sent.body.title,
    );
    const refused = await czj.post(`/api/oa/documents/${theirs.documentId}/send-back`, {});
    expect(refused.status).toBe(400);
    const back = await czj.post(`/api/oa/documents/${theirs.documentId}/send-back`, {
      comment: "不属于本单位职责范围",
    });
    expect(back.status, back.text).toBe(200);
    expect(back.body.status).toBe("returned");
    expect(
      (await czj.get("/api/oa/inbox/todo")).body.items.some(
        (i: { documentId: number }) => i.documentId === theirs.documentId,
      ),
    ).toBe(false);
    const senderView = await drafter.get(`/api/oa/documents/${doc.id}`);
    const finance = senderView.body.distributions.find((d: { unitName: string }) => d.unitName === "南宁市财政局");
    expect([finance.returnReason, finance.returnedAt !== null]).toEqual(["不属于本单位职责范围", true]);

    const archived = await approve(registrar, doc.id); // 归档
    expect(archived.ended).toBe(true);
    const final = await drafter.get(`/api/oa/documents/${doc.id}`);
    expect(final.body.status).toBe("archived");
    const notes = await drafter.get("/api/notifications");
    const kinds = notes.body.items.map((n: { kind: string }) => n.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(["oa.document.finished", "oa.document.signedFor", "oa.document.sentBack"]),
    );
  });

  it("lets only participants, the unit's registrars and supervisors read a document", async () => {
    const drafter = await server.signIn("office.staff1");
    const doc = await draft(drafter);
    const outsiderSameUnit = await server.signInAs("office.staff2");
    const otherUnit = await server.signInAs("jyj.staff1");
    for (const client of [outsiderSameUnit, otherUnit]) {
      expect((await client.get(`/api/oa/documents/${doc.id}`)).status).toBe(404);
      expect((await client.get(`/api/oa/documents/${doc.id}/pdf`)).status).toBe(404);
      expect((await client.patch(`/api/oa/documents/${doc.id}`, { title: "改" })).status).toBe(404);
    }
    // Whatever the spelling of the path, and before any body is read.
    const encoded = String(doc.id)
      .split("")
      .map((c) => `%3${c}`)
      .join("");
    for (const path of [
      `/api/OA/documents/${doc.id}`,
      `/api/oa/Documents/${doc.id}`,
      `/api/oa/documents/${encoded}`,
      `/api/oa/documents/0${doc.id}`,
      `/api/oa//documents/${doc.id}`,
      `/api/oa/documents/${doc.id}/`,
      `/api/oa/documents/${doc.id}/../${doc.id}`,
    ]) {
      expect((await otherUnit.get(path)).status, path).toBe(404);
    }
    for (const action of [
      "submit",
      "withdraw",
      "signers",
      "urge",
      "terminate",
      "circulate",
      "number",
      "void-number",
      "pdf",
    ]) {
      const res = await otherUnit.post(`/api/oa/documents/${doc.id}/${action}`, {});
      expect(res.status, action).toBe(404);
    }
    const registrar = await server.signIn("office.registrar");
    expect((await registrar.get(`/api/oa/documents/${doc.id}`)).status).toBe(200);
    const mayor = await server.signIn("mayor");
    // The mayor supervises the whole city (a leader's grant at the top unit).
    expect((await mayor.get(`/api/oa/documents/${doc.id}`)).status).toBe(200);
  });

  it("gives the work of someone on leave to their delegate, who acts on their behalf", async () => {
    const drafter = await server.signIn("office.staff1");
    const leader = await server.signIn("office.leader");
    const deputy = await server.signInAs("office.staff3");
    const deputyId = (await deputy.get("/api/auth/me")).body.user.id;
    const hour = 3600_000;
    const bad = await leader.post("/api/oa/delegations", {
      toUserId: deputyId,
      startsAt: new Date(Date.now() + hour).toISOString(),
      endsAt: new Date(Date.now() - hour).toISOString(),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("delegation_dates");
    const made = await leader.post("/api/oa/delegations", {
      toUserId: deputyId,
      startsAt: new Date(Date.now() - hour).toISOString(),
      endsAt: new Date(Date.now() + 24 * hour).toISOString(),
      reason: "出差",
    });
    expect(made.status, made.text).toBe(201);
    expect(made.body.active).toBe(true);
    // The leader signs for the unit and the colleague may not: 签发 stays with the leader, who is told so.
    expect(made.body.signStaysWithOwner).toBe(true);
    const doc = await draft(drafter);
    await drafter.post(`/api/oa/documents/${doc.id}/submit`, {});
    const todo = (await deputy.get("/api/oa/inbox/todo")).body.items;
    const row = todo.find((i: { documentId: number }) => i.documentId === doc.id);
    expect(row.onBehalfOfName).toBeTruthy();
    await approve(deputy, doc.id);
    const view = await drafter.get(`/api/oa/documents/${doc.id}`);
    const entry = view.body.history.find((h: { action: string }) => h.action === "approve");
    expect(entry.onBehalfOfName).toBe(row.onBehalfOfName);
    // 签发 is the leader's own act: it is not delegated to someone who may not sign for the unit.
    await approve(await server.signIn("office.registrar"), doc.id);
    const signing = (await leader.get(`/api/oa/documents/${doc.id}`)).body.myTasks[0];
    expect([signing?.action, signing?.onBehalfOf]).toEqual(["sign", null]);
    expect((await deputy.get(`/api/oa/documents/${doc.id}`)).body.myTasks).toEqual([]);
    const outsider = await server.signInAs("office.staff2");
    expect((await outsider.post(`/api/oa/delegations/${made.body.id}/revoke`)).status).toBe(404);
    // Nobody hands OA work to someone without the OA (the audit administrator, say).
    const auditorId = (await (await server.signIn("auditor")).get("/api/auth/me")).body.user.id;
    const toAuditor = await drafter.post("/api/oa/delegations", {
      toUserId: auditorId,
      startsAt: new Date(Date.now() + 48 * hour).toISOString(),
      endsAt: new Date(Date.now() + 72 * hour).toISOString(),
    });
    expect([toAuditor.status, toAuditor.body.error?.code]).toEqual([409, "user_unavailable"]);
    const drafted = await draft(drafter, { title: "关于转办给审计员的测试" });
    await drafter.post(`/api/oa/documents/${drafted.id}/submit`, {});
    // (The head is still away: the delegate holds 核稿.)
    const { task: headTask } = await myTask(deputy, drafted.id);
    const transfer = await deputy.post(`/api/oa/tasks/${headTask.id}/transfer`, { toUserId: auditorId });
    expect([transfer.status, transfer.body.error?.code]).toEqual([409, "user_unavailable"]);
    const revoked = await leader.post(`/api/oa/delegations/${made.body.id}/revoke`);
    expect(revoked.body.active).toBe(false);

    // Handing over the open tasks too keeps the 签发 the delegate may not do with the leader.
    const moving = await leader.post("/api/oa/delegations", {
      toUserId: deputyId,
      startsAt: new Date(Date.now() - hour).toISOString(),
      endsAt: new Date(Date.now() + hour).toISOString(),
      moveOpenTasks: true,
    });
    expect(moving.status, moving.text).toBe(201);
    expect(moving.body.signStaysWithOwner).toBe(true);
    expect(moving.body.kept).toBeGreaterThanOrEqual(1);
    const stillMine = (await leader.get(`/api/oa/documents/${doc.id}`)).body.myTasks[0];
    expect([stillMine?.id, stillMine?.action]).toEqual([signing.id, "sign"]);
    await approve(leader, doc.id);
    expect((await leader.post(`/api/oa/delegations/${moving.body.id}/revoke`)).status).toBe(200);
    // Someone who does not sign is not warned about 签发.
    const staff2Id = (await outsider.get("/api/auth/me")).body.user.id;
    const plain = await drafter.post("/api/oa/delegations", {
      toUserId: staff2Id,
      startsAt: new Date(Date.now() + 96 * hour).toISOString(),
      endsAt: new Date(Date.now() + 120 * hour).toISOString(),
    });
    expect([plain.status, plain.body.signStaysWithOwner, plain.body.kept]).toEqual([201, false, 0]);
    expect((await drafter.post(`/api/oa/delegations/${plain.body.id}/revoke`)).status).toBe(200);
  });

  it("reminds before a deadline and tells the assignee and the unit's supervisors once it has passed, once", async () => {
    const drafter = await server.signIn("office.staff1");
    const leader = await server.signIn("office.leader");
    const registrar = await server.signIn("office.registrar");
    const doc = await draft(drafter, { title: "关于督办事项的通知" });
    await drafter.post(`/api/oa/documents/${doc.id}/submit`, {});
    await approve(leader, doc.id); // now at 办公室审核, the registrar's, due in 24 hours
    const { task } = await myTask(registrar, doc.id);
    const later = new Date(Date.now() + 25 * 3600_000);
    // Two runs at once (two instances' workers) send each notice once.
    const runs = await Promise.all([sendDeadlineNotices(later), sendDeadlineNotices(later)]);
    expect(runs.reduce((n, r) => n + r.reminded, 0)).toBeGreaterThanOrEqual(1);
    const kindsFor = async (client: ApiClient) =>
      (
        (await client.get("/api/notifications?pageSize=100")).body.items as {
          kind: string;
          params: { documentTitle: string };
        }[]
      )
        .filter((n) => n.params.documentTitle === "关于督办事项的通知")
        .map((n) => n.kind);
    expect((await kindsFor(registrar)).sort()).toEqual(
      ["oa.task.assigned", "oa.task.overdue", "oa.task.remind"].sort(),
    );
    // The office's director supervises the office: told that the registrar's step is overdue.
    expect((await kindsFor(leader)).filter((k) => k === "oa.task.overdue")).toHaveLength(1);
    // 督办: once the deadline has passed by the clock, the supervisor's list shows who it waits for.
    await Task.update({ dueAt: new Date(Date.now() - 3600_000) }, { where: { id: task.id } });
    const overdue = await leader.get("/api/oa/inbox/overdue");
    const row = overdue.body.items.find((i: { taskId: number }) => i.taskId === task.id);
    expect(row.assigneeName).toBeTruthy();
    expect((await leader.get("/api/oa/inbox/counts")).body.overdue).toBe(overdue.body.total);
    expect((await drafter.get("/api/oa/inbox/overdue")).status).toBe(403);
  });

  it("lets the OA administrator keep 机关代字 and the unit's registrar see every number given under them", async () => {
    const admin = await server.signIn("oaadmin");
    const office = units.get("nanning.office")!;
    const list = await admin.get("/api/oa/number-codes");
    expect(list.body.abilities).toEqual({ create: true, units: "all" });
    expect((await admin.post("/api/oa/number-codes", { unitId: office.id, code: "南府办2", name: "x" })).status).toBe(
      400,
    );
    const made = await admin.post("/api/oa/number-codes", {
      unitId: office.id,
      code: "南府办函",
      name: "市政府办公室函",
    });
    expect(made.status, made.text).toBe(201);
    const again = await admin.post("/api/oa/number-codes", { unitId: office.id, code: "南府办函", name: "重复" });
    expect(again.body.error.code).toBe("code_taken");
    const registrar = await server.signIn("office.registrar");
    const theirs = await registrar.get("/api/oa/number-codes");
    const found = theirs.body.items.find((c: { code: string }) => c.code === "南府办函");
    expect(found.abilities.manage).toBe(false);
    expect(theirs.body.abilities.create).toBe(false);
    expect((await registrar.patch(`/api/oa/number-codes/${found.id}`, { enabled: false })).status).toBe(403);
    expect((await registrar.get(`/api/oa/number-codes/${found.id}/log?year=2006`)).status).toBe(200);
    const otherRegistrar = await server.signInAs("jyj.registrar");
    expect((await otherRegistrar.get(`/api/oa/number-codes/${found.id}/log`)).status).toBe(404);
    const staff = await server.signIn("office.staff1");
    expect((await staff.get("/api/oa/number-codes")).status).toBe(403);
    const retired = await admin.patch(`/api/oa/number-codes/${found.id}`, { enabled: false });
    expect(retired.body.enabled).toBe(false);
  });

  it("refuses the OA to accounts without it (the 三员)", async () => {
    for (const name of ["auditor", "sysadmin"]) {
      const admin = await server.signIn(name);
      expect((await admin.get("/api/oa/inbox/todo")).status, name).toBe(403);
      expect((await admin.get("/api/oa/inbox/counts")).status, name).toBe(403);
      expect(
        (await admin.post("/api/oa/documents", { docType: "通知", title: "x", bodyHtml: "<p>x</p>" })).status,
      ).toBe(403);
    }
  });

  it("refuses classified documents with a clear error and keeps nothing", async () => {
    const drafter = await server.signIn("office.staff1");
    const before = (await drafter.get("/api/oa/inbox/drafts")).body.total;
    const declared = await drafter.post("/api/oa/documents", {
      docType: "通知",
      title: "关于某事项的通知",
      secrecy: "机密",
      bodyHtml: "<p>内容</p>",
    });
    expect(declared.status).toBe(400);
    expect(declared.body.error.code).toBe("classified_not_allowed");
    const marked = await drafter.post("/api/oa/documents", {
      docType: "通知",
      title: "关于某事项的通知",
      bodyHtml: "<p>秘密★1年</p><p>内容</p>",
    });
    expect(marked.status).toBe(400);
    expect((await drafter.get("/api/oa/inbox/drafts")).body.total).toBe(before);
  });

  it("refuses control and text-direction characters in a title, and control characters in a comment", async () => {
    const drafter = await server.signIn("office.staff1");
    for (const [title, code] of [
      ["关于\u0007某事项的通知", "control_characters"],
      ["关于\u202E知通的项事某", "invisible_characters"],
    ]) {
      const res = await drafter.post("/api/oa/documents", { docType: "通知", title, bodyHtml: "<p>内容</p>" });
      expect([res.status, res.body.error.details?.[0]?.code ?? res.body.error.code], title).toEqual([400, code]);
    }
    const doc = await draft(drafter);
    const bad = await drafter.post(`/api/oa/documents/${doc.id}/submit`, { comment: "请审核\u0000" });
    expect(bad.status).toBe(400);
    const multiline = await drafter.post(`/api/oa/documents/${doc.id}/submit`, { comment: "请审核。\n谢谢。" });
    expect(multiline.status, multiline.text).toBe(200);
  });

  it("answers a stale second click with 409 and makes one transition", async () => {
    const drafter = await server.signIn("office.staff1");
    const leader = await server.signIn("office.leader");
    const doc = await draft(drafter);
    await drafter.post(`/api/oa/documents/${doc.id}/submit`, {});
    const { task } = await myTask(leader, doc.id);
    const [a, b] = await Promise.all([
      leader.post(`/api/oa/tasks/${task.id}/approve`, { comment: "同意" }),
      leader.post(`/api/oa/tasks/${task.id}/approve`, { comment: "同意" }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const stale = a.status === 409 ? a : b;
    expect(stale.body.error.code).toBe("task_already_handled");
    const view = await leader.get(`/api/oa/documents/${doc.id}`);
    expect(view.body.history.filter((h: { action: string }) => h.action === "approve")).toHaveLength(1);
  });

  it("saves every 正文 change as a revision and shows the difference between two", async () => {
    const drafter = await server.signIn("office.staff1");
    const doc = await draft(drafter);
    const changed = await drafter.patch(`/api/oa/documents/${doc.id}`, {
      bodyHtml: BODY.replace("2006年底", "2007年6月底") + '<script>alert(1)</script><p onclick="x()">补充。</p>',
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.bodyRevision).toBe(2);
    expect(changed.body.bodyHtml).not.toMatch(/script|onclick/);
    // A change to the 正文 alone leaves the other fields as they were (主送 and 抄送 above all).
    expect(changed.body.mainRecipients.map((r: { name: string }) => r.name)).toEqual(["市教育局", "市财政局"]);
    expect(changed.body.ccRecipients.map((r: { name: string }) => r.name)).toEqual(["市公安局"]);
    expect(changed.body.urgency).toBe("加急");
    const diff = await drafter.get(`/api/oa/documents/${doc.id}/revisions/diff?from=1&to=2`);
    expect(diff.status).toBe(200);
    const parts: { change: string; text: string }[] = diff.body.parts;
    const before = parts
      .filter((p) => p.change !== "added")
      .map((p) => p.text)
      .join("");
    const after = parts
      .filter((p) => p.change !== "removed")
      .map((p) => p.text)
      .join("");
    expect(before).toContain("到2006年底");
    expect(after).toContain("到2007年6月底");
    expect(after).toContain("补充。");
    expect(parts.some((p) => p.change === "same" && p.text.includes("各单位要高度重视"))).toBe(true);
  });
});
