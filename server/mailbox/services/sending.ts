import { Op, type Sequelize, type Transaction } from "sequelize";
import { enqueueJob } from "../../jobs/services/queue.js";
import { MailAlias, MailFolder, MailMessage, MailOutbound, Mailbox, MailboxMember } from "../models/index.js";
import { personalMailbox, resolveRecipient, splitAddress } from "./addresses.js";
import { fileInInboxes, fileMessage, lockMailboxes, newQueueId, type StoredMessage } from "./delivery.js";

/** The job that delivers a message to the recipients of one remote domain (services/outbound.ts). */
export const OUTBOUND_JOB = "mail.outbound";
/**
 * Attempts are not what ends a remote delivery: the retry period is
 * (MAIL_RETRY_HOURS, checked by the job), so the job's own limit is far away.
 */
const OUTBOUND_MAX_ATTEMPTS = 10_000;

/**
 * The addresses a person may send as: their own mailboxes' (the personal one
 * made now if it was never used), the unit mailboxes they hold send-as on, and
 * the aliases of both.
 */
export async function sendableAddresses(
  user: { id: number; username: string },
  defaults: { domain: string; quotaBytes: number },
): Promise<Map<string, Mailbox>> {
  const userId = user.id;
  await personalMailbox(user, defaults);
  const memberships = await MailboxMember.findAll({ where: { userId, canSendAs: true }, attributes: ["mailboxId"] });
  const mailboxes = await Mailbox.findAll({
    where: {
      [Op.or]: [
        { userId, kind: "personal" },
        ...(memberships.length ? [{ id: memberships.map((m) => m.mailboxId) }] : []),
      ],
    },
  });
  const byAddress = new Map(mailboxes.map((m) => [m.address, m]));
  if (mailboxes.length) {
    const aliases = await MailAlias.findAll({ where: { mailboxId: mailboxes.map((m) => m.id) } });
    const byId = new Map(mailboxes.map((m) => [m.id, m]));
    for (const alias of aliases) byAddress.set(alias.address, byId.get(alias.mailboxId)!);
  }
  return byAddress;
}

/** Why a message cannot be sent to a recipient; the caller turns it into an SMTP or HTTP answer. */
export class RecipientProblem extends Error {
  constructor(
    readonly address: string,
    readonly problem: "unknown" | "refused" | "full",
  ) {
    super(`${problem}: ${address}`);
  }
}

export interface Outgoing {
  /** The mailbox it is sent from: its Sent folder keeps the copy. Null for the server's own mail (a bounce). */
  from: Mailbox | null;
  envelopeFrom: string;
  /** Every envelope recipient (To, Cc and Bcc). */
  recipients: readonly string[];
  message: StoredMessage;
  /** File the copy in Sent (webmail and submission do; a bounce does not). */
  keepCopy: boolean;
  /** The draft this message was written in, removed when it is sent. */
  draftId?: number;
  /** Runs last inside the sending transaction (the audit event of the send). */
  within?: (sent: Sent, t: Transaction) => Promise<void>;
}

export interface Sent {
  queueId: string;
  local: number;
  remote: number;
  /** The copy in Sent, when one was filed now. */
  copyId: number | null;
}

/**
 * Sends a stored message: local recipients (mailboxes, aliases, lists) get it
 * in their INBOX at once; remote ones are queued, one row each, and a job per
 * domain delivers them (services/outbound.ts); the sender's Sent folder keeps
 * a copy. All in one transaction: when this returns, nothing can be lost, and
 * sending the same bytes again (a client that lost the 250) adds nothing.
 */
export async function sendStored(
  sequelize: Sequelize,
  outgoing: Outgoing,
  defaults: { domain: string; quotaBytes: number },
): Promise<Sent> {
  const sender = { address: outgoing.envelopeFrom.toLowerCase(), authenticated: true };
  const local = new Map<number, Mailbox>();
  const remote: { address: string; domain: string }[] = [];
  for (const address of new Set(outgoing.recipients.map((r) => r.toLowerCase()))) {
    const found = await resolveRecipient(address, sender, defaults);
    if (found.kind === "foreign") remote.push({ address, domain: splitAddress(address)?.domain ?? "" });
    else if (found.kind === "local") {
      const room = found.mailboxes.filter((m) => m.usedBytes < m.quotaBytes);
      if (!found.list && !room.length) throw new RecipientProblem(address, "full");
      for (const mailbox of room) local.set(mailbox.id, mailbox);
    } else throw new RecipientProblem(address, found.kind);
  }
  const queueId = newQueueId();
  return sequelize.transaction(async (t) => {
    const from = outgoing.from;
    await lockMailboxes([...local.keys(), ...(from ? [from.id] : [])], t);
    const delivered = await fileInInboxes(outgoing.message, [...local.keys()], t);
    let copyId: number | null = null;
    if (from && outgoing.keepCopy) {
      const sent = await MailFolder.findOne({ where: { mailboxId: from.id, role: "sent" }, transaction: t });
      const already = sent
        ? await MailMessage.count({ where: { folderId: sent.id, sha256: outgoing.message.sha256 }, transaction: t })
        : 0;
      if (!already) copyId = (await fileMessage(outgoing.message, from.id, "sent", t, { seen: true })).id;
    }
    if (from && outgoing.draftId !== undefined) await removeDraft(from.id, outgoing.draftId, t);
    const byDomain = new Map<string, number[]>();
    for (const { address, domain } of remote) {
      const queued = await MailOutbound.findOne({
        where: { sha256: outgoing.message.sha256, recipient: address, envelopeFrom: outgoing.envelopeFrom },
        transaction: t,
      });
      if (queued) continue;
      const row = await MailOutbound.create(
        {
          mailboxId: from?.id ?? null,
          sha256: outgoing.message.sha256,
          size: outgoing.message.size,
          envelopeFrom: outgoing.envelopeFrom,
          recipient: address,
          domain,
          messageId: outgoing.message.summary.messageId,
          state: "queued",
        },
        { transaction: t },
      );
      byDomain.set(domain, [...(byDomain.get(domain) ?? []), row.id]);
    }
    for (const ids of byDomain.values())
      await enqueueJob(OUTBOUND_JOB, { ids }, { transaction: t, maxAttempts: OUTBOUND_MAX_ATTEMPTS });
    const sent = { queueId, local: delivered.length, remote: remote.length, copyId };
    await outgoing.within?.(sent, t);
    return sent;
  });
}

/** Removes a draft (its row; the bytes it counted against the quota are given back). */
export async function removeDraft(mailboxId: number, draftId: number, t: Transaction): Promise<void> {
  const drafts = await MailFolder.findOne({ where: { mailboxId, role: "drafts" }, transaction: t });
  if (!drafts) return;
  const draft = await MailMessage.findOne({ where: { id: draftId, folderId: drafts.id }, transaction: t });
  if (!draft) return;
  await draft.destroy({ transaction: t });
  await Mailbox.update(
    { usedBytes: (Mailbox.sequelize as Sequelize).literal(`usedBytes - ${Number(draft.size)}`) as unknown as number },
    { where: { id: mailboxId }, transaction: t },
  );
}
