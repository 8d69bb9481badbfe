// Writing mail in webmail over the API (issue 7): recipients from the organisation, uploads, drafts
// saved and replaced, sending (local delivery at once, a copy in Sent, the draft gone, an audit event),
// replies that thread and mark the original answered, forwards that carry the original's files, and
// who may send from which mailbox. Runs on SQLite, and on MariaDB with DATABASE_URL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MailFolder, MailMessage, Mailbox, MailboxMember } from "../../server/mailbox/models/index.js";
import { User } from "../../server/org/models/index.js";
import type { MailboxBody } from "../../server/mailbox/presenters/readShapes.js";
import type { ApiClient } from "../helpers/apiClient.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

let server: TestServer;
let staff1: ApiClient;
let staff2: ApiClient;
let jyj: ApiClient;
let own1: MailboxBody;
let own2: MailboxBody;

beforeAll(async () => {
  server = await startTestServer();
  staff1 = await server.signInAs("office.staff1");
  staff2 = await server.signInAs("office.staff2");
  jyj = await server.signInAs("jyj.staff1");
  own1 = (await staff1.get("/api/mail/mailboxes")).body.items[0];
  own2 = (await staff2.get("/api/mail/mailboxes")).body.items[0];
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const form = (over: Record<string, unknown> = {}) => ({
  to: [own2.address],
  cc: [],
  bcc: [],
  subject: "关于报送2026年度工作总结的通知",
  text: "各科室：\n请于12月10日前报送年度工作总结。",
  uploads: [],
  forwardParts: [],
  replyTo: null,
  ...over,
});

async function folder(mailboxId: number, role: string) {
  const f = await MailFolder.findOne({ where: { mailboxId, role } });
  return MailMessage.findAll({ where: { folderId: f!.id }, order: [["id", "ASC"]] });
}

async function upload(client: ApiClient, name: string, content: string) {
  const data = new FormData();
  data.append("files", new Blob([content], { type: "text/plain" }), name);
  return client.upload("/api/mail/uploads", data);
}

describe("writing mail", () => {
  it("finds recipients by name, pinyin or unit name: people, unit mailboxes, lists", async () => {
    const user = (await User.findOne({ where: { username: "office.staff2" } }))!;
    const byName = await staff1.get(`/api/mail/recipients?q=${encodeURIComponent(user.displayName)}`);
    expect(byName.status).toBe(200);
    expect(byName.body.items).toContainEqual(expect.objectContaining({ kind: "person", address: own2.address }));
    // A unit mailbox exists once used; then its unit's name finds it.
    const unit = await staff1.post(`/api/mail/mailboxes/${own1.id}/send`, {
      form: form({ to: ["jyj@nanning.gov.cn"], subject: "致教育局" }),
      draftId: null,
    });
    expect(unit.status).toBe(200);
    const byUnit = await staff1.get(`/api/mail/recipients?q=${encodeURIComponent("教育局")}`);
    expect(byUnit.body.items).toContainEqual(expect.objectContaining({ kind: "unit", address: "jyj@nanning.gov.cn" }));
    expect((await staff1.get("/api/mail/recipients?q=")).status).toBe(400);
  });

  it("sends with an uploaded file: delivered at once, a copy in Sent, audited", async () => {
    const content = "一、主要工作\n二、存在问题\n";
    const uploaded = await upload(staff1, "工作总结模板.txt", content);
    expect(uploaded.status).toBe(201);
    const file = uploaded.body.items[0];
    expect(file).toMatchObject({
      filename: "工作总结模板.txt",
      contentType: "text/plain",
      size: Buffer.byteLength(content),
    });
    const sent = await staff1.post(`/api/mail/mailboxes/${own1.id}/send`, {
      form: form({ uploads: [file.id], cc: ["jyj.staff1@nanning.gov.cn"] }),
      draftId: null,
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ local: 2, remote: 0 });
    const inbox = await folder(own2.id, "inbox");
    const got = inbox.find((m) => m.subject === "关于报送2026年度工作总结的通知")!;
    expect(got.hasAttachments).toBe(true);
    const read = await staff2.get(`/api/mail/mailboxes/${own2.id}/messages/${got.id}`);
    expect(read.body.attachments.map((a: { filename: string }) => a.filename)).toEqual(["工作总结模板.txt"]);
    expect(read.body.text).toContain("请于12月10日前报送年度工作总结");
    const sentCopy = (await folder(own1.id, "sent")).find((m) => m.id === sent.body.sentId)!;
    expect(sentCopy.seen).toBe(true);
    // The upload was used up by sending.
    expect((await staff1.delete(`/api/mail/uploads/${file.id}`)).status).toBe(404);
    await server.flushAudit();
    const audit = await server.signIn("auditor");
    const events = await audit.get("/api/audit/events?action=mail.send");
    expect(events.body.items.some((e: { detail: { via: string } }) => e.detail.via === "webmail")).toBe(true);
  });

  it("keeps one draft as it is saved again and again, and sends it away", async () => {
    const first = await staff1.post(`/api/mail/mailboxes/${own1.id}/drafts`, {
      form: form({ subject: "草稿", bcc: ["office.leader@nanning.gov.cn"] }),
      draftId: null,
    });
    expect(first.status).toBe(200);
    const second = await staff1.post(`/api/mail/mailboxes/${own1.id}/drafts`, {
      form: form({ subject: "草稿（改）", bcc: ["office.leader@nanning.gov.cn"] }),
      draftId: first.body.draftId,
    });
    expect(second.status).toBe(200);
    const drafts = await folder(own1.id, "drafts");
    expect(drafts.map((d) => d.subject)).toEqual(["草稿（改）"]);
    const reopened = await staff1.get(`/api/mail/mailboxes/${own1.id}/drafts/${second.body.draftId}`);
    expect(reopened.body.form).toMatchObject({ subject: "草稿（改）", bcc: ["office.leader@nanning.gov.cn"] });
    // Another person cannot open it, even knowing its id.
    expect((await staff2.get(`/api/mail/mailboxes/${own1.id}/drafts/${second.body.draftId}`)).status).toBe(404);
    const sent = await staff1.post(`/api/mail/mailboxes/${own1.id}/send`, {
      form: form({ subject: "草稿（改）", bcc: ["office.leader@nanning.gov.cn"] }),
      draftId: second.body.draftId,
    });
    expect(sent.status).toBe(200);
    expect(await folder(own1.id, "drafts")).toEqual([]);
    const leader = (await Mailbox.findOne({ where: { address: "office.leader@nanning.gov.cn" } }))!;
    expect((await folder(leader.id, "inbox")).map((m) => m.subject)).toContain("草稿（改）");
    // Bcc recipients get it without appearing in what others see.
    const visible = (await folder(own2.id, "inbox")).find((m) => m.subject === "草稿（改）")!;
    const read = await staff2.get(`/api/mail/mailboxes/${own2.id}/messages/${visible.id}`);
    expect(JSON.stringify(read.body)).not.toContain("office.leader");
  });

  it("answers in the thread (Re:, In-Reply-To, answered) and forwards with the original's files", async () => {
    const original = (await folder(own2.id, "inbox")).find((m) => m.subject === "关于报送2026年度工作总结的通知")!;
    const start = await staff2.get(`/api/mail/mailboxes/${own2.id}/messages/${original.id}/compose?mode=replyAll`);
    expect(start.status).toBe(200);
    expect(start.body.form.subject).toBe("Re: 关于报送2026年度工作总结的通知");
    expect(start.body.form.to).toContain(own1.address);
    expect(start.body.form.to).not.toContain(own2.address);
    expect(start.body.form.cc).toEqual(["jyj.staff1@nanning.gov.cn"]);
    expect(start.body.form.text).toContain("> 请于12月10日前报送年度工作总结。");
    const reply = await staff2.post(`/api/mail/mailboxes/${own2.id}/send`, {
      form: { ...start.body.form, text: `收到，按时报送。${start.body.form.text}` },
      draftId: null,
    });
    expect(reply.status).toBe(200);
    await original.reload();
    expect(original.answered).toBe(true);
    const inSender = (await folder(own1.id, "inbox")).find((m) => m.subject === "Re: 关于报送2026年度工作总结的通知")!;
    const sentOriginal = (await folder(own1.id, "sent")).find((m) => m.subject === "关于报送2026年度工作总结的通知")!;
    expect(inSender.threadId).toBe(sentOriginal.threadId ?? sentOriginal.id);

    const forward = await staff2.get(`/api/mail/mailboxes/${own2.id}/messages/${original.id}/compose?mode=forward`);
    expect(forward.body.form.subject).toBe("Fwd: 关于报送2026年度工作总结的通知");
    expect(forward.body.form.forwardParts).toHaveLength(1);
    const sent = await staff2.post(`/api/mail/mailboxes/${own2.id}/send`, {
      form: { ...forward.body.form, to: ["office.leader@nanning.gov.cn"] },
      draftId: null,
    });
    expect(sent.status).toBe(200);
    const leader = (await Mailbox.findOne({ where: { address: "office.leader@nanning.gov.cn" } }))!;
    const forwarded = (await folder(leader.id, "inbox")).find((m) => m.subject?.startsWith("Fwd:"))!;
    expect(forwarded.hasAttachments).toBe(true);
  });

  it("sends from a unit mailbox only with send-as, and hides mailboxes the caller cannot open", async () => {
    const unit = (await Mailbox.findOne({ where: { address: "jyj@nanning.gov.cn" } }))!;
    // Not a member: the mailbox is not there for them.
    const outsider = await jyj.post(`/api/mail/mailboxes/${unit.id}/send`, { form: form(), draftId: null });
    expect(outsider.status).toBe(404);
    const user = (await User.findOne({ where: { username: "jyj.staff1" } }))!;
    const member = await MailboxMember.create({ mailboxId: unit.id, userId: user.id, canSendAs: false });
    const reader = await jyj.post(`/api/mail/mailboxes/${unit.id}/send`, { form: form(), draftId: null });
    expect(reader.status).toBe(403);
    await member.update({ canSendAs: true });
    const sender = await jyj.post(`/api/mail/mailboxes/${unit.id}/send`, {
      form: form({ subject: "教育局通知" }),
      draftId: null,
    });
    expect(sender.status).toBe(200);
    const got = (await folder(own2.id, "inbox")).find((m) => m.subject === "教育局通知")!;
    expect(got.fromAddress).toBe("jyj@nanning.gov.cn");
    // Someone else's personal mailbox, by id, in any spelling of the path.
    for (const path of [`/api/mail/mailboxes/${own1.id}/send`, `/api/mail/mailboxes/0${own1.id}/send`])
      expect([400, 404]).toContain((await jyj.post(path, { form: form(), draftId: null })).status);
    expect((await jyj.post(`/api/Mail/mailboxes/${own1.id}/send`, { form: form(), draftId: null })).status).toBe(404);
  });

  it("refuses bad forms with clear errors, and another person's upload", async () => {
    const bad = await staff1.post(`/api/mail/mailboxes/${own1.id}/send`, {
      form: form({ to: ["不是地址"] }),
      draftId: null,
    });
    expect(bad.status).toBe(400);
    const none = await staff1.post(`/api/mail/mailboxes/${own1.id}/send`, { form: form({ to: [] }), draftId: null });
    expect(none).toMatchObject({ status: 400, body: { error: { code: "mail_no_recipients" } } });
    const unknown = await staff1.post(`/api/mail/mailboxes/${own1.id}/send`, {
      form: form({ to: ["no.such.person@nanning.gov.cn"] }),
      draftId: null,
    });
    expect(unknown).toMatchObject({ status: 422, body: { error: { code: "mail_recipient_unknown" } } });
    const theirs = (await upload(staff2, "私人.txt", "私人文件")).body.items[0];
    const borrowed = await staff1.post(`/api/mail/mailboxes/${own1.id}/send`, {
      form: form({ uploads: [theirs.id] }),
      draftId: null,
    });
    expect(borrowed).toMatchObject({ status: 400, body: { error: { code: "mail_upload_missing" } } });
    expect((await staff1.delete(`/api/mail/uploads/${theirs.id}`)).status).toBe(404);
  });
});
