import { Op, QueryTypes, UniqueConstraintError, type Sequelize, type Transaction } from "sequelize";
import { Unit, User } from "../../org/models/index.js";
import { PUBLIC_UNIT_KIND } from "../../org/models/unit.js";
import {
  MailAlias,
  MailDomain,
  MailList,
  MailListMember,
  Mailbox,
  MailFolder,
  STANDARD_FOLDERS,
  type MailboxKind,
} from "../models/index.js";

/**
 * Addresses and the mailboxes behind them. Every user has a personal mailbox
 * <username>@<domain>; every unit a shared one named by its code without the
 * city's prefix (jyj@nanning.gov.cn for nanning.jyj, 教育局). A mailbox row is
 * made the first time its address is used, with the standard folders.
 */

/** The prefix every unit code of the city starts with, left out of unit addresses. */
export const CITY_PREFIX = "nanning.";

/** Adds the configured domains that are not there yet (at start; mail administrators add others). */
export async function syncMailDomains(domains: readonly string[]): Promise<void> {
  for (const name of domains) {
    const found = await MailDomain.findOne({ where: { name } });
    if (found) continue;
    try {
      await MailDomain.create({ name });
    } catch (error) {
      // Another instance added it at the same moment.
      if (!(error instanceof UniqueConstraintError)) throw error;
    }
  }
}

/** The local part and the domain of an address, lower-cased; null for something that is not one. */
export function splitAddress(address: string): { local: string; domain: string } | null {
  const at = address.lastIndexOf("@");
  if (at <= 0 || at === address.length - 1) return null;
  const local = address.slice(0, at).trim().toLowerCase();
  const domain = address
    .slice(at + 1)
    .trim()
    .toLowerCase()
    .replace(/\.$/, "");
  if (!local || !domain || /[\s<>]/.test(local + domain)) return null;
  return { local, domain };
}

/** How long this instance trusts its list of the local domains (another instance may add one meanwhile). */
const DOMAINS_MS = 10_000;
let domains: { names: Promise<Set<string>>; until: number } | null = null;

/**
 * Whether mail for `domain` is ours. Every recipient of every message asks
 * this, so the list is read at most every 10 s; a domain a mail administrator
 * adds takes effect on every instance within that time.
 */
export async function isLocalDomain(domain: string): Promise<boolean> {
  const now = Date.now();
  if (!domains || domains.until <= now) {
    const names = MailDomain.findAll({ attributes: ["name"] }).then((rows) => new Set(rows.map((r) => r.name)));
    domains = { names, until: now + DOMAINS_MS };
    // A failed read is not kept.
    names.catch(() => (domains = null));
  }
  return (await domains.names).has(domain.toLowerCase());
}

/** Forgets the list of local domains (this instance added or removed one). */
export function forgetLocalDomains(): void {
  domains = null;
}

/** What an address is to this server. */
export type AddressLookup =
  | { kind: "mailbox"; mailbox: Mailbox }
  /** A domain this server does not receive mail for. */
  | { kind: "foreign" }
  /** A local domain, but nobody (no active user, no unit) has this address. */
  | { kind: "unknown" };

/**
 * The mailbox of an address, made on its first use: the existing row, else an
 * active user of that name, else a unit of that code.
 */
export async function lookUpAddress(address: string, quotaBytes: number): Promise<AddressLookup> {
  const parts = splitAddress(address);
  if (!parts || !(await isLocalDomain(parts.domain))) return { kind: "foreign" };
  const normalised = `${parts.local}@${parts.domain}`;
  const existing = await Mailbox.findOne({ where: { address: normalised } });
  if (existing) return { kind: "mailbox", mailbox: existing };
  const user = await User.findOne({ where: { username: parts.local, disabled: false }, attributes: ["id"] });
  if (user) return { kind: "mailbox", mailbox: await ensureMailbox(normalised, "personal", user.id, quotaBytes) };
  const unit = await Unit.findOne({
    where: { code: { [Op.in]: [`${CITY_PREFIX}${parts.local}`, parts.local] } },
    attributes: ["id", "code"],
    order: [["code", "DESC"]],
  });
  if (unit) return { kind: "mailbox", mailbox: await ensureMailbox(normalised, "unit", unit.id, quotaBytes) };
  return { kind: "unknown" };
}

/** Who is sending, for a list's rule on who may write to it. */
export interface SenderIdentity {
  /** MAIL FROM, lower-cased; "" for the null sender. */
  address: string;
  /** Signed in (submission, webmail); the MX's senders are not. */
  authenticated: boolean;
}

/** What a recipient address means: the mailboxes it reaches, or why it reaches none. */
export type Recipient =
  | { kind: "local"; mailboxes: Mailbox[]; list: MailList | null; alias: boolean }
  | { kind: "foreign" }
  | { kind: "unknown" }
  /** A list its sender may not write to. */
  | { kind: "refused" };

/**
 * Resolves a recipient: a mailbox (made on first use), an alias of one, or a
 * distribution list expanded now (its members, every unit's mailbox, or the
 * current leaders of a unit) if the sender may write to it.
 */
export async function resolveRecipient(
  address: string,
  sender: SenderIdentity,
  defaults: { domain: string; quotaBytes: number },
): Promise<Recipient> {
  const parts = splitAddress(address);
  if (!parts || !(await isLocalDomain(parts.domain))) return { kind: "foreign" };
  const normalised = `${parts.local}@${parts.domain}`;
  const alias = await MailAlias.findOne({ where: { address: normalised } });
  if (alias) {
    const mailbox = await Mailbox.findByPk(alias.mailboxId);
    return mailbox ? { kind: "local", mailboxes: [mailbox], list: null, alias: true } : { kind: "unknown" };
  }
  const list = await MailList.findOne({ where: { address: normalised } });
  if (list) {
    const mailboxes = await expandList(list, defaults);
    if (!(await maySendToList(list, sender, mailboxes))) return { kind: "refused" };
    return { kind: "local", mailboxes, list, alias: false };
  }
  const found = await lookUpAddress(address, defaults.quotaBytes);
  return found.kind === "mailbox" ? { kind: "local", mailboxes: [found.mailbox], list: null, alias: false } : found;
}

/** A list's mailboxes as they are now. */
export async function expandList(list: MailList, defaults: { domain: string; quotaBytes: number }): Promise<Mailbox[]> {
  if (list.kind === "members") {
    const members = await MailListMember.findAll({ where: { listId: list.id }, attributes: ["mailboxId"] });
    return members.length ? Mailbox.findAll({ where: { id: members.map((m) => m.mailboxId) } }) : [];
  }
  if (list.kind === "all_units") {
    // The public patrons' unit is no unit of the government: it has no mailbox.
    const units = await Unit.findAll({
      attributes: ["id", "code"],
      where: { kind: { [Op.ne]: PUBLIC_UNIT_KIND } },
      order: [["id", "ASC"]],
    });
    const mailboxes: Mailbox[] = [];
    for (const unit of units) mailboxes.push(await unitMailbox(unit, defaults));
    return mailboxes;
  }
  // The leaders of a unit: its people who hold the power to sign off (签发) documents, whatever their role's name.
  if (list.unitId === null) return [];
  const sequelize = Mailbox.sequelize as Sequelize;
  const leaders = await sequelize.query<{ id: number; username: string }>(
    `SELECT DISTINCT u.id AS id, u.username AS username FROM users u
       JOIN role_assignments ra ON ra.userId = u.id
       JOIN role_permissions rp ON rp.roleId = ra.roleId
      WHERE u.unitId = ? AND u.disabled = ? AND rp.permissionCode = 'oa.document.sign'
      ORDER BY u.id`,
    { replacements: [list.unitId, false], type: QueryTypes.SELECT },
  );
  const mailboxes: Mailbox[] = [];
  for (const leader of leaders) mailboxes.push(await personalMailbox(leader, defaults));
  return mailboxes;
}

async function maySendToList(list: MailList, sender: SenderIdentity, mailboxes: readonly Mailbox[]): Promise<boolean> {
  if (list.senders === "anyone") return true;
  if (!sender.authenticated) return false;
  if (list.senders === "local") return true;
  const addresses = new Set(mailboxes.map((m) => m.address));
  if (addresses.has(sender.address)) return true;
  // A member writing from another address of theirs (an alias of a member mailbox).
  const alias = await MailAlias.findOne({ where: { address: sender.address } });
  return alias !== null && mailboxes.some((m) => m.id === alias.mailboxId);
}

/** A person's personal mailbox, made on first use at <username>@<domain>. */
export async function personalMailbox(
  user: { id: number; username: string },
  defaults: { domain: string; quotaBytes: number },
): Promise<Mailbox> {
  const own = await Mailbox.findOne({ where: { userId: user.id, kind: "personal" }, order: [["id", "ASC"]] });
  return (
    own ?? ensureMailbox(`${user.username.toLowerCase()}@${defaults.domain}`, "personal", user.id, defaults.quotaBytes)
  );
}

/** The address a unit's mailbox has: its code without the city's prefix. */
export function unitLocalPart(code: string): string {
  return (code.startsWith(CITY_PREFIX) ? code.slice(CITY_PREFIX.length) : code).toLowerCase();
}

/** A unit's mailbox, made on first use at <code without "nanning.">@<domain>. */
export async function unitMailbox(
  unit: { id: number; code: string },
  defaults: { domain: string; quotaBytes: number },
): Promise<Mailbox> {
  const own = await Mailbox.findOne({ where: { unitId: unit.id, kind: "unit" }, order: [["id", "ASC"]] });
  return own ?? ensureMailbox(`${unitLocalPart(unit.code)}@${defaults.domain}`, "unit", unit.id, defaults.quotaBytes);
}

/**
 * The mailbox of an address with its standard folders; made once however many
 * deliveries ask at the same time. In the caller's transaction when one is
 * given (the caller then answers for an address taken meanwhile: the unique
 * index refuses it); otherwise in its own, taking the row another made first.
 */
export async function ensureMailbox(
  address: string,
  kind: MailboxKind,
  ownerId: number,
  quotaBytes: number,
  transaction?: Transaction,
): Promise<Mailbox> {
  const make = async (t: Transaction) => {
    const mailbox = await Mailbox.create(
      {
        address,
        kind,
        userId: kind === "personal" ? ownerId : null,
        unitId: kind === "unit" ? ownerId : null,
        quotaBytes,
      },
      { transaction: t },
    );
    await MailFolder.bulkCreate(
      STANDARD_FOLDERS.map((f) => ({ mailboxId: mailbox.id, name: f.name, role: f.role })),
      { transaction: t },
    );
    return mailbox;
  };
  if (transaction) return make(transaction);
  const sequelize = Mailbox.sequelize as Sequelize;
  try {
    return await sequelize.transaction(make);
  } catch (error) {
    if (!(error instanceof UniqueConstraintError)) throw error;
    const made = await Mailbox.findOne({ where: { address } });
    if (!made) throw error;
    return made;
  }
}
