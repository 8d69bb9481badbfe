// Real MTAs and clients against our MX: Debian's Postfix, on loopback, relays a
// sender's mail to our MX as another organisation's mail server would; swaks
// tries to relay through the MX without authenticating.
//
// Without Postfix or swaks (or not as root) the file is skipped on a developer's
// machine; under CI (.ci/run installs both) that is a failure, never a skip.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buffer } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MailMessage, Mailbox } from "../../server/mailbox/models/index.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { commandMissing, inCi, postfixMissing, startPostfix, type PostfixInstance } from "./postfix.js";
import { inbox } from "./smtpClient.js";
import { answers, swaks } from "./swaks.js";

const missing = postfixMissing() ?? commandMissing("swaks");

if (missing) {
  if (inCi) {
    describe("Postfix and swaks against our MX", () => {
      it("has Postfix and swaks to run", () => {
        throw new Error(`CI is set but ${missing}`);
      });
    });
  } else {
    describe.skip(`Postfix and swaks against our MX (skipped: ${missing})`, () => {
      it("runs them", () => undefined);
    });
  }
} else {
  let server: TestServer;
  let postfix: PostfixInstance;
  const dataDir = mkdtempSync(join(tmpdir(), "yong-mail-postfix-"));

  beforeAll(async () => {
    server = await startTestServer({ SMTP_PORT: "0", DATA_DIR: dataDir });
    postfix = await startPostfix({
      hostname: "mail.gxdl.example.cn",
      relays: { "nanning.gov.cn": { host: "127.0.0.1", port: server.smtpPort! } },
    });
  });

  afterAll(async () => {
    await postfix?.stop();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const SUBJECT = "关于转发市政府办公室通知的函";
  const encoded = (text: string) => `=?UTF-8?B?${Buffer.from(text).toString("base64")}?=`;
  /** A message as the sender's client wrote it: 8-bit UTF-8 body, encoded-word headers. */
  const message = (id: string, to: string) =>
    Buffer.from(
      [
        `From: ${encoded("广西电力网办公室")} <notice@gxdl.example.cn>`,
        `To: ${to}`,
        `Subject: ${encoded(SUBJECT)}`,
        "Date: Fri, 27 Nov 2026 09:30:00 +0800",
        `Message-ID: <${id}@gxdl.example.cn>`,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        "请各单位于十二月五日前报送年度工作总结。",
        ".A line that starts with a dot, which SMTP must carry as it is.",
        "",
      ].join("\r\n"),
    );

  /** Hands a message to Postfix with swaks, as the sender's mail client would; resolves with Postfix's queue id. */
  async function sendThroughPostfix(raw: Buffer, to: string): Promise<string> {
    const file = join(dataDir, `message-${Date.now()}.eml`);
    // swaks ends the data with CRLF "." CRLF, whose first CRLF ends the message's last line: the file goes without it.
    writeFileSync(file, raw.subarray(0, raw.lastIndexOf("\r\n")));
    const sent = await swaks([
      "--server",
      `127.0.0.1:${postfix.port}`,
      "--ehlo",
      "pc12.gxdl.example.cn",
      "--from",
      "notice@gxdl.example.cn",
      "--to",
      to,
      "--data",
      `@${file}`,
    ]);
    expect(sent.status, sent.transcript).toBe(0);
    const queued = /^250 2\.0\.0 Ok: queued as ([0-9A-F]+)$/.exec(answers(sent.transcript).at(-2) ?? "");
    expect(queued, sent.transcript).not.toBeNull();
    return queued![1]!;
  }

  describe("Debian's Postfix delivering to our MX", () => {
    it("relays a message for a user of nanning.gov.cn over STARTTLS; it lands in the INBOX byte for byte, under both servers' Received lines", async () => {
      const raw = message("relay-1", "office.staff1@nanning.gov.cn");
      const postfixId = await sendThroughPostfix(raw, "office.staff1@nanning.gov.cn");

      // Postfix's own account of the delivery: to our MX's port, over TLS, answered with our queue id.
      const port = server.smtpPort!;
      const sent = await postfix.waitForLog(
        new RegExp(`${postfixId}: to=<office\\.staff1@nanning\\.gov\\.cn>.*status=`),
      );
      expect(sent).toContain(`relay=127.0.0.1[127.0.0.1]:${port}`);
      const ours = /status=sent \(250 2\.0\.0 Ok: queued as ([0-9A-F]{16})\)/.exec(sent);
      expect(ours, sent).not.toBeNull();
      expect(await postfix.log()).toMatch(
        new RegExp(`(Untrusted|Anonymous) TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${port}`),
      );

      const { messages } = await inbox("office.staff1@nanning.gov.cn");
      expect(messages).toHaveLength(1);
      const [stored] = messages;
      expect(stored!.subject).toBe(SUBJECT);
      expect([stored!.fromAddress, stored!.fromName]).toEqual(["notice@gxdl.example.cn", "广西电力网办公室"]);
      expect(stored!.parseError).toBeNull();
      // What arrived: Postfix's Received line on top of the sender's bytes, unchanged (8-bit body, leading dot).
      const arrived = await buffer(await server.blobs.open(stored!.sha256));
      const postfixReceived = new RegExp(
        `^Received: from pc12\\.gxdl\\.example\\.cn \\(localhost \\[127\\.0\\.0\\.1\\]\\)\\r\\n` +
          `\\tby mail\\.gxdl\\.example\\.cn \\(Postfix\\) with ESMTP id ${postfixId}\\r\\n` +
          `\\tfor <office\\.staff1@nanning\\.gov\\.cn>; [^\\r]+\\r\\n`,
      );
      const text = arrived.toString("utf8");
      expect(text).toMatch(postfixReceived);
      expect(arrived.subarray(arrived.length - raw.length).equals(raw)).toBe(true);
      expect(arrived.length - raw.length).toBe(postfixReceived.exec(text)![0].length);
      // And ours above it: from Postfix (its HELO) at 127.0.0.1, with the id we answered Postfix with.
      expect(stored!.traceHeaders).toMatch(
        new RegExp(
          `Received: from mail\\.gxdl\\.example\\.cn \\(\\[127\\.0\\.0\\.1\\]\\)\\r\\n` +
            `\\tby nanning\\.gov\\.cn \\(Yong Office\\) with ESMTPS? id ${ours![1]}\\r\\n` +
            `\\tfor <office\\.staff1@nanning\\.gov\\.cn>;`,
        ),
      );
      expect(stored!.traceHeaders).toMatch(/Authentication-Results: nanning\.gov\.cn;/);
    });

    it("turns our MX's 550 for an unknown address into a bounce at once, without retrying", async () => {
      const postfixId = await sendThroughPostfix(
        message("relay-2", "no.such.user@nanning.gov.cn"),
        "no.such.user@nanning.gov.cn",
      );
      const line = await postfix.waitForLog(
        new RegExp(`${postfixId}: to=<no\\.such\\.user@nanning\\.gov\\.cn>.*status=`),
      );
      expect(line).toMatch(/status=bounced \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 550 5\.1\.1 No such mailbox here/);
      expect(await Mailbox.count({ where: { address: "no.such.user@nanning.gov.cn" } })).toBe(0);
    });
  });

  describe("the private Postfix's own Maildirs (where the outbound tests read what our mail looked like on arrival)", () => {
    it("delivers a message for one of its mailboxes to its Maildir as sent, and refuses other addresses of the domain", async () => {
      const receiver = await startPostfix({ hostname: "mx.example.test", mailboxes: ["Zhang.Wei@example.test"] });
      try {
        const raw = message("maildir-1", "zhang.wei@example.test");
        const file = join(dataDir, "maildir-1.eml");
        writeFileSync(file, raw.subarray(0, raw.lastIndexOf("\r\n")));
        const server = ["--server", `127.0.0.1:${receiver.port}`, "--from", "office.staff1@nanning.gov.cn"];
        const sent = await swaks([...server, "--to", "zhang.wei@example.test", "--data", `@${file}`]);
        expect(sent.status, sent.transcript).toBe(0);
        const [delivered] = await receiver.waitForMaildir("zhang.wei@example.test", 1);
        // virtual(8) puts the envelope on top (Return-Path, Delivered-To) and the Received line, then the bytes as sent.
        const text = delivered!.raw.toString("utf8");
        expect(text).toMatch(
          /^Return-Path: <office\.staff1@nanning\.gov\.cn>\nX-Original-To: zhang\.wei@example\.test\nDelivered-To: zhang\.wei@example\.test\nReceived: from /,
        );
        // Maildir files have Unix line ends.
        expect(text.endsWith(raw.toString("utf8").replaceAll("\r\n", "\n"))).toBe(true);
        const unknown = await swaks([...server, "--to", "li.na@example.test", "--data", `@${file}`]);
        expect(unknown.status).toBe(24);
        expect(answers(unknown.transcript)).toContainEqual(
          expect.stringMatching(/^550 5\.1\.1 <li\.na@example\.test>: Recipient address rejected/),
        );
        expect(await receiver.countMaildir("zhang.wei@example.test")).toBe(1);
      } finally {
        await receiver.stop();
      }
      expect(existsSync(receiver.dir)).toBe(false);
    });
  });

  describe("swaks against our MX", () => {
    const relayAttempt = (extra: string[] = []) =>
      swaks([
        "--server",
        `127.0.0.1:${server.smtpPort}`,
        "--ehlo",
        "spammer.example.net",
        "--from",
        "someone@example.org",
        "--to",
        "victim@example.com",
        ...extra,
      ]);

    it("refuses to relay for an unauthenticated sender (550 5.7.1), in clear and after STARTTLS, and stores nothing", async () => {
      const before = await MailMessage.count();
      const clear = await relayAttempt();
      // 24: no recipient was accepted, so swaks never got to DATA.
      expect(clear.status, clear.transcript).toBe(24);
      expect(answers(clear.transcript)).toContainEqual(expect.stringMatching(/^550 5\.7\.1 Relaying denied/));
      const tls = await relayAttempt(["--tls"]);
      expect(tls.status, tls.transcript).toBe(24);
      expect(tls.transcript).toMatch(/TLS started with cipher/);
      expect(answers(tls.transcript)).toContainEqual(expect.stringMatching(/^550 5\.7\.1 Relaying denied/));
      expect(await MailMessage.count()).toBe(before);
    });

    it("offers no AUTH on the MX, so there is no password to relay with there", async () => {
      const attempt = await relayAttempt([
        "--tls",
        "--auth",
        "PLAIN",
        "--auth-user",
        "office.staff1",
        "--auth-password",
        "x",
      ]);
      expect(attempt.status, attempt.transcript).toBe(28);
      expect(attempt.transcript).toMatch(/Host did not advertise authentication/);
    });
  });
}
