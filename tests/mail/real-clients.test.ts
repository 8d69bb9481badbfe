// Real clients and MTAs, not the project's own code, on the sending side:
// swaks (Debian's) signs in on our submission ports, over STARTTLS and over TLS
// from the first byte, and is turned away where it should be; Debian's Postfix,
// on loopback, is the remote organisation's server that our outbound queue
// delivers to (DKIM-signed) and whose refusals come back to the sender as a DSN.
//
// Without Postfix or swaks (or not as root) the file is skipped on a developer's
// machine; under CI (.ci/run installs both) that is a failure, never a skip.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buffer } from "node:stream/consumers";
import { authenticate } from "mailauth";
import { Op } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MailDomain, MailMessage, MailOutbound } from "../../server/mailbox/models/index.js";
import { dkimDnsRecord } from "../../server/mailbox/services/dkim.js";
import { STRONG_PASSWORD, startTestServer, type TestServer } from "../helpers/testServer.js";
import { commandMissing, postfixMissing, startPostfix, type PostfixInstance } from "./postfix.js";
import { describeWithTools, folderOf, inbox } from "./smtpClient.js";
import { answers, swaks, type SwaksResult } from "./swaks.js";

const missing = postfixMissing() ?? commandMissing("swaks");

describeWithTools("real clients and MTAs on submission and outbound delivery", missing, () => {
  let server: TestServer;
  /** The remote organisation's mail server: example.test, with one mailbox. */
  let postfix: PostfixInstance;
  const dataDir = mkdtempSync(join(tmpdir(), "yong-mail-real-clients-"));

  beforeAll(async () => {
    postfix = await startPostfix({ hostname: "mx.example.test", mailboxes: ["zhang.wei@example.test"] });
    server = await startTestServer({
      SMTP_PORT: "0",
      SUBMISSION_PORT: "0",
      SMTPS_PORT: "0",
      DATA_DIR: dataDir,
      MAIL_ROUTES: `example.test=127.0.0.1:${postfix.port}`,
      JOB_POLL_MS: "200",
    });
    // Their passwords are set (changed from the issued one) by signing in to the web once.
    for (const name of ["office.staff1", "office.staff2"]) await server.signInAs(name);
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    await postfix?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const encoded = (text: string) => `=?UTF-8?B?${Buffer.from(text).toString("base64")}?=`;

  /**
   * A message as a mail client writes it (encoded-word subject, 8-bit UTF-8 body, a line starting with a dot),
   * and the file swaks sends it from: swaks ends the data with CRLF "." CRLF, whose first CRLF ends the message's
   * last line, so the file goes without it.
   */
  function message(id: string, headers: { from: string; to: string; subject: string }) {
    const raw = Buffer.from(
      [
        `From: ${headers.from}`,
        `To: ${headers.to}`,
        `Subject: ${encoded(headers.subject)}`,
        "Date: Mon, 30 Nov 2026 10:00:00 +0800",
        `Message-ID: <${id}@pc01.nanning.gov.cn>`,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        `${headers.subject}`,
        "请于十二月五日前报送年度工作总结。",
        ".A line that starts with a dot, which SMTP must carry as it is.",
        "",
      ].join("\r\n"),
    );
    const file = join(dataDir, `${id}.eml`);
    writeFileSync(file, raw.subarray(0, raw.lastIndexOf("\r\n")));
    return { raw, file };
  }

  interface Submission {
    from: string;
    to: string;
    /** The message's file (swaks --data @file); swaks's own test message when not given. */
    file?: string;
    /** STARTTLS on the submission port (587), TLS from the first byte on 465, or neither. */
    tls?: "starttls" | "implicit" | "none";
    /** AUTH with this mechanism, as office.staff1 with their password unless told otherwise; none when null. */
    auth?: { mechanism: "PLAIN" | "LOGIN"; user?: string; password?: string } | null;
  }

  /** swaks as a person's mail client on our submission ports. */
  function submit(s: Submission): Promise<SwaksResult> {
    const tls = s.tls ?? "starttls";
    const port = tls === "implicit" ? server.smtpsPort! : server.submissionPort!;
    const args = ["--server", `127.0.0.1:${port}`, "--ehlo", "pc01.nanning.gov.cn", "--from", s.from, "--to", s.to];
    if (tls === "starttls") args.push("--tls");
    if (tls === "implicit") args.push("--tlsc");
    const auth = s.auth === undefined ? { mechanism: "PLAIN" as const } : s.auth;
    if (auth)
      args.push(
        "--auth",
        auth.mechanism,
        "--auth-user",
        auth.user ?? "office.staff1",
        "--auth-password",
        auth.password ?? STRONG_PASSWORD,
      );
    if (s.file) args.push("--data", `@${s.file}`);
    return swaks(args);
  }

  /** Our queue id from the answer to the message's data ("250 2.0.0 Ok: queued as …"); the last answer is QUIT's. */
  function queueIdOf(sent: SwaksResult): string {
    const queued = /^250 2\.0\.0 Ok: queued as ([0-9A-F]{16})$/.exec(answers(sent.transcript).at(-2) ?? "");
    expect(queued, sent.transcript).not.toBeNull();
    return queued![1]!;
  }

  async function until<T>(probe: () => Promise<T | null | undefined>, what: string, ms = 30_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const STAFF1 = "office.staff1@nanning.gov.cn";
  const STAFF2 = "office.staff2@nanning.gov.cn";

  describe("swaks on our submission ports", () => {
    it.each([
      ["PLAIN", "starttls", "关于召开安全生产会议的通知"],
      ["LOGIN", "starttls", "关于报送年度工作总结的通知"],
      ["PLAIN", "implicit", "经由465端口发送的通知"],
    ] as const)(
      "AUTH %s over %s: 250, the message in the colleague's INBOX byte for byte and a copy in the sender's Sent",
      async (mechanism, tls, subject) => {
        const id = `submit-${mechanism}-${tls}`;
        const { raw, file } = message(id, { from: STAFF1, to: STAFF2, subject });
        const sent = await submit({ from: STAFF1, to: STAFF2, file, tls, auth: { mechanism } });
        expect(sent.status, sent.transcript).toBe(0);
        // Encrypted before the password goes: swaks's "~>" lines are inside TLS, the AUTH among them.
        expect(sent.transcript).toMatch(/TLS started with cipher TLSv1\.[23]/);
        expect(sent.transcript).toMatch(new RegExp(`^ ~> AUTH ${mechanism}`, "m"));
        expect(answers(sent.transcript)).toContainEqual(expect.stringMatching(/^235 /));
        const queueId = queueIdOf(sent);

        const received = (await inbox(STAFF2)).messages.filter((m) => m.messageId === `<${id}@pc01.nanning.gov.cn>`);
        expect(received).toHaveLength(1);
        const [stored] = received;
        expect(stored!.subject).toBe(subject);
        expect(stored!.fromAddress).toBe(STAFF1);
        expect(stored!.parseError).toBeNull();
        expect((await buffer(await server.blobs.open(stored!.sha256))).equals(raw)).toBe(true);
        expect(stored!.traceHeaders).toMatch(
          new RegExp(
            `^Received: from pc01\\.nanning\\.gov\\.cn \\(127\\.0\\.0\\.1\\)\\r\\n\\tby nanning\\.gov\\.cn \\(Yong Office\\) with ESMTPSA id ${queueId};`,
          ),
        );
        expect(stored!.traceHeaders).toMatch(/auth=pass smtp\.auth=office\.staff1/);

        const copies = (await folderOf(STAFF1, "sent")).messages.filter((m) => m.sha256 === stored!.sha256);
        expect(copies).toHaveLength(1);
        expect(copies[0]!.seen).toBe(true);
      },
    );

    it("refuses AUTH before STARTTLS (538), so the password never crosses in clear, and stores nothing", async () => {
      const before = await MailMessage.count();
      const { file } = message("submit-clear", { from: STAFF1, to: STAFF2, subject: "明文登录" });
      const sent = await submit({ from: STAFF1, to: STAFF2, file, tls: "none" });
      // 28: AUTH failed, and swaks stops there.
      expect(sent.status, sent.transcript).toBe(28);
      expect(sent.transcript).not.toMatch(/TLS started/);
      expect(answers(sent.transcript)).toContainEqual(expect.stringMatching(/^538 .*STARTTLS/));
      expect(answers(sent.transcript)).not.toContainEqual(expect.stringMatching(/^235 /));
      expect(await MailMessage.count()).toBe(before);
    });

    it("refuses a wrong password (535 5.7.8) and stores nothing", async () => {
      const before = await MailMessage.count();
      const { file } = message("submit-wrong", { from: STAFF1, to: STAFF2, subject: "错误密码" });
      for (const mechanism of ["PLAIN", "LOGIN"] as const) {
        const sent = await submit({
          from: STAFF1,
          to: STAFF2,
          file,
          auth: { mechanism, password: "Not-the-password-1" },
        });
        expect(sent.status, sent.transcript).toBe(28);
        expect(answers(sent.transcript)).toContainEqual(
          expect.stringMatching(/^535 5\.7\.8 Authentication credentials invalid/),
        );
      }
      expect(await MailMessage.count()).toBe(before);
    });

    it("refuses an unauthenticated relay attempt to a foreign domain (530 at MAIL FROM) and queues nothing", async () => {
      const [messages, queued] = [await MailMessage.count(), await MailOutbound.count()];
      const sent = await submit({
        from: "someone@example.org",
        to: "victim@example.com",
        auth: null,
      });
      // 23: the sender was refused.
      expect(sent.status, sent.transcript).toBe(23);
      expect(sent.transcript).toMatch(/TLS started with cipher/);
      expect(answers(sent.transcript)).toContainEqual(expect.stringMatching(/^530 .*authentication required/i));
      expect([await MailMessage.count(), await MailOutbound.count()]).toEqual([messages, queued]);
    });

    it("lets a signed-in user send as nobody else: another person's address in MAIL FROM (553) or in From (550)", async () => {
      const before = await MailMessage.count();
      const leader = "office.leader@nanning.gov.cn";
      const envelope = message("submit-envelope", { from: leader, to: STAFF2, subject: "冒名信封" });
      const refused = await submit({ from: leader, to: STAFF2, file: envelope.file });
      expect(refused.status, refused.transcript).toBe(23);
      expect(answers(refused.transcript)).toContainEqual(
        expect.stringMatching(/^553 5\.7\.1 Sender address rejected: not an address you may send as/),
      );
      // Their own address on the envelope, someone else's in the header: refused once the data is in (26).
      const header = message("submit-header", { from: leader, to: STAFF2, subject: "冒名信头" });
      const late = await submit({ from: STAFF1, to: STAFF2, file: header.file });
      expect(late.status, late.transcript).toBe(26);
      expect(answers(late.transcript)).toContainEqual(
        expect.stringMatching(/^550 5\.7\.1 You may not send as office\.leader@nanning\.gov\.cn/),
      );
      expect(await MailMessage.count()).toBe(before);
    });
  });

  describe("Debian's Postfix receiving our outbound mail", () => {
    const REMOTE = "zhang.wei@example.test";

    it("gets a message sent through submission to example.test in its Maildir, DKIM-signed for nanning.gov.cn; the queue row is sent", async () => {
      const subject = "致外单位：关于联合开展安全检查的函";
      const { raw, file } = message("outbound-1", { from: STAFF1, to: REMOTE, subject });
      const sent = await submit({ from: STAFF1, to: REMOTE, file });
      expect(sent.status, sent.transcript).toBe(0);
      queueIdOf(sent);

      const [delivered] = await postfix.waitForMaildir(REMOTE, 1, 60_000);
      const text = delivered!.raw.toString("utf8");
      // Postfix's envelope lines and its Received line: from our server's EHLO name, at 127.0.0.1.
      const postfixTrace =
        /^Return-Path: <office\.staff1@nanning\.gov\.cn>\nX-Original-To: zhang\.wei@example\.test\nDelivered-To: zhang\.wei@example\.test\nReceived: from nanning\.gov\.cn \(localhost \[127\.0\.0\.1\]\)\n\tby mx\.example\.test \(Postfix\) with ESMTP id ([0-9A-F]+)\n\tfor <zhang\.wei@example\.test>; [^\n]+\n/.exec(
          text,
        );
      expect(postfixTrace, text.slice(0, 600)).not.toBeNull();
      // Then what our server put on top, the signature and our Received line, then the bytes as sent (Maildir files
      // have Unix line ends).
      const rest = text.slice(postfixTrace![0].length);
      const sentText = raw.toString("utf8").replaceAll("\r\n", "\n");
      expect(rest.endsWith(sentText)).toBe(true);
      const ours = rest.slice(0, rest.length - sentText.length);
      expect(ours).toMatch(/^DKIM-Signature: /);
      const signature = /^DKIM-Signature: ((?:[^\n]|\n[ \t])+)\n/.exec(ours)![1]!.replace(/\s+/g, "");
      expect(signature).toContain("d=nanning.gov.cn;");
      expect(signature).toMatch(/(^|;)a=rsa-sha256;/);
      expect(ours).toMatch(/\nReceived: by nanning\.gov\.cn \(Yong Office\) with ESMTPSA id \d+;\n\t[^\n]+\n$/);

      // The signature still verifies on what Postfix delivered, against the TXT record we would publish.
      const domain = (await MailDomain.findOne({ where: { name: "nanning.gov.cn" } }))!;
      const record = await dkimDnsRecord(domain);
      const result = await authenticate(Buffer.from(text.replaceAll("\n", "\r\n")), {
        ip: "127.0.0.1",
        helo: "nanning.gov.cn",
        sender: STAFF1,
        resolver: async (name: string, type: string) => {
          if (type === "TXT" && name.toLowerCase() === record.name) return [[record.value]];
          throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: "ENOTFOUND" });
        },
        disableArc: true,
        disableBimi: true,
      });
      expect(result.dkim.results.map((r) => r.status.result)).toEqual(["pass"]);
      expect(result.headers).toMatch(/dkim=pass header\.i=@nanning\.gov\.cn header\.s=\S+ header\.a=rsa-sha256/);

      // Postfix's own account: taken from us, delivered to the Maildir.
      const postfixId = postfixTrace![1]!;
      expect(await postfix.waitForLog(new RegExp(`${postfixId}: client=localhost\\[127\\.0\\.0\\.1\\]`))).toBeTruthy();
      expect(
        await postfix.waitForLog(new RegExp(`${postfixId}: to=<zhang\\.wei@example\\.test>.*status=sent`)),
      ).toMatch(/relay=virtual/);

      const row = await until(
        () => MailOutbound.findOne({ where: { recipient: REMOTE, state: "sent" } }),
        "the queue row marked sent",
      );
      expect([row.remoteHost, row.attempts, row.envelopeFrom]).toEqual(["127.0.0.1", 1, STAFF1]);
      expect(row.messageId).toBe("<outbound-1@pc01.nanning.gov.cn>");
      expect(row.finishedAt).not.toBeNull();
      // The sender keeps a copy in Sent.
      expect((await folderOf(STAFF1, "sent")).messages.map((m) => m.subject)).toContain(subject);
    }, 90_000);

    it("bounces an address Postfix refuses (550 5.1.1): the row is bounced and a DSN (RFC 3464) is in the sender's INBOX", async () => {
      const nobody = "nobody@example.test";
      const { file } = message("outbound-2", { from: STAFF1, to: nobody, subject: "发往不存在的地址" });
      const sent = await submit({ from: STAFF1, to: nobody, file });
      // Submission takes it (the remote side is asked later, by the queue).
      expect(sent.status, sent.transcript).toBe(0);

      const row = await until(
        () => MailOutbound.findOne({ where: { recipient: nobody, state: { [Op.ne]: "queued" } } }),
        "the queue row's outcome",
        60_000,
      );
      expect(row.state).toBe("bounced");
      expect(row.lastResponse).toMatch(/^550 5\.1\.1 <nobody@example\.test>: Recipient address rejected/);
      expect(row.remoteHost).toBe("127.0.0.1");
      // Postfix refused it at RCPT, in our connection.
      expect(
        await postfix.waitForLog(
          /NOQUEUE: reject: RCPT from localhost\[127\.0\.0\.1\]: 550 5\.1\.1 <nobody@example\.test>/,
        ),
      ).toMatch(/from=<office\.staff1@nanning\.gov\.cn> to=<nobody@example\.test> proto=ESMTP helo=<nanning\.gov\.cn>/);

      const dsn = await until(
        async () => (await inbox(STAFF1)).messages.find((m) => m.fromAddress === "mailer-daemon@nanning.gov.cn"),
        "the DSN",
      );
      const text = (await buffer(await server.blobs.open(dsn.sha256))).toString("utf8");
      expect(text).toMatch(/^Content-Type: multipart\/report; report-type=delivery-status;/m);
      expect(text).toMatch(/^Content-Type: message\/delivery-status\r$/m);
      expect(text).toMatch(/^Final-Recipient: rfc822; nobody@example\.test\r$/m);
      expect(text).toMatch(/^Action: failed\r$/m);
      expect(text).toMatch(/^Status: 5\.1\.1\r$/m);
      expect(text).toMatch(/^Remote-MTA: dns; 127\.0\.0\.1\r$/m);
      expect(text).toMatch(/^Diagnostic-Code: smtp; 550 5\.1\.1 <nobody@example\.test>: Recipient address rejected/m);
      // The original's headers, so that the sender's client can tell which message it was.
      expect(text).toMatch(/^Content-Type: text\/rfc822-headers\r$/m);
      expect(text).toMatch(/^Message-ID: <outbound-2@pc01\.nanning\.gov\.cn>\r$/m);
      // Nothing reached Postfix's mailbox beyond the first test's message.
      expect(await postfix.countMaildir(REMOTE)).toBe(1);
    }, 90_000);
  });
});
