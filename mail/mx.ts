// The MX: inbound SMTP for the local domains (smtp-server). Protocol only: what
// an address is and how a message is stored are the mail store's (hooks from
// server/mailbox), so this file holds no SQL.
import type { BlockList } from "node:net";
import type { Readable } from "node:stream";
import type { Logger } from "pino";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import { connectionLimit, messageRateLimit, receiveData, reply } from "./smtpCommon.js";

/**
 * What the mail store answers about a recipient: accepted, with what it found
 * (handed back to `deliver`, so the address is not looked up twice), or why not.
 */
export type RecipientVerdict<R> = { accept: R } | "foreign" | "unknown" | "full" | "refused";

/** Where a message came from: the client's address and HELO name, and the envelope. */
export interface MxArrival {
  ip: string;
  helo: string;
  /** MAIL FROM; "" for the null sender of a bounce. */
  sender: string;
  recipients: readonly string[];
  /** The session is encrypted (STARTTLS). */
  tls: boolean;
}

export interface MxHooks<R> {
  /** `sender` is the envelope's MAIL FROM ("" for the null sender). */
  recipient(address: string, sender: string): Promise<RecipientVerdict<R>>;
  /**
   * Stores the message durably for the accepted recipients (what `recipient` found for each address of the
   * envelope); resolves with the id to give in the 250 answer.
   */
  deliver(source: Readable, arrival: MxArrival, recipients: readonly R[]): Promise<{ queueId: string }>;
}

export interface MxOptions<R> {
  hooks: MxHooks<R>;
  logger: Logger;
  /** The name in the greeting and the Received lines. */
  hostname: string;
  maxBytes: number;
  maxConnectionsPerIp: number;
  /** Messages one IP may start per minute, and the networks exempt from it. */
  rate: { perMinute: number; trusted: BlockList };
  /** Offered with STARTTLS (PEM). */
  tls: { key: string; cert: string };
}

export function createMx<R>(options: MxOptions<R>): SMTPServer {
  const { hooks, logger } = options;
  const limit = connectionLimit(options.maxConnectionsPerIp);
  const rate = messageRateLimit(options.rate.perMinute, options.rate.trusted);
  /** Per session, what the store found for each accepted address. */
  const accepted = new Map<string, Map<string, R>>();
  const server = new SMTPServer({
    name: options.hostname,
    banner: "Yong Office mail",
    // The MX takes mail for its own domains from anyone; submission (with AUTH) is another port.
    authOptional: true,
    disabledCommands: ["AUTH"],
    size: options.maxBytes,
    key: options.tls.key,
    cert: options.tls.cert,
    logger: false,
    onConnect: limit.onConnect,
    onClose(session) {
      accepted.delete(session.id);
      limit.onClose(session);
    },
    onMailFrom(_address, session, callback) {
      rate(session, session.remoteAddress).then((refused) => callback(refused));
    },
    onRcptTo(address, session, callback) {
      hooks.recipient(address.address, session.envelope.mailFrom ? session.envelope.mailFrom.address : "").then(
        (verdict) => {
          if (typeof verdict === "object") {
            const found = accepted.get(session.id) ?? new Map<string, R>();
            accepted.set(session.id, found.set(address.address, verdict.accept));
            callback();
          }
          // Never a relay: a foreign recipient is refused to an unauthenticated sender (RFC 5321 3.6.2).
          else if (verdict === "foreign")
            callback(reply(550, "5.7.1 Relaying denied: this server only accepts mail for its own domains"));
          else if (verdict === "unknown") callback(reply(550, "5.1.1 No such mailbox here"));
          else if (verdict === "refused") callback(reply(550, "5.7.1 You may not send to this list"));
          else callback(reply(452, "4.2.2 Mailbox full, try again later"));
        },
        (error: unknown) => {
          logger.error({ err: error }, "smtp: recipient check failed");
          callback(reply(451, "4.3.0 Temporary failure, try again later"));
        },
      );
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const from = session.envelope.mailFrom;
      const arrival: MxArrival = {
        ip: session.remoteAddress,
        helo: session.hostNameAppearsAs ?? "",
        sender: from ? from.address : "",
        recipients: session.envelope.rcptTo.map((r) => r.address),
        tls: Boolean(session.secure),
      };
      const found = accepted.get(session.id);
      const recipients = arrival.recipients.flatMap((address) => (found?.has(address) ? [found.get(address)!] : []));
      receiveData(stream, callback, (body) => hooks.deliver(body, arrival, recipients), options);
    },
  });
  server.on("error", (error) => logger.warn({ err: error }, "smtp: connection error"));
  return server;
}
