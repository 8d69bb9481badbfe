import { rmSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buffer } from "node:stream/consumers";
import { authenticate } from "mailauth";
import { simpleParser } from "mailparser";
import nodemailer from "nodemailer";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../server/core/logger.js";
import {
  MailDomain,
  MailFolder,
  MailMessage,
  MailOutbound,
  Mailbox,
  MailboxMember,
} from "../../server/mailbox/models/index.js";
import { dkimDnsRecord } from "../../server/mailbox/services/dkim.js";
import { outboundJob } from "../../server/mailbox/services/outbound.js";
import { listenSmtp, closeSmtp } from "../../mail/smtpCommon.js";
import { STRONG_PASSWORD, startTestServer, type TestServer } from "../helpers/testServer.js";
import { User } from "../../server/org/models/index.js";

/**
 * Submission on 587 (STARTTLS) and 465 (TLS), and what becomes of what is
 * sent: local recipients at once, remote ones through the outbound queue to
 * another MTA (here an SMTP server of the test's own on loopback, reached
 * through MAIL_ROUTES), DKIM-signed, with a DSN to the sender for what the
 * remote side refuses.
 */

interface Received {
  from: string;
  to: string[];
  raw: Buffer;
}

/** The remote MTA: refuses nobody@ for good (550), later@ for now (451), takes everyone else. */
const remoteMail: Received[] = [];
const remote = new SMTPServer({
  authOptional: true,
  disabledCommands: ["AUTH", "STARTTLS"],
  logger: false,
  onRcptTo(address, _session, callback) {
    if (address.address.startsWith("nobody@"))
      return callback(
        Object.assign(new Error("5.1.1 <nobody@example.test>: Recipient address rejected"), { responseCode: 550 }),
      );
    if (address.address.startsWith("later@"))
      return callback(Object.assign(new Error("4.2.0 Greylisted, try again later"), { responseCode: 451 }));
    callback();
  },
  onData(stream, session, callback) {
    buffer(stream).then((raw) => {
      remoteMail.push({
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
        to: session.envelope.rcptTo.map((r) => r.address),
        raw,
      });
      callback();
    }, callback);
  },
});

let server: TestServer;
let remotePort: number;
const dataDir = mkdtempSync(join(tmpdir(), "yong-submission-"));

beforeAll(async () => {
  remotePort = await listenSmtp(remote, 0, "127.0.0.1");
  server = await startTestServer({
    SMTP_PORT: "0",
    SUBMISSION_PORT: "0",
    SMTPS_PORT: "0",
    DATA_DIR: dataDir,
    MAIL_ROUTES: `example.test=127.0.0.1:${remotePort}`,
    JOB_POLL_MS: "200",
  });
  // Their passwords are set (and changed from the issued one) by signing in once.
  for (const name of ["office.staff1", "office.staff2", "jyj.staff1"]) await server.signInAs(name);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await closeSmtp(remote);
  rmSync(dataDir, { recursive: true, force: true });
});

/** A mail client on the submission port: STARTTLS (587) or TLS from the start (465), signed in. */
function client(user: string, options: { implicit?: boolean; password?: string; ignoreTLS?: boolean } = {}) {
  return nodemailer.createTransport({
    host: "127.0.0.1",
    port: options.implicit ? server.smtpsPort! : server.submissionPort!,
    secure: options.implicit ?? false,
    requireTLS: !options.implicit && !options.ignoreTLS,
    ignoreTLS: options.ignoreTLS ?? false,
    // The self-signed certificate made on first start (a client would be told to trust it).
    tls: { rejectUnauthorized: false },
    auth: { user, pass: options.password ?? STRONG_PASSWORD },
  });
}

async function refusal(send: Promise<unknown>): Promise<{ code: number; response: string }> {
  const error = (await send.then(
    () => null,
    (e: unknown) => e,
  )) as { responseCode?: number; response?: string } | null;
  expect(error, "the server accepted what it should refuse").not.toBeNull();
  return { code: error!.responseCode ?? 0, response: error!.response ?? "" };
}

async function folderOf(address: string, role: string) {
  const mailbox = await Mailbox.findOne({ where: { address } });
  if (!mailbox) return [];
  const folder = await MailFolder.findOne({ where: { mailboxId: mailbox.id, role } });
  return MailMessage.findAll({ where: { folderId: folder!.id }, order: [["id", "ASC"]] });
}

async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const MESSAGE = (from: string, to: string, subject: string) => ({
  from,
  to,
  subject,
  text: `${subject}\n请各单位按时上报。`,
});

describe("submission", () => {
  it("refuses AUTH on a connection that is not encrypted yet (538), and wrong passwords (535)", async () => {
    const plain = await refusal(
      client("office.staff1", { ignoreTLS: true }).sendMail(
        MESSAGE("office.staff1@nanning.gov.cn", "office.staff2@nanning.gov.cn", "明文"),
      ),
    );
    expect(plain.code).toBe(538);
    const wrong = await refusal(
      client("office.staff1", { password: "not-the-password" }).sendMail(
        MESSAGE("office.staff1@nanning.gov.cn", "office.staff2@nanning.gov.cn", "错误密码"),
      ),
    );
    expect(wrong.code).toBe(535);
  });

  it("delivers to a local colleague at once, with a copy in the sender's Sent, over STARTTLS and over TLS", async () => {
    const info = await client("office.staff1").sendMail(
      MESSAGE("office.staff1@nanning.gov.cn", "office.staff2@nanning.gov.cn", "关于召开安全生产会议的通知"),
    );
    expect(info.response).toMatch(/^250 .*queued as [0-9A-F]{16}/);
    const inbox = await folderOf("office.staff2@nanning.gov.cn", "inbox");
    expect(inbox.map((m) => m.subject)).toContain("关于召开安全生产会议的通知");
    const received = inbox.find((m) => m.subject === "关于召开安全生产会议的通知")!;
    expect(received.traceHeaders).toMatch(/with ESMTPSA id/);
    expect(received.traceHeaders).toMatch(/auth=pass smtp\.auth=office\.staff1/);
    const sent = await folderOf("office.staff1@nanning.gov.cn", "sent");
    expect(sent.map((m) => m.subject)).toContain("关于召开安全生产会议的通知");
    expect(sent.find((m) => m.subject === "关于召开安全生产会议的通知")!.seen).toBe(true);

    // Signing in with the whole address works too, on the implicit-TLS port.
    await client("office.staff1@nanning.gov.cn", { implicit: true }).sendMail(
      MESSAGE("office.staff1@nanning.gov.cn", "office.staff2@nanning.gov.cn", "经由465端口"),
    );
    expect((await folderOf("office.staff2@nanning.gov.cn", "inbox")).map((m) => m.subject)).toContain("经由465端口");
  });

  it("lets nobody send as another person, in the envelope (553) or in the From header (550)", async () => {
    const envelope = await refusal(
      client("office.staff1").sendMail({
        ...MESSAGE("office.staff1@nanning.gov.cn", "office.staff2@nanning.gov.cn", "冒名"),
        envelope: { from: "office.leader@nanning.gov.cn", to: "office.staff2@nanning.gov.cn" },
      }),
    );
    expect(envelope.code).toBe(553);
    const header = await refusal(
      client("office.staff1").sendMail({
        ...MESSAGE("office.leader@nanning.gov.cn", "office.staff2@nanning.gov.cn", "冒名信头"),
        envelope: { from: "office.staff1@nanning.gov.cn", to: "office.staff2@nanning.gov.cn" },
      }),
    );
    expect(header.code).toBe(550);
    expect(header.response).toMatch(/may not send as office\.leader@nanning\.gov\.cn/);
    const inbox = await folderOf("office.staff2@nanning.gov.cn", "inbox");
    expect(inbox.map((m) => m.subject)).not.toContain("冒名信头");
  });

  it("sends as a unit mailbox only for members given send-as", async () => {
    const staff = await User.findOne({ where: { username: "jyj.staff1" } });
    const unit = await until(async () => {
      // The unit's mailbox is made on first use: a message to it makes it.
      await client("office.staff1").sendMail(MESSAGE("office.staff1@nanning.gov.cn", "jyj@nanning.gov.cn", "致教育局"));
      return Mailbox.findOne({ where: { address: "jyj@nanning.gov.cn" } });
    }, "the unit mailbox");
    const member = await MailboxMember.create({ mailboxId: unit.id, userId: staff!.id, canSendAs: false });
    const refused = await refusal(
      client("jyj.staff1").sendMail(MESSAGE("jyj@nanning.gov.cn", "office.staff2@nanning.gov.cn", "以教育局名义")),
    );
    expect(refused.code).toBe(553);
    await member.update({ canSendAs: true });
    await client("jyj.staff1").sendMail(MESSAGE("jyj@nanning.gov.cn", "office.staff2@nanning.gov.cn", "以教育局名义"));
    const inbox = await folderOf("office.staff2@nanning.gov.cn", "inbox");
    expect(inbox.find((m) => m.subject === "以教育局名义")?.fromAddress).toBe("jyj@nanning.gov.cn");
    // The copy is in the unit mailbox's Sent, where its other members see it.
    expect((await folderOf("jyj@nanning.gov.cn", "sent")).map((m) => m.subject)).toContain("以教育局名义");
  });

  it("delivers remote mail through the queue, DKIM-signed so that the receiver can verify it", async () => {
    const before = remoteMail.length;
    await client("office.staff1").sendMail(
      MESSAGE("office.staff1@nanning.gov.cn", "zhang.wei@example.test", "致外单位：会议纪要"),
    );
    const row = await until(
      () => MailOutbound.findOne({ where: { recipient: "zhang.wei@example.test", state: "sent" } }),
      "the remote delivery",
    );
    expect(row.remoteHost).toBe("127.0.0.1");
    const got = remoteMail.slice(before).find((m) => m.to.includes("zhang.wei@example.test"))!;
    expect(got.from).toBe("office.staff1@nanning.gov.cn");
    const parsed = await simpleParser(got.raw);
    expect(parsed.subject).toBe("致外单位：会议纪要");
    expect(parsed.messageId).toBeTruthy();

    const domain = (await MailDomain.findOne({ where: { name: "nanning.gov.cn" } }))!;
    const record = await dkimDnsRecord(domain);
    const result = await authenticate(got.raw, {
      ip: "127.0.0.1",
      helo: "nanning.gov.cn",
      sender: "office.staff1@nanning.gov.cn",
      resolver: async (name: string, type: string) => {
        if (type === "TXT" && name.toLowerCase() === record.name) return [[record.value]];
        throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: "ENOTFOUND" });
      },
      disableArc: true,
      disableBimi: true,
    });
    expect(result.dkim.results.map((r) => r.status.result)).toEqual(["pass"]);
    // The key never leaves the database in the record.
    expect(record.value).not.toMatch(/PRIVATE/);
  });

  it("bounces a recipient the remote side refuses for good with a DSN (RFC 3464) in the sender's INBOX", async () => {
    await client("office.staff1").sendMail(
      MESSAGE("office.staff1@nanning.gov.cn", "nobody@example.test", "发往不存在的地址"),
    );
    const row = await until(
      () => MailOutbound.findOne({ where: { recipient: "nobody@example.test", state: "bounced" } }),
      "the bounce",
    );
    expect(row.lastResponse).toMatch(/550/);
    const dsn = await until(async () => {
      const inbox = await folderOf("office.staff1@nanning.gov.cn", "inbox");
      return inbox.find((m) => m.fromAddress === "mailer-daemon@nanning.gov.cn");
    }, "the DSN");
    const raw = await buffer(await server.blobs.open(dsn.sha256));
    const text = raw.toString("utf8");
    expect(text).toMatch(/Content-Type: multipart\/report; report-type=delivery-status/);
    expect(text).toMatch(/Final-Recipient: rfc822; nobody@example\.test/);
    expect(text).toMatch(/Action: failed/);
    expect(text).toMatch(/Status: 5\.1\.1/);
    // The original's headers come back, so the sender's client can tell which message it was.
    expect(text).toContain(`Message-ID: ${row.messageId}`);
  });

  it("keeps retrying a temporary refusal, and bounces it once the retry period is over", async () => {
    await client("office.staff1").sendMail(MESSAGE("office.staff1@nanning.gov.cn", "later@example.test", "稍后再试"));
    const row = await until(
      () =>
        MailOutbound.findOne({ where: { recipient: "later@example.test", state: "queued" } }).then((r) =>
          r && r.attempts >= 1 ? r : null,
        ),
      "the first attempt",
    );
    expect(row.lastResponse).toMatch(/451/);
    // The same job run again after the retry period (here: none) gives up and tells the sender.
    const job = outboundJob({
      sequelize: server.sequelize,
      blobs: server.blobs,
      logger: createLogger("silent"),
      config: {
        hostname: "nanning.gov.cn",
        primaryDomain: "nanning.gov.cn",
        defaultQuotaBytes: 1 << 30,
        smarthost: undefined,
        routes: [`example.test=127.0.0.1:${remotePort}`],
        retryMs: 0,
      },
    });
    const controller = new AbortController();
    await job.run({ ids: [row.id] }, { job: null as never, signal: controller.signal, logger: createLogger("silent") });
    await row.reload();
    expect(row.state).toBe("bounced");
    await until(async () => {
      const inbox = await folderOf("office.staff1@nanning.gov.cn", "inbox");
      return inbox.find(
        (m) => m.fromAddress === "mailer-daemon@nanning.gov.cn" && m.size > 0 && m.subject?.includes("退信"),
      );
    }, "the DSN");
  });

  it("refuses the null sender and unknown local recipients", async () => {
    const unknown = await refusal(
      client("office.staff1").sendMail(
        MESSAGE("office.staff1@nanning.gov.cn", "no.such.person@nanning.gov.cn", "查无此人"),
      ),
    );
    expect(unknown.code).toBe(550);
  });
});
