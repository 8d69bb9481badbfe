import { createHash } from "node:crypto";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { connect } from "node:net";
import type { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import iconv from "iconv-lite";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../server/core/logger.js";
import { MailDelivery, MailMessage, Mailbox } from "../../server/mailbox/models/index.js";
import { createMx, type MxHooks } from "../../mail/mx.js";
import { closeSmtp, listenSmtp, trustedNetworks } from "../../mail/smtpCommon.js";
import { loadMailTls } from "../../server/mailbox/services/tls.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { referencedBlobs } from "../../server/server.js";
import { converse, inbox, mxClient, refusal } from "./smtpClient.js";

let server: TestServer;
/** This file's own DATA_DIR: the certificate made on first start is looked for there. */
const dataDir = mkdtempSync(join(tmpdir(), "yong-mail-"));

beforeAll(async () => {
  // 1 MB messages at most, so that the size test is quick.
  server = await startTestServer({ SMTP_PORT: "0", MAIL_MAX_MESSAGE_MB: "1", DATA_DIR: dataDir });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const gb = (value: string) => iconv.encode(value, "gb2312");
const SUBJECT = "关于报送2006年工作总结的通知";
const FROM_NAME = "广西电力网";

/** A message as a GB2312 mail client of 2006 wrote it: the headers encoded words, the body 8-bit GB2312. */
const GB2312_MESSAGE = Buffer.concat([
  Buffer.from(
    [
      `From: =?GB2312?B?${gb(FROM_NAME).toString("base64")}?= <notice@gxdl.example.cn>`,
      "To: office.staff1@nanning.gov.cn",
      `Subject: =?GB2312?B?${gb(SUBJECT).toString("base64")}?=`,
      "Date: Tue, 07 Mar 2006 09:30:00 +0800",
      "Message-ID: <20060307093000.1@gxdl.example.cn>",
      "MIME-Version: 1.0",
      'Content-Type: text/plain; charset="GB2312"',
      "Content-Transfer-Encoding: 8bit",
      "",
      "",
    ].join("\r\n"),
  ),
  gb("请各单位按时上报。\r\n"),
]);

describe("the MX (inbound SMTP)", () => {
  it("takes mail for a local user, stores it durably before 250, and decodes GB2312 headers", async () => {
    const info = await mxClient(server.smtpPort!).sendMail({
      envelope: { from: "notice@gxdl.example.cn", to: ["office.staff1@nanning.gov.cn"] },
      raw: GB2312_MESSAGE,
    });
    expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as [0-9A-F]{16}$/);
    const { mailbox, messages } = await inbox("office.staff1@nanning.gov.cn");
    expect(mailbox?.kind).toBe("personal");
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message!.uid).toBe(1);
    expect(message!.subject).toBe(SUBJECT);
    expect([message!.fromAddress, message!.fromName]).toEqual(["notice@gxdl.example.cn", FROM_NAME]);
    expect(message!.sentAt?.toISOString()).toBe("2006-03-07T01:30:00.000Z");
    expect(message!.parseError).toBeNull();
    // What this server added on top, kept apart from the bytes: the sender checks (no DNS here: none or temperror)
    // and the Received line with the client's name and address.
    expect(message!.traceHeaders).toMatch(/Authentication-Results: nanning\.gov\.cn;/);
    expect(message!.traceHeaders).toMatch(/spf=(none|temperror|softfail|fail|neutral)/);
    expect(message!.traceHeaders).toMatch(
      /Received: from mail\.gxdl\.example\.cn \(\[127\.0\.0\.1\]\)\r\n\tby nanning\.gov\.cn \(Yong Office\) with ESMTP id [0-9A-F]{16}\r\n\tfor <office\.staff1@nanning\.gov\.cn>;/,
    );
    // The raw bytes are in the blob store as they were sent.
    const raw = await buffer(await server.blobs.open(message!.sha256));
    expect(raw.equals(GB2312_MESSAGE)).toBe(true);
    expect(raw.length).toBe(message!.size);
    expect(mailbox!.usedBytes).toBe(message!.size);
    // The blob sweep keeps it (the mail store tells it what it refers to).
    expect(await referencedBlobs([message!.sha256, "0".repeat(64)])).toEqual(new Set([message!.sha256]));
  });

  it("stores the same bytes sent again to a mailbox once (a client that resends after a lost answer)", async () => {
    const send = () =>
      mxClient(server.smtpPort!).sendMail({
        envelope: { from: "notice@gxdl.example.cn", to: ["office.staff1@nanning.gov.cn"] },
        raw: GB2312_MESSAGE,
      });
    expect((await send()).response).toMatch(/^250 /);
    const { mailbox, messages } = await inbox("office.staff1@nanning.gov.cn");
    expect(messages).toHaveLength(1);
    expect(await MailDelivery.count({ where: { mailboxId: mailbox!.id } })).toBe(1);
  });

  it("delivers to a unit's shared mailbox by its code, and gives each message the next UID", async () => {
    for (const n of [1, 2]) {
      await mxClient(server.smtpPort!).sendMail({
        from: "someone@example.org",
        to: "JYJ@Nanning.Gov.Cn",
        subject: `教育局来函 ${n}`,
        text: "请查收。",
      });
    }
    const { mailbox, messages } = await inbox("jyj@nanning.gov.cn");
    expect(mailbox?.kind).toBe("unit");
    expect(messages.map((m) => [m.uid, m.subject])).toEqual([
      [1, "教育局来函 1"],
      [2, "教育局来函 2"],
    ]);
  });

  it("never relays: a foreign recipient is refused with 550, and so is an unknown local one", async () => {
    const foreign = await refusal(
      mxClient(server.smtpPort!).sendMail({
        from: "someone@example.org",
        to: "victim@example.com",
        subject: "relay?",
        text: "x",
      }),
    );
    expect(foreign.code).toBe(550);
    expect(foreign.response).toMatch(/5\.7\.1 Relaying denied/);
    const unknown = await refusal(
      mxClient(server.smtpPort!).sendMail({
        from: "someone@example.org",
        to: "nobody.here@nanning.gov.cn",
        subject: "?",
        text: "x",
      }),
    );
    expect(unknown.code).toBe(550);
    expect(unknown.response).toMatch(/5\.1\.1/);
    expect(await Mailbox.count({ where: { address: "nobody.here@nanning.gov.cn" } })).toBe(0);
  });

  it("refuses a message over the size limit while it streams (552), whatever SIZE was declared, and keeps nothing", async () => {
    const before = await MailMessage.count();
    const big = "这是一封超大的邮件。".repeat(80_000); // ~2.4 MB of UTF-8 text, twice the limit
    const tooBig = await refusal(
      mxClient(server.smtpPort!).sendMail({
        from: "someone@example.org",
        to: "office.staff2@nanning.gov.cn",
        subject: "大附件",
        text: big,
      }),
    );
    expect(tooBig.code).toBe(552);
    expect(await MailMessage.count()).toBe(before);
    // A sender that declares no SIZE is stopped while the data streams in, and the session goes on.
    const answers = await converse(server.smtpPort!, [
      "EHLO client.example.org\r\n",
      "MAIL FROM:<someone@example.org>\r\n",
      "RCPT TO:<office.staff2@nanning.gov.cn>\r\n",
      "DATA\r\n",
      Buffer.concat([Buffer.from("Subject: big\r\n\r\n"), Buffer.alloc(1_500_000, "a\r\n"), Buffer.from("\r\n.\r\n")]),
      "RSET\r\n",
    ]);
    expect(answers.map((a) => a.slice(0, 3))).toEqual(["220", "250", "250", "250", "354", "552", "250"]);
    expect(await MailMessage.count()).toBe(before);
    // The connection is still good for the next message.
    expect(
      (
        await mxClient(server.smtpPort!).sendMail({
          from: "a@example.org",
          to: "office.staff2@nanning.gov.cn",
          text: "小",
        })
      ).response,
    ).toMatch(/^250 /);
  });

  // 107 messages, each stored, parsed and checked (SPF, DKIM, DMARC): about 20 s on a quiet machine, more under load.
  it("takes every message of the e-mail corpus (legacy, malformed, RFC examples) and keeps each one", async () => {
    const folder = new URL("../../../shared/corpus/eml/", import.meta.url);
    const files = readdirSync(folder).filter((f) => f.endsWith(".eml"));
    expect(files.length).toBeGreaterThan(100);
    const transport = mxClient(server.smtpPort!);
    const distinct = new Set<string>();
    for (const file of files) {
      const raw = readFileSync(new URL(file, folder));
      const info = await transport.sendMail({
        envelope: { from: "corpus@example.org", to: ["office.staff3@nanning.gov.cn"] },
        raw,
      });
      expect(info.response, file).toMatch(/^250 /);
      distinct.add(createHash("sha256").update(raw).digest("hex"));
    }
    transport.close();
    const { messages } = await inbox("office.staff3@nanning.gov.cn");
    // Files with the very same bytes are one message; each stored one has its source.
    expect(messages).toHaveLength(distinct.size);
    for (const message of messages) expect(await server.blobs.has(message.sha256)).toBe(true);
  }, 180_000);
});

describe("TLS on the MX", () => {
  it("offers STARTTLS with the certificate made on first start for the mail host, its key readable by the server alone", async () => {
    const dir = join(dataDir, "mail-tls");
    const cert = readFileSync(join(dir, "cert.pem"), "utf8");
    expect(statSync(join(dir, "key.pem")).mode & 0o777).toBe(0o600);
    expect(new X509Certificate(cert).subject).toContain("CN=nanning.gov.cn");
    // A client that trusts exactly this certificate for this name gets through: it is what the server offers.
    const secure = nodemailer.createTransport({
      host: "127.0.0.1",
      port: server.smtpPort!,
      secure: false,
      requireTLS: true,
      tls: { ca: cert, servername: "nanning.gov.cn" },
      name: "mail.gxdl.example.cn",
    });
    const info = await secure.sendMail({
      from: "notice@gxdl.example.cn",
      to: "office.staff4@nanning.gov.cn",
      subject: "加密传送",
      text: "正文",
    });
    expect(info.response).toMatch(/^250 /);
    // The same certificate at the next start.
    const again = await loadMailTls({ DATA_DIR: dataDir, hostname: "nanning.gov.cn" });
    expect([again.source, again.cert]).toEqual(["self-signed", cert]);
  });
});

describe("the MX's protocol layer", () => {
  /** The protocol layer alone, over given hooks, on a free port (its TLS material in the file's DATA_DIR). */
  async function protocolMx(
    hooks: MxHooks<string>,
    limits: { maxBytes: number; maxConnectionsPerIp: number; perMinute?: number; trusted?: string[] },
  ) {
    const tls = await loadMailTls({ DATA_DIR: dataDir, hostname: "nanning.gov.cn" });
    const smtp = createMx({
      hooks,
      logger: createLogger("silent"),
      hostname: "mx.test",
      tls,
      maxBytes: limits.maxBytes,
      maxConnectionsPerIp: limits.maxConnectionsPerIp,
      rate: { perMinute: limits.perMinute ?? 1000, trusted: trustedNetworks(limits.trusted ?? []) },
    });
    return { smtp, port: await listenSmtp(smtp, 0, "127.0.0.1") };
  }

  it("refuses a connection past the limit for one address with 421, and takes it again once one closes", async () => {
    const hooks: MxHooks<string> = {
      recipient: async (address) => ({ accept: address }),
      deliver: async () => ({ queueId: "X" }),
    };
    const { smtp, port } = await protocolMx(hooks, { maxBytes: 1024, maxConnectionsPerIp: 2 });
    const greeting = async () => {
      const socket = connect(port, "127.0.0.1");
      socket.setEncoding("utf8");
      const [line] = (await once(socket, "data")) as [string];
      return { socket, code: line.slice(0, 3) };
    };
    try {
      const first = await greeting();
      const second = await greeting();
      const third = await greeting();
      expect([first.code, second.code, third.code]).toEqual(["220", "220", "421"]);
      third.socket.destroy();
      // The refused connection's end does not free a place: the two others are still open.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const fourth = await greeting();
      fourth.socket.destroy();
      expect(fourth.code).toBe("421");
      first.socket.end("QUIT\r\n");
      await once(first.socket, "close");
      await expect
        .poll(async () => {
          const again = await greeting();
          again.socket.destroy();
          return again.code;
        })
        .toBe("220");
      second.socket.destroy();
    } finally {
      await closeSmtp(smtp);
    }
  });

  it("slows down a sender past its messages per minute with 450, except from a trusted network", async () => {
    const hooks: MxHooks<string> = {
      recipient: async (address) => ({ accept: address }),
      deliver: async (source: Readable) => {
        source.resume();
        return { queueId: "OK" };
      },
    };
    const send = (port: number, n: number) =>
      mxClient(port).sendMail({ from: "a@example.org", to: "x@nanning.gov.cn", subject: `第${n}封`, text: "正文" });
    const limited = await protocolMx(hooks, { maxBytes: 1024 * 1024, maxConnectionsPerIp: 5, perMinute: 3 });
    try {
      for (let n = 1; n <= 3; n++) expect((await send(limited.port, n)).response).toMatch(/^250 /);
      const refused = await refusal(send(limited.port, 4));
      expect(refused.code).toBe(450);
      expect(refused.response).toMatch(/4\.7\.1/);
    } finally {
      await closeSmtp(limited.smtp);
    }
    const trusted = await protocolMx(hooks, {
      maxBytes: 1024 * 1024,
      maxConnectionsPerIp: 5,
      perMinute: 3,
      trusted: ["127.0.0.0/8", "::1/128"],
    });
    try {
      for (let n = 1; n <= 6; n++) expect((await send(trusted.port, n)).response).toMatch(/^250 /);
    } finally {
      await closeSmtp(trusted.smtp);
    }
  });

  it("answers 451 when the store cannot keep the message, so the sender tries again, and 452 for a full mailbox", async () => {
    const handedOver: (readonly string[])[] = [];
    const hooks: MxHooks<string> = {
      // What the store found for an address is handed back to deliver, not looked up again.
      recipient: async (address) => (address.startsWith("full") ? "full" : { accept: `found:${address}` }),
      deliver: async (source: Readable, _arrival, recipients) => {
        handedOver.push(recipients);
        source.resume();
        throw new Error("disk full");
      },
    };
    const { smtp, port } = await protocolMx(hooks, { maxBytes: 1024 * 1024, maxConnectionsPerIp: 5 });
    try {
      const failed = await refusal(
        mxClient(port).sendMail({ from: "a@example.org", to: "x@nanning.gov.cn", text: "正文" }),
      );
      expect(failed.code).toBe(451);
      expect(handedOver).toEqual([["found:x@nanning.gov.cn"]]);
      const full = await refusal(
        mxClient(port).sendMail({ from: "a@example.org", to: "full@nanning.gov.cn", text: "正文" }),
      );
      expect(full.code).toBe(452);
    } finally {
      await closeSmtp(smtp);
    }
  });
});
