import type { Actor } from "../../core/actor.js";

/** What a person may do with one mailbox: theirs, or a unit mailbox they are a member of. */
export interface MailboxAccess {
  mailboxId: number;
  /** "owner" of a personal mailbox, "member" of a unit mailbox. */
  as: "owner" | "member";
  canSendAs: boolean;
}

/**
 * Who reads and sends mail, and who manages mailboxes. Mail is read only by
 * the owner of a personal mailbox and the members of a unit mailbox: no
 * administrator (三员, mail administrators included) reads anyone's mail, and
 * routes answer 404 for a mailbox or message the caller cannot open, so ids
 * reveal nothing. Mail administrators manage domains, quotas, aliases and
 * lists everywhere; a unit's mail administrator manages who shares the unit
 * mailboxes of the units in their scope.
 */
export const mailboxPolicy = {
  use: (actor: Actor) => actor.can("mail.use"),
  read: (actor: Actor, access: MailboxAccess | null): access is MailboxAccess =>
    access !== null && actor.can("mail.use"),
  sendAs: (actor: Actor, access: MailboxAccess | null) =>
    access !== null && actor.can("mail.use") && (access.as === "owner" || access.canSendAs),
  administer: (actor: Actor) => actor.can("mail.admin"),
  /** Manages the members of a unit's mailboxes: a mail administrator, or the unit's own (by the role's scope). */
  manageUnit: (actor: Actor, unit: { path: string }) => actor.can("mail.admin") || actor.can("mail.unit.manage", unit),
  /** Sees the mailbox administration screens at all (its lists are then narrowed to the caller's units). */
  manageAny: (actor: Actor) => actor.can("mail.admin") || actor.can("mail.unit.manage"),
};
