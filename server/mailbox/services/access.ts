import type { Transaction } from "sequelize";
import type { User } from "../../org/models/index.js";
import { Mailbox, MailboxMember } from "../models/index.js";
import type { MailboxAccess } from "../policies/mailbox.js";
import { personalMailbox } from "./addresses.js";

/** A mailbox a person can open, with how they hold it. */
export interface HeldMailbox {
  mailbox: Mailbox;
  access: MailboxAccess;
}

/**
 * The mailboxes a person can open: their personal one (made on first use, at
 * <username>@<the first configured domain>) and the unit mailboxes they are a
 * member of. Personal first, then units by address.
 */
export async function mailboxesOf(
  user: Pick<User, "id" | "username">,
  defaults: { domain: string; quotaBytes: number },
  transaction?: Transaction,
): Promise<HeldMailbox[]> {
  const own = await Mailbox.findAll({
    where: { userId: user.id, kind: "personal" },
    order: [["id", "ASC"]],
    transaction,
  });
  if (!own.length) own.push(await personalMailbox(user, defaults));
  const memberships = await MailboxMember.findAll({ where: { userId: user.id }, transaction });
  const shared = memberships.length
    ? await Mailbox.findAll({
        where: { id: memberships.map((m) => m.mailboxId) },
        order: [["address", "ASC"]],
        transaction,
      })
    : [];
  const byMailbox = new Map(memberships.map((m) => [m.mailboxId, m]));
  return [
    ...own.map((mailbox) => ({ mailbox, access: { mailboxId: mailbox.id, as: "owner" as const, canSendAs: true } })),
    ...shared.map((mailbox) => ({
      mailbox,
      access: { mailboxId: mailbox.id, as: "member" as const, canSendAs: byMailbox.get(mailbox.id)!.canSendAs },
    })),
  ];
}

/** How a person holds one mailbox, or null when they cannot open it (routes then answer 404). */
export async function accessTo(
  userId: number,
  mailboxId: number,
  transaction?: Transaction,
): Promise<MailboxAccess | null> {
  const mailbox = await Mailbox.findByPk(mailboxId, { attributes: ["id", "kind", "userId"], transaction });
  if (!mailbox) return null;
  if (mailbox.kind === "personal")
    return mailbox.userId === userId ? { mailboxId, as: "owner", canSendAs: true } : null;
  const member = await MailboxMember.findOne({ where: { mailboxId, userId }, transaction });
  return member ? { mailboxId, as: "member", canSendAs: member.canSendAs } : null;
}
