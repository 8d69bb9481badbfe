import { randomUUID } from "node:crypto";
import { promises as dns, type MxRecord } from "node:dns";
import { PassThrough, Readable } from "node:stream";
import SMTPConnection from "nodemailer/lib/smtp-connection/index.js";
import type { Logger } from "pino";
import type { Sequelize } from "sequelize";
import { z } from "zod";
import type { BlobStore } from "../../core/blobStore.js";
import { PermanentJobError, type JobHandler } from "../../jobs/services/runner.js";
import { MailOutbound } from "../models/index.js";
import { splitAddress } from "./addresses.js";
import { mailDate } from "./authentication.js";
import { storeMessage } from "./delivery.js";
import { dkimSignature } from "./dkim.js";
import { sendStored } from "./sending.js";

/**
 * Remote delivery: the job behind each queued group (one message, one remote
 * domain). A route comes from MAIL_ROUTES, else the smarthost, else the
 * domain's MX hosts (RFC 5321 5.1: by preference; the domain itself when it
 * has none; none at all for a null MX, RFC 7505). Each recipient ends sent, or
 * bounced when refused for good (5xx) or still not delivered after the retry
 * period; bounced ones are reported to the sender in one DSN (RFC 3464).
 * Temporary failures (4xx, a host that does not answer) throw, and the job
 * queue tries again later with a growing backoff.
 */

export interface OutboundConfig {
  /** This server's name: EHLO, Received, Reporting-MTA, the DSN's sender domain. */
  hostname: string;
  /** The first configured domain: bounces come from MAILER-DAEMON@ it, and new mailboxes get it. */
  primaryDomain: string;
  defaultQuotaBytes: number;
  smarthost: string | undefined;
  /** domain=host[:port] entries (MAIL_ROUTES). */
  routes: readonly string[];
  retryMs: number;
  /** DNS MX lookup; the system's when not given. */
  resolveMx?: (domain: string) => Promise<MxRecord[]>;
  /** A connection that does not answer in this time is given up for the next host. */
  timeoutMs?: number;
}

interface Hop {
  host: string;
  port: number;
  /** TLS from the first byte (smtps://); otherwise STARTTLS when offered. */
  secure: boolean;
  auth?: { user: string; pass: string };
}

/** A failure of the whole group, temporary (try later) or permanent (bounce everyone). */
class Undeliverable extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly status: string,
  ) {
    super(message);
  }
}

const PayloadSchema = z.object({ ids: z.array(z.number().int().positive()).min(1) });

/** "550 5.1.1 …" → "5.1.1"; a reply without an enhanced code gets the class's generic one. */
export function statusOf(response: string, code: number | undefined): string {
  const enhanced = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(response)?.[1];
  if (enhanced) return enhanced;
  return `${code !== undefined && code >= 500 ? 5 : 4}.0.0`;
}

function parseRoutes(routes: readonly string[]): Map<string, Hop> {
  return new Map(
    routes.map((route) => {
      const [domain, target] = route.split("=") as [string, string];
      const [host, port] = target.split(":");
      return [domain.toLowerCase(), { host: host!, port: port ? Number(port) : 25, secure: false }];
    }),
  );
}

function smarthostHop(url: string): Hop {
  const parsed = new URL(url);
  const secure = parsed.protocol === "smtps:";
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ""),
    port: parsed.port ? Number(parsed.port) : secure ? 465 : 587,
    secure,
    ...(parsed.username
      ? { auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } }
      : {}),
  };
}

/** Where mail for `domain` goes, in the order to try. */
async function hopsFor(domain: string, config: OutboundConfig): Promise<Hop[]> {
  const routed = parseRoutes(config.routes).get(domain);
  if (routed) return [routed];
  if (config.smarthost) return [smarthostHop(config.smarthost)];
  let records: MxRecord[];
  try {
    records = await (config.resolveMx ?? dns.resolveMx)(domain);
  } catch (error) {
    const code = (error as { code?: string }).code;
    // No MX records: the domain's own address is its MX (RFC 5321 5.1). No such domain: nobody to deliver to.
    if (code === "ENODATA") return [{ host: domain, port: 25, secure: false }];
    if (code === "ENOTFOUND") throw new Undeliverable(`Domain ${domain} does not exist`, true, "5.1.2");
    throw new Undeliverable(`DNS lookup for ${domain} failed (${code ?? "error"})`, false, "4.4.3");
  }
  if (records.length === 1 && (records[0]!.exchange === "" || records[0]!.exchange === "."))
    throw new Undeliverable(`Domain ${domain} accepts no mail (null MX)`, true, "5.1.10");
  return [...records]
    .sort((a, b) => a.priority - b.priority)
    .map((r) => ({ host: r.exchange.replace(/\.$/, ""), port: 25, secure: false }));
}

interface HopResult {
  accepted: string[];
  rejected: { address: string; response: string; code: number | undefined }[];
}

/** One SMTP transaction with one host. Throws for a failure of the whole message (the caller decides what it means). */
function sendVia(
  hop: Hop,
  config: OutboundConfig,
  envelope: { from: string; to: string[]; size: number },
  message: () => Promise<Readable>,
): Promise<HopResult> {
  const timeout = config.timeoutMs ?? 60_000;
  const connection = new SMTPConnection({
    host: hop.host,
    port: hop.port,
    secure: hop.secure,
    name: config.hostname,
    // Opportunistic TLS between MTAs (RFC 3207): encrypt when offered, without refusing unverifiable certificates,
    // which would only make the sender fall back to plain text.
    opportunisticTLS: !hop.secure,
    tls: { rejectUnauthorized: false },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout * 5,
    logger: false,
  });
  return new Promise<HopResult>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, result?: HopResult) => {
      if (settled) return;
      settled = true;
      if (error) connection.close();
      else connection.quit();
      if (error) reject(error);
      else resolve(result!);
    };
    connection.once("error", (error: Error) => finish(error));
    connection.connect((connectError) => {
      if (connectError) return finish(connectError);
      const send = () => {
        message().then(
          (source) =>
            connection.send(
              { from: envelope.from, to: envelope.to, size: envelope.size },
              source,
              (error: SMTPConnection.SMTPError | null, info: SMTPConnection.SentMessageInfo) => {
                const refused = (error as { rejectedErrors?: SMTPConnection.SMTPError[] } | null)?.rejectedErrors;
                // Every recipient refused: each with its own answer (some may be temporary), not one for all.
                if (error && !refused?.length) return finish(error);
                finish(null, {
                  accepted: error ? [] : info.accepted,
                  rejected: ((error ? refused : info.rejectedErrors) ?? []).map((e) => ({
                    address: (e as { recipient?: string }).recipient ?? "",
                    response: e.response ?? e.message,
                    code: e.responseCode,
                  })),
                });
              },
            ),
          (error: Error) => finish(error),
        );
      };
      if (hop.auth) connection.login({ user: hop.auth.user, pass: hop.auth.pass }, (e) => (e ? finish(e) : send()));
      else send();
    });
  });
}

/** What a failed delivery attempt says for every recipient of the group, from the error SMTPConnection gave. */
function classify(error: unknown): { permanent: boolean; response: string; code: number | undefined } {
  const e = error as SMTPConnection.SMTPError;
  const code = e.responseCode;
  const response = (e.response ?? e.message ?? String(error)).slice(0, 1000);
  // A 5xx reply to the whole transaction refuses the message for good; anything else (4xx, no reply) may pass later.
  return { permanent: code !== undefined && code >= 500 && code < 600, response, code };
}

/** The job that works the outbound queue; see the file's comment. */
export function outboundJob(deps: {
  sequelize: Sequelize;
  blobs: BlobStore;
  config: OutboundConfig;
  logger: Logger;
}): JobHandler {
  const { config, blobs } = deps;
  const bounce = (rows: MailOutbound[]) => sendBounce(deps, rows);
  return {
    concurrency: 8,
    leaseMs: 10 * 60_000,
    async run(payload, { logger }) {
      const parsed = PayloadSchema.safeParse(payload);
      if (!parsed.success) throw new PermanentJobError("invalid outbound job payload");
      const rows = await MailOutbound.findAll({
        where: { id: parsed.data.ids, state: "queued" },
        order: [["id", "ASC"]],
      });
      if (!rows.length) return;
      const first = rows[0]!;
      const now = new Date();
      const expired = now.getTime() - first.createdAt.getTime() > config.retryMs;
      let hops: Hop[] = [];
      let failure: Undeliverable | null = null;
      try {
        hops = await hopsFor(first.domain, config);
      } catch (error) {
        if (!(error instanceof Undeliverable)) throw error;
        failure = error;
      }
      const outcome = new Map<
        number,
        { state: "sent" | "bounced" | "queued"; response: string; host: string | null }
      >();
      if (failure === null) {
        const senderDomain = splitAddress(first.envelopeFrom)?.domain ?? config.primaryDomain;
        const received = `Received: by ${config.hostname} (Yong Office) with ESMTPSA id ${first.id};\r\n\t${mailDate(now)}\r\n`;
        const message = async () => {
          const signature = await dkimSignature(senderDomain, await blobs.open(first.sha256));
          const out = new PassThrough();
          out.write(signature + received);
          (await blobs.open(first.sha256)).pipe(out);
          return out;
        };
        let lastError = "no host to try";
        for (const hop of hops) {
          try {
            const result = await sendVia(
              hop,
              config,
              { from: first.envelopeFrom, to: rows.map((r) => r.recipient), size: first.size },
              message,
            );
            for (const row of rows) {
              const refused = result.rejected.find((r) => r.address.toLowerCase() === row.recipient);
              if (!refused) outcome.set(row.id, { state: "sent", response: "250 accepted", host: hop.host });
              else
                outcome.set(row.id, {
                  state: refused.code !== undefined && refused.code >= 500 ? "bounced" : "queued",
                  response: refused.response,
                  host: hop.host,
                });
            }
            break;
          } catch (error) {
            const { permanent, response } = classify(error);
            lastError = `${hop.host}: ${response}`;
            logger.info({ host: hop.host, response }, "mail: remote delivery attempt failed");
            if (permanent) {
              for (const row of rows) outcome.set(row.id, { state: "bounced", response, host: hop.host });
              break;
            }
          }
        }
        if (!outcome.size) failure = new Undeliverable(lastError, false, "4.4.1");
      }
      for (const row of rows) {
        const result = outcome.get(row.id) ?? {
          state: failure?.permanent ? ("bounced" as const) : ("queued" as const),
          response: failure?.message ?? "",
          host: null,
        };
        // Past the retry period a temporary failure is final.
        const state = result.state === "queued" && expired ? "bounced" : result.state;
        await row.update({
          state,
          attempts: row.attempts + 1,
          lastAttemptAt: now,
          lastResponse: result.response.slice(0, 1000) || null,
          remoteHost: result.host,
          finishedAt: state === "queued" ? null : now,
        });
      }
      const bounced = rows.filter((r) => r.state === "bounced");
      if (bounced.length) await bounce(bounced);
      const waiting = rows.filter((r) => r.state === "queued");
      if (waiting.length)
        throw new Error(
          `${waiting.length} recipient(s) at ${first.domain} not delivered yet: ${waiting[0]!.lastResponse ?? ""}`,
        );
    },
    async onFailed(payload) {
      const parsed = PayloadSchema.safeParse(payload);
      if (!parsed.success) return;
      const rows = await MailOutbound.findAll({ where: { id: parsed.data.ids, state: "queued" } });
      for (const row of rows) await row.update({ state: "bounced", finishedAt: new Date() });
      if (rows.length) await bounce(rows);
    },
  };
}

/**
 * Tells the sender which recipients did not get their message (RFC 3464:
 * multipart/report with a human-readable part in Chinese and English, the
 * machine-readable delivery status, and the original's headers). From the null
 * sender, so that a bounce is never bounced; a bounce itself is never reported.
 */
async function sendBounce(
  deps: { sequelize: Sequelize; blobs: BlobStore; config: OutboundConfig; logger: Logger },
  rows: readonly MailOutbound[],
): Promise<void> {
  const first = rows[0]!;
  if (!first.envelopeFrom) return;
  const { config } = deps;
  const headers = await originalHeaders(deps.blobs, first.sha256);
  const boundary = `=_yong_${randomUUID()}`;
  const date = mailDate(new Date());
  const human = [
    "这是邮件系统自动发出的退信通知。您的邮件未能投递给以下收件人：",
    "This is the mail system. Your message could not be delivered to these recipients:",
    "",
    ...rows.map((r) => `  <${r.recipient}>: ${r.lastResponse ?? "undeliverable"}`),
    "",
  ].join("\r\n");
  const status = rows.map((r) =>
    [
      `Final-Recipient: rfc822; ${r.recipient}`,
      "Action: failed",
      `Status: ${statusOf(r.lastResponse ?? "", /^\d{3}/.test(r.lastResponse ?? "") ? Number(r.lastResponse!.slice(0, 3)) : 500)}`,
      ...(r.remoteHost ? [`Remote-MTA: dns; ${r.remoteHost}`] : []),
      ...(r.lastResponse ? [`Diagnostic-Code: smtp; ${r.lastResponse.replace(/[\r\n]+/g, " ")}`] : []),
      ...(r.lastAttemptAt ? [`Last-Attempt-Date: ${mailDate(r.lastAttemptAt)}`] : []),
    ].join("\r\n"),
  );
  const source = [
    `From: Mail Delivery System <MAILER-DAEMON@${config.primaryDomain}>`,
    `To: <${first.envelopeFrom}>`,
    "Subject: =?UTF-8?B?" +
      Buffer.from("退信：邮件无法投递 (Undelivered Mail Returned to Sender)").toString("base64") +
      "?=",
    `Date: ${date}`,
    `Message-ID: <${randomUUID()}@${config.hostname}>`,
    "Auto-Submitted: auto-replied",
    "MIME-Version: 1.0",
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    human,
    `--${boundary}`,
    "Content-Type: message/delivery-status",
    "",
    `Reporting-MTA: dns; ${config.hostname}`,
    `Arrival-Date: ${mailDate(first.createdAt)}`,
    "",
    status.join("\r\n\r\n"),
    "",
    `--${boundary}`,
    "Content-Type: text/rfc822-headers",
    "",
    headers,
    `--${boundary}--`,
    "",
  ].join("\r\n");
  const stored = await storeMessage(deps.blobs, Readable.from([Buffer.from(source)]), 10 * 1024 * 1024);
  try {
    await sendStored(
      deps.sequelize,
      {
        from: null,
        envelopeFrom: "",
        recipients: [first.envelopeFrom],
        message: { ...stored, trace: null, receivedAt: new Date() },
        keepCopy: false,
      },
      { domain: config.primaryDomain, quotaBytes: config.defaultQuotaBytes },
    );
  } catch (error) {
    // The sender's address no longer takes mail (a mailbox removed since): the bounce has nowhere to go.
    deps.logger.warn({ err: error, to: first.envelopeFrom }, "mail: a bounce could not be delivered");
  }
}

/** The header block of a stored message (up to the first empty line, at most 64 KB). */
async function originalHeaders(blobs: BlobStore, sha256: string): Promise<string> {
  const stream = await blobs.open(sha256);
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      const text = Buffer.concat(chunks).toString("utf8");
      const end = text.search(/\r?\n\r?\n/);
      if (end >= 0) return text.slice(0, end) + "\r\n";
      if (length > 65_536) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).toString("utf8").slice(0, 65_536) + "\r\n";
}
