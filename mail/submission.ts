// Submission (RFC 6409): signed-in users hand over mail for any address, on
// 587 with STARTTLS or 465 with TLS from the start (RFC 8314). AUTH PLAIN and
// LOGIN only once the connection is encrypted; nothing is accepted before AUTH.
// Protocol only: who signs in, which addresses they may use and what becomes
// of a message are the mail store's (hooks from server/mailbox), so this file
// holds no SQL.
import type { Readable } from "node:stream";
import type { BlockList } from "node:net";
import type { Logger } from "pino";
import { SMTPServer } from "smtp-server";
import type { RecipientVerdict } from "./mx.js";
import { connectionLimit, messageRateLimit, receiveData, reply } from "./smtpCommon.js";

export type AuthVerdict<U> = { user: U } | "invalid" | "throttled" | "second_factor" | "change_password";

export interface SubmissionEnvelope {
  ip: string;
  helo: string;
  sender: string;
  recipients: readonly string[];
}

export interface SubmissionHooks<U> {
  /** What identifies a signed-in user for the message rate limit. */
  keyOf(user: U): string;
  authenticate(username: string, password: string, ip: string): Promise<AuthVerdict<U>>;
  /** Whether the signed-in user may use `address` as the envelope sender. */
  sender(user: U, address: string): Promise<boolean>;
  /** "foreign" is accepted here (it is what submission is for): the store queues it. */
  recipient(user: U, address: string, sender: string): Promise<RecipientVerdict<unknown>>;
  /** Stores and sends the message; throws SmtpRefusal for a message the store will not send (a From that is not theirs). */
  submit(user: U, source: Readable, envelope: SubmissionEnvelope): Promise<{ queueId: string }>;
}

export interface SubmissionOptions<U> {
  hooks: SubmissionHooks<U>;
  logger: Logger;
  hostname: string;
  maxBytes: number;
  maxConnectionsPerIp: number;
  /** Messages one user may start per minute, and the networks exempt from it. */
  rate: { perMinute: number; trusted: BlockList };
  /** Recipients one message may have (RFC 5321 4.5.3.1.8 asks servers to take at least 100). */
  maxRecipients?: number;
  tls: { key: string; cert: string };
  /** TLS from the first byte (465); otherwise STARTTLS (587). */
  implicitTls: boolean;
}

export function createSubmission<U>(options: SubmissionOptions<U>): SMTPServer {
  const { hooks, logger } = options;
  const limit = connectionLimit(options.maxConnectionsPerIp);
  // Per signed-in user (a stolen password must not become a spam cannon), whatever address they connect from.
  const rate = messageRateLimit(options.rate.perMinute, options.rate.trusted);
  const maxRecipients = options.maxRecipients ?? 500;
  const server = new SMTPServer({
    name: options.hostname,
    banner: "Yong Office mail submission",
    secure: options.implicitTls,
    key: options.tls.key,
    cert: options.tls.cert,
    authMethods: ["PLAIN", "LOGIN"],
    // Passwords never cross the network in clear: AUTH is refused (538) until STARTTLS.
    allowInsecureAuth: false,
    authOptional: false,
    size: options.maxBytes,
    logger: false,
    onConnect: limit.onConnect,
    onClose: limit.onClose,
    onAuth(auth, session, callback) {
      const username = auth.username ?? "";
      hooks.authenticate(username, auth.password ?? "", session.remoteAddress).then(
        (verdict) => {
          if (typeof verdict === "object") return callback(null, { user: verdict.user });
          if (verdict === "throttled") return callback(reply(454, "4.7.0 Too many sign-in attempts, try again later"));
          if (verdict === "second_factor")
            return callback(reply(535, "5.7.8 This account signs in with a second factor; use webmail to send mail"));
          if (verdict === "change_password")
            return callback(reply(535, "5.7.8 Your password must be changed first: sign in to the web once"));
          callback(reply(535, "5.7.8 Authentication credentials invalid"));
        },
        (error: unknown) => {
          logger.error({ err: error }, "submission: authentication failed to run");
          callback(reply(454, "4.7.0 Temporary authentication failure"));
        },
      );
    },
    onMailFrom(address, session, callback) {
      const user = session.user as U;
      rate(session, `user:${hooks.keyOf(user)}`)
        .then(async (refused) => {
          if (refused) return callback(refused);
          if (await hooks.sender(user, address.address)) return callback();
          callback(reply(553, "5.7.1 Sender address rejected: not an address you may send as"));
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, "submission: sender check failed");
          callback(reply(451, "4.3.0 Temporary failure, try again later"));
        });
    },
    onRcptTo(address, session, callback) {
      if (session.envelope.rcptTo.length >= maxRecipients)
        return callback(reply(452, `4.5.3 Too many recipients (at most ${maxRecipients} per message)`));
      const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
      hooks.recipient(session.user as U, address.address, sender).then(
        (verdict) => {
          if (typeof verdict === "object" || verdict === "foreign") callback();
          else if (verdict === "unknown") callback(reply(550, "5.1.1 No such mailbox here"));
          else if (verdict === "refused") callback(reply(550, "5.7.1 You may not send to this list"));
          else callback(reply(452, "4.2.2 Mailbox full, try again later"));
        },
        (error: unknown) => {
          logger.error({ err: error }, "submission: recipient check failed");
          callback(reply(451, "4.3.0 Temporary failure, try again later"));
        },
      );
    },
    onData(stream, session, callback) {
      const envelope: SubmissionEnvelope = {
        ip: session.remoteAddress,
        helo: session.hostNameAppearsAs ?? "",
        sender: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
        recipients: session.envelope.rcptTo.map((r) => r.address),
      };
      receiveData(stream, callback, (body) => hooks.submit(session.user as U, body, envelope), options);
    },
  });
  server.on("error", (error) => logger.warn({ err: error }, "submission: connection error"));
  return server;
}
