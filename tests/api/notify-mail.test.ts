// Notifications by e-mail (issue 7: "the in-app notification service can now also send e-mail"): a person
// who turns the channel on in the notification centre also finds each notification in their personal
// mailbox, in Chinese, with a link back into the application; nobody else gets one.
import { afterAll, beforeAll, expect, it } from "vitest";
import { MailFolder, MailMessage, Mailbox } from "../../server/mailbox/models/index.js";
import { notify } from "../../server/notify/services/notifier.js";
import { User } from "../../server/org/models/index.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ JOB_POLL_MS: "200", PUBLIC_URL: "https://oa.nanning.gov.cn" });
});

afterAll(async () => {
  await server?.stop();
});

async function inboxOf(username: string) {
  const mailbox = await Mailbox.findOne({ where: { address: `${username}@nanning.gov.cn` } });
  if (!mailbox) return [];
  const inbox = await MailFolder.findOne({ where: { mailboxId: mailbox.id, role: "inbox" } });
  return MailMessage.findAll({ where: { folderId: inbox!.id } });
}

it("e-mails notifications to those who turned it on, and only to them", async () => {
  const staff1 = await server.signInAs("office.staff1");
  await server.signInAs("office.staff2");
  expect((await staff1.get("/api/notifications/channels")).body.items).toEqual([{ channel: "email", enabled: false }]);
  const on = await staff1.patch("/api/notifications/channels/email", { enabled: true });
  expect(on).toMatchObject({ status: 200, body: { enabled: true } });
  expect((await staff1.patch("/api/notifications/channels/sms", { enabled: true })).status).toBe(400);

  const ids = await Promise.all(
    ["office.staff1", "office.staff2"].map(async (u) => (await User.findOne({ where: { username: u } }))!.id),
  );
  await server.sequelize.transaction((t) =>
    notify(
      {
        recipients: ids,
        kind: "oa.document.finished",
        params: { documentTitle: "关于做好2026年防汛工作的通知" },
        link: "/oa/documents/42",
      },
      t,
    ),
  );
  const end = Date.now() + 15_000;
  let mail: MailMessage | undefined;
  while (!mail && Date.now() < end) {
    mail = (await inboxOf("office.staff1")).find((m) => m.fromAddress === "noreply@nanning.gov.cn");
    if (!mail) await new Promise((r) => setTimeout(r, 100));
  }
  expect(mail, "the notification e-mail").toBeDefined();
  expect(mail!.subject).toBe("《关于做好2026年防汛工作的通知》已办结");
  const read = await staff1.get(`/api/mail/mailboxes/${mail!.mailboxId}/messages/${mail!.id}`);
  expect(read.body.text).toContain("https://oa.nanning.gov.cn/oa/documents/42");
  // office.staff2 did not turn it on: the notification centre only.
  expect((await inboxOf("office.staff2")).some((m) => m.fromAddress === "noreply@nanning.gov.cn")).toBe(false);

  // Turned off again: nothing more by e-mail.
  await staff1.patch("/api/notifications/channels/email", { enabled: false });
  expect((await staff1.get("/api/notifications/channels")).body.items[0].enabled).toBe(false);
});
