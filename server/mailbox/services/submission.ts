import { PassThrough } from "node:stream";
import type { Sequelize } from "sequelize";
import type { SubmissionHooks } from "../../../mail/submission.js";
import { SmtpRefusal } from "../../../mail/smtpCommon.js";
import { recordAuditEvent } from "../../audit/services/auditChain.js";
import type { BlobStore } from "../../core/blobStore.js";
import { loadActor } from "../../core/actor.js";
import { mailboxPolicy } from "../policies/mailbox.js";
import { LoginThrottle, type LoginLimits } from "../../org/services/loginThrottle.js";
import { attemptLogin } from "../../org/services/loginAgent.js";
import { readSecurityPolicy } from "../../org/services/settings.js";
import { isLocalDomain, resolveRecipient, splitAddress } from "./addresses.js";
import { mailDate } from "./authentication.js";
import { newQueueId, storeMessage } from "./delivery.js";
import { RecipientProblem, sendStored, sendableAddresses } from "./sending.js";

/** Who is signed in on a submission connection. */
export interface SubmissionUser {
  id: number;
  username: string;
}

/**
 * The submission server's questions answered by the mail store: sign-in with
 * the staff account (same lockout and rate limits as the web sign-in), the
 * addresses a person may send as, and sending.
 */
export function submissionHooks(deps: {
  sequelize: Sequelize;
  blobs: BlobStore;
  maxBytes: number;
  defaults: { domain: string; quotaBytes: number };
  mta: string;
  loginLimits: LoginLimits;
  hashCost: number;
}): SubmissionHooks<SubmissionUser> {
  const throttle = new LoginThrottle(deps.sequelize, deps.loginLimits);
  return {
    keyOf: (user) => String(user.id),
    async authenticate(login, password, ip) {
      // Mail clients often sign in with the whole address: a local one names the user.
      const parts = splitAddress(login);
      const username = parts && (await isLocalDomain(parts.domain)) ? parts.local : login;
      if ((await throttle.attempt(ip, username)) !== null) return "throttled";
      const policy = await readSecurityPolicy();
      const result = await attemptLogin(deps.sequelize, { username, password }, policy, deps.hashCost);
      const actor = { actorId: result.user?.id ?? null, actorName: result.user?.username ?? username, ip };
      if (result.ok) {
        // Mail is for those given it (mail.use): an account without it signs in nowhere here, like the web's menus.
        const actor = await loadActor(result.user);
        if (!mailboxPolicy.use(actor)) return "invalid";
        // An issued (initial or reset) password is for changing, in the web, before it is used anywhere.
        if (result.user.mustChangePassword) return "change_password";
        return { user: { id: result.user.id, username: result.user.username } };
      }
      if (result.reason === "totp_required") return "second_factor";
      await recordAuditEvent(deps.sequelize, {
        ...actor,
        action: "mail.smtp_auth",
        outcome: "failure",
        targetType: "user",
        targetId: result.user?.id ?? null,
        detail: { username, reason: result.reason },
      });
      if (result.lockedNow)
        await recordAuditEvent(deps.sequelize, {
          ...actor,
          action: "auth.lockout",
          outcome: "success",
          targetType: "user",
          targetId: result.user?.id ?? null,
          detail: { minutes: policy.lockoutMinutes, via: "smtp" },
        });
      return "invalid";
    },
    async sender(user, address) {
      return (await sendableAddresses(user, deps.defaults)).has(address.toLowerCase());
    },
    async recipient(_user, address, sender) {
      const found = await resolveRecipient(
        address,
        { address: sender.toLowerCase(), authenticated: true },
        deps.defaults,
      );
      if (found.kind !== "local") return found.kind;
      if (!found.list && !found.mailboxes.some((m) => m.usedBytes < m.quotaBytes)) return "full";
      return { accept: true };
    },
    async submit(user, source, envelope) {
      const queueId = newQueueId();
      const receivedAt = new Date();
      let stored = await storeMessage(deps.blobs, source, deps.maxBytes);
      const sendable = await sendableAddresses(user, deps.defaults);
      const from = stored.summary.fromAddress;
      if (!from) throw new SmtpRefusal(550, "5.6.0 The message has no From header");
      const mailbox = sendable.get(from);
      if (!mailbox) throw new SmtpRefusal(550, `5.7.1 You may not send as ${from}`);
      // What every message on the Internet is expected to carry (RFC 5322 3.6), added as Postfix's cleanup does.
      const missing = [
        ...(stored.summary.messageId ? [] : [`Message-ID: <${queueId.toLowerCase()}.${Date.now()}@${deps.mta}>`]),
        ...(stored.summary.sentAt ? [] : [`Date: ${mailDate(receivedAt)}`]),
      ];
      if (missing.length) {
        const body = new PassThrough();
        body.write(missing.join("\r\n") + "\r\n");
        (await deps.blobs.open(stored.sha256)).pipe(body);
        stored = await storeMessage(deps.blobs, body, deps.maxBytes + 1024);
      }
      const trace =
        `Received: from ${envelope.helo || "unknown"} (${envelope.ip})\r\n\tby ${deps.mta} (Yong Office) with ESMTPSA id ${queueId};\r\n\t` +
        `${mailDate(receivedAt)}\r\n` +
        `Authentication-Results: ${deps.mta}; auth=pass smtp.auth=${user.username}\r\n`;
      try {
        await sendStored(
          deps.sequelize,
          {
            from: mailbox,
            envelopeFrom: envelope.sender.toLowerCase(),
            recipients: envelope.recipients,
            message: { ...stored, trace, receivedAt },
            keepCopy: true,
            within: (sent, t) =>
              recordAuditEvent(
                deps.sequelize,
                {
                  actorId: user.id,
                  actorName: user.username,
                  ip: envelope.ip,
                  action: "mail.send",
                  outcome: "success",
                  targetType: "mailbox",
                  targetId: mailbox.id,
                  detail: { via: "smtp", queueId, local: sent.local, remote: sent.remote, size: stored.size },
                },
                t,
              ),
          },
          deps.defaults,
        );
        return { queueId };
      } catch (error) {
        // A recipient that changed since RCPT (a mailbox filled up meanwhile): try again later.
        if (error instanceof RecipientProblem)
          throw new SmtpRefusal(451, `4.2.2 ${error.address} cannot receive mail right now, try again later`);
        throw error;
      }
    },
  };
}
