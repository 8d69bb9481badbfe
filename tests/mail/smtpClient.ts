// What the mail tests do as SMTP clients of our servers, and how they look at a
// mailbox afterwards: shared by the MX, Postfix and corpus tests.
import { connect } from "node:net";
import nodemailer from "nodemailer";
import { describe, expect, it } from "vitest";
import { MailFolder, MailMessage, Mailbox } from "../../server/mailbox/models/index.js";
import { inCi } from "./postfix.js";

/**
 * A client of the MX as another mail server delivering to us would be: no TLS, no AUTH. One connection per
 * message, or with `session` one connection kept for every message sent through it (as an MTA with a queue does).
 */
export function mxClient(port: number, options: { name?: string; session?: boolean } = {}) {
  const common = {
    host: "127.0.0.1",
    port,
    secure: false,
    ignoreTLS: true,
    name: options.name ?? "mail.gxdl.example.cn",
  };
  return options.session
    ? nodemailer.createTransport({ ...common, pool: true, maxConnections: 1, maxMessages: Infinity })
    : nodemailer.createTransport(common);
}

/** What an SMTP refusal carries: its code and text (nodemailer puts the server's answer on the error). */
export async function refusal(send: Promise<unknown>): Promise<{ code: number; response: string }> {
  const error = (await send.then(
    () => null,
    (e: unknown) => e,
  )) as { responseCode?: number; response?: string } | null;
  expect(error, "the server accepted what it should refuse").not.toBeNull();
  return { code: error!.responseCode ?? 0, response: error!.response ?? "" };
}

/**
 * A hand-driven SMTP session: the commands go as given (MAIL FROM without a
 * SIZE parameter, say), and the answers come back as the server wrote them.
 */
export async function converse(port: number, steps: (string | Buffer)[]): Promise<string[]> {
  const socket = connect(port, "127.0.0.1");
  socket.setEncoding("utf8");
  let pending = "";
  const answers: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  socket.on("data", (chunk: string) => {
    pending += chunk;
    let end: number;
    while ((end = pending.indexOf("\r\n")) >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 2);
      // A multi-line answer ("250-…") ends with its "250 …" line.
      if (/^\d{3} /.test(line)) waiting.shift()?.(line);
    }
  });
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  answers.push(await next()); // the greeting
  for (const step of steps) {
    const answer = next();
    socket.write(step);
    answers.push(await answer);
  }
  socket.end();
  return answers;
}

/** A mailbox by its address and the messages of one of its standard folders ("inbox", "sent", …), by UID. */
export async function folderOf(address: string, role: string) {
  const mailbox = await Mailbox.findOne({ where: { address } });
  if (!mailbox) return { mailbox: null, messages: [] };
  const folder = await MailFolder.findOne({ where: { mailboxId: mailbox.id, role } });
  const messages = await MailMessage.findAll({ where: { folderId: folder!.id }, order: [["uid", "ASC"]] });
  return { mailbox, messages };
}

/** A mailbox by its address and the messages of its INBOX, by UID. */
export function inbox(address: string) {
  return folderOf(address, "inbox");
}

/**
 * A describe block for tests that need software from Debian's packages (Postfix, swaks): `missing` says why it
 * cannot run here (postfixMissing(), commandMissing()), or is null. Without them it is skipped, with the reason,
 * on a developer's machine; under CI (.ci/run installs them) it is one failing test, never a skip.
 * (Here rather than in postfix.ts, which the SMTP bench loads outside the test runner.)
 */
export function describeWithTools(title: string, missing: string | null, body: () => void): void {
  if (!missing) describe(title, body);
  else if (inCi)
    describe(title, () => {
      it("has the tools it needs", () => {
        throw new Error(`CI is set but ${missing}`);
      });
    });
  else
    describe.skip(`${title} (skipped: ${missing})`, () => {
      it("runs them", () => undefined);
    });
}
