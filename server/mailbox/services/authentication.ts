import { promises as dns } from "node:dns";
import type { Readable } from "node:stream";
import { authenticate } from "mailauth";

/** What the MX knows of the session a message came in: the client's address and HELO, and the envelope sender. */
export interface Arrival {
  ip: string;
  helo: string;
  /** MAIL FROM; empty for a bounce (the null sender). */
  sender: string;
  recipients: readonly string[];
  queueId: string;
  at: Date;
  /** The session was encrypted (STARTTLS): the Received line says ESMTPS (RFC 3848). */
  tls?: boolean;
}

/** Looks up DNS records: the system's resolver by default; tests give their own zone. */
export type Resolver = (name: string, type: string) => Promise<unknown>;

/**
 * Answers kept a while, failures too, and one lookup shared by every message
 * asking the same question at once: a busy MX asks about the same few sending
 * domains over and over, and a resolver that is slow or does not answer must
 * not cost each message its full timeout (bench:smtp: 86% of the MX's time
 * went waiting on these lookups without it). Node's resolver does not give
 * TXT records' TTLs, so the lifetimes are fixed and short.
 */
export function cachingResolver(
  resolve: Resolver,
  options: { answerMs: number; failureMs: number; entries: number } = {
    answerMs: 5 * 60_000,
    failureMs: 60_000,
    entries: 10_000,
  },
): Resolver {
  const cache = new Map<string, { until: number; answer: Promise<unknown> }>();
  return (name, type) => {
    const key = `${type} ${name.toLowerCase()}`;
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.until > now) return hit.answer;
    cache.delete(key);
    // Until it settles the entry stands for the lookup under way: later askers wait on the same one.
    const entry = { until: Number.POSITIVE_INFINITY, answer: resolve(name, type) };
    cache.set(key, entry);
    entry.answer.then(
      () => (entry.until = Date.now() + options.answerMs),
      () => (entry.until = Date.now() + options.failureMs),
    );
    // The oldest entries go first (a Map keeps insertion order).
    while (cache.size > options.entries) cache.delete(cache.keys().next().value!);
    return entry.answer;
  };
}

/** The system's DNS, each lookup bounded: a resolver that does not answer must not hold a delivery for long. */
const system = new dns.Resolver({ timeout: 2_000, tries: 2 });
const systemResolver: Resolver = cachingResolver((name, type) => system.resolve(name, type));

/** A date as mail headers write it (RFC 5322 3.3), in UTC: "Sat, 28 Nov 2026 05:03:00 +0000". */
export function mailDate(date: Date): string {
  return date.toUTCString().replace("GMT", "+0000");
}

/** One header line: no line breaks a sender could use to add headers of their own. */
const clean = (value: string) => value.replace(/[\r\n]+/g, " ").slice(0, 200);

/**
 * The trace headers this server adds to a message it receives, in the order
 * they go on top of it (RFC 5321 4.4, RFC 8601): the checks of the sender —
 * SPF of the envelope sender, DKIM signatures, DMARC of the From domain
 * (mailauth) — as Received-SPF and Authentication-Results, then a Received
 * line. A failed lookup is a temporary error in the results, never a reason
 * to refuse: the message is kept and the reader sees what could not be checked.
 * `junk` says whether it belongs in the Junk folder rather than the INBOX.
 */
export async function traceHeaders(
  message: Readable,
  arrival: Arrival,
  options: { mta: string; resolver?: Resolver },
): Promise<{ headers: string; junk: boolean }> {
  const { headers, dkim, spf, dmarc } = await authenticate(message, {
    ip: arrival.ip,
    helo: arrival.helo,
    sender: arrival.sender,
    mta: options.mta,
    resolver: options.resolver ?? systemResolver,
    disableArc: true,
    disableBimi: true,
  });
  const forWhom = arrival.recipients.length === 1 ? `\r\n\tfor <${clean(arrival.recipients[0]!)}>` : "";
  const received =
    `Received: from ${clean(arrival.helo || "unknown")} ([${clean(arrival.ip)}])\r\n` +
    `\tby ${clean(options.mta)} (Yong Office) with ${arrival.tls ? "ESMTPS" : "ESMTP"} id ${arrival.queueId}${forWhom};\r\n` +
    `\t${mailDate(arrival.at)}\r\n`;
  // Kept, but in Junk: mail whose From domain asks receivers to quarantine or reject what fails DMARC, and mail
  // from a server the sender's SPF record says is not theirs (-all) that no valid signature vouches for.
  const dmarcFailed =
    dmarc !== false && dmarc.status.result === "fail" && ["quarantine", "reject"].includes(dmarc.policy ?? "");
  const spfFailed =
    spf !== false && spf.status.result === "fail" && !dkim.results.some((r) => r.status.result === "pass");
  return { headers: `${headers}${received}`, junk: dmarcFailed || spfFailed };
}
