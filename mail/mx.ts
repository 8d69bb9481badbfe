// The MX: inbound SMTP for the local domains (smtp-server). Protocol only: what
// an address is and how a message is stored are the mail store's (hooks from
// server/mailbox), so this file holds no SQL.
import type { AddressInfo } from "node:net";
import { PassThrough, type Readable } from "node:stream";
import type { Logger } from "pino";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";

/**
 * What the mail store answers about a recipient: accepted, with what it found
 * (handed back to `deliver`, so the address is not looked up twice), or why not.
 */
export type RecipientVerdict<R> = { accept: R } | "foreign" | "unknown" | "full";

/** Where a message came from: the client's address and HELO name, and the envelope. */
export interface MxArrival {
  ip: string;
  helo: string;
  /** MAIL FROM; "" for the null sender of a bounce. */
  sender: string;
  recipients: readonly string[];
}

export interface MxHooks<R> {
  recipient(address: string): Promise<RecipientVerdict<R>>;
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
  /** Offered with STARTTLS (PEM). */
  tls: { key: string; cert: string };
}

/** An SMTP reply: code, enhanced status and text (RFC 5321, 3463). */
function reply(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

/** Errors of the blob store when the message is larger than allowed (it refuses while the bytes stream in). */
function isTooLarge(error: unknown): boolean {
  return error instanceof Error && "code" in error && (error as { code: unknown }).code === "blob_too_large";
}

export function createMx<R>(options: MxOptions<R>): SMTPServer {
  const { hooks, logger } = options;
  const perIp = new Map<string, number>();
  /** Sessions counted in perIp: a refused connection closes too, and must not be taken off. */
  const counted = new Set<string>();
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
    onConnect(session, callback) {
      const ip = session.remoteAddress;
      const open = (perIp.get(ip) ?? 0) + 1;
      if (open > options.maxConnectionsPerIp) {
        callback(reply(421, "4.7.0 Too many connections from your address, try again later"));
        return;
      }
      perIp.set(ip, open);
      counted.add(session.id);
      callback();
    },
    onClose(session) {
      accepted.delete(session.id);
      if (!counted.delete(session.id)) return;
      const ip = session.remoteAddress;
      const open = (perIp.get(ip) ?? 1) - 1;
      if (open <= 0) perIp.delete(ip);
      else perIp.set(ip, open);
    },
    onRcptTo(address, session, callback) {
      hooks.recipient(address.address).then(
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
      };
      // The store reads a stream of its own: when it stops early (too big, a failure), the connection stays usable.
      const body = new PassThrough();
      stream.pipe(body);
      const found = accepted.get(session.id);
      const recipients = arrival.recipients.flatMap((address) => (found?.has(address) ? [found.get(address)!] : []));
      hooks.deliver(body, arrival, recipients).then(
        ({ queueId }) => callback(null, `2.0.0 Ok: queued as ${queueId}`),
        (error: unknown) => {
          // The rest of the message must still be read before the answer (smtp-server waits for its end).
          const answer = () =>
            callback(
              stream.sizeExceeded || isTooLarge(error)
                ? reply(552, `5.3.4 Message too big (at most ${options.maxBytes} bytes)`)
                : reply(451, "4.3.0 The message could not be stored, try again later"),
            );
          if (!isTooLarge(error) && !stream.sizeExceeded) logger.error({ err: error }, "smtp: delivery failed");
          stream.unpipe(body);
          if (stream.readableEnded) answer();
          else {
            stream.on("end", answer);
            stream.resume();
          }
        },
      );
    },
  });
  server.on("error", (error) => logger.warn({ err: error }, "smtp: connection error"));
  return server;
}

/** Listens; resolves with the port (useful with port 0). */
export function listenMx(server: SMTPServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(port, host, () => {
      server.server.off("error", reject);
      resolve((server.server.address() as AddressInfo).port);
    });
  });
}

export function closeMx(server: SMTPServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
