// Quotas (issue 7): the holders of a mailbox are warned once when it passes 90% of its quota, and again
// only after it has fallen below 80%; a full mailbox turns mail away with 452 at RCPT, a temporary failure.
import { Readable } from "node:stream";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Mailbox } from "../../server/mailbox/models/index.js";
import { lookUpAddress } from "../../server/mailbox/services/addresses.js";
import { deliverToMailboxes } from "../../server/mailbox/services/delivery.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ SMTP_PORT: "0" });
});

afterAll(async () => {
  await server?.stop();
});

const resolver = async () => {
  throw Object.assign(new Error("no DNS here"), { code: "ENOTFOUND" });
};

/** A message of about `size` bytes, different each time (the same bytes would be delivered once). */
const message = (size: number, n: number) =>
  `From: notice@gxdl.example.cn\r\nTo: office.staff1@nanning.gov.cn\r\nSubject: =?UTF-8?B?${Buffer.from(`容量测试 ${n}`).toString("base64")}?=\r\n\r\n${"x".repeat(size)}\r\n`;

async function deliver(mailbox: Mailbox, size: number, n: number) {
  await deliverToMailboxes(server.sequelize, server.blobs, Readable.from([Buffer.from(message(size, n))]), [mailbox], {
    maxBytes: 1 << 20,
    arrival: { ip: "192.0.2.10", helo: "mail.gxdl.example.cn", sender: "notice@gxdl.example.cn", recipients: [] },
    mta: "nanning.gov.cn",
    resolver,
  });
}

it("warns once past 90%, again only after falling below 80%, and answers 452 when full", async () => {
  const staff = await server.signInAs("office.staff1");
  const found = await lookUpAddress("office.staff1@nanning.gov.cn", 1 << 30);
  if (found.kind !== "mailbox") throw new Error(found.kind);
  const mailbox = found.mailbox;
  await mailbox.update({ quotaBytes: 10_000 });
  const warnings = async () =>
    (await staff.get("/api/notifications")).body.items.filter((n: { kind: string }) => n.kind === "mail.quota.warning");

  await deliver(mailbox, 5_000, 1);
  expect(await warnings()).toHaveLength(0);
  await deliver(mailbox, 5_500, 2);
  const first = await warnings();
  expect(first).toHaveLength(1);
  expect(first[0].params).toMatchObject({ address: "office.staff1@nanning.gov.cn" });
  expect(first[0].params.percent).toBeGreaterThanOrEqual(90);
  expect(first[0].link).toBe("/mail");

  // Full now: the MX refuses for the time being, and nothing more is said.
  const refused = await nodemailer
    .createTransport({ host: "127.0.0.1", port: server.smtpPort!, ignoreTLS: true })
    .sendMail({
      from: "notice@gxdl.example.cn",
      to: "office.staff1@nanning.gov.cn",
      subject: "满",
      text: "x".repeat(2_000),
    })
    .then(
      () => null,
      (e: { responseCode?: number }) => e.responseCode,
    );
  expect(refused).toBe(452);
  expect(await warnings()).toHaveLength(1);

  // Room again (a larger quota), then past 90% once more: a second warning.
  await mailbox.update({ quotaBytes: 100_000 });
  await deliver(mailbox, 1_000, 3);
  await mailbox.reload();
  expect(mailbox.quotaWarnedAt).toBeNull();
  await deliver(mailbox, 80_000, 4);
  expect(await warnings()).toHaveLength(2);
});
