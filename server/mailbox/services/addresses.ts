import { Op, UniqueConstraintError, type Sequelize, type Transaction } from "sequelize";
import { Unit, User } from "../../org/models/index.js";
import { MailDomain, Mailbox, MailFolder, STANDARD_FOLDERS, type MailboxKind } from "../models/index.js";

/**
 * Addresses and the mailboxes behind them. Every user has a personal mailbox
 * <username>@<domain>; every unit a shared one named by its code without the
 * city's prefix (jyj@nanning.gov.cn for nanning.jyj, 教育局). A mailbox row is
 * made the first time its address is used, with the standard folders.
 */

/** The prefix every unit code of the city starts with, left out of unit addresses. */
const CITY_PREFIX = "nanning.";

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

export async function isLocalDomain(domain: string): Promise<boolean> {
  return (await MailDomain.count({ where: { name: domain.toLowerCase() } })) > 0;
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

/** The mailbox of an address with its standard folders; made once however many deliveries ask at the same time. */
export async function ensureMailbox(
  address: string,
  kind: MailboxKind,
  ownerId: number,
  quotaBytes: number,
): Promise<Mailbox> {
  const sequelize = Mailbox.sequelize as Sequelize;
  try {
    return await sequelize.transaction(async (t: Transaction) => {
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
    });
  } catch (error) {
    if (!(error instanceof UniqueConstraintError)) throw error;
    const made = await Mailbox.findOne({ where: { address } });
    if (!made) throw error;
    return made;
  }
}
