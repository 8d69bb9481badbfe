// What the MX and the submission server share: SMTP replies, the per-IP
// connection limit, and receiving a message's data into the mail store.
import { BlockList, isIPv4, type AddressInfo } from "node:net";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { PassThrough, type Readable } from "node:stream";
import type { Logger } from "pino";
import type { SMTPServer, SMTPServerDataStream, SMTPServerSession } from "smtp-server";

/** An SMTP reply: code, enhanced status and text (RFC 5321, 3463). */
export function reply(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

/** A refusal the mail store decided on (e.g. a From header that is not the sender's), passed to the client as is. */
export class SmtpRefusal extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Errors of the blob store when the message is larger than allowed (it refuses while the bytes stream in). */
function isTooLarge(error: unknown): boolean {
  return error instanceof Error && "code" in error && (error as { code: unknown }).code === "blob_too_large";
}

/**
 * Limits the connections one IP address holds open at once: onConnect answers
 * 421 past the limit; onClose gives the place back (a refused connection closes
 * too, and is not taken off).
 */
export function connectionLimit(max: number) {
  const perIp = new Map<string, number>();
  const counted = new Set<string>();
  return {
    onConnect(session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const ip = session.remoteAddress;
      const open = (perIp.get(ip) ?? 0) + 1;
      if (open > max) {
        callback(reply(421, "4.7.0 Too many connections from your address, try again later"));
        return;
      }
      perIp.set(ip, open);
      counted.add(session.id);
      callback();
    },
    onClose(session: SMTPServerSession) {
      if (!counted.delete(session.id)) return;
      const ip = session.remoteAddress;
      const open = (perIp.get(ip) ?? 1) - 1;
      if (open <= 0) perIp.delete(ip);
      else perIp.set(ip, open);
    },
  };
}

/** Networks whose hosts are not rate limited (a government's own relays, loopback): CIDR strings. */
export function trustedNetworks(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, bits] = cidr.split("/");
    const family = isIPv4(address!) ? "ipv4" : "ipv6";
    list.addSubnet(address!, Number(bits ?? (family === "ipv4" ? 32 : 128)), family);
  }
  return list;
}

/**
 * Messages a client may start per minute, keyed by what the caller says (the
 * client's IP on the MX, the signed-in user on submission); past it MAIL FROM
 * answers 450 4.7.1, a temporary refusal a well-behaved sender retries later.
 * Counted in this process: with several instances each allows the rate.
 */
export function messageRateLimit(perMinute: number, trusted: BlockList) {
  const limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  return async (session: SMTPServerSession, key: string): Promise<Error | null> => {
    const ip = session.remoteAddress.replace(/^::ffff:/, "");
    if (trusted.check(ip, isIPv4(ip) ? "ipv4" : "ipv6")) return null;
    try {
      await limiter.consume(key);
      return null;
    } catch {
      return reply(450, "4.7.1 Too many messages, slow down and try again later");
    }
  };
}

/**
 * Hands the message data to `store` and answers for it: 250 with the queue id
 * once stored, 552 when too big (noticed while streaming), the store's own
 * refusal, else 451 (nothing was kept; the client tries again).
 */
export function receiveData(
  stream: SMTPServerDataStream,
  callback: (err?: Error | null, message?: string) => void,
  store: (body: Readable) => Promise<{ queueId: string }>,
  options: { maxBytes: number; logger: Logger },
): void {
  // The store reads a stream of its own: when it stops early (too big, a failure), the connection stays usable.
  const body = new PassThrough();
  stream.pipe(body);
  store(body).then(
    ({ queueId }) => callback(null, `2.0.0 Ok: queued as ${queueId}`),
    (error: unknown) => {
      // The rest of the message must still be read before the answer (smtp-server waits for its end).
      const answer = () =>
        callback(
          stream.sizeExceeded || isTooLarge(error)
            ? reply(552, `5.3.4 Message too big (at most ${options.maxBytes} bytes)`)
            : error instanceof SmtpRefusal
              ? reply(error.responseCode, error.message)
              : reply(451, "4.3.0 The message could not be stored, try again later"),
        );
      if (!isTooLarge(error) && !stream.sizeExceeded && !(error instanceof SmtpRefusal))
        options.logger.error({ err: error }, "smtp: storing a message failed");
      stream.unpipe(body);
      if (stream.readableEnded) answer();
      else {
        stream.on("end", answer);
        stream.resume();
      }
    },
  );
}

/** Listens; resolves with the port (useful with port 0). */
export function listenSmtp(server: SMTPServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(port, host, () => {
      server.server.off("error", reject);
      resolve((server.server.address() as AddressInfo).port);
    });
  });
}

export function closeSmtp(server: SMTPServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
