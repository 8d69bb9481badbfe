import type { Unit, User } from "../../org/models/index.js";
import type { MailAlias, MailDomain, MailList, Mailbox, MailboxMember } from "../models/index.js";
import type { DomainUsage, Owners } from "../services/administration.js";
import type {
  AdminMailboxBody,
  DkimRecordBody,
  MailAliasBody,
  MailDomainBody,
  MailListBody,
  MailboxMemberBody,
  MailboxOwnerBody,
  MailboxRefBody,
} from "./adminShapes.js";

/** The fields of mail administration's rows that leave the server; a domain's DKIM key never does. */

export function presentDomain(
  domain: MailDomain,
  usage: DomainUsage | undefined,
  props: { configured: boolean; canAdminister: boolean },
): MailDomainBody {
  const used = usage ?? { mailboxes: 0, aliases: 0, lists: 0 };
  return {
    id: domain.id,
    name: domain.name,
    createdAt: domain.createdAt.toISOString(),
    configured: props.configured,
    ...used,
    dkimSelector: domain.dkimSelector ?? null,
    abilities: {
      remove: props.canAdminister && !props.configured && !used.mailboxes && !used.aliases && !used.lists,
    },
  };
}

export function presentOwner(mailbox: Mailbox, owners: Owners): MailboxOwnerBody | null {
  if (mailbox.kind === "personal" && mailbox.userId) {
    const user = owners.users.get(mailbox.userId);
    if (!user) return null;
    return {
      kind: "user",
      id: user.id,
      name: user.displayName,
      username: user.username,
      unitName: owners.units.get(user.unitId)?.name ?? null,
      disabled: user.disabled,
    };
  }
  const unit = mailbox.unitId ? owners.units.get(mailbox.unitId) : undefined;
  if (!unit) return null;
  return { kind: "unit", id: unit.id, name: unit.name, username: null, unitName: unit.name, disabled: false };
}

export function presentAdminMailbox(
  mailbox: Mailbox,
  props: { owners: Owners; members: number | null; editQuota: boolean; manageMembers: boolean },
): AdminMailboxBody {
  return {
    id: mailbox.id,
    address: mailbox.address,
    kind: mailbox.kind,
    owner: presentOwner(mailbox, props.owners),
    quotaBytes: mailbox.quotaBytes,
    usedBytes: mailbox.usedBytes,
    members: mailbox.kind === "unit" ? (props.members ?? 0) : null,
    createdAt: mailbox.createdAt.toISOString(),
    abilities: { editQuota: props.editQuota, manageMembers: props.manageMembers && mailbox.kind === "unit" },
  };
}

export function presentMember(member: MailboxMember, user: User & { unit?: Unit }): MailboxMemberBody {
  return {
    userId: user.id,
    username: user.username,
    displayName: user.displayName,
    unitName: user.unit?.name ?? null,
    disabled: user.disabled,
    canSendAs: member.canSendAs,
    createdAt: member.createdAt.toISOString(),
  };
}

export function presentMailboxRef(mailbox: Mailbox, owners: Owners): MailboxRefBody {
  return { id: mailbox.id, address: mailbox.address, ownerName: presentOwner(mailbox, owners)?.name ?? null };
}

export function presentAlias(alias: MailAlias, mailbox: Mailbox | undefined, owners: Owners): MailAliasBody {
  return {
    id: alias.id,
    address: alias.address,
    // The mailbox goes with its aliases (ON DELETE CASCADE): it is there unless deleted this instant.
    mailbox: mailbox ? presentMailboxRef(mailbox, owners) : { id: alias.mailboxId, address: "", ownerName: null },
    createdAt: alias.createdAt.toISOString(),
  };
}

export function presentList(list: MailList, props: { unit: Unit | undefined; members: number }): MailListBody {
  return {
    id: list.id,
    address: list.address,
    name: list.name,
    kind: list.kind,
    unit: props.unit ? { id: props.unit.id, name: props.unit.name } : null,
    senders: list.senders,
    members: props.members,
    createdAt: list.createdAt.toISOString(),
    updatedAt: list.updatedAt.toISOString(),
  };
}

/** A DKIM record to publish; one TXT string holds at most 255 characters, so the zone line splits the value. */
export function presentDkimRecord(domain: MailDomain, record: { name: string; value: string }): DkimRecordBody {
  const strings = record.value.match(/.{1,255}/g) ?? [];
  return {
    domain: domain.name,
    name: record.name,
    value: record.value,
    zone: `${record.name}. IN TXT ( ${strings.map((s) => `"${s}"`).join(" ")} )`,
  };
}
