// Junk (issue 7's folders): a message that fails the sender's own DMARC policy of quarantine or reject
// is kept, but in Junk rather than the INBOX; the same message from the sender's own server is INBOX mail.
import { Readable } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MailFolder, MailMessage } from "../../server/mailbox/models/index.js";
import { lookUpAddress } from "../../server/mailbox/services/addresses.js";
import { deliverToMailboxes } from "../../server/mailbox/services/delivery.js";
import { MESSAGE, resolver, signed } from "../fixtures/senderZone.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

it("files what fails DMARC (p=reject) in Junk, and the genuine message in the INBOX", async () => {
  const found = await lookUpAddress("office.staff1@nanning.gov.cn", 1 << 30);
  if (found.kind !== "mailbox") throw new Error(found.kind);
  const deliver = (raw: string, ip: string) =>
    deliverToMailboxes(server.sequelize, server.blobs, Readable.from([Buffer.from(raw)]), [found.mailbox], {
      maxBytes: 1 << 20,
      arrival: { ip, helo: "mail.gxdl.example.cn", sender: "notice@gxdl.example.cn", recipients: [] },
      mta: "nanning.gov.cn",
      resolver,
    });
  const genuine = await signed(MESSAGE);
  await deliver(genuine, "192.0.2.10");
  await deliver(genuine.replace("请各单位按时上报。", "请把款项转到以下账户。"), "203.0.113.66");
  const folderOf = async (role: string) => {
    const folder = await MailFolder.findOne({ where: { mailboxId: found.mailbox.id, role } });
    return MailMessage.findAll({ where: { folderId: folder!.id } });
  };
  const [inbox, junk] = [await folderOf("inbox"), await folderOf("junk")];
  expect(inbox).toHaveLength(1);
  expect(junk).toHaveLength(1);
  expect(inbox[0]!.traceHeaders).toMatch(/dmarc=pass/);
  expect(junk[0]!.traceHeaders).toMatch(/dmarc=fail/);
});
